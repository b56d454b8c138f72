#!/usr/bin/env python
"""Benchmark pympler.mprofile: the cost of one measured profiler event on a
heap of 1M objects, this project against Pympler 1.1.

Run with the Python whose environment has this project installed
(``pip install .``)::

    python benchmarks/bench_mprofile.py              # 3 fresh processes per tool
    python benchmarks/bench_mprofile.py --quick      # 1 each
    python benchmarks/bench_mprofile.py --append-results

Workload M1: 200,000 records of 5 objects each (the W6 records of
``bench_heap.py``: 1,000,000 objects that ``muppy.get_objects()`` reports) are
built, then ``MProfiler().profile(frame, 'call', None)`` -- what the
``sys.setprofile`` hook does at every event it measures -- is called on a
frame of the worker: ``EVENTS_OURS`` times for this project, ``EVENTS_11``
times for Pympler 1.1 (each of its events collects garbage and lists the heap
in Python).  Reported: seconds per event (median over processes).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as H  # noqa: E402

SCRIPT = Path(__file__).resolve()
RECORDS = 200_000        # x 5 objects = 1,000,000
EVENTS_OURS = 20
EVENTS_11 = 2


Rec = H.Rec


def worker(spec: dict) -> dict:
    H.activate_tool(spec["tool"])
    from pympler.mprofile import MProfiler
    data = [Rec(i) for i in range(RECORDS)]
    events = EVENTS_OURS if spec["tool"] == "ours" else EVENTS_11
    prof = MProfiler()
    frame = sys._getframe()
    t0 = time.perf_counter()
    c0 = time.process_time()
    for _ in range(events):
        prof.profile(frame, "call", None)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    (calls, lo, hi, _), = prof.memories.values()
    if calls != events or lo <= 0:
        raise AssertionError("unexpected memories %r" % (prof.memories,))
    del data
    return {"per_event": seconds / events, "cpu_per_event": cpu / events, "size": hi}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="1 run of each tool")
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--append-results", action="store_true",
                   help="append the table to benchmarks/RESULTS.md")
    args = p.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    H.ensure_pympler11()
    info = H.machine_info()
    results = {}
    for tool in ("ours", "pympler11"):
        per, cpu, sizes = [], [], []
        for i in range(repeat):
            r = H.run_fresh(SCRIPT, {"tool": tool}, timeout=args.timeout)
            if not r.get("ok"):
                H.log("%s run %d failed: %s" % (tool, i + 1, r.get("error")))
                break
            per.append(r["per_event"])
            cpu.append(r["cpu_per_event"])
            sizes.append(r["size"])
            H.log("%-9s run %d: %.4f s per event" % (tool, i + 1, r["per_event"]))
        results[tool] = (H.summarize(per), H.summarize(cpu), sizes[-1] if sizes else None)
    ours = results["ours"][0]
    rows = []
    for tool, label in (("ours", "ours"), ("pympler11", "Pympler 1.1")):
        st, cpu, size = results[tool]
        if st is None:
            rows.append([label, "failed", "", "", "", ""])
            continue
        rows.append([label, "%.4f" % st["median"], "%.4f" % st["min"], "%.4f" % cpu["median"],
                     H.fmt_bytes(size) if size else "",
                     "" if tool == "ours" or not ours else "%.1fx" % (
                         st["median"] / ours["median"])])
    table = H.format_table(["tool", "s per event (median)", "min", "CPU s per event",
                            "heap size measured", "ours is faster by"], rows,
                           align="lrrrrr")
    print(table)
    if args.append_results:
        H.append_markdown("bench_mprofile.py",
                          "mprofile: one measured event on a heap of 1M objects (M1)",
                          "Time of one profiled event, ours and Pympler 1.1's, on the same "
                          "heap.\n", info, H.loadavg(), table, repeat, argv,
                          runs="processes per tool, %d events each (ours), %d (Pympler 1.1)"
                          % (EVENTS_OURS, EVENTS_11))
    return 0 if ours else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == H.WORKER_FLAG:
        H.worker_main(sys.argv[2], worker)
    sys.exit(main())
