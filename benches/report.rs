//! The in-process half of `benches/run`'s table (a `harness = false` bench, so it never runs in
//! `cargo test`; criterion's statistics live in `benches/pipeline.rs`).
//!
//! ```text
//! cargo bench --bench report -- [--models DIR] [--json FILE] [--only NAME]... [--quick]
//! cargo bench --bench report -- --profile NAME --stage STAGE --iterations N   (for callgrind)
//! ```
//!
//! `--models DIR` writes every synthetic model (`benches/support/gen.rs`) and the handbook example as
//! `DIR/<name>.yaml`. For each model it then times, in this process on one thread, each stage
//! of the pipeline: the median wall-clock time of many runs, and the mean CPU time of this
//! thread per run (from `/proc/thread-self/schedstat`; a busy machine inflates wall-clock time
//! by preempting us, not CPU time):
//!
//! - `load`: YAML to `Topology` (`jitsi_topology::load`);
//! - `validate`: every rule on the loaded model;
//! - `check`: load + validate + resolve (`jitsi_topology::check`); resolve alone is `check`
//!   less `load` and `validate`;
//! - `render`: `render_deployment(&Deployment)`, templates and steps (what Jinja2 is compared to);
//! - `pipeline`: `jitsi_topology::render(text)`, the whole pipeline;
//! - `manifest`: the manifest.json text `render --out` writes (hashes every file);
//! - `hash`: the SHA-256 of every file alone (part of `manifest`).
//!
//! and prints (or writes to `--json`) one JSON document: per model its hosts, files, bytes and
//! the stage times in nanoseconds.

/// The CLI's allocator, so that the in-process times are those of `render --out`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "support/gen.rs"]
mod generator;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use generator::{SPECS, Spec};
use serde_json::{Value, json};

const HANDBOOK: &str = include_str!("../examples/handbook.yaml");

fn env() -> BTreeMap<String, String> {
    BTreeMap::new()
}

/// This thread's CPU time in nanoseconds (the first field of schedstat), if the kernel has it.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

#[derive(Debug, Clone, Copy)]
struct Stat {
    /// Median wall-clock time of one run.
    wall_ns: u64,
    /// Mean CPU time of one run: the thread's CPU time over all runs divided by their number
    /// (the kernel updates it at scheduler ticks, so one run's share would be too coarse).
    cpu_ns: Option<u64>,
    runs: usize,
}

fn median(v: &mut [u64]) -> u64 {
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

/// Runs `f` once to warm up, then at least `min_runs` times and until `budget` has passed
/// (at most 2,000 runs).
fn measure(min_runs: usize, budget: Duration, mut f: impl FnMut()) -> Stat {
    f();
    let mut walls = Vec::with_capacity(2000);
    let start = Instant::now();
    let cpu0 = thread_cpu_ns();
    while walls.len() < min_runs || (start.elapsed() < budget && walls.len() < 2000) {
        let t0 = Instant::now();
        f();
        walls.push(t0.elapsed().as_nanos() as u64);
    }
    let cpu1 = thread_cpu_ns();
    let runs = walls.len();
    Stat {
        wall_ns: median(&mut walls),
        cpu_ns: cpu0.zip(cpu1).map(|(a, b)| (b - a) / runs as u64),
        runs,
    }
}

fn stat_json(s: Stat) -> Value {
    json!({ "wall_ns": s.wall_ns, "cpu_ns": s.cpu_ns, "runs": s.runs })
}

struct Model {
    name: String,
    bridges: usize,
    shards: usize,
    text: String,
}

fn models() -> Vec<Model> {
    let mut all = vec![Model {
        name: "handbook".into(),
        bridges: 3,
        shards: 1,
        text: HANDBOOK.to_owned(),
    }];
    all.extend(SPECS.iter().map(|&s: &Spec| Model {
        name: s.name(),
        bridges: s.bridges,
        shards: s.shards,
        text: generator::topology(s),
    }));
    all
}

fn manifest_text(bundle: &jitsi_topology::Bundle) -> String {
    bundle.manifest_json(false, true) + "\n"
}

fn report(m: &Model, quick: bool) -> Value {
    let env = env();
    let text = m.text.as_str();
    let rendered = jitsi_topology::render(text, &env).unwrap_or_else(|e| {
        panic!("{} does not render: {e}", m.name);
    });
    let bundle = &rendered.bundle;
    let files: usize = bundle.hosts.iter().map(|h| h.files.len()).sum();
    let content_bytes: usize = bundle
        .hosts
        .iter()
        .flat_map(|h| &h.files)
        .map(|f| f.content.len())
        .sum();
    let manifest_bytes = manifest_text(bundle).len();
    let loaded = jitsi_topology::load(text).expect("loads");
    let deployment = jitsi_topology::check(text, &env).expect("valid").deployment;

    // Small models: many runs; 10,000 bridges: a few (each takes a while).
    let (min_runs, budget) = match (quick, m.bridges) {
        (true, _) => (3, Duration::from_millis(200)),
        (false, b) if b >= 5_000 => (7, Duration::from_secs(3)),
        (false, _) => (15, Duration::from_secs(2)),
    };
    let mut stages = serde_json::Map::new();
    let mut run = |name: &str, f: &mut dyn FnMut()| {
        let s = measure(min_runs, budget, f);
        eprintln!(
            "  {:<10} {:<9} {:>10.3} ms wall {:>10} ms cpu ({} runs)",
            m.name,
            name,
            s.wall_ns as f64 / 1e6,
            s.cpu_ns
                .map(|c| format!("{:.3}", c as f64 / 1e6))
                .unwrap_or_else(|| "-".into()),
            s.runs
        );
        stages.insert(name.to_owned(), stat_json(s));
    };
    run("load", &mut || {
        black_box(jitsi_topology::load(black_box(text)).ok());
    });
    run("validate", &mut || {
        black_box(jitsi_topology::validate(black_box(&loaded.topology), &env));
    });
    run("check", &mut || {
        black_box(jitsi_topology::check(black_box(text), &env).ok());
    });
    run("render", &mut || {
        black_box(jitsi_topology::render_deployment(black_box(&deployment)).ok());
    });
    run("pipeline", &mut || {
        black_box(jitsi_topology::render(black_box(text), &env).ok());
    });
    run("manifest", &mut || {
        black_box(manifest_text(black_box(bundle)));
    });
    run("hash", &mut || {
        for f in bundle.hosts.iter().flat_map(|h| &h.files) {
            black_box(f.sha256());
        }
    });
    json!({
        "name": m.name,
        "bridges": m.bridges,
        "shards": m.shards,
        "hosts": bundle.hosts.len(),
        "files": files,
        "content_bytes": content_bytes,
        "manifest_bytes": manifest_bytes,
        "warnings": rendered.warnings.len(),
        "stages": stages,
    })
}

/// How the whole pipeline's time grows from `small` to `large`, measured in pairs: each round
/// times `small` as many times as `large` is bigger (CPU time of this thread for the lot), then
/// `large` once; the ratio of the two is the round's. A drifting machine moves both halves of a
/// round alike, so the median of the rounds' ratios is steadier than a ratio of two medians
/// measured seconds apart.
fn scaling(small: &Model, large: &Model, rounds: usize) -> Value {
    let env = env();
    let factor = (large.bridges / small.bridges).max(1);
    let cpu_of = |text: &str, times: usize| -> Option<u64> {
        let c0 = thread_cpu_ns()?;
        for _ in 0..times {
            black_box(jitsi_topology::render(black_box(text), &env).ok());
        }
        Some(thread_cpu_ns()? - c0)
    };
    // Warm up both.
    cpu_of(&small.text, 1);
    cpu_of(&large.text, 1);
    let mut ratios = Vec::new();
    for _ in 0..rounds {
        let (Some(s), Some(l)) = (cpu_of(&small.text, factor), cpu_of(&large.text, 1)) else {
            return json!(null);
        };
        let ratio = l as f64 / (s as f64 / factor as f64);
        ratios.push(ratio);
    }
    let mut sorted = ratios.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    eprintln!(
        "  scaling    {} / {}: {median:.2}x (median of {rounds} paired rounds)",
        large.name, small.name
    );
    json!({ "small": small.name, "large": large.name, "rounds": rounds, "ratios": ratios, "median": median })
}

/// Runs one stage `iterations` times, inside [`profiled`] (callgrind:
/// `--collect-atstart=no --toggle-collect='*profiled*'` counts only the stage).
fn profile(m: &Model, stage: &str, iterations: usize) {
    let env = env();
    let text = m.text.as_str();
    let loaded = (stage == "validate").then(|| jitsi_topology::load(text).expect("loads"));
    let deployment =
        (stage == "render").then(|| jitsi_topology::check(text, &env).expect("valid").deployment);
    let bundle =
        (stage == "manifest").then(|| jitsi_topology::render(text, &env).expect("renders").bundle);
    for _ in 0..iterations {
        profiled(
            stage,
            text,
            &env,
            loaded.as_ref(),
            deployment.as_ref(),
            bundle.as_ref(),
        );
    }
}

#[inline(never)]
fn profiled(
    stage: &str,
    text: &str,
    env: &BTreeMap<String, String>,
    loaded: Option<&jitsi_topology::Loaded>,
    deployment: Option<&jitsi_topology::Deployment>,
    bundle: Option<&jitsi_topology::Bundle>,
) {
    match stage {
        "load" => drop(black_box(jitsi_topology::load(black_box(text)).ok())),
        "validate" => drop(black_box(jitsi_topology::validate(
            black_box(&loaded.expect("loaded").topology),
            env,
        ))),
        "check" => drop(black_box(jitsi_topology::check(black_box(text), env).ok())),
        "render" => drop(black_box(
            jitsi_topology::render_deployment(black_box(deployment.expect("resolved"))).ok(),
        )),
        "pipeline" => drop(black_box(jitsi_topology::render(black_box(text), env).ok())),
        "manifest" => drop(black_box(manifest_text(black_box(
            bundle.expect("rendered"),
        )))),
        other => panic!("unknown stage {other}"),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut models_dir: Option<PathBuf> = None;
    let mut json_out: Option<PathBuf> = None;
    let mut only: Vec<String> = Vec::new();
    let mut quick = false;
    let mut profile_model: Option<String> = None;
    let mut stage = "pipeline".to_owned();
    let mut iterations = 1usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--models" => models_dir = args.next().map(PathBuf::from),
            "--json" => json_out = args.next().map(PathBuf::from),
            "--only" => only.extend(args.next()),
            "--quick" => quick = true,
            "--profile" => profile_model = args.next(),
            "--stage" => stage = args.next().expect("--stage NAME"),
            "--iterations" => {
                iterations = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--iterations N")
            }
            // cargo bench passes --bench; anything else is a criterion-style filter.
            _ => {}
        }
    }
    let all = models();
    if let Some(name) = profile_model {
        let m = all
            .iter()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("no model {name}"));
        profile(m, &stage, iterations);
        return;
    }
    if let Some(dir) = &models_dir {
        std::fs::create_dir_all(dir).expect("create the models folder");
        for m in &all {
            std::fs::write(dir.join(format!("{}.yaml", m.name)), &m.text).expect("write a model");
        }
        eprintln!("report: wrote {} models into {}", all.len(), dir.display());
    }
    let results: Vec<Value> = all
        .iter()
        .filter(|m| only.is_empty() || only.contains(&m.name))
        .map(|m| report(m, quick))
        .collect();
    let selected = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let find = |name: &str| all.iter().find(|m| m.name == name);
    let scaling = match (find("b01000"), find("b10000")) {
        (Some(small), Some(large)) if selected("b01000") && selected("b10000") => {
            scaling(small, large, if quick { 3 } else { 9 })
        }
        _ => json!(null),
    };
    let doc = json!({ "version": jitsi_topology::VERSION, "models": results, "scaling": scaling });
    let text = serde_json::to_string_pretty(&doc).expect("serializes") + "\n";
    match json_out {
        Some(path) => std::fs::write(&path, text).expect("write the report"),
        None => print!("{text}"),
    }
}
