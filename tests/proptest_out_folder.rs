//! `render --out DIR`, whatever is at DIR before: a property test of the output folder's
//! promises (README, "File modes and writes").
//!
//! proptest draws what is at `DIR` before a render: nothing, an empty folder, a plain file, a
//! FIFO, a symbolic link (dangling, to a file, to a folder of someone else's, to an earlier
//! output), a folder of someone else's with a `manifest.json` of every kind (empty, a web
//! project's, a link to a real manifest of ours, a FIFO) and files of theirs, or an earlier
//! output edited in a few ways (a note added at the top or deep inside, a `.git`, a rendered
//! file replaced by a symbolic link to a file outside, one removed, one changed). Outside
//! `DIR` a victim file stands where the links point. Then the CLI renders into `DIR`, and:
//!
//! - it exits 0 or 2, nothing else (never a panic);
//! - with 2, nothing anywhere changed: `DIR` (not followed), what its links point to, the
//!   victim, the folder around it (but for the render's lock file);
//! - with 0, `DIR` is a real folder holding every file of a fresh render exactly, and
//!   whatever it holds besides was there before and is unchanged (nothing not ours is ever
//!   deleted), and nothing outside `DIR` changed.
//!
//! Cases: `JT_PROPTEST_OUT_CASES` (default 24, one CLI render each, which syncs its files: about
//! 30 s, 80 s on two cores shared by a dozen builds);
//! the seed is fixed (`JT_PROPTEST_SEED` draws others).

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

/// An edit of an earlier output, made before the render.
#[derive(Debug, Clone)]
enum Edit {
    /// A file of the operator's at `path` (relative to DIR).
    Add(&'static str),
    /// A rendered file (by index) replaced by a symbolic link to the victim.
    LinkOver(prop::sample::Index),
    /// A rendered file (by index) removed.
    Remove(prop::sample::Index),
    /// A rendered file (by index) with other content.
    Change(prop::sample::Index),
}

/// What a folder of someone else's holds as its `manifest.json`.
#[derive(Debug, Clone, Copy)]
enum Manifest {
    None,
    Empty,
    WebProject,
    LinkToOurs,
    Fifo,
}

/// What is at DIR before the render.
#[derive(Debug, Clone)]
enum Before {
    Missing,
    EmptyFolder,
    PlainFile,
    Fifo,
    DanglingLink,
    LinkToVictim,
    LinkToForeignFolder,
    LinkToOutput,
    Foreign(Manifest, bool),
    Output(Vec<Edit>),
}

fn before() -> impl Strategy<Value = Before> {
    let manifest = prop::sample::select(vec![
        Manifest::None,
        Manifest::Empty,
        Manifest::WebProject,
        Manifest::LinkToOurs,
        Manifest::Fifo,
    ]);
    let edit = prop_oneof![
        prop::sample::select(vec![
            "NOTES.txt",
            ".git/HEAD",
            "meet.example.com/NOTES.txt",
            "jvb1.meet.example.com/etc/jitsi/videobridge/extra.conf",
            "new-host.example.com/x",
        ])
        .prop_map(Edit::Add),
        any::<prop::sample::Index>().prop_map(Edit::LinkOver),
        any::<prop::sample::Index>().prop_map(Edit::Remove),
        any::<prop::sample::Index>().prop_map(Edit::Change),
    ];
    prop_oneof![
        1 => Just(Before::Missing),
        1 => Just(Before::EmptyFolder),
        1 => Just(Before::PlainFile),
        1 => Just(Before::Fifo),
        1 => Just(Before::DanglingLink),
        1 => Just(Before::LinkToVictim),
        1 => Just(Before::LinkToForeignFolder),
        1 => Just(Before::LinkToOutput),
        3 => (manifest, any::<bool>()).prop_map(|(m, files)| Before::Foreign(m, files)),
        6 => prop::collection::vec(edit, 0..3).prop_map(Before::Output),
    ]
}

/// Every entry under `root` (links not followed) but the renders' lock files and `skip`:
/// kind, mode and content or link target.
fn snapshot(root: &Path, skip: Option<&Path>) -> BTreeMap<String, String> {
    common::tree_snapshot(root, &|p| {
        Some(p) == skip
            || p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with(".jitsi-topology.lock"))
    })
}

fn render(model: &Path, out: &Path) -> (Option<i32>, String) {
    let o = Command::new(common::cli())
        .arg("render")
        .arg(model)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run the CLI");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn cp(from: &Path, to: &Path) {
    assert!(
        Command::new("cp")
            .arg("-a")
            .arg(from)
            .arg(to)
            .status()
            .unwrap()
            .success()
    );
}

struct World {
    model: PathBuf,
    /// A render of the model, never touched: what every successful render must hold.
    fresh: PathBuf,
    /// The files of `fresh`, relative.
    files: Vec<String>,
    fresh_snapshot: BTreeMap<String, String>,
    cases: BTreeMap<&'static str, u32>,
}

fn case(w: &mut World, before: &Before) -> Result<(), TestCaseError> {
    let scratch = tempfile::Builder::new()
        .prefix("jt-out-")
        .tempdir()
        .expect("temp dir");
    let root = scratch.path();
    let victim = root.join("victim.txt");
    fs::write(&victim, "precious").unwrap();
    let foreign = root.join("theirs");
    fs::create_dir(&foreign).unwrap();
    fs::write(foreign.join("index.html"), "<html></html>").unwrap();
    // An earlier output beside DIR, for the cases that link to it.
    let earlier = root.join("earlier");
    if matches!(
        before,
        Before::LinkToOutput | Before::Foreign(Manifest::LinkToOurs, _)
    ) {
        cp(&w.fresh, &earlier);
    }
    let dir = root.join("out");
    match before {
        Before::Missing => {}
        Before::EmptyFolder => fs::create_dir(&dir).unwrap(),
        Before::PlainFile => fs::write(&dir, "a file of someone's").unwrap(),
        Before::Fifo => common::mkfifo(&dir),
        Before::DanglingLink => symlink("nowhere", &dir).unwrap(),
        Before::LinkToVictim => symlink("victim.txt", &dir).unwrap(),
        Before::LinkToForeignFolder => symlink("theirs", &dir).unwrap(),
        Before::LinkToOutput => symlink("earlier", &dir).unwrap(),
        Before::Foreign(manifest, files) => {
            fs::create_dir(&dir).unwrap();
            let m = dir.join("manifest.json");
            match manifest {
                Manifest::None => {}
                Manifest::Empty => fs::write(&m, "").unwrap(),
                Manifest::WebProject => {
                    fs::write(&m, r#"{"name": "My App", "icons": []}"#).unwrap()
                }
                Manifest::LinkToOurs => symlink(earlier.join("manifest.json"), &m).unwrap(),
                Manifest::Fifo => common::mkfifo(&m),
            }
            if *files {
                fs::write(dir.join("keep-me.txt"), "precious too").unwrap();
            }
        }
        Before::Output(edits) => {
            cp(&w.fresh, &dir);
            for e in edits {
                match e {
                    Edit::Add(rel) => {
                        let p = dir.join(rel);
                        fs::create_dir_all(p.parent().unwrap()).unwrap();
                        fs::write(&p, "the operator's").unwrap();
                    }
                    Edit::LinkOver(i) | Edit::Remove(i) | Edit::Change(i) => {
                        let p = dir.join(i.get(&w.files));
                        if fs::symlink_metadata(&p).is_err() {
                            continue;
                        }
                        fs::remove_file(&p).unwrap();
                        match e {
                            Edit::LinkOver(_) => symlink(&victim, &p).unwrap(),
                            Edit::Change(_) => fs::write(&p, "edited by hand").unwrap(),
                            _ => {}
                        }
                    }
                }
            }
        }
    }
    let dir_before = snapshot(root, None)
        .into_iter()
        .filter(|(k, _)| k == "out" || k.starts_with("out/"))
        .collect::<BTreeMap<_, _>>();
    let around_before = snapshot(root, Some(&dir));
    let (code, err) = render(&w.model, &dir);
    let around_after = snapshot(root, Some(&dir));
    prop_assert_eq!(
        &around_after,
        &around_before,
        "something outside DIR changed (exit {:?}): {}",
        code,
        err
    );
    match code {
        Some(2) => {
            let dir_after = snapshot(root, None)
                .into_iter()
                .filter(|(k, _)| k == "out" || k.starts_with("out/"))
                .collect::<BTreeMap<_, _>>();
            prop_assert_eq!(&dir_after, &dir_before, "refused, yet DIR changed: {}", err);
            *w.cases.entry("refused, all left as it was").or_default() += 1;
        }
        Some(0) => {
            let m = fs::symlink_metadata(&dir).expect("DIR exists");
            prop_assert!(m.is_dir(), "DIR is a real folder, not a link");
            let now = snapshot(&dir, None);
            for (rel, what) in &w.fresh_snapshot {
                prop_assert_eq!(
                    now.get(rel),
                    Some(what),
                    "{} is not as a fresh render writes it",
                    rel
                );
            }
            for (rel, what) in &now {
                if !w.fresh_snapshot.contains_key(rel) {
                    prop_assert_eq!(
                        dir_before.get(&format!("out/{rel}")),
                        Some(what),
                        "{} is neither rendered nor left as it was",
                        rel
                    );
                }
            }
            *w.cases
                .entry("rendered, nothing not ours lost")
                .or_default() += 1;
        }
        other => {
            return Err(TestCaseError::fail(format!(
                "exit {other:?} (0 or 2 expected): {err}"
            )));
        }
    }
    Ok(())
}

#[test]
fn whatever_is_at_the_output_folder_a_render_replaces_only_its_own_tree_and_deletes_nothing_else() {
    let started = Instant::now();
    let keep = tempfile::Builder::new()
        .prefix("jt-out-fresh-")
        .tempdir()
        .expect("temp dir");
    let model = common::repo("examples/handbook.yaml");
    let fresh = keep.path().join("fresh");
    let (code, err) = render(&model, &fresh);
    assert_eq!(code, Some(0), "{err}");
    let fresh_snapshot = snapshot(&fresh, None);
    let files: Vec<String> = fresh_snapshot
        .iter()
        .filter(|(_, v)| v.contains(" file "))
        .map(|(k, _)| k.clone())
        .collect();
    let mut world = World {
        model,
        fresh,
        files,
        fresh_snapshot,
        cases: BTreeMap::new(),
    };
    let seed: u64 = std::env::var("JT_PROPTEST_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x6f75_7466);
    let cases: u32 = std::env::var("JT_PROPTEST_OUT_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: 100,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    let world_cell = std::cell::RefCell::new(&mut world);
    let result = runner.run(&before(), |b| case(&mut world_cell.borrow_mut(), &b));
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, value)) => panic!("minimal failing case {value:?}: {why}"),
        Err(e) => panic!("{e}"),
    }
    println!(
        "{cases} drawn output folders (seed {seed}): {:?}; {:.1} s",
        world.cases,
        started.elapsed().as_secs_f64()
    );
}
