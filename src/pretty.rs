//! The text report a person reads: each diagnostic at its file, line and column, with its
//! source line and a caret under the value (in the style of rustc), the JSON Pointer and the
//! hint; repeated diagnostics of one code grouped after a few; errors before warnings; the
//! counts at the end.
//!
//! What the report never prints: a line of `secrets` (whatever its shape), a line of a model
//! that does not parse (a syntax error shows its position only: a broken line may hold a
//! secret that cannot be told from other text), the values of keys that are not the model's
//! (`jvb_password: S`), such keys themselves unless they are plain names, and a value the
//! model refused (`invalid-type`, `yaml-tag`: a password pasted into `jaas`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::diagnostic::{Controls, Diagnostic, Severity};
use crate::locate::{Document, Extent};

/// How many diagnostics of one code are shown in full before the rest are counted (a code
/// with at most two more than this is shown whole: a count of one or two saves nothing).
pub const GROUP_AFTER: usize = 3;

/// How much of a long source line is shown before and after the caret (in characters).
const WINDOW_BEFORE: usize = 60;
const WINDOW_AFTER: usize = 100;

/// How many paths the line that counts the rest of a code names.
const GROUP_PATHS: usize = 3;

/// The model the diagnostics are about: its name (a file, or `<stdin>`) and its text.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// What the `-->` line names.
    pub name: &'a str,
    /// The model's text, as it was checked.
    pub text: &'a str,
}

/// How the report looks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// ANSI colours (for a terminal).
    pub color: bool,
    /// Every diagnostic in full, none grouped.
    pub verbose: bool,
}

/// Codes whose value the model could not take: it is masked in every snippet, whatever its
/// length (the message quotes a short one; a snippet would show the text around it too, and a
/// pasted password split at a comma is a short value and a key).
const REFUSED_VALUE: [&str; 2] = ["invalid-type", "yaml-tag"];

struct Paint {
    color: bool,
}

impl Paint {
    fn paint(&self, style: &str, text: &str) -> String {
        if self.color && !text.is_empty() {
            format!("\u{1b}[{style}m{text}\u{1b}[0m")
        } else {
            text.to_owned()
        }
    }
}

fn severity_style(s: Severity) -> (&'static str, &'static str) {
    match s {
        Severity::Error => ("error", "1;31"),
        Severity::Warning => ("warning", "1;33"),
        Severity::Info => ("info", "1;36"),
    }
}

const BLUE: &str = "1;34";

/// The text report of `diagnostics` (in any order; shown errors first, then warnings, then
/// notes, each in path order), ending with the line that counts them (`1 error, 2 warnings`,
/// and `, 1 note` when there are notes).
pub fn report(diagnostics: &[Diagnostic], source: &Source<'_>, options: &Options) -> String {
    let placed = diagnostics
        .iter()
        .any(|d| d.line.is_some() && d.code != "syntax");
    let doc = placed.then(|| Document::parse(source.text));
    let lines: Vec<&str> = if placed {
        source
            .text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .collect()
    } else {
        Vec::new()
    };
    let mut masked: Vec<Extent> = Vec::new();
    if let Some(doc) = &doc {
        masked.extend_from_slice(doc.masked());
        for d in diagnostics
            .iter()
            .filter(|d| REFUSED_VALUE.contains(&d.code.as_str()))
        {
            masked.extend(doc.scalars_under(&d.path));
        }
    }
    let ctx = Context {
        source,
        doc: doc.as_ref(),
        lines,
        masked,
        paint: Paint {
            color: options.color,
        },
    };
    let mut out = String::new();
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        let mut total: BTreeMap<&str, usize> = BTreeMap::new();
        for d in diagnostics.iter().filter(|d| d.severity == severity) {
            *total.entry(d.code.as_str()).or_default() += 1;
        }
        let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
        let mut rest: Vec<(&str, Vec<&str>)> = Vec::new();
        for d in diagnostics.iter().filter(|d| d.severity == severity) {
            let n = shown.entry(d.code.as_str()).or_default();
            *n += 1;
            if options.verbose || *n <= GROUP_AFTER || total[d.code.as_str()] <= GROUP_AFTER + 2 {
                ctx.diagnostic(&mut out, d);
            } else {
                match rest.iter_mut().find(|(c, _)| *c == d.code) {
                    Some((_, paths)) => paths.push(&d.path),
                    None => rest.push((&d.code, vec![&d.path])),
                }
            }
        }
        for (code, paths) in rest {
            let (word, style) = severity_style(severity);
            let mut named: Vec<String> = paths
                .iter()
                .take(GROUP_PATHS)
                .map(|p| Controls(if p.is_empty() { "/" } else { p }).to_string())
                .collect();
            if paths.len() > GROUP_PATHS {
                named.push("…".to_owned());
            }
            let _ = writeln!(
                out,
                "{}: {} more like this, at {} (--verbose lists them all)\n",
                ctx.paint
                    .paint(style, &format!("{word}[{}]", Controls(code))),
                paths.len(),
                named.join(", ")
            );
        }
    }
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    let (e, w, n) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    let _ = write!(
        out,
        "{e} error{}, {w} warning{}",
        if e == 1 { "" } else { "s" },
        if w == 1 { "" } else { "s" }
    );
    if n > 0 {
        let _ = write!(out, ", {n} note{}", if n == 1 { "" } else { "s" });
    }
    out
}

struct Context<'a> {
    source: &'a Source<'a>,
    doc: Option<&'a Document>,
    lines: Vec<&'a str>,
    masked: Vec<Extent>,
    paint: Paint,
}

impl Context<'_> {
    fn diagnostic(&self, out: &mut String, d: &Diagnostic) {
        let (word, style) = severity_style(d.severity);
        let _ = writeln!(
            out,
            "{}{} {}",
            self.paint
                .paint(style, &format!("{word}[{}]", Controls(&d.code))),
            self.paint.paint("1", ":"),
            self.paint.paint("1", &Controls(&d.message).to_string())
        );
        let path = if d.path.is_empty() {
            "/ (the whole model)".to_owned()
        } else {
            Controls(&d.path).to_string()
        };
        let mut width = d.line.unwrap_or(0);
        for r in &d.related {
            width = width.max(r.line.unwrap_or(0));
        }
        let gutter = " ".repeat(width.to_string().len());
        self.place(
            out, &gutter, "-->", d, d.line, d.column, &path, "", style, '^',
        );
        for r in &d.related {
            let label = format!(": {}", Controls(&r.label));
            self.place(
                out,
                &gutter,
                ":::",
                d,
                r.line,
                r.column,
                &Controls(&r.path).to_string(),
                &label,
                BLUE,
                '-',
            );
        }
        if !d.hint.is_empty() {
            let _ = writeln!(
                out,
                "{gutter} {} {}",
                self.paint.paint(BLUE, "="),
                Controls(&format!("hint: {}", d.hint))
            );
        }
        out.push('\n');
    }

    /// One place: the `-->` line, then the source line with its caret and the path, or the
    /// path alone (with why the line is not shown, when it is withheld).
    #[allow(clippy::too_many_arguments)]
    fn place(
        &self,
        out: &mut String,
        gutter: &str,
        arrow: &str,
        d: &Diagnostic,
        line: Option<usize>,
        column: Option<usize>,
        path: &str,
        label: &str,
        style: &str,
        mark: char,
    ) {
        let at = match (line, column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", self.source.name),
            _ => self.source.name.to_owned(),
        };
        let _ = writeln!(
            out,
            "{gutter}{} {}",
            self.paint.paint(BLUE, arrow),
            Controls(&at)
        );
        let snippet = match (line, column, self.doc) {
            (Some(l), Some(c), Some(doc)) if d.code != "syntax" && !d.path.is_empty() => {
                if path.starts_with("/secrets") {
                    Err(" (its line is not shown: it is under `secrets`)")
                } else if is_sip_password(path) {
                    Err(" (its line is not shown: it is a SIP password)")
                } else if doc.withheld_line(l) {
                    Err(" (its line is not shown: it shares its line with `secrets`)")
                } else {
                    match self.lines.get(l - 1) {
                        Some(text) => Ok(self.snippet(doc, text, l, c, d, path)),
                        None => Err(""),
                    }
                }
            }
            _ => Err(""),
        };
        match snippet {
            Ok((shown, from, to)) => {
                let bar = self.paint.paint(BLUE, "|");
                let number = self.paint.paint(
                    BLUE,
                    &format!("{:>w$}", line.unwrap_or(0), w = gutter.len()),
                );
                let marks: String =
                    std::iter::repeat_n(mark, to.saturating_sub(from).max(1)).collect();
                let _ = writeln!(out, "{gutter} {bar}");
                let _ = writeln!(out, "{number} {bar} {shown}");
                let _ = writeln!(
                    out,
                    "{gutter} {bar} {}{} {}",
                    " ".repeat(from),
                    self.paint.paint(style, &marks),
                    self.paint.paint(style, &format!("{path}{label}"))
                );
            }
            Err(why) => {
                let _ = writeln!(
                    out,
                    "{gutter} {} at {path}{label}{why}",
                    self.paint.paint(BLUE, "=")
                );
            }
        }
    }

    /// The source line `text` (number `line`) as shown, with masked parts as `***`, and the
    /// display columns (0-based, end exclusive) to underline.
    fn snippet(
        &self,
        doc: &Document,
        text: &str,
        line: usize,
        column: usize,
        d: &Diagnostic,
        path: &str,
    ) -> (String, usize, usize) {
        let code = if path == d.path { d.code.as_str() } else { "" };
        let target = doc
            .place(path, code)
            .filter(|e| e.start.line == line && e.start.column == column);
        let (from, to) = match target {
            Some(e) if e.end.line == line => (column, e.end.column.max(column + 1)),
            _ => (column, usize::MAX),
        };
        let comment = doc.comment_at(line, text);
        let masks: Vec<(usize, usize)> = self
            .masked
            .iter()
            .filter(|e| e.start.line <= line && line <= e.end.line)
            .map(|e| e.columns_on(line))
            .chain(comment.map(|c| (c + 1, usize::MAX)))
            .collect();
        // A long line (a JSON model on one line) is shown around the caret only.
        let window = if text.len() <= WINDOW_BEFORE + WINDOW_AFTER {
            1..usize::MAX
        } else {
            from.saturating_sub(WINDOW_BEFORE).max(1)..from + WINDOW_AFTER
        };
        // Where each character (by 1-based column) starts and ends on the shown line.
        let mut shown = String::new();
        let mut width = 0usize;
        let mut starts: Vec<usize> = vec![0; window.start];
        let mut ends: Vec<usize> = vec![0; window.start];
        if window.start > 1 {
            shown.push('…');
            width += 1;
        }
        let mut in_mask: Option<usize> = None;
        for (i, ch) in text.chars().enumerate().skip(window.start - 1) {
            let col = i + 1;
            if col >= window.end {
                shown.push('…');
                break;
            }
            match masks.iter().position(|(a, b)| *a <= col && col < *b) {
                Some(m) if in_mask == Some(m) => {
                    let run_start = starts[col - 1];
                    starts.push(run_start);
                    ends.push(run_start + 3);
                }
                Some(m) => {
                    in_mask = Some(m);
                    starts.push(width);
                    shown.push_str("***");
                    width += 3;
                    ends.push(width);
                }
                None => {
                    in_mask = None;
                    starts.push(width);
                    shown.push(match ch {
                        '\t' => ' ',
                        c if c.is_control() => '\u{fffd}',
                        c => c,
                    });
                    width += 1;
                    ends.push(width);
                }
            }
        }
        let last = ends.len() - 1;
        let start = starts.get(from).copied().unwrap_or(ends[last]);
        let end = ends[to.saturating_sub(1).clamp(from.min(last), last)].max(start + 1);
        (shown, start, end)
    }
}

/// Whether a JSON Pointer lies under a jigasi's SIP password (`/jigasis/N/sip/password`).
fn is_sip_password(path: &str) -> bool {
    let mut segments = path.split('/').skip(1);
    segments.next() == Some("jigasis")
        && segments.next().is_some_and(|n| n.parse::<usize>().is_ok())
        && segments.next() == Some("sip")
        && segments.next() == Some("password")
}
