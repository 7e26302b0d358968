//! Loading: YAML or JSON text into a typed [`Topology`], strictly.
//!
//! Loading happens in three passes so that one run reports as much as it can:
//! 1. the text is parsed (syntax errors carry line and column and stop here);
//! 2. every key is checked against the model's JSON Schema: unknown keys become errors with
//!    a "did you mean" hint and are set aside, so the rest can still be checked;
//! 3. the remainder is deserialized into the Rust types (a wrong type stops here, with the
//!    JSON Pointer of the field).

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, Report, pointer, printable};
use crate::model::Topology;

/// The largest model accepted, in bytes. A real topology of ten thousand bridges is under
/// 2 MB; anything much larger is a mistake or an attack.
pub const MAX_MODEL_BYTES: usize = 16 * 1024 * 1024;

/// A model that could be typed, with the problems found while loading it (unknown keys).
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The typed model.
    pub topology: Topology,
    /// Problems found while loading; they may include errors, which
    /// [`crate::check`] reports together with the validation's.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses and types a model. `Err` when the text is not YAML/JSON or does not fit the
/// model's types; unknown keys are reported in [`Loaded::diagnostics`] instead.
pub fn load(text: &str) -> Result<Loaded, Report> {
    if text.len() > MAX_MODEL_BYTES {
        return Err(Report::new(vec![Diagnostic::error(
            "too-large",
            "",
            format!(
                "the model is {} bytes; at most {MAX_MODEL_BYTES} are accepted",
                text.len()
            ),
            "a topology of ten thousand bridges needs about 2 MB; check that this is the right file",
        )]));
    }
    let mut value = parse(text)?;
    if !value.is_object() {
        return Err(Report::new(vec![Diagnostic::error(
            "not-a-mapping",
            "",
            format!(
                "the model must be a mapping of keys to values, not {}",
                kind_of(&value)
            ),
            "start from examples/handbook.yaml",
        )]));
    }
    let schema = model_schema();
    let mut diagnostics = Vec::new();
    let mut unlisted = 0;
    strip_unknown_keys(
        &mut value,
        schema,
        schema,
        &mut Vec::new(),
        &mut diagnostics,
        &mut unlisted,
    );
    if unlisted > 0 {
        diagnostics.push(Diagnostic::error(
            "unknown-key",
            "",
            format!("{unlisted} more unknown keys are not listed"),
            "this does not look like a topology model; start from examples/handbook.yaml",
        ));
    }

    match serde_path_to_error::deserialize::<_, Topology>(value) {
        Ok(topology) => Ok(Loaded {
            topology,
            diagnostics,
        }),
        Err(err) => {
            let path = pointer(err.path().iter().filter_map(|seg| {
                use serde_path_to_error::Segment;
                match seg {
                    Segment::Seq { index } => Some(index.to_string()),
                    Segment::Map { key } => Some(key.clone()),
                    Segment::Enum { .. } | Segment::Unknown => None,
                }
            }));
            let message = if path.starts_with("/secrets") {
                // A type error's text may quote the offending value, which is a secret here.
                "this secret source has the wrong shape".to_owned()
            } else {
                err.inner().to_string()
            };
            diagnostics.push(Diagnostic::error(
                "invalid-type",
                path,
                message,
                type_hint(&err.inner().to_string()),
            ));
            Err(Report::new(diagnostics))
        }
    }
}

/// The model's JSON schema as a value, generated once per process (unknown keys are found by
/// walking it).
fn model_schema() -> &'static Value {
    static SCHEMA: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    SCHEMA
        .get_or_init(|| serde_json::to_value(crate::schema::topology()).expect("schema serializes"))
}

fn type_hint(message: &str) -> String {
    if message.contains("IP address") {
        "write a single IPv4 or IPv6 address without a prefix length or port, e.g. 10.0.0.11 or 2001:db8::11".into()
    } else if message.contains("missing field") {
        "add the field; `jitsi-topology schema` lists every field with its meaning".into()
    } else if message.contains("unknown variant") {
        "use one of the values the message lists".into()
    } else {
        "`jitsi-topology schema` describes every field and its type".into()
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "an empty document",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn parse(text: &str) -> Result<Value, Report> {
    if text.trim().is_empty() {
        return Err(Report::new(vec![Diagnostic::error(
            "empty",
            "",
            "the model is empty",
            "start from examples/handbook.yaml",
        )]));
    }
    if let Some(line) = nested_too_deep(text) {
        return Err(Report::new(vec![Diagnostic::error(
            "too-deep",
            "",
            format!(
                "line {line}: lists and mappings are nested more than {MAX_NESTING} levels deep"
            ),
            "a topology model nests a few levels; check that this is the right file",
        )]));
    }
    // JSON is YAML, but serde_json's messages are better for JSON.
    if text.trim_start().starts_with('{') {
        return serde_json::from_str::<Strict>(text)
            .map(|s| s.0)
            .map_err(|e| {
                syntax(
                    e.line(),
                    e.column(),
                    e.to_string().split(" at line").next().unwrap_or_default(),
                )
            });
    }
    serde_norway::from_str::<Strict>(text)
        .map(|s| s.0)
        .map_err(|e| {
            let (line, column) = e
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((0, 0));
            let message = e.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_owned();
            syntax(line, column, &message)
        })
}

/// The deepest nesting of flow collections (`[...]`, `{...}`) accepted. The model nests five
/// levels; the YAML parser takes quadratic time on deep nesting before it refuses it.
const MAX_NESTING: usize = 64;

/// The line where flow collections nest deeper than [`MAX_NESTING`], if they do (brackets
/// inside quoted strings and comments do not count).
fn nested_too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut line) = (0usize, 1usize);
    let (mut single, mut double, mut comment, mut escaped) = (false, false, false, false);
    let mut previous = b'\n';
    for &b in text.as_bytes() {
        if b == b'\n' {
            line += 1;
            comment = false;
        } else if comment {
        } else if double {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                double = false;
            }
        } else if single {
            if b == b'\'' {
                single = false;
            }
        } else {
            match b {
                b'#' if previous.is_ascii_whitespace() => comment = true,
                b'"' => double = true,
                b'\'' if !previous.is_ascii_alphanumeric() => single = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Some(line);
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        previous = b;
    }
    None
}

/// The most keys one mapping may have: the model's largest has about twenty, and a hostile
/// model of millions of keys would otherwise cost hundreds of megabytes before validation.
const MAX_MAPPING_KEYS: usize = 1000;

/// A JSON value that refuses duplicate keys (serde_json's own keeps the last one silently,
/// so `domain` written twice would quietly lose the first).
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a YAML or JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Strict::deserialize(d).map(|s| s.0)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<MapKey>()? {
            let Strict(value) = map.next_value()?;
            if out.len() == MAX_MAPPING_KEYS {
                return Err(serde::de::Error::custom(format!(
                    "a mapping has more than {MAX_MAPPING_KEYS} keys, which no topology model has"
                )));
            }
            // One lookup: the entry is either new (insert) or a duplicate (refuse).
            match out.entry(key.0) {
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                serde_json::map::Entry::Occupied(slot) => {
                    return Err(serde::de::Error::custom(format!(
                        "duplicate key `{}`",
                        printable(slot.key())
                    )));
                }
            }
        }
        Ok(Value::Object(out))
    }
}

/// A mapping key: a string, or a scalar YAML allows as a key (`13:`), as its text.
struct MapKey(String);

impl<'de> Deserialize<'de> for MapKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Strict::deserialize(d)?.0 {
            Value::String(s) => Ok(MapKey(s)),
            Value::Number(n) => Ok(MapKey(n.to_string())),
            Value::Bool(b) => Ok(MapKey(b.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "a mapping key must be a string, not {}",
                kind_of(&other)
            ))),
        }
    }
}

fn syntax(line: usize, column: usize, message: &str) -> Report {
    Report::new(vec![Diagnostic::error(
        "syntax",
        "",
        format!("line {line} column {column}: {message}"),
        "fix the YAML/JSON syntax at that position",
    )])
}

/// Resolves a local `$ref` (`#/$defs/Name`).
fn deref<'a>(schema: &'a Value, root: &'a Value) -> &'a Value {
    let mut s = schema;
    for _ in 0..16 {
        match s
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/"))
        {
            Some(r) => match r.split('/').try_fold(root, |v, seg| v.get(seg)) {
                Some(target) => s = target,
                None => return s,
            },
            None => return s,
        }
    }
    s
}

/// The object schemas `value` may be an instance of: for a `oneOf`/`anyOf`, the branch whose
/// `const` tag matches (internally tagged enums) or whose one required key is present
/// (externally tagged enums); otherwise every object branch.
fn object_branches<'a>(
    schema: &'a Value,
    root: &'a Value,
    value: &Map<String, Value>,
) -> Vec<&'a Value> {
    let schema = deref(schema, root);
    let alternatives: Vec<&Value> = ["oneOf", "anyOf", "allOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
        .flatten()
        .map(|s| deref(s, root))
        .collect();
    if alternatives.is_empty() {
        return vec![schema];
    }
    let objects: Vec<&Value> = alternatives
        .into_iter()
        .filter(|s| s.get("properties").is_some())
        .collect();
    let tagged: Vec<&Value> = objects
        .iter()
        .copied()
        .filter(|s| {
            let props = s.get("properties").and_then(Value::as_object);
            props.is_some_and(|p| {
                p.iter()
                    .any(|(k, ps)| ps.get("const").is_some_and(|c| value.get(k) == Some(c)))
            })
        })
        .collect();
    if !tagged.is_empty() {
        return tagged;
    }
    let by_required: Vec<&Value> = objects
        .iter()
        .copied()
        .filter(|s| {
            s.get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| {
                    !r.is_empty()
                        && r.iter()
                            .all(|k| k.as_str().is_some_and(|k| value.contains_key(k)))
                })
        })
        .collect();
    if by_required.len() == 1 {
        by_required
    } else {
        objects
    }
}

/// How many unknown keys are reported one by one; past that they are only counted (each
/// report costs a "did you mean" search, and a hostile model may hold millions of keys).
const MAX_UNKNOWN_KEYS_LISTED: usize = 100;

fn strip_unknown_keys(
    value: &mut Value,
    schema: &Value,
    root: &Value,
    path: &mut Vec<String>,
    out: &mut Vec<Diagnostic>,
    unlisted: &mut usize,
) {
    let schema = deref(schema, root);
    match value {
        Value::Object(map) => {
            let branches = object_branches(schema, root, map);
            let closed = branches
                .iter()
                .all(|b| b.get("additionalProperties") == Some(&Value::Bool(false)));
            let mut known: Vec<&str> = Vec::new();
            for b in &branches {
                if let Some(props) = b.get("properties").and_then(Value::as_object) {
                    known.extend(props.keys().map(String::as_str));
                }
            }
            known.dedup();
            let keys: Vec<String> = map.keys().cloned().collect();
            let mut unknown: std::collections::HashSet<String> = std::collections::HashSet::new();
            for key in keys {
                let prop = branches
                    .iter()
                    .find_map(|b| b.get("properties").and_then(|p| p.get(&key)));
                match prop {
                    Some(prop_schema) => {
                        path.push(key.clone());
                        if let Some(child) = map.get_mut(&key) {
                            strip_unknown_keys(child, prop_schema, root, path, out, unlisted);
                        }
                        path.pop();
                    }
                    None if closed && !known.is_empty() => {
                        // `out` holds only this walk's unknown keys.
                        if out.len() < MAX_UNKNOWN_KEYS_LISTED {
                            path.push(key.clone());
                            out.push(unknown_key(&key, &known, pointer(path.iter())));
                            path.pop();
                        } else {
                            *unlisted += 1;
                        }
                        unknown.insert(key);
                    }
                    None => {}
                }
            }
            // One pass: removing keys one by one from an ordered map is quadratic.
            if !unknown.is_empty() {
                map.retain(|k, _| !unknown.contains(k));
            }
        }
        Value::Array(items) => {
            let item_schema = ["items", "anyOf", "oneOf"]
                .iter()
                .filter_map(|k| match (*k, schema.get(*k)) {
                    ("items", Some(s)) => Some(s),
                    (_, Some(Value::Array(alts))) => alts
                        .iter()
                        .map(|a| deref(a, root))
                        .find_map(|a| a.get("items")),
                    _ => None,
                })
                .next();
            if let Some(item_schema) = item_schema {
                for (i, item) in items.iter_mut().enumerate() {
                    path.push(i.to_string());
                    strip_unknown_keys(item, item_schema, root, path, out, unlisted);
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

/// Settings operators carry over from other Jitsi tools and older releases, with what to
/// write instead (docker-jitsi-meet's variables, the packages' old debconf questions, the
/// legacy properties).
const MIGRATIONS: &[(&[&str], &str)] = &[
    (
        &[
            "colibri_websockets",
            "enable_colibri_websocket",
            "websockets",
            "colibri_websocket_regex",
        ],
        "colibri websockets follow `release`: they are on before stable-11031 and gone since; remove the key",
    ),
    (
        &["sctp", "enable_sctp", "prefer_sctp"],
        "the bridge channel always uses SCTP on current releases; remove the key",
    ),
    (
        &[
            "tcp_harvester_port",
            "tcp_port",
            "jvb_tcp_port",
            "jvb_tcp_harvester_disabled",
        ],
        "ICE over TCP was removed in stable-9646; clients behind strict firewalls need TURN",
    ),
    (
        &["jvb_secret", "jvb_password", "jvb_auth_password"],
        "write the bridges' password as `secrets.jvb`, e.g. `{file: /etc/jitsi-topology/secrets/jvb}`",
    ),
    (
        &[
            "jicofo_password",
            "jicofo_auth_password",
            "focus_password",
            "jicofo_auth_user",
        ],
        "write jicofo's password as `secrets.focus` (the user is always `focus`)",
    ),
    (
        &["xmpp_server", "jvb_hostname", "xmpp_domain"],
        "bridges reach `signaling.address`; the XMPP domain is `domain`",
    ),
    (
        &[
            "jvb_advertise_ips",
            "advertise_ips",
            "docker_host_address",
            "nat_harvester_public_address",
        ],
        "give each bridge its own `public_address` (each advertises only its own)",
    ),
    (
        &["octo", "enable_octo", "relay", "jvb_octo_region"],
        "relays turn on when bridges are in more than one region: set each bridge's `region`",
    ),
];

fn unknown_key(key: &str, known: &[&str], path: String) -> Diagnostic {
    let shown = printable(key);
    let lower = key.to_lowercase().replace('-', "_");
    if let Some((_, hint)) = MIGRATIONS
        .iter()
        .find(|(names, _)| names.contains(&lower.as_str()))
    {
        return Diagnostic::error(
            "deprecated-key",
            path,
            format!("`{shown}` is not a setting of this model"),
            *hint,
        );
    }
    let best = known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&lower, &k.to_lowercase()), *k))
        .min();
    let hint = match best {
        Some((d, k)) if d <= (k.len() / 3).max(2) => format!("did you mean `{k}`?"),
        _ => format!(
            "expected one of: {}",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Diagnostic::error("unknown-key", path, format!("unknown key `{shown}`"), hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_gets_a_suggestion_and_the_rest_still_loads() {
        let text = include_str!("../examples/handbook.yaml")
            .replace("bridge_networks:", "brigde_networks:");
        let loaded = load(&text).expect("still types");
        assert_eq!(loaded.diagnostics.len(), 1);
        let d = &loaded.diagnostics[0];
        assert_eq!(
            (d.code.as_str(), d.path.as_str()),
            ("unknown-key", "/brigde_networks")
        );
        assert_eq!(d.hint, "did you mean `bridge_networks`?");
    }

    #[test]
    fn a_typo_inside_a_tagged_tls_mode_is_found() {
        let text = include_str!("../examples/handbook.yaml").replace("certificate:", "certficate:");
        let report = load(&text).expect_err("certificate is now missing");
        let paths: Vec<_> = report
            .diagnostics
            .iter()
            .map(|d| (d.code.as_str(), d.path.as_str()))
            .collect();
        assert!(
            paths.contains(&("unknown-key", "/tls/certficate")),
            "{paths:?}"
        );
    }

    #[test]
    fn a_key_written_twice_is_an_error_not_a_silent_overwrite() {
        for text in [
            "domain: a.example.com\ndomain: b.example.com\n",
            r#"{"domain": "a", "domain": "b"}"#,
        ] {
            let report = load(text).expect_err("duplicate");
            assert_eq!(report.diagnostics[0].code, "syntax");
            assert!(
                report.diagnostics[0]
                    .message
                    .contains("duplicate key `domain`"),
                "{}",
                report.diagnostics[0].message
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused_before_the_parser_sees_it() {
        let text = format!("domain: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let started = std::time::Instant::now();
        let report = load(&text).expect_err("too deep");
        assert_eq!(report.diagnostics[0].code, "too-deep");
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        // Brackets in quoted strings and comments are text.
        assert_eq!(
            nested_too_deep(&format!(
                "a: \"{}\" # {}\n",
                "[".repeat(100),
                "{".repeat(100)
            )),
            None
        );
        assert_eq!(
            nested_too_deep(&format!("a: '{}'\n", "[".repeat(100))),
            None
        );
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let report = load("domain: meet.example.com\nbridges: [\n").expect_err("broken");
        assert_eq!(report.diagnostics[0].code, "syntax");
        assert!(
            report.diagnostics[0].message.starts_with("line "),
            "{}",
            report.diagnostics[0].message
        );
    }

    #[test]
    fn a_secret_of_the_wrong_type_is_not_echoed() {
        let text = include_str!("../examples/handbook.yaml").replace(
            "focus: { file: /etc/jitsi-topology/secrets/focus }",
            "focus: { value: 987654321987654321 }",
        );
        let report = load(&text).expect_err("number is not a string");
        let all = format!("{report}");
        assert!(!all.contains("987654321987654321"), "{all}");
        assert!(all.contains("/secrets/focus"), "{all}");
    }
}
