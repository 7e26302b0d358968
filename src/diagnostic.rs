//! Diagnostics: every problem with a model, as a value.
//!
//! A [`Diagnostic`] names the offending field with a JSON Pointer (RFC 6901), says what is
//! wrong and what to do about it. Codes are stable: tools and tests may match on them.
//! Messages never contain a secret value.

use crate::codes::Code;
use std::fmt;

use serde::{Deserialize, Serialize};

/// How bad a diagnostic is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Severity {
    /// The model cannot be rendered.
    Error,
    /// The model renders, but the deployment will probably misbehave or is less safe.
    Warning,
    /// Nothing is wrong: something about the deployment an operator should know (for example
    /// that browsers contact a third party). Never among a [`Report`]'s problems; the surfaces
    /// show it beside the warnings.
    Info,
}

/// One problem found in a model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Diagnostic {
    /// `error`, `warning` or `info`.
    pub severity: Severity,
    /// Stable machine-readable code, e.g. `duplicate-address`.
    pub code: String,
    /// JSON Pointer to the field the problem is about (`""` is the whole model).
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: String,
    /// The line (1-based) of the model's text where the problem is: of the value at `path`,
    /// of the key for a key that is not the model's, or of the key holding the mapping that
    /// lacks a key. Absent when the text does not hold the path (or the diagnostic is about
    /// the input as a whole).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The column (1-based, in characters) on `line`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// Other places the problem involves, e.g. the first of two bridges with one address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
}

/// Another place a diagnostic involves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Related {
    /// JSON Pointer to the field.
    pub path: String,
    /// What is there, e.g. `first used here`.
    pub label: String,
    /// Its line (1-based), when the text holds the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Its column (1-based, in characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl Diagnostic {
    /// A diagnostic of `severity` at `path`.
    fn new(
        severity: Severity,
        code: Code,
        path: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self {
            severity,
            code: code.as_str().to_owned(),
            path: path.into(),
            message: message.into(),
            hint: hint.into(),
            line: None,
            column: None,
            related: Vec::new(),
        }
    }

    /// An error at `path`.
    pub fn error(
        code: Code,
        path: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Error, code, path, message, hint)
    }

    /// A warning at `path`.
    pub fn warning(
        code: Code,
        path: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Warning, code, path, message, hint)
    }

    /// An informational note at `path` ([`Severity::Info`]).
    pub fn info(
        code: Code,
        path: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Info, code, path, message, hint)
    }

    /// A diagnostic with any code, e.g. one read back from the JSON of another version of
    /// this library (whose codes this one may not know); the diagnostics this library makes
    /// come from [`Diagnostic::error`], [`Diagnostic::warning`] and [`Diagnostic::info`].
    pub fn with_any_code(
        severity: Severity,
        code: impl Into<String>,
        path: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self {
            severity,
            code: code.into(),
            path: path.into(),
            message: message.into(),
            hint: hint.into(),
            line: None,
            column: None,
            related: Vec::new(),
        }
    }

    /// The same diagnostic, naming `path` as another place it involves (`label`: what is
    /// there, e.g. `first used here`).
    #[must_use]
    pub fn also_at(mut self, path: impl Into<String>, label: &str) -> Self {
        self.related.push(Related {
            path: path.into(),
            label: label.to_owned(),
            line: None,
            column: None,
        });
        self
    }

    /// The same diagnostic at `line` and `column` (1-based).
    #[must_use]
    pub fn at_position(mut self, line: usize, column: usize) -> Self {
        if line > 0 {
            self.line = Some(line);
            self.column = Some(column.max(1));
        }
        self
    }

    /// True for [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let path = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        write!(
            f,
            "{severity}[{}]: {}: {}",
            Controls(&self.code),
            Controls(path),
            Controls(&self.message)
        )?;
        if !self.hint.is_empty() {
            write!(f, "\n  hint: {}", Controls(&self.hint))?;
        }
        Ok(())
    }
}

/// Text with its control characters escaped (`\u{1b}`), so that no diagnostic printed on a
/// terminal can move the cursor, recolour it or hide a line, whatever the model's keys and
/// values hold. The messages escape what they quote already; this is the last line.
pub(crate) struct Controls<'a>(pub(crate) &'a str);

impl fmt::Display for Controls<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_debug())?;
            } else {
                fmt::Write::write_char(f, c)?;
            }
        }
        Ok(())
    }
}

/// A warning the model acknowledges (its `acknowledge` list): not a warning any more, but
/// still shown, with the reason, where the CLI lists what a model draws.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Acknowledged {
    /// The warning, as it would have been reported.
    #[serde(flatten)]
    pub diagnostic: Diagnostic,
    /// The JSON Pointer of the acknowledgement that matched it, e.g. `/acknowledge/0`.
    pub acknowledged_by: String,
    /// The acknowledgement's reason.
    pub reason: String,
}

impl fmt::Display for Acknowledged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.diagnostic;
        let path = if d.path.is_empty() { "/" } else { &d.path };
        write!(
            f,
            "acknowledged[{}]: {}: {}\n  reason ({}): {}",
            Controls(&d.code),
            Controls(path),
            Controls(&d.message),
            Controls(&self.acknowledged_by),
            Controls(&self.reason)
        )
    }
}

/// Sorts diagnostics into their stable order: by path (in document order of the pointer's
/// segments, array indices numerically), then severity, then code, then message.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        pointer_key(&a.path)
            .cmp(&pointer_key(&b.path))
            .then(a.severity.cmp(&b.severity))
            .then_with(|| a.code.cmp(&b.code))
            .then_with(|| a.message.cmp(&b.message))
    });
}

fn pointer_key(path: &str) -> Vec<(u8, u64, &str)> {
    path.split('/')
        .skip(1)
        .map(|seg| match seg.parse::<u64>() {
            Ok(n) => (0, n, ""),
            Err(_) => (1, 0, seg),
        })
        .collect()
}

/// Builds a JSON Pointer from segments, escaping `~` and `/` as RFC 6901 requires.
pub fn pointer<I, S>(segments: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = String::new();
    for seg in segments {
        out.push('/');
        out.push_str(&seg.as_ref().replace('~', "~0").replace('/', "~1"));
    }
    out
}

/// A set of diagnostics that stopped the pipeline (at least one is an error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// Every diagnostic found, sorted.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// A report from diagnostics, sorted into their stable order.
    pub fn new(mut diagnostics: Vec<Diagnostic>) -> Self {
        sort(&mut diagnostics);
        Self { diagnostics }
    }

    /// The number of errors.
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// The number of warnings.
    pub fn warning_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.diagnostics {
            writeln!(f, "{d}")?;
        }
        let (e, w) = (self.error_count(), self.warning_count());
        write!(
            f,
            "{e} error{}, {w} warning{}",
            if e == 1 { "" } else { "s" },
            if w == 1 { "" } else { "s" }
        )?;
        let n = self.diagnostics.len() - e - w;
        if n > 0 {
            write!(f, ", {n} note{}", if n == 1 { "" } else { "s" })?;
        }
        Ok(())
    }
}

impl std::error::Error for Report {}

/// Shows at most 64 characters of a user's string, with control characters escaped.
pub(crate) fn printable(s: &str) -> String {
    let cut: String = s.chars().take(64).collect();
    let shown = cut.escape_debug().to_string();
    if s.chars().count() > 64 {
        format!("{shown}…")
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_slash_and_tilde() {
        assert_eq!(pointer(["bridges", "0", "a/b~c"]), "/bridges/0/a~1b~0c");
    }

    #[test]
    fn control_characters_never_reach_a_terminal_raw() {
        let d = Diagnostic::error(Code::SYNTAX, "/a\u{1b}[2J", "m\u{7}\r", "h\u{9b}31m");
        let shown = d.to_string();
        assert_eq!(
            shown,
            "error[syntax]: /a\\u{1b}[2J: m\\u{7}\\r\n  hint: h\\u{9b}31m"
        );
        assert!(!shown.replace("\n  hint", "").chars().any(char::is_control));
    }

    #[test]
    fn array_indices_sort_numerically() {
        let mut d = vec![
            Diagnostic::error(Code::SYNTAX, "/bridges/10/address", "m", ""),
            Diagnostic::error(Code::SYNTAX, "/bridges/2/address", "m", ""),
            Diagnostic::warning(Code::SYNTAX, "", "m", ""),
        ];
        sort(&mut d);
        let paths: Vec<_> = d.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["", "/bridges/2/address", "/bridges/10/address"]);
    }
}

/// The error document every surface returns when it fails (CLI `--format json`, the C ABI's
/// `err_json`, Python's `TopologyError`): `{"kind", "message", "diagnostics"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorDocument {
    /// What failed: `invalid-model`, `io`, `usage`, `invalid-utf8`, `null-argument`,
    /// `panic` or `internal`.
    pub kind: String,
    /// One line for humans.
    pub message: String,
    /// The diagnostics (empty unless `kind` is `invalid-model`).
    pub diagnostics: Vec<Diagnostic>,
}

impl ErrorDocument {
    /// A failure that is not about the model's content.
    pub fn new(kind: &str, message: impl Into<String>) -> Self {
        Self {
            kind: kind.to_owned(),
            message: message.into(),
            diagnostics: Vec::new(),
        }
    }
}

impl From<&Report> for ErrorDocument {
    fn from(report: &Report) -> Self {
        let (e, w) = (report.error_count(), report.warning_count());
        Self {
            kind: "invalid-model".to_owned(),
            message: format!(
                "the model is invalid: {e} error{}, {w} warning{}",
                if e == 1 { "" } else { "s" },
                if w == 1 { "" } else { "s" }
            ),
            diagnostics: report.diagnostics.clone(),
        }
    }
}
