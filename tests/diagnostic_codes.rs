//! One registry of diagnostic codes (`src/codes.rs`): diagnostics are made from its typed
//! constants only (a misspelt code does not compile), every code is in one rule and emitted,
//! and the README's validation table is generated from it.
//! `UPDATE_README=1 cargo test --test diagnostic_codes` rewrites the table.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use jitsi_topology::codes::{ALL, RULES, readme_table};

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

/// The constant of `code` (`duplicate-address` → `DUPLICATE_ADDRESS`).
fn constant(code: &str) -> String {
    code.to_uppercase().replace('-', "_")
}

/// The code constants (`Code::NAME`) the crate's code and the CLI's (not their unit tests)
/// make diagnostics from, outside src/codes.rs, which declares them.
fn emitted() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    rust_files(&root().join("cli/src"), &mut files);
    let mut names = BTreeSet::new();
    for file in files.iter().filter(|f| !f.ends_with("src/codes.rs")) {
        let text = fs::read_to_string(file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        for (at, _) in code.match_indices("Code::") {
            let name: String = code[at + "Code::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

#[test]
fn every_code_is_in_one_rule_and_emitted() {
    let registered: Vec<&str> = RULES
        .iter()
        .flat_map(|r| r.codes.iter().map(|c| c.as_str()))
        .collect();
    let unique: BTreeSet<&str> = registered.iter().copied().collect();
    assert_eq!(unique.len(), registered.len(), "a code is in two rules");
    let declared: BTreeSet<&str> = ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(declared.len(), ALL.len(), "a code is declared twice");
    let without_rule: Vec<&&str> = declared.difference(&unique).collect();
    assert!(
        without_rule.is_empty(),
        "codes declared in src/codes.rs but in no Rule (add one; the README's table follows): \
         {without_rule:?}"
    );
    // Each constant is named after its code, so that the source names which code it emits.
    let source = fs::read_to_string(root().join("src/codes.rs")).unwrap();
    for code in &declared {
        assert!(
            source.contains(&format!("{} = \"{code}\",", constant(code))),
            "src/codes.rs: `{code}`'s constant is not {}",
            constant(code)
        );
    }
    let emitted = emitted();
    assert!(
        emitted.len() > 50,
        "found only {} codes in src/",
        emitted.len()
    );
    let stale: Vec<&&str> = declared
        .iter()
        .filter(|c| !emitted.contains(&constant(c)))
        .collect();
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
