//! The C ABI's `jt_render`, as a C caller uses it: a NUL-terminated string in (the fuzzer's
//! bytes up to the first NUL, so invalid UTF-8 included), two `char *` out, both freed with
//! `jt_string_free`.
//!
//! Properties: never `JT_PANIC` (a caught panic is still a bug); exactly one of the two out
//! strings is set; it is JSON (the manifest, or the error document with a known `kind`); the
//! status matches the document's kind.
#![no_main]
#![allow(unsafe_code)]

use std::ffi::{CStr, CString, c_char};

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

// The C ABI crate's source itself: it is a cdylib/staticlib, so it is compiled in here.
#[allow(dead_code, missing_docs, clippy::all)]
#[path = "../../ffi/src/lib.rs"]
mod ffi;

use ffi::jt_status;

fuzz_target!(|data: &[u8]| {
    static ENV: std::sync::Once = std::sync::Once::new();
    ENV.call_once(|| {
        for (k, v) in common::env() {
            // SAFETY: set once, before any call reads the environment, on the only thread.
            unsafe { std::env::set_var(k, v) };
        }
    });
    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let model = CString::new(&data[..end]).expect("no NUL before the end");
    let mut out: *mut c_char = std::ptr::null_mut();
    let mut err: *mut c_char = std::ptr::null_mut();
    // SAFETY: a valid NUL-terminated string and two writable out-pointers, as the header asks.
    let status = unsafe { ffi::jt_render(model.as_ptr(), &mut out, &mut err) };
    let text = |p: *mut c_char| -> Option<String> {
        // SAFETY: the library returned either NULL or a NUL-terminated string it allocated.
        (!p.is_null()).then(|| {
            unsafe { CStr::from_ptr(p) }
                .to_str()
                .expect("UTF-8 out")
                .to_owned()
        })
    };
    let (out_text, err_text) = (text(out), text(err));
    // SAFETY: each pointer came from the library (or is NULL) and is freed exactly once.
    unsafe {
        ffi::jt_string_free(out);
        ffi::jt_string_free(err);
    }
    assert!(
        status != jt_status::JT_PANIC,
        "jt_render panicked: {err_text:?}"
    );
    match status {
        jt_status::JT_OK => {
            assert!(err_text.is_none(), "JT_OK with an error document");
            let manifest: serde_json::Value =
                serde_json::from_str(&out_text.expect("JT_OK without a manifest"))
                    .expect("the manifest is JSON");
            assert!(manifest["hosts"].is_array(), "a manifest without hosts");
        }
        other => {
            assert!(out_text.is_none(), "{other:?} with a manifest");
            let doc: serde_json::Value =
                serde_json::from_str(&err_text.expect("an error without a document"))
                    .expect("the error document is JSON");
            let kind = doc["kind"].as_str().expect("a kind");
            let want = match other {
                jt_status::JT_INVALID_MODEL => "invalid-model",
                jt_status::JT_INVALID_UTF8 => "invalid-utf8",
                jt_status::JT_INTERNAL => "internal",
                s => panic!("jt_render returned {s:?}"),
            };
            assert_eq!(kind, want, "status {other:?} but kind {kind}");
            if other == jt_status::JT_INVALID_MODEL {
                assert!(
                    !doc["diagnostics"]
                        .as_array()
                        .expect("diagnostics")
                        .is_empty()
                );
            }
        }
    }
});
