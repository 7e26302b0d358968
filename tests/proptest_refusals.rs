//! Values a consumer refuses are refused here first, proven against the consumers themselves.
//!
//! - **Account passwords and prosody's SASLprep.** proptest draws strings heavy in what
//!   SASLprep (RFC 4013) treats specially (non-ASCII spaces, characters mapped to nothing,
//!   controls, private use, non-characters, bidirectional marks, tags, Hebrew and Arabic mixed
//!   with Latin, compatibility forms that NFKC expands, code points Unicode 3.2 did not
//!   assign, strings near prosody's 1024 bytes) and hands each, as the focus password from
//!   `{env}`, to validation and to prosody's own `util.encodings.stringprep.saslprep` (the C
//!   module in `/usr/lib/prosody`, in `lua5.4`, `tests/consumers/saslprep_server.lua`).
//!   Validation refuses the password (at `/secrets/focus/env`) exactly when prosody's strict
//!   SASLprep refuses it; everything prosody's default SASLprep (the call its password code
//!   makes) refuses is refused; what that call accepts and validation refuses holds a code
//!   point Unicode 3.2 did not assign; and where both accept, the `stringprep` crate prepares
//!   the string exactly as prosody does. The same holds against Prosody 13 (bookworm-backports'
//!   13.0.1 in target/prosody13, `scripts/prosody13`); `JT_PROSODY_LIB` names another
//!   prosody's library folder for the first test.
//! - **Heap sizes and the JVM.** Each drawn `jvm_max_memory` (digits or hex, every unit,
//!   junk, sizes near 1 GiB, 1 TiB and 2^64 bytes) is validated and given to the installed
//!   `java -Xmx<value> -version` (with `-Xshare:auto -XX:TieredStopAtLevel=1`; a JVM still
//!   reserving a huge heap after 5 s is stopped: it did not refuse the syntax). Validation
//!   reports `jvm-memory-invalid` exactly when the JVM says "Invalid maximum heap size"; every
//!   size validation accepts starts the JVM; every size the JVM refuses is refused.
//!
//! Cases: `JT_PROPTEST_SASLPREP_CASES` strings (default 2000 per prosody, about 15 s each in a debug build) and
//! `JT_PROPTEST_JVM_CASES` drawn heap sizes (default 24) after 16 fixed ones, each one JVM
//! start (about half a second here). The seed is fixed (`JT_PROPTEST_SEED` draws others). A
//! missing consumer skips, unless `JT_REQUIRE_REAL_CONSUMERS=1`.

mod common;

use std::collections::BTreeMap;
use std::env;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use common::{ROOT, find_tool, missing};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

fn seed() -> u64 {
    common::env_or("JT_PROPTEST_SEED", 0x7361_736c_7072)
}

fn cases(var: &str, default: u32) -> u32 {
    env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn runner(cases: u32, stream: u64, max_shrink_iters: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters,
        ..Config::default()
    };
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed().to_le_bytes());
    bytes[8..16].copy_from_slice(&stream.to_le_bytes());
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// The diagnostics validation reports at `path` for the handbook model with `edit` applied
/// and `env` as the environment.
fn codes_at(model: &str, env: &BTreeMap<String, String>, path: &str) -> Vec<String> {
    match jitsi_topology::check(model, env) {
        Ok(_) => Vec::new(),
        Err(report) => report
            .diagnostics
            .iter()
            .filter(|d| d.is_error() && d.path == path)
            .map(|d| d.code.clone())
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// SASLprep
// ---------------------------------------------------------------------------------------------

/// prosody's `saslprep` in a long-lived `lua5.4`.
struct Prosody {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

/// What prosody's `saslprep(s)` and `saslprep(s, true)` return (`None`: refused).
#[derive(Debug)]
struct Verdicts {
    default: Option<String>,
    strict: Option<String>,
}

impl Prosody {
    fn start(lua: &Path, lib: &Path) -> Prosody {
        let mut child = Command::new(lua)
            .arg(Path::new(ROOT).join("tests/consumers/saslprep_server.lua"))
            .arg(lib)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start lua5.4");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Prosody {
            child,
            stdin,
            stdout,
        }
    }

    fn saslprep(&mut self, s: &str) -> Verdicts {
        let hex: String = s.bytes().map(|b| format!("{b:02x}")).collect();
        writeln!(self.stdin, "{hex}")
            .and_then(|()| self.stdin.flush())
            .expect("lua5.4 stopped reading");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("lua5.4 answers");
        let (default, strict) = line
            .trim_end_matches('\n')
            .split_once(' ')
            .unwrap_or_else(|| panic!("not an answer: {line:?}"));
        let text = |h: &str| {
            (h != "-").then(|| {
                let bytes: Vec<u8> = (0..h.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
                    .collect();
                String::from_utf8(bytes).expect("prosody returns UTF-8")
            })
        };
        Verdicts {
            default: text(default),
            strict: text(strict),
        }
    }
}

impl Drop for Prosody {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Characters SASLprep treats specially, by RFC 3454's tables, and some it does not.
const SPECIAL: &[char] = &[
    // C.1.2 non-ASCII spaces (mapped to a space, never prohibited after mapping)
    '\u{a0}',
    '\u{1680}',
    '\u{2000}',
    '\u{2007}',
    '\u{200a}',
    '\u{202f}',
    '\u{205f}',
    '\u{3000}',
    // B.1 mapped to nothing
    '\u{ad}',
    '\u{34f}',
    '\u{1806}',
    '\u{180b}',
    '\u{200b}',
    '\u{200c}',
    '\u{200d}',
    '\u{2060}',
    '\u{fe00}',
    '\u{fe0f}',
    '\u{feff}',
    // C.2 controls
    '\u{1}',
    '\u{7f}',
    '\u{85}',
    '\u{9f}',
    '\u{6dd}',
    '\u{70f}',
    '\u{180e}',
    '\u{2028}',
    '\u{2029}',
    '\u{2061}',
    '\u{206a}',
    '\u{fff9}',
    '\u{fffc}',
    '\u{1d173}',
    '\u{1d17a}',
    // C.3 private use, C.4 non-characters
    '\u{e000}',
    '\u{f8ff}',
    '\u{f0000}',
    '\u{10fffd}',
    '\u{fdd0}',
    '\u{fdef}',
    '\u{fffe}',
    '\u{ffff}',
    '\u{1fffe}',
    '\u{10ffff}',
    // C.6 – C.9
    '\u{fffd}',
    '\u{2ff0}',
    '\u{2ffb}',
    '\u{340}',
    '\u{341}',
    '\u{200e}',
    '\u{200f}',
    '\u{202a}',
    '\u{202e}',
    '\u{206f}',
    '\u{e0001}',
    '\u{e0020}',
    '\u{e007f}',
    // RandALCat (Hebrew, Arabic), LCat, numbers, combining marks
    '\u{5d0}',
    '\u{5ea}',
    '\u{627}',
    '\u{64a}',
    '\u{fb1d}',
    'a',
    'Z',
    'é',
    '\u{3a9}',
    '1',
    '٣',
    '\u{300}',
    '\u{301}',
    '\u{5b0}',
    '\u{64b}',
    // Compatibility forms NFKC changes (ligatures, fractions, Hangul jamo, the longest expansion)
    'ﬀ',
    'ﬁ',
    'ℌ',
    '①',
    '㎒',
    '\u{2126}',
    '\u{212b}',
    '½',
    '\u{1100}',
    '\u{1161}',
    '\u{11a8}',
    '\u{fdfa}',
    '\u{3300}',
    'İ',
    'ß',
    // Unassigned in Unicode 3.2 (assigned since), with and without compatibility mappings
    '\u{221}',
    '\u{860}',
    '\u{1f600}',
    '\u{1f100}',
    '\u{1f130}',
    '\u{2b740}',
    '\u{a7c0}',
    '\u{1e900}',
    '\u{e0080}',
];

/// One piece of a drawn password.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[ -~]{1,4}",
        3 => prop::sample::select(SPECIAL).prop_map(String::from),
        1 => any::<char>().prop_map(String::from),
        1 => "[\u{590}-\u{6ff}]{1,3}",
    ]
}

fn password() -> BoxedStrategy<String> {
    let short = prop::collection::vec(piece(), 0..12)
        .prop_map(|v| v.concat())
        .boxed();
    prop_oneof![
        12 => short.clone(),
        // Near prosody's 1024 bytes, before and after NFKC expands it.
        1 => (short, 1000usize..1030).prop_map(|(s, n)| {
            let mut out = "a".repeat(n.saturating_sub(s.len()));
            out.push_str(&s);
            out
        }),
        1 => (0usize..40, "[a-z]{0,20}").prop_map(|(n, tail)| format!("{}{tail}", "\u{fdfa}".repeat(n))),
    ]
    .boxed()
}

fn unassigned_in_unicode_3_2(s: &str) -> bool {
    s.chars().any(stringprep::tables::unassigned_code_point)
}

/// Our verdict, theirs, and the crate's normalised form where both accept.
fn saslprep_case(
    p: &mut Prosody,
    s: &str,
    tally: &mut BTreeMap<&'static str, u32>,
) -> Result<(), TestCaseError> {
    let model = common::example("handbook").replace(
        "focus: { file: /etc/jitsi-topology/secrets/focus }",
        "focus: { env: JT_PROPTEST_FOCUS }",
    );
    let env = BTreeMap::from([("JT_PROPTEST_FOCUS".to_owned(), s.to_owned())]);
    let codes = codes_at(&model, &env, "/secrets/focus/env");
    let ours_refused = codes
        .iter()
        .any(|c| c == "secret-saslprep" || c == "secret-invalid");
    let theirs = p.saslprep(s);
    prop_assert_eq!(
        ours_refused,
        theirs.strict.is_none(),
        "our verdict (refused: {}, codes {:?}) differs from prosody's strict saslprep ({:?})",
        ours_refused,
        codes,
        theirs.strict
    );
    if theirs.default.is_none() {
        prop_assert!(ours_refused, "prosody refuses it and we accept it");
    } else if ours_refused {
        prop_assert!(
            unassigned_in_unicode_3_2(s),
            "prosody's default saslprep accepts it, we refuse it, and it holds no unassigned code point"
        );
    }
    match (&theirs.strict, stringprep::saslprep(s)) {
        (Some(prepared), Ok(ours)) => prop_assert_eq!(
            prepared.as_str(),
            ours.as_ref(),
            "prosody and the stringprep crate prepare it differently"
        ),
        (Some(_), Err(e)) if s.len() < 1024 => {
            return Err(TestCaseError::fail(format!(
                "prosody accepts it, the stringprep crate refuses it: {e}"
            )));
        }
        _ => {}
    }
    *tally
        .entry(match (ours_refused, theirs.default.is_some()) {
            (false, _) => "accepted by both",
            (true, false) => "refused by both",
            (true, true) => {
                "refused, prosody's non-strict call accepts (unassigned in Unicode 3.2)"
            }
        })
        .or_default() += 1;
    Ok(())
}

fn run_saslprep_property(lua: &Path, lib: &Path) {
    let started = Instant::now();
    let mut prosody = Prosody::start(lua, lib);
    let n = cases("JT_PROPTEST_SASLPREP_CASES", 2000);
    let tally = std::cell::RefCell::new(BTreeMap::new());
    let prosody_cell = std::cell::RefCell::new(&mut prosody);
    let result = runner(n, 1, 400).run(&password(), |s| {
        saslprep_case(&mut prosody_cell.borrow_mut(), &s, &mut tally.borrow_mut())
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, value)) => {
            let special: Vec<String> = value
                .chars()
                .filter(|c| !c.is_ascii_alphanumeric())
                .map(|c| format!("U+{:04X}", c as u32))
                .collect();
            let shown: String = value.chars().take(80).collect();
            panic!(
                "{}: minimal failing password of {} bytes, {shown:?}…, its characters other \
                 than ASCII letters and digits: {}: {why}",
                lib.display(),
                value.len(),
                special.join(" ")
            )
        }
        Err(e) => panic!("{e}"),
    }
    println!(
        "SASLprep against {} ({n} drawn passwords, seed {}): {:?}; {:.1} s",
        lib.display(),
        seed(),
        tally.into_inner(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn account_passwords_are_refused_exactly_when_prosodys_saslprep_refuses_them() {
    let Some(lua) = find_tool("lua5.4") else {
        return missing("lua5.4");
    };
    let lib = env::var_os("JT_PROSODY_LIB")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/prosody"));
    if !lib.join("util/encodings.so").is_file() {
        return missing("prosody (util/encodings.so)");
    }
    run_saslprep_property(&lua, &lib);
}

/// The same property against Prosody 13 (bookworm-backports' 13.0.1, which
/// `scripts/prosody13 fetch` unpacks into target/prosody13): its password code makes the same
/// `saslprep(password)` call (`util/sasl/scram.lua`).
#[test]
fn account_passwords_are_refused_exactly_when_prosody_13s_saslprep_refuses_them() {
    let Some(lua) = find_tool("lua5.4") else {
        return missing("lua5.4");
    };
    let root = Command::new(Path::new(ROOT).join("scripts/prosody13"))
        .arg("root")
        .output()
        .expect("run scripts/prosody13");
    if !root.status.success() {
        return missing("Prosody 13 in target/prosody13 (scripts/prosody13 fetch)");
    }
    let root = PathBuf::from(String::from_utf8_lossy(&root.stdout).trim());
    run_saslprep_property(&lua, &root.join("usr/lib/prosody"));
}

// ---------------------------------------------------------------------------------------------
// JVM heap sizes
// ---------------------------------------------------------------------------------------------

/// What the installed JVM does with `-Xmx<value>`.
#[derive(Debug, PartialEq)]
enum Jvm {
    Starts,
    /// "Invalid maximum heap size".
    InvalidSyntax,
    /// Another refusal (too small a heap, no address space to reserve it), its first line.
    Refuses(String),
    /// Still starting after the time limit (reserving a huge heap): not a syntax refusal.
    Slow,
}

fn jvm(java: &Path, value: &str) -> Jvm {
    let mut child = Command::new(java)
        .arg("-Xshare:auto")
        .arg("-XX:TieredStopAtLevel=1")
        .arg(format!("-Xmx{value}"))
        .arg("-version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start java");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if child.try_wait().expect("wait for java").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Jvm::Slow;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("java's output");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Jvm::Starts
    } else if text.contains("Invalid maximum heap size") {
        Jvm::InvalidSyntax
    } else {
        let why = text
            .lines()
            .find(|l| !l.starts_with("Error occurred during initialization"))
            .unwrap_or_default();
        Jvm::Refuses(why.to_owned())
    }
}

/// Sizes drawn around the edges: every unit and case, hexadecimal, leading zeros, junk,
/// near 1 GiB, 1 TiB and 2^64 bytes.
fn heap_size() -> BoxedStrategy<String> {
    let unit = prop::sample::select(vec!["", "k", "K", "m", "M", "g", "G", "t", "T"]);
    let junk = prop::sample::select(vec![
        "b", "x", " ", ".5", "gb", "é", "-", "+", "kk", "\t", "0x", "e3",
    ]);
    let scaled = (unit.clone(), 0u32..4).prop_flat_map(|(u, zeros)| {
        // Around 1 GiB and 1 TiB in the unit drawn, and anything.
        let per = match u.to_ascii_lowercase().as_str() {
            "" => 1u128,
            "k" => 1 << 10,
            "m" => 1 << 20,
            "g" => 1 << 30,
            _ => 1 << 40,
        };
        let near = |b: u128| ((b / per).saturating_sub(2), b / per + 2);
        let (a, b) = near(1 << 30);
        let (c, d) = near(1 << 40);
        prop_oneof![
            (a.max(1)..=b).prop_map(|n| n.to_string()),
            (c..=d).prop_map(|n| n.to_string()),
            (0u128..=(u64::MAX as u128 / per + 2)).prop_map(|n| n.to_string()),
            "[0-9]{1,22}",
        ]
        .prop_map(move |n| format!("{}{n}{u}", "0".repeat(zeros as usize)))
    });
    prop_oneof![
        6 => scaled,
        2 => ("[0-9a-fA-F]{1,18}", unit.clone(), prop::bool::ANY)
            .prop_map(|(h, u, upper)| format!("{}{h}{u}", if upper { "0X" } else { "0x" })),
        2 => ("[0-9]{0,12}", junk, unit).prop_map(|(n, j, u)| format!("{n}{j}{u}")),
    ]
    .boxed()
}

/// The sizes always tried: the edges of what we accept and of what the JVM reads.
const FIXED_HEAP_SIZES: &[&str] = &[
    "1g",
    "1073741823",
    "1073741824",
    "1048576k",
    "0x40000000",
    "8G",
    "6144m",
    "1t",
    "1T",
    "1099511627777",
    "0",
    "0x",
    "1.5g",
    "16777215t",
    "16777216t",
    "18446744073709551616",
];

fn heap_case(java: &Path, value: &str, log: &mut Vec<String>) -> Result<(), TestCaseError> {
    let model = common::example("handbook").replacen(
        "jvm_max_memory: 8g",
        &format!("jvm_max_memory: {}", serde_json::to_string(value).unwrap()),
        1,
    );
    let codes = codes_at(&model, &BTreeMap::new(), "/bridges/0/jvm_max_memory");
    let theirs = jvm(java, value);
    log.push(format!("{value:?}: ours {codes:?}, the JVM {theirs:?}"));
    prop_assert_eq!(
        codes.iter().any(|c| c == "jvm-memory-invalid"),
        theirs == Jvm::InvalidSyntax,
        "we and the JVM disagree on the syntax: ours {:?}, the JVM {:?}",
        codes,
        theirs
    );
    if codes.is_empty() {
        prop_assert_eq!(
            &theirs,
            &Jvm::Starts,
            "we accept it and the JVM does not start"
        );
    }
    if matches!(theirs, Jvm::Refuses(_) | Jvm::InvalidSyntax) {
        prop_assert!(!codes.is_empty(), "the JVM refuses it and we accept it");
    }
    Ok(())
}

#[test]
fn heap_sizes_are_accepted_only_when_the_installed_jvm_starts_with_them() {
    let Some(java) = find_tool("java") else {
        return missing("java");
    };
    let started = Instant::now();
    let mut log = Vec::new();
    let mut failures = Vec::new();
    for value in FIXED_HEAP_SIZES {
        if let Err(e) = heap_case(&java, value, &mut log) {
            failures.push(format!("{value:?}: {e}"));
        }
    }
    let n = cases("JT_PROPTEST_JVM_CASES", 24);
    let log_cell = std::cell::RefCell::new(&mut log);
    let result = runner(n, 2, 40).run(&heap_size(), |v| {
        heap_case(&java, &v, &mut log_cell.borrow_mut())
    });
    if let Err(e) = result {
        failures.push(format!("drawn: {e}"));
    }
    for line in &log {
        println!("  {line}");
    }
    println!(
        "{} JVM starts ({} fixed sizes, {n} drawn, seed {}): {:.1} s",
        log.len(),
        FIXED_HEAP_SIZES.len(),
        seed(),
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
