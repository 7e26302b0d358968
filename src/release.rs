//! The Jitsi Meet releases this tool renders for, and what differs between them.

/// One supported Jitsi Meet stable release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    /// Its name in the model, e.g. `stable-11146`.
    pub name: &'static str,
    /// The date of its tag.
    pub date: &'static str,
}

/// Every supported release, newest first.
pub const SUPPORTED: &[Release] = &[Release {
    name: "stable-11146",
    date: "2026-07-30",
}];

/// The release used when the model names none.
pub fn newest() -> Release {
    SUPPORTED[0]
}

/// Looks a release up by name.
pub fn find(name: &str) -> Option<Release> {
    SUPPORTED.iter().copied().find(|r| r.name == name)
}

/// The names of every supported release, for messages.
pub fn names() -> String {
    SUPPORTED
        .iter()
        .map(|r| format!("`{}`", r.name))
        .collect::<Vec<_>>()
        .join(", ")
}
