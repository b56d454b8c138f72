"""muppy.referrers_of / muppy.get_referrers (the C engine's one-pass referrer
scan, src/core/graph.c) against gc.get_referrers."""
import gc
import random
import sys
import threading
import types
import weakref

import pytest

from pympler import muppy


class Node:
    pass


class Slotted:
    __slots__ = ("a", "b")


class Hostile:
    """Every hook a careless engine could call raises."""

    def __eq__(self, other):
        raise AssertionError("__eq__ called")

    def __hash__(self):
        raise AssertionError("__hash__ called")

    def __repr__(self):
        raise AssertionError("__repr__ called")

    @property
    def __class__(self):
        raise AssertionError("__class__ read")


def _make(kind):
    if kind == "list":
        return []
    if kind == "dict":
        return {}
    if kind == "node":
        return Node()
    if kind == "slotted":
        s = Slotted()
        s.a = s.b = None
        return s
    return Hostile()


def _link(src, dst, key):
    if type(src) is list:
        src.append(dst)
    elif type(src) is dict:
        src["k%d" % key] = dst
    elif type(src) is Slotted:
        if src.a is None:
            src.a = dst
        else:
            src.b = dst
    else:
        object.__setattr__(src, "a%d" % key, dst)


def _graph(seed, n=60, edges=150):
    rnd = random.Random(seed)
    kinds = ["list", "dict", "node", "slotted", "hostile"]
    nodes = [_make(rnd.choice(kinds)) for _ in range(n)]
    for e in range(edges):
        _link(rnd.choice(nodes), rnd.choice(nodes), e)
    # some nodes also held in tuples (tracked) and by an untracked dict
    extra = [tuple(rnd.sample(nodes, 3)) for _ in range(5)]
    return nodes, extra


def _ids(objs):
    return {id(o) for o in objs}


@pytest.mark.parametrize("seed", range(8))
def test_superset_of_gc_get_referrers(seed):
    nodes, extra = _graph(seed)
    me = sys._getframe()
    gc.collect()
    theirs = [gc.get_referrers(n) for n in nodes]
    mine = _ids(theirs) | {id(nodes), id(me), id(theirs)}
    theirs[:] = [[r for r in t if id(r) not in mine] for t in theirs]
    ours = muppy.referrers_of(nodes, ignore=theirs)
    assert len(ours) == len(nodes)
    for n, o, t in zip(nodes, ours, theirs):
        assert _ids(t) <= _ids(o)
        added = [r for r in o if id(r) not in _ids(t)]
        # only untracked containers, and frames holding it (3.11+)
        assert all(not gc.is_tracked(r) or type(r) is types.FrameType for r in added), added
        assert not any(r is nodes or r is ours or r is theirs for r in o)
    del extra


def test_untracked_container_is_reported():
    s = "".join(["unique-", "string"])
    holder = {"k": s}           # only atomic values: untracked
    outer = [holder]
    gc.collect()
    assert not gc.is_tracked(holder)
    assert not any(r is holder for r in gc.get_referrers(s))
    (refs,) = muppy.referrers_of([s])
    assert any(r is holder for r in refs)
    del outer


def test_order_duplicates_and_input_sequences():
    a, b = Node(), Node()
    la, lb = [a], [b, b]
    res = muppy.referrers_of((b, a, b))
    assert [len(r) for r in res] == [1, 1, 1]
    assert res[0][0] is lb and res[1][0] is la and res[2][0] is lb
    assert res[0] is not res[2]
    assert muppy.referrers_of([]) == []
    assert muppy.referrers_of(iter([a]))[0][0] is la


def test_excludes_caller_frame_objs_and_ignore():
    target = Node()
    holder = [target]
    other = {"t": target}
    objs = [target]
    (refs,) = muppy.referrers_of(objs, ignore=[other])
    assert [r for r in refs] == [holder] or _ids(refs) == {id(holder)}
    assert not any(type(r) is types.FrameType for r in refs)
    (refs,) = muppy.referrers_of(objs)
    assert _ids(refs) == {id(holder), id(other)}


class HostileSlots(Hostile):
    __slots__ = ("x",)


def test_hostile_targets_and_referrers():
    h = Hostile()
    h2 = HostileSlots()
    object.__setattr__(h2, "x", h)
    hl = [h2]
    res = muppy.referrers_of([h, h2])
    assert any(r is h2 for r in res[0])
    assert any(r is hl for r in res[1])


def test_get_referrers_drop_in():
    t1, t2 = Node(), Node()
    both = [t1, t2]
    one = {"x": t1}
    got = muppy.get_referrers(t1, t2)
    assert _ids(got) == {id(both), id(one)}
    assert len(got) == 2
    assert muppy.get_referrers() == []
    assert _ids(muppy.get_referrers(t1, ignore=(both,))) == {id(one)}


def test_other_thread_frame_local():
    ready, done = threading.Event(), threading.Event()
    box = []

    def worker():
        local = Node()
        box.append(weakref.ref(local))
        ready.set()
        done.wait(10)
        del local

    t = threading.Thread(target=worker)
    t.start()
    try:
        ready.wait(10)
        frames = []   # materialise the thread's frame objects
        f = sys._current_frames()[t.ident]
        while f is not None:
            frames.append(f)
            f = f.f_back
        target = box[0]()
        (refs,) = muppy.referrers_of([target])
        assert any(type(r) is types.FrameType and r.f_code is worker.__code__ for r in refs)
        del frames, refs, target, f
    finally:
        done.set()
        t.join()


def test_nothing_kept_alive():
    target = Node()
    holder = Node()
    holder.t = target
    w = weakref.ref(target)
    wh = weakref.ref(holder)
    gc.collect()
    gc.disable()   # freed by reference counting alone: no cycle was made
    try:
        res = muppy.referrers_of([target])
        assert len(res[0]) == 1
        del res, target, holder
        assert w() is None and wh() is None
    finally:
        gc.enable()


def test_bad_input():
    with pytest.raises(TypeError, match="objs"):
        muppy.referrers_of(5)
    with pytest.raises(TypeError, match="ignore"):
        muppy.referrers_of([], ignore=5)
