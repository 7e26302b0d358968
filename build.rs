//! Embeds every upstream facts table (`facts/<folder>/<name>.tsv`) into the library: writes
//! `$OUT_DIR/facts_files.rs`, a list of `(folder/name, text)` that `src/facts.rs` parses. A
//! table added to facts/ (a new release, or `packages.tsv`) is picked up without editing code.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let facts = root.join("facts");
    println!("cargo:rerun-if-changed=facts");
    let mut found = Vec::new();
    if let Ok(folders) = std::fs::read_dir(&facts) {
        for folder in folders.flatten() {
            let Ok(entries) = std::fs::read_dir(folder.path()) else {
                continue;
            };
            println!("cargo:rerun-if-changed={}", folder.path().display());
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "tsv") {
                    let rel = path.strip_prefix(&facts).expect("under facts/");
                    println!("cargo:rerun-if-changed={}", path.display());
                    found.push((rel.to_string_lossy().into_owned(), path));
                }
            }
        }
    }
    found.sort();
    let mut out = String::from("/// Every facts table: (`folder/name.tsv`, its text).\n");
    out.push_str("pub(crate) const FILES: &[(&str, &str)] = &[\n");
    for (rel, path) in &found {
        writeln!(
            out,
            "    ({rel:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .expect("write to a String");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("facts_files.rs");
    std::fs::write(dest, out).expect("write facts_files.rs");
}
