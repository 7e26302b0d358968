//! What every fuzz target checks, whichever surface it enters through.

use std::collections::BTreeMap;

/// `{env}` secrets the fuzzer's models may name.
pub fn env() -> BTreeMap<String, String> {
    [
        ("JITSI_FOCUS_PASSWORD", "focus-from-the-environment-0123"),
        ("JITSI_JVB_PASSWORD", "jvb-from-the-environment-01234"),
        ("JITSI_TURN_SECRET", "turn-from-the-environment-0123"),
        ("A", "short"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}
