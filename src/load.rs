//! Loading: YAML or JSON text into a typed [`Topology`], strictly.
//!
//! Loading happens in three passes so that one run reports as much as it can:
//! 1. the text is parsed (syntax errors carry line and column and stop here);
//! 2. every key is checked against the model's JSON Schema: unknown keys become errors with
//!    a "did you mean" hint and are set aside, so the rest can still be checked;
//! 3. the remainder is deserialized into the Rust types (a wrong type stops here, with the
//!    JSON Pointer of the field).

use crate::codes::Code;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, Report, pointer, printable};
use crate::model::Topology;

/// The largest model accepted, in bytes. A real topology of ten thousand bridges is under
/// 2 MB; anything much larger is a mistake or an attack.
pub const MAX_MODEL_BYTES: usize = 16 * 1024 * 1024;

/// A model that could be typed, with the problems found while loading it (unknown keys).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Loaded {
    /// The typed model.
    pub topology: Topology,
    /// Problems found while loading; they may include errors, which
    /// [`crate::check`] reports together with the validation's.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses and types a model. `Err` when the text is not YAML/JSON or does not fit the
/// model's types; unknown keys are reported in [`Loaded::diagnostics`] instead. No positions
/// yet: [`crate::load()`] and [`crate::check()`] place the diagnostics.
pub(crate) fn load(text: &str) -> Result<Loaded, Report> {
    if text.len() > MAX_MODEL_BYTES {
        return Err(Report::new(vec![Diagnostic::error(
            Code::TOO_LARGE,
            "",
            format!(
                "the model is {} bytes; at most {MAX_MODEL_BYTES} are accepted",
                text.len()
            ),
            "a topology of ten thousand bridges needs about 2 MB; check that this is the right file",
        )]));
    }
    let (mut value, tags) = parse(text)?;
    if !value.is_object() {
        return Err(Report::new(vec![Diagnostic::error(
            Code::NOT_A_MAPPING,
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
    if !tags.is_empty() {
        unmark_tags(&mut value, &tags, &mut Vec::new(), &mut diagnostics);
    }
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
            Code::UNKNOWN_KEY,
            "",
            format!("{unlisted} more unknown keys are not listed"),
            "this does not look like a topology model; start from examples/handbook.yaml",
        ));
    }

    match serde_path_to_error::deserialize::<_, Topology>(&value) {
        Ok(topology) => Ok(Loaded {
            topology,
            diagnostics,
        }),
        Err(err) => {
            let segments: Vec<String> = err
                .path()
                .iter()
                .filter_map(|seg| {
                    use serde_path_to_error::Segment;
                    match seg {
                        Segment::Seq { index } => Some(index.to_string()),
                        Segment::Map { key } => Some(key.clone()),
                        Segment::Enum { .. } | Segment::Unknown => None,
                    }
                })
                .collect();
            diagnostics.push(type_error(&segments, &err.inner().to_string(), &value));
            Err(Report::new(diagnostics))
        }
    }
}

/// The most characters of a model's value that a type or syntax error quotes: enough for a
/// typo (`Own`, `yes`, `8gb`), too few for a password (at least 16 characters are required).
pub const MAX_QUOTED: usize = 10;

/// The secrets of the model (`secrets.<name>`) and the keys of a secret's source; under
/// `/secrets` a diagnostic shows no other key (a key there may be the secret itself, as in
/// `{value:S}`, which YAML reads as one key).
const SECRET_NAMES: [&str; 7] = ["focus", "jvb", "turn", "jwt", "ldap", "jigasi", "accounts"];
const SECRET_SOURCES: [&str; 3] = ["value", "env", "file"];

/// Whether a JSON Pointer's segments lie under `/secrets`, or under a jigasi's SIP password
/// (`/jigasis/N/sip/password`), the one secret kept outside `secrets`.
fn in_secrets<S: AsRef<str>>(segments: &[S]) -> bool {
    segments.first().is_some_and(|s| s.as_ref() == "secrets") || sip_password(segments)
}

/// Whether a JSON Pointer's segments lie under `/jigasis/N/sip/password`.
fn sip_password<S: AsRef<str>>(segments: &[S]) -> bool {
    let s: Vec<&str> = segments.iter().take(4).map(AsRef::as_ref).collect();
    matches!(s.as_slice(), ["jigasis", n, "sip", "password"] if n.parse::<usize>().is_ok())
}

/// The part of a path under `/secrets` that a diagnostic may show: `/secrets`, the secret's
/// own key (`/secrets/jvb`) and its source (`/secrets/jvb/value`), never a key of the model's
/// own beyond them; under a SIP password, `/jigasis/N/sip/password` and its source.
fn secret_prefix<S: AsRef<str>>(segments: &[S]) -> Vec<&str> {
    if sip_password(segments) {
        let mut shown: Vec<&str> = segments.iter().take(4).map(AsRef::as_ref).collect();
        if let Some(kind) = segments
            .get(4)
            .and_then(|s| SECRET_SOURCES.iter().find(|k| **k == s.as_ref()))
        {
            shown.push(kind);
        }
        return shown;
    }
    let mut shown = vec!["secrets"];
    if let Some(name) = segments
        .get(1)
        .and_then(|s| SECRET_NAMES.iter().find(|n| **n == s.as_ref()))
    {
        shown.push(name);
        // Under `accounts` the next key is a user name, shown by no diagnostic of loading.
        if let Some(kind) = segments
            .get(2)
            .filter(|_| *name != "accounts")
            .and_then(|s| SECRET_SOURCES.iter().find(|k| **k == s.as_ref()))
        {
            shown.push(kind);
        }
    }
    shown
}

/// The value at `segments` in `value`, if there is one.
fn lookup<'a>(value: &'a Value, segments: &[String]) -> Option<&'a Value> {
    segments.iter().try_fold(value, |v, seg| match v {
        Value::Object(map) => map.get(seg),
        Value::Array(items) => items.get(seg.parse::<usize>().ok()?),
        _ => None,
    })
}

/// What a type error found, in words, quoting it only when it is short (see [`MAX_QUOTED`]).
fn describe(found: Option<&Value>) -> String {
    match found {
        Some(Value::String(s)) if s.chars().count() <= MAX_QUOTED => {
            format!("the string `{}`", printable(s))
        }
        Some(Value::String(_)) => {
            format!("a string of more than {MAX_QUOTED} characters (not quoted)")
        }
        Some(Value::Number(n)) if n.to_string().len() <= MAX_QUOTED => format!("the number {n}"),
        Some(Value::Number(_)) => format!("a number of more than {MAX_QUOTED} digits (not quoted)"),
        Some(Value::Bool(b)) => format!("`{b}`"),
        Some(Value::Null) => "nothing (null)".to_owned(),
        Some(Value::Array(_)) => "a list".to_owned(),
        Some(Value::Object(_)) => "a mapping".to_owned(),
        None => "a value of another type".to_owned(),
    }
}

/// The diagnostic of a value that does not fit the model's types. serde's own message
/// quotes the value whole (`invalid type: string "…"`); this one says what was expected and
/// describes what was found, and under `/secrets` says nothing of it at all.
fn type_error(segments: &[String], inner: &str, model: &Value) -> Diagnostic {
    let hint = type_hint(inner);
    if in_secrets(segments) {
        let shown = secret_prefix(segments);
        let message = match shown.as_slice() {
            ["jigasis", i, "sip", "password"] => format!(
                "the SIP password of jigasi {i} must be exactly one of `{{value: TEXT}}`, `{{env: NAME}}` or `{{file: /path}}` (what it holds is not shown: it may be the secret)"
            ),
            ["jigasis", i, "sip", "password", kind] => format!(
                "`{kind}` of the SIP password of jigasi {i} must be text (what it holds is not shown: it may be the secret)"
            ),
            [_] if inner.starts_with("missing field `") => inner.to_owned(),
            [_] => "`secrets` must be a mapping of `focus`, `jvb` and, with a TURN server, `turn` (with `auth`: `jwt`, `ldap`, `accounts`), each a secret source".to_owned(),
            [_, "accounts"] => "`secrets.accounts` must be a mapping of user names to secret sources, each exactly one of `{value: TEXT}`, `{env: NAME}` or `{file: /path}` (what it holds is not shown: it may be a secret)".to_owned(),
            [_, name] => format!(
                "the {name} secret must be exactly one of `{{value: TEXT}}`, `{{env: NAME}}` or `{{file: /path}}` (what it holds is not shown: it may be the secret)"
            ),
            [_, name, kind, ..] => format!(
                "`{kind}` of the {name} secret must be text (what it holds is not shown: it may be the secret)"
            ),
            [] => unreachable!("the prefix starts with `secrets`"),
        };
        return Diagnostic::error(
            Code::INVALID_TYPE,
            pointer(shown),
            message,
            "write `{value: \"…\"}` (in quotes, at least 16 characters), `{env: NAME}` or `{file: /path/on/the/host}`",
        );
    }
    let found = describe(lookup(model, segments));
    let expected = inner.rsplit_once(", expected ").map(|(_, e)| e);
    let message = match expected {
        Some(expected)
            if ["invalid type: ", "invalid value: ", "unknown variant "]
                .iter()
                .any(|p| inner.starts_with(p)) =>
        {
            format!("expected {expected}, found {found}")
        }
        // The messages of the model's own types and of serde's structs (`missing field`,
        // `invalid length`) quote no value; a value of the model quoted anyway is cut out.
        // The messages of the model's own types and of serde's structs (`missing field`,
        // `invalid length`, `invalid IP address syntax`) quote no value.
        _ => match lookup(model, segments) {
            Some(Value::String(_)) => format!("{inner}; found {found}"),
            _ => inner.to_owned(),
        },
    };
    Diagnostic::error(Code::INVALID_TYPE, pointer(segments), message, hint)
}

/// The model's JSON schema as a value (unknown keys are found by walking it): the checked-in
/// `schemas/topology.schema.json`, parsed once per process. It is what `schema::topology()`
/// generates (a unit test below and tests/cli.rs hold them equal); generating it on every run
/// was a quarter of a CLI render of the handbook.
fn model_schema() -> &'static Value {
    static SCHEMA: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| {
        serde_json::from_str(include_str!("../schemas/topology.schema.json"))
            .expect("the checked-in schema is JSON")
    })
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

/// Parses the text; with YAML, also the tags it rewrote (see [`rewrite_tags`]), whose
/// markers the value still holds.
fn parse(text: &str) -> Result<(Value, Vec<Tag>), Report> {
    if text.trim().is_empty() {
        return Err(Report::new(vec![Diagnostic::error(
            Code::EMPTY,
            "",
            "the model is empty",
            "start from examples/handbook.yaml",
        )]));
    }
    if let Some(line) = nested_too_deep(text) {
        return Err(Report::new(vec![Diagnostic::error(
            Code::TOO_DEEP,
            "",
            format!(
                "line {line}: lists and mappings are nested more than {MAX_NESTING} levels deep"
            ),
            "a topology model nests a few levels; check that this is the right file",
        )]));
    }
    EXPANSION_LEFT.set(MAX_EXPANDED_BYTES);
    // JSON is YAML, but serde_json's messages are better for JSON.
    if text.trim_start().starts_with('{') {
        return serde_json::from_str::<Strict>(text)
            .map(|s| (s.0, Vec::new()))
            .map_err(|e| syntax(e.line(), e.column(), &syntax_message(&e.to_string())));
    }
    let (rewritten, mut tags) = rewrite_tags(text);
    let value = serde_norway::from_str::<Strict>(&rewritten)
        .map(|s| s.0)
        .map_err(|e| {
            let (line, column) = e
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((0, 0));
            syntax(line, column, &syntax_message(&e.to_string()))
        })?;
    // A rewritten `!` that the parser read as text, not as a tag (inside a plain scalar that
    // goes on over lines, say): the rewrite changed a value, so the model is refused.
    find_markers(&value, &mut tags);
    if let Some(t) = tags.iter().find(|t| !t.seen) {
        return Err(syntax(
            t.line,
            t.column,
            "cannot tell whether this `!` starts a YAML tag or is part of a value; quote the value",
        ));
    }
    Ok((value, tags))
}

/// A YAML tag found in the text, other than the core schema's, rewritten to the local tag
/// `!~N~` (N its index) so that the parser hands it to [`StrictVisitor::visit_enum`] (it
/// drops tags such as `!!binary` silently, reading the base64 text as the value).
#[derive(Debug)]
struct Tag {
    /// The tag as written, e.g. `!!binary`.
    text: String,
    line: usize,
    column: usize,
    /// Whether the parser read it as a tag (a marker holds its index).
    seen: bool,
}

/// The key of the marker mapping that stands for a tagged node: `{TAG_KEY: "~N~", VALUE_KEY:
/// value}`. Keys of a model never start with a NUL character.
const TAG_KEY: &str = "\u{0}tag";
const VALUE_KEY: &str = "\u{0}value";

/// The core schema's tags (YAML 1.2, 10.3), which the parser applies as YAML defines them.
const CORE_TAGS: [&str; 7] = ["str", "int", "float", "bool", "null", "map", "seq"];

/// Finds every tag in YAML `text` (outside quotes, comments and block scalars, where a `!`
/// is text) and rewrites those that are not the core schema's to `!~N~`.
fn rewrite_tags(text: &str) -> (std::borrow::Cow<'_, str>, Vec<Tag>) {
    let bytes = text.as_bytes();
    let mut sites: Vec<(usize, usize, usize, usize)> = Vec::new();
    let (mut line, mut line_start) = (1usize, 0usize);
    let mut quotes = Quotes::default();
    // The indentation of the line that opened a block scalar (`|`, `>`), while in one.
    let mut block: Option<usize> = None;
    let mut pending_block: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if i == line_start {
            let indent = bytes[i..].iter().take_while(|&&c| c == b' ').count();
            let blank = matches!(bytes.get(i + indent), None | Some(b'\n' | b'\r'));
            if let Some(open) = block {
                if blank || indent > open {
                    // A line of the block scalar's text: skip it.
                    match bytes[i..].iter().position(|&c| c == b'\n') {
                        Some(n) => {
                            i += n;
                            continue;
                        }
                        None => break,
                    }
                }
                block = None;
            }
        }
        let token_start =
            i == line_start || matches!(bytes[i - 1], b' ' | b'\t' | b'[' | b'{' | b',');
        if b == b'\n' {
            line += 1;
            line_start = i + 1;
            quotes.comment = false;
            if let Some(indent) = pending_block.take() {
                block = Some(indent);
            }
        } else if quotes.consume(b) {
        } else if token_start {
            match b {
                b'#' => quotes.comment = true,
                b'"' => quotes.double = true,
                b'\'' => quotes.single = true,
                b'|' | b'>' => {
                    let rest = &bytes[i + 1..];
                    let n = rest
                        .iter()
                        .take_while(|c| c.is_ascii_digit() || **c == b'-' || **c == b'+')
                        .count();
                    if matches!(
                        rest.get(n),
                        None | Some(b' ' | b'\t' | b'\n' | b'\r' | b'#')
                    ) {
                        let indent = bytes[line_start..]
                            .iter()
                            .take_while(|&&c| c == b' ')
                            .count();
                        pending_block = Some(indent);
                    }
                }
                b'!' => {
                    let end = if bytes.get(i + 1) == Some(&b'<') {
                        bytes[i..]
                            .iter()
                            .position(|&c| c == b'>')
                            .map_or(bytes.len(), |n| i + n + 1)
                    } else {
                        bytes[i..]
                            .iter()
                            .position(|c| b" \t\r\n,[]{}".contains(c))
                            .map_or(bytes.len(), |n| i + n)
                    };
                    let tag = &text[i..end];
                    let core = CORE_TAGS.iter().any(|t| {
                        tag.strip_prefix("!!") == Some(*t)
                            || tag == format!("!<tag:yaml.org,2002:{t}>")
                    });
                    if !core {
                        sites.push((i, end, line, i - line_start + 1));
                    }
                    i = end;
                    continue;
                }
                _ => {}
            }
        }
        i += 1;
    }
    if sites.is_empty() {
        return (std::borrow::Cow::Borrowed(text), Vec::new());
    }
    let mut out = String::with_capacity(text.len() + sites.len() * 4);
    let mut tags = Vec::with_capacity(sites.len());
    let mut last = 0;
    for (n, (start, end, line, column)) in sites.into_iter().enumerate() {
        out.push_str(&text[last..start]);
        out.push_str(&format!("!~{n}~"));
        last = end;
        tags.push(Tag {
            text: text[start..end].to_owned(),
            line,
            column,
            seen: false,
        });
    }
    out.push_str(&text[last..]);
    (std::borrow::Cow::Owned(out), tags)
}

/// The index of the rewritten tag a marker mapping stands for, if `value` is one.
fn marker(value: &Value) -> Option<usize> {
    let map = value.as_object()?;
    if map.len() != 2 || !map.contains_key(VALUE_KEY) {
        return None;
    }
    map.get(TAG_KEY)?
        .as_str()?
        .strip_prefix('~')?
        .strip_suffix('~')?
        .parse()
        .ok()
}

/// Marks every tag the parser read as a tag (a marker holds its index) as seen.
fn find_markers(value: &Value, tags: &mut [Tag]) {
    if let Some(n) = marker(value)
        && let Some(t) = tags.get_mut(n)
    {
        t.seen = true;
    }
    match value {
        Value::Object(map) => map.values().for_each(|v| find_markers(v, tags)),
        Value::Array(items) => items.iter().for_each(|v| find_markers(v, tags)),
        _ => {}
    }
}

/// Replaces every marker by the value it tags, with an error at its path: a tag other than
/// the core schema's is refused, never silently dropped (`!!binary` would make the base64
/// text the password, where Ansible's YAML decodes it). Under `/secrets` the tag is not
/// named (it may be the secret: `!S`).
fn unmark_tags(value: &mut Value, tags: &[Tag], path: &mut Vec<String>, out: &mut Vec<Diagnostic>) {
    if let Some(n) = marker(value) {
        let inner = value
            .as_object_mut()
            .and_then(|m| m.remove(VALUE_KEY))
            .unwrap_or(Value::Null);
        *value = inner;
        let tag = tags.get(n).map_or("!", |t| t.text.as_str());
        let (shown, what) = if in_secrets(path) {
            (
                pointer(secret_prefix(path)),
                "a YAML tag (not shown: under `secrets` it may be the secret)".to_owned(),
            )
        } else if tag.chars().count() <= MAX_QUOTED + 2 {
            (
                pointer(path.iter()),
                format!("the YAML tag `{}`", printable(tag)),
            )
        } else {
            (
                pointer(path.iter()),
                format!(
                    "a YAML tag of more than {} characters (not quoted)",
                    MAX_QUOTED + 2
                ),
            )
        };
        out.push(Diagnostic::error(
            Code::YAML_TAG,
            shown,
            format!("{what} is not supported: only the core schema's tags (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq`) are"),
            "remove the tag and write the value itself (decode a `!!binary` value first: the model takes text)",
        ));
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                path.push(k.clone());
                unmark_tags(v, tags, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                path.push(i.to_string());
                unmark_tags(v, tags, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The deepest nesting of flow collections (`[...]`, `{...}`) accepted. The model nests five
/// levels; the YAML parser takes quadratic time on deep nesting before it refuses it.
const MAX_NESTING: usize = 64;

/// Where a scan of YAML text is: in a comment, a double- or single-quoted scalar, or none.
/// The scanner opens them (each decides where one may start) and ends comments at line
/// breaks, which it handles itself.
#[derive(Default)]
struct Quotes {
    comment: bool,
    double: bool,
    single: bool,
    escaped: bool,
}

impl Quotes {
    /// Takes byte `b` (not a line break) if it is text of a comment or a quoted scalar, or
    /// the quote that ends one: then true.
    fn consume(&mut self, b: u8) -> bool {
        if self.comment {
        } else if self.double {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.double = false;
            }
        } else if self.single {
            if b == b'\'' {
                self.single = false;
            }
        } else {
            return false;
        }
        true
    }
}

/// The line where flow collections nest deeper than [`MAX_NESTING`], if they do (brackets
/// inside quoted strings and comments do not count).
fn nested_too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut line) = (0usize, 1usize);
    let mut quotes = Quotes::default();
    let mut previous = b'\n';
    for &b in text.as_bytes() {
        if b == b'\n' {
            line += 1;
            quotes.comment = false;
        } else if quotes.consume(b) {
        } else {
            match b {
                b'#' if previous.is_ascii_whitespace() => quotes.comment = true,
                b'"' => quotes.double = true,
                b'\'' if !previous.is_ascii_alphanumeric() => quotes.single = true,
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

/// The most bytes a model may expand to while it is parsed: every string's and key's bytes
/// plus [`NODE_BYTES`] for every value, counted again each time a YAML alias repeats what its
/// anchor names. Without it, aliases of one large string amplify a 0.9 MB model to 2.4 GB
/// (serde's repetition limit counts values, not bytes). A model without aliases counts at most
/// its own size plus the overhead of its values.
pub const MAX_EXPANDED_BYTES: usize = 4 * MAX_MODEL_BYTES;

/// What each value counts towards [`MAX_EXPANDED_BYTES`] besides its text: about what it
/// costs in memory.
const NODE_BYTES: usize = 16;

thread_local! {
    /// The bytes the parse running on this thread may still expand to (set by `parse`).
    static EXPANSION_LEFT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Counts one value of `bytes` of text towards [`MAX_EXPANDED_BYTES`].
fn expand<E: serde::de::Error>(bytes: usize) -> Result<(), E> {
    let left = EXPANSION_LEFT
        .get()
        .checked_sub(NODE_BYTES + bytes)
        .ok_or_else(|| {
            ours::<E>(format!(
                "the model expands to more than {MAX_EXPANDED_BYTES} bytes (YAML aliases repeat what their anchor names), which no topology model needs"
            ))
        })?;
    EXPANSION_LEFT.set(left);
    Ok(())
}

/// A JSON value that refuses duplicate keys (serde_json's own keeps the last one silently,
/// so `domain` written twice would quietly lose the first), and stops at
/// [`MAX_EXPANDED_BYTES`].
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
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Value, E> {
        expand::<E>(0)?;
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Value, E> {
        expand::<E>(0)?;
        Ok(v.into())
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Value, E> {
        expand::<E>(0)?;
        Ok(v.into())
    }
    // YAML integers beyond 64 bits (a long numeric password): a number the model's types
    // then refuse at its path, not a syntax error quoting it.
    fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Value, E> {
        expand::<E>(0)?;
        Ok(serde_json::Number::from_f64(v as f64).map_or(Value::Null, Value::Number))
    }
    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Value, E> {
        expand::<E>(0)?;
        Ok(serde_json::Number::from_f64(v as f64).map_or(Value::Null, Value::Number))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        expand::<E>(0)?;
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Value, E> {
        expand::<E>(v.len())?;
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Value, E> {
        expand::<E>(v.len())?;
        Ok(Value::String(v))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
        expand::<E>(0)?;
        Ok(Value::Null)
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Value, E> {
        expand::<E>(0)?;
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Strict::deserialize(d).map(|s| s.0)
    }
    // The YAML parser calls this for a node with a local tag (`!x`), which every tag but the
    // core schema's is by now (see `rewrite_tags`): a marker that `unmark_tags` reports.
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        use serde::de::VariantAccess;
        let (tag, variant): (String, _) = data.variant()?;
        let Strict(value) = variant.newtype_variant()?;
        let mut marker = Map::new();
        marker.insert(TAG_KEY.to_owned(), Value::String(tag));
        marker.insert(VALUE_KEY.to_owned(), value);
        Ok(Value::Object(marker))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        expand::<A::Error>(0)?;
        let mut items = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        expand::<A::Error>(0)?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<MapKey>()? {
            let Strict(value) = map.next_value()?;
            if out.len() == MAX_MAPPING_KEYS {
                return Err(ours(format!(
                    "a mapping has more than {MAX_MAPPING_KEYS} keys, which no topology model has"
                )));
            }
            // One lookup: the entry is either new (insert) or a duplicate (refuse).
            match out.entry(key.0) {
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                serde_json::map::Entry::Occupied(slot) => {
                    // Named only if it is one of the model's own keys: a key written twice
                    // may be a secret (`{S: 1, S: 2}`).
                    return Err(ours(if is_model_key(slot.key()) {
                        format!("duplicate key `{}`", slot.key())
                    } else {
                        "duplicate key (a key that is not one of the model's, not shown)".to_owned()
                    }));
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
            other if marker(&other).is_some() => Err(ours(
                "a mapping key has a YAML tag; keys are plain text".to_owned(),
            )),
            other => Err(ours(format!(
                "a mapping key must be a string, not {}",
                kind_of(&other)
            ))),
        }
    }
}

/// Marks the start of a message of this module's own inside a parser's error: the YAML
/// parser puts the keys leading to the error in front of it (`secrets.S: …`), and a key
/// may be a secret.
const OURS: char = '\u{1}';

/// An error of this module's own, raised while parsing (see [`OURS`]).
fn ours<E: serde::de::Error>(message: String) -> E {
    E::custom(format!("{OURS}{message}"))
}

/// Whether `key` is a property name somewhere in the model's schema.
pub(crate) fn is_model_key(key: &str) -> bool {
    static KEYS: std::sync::OnceLock<std::collections::HashSet<String>> =
        std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        fn collect(v: &Value, out: &mut std::collections::HashSet<String>) {
            match v {
                Value::Object(map) => {
                    if let Some(Value::Object(props)) = map.get("properties") {
                        out.extend(props.keys().cloned());
                    }
                    map.values().for_each(|v| collect(v, out));
                }
                Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
                _ => {}
            }
        }
        let mut keys = std::collections::HashSet::new();
        collect(model_schema(), &mut keys);
        keys
    })
    .contains(key)
}

/// A parser's error message, without anything of the model in it: this module's own message
/// (after [`OURS`], without the keys the YAML parser put in front), a fixed text for a value
/// that does not match its YAML tag (`!!int S` would be quoted), or the parser's own text
/// (libyaml's and serde_json's syntax errors quote nothing of the input).
fn syntax_message(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    if let Some((_, own)) = message.split_once(OURS) {
        own.to_owned()
    } else if message.contains("invalid value: ") || message.contains("invalid type: ") {
        "a value does not match its YAML tag (`!!int`, `!!float`, `!!bool` or `!!null`)".to_owned()
    } else {
        message.to_owned()
    }
}

fn syntax(line: usize, column: usize, message: &str) -> Report {
    Report::new(vec![
        Diagnostic::error(
            Code::SYNTAX,
            "",
            format!("line {line} column {column}: {message}"),
            "fix the YAML/JSON syntax at that position",
        )
        .at_position(line, column),
    ])
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
            let secret_position = in_secrets(path);
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
                        // `out` holds only this walk's unknown keys; under `/secrets` one
                        // diagnostic per mapping (below) says how many there are.
                        if secret_position && !is_migrated(&key) {
                        } else if out.len() < MAX_UNKNOWN_KEYS_LISTED {
                            // The key as the path shows it: control characters escaped, cut
                            // after 64 characters (it reaches terminals and logs).
                            path.push(printable(&key));
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
            let hidden: Vec<&String> = if secret_position {
                map.keys()
                    .filter(|k| unknown.contains(*k) && !is_migrated(k))
                    .collect()
            } else {
                Vec::new()
            };
            if let Some(first) = hidden.first() {
                out.push(unknown_secret_keys(hidden.len(), first, &known, path));
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

/// Unknown keys under `/secrets`, reported without their names: YAML reads `{value:S}`,
/// `{value=S}` and `{value S}` as one key holding the secret, and a secret may have been
/// pasted as a key. The diagnostic names the mapping (`/secrets`, `/secrets/jvb`) and how
/// many keys it has that are not the model's; its hint is worked out from the keys' first
/// characters only (`value` followed by something other than `: `).
fn unknown_secret_keys(count: usize, first: &str, known: &[&str], path: &[String]) -> Diagnostic {
    let shown = secret_prefix(path);
    let expected = known
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let keys = if count == 1 {
        "a key".to_owned()
    } else {
        format!("{count} keys")
    };
    let whose = match shown.as_slice() {
        ["jigasis", i, "sip", "password", ..] => format!("the SIP password of jigasi {i}"),
        [_, name, ..] => format!("the {name} secret"),
        _ => "`secrets`".to_owned(),
    };
    let message = format!(
        "{whose} has {keys} other than {expected} (not shown: under `secrets` a key may be the secret itself)"
    );
    let lower = first.to_lowercase();
    let glued = known.iter().find(|k| {
        lower.len() > k.len()
            && lower.starts_with(*k)
            && !lower[k.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
    });
    let hint = match glued {
        Some(k) => format!(
            "write `{k}: ` with a colon and a space before the secret: without them YAML reads `{k}` and the secret as one key"
        ),
        None => match known
            .iter()
            .map(|k| (strsim::damerau_levenshtein(&lower, k), *k))
            .min()
        {
            Some((d, k)) if d <= 2 => format!("did you mean `{k}`?"),
            _ => format!("expected one of: {expected}"),
        },
    };
    Diagnostic::error(Code::UNKNOWN_KEY, pointer(shown), message, hint)
}

/// Whether `key` is a setting of another Jitsi tool that [`MIGRATIONS`] knows (a fixed
/// name, so shown even under `/secrets`).
fn is_migrated(key: &str) -> bool {
    let lower = key.to_lowercase().replace('-', "_");
    MIGRATIONS
        .iter()
        .any(|(names, _)| names.contains(&lower.as_str()))
}

fn unknown_key(key: &str, known: &[&str], path: String) -> Diagnostic {
    let shown = printable(key);
    let lower = key.to_lowercase().replace('-', "_");
    if let Some((_, hint)) = MIGRATIONS
        .iter()
        .find(|(names, _)| names.contains(&lower.as_str()))
    {
        return Diagnostic::error(
            Code::DEPRECATED_KEY,
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
    Diagnostic::error(
        Code::UNKNOWN_KEY,
        path,
        format!("unknown key `{shown}`"),
        hint,
    )
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_schema_unknown_keys_are_checked_against_is_the_generated_one() {
        assert_eq!(
            *model_schema(),
            serde_json::to_value(crate::schema::topology()).unwrap(),
            "schemas/topology.schema.json is stale: run `cargo run -- schema --write schemas`"
        );
    }
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
    fn a_yaml_tag_other_than_the_core_schemas_is_refused_at_its_path() {
        let text = include_str!("../examples/handbook.yaml")
            .replace("jaas: false", "jaas: !!binary dHJ1ZQ==")
            .replace(
                "address: 10.0.0.10",
                "address: !<tag:example.com,2000:ip> 10.0.0.10",
            );
        let report = load(&text).expect_err("tagged");
        let tags: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.code == "yaml-tag")
            .map(|d| (d.path.as_str(), d.message.as_str()))
            .collect();
        assert_eq!(tags.len(), 2, "{report}");
        assert_eq!(tags[0].0, "/jaas");
        assert!(
            tags[0]
                .1
                .starts_with("the YAML tag `!!binary` is not supported"),
            "{report}"
        );
        assert_eq!(tags[1].0, "/signaling/address");
    }

    #[test]
    fn the_core_schemas_tags_are_read_as_yaml_defines_them() {
        let text = include_str!("../examples/handbook.yaml")
            .replace("jaas: false", "jaas: !!bool false")
            .replace("domain: meet.example.com", "domain: !!str meet.example.com");
        let loaded = load(&text).expect("core tags are fine");
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        assert!(!loaded.topology.jaas);
    }

    #[test]
    fn a_bang_the_parser_reads_as_text_is_refused_not_rewritten() {
        // A plain scalar that goes on over two lines: `!!x` there is text, and the rewrite
        // that catches tags would have changed it.
        let report = load("domain: meet\n  !!x.example.com\n").expect_err("ambiguous");
        assert_eq!(report.diagnostics[0].code, "syntax");
        assert!(
            report.diagnostics[0].message.contains("quote the value"),
            "{report}"
        );
        // In quotes, comments and block scalars a `!` is text and stays as it is.
        let (value, tags) = parse("a: \"!!b\" # !!c\nb: |\n  !!d\nc: e!!f\n").expect("parses");
        assert!(tags.is_empty());
        assert_eq!(value["a"], "!!b");
        assert_eq!(value["b"], "!!d\n");
        assert_eq!(value["c"], "e!!f");
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
