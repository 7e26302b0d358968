//! Injection-proof rendering, proven against the real parsers.
//!
//! For every string field of the model that reaches a rendered file, proptest draws hostile
//! strings (quotes of every kind, backslashes, newlines, `${`, `;`, `}`, `--`, `]]`, NUL,
//! non-ASCII, very long ones) and well-shaped ones with a hostile piece inside, puts one into
//! that field of a model that is otherwise valid, and asserts one of two outcomes:
//!
//! - validation rejects the model, and every error it reports is at that field's JSON
//!   Pointer (a secret's value never appears in a diagnostic); or
//! - the model renders, and the real parser of every file the field reaches reads back
//!   exactly what the model says: not only the field's own value, but every value this test
//!   knows (domain names, passwords, nicknames, regions, relay ids, certificate paths), and the
//!   parsed file has as many settings as the unmodified model's, so nothing was injected.
//!
//! | file | real parser (one long-lived process for all cases) |
//! |---|---|
//! | prosody config | prosody's own config loader, `core.configmanager`, in `lua5.4` (`tests/consumers/prosody_config_server.lua`); duplicate-option warnings fail |
//! | jicofo.conf, jvb.conf | Debian's Typesafe Config in one JVM (`tests/consumers/Hocon.java`) |
//! | config.js | node, after nginx-style SSI (`tests/consumers/configjs_server.js`) |
//! | nginx site | `nginx -T` (test and dump) per case: no error or warning, each directive line as expected, as many lines as the unmodified site |
//! | debconf selections | `debconf-set-selections` into a private database (`DEBCONF_SYSTEMRC`), read back with `debconf-communicate`, batched after the cases |
//!
//! coturn's, HAProxy's and systemd's files are checked line by line (no parser here to ask).
//!
//! `auth` (issue 19) has three bases of its own (internal with an account, JWT, LDAP): its
//! free text (`app_id`, issuers, audiences, the LDAP URL, DNs and filter) and secrets are
//! fields like the others, read back from prosody's VirtualHost and global options.
//!
//! Cases: `JT_PROPTEST_CASES` per field (default 24, about 1,100 cases in all, under a minute
//! on two cores); the seed is fixed so that CI runs the same cases every time; set
//! `JT_PROPTEST_SEED` to another number to draw other ones, e.g.
//! `JT_PROPTEST_CASES=500 JT_PROPTEST_SEED=$RANDOM cargo test --release --test proptest_injection -- --nocapture`.
//! A missing parser skips the test, unless `JT_REQUIRE_REAL_CONSUMERS=1` (set by
//! `scripts/test`), which makes it fail.

mod common;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

use common::{ROOT, find_tool, require_all};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde_json::{Value, json};

const TYPESAFE_JAR: &str = "/usr/share/java/typesafe-config.jar";

/// What `{file}` secrets resolve to in the parsers' environments (our systemd drop-ins set
/// these variables from the files on a real host).
const FOCUS_FROM_ENV: &str = "focus-from-the-environment-0123";
const JVB_FROM_ENV: &str = "jvb-from-the-environment-01234";
const TURN_FROM_ENV: &str = "turn-from-the-environment-0123";

// ---------------------------------------------------------------------------------------------
// The parsers
// ---------------------------------------------------------------------------------------------

/// A program that answers one JSON line per request line.
struct Server {
    name: &'static str,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Server {
    fn start(name: &'static str, cmd: &mut Command) -> Server {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Server {
            name,
            child,
            stdin,
            stdout,
        }
    }

    fn ask(&mut self, request: &str) -> Value {
        let _t = Timer::new(self.name);
        assert!(!request.contains('\n'), "one request per line");
        writeln!(self.stdin, "{request}")
            .and_then(|()| self.stdin.flush())
            .unwrap_or_else(|e| panic!("{} stopped reading: {e}", self.name));
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .unwrap_or_else(|e| panic!("{} stopped answering: {e}", self.name));
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("{} answered no JSON ({e}): {line:?}", self.name))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

thread_local! {
    static TIMES: RefCell<BTreeMap<&'static str, (u32, f64)>> = const { RefCell::new(BTreeMap::new()) };
}

/// Time spent per parser (printed at the end), to keep the test within its budget.
struct Timer(&'static str, Instant);

/// A bridge's host, nickname, region, relay id, memory and shards, as the checks read them.
type BridgeFields = (
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<Vec<String>>,
);

impl Timer {
    fn new(name: &'static str) -> Timer {
        Timer(name, Instant::now())
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        let secs = self.1.elapsed().as_secs_f64();
        TIMES.with(|t| {
            let mut t = t.borrow_mut();
            let e = t.entry(self.0).or_default();
            e.0 += 1;
            e.1 += secs;
        });
    }
}

struct Parsers {
    lua: Server,
    hocon: Server,
    node: Server,
    nginx: PathBuf,
    dss: PathBuf,
    dcomm: PathBuf,
}

impl Parsers {
    /// Every parser, or `None` (after saying which is missing) when one is not installed.
    fn start() -> Option<Parsers> {
        let mut missing = Vec::new();
        let mut need = |name: &str| {
            let found = find_tool(name);
            if found.is_none() {
                missing.push(name.to_owned());
            }
            found
        };
        let (lua, java, node, nginx, dss, dcomm) = (
            need("lua5.4"),
            need("java"),
            need("node"),
            need("nginx"),
            need("debconf-set-selections"),
            need("debconf-communicate"),
        );
        for (file, what) in [
            (
                TYPESAFE_JAR,
                "Typesafe Config (package libtypesafe-config-java)",
            ),
            ("/usr/lib/prosody/core/configmanager.lua", "prosody"),
            ("/etc/nginx/mime.types", "nginx-common"),
        ] {
            if !Path::new(file).is_file() {
                missing.push(what.to_owned());
            }
        }
        if !missing.is_empty() {
            assert!(
                !require_all(),
                "not installed: {} (JT_REQUIRE_REAL_CONSUMERS=1 forbids skipping; scripts/install-test-deps installs them)",
                missing.join(", ")
            );
            println!("skipped: not installed: {}", missing.join(", "));
            return None;
        }
        let consumers = Path::new(ROOT).join("tests/consumers");
        let lua = Server::start(
            "lua5.4 (prosody's config loader)",
            Command::new(lua.unwrap())
                .arg(consumers.join("prosody_config_server.lua"))
                .env("JITSI_TOPOLOGY_TURN_SECRET", TURN_FROM_ENV),
        );
        let hocon = Server::start(
            "Typesafe Config",
            Command::new(java.unwrap())
                .arg("-Xshare:auto")
                .arg("-XX:TieredStopAtLevel=1")
                .arg("-cp")
                .arg(TYPESAFE_JAR)
                .arg(consumers.join("Hocon.java"))
                .env("JITSI_TOPOLOGY_FOCUS_PASSWORD", FOCUS_FROM_ENV)
                .env("JITSI_TOPOLOGY_JVB_PASSWORD", JVB_FROM_ENV),
        );
        let node = Server::start(
            "node",
            Command::new(node.unwrap()).arg(consumers.join("configjs_server.js")),
        );
        Some(Parsers {
            lua,
            hocon,
            node,
            nginx: nginx.unwrap(),
            dss: dss.unwrap(),
            dcomm: dcomm.unwrap(),
        })
    }

    /// The parsed config, or the parser's error.
    fn lua(&mut self, file: &Path) -> Result<(Value, Vec<String>), String> {
        let v = self.lua.ask(&file.to_string_lossy());
        if v["ok"] != json!(true) {
            return Err(v["error"].to_string());
        }
        let warnings = match &v["warnings"] {
            Value::Array(w) => w.iter().map(|w| w.to_string()).collect(),
            _ => Vec::new(),
        };
        Ok((v["config"].clone(), warnings))
    }

    fn hocon(&mut self, file: &Path) -> Result<Value, String> {
        let abs = std::path::absolute(file).expect("absolute path");
        let v = self.hocon.ask(&abs.to_string_lossy());
        if v["ok"] != json!(true) {
            return Err(v["error"].to_string());
        }
        Ok(v["config"].clone())
    }

    fn node(&mut self, file: &Path) -> Result<(Value, Value), String> {
        let v = self
            .node
            .ask(&json!({ "file": file, "vars": {} }).to_string());
        if v["ok"] != json!(true) {
            return Err(v["error"].to_string());
        }
        Ok((v["config"].clone(), v["globals"].clone()))
    }

    /// `nginx -T` on a site: its output (the dump), or the failure.
    fn nginx(&self, site: &Path, scratch: &Path) -> Result<String, String> {
        let _t = Timer::new("nginx");
        for d in ["conf", "logs", "tmp"] {
            fs::create_dir_all(scratch.join(d)).expect("create nginx prefix folder");
        }
        let conf = format!(
            "pid logs/nginx.pid;\nerror_log logs/error.log;\nevents {{}}\nhttp {{\n\
             client_body_temp_path tmp/client_body;\nproxy_temp_path tmp/proxy;\n\
             fastcgi_temp_path tmp/fastcgi;\nuwsgi_temp_path tmp/uwsgi;\nscgi_temp_path tmp/scgi;\n\
             include /etc/nginx/mime.types;\ninclude {};\n}}\n",
            site.display()
        );
        fs::write(scratch.join("conf/nginx.conf"), conf).expect("write nginx.conf");
        let out = Command::new(&self.nginx)
            .arg("-T")
            .arg("-p")
            .arg(format!("{}/", scratch.display()))
            .args(["-c", "conf/nginx.conf", "-e", "logs/error.log", "-q"])
            .output()
            .expect("run nginx -T");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if !out.status.success() || stderr.contains("[warn]") || stderr.contains("[emerg]") {
            return Err(format!("nginx -T: {}\n{stderr}", out.status));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

// ---------------------------------------------------------------------------------------------
// Models and fields
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Base {
    /// One signalling host, own TLS, inline secrets, two regions (relays), a TURN server with
    /// TLS, an operator CA.
    Single,
    /// `Single` on stable-9646: colibri websockets put nicknames into nginx's map.
    Old,
    /// `Single` with Let's Encrypt (an email in certbot's argv).
    Letsencrypt,
    /// Two shards behind a front door.
    Sharded,
    /// `{env}` secrets.
    EnvSecrets,
    /// `{file}` secrets.
    FileSecrets,
    /// `auth: internal` with guests and one account (issue 19).
    Internal,
    /// `auth: jwt` with an inline signing secret.
    Jwt,
    /// `auth: ldap` with a bind DN and its inline password.
    Ldap,
}

const BASES: [Base; 9] = [
    Base::Single,
    Base::Old,
    Base::Letsencrypt,
    Base::Sharded,
    Base::EnvSecrets,
    Base::FileSecrets,
    Base::Internal,
    Base::Jwt,
    Base::Ldap,
];

/// The environment `{env}` secrets come from in `EnvSecrets`.
const ENV_NAMES: [(&str, &str); 3] = [
    ("focus", "JT_PROP_FOCUS"),
    ("jvb", "JT_PROP_JVB"),
    ("turn", "JT_PROP_TURN"),
];

fn base(kind: Base, tls_dir: &Path) -> Value {
    let mut m = json!({
        "domain": "meet.example.test",
        "tls": {
            "mode": "own",
            "certificate": tls_dir.join("web.crt"),
            "key": tls_dir.join("web.key"),
        },
        "secrets": {
            "focus": { "value": "focus-Secret-0123456789" },
            "jvb": { "value": "jvb-Secret-0123456789ab" },
            "turn": { "value": "turn-Secret-0123456789" },
        },
        "signaling": { "host": "meet.example.test", "address": "10.0.0.10", "region": "eu-central" },
        "bridges": [
            { "host": "jvb1.example.test", "address": "10.0.0.11", "public_address": "198.51.100.11",
              "region": "eu-central", "nickname": "jvb-1", "relay_id": "relay-1", "jvm_max_memory": "4g" },
            { "host": "jvb2.example.test", "address": "10.0.0.12", "public_address": "198.51.100.12",
              "region": "us-east-7q" },
        ],
        "bridge_networks": ["10.0.0.0/24"],
        "trust": { "mode": "ca", "ca_certificate": "/etc/jitsi-topology/ca.crt",
                   "certificate": "/etc/prosody/certs/auth.crt", "key": "/etc/prosody/certs/auth.key" },
        "turn": { "host": "turn.example.test", "address": "198.51.100.5", "domain": "turn.meet.example.test",
                  "tls": { "certificate": "/etc/coturn/turn.crt", "key": "/etc/coturn/turn.key" } },
    });
    match kind {
        Base::Single => {}
        Base::Old => m["release"] = json!("stable-9646"),
        Base::Letsencrypt => {
            m["tls"] = json!({ "mode": "letsencrypt", "email": "ops@example.test" })
        }
        Base::Sharded => {
            let o = m.as_object_mut().expect("an object");
            o.remove("signaling");
            o.insert(
                "shards".into(),
                json!([
                    { "name": "shard-a", "signaling": { "host": "sig-a.example.test", "address": "10.0.0.21", "region": "eu-central" } },
                    { "name": "shard-b", "signaling": { "host": "sig-b.example.test", "address": "10.0.0.22", "region": "us-east-7q" } },
                ]),
            );
            o.insert(
                "front_door".into(),
                json!({ "host": "door.example.test", "address": "10.0.0.2", "certificate": "/etc/haproxy/door.pem" }),
            );
            m["bridges"][1]["shards"] = json!(["shard-b"]);
        }
        Base::EnvSecrets => {
            for (name, var) in ENV_NAMES {
                m["secrets"][name] = json!({ "env": var });
            }
        }
        Base::FileSecrets => {
            for name in ["focus", "jvb", "turn"] {
                m["secrets"][name] =
                    json!({ "file": format!("/etc/jitsi-topology/secrets/{name}") });
            }
        }
        Base::Internal => {
            m["auth"] = json!({ "mode": "internal", "guests": true });
            m["secrets"]["accounts"] = json!({ "alice": { "value": "alice-Secret-0123456789" } });
        }
        Base::Jwt => {
            m["auth"] = json!({ "mode": "jwt", "app_id": "my_web_app", "issuers": ["my_web_app"],
                                "audiences": ["jitsi"], "guests": true });
            m["secrets"]["jwt"] = json!({ "value": "jwt-Secret-0123456789ab" });
        }
        Base::Ldap => {
            m["auth"] = json!({ "mode": "ldap", "url": "ldaps://ldap.example.test",
                                "bind_dn": "cn=jitsi,dc=example,dc=test", "base": "ou=people,dc=example,dc=test",
                                "filter": "(uid=$user)" });
            m["secrets"]["ldap"] = json!({ "value": "ldap-Secret-0123456789" });
        }
    }
    m
}

fn base_env() -> BTreeMap<String, String> {
    ENV_NAMES
        .iter()
        .map(|(name, var)| ((*var).to_owned(), format!("{name}-from-env-0123456789")))
        .collect()
}

/// How to draw well-shaped values for a field (hostile ones are drawn for every field).
#[derive(Debug, Clone, Copy)]
enum Shape {
    Host,
    /// Letters, digits, `._-` (nicknames, regions, relay ids).
    Name,
    /// Letters, digits, `-`.
    ShardName,
    /// An absolute path under this prefix (`""`: under `/`).
    Path(&'static str),
    /// A path under the throwaway certificate folder, where the test then puts the
    /// certificate nginx loads.
    CertPath,
    Email,
    Secret,
    EnvName,
    Memory,
    Release,
    /// Anything.
    Free,
}

/// Where a drawn value goes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    /// Into the model at the pointer.
    Model,
    /// Into the environment, as the value of the `{env}` secret at the pointer.
    EnvValue,
}

struct Field {
    pointer: &'static str,
    base: Base,
    shape: Shape,
    target: Target,
}

const fn f(pointer: &'static str, base: Base, shape: Shape) -> Field {
    Field {
        pointer,
        base,
        shape,
        target: Target::Model,
    }
}

const FIELDS: &[Field] = &[
    f("/domain", Base::Single, Shape::Host),
    f("/domain", Base::Sharded, Shape::Host),
    f("/signaling/host", Base::Single, Shape::Host),
    f("/signaling/region", Base::Single, Shape::Name),
    f("/bridges/0/host", Base::Single, Shape::Host),
    f("/bridges/1/host", Base::Old, Shape::Host),
    f("/bridges/0/nickname", Base::Old, Shape::Name),
    f("/bridges/0/region", Base::Single, Shape::Name),
    f("/bridges/0/relay_id", Base::Single, Shape::Name),
    f("/bridges/0/jvm_max_memory", Base::Single, Shape::Memory),
    f("/bridges/1/shards/0", Base::Sharded, Shape::ShardName),
    f("/tls/certificate", Base::Single, Shape::CertPath),
    f("/tls/key", Base::Single, Shape::CertPath),
    f("/tls/email", Base::Letsencrypt, Shape::Email),
    f("/secrets/focus/value", Base::Single, Shape::Secret),
    f("/secrets/jvb/value", Base::Single, Shape::Secret),
    f("/secrets/turn/value", Base::Single, Shape::Secret),
    Field {
        pointer: "/secrets/focus/env",
        base: Base::EnvSecrets,
        shape: Shape::Secret,
        target: Target::EnvValue,
    },
    Field {
        pointer: "/secrets/jvb/env",
        base: Base::EnvSecrets,
        shape: Shape::Secret,
        target: Target::EnvValue,
    },
    Field {
        pointer: "/secrets/turn/env",
        base: Base::EnvSecrets,
        shape: Shape::Secret,
        target: Target::EnvValue,
    },
    f("/secrets/jvb/env", Base::EnvSecrets, Shape::EnvName),
    f(
        "/secrets/focus/file",
        Base::FileSecrets,
        Shape::Path("/etc/jitsi-topology/"),
    ),
    f(
        "/secrets/jvb/file",
        Base::FileSecrets,
        Shape::Path("/etc/jitsi-topology/"),
    ),
    f("/secrets/turn/file", Base::FileSecrets, Shape::Path("")),
    f("/trust/ca_certificate", Base::Single, Shape::Path("/etc/")),
    f(
        "/trust/certificate",
        Base::Single,
        Shape::Path("/etc/prosody/"),
    ),
    f("/trust/key", Base::Single, Shape::Path("")),
    f("/turn/domain", Base::Single, Shape::Host),
    f("/turn/host", Base::Single, Shape::Host),
    f(
        "/turn/tls/certificate",
        Base::Single,
        Shape::Path("/etc/coturn/"),
    ),
    f("/turn/tls/key", Base::Single, Shape::Path("")),
    f("/shards/0/name", Base::Sharded, Shape::ShardName),
    f("/shards/0/signaling/host", Base::Sharded, Shape::Host),
    f("/shards/0/signaling/region", Base::Sharded, Shape::Name),
    f("/front_door/host", Base::Sharded, Shape::Host),
    f(
        "/front_door/certificate",
        Base::Sharded,
        Shape::Path("/etc/haproxy/"),
    ),
    f("/release", Base::Single, Shape::Release),
    // issue 19: auth's free text and secrets
    f(
        "/secrets/accounts/alice/value",
        Base::Internal,
        Shape::Secret,
    ),
    f("/auth/app_id", Base::Jwt, Shape::Name),
    f("/auth/issuers/0", Base::Jwt, Shape::Free),
    f("/auth/audiences/0", Base::Jwt, Shape::Free),
    f("/secrets/jwt/value", Base::Jwt, Shape::Secret),
    f("/auth/url", Base::Ldap, Shape::Free),
    f("/auth/bind_dn", Base::Ldap, Shape::Free),
    f("/auth/base", Base::Ldap, Shape::Free),
    f("/auth/filter", Base::Ldap, Shape::Free),
    f("/secrets/ldap/value", Base::Ldap, Shape::Secret),
    f("/$schema", Base::Single, Shape::Free),
];

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// Pieces that mean something to at least one of the formats we write.
const HOSTILE: &[&str] = &[
    "\"",
    "'",
    "`",
    "\u{201c}",
    "\u{2019}",
    "\\",
    "\\\\",
    "\\\"",
    "\\n",
    "\\u0000",
    "\\x3c",
    "\n",
    "\r",
    "\r\n",
    "\t",
    " ",
    "\0",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "\u{200b}",
    "${",
    "${?JITSI_TOPOLOGY_JVB_PASSWORD}",
    "${x}",
    "$",
    "$host",
    "%",
    "%n",
    ";",
    "}",
    "{",
    "}}",
    "{{",
    "[",
    "]",
    "]]",
    "[[",
    "[==[",
    "]==]",
    "--",
    "--[[",
    "#",
    "//",
    "/*",
    "*/",
    "<!--#",
    "-->",
    "</script>",
    "<",
    ">",
    "&",
    "=",
    ":",
    ",",
    "@",
    "+",
    "/",
    "..",
    "../",
    ".",
    "-",
    "_",
    "é",
    "Ω",
    "雪",
    "😀",
    "\u{10ffff}",
    "İ",
    "ﬀ",
    "include",
    "location",
    "\" }\nadmins = { \"evil@x\" }\n--",
    "\";\n  PASSWORD = \"x",
    "'; alert(1); //",
    "\"\"\"",
    "'''",
    "'\\''",
    "A",
    "0",
];

fn hostile_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(HOSTILE).prop_map(str::to_owned),
        2 => "[a-z0-9]{1,8}",
        1 => any::<char>().prop_map(String::from),
    ]
}

fn hostile() -> BoxedStrategy<String> {
    let short = prop::collection::vec(hostile_piece(), 0..10)
        .prop_map(|v| v.concat())
        .boxed();
    prop_oneof![
        8 => short.clone(),
        // Very long: past every length limit, and a stress for each parser.
        1 => (short, prop::sample::select(vec![300usize, 5_000, 70_000]))
            .prop_map(|(s, n)| {
                let unit = if s.is_empty() { "a".to_owned() } else { s };
                unit.repeat(n / unit.len().max(1) + 1)
            }),
    ]
    .boxed()
}

fn label() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?"
}

fn shaped(shape: Shape) -> BoxedStrategy<String> {
    match shape {
        // Now and then the one DNS name that is reserved for hosts: the output's own
        // manifest.json (hostname-reserved).
        Shape::Host => prop_oneof![
            19 => prop::collection::vec(label(), 1..5).prop_map(|l| l.join(".")),
            1 => Just("manifest.json".to_owned()),
        ]
        .boxed(),
        Shape::Name => "[A-Za-z0-9._-]{1,20}".boxed(),
        Shape::ShardName => "[A-Za-z0-9-]{1,20}".boxed(),
        Shape::Path(prefix) => prop::collection::vec("[A-Za-z0-9._+@-]{1,12}", 1..4)
            .prop_map(move |s| format!("{prefix}/{}", s.join("/")).replace("//", "/"))
            .boxed(),
        Shape::CertPath => prop::collection::vec("[A-Za-z0-9_+@-][A-Za-z0-9._+@-]{0,11}", 1..3)
            .prop_map(|s| s.join("/"))
            .boxed(),
        Shape::Email => ("[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,16}", prop::collection::vec(label(), 2..4))
            .prop_map(|(user, domain)| format!("{user}@{}", domain.join(".")))
            .boxed(),
        // Every printable character a password may hold, heavy in what the formats quote.
        Shape::Secret => prop::collection::vec(
            prop_oneof![
                3 => prop::sample::select(vec![
                    "\"", "'", "`", "\\", "$", "{", "}", "${", "#", ";", "]]", "[[", "--", "%",
                    "<", ">", "&", "=", " ", "é", "雪", "😀", "\u{2028}", "\u{feff}", "//", "/*",
                ])
                .prop_map(str::to_owned),
                3 => "[A-Za-z0-9]{1,6}",
                1 => any::<char>().prop_filter("printable", |c| !c.is_control()).prop_map(String::from),
            ],
            4..24,
        )
        .prop_map(|v| v.concat())
        .boxed(),
        Shape::EnvName => "[A-Za-z_][A-Za-z0-9_]{0,30}".boxed(),
        // The JVM's whole `-Xmx` syntax (decimal or hexadecimal, every unit), with sizes past
        // 2^64 bytes; tests/proptest_refusals.rs holds the verdicts to the JVM itself.
        Shape::Memory => "(0[xX][0-9a-fA-F]{1,17}|[0-9]{1,21})[kKmMgGtT]?".boxed(),
        Shape::Release => prop::sample::select(vec![
            "stable-11146", "stable-11031", "stable-10888", "stable-10133", "stable-9646",
            "stable-9000", "stable-99999", "unstable", "stable-11146 ",
        ])
        .prop_map(str::to_owned)
        .boxed(),
        Shape::Free => "[ -~]{0,20}".boxed(),
    }
}

/// Hostile strings, well-shaped ones, and well-shaped ones with a hostile piece inside. (For
/// a certificate path: what follows a fresh folder of the test's, see `run_case`.)
fn values(shape: Shape) -> BoxedStrategy<String> {
    any_value(shape)
}

fn any_value(shape: Shape) -> BoxedStrategy<String> {
    let good = shaped(shape);
    let spiked = (shaped(shape), hostile_piece(), any::<prop::sample::Index>()).prop_map(
        |(s, piece, at)| {
            let cut = s
                .char_indices()
                .map(|(i, _)| i)
                .chain([s.len()])
                .nth(at.index(s.chars().count() + 1))
                .unwrap_or(s.len());
            format!("{}{piece}{}", &s[..cut], &s[cut..])
        },
    );
    prop_oneof![3 => hostile(), 3 => good, 2 => spiked].boxed()
}

// ---------------------------------------------------------------------------------------------
// What the parsers must read back
// ---------------------------------------------------------------------------------------------

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(v, |v, k| v.get(*k))
        .and_then(Value::as_str)
}

/// What the model says, as the test derives it (independently of the crate's resolve step).
struct Expect {
    domain: String,
    /// (shard id in jvb.conf, signalling host, its region).
    shards: Vec<(String, String, Option<String>)>,
    sharded: bool,
    old: bool,
    focus: String,
    jvb: String,
    turn: String,
    tls: Option<(String, String)>,
    email: Option<String>,
    auth_cert: (String, String),
    relays: bool,
    bridges: Vec<BridgeExpect>,
    turn_domain: String,
    turn_host: String,
    turn_tls: (String, String),
    front_door_cert: Option<String>,
    secret_files: Vec<(String, String)>,
    /// prosody's options on the domain's VirtualHost that `auth` decides (name, value), and the
    /// global ones (token issuers and audiences).
    auth_host: Vec<(String, String)>,
    auth_global: Vec<(Vec<String>, String)>,
}

struct BridgeExpect {
    host: String,
    nickname: String,
    region: Option<String>,
    relay_id: String,
    memory: Option<String>,
    shards: Option<Vec<String>>,
}

fn expect(m: &Value, env: &BTreeMap<String, String>) -> Expect {
    let str_of = |v: &Value| v.as_str().map(str::to_owned);
    let secret = |name: &str, from_env: &str| -> String {
        let src = &m["secrets"][name];
        if let Some(v) = src["value"].as_str() {
            v.to_owned()
        } else if let Some(var) = src["env"].as_str() {
            env.get(var).cloned().unwrap_or_default()
        } else {
            from_env.to_owned()
        }
    };
    let inline = |name: &str| m["secrets"][name].get("file").is_none();
    let mut secret_files = Vec::new();
    for name in ["focus", "jvb"] {
        if inline(name) {
            secret_files.push((
                format!("/etc/jitsi-topology/secrets/{name}"),
                secret(name, "") + "\n",
            ));
        }
    }
    if let Some(v) = m["secrets"]["accounts"]["alice"]["value"].as_str() {
        secret_files.push((
            "/etc/jitsi-topology/secrets/accounts/alice".to_owned(),
            format!("{v}\n"),
        ));
    }
    let a = &m["auth"];
    let mut auth_host = vec![(
        "authentication".to_owned(),
        match a["mode"].as_str() {
            Some("internal") => "internal_hashed",
            Some("jwt") => "token",
            Some("ldap") => "ldap",
            _ => "jitsi-anonymous",
        }
        .to_owned(),
    )];
    let mut auth_global = Vec::new();
    let mut put = |k: &str, v: &Value| {
        if let Some(v) = v.as_str() {
            auth_host.push((k.to_owned(), v.to_owned()));
        }
    };
    put("app_id", &a["app_id"]);
    put("app_secret", &m["secrets"]["jwt"]["value"]);
    put("ldap_server", &a["url"]);
    put("ldap_rootdn", &a["bind_dn"]);
    put("ldap_password", &m["secrets"]["ldap"]["value"]);
    put("ldap_base", &a["base"]);
    put("ldap_filter", &a["filter"]);
    for (key, option) in [
        ("issuers", "asap_accepted_issuers"),
        ("audiences", "asap_accepted_audiences"),
    ] {
        if let Some(v) = a[key][0].as_str() {
            auth_global.push((vec![option.to_owned(), "1".to_owned()], v.to_owned()));
        }
    }
    let sharded = m.get("shards").is_some();
    let shards = if sharded {
        m["shards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    str_of(&s["name"]).unwrap(),
                    str_of(&s["signaling"]["host"]).unwrap(),
                    str_of(&s["signaling"]["region"]),
                )
            })
            .collect()
    } else {
        vec![(
            "shard".to_owned(),
            str_of(&m["signaling"]["host"]).unwrap(),
            str_of(&m["signaling"]["region"]),
        )]
    };
    let bridges: Vec<BridgeExpect> = m["bridges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let host = str_of(&b["host"]).unwrap();
            let nickname = str_of(&b["nickname"]).unwrap_or_else(|| host.clone());
            BridgeExpect {
                relay_id: str_of(&b["relay_id"]).unwrap_or_else(|| nickname.clone()),
                host,
                nickname,
                region: str_of(&b["region"]),
                memory: str_of(&b["jvm_max_memory"]),
                shards: b["shards"]
                    .as_array()
                    .map(|a| a.iter().filter_map(str_of).collect()),
            }
        })
        .collect();
    let regions: std::collections::BTreeSet<&str> =
        bridges.iter().filter_map(|b| b.region.as_deref()).collect();
    let domain = str_of(&m["domain"]).unwrap();
    let tls = (m["tls"]["mode"] == json!("own")).then(|| {
        (
            str_of(&m["tls"]["certificate"]).unwrap(),
            str_of(&m["tls"]["key"]).unwrap(),
        )
    });
    Expect {
        auth_cert: (
            str_of(&m["trust"]["certificate"]).unwrap(),
            str_of(&m["trust"]["key"]).unwrap(),
        ),
        email: str_of(&m["tls"]["email"]),
        tls,
        focus: secret("focus", FOCUS_FROM_ENV),
        jvb: secret("jvb", JVB_FROM_ENV),
        turn: secret("turn", TURN_FROM_ENV),
        shards,
        sharded,
        old: m["release"] == json!("stable-9646"),
        relays: regions.len() > 1,
        bridges,
        turn_domain: str_of(&m["turn"]["domain"]).unwrap(),
        turn_host: str_of(&m["turn"]["host"]).unwrap(),
        turn_tls: (
            str_of(&m["turn"]["tls"]["certificate"]).unwrap(),
            str_of(&m["turn"]["tls"]["key"]).unwrap(),
        ),
        front_door_cert: str_of(&m["front_door"]["certificate"]),
        secret_files,
        auth_host,
        auth_global,
        domain,
    }
}

/// The number of leaf values of a parsed document (injected settings change it).
fn leaves(v: &Value) -> usize {
    match v {
        Value::Object(o) => o.values().map(leaves).sum(),
        Value::Array(a) => a.iter().map(leaves).sum(),
        _ => 1,
    }
}

/// How many settings each parsed file has and how many lines each rendered file has, for
/// comparison with the unmodified model's.
#[derive(Default, Clone, Debug)]
struct Counts {
    counts: BTreeMap<String, usize>,
}

struct Case<'a> {
    dir: &'a Path,
    bundle: &'a jitsi_topology::Bundle,
    expect: Expect,
    failures: Vec<String>,
    counts: Counts,
}

impl Case<'_> {
    fn fail(&mut self, msg: String) {
        self.failures.push(msg);
    }

    /// Writes the file `path` of `host` where a parser can read it, and returns where. Only
    /// the files a parser reads are written, each over the previous case's.
    fn local(&self, host: &str, path: &str) -> PathBuf {
        let _t = Timer::new("write parsed files");
        let index = self
            .bundle
            .hosts
            .iter()
            .position(|h| h.name == host)
            .unwrap_or(usize::MAX);
        // The file keeps its folder, and the host's other files in that folder are written
        // beside it: jicofo.conf includes jitsi-topology-password.conf by a relative name.
        let root = self.dir.join(format!("host{index}"));
        let folder = Path::new(path).parent().unwrap_or(Path::new("/"));
        let mut siblings: Vec<(String, String)> = self
            .bundle
            .host(host)
            .map(|h| {
                h.files
                    .iter()
                    .filter(|f| Path::new(&f.path).parent() == Some(folder))
                    .map(|f| (f.path.clone(), f.content.clone()))
                    .collect()
            })
            .unwrap_or_default();
        if !siblings.iter().any(|(p, _)| p == path) {
            siblings.push((path.to_owned(), String::new()));
        }
        for (p, content) in &siblings {
            let local = root.join(p.trim_start_matches('/'));
            fs::create_dir_all(local.parent().unwrap()).expect("make a host folder");
            fs::write(&local, content).expect("write a rendered file");
        }
        root.join(path.trim_start_matches('/'))
    }

    fn content(&self, host: &str, path: &str) -> Option<&str> {
        self.bundle
            .host(host)
            .and_then(|h| h.file(path))
            .map(|f| f.content.as_str())
    }

    fn eq(&mut self, what: &str, got: Option<&str>, want: &str) {
        if got != Some(want) {
            self.fail(format!(
                "{what}: read back {got:?}, the model says {want:?}"
            ));
        }
    }

    fn count(&mut self, key: String, n: usize) {
        self.counts.counts.insert(key, n);
    }
}

fn check_rendered(case: &mut Case, p: &mut Parsers) {
    let e = &case.expect;
    let domain = e.domain.clone();
    let auth = format!("auth.{domain}");
    let brewery = format!("jvbbrewery@internal.{auth}");
    let shards = e.shards.clone();
    let (focus, jvb, turn) = (e.focus.clone(), e.jvb.clone(), e.turn.clone());
    let auth_cert = e.auth_cert.clone();
    let turn_domain = e.turn_domain.clone();
    let turn_host = e.turn_host.clone();
    let turn_tls = e.turn_tls.clone();
    let tls = e.tls.clone();
    let sharded = e.sharded;
    let old = e.old;
    let relays = e.relays;
    let front_door_cert = e.front_door_cert.clone();
    let secret_files = e.secret_files.clone();
    let auth_host = e.auth_host.clone();
    let auth_global = e.auth_global.clone();
    let bridges: Vec<BridgeFields> = e
        .bridges
        .iter()
        .map(|b| {
            (
                b.host.clone(),
                b.nickname.clone(),
                b.region.clone(),
                b.relay_id.clone(),
                b.memory.clone(),
                b.shards.clone(),
            )
        })
        .collect();

    // The signalling host of the first shard: prosody, jicofo, config.js, nginx.
    let (shard0, sig0, region0) = shards[0].clone();
    let prosody = format!("/etc/prosody/conf.avail/{domain}.cfg.lua");
    match p.lua(&case.local(&sig0, &prosody)) {
        Err(err) => case.fail(format!("prosody's config loader refused {prosody}: {err}")),
        Ok((cfg, warnings)) => {
            if !warnings.is_empty() {
                case.fail(format!("prosody warned about {prosody}: {warnings:?}"));
            }
            case.count("prosody".into(), leaves(&cfg));
            let g = &cfg["*"];
            case.eq(
                "prosody muc_mapper_domain_base",
                s(g, &["muc_mapper_domain_base"]),
                &domain,
            );
            case.eq(
                "prosody external_service_secret",
                s(g, &["external_service_secret"]),
                &turn,
            );
            for i in ["1", "2", "3", "4"] {
                case.eq(
                    &format!("prosody external_services[{i}].host"),
                    s(g, &["external_services", i, "host"]),
                    &turn_domain,
                );
            }
            case.eq(
                "prosody unlimited_jids[1]",
                s(g, &["unlimited_jids", "1"]),
                &format!("focus@{auth}"),
            );
            case.eq(
                "prosody unlimited_jids[2]",
                s(g, &["unlimited_jids", "2"]),
                &format!("jvb@{auth}"),
            );
            for (option, want) in &auth_host {
                case.eq(
                    &format!("prosody VirtualHost <domain> {option}"),
                    s(&cfg, &[&domain, option]),
                    want,
                );
            }
            for (path, want) in &auth_global {
                let path: Vec<&str> = path.iter().map(String::as_str).collect();
                case.eq(&format!("prosody {}", path.join(".")), s(g, &path), want);
            }
            case.eq(
                "prosody VirtualHost auth.<domain> ssl.certificate",
                s(&cfg, &[&auth, "ssl", "certificate"]),
                &auth_cert.0,
            );
            case.eq(
                "prosody VirtualHost auth.<domain> ssl.key",
                s(&cfg, &[&auth, "ssl", "key"]),
                &auth_cert.1,
            );
            case.eq(
                "prosody brewery Component",
                s(&cfg, &[&format!("internal.{auth}"), "component_module"]),
                "muc",
            );
        }
    }

    let jicofo = "/etc/jitsi/jicofo/jicofo.conf";
    match p.hocon(&case.local(&sig0, jicofo)) {
        Err(err) => case.fail(format!("Typesafe Config refused {jicofo}: {err}")),
        Ok(cfg) => {
            case.count("jicofo".into(), leaves(&cfg));
            let c = &cfg["jicofo"];
            case.eq(
                "jicofo xmpp.client.domain",
                s(c, &["xmpp", "client", "domain"]),
                &auth,
            );
            case.eq(
                "jicofo xmpp.client.xmpp-domain",
                s(c, &["xmpp", "client", "xmpp-domain"]),
                &domain,
            );
            case.eq(
                "jicofo xmpp.client.password",
                s(c, &["xmpp", "client", "password"]),
                &focus,
            );
            case.eq(
                "jicofo bridge.brewery-jid",
                s(c, &["bridge", "brewery-jid"]),
                &brewery,
            );
            if relays {
                case.eq(
                    "jicofo local-region",
                    s(c, &["local-region"]),
                    region0.as_deref().unwrap_or(""),
                );
            }
        }
    }

    let config_js = format!("/etc/jitsi/meet/{domain}-config.js");
    match p.node(&case.local(&sig0, &config_js)) {
        Err(err) => case.fail(format!("node refused {config_js}: {err}")),
        Ok((cfg, globals)) => {
            case.count("config.js".into(), leaves(&cfg));
            if globals != json!(["config", "subdir", "subdomain"]) {
                case.fail(format!(
                    "config.js defines globals {globals}, not just config, subdir, subdomain"
                ));
            }
            case.eq(
                "config.js hosts.domain",
                s(&cfg, &["hosts", "domain"]),
                &domain,
            );
            case.eq(
                "config.js hosts.muc",
                s(&cfg, &["hosts", "muc"]),
                &format!("conference.{domain}"),
            );
            case.eq(
                "config.js bosh",
                s(&cfg, &["bosh"]),
                &format!("https://{domain}/http-bind"),
            );
            if sharded {
                case.eq(
                    "config.js deploymentInfo.shard",
                    s(&cfg, &["deploymentInfo", "shard"]),
                    &shard0,
                );
                if let Some(r) = &region0 {
                    case.eq(
                        "config.js deploymentInfo.region",
                        s(&cfg, &["deploymentInfo", "region"]),
                        r,
                    );
                }
            }
            case.eq(
                "config.js conferenceRequestUrl",
                s(&cfg, &["conferenceRequestUrl"]),
                &format!("https://{domain}/conference-request/v1"),
            );
        }
    }

    let site = format!("/etc/nginx/sites-available/{domain}.conf");
    let scratch = case.dir.join("nginx");
    // nginx -t loads the certificates: only `own` ones are where this test can put them (Let's
    // Encrypt's are under /etc/letsencrypt; the email, that model's field, never reaches nginx).
    let nginx = if tls.is_some() {
        p.nginx(&case.local(&sig0, &site), &scratch)
    } else {
        Ok(String::new())
    };
    match nginx {
        Ok(dump) if dump.is_empty() => {}
        Err(err) => case.fail(format!("nginx refused {site}: {err}")),
        Ok(dump) => {
            case.count("nginx".into(), dump.lines().count());
            let lines: Vec<&str> = dump.lines().map(str::trim).collect();
            let mut want = vec![format!("server_name {domain};")];
            if let Some((cert, key)) = &tls {
                want.push(format!("ssl_certificate {cert};"));
                want.push(format!("ssl_certificate_key {key};"));
            }
            if sharded {
                want.push(format!("add_header X-Jitsi-Shard {shard0} always;"));
            }
            if old {
                for (_, nick, ..) in &bridges {
                    want.push(format!("{nick} "));
                }
            }
            for w in want {
                let found = if w.ends_with(' ') {
                    // A colibri map entry: `<server id> <address>:9090;`.
                    lines.iter().any(|l| {
                        l.starts_with(&w) && l.ends_with(":9090;") && l.split(' ').count() == 2
                    })
                } else {
                    lines.contains(&w.as_str())
                };
                if !found {
                    case.fail(format!("nginx -T shows no line {w:?}"));
                }
            }
        }
    }

    // Every bridge: jvb.conf.
    for (bi, (host, nick, region, relay_id, memory, served)) in bridges.iter().enumerate() {
        let jvb_conf = "/etc/jitsi/videobridge/jvb.conf";
        match p.hocon(&case.local(host, jvb_conf)) {
            Err(err) => case.fail(format!(
                "Typesafe Config refused {host}'s {jvb_conf}: {err}"
            )),
            Ok(cfg) => {
                case.count(format!("jvb.conf of bridge {bi}"), leaves(&cfg));
                let v = &cfg["videobridge"];
                let configs = v["apis"]["xmpp-client"]["configs"]
                    .as_object()
                    .cloned()
                    .unwrap_or_default();
                let mut ids: Vec<&String> = configs.keys().collect();
                ids.sort();
                let mut want: Vec<String> = shards
                    .iter()
                    .map(|(id, ..)| id.clone())
                    .filter(|id| served.as_ref().is_none_or(|l| l.contains(id)))
                    .collect();
                want.sort();
                if ids
                    .iter()
                    .map(|s| s.as_str())
                    .ne(want.iter().map(String::as_str))
                {
                    case.fail(format!(
                        "{host} jvb.conf: xmpp-client configs {ids:?}, expected {want:?}"
                    ));
                }
                for (id, c) in &configs {
                    case.eq(
                        &format!("{host} jvb.conf configs.{id}.DOMAIN"),
                        s(c, &["DOMAIN"]),
                        &auth,
                    );
                    case.eq(
                        &format!("{host} jvb.conf configs.{id}.PASSWORD"),
                        s(c, &["PASSWORD"]),
                        &jvb,
                    );
                    case.eq(
                        &format!("{host} jvb.conf configs.{id}.MUC_JIDS"),
                        s(c, &["MUC_JIDS"]),
                        &brewery,
                    );
                    case.eq(
                        &format!("{host} jvb.conf configs.{id}.MUC_NICKNAME"),
                        s(c, &["MUC_NICKNAME"]),
                        nick,
                    );
                    case.eq(
                        &format!("{host} jvb.conf configs.{id}.USERNAME"),
                        s(c, &["USERNAME"]),
                        "jvb",
                    );
                }
                if relays {
                    case.eq(
                        &format!("{host} jvb.conf relay.region"),
                        s(v, &["relay", "region"]),
                        region.as_deref().unwrap_or(""),
                    );
                    case.eq(
                        &format!("{host} jvb.conf relay.relay-id"),
                        s(v, &["relay", "relay-id"]),
                        relay_id,
                    );
                } else if let Some(r) = region {
                    case.eq(
                        &format!("{host} jvb.conf relay.region"),
                        s(v, &["relay", "region"]),
                        r,
                    );
                }
                if old {
                    case.eq(
                        &format!("{host} jvb.conf websockets.server-id"),
                        s(v, &["websockets", "server-id"]),
                        nick,
                    );
                    case.eq(
                        &format!("{host} jvb.conf websockets.domain"),
                        s(v, &["websockets", "domain"]),
                        &format!("{domain}:443"),
                    );
                }
            }
        }
        if let Some(mem) = memory {
            let env_file = case
                .content(host, "/etc/jitsi-topology/videobridge.env")
                .map(str::to_owned);
            let line = format!("VIDEOBRIDGE_MAX_MEMORY={mem}");
            if !env_file
                .as_deref()
                .is_some_and(|c| c.lines().any(|l| l == line))
            {
                case.fail(format!("{host}: videobridge.env lacks the line {line:?}"));
            }
        }
    }

    // The files a parser here cannot read: line by line.
    let turnserver = case
        .content(&turn_host, "/etc/turnserver.conf")
        .map(str::to_owned);
    match turnserver {
        None => case.fail(format!("{turn_host} has no /etc/turnserver.conf")),
        Some(t) => {
            let mut want = vec![
                format!("realm={turn_domain}"),
                format!("server-name={turn_domain}"),
                format!("cert={}", turn_tls.0),
                format!("pkey={}", turn_tls.1),
            ];
            if turn != TURN_FROM_ENV {
                want.push(format!("static-auth-secret={turn}"));
            }
            for w in want {
                if !t.lines().any(|l| l == w) {
                    case.fail(format!("turnserver.conf lacks the line {w:?}"));
                }
            }
            case.count("turnserver.conf".into(), t.lines().count());
        }
    }
    for (path, want) in secret_files {
        let got = case.content(&sig0, &path).map(str::to_owned);
        case.eq(&format!("{sig0}: {path}"), got.as_deref(), &want);
    }
    if let Some(cert) = front_door_cert {
        let door = case
            .bundle
            .hosts
            .iter()
            .find(|h| h.files.iter().any(|f| f.path == "/etc/haproxy/haproxy.cfg"));
        let cfg = door
            .and_then(|h| h.file("/etc/haproxy/haproxy.cfg"))
            .map(|f| f.content.clone());
        let want = format!("bind [::]:443 v4v6 ssl crt {cert} alpn h2,http/1.1");
        if !cfg
            .as_deref()
            .is_some_and(|c| c.lines().any(|l| l.trim() == want))
        {
            case.fail(format!("haproxy.cfg lacks the line {want:?}"));
        }
        if let Some(c) = cfg {
            for (id, ..) in &shards {
                if !c
                    .lines()
                    .any(|l| l.trim_start().starts_with(&format!("server {id} ")))
                {
                    case.fail(format!("haproxy.cfg has no server {id:?}"));
                }
            }
        }
    }
    // Every file of every host: as many lines as the unmodified model's.
    for (hi, h) in case.bundle.hosts.iter().enumerate() {
        for file in &h.files {
            let key = format!(
                "lines of host {hi}: {}",
                file.path.replace(&domain, "<domain>")
            );
            case.counts.counts.insert(key, file.content.lines().count());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------

struct DebconfCase {
    label: String,
    selections: String,
    want: Vec<(String, String)>,
}

struct World {
    tls_dir: PathBuf,
    cert: Vec<u8>,
    key: Vec<u8>,
    scratch: tempfile::TempDir,
    parsers: Parsers,
    baselines: BTreeMap<String, Counts>,
    debconf: Vec<DebconfCase>,
    accepted: usize,
    rejected: usize,
    n: usize,
    folders: usize,
}

fn set(model: &mut Value, pointer: &str, value: Value) {
    let (parent, last) = pointer.rsplit_once('/').expect("a pointer");
    let last = last.replace("~1", "/").replace("~0", "~");
    match model
        .pointer_mut(parent)
        .expect("the parent exists in the base")
    {
        Value::Object(o) => {
            o.insert(last, value);
        }
        Value::Array(a) => a[last.parse::<usize>().expect("an index")] = value,
        _ => panic!("{parent} is not a container"),
    }
}

/// Puts the certificate and key nginx loads where an accepted model says they are (over
/// whatever an earlier case put there).
fn place_certificates(w: &World, m: &Value) -> Result<(), String> {
    if m["tls"]["mode"] != json!("own") {
        return Ok(());
    }
    for (k, bytes) in [("certificate", &w.cert), ("key", &w.key)] {
        let p = PathBuf::from(m["tls"][k].as_str().unwrap());
        if !p.starts_with(&w.tls_dir) {
            continue;
        }
        fs::create_dir_all(p.parent().unwrap())
            .and_then(|()| fs::write(&p, bytes))
            .map_err(|e| format!("cannot put a certificate at {}: {e}", p.display()))?;
    }
    Ok(())
}

/// A path no file can have here: a name longer than Linux's 255 bytes. (Validation allows
/// 4096 bytes in all, as PATH_MAX does; nginx cannot be shown such a file.)
fn unplaceable(value: &str) -> bool {
    value.split('/').any(|segment| segment.len() > 255)
}

/// Values this test cannot check, left out so that the rest is: a certificate path with a
/// name past 255 bytes cannot be put on disk for nginx -t to load. (A value that hits a bug
/// not yet fixed would be left out here too, with an ignored reproducer in
/// `tests/safety_findings.rs`; none is open.)
fn cannot_check(field: &Field, value: &str) -> bool {
    matches!(field.shape, Shape::CertPath) && unplaceable(value)
}

fn run_case(
    w: &mut World,
    field: &Field,
    value: &str,
    baseline: bool,
) -> Result<(), TestCaseError> {
    // A certificate path goes under a folder of its own per case, where the test can put
    // the certificate that nginx -t loads: the drawn value is what follows it.
    let in_folder;
    let value = if matches!(field.shape, Shape::CertPath) && !baseline {
        w.folders += 1;
        in_folder = format!("{}/case{}/{value}", w.tls_dir.display(), w.folders);
        in_folder.as_str()
    } else {
        value
    };
    if !baseline && cannot_check(field, value) {
        return Ok(());
    }
    let mut model = base(field.base, &w.tls_dir);
    let mut env = base_env();
    if !baseline {
        match field.target {
            Target::Model => set(&mut model, field.pointer, json!(value)),
            Target::EnvValue => {
                let var = model
                    .pointer(field.pointer)
                    .and_then(Value::as_str)
                    .unwrap()
                    .to_owned();
                env.insert(var, value.to_owned());
            }
        }
        // A renamed `{env}` secret still has its value.
        if matches!(field.shape, Shape::EnvName) {
            env.insert(
                value.to_owned(),
                "jvb-from-renamed-env-0123456789".to_owned(),
            );
        }
    }
    let text = serde_json::to_string(&model).expect("JSON");
    let label = format!("{} ({:?}) = {:?}", field.pointer, field.base, value);
    let rendered = {
        let _t = Timer::new("render (in-process)");
        jitsi_topology::render(&text, &env)
    };
    match rendered {
        Err(jitsi_topology::Error::Invalid(report)) => {
            prop_assert!(
                !baseline,
                "the unmodified {:?} model is invalid:\n{report}",
                field.base
            );
            w.rejected += 1;
            // An error at the field's own path. (Others may follow from it: a bridge host
            // renamed to the TURN host's name is also reported at /turn/host.)
            let at_field =
                |d: &&jitsi_topology::Diagnostic| d.is_error() && d.path == field.pointer;
            prop_assert!(
                report.diagnostics.iter().any(|d| at_field(&d)),
                "{label}: rejected, but no error is at {}:\n{report}",
                field.pointer
            );
            if matches!(field.shape, Shape::Secret) && value.chars().count() >= 10 {
                let all = format!("{report}");
                prop_assert!(
                    !all.contains(value),
                    "{label}: a diagnostic shows the secret:\n{all}"
                );
            }
            Ok(())
        }
        Err(e) => Err(TestCaseError::fail(format!(
            "{label}: validated, then failed to render: {e}"
        ))),
        Ok(rendered) => {
            w.accepted += 1;
            w.n += 1;
            {
                let _t = Timer::new("place certificates");
                place_certificates(w, &model)
                    .map_err(|e| TestCaseError::fail(format!("{label}: {e}")))?;
            }
            let _t = Timer::new("accepted case, all checks");
            let dir = w.scratch.path().join("case");
            fs::create_dir_all(&dir).expect("mkdir");
            let mut case = Case {
                dir: &dir,
                bundle: &rendered.bundle,
                expect: {
                    let _t = Timer::new("expect");
                    expect(&model, &env)
                },
                failures: Vec::new(),
                counts: Counts::default(),
            };
            {
                let _t = Timer::new("check_rendered");
                check_rendered(&mut case, &mut w.parsers);
            }
            let failures = std::mem::take(&mut case.failures);
            let counts = case.counts.clone();
            let e = case.expect;
            let key = format!("{:?}", field.base);
            let mut failures = failures;
            if baseline {
                w.baselines.insert(key, counts);
            } else if let Some(b) = w.baselines.get(&key) {
                // The same settings as the unmodified model: nothing injected, nothing lost.
                // (Except where the value legitimately changes what is rendered: another
                // release, a bridge joining the other region, the shards a bridge serves.)
                let structural = !matches!(
                    field.pointer,
                    "/release" | "/bridges/0/region" | "/bridges/1/shards/0"
                );
                for (k, n) in &counts.counts {
                    if let Some(bn) = b.counts.get(k)
                        && bn != n
                        && structural
                    {
                        failures.push(format!(
                            "{k}: {n} settings/lines, the unmodified model has {bn}"
                        ));
                    }
                }
            }
            // debconf, in one batch after the cases.
            let sig0 = e.shards[0].1.clone();
            let mut want = vec![(
                "jitsi-videobridge/jvb-hostname".to_owned(),
                e.domain.clone(),
            )];
            if let Some((c, k)) = &e.tls {
                want.push(("jitsi-meet/cert-path-crt".into(), c.clone()));
                want.push(("jitsi-meet/cert-path-key".into(), k.clone()));
            }
            if let Some(email) = &e.email {
                // The installer gets an empty email (so it runs no acme.sh); certbot gets the
                // model's as one argv word of the acme-certificate step, never through a shell.
                want.push(("jitsi-meet/email".into(), String::new()));
                let argv = rendered.bundle.host(&sig0).and_then(|h| {
                    h.steps.iter().find_map(|s| match s {
                        jitsi_topology::bundle::Step::AcmeCertificate { command, .. } => {
                            Some(command.clone())
                        }
                        _ => None,
                    })
                });
                if !argv
                    .as_ref()
                    .is_some_and(|a| a.windows(2).any(|w| w[0] == "--email" && &w[1] == email))
                {
                    failures.push(format!(
                        "/tls/email: certbot's argv lacks `--email` with the model's address: {argv:?}"
                    ));
                }
            }
            let selections = rendered
                .bundle
                .host(&sig0)
                .and_then(|h| h.file("/etc/jitsi-topology/debconf.selections"))
                .map(|f| f.content.clone())
                .unwrap_or_default();
            w.debconf.push(DebconfCase {
                label: label.clone(),
                selections,
                want,
            });
            if failures.is_empty() {
                Ok(())
            } else {
                Err(TestCaseError::fail(format!(
                    "{label}:\n  {}",
                    failures.join("\n  ")
                )))
            }
        }
    }
}

/// Loads every accepted case's debconf selections into one private database (each case's
/// questions renamed `jtcaseN/...`; the value column, the one the model fills, untouched),
/// then reads every answer back with `debconf-communicate`.
fn check_debconf(w: &World) -> Vec<String> {
    let db = w.scratch.path().join("debconf-db");
    fs::create_dir_all(&db).expect("mkdir");
    let rc = db.join("debconf.conf");
    fs::write(
        &rc,
        format!(
            "Config: configdb\nTemplates: templatedb\n\nName: configdb\nDriver: File\nFilename: {0}/config.dat\n\n\
             Name: templatedb\nDriver: File\nMode: 644\nFilename: {0}/templates.dat\n",
            db.display()
        ),
    )
    .expect("write debconf.conf");
    let mut failures = Vec::new();
    // Each file as rendered: debconf's syntax check, no warning.
    let files: Vec<PathBuf> = w
        .debconf
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let file = db.join(format!("case-{i}.selections"));
            fs::write(&file, &c.selections).expect("write selections");
            file
        })
        .collect();
    for chunk in files.chunks(200) {
        let out = Command::new(&w.parsers.dss)
            .arg("--checkonly")
            .args(chunk)
            .env("DEBCONF_SYSTEMRC", &rc)
            .output()
            .expect("run debconf-set-selections");
        if !out.status.success() || !out.stderr.is_empty() {
            failures.push(format!(
                "debconf-set-selections --checkonly: {}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    let mut combined = String::new();
    let mut gets = String::new();
    let mut expected = Vec::new();
    for (i, c) in w.debconf.iter().enumerate() {
        let text = &c.selections;
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let mut cols = line.splitn(4, '\t');
            let (_owner, question, kind, value) =
                (cols.next(), cols.next(), cols.next(), cols.next());
            let question = question.unwrap_or_default();
            let renamed = format!("jtcase{i}/{}", question.replace('/', "--"));
            combined.push_str(&format!(
                "jtcase{i}\t{renamed}\t{}\t{}\n",
                kind.unwrap_or_default(),
                value.unwrap_or_default()
            ));
            if let Some((_, want)) = c.want.iter().find(|(q, _)| q == question) {
                gets.push_str(&format!("GET {renamed}\n"));
                expected.push((c.label.clone(), question.to_owned(), want.clone()));
            }
        }
        for (q, _) in &c.want {
            if !text.lines().any(|l| l.split('\t').nth(1) == Some(q)) {
                failures.push(format!("{}: the selections have no {q}", c.label));
            }
        }
    }
    let all = db.join("all.selections");
    fs::write(&all, &combined).expect("write");
    let out = Command::new(&w.parsers.dss)
        .arg(&all)
        .env("DEBCONF_SYSTEMRC", &rc)
        .output()
        .expect("run debconf-set-selections");
    if !out.status.success() || !out.stderr.is_empty() {
        failures.push(format!(
            "debconf-set-selections: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
        return failures;
    }
    let mut child = Command::new(&w.parsers.dcomm)
        .arg("jitsi-topology-test")
        .env("DEBCONF_SYSTEMRC", &rc)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run debconf-communicate");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(gets.as_bytes());
    });
    let out = child.wait_with_output().expect("debconf-communicate");
    writer.join().unwrap();
    let answers: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    if answers.len() != expected.len() {
        failures.push(format!(
            "debconf-communicate answered {} of {} questions",
            answers.len(),
            expected.len()
        ));
    }
    for ((label, q, want), got) in expected.iter().zip(&answers) {
        if got.strip_prefix("0 ") != Some(want.as_str()) {
            failures.push(format!(
                "{label}: debconf reads {q} as {got:?}, the model says {want:?}"
            ));
        }
    }
    failures
}

fn cases_per_field() -> u32 {
    common::env_or("JT_PROPTEST_CASES", 24)
}

fn seed() -> u64 {
    common::env_or("JT_PROPTEST_SEED", 0x6a69_7473_6931)
}

#[test]
fn every_string_field_is_rejected_at_its_path_or_read_back_exactly_by_the_real_parsers() {
    let Some(parsers) = Parsers::start() else {
        return;
    };
    let started = Instant::now();
    let scratch = tempfile::Builder::new()
        .prefix("jt-proptest-")
        .tempdir()
        .expect("temp dir");
    let tls_dir = scratch.path().join("tls");
    fs::create_dir(&tls_dir).expect("mkdir");
    let openssl = find_tool("openssl").expect("openssl");
    let out = common::self_signed_certificate(
        &openssl,
        &tls_dir.join("web.crt"),
        &tls_dir.join("web.key"),
    )
    .output()
    .expect("openssl");
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut world = World {
        cert: fs::read(tls_dir.join("web.crt")).unwrap(),
        key: fs::read(tls_dir.join("web.key")).unwrap(),
        tls_dir: tls_dir.clone(),
        scratch,
        parsers,
        baselines: BTreeMap::new(),
        debconf: Vec::new(),
        accepted: 0,
        rejected: 0,
        n: 0,
        folders: 0,
    };
    // The unmodified models: valid, read back exactly, and the reference counts.
    for b in BASES {
        let field = FIELDS
            .iter()
            .find(|f| f.base == b)
            .expect("a field per base");
        if let Err(e) = run_case(&mut world, field, "", true) {
            panic!("the unmodified {b:?} model: {e}");
        }
    }
    let world = RefCell::new(world);
    let cases = cases_per_field();
    let seed = seed();
    let mut failures = Vec::new();
    for (i, field) in FIELDS.iter().enumerate() {
        let config = Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: 200,
            ..Config::default()
        };
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        bytes[8..16].copy_from_slice(&(i as u64).to_le_bytes());
        let mut runner =
            TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes));
        let result = runner.run(&values(field.shape), |value| {
            run_case(&mut world.borrow_mut(), field, &value, false)
        });
        match result {
            Ok(()) => {}
            Err(TestError::Fail(why, value)) => failures.push(format!(
                "{} ({:?}): minimal failing value {value:?}\n{why}",
                field.pointer, field.base
            )),
            Err(TestError::Abort(why)) => {
                failures.push(format!("{}: aborted: {why}", field.pointer))
            }
        }
    }
    let world = world.into_inner();
    {
        let _t = Timer::new("debconf (batch)");
        failures.extend(check_debconf(&world));
    }
    TIMES.with(|t| {
        for (name, (n, secs)) in t.borrow().iter() {
            println!("  {name}: {n} calls, {secs:.2} s");
        }
    });
    println!(
        "{} fields x {cases} cases (seed {seed}): {} rejected at the field's path, {} rendered and read back \
         by prosody's config loader, Typesafe Config, node, nginx and debconf; {:.1} s",
        FIELDS.len(),
        world.rejected,
        world.accepted,
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} field(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
