//! Secrets proven absent: every byte every surface prints or writes is searched for every
//! secret value.
//!
//! - `{file}` secrets: the secret files exist, holding distinctive values, as they would on
//!   the hosts. The CLI (`render`, `validate`, `resolve`, `plan`, text and JSON, valid and
//!   invalid models), the C ABI (`jt_render`, `jt_validate`, through a small C program linked
//!   against `libjitsi_topology.so`) and the Python binding (when its venv is built) must show
//!   none of them anywhere: not in a rendered file, the manifest, a log line or an error.
//! - `{value}` and `{env}` secrets are rendered, by design, into files flagged `secret`; they
//!   must appear nowhere else: not in standard output or error, a diagnostic (whatever is
//!   wrong with the model, the secret itself included), `Debug` output of the model, the
//!   deployment or the bundle, a plan, or a non-secret file.
//!
//! - `auth`'s secrets (an account's password, the JWT secret, the LDAP password) are among
//!   them: the TURN example gets an internal account, and `auth_secrets_of_every_mode_...`
//!   renders JWT and LDAP with each source.
//!
//! Not covered here: the Ansible collection's diff output (its own suite, `ansible/tests/run`,
//! checks that the diffs of secret files are withheld) and the Nix functions (they accept
//! only `{file}` secrets and run this CLI).

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::ROOT;
use serde_json::Value;

/// Distinctive secrets: each is searched for whole and by its distinctive middle.
const FOCUS: &str = "Fq8-focus-SECRET-x7Lr2Vn9Kp4Wd";
const JVB: &str = "Jv3-jvb-SECRET-m5Qz8Bt1Hc6Ys";
const TURN: &str = "Tn6-turn-SECRET-r2Gw9Xk4Pe7Ja";
/// The password of the model's account `alice` on the public domain (`auth.mode: internal`).
const ALICE: &str = "Al5-alice-SECRET-c8Hn3Rv6Tq1Zm";
/// The JWT signing secret and the LDAP bind password (`auth_secrets_of_every_mode_...`).
const JWT: &str = "Jw7-jwt-SECRET-p4Kd9Ls2Xb5Nf";
const LDAP: &str = "Ld2-ldap-SECRET-g6Vy1Mw8Qc3Hr";
/// jibri's two passwords (its brewery login and Chrome's hidden login).
const JIBRI: &str = "Jb4-jibri-SECRET-t9Wm2Kc7Rz5Ev";
const RECORDER: &str = "Rc8-recorder-SECRET-h3Np6Dx1Lu4Gs";
/// A jigasi's SIP password (with what its properties file escapes) and the jigasis' password
/// (`jigasi_passwords_appear_only_in_files_flagged_secret`).
const SIP: &str = "Sp4-sip-SECRET-w7=Ty:3Fz#k9Ub";
const JIGASI: &str = "Jg8-jigasi-SECRET-d2Xn5Wq7Lc4";
/// Both as jigasi's properties file holds them: base64 (`printf %s SECRET | base64 -w0`).
const SIP_BASE64: &str = "U3A0LXNpcC1TRUNSRVQtdzc9VHk6M0Z6I2s5VWI=";
const JIGASI_BASE64: &str = "Smc4LWppZ2FzaS1TRUNSRVQtZDJYbjVXcTdMYzQ=";

fn secrets() -> [&'static str; 6] {
    [FOCUS, JVB, TURN, ALICE, JIBRI, RECORDER]
}

/// The places a secret value was found in `text`, by name.
fn leaks(text: &str, values: &[&str]) -> Vec<String> {
    values
        .iter()
        .filter(|v| text.contains(*v) || text.contains(&v[4..v.len() - 4]))
        .map(|v| (*v).to_owned())
        .collect()
}

/// The TURN example with each secret as `source` (`file`, `value` or `env`).
fn model(source: &str, secret_dir: &Path) -> String {
    let text = common::example("turn");
    let mut v: Value = serde_norway::from_str(&text).expect("YAML");
    // A secure domain with one account, whose password is a secret like the others.
    v["auth"] = serde_json::json!({ "mode": "internal", "guests": true });
    v["secrets"]["accounts"] = serde_json::json!({});
    // A jibri host, whose jibri.conf holds jibri's two passwords.
    v["jibris"] =
        serde_json::json!([{ "host": "jibri1.meet.example.com", "address": "10.0.0.21" }]);
    v["recording"] = serde_json::json!({ "file": true });
    for (name, value) in [
        ("focus", FOCUS),
        ("jvb", JVB),
        ("turn", TURN),
        ("alice", ALICE),
        ("jibri", JIBRI),
        ("recorder", RECORDER),
    ] {
        let slot = if name == "alice" {
            &mut v["secrets"]["accounts"][name]
        } else {
            &mut v["secrets"][name]
        };
        *slot = match source {
            "file" => {
                let path = secret_dir.join(name);
                fs::write(&path, format!("{value}\n")).expect("write a secret file");
                serde_json::json!({ "file": path })
            }
            "value" => serde_json::json!({ "value": value }),
            "env" => serde_json::json!({ "env": format!("JT_SAFETY_{}", name.to_uppercase()) }),
            _ => unreachable!(),
        };
    }
    serde_json::to_string_pretty(&v).expect("JSON")
}

fn cli(args: &[&str]) -> Output {
    Command::new(common::cli())
        .args(args)
        .env("JT_SAFETY_FOCUS", FOCUS)
        .env("JT_SAFETY_JVB", JVB)
        .env("JT_SAFETY_TURN", TURN)
        .env("JT_SAFETY_ALICE", ALICE)
        .env("JT_SAFETY_JIBRI", JIBRI)
        .env("JT_SAFETY_RECORDER", RECORDER)
        .env("JT_SAFETY_JWT", JWT)
        .env("JT_SAFETY_LDAP", LDAP)
        .env("JT_SAFETY_SIP", SIP)
        .env("JT_SAFETY_JIGASI", JIGASI)
        .output()
        .expect("run the CLI")
}

/// Models with something wrong, each with the secrets as `source`. The secret itself is the
/// problem in some: of the wrong type, with a line break, in a syntax error's line.
fn invalid_models(source: &str, dir: &Path) -> Vec<(&'static str, String)> {
    let good = model(source, dir);
    let mut out = vec![
        (
            "another field is wrong",
            good.replacen("\"10.0.0.12\"", "\"10.0.0.11\"", 1),
        ),
        (
            "an unknown key",
            good.replacen("\"domain\"", "\"domian\"", 1),
        ),
    ];
    if source == "value" {
        let quoted = |v: &str| format!("\"{v}\"");
        out.extend([
            (
                "the secret has a line break",
                good.replacen(&quoted(FOCUS), &quoted(&format!("{FOCUS}\\n{FOCUS}")), 1),
            ),
            (
                "the secret is a number",
                good.replacen(&quoted(JVB), "98765432109876543210987654321", 1),
            ),
            (
                "the secret is a mapping key",
                good.replacen(
                    &format!("\"value\": {}", quoted(TURN)),
                    &format!("\"value\": {{{}: 1}}", quoted(TURN)),
                    1,
                ),
            ),
            (
                "a syntax error right after the secret",
                good.replacen(&quoted(FOCUS), &format!("{} }}}}", quoted(FOCUS)), 1),
            ),
            (
                "the secret written twice",
                good.replacen(
                    &format!("\"value\": {}", quoted(JVB)),
                    &format!("\"value\": {}, \"value\": {}", quoted(JVB), quoted(FOCUS)),
                    1,
                ),
            ),
            (
                "a YAML model with the secret in a broken flow mapping",
                format!("domain: meet.example.com\nsecrets: {{ focus: {{ value: {FOCUS} ]\n"),
            ),
        ]);
    }
    out
}

/// Collects leaks of `values` in a command's output.
fn check_output(what: &str, out: &Output, values: &[&str], found: &mut Vec<String>) {
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        for v in leaks(&String::from_utf8_lossy(bytes), values) {
            found.push(format!("{what}: {stream} shows {v}"));
        }
    }
}

/// Every CLI command that reads a model, on `model`, text and JSON: `validate`, `resolve`,
/// `render` into `out_dir`, and `plan` with `model` as the old side and as the new one
/// (`other` the other side). Each run's command line and output.
fn cli_runs(model: &Path, out_dir: &Path, other: &Path) -> Vec<(String, Output)> {
    let (m, o, other) = (
        model.to_str().unwrap(),
        out_dir.to_str().unwrap(),
        other.to_str().unwrap(),
    );
    // `validate` prints every diagnostic in full, with its source line (and colour codes).
    let mut runs = vec![
        vec!["validate", "--verbose", "--color", "always", m],
        vec!["resolve", m],
        vec!["resolve", "--with-manifest", m],
        vec!["render", m, "--out", o],
        vec!["plan", m, other],
    ];
    if other != m {
        runs.push(vec!["plan", other, m]);
    }
    let json = runs
        .iter()
        .map(|args| [args.as_slice(), &["--format", "json"]].concat());
    let runs: Vec<Vec<&str>> = runs.clone().into_iter().chain(json).collect();
    runs.into_iter()
        .map(|args| (format!("jitsi-topology {}", args.join(" ")), cli(&args)))
        .collect()
}

/// Every CLI command on `model` (`plan` against itself), text and JSON.
fn check_cli(label: &str, model: &Path, out_dir: &Path, values: &[&str], found: &mut Vec<String>) {
    for (command, out) in cli_runs(model, out_dir, model) {
        check_output(&format!("{label}: {command}"), &out, values, found);
    }
}

#[test]
fn file_secrets_reach_no_output_byte_log_line_or_error_of_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let secret_dir = dir.path().join("secrets");
    fs::create_dir(&secret_dir).unwrap();
    let mut found = Vec::new();
    let path = dir.path().join("model.json");
    fs::write(&path, model("file", &secret_dir)).unwrap();
    let out = dir.path().join("out");
    check_cli("{file} secrets", &path, &out, &secrets(), &mut found);
    let files = common::files_under(&out);
    assert!(files.len() > 20, "the model rendered: {:?}", files.keys());
    for (name, bytes) in &files {
        for v in leaks(&String::from_utf8_lossy(bytes), &secrets()) {
            found.push(format!("{{file}} secrets: the rendered {name} holds {v}"));
        }
    }
    // Plans between an output folder and models (the files are compared by hash).
    let other = dir.path().join("other.json");
    fs::write(&other, model("value", &secret_dir)).unwrap();
    for args in [
        ["plan", out.to_str().unwrap(), other.to_str().unwrap()],
        ["plan", other.to_str().unwrap(), out.to_str().unwrap()],
    ] {
        let o = cli(&args);
        check_output(
            &format!("jitsi-topology {}", args.join(" ")),
            &o,
            &secrets(),
            &mut found,
        );
    }
    for (label, text) in invalid_models("file", &secret_dir) {
        let p = dir.path().join("invalid.json");
        fs::write(&p, text).unwrap();
        check_cli(label, &p, &dir.path().join("never"), &secrets(), &mut found);
        assert!(
            !dir.path().join("never").exists(),
            "{label}: nothing written"
        );
    }
    assert!(found.is_empty(), "secrets leaked:\n{}", found.join("\n"));
}

#[test]
fn value_and_env_secrets_appear_only_in_files_flagged_secret() {
    for source in ["value", "env"] {
        let dir = tempfile::tempdir().unwrap();
        let mut found = Vec::new();
        let path = dir.path().join("model.json");
        fs::write(&path, model(source, dir.path())).unwrap();
        let out = dir.path().join("out");
        check_cli(
            &format!("{{{source}}} secrets"),
            &path,
            &out,
            &secrets(),
            &mut found,
        );
        let manifest: Value =
            serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
        let mut flagged = 0;
        // The search is not blind: every secret is found where it must be.
        let mut seen: Vec<String> = Vec::new();
        for host in manifest["hosts"].as_array().unwrap() {
            for f in host["files"].as_array().unwrap() {
                let rel = format!(
                    "{}/{}",
                    host["name"].as_str().unwrap(),
                    f["path"].as_str().unwrap().trim_start_matches('/')
                );
                let content = fs::read_to_string(out.join(&rel)).unwrap();
                let secret = f["secret"].as_bool().unwrap();
                let here = leaks(&content, &secrets());
                if secret {
                    flagged += 1;
                    seen.extend(here.iter().cloned());
                    let mode = u32::from_str_radix(f["mode"].as_str().unwrap(), 8).unwrap();
                    if mode & 0o007 != 0 {
                        found.push(format!("{rel} holds a secret but is mode {mode:04o}"));
                    }
                } else if !here.is_empty() {
                    found.push(format!("{rel} is not flagged secret but holds {here:?}"));
                }
            }
        }
        for v in secrets() {
            assert!(
                seen.iter().any(|s| s == v),
                "{source}: {v} is in no file flagged secret"
            );
        }
        assert!(
            flagged >= 4,
            "{source}: the secrets were rendered into flagged files"
        );
        for v in leaks(
            &String::from_utf8_lossy(&fs::read(out.join("manifest.json")).unwrap()),
            &secrets(),
        ) {
            found.push(format!("{source}: manifest.json holds {v}"));
        }
        // A plan between two inline models whose secrets differ names the files, not the
        // values: every file that changes holds a secret and says "content differs
        // (withheld)" (`plan_diffs_show_no_canary` has diffs beside such files).
        let changed = dir.path().join("changed.json");
        fs::write(
            &changed,
            model(source, dir.path())
                .replace(FOCUS, "Fq8-other-SECRET-a1b2c3d4e5f6g")
                .replace("198.51.100.20", "198.51.100.21"),
        )
        .unwrap();
        let mut shown = String::new();
        for args in [
            vec!["plan", path.to_str().unwrap(), changed.to_str().unwrap()],
            vec!["plan", out.to_str().unwrap(), changed.to_str().unwrap()],
            vec![
                "plan",
                out.to_str().unwrap(),
                changed.to_str().unwrap(),
                "--color",
                "always",
                "--verbose",
            ],
            vec![
                "plan",
                out.to_str().unwrap(),
                changed.to_str().unwrap(),
                "--format",
                "json",
            ],
        ] {
            let o = cli(&args);
            shown.push_str(&String::from_utf8_lossy(&o.stdout));
            check_output(
                &format!("jitsi-topology {}", args.join(" ")),
                &o,
                &[FOCUS, JVB, TURN, ALICE, "Fq8-other-SECRET-a1b2c3d4e5f6g"],
                &mut found,
            );
        }
        // The search is not blind: the changed files are in the plans.
        assert!(shown.contains("content differs (withheld)"), "{shown}");
        for (label, text) in invalid_models(source, dir.path()) {
            let p = dir.path().join("invalid.json");
            fs::write(&p, text).unwrap();
            check_cli(
                &format!("{source}: {label}"),
                &p,
                &dir.path().join("never"),
                &secrets(),
                &mut found,
            );
        }
        assert!(
            found.is_empty(),
            "{source}: secrets leaked:\n{}",
            found.join("\n")
        );
    }
}

#[test]
fn debug_output_of_the_model_the_deployment_and_the_bundle_shows_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let env: BTreeMap<String, String> = [
        ("JT_SAFETY_FOCUS", FOCUS),
        ("JT_SAFETY_JVB", JVB),
        ("JT_SAFETY_TURN", TURN),
        ("JT_SAFETY_ALICE", ALICE),
        ("JT_SAFETY_JIBRI", JIBRI),
        ("JT_SAFETY_RECORDER", RECORDER),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let mut found = Vec::new();
    for source in ["value", "env", "file"] {
        let text = model(source, dir.path());
        let loaded = jitsi_topology::load(&text).expect("loads");
        let checked = jitsi_topology::check(&text, &env).expect("valid");
        let rendered = jitsi_topology::render(&text, &env).expect("renders");
        for (what, shown) in [
            ("Loaded", format!("{loaded:?} {loaded:#?}")),
            ("Topology", format!("{:?}", loaded.topology)),
            (
                "Checked (the deployment)",
                format!("{checked:?} {:#?}", checked.deployment),
            ),
            (
                "Rendered (the bundle)",
                format!("{rendered:?} {:#?}", rendered.bundle),
            ),
            (
                "the resolved deployment as JSON",
                serde_json::to_string(&checked.deployment).unwrap(),
            ),
            (
                "the manifest without contents",
                serde_json::to_string(&rendered.bundle.manifest(false)).unwrap(),
            ),
        ] {
            for v in leaks(&shown, &secrets()) {
                found.push(format!("{source}: Debug of {what} shows {v}"));
            }
        }
        for (label, bad) in invalid_models(source, dir.path()) {
            match jitsi_topology::render(&bad, &env) {
                Ok(_) => found.push(format!("{source}: {label}: rendered")),
                Err(e) => {
                    for v in leaks(&format!("{e} {e:?}"), &secrets()) {
                        found.push(format!("{source}: {label}: the error shows {v}"));
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "secrets leaked:\n{}", found.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Canaries: secrets mistyped in every shape (tests/canaries/secrets.yaml, shared with the
// Python and Ansible suites)
// ---------------------------------------------------------------------------------------------

/// The shared canary fixture: canary secrets, and invalid models that hold them.
#[derive(serde::Deserialize)]
struct CanaryFixture {
    canaries: Vec<String>,
    base: String,
    valid_secrets: String,
    cases: Vec<CanaryCase>,
}

#[derive(serde::Deserialize)]
struct CanaryCase {
    name: String,
    model: Option<String>,
    secrets: Option<String>,
    extra: Option<String>,
}

/// The canaries and every case as (name, model text), as the fixture's header describes.
fn canary_cases() -> (Vec<String>, Vec<(String, String)>) {
    let text = fs::read_to_string(format!("{ROOT}/tests/canaries/secrets.yaml"))
        .expect("read tests/canaries/secrets.yaml");
    let f: CanaryFixture = serde_norway::from_str(&text).expect("the canary fixture is YAML");
    let cases = f
        .cases
        .into_iter()
        .map(|c| {
            let model = c.model.unwrap_or_else(|| {
                f.base
                    .replace(
                        "@SECRETS@\n",
                        c.secrets.as_deref().unwrap_or(&f.valid_secrets),
                    )
                    .replace("@EXTRA@\n", c.extra.as_deref().unwrap_or(""))
            });
            (c.name, model)
        })
        .collect();
    (f.canaries, cases)
}

/// The canaries of which `text` holds 12 characters in a row (a secret cut short, or quoted
/// in part, is still a leak).
fn canary_leaks(text: &str, canaries: &[String]) -> Vec<String> {
    canaries
        .iter()
        .filter(|c| {
            let chars: Vec<char> = c.chars().collect();
            chars
                .windows(12)
                .any(|w| text.contains(&w.iter().collect::<String>()))
        })
        .cloned()
        .collect()
}

#[test]
fn mistyped_secrets_reach_no_output_of_any_subcommand_of_the_cli() {
    let (canaries, cases) = canary_cases();
    assert!(cases.len() >= 50, "{} cases", cases.len());
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.yaml");
    fs::copy(format!("{ROOT}/examples/handbook.yaml"), &good).unwrap();
    let never = dir.path().join("never");
    let mut found = Vec::new();
    for (i, (name, text)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("case-{i}.yaml"));
        fs::write(&path, text).unwrap();
        for (command, out) in cli_runs(&path, &never, &good) {
            let what = format!("{name}: {command}");
            if out.status.code() != Some(1) {
                found.push(format!(
                    "{what}: exit {:?}, not 1 (invalid model)",
                    out.status.code()
                ));
            }
            for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
                for c in canary_leaks(&String::from_utf8_lossy(bytes), &canaries) {
                    found.push(format!("{what}: {stream} shows {c}"));
                }
            }
        }
        assert!(!never.exists(), "{name}: nothing is written");
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The canaries as the secrets of a valid model (the fixture's `base`, inline values): a plan
/// from its output folder to the same model with other canaries and a bridge's heap changed
/// shows the heap's diff, withholds the files holding the secrets, and shows no canary, in
/// text (with colour) and JSON.
#[test]
fn plan_diffs_show_no_canary() {
    let text = fs::read_to_string(format!("{ROOT}/tests/canaries/secrets.yaml")).unwrap();
    let f: CanaryFixture = serde_norway::from_str(&text).expect("the canary fixture is YAML");
    let model = |focus: &str, jvb: &str, heap: &str| {
        f.base
            .replace(
                "@SECRETS@",
                &format!(
                    "secrets:\n  focus: {{ value: \"{focus}\" }}\n  jvb: {{ value: \"{jvb}\" }}"
                ),
            )
            .replace("@EXTRA@", "")
            .replace(
                "public_address: 198.51.100.11 }",
                &format!("public_address: 198.51.100.11, jvm_max_memory: {heap} }}"),
            )
    };
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old.yaml"), dir.path().join("new.yaml"));
    fs::write(&old, model(&f.canaries[0], &f.canaries[1], "8g")).unwrap();
    fs::write(&new, model(&f.canaries[2], &f.canaries[3], "12g")).unwrap();
    let out = dir.path().join("out");
    let (o, n, d) = (
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    assert!(cli(&["render", o, "--out", d]).status.success());
    let mut shown = String::new();
    for args in [
        vec!["plan", d, n, "--color", "always"],
        vec!["plan", o, n],
        vec!["plan", d, n, "--format", "json"],
    ] {
        let run = cli(&args);
        assert_eq!(run.status.code(), Some(3), "{args:?}");
        shown.push_str(&String::from_utf8_lossy(&run.stdout));
        shown.push_str(&String::from_utf8_lossy(&run.stderr));
    }
    assert!(shown.contains("VIDEOBRIDGE_MAX_MEMORY=12g"), "{shown}");
    assert!(shown.contains("content differs (withheld)"), "{shown}");
    let leaked = canary_leaks(&shown, &f.canaries);
    assert!(leaked.is_empty(), "{leaked:?}:\n{shown}");
}

#[test]
fn plan_does_not_quote_a_manifest_it_cannot_read() {
    // A manifest of the C ABI or Python holds every file's content, secrets included; saved as
    // an output folder's manifest.json with a value of the wrong type, plan's error (exit 2)
    // quoted that value whole: `invalid type: string "…", expected …`.
    let (canaries, _) = canary_cases();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let handbook = format!("{ROOT}/examples/handbook.yaml");
    assert!(
        cli(&["render", &handbook, "--out", out.to_str().unwrap()])
            .status
            .success()
    );
    let file = out.join("manifest.json");
    let mut manifest: Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
    manifest["hosts"][0]["files"][0]["mode"] = Value::from(canaries[0].as_str());
    manifest["format"] = Value::from(canaries[1].as_str());
    fs::write(&file, serde_json::to_string(&manifest).unwrap()).unwrap();
    let o = out.to_str().unwrap();
    for args in [["plan", o, &handbook], ["plan", &handbook, o]] {
        let shown = cli(&args);
        let stderr = String::from_utf8_lossy(&shown.stderr);
        assert_eq!(shown.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("is not a manifest of this tool: expected"),
            "{stderr}"
        );
        assert!(canary_leaks(&stderr, &canaries).is_empty(), "{stderr}");
    }
}

/// The text report with every diagnostic's source line (`validate --verbose`), as the CLI
/// prints it.
fn snippets(diagnostics: &[jitsi_topology::Diagnostic], text: &str) -> String {
    jitsi_topology::pretty::report(
        diagnostics,
        &jitsi_topology::pretty::Source {
            name: "model.yaml",
            text,
        },
        &jitsi_topology::pretty::Options {
            color: false,
            verbose: true,
        },
    )
}

#[test]
fn mistyped_secrets_reach_no_error_of_the_library() {
    let (canaries, cases) = canary_cases();
    let env = BTreeMap::<String, String>::new();
    let mut found = Vec::new();
    for (name, text) in &cases {
        let shown = match (
            jitsi_topology::check(text, &env),
            jitsi_topology::render(text, &env),
        ) {
            (Err(report), Err(error)) => {
                let document = jitsi_topology::diagnostic::ErrorDocument::from(&report);
                format!(
                    "{report}\n{report:?}\n{error}\n{error:?}\n{}\n{}",
                    serde_json::to_string(&document).unwrap(),
                    snippets(&report.diagnostics, text)
                )
            }
            _ => {
                found.push(format!("{name}: the model was accepted"));
                continue;
            }
        };
        for c in canary_leaks(&shown, &canaries) {
            found.push(format!("{name}: the error shows {c}"));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// The C ABI
// ---------------------------------------------------------------------------------------------

const C_PROGRAM: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include "jitsi_topology.h"

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) exit(2);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = calloc((size_t)n + 1, 1);
    if (!text || fread(text, 1, (size_t)n, f) != (size_t)n) exit(2);
    fclose(f);
    return text;
}

/* Prints what jt_render, jt_validate and jt_resolve return for the model in argv[1], and
 * jt_plan from the model in argv[2] (when given) to it. */
int main(int argc, char **argv) {
    if (argc != 2 && argc != 3) return 2;
    char *model = slurp(argv[1]);
    char *out = NULL, *err = NULL;
    jt_status s = jt_render(model, &out, &err);
    printf("render %d\nout %s\nerr %s\n", (int)s, out ? out : "(null)", err ? err : "(null)");
    jt_string_free(out);
    jt_string_free(err);
    out = err = NULL;
    s = jt_validate(model, &out, &err);
    printf("validate %d\nout %s\nerr %s\n", (int)s, out ? out : "(null)", err ? err : "(null)");
    jt_string_free(out);
    jt_string_free(err);
    out = err = NULL;
    s = jt_resolve(model, &out, &err);
    printf("resolve %d\nout %s\nerr %s\n", (int)s, out ? out : "(null)", err ? err : "(null)");
    jt_string_free(out);
    jt_string_free(err);
    if (argc == 3) {
        char *old = slurp(argv[2]);
        out = err = NULL;
        s = jt_plan(old, model, &out, &err);
        printf("plan %d\nout %s\nerr %s\n", (int)s, out ? out : "(null)", err ? err : "(null)");
        jt_string_free(out);
        jt_string_free(err);
        free(old);
    }
    free(model);
    return 0;
}
"#;

/// Builds `libjitsi_topology.so` (cargo, the same target folder) and the C program, or
/// `None` when gcc is missing. The program loads the library by its SONAME,
/// `libjitsi_topology.so.0`, a link in `dir` to cargo's file.
fn c_program(dir: &Path) -> Option<PathBuf> {
    let gcc = ["/usr/bin/gcc", "/usr/local/bin/gcc"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    let Some(gcc) = gcc else {
        assert!(
            std::env::var("JT_REQUIRE_REAL_CONSUMERS").as_deref() != Ok("1"),
            "gcc is missing, and JT_REQUIRE_REAL_CONSUMERS=1 forbids skipping"
        );
        println!("skipped: gcc not installed (the C ABI check)");
        return None;
    };
    let build = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "jitsi-topology-ffi"])
        .current_dir(ROOT)
        .output()
        .expect("run cargo");
    assert!(
        build.status.success(),
        "cargo build -p jitsi-topology-ffi: {}",
        String::from_utf8_lossy(&build.stderr)
    );
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| format!("{ROOT}/target"));
    let lib_dir = PathBuf::from(target).join("debug");
    assert!(
        lib_dir.join("libjitsi_topology.so").is_file(),
        "{}",
        lib_dir.display()
    );
    // The loader looks for the SONAME, which cargo's target folder does not have.
    let lib_link = dir.join("lib");
    fs::create_dir_all(&lib_link).unwrap();
    let _ = fs::remove_file(lib_link.join("libjitsi_topology.so.0"));
    std::os::unix::fs::symlink(
        lib_dir.join("libjitsi_topology.so"),
        lib_link.join("libjitsi_topology.so.0"),
    )
    .unwrap();
    let src = dir.join("secrets.c");
    fs::write(&src, C_PROGRAM).unwrap();
    let bin = dir.join("secrets");
    let out = Command::new(gcc)
        .args(["-std=c11", "-Wall", "-Werror", "-o"])
        .arg(&bin)
        .arg(&src)
        .arg(format!("-I{ROOT}/ffi/include"))
        .arg(format!("-L{}", lib_dir.display()))
        .arg(format!("-Wl,-rpath,{}", lib_link.display()))
        .arg("-ljitsi_topology")
        .output()
        .expect("run gcc");
    assert!(
        out.status.success(),
        "gcc: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(bin)
}

#[test]
fn the_c_abi_shows_no_file_secret_and_no_secret_in_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bin) = c_program(dir.path()) else {
        return;
    };
    let mut found = Vec::new();
    // jt_plan's old model: every secret a `{value}`, each the canary with `old-` before it (so
    // that every file holding one changes, and an old value shown is caught as a leak too).
    let mut old = model("value", dir.path());
    for v in secrets() {
        old = old.replace(v, &format!("old-{v}"));
    }
    let old_path = dir.path().join("old.json");
    fs::write(&old_path, old).unwrap();
    let run = |text: &str| -> String {
        let p = dir.path().join("model.json");
        fs::write(&p, text).unwrap();
        let out = Command::new(&bin)
            .arg(&p)
            .arg(&old_path)
            .env("JT_SAFETY_FOCUS", FOCUS)
            .env("JT_SAFETY_JVB", JVB)
            .env("JT_SAFETY_TURN", TURN)
            .env("JT_SAFETY_ALICE", ALICE)
            .env("JT_SAFETY_JIBRI", JIBRI)
            .env("JT_SAFETY_RECORDER", RECORDER)
            .output()
            .expect("run the C program");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };
    // `{file}`: the manifest, every file's content included, holds no secret.
    let shown = run(&model("file", dir.path()));
    assert!(shown.starts_with("render 0\n"), "{shown}");
    assert!(shown.contains("\nresolve 0\n"), "{shown}");
    assert!(shown.contains("\nplan 0\n"), "{shown}");
    for v in leaks(&shown, &secrets()) {
        found.push(format!(
            "{{file}}: jt_render/jt_validate/jt_resolve/jt_plan show {v}"
        ));
    }
    // `{value}`, `{env}`: the secrets only inside the contents of files flagged secret.
    for source in ["value", "env"] {
        let shown = run(&model(source, dir.path()));
        // The plan compared the files holding a secret, and withheld their content.
        assert!(shown.contains("\nplan 0\n"), "{source}: {shown}");
        assert!(
            shown.contains("\"content\":\"withheld\""),
            "{source}: no withheld file in the plan:\n{shown}"
        );
        let manifest_line = shown.lines().find_map(|l| l.strip_prefix("out ")).unwrap();
        let manifest: Value = serde_json::from_str(manifest_line).expect("a manifest");
        let mut rest = manifest.clone();
        for host in rest["hosts"].as_array_mut().unwrap() {
            for f in host["files"].as_array_mut().unwrap() {
                if f["secret"] == Value::Bool(true) {
                    f["content"] = Value::Null;
                }
            }
        }
        let without_secret_files = rest.to_string()
            + &shown
                .lines()
                .filter(|l| !l.starts_with("out {\"format\""))
                .collect::<Vec<_>>()
                .join("\n");
        for v in leaks(&without_secret_files, &secrets()) {
            found.push(format!(
                "{{{source}}}: jt_render/jt_validate/jt_resolve/jt_plan show {v} outside the files flagged secret"
            ));
        }
        for (label, bad) in invalid_models(source, dir.path()) {
            let shown = run(&bad);
            assert!(
                !shown.starts_with("render 0\n"),
                "{source}: {label}: rendered"
            );
            for v in leaks(&shown, &secrets()) {
                found.push(format!(
                    "{{{source}}}: {label}: the C ABI's error document shows {v}"
                ));
            }
        }
    }
    assert!(found.is_empty(), "secrets leaked:\n{}", found.join("\n"));
}

#[test]
fn mistyped_secrets_reach_no_error_document_of_the_c_abi() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bin) = c_program(dir.path()) else {
        return;
    };
    let (canaries, cases) = canary_cases();
    let mut found = Vec::new();
    for (name, text) in &cases {
        let p = dir.path().join("model.yaml");
        fs::write(&p, text).unwrap();
        let out = Command::new(&bin)
            .arg(&p)
            .output()
            .expect("run the C program");
        let shown = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        // JT_INVALID_MODEL from every call.
        if !(shown.starts_with("render 1\n")
            && shown.contains("\nvalidate 1\n")
            && shown.contains("\nresolve 1\n"))
        {
            found.push(format!("{name}: not refused as an invalid model:\n{shown}"));
        }
        for c in canary_leaks(&shown, &canaries) {
            found.push(format!("{name}: jt_render/jt_validate/jt_resolve show {c}"));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Python
// ---------------------------------------------------------------------------------------------

const PY_PROGRAM: &str = r#"
import json, sys, traceback, jitsi_topology
shown = []
for path in sys.argv[1:]:
    text = open(path).read()
    try:
        m = jitsi_topology.render(text)
        for h in m["hosts"]:
            for f in h["files"]:
                if f["secret"]:
                    f["content"] = None
        shown.append(json.dumps(m))
        shown.append(repr(jitsi_topology.validate(text)))
        # resolve() and plan(): the resolved deployment, and the plan from a render of the
        # model to the same model with a changed bridge heap (its secret files are compared,
        # never shown), and back, each also with `stat`.
        shown.append(json.dumps(jitsi_topology.resolve(text)))
        other = json.loads(text) if text.lstrip().startswith("{") else None
        if other is not None and other.get("bridges"):
            other["bridges"][0]["jvm_max_memory"] = "3g"
            full = jitsi_topology.render(text)
            for old, new in ((full, other), (other, text)):
                for stat in (False, True):
                    shown.append(json.dumps(jitsi_topology.plan(old, new, stat=stat)))
    except jitsi_topology.TopologyError as e:
        shown += [str(e), repr(e), json.dumps(e.errors()), repr(e.args), repr(vars(e))]
        shown += traceback.format_exception(type(e), e, e.__traceback__)
        shown.append("refused " + path)
        # The same model refused by resolve() and plan(): their errors show no secret either.
        for call in (lambda: jitsi_topology.resolve(text), lambda: jitsi_topology.plan(text, text)):
            try:
                call()
            except jitsi_topology.TopologyError as again:
                shown += [str(again), repr(again), json.dumps(again.errors()), repr(again.args)]
                shown += traceback.format_exception(type(again), again, again.__traceback__)
print("\n".join(shown))
"#;

#[test]
fn the_python_binding_shows_no_secret_outside_the_files_flagged_secret() {
    let python = PathBuf::from(ROOT).join("target/py-venv/bin/python");
    let importable = python.is_file()
        && Command::new(&python)
            .args(["-c", "import jitsi_topology"])
            .current_dir("/")
            .output()
            .is_ok_and(|o| o.status.success());
    if !importable {
        // scripts/test builds the wheel (python/tests/run) after `cargo test`; run this test
        // again afterwards to cover Python.
        println!(
            "skipped: the Python binding is not built (target/py-venv; python/tests/run builds it)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for source in ["file", "value", "env"] {
        let p = dir.path().join(format!("{source}.json"));
        fs::write(&p, model(source, dir.path())).unwrap();
        paths.push(p);
        for (i, (_, bad)) in invalid_models(source, dir.path()).into_iter().enumerate() {
            let p = dir.path().join(format!("{source}-invalid-{i}.json"));
            fs::write(&p, bad).unwrap();
            paths.push(p);
        }
    }
    let (canaries, cases) = canary_cases();
    let mut canary_paths = Vec::new();
    for (i, (_, text)) in cases.iter().enumerate() {
        let p = dir.path().join(format!("canary-{i}.yaml"));
        fs::write(&p, text).unwrap();
        canary_paths.push(p);
    }
    paths.extend(canary_paths.iter().cloned());
    let out = Command::new(&python)
        .arg("-c")
        .arg(PY_PROGRAM)
        .args(&paths)
        .current_dir("/")
        .env("JT_SAFETY_FOCUS", FOCUS)
        .env("JT_SAFETY_JVB", JVB)
        .env("JT_SAFETY_TURN", TURN)
        .env("JT_SAFETY_ALICE", ALICE)
        .env("JT_SAFETY_JIBRI", JIBRI)
        .env("JT_SAFETY_RECORDER", RECORDER)
        .env("JT_SAFETY_JWT", JWT)
        .env("JT_SAFETY_LDAP", LDAP)
        .output()
        .expect("run python");
    let shown =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{shown}");
    let found = leaks(&shown, &secrets());
    assert!(
        found.is_empty(),
        "the Python binding shows {found:?}:\n{shown}"
    );
    let found = canary_leaks(&shown, &canaries);
    assert!(
        found.is_empty(),
        "the Python binding shows the canaries {found:?}:\n{shown}"
    );
    for (p, (name, _)) in canary_paths.iter().zip(&cases) {
        assert!(
            shown.contains(&format!("refused {}", p.display())),
            "{name}: no TopologyError"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// `secrets init` (tests/cli.rs checks modes, length, alphabet and a second run)
// ---------------------------------------------------------------------------------------------

#[test]
fn secrets_init_never_follows_or_replaces_what_is_already_there() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets");
    fs::create_dir(&secrets).unwrap();
    // A symlink planted where a secret goes (dangling: following it would create the target),
    // and an operator's own secret with a mode of its own.
    let planted = dir.path().join("elsewhere").join("stolen");
    fs::create_dir(planted.parent().unwrap()).unwrap();
    symlink(&planted, secrets.join("focus")).unwrap();
    fs::write(secrets.join("jvb"), "operators-own-secret-value-0123\n").unwrap();
    fs::set_permissions(secrets.join("jvb"), fs::Permissions::from_mode(0o640)).unwrap();
    let out = cli(&["secrets", "init", secrets.to_str().unwrap()]);
    // The planted link is refused (exit 2, named) before anything is written; without it, the
    // run keeps the operator's file.
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!(
            "{} is a symbolic link, not a secret file",
            secrets.join("focus").display()
        )),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!planted.exists(), "init followed a planted symlink");
    assert!(
        !secrets.join("turn").exists(),
        "nothing written before the check"
    );
    assert!(
        fs::symlink_metadata(secrets.join("focus"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_operators_jvb_kept(&secrets, "an existing file's mode is the operator's");
    fs::remove_file(secrets.join("focus")).unwrap();
    let out = cli(&["secrets", "init", secrets.to_str().unwrap()]);
    assert!(out.status.success());
    assert_operators_jvb_kept(&secrets, "an existing file's mode is still the operator's");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("kept"), "{said}");
}

/// The operator's own jvb secret file is as the operator left it: its text and its mode.
fn assert_operators_jvb_kept(secrets: &Path, what: &str) {
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::read_to_string(secrets.join("jvb")).unwrap(),
        "operators-own-secret-value-0123\n"
    );
    assert_eq!(
        fs::metadata(secrets.join("jvb"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o640,
        "{what}"
    );
}

#[test]
fn secrets_init_draws_every_secret_afresh_from_the_random_source() {
    let dir = tempfile::tempdir().unwrap();
    let mut all = std::collections::BTreeSet::new();
    let mut chars = std::collections::BTreeSet::new();
    for i in 0..20 {
        let d = dir.path().join(i.to_string());
        let out = cli(&["secrets", "init", d.to_str().unwrap()]);
        assert!(out.status.success());
        for entry in fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            let v = fs::read_to_string(&p).unwrap().trim_end().to_owned();
            // Nothing printed holds it, and the `{file}` model accepts it (first line, long).
            assert!(!String::from_utf8_lossy(&out.stdout).contains(&v));
            assert!(!String::from_utf8_lossy(&out.stderr).contains(&v));
            assert!(v.len() >= jitsi_topology::MIN_SECRET_LEN);
            chars.extend(v.chars());
            assert!(all.insert(v), "a secret repeated");
        }
    }
    // 20 runs of 32 characters each from 62: all but a handful of the alphabet shows up.
    assert!(chars.len() > 55, "{} distinct characters", chars.len());
}

// ---------------------------------------------------------------------------------------------
// Any secret, in any of the canary fixture's shapes (a property test of the library)
// ---------------------------------------------------------------------------------------------

/// Every canary of a fixture case replaced by a drawn secret (printable ASCII, spaces, quotes
/// and YAML's indicators included, so the shapes bend further): whatever the model becomes,
/// no diagnostic shows the secret. 512 cases (about a second); the seed is fixed as in
/// tests/proptest_injection.rs (`JT_PROPTEST_SEED`, `JT_PROPTEST_CASES` draw others).
#[test]
fn any_secret_in_any_mistyped_shape_stays_out_of_every_diagnostic() {
    use proptest::prelude::any;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let number = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let config = Config {
        cases: number("JT_PROPTEST_CASES", 512) as u32,
        failure_persistence: None,
        ..Config::default()
    };
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&number("JT_PROPTEST_SEED", 0x6a69_7473_6931).to_le_bytes());
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    let (canaries, cases) = canary_cases();
    let env = BTreeMap::<String, String>::new();
    let strategy = (any::<proptest::sample::Index>(), "[!-~][ -~]{14,38}[!-~]");
    runner
        .run(&strategy, |(case, secret)| {
            let (name, text) = &cases[case.index(cases.len())];
            let text = canaries
                .iter()
                .fold(text.clone(), |t, c| t.replace(c.as_str(), &secret));
            let shown = match jitsi_topology::check(&text, &env) {
                Ok(checked) => format!(
                    "{:?}\n{}",
                    checked.warnings,
                    snippets(&checked.warnings, &text)
                ),
                Err(report) => format!(
                    "{report}\n{report:?}\n{}",
                    snippets(&report.diagnostics, &text)
                ),
            };
            proptest::prop_assert!(!shown.contains(&secret), "{}: {}", name, shown);
            Ok(())
        })
        .unwrap();
}

/// The handbook's model with `auth` in `mode` (`jwt` or `ldap`) and its secret as `source`.
fn auth_model(mode: &str, source: &str, secret_dir: &Path) -> String {
    let text = common::example("handbook");
    let mut v: Value = serde_norway::from_str(&text).expect("YAML");
    let (name, value) = match mode {
        "jwt" => {
            v["auth"] = serde_json::json!({
                "mode": "jwt", "app_id": "my_web_app", "issuers": ["my_web_app"],
                "audiences": ["jitsi"], "guests": true,
            });
            ("jwt", JWT)
        }
        _ => {
            v["auth"] = serde_json::json!({
                "mode": "ldap", "url": "ldaps://ldap.example.com",
                "bind_dn": "cn=jitsi,dc=example,dc=com", "base": "ou=people,dc=example,dc=com",
            });
            ("ldap", LDAP)
        }
    };
    v["secrets"][name] = match source {
        "file" => {
            let path = secret_dir.join(name);
            fs::write(&path, format!("{value}\n")).expect("write a secret file");
            serde_json::json!({ "file": path })
        }
        "value" => serde_json::json!({ "value": value }),
        _ => serde_json::json!({ "env": format!("JT_SAFETY_{}", name.to_uppercase()) }),
    };
    serde_json::to_string_pretty(&v).expect("JSON")
}

#[test]
fn auth_secrets_of_every_mode_appear_only_in_files_flagged_secret() {
    let values = [JWT, LDAP];
    let env: BTreeMap<String, String> = [("JT_SAFETY_JWT", JWT), ("JT_SAFETY_LDAP", LDAP)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let mut found = Vec::new();
    for mode in ["jwt", "ldap"] {
        for source in ["file", "value", "env"] {
            let label = format!("{mode} with a {{{source}}} secret");
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("model.json");
            let text = auth_model(mode, source, dir.path());
            fs::write(&path, &text).unwrap();
            check_secret_model(&label, &path, &text, source, &values, &env, &mut found);
            // Invalid: the secret left over beside another mode, and written twice.
            let other = text.replacen(
                &format!("\"mode\": \"{mode}\""),
                "\"mode\": \"internal\"",
                1,
            );
            for bad in [other, text.replacen("\"domain\"", "\"domian\"", 1)] {
                let p = dir.path().join("invalid.json");
                fs::write(&p, bad).unwrap();
                check_cli(&label, &p, &dir.path().join("never"), &values, &mut found);
            }
        }
    }
    assert!(found.is_empty(), "secrets leaked:\n{}", found.join("\n"));
}

/// Every CLI command on the valid model at `path` (`text`, its secrets given as `source`):
/// `values` appear only in files flagged secret and unreadable by others (with `{file}`
/// secrets: nowhere), never in an output, nor in `Debug` or JSON of the bundle and the
/// deployment. An inline secret must be found in some file: the search is not blind.
fn check_secret_model(
    label: &str,
    path: &Path,
    text: &str,
    source: &str,
    values: &[&str],
    env: &BTreeMap<String, String>,
    found: &mut Vec<String>,
) {
    let out = path.parent().expect("the model's folder").join("out");
    check_cli(label, path, &out, values, found);
    let manifest: Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let mut seen = false;
    for host in manifest["hosts"].as_array().unwrap() {
        for f in host["files"].as_array().unwrap() {
            let rel = format!(
                "{}/{}",
                host["name"].as_str().unwrap(),
                f["path"].as_str().unwrap().trim_start_matches('/')
            );
            let here = leaks(&fs::read_to_string(out.join(&rel)).unwrap(), values);
            if here.is_empty() {
                continue;
            }
            let mode_bits = u32::from_str_radix(f["mode"].as_str().unwrap(), 8).unwrap();
            if source == "file" {
                found.push(format!("{label}: {rel} holds {here:?}"));
            } else if !f["secret"].as_bool().unwrap() || mode_bits & 0o007 != 0 {
                found.push(format!(
                    "{label}: {rel} holds {here:?} but is not a secret file ({mode_bits:04o})"
                ));
            } else {
                seen = true;
            }
        }
    }
    assert_eq!(seen, source != "file", "{label}: where the secret went");
    let rendered = jitsi_topology::render(text, env).expect("renders");
    let checked = jitsi_topology::check(text, env).expect("valid");
    for (what, shown) in [
        ("Debug of the bundle", format!("{rendered:?}")),
        (
            "Debug of the deployment",
            format!("{:#?}", checked.deployment),
        ),
        (
            "the deployment as JSON",
            serde_json::to_string(&checked.deployment).unwrap(),
        ),
    ] {
        for v in leaks(&shown, values) {
            found.push(format!("{label}: {what} shows {v}"));
        }
    }
}

/// The handbook with a jigasi whose SIP password and the jigasis' password are given as
/// `source`.
fn jigasi_model(source: &str, secret_dir: &Path) -> String {
    let text = common::example("handbook");
    let mut v: Value = serde_norway::from_str(&text).expect("YAML");
    let slot = |name: &str, value: &str| match source {
        "file" => {
            let path = secret_dir.join(name);
            fs::write(&path, format!("{value}\n")).expect("write a secret file");
            serde_json::json!({ "file": path })
        }
        "value" => serde_json::json!({ "value": value }),
        _ => serde_json::json!({ "env": format!("JT_SAFETY_{}", name.to_uppercase()) }),
    };
    v["secrets"]["jigasi"] = slot("jigasi", JIGASI);
    v["jigasis"] = serde_json::json!([{
        "host": "sip1.meet.example.com", "address": "10.0.0.31",
        "sip": { "user": "jitsi@sip.example.net", "password": slot("sip", SIP) },
    }]);
    serde_json::to_string_pretty(&v).expect("JSON")
}

#[test]
fn jigasi_passwords_appear_only_in_files_flagged_secret() {
    let values = [SIP, JIGASI, SIP_BASE64, JIGASI_BASE64];
    let env: BTreeMap<String, String> = [("JT_SAFETY_SIP", SIP), ("JT_SAFETY_JIGASI", JIGASI)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let mut found = Vec::new();
    for source in ["file", "value", "env"] {
        let label = format!("a jigasi with {{{source}}} passwords");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.json");
        let text = jigasi_model(source, dir.path());
        fs::write(&path, &text).unwrap();
        check_secret_model(&label, &path, &text, source, &values, &env, &mut found);
        // Invalid: another field wrong; the SIP password a bare string, a number, a key.
        let quoted = |v: &str| format!("\"{v}\"");
        let mut bad = vec![text.replacen("\"domain\"", "\"domian\"", 1)];
        if source == "value" {
            bad.extend([
                text.replacen(
                    &format!("{{\n          \"value\": {}\n        }}", quoted(SIP)),
                    &quoted(SIP),
                    1,
                ),
                text.replacen(&quoted(SIP), &format!("{{{}: 1}}", quoted(SIP)), 1),
                text.replacen(&quoted(SIP), &format!("{} }}}}", quoted(SIP)), 1),
                text.replacen(&quoted(SIP), &quoted(&format!("{SIP}\\n{SIP}")), 1),
            ]);
        }
        for (i, bad) in bad.into_iter().enumerate() {
            assert_ne!(bad, text, "{label}: invalid model {i} differs");
            let p = dir.path().join(format!("invalid-{i}.json"));
            fs::write(&p, bad).unwrap();
            check_cli(&label, &p, &dir.path().join("never"), &values, &mut found);
        }
    }
    assert!(found.is_empty(), "secrets leaked:\n{}", found.join("\n"));
}
