// Reads HOCON files with the Typesafe Config library (the parser family jicofo and
// jitsi-videobridge use). `${?VAR}` substitutions resolve against this JVM's environment, as
// they do for the services. Pass absolute paths: with a relative one, a relative `include` is
// silently skipped. Two ways to run it:
//
//   java -cp /usr/share/java/typesafe-config.jar tests/consumers/Hocon.java /abs/a.conf ...
//
// prints one JSON object: each path -> its resolved config, rendered as concise JSON. Every file
// is tried; one that does not parse or resolve is reported on stderr ("<path>: <message>", with
// the parser's line number) and makes the exit status 1.
//
//   java -cp /usr/share/java/typesafe-config.jar tests/consumers/Hocon.java
//
// (no arguments) serves many files from one long-lived JVM (starting one costs about a second,
// a parse a millisecond): each line of standard input is a path, and for each one line is
// printed, `{"ok":true,"config":<the resolved config>}` or `{"ok":false,"error":"..."}`.

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

public class Hocon {
    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            serve();
        } else {
            System.exit(check(args) ? 0 : 1);
        }
    }

    /** The resolved config of the file at `path` as concise JSON. */
    private static String parse(String path) {
        File file = new File(path);
        if (!file.isAbsolute()) {
            throw new IllegalArgumentException("not an absolute path");
        }
        return ConfigFactory
                .parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false))
                .resolve()
                .root()
                .render(ConfigRenderOptions.concise());
    }

    /** Prints `{path: config, ...}` for `paths`; false when one did not parse or resolve. */
    private static boolean check(String[] paths) {
        StringBuilder out = new StringBuilder("{");
        boolean ok = true;
        for (String path : paths) {
            try {
                String json = parse(path);
                if (out.length() > 1) {
                    out.append(',');
                }
                out.append(quote(path)).append(':').append(json);
            } catch (ConfigException | IllegalArgumentException e) {
                System.err.println(path + ": " + e.getMessage());
                ok = false;
            }
        }
        System.out.println(out.append('}'));
        return ok;
    }

    /** One reply line per path read from standard input. */
    private static void serve() throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        String path;
        while ((path = in.readLine()) != null) {
            String reply;
            try {
                reply = "{\"ok\":true,\"config\":" + parse(path) + "}";
            } catch (ConfigException | IllegalArgumentException e) {
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
