"""pympler.retained: the public API (snapshot, top, by_type, by_module,
path, retains, dominator, diff), what it holds and releases, hostile
objects and bad input."""
import gc
import sys
import weakref

import pytest

from pympler import muppy, retained
from pympler._core import HeapGraph, heap_graph


class Holder(object):
    pass


class Big(object):
    pass


def test_top_path_and_retains():
    h = Holder()
    h.payload = {"blob": bytearray(300000), "small": [1, 2, 3]}
    with retained.snapshot() as snap:
        assert snap.held
        top = snap.top(50)
        assert [r.retained for r in top] == sorted((r.retained for r in top), reverse=True)
        hits = [r for r in top if r.obj is h]
        assert hits and hits[0].retained >= 300000 + sys.getsizeof(h)
        assert hits[0].type == "%s.Holder" % __name__
        assert "<%s.Holder at 0x%x>" % (__name__, id(h)) in str(top)
        inner = snap.retains(h, 4)   # 3.9/3.10: h.__dict__ comes first
        objs = [r.obj for r in inner]
        assert any(o is h.payload for o in objs) and any(o is h.payload["blob"] for o in objs)
        row = [r for r in inner if r.obj is h.payload][0]
        assert row.retained == snap.retained_size(h.payload) >= 300000
        path = snap.path(h.payload["blob"])
        assert isinstance(path, muppy.RefPath)
        assert path.target is h.payload["blob"]
        assert path.labels[-2:] == [".payload", "['blob']"] or path.labels[-1] == "['blob']"
        assert snap.dominator(h.payload["blob"]).obj is h.payload
        frames = [lab for lab in snap.roots()[1] if lab.startswith("frame ")]
        assert any("test_top_path_and_retains" in f for f in frames)
    assert not snap.held
    assert all(r.obj is None for r in snap.top(3))
    with pytest.raises(ValueError, match="released"):
        snap.path(h)


def test_by_type_and_by_module_tables():
    bigs = [Big() for _ in range(1000)]
    with retained.snapshot(keep_objects=False) as snap:
        rows = snap.by_type()
        big = [r for r in rows if r.type == "%s.Big" % __name__][0]
        assert big.count == 1000 and big.module == __name__
        assert big.flat == 1000 * sys.getsizeof(bigs[0])
        assert big.retained == big.flat   # the list retains them, not each other
        lst = [r for r in rows if r.type == "list"][0]
        assert lst.retained >= big.flat + sys.getsizeof(bigs)
        mod = [r for r in snap.by_module() if r.module == __name__][0]
        assert mod.count >= 1000
        text = str(snap.by_type(5))
        assert text.splitlines()[0].split() == ["retained", "flat", "count", "type"]
        assert len(text.splitlines()) == 6


def test_nothing_is_held_after_release_or_without_keep():
    o = bytearray(10)
    before = sys.getrefcount(o)
    snap = retained.snapshot()
    assert sys.getrefcount(o) == before + 1   # held
    snap.release()
    snap.release()
    assert sys.getrefcount(o) == before
    snap2 = retained.snapshot(keep_objects=False)
    assert sys.getrefcount(o) == before
    assert not snap2.held and snap2.index(o) >= 0
    # a held object dies when the snapshot goes
    x = Holder()
    w = weakref.ref(x)
    s3 = retained.snapshot()
    del x
    assert w() is not None
    del s3
    gc.collect()
    assert w() is None


def test_diff_by_type():
    old = retained.snapshot(keep_objects=False)
    keep = [Big() for _ in range(500)]
    new = retained.snapshot(keep_objects=False)
    rows = retained.diff(old, new)
    big = [r for r in rows if r.type == "%s.Big" % __name__][0]
    assert big.count == 500 and big.flat == 500 * sys.getsizeof(keep[0])
    assert "%s.Big" % __name__ in str(rows)
    with pytest.raises(TypeError, match="Snapshot"):
        retained.diff(old, 3)


class Hostile(object):
    calls = 0

    def __getattribute__(self, name):
        Hostile.calls += 1
        raise RuntimeError("no attributes")

    def __repr__(self):
        Hostile.calls += 1
        raise RuntimeError("no repr")

    def __eq__(self, other):
        Hostile.calls += 1
        raise RuntimeError("no eq")

    __hash__ = None


class LyingClass(object):
    @property
    def __class__(self):
        LyingClass.calls += 1
        raise RuntimeError("no class")

    calls = 0


def test_hostile_objects():
    class Dead(object):
        pass

    d = Dead()
    proxy = weakref.proxy(d)
    del d
    things = {"h": Hostile(), "l": LyingClass(), "p": proxy}
    with retained.snapshot() as snap:
        for key in ("h", "l", "p"):
            r = snap.retained_size(things[key]) if key != "p" else None
            assert r is None or r > 0
        path = snap.path(things["h"])
        assert path.labels[-1] == "['h']"
        str(path), str(snap.top(20)), str(snap.by_type(20))
        assert [r.obj for r in snap.retains(things, 5)]
    assert Hostile.calls == 0 and LyingClass.calls == 0


def test_bad_input():
    with pytest.raises(TypeError, match="roots must be a tuple"):
        heap_graph([], None)
    with pytest.raises(TypeError, match="pairs"):
        heap_graph((1,), None)
    with pytest.raises(TypeError):
        HeapGraph()
    with retained.snapshot(keep_objects=False) as snap:
        with pytest.raises(ValueError, match="not in the snapshot"):
            snap.retains(object())
        with pytest.raises(IndexError, match="out of range"):
            snap._g.node(len(snap))
        with pytest.raises(ValueError, match="released"):
            snap._g.obj(0)
        with pytest.raises(ValueError, match=">= 0"):
            snap._g.top(-1)


def test_ignore_leaves_objects_out():
    x = bytearray(1000)
    with retained.snapshot(ignore=[x]) as snap:
        assert snap.index(x) == -1


def test_a_snapshot_left_in_a_finished_frame_is_collected():
    # the snapshot holds its caller's frame, which owns the local variable
    # holding the snapshot once it returns: the collector breaks the cycle
    x = Holder()
    w = weakref.ref(x)

    def take():
        snap = retained.snapshot()
        return len(snap)

    assert take() > 0
    del x
    gc.collect()
    assert w() is None


def test_an_older_held_graph_is_not_a_referrer_in_a_new_one():
    holder = [bytearray(50000)]
    with retained.snapshot() as old:
        with retained.snapshot() as new:
            assert new.dominator(holder[0]).obj is holder
            assert new.retained_size(holder) >= 50000
        assert old.index(holder[0]) >= 0
