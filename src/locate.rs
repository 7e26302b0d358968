//! Where each diagnostic is in the model's text: line and column from the parser's marks.
//!
//! The model is parsed a second time, with a parser that keeps the marks of every node
//! (saphyr-parser; serde_norway, which types the model, gives none), and only when there are
//! diagnostics to place: a valid model without warnings never pays for it. A diagnostic's
//! JSON Pointer is followed through that tree of marks: the position is never found by
//! searching the text for a value (two bridges with one address would both point at the
//! first).
//!
//! The same tree tells the text report which parts of the source it must never print
//! ([`Document::withheld_line`], [`Document::masked`]): every line of `secrets` (whatever its
//! shape: in `{value=S}` the secret has become a key), and the values of keys that are not
//! the model's (an old `jvb_password: S` is a secret under a name of another tool).

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, Span};

use crate::diagnostic::{Diagnostic, Related};

/// A place in the text: 1-based line, 1-based column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mark {
    pub line: usize,
    pub column: usize,
}

/// A range of the text, from its first character to the one after its last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Extent {
    pub start: Mark,
    pub end: Mark,
}

impl Extent {
    /// The columns (1-based, end exclusive) it covers on `line`, which it must touch: from
    /// its start (or the line's first column) to its end (or past the line's last).
    pub(crate) fn columns_on(&self, line: usize) -> (usize, usize) {
        let a = if self.start.line == line {
            self.start.column
        } else {
            1
        };
        let b = if self.end.line == line {
            self.end.column
        } else {
            usize::MAX
        };
        (a, b)
    }

    fn of(span: &Span) -> Self {
        Extent {
            start: Mark {
                line: span.start.line(),
                column: span.start.col() + 1,
            },
            end: Mark {
                line: span.end.line(),
                column: span.end.col() + 1,
            },
        }
    }
}

#[derive(Debug)]
enum Kind {
    Scalar,
    /// `(key text, key extent, value node)`; a key that is not a scalar has the text `""`.
    Map(Vec<(String, Extent, usize)>),
    Seq(Vec<usize>),
    /// An alias: its own place, and the node its anchor names.
    Alias(usize),
}

#[derive(Debug)]
struct Node {
    kind: Kind,
    /// From the node's first character to the one after its last (for a block collection:
    /// the end of its last child).
    extent: Extent,
}

/// Where a JSON Pointer leads in a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Found {
    /// The node the pointer names, or its deepest ancestor in the document.
    node: usize,
    /// The key that holds that node, if a mapping holds it.
    key: Option<Extent>,
    /// Whether the whole pointer was found.
    whole: bool,
}

/// A model's text as a tree of marks.
#[derive(Debug)]
pub(crate) struct Document {
    nodes: Vec<Node>,
    root: Option<usize>,
    /// Lines (1-based, inclusive ranges) never printed: `secrets` and what its aliases name.
    withheld: Vec<(usize, usize)>,
    /// Extents never printed: the values of keys that are not the model's.
    masked: Vec<Extent>,
    /// Per line, the scalars (keys and values) on it: what is not in one of them and starts
    /// with `#` is a comment.
    scalars: HashMap<usize, Vec<Extent>>,
}

struct Frame {
    node: usize,
    /// A mapping's key waiting for its value.
    key: Option<(String, Extent)>,
}

impl Document {
    /// Parses `text` (YAML or JSON) for its marks. A text the parser refuses gives the nodes
    /// it read before the error; a second document is ignored.
    pub(crate) fn parse(text: &str) -> Self {
        let mut doc = Document {
            nodes: Vec::new(),
            root: None,
            withheld: Vec::new(),
            masked: Vec::new(),
            scalars: HashMap::new(),
        };
        let mut stack: Vec<Frame> = Vec::new();
        let mut anchors: HashMap<usize, usize> = HashMap::new();
        let mut documents = 0;
        for event in Parser::new_from_str(text) {
            let Ok((event, span)) = event else { break };
            let extent = Extent::of(&span);
            if matches!(event, Event::Scalar(..) | Event::Alias(_)) {
                for line in extent.start.line..=extent.end.line {
                    doc.scalars.entry(line).or_default().push(extent);
                }
            }
            let (new, anchor) = match event {
                Event::DocumentStart(_) => {
                    documents += 1;
                    if documents > 1 {
                        break;
                    }
                    continue;
                }
                Event::Scalar(value, _, anchor, _) => {
                    if let Some(top) = stack.last_mut()
                        && doc.nodes[top.node].is_map()
                        && top.key.is_none()
                    {
                        top.key = Some((value.into_owned(), extent));
                        continue;
                    }
                    (
                        doc.push(Node {
                            kind: Kind::Scalar,
                            extent,
                        }),
                        anchor,
                    )
                }
                Event::Alias(id) => {
                    let target = anchors.get(&id).copied();
                    if let Some(top) = stack.last_mut()
                        && doc.nodes[top.node].is_map()
                        && top.key.is_none()
                    {
                        top.key = Some((String::new(), extent));
                        continue;
                    }
                    let Some(target) = target else { continue };
                    (
                        doc.push(Node {
                            kind: Kind::Alias(target),
                            extent,
                        }),
                        0,
                    )
                }
                Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                    let kind = if matches!(event, Event::MappingStart(..)) {
                        Kind::Map(Vec::new())
                    } else {
                        Kind::Seq(Vec::new())
                    };
                    // A collection written as a key (`{[a]: b}`) is read like any other and
                    // stands as the key "" when it closes (see `attach`).
                    let node = doc.push(Node { kind, extent });
                    if anchor > 0 {
                        anchors.insert(anchor, node);
                    }
                    stack.push(Frame { node, key: None });
                    continue;
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    let Some(frame) = stack.pop() else { break };
                    // A flow collection ends at its bracket; a block one (whose end mark is
                    // empty, at the next token) with its last child.
                    let end = if span.start.index() != span.end.index() {
                        extent.end
                    } else {
                        doc.last_end(frame.node)
                    };
                    doc.nodes[frame.node].extent.end = end;
                    // Its anchor was recorded when it started.
                    (frame.node, 0)
                }
                Event::DocumentEnd | Event::StreamEnd => break,
                _ => continue,
            };
            if anchor > 0 {
                anchors.insert(anchor, new);
            }
            doc.attach(&mut stack, new);
        }
        doc.find_withheld();
        doc
    }

    fn push(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// The end of a block collection: the end of its last child, or its start.
    fn last_end(&self, node: usize) -> Mark {
        let last = match &self.nodes[node].kind {
            Kind::Map(entries) => entries.last().map(|(_, _, v)| *v),
            Kind::Seq(items) => items.last().copied(),
            _ => None,
        };
        last.map_or(self.nodes[node].extent.start, |n| self.nodes[n].extent.end)
    }

    /// Hangs a finished node under the collection being read (or makes it the root).
    fn attach(&mut self, stack: &mut [Frame], node: usize) {
        let Some(top) = stack.last_mut() else {
            if self.root.is_none() {
                self.root = Some(node);
            }
            return;
        };
        let extent = self.nodes[node].extent;
        match &mut self.nodes[top.node].kind {
            Kind::Map(entries) => match top.key.take() {
                Some((key, key_extent)) => entries.push((key, key_extent, node)),
                // A collection written as a key: its text is not a key of the model.
                None => top.key = Some((String::new(), extent)),
            },
            Kind::Seq(items) => items.push(node),
            _ => {}
        }
    }

    /// Follows `pointer` (RFC 6901) as far as the document has it.
    pub(crate) fn find(&self, pointer: &str) -> Option<Found> {
        let mut found = Found {
            node: self.root?,
            key: None,
            whole: true,
        };
        if pointer.is_empty() {
            return Some(found);
        }
        for raw in pointer.strip_prefix('/')?.split('/') {
            let segment = raw.replace("~1", "/").replace("~0", "~");
            let node = self.target(found.node);
            let next = match &self.nodes[node].kind {
                Kind::Map(entries) => entries
                    .iter()
                    .rev()
                    .find(|(k, _, _)| *k == segment)
                    .map(|(_, key, v)| (*v, Some(*key))),
                Kind::Seq(items) => segment
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get(i))
                    .map(|v| (*v, None)),
                _ => None,
            };
            match next {
                Some((node, key)) => {
                    found.node = node;
                    found.key = key;
                }
                None => {
                    found.whole = false;
                    return Some(found);
                }
            }
        }
        Some(found)
    }

    /// The node an alias names (a node that is not an alias is its own target).
    fn target(&self, mut node: usize) -> usize {
        for _ in 0..64 {
            match self.nodes[node].kind {
                Kind::Alias(t) => node = t,
                _ => return node,
            }
        }
        node
    }

    /// Where a diagnostic's caret goes: the value at its path; the key, for a key that is
    /// not the model's (`unknown-key`, `deprecated-key`); for a path the document does not
    /// have (a missing key) and for a collection, the key that holds the deepest mapping or
    /// list the path reaches (or that collection's first character).
    pub(crate) fn place(&self, pointer: &str, code: &str) -> Option<Extent> {
        let found = self.find(pointer)?;
        // A key the model lacks at its top: the whole model is the mapping that lacks it,
        // which no line stands for.
        if !found.whole && Some(found.node) == self.root {
            return None;
        }
        let node = &self.nodes[found.node];
        let on_key = !found.whole
            || matches!(code, "unknown-key" | "deprecated-key")
            || !matches!(node.kind, Kind::Scalar | Kind::Alias(_));
        Some(match (on_key, found.key) {
            (true, Some(key)) => key,
            _ if matches!(node.kind, Kind::Scalar | Kind::Alias(_)) => node.extent,
            // A collection without a key: its first character only.
            _ => Extent {
                start: node.extent.start,
                end: Mark {
                    line: node.extent.start.line,
                    column: node.extent.start.column + 1,
                },
            },
        })
    }

    /// Whether line `line` (1-based) must never be printed.
    pub(crate) fn withheld_line(&self, line: usize) -> bool {
        self.withheld.iter().any(|(a, b)| (*a..=*b).contains(&line))
    }

    /// Every scalar under the node at `pointer` (aliases followed): a value a diagnostic
    /// refuses, which a snippet masks when it is long (as the message does).
    pub(crate) fn scalars_under(&self, pointer: &str) -> Vec<Extent> {
        let mut out = Vec::new();
        if let Some(found) = self.find(pointer).filter(|f| f.whole) {
            self.collect_scalars(found.node, &mut out, 0);
        }
        out
    }

    /// Where a comment starts on line `line` whose text is `text` (1-based column): a `#` at
    /// the start or after a blank, outside every scalar. A comment may hold anything (a
    /// secret that YAML read as one: `jaas: #S`).
    pub(crate) fn comment_at(&self, line: usize, text: &str) -> Option<usize> {
        let scalars = self.scalars.get(&line);
        let inside = |col: usize| {
            scalars.is_some_and(|s| {
                s.iter().any(|e| {
                    let (a, b) = e.columns_on(line);
                    a <= col && col < b
                })
            })
        };
        let mut previous = ' ';
        for (i, c) in text.chars().enumerate() {
            if c == '#' && (previous == ' ' || previous == '\t') && !inside(i + 1) {
                return Some(i + 1);
            }
            previous = c;
        }
        None
    }

    /// The extents never printed: values of keys that are not the model's.
    pub(crate) fn masked(&self) -> &[Extent] {
        &self.masked
    }

    fn collect_scalars(&self, node: usize, out: &mut Vec<Extent>, depth: usize) {
        if depth > 64 {
            return;
        }
        match &self.nodes[node].kind {
            Kind::Scalar => out.push(self.nodes[node].extent),
            Kind::Alias(t) => {
                out.push(self.nodes[node].extent);
                self.collect_scalars(*t, out, depth + 1);
            }
            Kind::Map(entries) => {
                for (_, key, v) in entries {
                    out.push(*key);
                    self.collect_scalars(*v, out, depth + 1);
                }
            }
            Kind::Seq(items) => {
                for v in items {
                    self.collect_scalars(*v, out, depth + 1);
                }
            }
        }
    }

    /// Lines of `secrets` (from its key to the line before the next key, so comments among
    /// them count too), of every node an alias under it names, and the values of keys that
    /// are not the model's, anywhere.
    fn find_withheld(&mut self) {
        let Some(root) = self.root else { return };
        let mut withheld = Vec::new();
        if let Kind::Map(entries) = &self.nodes[root].kind {
            for (i, (key, key_extent, value)) in entries.iter().enumerate() {
                if key != "secrets" && !key.is_empty() {
                    continue;
                }
                let end = self.nodes[*value].extent.end;
                // Up to the line before the next key, unless the next key follows on the
                // same line (flow style); a key that is not text may be anything.
                let last = match entries.get(i + 1) {
                    Some((_, next, _)) if next.start.line > end.line => next.start.line - 1,
                    Some(_) => end.line,
                    None => usize::MAX,
                };
                withheld.push((key_extent.start.line, last.max(end.line)));
                let mut scalars = Vec::new();
                self.collect_aliases(*value, &mut scalars, 0);
                withheld.extend(scalars.iter().map(|e| (e.start.line, e.end.line)));
            }
        }
        // Each jigasi's SIP password (`/jigasis/N/sip/password`), the one secret kept outside
        // `secrets`: from its key to the line before the next key of `sip`.
        let entry = |node: usize, name: &str| match &self.nodes[node].kind {
            Kind::Map(entries) => entries
                .iter()
                .position(|(k, _, _)| k == name)
                .map(|i| (entries, i)),
            _ => None,
        };
        if let Some((entries, i)) = entry(root, "jigasis")
            && let Kind::Seq(items) = &self.nodes[entries[i].2].kind
        {
            for item in items {
                let Some((sip, s)) = entry(*item, "sip") else {
                    continue;
                };
                let Some((fields, p)) = entry(sip[s].2, "password") else {
                    continue;
                };
                let (_, key_extent, value) = &fields[p];
                let end = self.nodes[*value].extent.end;
                let last = match fields.get(p + 1) {
                    Some((_, next, _)) if next.start.line > end.line => next.start.line - 1,
                    _ => end.line,
                };
                withheld.push((key_extent.start.line, last.max(end.line)));
                let mut scalars = Vec::new();
                self.collect_aliases(*value, &mut scalars, 0);
                withheld.extend(scalars.iter().map(|e| (e.start.line, e.end.line)));
            }
        }
        let mut masked = Vec::new();
        self.collect_foreign(root, &mut masked, 0);
        self.withheld = withheld;
        self.masked = masked;
    }

    /// The extents of the nodes aliases under `node` name.
    fn collect_aliases(&self, node: usize, out: &mut Vec<Extent>, depth: usize) {
        if depth > 64 {
            return;
        }
        match &self.nodes[node].kind {
            Kind::Alias(t) => {
                out.push(self.nodes[*t].extent);
                self.collect_aliases(*t, out, depth + 1);
            }
            Kind::Map(entries) => entries
                .iter()
                .for_each(|(_, _, v)| self.collect_aliases(*v, out, depth + 1)),
            Kind::Seq(items) => items
                .iter()
                .for_each(|v| self.collect_aliases(*v, out, depth + 1)),
            Kind::Scalar => {}
        }
    }

    /// The scalars under every key that is not one of the model's, and such keys unless they
    /// are plain names.
    fn collect_foreign(&self, node: usize, out: &mut Vec<Extent>, depth: usize) {
        if depth > 64 {
            return;
        }
        match &self.nodes[node].kind {
            Kind::Map(entries) => {
                for (key, key_extent, v) in entries {
                    if crate::load::is_model_key(key) {
                        self.collect_foreign(*v, out, depth + 1);
                    } else {
                        // The key itself only when it is not a name (the message names a
                        // key of letters and digits anyway): `address: S1,S2` makes `S2` a
                        // key, which must not complete the pasted secret on the line.
                        if !is_name(key) {
                            out.push(*key_extent);
                        }
                        self.collect_scalars(*v, out, depth + 1);
                    }
                }
            }
            Kind::Seq(items) => items
                .iter()
                .for_each(|v| self.collect_foreign(*v, out, depth + 1)),
            Kind::Scalar | Kind::Alias(_) => {}
        }
    }
}

/// A key a message shows whole: letters, digits, `_`, `-` and `.`, at most 64 of them.
fn is_name(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

impl Node {
    fn is_map(&self) -> bool {
        matches!(self.kind, Kind::Map(_))
    }
}

/// Fills in the line and column of every diagnostic (and of its related places) whose path
/// the document has; diagnostics that have them already (syntax errors) keep theirs.
pub(crate) fn locate(text: &str, diagnostics: &mut [Diagnostic]) {
    // A diagnostic about the input as a whole (path `""`: too large, too deep, not a
    // mapping) is not placed, and needs no parse of a text that may be hostile.
    let unplaced = |d: &Diagnostic| {
        (d.line.is_none() && !d.path.is_empty()) || d.related.iter().any(|r| r.line.is_none())
    };
    if !diagnostics.iter().any(unplaced) {
        return;
    }
    let doc = Document::parse(text);
    for d in diagnostics.iter_mut() {
        if d.line.is_none()
            && !d.path.is_empty()
            && let Some(e) = doc.place(&d.path, &d.code)
        {
            d.line = Some(e.start.line);
            d.column = Some(e.start.column);
        }
        for r in d.related.iter_mut().filter(|r| r.line.is_none()) {
            set(&doc, r, &d.code);
        }
    }
}

fn set(doc: &Document, r: &mut Related, code: &str) {
    if let Some(e) = doc.place(&r.path, code) {
        r.line = Some(e.start.line);
        r.column = Some(e.start.column);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, pointer: &str) -> (usize, usize) {
        let e = Document::parse(text).place(pointer, "x").expect("placed");
        (e.start.line, e.start.column)
    }

    #[test]
    fn duplicates_point_at_their_own_place() {
        let text =
            "bridges:\n  - { host: a, address: 10.0.0.11 }\n  - { host: b, address: 10.0.0.11 }\n";
        assert_eq!(at(text, "/bridges/0/address"), (2, 25));
        assert_eq!(at(text, "/bridges/1/address"), (3, 25));
    }

    #[test]
    fn a_missing_key_points_at_the_mapping_that_lacks_it() {
        let text = "domain: x\ntls:\n  mode: own\n";
        assert_eq!(at(text, "/tls/key"), (2, 1));
        assert_eq!(at(text, "/tls/mode"), (3, 9));
    }

    #[test]
    fn json_has_positions_too() {
        let text = "{\n  \"bridges\": [\n    {\"address\": \"10.0.0.300\"}\n  ]\n}\n";
        assert_eq!(at(text, "/bridges/0/address"), (3, 17));
    }

    #[test]
    fn secrets_lines_are_withheld_up_to_the_next_key() {
        let text = "domain: x\nsecrets:\n  focus:\n    value=S:\n  # S again\nbridges: []\n";
        let doc = Document::parse(text);
        let withheld: Vec<usize> = (1..=6).filter(|l| doc.withheld_line(*l)).collect();
        assert_eq!(withheld, [2, 3, 4, 5]);
    }
}
