//! All-or-nothing writes: a render that fails midway leaves the previous tree exactly as it
//! was and no temporary folder behind.
//!
//! Tests run as root, where permission tricks (a read-only sub-folder) do not stop a write.
//! So the output folder is a small tmpfs mounted in a private mount namespace (`unshare -m`,
//! invisible to the rest of the machine and gone when the test ends): the first render fills
//! part of it, then the filesystem is shrunk (`mount -o remount`) so that staging the second
//! render's tree runs out of space (bytes) or of inodes (files) partway through.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

/// Runs `script` as root in a private mount namespace with `$OUT_FS` (a fresh folder) as a
/// 4 MiB tmpfs; returns its exit status and output, or `None` when namespaces are unavailable.
fn in_private_mount_namespace(
    script: &str,
    env: &[(&str, &Path)],
) -> Option<(bool, String, String)> {
    let probe = Command::new("unshare")
        .args(["-m", "--propagation", "private", "true"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var("JT_REQUIRE_REAL_CONSUMERS").as_deref() != Ok("1"),
            "unshare -m does not work here (needs root), and JT_REQUIRE_REAL_CONSUMERS=1 forbids skipping"
        );
        println!("skipped: unshare -m (a private mount namespace) needs root");
        return None;
    }
    let mut cmd = Command::new("unshare");
    cmd.args(["-m", "--propagation", "private", "sh", "-euc", script]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.env("CLI", common::cli());
    let out = cmd.output().expect("run unshare");
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// The lines the script printed after `marker` (a `== …` line), up to the next marker.
fn section<'a>(text: &'a str, marker: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|l| *l != marker)
        .skip(1)
        .take_while(|l| !l.starts_with("== "))
        .collect()
}

/// `path\tsha256\tmode` of every entry under the tree, as the script prints it.
fn listing(text: &str, marker: &str) -> BTreeMap<String, String> {
    section(text, marker)
        .into_iter()
        .filter_map(|l| l.split_once('\t'))
        .map(|(p, rest)| (p.to_owned(), rest.to_owned()))
        .collect()
}

fn failing_render_leaves_the_previous_tree(limit: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let fs_dir = dir.path().join("fs");
    fs::create_dir(&fs_dir).expect("mkdir");
    let handbook = common::example("handbook");
    let first = dir.path().join("first.yaml");
    fs::write(&first, &handbook).expect("write");
    // The second model has more bridges and inline secrets: a different, bigger tree.
    let mut second = handbook.replace(
        "  focus: { file: /etc/jitsi-topology/secrets/focus }\n  jvb: { file: /etc/jitsi-topology/secrets/jvb }\n",
        "  focus: { value: second-focus-secret-0123456789 }\n  jvb: { value: second-jvb-secret-0123456789 }\n",
    );
    assert_ne!(second, handbook, "the secrets edit applies");
    let extra: String = (20..60)
        .map(|i| format!("  - {{ host: jvb{i}.meet.example.com, address: 10.0.0.{i}, public_address: 198.51.100.{i} }}\n"))
        .collect();
    second = second.replace("bridge_networks:", &format!("{extra}bridge_networks:"));
    let second_path = dir.path().join("second.yaml");
    fs::write(&second_path, &second).expect("write");

    let script = format!(
        r#"
mount -t tmpfs -o size=4m,nr_inodes=4096,mode=0755 jt-safety-writes "$OUT_FS"
"$CLI" render "$FIRST" --out "$OUT_FS/out" 2>/dev/null
snapshot() {{ (cd "$OUT_FS/out" && find . -mindepth 1 | LC_ALL=C sort | while read -r p; do
  if [ -f "$p" ]; then printf '%s\t%s %s\n' "$p" "$(sha256sum < "$p" | cut -c1-64)" "$(stat -c %a "$p")";
  else printf '%s\t%s %s\n' "$p" dir "$(stat -c %a "$p")"; fi; done); }}
echo "== before"; snapshot
# Shrink the filesystem to what the first tree uses plus a third: staging the second fails.
used_kb=$(df -k --output=used "$OUT_FS" | tail -n 1 | tr -d ' ')
used_inodes=$(stat -f -c '%c %d' "$OUT_FS" | awk '{{ print $1 - $2 }}')
[ -n "$used_kb" ] && [ "$used_inodes" -gt 0 ]
case "$LIMIT" in
  bytes) mount -o remount,size=$((used_kb * 4 / 3 + 8))k "$OUT_FS" ;;
  inodes) mount -o remount,nr_inodes=$((used_inodes * 4 / 3)) "$OUT_FS" ;;
esac
echo "== limit $LIMIT: used ${{used_kb}} kB, ${{used_inodes}} inodes"
set +e
"$CLI" render "$SECOND" --out "$OUT_FS/out" 2>"$OUT_FS.err"
rc=$?
set -e
echo "== rc $rc"
echo "== stderr"; cat "$OUT_FS.err"
echo "== after"; snapshot
echo "== beside"; ls -A "$OUT_FS"
echo "== end"
"#
    );
    let Some((ok, stdout, stderr)) = in_private_mount_namespace(
        &script,
        &[
            ("OUT_FS", &fs_dir),
            ("FIRST", &first),
            ("SECOND", &second_path),
            ("LIMIT", Path::new(limit)),
        ],
    ) else {
        return;
    };
    assert!(ok, "the script failed:\n{stdout}\n{stderr}");
    let before = listing(&stdout, "== before");
    let after = listing(&stdout, "== after");
    assert!(
        before.len() > 20,
        "the first render wrote its tree:\n{stdout}"
    );
    let rc = stdout
        .lines()
        .find_map(|l| l.strip_prefix("== rc "))
        .unwrap_or("?");
    let err = section(&stdout, "== stderr");
    assert_eq!(
        rc, "2",
        "the second render fails with an I/O error (exit 2):\n{stdout}"
    );
    assert!(
        err.iter().any(|l| l.contains("No space left on device")),
        "and says why: {err:?}"
    );
    assert_eq!(
        before, after,
        "the previous tree is byte for byte and mode for mode as it was"
    );
    let beside = section(&stdout, "== beside");
    assert_eq!(
        beside,
        ["out"],
        "no staging or old folder is left beside the output:\n{stdout}"
    );
    println!(
        "{}\n{}: the second render failed midway ({}); the previous tree ({} entries) is intact, nothing left beside it",
        stdout
            .lines()
            .find(|l| l.starts_with("== limit"))
            .unwrap_or_default(),
        limit,
        err.join(" "),
        before.len()
    );
}

#[test]
fn a_render_that_runs_out_of_space_midway_leaves_the_previous_tree_intact() {
    failing_render_leaves_the_previous_tree("bytes");
}

#[test]
fn a_render_that_runs_out_of_inodes_midway_leaves_the_previous_tree_intact() {
    failing_render_leaves_the_previous_tree("inodes");
}
