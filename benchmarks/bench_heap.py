#!/usr/bin/env python
"""Benchmark the heap layer: this project against Pympler 1.1 and guppy3.

Run with the Python whose environment has this project installed
(``pip install .``)::

    python benchmarks/bench_heap.py               # W6 and W7, 5 runs each
    python benchmarks/bench_heap.py --quick       # 1 run each (smoke test)
    python benchmarks/bench_heap.py --only W6 --repeat 7
    python benchmarks/bench_heap.py --append-results   # also append to RESULTS.md

Workloads (each measurement in a fresh process; the data is built before the
clock starts, a full ``gc.collect()`` runs untimed just before it):

* **W6** -- ``muppy.get_objects()`` then ``summary.summarize()`` of the result
  on a heap holding 1,000,000 extra objects: 200,000 records, each a
  ``__slots__`` instance (tracked) holding a unique str, a float, a
  two-item list (tracked) and a small dict (untracked) -- 5 objects that
  ``get_objects`` reports, on every CPython version.  guppy3 does the
  equivalent with ``hpy().heap()`` and its per-type statistics
  (``heap.bytype`` partition rows: type, count, size).
* **W7** -- ``tracker.SummaryTracker()``, then 400,000 allocations (80,000
  records as above, not timed), then ``tracker.diff()``; the time is the sum
  of the two calls.

Tools: "ours" (this project), "pympler11" (Pympler 1.1 from PyPI in
``benchmarks/.vendor/pympler11``), "guppy3" (guppy3 from PyPI in
``benchmarks/.vendor/guppy3``, W6 only).  Both are installed on first use
with ``pip install --target`` and are never dependencies of this project.
"""
from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as H  # noqa: E402

SCRIPT = Path(__file__).resolve()
GUPPY_DIR = H.VENDOR_DIR / "guppy3"
RESULTS_MD = H.BENCH_DIR / "RESULTS.md"

W6_RECORDS = 200_000      # x 5 objects = 1,000,000
W7_RECORDS = 80_000       # x 5 objects = 400,000
TOOLS = {"W6": ("ours", "pympler11", "guppy3"), "W7": ("ours", "pympler11")}
TARGETS = {("W6", "pympler11"): 25.0, ("W6", "guppy3"): 5.0, ("W7", "pympler11"): 10.0}


Rec = H.Rec


def build(n):
    return [Rec(i) for i in range(n)]


# --------------------------------------------------------------------------
# Worker
# --------------------------------------------------------------------------

def ensure_guppy3(log=H.log):
    """guppy3 in benchmarks/.vendor/guppy3, built for this Python."""
    return H.ensure_vendored(GUPPY_DIR, "guppy3", H.guppy_built, log)


def _worker_guppy(spec):
    H.import_vendored(GUPPY_DIR, "guppy")
    from guppy import hpy
    data = build(W6_RECORDS)

    def call():
        heap = hpy().heap()
        rows = [(r.name, r.count, r.size) for r in heap.bytype.partition.get_rows()]
        return len(rows), heap.count

    res = H.timed_call(call)
    del data
    return {"seconds": res["seconds"], "cpu_seconds": res.get("cpu_seconds"),
            "rows": res["result"][0], "objects": res["result"][1]}


def worker(spec: dict) -> dict:
    tool, wl = spec["tool"], spec["workload"]
    if tool == "guppy3":
        return _worker_guppy(spec)
    H.activate_tool(tool)
    from pympler import muppy, summary, tracker
    if wl == "W6":
        data = build(W6_RECORDS)

        def call():
            objs = muppy.get_objects()
            rows = summary.summarize(objs)
            return len(rows), len(objs)

        res = H.timed_call(call)
        del data
        return {"seconds": res["seconds"], "cpu_seconds": res.get("cpu_seconds"),
                "rows": res["result"][0], "objects": res["result"][1]}
    # W7
    gc.collect()
    c0, t0 = time.process_time(), time.perf_counter()
    tr = tracker.SummaryTracker()
    c1, t1 = time.process_time(), time.perf_counter()
    data = build(W7_RECORDS)
    c2, t2 = time.process_time(), time.perf_counter()
    d = tr.diff()
    c3, t3 = time.process_time(), time.perf_counter()
    grown = sum(r[1] for r in d if r[0].endswith(".Rec"))
    if grown != W7_RECORDS:
        raise AssertionError("diff shows %d new records, expected %d" % (grown, W7_RECORDS))
    del data
    return {"seconds": (t1 - t0) + (t3 - t2), "cpu_seconds": (c1 - c0) + (c3 - c2),
            "init": t1 - t0, "diff": t3 - t2, "rows": len(d)}


# --------------------------------------------------------------------------
# Parent
# --------------------------------------------------------------------------

def run(workloads, repeat, timeout):
    return dict(((wl, tool), H.series(H.fresh_runs(SCRIPT, wl, tool, repeat, timeout)))
                for wl in workloads for tool in TOOLS[wl])


def _ratio(results, wl, tool, key):
    a = (results.get((wl, tool)) or {}).get(key)
    b = (results.get((wl, "ours")) or {}).get(key)
    if tool == "ours" or not a or not b or not b["median"]:
        return ""
    return "%.1fx" % (a["median"] / b["median"])


def render(results, repeat):
    rows = []
    for (wl, tool), res in results.items():
        st, cpu = res["stats"], res.get("cpu")
        if st is None:
            rows.append([wl, tool, "failed", "", "", "", "", "", ""])
            continue
        target = TARGETS.get((wl, tool))
        ratio = _ratio(results, wl, tool, "stats")
        rows.append([wl, TOOL_LABELS.get(tool, tool), "%.3f" % st["median"], "%.3f" % st["min"],
                     "%.3f" % st["max"], "%.3f" % cpu["median"] if cpu else "",
                     ratio, _ratio(results, wl, tool, "cpu"),
                     ("%.0fx" % target) if target else ""])
    return H.format_table(
        ["workload", "tool", "median s", "min s", "max s", "median CPU s",
         "speed-up (wall)", "speed-up (CPU)", "target"],
        rows, align="llrrrrrrr")


TOOL_LABELS = {"ours": "ours", "pympler11": "Pympler 1.1", "guppy3": "guppy3"}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="1 run of each")
    p.add_argument("--only", metavar="W6,W7")
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--append-results", action="store_true",
                   help="append the table to benchmarks/RESULTS.md")
    args = p.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    workloads = H.parse_only(args.only, list(TOOLS)) if args.only else list(TOOLS)
    H.ensure_pympler11()
    if "W6" in workloads:
        ensure_guppy3()
    info = H.machine_info() if hasattr(H, "machine_info") else {}
    results = run(workloads, repeat, args.timeout)
    load_end = H.loadavg() if hasattr(H, "loadavg") else None
    table = render(results, repeat)
    print(table)
    ok = True
    for key, target in TARGETS.items():
        a, b = results.get(key, {}).get("stats"), results.get((key[0], "ours"), {}).get("stats")
        if key[0] in workloads and a and b and a["median"] / b["median"] < target:
            ok = False
            print("below target: %s %s %.1fx < %.0fx" % (key[0], key[1],
                                                        a["median"] / b["median"], target))
    if args.append_results:
        append_results(info, load_end, table, repeat, argv)
    return 0 if ok else 1


def append_results(info, load_end, table, repeat, argv):
    """Append one entry to benchmarks/RESULTS.md."""
    H.append_markdown('bench_heap.py', 'Heap layer (W6, W7)',
                      "`benchmarks/bench_heap.py`: W6 = `muppy.get_objects()` then "
                      "`summary.summarize()` on a heap holding 1,000,000 extra objects; W7 = "
                      "`tracker.SummaryTracker()` then `diff()` after 400,000 allocations (see "
                      "the script's docstring).  guppy3: `hpy().heap()` and its per-type "
                      "statistics (`bytype` rows).  Times in seconds, median of fresh "
                      "processes; speed-up = other tool / ours.\n",
                      info, load_end, table, repeat, argv)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == H.WORKER_FLAG:
        H.worker_main(sys.argv[2], worker)
    sys.exit(main())
