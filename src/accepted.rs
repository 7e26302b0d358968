//! Values a consumer of the rendered files would refuse although they look fine: an account
//! password prosody's SASLprep refuses, a heap size the JVM's `-Xmx` refuses.
//!
//! Validation asks these functions and reports their answers at the field's JSON Pointer;
//! nothing here knows the model. `tests/proptest_refusals.rs` holds both to the real
//! consumers: the first to prosody's own `util.encodings.stringprep.saslprep` (0.12's and
//! 13's), the second to the installed `java -Xmx… -version`.

use stringprep::tables;

/// The longest user name an account of the model may have: XMPP's limit for a local part
/// (RFC 7622 section 3.3: 1023 bytes) is far above what anyone types; 64 keeps names short
/// enough for every message and log line that shows them.
pub(crate) const LOCALPART_MAX: usize = 64;

/// Why `user` is not a user name the model's accounts may have: 1 to [`LOCALPART_MAX`]
/// characters of lower-case ASCII letters, digits, `.`, `_` and `-`, starting with a letter or
/// digit. Every such name is its own nodeprep form (prosody stores the prepared name, so an
/// upper-case name would log in as another spelling) and holds none of the characters XMPP
/// forbids in a local part (`"&'/:<>@` and spaces, RFC 7622 section 3.3.1). Never quotes the
/// name (it may be a password pasted as a key).
pub(crate) fn localpart_problem(user: &str) -> Option<&'static str> {
    if user.is_empty() {
        return Some("is empty");
    }
    if user.len() > LOCALPART_MAX {
        return Some("is longer than 64 characters");
    }
    if !user
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        return Some("has characters other than lower-case letters, digits, `.`, `_` and `-`");
    }
    if !user.as_bytes()[0].is_ascii_alphanumeric() {
        return Some("does not start with a letter or digit");
    }
    None
}

/// prosody's `util.encodings` prepares strings in buffers of 1024 bytes and returns nothing
/// for an input or a prepared output of 1024 bytes or more (prosody 0.12 and 13,
/// `util-src/encodings.c`, `icu_stringprep_prep`: `if(input_len >= 1024)`, and
/// `output_len < 1024` after preparing). A password that long fails SASLprep in prosody.
pub(crate) const PROSODY_STRINGPREP_LIMIT: usize = 1024;

/// Why prosody would refuse a password: what SASLprep (RFC 4013) prohibits in it. Never holds
/// the password or any character of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PasswordProblem {
    /// 1024 bytes or more, before or after preparation.
    TooLong,
    /// A character of a class SASLprep prohibits (RFC 3454 tables C.1.2 to C.9).
    Prohibited(&'static str),
    /// Right-to-left characters mixed with left-to-right ones, or not at both ends (RFC 3454
    /// section 6).
    Bidi,
    /// A code point Unicode 3.2 (stringprep's version) did not assign (RFC 3454 table A.1).
    Unassigned,
}

impl PasswordProblem {
    /// What is wrong, in words that show nothing of the password.
    pub(crate) fn describe(self) -> String {
        match self {
            Self::TooLong => format!(
                "is {PROSODY_STRINGPREP_LIMIT} bytes or longer (in UTF-8, before or after SASLprep), which prosody's SASLprep refuses"
            ),
            Self::Prohibited(class) => {
                format!("contains {class}, which SASLprep (RFC 4013) prohibits")
            }
            Self::Bidi => "mixes right-to-left characters with left-to-right ones, or does not \
                 start and end with a right-to-left one, which SASLprep (RFC 4013) prohibits"
                .to_owned(),
            Self::Unassigned => "contains a character Unicode 3.2 did not assign (stringprep's \
                 Unicode version), which SASLprep prohibits in a stored password"
                .to_owned(),
        }
    }
}

/// A class of characters SASLprep prohibits: its table's test, and its name in messages.
type Class = (fn(char) -> bool, &'static str);

/// The class of `c` among those SASLprep prohibits, if it is in one (RFC 3454 C.1.2 to C.9).
fn prohibited_class(c: char) -> Option<&'static str> {
    let classes: [Class; 10] = [
        (tables::non_ascii_space_character, "a non-ASCII space"),
        (
            tables::ascii_control_character,
            "an ASCII control character",
        ),
        (
            tables::non_ascii_control_character,
            "a non-ASCII control character (e.g. a line or paragraph separator, a zero-width joiner)",
        ),
        (tables::private_use, "a private-use character"),
        (
            tables::non_character_code_point,
            "a non-character code point",
        ),
        (tables::surrogate_code, "a surrogate code point"),
        (
            tables::inappropriate_for_plain_text,
            "a character inappropriate for plain text (an interlinear annotation or replacement character)",
        ),
        (
            tables::inappropriate_for_canonical_representation,
            "an ideographic description character",
        ),
        (
            tables::change_display_properties_or_deprecated,
            "a character that changes display properties or is deprecated (e.g. a left-to-right mark)",
        ),
        (tables::tagging_character, "a language tag character"),
    ];
    classes
        .iter()
        .find(|(is, _)| is(c))
        .map(|(_, class)| *class)
}

/// Why prosody would refuse `password` as an account password, if it would: SASLprep as RFC
/// 4013 defines it for stored strings (the `stringprep` crate), within prosody's 1024 bytes.
///
/// prosody 0.12 calls `saslprep(password)` without its `strict` flag when it stores a password
/// (`util/sasl/scram.lua`, `get_scram_hasher`), which lets code points Unicode 3.2 did not
/// assign through; this refuses them, as RFC 4013 and prosody's strict mode do: prosody
/// normalises them by Unicode 3.2 and the bridges' and jicofo's XMPP library by the Java
/// runtime's newer tables, so such a password may not log in.
pub(crate) fn password_problem(password: &str) -> Option<PasswordProblem> {
    if password.len() >= PROSODY_STRINGPREP_LIMIT {
        return Some(PasswordProblem::TooLong);
    }
    // Unassigned code points are looked for in the input, as prosody (ICU's usprep) does: the
    // crate looks in its output, normalised by today's Unicode, where U+1F100 (unassigned in
    // 3.2) has become `0.`.
    let unassigned = password.chars().any(tables::unassigned_code_point);
    match stringprep::saslprep(password) {
        Ok(_) if unassigned => Some(classify(password)),
        Ok(prepared) if prepared.len() >= PROSODY_STRINGPREP_LIMIT => {
            Some(PasswordProblem::TooLong)
        }
        Ok(_) => None,
        // The crate's error names the character: never shown, the class is found here.
        Err(_) => Some(classify(password)),
    }
}

/// What SASLprep refused in `password` (which it did refuse). Mapping removes or replaces
/// some characters before the prohibition applies, so those are skipped; a character that only
/// normalisation makes prohibited is reported as the class it became.
fn classify(password: &str) -> PasswordProblem {
    let kept = password.chars().filter(|&c| {
        !tables::commonly_mapped_to_nothing(c) && !tables::non_ascii_space_character(c)
    });
    if let Some(class) = kept.clone().find_map(prohibited_class) {
        return PasswordProblem::Prohibited(class);
    }
    if kept.clone().any(tables::unassigned_code_point) {
        return PasswordProblem::Unassigned;
    }
    if kept.clone().any(tables::bidi_r_or_al) {
        return PasswordProblem::Bidi;
    }
    PasswordProblem::Prohibited("a character whose compatibility form SASLprep prohibits")
}

/// What is wrong with a JVM heap size, for `-Xmx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeapProblem {
    /// Not in the syntax the JVM reads: the JVM stops with "Invalid maximum heap size".
    Syntax,
    /// Below what the role needs to start.
    TooSmall,
    /// Above [`MAX_HEAP_BYTES`].
    TooLarge,
}

const K: u64 = 1024;
/// The largest heap accepted: 1 TiB. The JVM reserves the whole heap's address range when it
/// starts, which fails ("Could not reserve enough space for … object heap") above what the
/// host's virtual address space holds: 128 TiB on x86-64 with 4-level page tables (here `-Xmx64t`
/// starts and `-Xmx100t` does not), as little as 512 GiB on arm64 kernels with 39-bit
/// addresses. Its bookkeeping also grows with it (on two cores `-Xmx16t` takes 7 s to start,
/// `-Xmx64t` 28 s). No bridge uses a heap near 1 TiB.
pub(crate) const MAX_HEAP_BYTES: u64 = K * K * K * K;

/// A heap size as HotSpot's `-Xmx` reads it (`Arguments::atojulong` in OpenJDK 17,
/// `src/hotspot/share/runtime/arguments.cpp`): decimal digits, or `0x`/`0X` and hexadecimal
/// digits, then at most one of `k`, `m`, `g`, `t` (either case; none means bytes); a result of
/// 2^64 bytes or more is refused. Returns the size in bytes.
pub(crate) fn heap_bytes(value: &str) -> Option<u64> {
    let (digits, radix) = match value.strip_prefix("0x").or(value.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (value, 10),
    };
    let end = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    let (number, unit) = digits.split_at(end);
    if number.is_empty() {
        return None;
    }
    let n = u64::from_str_radix(number, radix).ok()?;
    let scale = match unit {
        "" => 1,
        "k" | "K" => K,
        "m" | "M" => K * K,
        "g" | "G" => K * K * K,
        "t" | "T" => K * K * K * K,
        _ => return None,
    };
    n.checked_mul(scale)
}

/// Why the JVM (or the role, below `min_bytes`) would refuse `value` as `-Xmx`, if it would.
/// A size of 0 is refused by the JVM as it refuses bad syntax ("Invalid maximum heap size").
pub(crate) fn heap_problem(value: &str, min_bytes: u64) -> Option<HeapProblem> {
    match heap_bytes(value) {
        None | Some(0) => Some(HeapProblem::Syntax),
        Some(b) if b < min_bytes => Some(HeapProblem::TooSmall),
        Some(b) if b > MAX_HEAP_BYTES => Some(HeapProblem::TooLarge),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_sizes_read_as_the_jvm_reads_them() {
        let g = K * K * K;
        for (s, want) in [
            ("8g", Some(8 * g)),
            ("8G", Some(8 * g)),
            ("6144m", Some(6 * g)),
            ("1048576k", Some(g)),
            ("1073741824", Some(g)),
            ("1t", Some(K * g)),
            ("0x40000000", Some(g)),
            ("0X1g", Some(g)),
            ("08g", Some(8 * g)),
            ("16777215t", Some(16_777_215 * K * g)),
        ] {
            assert_eq!(heap_bytes(s), want, "{s}");
        }
        for s in [
            "",
            "g",
            "0x",
            "0xg",
            "-1g",
            "+1g",
            " 1g",
            "1g ",
            "1.5g",
            "1gb",
            "1 g",
            "8é",
            "é",
            "😀",
            "16777216t",
            "17179869184g",
            "18446744073709551616",
            "00x1",
            "1x",
        ] {
            assert_eq!(heap_bytes(s), None, "{s:?}");
        }
    }

    #[test]
    fn a_password_problem_never_names_its_character() {
        for p in ["0123456789abcdef\u{2028}", "0123456789abcdef\u{e000}x"] {
            let problem = password_problem(p).expect("refused");
            assert!(!problem.describe().contains(p.chars().last().unwrap()));
        }
    }
}
