#!/usr/bin/env python
"""Benchmark ``ClassTracker.create_snapshot``: this project against Pympler 1.1.

Run with the Python whose environment has this project installed
(``pip install .``)::

    python benchmarks/bench_classtracker.py               # C1, C1L1, C2; 5 runs each
    python benchmarks/bench_classtracker.py --quick       # 1 run each (smoke test)
    python benchmarks/bench_classtracker.py --only C2 --repeat 7
    python benchmarks/bench_classtracker.py --strict      # exit 1 when a target is missed
    python benchmarks/bench_classtracker.py --append-results   # also append to RESULTS.md

Workloads (each measurement in a fresh process; the data is built and the
tracker set up before the clock starts, a full ``gc.collect()`` runs untimed
just before it, the collector stays enabled):

* **C1** -- ``tracker.track_class(Rec)``, 100,000 ``Rec`` instances created
  (each a ``__dict__`` instance holding two ints, a short str, a 2-item list
  and a 1-item dict), then one ``tracker.create_snapshot()`` (resolution
  level 0: one ``Asized`` with size, flat size and name per instance).
* **C1L1** -- the same with ``track_class(Rec, resolution_level=1)`` (each
  sample also has one ``Asized`` per attribute).  For information: no target.
* **C2** -- ``create_snapshot(compute_total=True)`` with 100 tracked ``Rec``
  instances on a heap holding 1,000,000 extra objects (200,000 records of 5
  objects each, as in ``bench_heap.py``'s W6), which sizes every object the
  garbage collector knows (``asizeof(all=True, code=True)``).

Target: ours at least 20x faster than Pympler 1.1 (median wall clock) on C1
and C2.  Pympler 1.1 is installed on first use into
``benchmarks/.vendor/pympler11`` (``pip install --target ... --no-deps``);
it is never a dependency of this project.
"""
from __future__ import annotations

import argparse
import datetime
import gc
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as H  # noqa: E402

SCRIPT = Path(__file__).resolve()
RESULTS_MD = H.BENCH_DIR / "RESULTS.md"

C1_INSTANCES = 100_000
C2_TRACKED = 100
C2_RECORDS = 200_000        # x 5 objects = 1,000,000

WORKLOADS = ("C1", "C1L1", "C2")
TARGETS = {"C1": 20.0, "C2": 20.0}
DESCRIPTIONS = {
    "C1": "`create_snapshot()`, 100,000 tracked instances, resolution level 0",
    "C1L1": "the same at resolution level 1 (information only)",
    "C2": "`create_snapshot(compute_total=True)`, 100 tracked instances, "
          "heap of 1,000,000 extra objects",
}


class Rec:
    """A tracked class: two ints, a short str, a small list and a small dict."""

    def __init__(self, i):
        self.ident = i + 10 ** 6
        self.count = i * 3 + 10 ** 6
        self.label = "rec-%d" % i
        self.tags = [i & 7, 1]
        self.meta = {"k": i & 3}


class Filler:
    """One C2 record: 5 objects that the collector's heap walk reaches."""

    __slots__ = ("name", "value", "tags", "meta")

    def __init__(self, i):
        self.name = "fill-%d" % i         # unique str
        self.value = i * 0.5              # float
        self.tags = [i & 7, 1]            # list
        self.meta = {"k": i & 3}          # dict


# --------------------------------------------------------------------------
# Worker
# --------------------------------------------------------------------------

def worker(spec: dict) -> dict:
    tool, wl = spec["tool"], spec["workload"]
    H.activate_tool(tool)
    from pympler.classtracker import ClassTracker
    tracker = ClassTracker()
    tracker.track_class(Rec, resolution_level=1 if wl == "C1L1" else 0)
    if wl == "C2":
        tracked = [Rec(i) for i in range(C2_TRACKED)]
        filler = [Filler(i) for i in range(C2_RECORDS)]
    else:
        tracked = [Rec(i) for i in range(C1_INSTANCES)]
        filler = None
    compute_total = wl == "C2"
    heap_objects = len(gc.get_objects()) if wl == "C2" else None
    res = H.timed_call(lambda: tracker.create_snapshot(compute_total=compute_total))
    snap = tracker.snapshots[-1]
    samples = [t.snapshots[-1][1] for t in tracker.objects.values()]
    if len(samples) != len(tracked) or any(s is None or s.size <= 0 for s in samples):
        raise AssertionError("the snapshot did not size every tracked instance")
    refs = sum(len(s.refs) for s in samples)
    if wl == "C1L1" and refs < len(samples):
        raise AssertionError("level 1: only %d referent samples for %d instances"
                             % (refs, len(samples)))
    if compute_total and not snap.asizeof_total:
        raise AssertionError("compute_total=True gave no asizeof_total")
    del filler
    return {"seconds": res["seconds"], "cpu_seconds": res["cpu_seconds"],
            "tracked_total": snap.tracked_total, "asizeof_total": snap.asizeof_total,
            "overhead": snap.overhead, "samples": len(samples), "refs": refs,
            "gc_objects": heap_objects}


# --------------------------------------------------------------------------
# Parent
# --------------------------------------------------------------------------

TOOL_ORDER = ("ours", "pympler11")


def run(workloads, repeat, timeout):
    results = {}
    for wl in workloads:
        runs = {tool: [] for tool in TOOL_ORDER}
        for i in range(repeat):
            for tool in TOOL_ORDER:   # alternate the tools, as bench_asizeof.py
                if runs[tool] is None:
                    continue
                r = H.run_fresh(SCRIPT, {"tool": tool, "workload": wl}, timeout=timeout)
                if not r.get("ok"):
                    H.log("%s %s run %d failed: %s" % (wl, tool, i + 1, r.get("error")))
                    if r.get("traceback"):
                        H.log(r["traceback"])
                    runs[tool] = None
                    continue
                runs[tool].append(r)
                H.log("%-4s %-9s run %d: %.3f s" % (wl, tool, i + 1, r["seconds"]))
        for tool in TOOL_ORDER:
            rs = runs[tool] or []
            results[(wl, tool)] = {
                "stats": H.summarize([r["seconds"] for r in rs]),
                "cpu": H.summarize([r.get("cpu_seconds") for r in rs]),
                "last": rs[-1] if rs else None, "runs": rs}
    return results


def _ratio(results, wl, key):
    a = (results.get((wl, "pympler11")) or {}).get(key)
    b = (results.get((wl, "ours")) or {}).get(key)
    if not a or not b or not b["median"]:
        return None
    return a["median"] / b["median"]


def render(results, workloads):
    rows = []
    for wl in workloads:
        a = results.get((wl, "pympler11"), {}).get("stats")
        b = results.get((wl, "ours"), {}).get("stats")
        sp, cpu = _ratio(results, wl, "stats"), _ratio(results, wl, "cpu")
        target = TARGETS.get(wl)
        met = "" if target is None or sp is None else ("yes" if sp >= target else "NO")
        rows.append([wl, H.fmt_seconds(a and a["median"]), H.fmt_seconds(b and b["median"]),
                     H.fmt_seconds(b and b["min"]), H.fmt_seconds(b and b["max"]),
                     "%.1fx" % sp if sp else "n/a", "%.1fx" % cpu if cpu else "n/a",
                     ("%.0fx" % target) if target else "info", met])
    table = H.format_table(["workload", "Pympler 1.1 median s", "ours median s", "ours min s",
                            "ours max s", "speed-up (wall)", "speed-up (CPU)", "target", "met"],
                           rows, align="lrrrrrrrl")
    rows2 = []
    for wl in workloads:
        for tool in ("pympler11", "ours"):
            last = (results.get((wl, tool)) or {}).get("last") or {}
            rows2.append([wl, H.TOOL_LABELS[tool], last.get("samples"),
                          "{:,}".format(last["tracked_total"]) if "tracked_total" in last else "",
                          "{:,}".format(last["overhead"]) if "overhead" in last else "",
                          "{:,}".format(last["asizeof_total"]) if last.get("asizeof_total")
                          else "", "{:,}".format(last["gc_objects"])
                          if last.get("gc_objects") else ""])
    table2 = H.format_table(["workload", "tool", "samples", "tracked_total", "overhead",
                             "asizeof_total", "gc objects before"], rows2, align="llrrrrr")
    return table, table2


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="1 run of each")
    p.add_argument("--only", metavar="C1,C1L1,C2")
    p.add_argument("--timeout", type=float, default=1800)
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("--append-results", action="store_true",
                   help="append the tables to benchmarks/RESULTS.md")
    args = p.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    workloads = H.parse_only(args.only, WORKLOADS)
    H.ensure_pympler11()
    info = H.machine_info()
    results = run(workloads, repeat, args.timeout)
    load_end = H.loadavg()
    table, table2 = render(results, workloads)
    print(table)
    print()
    print(table2)
    missed = []
    for wl, target in TARGETS.items():
        sp = _ratio(results, wl, "stats")
        if wl in workloads and (sp is None or sp < target):
            missed.append(wl)
            print("below target: %s %s < %.0fx" % (wl, "n/a" if sp is None else "%.1fx" % sp,
                                                   target))
    warn = H.busy_warning(info) if hasattr(H, "busy_warning") else None
    if warn:
        print(warn)
    H.write_results("classtracker", {"info": info, "load_end": load_end, "repeat": repeat,
                                     "results": {"%s/%s" % k: v for k, v in results.items()}})
    if args.append_results:
        append_results(info, load_end, table, table2, repeat, warn)
    return 1 if (args.strict and missed) else 0


def append_results(info, load_end, table, table2, repeat, warn):
    """Append one entry to benchmarks/RESULTS.md under the classtracker heading."""
    with open(RESULTS_MD, "a+", encoding="utf-8") as f:
        f.seek(0)
        have_heading = "\n## classtracker (C1, C2)\n" in "\n" + f.read()
        f.seek(0, 2)
        if not have_heading:
            f.write("\n## classtracker (C1, C2)\n\n"
                    "`benchmarks/bench_classtracker.py`: the time of one "
                    "`ClassTracker.create_snapshot()` call in a fresh process, median of the "
                    "runs, both tools alternately; speed-up = Pympler 1.1 / ours.\n\n"
                    + "".join("- %s: %s\n" % (wl, DESCRIPTIONS[wl]) for wl in WORKLOADS))
        f.write("\n### %s -- `%s`\n\n" % (info.get("date") or datetime.date.today().isoformat(),
                                            info.get("command")))
        f.write("- %s (`%s`), %s, %s CPUs, %s; load average %s at start, %s at end; "
                "HEAD %s; %d runs per tool.\n" % (
                    info.get("python") or platform.python_version(), info.get("executable"),
                    info.get("cpu_model"), info.get("nproc"), info.get("mem_total"),
                    info.get("loadavg_at_start"), load_end, info.get("git_commit"), repeat))
        if warn:
            f.write("- %s\n" % warn)
        f.write("\n" + table + "\n\n" + table2 + "\n")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == H.WORKER_FLAG:
        H.worker_main(sys.argv[2], worker)
    sys.exit(main())
