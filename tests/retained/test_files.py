"""Snapshot files as snapshots: retained.load / Snapshot.save, edge labels
stored in files, retention paths of loaded snapshots, diff by retention
path (issue 10 items 2 and 3)."""
import gc
import random
import sys
from array import array

import pytest

from pympler import _core, heapfile, retained
from pympler.heapfile import NO_INDEX

sys.path.insert(0, __import__("os").path.dirname(__file__))
from test_dominators import ref_dominators  # noqa: E402


class Rec(object):
    def __init__(self, i):
        self.i = i
        self.name = "rec %d" % i


class Store(object):
    pass


STORE = Store()


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A held snapshot with a known structure, and the file it was saved to."""
    STORE.cache = {"users": [Rec(i) for i in range(300)], 7: ("a", "b", [1.5] * 3)}
    STORE.cache["many"] = dict(("k%d" % i, [i]) for i in range(50))
    path = str(tmp_path_factory.mktemp("files") / "heap.pymheap.gz")
    snap = retained.snapshot()
    snap.save(path, meta={"note": "test"})
    yield snap, path
    snap.release()
    del STORE.cache


def test_loaded_snapshot_has_the_same_numbers(saved):
    snap, path = saved
    loaded = retained.load(path)
    assert loaded.loaded and not loaded.held and not snap.loaded
    assert loaded.meta["note"] == "test" and loaded.meta["python"] and "types" not in loaded.meta
    assert (loaded.count, loaded.total) == (snap.count, snap.total)
    for name in ("addresses", "flat_sizes", "retained_sizes", "dominators", "type_indices"):
        assert getattr(loaded, name)() == getattr(snap, name)(), name
    assert loaded.edges() == snap.edges()
    assert [str(r) for r in loaded.top(20)] == [str(r) for r in snap.top(20)]
    assert [(r.type, r.module, r.count, r.flat, r.retained) for r in loaded.by_type()] == \
        [(r.type, r.module, r.count, r.flat, r.retained) for r in snap.by_type()]
    assert [str(r) for r in loaded.by_module()] == [str(r) for r in snap.by_module()]
    assert "loaded" in repr(loaded)


def test_edge_labels_in_the_file_are_the_engine_labels(saved):
    snap, path = saved
    loaded = retained.load(path)
    for obj in (STORE.cache, STORE.cache["users"], STORE.cache["users"][123],
                STORE.cache[7][2], STORE.cache["many"]["k42"]):
        live = snap.retention_path(obj)
        filed = loaded.retention_path(loaded.retainer(snap.index(obj)))
        assert filed.labels == live.labels == snap.path(obj).labels
        assert filed.oneline() == live.oneline()
    path_text = loaded.retention_path(loaded.retainer(snap.index(STORE.cache["users"][123])))
    assert path_text.labels[-2:] == ["['users']", "[123]"]
    assert path_text.key().endswith("-> ['users'] -> [*] : %s.Rec" % (__name__,))


def test_bulk_labels_agree_with_single_edge_labels(saved):
    """edge_labels() labels big containers through a map; edge_label(e)
    searches per edge: the same labels for every edge of these nodes."""
    snap, _ = saved
    labels, strings = snap.edge_labels()
    offsets, targets = snap.edges()
    objs = [STORE.cache, STORE.cache["users"], STORE.cache[7], STORE.cache["many"], STORE.__dict__,
            sys.modules[__name__].__dict__, Rec.__dict__]
    checked = 0
    for obj in objs:
        i = snap.index(obj)
        for e in range(offsets[i], offsets[i + 1]):
            single = snap._g.edge_label(e)
            bulk = None if labels[e] == NO_INDEX else strings[labels[e]]
            assert bulk == single, (type(obj), e)
            checked += 1
    assert checked > 300
    # the key edges and value edges of a dict (str keys are not traversed)
    d = dict((1000 + i, [i]) for i in range(6))
    d[2000] = d[1000]        # one value twice: both edges named by its first key
    gc.collect()
    with retained.snapshot() as s2:
        lab, strs = s2.edge_labels(base=10)
        i = s2.index(d)
        off, tgt = s2.edges()
        names = sorted(strs[lab[e] - 10] for e in range(off[i], off[i + 1]) if lab[e] != NO_INDEX)
        assert names == sorted(["(key)"] * 7 + ["[%d]" % (1000 + i) for i in range(6)]
                               + ["[1000]"]), names


def test_loaded_snapshot_names_objects_by_retainer(saved):
    snap, path = saved
    loaded = retained.load(path)
    top = loaded.top(3)
    r = loaded.retainer(top[0].index)
    assert (r.address, r.retained) == (top[0].address, top[0].retained) and r.obj is None
    assert loaded.retained_size(r) == r.retained
    assert [x.index for x in loaded.retains(r, 5)] == [x.index for x in snap.retains(
        snap.retainer(r.index), 5)]
    assert loaded.index(STORE) == -1
    with pytest.raises(TypeError, match="names its objects by Retainer"):
        loaded.retains(STORE)
    with pytest.raises(ValueError, match="held snapshot"):
        loaded.path(r)
    with pytest.raises(ValueError, match="not from this snapshot"):
        loaded.retains(retained.Retainer(10 ** 9, 1, "x", 1, 1))
    with pytest.raises(TypeError, match="node index"):
        loaded.retainer("0")


def test_save_without_labels_and_from_a_released_snapshot(tmp_path):
    with retained.snapshot() as snap:
        snap.save(str(tmp_path / "nolabels.pymheap"), labels=False)
    with pytest.raises(ValueError, match="held snapshot"):
        snap.save(str(tmp_path / "x.pymheap"), labels=True)
    snap.save(str(tmp_path / "released.pymheap"))     # labels default off once released
    for name in ("nolabels", "released"):
        data = heapfile.load(str(tmp_path / (name + ".pymheap")))
        assert set(data.edge_label) == {NO_INDEX}
        loaded = retained.load(str(tmp_path / (name + ".pymheap")))
        path = loaded.retention_path(loaded.top(5)[-1])
        assert path.labels[1:] == [None] * (len(path) - 1)
        assert path[0].label is None or path[0].label.startswith(("module", "frame"))
    # a loaded snapshot saves its own data again
    loaded.save(str(tmp_path / "again.pymheap"), meta={"again": 1})
    again = retained.load(str(tmp_path / "again.pymheap"))
    assert again.meta["again"] == 1 and again.retained_sizes() == loaded.retained_sizes()


def test_random_files_against_the_reference_dominators():
    """Graphs written by hand (any shape, any roots): the loaded snapshot's
    dominators are those of the pure-Python reference."""
    rng = random.Random(11)
    for case in range(30):
        n = rng.randint(1, 40)
        edges = {i: [rng.randrange(n) for _ in range(rng.randint(0, 3))] for i in range(n)}
        nroots = rng.randint(0, 3)
        roots = rng.sample(range(n), min(n, nroots))
        start, to = [0], []
        for i in range(n):
            to.extend(edges[i])
            start.append(len(to))
        types = ["T%d" % (i % 3) for i in range(3)]
        data = heapfile.GraphData(
            types + ["root"], {}, node_addr=[1000 + 16 * i for i in range(n)],
            node_type=[rng.randrange(3) for _ in range(n)], node_name=[0] * n,
            node_size=[rng.randrange(1, 100) for _ in range(n)], node_retained=[0] * n,
            node_dom=[NO_INDEX] * n, edge_start=start, edge_to=to,
            edge_label=[NO_INDEX] * len(to), roots=roots, root_label=[3] * len(roots))
        snap = retained._from_data(data.validate())
        # the engine's roots: the given ones, the unreferenced, one per unreached part
        all_roots = list(snap.roots()[0])
        assert all_roots[:len(roots)] == roots
        idom, _ = ref_dominators(set(range(n)), edges, all_roots)
        got = snap.dominators()
        for i in range(n):
            assert got[i] == (n if idom[i] == "V" else idom[i]), (case, i)
        retained_ref = [0] * n
        for i in range(n):   # every node adds its size to itself and its dominators
            j = i
            while j != "V":
                retained_ref[j] += data.node_size[i]
                j = idom[j]
        assert list(snap.retained_sizes()) == retained_ref
        assert sorted(t[0] for t in snap.types()) == sorted(set(
            "T%d" % t for t in data.node_type))


def test_graph_from_arrays_checks_everything():
    good = dict(addr=array("Q", [1, 2]), type=array("I", [0, 0]), size=array("Q", [8, 8]),
                off=array("I", [0, 1, 1]), edge=array("I", [1]), roots=array("I", [0]))
    types = [("T", "m")]

    def build(**change):
        a = dict(good, **change)
        return _core.graph_from_arrays(a["addr"], a["type"], a["size"], a["off"], a["edge"],
                                       a["roots"], change.get("labels", ()), types)

    g = build()
    assert len(g) == 2 and g.info()["total"] == 16 and not g.info()["held"]
    for change, message in (
            (dict(edge=array("I", [2])), "beyond the nodes"),
            (dict(type=array("I", [0, 1])), "type index"),
            (dict(off=array("I", [0, 2, 1])), "from 0|ascending"),
            (dict(off=array("I", [0, 1])), "one more"),
            (dict(roots=array("I", [5])), "root is beyond"),
            (dict(addr=b"\x00" * 7), "whole number"),
            (dict(labels=("a", "b")), "more root labels")):
        with pytest.raises(ValueError, match=message):
            build(**change)
    with pytest.raises(ValueError, match="edge_label"):
        _core.graph_from_arrays(good["addr"], good["type"], good["size"], good["off"],
                                good["edge"], good["roots"], (), types, array("I", [0]), None)
    with pytest.raises(ValueError, match="beyond the strings"):
        _core.graph_from_arrays(good["addr"], good["type"], good["size"], good["off"],
                                good["edge"], good["roots"], (), types, array("I", [3]), ["x"])
    with pytest.raises(ValueError, match="list of str"):
        _core.graph_from_arrays(good["addr"], good["type"], good["size"], good["off"],
                                good["edge"], good["roots"], (), types, array("I", [0]), [b"x"])
    with pytest.raises(ValueError, match="pairs"):
        _core.graph_from_arrays(good["addr"], good["type"], good["size"], good["off"],
                                good["edge"], good["roots"], (), [("T",)])
    # a flat size beyond 32 bits survives (kept by node index, not address)
    big = build(size=array("Q", [5 << 32, 8]), addr=array("Q", [4, 4]))
    assert big.node(0)[1] == 5 << 32 and big.node(1)[1] == 8
    assert big.info()["total"] == (5 << 32) + 8


def test_fuzzed_files_load_as_snapshots_or_fail_cleanly(saved, tmp_path):
    snap, _ = saved
    small = str(tmp_path / "small.pymheap")
    data = heapfile.from_snapshot(snap)
    # keep the first 300 nodes, cut the edges that leave them
    n = 300
    start, to, lab = [0], [], []
    for i in range(n):
        for t, e in zip(data.edge_to[data.edge_start[i]:data.edge_start[i + 1]],
                        data.edge_label[data.edge_start[i]:data.edge_start[i + 1]]):
            if t < n:
                to.append(t)
                lab.append(e)
        start.append(len(to))
    roots = [r for r in data.roots if r < n]
    cut = heapfile.GraphData(data.strings, data.meta, node_addr=data.node_addr[:n],
                             node_type=data.node_type[:n], node_name=data.node_name[:n],
                             node_size=data.node_size[:n], node_retained=data.node_retained[:n],
                             node_dom=[NO_INDEX] * n, edge_start=start, edge_to=to,
                             edge_label=lab, roots=roots, root_label=[NO_INDEX] * len(roots))
    heapfile.save(cut, small)
    with open(small, "rb") as f:
        raw = f.read()
    rng = random.Random(5)
    loaded_ok = errors = 0
    for _ in range(150):
        bad = bytearray(raw)
        if rng.random() < 0.3:
            bad = bad[:rng.randrange(len(bad))]
        else:
            for _ in range(rng.randint(1, 6)):
                bad[rng.randrange(len(bad))] = rng.randrange(256)
        try:
            s = retained._from_data(heapfile.loads(bytes(bad)))
        except ValueError as exc:
            assert str(exc).startswith(("pympler heap snapshot", "graph_from_arrays")), exc
            errors += 1
        else:
            s.top(5), s.by_type(5), s.by_module(3)
            s.retention_path(s.retainer(s.count - 1)).oneline()
            loaded_ok += 1
    assert errors > 50 and loaded_ok > 5


def test_diff_paths_finds_the_growing_path(tmp_path):
    # big enough to be among the 100 biggest retainers before it grows
    STORE.grow = {"users": [Rec(i) for i in range(1500)], "other": [Rec(i) for i in range(900)]}
    try:
        old = retained.snapshot()
        old.save(str(tmp_path / "old.pymheap"))
        STORE.grow["users"].extend(Rec(i) for i in range(2000))
        with retained.snapshot() as new:
            rows = retained.diff_paths(old, new, top=100)
            loaded = retained.diff_paths(retained.load(str(tmp_path / "old.pymheap")), new,
                                         top=100)
        old.release()
        key = "-> .grow -> ['users'] : list"
        for table in (rows, loaded):
            grew = [r for r in table if r.path.endswith(key)]
            assert len(grew) == 1 and grew[0].count == 0, str(table)
            # 2000 more Rec objects, each with its __dict__, and the list's growth
            assert grew[0].retained > 2000 * sys.getsizeof(Rec(0)), str(table)
            assert not [r for r in table if r.path.endswith("['other'] : list")]
            assert "retention path" in str(table).splitlines()[0]
        assert [(r.path, r.retained) for r in rows[:3]] == \
            [(r.path, r.retained) for r in loaded[:3]]
    finally:
        del STORE.grow
    with pytest.raises(TypeError, match="two Snapshot"):
        retained.diff_paths(old, None)
    with pytest.raises(ValueError, match="top"):
        retained.diff_paths(old, old, top=-1)


def test_a_module_under_two_names_does_not_shift_root_labels():
    import types
    first, second = types.ModuleType("pym_first"), types.ModuleType("pym_second")
    first.payload, second.payload = [object()], [object()]
    sys.modules["pym_first"] = first
    sys.modules["pym_first_alias"] = first       # a root given twice
    sys.modules["pym_second"] = second
    try:
        with retained.snapshot() as snap:
            a = snap.retention_path(first.payload)
            b = snap.retention_path(second.payload)
        assert a[0].label == "module pym_first" and a.labels[1:] == [".__dict__", "['payload']"]
        assert b[0].label == "module pym_second", b.oneline()
    finally:
        for name in ("pym_first", "pym_first_alias", "pym_second"):
            del sys.modules[name]


def test_top_and_retains_are_the_sorted_order(saved):
    """The engine's bounded heap gives exactly the first rows of a full sort
    by (retained size desc, index asc), ties included."""
    snap, path = saved
    for s in (snap, retained.load(path)):
        sizes = s.retained_sizes()
        order = sorted(range(s.count), key=lambda i: (-sizes[i], i))
        for n in (0, 1, 7, 100, 1000):
            assert [r.index for r in s.top(n)] == order[:n]
        head = s.top(1)[0]
        idom = s.dominators()
        below, todo = [], [head.index]
        kids = {}
        for i, d in enumerate(idom):
            kids.setdefault(d, []).append(i)
        while todo:
            v = todo.pop()
            for k in kids.get(v, ()):
                below.append(k)
                todo.append(k)
        want = sorted(below, key=lambda i: (-sizes[i], i))[:25]
        assert [r.index for r in s.retains(head, 25)] == want
