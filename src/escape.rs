//! Format-aware escaping: the only way a model value reaches a rendered file.
//!
//! Each function either returns text that the target parser reads back as exactly the
//! original value, or refuses. Validation rejects unsafe values first with a diagnostic at
//! the field's path; a refusal here is a bug guard, reported as an internal error.

use std::fmt::Write;

/// A Lua double-quoted string literal (prosody's config is Lua).
pub fn lua(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            // Other control characters as three-digit decimal escapes, so that a following
            // digit cannot extend them.
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\{:03}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A HOCON quoted string (HOCON's quoted strings are JSON strings; `${` inside them is
/// literal).
pub fn hocon(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// A HOCON key: bare when it is a plain word (so every HOCON reader sees the same key),
/// quoted otherwise.
pub fn hocon_key(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        s.to_owned()
    } else {
        hocon(s)
    }
}

/// A JavaScript single-quoted string literal, safe inside a `<script>` too.
pub fn js(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '<' => out.push_str("\\x3c"),
            '>' => out.push_str("\\x3e"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A bare token of a line-based config file (nginx, HAProxy, coturn): printed as is when it
/// needs no quoting in any of them (letters, digits and `._/:+@-[]`), refused otherwise.
pub fn token(s: &str) -> Result<String, String> {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._/:+@-[]".contains(&b))
    {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "{:?} cannot be written into an nginx, HAProxy or coturn config without quoting",
            s.escape_debug().to_string()
        ))
    }
}

/// A debconf value (the rest of the line after the type): anything but a line break, and not
/// ending in a backslash, which would join the next line.
pub fn debconf(s: &str) -> Result<String, String> {
    if s.contains(['\n', '\r']) || s.ends_with('\\') || s.chars().any(char::is_control) {
        Err("a debconf value cannot contain a line break or control character, or end in a backslash".to_owned())
    } else {
        Ok(s.to_owned())
    }
}

/// A value that runs to the end of its line (coturn's `key=value`): anything but a line
/// break or another control character.
pub fn line(s: &str) -> Result<String, String> {
    if s.chars().any(char::is_control) {
        Err("a one-line setting cannot contain a line break or control character".to_owned())
    } else {
        Ok(s.to_owned())
    }
}

/// The longest line coturn reads as one line: it reads its config with `fgets` into a buffer of
/// which it offers 1024 bytes, so at most 1023 bytes come before the line break, and the rest of
/// a longer line is read as a line of its own (coturn/coturn `src/apps/relay/mainrelay.c`,
/// `read_config_file`, lines 1802-1804 at tag 4.6.1, a005eee8, the version Debian 12 ships;
/// unchanged at master 8024aa63, lines 2913-2917).
pub const COTURN_LINE_MAX: usize = 1023;

/// Why coturn would not read `key=value` back as exactly `value`, if it would not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoturnProblem {
    /// The line is longer than [`COTURN_LINE_MAX`]: coturn would read its end as a line (an
    /// option) of its own.
    TooLong,
    /// coturn would read another value; the text says why (it never quotes the value).
    ReadsDifferently(&'static str),
}

/// Checks `key=value` as coturn reads it (`parse_arg_string` and `read_config_file` in
/// coturn/coturn `src/apps/relay/mainrelay.c` at 4.6.1: lines 1713-1745 and 1806-1815): it
/// skips spaces, tabs and `=` after the key, drops a leading `"` (and then a trailing one),
/// and strips whitespace at the end of the line. A `"` or `#` elsewhere is read as written.
pub fn coturn_problem(key: &str, value: &str) -> Option<CoturnProblem> {
    use CoturnProblem::{ReadsDifferently, TooLong};
    if value.chars().any(char::is_control) {
        Some(ReadsDifferently(
            "contains a line break or another control character",
        ))
    } else if key.len() + 1 + value.len() > COTURN_LINE_MAX {
        Some(TooLong)
    } else if value.is_empty() {
        Some(ReadsDifferently("is empty"))
    } else if value.starts_with([' ', '=']) {
        Some(ReadsDifferently(
            "starts with a space or `=`, which coturn skips",
        ))
    } else if value.starts_with('"') {
        Some(ReadsDifferently(
            "starts with `\"`, which coturn removes (with a `\"` at the end)",
        ))
    } else if value.ends_with(|c: char| c.is_ascii_whitespace()) {
        Some(ReadsDifferently("ends in a space, which coturn strips"))
    } else {
        None
    }
}

/// A value of coturn's `key=value` line: printed when coturn reads it back exactly (see
/// [`coturn_problem`]), refused otherwise.
pub fn coturn(value: &str, key: &str) -> Result<String, String> {
    match coturn_problem(key, value) {
        None => Ok(value.to_owned()),
        Some(CoturnProblem::TooLong) => Err(format!(
            "coturn's `{key}` line would be longer than the {COTURN_LINE_MAX} bytes coturn reads at once"
        )),
        Some(CoturnProblem::ReadsDifferently(why)) => Err(format!("coturn's `{key}` value {why}")),
    }
}

/// A value in a systemd unit file, where `%` starts a specifier and `$` a variable.
pub fn systemd(s: &str) -> Result<String, String> {
    if s.chars().any(char::is_control) {
        return Err("a systemd setting cannot contain control characters".to_owned());
    }
    Ok(s.replace('%', "%%").replace('$', "$$"))
}

/// A single-quoted POSIX shell word.
pub fn shell(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A key or value of a Java properties file (`java.util.Properties.load(InputStream)`, which
/// jigasi's configuration service reads sip-communicator.properties with: jitsi/libjitsi
/// `src/main/java/org/jitsi/impl/configuration/PropertyConfigurationStore.java` at fc2dae73).
/// That loader reads bytes as ISO 8859-1, ends a key at the first unescaped `=`, `:` or
/// whitespace, drops leading whitespace of a value, treats a trailing `\` as a line
/// continuation and a line starting with `#` or `!` as a comment; so every character outside
/// printable ASCII becomes a `\uXXXX` escape (UTF-16, as Java's own `Properties.store`
/// writes them), and `\`, `=`, `:`, `#`, `!` and a space that starts the text (or any
/// space, in a key) are escaped with a backslash. Any text round-trips.
pub fn properties(s: &str, key: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for (i, c) in s.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{c}' => out.push_str("\\f"),
            '=' | ':' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            ' ' if key || i == 0 => out.push_str("\\ "),
            ' '..='~' => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{u:04X}");
                }
            }
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648), as jitsi's `Base64.decode` reads the passwords of
/// sip-communicator.properties.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lua_escapes_quotes_backslashes_and_controls() {
        assert_eq!(lua(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(lua("a\u{1}9"), r#""a\0019""#);
        assert_eq!(lua("é\"x"), "\"é\\\"x\"");
    }

    #[test]
    fn js_cannot_close_a_script_tag() {
        assert_eq!(js("</script>'"), r"'\x3c/script\x3e\''");
    }

    #[test]
    fn hocon_keeps_substitutions_literal_inside_quotes() {
        assert_eq!(hocon("${x}\"\\"), r#""${x}\"\\""#);
    }

    #[test]
    fn base64_is_rfc_4648_with_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64("é>?".as_bytes()), "w6k+Pw==");
    }

    #[test]
    fn properties_escapes_what_the_java_loader_would_read_differently() {
        assert_eq!(properties(r"a\b=c:d#e!f", false), r"a\\b\=c\:d\#e\!f");
        assert_eq!(properties(" a b", false), r"\ a b");
        assert_eq!(properties("a b", true), r"a\ b");
        assert_eq!(properties("é😀\n", false), r"\u00E9\uD83D\uDE00\n");
    }

    #[test]
    fn unsafe_values_are_refused_not_mangled() {
        assert!(token("a;b").is_err());
        assert!(token("a b").is_err());
        assert!(debconf("a\nb").is_err());
        assert!(debconf("a\\").is_err());
        assert_eq!(systemd("100%$x").unwrap(), "100%%$$x");
        assert_eq!(shell("it's"), r"'it'\''s'");
        for v in [" x", "=x", "\"x", "x ", "x\t", ""] {
            assert!(coturn(v, "static-auth-secret").is_err(), "{v:?}");
        }
        assert_eq!(coturn("a\"b#c d\"", "k").unwrap(), "a\"b#c d\"");
        let fits = "x".repeat(COTURN_LINE_MAX - "cert=".len());
        assert!(coturn(&fits, "cert").is_ok());
        assert!(coturn(&format!("{fits}x"), "cert").is_err());
    }
}
