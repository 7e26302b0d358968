//! The command line as an operator meets it: exit codes, the output tree, determinism,
//! secrets kept out of the output, all-or-nothing writes, the checked-in schemas.

mod common;

use common::{files_under, repo};
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The TURN secret examples/nat.yaml reads from the environment, in tests.
const TURN_FROM_ENV: &str = "turn-from-env-0123456789abcdef";

fn run(args: &[&str]) -> Output {
    Command::new(common::cli())
        .args(args)
        .env_remove("JITSI_FOCUS_PASSWORD")
        .env_remove("JITSI_JVB_PASSWORD")
        .env_remove("JITSI_TURN_SECRET")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every file that `out/manifest.json` lists: its manifest entry, and where it is on disk.
fn listed_files(out: &Path) -> Vec<(serde_json::Value, PathBuf)> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let mut files = Vec::new();
    for host in manifest["hosts"].as_array().unwrap() {
        for f in host["files"].as_array().unwrap() {
            let on_disk = out
                .join(host["name"].as_str().unwrap())
                .join(f["path"].as_str().unwrap().trim_start_matches('/'));
            files.push((f.clone(), on_disk));
        }
    }
    files
}

#[test]
fn the_handbook_example_renders_four_hosts_and_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "render",
        repo("examples/handbook.yaml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let hosts: Vec<&str> = manifest["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        hosts,
        [
            "meet.example.com",
            "jvb1.meet.example.com",
            "jvb2.meet.example.com",
            "jvb3.meet.example.com"
        ]
    );
    // Every file the manifest lists is beside it, with the listed mode and hash.
    for (f, on_disk) in listed_files(&out) {
        let meta = fs::metadata(&on_disk).unwrap_or_else(|e| panic!("{}: {e}", on_disk.display()));
        assert_eq!(
            format!("{:04o}", meta.permissions().mode() & 0o7777),
            f["mode"].as_str().unwrap(),
            "{}",
            on_disk.display()
        );
    }
    assert!(
        out.join("meet.example.com/etc/jitsi/jicofo/jicofo.conf")
            .is_file()
    );
    assert!(
        out.join("jvb2.meet.example.com/etc/jitsi/videobridge/jvb.conf")
            .is_file()
    );
    assert!(
        text(&o.stderr).contains("rendered 4 hosts"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn a_duplicate_address_a_private_public_address_and_a_typo_exit_1_naming_all_three() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let model = repo("tests/invalid/duplicate-address-private-public-typo.yaml");
    let o = run(&[
        "render",
        model.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!out.exists(), "nothing is written for an invalid model");
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["kind"], "invalid-model");
    assert_eq!(
        report["message"],
        "the model is invalid: 3 errors, 0 warnings"
    );
    let paths: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "/bridges/1/address",
            "/bridges/1/public_address",
            "/brige_networks"
        ]
    );
    for d in report["diagnostics"].as_array().unwrap() {
        for key in ["severity", "code", "path", "message", "hint"] {
            assert!(d[key].is_string(), "{key} in {d}");
        }
    }
    let o = run(&["validate", model.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let stdout = text(&o.stdout);
    assert!(
        stdout.contains("did you mean `bridge_networks`?"),
        "{stdout}"
    );
}

#[test]
fn rendering_twice_gives_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for example in ["handbook", "ipv6"] {
        let model = repo(&format!("examples/{example}.yaml"));
        let (a, b) = (
            dir.path().join(format!("{example}-a")),
            dir.path().join(format!("{example}-b")),
        );
        for out in [&a, &b] {
            let o = run(&[
                "render",
                model.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ]);
            assert!(o.status.success(), "{}", text(&o.stderr));
        }
        assert_eq!(files_under(&a), files_under(&b), "{example}");
    }
}

#[test]
fn file_secrets_appear_in_no_rendered_byte() {
    // The secret files exist (as on the hosts), but render never reads them.
    let dir = tempfile::tempdir().unwrap();
    let (focus, jvb) = (
        "focus-Secret-Value-4f1c9a0b7e",
        "jvb-Secret-Value-9d2e8c1a6b",
    );
    fs::write(dir.path().join("focus"), focus).unwrap();
    fs::write(dir.path().join("jvb"), jvb).unwrap();
    let model = fs::read_to_string(repo("examples/handbook.yaml"))
        .unwrap()
        .replace(
            "/etc/jitsi-topology/secrets/focus",
            dir.path().join("focus").to_str().unwrap(),
        )
        .replace(
            "/etc/jitsi-topology/secrets/jvb",
            dir.path().join("jvb").to_str().unwrap(),
        );
    fs::write(dir.path().join("model.yaml"), &model).unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "render",
        dir.path().join("model.yaml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let files = files_under(&out);
    assert!(files.len() > 20);
    for (path, bytes) in &files {
        let content = text(bytes);
        assert!(
            !content.contains(focus) && !content.contains(jvb),
            "{path} holds a secret"
        );
    }
    let manifest = text(&files["manifest.json"]);
    assert!(
        !manifest.contains("\"secret\": true"),
        "no file is flagged secret with {{file}} secrets"
    );
}

/// Renders `model` into `out` under `umask` (through sh, which sets it for the tool).
fn render_with_umask(model: &Path, out: &Path, umask: &str, extra: &[&str]) -> Output {
    Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$@\""))
        .arg("sh")
        .arg(common::cli())
        .args([
            "render",
            model.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .args(extra)
        .output()
        .unwrap()
}

/// The mode of every folder under `dir` and of `dir` itself.
fn folder_modes(dir: &Path, out: &mut BTreeMap<PathBuf, u32>) {
    out.insert(
        dir.to_owned(),
        fs::metadata(dir).unwrap().permissions().mode() & 0o7777,
    );
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            folder_modes(&e.path(), out);
        }
    }
}

#[test]
fn every_file_gets_the_manifests_mode_whatever_the_umask_and_fsync_changes_no_byte() {
    let dir = tempfile::tempdir().unwrap();
    let model = repo("examples/handbook.yaml");
    let reference = dir.path().join("reference");
    let o = run(&[
        "render",
        model.to_str().unwrap(),
        "--out",
        reference.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    for (umask, extra) in [
        ("000", &[][..]),
        ("022", &[][..]),
        ("077", &[][..]),
        ("027", &["--fsync"][..]),
    ] {
        let out = dir.path().join(format!("umask-{umask}"));
        let o = render_with_umask(&model, &out, umask, extra);
        assert!(o.status.success(), "umask {umask}: {}", text(&o.stderr));
        assert_eq!(
            files_under(&out),
            files_under(&reference),
            "umask {umask} {extra:?}: the same bytes"
        );
        let mut files = 0;
        for (f, path) in listed_files(&out) {
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
            assert_eq!(
                format!("{mode:04o}"),
                f["mode"].as_str().unwrap(),
                "umask {umask}: {}",
                path.display()
            );
            files += 1;
        }
        // 35, and on each of the 4 hosts Jitsi's apt source and pins
        assert_eq!(
            files, 43,
            "umask {umask}: every file of the handbook example checked"
        );
        // Every folder too: 0755 (under umask 000 a plain mkdir makes them world-writable,
        // the folder of the helper systemd runs as root included).
        let mut folders = BTreeMap::new();
        folder_modes(&out, &mut folders);
        assert!(folders.len() > 20, "umask {umask}: the folders were walked");
        let wrong: Vec<String> = folders
            .iter()
            .filter(|(_, m)| **m != 0o755)
            .map(|(d, m)| format!("{} {m:04o}", d.display()))
            .collect();
        assert!(
            wrong.is_empty(),
            "umask {umask}: every folder is 0755: {wrong:?}"
        );
    }
}

#[test]
fn env_secrets_land_only_in_files_flagged_secret_with_strict_modes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (focus, jvb) = (
        "focus-from-env-0123456789abcdef",
        "jvb-from-env-0123456789abcdef",
    );
    let o = Command::new(common::cli())
        .args([
            "render",
            repo("examples/nat.yaml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .env("JITSI_FOCUS_PASSWORD", focus)
        .env("JITSI_JVB_PASSWORD", jvb)
        .env("JITSI_TURN_SECRET", TURN_FROM_ENV)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!text(&o.stderr).contains(focus) && !text(&o.stdout).contains(jvb));
    let mut secret_files = 0;
    for (f, path) in listed_files(&out) {
        let content = fs::read_to_string(&path).unwrap();
        let holds =
            content.contains(focus) || content.contains(jvb) || content.contains(TURN_FROM_ENV);
        assert_eq!(
            holds,
            f["secret"].as_bool().unwrap(),
            "{}: secret flag",
            path.display()
        );
        if holds {
            secret_files += 1;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(
                mode & 0o027,
                0,
                "{}: mode {mode:o} is 0640 or stricter",
                path.display()
            );
        }
    }
    assert_eq!(
        secret_files,
        2 + 1 + 2 + 4,
        "the account files, jicofo.conf, and prosody's and coturn's configs (the TURN secret) on the signalling host; jvb.conf on 4 bridges"
    );
    assert_eq!(
        fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o700,
        "a tree with secrets is private"
    );
}

#[test]
fn a_missing_env_secret_is_reported_at_its_path_without_its_name_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "render",
        repo("examples/nat.yaml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = text(&o.stderr);
    // The variable's name is not shown: a password written under `env:` would be echoed.
    assert!(
        stderr.contains("error[env-missing]: the environment variable the focus secret names")
            && stderr.contains("= at /secrets/focus/env (its line is not shown")
            && !stderr.contains("JITSI_FOCUS_PASSWORD"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn a_failed_render_leaves_the_previous_tree_intact_and_no_staging_behind() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let model = repo("examples/handbook.yaml");
    assert!(
        run(&[
            "render",
            model.to_str().unwrap(),
            "--out",
            out.to_str().unwrap()
        ])
        .status
        .success()
    );
    let before = files_under(&out);
    // An invalid model: exit 1, old tree untouched.
    let bad = repo("tests/invalid/network.yaml");
    assert_eq!(
        run(&[
            "render",
            bad.to_str().unwrap(),
            "--out",
            out.to_str().unwrap()
        ])
        .status
        .code(),
        Some(1)
    );
    assert_eq!(files_under(&out), before);
    // A parent folder we cannot write to (staging fails): exit 2, old tree untouched.
    if nix_is_root() {
        return; // root writes anyway; the staging cleanup is still covered above
    }
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o555)).unwrap();
    let o = run(&[
        "render",
        model.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert_eq!(files_under(&out), before);
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != ".out.jitsi-topology.lock")
        .collect();
    assert_eq!(leftovers, [std::ffi::OsString::from("out")]);
}

fn nix_is_root() -> bool {
    fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

#[test]
fn a_rerender_replaces_the_tree_and_removes_files_no_longer_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert!(
        run(&[
            "render",
            repo("examples/handbook.yaml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap()
        ])
        .status
        .success()
    );
    assert!(
        run(&[
            "render",
            repo("examples/ipv6.yaml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap()
        ])
        .status
        .success()
    );
    assert!(
        !out.join("jvb1.meet.example.com").exists(),
        "hosts of the old model are gone"
    );
    assert!(out.join("jvb-a.example.net").is_dir());
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != ".out.jitsi-topology.lock")
        .collect();
    assert_eq!(names, ["out"], "no staging or old tree left beside it");
}

#[test]
fn a_folder_that_is_not_an_output_tree_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("precious.txt"), "keep me").unwrap();
    let o = run(&[
        "render",
        repo("examples/handbook.yaml").to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("holds no manifest.json"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("precious.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(run(&["render"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
    let o = run(&["validate", "/nonexistent/model.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("cannot read /nonexistent/model.yaml"));
}

#[test]
fn validate_reads_standard_input_and_reports_warnings_as_json() {
    let model = fs::read_to_string(repo("examples/handbook.yaml"))
        .unwrap()
        .replace(", public_address: 198.51.100.12", "");
    let mut child = Command::new(common::cli())
        .args(["validate", "-", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), model.as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "warnings do not fail validation");
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let d = &report["diagnostics"][0];
    assert_eq!(
        (
            d["severity"].as_str(),
            d["code"].as_str(),
            d["path"].as_str()
        ),
        (
            Some("warning"),
            Some("private-without-public"),
            Some("/bridges/1/address")
        )
    );
}

/// Issue 16, D8: without `turn`, browsers contact upstream's public STUN server; validation
/// says so at info level (not a warning: the model is fine), and `public_stun: false` or a
/// `turn` server silences it.
#[test]
fn validate_notes_that_browsers_contact_upstreams_stun_server_without_turn() {
    let note = "info[public-stun]: ";
    let o = run(&[
        "validate",
        &repo("examples/handbook.yaml").to_string_lossy(),
    ]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains(note)
            && out.contains("= at /public_stun")
            && out.contains("stun:meet-jit-si-turnrelay.jitsi.net:443"),
        "{out}"
    );
    assert!(out.contains("0 errors, 0 warnings, 1 note"), "{out}");
    assert!(out.contains("valid (3 bridges, 0 warnings)"), "{out}");
    let o = run(&["validate", &repo("examples/turn.yaml").to_string_lossy()]);
    assert!(!text(&o.stdout).contains(note), "{}", text(&o.stdout));
    let dir = tempfile::tempdir().unwrap();
    let quiet = dir.path().join("quiet.yaml");
    let model = fs::read_to_string(repo("examples/handbook.yaml")).unwrap();
    fs::write(&quiet, format!("{model}public_stun: false\n")).unwrap();
    let o = run(&["validate", &quiet.to_string_lossy(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["diagnostics"], serde_json::json!([]), "{report}");
}

#[test]
fn the_checked_in_schemas_are_current() {
    use jitsi_topology::schema;
    for (file, current) in [
        (
            "schemas/topology.schema.json",
            schema::to_text(&schema::topology()),
        ),
        (
            "schemas/manifest.schema.json",
            schema::to_text(&schema::manifest()),
        ),
    ] {
        let checked_in = fs::read_to_string(repo(file)).unwrap();
        assert!(
            checked_in == current,
            "{file} is stale: run `cargo run -- schema --write schemas`"
        );
    }
    let o = run(&["schema"]);
    assert_eq!(text(&o.stdout), schema::to_text(&schema::topology()));
}

#[test]
fn every_example_validates_against_the_schema_and_every_manifest_against_its_schema() {
    let topology: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(repo("schemas/topology.schema.json")).unwrap())
            .unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(repo("schemas/manifest.schema.json")).unwrap())
            .unwrap();
    let topology = jsonschema::validator_for(&topology).unwrap();
    let manifest = jsonschema::validator_for(&manifest).unwrap();
    let env = common::example_env();
    let mut count = 0;
    for entry in fs::read_dir(repo("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let value: serde_json::Value = serde_norway::from_str(&text).unwrap();
        let errors: Vec<String> = topology
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        let rendered = jitsi_topology::render(&text, &env).unwrap();
        let m = serde_json::to_value(rendered.bundle.manifest(true)).unwrap();
        let errors: Vec<String> = manifest
            .iter_errors(&m)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{} manifest: {errors:?}", path.display());
        count += 1;
    }
    assert!(count >= 3);
    // And the schema rejects what the tool rejects: an unknown key.
    let bad: serde_json::Value = serde_norway::from_str(
        &fs::read_to_string(repo(
            "tests/invalid/duplicate-address-private-public-typo.yaml",
        ))
        .unwrap(),
    )
    .unwrap();
    assert!(!topology.is_valid(&bad));
}

#[test]
fn secrets_init_writes_private_random_secrets_once_and_prints_none() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets");
    let o = run(&["secrets", "init", secrets.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        fs::metadata(&secrets).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let mut values = Vec::new();
    for name in ["focus", "jvb"] {
        let path = secrets.join(name);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600,
            "{name}"
        );
        let value = fs::read_to_string(&path).unwrap().trim_end().to_owned();
        assert_eq!(value.len(), 32);
        assert!(value.bytes().all(|b| b.is_ascii_alphanumeric()), "{value}");
        assert!(!text(&o.stdout).contains(&value) && !text(&o.stderr).contains(&value));
        values.push(value);
    }
    assert_ne!(values[0], values[1]);
    // A second run keeps both: a deployed password is never replaced behind prosody's back.
    let o = run(&["secrets", "init", secrets.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(text(&o.stdout).contains("kept"), "{}", text(&o.stdout));
    assert_eq!(
        fs::read_to_string(secrets.join("focus"))
            .unwrap()
            .trim_end(),
        values[0]
    );
    // And what it writes is what a `{file}` model accepts: the helper reads the first line.
    assert!(
        values
            .iter()
            .all(|v| v.len() >= jitsi_topology::MIN_SECRET_LEN)
    );
}

/// The handbook model with a fourth bridge, and without `bridge_networks` (so the signalling
/// host's firewall lists each bridge).
fn handbook(four_bridges: bool, networks: bool) -> String {
    let mut model = fs::read_to_string(repo("examples/handbook.yaml")).unwrap();
    if four_bridges {
        model = model.replace(
            "bridge_networks:",
            "  - { host: jvb4.meet.example.com, address: 10.0.0.14, public_address: 198.51.100.14 }\nbridge_networks:",
        );
    }
    if !networks {
        model = model.replace("bridge_networks: [10.0.0.0/24]\n", "");
    }
    model
}

#[test]
fn adding_a_bridge_touches_only_that_bridge_and_the_signalling_firewall() {
    let dir = tempfile::tempdir().unwrap();
    for networks in [true, false] {
        let (old, new) = (dir.path().join("old.yaml"), dir.path().join("new.yaml"));
        fs::write(&old, handbook(false, networks)).unwrap();
        fs::write(&new, handbook(true, networks)).unwrap();
        // Against the deployed tree, as an operator would run it.
        let tree = dir.path().join(format!("deployed-{networks}"));
        assert!(
            run(&[
                "render",
                old.to_str().unwrap(),
                "--out",
                tree.to_str().unwrap()
            ])
            .status
            .success()
        );
        let o = run(&[
            "plan",
            tree.to_str().unwrap(),
            new.to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert_eq!(
            o.status.code(),
            Some(3),
            "changes exit 3: {}",
            text(&o.stderr)
        );
        let plan: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let hosts: Vec<(&str, &str)> = plan["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["status"] != "unchanged")
            .map(|h| (h["name"].as_str().unwrap(), h["status"].as_str().unwrap()))
            .collect();
        assert_eq!(
            hosts,
            [
                ("meet.example.com", "changed"),
                ("jvb4.meet.example.com", "added")
            ]
        );
        let signaling = &plan["hosts"][0];
        let changed: Vec<&str> = signaling["changed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        let services: Vec<(&str, &str)> = signaling["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["name"].as_str().unwrap(), s["action"].as_str().unwrap()))
            .collect();
        let steps: Vec<&str> = signaling["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["action"].as_str().unwrap())
            .collect();
        if networks {
            // 10.0.0.0/24 already admits the new bridge: only its certificate must reach it.
            assert!(changed.is_empty(), "{changed:?}");
            assert!(services.is_empty(), "{services:?}");
            assert_eq!(steps, ["trust-export"]);
        } else {
            assert_eq!(changed, ["/etc/jitsi-topology/firewall.nft"]);
            assert_eq!(services, [("jitsi-topology-firewall", "reload")]);
            assert_eq!(steps, ["write-files", "trust-export", "service"]);
        }
        let new_bridge = &plan["hosts"][4];
        let steps: Vec<&str> = new_bridge["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["action"].as_str().unwrap())
            .collect();
        // A new host runs every step: Jitsi's apt source and pins, then the debconf answers
        // first, then the drain (a bridge not running yet has nothing to drain), the install
        // and its version check.
        assert_eq!(
            steps[..6],
            [
                "write-files",
                "write-files",
                "preseed",
                "drain-bridge",
                "install-packages",
                "check-packages"
            ]
        );
        assert_eq!(steps.last(), Some(&"service"));
    }
}

#[test]
fn plan_of_the_same_model_has_no_changes_and_a_secret_change_is_shown_without_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let model = handbook(false, true);
    let (a, b) = (dir.path().join("a.yaml"), dir.path().join("b.yaml"));
    fs::write(
        &a,
        model.replace(
            "jvb: { file: /etc/jitsi-topology/secrets/jvb }",
            "jvb: { value: first-jvb-secret-0123456789 }",
        ),
    )
    .unwrap();
    fs::write(
        &b,
        model.replace(
            "jvb: { file: /etc/jitsi-topology/secrets/jvb }",
            "jvb: { value: second-jvb-secret-9876543210 }",
        ),
    )
    .unwrap();
    let o = run(&["plan", a.to_str().unwrap(), a.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(text(&o.stdout).trim(), "no changes");
    let o = run(&["plan", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    let out = text(&o.stdout);
    assert!(
        !out.contains("first-jvb-secret") && !out.contains("second-jvb-secret"),
        "{out}"
    );
    // The account's password changes on the signalling host, and every bridge drains.
    assert!(
        out.contains("meet.example.com: changed\n  ~ /etc/jitsi-topology/secrets/jvb"),
        "{out}"
    );
    assert!(
        out.contains("steps: write-files, register-account"),
        "{out}"
    );
    assert_eq!(out.matches("drain jitsi-videobridge2").count(), 3, "{out}");
}

/// manifest.json is world-readable: a plain SHA-256 of a file holding a password would let
/// anyone test guesses against it offline (issue 15). Files flagged secret carry none; every
/// other file's is the hash of the file beside the manifest.
#[test]
fn the_manifest_holds_no_hash_of_a_file_flagged_secret() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = Command::new(common::cli())
        .args([
            "render",
            repo("examples/nat.yaml").to_str().unwrap(),
            "--out",
        ])
        .arg(&out)
        .envs(common::example_env())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (mut secret, mut plain) = (0, 0);
    for (f, path) in listed_files(&out) {
        let digest = sha256_of(&fs::read(&path).unwrap());
        if f["secret"].as_bool().unwrap() {
            assert!(
                f.get("sha256").is_none(),
                "{} is flagged secret and its manifest entry carries its sha256 {} (a password-guess oracle)",
                path.display(),
                f["sha256"]
            );
            secret += 1;
        } else {
            assert_eq!(
                f["sha256"].as_str(),
                Some(digest.as_str()),
                "{}",
                path.display()
            );
            plain += 1;
        }
    }
    assert!(
        secret >= 5 && plain > 20,
        "{secret} secret files, {plain} others"
    );
    println!("{secret} files flagged secret carry no sha256; {plain} others carry theirs");
}

fn sha256_of(bytes: &[u8]) -> String {
    let o = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut o.stdin.as_ref().unwrap(), bytes).unwrap();
    let out = o.wait_with_output().unwrap();
    text(&out.stdout)[..64].to_owned()
}

#[test]
fn plan_against_an_output_folder_sees_a_changed_secret_without_a_hash_in_its_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let model = handbook(false, true);
    let (a, b) = (dir.path().join("a.yaml"), dir.path().join("b.yaml"));
    for (path, secret) in [
        (&a, "first-jvb-secret-0123456789"),
        (&b, "second-jvb-secret-9876543210"),
    ] {
        let with = model.replace(
            "jvb: { file: /etc/jitsi-topology/secrets/jvb }",
            &format!("jvb: {{ value: {secret} }}"),
        );
        fs::write(path, with).unwrap();
    }
    let out = dir.path().join("out");
    assert!(
        run(&[
            "render",
            a.to_str().unwrap(),
            "--out",
            out.to_str().unwrap()
        ])
        .status
        .success()
    );
    let o = run(&["plan", out.to_str().unwrap(), a.to_str().unwrap()]);
    assert_eq!(
        (o.status.code(), text(&o.stdout).trim()),
        (Some(0), "no changes")
    );
    let o = run(&["plan", out.to_str().unwrap(), b.to_str().unwrap()]);
    let said = text(&o.stdout);
    assert_eq!(o.status.code(), Some(3), "{said}");
    assert!(
        said.contains("meet.example.com: changed\n  ~ /etc/jitsi-topology/secrets/jvb"),
        "{said}"
    );
    assert!(!said.contains("first-jvb-secret") && !said.contains("second-jvb-secret"));
    // A secret file changed on disk since the render is seen too (it is hashed from the file).
    let on_disk = out.join("meet.example.com/etc/jitsi-topology/secrets/jvb");
    fs::write(&on_disk, "tampered-secret-value-0123456789\n").unwrap();
    let o = run(&["plan", out.to_str().unwrap(), a.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stdout));
    println!("plan OUT b.yaml:\n{said}");
}

#[test]
fn resolve_prints_the_deployment_without_secret_values() {
    let dir = tempfile::tempdir().unwrap();
    let model = fs::read_to_string(repo("examples/handbook.yaml"))
        .unwrap()
        .replace(
            "jvb: { file: /etc/jitsi-topology/secrets/jvb }",
            "jvb: { value: resolve-secret-0123456789abc }",
        );
    fs::write(dir.path().join("m.yaml"), model).unwrap();
    let o = run(&["resolve", dir.path().join("m.yaml").to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let d: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        d["names"]["brewery_jid"],
        "jvbbrewery@internal.auth.meet.example.com"
    );
    assert_eq!(d["bridges"][2]["nickname"], "jvb3.meet.example.com");
    assert_eq!(
        d["secrets"]["jvb"],
        serde_json::json!({"source": "inline", "file": "/etc/jitsi-topology/secrets/jvb"})
    );
    assert!(!text(&o.stdout).contains("resolve-secret-0123456789abc"));
}

#[test]
fn resolve_with_manifest_adds_each_hosts_manifest_entry_for_the_nix_module_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let model = fs::read_to_string(repo("examples/handbook.yaml"))
        .unwrap()
        .replace(
            "jvb: { file: /etc/jitsi-topology/secrets/jvb }",
            "jvb: { value: resolve-secret-0123456789abc }",
        );
    fs::write(dir.path().join("m.yaml"), model).unwrap();
    let path = dir.path().join("m.yaml");
    let plain = run(&["resolve", path.to_str().unwrap()]);
    let o = run(&["resolve", "--with-manifest", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let d: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rendered = run(&[
        "render",
        path.to_str().unwrap(),
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert!(rendered.status.success(), "{}", text(&rendered.stderr));
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("out/manifest.json")).unwrap()).unwrap();
    // The NixOS module's pure path reads exactly the manifest's hosts (roles, firewall rules,
    // the account steps) from this document.
    assert_eq!(d["manifest_hosts"], manifest["hosts"]);
    // The rest is the plain `resolve` document, unchanged.
    let mut without = d.clone();
    without.as_object_mut().unwrap().remove("manifest_hosts");
    let plain: serde_json::Value = serde_json::from_slice(&plain.stdout).unwrap();
    assert_eq!(without, plain);
    assert!(!text(&o.stdout).contains("resolve-secret-0123456789abc"));
}

#[test]
fn a_reader_that_stops_early_does_not_make_the_tool_panic() {
    use std::io::Read;
    // More output than a pipe holds, so that the writer meets the closed pipe.
    let dir = tempfile::tempdir().unwrap();
    let mut model = fs::read_to_string(repo("examples/handbook.yaml"))
        .unwrap()
        .replace("bridge_networks: [10.0.0.0/24]\n", "");
    for i in 0..1000 {
        model = model.replace(
            "firewall:",
            &format!(
                "  - {{ host: extra{i}.example.com, address: 10.1.{}.{} }}\nfirewall:",
                i / 200,
                i % 200 + 1
            ),
        );
    }
    fs::write(dir.path().join("big.yaml"), &model).unwrap();
    let mut child = Command::new(common::cli())
        .args(["resolve", dir.path().join("big.yaml").to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(fs::File::create(dir.path().join("stderr")).unwrap())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let stderr = fs::read_to_string(dir.path().join("stderr")).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(status.code().is_some(), "ended by a signal: {status:?}");
}

/// `plan` from the handbook's output folder to the handbook with a fourth bridge, a bigger
/// heap on jvb1 and another focus password file: each changed file shows its unified diff,
/// jicofo.conf and its password include (mode 0640) say "content differs (withheld)", the new
/// host lists its files; `--stat` gives the summary lines alone; JSON carries the same.
#[test]
fn plan_shows_the_diff_of_each_changed_file_and_withholds_the_private_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("deployed");
    let handbook = repo("examples/handbook.yaml");
    assert!(
        run(&[
            "render",
            handbook.to_str().unwrap(),
            "--out",
            out.to_str().unwrap()
        ])
        .status
        .success()
    );
    let model = fs::read_to_string(&handbook)
        .unwrap()
        .replace(
            "public_address: 198.51.100.11, jvm_max_memory: 8g }",
            "public_address: 198.51.100.11, jvm_max_memory: 12g }",
        )
        .replace(
            "public_address: 198.51.100.13, jvm_max_memory: 8g }",
            "public_address: 198.51.100.13, jvm_max_memory: 8g }\n  - { host: jvb4.meet.example.com, address: 10.0.0.14, public_address: 198.51.100.14, jvm_max_memory: 8g }",
        )
        .replace("/etc/jitsi-topology/secrets/focus }", "/etc/jitsi-topology/secrets/focus-2026 }");
    let changed = dir.path().join("handbook-4.yaml");
    fs::write(&changed, model).unwrap();
    let (o, n) = (out.to_str().unwrap(), changed.to_str().unwrap());
    let plan = run(&["plan", o, n]);
    assert_eq!(plan.status.code(), Some(3));
    let shown = text(&plan.stdout);
    assert!(shown.contains("-VIDEOBRIDGE_MAX_MEMORY=8g\n"), "{shown}");
    assert!(
        shown.contains("~ /etc/jitsi/jicofo/jicofo.conf | content differs (withheld)"),
        "{shown}"
    );
    assert!(
        !shown.contains('\u{1b}'),
        "no colour when stdout is not a terminal"
    );
    insta::assert_snapshot!("plan_text", shown);
    let stat = text(&run(&["plan", o, n, "--stat"]).stdout);
    assert!(
        stat.contains("~ /etc/jitsi-topology/videobridge.env | +1 -1"),
        "{stat}"
    );
    assert!(!stat.contains("@@"), "{stat}");
    let coloured = text(&run(&["plan", o, n, "--color", "always"]).stdout);
    assert!(
        coloured.contains("\u{1b}[32m+VIDEOBRIDGE_MAX_MEMORY=12g"),
        "{coloured}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&run(&["plan", o, n, "--format", "json"]).stdout).unwrap();
    insta::assert_json_snapshot!("plan_json", json);
}

#[test]
fn a_line_withheld_because_it_shares_text_with_secrets_says_so_and_not_that_it_is_under_secrets() {
    // A model on one line (as Nix's builtins.toJSON hands it over): the bridge's address shares
    // its line with `secrets`, so the line is withheld, but the address is not under `secrets`.
    let yaml = fs::read_to_string(repo("examples/handbook.yaml")).unwrap();
    let mut model: serde_json::Value = serde_norway::from_str(&yaml).unwrap();
    let first = model["bridges"][0]["address"].clone();
    model["bridges"][1]["address"] = first;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    fs::write(&path, serde_json::to_string(&model).unwrap()).unwrap();
    let o = run(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let report = text(&o.stdout) + &text(&o.stderr);
    assert!(
        report.contains(
            "= at /bridges/1/address (its line is not shown: it shares its line with `secrets`)"
        ) && !report.contains("/bridges/1/address (its line is not shown: it is under `secrets`)"),
        "{report}"
    );
}

// gen.rs allows dead_code itself (the benches use what this test does not).
#[path = "../benches/support/gen.rs"]
mod generator;

/// Runs the CLI with `args` on a pseudo-terminal (util-linux `script`, which copies what the
/// program prints there, standard error included, to its own standard output).
fn on_a_terminal(args: &[&str]) -> (bool, String) {
    let quoted: Vec<String> = std::iter::once(common::cli().display().to_string())
        .chain(args.iter().map(|a| a.to_string()))
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect();
    let out = Command::new("script")
        .args(["-q", "-e", "-c", &quoted.join(" "), "/dev/null"])
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .output()
        .expect("run script (util-linux)");
    (out.status.success(), text(&out.stdout))
}

/// `render` of a thousand hosts counts the files it writes on standard error when that is a
/// terminal, redrawing one line in place and erasing it at the end; a second render counts
/// the previous tree's files it removes too. Nothing of it when standard error is not a
/// terminal, nor with `--format json`.
#[test]
fn render_shows_its_progress_on_a_terminal_and_nowhere_else() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("b01000.yaml");
    let text_model = generator::topology(generator::Spec::single(1_000));
    fs::write(&model, &text_model).unwrap();
    let files: usize = jitsi_topology::render(&text_model, &BTreeMap::<String, String>::new())
        .unwrap()
        .bundle
        .hosts
        .iter()
        .map(|h| h.files.len())
        .sum();
    let (model, out) = (
        model.to_str().unwrap(),
        dir.path().join("out").display().to_string(),
    );

    // Not a terminal: the summary alone, as it always was.
    let piped = run(&["render", model, "--out", &out]);
    assert!(piped.status.success());
    let stderr = text(&piped.stderr);
    assert!(
        !stderr.contains('\r') && !stderr.contains("jitsi-topology: writing"),
        "{stderr:?}"
    );
    assert!(
        stderr.ends_with(&format!("rendered 1001 hosts, {files} files into {out}\n")),
        "{stderr:?}"
    );

    let (ok, json) = on_a_terminal(&["render", model, "--out", &out, "--format", "json"]);
    assert!(ok, "{json}");
    assert!(!json.contains("jitsi-topology: "), "{json:?}");

    // A terminal: the files written, then those of the previous tree removed.
    let (ok, shown) = on_a_terminal(&["render", model, "--out", &out]);
    assert!(ok, "{shown}");
    let last = format!("\r\u{1b}[2Kjitsi-topology: writing files {files}/{files} (100%)");
    assert!(
        shown.contains(&last),
        "no progress line on a terminal: {shown:?}"
    );
    // The previous tree's files (and its manifest.json) are counted as they are removed.
    let removing = shown
        .rfind("jitsi-topology: removing the previous tree: files ")
        .expect("removal is counted");
    let line = shown[removing..].split('\r').next().unwrap();
    assert!(line.ends_with("(100%)"), "{line:?}");
    // Erased before anything else is printed: the summary stays as it is without a terminal.
    let erased = removing + line.len();
    assert!(
        shown[erased..].starts_with("\r\u{1b}[2K"),
        "{:?}",
        &shown[erased..]
    );
    let summary = shown
        .find(&format!("rendered 1001 hosts, {files} files into"))
        .expect("the summary");
    assert!(erased < summary, "{shown:?}");
}

/// `-h`, `--help` and `plan --help` say the exit codes, `plan`'s 3 for changes among them
/// (a script that runs `plan` needs it: 3 is not a failure).
#[test]
fn help_says_the_exit_codes_and_plans_exit_3() {
    for args in [
        &["-h"][..],
        &["--help"],
        &["plan", "-h"],
        &["plan", "--help"],
    ] {
        let o = run(args);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        let help = text(&o.stdout).replace('\n', " ");
        assert!(
            help.contains("3 (`plan` only) changes found") || help.contains("3 changes found"),
            "{args:?} does not say plan's exit 3:\n{help}"
        );
        assert!(help.contains("Exit codes: 0"), "{args:?}:\n{help}");
    }
}

/// The completion scripts generated from the clap definitions complete in the real shells:
/// bash (`plan --f<TAB>` gives --format, `render M --format <TAB>` its values), fish
/// (`complete -C`), zsh (compinit registers `_jitsi-topology` for the command).
#[test]
fn shell_completions_complete_commands_and_options_in_the_real_shells() {
    let script = |shell: &str| {
        let o = run(&["generate", "completions", shell]);
        assert!(o.status.success(), "{shell}: {}", text(&o.stderr));
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(format!("jitsi-topology.{shell}"));
        fs::write(&path, &o.stdout).expect("write the script");
        (dir, path)
    };
    let shell = |program: &Path, args: &[&str]| {
        let o = Command::new(program)
            .args(args)
            .output()
            .expect("run the shell");
        assert!(
            o.status.success(),
            "{} {args:?}: {}",
            program.display(),
            text(&o.stderr)
        );
        text(&o.stdout)
    };

    if let Some(bash) = common::tool("bash") {
        let (_dir, path) = script("bash");
        let out = shell(
            &bash,
            &[
                "-c",
                r#"source "$1"
                complete -p jitsi-topology
                COMP_WORDS=(jitsi-topology pl); COMP_CWORD=1
                _jitsi__topology jitsi-topology pl jitsi-topology; echo "top: ${COMPREPLY[*]}"
                COMP_WORDS=(jitsi-topology plan --f); COMP_CWORD=2
                _jitsi__topology jitsi-topology --f plan; echo "plan: ${COMPREPLY[*]}"
                COMP_WORDS=(jitsi-topology render m.yaml --format ''); COMP_CWORD=4
                _jitsi__topology jitsi-topology '' --format; echo "format: ${COMPREPLY[*]}""#,
                "bash",
                path.to_str().unwrap(),
            ],
        );
        for line in [
            "-F _jitsi__topology jitsi-topology",
            "top: plan\n",
            "plan: --format\n",
            "format: text json\n",
        ] {
            assert!(out.contains(line), "bash: no {line:?} in\n{out}");
        }
    }
    if let Some(fish) = common::tool("fish") {
        let (_dir, path) = script("fish");
        let out = shell(
            &fish,
            &[
                "--no-config",
                "-c",
                "source $argv[1]; complete -C 'jitsi-topology pl'; complete -C 'jitsi-topology plan --f'",
                path.to_str().unwrap(),
            ],
        );
        assert!(out.contains("plan\tShow what changes"), "fish:\n{out}");
        assert!(
            out.contains("--format\tHow to print the plan"),
            "fish:\n{out}"
        );
    }
    if let Some(zsh) = common::tool("zsh") {
        let (dir, path) = script("zsh");
        let dump = dir.path().join("zcompdump");
        let out = shell(
            &zsh,
            &[
                "-f",
                "-c",
                r#"autoload -Uz compinit && compinit -u -d "$2" && source "$1"
                whence -w _jitsi-topology; echo "registered: $_comps[jitsi-topology]""#,
                "zsh",
                path.to_str().unwrap(),
                dump.to_str().unwrap(),
            ],
        );
        assert!(out.contains("_jitsi-topology: function"), "zsh:\n{out}");
        assert!(out.contains("registered: _jitsi-topology"), "zsh:\n{out}");
    }
}

/// `generate man DIR` writes a page per visible command (not `generate`'s own), and the real
/// groff renders each without a warning; plan's page says exit 3.
#[test]
fn man_pages_are_written_for_every_command_and_groff_renders_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("man/man1");
    let o = run(&["generate", "man", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let mut pages: Vec<String> = fs::read_dir(&out)
        .expect("the man folder")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert_eq!(
        pages,
        [
            "jitsi-topology-plan.1",
            "jitsi-topology-render.1",
            "jitsi-topology-resolve.1",
            "jitsi-topology-schema.1",
            "jitsi-topology-secrets-init.1",
            "jitsi-topology-secrets.1",
            "jitsi-topology-validate.1",
            "jitsi-topology.1",
        ]
    );
    let Some(groff) = common::tool("groff") else {
        return;
    };
    for page in &pages {
        let o = Command::new(&groff)
            // -P-cbou: plain text, no overstrike or escapes for bold and underline.
            .args(["-man", "-Tutf8", "-ww", "-P-cbou"])
            .arg(out.join(page))
            .env("LC_ALL", "C.UTF-8")
            .output()
            .expect("run groff");
        assert!(
            o.status.success() && o.stderr.is_empty(),
            "groff {page}: {}",
            text(&o.stderr)
        );
        let shown = text(&o.stdout);
        let name = page.trim_end_matches(".1");
        assert!(shown.contains("NAME"), "{page}:\n{shown}");
        assert!(shown.contains(name), "{page}:\n{shown}");
        if page == "jitsi-topology-plan.1" {
            // groff hyphenates and breaks lines: compare words.
            let words = shown.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(words.contains("3 changes found"), "{page}:\n{shown}");
        }
    }
}
