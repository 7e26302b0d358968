//! # libjitsi_topology: the C ABI of jitsi-topology
//!
//! The same pipeline as the Rust crate and the CLI (load → validate → resolve → render), for
//! any language with a C FFI: a NUL-terminated UTF-8 model (YAML or JSON) goes in, JSON comes
//! out, and every function returns a `jt_status`.
//!
//! | function | on success, `*out_json` is |
//! |---|---|
//! | `jt_render()` | the manifest (`schemas/manifest.schema.json`) with each file's `content` |
//! | `jt_validate()` | `{"diagnostics": [...], "acknowledged": [...]}`: the model's warnings and notes, and the warnings it acknowledges |
//! | `jt_resolve()` | the resolved deployment, as `jitsi-topology resolve` prints it |
//! | `jt_plan()` | what changes from one model to another, as `jitsi-topology plan --format json` prints it |
//! | `jt_schema()` | the model's JSON Schema (`schemas/topology.schema.json`, byte for byte) |
//! | `jt_manifest_schema()` | the manifest's JSON Schema (`schemas/manifest.schema.json`) |
//!
//! On failure `*err_json` is the error document every surface shares (CLI `--format json`,
//! Python's `TopologyError`): `{"kind", "message", "diagnostics": [{"severity", "code",
//! "path", "message", "hint", "line", "column", "related"}]}`, where `path` is a JSON Pointer
//! into the model, `line` and `column` (1-based; absent when the text does not hold the path)
//! where it is in the model's text, and `related` (absent when empty) the other places the
//! problem involves, each `{"path", "label", "line", "column"}`. `severity` is `error`,
//! `warning` or `info` (a note: nothing is wrong, but an operator should know, e.g.
//! `public-stun`). An acknowledged warning (the model's `acknowledge` list) is a diagnostic
//! with `acknowledged_by` (the JSON Pointer of the acknowledgement) and `reason`.
//!
//! ## Ownership
//! Every `char *` the library hands out is owned by the caller and freed with
//! `jt_string_free()`, exactly once; nothing else may free it. The caller may modify its
//! bytes (even write a NUL into it) before freeing it. `jt_version()` returns a static string
//! that is never freed. The library keeps no pointer to anything the caller passes in.
//!
//! ## Errors and panics
//! Out-parameters are set to NULL before anything else, so on every path the caller frees
//! both and is never left with a stale pointer. No panic unwinds into C: every exported
//! function runs its work under `std::panic::catch_unwind` and reports a panic as
//! `JT_PANIC`. The crate refuses to build with `panic = "abort"`, under which
//! that boundary would do nothing.
//!
//! ## Threads
//! Every function may be called from any number of threads at once: calls share nothing
//! mutable (the one shared thing, the core's template environment, is built once and then
//! only read). `{env}` secrets are read from the process environment during the call
//! (`getenv` semantics); as for any C library, do not `setenv` in another thread meanwhile.
//!
//! This crate is the only place in the project with `unsafe` code: raw pointers from C in,
//! `malloc`ed strings out.

// This crate is where the project's `unsafe` lives (the workspace denies it elsewhere): C hands
// us raw pointers and takes raw pointers back. Each block says why it is sound.
#![allow(unsafe_code)]
// The exported names are C's: `jt_status`, `JT_OK`, as the header spells them.
#![allow(non_camel_case_types)]

/// mimalloc: rendering makes many small strings, which glibc's malloc served slowly
/// (`benches/profile`; the README's Performance section). Not in the fuzz build, which compiles
/// this file into its own binary and needs libFuzzer to see every allocation.
#[cfg(not(fuzzing))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(panic = "abort")]
compile_error!(
    "libjitsi_topology must be built with panic = \"unwind\": with \"abort\", the panic \
     boundary of every exported function does nothing and a bug would kill the caller's process"
);

use std::ffi::{CStr, c_char, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use topology::diagnostic::ErrorDocument;

/// What a call did. `JT_OK` is 0; every other value is an error and comes with an error
/// document in `*err_json` (where the function has one).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jt_status {
    /// Success: `*out_json` holds the result and `*err_json` is NULL.
    JT_OK = 0,
    /// The model is not valid (syntax, types, unknown keys or a rule); the error document's
    /// kind is `invalid-model` and its `diagnostics` say where (JSON Pointer, and `line` and
    /// `column` in the model's text, 1-based, when the text holds the path) and why.
    JT_INVALID_MODEL = 1,
    /// A required pointer argument was NULL; kind `null-argument`. When `err_json` itself is
    /// NULL, nothing is written anywhere.
    JT_NULL_ARGUMENT = 2,
    /// The model is not UTF-8; kind `invalid-utf8`, the message gives the byte offset.
    JT_INVALID_UTF8 = 3,
    /// A bug in the library panicked and was caught; kind `panic`. The process is fine and
    /// later calls work; please report it with the model.
    JT_PANIC = 4,
    /// Anything else that is not the model's fault (a rendering bug, out of memory for the
    /// result); kind `internal`.
    JT_INTERNAL = 5,
}

use jt_status::*;

impl jt_status {
    /// The error document's `kind` for this status.
    fn kind(self) -> &'static str {
        match self {
            JT_OK => "ok",
            JT_INVALID_MODEL => "invalid-model",
            JT_NULL_ARGUMENT => "null-argument",
            JT_INVALID_UTF8 => "invalid-utf8",
            JT_PANIC => "panic",
            JT_INTERNAL => "internal",
        }
    }
}

/// The package version, e.g. `0.1.0`, NUL-terminated.
const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(version) => version,
        Err(_) => panic!("the package version contains no NUL byte"),
    };

/// The message of a caught panic. It does not quote the panic's payload: that is a bug's
/// text, which could hold a value from the model, and a secret must never reach an error.
const PANIC_MESSAGE: &str =
    "jitsi-topology panicked (a bug; please report it with the model that caused it)";

/// The library's version, e.g. `"0.1.0"`: the version of jitsi-topology it renders with.
///
/// Ownership: a static NUL-terminated string, valid for the life of the process. Never free it.
#[unsafe(no_mangle)]
pub extern "C" fn jt_version() -> *const c_char {
    catch_unwind(|| VERSION.as_ptr()).unwrap_or(c"".as_ptr())
}

/// Renders a model: the whole pipeline, as the CLI's `render`.
///
/// `model` is the model as NUL-terminated UTF-8 text, YAML or JSON (at most 16 MiB).
/// `{env}` secrets are read from the process environment during the call.
///
/// On `JT_OK`, `*out_json` is the manifest (`{"format": 1, "release", "generator", "hosts":
/// [...]}`, `schemas/manifest.schema.json`) with each file's `content` included, and
/// `*err_json` is NULL. Warnings are not part of the manifest: `jt_validate()` returns them.
/// On any other status, `*out_json` is NULL and `*err_json` is the error document
/// `{"kind", "message", "diagnostics"}` (unless `err_json` itself is NULL).
///
/// Ownership: the caller owns both strings written to `*out_json` and `*err_json` and frees
/// each with `jt_string_free()` (NULL is fine to free). `model` is only read during the call.
///
/// # Safety
/// `model` is NULL or points to a NUL-terminated string readable for the whole call.
/// `out_json` and `err_json` are each NULL or point to a `char *` writable for the whole call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jt_render(
    model: *const c_char,
    out_json: *mut *mut c_char,
    err_json: *mut *mut c_char,
) -> jt_status {
    // SAFETY: the caller's contract above is exactly what `with_model` needs.
    unsafe { with_model(model, out_json, err_json, render) }
}

/// Validates a model: loads, validates and resolves it, as the CLI's `validate`.
///
/// `model` is the model as NUL-terminated UTF-8 text, YAML or JSON. `{env}` secrets are read
/// from the process environment during the call (a missing variable is an error).
///
/// On `JT_OK` (the model renders), `*out_json` is `{"diagnostics": [...], "acknowledged":
/// [...]}`, as the CLI's `validate --format json` prints it: `diagnostics` holds the model's
/// warnings and its notes (severity `info`), sorted, and `acknowledged` the warnings the model
/// acknowledges, each with `acknowledged_by` and `reason` (both lists possibly empty);
/// `*err_json` is NULL. On any other status, `*out_json` is NULL and `*err_json` is the error
/// document `{"kind", "message", "diagnostics"}` (unless `err_json` itself is NULL); for
/// `JT_INVALID_MODEL` its diagnostics hold every error and warning at once.
///
/// Ownership: as `jt_render()`: free both out-strings with `jt_string_free()`.
///
/// # Safety
/// As `jt_render()`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jt_validate(
    model: *const c_char,
    out_json: *mut *mut c_char,
    err_json: *mut *mut c_char,
) -> jt_status {
    // SAFETY: the caller's contract above is exactly what `with_model` needs.
    unsafe { with_model(model, out_json, err_json, validate) }
}

/// Resolves a model: every name, JID, path, port, package and version choice of the
/// deployment, per host, as `jitsi-topology resolve` prints it (compact here) and never a
/// secret value (a secret is its reference: `{file}`, `{env}` or `{value}` withheld).
///
/// `model` is the model as NUL-terminated UTF-8 text, YAML or JSON; `{env}` secrets are read
/// from the process environment during the call (a missing variable is an error).
///
/// On `JT_OK`, `*out_json` is the deployment's JSON and `*err_json` is NULL. On any other
/// status, `*out_json` is NULL and `*err_json` is the error document, as for `jt_render()`.
///
/// Ownership: as `jt_render()`: free both out-strings with `jt_string_free()`.
///
/// # Safety
/// As `jt_render()`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jt_resolve(
    model: *const c_char,
    out_json: *mut *mut c_char,
    err_json: *mut *mut c_char,
) -> jt_status {
    // SAFETY: the caller's contract above is exactly what `with_model` needs.
    unsafe { with_model(model, out_json, err_json, resolve) }
}

/// Plans a change: what differs from the render of `old_model` to the render of `new_model`,
/// per host, and what must be reloaded, restarted, drained or run again, as `jitsi-topology
/// plan OLD NEW --format json` prints it for two models (compact here): `{"changes": bool,
/// "hosts": [{"name", "status", "added", "changed", "diffs", "removed", "services",
/// "steps"}]}`. A changed file's `diff` is a unified diff, except for a file flagged secret or
/// unreadable to others on either side, whose content is `withheld` (compared by SHA-256,
/// never shown).
///
/// Both models are NUL-terminated UTF-8 text, YAML or JSON; `{env}` secrets of both are read
/// from the process environment during the call.
///
/// On `JT_OK` (whether or not anything changes: see `changes`), `*out_json` is the plan and
/// `*err_json` is NULL. On any other status, `*out_json` is NULL and `*err_json` is the error
/// document; for `JT_INVALID_MODEL` its message begins with `old model:` or `new model:` and
/// its diagnostics are that model's.
///
/// Ownership: as `jt_render()`: free both out-strings with `jt_string_free()`.
///
/// # Safety
/// `old_model` and `new_model` are each NULL or point to a NUL-terminated string readable for
/// the whole call. `out_json` and `err_json` are each NULL or point to a `char *` writable for
/// the whole call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jt_plan(
    old_model: *const c_char,
    new_model: *const c_char,
    out_json: *mut *mut c_char,
    err_json: *mut *mut c_char,
) -> jt_status {
    let work = || {
        // SAFETY: the caller's contract above on both models.
        let (old, new) = unsafe {
            (
                model_text(old_model, "old_model")?,
                model_text(new_model, "new_model")?,
            )
        };
        plan(old, new)
    };
    // SAFETY: the caller's contract above on the out-parameters.
    unsafe { with_work(out_json, err_json, work) }
}

/// The JSON Schema (draft 2020-12) of the model, byte for byte `schemas/topology.schema.json`.
///
/// Returns `JT_OK` and sets `*out_json`; `JT_NULL_ARGUMENT` when `out_json` is NULL;
/// `JT_PANIC` or `JT_INTERNAL` (with `*out_json` NULL) only on a bug.
///
/// Ownership: the caller frees `*out_json` with `jt_string_free()`.
///
/// # Safety
/// `out_json` is NULL or points to a `char *` writable for the whole call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jt_schema(out_json: *mut *mut c_char) -> jt_status {
    // SAFETY: the caller's contract above is exactly what `without_model` needs.
    unsafe {
        without_model(out_json, || {
            Ok(topology::schema::to_text(&topology::schema::topology()))
        })
    }
}

/// The JSON Schema (draft 2020-12) of the manifest `jt_render()` returns, byte for byte
/// `schemas/manifest.schema.json`.
///
/// Returns and owns as `jt_schema()`.
///
/// # Safety
/// As `jt_schema()`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jt_manifest_schema(out_json: *mut *mut c_char) -> jt_status {
    // SAFETY: the caller's contract above is exactly what `without_model` needs.
    unsafe {
        without_model(out_json, || {
            Ok(topology::schema::to_text(&topology::schema::manifest()))
        })
    }
}

/// Frees a string this library returned. NULL is a no-op.
///
/// This is the only way to free the library's strings: not `free()`, not twice.
///
/// # Safety
/// `s` is NULL or a string from `*out_json` or `*err_json` of this library that has not been
/// freed yet. Its bytes may have been changed; it must not be used after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jt_string_free(s: *mut c_char) {
    // `free` does not unwind; the boundary is there so that no future change can let one out.
    let _ = catch_unwind(|| {
        if !s.is_null() {
            // SAFETY: `s` came from `malloc` in `to_c_string` and was not freed (the caller's
            // contract). `free` needs no length, so a caller who wrote into it is fine.
            unsafe { free(s.cast()) }
        }
    });
}

// The C allocator, which std links anyway. Returned strings are malloc'ed rather than
// `CString::into_raw`: `CString::from_raw` re-measures the length, which would be wrong (and
// undefined behaviour) after a caller legitimately wrote a NUL into its `char *`.
unsafe extern "C" {
    fn malloc(size: usize) -> *mut c_void;
    fn free(p: *mut c_void);
}

/// Why a call failed: a status and the error document for `*err_json`.
#[derive(Debug)]
struct Failure {
    status: jt_status,
    document: ErrorDocument,
}

impl Failure {
    fn new(status: jt_status, message: impl Into<String>) -> Self {
        Self {
            status,
            document: ErrorDocument::new(status.kind(), message),
        }
    }

    fn null_argument(name: &str) -> Self {
        Self::new(
            JT_NULL_ARGUMENT,
            format!("`{name}` is NULL; pass a valid pointer"),
        )
    }

    fn invalid_model(report: &topology::Report) -> Self {
        Self {
            status: JT_INVALID_MODEL,
            document: ErrorDocument::from(report),
        }
    }

    /// The error document as JSON.
    fn to_json(&self) -> String {
        serde_json::to_string(&self.document).unwrap_or_else(|e| {
            // Serializing strings and a list cannot fail; should it, say so in valid JSON.
            serde_json::json!({
                "kind": "internal",
                "message": format!("the error document did not serialize: {e}"),
                "diagnostics": [],
            })
            .to_string()
        })
    }
}

/// Reads `{env}` secrets from the process environment at render time.
fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn render(text: &str) -> Result<String, Failure> {
    match topology::render(text, &process_env) {
        Ok(rendered) => Ok(rendered.bundle.manifest_json(true, false)),
        Err(topology::Error::Invalid(report)) => Err(Failure::invalid_model(&report)),
        Err(e) => Err(Failure::new(
            JT_INTERNAL,
            format!("internal error, please report it: {e}"),
        )),
    }
}

fn validate(text: &str) -> Result<String, Failure> {
    match topology::check(text, &process_env) {
        Ok(checked) => {
            let mut diagnostics = checked.warnings;
            diagnostics.extend(checked.notes);
            topology::diagnostic::sort(&mut diagnostics);
            to_json(&serde_json::json!({
                "diagnostics": diagnostics,
                "acknowledged": checked.acknowledged,
            }))
        }
        Err(report) => Err(Failure::invalid_model(&report)),
    }
}

fn resolve(text: &str) -> Result<String, Failure> {
    match topology::check(text, &process_env) {
        Ok(checked) => to_json(&checked.deployment),
        Err(report) => Err(Failure::invalid_model(&report)),
    }
}

fn plan(old: &str, new: &str) -> Result<String, Failure> {
    let comparable = |text: &str, which: &str| match topology::render(text, &process_env) {
        Ok(rendered) => Ok(topology::plan::comparable(&rendered.bundle)),
        Err(topology::Error::Invalid(report)) => {
            let mut failure = Failure::invalid_model(&report);
            failure.document.message = format!("{which} model: {}", failure.document.message);
            Err(failure)
        }
        Err(e) => Err(Failure::new(
            JT_INTERNAL,
            format!("internal error, please report it: {e}"),
        )),
    };
    let (old, new) = (comparable(old, "old")?, comparable(new, "new")?);
    to_json(&topology::plan::plan(&old, &new))
}

fn to_json(value: &impl serde::Serialize) -> Result<String, Failure> {
    serde_json::to_string(value).map_err(|e| {
        Failure::new(
            JT_INTERNAL,
            format!("the result did not serialize, please report it: {e}"),
        )
    })
}

/// The model text behind `model`, the argument called `name`.
///
/// # Safety
/// `model` is NULL or points to a NUL-terminated string readable for `'a`.
unsafe fn model_text<'a>(model: *const c_char, name: &str) -> Result<&'a str, Failure> {
    if model.is_null() {
        return Err(Failure::null_argument(name));
    }
    // SAFETY: non-NULL, and NUL-terminated and readable for 'a by the caller's contract.
    let bytes = unsafe { CStr::from_ptr(model) };
    bytes.to_str().map_err(|e| {
        Failure::new(
            JT_INVALID_UTF8,
            format!(
                "the {} is not UTF-8 text (invalid byte at offset {})",
                name.replace('_', " "),
                e.valid_up_to()
            ),
        )
    })
}

/// The boundary of `jt_render`, `jt_validate` and `jt_resolve`: [`with_work`] on the text of
/// `model`.
///
/// # Safety
/// `model` is NULL or a NUL-terminated string readable for the call; `out_json` and
/// `err_json` are each NULL or writable.
unsafe fn with_model(
    model: *const c_char,
    out_json: *mut *mut c_char,
    err_json: *mut *mut c_char,
    work: fn(&str) -> Result<String, Failure>,
) -> jt_status {
    let work = || {
        // SAFETY: the caller's contract on `model`.
        let text = unsafe { model_text(model, "model") }?;
        work(text)
    };
    // SAFETY: the caller's contract on the out-parameters, passed on.
    unsafe { with_work(out_json, err_json, work) }
}

/// The boundary of every function with an error document: clears the out-parameters, checks
/// them, runs `work` under `catch_unwind` (it reads its own arguments), and writes the result.
///
/// # Safety
/// `out_json` and `err_json` are each NULL or writable; `work` reads only what its caller
/// vouches for.
unsafe fn with_work(
    out_json: *mut *mut c_char,
    err_json: *mut *mut c_char,
    work: impl FnOnce() -> Result<String, Failure>,
) -> jt_status {
    // SAFETY: each is NULL (skipped) or writable, by the caller's contract.
    unsafe {
        clear(out_json);
        clear(err_json);
    }
    if err_json.is_null() {
        // Nowhere to say more; the status is the whole answer.
        return JT_NULL_ARGUMENT;
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        if out_json.is_null() {
            return Err(Failure::null_argument("out_json"));
        }
        work()
    }));
    let (status, result) = match outcome {
        Ok(Ok(json)) => (JT_OK, Ok(json)),
        Ok(Err(failure)) => (failure.status, Err(failure.to_json())),
        Err(_) => (
            JT_PANIC,
            Err(Failure::new(JT_PANIC, PANIC_MESSAGE).to_json()),
        ),
    };
    match result {
        Ok(json) => match to_c_string(&json) {
            Some(s) => {
                // SAFETY: `out_json` is non-NULL (checked in the closure, which returned Ok)
                // and writable.
                unsafe { out_json.write(s) };
                JT_OK
            }
            None => {
                let failure = Failure::new(
                    JT_INTERNAL,
                    "could not allocate the result, or it held a NUL byte",
                );
                // SAFETY: `err_json` is non-NULL (checked above) and writable.
                unsafe {
                    err_json.write(to_c_string(&failure.to_json()).unwrap_or(ptr::null_mut()))
                };
                JT_INTERNAL
            }
        },
        Err(json) => {
            // SAFETY: `err_json` is non-NULL (checked above) and writable. If even the error
            // document cannot be allocated, it stays NULL and the status says what happened.
            unsafe { err_json.write(to_c_string(&json).unwrap_or(ptr::null_mut())) };
            status
        }
    }
}

/// The boundary of the functions without a model or error document (`jt_schema`, …).
///
/// # Safety
/// `out_json` is NULL or writable.
unsafe fn without_model(
    out_json: *mut *mut c_char,
    work: impl FnOnce() -> Result<String, Failure>,
) -> jt_status {
    if out_json.is_null() {
        return JT_NULL_ARGUMENT;
    }
    // SAFETY: non-NULL and writable by the caller's contract.
    unsafe { out_json.write(ptr::null_mut()) };
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(Ok(json)) => match to_c_string(&json) {
            Some(s) => {
                // SAFETY: as above.
                unsafe { out_json.write(s) };
                JT_OK
            }
            None => JT_INTERNAL,
        },
        Ok(Err(failure)) => failure.status,
        Err(_) => JT_PANIC,
    }
}

/// Sets `*slot` to NULL when `slot` is not NULL.
///
/// # Safety
/// `slot` is NULL or writable.
unsafe fn clear(slot: *mut *mut c_char) {
    if !slot.is_null() {
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { slot.write(ptr::null_mut()) };
    }
}

/// `s` as a NUL-terminated string from `malloc`, for `jt_string_free()`. `None` when `s`
/// holds a NUL byte (JSON never does: serde_json escapes it) or `malloc` fails.
fn to_c_string(s: &str) -> Option<*mut c_char> {
    if s.as_bytes().contains(&0) {
        return None;
    }
    let len = s.len();
    // SAFETY: `malloc` has no preconditions; the result is checked for NULL.
    let p: *mut u8 = unsafe { malloc(len + 1) }.cast();
    if p.is_null() {
        return None;
    }
    // SAFETY: `p` is a fresh allocation of len + 1 bytes, which cannot overlap `s`.
    unsafe {
        ptr::copy_nonoverlapping(s.as_ptr(), p, len);
        p.add(len).write(0);
    }
    Some(p.cast())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HANDBOOK: &str = include_str!("../../examples/handbook.yaml");

    /// Calls `f` like a C caller: out-parameters pre-set to garbage, results copied out and
    /// freed with `jt_string_free`.
    fn call(
        f: unsafe extern "C" fn(*const c_char, *mut *mut c_char, *mut *mut c_char) -> jt_status,
        model: &CStr,
    ) -> (jt_status, Option<String>, Option<String>) {
        let mut out = c"garbage".as_ptr().cast_mut();
        let mut err = c"garbage".as_ptr().cast_mut();
        let status = unsafe { f(model.as_ptr(), &mut out, &mut err) };
        (status, take(out), take(err))
    }

    fn take(s: *mut c_char) -> Option<String> {
        if s.is_null() {
            return None;
        }
        let text = unsafe { CStr::from_ptr(s) }.to_str().unwrap().to_owned();
        unsafe { jt_string_free(s) };
        Some(text)
    }

    fn c(text: &str) -> std::ffi::CString {
        std::ffi::CString::new(text).unwrap()
    }

    fn json(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn the_handbook_renders_to_the_manifest_with_contents() {
        let (status, out, err) = call(jt_render, &c(HANDBOOK));
        assert_eq!(status, JT_OK);
        assert_eq!(err, None);
        let manifest = json(&out.unwrap());
        let expected = topology::render(HANDBOOK, &std::collections::BTreeMap::new())
            .unwrap()
            .bundle;
        assert_eq!(
            manifest,
            serde_json::to_value(expected.manifest(true)).unwrap()
        );
        assert_eq!(manifest["hosts"].as_array().unwrap().len(), 4);
        let jvb1 = manifest["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == "jvb1.meet.example.com")
            .unwrap();
        let jvb_conf = jvb1["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == "/etc/jitsi/videobridge/jvb.conf")
            .unwrap();
        assert!(
            jvb_conf["content"]
                .as_str()
                .unwrap()
                .contains("jvbbrewery@internal.auth.meet.example.com")
        );
    }

    #[test]
    fn resolve_is_the_deployment_the_cli_prints() {
        let (status, out, err) = call(jt_resolve, &c(HANDBOOK));
        assert_eq!((status, &err), (JT_OK, &None));
        let checked = topology::check(HANDBOOK, &std::collections::BTreeMap::new()).unwrap();
        assert_eq!(
            json(&out.unwrap()),
            serde_json::to_value(&checked.deployment).unwrap()
        );
    }

    #[test]
    fn plan_is_the_plan_of_the_two_renders_as_the_cli_compares_them() {
        let old: String = HANDBOOK
            .lines()
            .filter(|l| !l.contains("host: jvb3.meet.example.com"))
            .map(|l| format!("{l}\n"))
            .collect();
        let (old_c, new_c) = (c(&old), c(HANDBOOK));
        let mut out = c"garbage".as_ptr().cast_mut();
        let mut err = c"garbage".as_ptr().cast_mut();
        let status = unsafe { jt_plan(old_c.as_ptr(), new_c.as_ptr(), &mut out, &mut err) };
        assert_eq!((status, take(err)), (JT_OK, None));
        let plan = json(&take(out).unwrap());
        let comparable = |text: &str| {
            let env = std::collections::BTreeMap::new();
            topology::plan::comparable(&topology::render(text, &env).unwrap().bundle)
        };
        let expected = topology::plan::plan(&comparable(&old), &comparable(HANDBOOK));
        assert_eq!(plan, serde_json::to_value(&expected).unwrap());
        assert_eq!(plan["changes"], true);
        assert!(
            plan["hosts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| { h["name"] == "jvb3.meet.example.com" && h["status"] == "added" })
        );
    }

    #[test]
    fn eight_threads_render_at_once_and_agree() {
        let (_, expected, _) = call(jt_render, &c(HANDBOOK));
        let results: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| call(jt_render, &c(HANDBOOK))))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (status, out, err) in results {
            assert_eq!((status, &out, err), (JT_OK, &expected, None));
        }
    }

    #[test]
    fn a_valid_model_validates_with_its_warnings_and_notes() {
        let (status, out, err) = call(jt_validate, &c(HANDBOOK));
        assert_eq!((status, err), (JT_OK, None));
        let out = json(&out.unwrap());
        assert_eq!(out["acknowledged"], serde_json::json!([]));
        let shown: Vec<_> = out["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["severity"].as_str().unwrap(), d["code"].as_str().unwrap()))
            .collect();
        assert_eq!(shown, [("info", "public-stun")]);

        let self_signed = HANDBOOK.replace(
            "  mode: own\n  certificate: /etc/ssl/meet.example.com.crt\n  key: /etc/ssl/meet.example.com.key\n",
            "  mode: self-signed\n",
        );
        let (status, out, _) = call(jt_validate, &c(&self_signed));
        assert_eq!(status, JT_OK);
        let out = json(&out.unwrap());
        assert!(
            out["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["severity"] == "warning" && d["code"] == "tls-self-signed"),
            "{out}"
        );
    }

    #[test]
    fn an_invalid_model_names_the_field_by_json_pointer() {
        let model = HANDBOOK.replace("address: 10.0.0.12", "address: 10.0.0.11");
        for f in [jt_render, jt_validate] {
            let (status, out, err) = call(f, &c(&model));
            assert_eq!((status, &out), (JT_INVALID_MODEL, &None));
            let err = json(&err.unwrap());
            assert_eq!(err["kind"], "invalid-model");
            let d = &err["diagnostics"][0];
            assert_eq!(d["path"], "/bridges/1/address");
            assert_eq!(d["code"], "duplicate-address");
            assert_eq!(d["severity"], "error");
            assert!(d["hint"].is_string() && d["message"].is_string());
        }
    }

    #[test]
    fn the_error_document_is_the_cores() {
        let model = HANDBOOK.replace("bridge_networks", "brige_networks");
        let (_, _, err) = call(jt_render, &c(&model));
        let report = topology::check(&model, &std::collections::BTreeMap::new()).unwrap_err();
        assert_eq!(
            json(&err.unwrap()),
            serde_json::to_value(ErrorDocument::from(&report)).unwrap()
        );
    }

    #[test]
    fn null_arguments_are_reported_not_dereferenced() {
        for f in [jt_render, jt_validate] {
            let mut out = c"garbage".as_ptr().cast_mut();
            let mut err = c"garbage".as_ptr().cast_mut();
            let status = unsafe { f(ptr::null(), &mut out, &mut err) };
            assert_eq!(status, JT_NULL_ARGUMENT);
            assert!(out.is_null());
            let err = json(&take(err).unwrap());
            assert_eq!(err["kind"], "null-argument");
            assert!(err["message"].as_str().unwrap().contains("`model`"));

            let mut err = ptr::null_mut();
            let status = unsafe { f(c"x: 1".as_ptr(), ptr::null_mut(), &mut err) };
            assert_eq!(status, JT_NULL_ARGUMENT);
            assert!(take(err).unwrap().contains("`out_json`"));

            let mut out = c"garbage".as_ptr().cast_mut();
            let status = unsafe { f(c"x: 1".as_ptr(), &mut out, ptr::null_mut()) };
            assert_eq!(status, JT_NULL_ARGUMENT);
            assert!(out.is_null());
        }
        assert_eq!(unsafe { jt_schema(ptr::null_mut()) }, JT_NULL_ARGUMENT);
        assert_eq!(
            unsafe { jt_manifest_schema(ptr::null_mut()) },
            JT_NULL_ARGUMENT
        );
        unsafe { jt_string_free(ptr::null_mut()) };
    }

    #[test]
    fn invalid_utf8_is_reported_with_its_offset() {
        let model = std::ffi::CString::new(b"domain: caf\xe9.example.com\n".to_vec()).unwrap();
        let (status, out, err) = call(jt_render, &model);
        assert_eq!((status, out), (JT_INVALID_UTF8, None));
        let err = json(&err.unwrap());
        assert_eq!(err["kind"], "invalid-utf8");
        assert!(err["message"].as_str().unwrap().contains("offset 11"));
    }

    #[test]
    fn an_empty_model_is_invalid() {
        let (status, out, err) = call(jt_render, c"");
        assert_eq!((status, out), (JT_INVALID_MODEL, None));
        let err = json(&err.unwrap());
        assert!(!err["diagnostics"].as_array().unwrap().is_empty(), "{err}");
    }

    #[test]
    fn the_schemas_are_the_cores() {
        // The C tests compare them with the checked-in files in schemas/ as well.
        let mut out = ptr::null_mut();
        assert_eq!(unsafe { jt_schema(&mut out) }, JT_OK);
        let text = take(out).unwrap();
        assert!(text == topology::schema::to_text(&topology::schema::topology()));
        assert_eq!(json(&text)["$id"], topology::schema::TOPOLOGY_ID);

        let mut out = ptr::null_mut();
        assert_eq!(unsafe { jt_manifest_schema(&mut out) }, JT_OK);
        let text = take(out).unwrap();
        assert!(text == topology::schema::to_text(&topology::schema::manifest()));
        assert_eq!(json(&text)["$id"], topology::schema::MANIFEST_ID);
    }

    #[test]
    fn the_version_is_the_packages() {
        let v = unsafe { CStr::from_ptr(jt_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn a_panic_stops_at_the_boundary() {
        fn boom(_: &str) -> Result<String, Failure> {
            panic!("a bug with a secret: hunter2hunter2")
        }
        let mut out = c"garbage".as_ptr().cast_mut();
        let mut err = c"garbage".as_ptr().cast_mut();
        let status = unsafe { with_model(c"x: 1".as_ptr(), &mut out, &mut err, boom) };
        assert_eq!(status, JT_PANIC);
        assert!(out.is_null());
        let err = take(err).unwrap();
        assert!(!err.contains("hunter2"), "the payload is not quoted: {err}");
        assert_eq!(json(&err)["kind"], "panic");

        let mut out = ptr::null_mut();
        let status = unsafe { without_model(&mut out, || panic!("bug")) };
        assert_eq!((status, out), (JT_PANIC, ptr::null_mut()));
    }

    #[test]
    fn a_caller_may_write_into_a_string_before_freeing_it() {
        let mut out = ptr::null_mut();
        assert_eq!(unsafe { jt_schema(&mut out) }, JT_OK);
        unsafe { out.add(1).write(0) };
        unsafe { jt_string_free(out) };
    }
}
