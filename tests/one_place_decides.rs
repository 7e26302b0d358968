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
