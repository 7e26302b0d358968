//! Upstream facts, per release: what a rendered file may contain, as upstream decides it.
//!
//! The tables live in `facts/<folder>/<name>.tsv` (embedded at build time by `build.rs`), one
//! folder per supported release (`11146`, …, `9646`) and one per Prosody series
//! (`prosody-0.12`, `prosody-13`: prosody's core modules), and one per component released on
//! its own, at one pinned commit (`jigasi`). They are written by us: key names,
//! module names and question names, each citing the upstream repository, path, commit and line
//! it comes from; no upstream text. `scripts/facts/extract` writes the rows above a table's
//! `# -- by hand --` line from the upstream repositories; rows below it are written by hand.
//!
//! Every table has the columns `key`, `kind`, `status`, `repo`, `path`, `commit`, `line` and
//! `note`, in any order, and may have more (debconf.tsv has `package`). `status` is `verified`
//! (read at the cited commit) or `unverified` (the note says why; the README lists them).
//!
//! | table | key | kind |
//! |---|---|---|
//! | `jicofo-hocon.tsv`, `jvb-hocon.tsv` | a HOCON path (`*` for a name the user picks, `x[]` for the items of a list of objects, `x{}` for a map) | `reference.conf`, `reference.conf comment` (only a commented-out line names it), `code` (only code reads it) |
//! | `prosody-modules.tsv` | a module name (as `modules_enabled` or `Component` name it) | `module` (it exists), `deprecated-on-VirtualHost` |
//! | `debconf.tsv` | a debconf question (`package`: the package defining it) | its type |
//! | `config-js.tsv` | a config.js key, dotted | `leaf`, `object` |
//! | `jvb-package.tsv` | what jitsi-videobridge2's postinst does (`default-jvb.conf-colibri-websockets`, `sip-communicator.properties`) | `true`, `false` |
//! | `packages.tsv` | a package | (its version facts) |
//! | `jigasi/sip-communicator.tsv` | a key of jigasi's sip-communicator.properties (`*` for an account's name) | `code` (the cited line reads it), `sample` (jigasi's own sample sets it) |

use std::collections::BTreeMap;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/facts_files.rs"));

/// The columns every table has.
pub const REQUIRED_COLUMNS: [&str; 8] = [
    "key", "kind", "status", "repo", "path", "commit", "line", "note",
];

/// The tables every supported release has (`packages.tsv`: the version of each Jitsi package,
/// which the apt pins hold).
pub const RELEASE_TABLES: [&str; 7] = [
    "jicofo-hocon.tsv",
    "jvb-hocon.tsv",
    "jvb-package.tsv",
    "prosody-modules.tsv",
    "debconf.tsv",
    "config-js.tsv",
    "packages.tsv",
];

/// Where a fact comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Citation {
    /// `owner/name` of a GitHub repository, or `debian:<package>`.
    pub repo: &'static str,
    /// The file in it.
    pub path: &'static str,
    /// The commit (40 hex digits), or the Debian package version.
    pub commit: &'static str,
    /// The line, when one line says it.
    pub line: Option<u32>,
}

/// One fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// What the fact is about (a HOCON path, a module, a question, a key).
    pub key: &'static str,
    /// What kind of fact it is (per table).
    pub kind: &'static str,
    /// Read at the cited commit (`true`), or not (`false`: the note says why).
    pub verified: bool,
    /// Where it comes from.
    pub citation: Citation,
    /// Why it is unverified, or anything else worth saying.
    pub note: &'static str,
    /// Every column by name (the required ones and the table's own).
    pub columns: BTreeMap<&'static str, &'static str>,
}

impl Row {
    /// The value of a column of this row's table.
    pub fn get(&self, column: &str) -> Option<&'static str> {
        self.columns.get(column).copied()
    }
}

/// One parsed table.
#[derive(Debug, Clone)]
pub struct Table {
    /// `folder/name.tsv`.
    pub file: &'static str,
    /// Its rows, in file order.
    pub rows: Vec<Row>,
}

impl Table {
    /// The rows about `key`.
    pub fn rows_for(&self, key: &str) -> Vec<&Row> {
        self.rows.iter().filter(|r| r.key == key).collect()
    }
}

/// Parses one table's text; `file` names it in errors (`file:line: what`).
pub fn parse(file: &'static str, text: &'static str) -> Result<Table, String> {
    let mut header: Option<Vec<&'static str>> = None;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let at = || format!("{file}:{}", i + 1);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&'static str> = line.split('\t').collect();
        let Some(columns) = &header else {
            for required in REQUIRED_COLUMNS {
                if !fields.contains(&required) {
                    return Err(format!("{}: the header has no column `{required}`", at()));
                }
            }
            header = Some(fields);
            continue;
        };
        if fields.len() != columns.len() {
            return Err(format!(
                "{}: {} fields, the header has {} columns",
                at(),
                fields.len(),
                columns.len()
            ));
        }
        let map: BTreeMap<&'static str, &'static str> = columns
            .iter()
            .copied()
            .zip(fields.iter().copied())
            .collect();
        let col = |name: &str| map[name];
        let verified = match col("status") {
            "verified" => true,
            "unverified" => false,
            other => {
                return Err(format!(
                    "{}: status `{other}` is neither `verified` nor `unverified`",
                    at()
                ));
            }
        };
        for name in ["key", "kind", "repo", "path", "commit"] {
            if col(name).is_empty() {
                return Err(format!("{}: the column `{name}` is empty", at()));
            }
        }
        let line_no = match col("line") {
            "" => None,
            n => Some(
                n.parse::<u32>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{}: line `{n}` is not a line number", at()))?,
            ),
        };
        if !verified && col("note").is_empty() {
            return Err(format!(
                "{}: an unverified fact needs a note saying why",
                at()
            ));
        }
        rows.push(Row {
            key: col("key"),
            kind: col("kind"),
            verified,
            citation: Citation {
                repo: col("repo"),
                path: col("path"),
                commit: col("commit"),
                line: line_no,
            },
            note: col("note"),
            columns: map,
        });
    }
    if header.is_none() {
        return Err(format!("{file}: no header line"));
    }
    Ok(rows_table(file, rows))
}

fn rows_table(file: &'static str, rows: Vec<Row>) -> Table {
    Table { file, rows }
}

/// The embedded table `FILES[i]`, parsed at its first use: a render reads the tables of its
/// release and Prosody series only, not the 850 kB of every release (parsing them all was
/// three quarters of a CLI run on the handbook). A table that does not parse is `None` here
/// (the unit tests and [`errors`] report it).
fn parsed(i: usize) -> Option<&'static Table> {
    static TABLES: OnceLock<Vec<OnceLock<Option<Table>>>> = OnceLock::new();
    let slots = TABLES.get_or_init(|| FILES.iter().map(|_| OnceLock::new()).collect());
    let (file, text) = FILES[i];
    slots[i].get_or_init(|| parse(file, text).ok()).as_ref()
}

/// Every embedded table that parses, in `FILES`' order.
fn tables() -> impl Iterator<Item = &'static Table> {
    (0..FILES.len()).filter_map(parsed)
}

/// Every embedded table that does not parse, with why (empty when all parse).
pub fn errors() -> Vec<String> {
    FILES
        .iter()
        .filter_map(|(file, text)| parse(file, text).err())
        .collect()
}

/// The names (`folder/name.tsv`) of every embedded table.
pub fn files() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(f, _)| *f)
}

/// A table by folder and name, e.g. `table("11146", "prosody-modules.tsv")`.
pub fn table(folder: &str, name: &str) -> Option<&'static Table> {
    let i = FILES
        .iter()
        .position(|(f, _)| f.split_once('/') == Some((folder, name)))?;
    parsed(i)
}

/// The facts folder of a release name (`stable-11146` → `11146`).
pub fn folder(release: &str) -> &str {
    release.strip_prefix("stable-").unwrap_or(release)
}

/// The facts folder of a Prosody series (`0.12` → `prosody-0.12`).
pub fn prosody_folder(series: &str) -> String {
    format!("prosody-{series}")
}

/// Whether a release has every table of [`RELEASE_TABLES`]. It looks at the embedded names
/// only, parsing nothing: every embedded table parses (the unit tests hold it, and the tables
/// are fixed at build time), and a render parses only the few tables it reads.
pub fn has_facts(release: &str) -> bool {
    let folder = folder(release);
    RELEASE_TABLES.iter().all(|name| {
        FILES
            .iter()
            .any(|(f, _)| f.split_once('/') == Some((folder, name)))
    })
}

/// A release's table, e.g. `release_table("stable-9646", "jvb-hocon.tsv")`.
pub fn release_table(release: &str, name: &str) -> Option<&'static Table> {
    table(folder(release), name)
}

/// The facts folder of jibri (not a release's: jibri is released on its own).
pub const JIBRI_FOLDER: &str = "jibri";

/// Which program reads a HOCON file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoconReader {
    /// jicofo (jicofo.conf).
    Jicofo,
    /// jitsi-videobridge (jvb.conf, with ice4j's and jicoco's keys).
    Jvb,
    /// jibri (jibri.conf). jibri is released on its own: its table (`facts/jibri/`) is read at
    /// one pinned commit and holds for every release.
    Jibri,
}

/// Splits a HOCON path into its segments (`a."b.c".d` → `a`, `b.c`, `d`).
pub fn hocon_segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '.' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// The row that makes a HOCON leaf (given as segments, a list of objects' items as `name[]`)
/// known to `reader` in `release`: a row whose path has the same segments, `*` matching any one.
pub fn hocon_known(release: &str, reader: HoconReader, leaf: &[String]) -> Option<&'static Row> {
    let table = match reader {
        HoconReader::Jicofo => release_table(release, "jicofo-hocon.tsv"),
        HoconReader::Jvb => release_table(release, "jvb-hocon.tsv"),
        HoconReader::Jibri => table(JIBRI_FOLDER, "jibri-hocon.tsv"),
    };
    table?.rows.iter().find(|r| {
        let segs = hocon_segments(r.key);
        segs.len() == leaf.len() && segs.iter().zip(leaf).all(|(s, l)| s == "*" || s == l)
    })
}

/// The row saying module `name` exists for `release` on Prosody `series` (jitsi-meet's
/// prosody plugins of the release, or prosody's core modules).
pub fn module(release: &str, series: &str, name: &str) -> Option<&'static Row> {
    let plugin = release_table(release, "prosody-modules.tsv")
        .and_then(|t| t.rows_for(name).into_iter().find(|r| r.kind == "module"));
    plugin.or_else(|| {
        table(&prosody_folder(series), "prosody-modules.tsv")
            .and_then(|t| t.rows_for(name).into_iter().find(|r| r.kind == "module"))
    })
}

/// The row saying module `name` no longer belongs on a VirtualHost in `release`.
pub fn deprecated_on_virtual_host(release: &str, name: &str) -> Option<&'static Row> {
    release_table(release, "prosody-modules.tsv")?
        .rows_for(name)
        .into_iter()
        .find(|r| r.kind == "deprecated-on-VirtualHost")
}

/// The rows defining debconf question `question` in `release` (one per package defining it).
pub fn debconf_question(release: &str, question: &str) -> Vec<&'static Row> {
    release_table(release, "debconf.tsv")
        .map(|t| t.rows_for(question))
        .unwrap_or_default()
}

/// The row making config.js key `key` (dotted) known in `release`.
pub fn config_js_key(release: &str, key: &str) -> Option<&'static Row> {
    release_table(release, "config-js.tsv")?
        .rows_for(key)
        .into_iter()
        .next()
}

/// What jitsi-videobridge2's postinst of `release` does (`jvb-package.tsv`): `Some(true)` or
/// `Some(false)` for a key it has a verified row for.
pub fn jvb_package(release: &str, key: &str) -> Option<bool> {
    let t = release_table(release, "jvb-package.tsv")?;
    let row = t.rows_for(key).into_iter().find(|r| r.verified)?;
    match row.kind {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Every unverified fact, as `folder/name.tsv: key (kind): note`.
pub fn unverified() -> Vec<String> {
    tables()
        .flat_map(|t| {
            t.rows
                .iter()
                .filter(|r| !r.verified)
                .map(move |r| format!("{}: {} ({}): {}", t.file, r.key, r.kind, r.note))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_parses_and_every_row_cites_its_source() {
        assert!(FILES.len() >= 5, "no facts tables embedded: {FILES:?}");
        assert_eq!(errors(), Vec::<String>::new());
        for (file, _) in FILES {
            let t = tables().find(|t| t.file == *file).expect("parsed");
            assert!(!t.rows.is_empty(), "{file} has no rows");
            for r in &t.rows {
                let c = r.citation;
                let commit_ok = if c.repo.starts_with("debian:") {
                    !c.commit.is_empty()
                } else {
                    c.repo.contains('/')
                        && c.commit.len() == 40
                        && c.commit.chars().all(|x| x.is_ascii_hexdigit())
                };
                assert!(commit_ok, "{file}: {} cites no commit: {c:?}", r.key);
                assert!(!c.path.is_empty(), "{file}: {} cites no path", r.key);
            }
        }
    }

    #[test]
    fn a_table_without_its_citations_or_with_a_silent_unverified_row_does_not_parse() {
        let header = "key\tkind\tstatus\trepo\tpath\tcommit\tline\tnote\n";
        let ok = "a\tmodule\tverified\to/r\tp\tc\t3\t\n";
        assert!(parse("t", "# a comment\n").is_err(), "no header");
        assert!(parse("t", "key\tkind\n").is_err(), "columns missing");
        let text: &'static str = format!("{header}{ok}").leak();
        assert_eq!(parse("t", text).map(|t| t.rows.len()), Ok(1));
        for (row, why) in [
            (
                "a\tmodule\tverified\t\tp\tc\t\t\n",
                "the column `repo` is empty",
            ),
            (
                "a\tmodule\tverified\to/r\tp\t\t\t\n",
                "the column `commit` is empty",
            ),
            (
                "a\tmodule\tmaybe\to/r\tp\tc\t\t\n",
                "neither `verified` nor `unverified`",
            ),
            ("a\tmodule\tunverified\to/r\tp\tc\t\t\n", "needs a note"),
            ("a\tmodule\tverified\to/r\tp\tc\tx\t\n", "not a line number"),
            ("a\tmodule\tverified\to/r\tp\tc\n", "fields, the header has"),
        ] {
            let text: &'static str = format!("{header}{row}").leak();
            let err = parse("t", text).expect_err(why);
            assert!(err.contains(why) && err.starts_with("t:2:"), "{err}");
        }
    }

    #[test]
    fn hocon_paths_match_segment_by_segment() {
        assert_eq!(
            hocon_segments(r#"a."b.c".d[]"#),
            vec!["a".to_owned(), "b.c".to_owned(), "d[]".to_owned()]
        );
        let leaf = |p: &str| hocon_segments(p);
        let jvb = HoconReader::Jvb;
        assert!(
            hocon_known(
                "stable-11146",
                jvb,
                &leaf("videobridge.apis.xmpp-client.configs.shard.MUC_JIDS")
            )
            .is_some()
        );
        assert!(
            hocon_known(
                "stable-11146",
                jvb,
                &leaf("videobridge.apis.xmpp-client.configs.shard.NOPE")
            )
            .is_none()
        );
        assert!(
            hocon_known(
                "stable-9646",
                jvb,
                &leaf("ice4j.harvest.mapping.static-mappings[].local-address")
            )
            .is_some()
        );
        assert!(
            hocon_known(
                "stable-9646",
                HoconReader::Jicofo,
                &leaf("jicofo.rest.host")
            )
            .is_some()
        );
    }

    #[test]
    fn modules_come_from_the_release_and_the_prosody_series() {
        assert!(module("stable-11146", "0.12", "features_identity").is_some());
        assert!(module("stable-9646", "0.12", "features_identity").is_none());
        assert!(module("stable-9646", "0.12", "speakerstats").is_some());
        assert!(module("stable-11146", "0.12", "speakerstats").is_none());
        assert!(module("stable-11146", "13", "muc").is_some());
        assert!(deprecated_on_virtual_host("stable-11146", "end_conference").is_some());
        assert!(deprecated_on_virtual_host("stable-9646", "end_conference").is_none());
    }
}
