#!/usr/bin/env python
"""Benchmark ``pympler.asizeof``: this project (C engine) against Pympler 1.1.

Run from anywhere, with the Python whose environment has this project
installed (``pip install .``)::

    python benchmarks/bench_asizeof.py              # all workloads, 5 runs each
    python benchmarks/bench_asizeof.py --quick      # 1 run each (smoke test)
    python benchmarks/bench_asizeof.py --only W1,W3 --repeat 7
    python benchmarks/bench_asizeof.py --self-test  # Pympler 1.1 against itself

Pympler 1.1 is installed on first use into ``benchmarks/.vendor/pympler11``
(``pip install --target ... pympler==1.1 --no-deps``); it is never a
dependency of this project.  Every measurement runs in a fresh process; see
``benchmarks/README.md`` for what exactly is measured.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as H  # noqa: E402

SCRIPT = Path(__file__).resolve()
RESULTS_MD = H.BENCH_DIR / "RESULTS.md"

# --------------------------------------------------------------------------
# Workloads (built in the worker, after ``import pympler.asizeof``)
# --------------------------------------------------------------------------

W4_MODULES = ("os", "sys", "re", "json", "collections", "functools", "itertools", "typing",
              "ast", "inspect", "email", "http.client", "decimal", "datetime", "argparse")

#: options passed to ``asizeof`` for W5, by both tools (see README)
W5_LIMIT = 10 ** 6
W5_RECURSIONLIMIT = 10 ** 6


class Node:
    """W5 linked-list node (instances have a ``__dict__``)."""

    def __init__(self, value, next):
        self.value = value
        self.next = next


class Plain:
    """W3 instance with a 3-attribute ``__dict__``."""

    def __init__(self, a, b, c):
        self.a = a
        self.b = b
        self.c = c


class Slotted:
    """W3 instance with 3 ``__slots__``."""

    __slots__ = ("a", "b", "c")

    def __init__(self, a, b, c):
        self.a = a
        self.b = b
        self.c = c


def build_w1():
    return (list(range(10 ** 6)),)


def build_w2():
    # distinct key strings, and distinct int / str / float objects in each tuple
    return ({"key%07d" % i: (i + 10 ** 6, "value%07d" % i, i + 0.5) for i in range(200_000)},)


def build_w3():
    n = 100_000
    objs = [Plain(i + 10 ** 6, "a%06d" % i, i + 0.25) for i in range(n)]
    objs += [Slotted(i + 2 * 10 ** 6, "s%06d" % i, i + 0.75) for i in range(n)]
    return (objs,)


def build_w4():
    import importlib
    return tuple(importlib.import_module(name) for name in W4_MODULES)


def build_w5():
    head = None
    for i in range(10 ** 5 - 1, -1, -1):
        head = Node(i, head)
    return (head,)


# name -> (description, builder, asizeof options, recursion limit to set or None, target speed-up)
WORKLOADS = {
    "W1": ("`asizeof(list(range(10**6)))`", build_w1, {}, None, 50),
    "W2": ("dict: 200,000 `str` keys -> `(int, str, float)` tuples", build_w2, {}, None, 40),
    "W3": ("list of 100,000 `__dict__` instances + 100,000 `__slots__` instances (3 attrs)",
           build_w3, {}, None, 40),
    "W4": ("`asizeof(*modules)`, %d stdlib modules" % len(W4_MODULES), build_w4, {}, None, 25),
    "W5": ("linked list of 10**5 `__dict__` nodes (value, next), `asizeof(head)`",
           build_w5, {"limit": W5_LIMIT}, W5_RECURSIONLIMIT, 100),  # limit: Pympler 1.1 only
}
BYTES_PER_OBJECT_TARGET = 16
#: workloads where Pympler 1.1 under tracemalloc takes far too long
NO_TRACEMALLOC_FOR_PYMPLER11 = {"W5"}

NOTES = [
    "Times: wall clock (`time.perf_counter`) of the first `asizeof()` call in a fresh process, "
    "after the data is built and `gc.collect()` ran; median over the runs.",
    "W5: Pympler 1.1 gets `limit=%d` and both processes `sys.setrecursionlimit(%d)` "
    "(Pympler 1.1's default `limit=100` stops after ~50 nodes, and at the default recursion "
    "limit it swallows `RecursionError` and misses objects); ours runs with its default, "
    "unlimited `limit`, which counts the same objects." % (W5_LIMIT, W5_RECURSIONLIMIT),
    "CPU-time speed-up: the same ratio with `time.process_time` (informational; less "
    "sensitive to other load on the machine, the wall-clock speed-up is the one judged).",
    "Sizes: on CPython 3.11+ Pympler 1.1 reads `obj.__dict__`, which creates the instance "
    "dicts that CPython had kept inline, and then sizes them; ours does not create them, so "
    "W3/W5 report less for ours (same numbers once the dicts exist). W4 differs with the "
    "modules each process imported (Pympler 1.1 imports numpy when installed) and with "
    "what each counts: `benchmarks/explain_w4.py` compares them on one heap.",
    "B/obj: tracemalloc peak during our `asizeof()` call minus traced memory before it, divided "
    "by `Asizer().seen` of the same call, measured in a separate process from the timed ones.",
]


# --------------------------------------------------------------------------
# Worker
# --------------------------------------------------------------------------

def _safe_attr(obj, name):
    try:
        v = getattr(obj, name)
        return v() if callable(v) else v
    except Exception:  # noqa: BLE001 - an attribute ours may not have yet
        return None


def worker(spec: dict) -> dict:
    pympler = H.activate_tool(spec["tool"], spec.get("verify_as"))
    out = {"pympler": H.describe_pympler(pympler)}
    from pympler import asizeof  # a probe fails here if there is no pympler.asizeof
    if spec["mode"] == "probe":
        return out

    _desc, build, opts, reclimit, _target = WORKLOADS[spec["workload"]]
    if reclimit:
        sys.setrecursionlimit(reclimit)
    args = build()
    out["recursionlimit"] = sys.getrecursionlimit()
    if spec["tool"] != "pympler11":
        # Ours counts everything by default (limit unlimited); the limit only
        # lifts Pympler 1.1's default of 100 so that both do the same work.
        opts = {}
    out["opts"] = opts

    def call():
        return asizeof.asizeof(*args, **opts)

    if spec["mode"] == "time":
        r = H.timed_call(call)
        out.update(seconds=r["seconds"], cpu_seconds=r["cpu_seconds"], size=r["result"],
                   rss_delta=r["rss_delta"],
                   peak_rss_delta=r["peak_rss_delta"])
    elif spec["mode"] == "info":
        if spec.get("mem", True):
            r = H.traced_call(call)
            out.update(size=r["result"], traced_peak_extra=r["peak_extra"],
                       traced_retained=r["retained"])
        a = asizeof.Asizer()
        out["asizer_size"] = a.asizeof(*args, **opts)
        for attr in ("seen", "sized", "missed", "total"):
            out[attr] = _safe_attr(a, attr)
    else:
        raise ValueError("unknown mode %r" % spec["mode"])
    return out


# --------------------------------------------------------------------------
# Parent
# --------------------------------------------------------------------------

def _pct(a, b):
    if a is None or b is None or b == 0:
        return None
    return 100.0 * (a - b) / b


def run_workload(name, slots, repeat, timeout, baseline_memory):
    desc, _build, opts, reclimit, target = WORKLOADS[name]
    H.log("%s: %s" % (name, desc))
    runs = {slot: [] for slot, _tool in slots}
    for rep in range(repeat):
        order = slots if rep % 2 == 0 else list(reversed(slots))
        for slot, tool in order:
            r = H.run_fresh(SCRIPT, {"tool": tool, "workload": name, "mode": "time"}, timeout)
            runs[slot].append(r)
            if r.get("ok"):
                H.log("  %-9s run %d/%d: %8s s  size %s"
                      % (slot, rep + 1, repeat, H.fmt_seconds(r["seconds"]), r["size"]))
            else:
                H.log("  %-9s run %d/%d: FAILED %s" % (slot, rep + 1, repeat, r.get("error")))
    infos = {}
    for slot, tool in slots:
        # tracemalloc makes Pympler 1.1 very slow (W5 with its 200,000-deep
        # recursion did not finish in 15 minutes), so its B/obj is opt-in and
        # never measured for W5
        mem = (slot == "ours" or baseline_memory) and not (
            tool == "pympler11" and name in NO_TRACEMALLOC_FOR_PYMPLER11)
        r = H.run_fresh(SCRIPT, {"tool": tool, "workload": name, "mode": "info", "mem": mem},
                        timeout)
        infos[slot] = r
        if r.get("ok"):
            H.log("  %-9s info: seen %s sized %s missed %s traced peak %s"
                  % (slot, r.get("seen"), r.get("sized"), r.get("missed"),
                     H.fmt_bytes(r.get("traced_peak_extra"))))
        else:
            H.log("  %-9s info: FAILED %s" % (slot, r.get("error")))

    res = {"speedup_cpu": None, "speedup_of_minimums": None, "workload": name,
           "description": desc, "opts": opts, "recursionlimit": reclimit,
           "target_speedup": target, "tools": {}}
    for slot, tool in slots:
        ok = [r for r in runs[slot] if r.get("ok")]
        errs = [r.get("error") for r in runs[slot] if not r.get("ok")]
        info = infos[slot]
        sizes = sorted({r["size"] for r in ok})
        t = {
            "tool": tool,
            "runs": runs[slot],
            "info": info,
            "seconds": H.summarize([r["seconds"] for r in ok]),
            "cpu_seconds": H.summarize([r.get("cpu_seconds") for r in ok]),
            "size": ok[0]["size"] if ok else (info.get("size") if info.get("ok") else None),
            "sizes_seen_in_runs": sizes,
            "rss_delta": H.summarize([r.get("rss_delta") for r in ok]),
            "peak_rss_delta": H.summarize([r.get("peak_rss_delta") for r in ok]),
            "errors": errs,
            "seen": info.get("seen") if info.get("ok") else None,
            "sized": info.get("sized") if info.get("ok") else None,
            "missed": info.get("missed") if info.get("ok") else None,
            "traced_peak_extra": info.get("traced_peak_extra") if info.get("ok") else None,
        }
        t["bytes_per_seen"] = (t["traced_peak_extra"] / t["seen"]
                               if t["traced_peak_extra"] is not None and t["seen"] else None)
        t["bytes_per_sized"] = (t["traced_peak_extra"] / t["sized"]
                                if t["traced_peak_extra"] is not None and t["sized"] else None)
        res["tools"][slot] = t

    base, ours = res["tools"]["pympler11"], res["tools"]["ours"]
    speedup, why = None, None
    if not base["seconds"]:
        why = "Pympler 1.1 failed: %s" % (base["errors"][:1] or [base["info"].get("error")])[0]
    elif not ours["seconds"]:
        why = "ours failed: %s" % (ours["errors"][:1] or [ours["info"].get("error")])[0]
    elif base["missed"]:
        why = "Pympler 1.1 missed %s objects (truncated result)" % base["missed"]
    else:
        speedup = base["seconds"]["median"] / ours["seconds"]["median"]
        res["speedup_of_minimums"] = base["seconds"]["min"] / ours["seconds"]["min"]
        if base["cpu_seconds"] and ours["cpu_seconds"] and ours["cpu_seconds"]["median"] > 0:
            res["speedup_cpu"] = base["cpu_seconds"]["median"] / ours["cpu_seconds"]["median"]
    res["speedup"] = speedup
    res["speedup_na_reason"] = why
    res["speed_pass"] = None if speedup is None else speedup >= target
    bpo = ours["bytes_per_seen"]
    res["bytes_per_object"] = bpo
    res["memory_pass"] = None if bpo is None else bpo <= BYTES_PER_OBJECT_TARGET
    res["size_diff_pct"] = _pct(ours["size"], base["size"])
    return res


def _pf(flag):
    return "n/a" if flag is None else ("PASS" if flag else "FAIL")


def render(results, repeat, labels):
    lines = []
    hdr = ["Workload", "%s median s" % labels["pympler11"], "%s median s" % labels["ours"],
           "speed-up", "target", "speed", "CPU-time speed-up", "B/obj visited",
           "<=%d B" % BYTES_PER_OBJECT_TARGET]
    rows = []
    for r in results:
        b, o = r["tools"]["pympler11"], r["tools"]["ours"]
        rows.append([
            r["workload"],
            H.fmt_seconds(b["seconds"]["median"]) if b["seconds"] else "n/a",
            H.fmt_seconds(o["seconds"]["median"]) if o["seconds"] else "n/a",
            ("%.1fx" % r["speedup"]) if r["speedup"] is not None else "n/a",
            "%dx" % r["target_speedup"],
            _pf(r["speed_pass"]),
            ("%.1fx" % r["speedup_cpu"]) if r["speedup_cpu"] is not None else "n/a",
            ("%.1f" % r["bytes_per_object"]) if r["bytes_per_object"] is not None else "n/a",
            _pf(r["memory_pass"]),
        ])
    lines.append("Speed (median of %d fresh processes per tool) and extra memory of ours:" % repeat)
    lines.append("")
    lines.append(H.format_table(hdr, rows))

    hdr2 = ["Workload", "size %s" % labels["pympler11"], "size %s" % labels["ours"], "diff",
            "seen (ours)", "sized (ours)", "tracemalloc peak (ours)", "B/sized obj",
            "RSS delta (ours)", "peak RSS delta (ours)", "B/obj %s" % labels["pympler11"]]
    rows2 = []
    for r in results:
        b, o = r["tools"]["pympler11"], r["tools"]["ours"]

        def med(d):
            return H.fmt_bytes(d["median"]) if d else "n/a"
        size_b = "n/a" if b["size"] is None else "{:,}".format(b["size"])
        if b["missed"]:
            size_b += " (missed %s)" % b["missed"]
        if len(b["sizes_seen_in_runs"]) > 1 or len(o["sizes_seen_in_runs"]) > 1:
            size_b += " *"
        rows2.append([
            r["workload"], size_b,
            "n/a" if o["size"] is None else "{:,}".format(o["size"]),
            ("%+.2f%%" % r["size_diff_pct"]) if r["size_diff_pct"] is not None else "n/a",
            "n/a" if o["seen"] is None else "{:,}".format(o["seen"]),
            "n/a" if o["sized"] is None else "{:,}".format(o["sized"]),
            H.fmt_bytes(o["traced_peak_extra"]),
            ("%.1f" % o["bytes_per_sized"]) if o["bytes_per_sized"] is not None else "n/a",
            med(o["rss_delta"]), med(o["peak_rss_delta"]),
            ("%.1f" % b["bytes_per_seen"]) if b["bytes_per_seen"] is not None else "n/a",
        ])
    lines.append("")
    lines.append("Reported sizes (bytes) and memory details:")
    lines.append("")
    lines.append(H.format_table(hdr2, rows2))
    lines.append("")
    for r in results:
        if r["speedup_na_reason"]:
            lines.append("- %s speed-up n/a: %s" % (r["workload"], r["speedup_na_reason"]))
        for slot in ("pympler11", "ours"):
            t = r["tools"][slot]
            if t["errors"]:
                lines.append("- %s %s: %d run(s) failed: %s"
                             % (r["workload"], labels[slot], len(t["errors"]), t["errors"][0]))
            if len(t["sizes_seen_in_runs"]) > 1:
                lines.append("- %s %s: size differed between runs: %s"
                             % (r["workload"], labels[slot], t["sizes_seen_in_runs"]))
    lines.append("")
    lines.append("Workloads:")
    lines.append("")
    for r in results:
        lines.append("- %s: %s%s" % (r["workload"], r["description"],
                                     (" [opts `%s`]" % r["opts"]) if r["opts"] else ""))
    lines.append("")
    lines.append("Notes:")
    lines.append("")
    lines.extend("- " + n for n in NOTES)
    return "\n".join(lines)


def markdown_entry(info, probes, labels, table, warn) -> str:
    """A RESULTS.md section for one run."""
    out = ["", "### %s: `%s`" % (info["date"], info["command"]), ""]
    out.append("- Python: %s (%s)" % (info["python"], info["executable"]))
    out.append("- Machine: %s, nproc %s, %s, %s" % (info["cpu_model"], info["nproc"],
                                                   info["mem_total"], info["platform"]))
    out.append("- Load average (1/5/15 min): %s at start, %s at end"
               % (info["loadavg_at_start"], info.get("loadavg_at_end")))
    out.append("- Repository HEAD: %s" % info["git_commit"])
    for slot in ("pympler11", "ours"):
        out.append("- %s: pympler %s from `%s`" % (labels[slot], probes[slot]["version"],
                                                  probes[slot]["file"]))
    if warn:
        out.append("- %s" % warn)
    out += ["", table, ""]
    return "\n".join(out)


def self_test_refusal(ours_installed: bool) -> list:
    """Check that a worker refuses to run when pympler resolves to the wrong package."""
    checks = []
    r = H.run_fresh(SCRIPT, {"tool": "pympler11", "verify_as": "ours", "mode": "probe"}, 120)
    checks.append(("vendored Pympler 1.1 is refused as 'ours'",
                   (not r.get("ok")) and r.get("kind") == "ToolMismatch", r.get("error")))
    r = H.run_fresh(SCRIPT, {"tool": "pympler11", "mode": "probe"}, 120)
    checks.append(("vendored Pympler 1.1 is accepted as Pympler 1.1", bool(r.get("ok")),
                   r.get("error") or r.get("pympler")))
    if ours_installed:
        r = H.run_fresh(SCRIPT, {"tool": "ours", "verify_as": "pympler11", "mode": "probe"}, 120)
        checks.append(("ours is refused as Pympler 1.1",
                       (not r.get("ok")) and r.get("kind") == "ToolMismatch", r.get("error")))
        r = H.run_fresh(SCRIPT, {"tool": "ours", "mode": "probe"}, 120,
                        env={"PYTHONPATH": str(H.PYMPLER11_DIR)})
        checks.append(("'ours' ignores the vendored folder even on PYTHONPATH", bool(r.get("ok")),
                       r.get("error") or r.get("pympler")))
    return checks


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=5,
                   help="fresh processes per tool per workload (default 5)")
    p.add_argument("--quick", action="store_true", help="smoke test: --repeat 1")
    p.add_argument("--only", metavar="W1,W3", help="comma-separated workloads to run")
    p.add_argument("--self-test", action="store_true",
                   help="run Pympler 1.1 on both sides (tests the harness; ours not needed)")
    p.add_argument("--timeout", type=float, default=1800,
                   help="seconds before a worker process is abandoned (default 1800)")
    p.add_argument("--baseline-memory", action="store_true",
                   help="also measure B/obj of Pympler 1.1 with tracemalloc (slow: W5 takes "
                        "many minutes)")
    p.add_argument("--append-results", action="store_true",
                   help="append this run (tables, machine, command) to benchmarks/RESULTS.md")
    p.add_argument("--strict", action="store_true",
                   help="exit with status 1 if a target is missed or a run failed")
    args = p.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    if repeat < 1:
        p.error("--repeat must be >= 1")
    names = H.parse_only(args.only, list(WORKLOADS))

    H.ensure_pympler11()
    labels = dict(H.TOOL_LABELS)
    if args.self_test:
        slots = [("pympler11", "pympler11"), ("ours", "pympler11")]
        labels["ours"] = "Pympler 1.1 (as ours)"
    else:
        slots = [("pympler11", "pympler11"), ("ours", "ours")]

    probes = {}
    for slot, tool in slots:
        r = H.run_fresh(SCRIPT, {"tool": tool, "mode": "probe"}, 120)
        if not r.get("ok"):
            H.log("cannot run %s: %s" % (labels[slot], r.get("error")))
            return 2
        probes[slot] = r["pympler"]
        H.log("%s: pympler %s from %s" % (labels[slot], r["pympler"]["version"],
                                          r["pympler"]["file"]))

    checks = []
    if args.self_test:
        ours_probe = H.run_fresh(SCRIPT, {"tool": "ours", "mode": "probe"}, 120)
        checks = self_test_refusal(bool(ours_probe.get("ok")))
        for what, ok, detail in checks:
            H.log("self-test: %s: %s" % ("ok  " if ok else "FAIL", what))
            if not ok:
                H.log("    %s" % (detail,))

    info = H.machine_info()
    results = [run_workload(n, slots, repeat, args.timeout, args.baseline_memory)
               for n in names]
    info["loadavg_at_end"] = H.loadavg()
    table = render(results, repeat, labels)

    header = ("%s | %s | nproc %s | %s | %s | repo HEAD %s"
              % (info["date"], info["python"], info["nproc"], info["cpu_model"],
                 info["platform"], info["git_commit"]))
    print(header)
    print("command: %s" % info["command"])
    print("load average (1/5/15 min): %s at start, %s at end"
          % (info["loadavg_at_start"], info["loadavg_at_end"]))
    warn = H.busy_warning(info)
    if warn:
        print(warn)
    for slot, _tool in slots:
        print("%s: pympler %s (%s)" % (labels[slot], probes[slot]["version"],
                                       probes[slot]["file"]))
    print()
    print(table)

    failed = False
    if args.self_test:
        print()
        print("Self-test (Pympler 1.1 on both sides):")
        for what, ok, _detail in checks:
            print("- %s: %s" % (what, "ok" if ok else "FAIL"))
            failed |= not ok
        for r in results:
            b, o = r["tools"]["pympler11"], r["tools"]["ours"]
            ok = bool(b["seconds"] and o["seconds"]) and b["size"] == o["size"]
            print("- %s: both sides ran and reported the same size: %s"
                  % (r["workload"], "ok" if ok else "FAIL (%s vs %s)" % (b["size"], o["size"])))
            failed |= not ok

    data = {"benchmark": "asizeof", "self_test": args.self_test, "repeat": repeat,
            "machine": info, "implementations": probes, "labels": labels,
            "targets": {n: WORKLOADS[n][4] for n in names},
            "bytes_per_object_target": BYTES_PER_OBJECT_TARGET, "notes": NOTES,
            "self_test_checks": [{"check": c[0], "ok": c[1]} for c in checks],
            "busy_warning": warn, "results": results, "table": table}
    path = H.write_results("asizeof-selftest" if args.self_test else "asizeof", data)
    print()
    print("JSON results: %s" % path)
    if args.append_results:
        if args.self_test:
            H.log("--append-results ignored with --self-test")
        else:
            entry = markdown_entry(info, probes, labels, table, warn)
            text = RESULTS_MD.read_text(encoding="utf-8") if RESULTS_MD.exists() else ""
            marker = "## Heap layer"   # keep asizeof runs in their own section
            at = text.find(marker)
            if at >= 0:
                text = text[:at] + entry.lstrip("\n") + "\n" + text[at:]
            else:
                text += entry
            RESULTS_MD.write_text(text, encoding="utf-8")
            print("recorded in %s" % RESULTS_MD)

    if args.self_test:
        return 1 if failed else 0
    if args.strict:
        bad = any(r["speed_pass"] is not True or r["memory_pass"] is not True for r in results)
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == H.WORKER_FLAG:
        H.worker_main(sys.argv[2], worker)
    sys.exit(main())
