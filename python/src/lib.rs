//! `jitsi_topology._native`: the Rust half of the Python package `jitsi_topology`.
//!
//! A thin layer over the core crate: text in, JSON text out. The Python facade
//! (`jitsi_topology/__init__.py`) turns a dict, a path or a string into model text, passes a
//! mapping (by default `os.environ`) for `{env}` secrets, and parses the JSON it gets back.
//! An invalid model raises `jitsi_topology.TopologyError`, a class written in Python and
//! raised from here with the CLI's text report and the shared error document
//! (`{kind, message, diagnostics}`).

// A deprecated pyo3 API fails the build (pyo3 marks what it will remove as deprecated).
#![deny(deprecated)]

/// mimalloc: rendering makes many small strings, which glibc's malloc served slowly
/// (`benches/profile`; the README's Performance section).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use jitsi_topology::diagnostic::ErrorDocument;
use jitsi_topology::{Acknowledged, Diagnostic, Report, Severity};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

/// Renders model `text`; `env` is a mapping read for `{env}` secrets (only the names the model
/// uses). Returns `(manifest, checked)` as JSON texts: the manifest with each file's
/// `content`, and `{"diagnostics", "acknowledged"}` as [`validate`] returns it.
/// `name` is what the report calls the model (its path; `<model>` when it has none).
#[pyfunction]
#[pyo3(signature = (text, env, name = None))]
fn render(
    py: Python<'_>,
    text: &str,
    env: &Bound<'_, PyAny>,
    name: Option<&str>,
) -> PyResult<(String, String)> {
    let lookup = |name: &str| secret_from(env, name);
    match jitsi_topology::render(text, &lookup) {
        Ok(rendered) => Ok((
            rendered.bundle.manifest_json(true, false),
            checked_json(rendered.warnings, rendered.notes, &rendered.acknowledged)?,
        )),
        Err(jitsi_topology::Error::Invalid(report)) => Err(topology_error(py, &report, text, name)),
        Err(e) => Err(PyRuntimeError::new_err(format!(
            "internal error, please report it: {e}"
        ))),
    }
}

/// Checks model `text`. Returns `{"diagnostics", "acknowledged"}` as JSON text, as the CLI's
/// `validate --format json` prints it: the warnings and the notes (severity `info`), sorted,
/// and the warnings the model acknowledges, each with `acknowledged_by` and `reason`. Raises
/// `TopologyError` when the model has an error (`name`: as for [`render`]).
#[pyfunction]
#[pyo3(signature = (text, env, name = None))]
fn validate(
    py: Python<'_>,
    text: &str,
    env: &Bound<'_, PyAny>,
    name: Option<&str>,
) -> PyResult<String> {
    let lookup = |name: &str| secret_from(env, name);
    match jitsi_topology::check(text, &lookup) {
        Ok(checked) => checked_json(checked.warnings, checked.notes, &checked.acknowledged),
        Err(report) => Err(topology_error(py, &report, text, name)),
    }
}

/// Checks and resolves model `text` (`name`: as for [`render`]). Returns `(deployment,
/// checked)` as JSON texts: the resolved deployment exactly as `jitsi-topology resolve` prints
/// it (every derived name, address, nickname and port choice, and each secret as its source
/// and file, never its value), and `{"diagnostics", "acknowledged"}` as [`validate`] returns it.
#[pyfunction]
#[pyo3(signature = (text, env, name = None))]
fn resolve(
    py: Python<'_>,
    text: &str,
    env: &Bound<'_, PyAny>,
    name: Option<&str>,
) -> PyResult<(String, String)> {
    let lookup = |name: &str| secret_from(env, name);
    match jitsi_topology::check(text, &lookup) {
        Ok(checked) => Ok((
            to_json(&checked.deployment)?,
            checked_json(checked.warnings, checked.notes, &checked.acknowledged)?,
        )),
        Err(report) => Err(topology_error(py, &report, text, name)),
    }
}

/// What changes between two manifests (JSON texts, each with the `content` of its files where
/// known), as `jitsi-topology plan --format json` prints it (without the `diff` texts with
/// `stat`). A file flagged secret is compared by the SHA-256 of its content, computed here;
/// the content of a file flagged secret or unreadable to others is dropped before planning,
/// so the plan shows "content differs (withheld)" for it, never a diff (as the CLI does).
#[pyfunction]
#[pyo3(signature = (old, new, stat = false))]
fn plan(old: &str, new: &str, stat: bool) -> PyResult<String> {
    let (old, new) = (plannable("old", old)?, plannable("new", new)?);
    let mut plan = jitsi_topology::plan::plan(&old, &new);
    if stat {
        for host in &mut plan.hosts {
            host.diffs.iter_mut().for_each(|d| d.diff = None);
        }
    }
    to_json(&plan)
}

/// A manifest ready for [`jitsi_topology::plan::plan`]: each file flagged secret gets the
/// SHA-256 of its content (in memory only), then only the contents `plan` may show stay.
fn plannable(which: &str, text: &str) -> PyResult<jitsi_topology::Manifest<'static>> {
    let mut manifest: jitsi_topology::Manifest<'static> =
        serde_json::from_str(text).map_err(|e| {
            PyValueError::new_err(format!(
                "the {which} manifest is not a manifest of this library: {} at line {} column {}",
                unquoted(&e),
                e.line(),
                e.column()
            ))
        })?;
    for file in manifest.hosts.iter_mut().flat_map(|h| h.files.iter_mut()) {
        if file.secret && file.sha256.is_none() {
            file.sha256 = file
                .content
                .as_deref()
                .map(|c| jitsi_topology::bundle::sha256_hex(c.as_bytes()));
        }
        if !jitsi_topology::plan::may_show(file) {
            file.content = None;
        }
    }
    Ok(manifest)
}

/// What serde_json says is wrong with a manifest, without the value it quotes (`invalid type:
/// string "…"`): a manifest [`render`] returned holds every file's content, secrets included.
/// The same rule as the CLI's `plan` reading a manifest.json.
fn unquoted(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let message = message.split(" at line ").next().unwrap_or_default();
    match message.split_once(", expected ") {
        Some((_, expected)) => format!("expected {expected}"),
        None if message.contains(['"', '`']) && !message.starts_with("missing field") => {
            format!("{:?} error", e.classify()).to_lowercase()
        }
        None => message.to_owned(),
    }
}

/// The JSON Schema of the model, or with `manifest` of the manifest, as JSON text.
#[pyfunction]
#[pyo3(signature = (manifest = false))]
fn schema(manifest: bool) -> String {
    let s = if manifest {
        jitsi_topology::schema::manifest()
    } else {
        jitsi_topology::schema::topology()
    };
    jitsi_topology::schema::to_text(&s)
}

/// What to do to a host's services after the files at the `changed` paths were written:
/// `host` is one host of a manifest (JSON text). Returns JSON text, a list of `{name, action,
/// command}`: each service once, with the strongest action its changed files ask for, in the
/// order of the host's service steps (the core's `plan::service_actions`).
#[pyfunction]
fn service_actions(host: &str, changed: Vec<String>) -> PyResult<String> {
    let host: jitsi_topology::bundle::ManifestHost<'_> = serde_json::from_str(host)
        .map_err(|e| PyValueError::new_err(format!("the host is not a manifest's host: {e}")))?;
    let changed: Vec<&str> = changed.iter().map(String::as_str).collect();
    to_json(&jitsi_topology::plan::service_actions(&host, &changed))
}

/// One diagnostic (JSON text) as the CLI prints it: `severity[code]: path: message` and its
/// hint line.
#[pyfunction]
fn format_diagnostic(diagnostic: &str) -> PyResult<String> {
    let parsed: serde_json::Value = serde_json::from_str(diagnostic)
        .map_err(|e| PyValueError::new_err(format!("the diagnostic is not JSON: {e}")))?;
    Ok(diagnostic_from_json(&parsed)?.to_string())
}

fn diagnostic_from_json(v: &serde_json::Value) -> PyResult<Diagnostic> {
    let field = |k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| PyValueError::new_err(format!("a diagnostic needs a string `{k}`")))
    };
    let (code, path, message, hint) = (
        field("code")?,
        field("path")?,
        field("message")?,
        field("hint")?,
    );
    let severity = match field("severity")? {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        "info" => Severity::Info,
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown severity `{other}` (error, warning or info)"
            )));
        }
    };
    // Any code: the caller's diagnostic may come from another version of the library.
    Ok(Diagnostic::with_any_code(
        severity, code, path, message, hint,
    ))
}

/// One `{env}` secret from the caller's mapping; absent, `None` or not a string means unset
/// (validation then reports `env-missing`, naming the variable and never a value).
fn secret_from(env: &Bound<'_, PyAny>, name: &str) -> Option<String> {
    let value = env.get_item(name).ok()?;
    if value.is_none() {
        return None;
    }
    value.extract::<String>().ok()
}

/// `{"diagnostics": warnings and notes, sorted, "acknowledged"}` as JSON text.
fn checked_json(
    mut warnings: Vec<Diagnostic>,
    notes: Vec<Diagnostic>,
    acknowledged: &[Acknowledged],
) -> PyResult<String> {
    warnings.extend(notes);
    jitsi_topology::diagnostic::sort(&mut warnings);
    to_json(&serde_json::json!({ "diagnostics": warnings, "acknowledged": acknowledged }))
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> PyResult<String> {
    serde_json::to_string(value)
        .map_err(|e| PyRuntimeError::new_err(format!("internal error, please report it: {e}")))
}

/// `jitsi_topology.TopologyError(report_text, error_document)`, raised from here; the report
/// text is the CLI's (`validate` without colour): each problem at its line with its source
/// line.
fn topology_error(py: Python<'_>, report: &Report, text: &str, name: Option<&str>) -> PyErr {
    let shown = jitsi_topology::pretty::report(
        &report.diagnostics,
        &jitsi_topology::pretty::Source {
            name: name.unwrap_or("<model>"),
            text,
        },
        &jitsi_topology::pretty::Options::default(),
    );
    let build = || -> PyResult<PyErr> {
        let document = to_json(&ErrorDocument::from(report))?;
        let document = py.import("json")?.call_method1("loads", (document,))?;
        let class = py
            .import("jitsi_topology._errors")?
            .getattr("TopologyError")?;
        let error = class.call1((shown.as_str(), document))?;
        Ok(PyErr::from_value(error))
    };
    build().unwrap_or_else(|e| e)
}

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(render, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(resolve, m)?)?;
    m.add_function(wrap_pyfunction!(plan, m)?)?;
    m.add_function(wrap_pyfunction!(schema, m)?)?;
    m.add_function(wrap_pyfunction!(format_diagnostic, m)?)?;
    m.add_function(wrap_pyfunction!(service_actions, m)?)?;
    Ok(())
}
