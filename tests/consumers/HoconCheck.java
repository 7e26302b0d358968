// Parses HOCON files with the Typesafe Config library (the parser family jicofo and
// jitsi-videobridge use) and prints one JSON object: absolute file path -> the resolved
// config, rendered as concise JSON. `${?VAR}` substitutions resolve against this JVM's
// environment, as they do for the services.
//
//   java -cp /usr/share/java/typesafe-config.jar tests/consumers/HoconCheck.java /abs/a.conf ...
//
// Every file is tried; a file that does not parse or resolve is reported on stderr
// ("<path>: <message>", with the parser's line number) and makes the exit status 1.
// Pass absolute paths: with a relative one, a relative `include` is silently skipped.

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import java.io.File;

public class HoconCheck {
    public static void main(String[] args) {
        StringBuilder out = new StringBuilder("{");
        boolean failed = false;
        boolean first = true;
        for (String path : args) {
            File file = new File(path);
            if (!file.isAbsolute()) {
                System.err.println(path + ": not an absolute path");
                failed = true;
                continue;
            }
            try {
                String json = ConfigFactory
                        .parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false))
                        .resolve()
                        .root()
                        .render(ConfigRenderOptions.concise());
                if (!first) {
                    out.append(',');
                }
                first = false;
                out.append(quote(path)).append(':').append(json);
            } catch (ConfigException e) {
                System.err.println(path + ": " + e.getMessage());
                failed = true;
            }
        }
        out.append('}');
        System.out.println(out);
        System.exit(failed ? 1 : 0);
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
