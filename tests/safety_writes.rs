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

    let script = r#"
mount -t tmpfs -o size=4m,nr_inodes=4096,mode=0755 jt-safety-writes "$OUT_FS"
"$CLI" render "$FIRST" --out "$OUT_FS/out" 2>/dev/null
snapshot() { (cd "$OUT_FS/out" && find . -mindepth 1 | LC_ALL=C sort | while read -r p; do
  if [ -f "$p" ]; then printf '%s\t%s %s\n' "$p" "$(sha256sum < "$p" | cut -c1-64)" "$(stat -c %a "$p")";
  else printf '%s\t%s %s\n' "$p" dir "$(stat -c %a "$p")"; fi; done); }
echo "== before"; snapshot
# Shrink the filesystem to what the first tree uses plus a third: staging the second fails.
used_kb=$(df -k --output=used "$OUT_FS" | tail -n 1 | tr -d ' ')
used_inodes=$(stat -f -c '%c %d' "$OUT_FS" | awk '{ print $1 - $2 }')
[ -n "$used_kb" ] && [ "$used_inodes" -gt 0 ]
case "$LIMIT" in
  bytes) mount -o remount,size=$((used_kb * 4 / 3 + 8))k "$OUT_FS" ;;
  inodes) mount -o remount,nr_inodes=$((used_inodes * 4 / 3)) "$OUT_FS" ;;
esac
echo "== limit $LIMIT: used ${used_kb} kB, ${used_inodes} inodes"
set +e
"$CLI" render "$SECOND" --out "$OUT_FS/out" 2>"$OUT_FS.err"
rc=$?
set -e
echo "== rc $rc"
echo "== stderr"; cat "$OUT_FS.err"
echo "== after"; snapshot
echo "== beside"; ls -A "$OUT_FS" | grep -v '[.]jitsi-topology[.]lock$'
echo "== end"
"#;
    let Some((ok, stdout, stderr)) = in_private_mount_namespace(
        script,
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

// ---- The output folder is replaced only when it is provably ours ----

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// `render MODEL --out OUT` (plus `extra`); exit code and standard error.
fn render(model: &Path, out: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let o = Command::new(common::cli())
        .arg("render")
        .arg(model)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .expect("run the CLI");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Every entry under `root` (not following symbolic links): its kind, mode and content (or
/// link target), so that "left as it was" compares everything.
fn snapshot(root: &Path) -> BTreeMap<String, String> {
    common::tree_snapshot(root, &|_| false)
}

/// What is beside the output folder, but the lock file every render leaves.
fn beside(parent: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(parent)
        .expect("list")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.ends_with(".jitsi-topology.lock"))
        .collect();
    names.sort();
    names
}

#[test]
fn render_replaces_only_a_folder_it_can_prove_is_its_own() {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = repo("examples/handbook.yaml");
    let earlier = dir.path().join("earlier");
    assert_eq!(render(&model, &earlier, &[]).0, Some(0));
    // (what is planted, how, what render says)
    type Case<'a> = (&'a str, &'a dyn Fn(&Path), &'a str);
    let cases: [Case; 6] = [
        (
            "an empty manifest.json",
            &|d| fs::write(d.join("manifest.json"), "").unwrap(),
            "its manifest.json is not a manifest of jitsi-topology (it is empty)",
        ),
        (
            "a web project's manifest.json",
            &|d| {
                fs::write(
                    d.join("manifest.json"),
                    r#"{"name": "My App", "icons": []}"#,
                )
                .unwrap();
                fs::write(d.join("index.html"), "<html></html>").unwrap();
            },
            "its manifest.json is not a manifest of jitsi-topology (it has no `format` and `generator` of this tool)",
        ),
        (
            "a symbolic link named manifest.json (to a real manifest of ours)",
            &|d| {
                std::os::unix::fs::symlink(earlier.join("manifest.json"), d.join("manifest.json"))
                    .unwrap()
            },
            "its manifest.json is a symbolic link",
        ),
        (
            "a FIFO named manifest.json",
            &|d| {
                assert!(
                    Command::new("mkfifo")
                        .arg(d.join("manifest.json"))
                        .status()
                        .unwrap()
                        .success()
                )
            },
            "its manifest.json is not a plain file",
        ),
        (
            "an earlier output with the operator's notes in it",
            &|d| {
                copy_tree(&earlier, d);
                fs::write(
                    d.join("meet.example.com/NOTES.txt"),
                    "ask Kim before changing",
                )
                .unwrap();
            },
            "it holds what its manifest.json does not list: `meet.example.com/NOTES.txt`",
        ),
        (
            "an earlier output where a rendered file was replaced by a symbolic link",
            &|d| {
                copy_tree(&earlier, d);
                let conf = d.join("meet.example.com/etc/jitsi/jicofo/jicofo.conf");
                fs::remove_file(&conf).unwrap();
                std::os::unix::fs::symlink("/etc/passwd", &conf).unwrap();
            },
            "`meet.example.com/etc/jitsi/jicofo/jicofo.conf`",
        ),
    ];
    for (what, plant, says) in cases {
        let out = dir.path().join("out");
        let _ = fs::remove_dir_all(&out);
        fs::create_dir(&out).unwrap();
        fs::write(out.join("keep-me.txt"), "precious").unwrap();
        plant(&out);
        if what.starts_with("an earlier output") {
            fs::remove_file(out.join("keep-me.txt")).unwrap();
        }
        let before = snapshot(&out);
        let (code, err) = render(&model, &out, &[]);
        println!("{what}: exit {code:?}: {}", err.trim());
        assert_eq!(code, Some(2), "{what}: refused (exit 2):\n{err}");
        assert!(err.contains(says), "{what}: says {says:?}:\n{err}");
        assert!(
            err.contains("it is left as it is"),
            "{what}: says the folder is untouched:\n{err}"
        );
        assert_eq!(snapshot(&out), before, "{what}: the folder is untouched");
        assert_eq!(
            beside(dir.path()),
            ["earlier", "out"],
            "{what}: nothing left beside it"
        );
    }
}

fn copy_tree(from: &Path, to: &Path) {
    assert!(
        Command::new("cp")
            .arg("-a")
            .arg(format!("{}/.", from.display()))
            .arg(to)
            .status()
            .unwrap()
            .success()
    );
}

fn git(repo: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "-c",
            "user.name=Operator",
            "-c",
            "user.email=op@example.com",
        ])
        .args(args)
        .output()
        .expect("run git");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Renders `model` into `out` and makes `out` a git repository with that render committed.
fn rendered_and_committed(model: &Path, out: &Path) {
    assert_eq!(render(model, out, &[]).0, Some(0));
    git(out, &["init", "-q"]);
    git(out, &["add", "-A"]);
    git(out, &["commit", "-q", "-m", "first render"]);
}

#[test]
fn an_output_kept_in_git_keeps_its_history_and_a_render_shows_as_only_its_changes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("rendered");
    let handbook = repo("examples/handbook.yaml");
    rendered_and_committed(&handbook, &out);
    // The next model drops jvb3 and changes jvb2's public address.
    let model = dir.path().join("next.yaml");
    let text = fs::read_to_string(&handbook).unwrap();
    let text = text
        .lines()
        .filter(|l| !l.contains("jvb3.meet.example.com"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("198.51.100.12", "198.51.100.22");
    fs::write(&model, text).unwrap();
    let (code, err) = render(&model, &out, &[]);
    assert_eq!(code, Some(0), "{err}");
    let log = git(&out, &["log", "--format=%s"]);
    assert_eq!(log.trim(), "first render", "the history is kept");
    let status = git(&out, &["status", "--porcelain", "--untracked-files=all"]);
    println!("git status after the second render:\n{status}");
    let mut changes: Vec<&str> = status.lines().collect();
    changes.sort();
    assert!(!changes.is_empty(), "the render's changes show");
    for line in &changes {
        let path = &line[3..];
        assert!(
            (line.starts_with(" D ") && path.starts_with("jvb3.meet.example.com/"))
                || (line.starts_with(" M ")
                    && (path == "manifest.json"
                        || path.starts_with("jvb2.meet.example.com/")
                        || path.starts_with("meet.example.com/"))),
            "only the rendered changes show: {line}"
        );
    }
    assert!(
        changes
            .iter()
            .any(|l| l.starts_with(" D jvb3.meet.example.com/"))
    );
    assert!(
        changes
            .iter()
            .any(|l| l.starts_with(" M jvb2.meet.example.com/"))
    );
    assert_eq!(
        beside(dir.path()),
        ["next.yaml", "rendered"],
        "nothing left beside it"
    );
    // And the same model again changes nothing once committed.
    git(&out, &["commit", "-q", "-am", "second render"]);
    assert_eq!(render(&model, &out, &[]).0, Some(0));
    assert_eq!(
        git(&out, &["status", "--porcelain", "--untracked-files=all"]),
        ""
    );
}

#[test]
fn a_symlinked_out_is_refused_with_where_it_points() {
    let dir = tempfile::tempdir().expect("temp dir");
    let real = dir.path().join("real");
    let model = repo("examples/handbook.yaml");
    assert_eq!(render(&model, &real, &[]).0, Some(0));
    let link = dir.path().join("current");
    std::os::unix::fs::symlink("real", &link).unwrap();
    let (code, err) = render(&model, &link, &[]);
    println!("{}", err.trim());
    assert_eq!(code, Some(2));
    assert!(
        err.contains(&format!(
            "{} is a symbolic link (to real): render --out replaces the folder it names as a whole, so name the folder itself (--out {})",
            link.display(),
            real.display()
        )),
        "{err}"
    );
    assert!(fs::read_link(&link).is_ok(), "the link is left as it is");
}

/// `render MODEL --out OUT` under strace, which injects `fault` into the render's system calls
/// (`-e inject=…`); the nat example's `{env}` secrets are set. Not waited for.
fn render_under_strace(fault: &str, model: &Path, out: &Path) -> std::process::Child {
    Command::new("strace")
        .args(["-f", "-o", "/dev/null", "-e"])
        .arg(format!("inject={fault}"))
        .arg(common::cli())
        .arg("render")
        .arg(model)
        .arg("--out")
        .arg(out)
        .env("JITSI_FOCUS_PASSWORD", "focus-from-env-0123456789abcdef")
        .env("JITSI_JVB_PASSWORD", "jvb-from-env-0123456789abcdef")
        .env("JITSI_TURN_SECRET", "turn-from-env-0123456789abcdef")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("strace (apt-get install strace)")
}

#[test]
fn concurrent_renders_into_one_folder_run_one_at_a_time_and_readers_always_see_a_whole_tree() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let models = [repo("examples/handbook.yaml"), repo("examples/nat.yaml")];
    assert_eq!(render(&models[0], &out, &[]).0, Some(0));
    // Four renders at once, each slowed down by strace for 300 ms after every rename, so that
    // their swaps overlap; meanwhile a reader looks at the folder every millisecond.
    let children: Vec<_> = (0..4)
        .map(|i| {
            render_under_strace(
                "rename,renameat,renameat2:delay_exit=300000",
                &models[i % 2],
                &out,
            )
        })
        .collect();
    let mut missing = 0;
    let mut looks = 0;
    let mut children: Vec<_> = children.into_iter().map(Some).collect();
    let mut errors = Vec::new();
    while children.iter().any(Option::is_some) {
        looks += 1;
        if !out.join("manifest.json").is_file() {
            missing += 1;
        }
        for slot in children.iter_mut() {
            if let Some(child) = slot
                && child.try_wait().unwrap().is_some()
            {
                let o = slot.take().unwrap().wait_with_output().unwrap();
                if !o.status.success() {
                    errors.push(String::from_utf8_lossy(&o.stderr).into_owned());
                }
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    println!(
        "4 overlapping renders: {} failed; the reader found no manifest.json {missing} times of {looks}; beside: {:?}",
        errors.len(),
        beside(dir.path())
    );
    assert!(errors.is_empty(), "every render succeeds: {errors:#?}");
    assert_eq!(
        missing, 0,
        "a reader never finds the folder missing or without its manifest"
    );
    assert_eq!(beside(dir.path()), ["out"], "no staging or old tree left");
    let listed: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    for host in listed["hosts"].as_array().unwrap() {
        for f in host["files"].as_array().unwrap() {
            let p = out
                .join(host["name"].as_str().unwrap())
                .join(f["path"].as_str().unwrap().trim_start_matches('/'));
            assert!(p.is_file(), "the tree is whole: {}", p.display());
        }
    }
    assert!(
        dir.path().join(".out.jitsi-topology.lock").is_file(),
        "the lock file the README names"
    );
}

#[test]
fn where_the_filesystem_cannot_swap_atomically_the_render_says_so_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    assert_eq!(
        render(&repo("examples/handbook.yaml"), &out, &[]).0,
        Some(0)
    );
    let before = snapshot(&out);
    // strace makes renameat2 fail as a filesystem without RENAME_EXCHANGE does (EINVAL).
    let o = render_under_strace("renameat2:error=EINVAL", &repo("examples/nat.yaml"), &out)
        .wait_with_output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    println!("{}", err.trim());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("cannot swap two folders atomically (renameat2 with RENAME_EXCHANGE"),
        "{err}"
    );
    assert_eq!(snapshot(&out), before, "the previous tree is as it was");
    assert_eq!(beside(dir.path()), ["out"], "no staging tree left");
}

/// Runs a render that strace kills (SIGKILL) at its swap, as a crash or `kill -9` would.
fn render_killed_at_the_swap(model: &Path, out: &Path) {
    let o = render_under_strace("renameat2:signal=SIGKILL", model, out)
        .wait_with_output()
        .unwrap();
    assert!(!o.status.success(), "the render was killed");
}

#[test]
fn after_a_crash_the_next_render_removes_what_is_provably_its_own_and_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let (handbook, ipv6) = (repo("examples/handbook.yaml"), repo("examples/ipv6.yaml"));
    rendered_and_committed(&handbook, &out);
    let before = snapshot(&out);
    render_killed_at_the_swap(&ipv6, &out);
    let staging = dir.path().join(".out.jitsi-topology-staging");
    assert!(
        staging.join("manifest.json").is_file(),
        "the killed render left its staging tree"
    );
    assert!(!out.join(".git").exists(), "and had moved .git into it");
    // A leftover of an older build that holds something else is not provably a render's.
    let foreign = dir.path().join(".out.jitsi-topology-old-4242");
    fs::create_dir(&foreign).unwrap();
    fs::write(foreign.join("diary.txt"), "mine").unwrap();
    let (code, err) = render(&ipv6, &out, &[]);
    println!("{}", err.trim());
    assert_eq!(code, Some(0), "{err}");
    for says in [
        format!(
            "moved {}/.git back to {}/.git",
            staging.display(),
            out.display()
        ),
        format!(
            "removed {}, the staging or previous tree of a render into {} that did not finish",
            staging.display(),
            out.display()
        ),
    ] {
        assert!(err.contains(&says), "says {says:?}:\n{err}");
    }
    assert!(
        err.contains(&format!("kept {}", foreign.display()))
            && err.contains("it is not empty and holds no manifest.json"),
        "{err}"
    );
    assert_eq!(
        beside(dir.path()),
        [".out.jitsi-topology-old-4242", "out"],
        "the staging tree is gone, the foreign folder kept"
    );
    assert_eq!(
        fs::read_to_string(foreign.join("diary.txt")).unwrap(),
        "mine"
    );
    assert_eq!(git(&out, &["log", "--format=%s"]).trim(), "first render");
    assert_ne!(snapshot(&out), before, "the new tree is in place");
    assert!(out.join("jvb-a.example.net").is_dir());
}
