#!/usr/bin/env python3
"""Reference-count and memory-growth leak check for pympler's entry points.

Run it with an interpreter that has pympler *installed* (not from src/)::

    python tools/leakcheck.py               # refcounts if the interpreter has
                                            # sys.gettotalrefcount, then RSS
    python3.11d tools/leakcheck.py --refs   # refcounts only (debug interpreter)
    PYTHONMALLOC=malloc python tools/leakcheck.py --rss
    python tools/leakcheck.py --list        # what would be checked

Entry points are found at run time, so the list grows as modules appear:

* every public function of ``pympler._core``, and every public method of each
  ``pympler._core`` type that can be built with no arguments, called with a
  calling convention found by probing (one sample object at a time, no
  arguments, or a tuple of samples);
* the Pympler 1.1 API of ``pympler.asizeof``, ``pympler.muppy``,
  ``pympler.summary`` and ``pympler.tracker``, each call skipped while its
  module or attribute does not exist yet.  A module that exists but fails to
  import is an error, not a skip.

Two checks per entry point:

* ``--refs``: like CPython's Lib/test/libregrtest/refleak.py (``-R 3:3``):
  warm-up rounds, then measured rounds of CALLS calls each; a leak is
  reported when *every* measured round grew ``sys.gettotalrefcount()``, or
  every one grew ``sys.getallocatedblocks()``.  A warm-up round makes at
  least WARMUP_CALLS (4) calls: refcounts move while a process warms up
  (the retained file entry, one call per round, grew 2 per round for its
  first ~9 calls, then never again; most likely CPython 3.11 specialising
  code run once per call, which it does after 8 runs).
* ``--rss``: after a warm-up, RSS (``/proc/self/statm``) before and after
  RSS_CALLS calls (10,000 by default; 10 for the heap-walking entry points);
  growth above the tolerance (512 KiB) is measured again, and reported as a
  leak only if the second run grows too (the retry psutil's
  tests/test_memleaks.py does).  Each reading follows gc.collect() and, on
  glibc, malloc_trim(0): free memory that malloc keeps resident is not a leak.

An entry point too slow for its calls to fit in ``--budget`` seconds per check
(10) gets fewer calls; the report shows how many ran.

Exit status: 0 clean, 1 leak or error, 2 usage (``--refs`` without a debug
interpreter, or no pympler).
"""
import argparse
import collections
import gc
import importlib
import importlib.util
import io
import os
import re
import sys
import time
import traceback

# ---------------------------------------------------------------------------
# Sample objects: a modest graph with the shapes the engine special-cases.


class Plain:
    """An instance with a __dict__."""

    def __init__(self):
        self.a = 1
        self.b = "two"
        self.c = [3, 4.5]


class Slotted:
    """A slotted instance."""

    __slots__ = ("x", "y", "__weakref__")

    def __init__(self):
        self.x = 1
        self.y = (2, "three")


class RaisingSizeof:
    """__sizeof__ raises: exercises the engine's error path."""

    def __sizeof__(self):
        raise ValueError("no size for you")


class BadSizeof:
    """__sizeof__ returns a non-int."""

    def __sizeof__(self):
        return "big"


class NegativeSizeof:
    """__sizeof__ returns a negative int."""

    def __sizeof__(self):
        return -1


def make_graph():
    cycle = []
    cycle.append(cycle)
    node = Plain()
    node.me = node  # an instance cycle through __dict__
    return {
        "ints": list(range(64)),
        "strs": ["s%d" % i * 3 for i in range(24)],
        "plain": node,
        "slotted": Slotted(),
        "deque": collections.deque(range(16), maxlen=32),
        "cycle": cycle,
        "tuple": (1, "x", None, 2.5),
        "bytes": b"abc" * 10,
        "set": {1, 2, 3},
        "frozenset": frozenset("abc"),
        "nested": {"a": {"b": {"c": [1, [2, [3]]]}}},
    }


GRAPH = make_graph()
DEVNULL = open(os.devnull, "w")
PLAIN = GRAPH["plain"]
SLOTTED = GRAPH["slotted"]
RAISING = RaisingSizeof()
# One object of each shape; _core functions taking an object get all of them.
SAMPLES = (
    GRAPH, GRAPH["ints"], GRAPH["strs"][0], 12345, 2.5, None, PLAIN, SLOTTED,
    GRAPH["deque"], GRAPH["cycle"], GRAPH["tuple"], GRAPH["bytes"], GRAPH["set"],
    Plain, dict, RAISING, BadSizeof(), NegativeSizeof(), sys, make_graph,
)

# ---------------------------------------------------------------------------
# Cases.


class Case:
    def __init__(self, name, fn, heavy=False, note=""):
        self.name = name
        self.fn = fn          # zero-argument callable; must not keep state
        self.heavy = heavy    # walks the whole heap: few calls
        self.note = note


def swallow(fn, *args, **kwargs):
    """Call fn, ignoring exceptions (error paths must not leak either)."""
    try:
        fn(*args, **kwargs)
    except Exception:
        pass


def each_sample(fn):
    def call():
        for obj in SAMPLES:
            try:
                fn(obj)
            except Exception:
                pass
    return call


def probe(fn):
    """Find how to call fn.  Returns (zero-arg callable, note) or (None, why)."""
    ok = 0
    errors = collections.Counter()
    last_type_error = None
    for obj in SAMPLES:
        try:
            fn(obj)
            ok += 1
        except TypeError as exc:
            errors["TypeError"] += 1
            last_type_error = exc
        except Exception as exc:
            errors[type(exc).__name__] += 1
    if ok:
        note = "f(obj) for %d samples, %d raise" % (len(SAMPLES), len(SAMPLES) - ok)
        return each_sample(fn), note
    try:
        fn()
        # Always hand back a Python-level wrapper: calling a C function or a
        # type straight from the measuring loop shows small per-round refcount
        # wobbles (call-site specialisation) that are not leaks.
        return (lambda: fn()), "f()"
    except TypeError:
        pass
    except Exception as exc:
        return (lambda: swallow(fn)), "f() raises %s" % type(exc).__name__
    for arg in (SAMPLES[:11], list(SAMPLES[:11]), (Plain, Slotted, dict)):
        try:
            fn(arg)
            return (lambda arg=arg: fn(arg)), "f(%s of samples)" % type(arg).__name__
        except Exception:
            pass
    left, right = list(SAMPLES[:6]), list(SAMPLES[3:11])
    try:
        fn(left, right)
        return (lambda: fn(left, right)), "f(list, list)"
    except Exception:
        pass
    if len(errors) > (1 if "TypeError" in errors else 0):
        return each_sample(fn), "f(obj) always raises: %s" % dict(errors)
    return None, "no calling convention found (%s)" % (last_type_error,)


class FreshItems:
    """A dict-like whose items() returns fresh pairs of fresh objects (the
    sizer keeps them alive for the run, then releases them)."""

    def items(self):
        return [("k%d" % i, [float(i), (i,)]) for i in range(30)]

    def keys(self):
        return []

    def values(self):
        return []

    def __len__(self):
        return 30

    def get(self, k, d=None):
        return d

    def has_key(self, k):
        return False


STORED = []


class StoringSizeof:
    """A Python __sizeof__ that makes a new reference to the object (the
    sizer then records the single-owner shortcut's objects)."""

    __slots__ = ("v",)

    def __init__(self):
        self.v = float(len(STORED))

    def __sizeof__(self):
        STORED.append(self)
        del STORED[:-5]
        return object.__sizeof__(self)


def core_cases(core, notes):
    cases = []
    for name in sorted(dir(core)):
        if name.startswith("_"):
            continue
        attr = getattr(core, name)
        if isinstance(attr, type):
            try:
                attr()
            except Exception as exc:
                notes.append("skip _core.%s: %s() raises %r" % (name, name, exc))
                continue
            cases.append(Case("_core.%s()" % name, lambda cls=attr: cls()))
            for meth in sorted(dir(attr)):
                if meth.startswith("_") or not callable(getattr(attr, meth, None)):
                    continue

                def call_method(*args, cls=attr, meth=meth):
                    return getattr(cls(), meth)(*args)

                fn, note = probe(call_method)
                label = "_core.%s().%s" % (name, meth)
                if fn is None:
                    notes.append("skip %s: %s" % (label, note))
                else:
                    cases.append(Case(label, fn, note=note))
        elif callable(attr):
            fn, note = probe(attr)
            if fn is None:
                notes.append("skip _core.%s: %s" % (name, note))
            else:
                cases.append(Case("_core.%s" % name, fn, note=note))
    return cases


def optional_module(name):
    """The module, or None if it does not exist.  Import errors propagate."""
    try:
        if importlib.util.find_spec(name) is None:
            return None
    except ModuleNotFoundError:
        return None
    return importlib.import_module(name)


def api_cases(notes):
    """(label, module, attribute path, zero-arg callable factory, heavy)."""
    asizeof = optional_module("pympler.asizeof")
    muppy = optional_module("pympler.muppy")
    summary = optional_module("pympler.summary")
    tracker = optional_module("pympler.tracker")
    classtracker = optional_module("pympler.classtracker")
    mprofile = optional_module("pympler.mprofile")
    refbrowser = optional_module("pympler.refbrowser")
    refgraph = optional_module("pympler.refgraph")
    garbagegraph = optional_module("pympler.garbagegraph")
    retained = optional_module("pympler.retained")
    cli = optional_module("pympler.cli")
    web = optional_module("pympler.web")
    heapreport = optional_module("pympler.heapreport")
    G, P, S = GRAPH, PLAIN, SLOTTED
    table = [
        # pympler.asizeof
        ("asizeof.asizeof(obj)", asizeof, "asizeof", lambda f: lambda: f(G), False),
        ("asizeof.asizeof(*samples)", asizeof, "asizeof",
         lambda f: lambda: swallow(f, *SAMPLES), False),
        ("asizeof.asizeof(obj, detail=1, stats=0)", asizeof, "asizeof",
         lambda f: lambda: f(G, detail=1, stats=0), False),
        ("asizeof.asizeof(obj, code=True, limit=10)", asizeof, "asizeof",
         lambda f: lambda: f(G, code=True, limit=10), False),
        ("asizeof.asizeof(raising __sizeof__)", asizeof, "asizeof",
         lambda f: lambda: swallow(f, RAISING), False),
        ("asizeof.asizeof(bad __sizeof__)", asizeof, "asizeof",
         lambda f: lambda: (swallow(f, BadSizeof()), swallow(f, NegativeSizeof())), False),
        ("asizeof.asizeof([raising] nested)", asizeof, "asizeof",
         lambda f: lambda: swallow(f, [G, RAISING, {"k": RAISING}]), False),
        ("asizeof.asizeof(fresh items(), infer=True)", asizeof, "asizeof",
         lambda f: lambda: f(FreshItems(), FreshItems(), infer=True), False),
        ("asizeof.Asizer().asizeof(fresh items(), infer=True)", asizeof, "Asizer",
         lambda f: lambda: (lambda z: (z.asizeof(FreshItems()), z.asizeof(FreshItems())))(
             f(infer=True)), False),
        ("asizeof.asizeof(storing __sizeof__)", asizeof, "asizeof",
         lambda f: lambda: f([[StoringSizeof() for _ in range(20)], STORED]), False),
        ("asizeof.asizesof(a, b)", asizeof, "asizesof", lambda f: lambda: f(G, P, S), False),
        ("asizeof.asized(obj, detail=2)", asizeof, "asized",
         lambda f: lambda: f(G, detail=2), False),
        ("asizeof.asized(a, b, detail=1)", asizeof, "asized",
         lambda f: lambda: f(G, S, detail=1), False),
        ("asizeof.flatsize", asizeof, "flatsize", lambda f: each_sample(f), False),
        ("asizeof.basicsize", asizeof, "basicsize", lambda f: each_sample(f), False),
        ("asizeof.itemsize", asizeof, "itemsize", lambda f: each_sample(f), False),
        ("asizeof.leng", asizeof, "leng", lambda f: each_sample(f), False),
        ("asizeof.refs", asizeof, "refs", lambda f: each_sample(f), False),
        ("asizeof.named_refs", asizeof, "named_refs", lambda f: each_sample(f), False),
        ("asizeof.Asizer().asizeof", asizeof, "Asizer",
         lambda A: lambda: A().asizeof(G), False),
        ("asizeof.Asizer().asizesof", asizeof, "Asizer",
         lambda A: lambda: A().asizesof(G, P, S), False),
        ("asizeof.Asizer().asized", asizeof, "Asizer",
         lambda A: lambda: A().asized(G, detail=2), False),
        ("asizeof.Asizer().exclude_refs", asizeof, "Asizer",
         lambda A: lambda: A().exclude_refs(G["ints"], G["strs"]), False),
        ("asizeof.Asizer().exclude_objs", asizeof, "Asizer",
         lambda A: lambda: A().exclude_objs(G["ints"], G["strs"]), False),
        ("asizeof.Asizer().exclude_types", asizeof, "Asizer",
         lambda A: lambda: A().exclude_types(Plain, Slotted), False),
        ("asizeof.Asizer().reset", asizeof, "Asizer", lambda A: lambda: A().reset(), False),
        ("asizeof.Asizer sequence (one instance)", asizeof, "Asizer", asizer_sequence, False),
        # pympler.muppy
        ("muppy.get_referents", muppy, "get_referents",
         lambda f: lambda: f([G, P, S], level=2), False),
        ("muppy.referrers_of", muppy, "referrers_of",
         lambda f: lambda: f([G, P, S, G["ints"]]), True),
        ("muppy.get_referrers", muppy, "get_referrers", lambda f: lambda: f(G, P), True),
        ("muppy.find_path", muppy, "find_path", lambda f: lambda: str(f(G["strs"])), True),
        ("muppy.get_size", muppy, "get_size",
         lambda f: lambda: swallow(f, list(SAMPLES), stream=DEVNULL), False),
        ("muppy.get_objects", muppy, "get_objects", lambda f: lambda: f(), True),
        ("muppy.filter(Type=...)", muppy, "filter",
         lambda f: lambda: f(list(SAMPLES), Type=(int, str, Plain), min=0), False),
        ("muppy.ignore_object", muppy, "ignore_object", lambda f: each_sample(f), False),
        # pympler.summary
        ("summary.summarize(samples)", summary, "summarize",
         lambda f: lambda: swallow(f, list(SAMPLES)), False),
        ("summary.get_diff", summary, "get_diff", summary_diff(summary), False),
        ("summary.summarize(get_objects())", summary, "summarize",
         heap_summary(muppy), True),
        # pympler.tracker
        ("tracker.SummaryTracker().diff()", tracker, "SummaryTracker",
         lambda T: lambda: T().diff(), True),
        ("tracker.ObjectTracker().get_diff()", tracker, "ObjectTracker",
         lambda T: lambda: T().get_diff(), True),
        ("one ObjectTracker, repeated get_diff()", tracker, "ObjectTracker",
         lambda T: (lambda ot: lambda: ot.get_diff())(T()), True),
        # pympler.classtracker (each call: a new tracker, dropped afterwards)
        ("classtracker.ClassTracker().create_snapshot()", classtracker, "ClassTracker",
         lambda T: lambda: tracker_snapshot(T, level=2), False),
        ("classtracker create_snapshot() level 0 (engine-built samples, odd reprs)",
         classtracker, "ClassTracker", lambda T: lambda: tracker_snapshot_level0(T), False),
        ("classtracker track_class, instances, detach_class", classtracker, "ClassTracker",
         tracker_class_cycle, False),
        ("classtracker create_snapshot(compute_total=True)", classtracker, "ClassTracker",
         lambda T: lambda: tracker_snapshot(T, level=0, compute_total=True), True),
        # pympler.mprofile (one heap walk per measured event)
        ("mprofile.heap_size()", mprofile, "heap_size", lambda f: lambda: f(), True),
        ("mprofile.MProfiler().run(...)", mprofile, "MProfiler",
         lambda M: lambda: M(events=["return"]).run("sorted([3, 1, 2])"), True),
        # the pytest plugin's no_leaks check: a record, then the new objects
        ("_core.heap_select(pred) + heap_select(pred, before)", muppy, "_core",
         lambda core: lambda: core.heap_select(
             lambda tp: tp is Plain, core.heap_select(lambda tp: tp is Plain)), True),
        # pympler.refbrowser, refgraph, garbagegraph
        ("refbrowser.StreamBrowser(maxdepth=2, repeat=False).print_tree()", refbrowser,
         "StreamBrowser",
         lambda B: lambda: B(G["nested"], maxdepth=2, repeat=False,
                             stream=io.StringIO()).print_tree(),
         True),
        ("refgraph.ReferenceGraph: reduce, split, dot text", refgraph, "ReferenceGraph",
         reference_graph, False),
        ("garbagegraph.GarbageGraph(reduce=True).print_stats()", garbagegraph, "GarbageGraph",
         garbage_graph, True),
        # pympler.retained (one heap graph per call)
        ("retained.snapshot(): top, by_type, by_module, path, retains, release", retained,
         "snapshot", retained_held, True),
        ("retained.snapshot(keep_objects=False) x2 + diff + accessors", retained, "snapshot",
         lambda f: lambda: retained_numbers(retained), True),
        ("retained.snapshot() dropped unreleased in a frame", retained, "snapshot",
         lambda f: lambda: (lambda s: len(s))(f()), True),
        ("retained: save with labels, load, retention_path, diff_paths, bad arrays", retained,
         "load", lambda f: lambda: retained_files(retained), True),
        # pympler.cli: the report and diff of a small saved snapshot
        ("cli.main(['report', FILE]) + main(['diff', FILE, FILE])", cli, "main", cli_report,
         True),
        # pympler.heapreport: the page of a held snapshot (paths labelled by the
        # objects), then of the same snapshot released
        ("heapreport.render_html(held, then released snapshot)", heapreport, "render_html",
         lambda f: lambda: heapreport_page(f, retained), True),
        # pympler.web: every page once through the WSGI application (no socket)
        ("web.make_app(): every page", web, "make_app", web_pages, True),
    ]
    cases = []
    for label, module, attr, factory, heavy in table:
        if module is None or factory is None:
            continue
        target = getattr(module, attr, None)
        name = label
        if target is None:
            notes.append("skip %s: %s.%s does not exist" % (name, module.__name__, attr))
            continue
        cases.append(Case(name, factory(target), heavy=heavy))
    missing = [m for m, mod in (("pympler.asizeof", asizeof), ("pympler.muppy", muppy),
                                ("pympler.summary", summary), ("pympler.tracker", tracker),
                                ("pympler.classtracker", classtracker),
                                ("pympler.mprofile", mprofile),
                                ("pympler.refbrowser", refbrowser),
                                ("pympler.refgraph", refgraph),
                                ("pympler.garbagegraph", garbagegraph),
                                ("pympler.retained", retained),
                                ("pympler.cli", cli),
                                ("pympler.heapreport", heapreport),
                                ("pympler.web", web))
               if mod is None]
    if missing:
        notes.append("modules not present (skipped): %s" % ", ".join(missing))
    return cases


def retained_held(snapshot):
    """A held snapshot queried, then released."""
    def call():
        with snapshot() as snap:
            str(snap.top(5)), str(snap.by_type(5)), str(snap.by_module(3))
            str(snap.path(GRAPH["strs"])), str(snap.retains(GRAPH, 3))
            snap.dominator(GRAPH)
    return call


def heapreport_page(render_html, retained):
    """The HTML report of a held snapshot, then of it released."""
    with retained.snapshot() as snap:
        render_html(snap, top=10)
    render_html(snap, top=10, title="released")


def retained_numbers(retained):
    """Two snapshots without objects, their diff and the plain accessors."""
    a = retained.snapshot(keep_objects=False)
    b = retained.snapshot(keep_objects=False)
    str(retained.diff(a, b, 5))
    b.addresses(), b.flat_sizes(), b.retained_sizes(), b.type_indices(), b.dominators()
    b.edges(), b.roots(), b.types(), b.retained_size(GRAPH)


def cli_report(main):
    """``pympler report FILE`` and ``pympler diff FILE FILE`` of a snapshot
    saved once (without objects: numbers only), output swallowed."""
    import atexit
    import contextlib
    import shutil
    import tempfile

    from pympler import retained

    folder = tempfile.mkdtemp(prefix="pympler-leakcheck-")
    atexit.register(shutil.rmtree, folder, True)
    path = os.path.join(folder, "leak.pymheap")
    snap = retained.snapshot(keep_objects=False)
    snap.save(path)
    del snap

    def call():
        with contextlib.redirect_stdout(io.StringIO()):
            main(["report", "-q", "--top", "3", path])
            main(["diff", "-q", "--top", "3", path, path])
    return call


def retained_files(retained):
    """A held snapshot saved with its edge labels, loaded back and queried;
    graph_from_arrays refusing bad arrays."""
    import tempfile
    from array import array

    from pympler import _core
    with tempfile.TemporaryDirectory() as where:
        path = os.path.join(where, "heap.pymheap.gz")
        with retained.snapshot() as snap:
            snap.save(path)
            i = snap.index(GRAPH["strs"])
            loaded = retained.load(path)
            str(retained.diff_paths(loaded, snap, 5, top=20))
        str(loaded.top(3)), str(loaded.by_type(3)), str(loaded.by_module(3))
        str(loaded.retention_path(loaded.retainer(i))), str(loaded.retains(loaded.top(1)[0], 3))
    try:
        _core.graph_from_arrays(array("Q", [1]), array("I", [0]), array("Q", [8]),
                                array("I", [0, 1]), array("I", [5]), array("I", [0]), (),
                                [("T", "m")])
    except ValueError:
        pass


def reference_graph(ReferenceGraph):
    """A graph with a cycle and a hostile member: reduced, split, written."""
    def call():
        ring = [GRAPH, PLAIN, SLOTTED]
        ring.append(ring)
        graph = ReferenceGraph([ring, GRAPH, PLAIN, SLOTTED, RAISING, {"k": ring}])
        graph.reduce_to_cycles()
        graph.split_and_sort()
        graph._get_graphviz_data()
    return call


def garbage_graph(GarbageGraph):
    """Garbage cycles made, collected into a graph, printed."""
    def call():
        a, b = Plain(), Plain()
        a.c.append(b)
        b.c.append(a)
        del a, b
        # a fresh StringIO: the pending writes of a buffered file look like a leak
        GarbageGraph(reduce=True).print_stats(io.StringIO())
    return call


def web_pages(make_app):
    """Every page of pympler.web built once by a new application, without a
    socket: overview, process, a stack with its locals and their referents,
    a path, the heap summary, tracker pages, garbage pages, static files."""
    import re
    import threading

    def call():
        app = make_app()

        def get(path, query=""):
            out = []
            body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": path,
                                 "QUERY_STRING": query},
                                lambda status, headers: out.append(status)))
            return out[0], body.decode("utf-8", "replace")
        for path in ("/", "/process", "/tracker", "/garbage", "/garbage/0", "/refresh",
                     "/help", "/static/style.css", "/static/../x", "/objects/1", "/nope"):
            get(path)
        get("/summary", "sort=count&limit=5")
        _, page = get("/traceback/%d" % threading.get_ident())
        for oid in re.findall(r'class="expand_local" id="(\d+)"', page)[-1:]:
            _, frag = get("/objects/" + oid)
            for ref in re.findall(r'href="/path/(\d+)"', frag)[:2]:
                get("/path/" + ref)
                get("/objects/" + ref)
        app.clear_cache()
    return call


def asizer_sequence(Asizer):
    sizer = Asizer()

    def call():
        sizer.exclude_refs(G_EXCLUDED)
        sizer.asizeof(GRAPH)
        sizer.asizesof(PLAIN, SLOTTED)
        sizer.asized(GRAPH, detail=1)
        sizer.reset()
    return call


G_EXCLUDED = GRAPH["nested"]


def tracker_snapshot(ClassTracker, level, compute_total=False):
    """A few tracked objects (one referring to another, one dead) sized."""
    ct = ClassTracker()
    p, s = Plain(), Slotted()
    p.c.append(s)
    ct.track_object(p, resolution_level=level)
    ct.track_object(s, resolution_level=level)
    ct.track_object(Plain(), name="dead")
    ct.track_object(PLAIN, keep=True)
    ct.create_snapshot("leakcheck", compute_total=compute_total)
    ct.clear()


class _ReprRaises(Plain):
    def __repr__(self):
        raise ValueError("no repr")


class _ReprLong(Plain):
    def __repr__(self):
        return "line\n" * 60


class _ReprStrSub(Plain):
    class S(str):
        pass

    def __repr__(self):
        return self.S("sub")


def tracker_snapshot_level0(ClassTracker):
    """All tracked objects alive at level 0: Sizer.samples builds the
    samples, with the Python fallback for reprs that raise or are no str."""
    ct = ClassTracker()
    objs = [Plain(), Slotted(), _ReprRaises(), _ReprLong(), _ReprStrSub(), PLAIN]
    objs[0].c.append(objs[1])
    for o in objs:
        ct.track_object(o)
    ct.create_snapshot("leakcheck")
    ct.create_snapshot("again")
    ct.clear()


def tracker_class_cycle(ClassTracker):
    def call():
        ct = ClassTracker()
        ct.track_class(Plain, resolution_level=1, trace=True)
        ct.track_class(Slotted)
        kept = [Plain(), Slotted(), Plain()]
        ct.create_snapshot()
        ct.detach_class(Slotted)
        ct.close()
        del kept
        ct.clear()
    return call


def summary_diff(summary):
    if summary is None or not hasattr(summary, "summarize"):
        return None
    left = summary.summarize([GRAPH, PLAIN, 1, "a"])
    right = summary.summarize(list(SAMPLES))
    return lambda f: lambda: f(left, right)


def heap_summary(muppy):
    if muppy is None or not hasattr(muppy, "get_objects"):
        return None
    return lambda f: lambda: f(muppy.get_objects())


# ---------------------------------------------------------------------------
# Checks.

_int_pool = {}


def pooled(value):
    # Store deltas as pooled ints, as refleak.py does, so that keeping them
    # does not itself show up as growing refcounts.
    return _int_pool.setdefault(value, value)


def _cleanup():
    re.purge()
    sys._clear_type_cache()
    gc.collect()


def affordable(fn, wanted, minimum, budget):
    """How many of `wanted` calls fit in `budget` seconds (at least `minimum`),
    from the time of one call."""
    t0 = time.perf_counter()
    fn()
    per_call = time.perf_counter() - t0
    if per_call * wanted <= budget:
        return wanted
    return max(minimum, min(wanted, int(budget / per_call)))


WARMUP_CALLS = 4


def refcheck(case, warmups, rounds, calls):
    """refleak.py's loop: returns (rc_deltas, block_deltas) of measured rounds.
    A warm-up round makes at least WARMUP_CALLS calls."""
    gettotalrefcount = sys.gettotalrefcount
    getallocatedblocks = sys.getallocatedblocks
    try:
        from sys import _getquickenedcount
    except ImportError:
        def _getquickenedcount():
            return 0
    fn = case.fn
    total = warmups + rounds
    rc_deltas = [0] * total
    blk_deltas = [0] * total
    rc_before = blk_before = 0
    _cleanup()
    for i in range(total):
        for _ in range(calls if i >= warmups else max(calls, WARMUP_CALLS)):
            fn()
        _cleanup()
        blk_after = getallocatedblocks() - _getquickenedcount()
        rc_after = gettotalrefcount()
        rc_deltas[i] = pooled(rc_after - rc_before)
        blk_deltas[i] = pooled(blk_after - blk_before)
        rc_before = rc_after
        blk_before = blk_after
    return rc_deltas[warmups:], blk_deltas[warmups:]


def leaking(deltas):
    # refleak.py's check_rc_deltas: [3, 0, 0], [0, 1, 0], [8, -8, 1] are noise;
    # [5, 5, 6], [10, 1, 1] are leaks.
    return all(delta >= 1 for delta in deltas)


PAGE = os.sysconf("SC_PAGE_SIZE")


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def _malloc_trim():
    """glibc's malloc_trim(0), or None where there is none (musl, macOS)."""
    try:
        import ctypes
        trim = ctypes.CDLL(None).malloc_trim
    except (ImportError, OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: trim(0)


MALLOC_TRIM = _malloc_trim()


def settle():
    """Collect garbage, then hand the pages malloc holds free back to the
    system, so that RSS counts memory in use.  glibc keeps freed chunks in the
    middle of its heap resident: with PYTHONMALLOC=malloc, 10 calls of the
    retained file entry raised RSS by about 4 MiB from a trimmed heap while
    malloc's in-use bytes grew by 0-13 KiB, and untrimmed RSS rose for a run
    or two before it levelled off, so a reading measured how far the heap's
    free space had spread when the run began.  A leak is memory still
    allocated, which no trim returns; pymalloc's arenas are not malloc's to
    trim, so an arena kept alive still shows."""
    gc.collect()
    if MALLOC_TRIM is not None:
        MALLOC_TRIM()


def rsscheck(case, calls, tolerance):
    """Returns (growths, leaked).  A second run confirms growth over tolerance."""
    fn = case.fn
    for _ in range(max(1, calls // 10)):
        fn()
    growths = []
    for _attempt in range(2):
        settle()
        before = rss()
        for _ in range(calls):
            fn()
        settle()
        growths.append(rss() - before)
        if growths[-1] <= tolerance:
            return growths, False
    return growths, True


def self_test(args):
    """Check that the checks have teeth: a deliberate reference leak and a
    deliberate malloc leak (through ctypes) must be reported, a no-op must not."""
    import ctypes

    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    incref.restype = None
    libc = ctypes.CDLL(None)
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.malloc.restype = ctypes.c_void_p
    libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    libc.memset.restype = ctypes.c_void_p
    target = object()

    def leak_memory():
        libc.memset(libc.malloc(4096), 1, 4096)

    ok = True
    if args.refs:
        rc, _ = refcheck(Case("no-op", lambda: None), args.warmups, args.rounds, args.calls)
        rc, blk = refcheck(Case("no-op", lambda: None), args.warmups, args.rounds, args.calls)
        print("  self-test refs, no-op:        refs %s blocks %s -> %s"
              % (rc, blk, "LEAK (wrong)" if leaking(rc) or leaking(blk) else "clean (right)"))
        ok &= not (leaking(rc) or leaking(blk))
        rc, blk = refcheck(Case("Py_IncRef", lambda: incref(target)), args.warmups, args.rounds,
                           args.calls)
        print("  self-test refs, Py_IncRef:    refs %s -> %s"
              % (rc, "LEAK (right)" if leaking(rc) else "clean (wrong)"))
        ok &= leaking(rc)
    if args.rss:
        tolerance = args.rss_tolerance_kib * 1024
        growths, leaked = rsscheck(Case("no-op", lambda: None), args.rss_calls, tolerance)
        print("  self-test rss, no-op:         %s KiB -> %s"
              % ([g // 1024 for g in growths], "LEAK (wrong)" if leaked else "clean (right)"))
        ok &= not leaked
        growths, leaked = rsscheck(Case("malloc", leak_memory), args.rss_calls, tolerance)
        print("  self-test rss, malloc(4096):  %s KiB -> %s"
              % ([g // 1024 for g in growths], "LEAK (right)" if leaked else "clean (wrong)"))
        ok &= leaked
    print("leakcheck: self-test %s" % ("passed" if ok else "FAILED"))
    return 0 if ok else 1


# ---------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--refs", action="store_true",
                        help="refcount check (needs a debug interpreter)")
    parser.add_argument("--rss", action="store_true", help="RSS growth check")
    parser.add_argument("--list", action="store_true", help="list the entry points and exit")
    parser.add_argument("--self-test", action="store_true",
                        help="check that a deliberate leak is caught and a no-op is not, then exit")
    parser.add_argument("--warmups", type=int, default=3, help="refcount warm-up rounds (3)")
    parser.add_argument("--rounds", type=int, default=3, help="refcount measured rounds (3)")
    parser.add_argument("--calls", type=int, default=10,
                        help="calls per refcount round (10; heavy: 1)")
    parser.add_argument("--rss-calls", type=int, default=10000, help="calls per RSS run (10000)")
    parser.add_argument("--rss-heavy-calls", type=int, default=10,
                        help="calls per RSS run, heap-walking entry points (10)")
    parser.add_argument("--rss-tolerance-kib", type=int, default=512,
                        help="allowed RSS growth per run (512 KiB)")
    parser.add_argument("--budget", type=float, default=10.0,
                        help="seconds per check per entry point; slower ones get fewer calls (10)")
    parser.add_argument("--only", metavar="REGEX", help="only entry points whose name matches")
    args = parser.parse_args(argv)

    has_refcount = hasattr(sys, "gettotalrefcount")
    if not (args.refs or args.rss or args.list) or (args.self_test and not (args.refs or args.rss)):
        args.refs = has_refcount
        args.rss = True
    if args.refs and not has_refcount:
        print("leakcheck: --refs needs a debug interpreter (sys.gettotalrefcount); "
              "%s is not one" % sys.executable, file=sys.stderr)
        return 2
    if args.self_test:
        return self_test(args)

    try:
        import pympler
        core = importlib.import_module("pympler._core")
    except ImportError as exc:
        print("leakcheck: cannot import pympler: %s" % exc, file=sys.stderr)
        return 2
    here = os.path.dirname(os.path.abspath(__file__))
    print("leakcheck: %s %s%s; pympler from %s; PYTHONMALLOC=%s"
          % (sys.executable, sys.version.split()[0], " (debug)" if has_refcount else "",
             os.path.dirname(pympler.__file__), os.environ.get("PYTHONMALLOC", "")))
    source = os.path.join(os.path.dirname(here), "src", "pympler")
    if os.path.realpath(os.path.dirname(pympler.__file__)) == os.path.realpath(source):
        print("leakcheck: warning: pympler is imported from the source tree, not an install")

    notes = []
    cases = core_cases(core, notes) + api_cases(notes)
    if args.only:
        cases = [c for c in cases if re.search(args.only, c.name)]
    for note in notes:
        print("  - %s" % note)
    if args.list:
        for case in cases:
            print("  %s%s%s" % (case.name, " [heavy]" if case.heavy else "",
                                "  (%s)" % case.note if case.note else ""))
        return 0
    if not cases:
        print("leakcheck: no entry points found", file=sys.stderr)
        return 1

    failures = []
    width = max(len(c.name) for c in cases)
    checks = [name for name, on in (("refs", args.refs), ("rss", args.rss)) if on]
    print("leakcheck: %d entry points, checks: %s" % (len(cases), ", ".join(checks)))
    t_start = time.monotonic()
    if args.refs:
        # The measuring loop itself settles (bytecode specialisation, caches)
        # over its first rounds in a process; run it on a no-op first, and
        # check that a no-op then measures clean.
        noop = Case("no-op", lambda: None)
        for _ in range(2):
            rc, blk = refcheck(noop, args.warmups, args.rounds, args.calls)
        print("  harness self-check (no-op): refs %s blocks %s" % (rc, blk))
        if leaking(rc) or leaking(blk):
            print("leakcheck: the refcount harness reports a leak for a no-op; "
                  "results would be meaningless", file=sys.stderr)
            return 1
    for case in cases:
        t0 = time.monotonic()
        parts = []
        bad = False
        try:
            if args.refs:
                calls = affordable(case.fn, 1 if case.heavy else args.calls, 1,
                                   args.budget / (args.warmups + args.rounds))
                rc, blk = refcheck(case, args.warmups, args.rounds, calls)
                rc_leak, blk_leak = leaking(rc), leaking(blk)
                parts.append("refs/%d calls %s%s blocks %s%s" % (
                    calls, rc, " LEAK" if rc_leak else "", blk, " LEAK" if blk_leak else ""))
                bad |= rc_leak or blk_leak
            if args.rss:
                calls = affordable(case.fn, args.rss_heavy_calls if case.heavy else args.rss_calls,
                                   min(args.rss_heavy_calls, args.rss_calls), args.budget / 2.2)
                growths, leaked = rsscheck(case, calls, args.rss_tolerance_kib * 1024)
                parts.append("rss/%d calls %s KiB%s" % (
                    calls, [g // 1024 for g in growths], " LEAK" if leaked else ""))
                bad |= leaked
        except Exception:
            parts.append("ERROR (not a leak: the call raised)\n" + traceback.format_exc())
            bad = "error"
        status = "FAIL" if bad else "ok  "
        print("  %s %-*s %s  (%.1fs)" % (status, width, case.name, "; ".join(parts),
                                         time.monotonic() - t0), flush=True)
        if bad:
            failures.append("%s (%s)" % (case.name, "error" if bad == "error" else "leak"))
    print("leakcheck: %d entry points checked in %.0fs, %d failed%s"
          % (len(cases), time.monotonic() - t_start, len(failures),
             (": " + ", ".join(failures)) if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
