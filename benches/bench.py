"""benches/run's driver: one table of render cost as deployments grow, with Jinja2 and `cp -r`
side by side. Run through benches/run, which builds what this needs; see the README's Performance section.

Per model (the handbook example and the synthetic topologies of benches/support/gen.rs):
- in-process: the Rust `report` bench (benches/report.rs) times each pipeline stage;
- whole process: `jitsi-topology render MODEL --out DIR` into a fresh DIR, paired with
  `cp -r` of the same tree into a fresh folder on the same filesystem (alternating, so a
  change in the machine's load hits both); peak RSS from wait4;
- Jinja2: the same templates and data (benches/jinja_port.py), rendering only, checked equal
  to our output tree file by file;
- the Python binding: `jitsi_topology.render(text)` on the handbook against the native call.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import jinja_port  # noqa: E402

# Paired whole-process runs and Jinja2 runs per model size (full, --quick).
PAIRS = {3: (41, 9), 10: (31, 7), 100: (15, 5), 1000: (9, 3), 10000: (3, 1)}
JINJA_RUNS = {3: (201, 21), 10: (101, 11), 100: (21, 5), 1000: (7, 3), 10000: (3, 1)}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def size_key(bridges: int) -> int:
    return min(PAIRS, key=lambda k: abs(k - bridges))


def spawn(argv: List[str]) -> Dict[str, float]:
    """Runs argv; its wall time and CPU times (wait4), as a shell would see them. (wait4's
    maxrss would count this Python process too: Linux keeps the pre-exec high-water mark of a
    forked child; see peak_rss.)"""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    # stderr is small (one line); read it after the child is reaped through wait4.
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace") if p.stderr else ""
    if p.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (" ".join(argv), p.returncode, err))
    return {"wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime, "maxrss_kb": ru.ru_maxrss}


def peak_rss_kb(argv: List[str]) -> Optional[int]:
    """argv's peak RSS, through GNU time, whose own small footprint is all that the child
    inherits before exec."""
    gnu_time = shutil.which("time", path="/usr/bin:/bin") or ""
    if not gnu_time:
        return None
    out = subprocess.run([gnu_time, "-f", "%M", "--"] + argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True, text=True)
    return int(out.stderr.strip().splitlines()[-1])


def spawn_floor(runs: int) -> float:
    """The median time to start and reap a trivial process (/bin/true) from here."""
    true = shutil.which("true") or "/bin/true"
    return statistics.median(spawn([true])["wall"] for _ in range(runs))


def rmtree(path: str) -> None:
    if os.path.lexists(path):
        subprocess.run(["rm", "-rf", path], check=True)


def tree_size(path: str) -> (int, int):
    files = size = 0
    for dirpath, _, names in os.walk(path):
        for n in names:
            files += 1
            size += os.lstat(os.path.join(dirpath, n)).st_size
    return files, size


def whole_process(cli: str, model: str, work: str, pairs: int) -> Dict[str, Any]:
    """`render --out` into a fresh folder, paired with `cp -r` of the same tree."""
    reference = os.path.join(work, "tree")
    rmtree(reference)
    spawn([cli, "render", model, "--out", reference])
    renders, copies, ratios = [], [], []
    for i in range(pairs):
        out, copy = os.path.join(work, "out"), os.path.join(work, "copy")
        rmtree(out)
        rmtree(copy)
        subprocess.run(["sync"], check=True)  # no dirty pages of the last run left to flush
        if i % 2 == 0:
            r = spawn([cli, "render", model, "--out", out])
            c = spawn(["cp", "-r", reference, copy])
        else:
            c = spawn(["cp", "-r", reference, copy])
            r = spawn([cli, "render", model, "--out", out])
        renders.append(r)
        copies.append(c)
        ratios.append(r["wall"] / c["wall"])
    rmtree(os.path.join(work, "out"))
    rmtree(os.path.join(work, "copy"))
    rss = peak_rss_kb([cli, "render", model, "--out", os.path.join(work, "out")])
    rmtree(os.path.join(work, "out"))
    files, size = tree_size(reference)
    med = lambda rs, k: statistics.median(x[k] for x in rs)  # noqa: E731
    return {
        "pairs": pairs,
        "render_wall": med(renders, "wall"),
        "render_user": med(renders, "user"),
        "render_sys": med(renders, "sys"),
        "render_maxrss_kb": rss,
        "cp_wall": med(copies, "wall"),
        "cp_user": med(copies, "user"),
        "cp_sys": med(copies, "sys"),
        "ratio_of_medians": med(renders, "wall") / med(copies, "wall"),
        "ratio_median_of_pairs": statistics.median(ratios),
        "tree_files": files,
        "tree_bytes": size,
        "tree": reference,
    }


def whole_scaling(cli: str, small: str, large: str, factor: int, work: str,
                  rounds: int) -> Dict[str, Any]:
    """`render --out` of `large` against `small`, in paired rounds: each round renders `small`
    `factor` times and `large` once (each into a fresh folder, removed outside the timing);
    the round's ratio is large / mean(small). The median of the rounds' ratios is steadier than
    a ratio of two medians measured minutes apart."""
    out = os.path.join(work, "scaling-out")
    ratios = []
    for _ in range(rounds):
        smalls = []
        for _ in range(factor):
            rmtree(out)
            subprocess.run(["sync"], check=True)
            smalls.append(spawn([cli, "render", small, "--out", out])["wall"])
        rmtree(out)
        subprocess.run(["sync"], check=True)
        big = spawn([cli, "render", large, "--out", out])["wall"]
        ratios.append(big / statistics.mean(smalls))
    rmtree(out)
    return {"rounds": rounds, "factor": factor, "ratios": ratios,
            "median": statistics.median(ratios)}


def jinja2_side(cli: str, model: str, tree: str, runs: int, renderer) -> Dict[str, Any]:
    resolved = subprocess.run([cli, "resolve", model], check=True, capture_output=True).stdout
    d = json.loads(resolved)
    hosts = renderer.render_all(d)  # warm-up, and the output to compare
    problems = jinja_port.compare(hosts, tree)
    walls, cpu = [], 0.0
    for _ in range(runs):
        c0, t0 = time.thread_time(), time.perf_counter()
        renderer.render_all(d)
        walls.append(time.perf_counter() - t0)
        cpu += time.thread_time() - c0
    return {
        "runs": runs,
        "wall": statistics.median(walls),
        "cpu": cpu / runs,
        "files": sum(len(f) for f in hosts.values()),
        "bytes": sum(len(c.encode()) for f in hosts.values() for c in f.values()),
        "identical": not problems,
        "problems": problems[:10],
    }


def native_handbook(report_exe: str, models_dir: str) -> float:
    """The native jitsi_topology::render of the handbook now (median wall time, seconds)."""
    tmp = os.path.join(os.path.dirname(models_dir), "inproc-handbook.json")
    subprocess.run([report_exe, "--only", "handbook", "--json", tmp], check=True,
                   stderr=subprocess.DEVNULL)
    with open(tmp) as f:
        return json.load(f)["models"][0]["stages"]["pipeline"]["wall_ns"] / 1e9


def python_binding(text: str, runs: int, native) -> Optional[Dict[str, Any]]:
    """jitsi_topology.render(text) against the native call, measured right before and after
    (the machine's load changes; the mean of the two native medians is the reference)."""
    try:
        import jitsi_topology
        from jitsi_topology import _native
    except ImportError as e:
        return {"error": "the jitsi_topology wheel is not installed: %s" % e}

    def timed(f):
        f()
        walls = []
        for _ in range(runs):
            t0 = time.perf_counter()
            f()
            walls.append(time.perf_counter() - t0)
        return statistics.median(walls)

    before = native()
    result = {
        "runs": runs,
        "render": timed(lambda: jitsi_topology.render(text)),
        # The extension's own call (Rust: render, manifest with contents as JSON text).
        "native_extension": timed(lambda: _native.render(text, {})),
    }
    after = native()
    result["native"] = (before + after) / 2
    result["native_before_after"] = [before, after]
    return result


def ms(s: float) -> str:
    v = s * 1e3
    return "%.0f" % v if v >= 100 else "%.1f" % v if v >= 10 else "%.2f" % v


def fmt_bytes(n: int) -> str:
    return "%.1f MB" % (n / 1e6) if n >= 1e6 else "%.0f kB" % (n / 1e3)


def loadavg() -> str:
    a = os.getloadavg()
    return "%.2f %.2f %.2f" % a


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--report-exe", required=True)
    ap.add_argument("--dir", default=os.path.join(ROOT, "target", "bench", "work"),
                    help="where render --out and cp -r write (default: target/bench/work)")
    ap.add_argument("--quick", action="store_true", help="fewer runs (a smoke test)")
    ap.add_argument("--only", action="append", default=[], help="model names (repeatable)")
    ap.add_argument("--json", default=os.path.join(ROOT, "target", "bench", "results.json"))
    ap.add_argument("--whole-scaling", type=int, default=0, metavar="ROUNDS",
                    help="also time render --out of 10,000 against 1,000 bridges in ROUNDS paired "
                         "rounds (each: ten 1,000-bridge runs, one 10,000-bridge run); slow on a "
                         "slow disk, so off by default")
    args = ap.parse_args()
    caller = os.environ.get("JT_BENCH_CALLER_DIR", os.getcwd())
    args.dir = os.path.join(caller, args.dir)
    args.json = os.path.join(caller, args.json)
    q = 1 if args.quick else 0

    bench_dir = os.path.join(ROOT, "target", "bench")
    models_dir = os.path.join(bench_dir, "models")
    inproc_json = os.path.join(bench_dir, "inproc.json")
    os.makedirs(args.dir, exist_ok=True)
    load_start = loadavg()
    started = time.time()

    log("bench: in-process stages (benches/report.rs) ...")
    cmd = [args.report_exe, "--models", models_dir, "--json", inproc_json]
    if args.quick:
        cmd.append("--quick")
    for name in args.only:
        cmd += ["--only", name]
    subprocess.run(cmd, check=True)
    with open(inproc_json) as f:
        inproc = json.load(f)

    renderer = jinja_port.Renderer(os.path.join(ROOT, "templates"))
    rows = []
    for m in inproc["models"]:
        name, bridges = m["name"], m["bridges"]
        model = os.path.join(models_dir, name + ".yaml")
        k = size_key(bridges)
        work = os.path.join(args.dir, name)
        os.makedirs(work, exist_ok=True)
        log("bench: %s: render --out and cp -r, %d pairs (load %s) ..." % (name, PAIRS[k][q], loadavg()))
        wp = whole_process(args.cli, model, work, PAIRS[k][q])
        log("bench: %s: Jinja2, %d runs ..." % (name, JINJA_RUNS[k][q]))
        jj = jinja2_side(args.cli, model, wp["tree"], JINJA_RUNS[k][q], renderer)
        if not jj["identical"]:
            log("bench: %s: Jinja2's output differs from ours: %s" % (name, jj["problems"]))
        rows.append({"model": m, "whole": wp, "jinja2": jj})
        log("bench: %s: render --out %s ms, cp -r %s ms, Jinja2 %s ms vs render %s ms"
            % (name, ms(wp["render_wall"]), ms(wp["cp_wall"]), ms(jj["wall"]),
               ms(m["stages"]["render"]["wall_ns"] / 1e9)))
        rmtree(wp["tree"])

    handbook = next((r for r in rows if r["model"]["name"] == "handbook"), None)
    floor = spawn_floor(21 if args.quick else 101)
    binding = None
    if handbook is not None:
        log("bench: the Python binding ...")
        with open(os.path.join(models_dir, "handbook.yaml")) as f:
            binding = python_binding(f.read(), 101 if args.quick else 1001,
                                     lambda: native_handbook(args.report_exe, models_dir))

    results = {
        "machine": machine(),
        "filesystem": fs_type(args.dir),
        "dir": args.dir,
        "load_start": load_start,
        "load_end": loadavg(),
        "seconds": round(time.time() - started),
        "rows": rows,
        "binding": binding,
        "spawn_floor": floor,
        "scaling": inproc.get("scaling"),
        "whole_scaling": None,
    }
    names = {r["model"]["name"] for r in rows}
    if args.whole_scaling > 0 and {"b01000", "b10000"} <= names:
        log("bench: render --out of b10000 against b01000, %d paired rounds ..." % args.whole_scaling)
        results["whole_scaling"] = whole_scaling(
            args.cli, os.path.join(models_dir, "b01000.yaml"),
            os.path.join(models_dir, "b10000.yaml"), 10, args.dir, args.whole_scaling)
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(results, f, indent=2)
    print_report(results)


def machine() -> str:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return "%s, %d cores, %.0f GiB, Linux %s" % (cpu, os.cpu_count() or 0, mem, os.uname().release)


def fs_type(path: str) -> str:
    try:
        return subprocess.run(["stat", "-f", "-c", "%T", path], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def cpu_ns(stage: Dict[str, Any]) -> float:
    return (stage["cpu_ns"] if stage.get("cpu_ns") is not None else stage["wall_ns"]) / 1e9


def table(p, header, rows) -> None:
    """Prints a Markdown table: the first column left-aligned, the others right-aligned."""
    widths = [max(len(h), *(len(x[i]) for x in rows)) for i, h in enumerate(header)]

    def line(cells):
        return "| " + " | ".join(c.rjust(w) if i else c.ljust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    p(line(header))
    p("|" + "|".join(("-" * (w + 1) + ":") if i else "-" * (w + 2) for i, w in enumerate(widths)) + "|")
    for x in rows:
        p(line(x))


def print_report(r: Dict[str, Any]) -> None:
    out = []
    p = out.append
    p("jitsi-topology render cost (benches/run)")
    p("machine: %s; output on %s (%s)" % (r["machine"], r["filesystem"], r["dir"]))
    p("load average at start %s, at end %s; %d s" % (r["load_start"], r["load_end"], r["seconds"]))
    p("")
    hdr = ("model", "bridges", "hosts", "files", "output", "in-process", "per bridge",
           "render --out", "cp -r", "vs cp", "peak RSS", "Jinja2", "ours", "vs Jinja2", "same")
    rows = []
    for row in r["rows"]:
        m, w, j = row["model"], row["whole"], row["jinja2"]
        st = m["stages"]
        pipeline = cpu_ns(st["pipeline"])
        render = cpu_ns(st["render"])
        rows.append((
            m["name"], str(m["bridges"]), str(m["hosts"]), str(m["files"]),
            fmt_bytes(m["content_bytes"] + m["manifest_bytes"]),
            ms(pipeline) + " ms",
            "%.1f µs" % (pipeline / m["bridges"] * 1e6),
            ms(w["render_wall"]) + " ms", ms(w["cp_wall"]) + " ms",
            "%.2f×" % w["ratio_median_of_pairs"],
            "%.1f MB" % (w["render_maxrss_kb"] / 1024) if w["render_maxrss_kb"] else "?",
            ms(j["cpu"]) + " ms", ms(render) + " ms",
            "%.1f×" % (j["cpu"] / render),
            "yes" if j["identical"] else "NO",
        ))
    table(p, hdr, rows)
    p("")
    p("in-process: jitsi_topology::render(text) (load, validate, resolve, render), CPU time of")
    p("  one thread, mean of many runs; per bridge = in-process / bridges. render --out: the")
    p("  whole CLI process writing a fresh tree (median wall time); cp -r: the same tree copied")
    p("  to a fresh folder on the same filesystem (median); vs cp: median of the paired ratios.")
    p("  Jinja2: the same templates and resolved data rendered by Jinja2 %s (CPU time, rendering"
      % jinja2_version())
    p("  only); ours: render::render(&Deployment), the same work (plus steps); same: Jinja2's")
    p("  files equal the CLI's output byte for byte. peak RSS: of render --out (GNU time).")
    p("  Starting and reaping /bin/true from this driver takes %s ms (in every whole-process time)."
      % ms(r["spawn_floor"]))
    p("")
    # Stages.
    p("stages (in-process, CPU ms per run; resolve = check - load - validate; manifest = the")
    p("manifest.json text render --out writes, including (hashes), the SHA-256 of every file):")
    sh = ("model", "load", "validate", "resolve", "render", "pipeline", "manifest", "(hashes)", "pipeline wall")
    srows = []
    for row in r["rows"]:
        st = row["model"]["stages"]
        resolve = cpu_ns(st["check"]) - cpu_ns(st["load"]) - cpu_ns(st["validate"])
        srows.append((row["model"]["name"], ms(cpu_ns(st["load"])), ms(cpu_ns(st["validate"])),
                      ms(max(resolve, 0.0)), ms(cpu_ns(st["render"])), ms(cpu_ns(st["pipeline"])),
                      ms(cpu_ns(st["manifest"])), ms(cpu_ns(st["hash"])) if "hash" in st else "-",
                      ms(st["pipeline"]["wall_ns"] / 1e9)))
    table(p, sh, srows)
    p("")
    p("whole process (median): user/sys CPU of render --out and of cp -r:")
    for row in r["rows"]:
        w = row["whole"]
        p("  %-10s render %s ms user + %s ms sys; cp -r %s ms user + %s ms sys (%d pairs)"
          % (row["model"]["name"], ms(w["render_user"]), ms(w["render_sys"]),
             ms(w["cp_user"]), ms(w["cp_sys"]), w["pairs"]))
    b = r.get("binding")
    if b:
        p("")
        if "error" in b:
            p("Python binding: %s" % b["error"])
        else:
            p("Python binding (handbook, median of %d calls): jitsi_topology.render(text) %s ms;"
              % (b["runs"], ms(b["render"])))
            p("  its extension call alone (Rust: render, manifest with contents as JSON) %s ms;"
              % ms(b["native_extension"]))
            p("  the native jitsi_topology::render %s ms (median, measured just before and after:"
              % ms(b["native"]))
            p("  %s): the binding adds %s ms."
              % (" and ".join(ms(x) + " ms" for x in b["native_before_after"]),
                 ms(b["render"] - b["native"])))
    p("")
    p("targets:")
    for t in targets(r):
        p("  " + t)
    print("\n".join(out))


def jinja2_version() -> str:
    import jinja2
    return jinja2.__version__


def targets(r: Dict[str, Any]) -> List[str]:
    by = {x["model"]["name"]: x for x in r["rows"]}
    res = []

    def verdict(ok: bool) -> str:
        return "met   " if ok else "MISSED"

    if "b01000" in by:
        x = by["b01000"]
        st = x["model"]["stages"]
        v = cpu_ns(st["pipeline"])
        res.append("%s validate + render of 1,000 bridges in-process <= 50 ms: %s ms CPU (load+validate+resolve+render; %s ms wall)"
                   % (verdict(v <= 0.050), ms(v), ms(st["pipeline"]["wall_ns"] / 1e9)))
        w = x["whole"]
        res.append("%s render --out of 1,000 bridges <= 2x cp -r: %.2fx (%s ms vs %s ms)"
                   % (verdict(w["ratio_median_of_pairs"] <= 2.0), w["ratio_median_of_pairs"],
                      ms(w["render_wall"]), ms(w["cp_wall"])))
        j = x["jinja2"]
        ratio = j["cpu"] / cpu_ns(st["render"])
        ratios = sorted((y["jinja2"]["cpu"] / cpu_ns(y["model"]["stages"]["render"]), name)
                        for name, y in by.items() if y.get("jinja2") and "cpu" in y["jinja2"])
        res.append("%s >= 3x faster than Jinja2: %.1fx at 1,000 bridges; the least %.1fx (%s)"
                   % (verdict(ratios[0][0] >= 3.0), ratio, ratios[0][0], ratios[0][1]))
        if w["render_maxrss_kb"]:
            res.append("%s peak RSS at 1,000 bridges <= 64 MB: %.1f MB"
                       % (verdict(w["render_maxrss_kb"] / 1024 <= 64), w["render_maxrss_kb"] / 1024))
        if "b10000" in by:
            y = by["b10000"]
            a, b_ = cpu_ns(st["pipeline"]), cpu_ns(y["model"]["stages"]["pipeline"])
            wa, wb = x["whole"]["render_wall"], y["whole"]["render_wall"]
            sc = r.get("scaling") or {}
            paired = sc.get("median")
            inproc = paired if paired is not None else b_ / a
            ws = r.get("whole_scaling") or {}
            whole = ws.get("median", wb / wa)
            def source(paired_rounds, from_table):
                if paired_rounds is None:
                    return "from the table"
                return "median of %d paired rounds; %.1fx from the table" % (paired_rounds, from_table)

            res.append("%s 10,000 bridges within 11x of 1,000: in-process %.1fx (%s), whole process %.1fx (%s)"
                       % (verdict(inproc <= 11 and whole <= 11),
                          inproc, source(sc.get("rounds") if paired is not None else None, b_ / a),
                          whole, source(ws.get("rounds"), wb / wa)))
    if "handbook" in by:
        w = by["handbook"]["whole"]
        res.append("%s handbook example <= 10 ms as a whole CLI process: %s ms (render --out, median)"
                   % (verdict(w["render_wall"] <= 0.010), ms(w["render_wall"])))
        b = r.get("binding")
        if b and "error" not in b:
            extra = b["render"] - b["native"]
            res.append("%s Python binding within 1 ms of the native call: +%s ms (%s vs %s ms)"
                       % (verdict(extra <= 0.001), ms(extra), ms(b["render"]), ms(b["native"])))
    return res


if __name__ == "__main__":
    main()
