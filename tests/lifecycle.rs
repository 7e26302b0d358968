//! The package lifecycle: what the Debian postinst scripts of jicofo, jitsi-videobridge2,
//! jitsi-meet-prosody and jitsi-meet-web-config do to the files we render, asked with the
//! tools those scripts call (`hocon` from Debian's ruby-hocon, grep, test, jq).
//!
//! `tests/lifecycle/postinst.tsv` holds one row per script action that touches a file we own
//! (package, release, script line, the probe, what fires). Every example is rendered at
//! stable-11146 and at stable-9646; each row's probe runs against every host that installs the
//! row's package. A row that fires means that the next `apt upgrade` (or reconfigure) of that
//! package edits, re-owns or restarts something of ours. The self-test breaks each row's probed
//! value in a copy of a render and checks that the row then fires, so that no probe passes
//! by accident.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use common::ROOT;
use serde_json::Value;

mod common;

const RELEASES: [&str; 2] = ["11146", "9646"];

/// One row of the table.
#[derive(Debug)]
struct Row {
    line: usize,
    package: String,
    release: String,
    source: String,
    file: String,
    probe: String,
    fires: String,
    brk: String,
    status: String,
}

impl Row {
    fn name(&self) -> String {
        format!(
            "postinst.tsv:{} {} {}",
            self.line, self.package, self.source
        )
    }

    fn known(&self) -> Option<&str> {
        self.status.strip_prefix("fires:")
    }
}

fn table() -> Vec<Row> {
    let path = Path::new(ROOT).join("tests/lifecycle/postinst.tsv");
    let text = std::fs::read_to_string(&path).expect("read tests/lifecycle/postinst.tsv");
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 8, "postinst.tsv:{}: 8 columns expected", i + 1);
        let row = Row {
            line: i + 1,
            package: cols[0].into(),
            release: cols[1].into(),
            source: cols[2].into(),
            file: cols[3].into(),
            probe: cols[4].into(),
            fires: cols[5].into(),
            brk: cols[6].into(),
            status: cols[7].into(),
        };
        assert!(
            RELEASES.contains(&row.release.as_str()),
            "{}: release {}",
            row.name(),
            row.release
        );
        assert!(
            row.status == "ok" || row.known().is_some_and(|k| !k.is_empty()),
            "{}: status is `ok` or `fires:<fault>`",
            row.name()
        );
        rows.push(row);
    }
    rows
}

/// Every example, as written but for its release, and nat.yaml with `jaas: true` (no example
/// creates a JaaS account, and several script actions depend on that answer).
fn examples() -> Vec<(String, String)> {
    let mut out = vec![(
        "nat.yaml with jaas: true".to_owned(),
        format!("jaas: true\n{}", common::example("nat")),
    )];
    for entry in std::fs::read_dir(Path::new(ROOT).join("examples")).expect("examples/") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            out.push((name, std::fs::read_to_string(&path).expect("read example")));
        }
    }
    out.sort();
    out
}

/// The model with `release: stable-<release>` instead of its own.
fn at_release(model: &str, release: &str) -> String {
    let mut out = format!("release: stable-{release}\n");
    for line in model.lines().filter(|l| !l.starts_with("release:")) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Renders a model into `dir` with the CLI.
fn render(model: &str, dir: &Path) {
    use std::io::Write;
    let mut cmd = Command::new(common::cli());
    cmd.args(["render", "-", "--out"]).arg(dir);
    for (k, v) in common::EXAMPLE_ENV {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run jitsi-topology");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(model.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "render failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tools() -> bool {
    common::tools(["hocon", "jq", "bash"]).is_some()
}

/// A rendered tree: its folder and the hosts with their packages.
struct Rendered {
    label: String,
    release: String,
    dir: PathBuf,
    hosts: Vec<(String, BTreeSet<String>)>,
}

fn rendered(dir: &Path, label: String, release: &str) -> Rendered {
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let hosts = manifest["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let packages = h["packages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap().to_owned())
                .collect();
            (h["name"].as_str().unwrap().to_owned(), packages)
        })
        .collect();
    Rendered {
        label,
        release: release.to_owned(),
        dir: dir.to_owned(),
        hosts,
    }
}

/// Runs `commands` (a break, then the probe) for one host of a render: exit status 0 means the
/// row does not fire. Returns the status and what the probe printed.
fn run(dir: &Path, host: &str, row: &Row, commands: &[&str]) -> (bool, String) {
    let mut script = format!(
        ". {}/tests/lifecycle/probes.sh\nF=\"$ROOT\"\"{}\"\n",
        ROOT, row.file
    );
    for c in commands {
        script.push_str(c);
        script.push('\n');
    }
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("ROOT", dir.join(host))
        .env("MANIFEST", dir.join("manifest.json"))
        .env("HOST", host)
        .current_dir("/")
        .output()
        .expect("run bash");
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), said)
}

/// Runs `f` over `items` on a few threads.
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = Mutex::new(0usize);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        *n += 1;
                        *n - 1
                    };
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    results.lock().unwrap().push((i, r));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[test]
fn no_postinst_action_fires_on_any_example_at_either_release() {
    if !tools() {
        return;
    }
    let rows = table();
    let tmp = tempfile::tempdir().unwrap();
    let mut renders = Vec::new();
    for release in RELEASES {
        for (name, model) in examples() {
            let dir = tmp.path().join(format!(
                "{}-{release}",
                name.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
            ));
            render(&at_release(&model, release), &dir);
            renders.push(rendered(
                &dir,
                format!("{name} at stable-{release}"),
                release,
            ));
        }
    }
    // (row, render, host) for every row that applies.
    let mut jobs = Vec::new();
    for (ri, row) in rows.iter().enumerate() {
        for (di, r) in renders.iter().enumerate() {
            if r.release != row.release {
                continue;
            }
            for (host, packages) in &r.hosts {
                if packages.contains(&row.package) {
                    jobs.push((ri, di, host.clone()));
                }
            }
        }
    }
    let results = parallel(&jobs, |(ri, di, host)| {
        run(&renders[*di].dir, host, &rows[*ri], &[&rows[*ri].probe])
    });
    // Row -> the (render, host) where it fired.
    let mut fired: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut checked: BTreeMap<usize, usize> = BTreeMap::new();
    for ((ri, di, host), (quiet, said)) in jobs.iter().zip(results) {
        *checked.entry(*ri).or_default() += 1;
        if !quiet {
            let said = said.lines().next().unwrap_or("").to_owned();
            fired.entry(*ri).or_default().push(format!(
                "{} {host}{}",
                renders[*di].label,
                if said.is_empty() {
                    String::new()
                } else {
                    format!(" ({said})")
                }
            ));
        }
    }
    let mut failures = Vec::new();
    for (ri, row) in rows.iter().enumerate() {
        let n = checked.get(&ri).copied().unwrap_or(0);
        let hits = fired.get(&ri).map(Vec::as_slice).unwrap_or(&[]);
        match (row.known(), hits.is_empty()) {
            (_, _) if n == 0 => failures.push(format!(
                "{}: no example at stable-{} installs {}, so the row is never checked",
                row.name(),
                row.release,
                row.package
            )),
            (None, false) => failures.push(format!(
                "{}: fires ({}) on {} of {n} hosts:\n    {}",
                row.name(),
                row.fires,
                hits.len(),
                hits.join("\n    ")
            )),
            (Some(fault), true) => failures.push(format!(
                "{}: marked fires:{fault} but no longer fires on any of {n} hosts: mark it ok",
                row.name()
            )),
            (Some(fault), false) => println!(
                "known ({fault}): {} fires on {} of {n} hosts: {}",
                row.name(),
                hits.len(),
                row.fires
            ),
            (None, true) => println!("ok: {} ({n} hosts)", row.name()),
        }
    }
    assert!(
        failures.is_empty(),
        "{} row(s) of the lifecycle table fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn each_row_fires_once_its_probed_value_is_taken_out() {
    if !tools() {
        return;
    }
    let rows = table();
    let tmp = tempfile::tempdir().unwrap();
    let examples = examples();
    let handbook = &examples
        .iter()
        .find(|(n, _)| n == "handbook.yaml")
        .expect("examples/handbook.yaml")
        .1;
    let mut originals = BTreeMap::new();
    for release in RELEASES {
        let dir = tmp.path().join(format!("handbook-{release}"));
        render(&at_release(handbook, release), &dir);
        originals.insert(
            release,
            rendered(&dir, format!("handbook.yaml at stable-{release}"), release),
        );
    }
    let jobs: Vec<usize> = (0..rows.len()).collect();
    let results = parallel(&jobs, |&ri| {
        let row = &rows[ri];
        let r = &originals[row.release.as_str()];
        let Some((host, _)) = r.hosts.iter().find(|(_, p)| p.contains(&row.package)) else {
            return Some(format!(
                "{}: no host of {} installs {}",
                row.name(),
                r.label,
                row.package
            ));
        };
        let copy = tmp.path().join(format!("break-{ri}"));
        let status = Command::new("cp")
            .arg("-a")
            .arg(&r.dir)
            .arg(&copy)
            .status()
            .unwrap();
        assert!(status.success(), "cp -a");
        let brk = format!(
            "if ! {{ {}\n}}; then echo \"the break failed\" >&2; exit 0; fi",
            row.brk
        );
        let (quiet, said) = run(&copy, host, row, &[&brk, &row.probe]);
        (quiet).then(|| {
            format!(
                "{}: still quiet on {} {host} after `{}`{}",
                row.name(),
                r.label,
                row.brk,
                if said.is_empty() {
                    String::new()
                } else {
                    format!(":\n{said}")
                }
            )
        })
    });
    let failures: Vec<String> = results.into_iter().flatten().collect();
    println!(
        "{} rows each fire once their probed value is taken out",
        rows.len() - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} probe(s) cannot tell:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
