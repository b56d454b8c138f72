#!/usr/bin/env python
"""Benchmark retained sizes (issue 10 item 6): this project against guppy3
and objsize.

Run with the Python whose environment has this project installed
(``pip install .``, or ``PYTHONPATH=src`` after ``build_ext --inplace``)::

    python benchmarks/bench_retained.py               # D1, D2 (3 runs each), S1
    python benchmarks/bench_retained.py --quick       # 1 run each
    python benchmarks/bench_retained.py --append-results   # also append to RESULTS.md

* **D1** -- a heap holding 1,000,000 extra objects (``bench_heap.py``'s W6
  records: 200,000 records of 5 objects, held by a list in a module
  global).  Ours: ``retained.snapshot(keep_objects=False)`` (the whole heap:
  graph, dominator tree, retained size of every object) plus the per-type
  table ``by_type()``, timed together; the peak RSS during the call, per
  object of the heap (VmHWM reset before the call), is the profiler's
  memory.  The retained size of the records list is read from the
  snapshot.  Peers, for that one root set (the list): guppy3's
  ``hpy().iso(records).domisize`` (its dominated size: one query, several
  heap walks) and objsize's ``get_exclusive_deep_size(records)``.
* **D2** -- the same with 2,000 records (10,000 extra objects), for
  objsize, whose exclusive size grows about quadratically (measured here:
  2,000 records 11 s, 5,000 44 s, 10,000 132 s), so that D1 would take
  hours.
* **F1** -- snapshot files on D1's heap (ours only): a held snapshot
  saved with the label of every edge (``Snapshot.save(path.gz)``), asked
  for the retained size and the path of 1,000 records (one call each), loaded
  back (``retained.load``: checked read, dominators recomputed) and
  queried (``top(10)``, ``by_type()``); time of each stage and file size.
* **S1** -- a small heap (200 records, a shared list, a cycle): the
  retained size of 8 objects by each tool, compared.

Tools: "ours", "guppy3" (PyPI, in ``benchmarks/.vendor/guppy3``) and
"objsize" (PyPI, in ``benchmarks/.vendor/objsize``), installed on first use
with ``pip install --target``; never dependencies of this project.
"""
from __future__ import annotations

import argparse
import gc
import sys
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as H  # noqa: E402

SCRIPT = Path(__file__).resolve()
RESULTS_MD = H.BENCH_DIR / "RESULTS.md"
VENDOR = {"guppy3": H.VENDOR_DIR / "guppy3", "objsize": H.VENDOR_DIR / "objsize"}
PYPI = {"guppy3": "guppy3", "objsize": "objsize"}
MODULE = {"guppy3": "guppy", "objsize": "objsize"}

RECORDS = {"D1": 200_000, "D2": 2_000, "F1": 200_000}     # x 5 objects
TOOLS = ("ours", "guppy3", "objsize")
WL_TOOLS = {"D1": ("ours", "guppy3"), "D2": TOOLS, "F1": ("ours",), "S1": TOOLS}
QUERIES = 1_000            # F1: records asked about on the held snapshot
LIMIT_S = 1.0             # snapshot + dominators + per-type table
LIMIT_BYTES = 64          # profiler memory per object at the peak
TOOL_LABELS = {"ours": "ours (whole heap)", "guppy3": "guppy3 domisize (1 set)",
               "objsize": "objsize exclusive (1 object)"}


Rec = H.Rec


class Node:
    def __init__(self, payload):
        self.payload = payload
        self.other = None


def build(n):
    mod = types.ModuleType("bench_retained_data")
    sys.modules[mod.__name__] = mod
    mod.records = [Rec(i) for i in range(n)]
    return mod


def build_small():
    """S1: objects whose retained sizes are compared, held by a module."""
    mod = build(200)
    shared = [bytearray(100) for _ in range(3)]
    a, b = Node([shared, bytearray(1000)]), Node({"x": bytearray(2000), "s": shared})
    a.other, b.other = b, a          # a cycle: a retains b? no, both are held
    mod.a = a
    mod.only_b = Node(b)             # b is reached from a and from only_b
    mod.solo = Node([bytearray(3000), "some text", 12345678901234567890])
    mod.deep = Node(Node(Node([bytearray(500)])))
    return mod, [("records list", mod.records), ("records[7]", mod.records[7]),
                 ("a", a), ("b", b), ("only_b", mod.only_b), ("solo", mod.solo),
                 ("deep", mod.deep), ("deep.payload", mod.deep.payload)]


# --------------------------------------------------------------------------
# Worker
# --------------------------------------------------------------------------

def ensure_vendored(name, log=H.log):
    return H.ensure_vendored(VENDOR[name], PYPI[name],
                             H.guppy_built if name == "guppy3" else None, log)


def _import_vendored(name):
    return H.import_vendored(VENDOR[name], MODULE[name])


def _sizer(tool):
    """f(obj) -> retained size, for S1."""
    if tool == "ours":
        H.activate_tool("ours")
        from pympler import retained

        def many(objs):
            with retained.snapshot() as snap:
                return [snap.retained_size(o) for o in objs]
        return many
    lib = _import_vendored(tool)
    if tool == "guppy3":
        hp = lib.hpy()
        return lambda objs: [hp.iso(o).domisize for o in objs]
    return lambda objs: [lib.get_exclusive_deep_size(o) for o in objs]


def worker(spec: dict) -> dict:
    tool, wl = spec["tool"], spec["workload"]
    if wl == "S1":
        many = _sizer(tool)
        mod, named = build_small()
        gc.collect()
        sizes = many([o for _, o in named])
        return {"seconds": 0.0, "sizes": dict(zip([n for n, _ in named], sizes))}
    if wl == "F1":
        return files_worker()
    if tool == "ours":
        H.activate_tool("ours")
        from pympler import retained
    else:
        lib = _import_vendored(tool)
    mod = build(RECORDS[wl])
    gc.collect()
    if tool == "ours":
        def call():
            snap = retained.snapshot(keep_objects=False)
            table = snap.by_type()
            return snap, table
    elif tool == "guppy3":
        hp = lib.hpy()

        def call():
            return hp.iso(mod.records).domisize
    else:
        def call():
            return lib.get_exclusive_deep_size(mod.records)
    res = H.timed_call(call)
    out = {"seconds": res["seconds"], "cpu_seconds": res["cpu_seconds"]}
    if tool == "ours":
        snap, table = res["result"]
        out.update(objects=len(snap), edges=snap._g.info()["edges"],
                   retained=snap.retained_size(mod.records),
                   peak_per_object=res["peak_rss_delta"] / len(snap),
                   top_type=str(table[0]))
    else:
        out["retained"] = res["result"]
    return out


def files_worker() -> dict:
    import os
    import tempfile
    import time
    H.activate_tool("ours")
    from pympler import retained
    mod = build(RECORDS["F1"])
    gc.collect()
    out = {}
    with tempfile.TemporaryDirectory() as where:
        path = os.path.join(where, "heap.pymheap.gz")
        t0 = time.perf_counter()
        snap = retained.snapshot()
        t1 = time.perf_counter()
        snap.save(path)
        t2 = time.perf_counter()
        # the held snapshot asked about 1,000 records, one call each (a
        # leak hunt's pattern): the first call of each kind builds a table
        sample = mod.records[::RECORDS["F1"] // QUERIES]
        ta = time.perf_counter()
        sizes = [snap.retained_size(r) for r in sample]
        tb = time.perf_counter()
        paths = [snap.path(r) for r in sample]
        tc = time.perf_counter()
        answered = (all(s > 0 for s in sizes)
                    and all(p[-1][0] is r for p, r in zip(paths, sample)))
        del sizes, paths, sample
        expect = snap.retained_size(mod.records)
        count = len(snap)
        snap.release()
        del snap
        t3 = time.perf_counter()
        loaded = retained.load(path)
        t4 = time.perf_counter()
        top, table = loaded.top(10), loaded.by_type()
        t5 = time.perf_counter()
        out.update(snapshot=t1 - t0, save=t2 - t1, load=t4 - t3, query=t5 - t4,
                   sizes=tb - ta, paths=tc - tb, answered=answered,
                   seconds=t5 - t0, objects=count, bytes=os.path.getsize(path),
                   same=loaded.retained_size(loaded.retainer(top[0].index)) == top[0].retained
                   and any(r.retained == expect for r in loaded.top(50)),
                   top_type=str(table[0]))
    return out


# --------------------------------------------------------------------------
# Parent
# --------------------------------------------------------------------------

def run(repeat, timeout, workloads):
    return dict(((wl, tool), H.fresh_runs(SCRIPT, wl, tool, repeat if wl != "S1" else 1, timeout))
                for wl in workloads for tool in WL_TOOLS[wl])


def render(results):
    lines = []
    for wl in ("D1", "D2"):
        _render_d(results, wl, lines)
    _render_f(results, lines)
    _render_s(results, lines)
    return "\n".join(lines)


def _render_d(results, wl, lines):
    d1 = [(t, results.get((wl, t)) or []) for t in WL_TOOLS[wl]]
    if any(runs for _, runs in d1):
        rows = []
        ours = H.summarize([r["seconds"] for r in dict(d1)["ours"]])
        for tool, runs in d1:
            if not runs:
                rows.append([TOOL_LABELS[tool], "failed", "", "", "", "", ""])
                continue
            st = H.summarize([r["seconds"] for r in runs])
            cpu = H.summarize([r["cpu_seconds"] for r in runs])
            peak = ("%.1f" % max(r["peak_per_object"] for r in runs)) if tool == "ours" else ""
            ratio = ("%.1fx" % (st["median"] / ours["median"])
                     if tool != "ours" and ours and ours["median"] else "")
            rows.append([TOOL_LABELS[tool], "%.3f" % st["median"], "%.3f" % st["min"],
                         "%.3f" % cpu["median"], peak, "{:,}".format(runs[-1]["retained"]), ratio])
        if lines:
            lines.append("")
        lines.append(H.format_table(["%s tool" % wl, "median s", "min s", "median CPU s",
                                     "peak B/object", "retained(records)", "other / ours"],
                                    rows, align="lrrrrrr"))
        o = dict(d1)["ours"]
        if o:
            lines.append("\nours: %s objects, %s edges in the snapshot; largest type row: `%s`"
                         % ("{:,}".format(o[-1]["objects"]), "{:,}".format(o[-1]["edges"]),
                            " ".join(o[-1]["top_type"].split())))


def _render_f(results, lines):
    runs = results.get(("F1", "ours")) or []
    if not runs:
        return
    rows = []
    stages = [("snapshot", "snapshot"), ("save", "save"), ("load", "load"),
              ("query", "query (loaded: top(10), by_type())")]
    if "sizes" in runs[-1]:
        stages[2:2] = [("sizes", "held: retained_size() of %s records" % "{:,}".format(QUERIES)),
                       ("paths", "held: path() of %s records" % "{:,}".format(QUERIES))]
    for stage, label in stages:
        st = H.summarize([r[stage] for r in runs])
        rows.append([label, "%.3f" % st["median"], "%.3f" % st["min"]])
    if lines:
        lines.append("")
    lines.append(H.format_table(["F1 stage (ours)", "median s", "min s"], rows, align="lrr"))
    lines.append("\nF1: %s objects, file %.1f MB (gzip, every edge labelled); the loaded "
                 "snapshot's records list has the live retained size: %s; every record "
                 "queried has a retained size and a path ending at it: %s"
                 % ("{:,}".format(runs[-1]["objects"]), runs[-1]["bytes"] / 1e6,
                    all(r["same"] for r in runs), all(r.get("answered") for r in runs)))


def _render_s(results, lines):
    s1 = dict((t, (results.get(("S1", t)) or [None])[0]) for t in TOOLS)
    if s1.get("ours"):
        names = list(s1["ours"]["sizes"])
        rows = []
        for n in names:
            row = [n]
            for t in TOOLS:
                row.append("{:,}".format(s1[t]["sizes"][n]) if s1.get(t) else "failed")
            rows.append(row)
        lines.append("")
        lines.append(H.format_table(["S1 object"] + [t for t in TOOLS], rows, align="lrrr"))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="1 run of each")
    p.add_argument("--only", metavar="D1,D2,F1,S1")
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--append-results", action="store_true",
                   help="append the tables to benchmarks/RESULTS.md")
    args = p.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    workloads = H.parse_only(args.only, list(WL_TOOLS)) if args.only else list(WL_TOOLS)
    for name in ("guppy3", "objsize"):
        ensure_vendored(name)
    info = H.machine_info()
    results = run(repeat, args.timeout, workloads)
    load_end = H.loadavg()
    table = render(results)
    print(table)
    ok = True
    ours = results.get(("D1", "ours"))
    if "D1" in workloads:
        if not ours:
            ok = False
        else:
            med = H.summarize([r["seconds"] for r in ours])["median"]
            peak = max(r["peak_per_object"] for r in ours)
            if med >= LIMIT_S or peak > LIMIT_BYTES:
                ok = False
                print("above target: %.3f s (< %.1f s), %.1f B/object (<= %d)"
                      % (med, LIMIT_S, peak, LIMIT_BYTES))
    if args.append_results:
        append_results(info, load_end, table, repeat, argv)
    return 0 if ok else 1


def append_results(info, load_end, table, repeat, argv):
    """Append one entry to benchmarks/RESULTS.md."""
    H.append_markdown('bench_retained.py', 'Retained sizes (D1, D2, S1)',
                      "`benchmarks/bench_retained.py`: D1 = on a heap holding 1,000,000 extra "
                      "objects, ours = `retained.snapshot()` (graph, dominator tree and retained "
                      "size of every object of the whole heap) + `by_type()`, timed together, "
                      "with the peak RSS of the call per heap object; peers = the retained size "
                      "of one root set (the records list): guppy3 `iso(records).domisize`, "
                      "objsize `get_exclusive_deep_size(records)`.  D2 = the same with 10,000 "
                      "extra objects (objsize is about quadratic).  S1 = the retained size of 8 "
                      "objects of a small heap by each tool (see the notes below the tables).\n",
                      info, load_end, table, repeat, argv, runs='runs per tool (D1)')


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == H.WORKER_FLAG:
        H.worker_main(sys.argv[2], worker)
    sys.exit(main())
