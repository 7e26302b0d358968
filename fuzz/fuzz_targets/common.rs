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

/// Models that hit a bug already reported (each has an ignored reproducer in
/// `tests/safety_findings.rs`), so that the run goes on finding new ones. Remove an entry
/// once its reproducer passes.
pub fn known_bug(text: &str) -> bool {
    // validate::parse_memory panics on a heap size whose last character is not ASCII
    // (`a_jvm_heap_size_ending_in_a_non_ascii_character_is_a_diagnostic`).
    match topology::load(text) {
        Ok(loaded) => loaded.topology.bridges.iter().any(|b| {
            b.jvm_max_memory
                .as_deref()
                .is_some_and(|m| m.chars().last().is_some_and(|c| !c.is_ascii()))
        }),
        Err(_) => false,
    }
}
