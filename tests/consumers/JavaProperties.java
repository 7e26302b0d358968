// Reads Java properties files the way jigasi reads sip-communicator.properties: with Java's
// own java.util.Properties.load(InputStream) (ISO 8859-1, backslash-u escapes), as jitsi/libjitsi's
// PropertyConfigurationStore does (src/main/java/org/jitsi/impl/configuration/
// PropertyConfigurationStore.java at fc2dae73), then decodes each account's PASSWORD as
// jitsi's AccountManager does: base64, then `new String(bytes)` with the JVM's default charset
// (jitsi/jitsi modules/service/protocol/src/main/java/net/java/sip/communicator/service/
// protocol/AccountManager.java l.182-194 at 129b23b8). Run it with the locale jigasi's unit
// gets (our drop-in sets LC_ALL=C.UTF-8):
//
//   java tests/consumers/JavaProperties.java FILE...
//
// prints one JSON object: each path -> {"properties": {key: value}, "passwords": {key:
// decoded}}. A file that does not load is reported on stderr and makes the exit status 1.

import java.io.BufferedInputStream;
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.Base64;
import java.util.Properties;
import java.util.TreeMap;

public class JavaProperties {
    public static void main(String[] args) {
        StringBuilder out = new StringBuilder("{");
        boolean ok = true;
        for (int i = 0; i < args.length; i++) {
            Properties p = new Properties();
            try (InputStream in = new BufferedInputStream(new FileInputStream(args[i]))) {
                p.load(in);
            } catch (Exception e) {
                System.err.println(args[i] + ": " + e);
                ok = false;
                continue;
            }
            TreeMap<String, String> props = new TreeMap<>();
            TreeMap<String, String> passwords = new TreeMap<>();
            for (String key : p.stringPropertyNames()) {
                String value = p.getProperty(key);
                props.put(key, value);
                if (key.startsWith("net.java.sip.communicator.impl.protocol.")
                        && key.endsWith(".PASSWORD") && !value.isEmpty()) {
                    passwords.put(key, new String(Base64.getDecoder().decode(value)));
                }
            }
            if (out.length() > 1) {
                out.append(',');
            }
            out.append(json(args[i])).append(":{\"properties\":").append(object(props))
                    .append(",\"passwords\":").append(object(passwords)).append('}');
        }
        System.out.println(out.append('}'));
        System.exit(ok ? 0 : 1);
    }

    private static String object(TreeMap<String, String> map) {
        StringBuilder b = new StringBuilder("{");
        map.forEach((k, v) -> {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append(json(k)).append(':').append(json(v));
        });
        return b.append('}').toString();
    }

    /** A JSON string, every character beyond printable ASCII escaped. */
    private static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
