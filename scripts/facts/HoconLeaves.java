// Prints every leaf path of a HOCON file (a jicofo, jvb or ice4j reference.conf), one per line:
// `<path>\t<line>`, parsed with the real Typesafe Config library (the parser jicofo and
// jitsi-videobridge use). Used by scripts/facts/extract to write our facts tables; upstream
// text never enters the repository, only the paths and the line numbers we cite.
//
//   java -cp /usr/share/java/typesafe-config.jar scripts/facts/HoconLeaves.java FILE [OFFSET]
//
// Each line is `<path>\t<line>\t<how>`: how is `reference.conf` for a key the file sets, and
// `reference.conf comment` for a key that only a commented-out line names (`#domain =`,
// `// brewery-jid = ...`): such a line is uncommented alone (an empty value becomes `""`) and
// the file parsed again; the leaves that appear are the keys it names, at their real place.
//
// A leaf is a value that is not an object, or an empty object (a map the user fills, such as
// `videobridge.apis.xmpp-client.configs`, printed with the suffix `{}`). The items of a list
// of objects are walked too, with the segment `[]` (`static-mappings[].name`). OFFSET is
// subtracted from each line (1 for our pinned copies, which start with a citation line).

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.io.File;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

public class HoconLeaves {
    static final TreeMap<String, Integer> out = new TreeMap<>();
    static int offset = 0;

    public static void main(String[] args) throws Exception {
        if (args.length > 1) {
            offset = Integer.parseInt(args[1]);
        }
        File file = new File(args[0]);
        ConfigObject root = ConfigFactory
                .parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false))
                .root();
        walk(new ArrayList<>(), root);
        TreeMap<String, Integer> set = new TreeMap<>(out);
        TreeMap<String, Integer> commented = new TreeMap<>();
        List<String> lines = Files.readAllLines(file.toPath());
        Pattern p = Pattern.compile("^(\\s*)(#|//)\\s*([a-z][A-Za-z0-9_-]*)\\s*(=)\\s*(.*)$");
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = p.matcher(lines.get(i));
            if (!m.matches()) {
                continue;
            }
            String value = m.group(5).trim();
            if (value.isEmpty()) {
                value = "\"\"";
            }
            out.clear();
            if (!tryLine(lines, i, m.group(1) + m.group(3) + " = " + value)
                    && !tryLine(lines, i, m.group(1) + m.group(3) + " = \"\"")) {
                continue;
            }
            for (String k : out.keySet()) {
                if (!set.containsKey(k) && !commented.containsKey(k)) {
                    commented.put(k, i + 1 - offset);
                }
            }
        }
        StringBuilder b = new StringBuilder();
        set.forEach((k, v) -> b.append(k).append('\t').append(v).append("\treference.conf\n"));
        commented.forEach((k, v) -> b.append(k).append('\t').append(v).append("\treference.conf comment\n"));
        System.out.print(b);
    }

    /** Parses `lines` with line `i` replaced by `line` into [out]; false when it does not parse. */
    static boolean tryLine(List<String> lines, int i, String line) {
        List<String> copy = new ArrayList<>(lines);
        copy.set(i, line);
        out.clear();
        try {
            walk(new ArrayList<>(), ConfigFactory.parseString(String.join("\n", copy)).root());
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    static void walk(List<String> path, ConfigValue v) {
        if (v instanceof ConfigObject o) {
            if (o.isEmpty() && !path.isEmpty()) {
                emit(path, "{}", v);
            }
            for (String k : o.keySet()) {
                List<String> p = new ArrayList<>(path);
                p.add(k);
                walk(p, o.get(k));
            }
        } else if (v instanceof ConfigList l && !l.isEmpty() && l.stream().allMatch(i -> i instanceof ConfigObject)) {
            for (ConfigValue item : l) {
                List<String> p = new ArrayList<>(path);
                p.add("[]");
                walk(p, item);
            }
        } else {
            emit(path, "", v);
        }
    }

    static void emit(List<String> path, String suffix, ConfigValue v) {
        StringBuilder b = new StringBuilder();
        for (String seg : path) {
            if (seg.equals("[]")) {
                b.append("[]");
                continue;
            }
            if (b.length() > 0) {
                b.append('.');
            }
            b.append(ConfigUtil.joinPath(seg));
        }
        String key = b + suffix;
        int line = v.origin().lineNumber() - offset;
        out.merge(key, line, Math::min);
    }
}
