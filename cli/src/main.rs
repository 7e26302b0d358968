//! `jitsi-topology`: render, validate and describe scalable Jitsi Meet topologies.
//!
//! Exit codes: 0 ok (for `plan`: no changes); 1 the model is invalid (diagnostics printed,
//! nothing written); 2 usage or I/O error; 3 (`plan` only) changes found.

/// mimalloc: rendering makes many small strings, which glibc's malloc served slowly
/// (`benches/profile`; the README's Performance section).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod input;
mod progress;
mod secrets;
mod write;

/// Prints a line on standard output; a closed pipe (`| head`) ends the program quietly
/// instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {
        crate::emit(&format!($($arg)*))
    };
}

fn emit(line: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = writeln!(stdout, "{line}").and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("jitsi-topology: cannot write to standard output: {e}");
        std::process::exit(2);
    }
}

use jitsi_topology::codes::Code;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use jitsi_topology::diagnostic::ErrorDocument;
use jitsi_topology::{Acknowledged, Diagnostic, Report};

/// Render every config file of a scalable Jitsi Meet deployment from one topology model.
///
/// The model (YAML or JSON) describes one signalling host (nginx, jitsi-meet web, prosody,
/// jicofo) and the videobridges that join its brewery. `render` writes, per host, the files
/// it needs and a manifest.json describing files, packages, accounts, firewall and the
/// ordered deployment steps.
/// The exit codes, shown after `-h` and `--help` (and in the man page, section EXTRA).
const EXIT_CODES: &str = "Exit codes: 0 ok (for `plan`: no changes), 1 the model is invalid \
(diagnostics printed, nothing written), 2 usage or I/O error, 3 (`plan` only) changes found.";

#[derive(Parser)]
#[command(
    name = "jitsi-topology",
    version,
    about,
    long_about,
    after_help = EXIT_CODES,
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Colour diagnostics and diffs: `auto` when the output is a terminal and NO_COLOR is
    /// unset or empty, `always`, or `never`.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// List every diagnostic in full (by default, after three of one code the rest are
    /// counted, with their first paths).
    #[arg(long, short, global = true)]
    verbose: bool,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ColorChoice {
    /// Colour on a terminal, unless NO_COLOR is set (to anything but "").
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// How text reports look: colour (decided per output stream) and grouping.
#[derive(Clone, Copy)]
struct Look {
    color: ColorChoice,
    verbose: bool,
}

impl Look {
    /// The report options for standard output (`to_stdout`) or standard error.
    fn options(self, to_stdout: bool) -> jitsi_topology::pretty::Options {
        use std::io::IsTerminal;
        let color = match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                let terminal = if to_stdout {
                    std::io::stdout().is_terminal()
                } else {
                    std::io::stderr().is_terminal()
                };
                terminal
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
            }
        };
        jitsi_topology::pretty::Options {
            color,
            verbose: self.verbose,
        }
    }
}

/// A model's text and the name diagnostics give it (`<stdin>` for `-`).
struct Model {
    name: String,
    text: String,
}

impl Model {
    fn source(&self) -> jitsi_topology::pretty::Source<'_> {
        jitsi_topology::pretty::Source {
            name: &self.name,
            text: &self.text,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Validate MODEL and write every host's files and manifest.json under --out.
    ///
    /// The tree is staged beside DIR and swapped with it in one atomic exchange: a failed run
    /// leaves an existing DIR as it was. DIR must be missing, empty, or an earlier output of
    /// this command (its manifest.json is this tool's and DIR holds nothing else it does not
    /// list, but a .git, which is kept); anything else is refused, untouched. Renders into one
    /// DIR take turns through an flock on .DIR.jitsi-topology.lock beside it.
    /// `{env}` secrets are read from the environment now; `{file}` secrets stay paths on the
    /// hosts and never reach the output.
    ///
    /// When standard error is a terminal, one line there counts the files written (from the
    /// start for 1,000 hosts or more, else once the work takes 0.2 s) and is erased at the
    /// end; nothing when it is not a terminal, with TERM=dumb, or with --format json.
    Render {
        /// The topology model (YAML or JSON); `-` reads standard input.
        model: String,
        /// The folder to write: DIR/manifest.json and DIR/<host>/<target path>.
        #[arg(long, short, value_name = "DIR")]
        out: PathBuf,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Flush every file and folder to disk before the new tree is swapped in, so that
        /// after a power loss DIR holds the old tree or the whole new one (one fsync per
        /// file: slower). Without it the swap is still atomic for other processes.
        #[arg(long)]
        fsync: bool,
    },
    /// Check MODEL and report every problem at once (exit 1 if there is an error).
    Validate {
        /// The topology model (YAML or JSON); `-` reads standard input.
        model: String,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print the resolved deployment as JSON: every derived name, address, nickname, port
    /// choice and secret reference per host (never a secret value).
    ///
    /// This is what every renderer reads; Nix's `lib.resolve` and other tools use it to see
    /// the deployment as the tool sees it.
    Resolve {
        /// The topology model (YAML or JSON); `-` reads standard input.
        model: String,
        /// How to print diagnostics of an invalid model.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Add `manifest_hosts`: each host's entry of manifest.json (roles, packages, files by
        /// hash, accounts, firewall rules, ordered steps; never a secret value). The NixOS
        /// module's pure path reads this document from a file checked in beside the model
        /// (nix/README.md).
        #[arg(long)]
        with_manifest: bool,
    },
    /// Print the JSON Schema of the model (or of manifest.json).
    Schema {
        /// Print the manifest's schema instead of the model's.
        #[arg(long)]
        manifest: bool,
        /// Write both schemas into DIR (topology.schema.json, manifest.schema.json) instead.
        #[arg(long, value_name = "DIR", conflicts_with = "manifest")]
        write: Option<PathBuf>,
    },
    /// Show what changes between two renders, per host, and what must be reloaded, restarted,
    /// drained or run again (exit 0: no changes, 3: changes).
    ///
    /// OLD and NEW are each a model file or an output folder of `render` (its manifest.json).
    /// Files are compared by SHA-256, mode and owner; a changed file shows its unified diff
    /// (from the files beside an output folder's manifest, or the render of a model), except
    /// a file flagged secret or unreadable to others on either side, which shows "content
    /// differs (withheld)". A file flagged secret has no SHA-256 in the manifest: it is read
    /// beside it and hashed here, never shown ("may differ" when it cannot be read).
    #[command(
        after_help = "Exit codes: 0 no changes, 3 changes found, 1 a model is invalid, \
2 usage or I/O error (a folder without a manifest, an unreadable file)."
    )]
    Plan {
        /// What is deployed now: a model, or a folder written by `render`.
        old: String,
        /// What to deploy: a model, or a folder written by `render`.
        new: String,
        /// How to print the plan.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Per changed file a summary line (`~ path | +3 -1`) instead of its diff (in JSON:
        /// no `diff` texts).
        #[arg(long)]
        stat: bool,
    },
    /// Create the secret files that `{file}` secrets name.
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Shell completions and man pages, generated from this command's own definitions (for
    /// packages: the Nix package installs them; hidden from the command list).
    #[command(subcommand, hide = true)]
    Generate(GenerateCommand),
}

#[derive(Subcommand)]
enum GenerateCommand {
    /// Print SHELL's completion script on standard output, e.g.
    /// `jitsi-topology generate completions bash > /usr/share/bash-completion/completions/jitsi-topology`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages into DIR (created if missing): jitsi-topology.1 and one page per
    /// command, jitsi-topology-render.1 and so on (man 1 jitsi-topology-plan).
    Man {
        /// The folder to write the pages into.
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum SecretsCommand {
    /// Write DIR/focus, DIR/jvb, DIR/turn, DIR/jibri and DIR/recorder, each a new random
    /// password (32 letters and digits from the OS random source), mode 0600, in a folder of
    /// mode 0700.
    ///
    /// An existing file is never overwritten, so running it again changes nothing. Nothing
    /// secret is printed. Symbolic links and FIFOs are never followed or written into (one at a
    /// secret's name is refused), a DIR of another user is refused, and a DIR others can read
    /// or write is set to 0700, saying so. Copy DIR/focus to the signalling host, DIR/jvb to the signalling
    /// host and every bridge, DIR/turn (with a TURN server) to the signalling host and the
    /// TURN host, and DIR/jibri and DIR/recorder (with jibris) to the signalling hosts and every
    /// jibri host, at the paths the model's `{file}` secrets name (by default
    /// /etc/jitsi-topology/secrets/), owned by root.
    Init {
        /// The folder to write into (created if missing).
        dir: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    /// Human-readable lines.
    Text,
    /// JSON on standard output: `{"kind", "message", "diagnostics": [{severity, code, path,
    /// message, hint}]}` for an invalid model, `{"diagnostics": [...], "acknowledged":
    /// [...]}` otherwise (the warnings, and the warnings the model acknowledges, each with
    /// `acknowledged_by` and `reason`).
    Json,
}

/// A failure that is not the model's fault: exit 2.
struct Failure(String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let look = Look {
        color: cli.color,
        verbose: cli.verbose,
    };
    match run(cli.command, look) {
        Ok(code) => code,
        Err(Failure(message)) => {
            eprintln!("jitsi-topology: {message}");
            ExitCode::from(2)
        }
    }
}

/// The text of a model (`-`: standard input). More than [`MAX_MODEL_BYTES`] is refused after
/// reading one byte past it, as the `too-large` diagnostic.
///
/// [`MAX_MODEL_BYTES`]: jitsi_topology::MAX_MODEL_BYTES
fn read_model(model: &str) -> Result<Result<Model, Report>, Failure> {
    use jitsi_topology::MAX_MODEL_BYTES;
    let limit = MAX_MODEL_BYTES as u64;
    let read = if model == "-" {
        input::read_at_most(std::io::stdin().lock(), limit)
            .map_err(|e| (e, "standard input".to_owned()))
    } else {
        std::fs::File::open(model)
            .and_then(|f| input::read_at_most(f, limit))
            .map_err(|e| (e, model.to_owned()))
    };
    let bytes = match read {
        Ok(bytes) => bytes,
        Err((e, _)) if e.kind() == std::io::ErrorKind::FileTooLarge => {
            return Ok(Err(Report::new(vec![Diagnostic::error(
                Code::TOO_LARGE,
                "",
                format!("the model holds more than {MAX_MODEL_BYTES} bytes, the most accepted"),
                "a topology of ten thousand bridges needs about 2 MB; check that this is the right file",
            )])));
        }
        Err((e, what)) => return Err(Failure(format!("cannot read {what}: {e}"))),
    };
    let name = if model == "-" {
        "<stdin>".to_owned()
    } else {
        model.to_owned()
    };
    String::from_utf8(bytes)
        .map(|text| Ok(Model { name, text }))
        .map_err(|e| {
            Failure(format!(
                "{model} is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ))
        })
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The whole pipeline on a model's text: `Ok(Err(report))` for an invalid model.
fn render_text(text: &str) -> Result<Result<jitsi_topology::Rendered, Report>, Failure> {
    match jitsi_topology::render(text, &process_env) {
        Ok(rendered) => Ok(Ok(rendered)),
        Err(jitsi_topology::Error::Invalid(report)) => Ok(Err(report)),
        Err(e) => Err(Failure(format!("internal error, please report it: {e}"))),
    }
}

/// Load, validate and resolve on a model's text: `Ok(Err(report))` for an invalid model.
fn check_text(text: &str) -> Result<Result<jitsi_topology::Checked, Report>, Failure> {
    Ok(jitsi_topology::check(text, &process_env))
}

/// Reads `model` and runs `stage` ([`render_text`] or [`check_text`]) on it. An invalid model's
/// report is printed (on standard output when `to_stdout`, else standard error) and the exit
/// code 1 returned as `Err`.
fn valid<T>(
    model: &str,
    format: Format,
    to_stdout: bool,
    look: Look,
    stage: fn(&str) -> Result<Result<T, Report>, Failure>,
) -> Result<Result<(Model, T), ExitCode>, Failure> {
    let input = match read_model(model)? {
        Ok(input) => input,
        Err(report) => {
            print_report(&report, format, to_stdout, None, look);
            return Ok(Err(ExitCode::from(1)));
        }
    };
    match stage(&input.text)? {
        Ok(value) => Ok(Ok((input, value))),
        Err(report) => {
            print_report(&report, format, to_stdout, Some(&input), look);
            Ok(Err(ExitCode::from(1)))
        }
    }
}

/// The warnings and the informational notes of a valid model, in their stable order.
fn shown(warnings: &[Diagnostic], notes: &[Diagnostic]) -> Vec<Diagnostic> {
    Report::new(warnings.iter().chain(notes).cloned().collect()).diagnostics
}

/// Prints warnings of a model that is valid: `{"diagnostics": [...], "acknowledged": [...]}`
/// as JSON; as text, each acknowledged warning (with its reason) after the warnings.
fn print_warnings(
    diagnostics: &[Diagnostic],
    acknowledged: &[Acknowledged],
    format: Format,
    to_stdout: bool,
    model: &Model,
    look: Look,
) {
    match format {
        Format::Json => {
            let json =
                serde_json::json!({ "diagnostics": diagnostics, "acknowledged": acknowledged });
            outln!(
                "{}",
                serde_json::to_string_pretty(&json).expect("diagnostics serialize")
            );
        }
        Format::Text => {
            for a in acknowledged {
                print_text(&a.to_string(), to_stdout);
            }
            if !diagnostics.is_empty() {
                print_text(
                    &jitsi_topology::pretty::report(
                        diagnostics,
                        &model.source(),
                        &look.options(to_stdout),
                    ),
                    to_stdout,
                );
            }
        }
    }
}

/// Prints the report of an invalid model (`model`: its name and text, when it was read): as
/// JSON, the error document every surface shares; as text, each diagnostic at its place.
fn print_report(
    report: &Report,
    format: Format,
    to_stdout: bool,
    model: Option<&Model>,
    look: Look,
) {
    match format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&ErrorDocument::from(report)).expect("serializes")
        ),
        Format::Text => {
            let source = model.map_or(
                jitsi_topology::pretty::Source { name: "", text: "" },
                Model::source,
            );
            print_text(
                &jitsi_topology::pretty::report(
                    &report.diagnostics,
                    &source,
                    &look.options(to_stdout),
                ),
                to_stdout,
            );
        }
    }
}

fn print_text(text: &str, to_stdout: bool) {
    if to_stdout {
        outln!("{text}");
    } else {
        eprintln!("{text}");
    }
}

fn run(command: Command, look: Look) -> Result<ExitCode, Failure> {
    match command {
        Command::Render {
            model,
            out,
            format,
            fsync,
        } => {
            let (input, rendered) = match valid(&model, format, false, look, render_text)? {
                Ok(valid) => valid,
                Err(code) => return Ok(code),
            };
            let hosts = rendered.bundle.hosts.len();
            let files: usize = rendered.bundle.hosts.iter().map(|h| h.files.len()).sum();
            let durability = if fsync {
                write::Durability::Durable
            } else {
                write::Durability::Lazy
            };
            // On a terminal, the files written so far (a large tree takes a while).
            let mut progress = progress::Progress::on_stderr(format == Format::Text, hosts);
            write::tree(&rendered.bundle, &out, durability, &mut progress)?;
            progress.clear();
            print_warnings(
                &shown(&rendered.warnings, &rendered.notes),
                &rendered.acknowledged,
                format,
                false,
                &input,
                look,
            );
            if format == Format::Text {
                eprintln!(
                    "rendered {hosts} hosts, {files} files into {}",
                    out.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { model, format } => {
            let (input, checked) = match valid(&model, format, true, look, check_text)? {
                Ok(valid) => valid,
                Err(code) => return Ok(code),
            };
            print_warnings(
                &shown(&checked.warnings, &checked.notes),
                &checked.acknowledged,
                format,
                true,
                &input,
                look,
            );
            if format == Format::Text {
                let acknowledged = match checked.acknowledged.len() {
                    0 => String::new(),
                    n => format!(", {n} acknowledged"),
                };
                outln!(
                    "{model}: valid ({} bridges, {} warnings{acknowledged})",
                    checked.deployment.bridges.len(),
                    checked.warnings.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan {
            old,
            new,
            format,
            stat,
        } => {
            let (old, new) = match (manifest_of(&old)?, manifest_of(&new)?) {
                (Ok(o), Ok(n)) => (o, n),
                (Err((report, input)), _) | (_, Err((report, input))) => {
                    print_report(&report, format, false, input.as_ref(), look);
                    return Ok(ExitCode::from(1));
                }
            };
            let mut plan = jitsi_topology::plan::plan(&old, &new);
            match format {
                Format::Json => {
                    if stat {
                        for h in &mut plan.hosts {
                            h.diffs.iter_mut().for_each(|d| d.diff = None);
                        }
                    }
                    outln!("{}", serde_json::to_string_pretty(&plan)?);
                }
                Format::Text => {
                    let color = look.options(true).color;
                    outln!(
                        "{}",
                        plan.text(&jitsi_topology::plan::TextOptions { stat, color })
                    );
                }
            }
            Ok(ExitCode::from(if plan.changes { 3 } else { 0 }))
        }
        Command::Secrets(SecretsCommand::Init { dir }) => {
            let (repaired, done) = secrets::init(&dir)?;
            if let Some(mode) = repaired {
                outln!(
                    "repaired {}: its mode was {mode:04o}, which let others in; it is 0700 now",
                    dir.display()
                );
            }
            for (name, created) in done {
                let path = dir.join(name);
                if created {
                    outln!("created {}", path.display());
                } else {
                    outln!("kept {} (it exists)", path.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Resolve {
            model,
            format,
            with_manifest,
        } => {
            let (input, checked) = match valid(&model, format, false, look, check_text)? {
                Ok(valid) => valid,
                Err(code) => return Ok(code),
            };
            print_warnings(
                &shown(&checked.warnings, &checked.notes),
                &checked.acknowledged,
                Format::Text,
                false,
                &input,
                look,
            );
            let mut document = serde_json::to_value(&checked.deployment)?;
            if with_manifest {
                let bundle = jitsi_topology::render_deployment(&checked.deployment)?;
                let manifest = bundle.manifest(false);
                document["manifest_hosts"] = serde_json::to_value(&manifest.hosts)?;
            }
            outln!("{}", serde_json::to_string_pretty(&document)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema { manifest, write } => {
            use jitsi_topology::schema;
            if let Some(dir) = write {
                write_schema(
                    &dir.join("topology.schema.json"),
                    &schema::to_text(&schema::topology()),
                )?;
                write_schema(
                    &dir.join("manifest.schema.json"),
                    &schema::to_text(&schema::manifest()),
                )?;
                return Ok(ExitCode::SUCCESS);
            }
            let s = if manifest {
                schema::manifest()
            } else {
                schema::topology()
            };
            emit(schema::to_text(&s).trim_end_matches('\n'));
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate(GenerateCommand::Completions { shell }) => {
            use clap::CommandFactory;
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "jitsi-topology", &mut script);
            let mut script = String::from_utf8_lossy(&script).into_owned();
            if shell == clap_complete::Shell::Bash {
                // clap_complete 4.6 spells a hyphenated command's state two ways in bash
                // (`jitsi__topology__subcmd__plan` in the loop, `jitsi__subcmd__topology__...`
                // in the case arms), so no subcommand's options would complete
                // (clap-rs/clap#6421, open). One spelling, the loop's; tests/cli.rs checks
                // `plan --f<TAB>` in the real bash.
                script = script.replace("jitsi__subcmd__topology", "jitsi__topology");
            }
            emit(script.trim_end_matches('\n'));
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate(GenerateCommand::Man { dir }) => {
            use clap::CommandFactory;
            std::fs::create_dir_all(&dir)
                .map_err(|e| Failure(format!("cannot create {}: {e}", dir.display())))?;
            clap_mangen::generate_to(Cli::command(), &dir).map_err(|e| {
                Failure(format!(
                    "cannot write the man pages into {}: {e}",
                    dir.display()
                ))
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// What serde_json says is wrong with a manifest, without the value it quotes (`invalid
/// type: string "…"`): a manifest a binding returned holds every file's content, secrets
/// included, and a user may have saved one as manifest.json.
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

/// The manifest of a model (rendered now) or of an output folder (read from it).
#[allow(clippy::type_complexity)]
fn manifest_of(
    source: &str,
) -> Result<Result<jitsi_topology::Manifest<'static>, (Report, Option<Model>)>, Failure> {
    let path = Path::new(source);
    if path.is_dir() {
        let file = path.join("manifest.json");
        let text = input::read_plain_file(&file, write::MAX_MANIFEST_BYTES, true).map_err(|e| {
            Failure(format!(
                "cannot read {}: {e} (is {source} an output of render?)",
                file.display()
            ))
        })?;
        let manifest = serde_json::from_slice(&text).map_err(|e| {
            Failure(format!(
                "{} is not a manifest of this tool: {} at line {} column {}",
                file.display(),
                unquoted(&e),
                e.line(),
                e.column()
            ))
        })?;
        let mut manifest: jitsi_topology::Manifest<'static> = manifest;
        // The content of each file plan may show, from the file beside the manifest (a
        // manifest a binding returned carries contents: those of the other files are dropped).
        let beside = |host: &str, file: &str| {
            let rel = write::beside_manifest(host, file)?;
            input::read_plain_file(
                &path.join(rel),
                jitsi_topology::MAX_MODEL_BYTES as u64,
                false,
            )
            .ok()
        };
        fill_contents(&mut manifest, beside);
        // A file flagged secret has no SHA-256 in the manifest: plan compares it by the
        // file beside it (read here, never shown).
        fingerprint_secret_files(&mut manifest, beside);
        return Ok(Ok(manifest));
    }
    let input = match read_model(source)? {
        Ok(input) => input,
        Err(report) => return Ok(Err((report, None))),
    };
    match render_text(&input.text)? {
        Ok(rendered) => Ok(Ok(jitsi_topology::plan::comparable(&rendered.bundle))),
        Err(report) => Ok(Err((report, Some(input)))),
    }
}

/// Sets the content of every file `plan` may show (not flagged secret, readable by others),
/// and of no other: a file that cannot be read, or is not UTF-8, has none.
fn fill_contents(
    manifest: &mut jitsi_topology::Manifest<'static>,
    content: impl Fn(&str, &str) -> Option<Vec<u8>>,
) {
    for host in &mut manifest.hosts {
        for file in &mut host.files {
            file.content = if jitsi_topology::plan::may_show(file) {
                content(&host.name, &file.path)
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .map(std::borrow::Cow::Owned)
            } else {
                None
            };
        }
    }
}

/// Fills in, in memory only, the SHA-256 that a manifest leaves out for each file flagged
/// secret, from its content, so that `plan` can tell whether it changed. A file whose content
/// cannot be had keeps none (and counts as changed).
fn fingerprint_secret_files(
    manifest: &mut jitsi_topology::Manifest<'static>,
    content: impl Fn(&str, &str) -> Option<Vec<u8>>,
) {
    for host in &mut manifest.hosts {
        for file in host
            .files
            .iter_mut()
            .filter(|f| f.secret && f.sha256.is_none())
        {
            file.sha256 = content(&host.name, &file.path)
                .map(|bytes| jitsi_topology::bundle::sha256_hex(&bytes));
        }
    }
}

/// Writes a schema file without ever following what is at its path: the text goes into a new
/// file beside it (`O_EXCL`, mode 0644 exactly), which is then renamed over the path, so a
/// symbolic link or FIFO planted there is replaced, never written through.
fn write_schema(path: &Path, text: &str) -> Result<(), Failure> {
    use std::io::Write as _;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("schema");
    let temporary = path.with_file_name(format!(".{name}.jitsi-topology-new"));
    // A leftover of an interrupted run (removing a link removes the link, not its target).
    let _ = std::fs::remove_file(&temporary);
    let cannot = |e: std::io::Error| Failure(format!("cannot write {}: {e}", path.display()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(&temporary)
        .and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.set_permissions(std::fs::Permissions::from_mode(0o644))
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.map_err(cannot)
}
