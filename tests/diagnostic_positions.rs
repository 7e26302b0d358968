//! Every diagnostic of the invalid-model corpus (`tests/invalid/`) is placed where its path
//! really is: the line and column hold the value at the path (or the key, for a key that is
//! not the model's; or the key of the mapping that lacks one, for a missing key), in the YAML
//! models and in the same models written as JSON.
//!
//! The check reads the text itself at the line and column and compares it with the value the
//! path names in the parsed model (serde_norway): it shares no code with the library's
//! placing.

mod common;

use std::collections::BTreeMap;

use serde_json::Value;

/// The invalid-model corpus, `tests/invalid/*.yaml`, in name order: each path and file name.
fn corpus() -> Vec<(std::path::PathBuf, String)> {
    let mut files: Vec<_> = std::fs::read_dir(common::repo("tests/invalid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (p, name)
        })
        .collect();
    files.sort();
    files
}

/// The segments of a JSON Pointer, unescaped.
fn segments(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// The value at `segments`, and how many of them the model has.
fn walk<'a>(model: &'a Value, segments: &[String]) -> (&'a Value, usize) {
    let mut v = model;
    for (i, seg) in segments.iter().enumerate() {
        let next = match v {
            Value::Object(m) => m.get(seg),
            Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        };
        match next {
            Some(n) => v = n,
            None => return (v, i),
        }
    }
    (v, segments.len())
}

/// The text from `line`:`column` (1-based, characters) to the end of that line.
fn at(text: &str, line: usize, column: usize) -> String {
    text.lines()
        .nth(line - 1)
        .unwrap_or_else(|| panic!("line {line} is past the end"))
        .chars()
        .skip(column - 1)
        .collect()
}

fn unquoted(s: &str) -> &str {
    s.trim_start_matches(['"', '\''])
}

/// The double-quoted scalar `here` starts with, read with its escapes (`"a\u00ad"`): the
/// value it writes.
fn double_quoted(here: &str) -> Option<String> {
    let mut escaped = false;
    for (i, c) in here.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return serde_norway::from_str(&here[..=i]).ok(),
            _ => {}
        }
    }
    None
}

/// What is wrong with the place of `d` in `text` (whose parsed form is `model`), if anything.
fn misplaced(text: &str, model: &Value, d: &jitsi_topology::Diagnostic) -> Option<String> {
    let segs = segments(&d.path);
    let (value, found) = walk(model, &segs);
    let (Some(line), Some(column)) = (d.line, d.column) else {
        return (!d.path.is_empty() && found > 0)
            .then(|| format!("{} {}: no position", d.code, d.path));
    };
    let here = at(text, line, column);
    let whole = found == segs.len();
    let key_expected = !whole
        || matches!(d.code.as_str(), "unknown-key" | "deprecated-key")
        || value.is_object()
        || value.is_array();
    let ok = if key_expected && found > 0 {
        let key = &segs[found - 1];
        if key.parse::<usize>().is_ok() {
            // A list item: its first character (`{`, `[`) or its first key.
            !here.starts_with(char::is_whitespace)
        } else {
            unquoted(&here).starts_with(key.as_str())
        }
    } else {
        match value {
            Value::String(s) => {
                unquoted(&here).starts_with(s.as_str())
                    || (here.starts_with('"') && double_quoted(&here).as_ref() == Some(s))
            }
            Value::Null => true,
            other => here.starts_with(&other.to_string()),
        }
    };
    (!ok).then(|| {
        format!(
            "{} {} at {line}:{column}: the text there is {here:?}",
            d.code, d.path
        )
    })
}

/// The diagnostics of every invalid model that the model's text places wrongly, as YAML and
/// as JSON.
#[test]
fn every_diagnostic_of_the_invalid_models_is_at_its_line_and_column_in_yaml_and_in_json() {
    let env = BTreeMap::<String, String>::new();
    let mut wrong = Vec::new();
    let mut placed = 0;
    for (path, name) in corpus() {
        let yaml = std::fs::read_to_string(&path).unwrap();
        // A model the YAML reader refuses (a syntax error, a tag) has no JSON twin.
        let model: Option<Value> = serde_norway::from_str(&yaml).ok();
        let mut texts = vec![(format!("{name} (YAML)"), yaml.clone())];
        if let Some(m) = &model {
            texts.push((
                format!("{name} (JSON)"),
                serde_json::to_string_pretty(m).unwrap(),
            ));
        }
        let mut codes_per_form = Vec::new();
        for (what, text) in texts {
            let report = jitsi_topology::check(&text, &env)
                .err()
                .unwrap_or_else(|| panic!("{what} is invalid"));
            codes_per_form.push(
                report
                    .diagnostics
                    .iter()
                    .map(|d| (d.code.clone(), d.path.clone()))
                    .collect::<Vec<_>>(),
            );
            for d in &report.diagnostics {
                if d.code == "syntax" {
                    assert!(d.line.is_some(), "{what}: a syntax error has its position");
                    placed += 1;
                    continue;
                }
                let Some(m) = &model else { continue };
                if let Some(problem) = misplaced(&text, m, d) {
                    wrong.push(format!("{what}: {problem}"));
                }
                placed += usize::from(d.line.is_some());
                for r in &d.related {
                    let mut twin = d.clone();
                    (twin.path, twin.line, twin.column) = (r.path.clone(), r.line, r.column);
                    if let Some(problem) = misplaced(&text, m, &twin) {
                        wrong.push(format!("{what}: related {problem}"));
                    }
                }
            }
        }
        if codes_per_form.len() == 2 {
            assert_eq!(
                codes_per_form[0], codes_per_form[1],
                "{name}: YAML and JSON differ"
            );
        }
    }
    assert!(placed > 50, "only {placed} diagnostics placed");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The codes of problems that are about two places of the model (a value and the one it
/// repeats or contradicts): each such diagnostic names the other place in `related`.
const TWO_PLACES: [&str; 18] = [
    "address-outside-bridge-networks",
    "bridge-address-is-signaling",
    "bridge-on-signaling-host",
    "duplicate-address",
    "duplicate-host",
    "duplicate-nickname",
    "duplicate-public-address",
    "duplicate-relay-id",
    "duplicate-shard",
    "front-door-without-shards",
    "host-roles-conflict",
    "letsencrypt-with-shards",
    "public-address-family",
    "public-address-shared",
    "region-case",
    "secret-reused",
    "trust-distribute-shards",
    "turn-address-mismatch",
];

/// The places a message names: `bridges/1`, `shards/0`, `/signaling/host`, as written (and
/// file paths such as `/etc/ssl/meet.crt`, which [`in_model`] tells apart).
fn places_named(message: &str) -> Vec<String> {
    message
        .split(|c: char| c.is_whitespace() || "(),;`".contains(c))
        .map(|w| w.trim_end_matches([':', '.']))
        .filter(|w| {
            (w.starts_with('/')
                && w.len() > 1
                && w[1..].starts_with(|c: char| c.is_ascii_lowercase()))
                || ["bridges/", "shards/"].iter().any(|p| {
                    w.strip_prefix(p)
                        .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit()))
                })
        })
        .map(|w| {
            if w.starts_with('/') {
                w.to_owned()
            } else {
                format!("/{w}")
            }
        })
        .collect()
}

/// Whether `pointer` starts with a key of `model`'s top level (a place in the model, not a
/// file path).
fn in_model(model: &Value, pointer: &str) -> bool {
    segments(pointer)
        .first()
        .is_some_and(|key| model.get(key.as_str()).is_some())
}

/// Every diagnostic of the corpus about two places carries the second in `related`, at its
/// line and column, and every place a message names (`already used by bridges/0`) is among
/// them: an editor or a person can jump to both.
#[test]
fn every_diagnostic_about_two_places_names_both_with_their_positions() {
    let env = BTreeMap::<String, String>::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut wrong = Vec::new();
    for (path, name) in corpus() {
        let text = std::fs::read_to_string(&path).unwrap();
        let report = jitsi_topology::check(&text, &env).unwrap_err();
        let model: Value = serde_norway::from_str(&text).unwrap_or(Value::Null);
        for d in &report.diagnostics {
            let what = format!("{name}: {} {}", d.code, d.path);
            if TWO_PLACES.contains(&d.code.as_str()) {
                seen.insert(d.code.clone());
                if d.related.is_empty() {
                    wrong.push(format!("{what}: no related place"));
                }
            }
            for r in &d.related {
                // A place the text does not hold (a default) has no position; the corpus
                // writes every place it names.
                if r.line.is_none() {
                    wrong.push(format!("{what}: related {} has no position", r.path));
                }
            }
            for named in places_named(&d.message) {
                if named != d.path
                    && in_model(&model, &named)
                    && !d
                        .related
                        .iter()
                        .any(|r| r.path == named || r.path.starts_with(&format!("{named}/")))
                {
                    wrong.push(format!(
                        "{what}: the message names {named}, which is not related"
                    ));
                }
            }
        }
    }
    let missing: Vec<_> = TWO_PLACES.iter().filter(|c| !seen.contains(**c)).collect();
    assert!(missing.is_empty(), "the corpus never draws {missing:?}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Two bridges with one address: each diagnostic points at its own line, never at the
/// first place the value is written (which a search of the text would find).
#[test]
fn a_repeated_value_is_placed_at_its_own_occurrence() {
    let text = common::example("handbook").replace("10.0.0.12", "10.0.0.11");
    let report = jitsi_topology::check(&text, &common::example_env()).unwrap_err();
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code == "duplicate-address")
        .expect("duplicate");
    let line = text.lines().nth(d.line.unwrap() - 1).unwrap();
    assert!(line.contains("jvb2"), "{line}");
    let first = &d.related[0];
    let line = text.lines().nth(first.line.unwrap() - 1).unwrap();
    assert!(line.contains("jvb1"), "{line}");
}
