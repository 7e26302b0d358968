//! One place decides: validation reads every `{env}` secret once and resolve carries what it
//! read, so what was checked is what gets rendered.

use std::cell::RefCell;
use std::collections::BTreeMap;

const MODEL: &str = r#"
domain: meet.example.com
tls: { mode: own, certificate: /etc/ssl/meet.crt, key: /etc/ssl/meet.key }
secrets:
  focus: { env: FOCUS_PASSWORD }
  jvb: { env: JVB_PASSWORD }
signaling: { host: meet.example.com, address: 10.0.0.10 }
bridges:
  - { host: jvb1.example.com, address: 10.0.0.11, public_address: 198.51.100.11 }
"#;

/// An environment that answers each variable once only, as one whose variable is unset
/// between two reads would.
struct OnceEnv {
    values: BTreeMap<&'static str, &'static str>,
    reads: RefCell<Vec<String>>,
}

impl jitsi_topology::SecretEnv for OnceEnv {
    fn var(&self, name: &str) -> Option<String> {
        let first = !self.reads.borrow().iter().any(|n| n == name);
        self.reads.borrow_mut().push(name.to_owned());
        first
            .then(|| self.values.get(name).map(|v| (*v).to_owned()))
            .flatten()
    }
}

#[test]
fn each_env_secret_is_read_once_and_the_validated_value_is_the_rendered_one() {
    let env = OnceEnv {
        values: BTreeMap::from([
            ("FOCUS_PASSWORD", "focus-from-env-0123456789"),
            ("JVB_PASSWORD", "jvb-from-env-0123456789abc"),
        ]),
        reads: RefCell::new(Vec::new()),
    };
    let rendered = jitsi_topology::render(MODEL, &env).expect("the model is valid");
    let file = |host: &str, path: &str| {
        let h = rendered
            .bundle
            .hosts
            .iter()
            .find(|h| h.name == host)
            .unwrap();
        h.files
            .iter()
            .find(|f| f.path == path)
            .unwrap()
            .content
            .clone()
    };
    let jvb = file("jvb1.example.com", "/etc/jitsi/videobridge/jvb.conf");
    let jicofo = file("meet.example.com", "/etc/jitsi/jicofo/jicofo.conf");
    assert!(
        jvb.contains(r#"PASSWORD = "jvb-from-env-0123456789abc""#),
        "jvb.conf's password is not the one validated:\n{}",
        jvb.lines()
            .filter(|l| l.contains("PASSWORD"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        jicofo.contains(r#"password = "focus-from-env-0123456789""#),
        "jicofo.conf's password is not the one validated:\n{}",
        jicofo
            .lines()
            .filter(|l| l.contains("password"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let mut reads = env.reads.borrow().clone();
    reads.sort();
    assert_eq!(
        reads,
        ["FOCUS_PASSWORD", "JVB_PASSWORD"],
        "each variable is read once"
    );
}

#[test]
fn a_missing_env_secret_is_an_error_never_an_empty_password() {
    let env = |_: &str| None::<String>;
    let err = jitsi_topology::render(MODEL, &env).expect_err("nothing renders");
    let text = err.to_string();
    assert!(text.contains("env-missing"), "{text}");
    assert!(text.contains("/secrets/focus/env"), "{text}");
    assert!(text.contains("/secrets/jvb/env"), "{text}");
}

/// Every file in `dir` with extension `ext`: name → text.
fn sources(dir: &str, ext: &str) -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(ext))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no {ext} in {}", dir.display());
    out
}

/// A line that is only a comment, in any of the languages we render (or Rust).
fn is_comment(line: &str) -> bool {
    let t = line.trim_start();
    ["#", "--", "//", "/*", "* ", "{#"]
        .iter()
        .any(|c| t.starts_with(c))
}

/// The inside of every `{{ … }}` and `{% … %}` of a template.
fn tags(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(['{']) {
        let after = &rest[start..];
        let close = match after.get(..2) {
            Some("{{") => "}}",
            Some("{%") => "%}",
            _ => {
                rest = &after[1..];
                continue;
            }
        };
        let end = after.find(close).expect("a closed tag");
        out.push(&after[2..end]);
        rest = &after[end + 2..];
    }
    out
}

/// What only resolve may spell out: account names and JIDs, the name prefixes it derives,
/// our folders and the firewall table's name.
const DECIDED_IN_RESOLVE: &[&str] = &[
    "focus@",
    "jvb@",
    "jvbbrewery",
    "\"focus\"",
    "\"jvb\"",
    "'focus'",
    "'jvb'",
    "auth.",
    "conference.",
    "/etc/",
    "/usr/",
    "jitsi_topology",
];

/// The well-known ports a template prints from the deployment's ports, never literally.
const PORTS_IN_RESOLVE: &[&str] = &[
    "80", "443", "3478", "5222", "5269", "5280", "5281", "5347", "5349", "8080", "8888", "9090",
    "10000", "49152", "65535",
];

#[test]
fn templates_only_print_what_the_deployment_holds() {
    let mut found = Vec::new();
    for (name, text) in sources("templates", ".j2") {
        for tag in tags(&text) {
            // `~` joins strings: a template building a name or a path.
            if tag.contains('~') {
                found.push(format!("{name}: `{{{{{tag}}}}}` joins strings with ~"));
            }
        }
        for (i, line) in text.lines().enumerate() {
            if is_comment(line) {
                continue;
            }
            // What the template prints literally, without its tags.
            let literal: String = {
                let mut l = line.to_owned();
                for tag in tags(line) {
                    l = l.replace(tag, "");
                }
                l
            };
            for word in DECIDED_IN_RESOLVE {
                if literal.contains(word) {
                    found.push(format!("{name}:{}: spells out {word}: {line}", i + 1));
                }
            }
            for number in literal.split(|c: char| !c.is_ascii_digit()) {
                if PORTS_IN_RESOLVE.contains(&number) {
                    found.push(format!(
                        "{name}:{}: spells out port {number}: {line}",
                        i + 1
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "templates deciding what resolve decides:\n{}",
        found.join("\n")
    );
}

#[test]
fn renderers_derive_no_name_and_no_path_and_decide_no_rule_or_step() {
    // In Rust, a name prefix is a string literal's start (`d.auth.x` is a field).
    let mut forbidden: Vec<&str> = DECIDED_IN_RESOLVE
        .iter()
        .map(|w| match *w {
            "auth." => "\"auth.",
            "conference." => "\"conference.",
            w => w,
        })
        .collect();
    forbidden.extend([
        // Building a JID or a path from our folders.
        "@{",
        "_DIR",
        "\"/run/",
        "\"/usr/local/",
        ".service.d",
        "/certs/",
        // A file's mode, owner or group (resolve's FileAccess).
        "0o",
        "\"root\"",
        "\"jitsi\"",
        "\"prosody\"",
        "\"turnserver\"",
        "\"jicofo\"",
        // A debconf question (resolve's Debconf).
        "jitsi-meet/",
        "jitsi-videobridge/",
        // A port (resolve's constants and `Deployment::ports`).
        "_PORT",
        // A firewall rule: which port, from which networks (resolve/firewall.rs).
        "FirewallRule {",
        "FirewallPlan {",
        "\"accept\"",
        "\"drop\"",
        "\"tcp\"",
        "\"udp\"",
        // A step, an account or a host's packages and roles (resolve/steps.rs, resolve/hosts.rs).
        "Step::",
        "Account {",
        "Role::",
        "packages.extend",
        "systemctl",
        "prosodyctl",
    ]);
    let mut found = Vec::new();
    for (name, text) in sources("src/render", ".rs") {
        for (i, line) in text.lines().enumerate() {
            if is_comment(line) {
                continue;
            }
            for word in &forbidden {
                if line.contains(word) {
                    found.push(format!(
                        "src/render/{name}:{}: {word}: {}",
                        i + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "renderers deciding what resolve decides:\n{}",
        found.join("\n")
    );
}
