//! What a change does to running services (issue 14, D2 and D6): a bridge is drained through
//! jvb's own drain API and restarted only once its conferences ended; prosody is restarted only
//! when a reload (SIGHUP) cannot apply the change; every port the packages open is guarded.
//!
//! The drain itself runs against a stand-in bridge in network namespaces: `tests/live/run drain-1`.
//! A jibri's drain (issue 20) runs here, against a stand-in of jibri's HTTP APIs.

mod common;

use common::example;
use jitsi_topology::bundle::{FirewallRule, Host};

fn render(text: &str) -> jitsi_topology::Bundle {
    match jitsi_topology::render(text, &common::example_env()) {
        Ok(r) => r.bundle,
        Err(e) => panic!("the model renders: {e}"),
    }
}

/// Whether a TCP connection from `from` (not loopback) to `port` gets past the host's rules:
/// the first rule that matches decides; without one, the policy does.
fn admits_tcp(host: &Host, port: u16, from: std::net::IpAddr) -> bool {
    let fw = host.firewall.as_ref().expect("the host has a firewall");
    let hit = |r: &&FirewallRule| {
        (r.protocol == "tcp" || r.protocol == "any")
            && ((r.ports.is_empty() && r.port_ranges.is_empty())
                || r.ports.contains(&port)
                || r.port_ranges.iter().any(|[a, b]| (*a..=*b).contains(&port)))
            && r.sources
                .as_ref()
                .is_none_or(|nets| nets.iter().any(|n| n.contains(&from)))
    };
    match fw.rules.iter().find(hit) {
        Some(r) => r.action == "accept",
        None => fw.policy == "accept",
    }
}

#[test]
fn every_port_the_signalling_packages_open_for_local_use_stays_local() {
    // Debian's prosody 0.12 serves HTTP on 5280 and HTTPS on 5281 on every address, s2s on 5269
    // (its prosody.cfg.lua and core defaults; a reload keeps those listeners, see
    // evidence-prosody-0.12.3-sighup.log), the component port 5347 and jicofo's REST 8888.
    let outsider: std::net::IpAddr = "203.0.113.9".parse().unwrap();
    for name in [
        "handbook.yaml",
        "older-release.yaml",
        "shards.yaml",
        "ipv6.yaml",
    ] {
        let bundle = render(&example(name));
        let signalling: Vec<&Host> = bundle
            .hosts
            .iter()
            .filter(|h| h.roles.contains(&jitsi_topology::bundle::Role::Signaling))
            .collect();
        assert!(!signalling.is_empty(), "{name}");
        for host in signalling {
            for port in [5269, 5280, 5281, 5347, 8888] {
                assert!(
                    !admits_tcp(host, port, outsider),
                    "{name}: {} admits {outsider} on TCP {port}, which the packages open for local use only",
                    host.name
                );
            }
        }
    }
}

/// The action `plan` gives prosody on the signalling host `host` going from `old` to `new`
/// (`None` for no model: a first deployment).
fn prosody_action(old: Option<&str>, new: &str, host: &str) -> Option<&'static str> {
    // A manifest of no hosts, read as a caller reads one (Manifest is non-exhaustive).
    let empty: jitsi_topology::Manifest<'static> =
        serde_json::from_str(r#"{"format": 1, "release": "", "generator": "", "hosts": []}"#)
            .expect("an empty manifest");
    let old_bundle = old.map(render);
    let new_bundle = render(new);
    let old = old_bundle.as_ref().map_or(empty, |b| b.manifest(false));
    let plan = jitsi_topology::plan::plan(&old, &new_bundle.manifest(false));
    let h = plan
        .hosts
        .iter()
        .find(|h| h.name == host)
        .expect("the host");
    h.services
        .iter()
        .find(|s| s.name == "prosody")
        .map(|s| match s.action {
            jitsi_topology::bundle::ServiceAction::Reload => "reload",
            jitsi_topology::bundle::ServiceAction::Restart => "restart",
            jitsi_topology::bundle::ServiceAction::Drain => "drain",
            other => panic!("a service action this test does not know: {other:?}"),
        })
}

#[test]
fn a_first_deployment_restarts_prosody_since_a_reload_keeps_the_packages_listeners() {
    let handbook = example("handbook.yaml");
    assert_eq!(
        prosody_action(None, &handbook, "meet.example.com"),
        Some("restart")
    );
    // The service step a from-scratch deployment runs restarts it too.
    let bundle = render(&handbook);
    let step = bundle
        .host("meet.example.com")
        .unwrap()
        .steps
        .iter()
        .find_map(|s| match s {
            jitsi_topology::bundle::Step::Service {
                service, command, ..
            } if service == "prosody" => Some(command.clone()),
            _ => None,
        });
    assert_eq!(
        step.as_deref(),
        Some(
            &[
                "systemctl".to_owned(),
                "restart".into(),
                "prosody.service".into()
            ][..]
        )
    );
}

#[test]
fn a_new_module_restarts_prosody_a_new_certificate_path_only_reloads_it() {
    let host = "meet.example.net";
    let ipv6 = example("ipv6.yaml");
    // TURN adds mod_external_services and its secret (inline here, so no drop-in of prosody's
    // changes with it): a reload would load neither.
    let turn = format!(
        "{ipv6}turn: {{ host: {host}, address: \"2001:db8:60::10\", domain: turn.meet.example.net }}\n"
    )
    .replace(
        "secrets:\n",
        "secrets:\n  turn: { value: turn-secret-for-this-test-0123 }\n",
    );
    assert_eq!(prosody_action(Some(&ipv6), &turn, host), Some("restart"));
    // Another certificate for auth.<domain> (trust.certificate): the TLS context is all that
    // changes, which a reload applies; the XMPP sessions stay.
    let moved = ipv6
        .replace(
            "/etc/ssl/jitsi/auth.meet.example.net.crt",
            "/etc/ssl/jitsi/auth-2027.crt",
        )
        .replace(
            "/etc/ssl/jitsi/auth.meet.example.net.key",
            "/etc/ssl/jitsi/auth-2027.key",
        );
    assert_eq!(prosody_action(Some(&ipv6), &moved, host), Some("reload"));
    // A change elsewhere (another bridge) leaves prosody alone.
    assert_eq!(prosody_action(Some(&ipv6), &ipv6, host), None);
}

/// The position of the first step `is` matches in `host`'s steps.
fn position(host: &Host, is: impl Fn(&jitsi_topology::bundle::Step) -> bool) -> Option<usize> {
    host.steps.iter().position(is)
}

#[test]
fn a_bridge_is_drained_before_its_packages_install_and_counts_as_back_when_every_shards_jicofo_lists_it()
 {
    use jitsi_topology::bundle::Step;
    // jitsi-videobridge2's installer stops the bridge on every configure: the drain comes first.
    let bundle = render(&example("shards.yaml"));
    let jvb1 = bundle.host("jvb1.meet.example.com").unwrap();
    let drain = position(jvb1, |s| matches!(s, Step::DrainBridge { .. })).expect("a drain step");
    let install = position(jvb1, |s| matches!(s, Step::InstallPackages { .. })).unwrap();
    assert_eq!(
        drain + 1,
        install,
        "the drain comes right before the packages"
    );
    let Step::DrainBridge {
        command,
        undrain,
        restart,
        listed_by,
        ..
    } = &jvb1.steps[drain]
    else {
        unreachable!()
    };
    assert_eq!(command.last().map(String::as_str), Some("drain"));
    assert_eq!(undrain.last().map(String::as_str), Some("undrain"));
    assert_eq!(
        restart,
        &["systemctl", "restart", "jitsi-videobridge2.service"]
    );
    // jvb1 serves both shards (the model gives it no `shards`): each shard's jicofo must list
    // it, under the JID it joins the brewery with (brewery JID / nickname), read on loopback
    // of that shard's signalling host.
    let listed: Vec<(&str, &str, &str)> = listed_by
        .iter()
        .map(|l| (l.host.as_str(), l.url.as_str(), l.bridge.as_str()))
        .collect();
    let jid = "jvbbrewery@internal.auth.meet.example.com/jvb1.meet.example.com";
    assert_eq!(
        listed,
        [
            (
                "shard-a.meet.example.com",
                "http://127.0.0.1:8888/debug",
                jid
            ),
            (
                "shard-b.meet.example.com",
                "http://127.0.0.1:8888/debug",
                jid
            ),
        ]
    );
    // The JID is the one the bridge's jvb.conf joins the brewery with.
    let jvb_conf = jvb1
        .files
        .iter()
        .find(|f| f.path == "/etc/jitsi/videobridge/jvb.conf")
        .unwrap();
    let text = jvb_conf.content.clone();
    assert!(
        text.contains("\"jvbbrewery@internal.auth.meet.example.com\""),
        "{text}"
    );
    assert!(text.contains("\"jvb1.meet.example.com\""), "{text}");
}

#[test]
fn a_shard_leaves_the_front_door_before_its_packages_install_and_comes_back_through_haproxys_runtime_api()
 {
    use jitsi_topology::bundle::Step;
    let bundle = render(&example("shards.yaml"));
    let door = bundle.host("door.meet.example.com").unwrap();
    let haproxy = door
        .files
        .iter()
        .find(|f| f.path == "/etc/haproxy/haproxy.cfg")
        .unwrap();
    let cfg = haproxy.content.clone();
    assert!(
        cfg.contains("stats socket /run/haproxy/admin.sock mode 660 level admin"),
        "{cfg}"
    );
    for (host, shard) in [
        ("shard-a.meet.example.com", "shard-a"),
        ("shard-b.meet.example.com", "shard-b"),
    ] {
        let h = bundle.host(host).unwrap();
        let drain = position(h, |s| matches!(s, Step::DrainShard { .. })).expect("a drain step");
        let install = position(h, |s| matches!(s, Step::InstallPackages { .. })).unwrap();
        assert_eq!(drain + 1, install, "{host}");
        let Step::DrainShard {
            front_door,
            server,
            command,
            undrain,
            health_url,
            ..
        } = &h.steps[drain]
        else {
            unreachable!()
        };
        assert_eq!(front_door, "door.meet.example.com");
        // The server HAProxy knows: the backend and the server line of the rendered config.
        assert_eq!(server, &format!("shards/{shard}"));
        assert!(cfg.contains("backend shards\n"), "{cfg}");
        assert!(cfg.contains(&format!("    server {shard} ")), "{cfg}");
        assert_eq!(
            command.last().unwrap(),
            &format!("set server shards/{shard} state maint")
        );
        assert_eq!(
            undrain.last().unwrap(),
            &format!("set server shards/{shard} state ready")
        );
        assert_eq!(health_url, "http://127.0.0.1:8888/about/health");
    }
    // Without a front door there is nothing to take a shard out of.
    let handbook = render(&example("handbook.yaml"));
    let h = handbook.host("meet.example.com").unwrap();
    assert_eq!(position(h, |s| matches!(s, Step::DrainShard { .. })), None);
}

/// A stand-in of jibri's two HTTP APIs (jibri cannot run here), answering by jibri's own rules
/// (jitsi/jibri 82e70339): `POST /jibri/api/internal/v1.0/gracefulShutdown` on 3333
/// (InternalHttpApi.kt l.49-55) asks jibri to exit once idle, with status 255 (Main.kt
/// l.113-119: its unit does not restart it); `GET /jibri/api/v1.0/health` on 2222 (HttpApi.kt
/// l.88-97) reports `status.busyStatus`, `BUSY` while the recording runs. argv: the state folder
/// (`busy`: how many more health reads say BUSY, -1 forever; `active`: the unit runs) and nothing else.
const JIBRI_STANDIN: &str = r#"
import http.server, json, os, sys, threading
state = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def answer(self, code, body=b""):
        self.send_response(code); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_POST(self):
        if self.server.server_port == 3333 and self.path == "/jibri/api/internal/v1.0/gracefulShutdown":
            open(os.path.join(state, "shutdown"), "w").close(); self.answer(200)
        else: self.answer(404)
    def do_GET(self):
        if self.server.server_port != 2222 or self.path != "/jibri/api/v1.0/health": return self.answer(404)
        p = os.path.join(state, "busy"); n = int(open(p).read())
        if n > 0: open(p, "w").write(str(n - 1))
        if n == 0 and os.path.exists(os.path.join(state, "shutdown")) and os.path.exists(os.path.join(state, "active")):
            os.remove(os.path.join(state, "active"))  # idle after a graceful shutdown: jibri exits
        self.answer(200, json.dumps({"status": {"busyStatus": "IDLE" if n == 0 else "BUSY"}}).encode())
for port in (3333, 2222):
    s = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
    threading.Thread(target=s.serve_forever, daemon=True).start()
open(os.path.join(state, "ready"), "w").close()
threading.Event().wait()
"#;

/// A change never cuts a recording (issue 20): the rendered drain-jibri helper, run against a
/// STAND-IN of jibri's HTTP APIs (above) and of systemctl (it records) in a network namespace of
/// its own, asks for the graceful shutdown, waits while jibri is BUSY and restarts it only once
/// it went idle and exited; at its time limit it restarts nothing and exits 75.
#[test]
fn a_jibri_restarts_only_after_its_recording_ended() {
    if not_root() {
        println!("skipped: needs root for a network namespace (unshare --net)");
        return;
    }
    let bundle = render(&example("recording"));
    let host = bundle
        .hosts
        .iter()
        .find(|h| h.name == "jibri1.meet.example.com")
        .expect("the example's first jibri");
    let helper = host
        .files
        .iter()
        .find(|f| f.path.ends_with("/drain-jibri"))
        .expect("the drain-jibri helper");
    let run = |busy: i32, timeout: &str| -> (i32, String, String) {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("drain-jibri"), &helper.content).unwrap();
        std::fs::write(d.join("standin.py"), JIBRI_STANDIN).unwrap();
        std::fs::create_dir(d.join("bin")).unwrap();
        std::fs::write(
            d.join("bin/systemctl"),
            "#!/bin/sh\ncase \"$1\" in\nis-active) [ -e \"$STATE/active\" ] ;;\n\
             restart) echo \"restart $2 busy=$(cat \"$STATE/busy\")\" >>\"$STATE/log\"; touch \"$STATE/active\" ;;\n\
             *) echo \"$*\" >>\"$STATE/log\" ;;\nesac\n",
        )
        .unwrap();
        std::fs::write(d.join("busy"), busy.to_string()).unwrap();
        std::fs::write(d.join("active"), "").unwrap();
        let script = format!(
            "ip link set lo up; python3 standin.py . & p=$!; \
             for i in $(seq 50); do [ -e ready ] && break; sleep 0.1; done; \
             chmod +x bin/systemctl; \
             STATE=$PWD PATH=$PWD/bin:$PATH JITSI_TOPOLOGY_DRAIN_POLL=0.1 JITSI_TOPOLOGY_DRAIN_TIMEOUT={timeout} sh drain-jibri; \
             rc=$?; kill $p; exit $rc"
        );
        let out = std::process::Command::new("unshare")
            .args(["--net", "sh", "-c", &script])
            .current_dir(d)
            .output()
            .expect("run unshare");
        let log = std::fs::read_to_string(d.join("log")).unwrap_or_default();
        (
            out.status.code().unwrap_or(-1),
            log,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Busy for three more readings: the restart comes once jibri is idle and gone.
    let (rc, log, said) = run(3, "60");
    assert_eq!(rc, 0, "{said}");
    assert_eq!(log.trim(), "restart jibri.service busy=0", "{said}");
    assert!(said.contains("BUSY: waiting"), "{said}");
    // Busy forever: at the time limit nothing is restarted.
    let (rc, log, said) = run(-1, "1");
    assert_eq!(rc, 75, "{said}");
    assert!(!log.contains("restart"), "{log}\n{said}");
}

/// Whether this process is not root (for the namespace the test needs).
fn not_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() != "0")
        .unwrap_or(true)
}
