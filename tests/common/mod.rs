//! What several integration tests share. Each test file that needs it says `mod common;`.

// Every test binary compiles this module and uses a part of it.
#![allow(dead_code)]

pub mod coturn;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The `jitsi-topology` binary of the CLI package (`cli/`), built for this test's profile.
///
/// Cargo hands `CARGO_BIN_EXE_*` only to the tests of the binary's own package, and the CLI
/// is a package of its own: so the first call builds it (a no-op when it is current, as it
/// is after `cargo test` at the root or `cargo build --workspace`) into the folder beside
/// this test's executable (`target/<profile>/`).
pub fn cli() -> &'static Path {
    static CLI: OnceLock<PathBuf> = OnceLock::new();
    CLI.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test's own path");
        // target/<profile>/deps/<test>-<hash>
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test runs from target/<profile>/deps");
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .args([
                "build",
                "--quiet",
                "-p",
                "jitsi-topology-cli",
                "--bin",
                "jitsi-topology",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if profile_dir.file_name() == Some("release".as_ref()) {
            cargo.arg("--release");
        }
        let out = cargo.output().expect("run cargo");
        assert!(
            out.status.success(),
            "cargo build -p jitsi-topology-cli: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bin = profile_dir.join("jitsi-topology");
        assert!(
            bin.is_file(),
            "{} is missing after the build",
            bin.display()
        );
        bin
    })
}

/// A value from the environment variable `name` (a property test's case count or seed), or
/// `default` when it is unset or does not parse.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Every file under `dir`: its path relative to `dir` → its bytes.
pub fn files_under(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

/// Makes a FIFO at `path` (a write into one blocks: what the CLI must never do).
pub fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", path.display());
}

/// The repository's root (the library package's folder).
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `path`, relative to the repository's root.
pub fn repo(path: &str) -> PathBuf {
    Path::new(ROOT).join(path)
}

/// The text of `examples/<name>.yaml` (`name` with or without `.yaml`).
pub fn example(name: &str) -> String {
    let name = name.strip_suffix(".yaml").unwrap_or(name);
    let path = repo(&format!("examples/{name}.yaml"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The `{env}` secrets the examples name, as a CI job would export them.
pub const EXAMPLE_ENV: [(&str, &str); 3] = [
    ("JITSI_FOCUS_PASSWORD", "focus-example-secret-0123456789"),
    ("JITSI_JVB_PASSWORD", "jvb-example-secret-0123456789ab"),
    ("JITSI_TURN_SECRET", "turn-example-secret-0123456789"),
];

/// [`EXAMPLE_ENV`] as the library's `SecretEnv`.
pub fn example_env() -> BTreeMap<String, String> {
    EXAMPLE_ENV
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// True under `JT_REQUIRE_REAL_CONSUMERS=1` (set by `scripts/test`): a missing tool fails
/// its test instead of skipping it.
pub fn require_all() -> bool {
    std::env::var("JT_REQUIRE_REAL_CONSUMERS").is_ok_and(|v| v == "1")
}

/// Reports a missing consumer: a failure under `JT_REQUIRE_REAL_CONSUMERS=1`, else a skip.
pub fn missing(what: &str) {
    assert!(
        !require_all(),
        "{what} is not installed, and JT_REQUIRE_REAL_CONSUMERS=1 forbids skipping \
         (scripts/install-test-deps installs every real consumer)"
    );
    println!("skipped: {what} not installed");
}

/// The executable `name` on PATH (or in the sbin folders a non-root PATH lacks).
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// [`find_tool`], reporting it through [`missing`] when absent.
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = find_tool(name);
    if found.is_none() {
        missing(name);
    }
    found
}

/// Every tool in `names`, or `None` after reporting the first missing one.
pub fn tools<const N: usize>(names: [&str; N]) -> Option<[PathBuf; N]> {
    let mut out = Vec::with_capacity(N);
    for name in names {
        out.push(tool(name)?);
    }
    out.try_into().ok()
}

/// `openssl req` making a throwaway self-signed P-256 certificate `crt` with its key `key`
/// (valid two days, `CN=jitsi-topology.test`), for the TLS paths the examples name.
pub fn self_signed_certificate(openssl: &Path, crt: &Path, key: &Path) -> Command {
    let mut cmd = Command::new(openssl);
    cmd.args([
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ])
    .args(["-days", "2", "-subj", "/CN=jitsi-topology.test", "-keyout"])
    .arg(key)
    .arg("-out")
    .arg(crt);
    cmd
}

/// The options prosody's own config loader (`core.configmanager`, the code prosody and
/// prosodyctl run) reads from `config`: `{HOST: {OPTION: VALUE}}`, `"*"` for global options
/// (`tests/consumers/prosody_config_server.lua`, run with `lua`).
pub fn prosody_options(lua: &Path, config: &Path) -> serde_json::Value {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = Command::new(lua)
        .arg(Path::new(ROOT).join("tests/consumers/prosody_config_server.lua"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start lua");
    writeln!(child.stdin.take().expect("stdin"), "{}", config.display()).expect("write path");
    let out = child.wait_with_output().expect("lua");
    let reply: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "prosody's loader: {e}: exit {:?}\n{}{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(
        reply["ok"], true,
        "prosody would not load {config:?}: {reply}"
    );
    reply["config"].clone()
}

/// Every entry under `root` (not following symbolic links) for which `skip` is false, with
/// its kind, mode and content (or link target), so that "left as it was" compares everything.
/// A folder that cannot be listed (it vanished) shows as a folder without entries.
pub fn tree_snapshot(root: &Path, skip: &dyn Fn(&Path) -> bool) -> BTreeMap<String, String> {
    fn walk(
        root: &Path,
        dir: &Path,
        skip: &dyn Fn(&Path) -> bool,
        out: &mut BTreeMap<String, String>,
    ) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.expect("entry").path();
            if skip(&p) {
                continue;
            }
            let m = std::fs::symlink_metadata(&p).expect("lstat");
            let rel = p.strip_prefix(root).unwrap().display().to_string();
            let mode = m.permissions().mode() & 0o7777;
            let what = if m.file_type().is_symlink() {
                format!("link {}", std::fs::read_link(&p).unwrap().display())
            } else if m.is_dir() {
                walk(root, &p, skip, out);
                "dir".to_owned()
            } else if m.is_file() {
                format!("file {:?}", std::fs::read(&p).unwrap())
            } else {
                format!("{:?}", m.file_type())
            };
            out.insert(rel, format!("{mode:o} {what}"));
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, skip, &mut out);
    out
}
