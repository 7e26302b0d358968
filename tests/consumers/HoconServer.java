// Reads HOCON files with the Typesafe Config library (the parser family jicofo and
// jitsi-videobridge use), one after another in one long-lived JVM: starting a JVM costs about
// a second, a parse a millisecond.
//
//   java -cp /usr/share/java/typesafe-config.jar tests/consumers/HoconServer.java
//
// Each line of standard input is an absolute file path. For each, one line is printed:
// `{"ok":true,"config":<the resolved config as concise JSON>}`, or `{"ok":false,"error":"..."}`
// when the file does not parse or resolve. `${?VAR}` resolves against this JVM's environment.

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

public class HoconServer {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        String path;
        while ((path = in.readLine()) != null) {
            String reply;
            try {
                String json = ConfigFactory
                        .parseFile(new File(path), ConfigParseOptions.defaults().setAllowMissing(false))
                        .resolve()
                        .root()
                        .render(ConfigRenderOptions.concise());
                reply = "{\"ok\":true,\"config\":" + json + "}";
            } catch (ConfigException e) {
                reply = "{\"ok\":false,\"error\":" + quote(e.getMessage()) + "}";
            } catch (RuntimeException e) {
                reply = "{\"ok\":false,\"error\":" + quote(e.toString()) + "}";
            }
            out.print(reply);
            out.print('\n');
            out.flush();
        }
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
