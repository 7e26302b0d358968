// STAND-IN for jitsi-videobridge's private HTTP server (the real bridge cannot run here): it
// reads the rendered jvb.conf with Typesafe Config (Debian's libtypesafe-config-java, the parser
// the videobridge uses), listens where that file says, and answers each REST endpoint exactly
// when the videobridge would, by the rules of its code (cited below at the tags
// stable/jitsi-meet_11146, jitsi/jitsi-videobridge 4bb0aead, and stable/jitsi-meet_9646, 97a1f15b,
// which agree on every rule used here; jicoco e8384e2 is the version 4bb0aead pins).
//
//   java -cp /usr/share/java/typesafe-config.jar tests/live/JvbRestStandin.java \
//       --conf JVB_CONF --state DIR --ready FILE
//
// DIR/conferences holds the number of running conferences (the test writes it; missing = 0);
// the stand-in writes DIR/drain ("true"/"false") whenever drain mode changes and appends
// "METHOD PATH from ADDRESS -> STATUS" to DIR/requests.log for every request.

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

public class JvbRestStandin {
    // The defaults the videobridge falls back to when jvb.conf does not set a key: its
    // reference.conf (jvb/src/main/resources/reference.conf at 4bb0aead: videobridge.apis.rest
    // l.132-134, videobridge.rest l.138-161, http-servers.private.host l.174; at 97a1f15b:
    // l.114-116, l.120-140, l.153) and jicoco's JettyBundleActivatorConfig.kt (port l.33-37:
    // 8080; tls-port l.84-88: 8443).
    static final Map<String, Object> DEFAULTS = new TreeMap<>(Map.ofEntries(
            Map.entry("videobridge.apis.rest.enabled", false),
            Map.entry("videobridge.rest.debug.enabled", true),
            Map.entry("videobridge.rest.drain.enabled", true),
            Map.entry("videobridge.rest.health.enabled", true),
            Map.entry("videobridge.rest.prometheus.enabled", true),
            Map.entry("videobridge.rest.shutdown.enabled", false),
            Map.entry("videobridge.rest.version.enabled", true),
            Map.entry("videobridge.http-servers.private.host", "127.0.0.1"),
            Map.entry("videobridge.http-servers.private.port", 8080),
            Map.entry("videobridge.http-servers.private.tls-port", 8443)));

    static Config conf;

    static boolean flag(String path) {
        return conf.hasPath(path) ? conf.getBoolean(path) : (Boolean) DEFAULTS.get(path);
    }

    static String str(String path) {
        return conf.hasPath(path) ? conf.getString(path) : (String) DEFAULTS.get(path);
    }

    static int num(String path) {
        return conf.hasPath(path) ? conf.getInt(path) : (Integer) DEFAULTS.get(path);
    }

    // RestConfig.kt (4bb0aead and 97a1f15b alike): colibriEnabled = videobridge.apis.rest.enabled
    // (l.23-27) && the legacy ENABLE_REST_COLIBRI, default true (l.28-31, l.43-44);
    // shutdownEnabled = colibriEnabled && videobridge.rest.shutdown.enabled (l.64-73); drain,
    // health, debug, version, prometheus each by their own videobridge.rest.*.enabled (drain
    // l.78-80, health l.57-59, debug l.50-52; version and prometheus l.86-92 at 4bb0aead,
    // l.82-88 at 97a1f15b). ConfigFilter.java answers 404 for a resource whose API is off.
    static boolean colibri() { return flag("videobridge.apis.rest.enabled"); }

    record Endpoint(String method, String path, boolean enabled, String source) {}

    static List<Endpoint> endpoints() {
        List<Endpoint> e = new ArrayList<>();
        boolean drain = flag("videobridge.rest.drain.enabled");
        // rest/root/colibri/drain/Drain.java: @Path("/colibri/drain") (l.33 at 4bb0aead, l.32 at
        // 97a1f15b), POST /enable and /disable, GET the state; @EnabledByConfig(RestApis.DRAIN).
        e.add(new Endpoint("GET", "/colibri/drain", drain, "Drain.java"));
        e.add(new Endpoint("POST", "/colibri/drain/enable", drain, "Drain.java"));
        e.add(new Endpoint("POST", "/colibri/drain/disable", drain, "Drain.java"));
        // Application.java l.54-57 registers jicoco's Health (@Path("/about/health")) when the
        // health API is on; l.62-65 the Prometheus resource (@Path("/metrics")) likewise.
        e.add(new Endpoint("GET", "/about/health", flag("videobridge.rest.health.enabled"), "Health.java"));
        e.add(new Endpoint("GET", "/metrics", flag("videobridge.rest.prometheus.enabled"), "Prometheus.java"));
        e.add(new Endpoint("GET", "/about/version", flag("videobridge.rest.version.enabled"), "Version.java"));
        // rest/root/colibri/stats/Stats.java: @Path("/colibri/stats"), @EnabledByConfig(COLIBRI).
        e.add(new Endpoint("GET", "/colibri/stats", colibri(), "colibri/stats/Stats.java"));
        // rest/root/colibri/shutdown/Shutdown.java: POST /colibri/shutdown, @EnabledByConfig(SHUTDOWN).
        e.add(new Endpoint("POST", "/colibri/shutdown", colibri() && flag("videobridge.rest.shutdown.enabled"), "Shutdown.java"));
        // rest/root/debug/Debug.java: @Path("/debug"), @EnabledByConfig(DEBUG).
        e.add(new Endpoint("GET", "/debug", flag("videobridge.rest.debug.enabled"), "debug/Debug.java"));
        return e;
    }

    static Path state;
    static volatile boolean drainMode = false; // videobridge.initial-drain-mode (reference.conf l.396; 9646 l.369)

    static int conferences() {
        try {
            return Integer.parseInt(Files.readString(state.resolve("conferences")).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    static synchronized void log(String line) throws IOException {
        Files.writeString(state.resolve("requests.log"), line + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    static void answer(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            try (OutputStream o = x.getResponseBody()) {
                o.write(b);
            }
        }
        log(x.getRequestMethod() + " " + x.getRequestURI().getPath() + " from "
                + x.getRemoteAddress().getAddress().getHostAddress() + " -> " + status);
        x.close();
    }

    public static void main(String[] args) throws Exception {
        String confPath = null, ready = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--conf" -> confPath = args[i + 1];
                case "--state" -> state = Path.of(args[i + 1]);
                case "--ready" -> ready = args[i + 1];
                default -> throw new IllegalArgumentException(args[i]);
            }
        }
        // ${?VAR} substitutions (the password) resolve against this JVM's environment, as in the
        // videobridge; an unset one drops its key, which this stand-in does not read.
        conf = ConfigFactory.parseFile(new File(confPath)).resolve();
        List<Endpoint> eps = endpoints();
        String host = str("videobridge.http-servers.private.host");
        int port = num("videobridge.http-servers.private.port");
        // Main.kt (4bb0aead l.142-164): the private server starts when JettyBundleActivatorConfig
        // .isEnabled() (jicoco JettyHelpers.kt l.113: port != -1 || tls-port != -1) and binds its
        // host (all addresses when unset; reference.conf sets 127.0.0.1).
        if (port == -1) {
            System.out.println("stand-in jvb: the private HTTP server is off (port -1)");
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
        server.createContext("/", x -> {
            String method = x.getRequestMethod(), path = x.getRequestURI().getPath();
            for (Endpoint e : eps) {
                if (!e.path.equals(path)) continue;
                if (!e.enabled) { answer(x, 404, ""); return; }
                if (!e.method.equals(method) && !(method.equals("HEAD") && e.method.equals("GET"))) continue;
                switch (path) {
                    case "/colibri/drain/enable" -> { drainMode = true; writeDrain(); answer(x, 200, ""); }
                    case "/colibri/drain/disable" -> { drainMode = false; writeDrain(); answer(x, 200, ""); }
                    case "/colibri/drain" -> answer(x, 200, "{\"drain\":" + drainMode + "}");
                    case "/about/health" -> answer(x, 200, "");
                    // VideobridgeMetrics.kt: gauge "conferences" in the container of namespace
                    // "jitsi_jvb" (VideobridgeMetricsContainer.kt l.23), drain_mode likewise.
                    case "/metrics" -> answer(x, 200,
                            "# TYPE jitsi_jvb_conferences gauge\njitsi_jvb_conferences " + conferences()
                                    + "\n# TYPE jitsi_jvb_drain_mode gauge\njitsi_jvb_drain_mode " + (drainMode ? 1 : 0) + "\n");
                    default -> answer(x, 200, "{}");
                }
                return;
            }
            answer(x, eps.stream().anyMatch(e -> e.path.equals(path)) ? 405 : 404, "");
        });
        server.start();
        writeDrain();
        StringBuilder on = new StringBuilder(), off = new StringBuilder();
        for (Endpoint e : eps) (e.enabled ? on : off).append(' ').append(e.method).append(' ').append(e.path);
        System.out.println("stand-in jvb: Typesafe Config read " + confPath + "; private HTTP server on "
                + host + ":" + port + "; answers:" + on + "; 404:" + off);
        Files.writeString(Path.of(ready), "ready\n");
        Thread.sleep(Long.MAX_VALUE);
    }

    static void writeDrain() throws IOException {
        Files.writeString(state.resolve("drain"), drainMode + "\n");
    }
}
