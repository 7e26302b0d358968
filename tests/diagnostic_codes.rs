//! One registry of diagnostic codes (`src/codes.rs`): every code the crate emits is in it,
//! every code in it is emitted, and the README's validation table is generated from it.
//! `UPDATE_README=1 cargo test --test diagnostic_codes` rewrites the table.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use jitsi_topology::codes::{RULES, readme_table};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The codes the crate's code (not its unit tests) passes to `Diagnostic::error` and
/// `Diagnostic::warning` and `Diagnostic::info`, the first argument, a string literal on the same or the next line.
fn emitted() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut codes = BTreeSet::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        for call in ["error(", "warning(", "info("] {
            for (at, _) in code.match_indices(call) {
                let args = code[at + call.len()..].trim_start();
                if let Some(rest) = args.strip_prefix('"') {
                    let literal = &rest[..rest.find('"').unwrap()];
                    if !literal.is_empty()
                        && literal
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    {
                        codes.insert(literal.to_owned());
                    }
                }
            }
        }
    }
    codes
}

#[test]
fn every_emitted_code_is_registered_and_every_registered_code_is_emitted() {
    let registered: Vec<&str> = RULES.iter().flat_map(|r| r.codes.iter().copied()).collect();
    let unique: BTreeSet<&str> = registered.iter().copied().collect();
    assert_eq!(unique.len(), registered.len(), "a code is registered twice");
    let emitted = emitted();
    assert!(
        emitted.len() > 50,
        "found only {} codes in src/",
        emitted.len()
    );
    let missing: Vec<&String> = emitted
        .iter()
        .filter(|c| !unique.contains(c.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "codes emitted but not in src/codes.rs (add a Rule; the README's table follows): {missing:?}"
    );
    let stale: Vec<&&str> = unique.iter().filter(|c| !emitted.contains(**c)).collect();
    assert!(
        stale.is_empty(),
        "codes in src/codes.rs that nothing emits: {stale:?}"
    );
}

#[test]
fn the_readme_validation_table_is_generated_from_the_registry() {
    let path = root().join("README.md");
    let readme = fs::read_to_string(&path).unwrap();
    let header = "| code | rule | operators' pain it prevents |\n";
    let start = readme
        .find(header)
        .expect("the README has the validation table");
    let end = start
        + readme[start..]
            .find("\n\n")
            .expect("a blank line ends the table")
        + 1;
    let generated = readme_table();
    if readme[start..end] != generated && std::env::var_os("UPDATE_README").is_some() {
        fs::write(
            &path,
            format!("{}{generated}{}", &readme[..start], &readme[end..]),
        )
        .unwrap();
        return;
    }
    assert!(
        readme[start..end] == generated,
        "README.md's validation table differs from src/codes.rs: run \
         `UPDATE_README=1 cargo test --test diagnostic_codes`"
    );
}
