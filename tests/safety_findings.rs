//! Bugs that the property tests, the fuzzer and the hostile-input tests found, each as the
//! smallest model that shows it. A bug not yet fixed is `#[ignore]`d (the suite stays green
//! meanwhile; run them with `cargo test --test safety_findings -- --ignored`); once fixed, its
//! test stays here as a regression test, without the `#[ignore]` (and without any exclusion
//! of it in `tests/proptest_injection.rs` or the fuzz targets).

mod common;

use std::collections::BTreeMap;

fn check(model: &str) -> Result<jitsi_topology::Checked, jitsi_topology::Report> {
    jitsi_topology::check(model, &BTreeMap::<String, String>::new())
}

/// Found by `tests/proptest_injection.rs` (field `/bridges/0/jvm_max_memory`, value `"é"`) and
/// by the fuzzer: `validate::parse_memory` (since replaced by `accepted::heap_bytes`) cut the
/// unit off with `s.split_at(s.len() - 1)`, a byte index, which panics when the last character
/// takes more than one byte. The CLI then died with a panic, the C ABI returned `JT_PANIC`, Python raised `PanicException`, instead
/// of a `jvm-memory-invalid` diagnostic at the field.
#[test]
fn a_jvm_heap_size_ending_in_a_non_ascii_character_is_a_diagnostic() {
    for value in ["é", "8é", "8g€", "😀"] {
        let model = common::example("handbook").replacen(
            "jvm_max_memory: 8g",
            &format!("jvm_max_memory: \"{value}\""),
            1,
        );
        let result = std::panic::catch_unwind(|| check(&model));
        let report = result
            .unwrap_or_else(|_| panic!("validation panicked on jvm_max_memory {value:?}"))
            .err()
            .unwrap_or_else(|| panic!("jvm_max_memory {value:?} was accepted"));
        assert!(
            report
                .diagnostics
                .iter()
                .any(|d| d.code == "jvm-memory-invalid" && d.path == "/bridges/0/jvm_max_memory"),
            "{report}"
        );
    }
}

/// Found by `tests/proptest_injection.rs`: a string in a list of IP networks that is not a
/// network is reported at the list (`/bridge_networks`), not at the element
/// (`/bridge_networks/1`), because `model::networks` parses the whole list in one custom
/// deserializer. Editors and tools that follow the JSON Pointer land one level too high.
#[test]
fn a_bad_network_is_reported_at_its_element() {
    let model = common::example("handbook").replace(
        "bridge_networks: [10.0.0.0/24]",
        "bridge_networks: [10.0.0.0/24, \"10.0.0.0/24; evil\"]",
    );
    let report = check(&model).expect_err("not a network");
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.is_error() && d.path == "/bridge_networks/1"),
        "{report}"
    );
}

/// Found by `tests/proptest_injection.rs` (field `/tls/certificate`): a certificate or key
/// path ending in `/` (or `/.`) names a folder, yet validation accepts it; the rendered nginx
/// site then fails `nginx -t` ("cannot load certificate"), on the host, at deploy time. The
/// same holds for every file path of the model (`trust.*`, `turn.tls.*`,
/// `front_door.certificate`, `secrets.*.file`).
#[test]
fn a_certificate_path_naming_a_folder_is_refused() {
    for path in ["/etc/ssl/", "/etc/ssl/."] {
        let model = common::example("handbook").replace("/etc/ssl/meet.example.com.crt", path);
        let report = check(&model).expect_err("a folder is not a certificate");
        assert!(
            report
                .diagnostics
                .iter()
                .any(|d| d.code == "path-invalid" && d.path == "/tls/certificate"),
            "{path}: {report}"
        );
    }
}

/// Found by `tests/safety_hostile.rs`: YAML flow collections nested deep (`[[[[…]]]]`) are
/// parsed in quadratic time before serde's recursion limit (128) refuses them: 20 000 levels
/// (40 KB) take 1.2 s in a release build, 100 000 levels (200 KB) about 30 s release and 120 s
/// debug; the 16 MiB limit allows 8 million. JSON is refused at once (serde_json stops at
/// depth 128 while parsing). A fix: refuse a model whose bracket nesting passes, say, 64
/// before handing it to the YAML parser (the model itself nests 5 levels).
#[test]
fn deep_yaml_flow_nesting_is_refused_quickly() {
    let depth = 100_000;
    let text = format!("domain: {}{}\n", "[".repeat(depth), "]".repeat(depth));
    let started = std::time::Instant::now();
    let report = check(&text).expect_err("too deep");
    assert!(
        report.diagnostics.iter().any(|d| d.code == "too-deep"),
        "{report}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "refusing 100 000 levels took {:?}",
        started.elapsed()
    );
}

/// Found by `tests/safety_hostile.rs`: a model of many unknown keys (within the 16 MiB
/// limit) made one `unknown-key` diagnostic per key, each with a "did you mean" search: 15 MiB
/// took 224 s and 1.25 GB (debug build, GNU time). Since 1a7bbbe only the first hundred are
/// listed, but the same 15 MiB (1.7 million keys) still took 41 s and 580 MB in a debug build.
/// Since then a mapping of more than 1000 keys is refused while parsing and unknown keys are
/// removed in one pass: 15 MiB take 2.1 s and 370 MB in a release build, 4 MiB about 2 s in a
/// debug build, which is now the YAML loader's own cost (it reads the whole document's events
/// before deserializing, about 25 bytes of memory per byte of input). A tool that renders
/// untrusted models should cap their size well below 16 MiB.
#[test]
#[ignore = "costly input: the YAML loader holds a whole document's events (2 s, 370 MB for 15 MiB, release)"]
fn many_unknown_keys_are_refused_within_bounds() {
    let mut text = String::from("domain: a.example.com\n");
    let mut i = 0;
    while text.len() < 4 * 1024 * 1024 {
        text.push_str(&format!("k{i}: 1\n"));
        i += 1;
    }
    let started = std::time::Instant::now();
    let report = check(&text).expect_err("unknown keys");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "4 MiB of unknown keys took {:?} ({} diagnostics)",
        started.elapsed(),
        report.diagnostics.len()
    );
    assert!(
        report.diagnostics.len() <= 1000,
        "{} diagnostics",
        report.diagnostics.len()
    );
}

/// Found while checking `secrets init` against the model: the model has three secrets
/// (`secrets.focus`, `secrets.jvb`, and `secrets.turn` with a TURN server, as in
/// `examples/turn.yaml`), but `jitsi-topology secrets init DIR` creates only `focus` and
/// `jvb` (`NAMES` in cli/src/secrets.rs), so the TURN example's
/// `{file: /etc/jitsi-topology/secrets/turn}` has no command that makes it.
#[test]
fn secrets_init_creates_every_secret_the_model_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = std::process::Command::new(common::cli())
        .args(["secrets", "init"])
        .arg(dir.path())
        .output()
        .expect("run the CLI");
    assert!(out.status.success());
    for name in ["focus", "jvb", "turn"] {
        assert!(dir.path().join(name).is_file(), "no {name}");
    }
}

fn cli() -> std::process::Command {
    std::process::Command::new(common::cli())
}

/// The CLI with `args` and then `dir`, stopped after 10 s (a write into a FIFO blocks).
fn within_10_s(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    std::process::Command::new("timeout")
        .arg("10")
        .arg(common::cli())
        .args(args)
        .arg(dir)
        .output()
        .expect("run the CLI")
}

/// Found by the outside attack of issue 15: `secrets init` opened each secret with
/// `O_CREAT|O_EXCL` and took "it exists" for "it is a secret": a symbolic link planted at
/// `jvb` (pointing where the attacker reads) or a FIFO at `turn` was "kept", exit 0, and the
/// operator went on to copy what the attacker controls.
#[test]
fn secrets_init_never_takes_a_planted_symlink_or_fifo_for_a_secret() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let secrets = dir.path().join("secrets");
    std::fs::create_dir(&secrets).unwrap();
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o700)).unwrap();
    let victim = dir.path().join("where-the-attacker-reads");
    std::os::unix::fs::symlink(&victim, secrets.join("jvb")).unwrap();
    common::mkfifo(&secrets.join("turn"));
    let out = within_10_s(&["secrets", "init"], &secrets);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{}", text.trim());
    assert_eq!(out.status.code(), Some(2), "refused:\n{text}");
    assert!(
        text.contains(&format!(
            "{} is a symbolic link, not a secret file",
            secrets.join("jvb").display()
        )) && text.contains(&format!(
            "{} is a FIFO, not a secret file",
            secrets.join("turn").display()
        )),
        "names both:\n{text}"
    );
    assert!(!victim.exists(), "nothing written through the link");
    assert!(
        !secrets.join("focus").exists(),
        "nothing written before the check"
    );
}

/// Found by the outside attack of issue 15: `secrets init` into an existing folder that
/// others could write kept its mode (0777), so anyone could replace a secret later; one owned
/// by another user was used as it was.
#[test]
fn secrets_init_repairs_a_folder_others_can_write_and_refuses_one_of_another_user() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let open = dir.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = cli().args(["secrets", "init"]).arg(&open).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    println!("{}", text.trim());
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "repaired {}: its mode was 0777, which let others in; it is 0700 now",
            open.display()
        )),
        "{text}"
    );
    let mode = std::fs::metadata(&open).unwrap().permissions().mode() & 0o7777;
    assert_eq!(format!("{mode:04o}"), "0700");

    if !std::fs::metadata("/proc/self").is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
    {
        return; // only root can give a folder to another user
    }
    let foreign = dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::os::unix::fs::chown(&foreign, Some(65534), None).unwrap();
    let out = cli()
        .args(["secrets", "init"])
        .arg(&foreign)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    println!("{}", text.trim());
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("belongs to uid 65534, not to you"), "{text}");
    assert!(!foreign.join("jvb").exists());
}

/// Found by the outside attack of issue 15: `schema --write DIR` wrote with `fs::write`, which
/// follows a symbolic link planted at a schema's name and overwrites its target (and blocks
/// forever on a FIFO).
#[test]
fn schema_write_never_writes_through_a_planted_symlink_or_into_a_fifo() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let schemas = dir.path().join("schemas");
    std::fs::create_dir(&schemas).unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious").unwrap();
    std::os::unix::fs::symlink(&victim, schemas.join("topology.schema.json")).unwrap();
    common::mkfifo(&schemas.join("manifest.schema.json"));
    let out = within_10_s(&["schema", "--write"], &schemas);
    println!(
        "exit {:?}; victim: {:?}",
        out.status.code(),
        std::fs::read_to_string(&victim).unwrap()
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    for name in ["topology.schema.json", "manifest.schema.json"] {
        let m = std::fs::symlink_metadata(schemas.join(name)).unwrap();
        assert!(m.is_file(), "{name} is a plain file now");
        assert_eq!(m.permissions().mode() & 0o7777, 0o644, "{name}");
        let text = std::fs::read_to_string(schemas.join(name)).unwrap();
        assert!(text.contains("\"$schema\""), "{name} holds the schema");
    }
    let names: Vec<_> = std::fs::read_dir(&schemas)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
}

/// Found by the outside attack of issue 15: a host named `manifest.json` is a valid DNS name,
/// but its folder collides with the output's own manifest file.
#[test]
fn a_host_named_like_the_outputs_manifest_is_refused_at_its_path() {
    let model =
        common::example("handbook").replace("host: jvb2.meet.example.com", "host: manifest.json");
    let report = check(&model).expect_err("refused");
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code == "hostname-reserved")
        .unwrap_or_else(|| panic!("no hostname-reserved: {report}"));
    assert_eq!(d.path, "/bridges/1/host");
    println!("{report}");
}

/// The handbook example with the focus and jvb secrets given as `focus` and `jvb` (each a
/// YAML flow mapping such as `{ value: "…" }`).
fn with_secrets(focus: &str, jvb: &str) -> String {
    let model = common::example("handbook");
    let model = model.replace(
        "focus: { file: /etc/jitsi-topology/secrets/focus }",
        &format!("focus: {focus}"),
    );
    model.replace(
        "jvb: { file: /etc/jitsi-topology/secrets/jvb }",
        &format!("jvb: {jvb}"),
    )
}

/// `s` as a YAML double-quoted scalar, every character but printable ASCII escaped (YAML
/// refuses some, such as U+FFFE, written raw).
fn yaml_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if (' '..='~').contains(&c) && c != '"' && c != '\\' {
            out.push(c);
        } else {
            out.push_str(&format!("\\U{:08x}", c as u32));
        }
    }
    out.push('"');
    out
}

/// Found by the outside attack of issue 15: an account password holding a character that
/// SASLprep (RFC 4013) prohibits validated and rendered, and then prosody refused it when the
/// `register-account` step ran on the host (`prosodyctl adduser` fails: "password fails
/// SASLprep"), so jicofo or the bridges never logged in. Each must be refused at the secret's
/// own path, inline and from `{env}` alike, without showing the password.
#[test]
fn an_account_password_prosody_would_refuse_is_refused_at_its_path_without_showing_it() {
    let padded = |middle: &str| format!("Pw7-prosody-refuses{middle}kq9Xz2Lr");
    let cases = [
        (
            "a line separator (a non-ASCII control character)",
            padded("\u{2028}"),
        ),
        ("a private-use character", padded("\u{e000}")),
        ("a right-to-left mark", padded("\u{200f}")),
        ("a language tag", padded("\u{e0001}")),
        ("a non-character", padded("\u{fffe}")),
        ("Hebrew mixed with Latin letters", padded("\u{5d0}")),
        ("1024 bytes", "Pw7-".repeat(256)),
        // Prohibited by RFC 4013 in a stored string; prosody 0.12 stores it (its non-strict
        // SASLprep), but normalises it by Unicode 3.2 where the bridges' Java runtime uses
        // newer tables (src/accepted.rs).
        (
            "an unassigned code point (Unicode 3.2)",
            padded("\u{1f600}"),
        ),
    ];
    let mut accepted = Vec::new();
    for (what, password) in &cases {
        let env = BTreeMap::from([("JT_FINDING_JVB".to_owned(), password.clone())]);
        for (model, path) in [
            (
                with_secrets(
                    &format!("{{ value: {} }}", yaml_quoted(password)),
                    "{ file: /etc/jitsi-topology/secrets/jvb }",
                ),
                "/secrets/focus/value",
            ),
            (
                with_secrets(
                    "{ file: /etc/jitsi-topology/secrets/focus }",
                    "{ env: JT_FINDING_JVB }",
                ),
                "/secrets/jvb/env",
            ),
        ] {
            match jitsi_topology::check(&model, &env) {
                Ok(_) => accepted.push(format!("{what} at {path}: accepted")),
                Err(report) => {
                    let json = serde_json::to_string(
                        &jitsi_topology::diagnostic::ErrorDocument::from(&report),
                    )
                    .unwrap();
                    for shown in [report.to_string(), json, format!("{report:?}")] {
                        assert!(
                            !shown.contains("prosody-refuses") && !shown.contains("Pw7-Pw7-"),
                            "{what}: the password is shown: {shown}"
                        );
                    }
                    if report
                        .diagnostics
                        .iter()
                        .any(|d| d.code == "secret-saslprep" && d.path == path)
                    {
                        println!("{what}: {report}");
                    } else {
                        accepted.push(format!("{what}: no secret-saslprep at {path}: {report}"));
                    }
                }
            }
        }
    }
    assert!(accepted.is_empty(), "{}", accepted.join("\n"));
}

/// Found by the outside attack of issue 15: heap sizes the JVM refuses validated, so the
/// bridge never started: `17179869184g` is 2^64 bytes ("Invalid maximum heap size"), `100000g`
/// is more address space than an x86-64 host has ("Could not reserve enough space for …
/// object heap"). And sizes the JVM reads were refused: `1048576k`, `1t`, `2147483648` bytes,
/// `0x80000000`.
#[test]
fn heap_sizes_are_refused_exactly_when_the_jvm_would_refuse_them() {
    let with_heap = |v: &str| {
        common::example("handbook").replacen(
            "jvm_max_memory: 8g",
            &format!("jvm_max_memory: \"{v}\""),
            1,
        )
    };
    let mut wrong = Vec::new();
    for (value, code) in [
        ("17179869184g", "jvm-memory-invalid"),
        ("16777216t", "jvm-memory-invalid"),
        ("100000g", "jvm-memory-too-large"),
        ("2t", "jvm-memory-too-large"),
        ("0", "jvm-memory-invalid"),
    ] {
        match check(&with_heap(value)) {
            Ok(_) => wrong.push(format!("{value}: accepted")),
            Err(report) => {
                println!("{value}: {report}");
                if !report
                    .diagnostics
                    .iter()
                    .any(|d| d.code == code && d.path == "/bridges/0/jvm_max_memory")
                {
                    wrong.push(format!(
                        "{value}: no {code} at /bridges/0/jvm_max_memory: {report}"
                    ));
                }
            }
        }
    }
    for value in ["1048576k", "1t", "2147483648", "0x80000000", "8G", "6144M"] {
        if let Err(report) = check(&with_heap(value)) {
            wrong.push(format!("{value}: refused: {report}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
