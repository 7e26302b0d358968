//! The library's modules import one another in one direction only: no circle, and no module
//! imports one above it. A reader (or a new host role) then finds each decision in one place,
//! and a change to a stage cannot reach back into the stages before it.
//!
//! The graph is read from the source: every `crate::` path outside comments and outside the
//! `#[cfg(test)]` module at the end of a file (a unit test may drive the whole pipeline).
//! `render/*.rs` is one module: its files share helpers through `super::`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The allowed layering, lowest first. A module may import only modules of lower layers; two
/// modules of one layer do not import each other.
const LAYERS: &[&[&str]] = &[
    // Upstream's facts per release (facts/**/*.tsv) and the diagnostic codes: data,
    // importing nothing of the crate.
    &["facts", "codes"],
    // Leaves, shared by several stages; they import only the data above: diagnostics and
    // their JSON Pointers, the escaping filters, the release tables, addresses and networks
    // (the IANA special-purpose registry), what the packages' installers do to files, the
    // values a consumer refuses (SASLprep, the JVM's heap sizes).
    &[
        "accepted",
        "diagnostic",
        "escape",
        "installer",
        "net",
        "release",
    ],
    // The data that goes in (the model) and comes out (the bundle and its manifest).
    &["model", "bundle"],
    // Derived from the model and shared by the stages: the identities (nickname, relay id),
    // the secret sources and the secrets as read, the shards and who serves them, the JSON
    // Schemas.
    &["identity", "secret", "shards", "schema"],
    // The pipeline, in its order: load → validate → resolve → render; then plan, which
    // compares two manifests.
    &["load"],
    // Where each diagnostic is in the text (a second parse, with marks), and the text report
    // that shows it with its source line.
    &["locate"],
    &["pretty"],
    &["validate"],
    &["resolve"],
    &["render"],
    &["plan"],
    // The crate root (lib.rs): the public API over all of them.
    &["lib"],
];

/// `crate::` paths of one file's code: the first segment of each, the module it names (or
/// `lib` for an item of the crate root).
fn imports(code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `$crate::` or a longer identifier
        }
        let firsts: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a::X, b, c::{Y, Z}}`: the first segment of each top-level entry.
            let mut depth = 0;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => return true,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    false
                })
                .map_or(group.len(), |(i, _)| i);
            let mut entries = Vec::new();
            let (mut depth, mut start) = (0, 0);
            for (i, c) in group[..end].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        entries.push(&group[start..i]);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            entries.push(&group[start..end]);
            entries
        } else {
            vec![rest]
        };
        for entry in firsts {
            let entry = entry.trim_start();
            let name: String = entry
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if name.is_empty() {
                continue;
            }
            let after = &entry[name.len()..];
            // `crate::render::x` is the module; `crate::render(…)` the root's function.
            let module = modules.contains(&name) && !after.trim_start().starts_with('(');
            out.insert(if module { name } else { "lib".to_owned() });
        }
    }
    out
}

/// A file's code without comments and without its `#[cfg(test)]` module.
fn code_of(text: &str) -> String {
    let text = text.split("\n#[cfg(test)]").next().unwrap_or(text);
    text.lines()
        .map(|l| match l.trim_start() {
            t if t.starts_with("//") => "",
            _ => l.split(" // ").next().unwrap_or(l),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Module → the modules it imports, read from `src/`.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files: Vec<(String, String)> = Vec::new();
    let mut collect = |module: String, path: &Path| {
        files.push((module, fs::read_to_string(path).unwrap()));
    };
    for entry in fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
        if path.is_dir() {
            for inner in fs::read_dir(&path).unwrap() {
                let inner = inner.unwrap().path();
                if inner.extension().is_some_and(|e| e == "rs") {
                    collect(stem.clone(), &inner);
                }
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            collect(stem, &path);
        }
    }
    let modules: BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, text) in &files {
        let mut used = imports(&code_of(text), &modules);
        used.remove(module);
        graph.entry(module.clone()).or_default().extend(used);
    }
    graph
}

fn layer(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| l.contains(&module))
        .unwrap_or_else(|| panic!("src/{module}: add it to LAYERS in tests/module_layers.rs"))
}

#[test]
fn every_module_imports_only_modules_below_it() {
    let graph = graph();
    let mut wrong = Vec::new();
    for (module, used) in &graph {
        for to in used {
            if layer(to) >= layer(module) {
                wrong.push(format!("{module} imports {to}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that go up or sideways (see LAYERS):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_module_reaches_itself_through_its_imports() {
    let graph = graph();
    let mut circles = BTreeSet::new();
    for start in graph.keys() {
        // Depth-first from `start`, looking for a path back to it.
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((at, path)) = stack.pop() {
            for next in graph.get(&at).into_iter().flatten() {
                if next == start {
                    let mut circle = path.clone();
                    circle.push(start.clone());
                    // One spelling per circle: rotated to start at its least module.
                    let body = &circle[..circle.len() - 1];
                    let least = body.iter().enumerate().min_by_key(|(_, m)| *m).unwrap().0;
                    let mut rotated: Vec<String> = body[least..]
                        .iter()
                        .chain(&body[..least])
                        .cloned()
                        .collect();
                    rotated.push(rotated[0].clone());
                    circles.insert(rotated.join(" → "));
                } else if seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_reader_sees_use_groups_and_root_items() {
    let modules: BTreeSet<String> = ["model", "render", "validate"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let got = imports(
        "use crate::{model::{A, B}, validate::x};\nlet b = crate::render(&t);\nuse crate::SecretEnv;\nlet f = crate::render::file;",
        &modules,
    );
    let want: BTreeSet<String> = ["lib", "model", "render", "validate"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(got, want);
    assert!(
        code_of(
            "use crate::model; // crate::render\n#[cfg(test)]\nmod tests { use crate::render; }"
        )
        .find("render")
        .is_none()
    );
}
