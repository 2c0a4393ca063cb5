"""Turns the raw outputs of scripts/bench (target/bench) into results.md: tables and targets.

Usage: report.py OUT_DIR TIMEOUT (e.g. 3s)
"""
import json
import os
import re
import statistics
import sys

out, timeout = sys.argv[1], sys.argv[2]
timeout_ms = float(timeout.rstrip("s")) * 1000
raw = os.path.join(out, "raw")


def hf(name):
    path = os.path.join(out, "hf", name + ".json")
    if not os.path.exists(path):
        return None
    r = json.load(open(path))["results"][0]
    ms = [t * 1000 for t in r["times"]]
    return {
        "median": statistics.median(ms), "min": min(ms), "max": max(ms),
        "sd": statistics.stdev(ms) if len(ms) > 1 else 0.0, "n": len(ms),
        "cpu": (r.get("user", 0) + r.get("system", 0)) * 1000,
    }


def fmt(t):
    if t is None:
        return "n/a"
    return f"{t['median']:.0f} ms (±{t['sd']:.0f}, {t['min']:.0f}–{t['max']:.0f}, n={t['n']})"


def doctor_causes(name):
    try:
        rep = json.load(open(os.path.join(raw, name + ".doctor.json")))
    except (OSError, ValueError):
        return "?", [], []
    errs = [f["cause"] for f in rep.get("findings", []) if f.get("severity") == "error"]
    others = [f["cause"] for f in rep.get("findings", []) if f.get("severity") != "error"]
    return rep.get("verdict", "?"), errs, others


def python_text(name):
    try:
        lines = open(os.path.join(raw, name + ".python.txt")).read().splitlines()
    except OSError:
        return None, "", False
    result = next((l.split()[1] for l in lines if l.startswith("RESULT ")), "?")
    logs = [l[4:] for l in lines if l.startswith("LOG ")]
    retried = any("retrying" in l for l in logs)
    # The last message is the verdict the user sees; earlier ones are the retries.
    text = logs[-1] if logs else ""
    text = re.sub(r"\s+", " ", text)
    if len(text) > 220:
        text = text[:217] + "..."
    return result, text.replace("|", "\\|"), retried


cases = [l.split("|") for l in open(os.path.join(out, "cases.txt")).read().splitlines() if l]
rows, targets = [], []
healthy_ok, bounded_ok, ratio_ok = True, True, True
for name, expect, _envs, _flags in cases:
    d, p = hf(name + ".doctor"), hf(name + ".python")
    verdict, errs, others = doctor_causes(name)
    rc = open(os.path.join(raw, name + ".doctor.rc")).read().strip()
    if expect == "healthy":
        got = f"{verdict} (exit {rc})" + (f", warnings: {', '.join(others)}" if others else "")
        match = verdict == "healthy" or (verdict == "degraded" and rc == "0")
    else:
        got = f"{', '.join(errs) or verdict} (exit {rc})"
        match = expect in errs
    mark = "" if match else f" **expected {expect}**"
    pres, ptext, retried = python_text(name)
    ratio = f"{p['median'] / d['median']:.1f}×" if p and d else "n/a"
    pcol = f"{pres}: {fmt(p)}" if p else "n/a (one signal per exporter)"
    rows.append(f"| {name} | {got}{mark} | {fmt(d)} | {d['cpu']:.0f} ms | {pcol} | {ratio} | {ptext} |")
    if expect == "healthy":
        ok = d["median"] < 50
        healthy_ok &= ok
        targets.append(f"- healthy {name}: median {d['median']:.1f} ms (CPU {d['cpu']:.0f} ms), target < 50 ms: {'met' if ok else 'NOT met'}")
    else:
        bound = timeout_ms * 1.1
        ok = d["max"] <= bound
        bounded_ok &= ok
        if d["median"] > timeout_ms / 2:
            targets.append(f"- blocked path {name}: median {d['median']:.0f} ms, slowest {d['max']:.0f} ms, bound {bound:.0f} ms: {'met' if ok else 'NOT met'}")
        if p and (retried or p["median"] > 1000):
            r = p["median"] / d["median"]
            ok10 = r >= 10
            ratio_ok &= ok10
            targets.append(f"- {name}: the exporter {'retried' if retried else 'waited'} {p['median']:.0f} ms, the doctor named the cause in {d['median']:.0f} ms: {r:.1f}× ({'met' if ok10 else 'NOT met'}, target ≥ 10×)")

print("## Time to a verdict (process start to exit)\n")
print(f"Doctor: `runner doctor otel --timeout {timeout}`; Python: `py_export.py` (one span, default settings).")
print("Median (± standard deviation, min–max, runs). Ratio = Python median / doctor median.\n")
print("| case | doctor verdict (error causes) | doctor | doctor CPU (mean user+sys) | Python exporter | ratio | Python's last log line |")
print("|---|---|---|---|---|---|---|")
print("\n".join(rows))

print("\n## Peak memory (max RSS, /usr/bin/time -v, 5 runs each, 3 for the silent peer; Python: 1 run, healthy cases only)\n")
print("| case | doctor max RSS | Python exporter max RSS |")
print("|---|---|---|")
mem_ok = True
for name in ["healthy_grpc", "healthy_mtls_grpc", "unknown_ca", "silent_all_signals"]:
    rss = []
    for i in range(1, 6):
        try:
            t = open(os.path.join(raw, f"{name}.time.{i}")).read()
            rss.append(int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)))
        except (OSError, AttributeError):
            pass
    try:
        t = open(os.path.join(raw, f"{name}.pytime")).read()
        py = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
    except (OSError, AttributeError):
        py = None
    if rss:
        mem_ok &= max(rss) < 30 * 1024
        print(f"| {name} | {max(rss) / 1024:.1f} MiB (median {statistics.median(rss) / 1024:.1f}) | "
              + (f"{py / 1024:.1f} MiB |" if py else "n/a |"))
targets.append(f"- peak memory under 30 MB in every case measured: {'met' if mem_ok else 'NOT met'}")

print("\n## Pipeline throughput to rotel (median of 3 runs)\n")
tp = [json.loads(l) for l in open(os.path.join(raw, "throughput.jsonl")) if l.strip()]
print("| exporter | protocol | spans/s | CPU ms per 1000 spans | exported / dropped / failed | wall s |")
print("|---|---|---|---|---|---|")
med = {}
for impl in ["runner", "python"]:
    for proto in ["grpc", "http"]:
        rs = [r for r in tp if r["impl"] == impl and r["protocol"] == proto]
        if not rs:
            continue
        sps = statistics.median(r["spans_per_s"] for r in rs)
        cpu = statistics.median(r["cpu_ms_per_1000"] for r in rs)
        med[(impl, proto)] = (sps, cpu)
        last = rs[-1]
        print(f"| {impl} | {proto} | {sps:,.0f} | {cpu:.1f} | {last['exported']} / {last['dropped']} / {last['failed']} | "
              f"{statistics.median(r['wall_s'] for r in rs):.2f} |")
for proto in ["grpc", "http"]:
    if ("runner", proto) in med and ("python", proto) in med:
        r, p = med[("runner", proto)][0], med[("python", proto)][0]
        targets.append(f"- throughput {proto}: runner {r:,.0f} spans/s vs Python {p:,.0f} ({r / p:.1f}×): {'met' if r >= p else 'NOT met'}")

print("\n## Per-job telemetry cost (7-span job tree, gRPC to rotel)\n")
j = json.load(open(os.path.join(raw, "job.json")))
print("| measure | value |")
print("|---|---|")
for k, v in j.items():
    print(f"| {k} | {v} |")
ovh = j["tree_overhead_pct_of_minimal_job"]
real = (j["real_on_ms_median"] - j["real_off_ms_median"]) / j["real_off_ms_median"] * 100
targets.append(f"- job overhead: span tree {j['tree_on_us']} µs on vs {j['tree_off_us']} µs off on the job's thread = {ovh:.3f}% of a minimal job ({j['minimal_job_ms']} ms, `bash -c true`); whole-process CPU {j['cpu_on_us_per_job']} µs per job; measured on {j['real_jobs']} real minimal jobs (median of blocks of 20, on vs off): {real:+.2f}%: {'met' if ovh < 1 else 'NOT met'} (target < 1%)")

print("\n## Targets\n")
print("\n".join(targets))
