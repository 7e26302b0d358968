//! What we render is what upstream knows, release by release (facts/<release>/*.tsv, read by
//! `jitsi_topology::facts`).
//!
//! Every `examples/*.yaml` model is rendered for every supported release and Prosody series
//! the model allows (its `release` and `platform.prosody` set to each; a combination
//! validation refuses is skipped and listed). Then, with the real parsers:
//!
//! | file | parser | check |
//! |---|---|---|
//! | jicofo.conf, jvb.conf | Typesafe Config (`tests/consumers/Hocon.java`) | every leaf path is in the release's `jicofo-hocon.tsv` / `jvb-hocon.tsv` |
//! | the prosody host file | prosody's config loader (`tests/consumers/prosody_config_server.lua`) | every module in `modules_enabled`, every `Component` module, `authentication` and `storage` provider exists (the release's plugins or the series' core), and none is where the release deprecates it |
//! | debconf selections | (line format) | every question we preseed is defined by a package of the release, with that type |
//! | config.js | node (`tests/consumers/configjs.js`) | every key of `config` is in the release's `config-js.tsv` |
//!
//! A fault whose fix belongs to another change is listed in [`KNOWN_GAPS`]: it is expected
//! (printed, not failed), and an entry that no longer fails fails the test, so the list only
//! shrinks. A fact the check relies on that is `unverified` is printed.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{ROOT, missing, tool};
use jitsi_topology::bundle::FileKind;
use jitsi_topology::facts::{self, HoconReader};
use serde_json::Value;

const TYPESAFE_JAR: &str = "/usr/share/java/typesafe-config.jar";

/// Faults the facts show whose fix is another change's, as `(release, finding)`: the finding's
/// text as [`check`] prints it. Empty this list as they are fixed; an entry that no longer
/// fails makes the test fail. (Issue 16's C1 entries, the VirtualHost modules of 9646, 10133
/// and 11146 and end_conference's placement from 10888 on, are fixed.)
const KNOWN_GAPS: &[(&str, &str)] = &[];

/// One render: a model with one release and one Prosody series.
struct Render {
    label: String,
    release: String,
    prosody: String,
    bundle: jitsi_topology::Bundle,
}

fn yaml_to_json(text: &str) -> Value {
    serde_norway::from_str(text).expect("an example is YAML")
}

fn renders() -> (Vec<Render>, Vec<String>) {
    let env = common::example_env();
    let mut out = Vec::new();
    let mut refused = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(common::repo("examples"))
        .expect("examples/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    names.sort();
    for path in names {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let model = yaml_to_json(&std::fs::read_to_string(&path).unwrap());
        for release in jitsi_topology::release::SUPPORTED {
            for prosody in ["0.12", "13"] {
                let mut m = model.clone();
                m["release"] = Value::from(release.name);
                if !m.get("platform").is_some_and(Value::is_object) {
                    m["platform"] = serde_json::json!({});
                }
                m["platform"]["prosody"] = Value::from(prosody);
                let label = format!("{name} @ {} on Prosody {prosody}", release.name);
                let text = serde_json::to_string(&m).unwrap();
                match jitsi_topology::render(&text, &env) {
                    Ok(r) => out.push(Render {
                        label,
                        release: release.name.to_owned(),
                        prosody: prosody.to_owned(),
                        bundle: r.bundle,
                    }),
                    Err(e) => refused.push(format!("{label}: {}", first_line(&e.to_string()))),
                }
            }
        }
    }
    (out, refused)
}

fn first_line(s: &str) -> String {
    s.lines()
        .find(|l| l.contains("error"))
        .unwrap_or(s)
        .trim()
        .to_owned()
}

/// Every file of `kind` in every render, written under `dir`: (render index, host, path on
/// the host, the written file).
fn write_files(
    renders: &[Render],
    dir: &Path,
    kinds: &[FileKind],
) -> Vec<(usize, String, String, PathBuf)> {
    let mut out = Vec::new();
    for (ri, r) in renders.iter().enumerate() {
        for host in &r.bundle.hosts {
            for f in &host.files {
                if kinds.contains(&f.kind) {
                    let local = dir
                        .join(format!("r{ri}"))
                        .join(&host.name)
                        .join(f.path.trim_start_matches('/'));
                    std::fs::create_dir_all(local.parent().unwrap()).unwrap();
                    std::fs::write(&local, &f.content).unwrap();
                    out.push((ri, host.name.clone(), f.path.clone(), local));
                }
            }
        }
    }
    out
}

/// A finding: (release, text); the text names the file, the key and what is wrong.
type Findings = BTreeSet<(String, String)>;

/// The leaves of a parsed HOCON/JSON object as path segments: an object's keys are walked, a
/// list of objects is walked as `name[]`, an empty object is the leaf `name{}` (a map the
/// facts name so), anything else is a leaf.
fn leaves(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(m) if m.is_empty() && !path.is_empty() => {
            let mut p = path.clone();
            let last = p.pop().unwrap_or_default();
            p.push(format!("{last}{{}}"));
            out.push(p);
        }
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                path.push(k.clone());
                leaves(x, path, out);
                path.pop();
            }
        }
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
            let last = path.pop().unwrap_or_default();
            path.push(format!("{last}[]"));
            for item in items {
                leaves(item, path, out);
            }
            path.pop();
            path.push(last);
        }
        _ => out.push(path.clone()),
    }
}

fn check_hocon(
    renders: &[Render],
    dir: &Path,
    findings: &mut Findings,
    used: &mut BTreeSet<String>,
) {
    let Some(java) = tool("java") else { return };
    if !Path::new(TYPESAFE_JAR).is_file() {
        missing("Typesafe Config (libtypesafe-config-java)");
        return;
    }
    let files = write_files(
        renders,
        dir,
        &[FileKind::Jicofo, FileKind::Jvb, FileKind::Jibri],
    );
    let out = Command::new(java)
        .arg("-cp")
        .arg(TYPESAFE_JAR)
        .arg(Path::new(ROOT).join("tests/consumers/Hocon.java"))
        .args(files.iter().map(|f| std::path::absolute(&f.3).unwrap()))
        .output()
        .expect("run java");
    assert!(
        out.status.success(),
        "Typesafe Config rejected a rendered file:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: BTreeMap<String, Value> = serde_json::from_slice(&out.stdout).expect("JSON");
    let mut leaves_checked = 0;
    for (ri, host, path, local) in &files {
        let r = &renders[*ri];
        let abs = std::path::absolute(local).unwrap();
        let v = &parsed[&*abs.to_string_lossy()];
        let reader = if path.ends_with("jicofo.conf") {
            HoconReader::Jicofo
        } else if path.ends_with("jibri.conf") {
            HoconReader::Jibri
        } else {
            HoconReader::Jvb
        };
        let mut found = Vec::new();
        leaves(v, &mut Vec::new(), &mut found);
        for leaf in found {
            leaves_checked += 1;
            let dotted = leaf.join(".");
            match facts::hocon_known(&r.release, reader, &leaf) {
                Some(row) => {
                    if !row.verified {
                        used.insert(format!("{}: {} ({})", r.release, row.key, row.note));
                    }
                }
                None => {
                    findings.insert((
                        r.release.clone(),
                        format!(
                            "{}: `{dotted}` is not a path {reader:?} reads",
                            file_name(path)
                        ),
                    ));
                    let _ = host;
                }
            }
        }
    }
    println!(
        "HOCON: {leaves_checked} leaves of {} files read with Typesafe Config",
        files.len()
    );
}

/// A long-lived `lua5.4 prosody_config_server.lua`: prosody's own config loader.
fn prosody_configs(files: &[PathBuf]) -> Option<Vec<Value>> {
    let lua = tool("lua5.4")?;
    let mut child = Command::new(lua)
        .arg(Path::new(ROOT).join("tests/consumers/prosody_config_server.lua"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run lua5.4");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut out = Vec::new();
    for f in files {
        writeln!(stdin, "{}", std::path::absolute(f).unwrap().display()).unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let v: Value = serde_json::from_str(&line).expect("JSON from the config server");
        assert_eq!(
            v["ok"],
            Value::Bool(true),
            "prosody refused {}: {v}",
            f.display()
        );
        out.push(v["config"].clone());
    }
    drop(stdin);
    let _ = child.wait();
    Some(out)
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        // An empty Lua table encodes as an object.
        Value::Object(m) => m
            .values()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn check_prosody(
    renders: &[Render],
    dir: &Path,
    findings: &mut Findings,
    used: &mut BTreeSet<String>,
) {
    let files = write_files(renders, dir, &[FileKind::Prosody]);
    let locals: Vec<PathBuf> = files.iter().map(|f| f.3.clone()).collect();
    let Some(configs) = prosody_configs(&locals) else {
        return;
    };
    let mut names = 0;
    for ((ri, _, _, _), config) in files.iter().zip(configs) {
        let r = &renders[*ri];
        let Value::Object(hosts) = config else {
            continue;
        };
        for (host, options) in hosts {
            let component = options.get("component_module").and_then(Value::as_str);
            let place = match component {
                Some(c) => format!("a Component of module {c}"),
                None if host == "*" => "the global section".to_owned(),
                None => "a VirtualHost".to_owned(),
            };
            let mut wanted: Vec<String> = strings(&options["modules_enabled"]);
            if let Some(c) = component {
                wanted.push(c.to_owned());
            }
            if let Some(a) = options.get("authentication").and_then(Value::as_str) {
                wanted.push(format!("auth_{a}"));
            }
            if let Some(s) = options.get("storage").and_then(Value::as_str) {
                wanted.push(format!("storage_{s}"));
            }
            for m in wanted {
                names += 1;
                match facts::module(&r.release, &r.prosody, &m) {
                    Some(row) if !row.verified => {
                        used.insert(format!("{}: module {} ({})", r.release, row.key, row.note));
                    }
                    Some(_) => {}
                    None => {
                        findings.insert((
                            r.release.clone(),
                            format!(
                                "prosody: module `{m}` (on {place}) does not exist on Prosody {}",
                                r.prosody
                            ),
                        ));
                    }
                }
                if component.is_none()
                    && host != "*"
                    && let Some(row) = facts::deprecated_on_virtual_host(&r.release, &m)
                {
                    findings.insert((
                        r.release.clone(),
                        format!(
                            "prosody: module `{m}` on a VirtualHost is deprecated ({}:{})",
                            row.citation.path,
                            row.citation.line.unwrap_or(0)
                        ),
                    ));
                }
            }
        }
    }
    println!(
        "prosody: {names} module names in {} host files read with prosody's config loader",
        files.len()
    );
}

fn check_debconf(renders: &[Render], findings: &mut Findings) {
    let mut n = 0;
    for r in renders {
        for host in &r.bundle.hosts {
            for f in host.files.iter().filter(|f| f.kind == FileKind::Debconf) {
                for line in f
                    .content
                    .lines()
                    .filter(|l| !l.starts_with('#') && !l.is_empty())
                {
                    let fields: Vec<&str> = line.split('\t').collect();
                    let [_owner, question, kind, ..] = fields[..] else {
                        panic!("{}: not a selection: {line:?}", r.label)
                    };
                    n += 1;
                    let rows = facts::debconf_question(&r.release, question);
                    if rows.is_empty() {
                        findings.insert((
                            r.release.clone(),
                            format!("debconf: `{question}` is a question no package of the release defines"),
                        ));
                    } else if !rows.iter().any(|row| row.kind == kind) {
                        findings.insert((
                            r.release.clone(),
                            format!(
                                "debconf: `{question}` is preseeded as {kind}, the package defines it as {}",
                                rows[0].kind
                            ),
                        ));
                    }
                }
            }
        }
    }
    println!("debconf: {n} preseeded answers");
}

fn config_js_keys(v: &Value, prefix: &str, out: &mut Vec<String>) {
    if let Value::Object(m) = v {
        for (k, x) in m {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            out.push(key.clone());
            config_js_keys(x, &key, out);
        }
    }
}

fn check_config_js(
    renders: &[Render],
    dir: &Path,
    findings: &mut Findings,
    used: &mut BTreeSet<String>,
) {
    let Some(node) = tool("node") else { return };
    let files: Vec<_> = write_files(renders, dir, &[FileKind::WebConfig])
        .into_iter()
        .filter(|f| f.2.ends_with("-config.js"))
        .collect();
    // One long-lived node evaluates them all, as nginx serves them (SSI defaults).
    let mut child = Command::new(node)
        .arg(Path::new(ROOT).join("tests/consumers/configjs_server.js"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run node");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut n = 0;
    for (ri, _, _, local) in &files {
        let r = &renders[*ri];
        let request = serde_json::json!({
            "file": std::path::absolute(local).unwrap(),
            "vars": {},
        });
        writeln!(stdin, "{request}").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let reply: Value = serde_json::from_str(&line).expect("JSON from node");
        assert_eq!(reply["ok"], Value::Bool(true), "{}: node: {reply}", r.label);
        let mut keys = Vec::new();
        config_js_keys(&reply["config"], "", &mut keys);
        for key in keys {
            n += 1;
            match facts::config_js_key(&r.release, &key) {
                Some(row) if !row.verified => {
                    used.insert(format!(
                        "{}: config.js {} ({})",
                        r.release, row.key, row.note
                    ));
                }
                Some(_) => {}
                None => {
                    findings.insert((
                        r.release.clone(),
                        format!("config.js: key `{key}` is not one jitsi-meet knows"),
                    ));
                }
            }
        }
    }
    drop(stdin);
    let _ = child.wait();
    println!(
        "config.js: {n} keys of {} files read with node",
        files.len()
    );
}

/// The file name of a rendered path (findings name no host or domain, so the same fault in
/// several examples is one finding).
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[test]
fn every_rendered_key_module_question_and_config_js_key_is_known_to_its_release() {
    let start = std::time::Instant::now();
    let (renders, refused) = renders();
    assert!(!renders.is_empty());
    let tmp = tempfile::Builder::new()
        .prefix("jt-upstream-facts-")
        .tempdir()
        .unwrap();
    let mut findings = Findings::new();
    let mut used = BTreeSet::new();
    check_hocon(&renders, tmp.path(), &mut findings, &mut used);
    check_prosody(&renders, tmp.path(), &mut findings, &mut used);
    check_debconf(&renders, &mut findings);
    check_config_js(&renders, tmp.path(), &mut findings, &mut used);
    println!(
        "{} renders (example × release × Prosody series); refused by validation:",
        renders.len()
    );
    for r in &refused {
        println!("  {r}");
    }
    for u in &used {
        println!("relies on an unverified fact: {u}");
    }
    let known: BTreeSet<(String, String)> = KNOWN_GAPS
        .iter()
        .map(|(r, f)| ((*r).to_owned(), (*f).to_owned()))
        .collect();
    let mut failures = Vec::new();
    for f in &findings {
        if known.contains(f) {
            println!("known gap (KNOWN_GAPS): {}: {}", f.0, f.1);
        } else {
            failures.push(format!("{}: {}", f.0, f.1));
        }
    }
    for k in known.difference(&findings) {
        failures.push(format!(
            "{}: {} — no longer found: remove it from KNOWN_GAPS",
            k.0, k.1
        ));
    }
    println!("took {:.1}s", start.elapsed().as_secs_f64());
    assert!(
        failures.is_empty(),
        "{} finding(s) against the upstream facts:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
