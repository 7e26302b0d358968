//! Acknowledged warnings: the model's `acknowledge` list takes the warnings it names out of
//! the warnings (each kept apart, with its reason), so a deployment that means a posture can
//! still pass a pipeline that fails on warnings. Errors are never acknowledged. An
//! acknowledgement that matches no warning is reported (`acknowledgement-unused`), so one
//! left behind after the model changed does not silently hide the next warning of its code.

use crate::codes::Code;
use crate::diagnostic::{Acknowledged, Diagnostic, Severity, pointer, printable};
use crate::model::Topology;

/// Codes an acknowledgement cannot name: the diagnostics about acknowledgements themselves.
const NOT_ACKNOWLEDGEABLE: &[&str] = &["acknowledgement-invalid", "acknowledgement-unused"];

/// True when `path` is `under` or lies below it (`/firewall` holds `/firewall/enabled`, not
/// `/firewalls`).
fn within(path: &str, under: &str) -> bool {
    path == under
        || under.is_empty()
        || path
            .strip_prefix(under)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Splits `diagnostics` into those still reported and the warnings `t.acknowledge`
/// acknowledges; adds the problems of the acknowledgements themselves to the first.
pub(crate) fn apply(
    t: &Topology,
    diagnostics: Vec<Diagnostic>,
) -> (Vec<Diagnostic>, Vec<Acknowledged>) {
    let mut problems = Vec::new();
    // The acknowledgements that are well formed, with their index.
    let mut valid = Vec::new();
    for (i, a) in t.acknowledge.iter().enumerate() {
        let at = |field: &str| pointer(["acknowledge", &i.to_string(), field]);
        let mut ok = true;
        if NOT_ACKNOWLEDGEABLE.contains(&a.code.as_str()) {
            problems.push(Diagnostic::error(
                Code::ACKNOWLEDGEMENT_INVALID,
                at("code"),
                format!(
                    "`{}` is about acknowledgements themselves and cannot be acknowledged",
                    a.code
                ),
                "correct or remove the acknowledgement it is about",
            ));
            ok = false;
        } else if crate::codes::rule(&a.code).is_none() {
            problems.push(Diagnostic::error(
                Code::ACKNOWLEDGEMENT_INVALID,
                at("code"),
                format!("`{}` is not a diagnostic code", printable(&a.code)),
                "write the code of the warning, as `validate` prints it in `warning[CODE]` (the README's validation table lists them)",
            ));
            ok = false;
        }
        if let Some(path) = &a.path
            && !path.is_empty()
            && !path.starts_with('/')
        {
            problems.push(Diagnostic::error(
                Code::ACKNOWLEDGEMENT_INVALID,
                at("path"),
                format!("`{}` is not a JSON Pointer", printable(path)),
                "write the path as `validate` prints it, starting with `/`, e.g. /firewall/enabled; or leave `path` out for every warning of the code",
            ));
            ok = false;
        }
        if a.reason.trim().is_empty() {
            problems.push(Diagnostic::error(
                Code::ACKNOWLEDGEMENT_INVALID,
                at("reason"),
                "the acknowledgement gives no reason",
                "say why the warning is accepted here, for whoever reads the model next",
            ));
            ok = false;
        }
        if ok {
            valid.push((i, a));
        }
    }
    let mut used = vec![false; valid.len()];
    let mut matched_an_error = vec![false; valid.len()];
    let mut kept = Vec::new();
    let mut acknowledged = Vec::new();
    for d in diagnostics {
        let matches = |a: &crate::model::Acknowledgement| {
            a.code == d.code && a.path.as_deref().is_none_or(|p| within(&d.path, p))
        };
        if d.severity == Severity::Error {
            for (k, (_, a)) in valid.iter().enumerate() {
                if matches(a) {
                    matched_an_error[k] = true;
                }
            }
            kept.push(d);
            continue;
        }
        match valid.iter().position(|(_, a)| matches(a)) {
            Some(k) => {
                used[k] = true;
                let (i, a) = valid[k];
                acknowledged.push(Acknowledged {
                    diagnostic: d,
                    acknowledged_by: pointer(["acknowledge", &i.to_string()]),
                    reason: a.reason.clone(),
                });
            }
            None => kept.push(d),
        }
    }
    for (k, (i, a)) in valid.iter().enumerate() {
        if used[k] {
            continue;
        }
        let whose = match &a.path {
            Some(p) => format!("`{}` at or under {}", a.code, printable(p)),
            None => format!("`{}`", a.code),
        };
        let (message, hint) = if matched_an_error[k] {
            (
                format!(
                    "the model draws no warning {whose}, only errors, which cannot be acknowledged"
                ),
                "correct the model",
            )
        } else {
            (
                format!("the model draws no warning {whose} to acknowledge"),
                "remove the acknowledgement (the model no longer draws the warning), or correct its `code` or `path`",
            )
        };
        problems.push(Diagnostic::warning(
            Code::ACKNOWLEDGEMENT_UNUSED,
            pointer(["acknowledge", &i.to_string()]),
            message,
            hint,
        ));
    }
    kept.extend(problems);
    (kept, acknowledged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_acknowledges_itself_and_what_lies_below_it() {
        assert!(within("/firewall/enabled", "/firewall"));
        assert!(within("/firewall/enabled", "/firewall/enabled"));
        assert!(within("/firewall/enabled", ""));
        assert!(!within("/firewalls", "/firewall"));
        assert!(!within("/firewall", "/firewall/enabled"));
    }
}
