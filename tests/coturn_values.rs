//! Every value we write into coturn's config either reads back exactly in Debian's coturn, or
//! the model is refused at the value's JSON Pointer.
//!
//! coturn reads its config in pieces of at most 1023 bytes (coturn/coturn
//! `src/apps/relay/mainrelay.c`, `read_config_file`: `fgets` into a 1025-byte buffer of which
//! it offers 1024, l.1802-1804 at tag 4.6.1 = a005eee8, the version Debian 12 ships), so the
//! rest of a longer line is read as a line of its own: an option of the model's choosing. It
//! skips spaces, tabs and `=` between a key and its value, strips a leading `"` (and then a
//! trailing one), and strips whitespace at the end of a line (`parse_arg_string`, l.1713-1745,
//! and `read_config_file`, l.1812-1815). Values that coturn would read differently are what
//! validation must refuse.
//!
//! Each case renders a model (examples/turn.yaml with an inline TURN secret, or one from the
//! environment, and a TLS pair), starts Debian's `turnserver` on loopback from the rendered
//! turnserver.conf (tests/common/coturn.rs says what differs from a host: the addresses and
//! ports it binds; here the TLS files are created at the paths the model names), and checks
//! what coturn made of it: no line skipped, no `CONFIG WARNING`/`CONFIG ERROR` (an injected
//! option shows there), the model's realm, an allocation with the credentials prosody derives
//! from the model's secret (and none with another secret's), and the certificate at the
//! model's `cert` path served on the TLS port. Or the model is refused with an error at the
//! value's path, whose message does not show the secret.
//!
//! Each case starts a turnserver (about 0.4 s): the property test runs `JT_COTURN_CASES`
//! cases per field (default 12: 36 turnservers, about 20 s), from `JT_PROPTEST_SEED`; the
//! whole file takes about 20 s. A `{file}` TURN secret is never read by `render`: the helper
//! coturn's drop-in runs before coturn starts checks it, and is tested here too.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::coturn::{self, Ports, Turnserver};
use jitsi_topology::bundle::FileKind;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde_json::{Value, json};

/// A TURN secret coturn reads back as written.
const GOOD_SECRET: &str = "coturn-values-Zq8r2Kx7Lm4Np9Vb";
/// The environment variable a `{env}` TURN secret names here.
const TURN_VAR: &str = "JT_TEST_TURN_SECRET";

/// The programs the tests run.
struct Tools {
    turnserver: PathBuf,
    uclient: PathBuf,
    lua: PathBuf,
    openssl: PathBuf,
}

fn tools() -> Option<Tools> {
    let [turnserver, uclient, lua, openssl] =
        common::tools(["turnserver", "turnutils_uclient", "lua5.4", "openssl"])?;
    Some(Tools {
        turnserver,
        uclient,
        lua,
        openssl,
    })
}

/// Where the TURN secret comes from in a case.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    Value,
    Env,
}

impl Source {
    fn pointer(self) -> &'static str {
        match self {
            Self::Value => "/secrets/turn/value",
            Self::Env => "/secrets/turn/env",
        }
    }
}

/// One case: the TURN secret and TLS paths of examples/turn.yaml replaced.
struct Case {
    secret: String,
    source: Source,
    certificate: String,
    key: String,
}

impl Case {
    /// A case with the good secret and a TLS pair under `dir`.
    fn good(dir: &Path) -> Self {
        Self {
            secret: GOOD_SECRET.to_owned(),
            source: Source::Value,
            certificate: dir.join("turn.crt").display().to_string(),
            key: dir.join("turn.key").display().to_string(),
        }
    }

    fn model(&self) -> (Value, BTreeMap<String, String>) {
        let text = fs::read_to_string(common::repo("examples/turn.yaml")).expect("read example");
        let mut model: Value = serde_norway::from_str(&text).expect("the example is YAML");
        let mut env = BTreeMap::new();
        model["secrets"]["turn"] = match self.source {
            Source::Value => json!({ "value": self.secret }),
            Source::Env => {
                env.insert(TURN_VAR.to_owned(), self.secret.clone());
                json!({ "env": TURN_VAR })
            }
        };
        model["turn"]["tls"] = json!({ "certificate": self.certificate, "key": self.key });
        (model, env)
    }
}

/// What became of a case.
#[derive(Debug, PartialEq)]
enum Verdict {
    /// Refused, with an error of this code at the value's path.
    Refused(String),
    /// Rendered, and coturn read back every value.
    ReadBack,
}

/// Renders `case` and either finds it refused at `pointer`, or starts coturn from the
/// rendered config and checks that it read back every value; any other outcome is an error.
fn check(t: &Tools, case: &Case, pointer: &str) -> Result<Verdict, String> {
    let (model, env) = case.model();
    let text = serde_json::to_string(&model).expect("JSON");
    let rendered = match jitsi_topology::render(&text, &env) {
        Err(jitsi_topology::Error::Invalid(report)) => {
            let all = report.to_string();
            if case.secret.chars().count() >= 10 && all.contains(&case.secret) {
                return Err(format!("a diagnostic shows the secret:\n{all}"));
            }
            return match report
                .diagnostics
                .iter()
                .find(|d| d.is_error() && d.path == pointer)
            {
                Some(d) => Ok(Verdict::Refused(d.code.to_string())),
                None => Err(format!("refused, but no error is at {pointer}:\n{all}")),
            };
        }
        Err(e) => return Err(format!("validated, then failed to render: {e}")),
        Ok(r) => r,
    };
    let conf = rendered
        .bundle
        .hosts
        .iter()
        .flat_map(|h| &h.files)
        .find(|f| f.kind == FileKind::Turn)
        .ok_or("no turnserver.conf rendered")?;
    let conf = conf.content.clone();
    // The TLS pair, at exactly the paths the model names.
    for (path, what) in [(&case.certificate, "crt"), (&case.key, "key")] {
        let p = Path::new(path);
        fs::create_dir_all(p.parent().expect("an absolute path has a parent"))
            .map_err(|e| format!("create the folder of the {what} path: {e}"))?;
    }
    let out = common::self_signed_certificate(
        &t.openssl,
        Path::new(&case.certificate),
        Path::new(&case.key),
    )
    .output()
    .map_err(|e| format!("openssl: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "openssl req: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let ports = Ports::free();
    let loopback = coturn::for_loopback(&conf, ports, None)?;
    let server = Turnserver::start(&t.turnserver, &loopback, ports)?;
    let mut problems = Vec::new();
    for line in server.log().lines() {
        if line.contains(coturn::BAD_LINE)
            || line.contains("CONFIG WARNING")
            || line.contains("CONFIG ERROR")
        {
            problems.push(format!("coturn: {line}"));
        }
    }
    let domain = model["turn"]["domain"].as_str().unwrap_or_default();
    if !server.log().contains(&format!("Default realm: {domain}\n")) {
        problems.push(format!("coturn's realm is not `{domain}`"));
    }
    let (user, password) = coturn::prosody_credentials(&t.lua, case.secret.as_bytes())?;
    let a = coturn::allocate(&t.uclient, ports.plain, &user, &password, false);
    if a.relay.is_none() {
        problems.push(format!(
            "no allocation with the credentials prosody derives from the model's secret:\n{}",
            a.output
        ));
    }
    // And none with another secret: the allocation above proves the secret, not an open door.
    let (user, password) =
        coturn::prosody_credentials(&t.lua, format!("{}-other", case.secret).as_bytes())?;
    let other = coturn::allocate(&t.uclient, ports.plain, &user, &password, false);
    if other.relay.is_some() {
        problems.push(format!(
            "an allocation with the credentials of another secret succeeded:\n{}",
            other.output
        ));
    }
    let expected = fs::read_to_string(&case.certificate).map_err(|e| e.to_string())?;
    match coturn::served_certificate(&t.openssl, ports.tls) {
        Ok(served) if expected.contains(&served) => {}
        Ok(_) => problems.push("the TLS port serves another certificate than `cert`".into()),
        Err(e) => problems.push(format!("the TLS port serves no certificate: {e}")),
    }
    if problems.is_empty() {
        Ok(Verdict::ReadBack)
    } else {
        Err(format!(
            "validated, but coturn did not read back the model:\n{}\n--- turnserver log (each line once) ---\n{}",
            problems.join("\n"),
            server.log_excerpt()
        ))
    }
}

fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("jt-coturn-values-")
        .tempdir()
        .expect("create a temp dir")
}

/// A path under `dir` of exactly `len` bytes whose last bytes are `tail`, in folders of at
/// most 200 bytes (so that it can exist).
fn long_path(dir: &Path, len: usize, tail: &str) -> String {
    let mut p = dir.display().to_string();
    while p.len() + tail.len() < len {
        p.push('/');
        let room = len - tail.len() - p.len();
        p.push_str(&"d".repeat(room.min(200)));
    }
    p.push_str(tail);
    assert_eq!(p.len(), len, "{p}");
    p
}

fn assert_refused(t: &Tools, case: &Case, pointer: &str, code: &str) {
    match check(t, case, pointer) {
        Ok(Verdict::Refused(c)) if c == code => {}
        other => panic!("expected `{code}` at {pointer}, got: {other:?}"),
    }
}

#[test]
fn the_examples_pair_reads_back_in_coturn() {
    let Some(t) = tools() else { return };
    let dir = scratch();
    assert_eq!(
        check(&t, &Case::good(dir.path()), "/secrets/turn/value"),
        Ok(Verdict::ReadBack)
    );
}

#[test]
fn a_turn_secret_that_would_spill_into_a_line_of_its_own_is_refused_at_its_path() {
    let Some(t) = tools() else { return };
    let dir = scratch();
    // `static-auth-secret=` and 1004 bytes fill the 1023 bytes coturn reads at once: the rest
    // would be read as an option of its own.
    for source in [Source::Value, Source::Env] {
        let case = Case {
            secret: format!("{}allow-loopback-peers", "s".repeat(1004)),
            source,
            ..Case::good(dir.path())
        };
        assert_refused(&t, &case, source.pointer(), "coturn-line-too-long");
    }
}

#[test]
fn a_turn_secret_that_fills_coturns_line_exactly_reads_back() {
    let Some(t) = tools() else { return };
    let dir = scratch();
    let case = Case {
        secret: "s".repeat(1004),
        ..Case::good(dir.path())
    };
    assert_eq!(
        check(&t, &case, "/secrets/turn/value"),
        Ok(Verdict::ReadBack)
    );
}

#[test]
fn a_tls_path_that_would_spill_into_a_line_of_its_own_is_refused_at_its_path() {
    let Some(t) = tools() else { return };
    let dir = scratch();
    // `cert=` (and `pkey=`) and 1018 bytes fill coturn's line.
    let long = long_path(
        dir.path(),
        1018 + "allow-loopback-peers".len(),
        "allow-loopback-peers",
    );
    let case = Case {
        certificate: long.clone(),
        ..Case::good(dir.path())
    };
    assert_refused(&t, &case, "/turn/tls/certificate", "coturn-line-too-long");
    let case = Case {
        key: long,
        ..Case::good(dir.path())
    };
    assert_refused(&t, &case, "/turn/tls/key", "coturn-line-too-long");
}

#[test]
fn a_tls_path_that_fills_coturns_line_exactly_reads_back() {
    let Some(t) = tools() else { return };
    let dir = scratch();
    let case = Case {
        certificate: long_path(dir.path(), 1018, ".crt"),
        key: long_path(dir.path(), 1018, ".key"),
        ..Case::good(dir.path())
    };
    assert_eq!(
        check(&t, &case, "/turn/tls/certificate"),
        Ok(Verdict::ReadBack)
    );
}

#[test]
fn turn_secrets_coturn_would_read_differently_are_refused_at_their_path() {
    let Some(t) = tools() else { return };
    let dir = scratch();
    let mut failures = Vec::new();
    for secret in [
        format!(" {GOOD_SECRET}"),
        format!("{GOOD_SECRET} "),
        format!("={GOOD_SECRET}"),
        format!("\"{GOOD_SECRET}\""),
        format!("\"{GOOD_SECRET}"),
    ] {
        for source in [Source::Value, Source::Env] {
            let case = Case {
                secret: secret.clone(),
                source,
                ..Case::good(dir.path())
            };
            match check(&t, &case, source.pointer()) {
                Ok(Verdict::Refused(c)) if c == "coturn-reads-differently" => {}
                other => failures.push(format!("{secret:?} ({source:?}): {other:?}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn turn_secrets_with_quotes_and_hashes_inside_read_back() {
    let Some(t) = tools() else { return };
    let dir = scratch();
    for secret in [
        format!("{GOOD_SECRET}\""),
        format!("a{GOOD_SECRET}#x y\"z"),
        format!("#{GOOD_SECRET}"),
    ] {
        let case = Case {
            secret: secret.clone(),
            ..Case::good(dir.path())
        };
        assert_eq!(
            check(&t, &case, "/secrets/turn/value"),
            Ok(Verdict::ReadBack),
            "{secret:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The property test
// ---------------------------------------------------------------------------------------------

fn cases_per_field() -> u32 {
    common::env_or("JT_COTURN_CASES", 12)
}

fn seed() -> u64 {
    common::env_or("JT_PROPTEST_SEED", 0x6a69_7473_6931)
}

/// Secrets as an operator or an attacker might write them: printable ASCII with spaces,
/// quotes, `=` and `#` anywhere (ends included), non-ASCII, and lengths on both sides of the
/// 1004 bytes that fit coturn's line.
fn secrets() -> impl Strategy<Value = String> {
    let edge = prop_oneof![
        Just(String::new()),
        Just(" ".to_owned()),
        Just("=".to_owned()),
        Just("\"".to_owned()),
        Just("#".to_owned()),
        Just("é".to_owned()),
    ];
    let body = prop_oneof![
        "[ -~]{16,40}",
        "[a-z0-9 =\"#é]{16,40}",
        (995usize..1015).prop_map(|n| "k".repeat(n)),
    ];
    (edge.clone(), body, edge).prop_map(|(a, b, c)| format!("{a}{b}{c}"))
}

/// TLS path tails (under the case's folder): path characters in folders of at most 200 bytes,
/// short or on both sides of the 1018 bytes that fit coturn's line.
fn path_tails() -> impl Strategy<Value = (usize, String)> {
    (
        prop_oneof![Just(0usize), 1000usize..1040],
        "[A-Za-z0-9._+@-]{1,40}",
    )
}

/// A failure with its drawn value shown as text, so both fields' failures have one type.
fn debug_value<T: std::fmt::Debug>(e: TestError<T>) -> TestError<String> {
    match e {
        TestError::Abort(why) => TestError::Abort(why),
        TestError::Fail(why, value) => TestError::Fail(why, format!("{value:?}")),
    }
}

fn run_property(field: &str, n: u64) -> Result<(u32, u32), String> {
    let Some(t) = tools() else {
        return Ok((0, 0));
    };
    let config = Config {
        cases: cases_per_field(),
        failure_persistence: None,
        max_shrink_iters: 20,
        ..Config::default()
    };
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed().to_le_bytes());
    bytes[8..16].copy_from_slice(&n.to_le_bytes());
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes));
    let counts = std::cell::Cell::new((0u32, 0u32));
    let tally = |v: &Verdict| {
        let (r, a) = counts.get();
        counts.set(match v {
            Verdict::Refused(_) => (r + 1, a),
            Verdict::ReadBack => (r, a + 1),
        });
    };
    let result = match field {
        "/secrets/turn/value" => runner
            .run(&secrets(), |secret| {
                let dir = scratch();
                let case = Case {
                    secret: secret.clone(),
                    ..Case::good(dir.path())
                };
                let v = check(&t, &case, field).map_err(TestCaseError::fail)?;
                tally(&v);
                Ok(())
            })
            .map_err(debug_value),
        _ => runner
            .run(&path_tails(), |(len, tail)| {
                let dir = scratch();
                let path = if len == 0 {
                    format!("{}/{tail}", dir.path().display())
                } else {
                    long_path(
                        dir.path(),
                        len.max(dir.path().as_os_str().len() + 41),
                        &format!("/{tail}"),
                    )
                };
                let mut case = Case::good(dir.path());
                if field.ends_with("certificate") {
                    case.certificate = path;
                } else {
                    case.key = path;
                }
                let v = check(&t, &case, field).map_err(TestCaseError::fail)?;
                tally(&v);
                Ok(())
            })
            .map_err(debug_value),
    };
    match result {
        Ok(()) => Ok(counts.get()),
        Err(TestError::Fail(why, value)) => {
            Err(format!("{field}: minimal failing value {value}\n{why}"))
        }
        Err(TestError::Abort(why)) => Err(format!("{field}: aborted: {why}")),
    }
}

#[test]
fn every_coturn_value_is_refused_at_its_path_or_read_back_exactly_by_coturn() {
    if tools().is_none() {
        return;
    }
    let started = std::time::Instant::now();
    let mut failures = Vec::new();
    let (mut refused, mut read_back) = (0, 0);
    for (n, field) in [
        "/secrets/turn/value",
        "/turn/tls/certificate",
        "/turn/tls/key",
    ]
    .into_iter()
    .enumerate()
    {
        match run_property(field, n as u64) {
            Ok((r, a)) => {
                refused += r;
                read_back += a;
            }
            Err(e) => failures.push(e),
        }
    }
    println!(
        "3 fields x {} cases (seed {}): {refused} refused at the field's path, {read_back} read \
         back by Debian's turnserver; {:.1} s",
        cases_per_field(),
        seed(),
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------------------------------------
// `{file}` TURN secrets: `render` never reads them, so the helper our drop-in runs before
// coturn starts checks the line it appends
// ---------------------------------------------------------------------------------------------

/// Runs the rendered `secret-config` helper (examples/turn.yaml as written: a `{file}` TURN
/// secret) on a secret file holding `content`: its exit status, its standard error, and the
/// config it wrote.
fn run_helper(content: &str) -> (bool, String, Option<String>) {
    let text = fs::read_to_string(common::repo("examples/turn.yaml")).expect("read example");
    let rendered = jitsi_topology::render(&text, &BTreeMap::<String, String>::new())
        .expect("examples/turn.yaml renders");
    let helper = rendered
        .bundle
        .hosts
        .iter()
        .flat_map(|h| &h.files)
        .find(|f| f.path.ends_with("/secret-config"))
        .expect("the secret-config helper is rendered");
    let dir = scratch();
    let d = dir.path();
    fs::write(d.join("secret-config"), &helper.content).expect("write helper");
    fs::write(d.join("turnserver.conf"), "use-auth-secret\n").expect("write base");
    fs::write(d.join("secret"), content).expect("write secret");
    let out = std::process::Command::new("sh")
        .arg(d.join("secret-config"))
        .arg(d.join("turnserver.conf"))
        .arg(d.join("secret"))
        .arg("static-auth-secret")
        .arg(d.join("run/turnserver.conf"))
        .arg("turnserver")
        .output()
        .expect("run sh");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        fs::read_to_string(d.join("run/turnserver.conf")).ok(),
    )
}

#[test]
fn the_file_secret_helper_refuses_a_secret_coturn_would_read_differently() {
    if common::tool("turnserver").is_none() {
        // The helper's `chgrp turnserver` needs the group coturn's package creates.
        return;
    }
    let (ok, err, written) = run_helper(&format!("{GOOD_SECRET}\n"));
    assert!(ok, "a good secret was refused: {err}");
    assert_eq!(
        written.as_deref(),
        Some(format!("use-auth-secret\nstatic-auth-secret={GOOD_SECRET}\n").as_str())
    );
    let mut failures = Vec::new();
    for secret in [
        format!("{}allow-loopback-peers", "s".repeat(1004)),
        format!(" {GOOD_SECRET}"),
        format!("={GOOD_SECRET}"),
        format!("\"{GOOD_SECRET}\""),
        format!("{GOOD_SECRET} "),
        format!("{GOOD_SECRET}\r"),
        String::new(),
    ] {
        let (ok, err, written) = run_helper(&format!("{secret}\n"));
        if ok || written.is_some() {
            failures.push(format!("{secret:?}: accepted, wrote {written:?}"));
        } else if !secret.is_empty() && err.contains(secret.trim()) {
            failures.push(format!("{secret:?}: the message shows the secret: {err}"));
        } else if !err.contains("secret-config: the first line of") {
            failures.push(format!("{secret:?}: unclear message: {err}"));
        }
    }
    let (ok, err, _) = run_helper(&"s".repeat(1004));
    assert!(
        ok,
        "a secret that fills coturn's line exactly was refused: {err}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
