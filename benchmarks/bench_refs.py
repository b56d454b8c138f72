#!/usr/bin/env python
"""Benchmark who-refers-to-what: this project against objgraph and guppy3.

Run with the Python whose environment has this project installed
(``pip install .``, or ``PYTHONPATH=src`` after ``build_ext --inplace``)::

    python benchmarks/bench_refs.py               # R1 and P1, 5 runs each
    python benchmarks/bench_refs.py --quick       # 1 run each (smoke test)
    python benchmarks/bench_refs.py --only P1 --repeat 7
    python benchmarks/bench_refs.py --append-results   # also append to RESULTS.md

Both workloads use the heap of ``bench_heap.py``'s W6: 200,000 records of 5
objects each (1,000,000 extra objects), held by a module global.  Each
measurement runs in a fresh process; the data is built and a full
``gc.collect()`` runs before the clock starts.

* **R1** -- the referrers of 1,000 objects (the ``tags`` lists of every
  200th record, each referred to by its record).  Ours:
  ``muppy.referrers_of(objs)`` (one pass over the heap).  The peers have no
  call for many objects: ``gc.get_referrers(o)`` per object, as Pympler 1.1's
  ``refbrowser`` and objgraph do ("gc", one heap scan per object), and
  guppy3's ``hpy().iso(*objs).referrers`` (one call, the union of the
  referrers: guppy3 per object had not finished after 10 minutes).  Every
  tool must find the record of every object.
* **P1** -- one path from the roots to an object 20 references deep: a
  module global holding 20 nested lists, the innermost holding the target.
  Ours: ``muppy.find_path(target)``; objgraph:
  ``objgraph.find_backref_chain(target, objgraph.is_proper_module)``;
  guppy3: ``hpy().iso(target).shpaths`` (its shortest paths from its root),
  first path as text.  Every tool must report a path of the right length.

Tools: "ours", "gc" (R1 only; the standard library), "objgraph" (PyPI, in
``benchmarks/.vendor/objgraph``; P1 only) and "guppy3" (PyPI, in
``benchmarks/.vendor/guppy3``).  The peers are installed on first use with
``pip install --target`` and are never dependencies of this project.
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
VENDOR = {"objgraph": H.VENDOR_DIR / "objgraph", "guppy3": H.VENDOR_DIR / "guppy3"}
PYPI = {"objgraph": "objgraph", "guppy3": "guppy3"}

RECORDS = 200_000         # x 5 objects = 1,000,000
NREFS = 1_000
DEPTH = 20
TOOLS = {"R1": ("ours", "gc", "guppy3"), "P1": ("ours", "objgraph", "guppy3")}
# seconds ours must stay under (issue 8 item 6)
LIMITS = {"R1": 0.5, "P1": 1.0}
TOOL_LABELS = {"ours": "ours", "gc": "gc.get_referrers", "objgraph": "objgraph",
               "guppy3": "guppy3"}


Rec = H.Rec


class Target:
    pass


def build():
    """The heap: a module 'bench_refs_data' holding the records and the
    20-deep chain; returns (module, the 1,000 objects, the target)."""
    mod = types.ModuleType("bench_refs_data")
    sys.modules[mod.__name__] = mod
    mod.records = [Rec(i) for i in range(RECORDS)]
    target = Target()
    chain = [target]
    for _ in range(DEPTH - 1):
        chain = [chain]
    mod.chain = chain
    objs = [r.tags for r in mod.records[::RECORDS // NREFS]]
    return mod, objs


def innermost(chain):
    """The target at the bottom of the chain (so that no frame of the
    benchmark holds it while the path is searched)."""
    for _ in range(DEPTH):
        chain = chain[0]
    return chain


# --------------------------------------------------------------------------
# Worker
# --------------------------------------------------------------------------

def ensure_vendored(name, log=H.log):
    """PyPI package name in benchmarks/.vendor/<name>, for this Python."""
    return H.ensure_vendored(VENDOR[name], PYPI[name],
                             H.guppy_built if name == "guppy3" else None, log)


def _import_vendored(name, module):
    return H.import_vendored(VENDOR[name], module)


def _check_referrers(objs, lists):
    if len(lists) != len(objs):
        raise AssertionError("%d results for %d objects" % (len(lists), len(objs)))
    for refs in lists:
        if not any(type(r) is Rec for r in refs):
            raise AssertionError("a record is missing from the referrers")


def worker(spec: dict) -> dict:
    tool, wl = spec["tool"], spec["workload"]
    if tool == "ours":
        H.activate_tool("ours")
        from pympler import muppy
    elif tool == "objgraph":
        objgraph = _import_vendored("objgraph", "objgraph")
    elif tool == "guppy3":
        guppy = _import_vendored("guppy3", "guppy")
    mod, objs = build()
    gc.collect()
    if wl == "R1":
        if tool == "ours":
            def call():
                return muppy.referrers_of(objs)
        elif tool == "gc":
            def call():
                return [gc.get_referrers(o) for o in objs]
        else:
            def call():
                # one call for the set of all referrers (per object, guppy3
                # takes minutes: it had not finished 1,000 after 10 minutes)
                return guppy.hpy().iso(*objs).referrers
        res = H.timed_call(call)
        if tool == "guppy3":
            nrec = sum(1 for r in res["result"].nodes if type(r) is Rec)
            if nrec != len(objs):
                raise AssertionError("guppy3 found %d records" % nrec)
        else:
            _check_referrers(objs, res["result"])
        extra = {"objects": len(objs)}
    else:
        if tool == "ours":
            def call():
                path = muppy.find_path(innermost(mod.chain))
                return len(path), path.oneline()
        elif tool == "objgraph":
            def call():
                chain = objgraph.find_backref_chain(innermost(mod.chain),
                                                    objgraph.is_proper_module,
                                                    max_depth=DEPTH + 10)
                return len(chain), " -> ".join(type(o).__name__ for o in chain)
        else:
            def call():
                paths = guppy.hpy().iso(innermost(mod.chain)).shpaths
                text = str(paths).splitlines()
                return len(text), text[0] if text else ""
        res = H.timed_call(call)
        length, text = res["result"]
        if tool == "ours" and length != DEPTH + 3:
            raise AssertionError("path of %d steps: %s" % (length, text))
        if tool == "objgraph" and length != DEPTH + 3:   # module, dict, 20 lists, target
            raise AssertionError("chain of %d objects: %s" % (length, text))
        if tool == "guppy3" and ("['chain']" not in text or text.count("[0]") != DEPTH):
            raise AssertionError("guppy3 path: %s" % (text,))
        extra = {"path": text[:300]}
    mod = objs = call = None     # the data goes before the worker reports
    out = {"seconds": res["seconds"], "cpu_seconds": res.get("cpu_seconds")}
    out.update(extra)
    return out


# --------------------------------------------------------------------------
# Parent
# --------------------------------------------------------------------------

def run(workloads, repeat, timeout):
    return dict(((wl, tool), H.series(H.fresh_runs(SCRIPT, wl, tool, repeat, timeout)))
                for wl in workloads for tool in TOOLS[wl])


def render(results):
    rows = []
    for (wl, tool), res in results.items():
        st, cpu = res["stats"], res.get("cpu")
        if st is None:
            rows.append([wl, TOOL_LABELS[tool], "failed", "", "", "", "", ""])
            continue
        ours = (results.get((wl, "ours")) or {}).get("stats")
        ratio = ("%.1fx" % (st["median"] / ours["median"])
                 if tool != "ours" and ours and ours["median"] else "")
        limit = LIMITS.get(wl) if tool == "ours" else None
        rows.append([wl, TOOL_LABELS[tool], "%.3f" % st["median"], "%.3f" % st["min"],
                     "%.3f" % st["max"], "%.3f" % cpu["median"] if cpu else "", ratio,
                     ("< %.1f s" % limit) if limit else ""])
    return H.format_table(["workload", "tool", "median s", "min s", "max s", "median CPU s",
                           "other / ours", "target"], rows, align="llrrrrrr")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="1 run of each")
    p.add_argument("--only", metavar="R1,P1")
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--append-results", action="store_true",
                   help="append the table to benchmarks/RESULTS.md")
    args = p.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    workloads = H.parse_only(args.only, list(TOOLS)) if args.only else list(TOOLS)
    for name in ("objgraph", "guppy3"):
        if any(name in TOOLS[wl] for wl in workloads):
            ensure_vendored(name)
    info = H.machine_info()
    results = run(workloads, repeat, args.timeout)
    load_end = H.loadavg()
    table = render(results)
    print(table)
    ok = True
    for wl in workloads:
        ours = results.get((wl, "ours"), {}).get("stats")
        if ours is None or ours["median"] >= LIMITS[wl]:
            ok = False
            print("above target: %s ours %s s >= %.1f s"
                  % (wl, ours and "%.3f" % ours["median"], LIMITS[wl]))
        for tool in TOOLS[wl]:
            st = results.get((wl, tool), {}).get("stats")
            if tool != "ours" and ours and st and st["median"] <= ours["median"]:
                ok = False
                print("not faster than %s on %s" % (tool, wl))
    if args.append_results:
        append_results(info, load_end, table, repeat, argv)
    return 0 if ok else 1


def append_results(info, load_end, table, repeat, argv):
    """Append one entry to benchmarks/RESULTS.md."""
    H.append_markdown('bench_refs.py', 'References (R1, P1)',
                      "`benchmarks/bench_refs.py`, on a heap holding 1,000,000 extra objects: "
                      "R1 = the referrers of 1,000 objects (`muppy.referrers_of`; peers: "
                      "`gc.get_referrers` per object, guppy3 `iso(*objs).referrers`, one call "
                      "for the union); "
                      "P1 = one path from the roots to an object 20 references deep "
                      "(`muppy.find_path`; objgraph `find_backref_chain`, guppy3 `shpaths`). "
                      "Times in seconds, median of fresh processes; other / ours = speed-up.\n",
                      info, load_end, table, repeat, argv)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == H.WORKER_FLAG:
        H.worker_main(sys.argv[2], worker)
    sys.exit(main())
