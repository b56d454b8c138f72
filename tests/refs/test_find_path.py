"""muppy.find_path: shortest reference path from the roots (modules, frames
of every thread, unreferenced objects), breadth-first in C, with edge
labels (src/core/graph.c)."""
import gc
import re
import sys
import threading
import types
import weakref

import pytest

from pympler import muppy


class Foo:
    pass


class Slotted:
    __slots__ = ("a", "b")


class Hostile:
    def __eq__(self, other):
        raise AssertionError("__eq__ called")

    armed = False

    def __hash__(self):
        if Hostile.armed:   # usable as a key; the engine must not call it
            raise AssertionError("__hash__ called")
        return 1

    def __repr__(self):
        raise AssertionError("__repr__ called")

    @property
    def __class__(self):
        raise AssertionError("__class__ read")


@pytest.fixture
def mod():
    m = types.ModuleType("_fp_testmod")
    sys.modules[m.__name__] = m
    yield m
    del sys.modules[m.__name__]
    m.__dict__.clear()


def _labels(path):
    return [s.label for s in path]


def test_module_dict_list(mod):
    target = Foo()
    mod.cache = {"key": [0, 1, 2, target]}
    path = muppy.find_path(target)
    assert isinstance(path, muppy.RefPath)
    assert path.root is mod and path.target is target
    assert _labels(path) == ["module _fp_testmod", ".__dict__", "['cache']", "['key']", "[3]"]
    assert re.fullmatch(r"module _fp_testmod -> \.cache -> \['key'\] -> \[3\] -> "
                        r"<Foo at 0x[0-9a-f]+>", path.oneline())
    lines = str(path).splitlines()
    assert len(lines) == 4 and lines[0] == "module _fp_testmod"
    assert lines[-1].split()[:2] == ["->", "[3]"] and "<Foo at 0x" in lines[-1]


def test_instance_attributes_with_and_without_dict(mod):
    t1, t2 = Foo(), Foo()
    h1, h2 = Foo(), Foo()
    h1.attr = t1
    h2.attr = t2
    h2.__dict__   # materialised
    mod.h1, mod.h2 = h1, h2
    p1, p2 = muppy.find_path(t1), muppy.find_path(t2)
    assert "-> .h1 -> .attr -> <Foo" in p1.oneline()
    assert "-> .h2 -> .attr -> <Foo" in p2.oneline()
    # 3.13 keeps the values inline after __dict__ is made: the instance holds them
    assert _labels(p2)[-2:] in ([".__dict__", "['attr']"], ["['h2']", ".attr"])


def test_slots_and_class_attributes(mod):
    t1, t2 = Foo(), Foo()
    s = Slotted()
    s.b = t1
    mod.s = s

    class Holder:
        x = t2

    mod.Holder = Holder
    assert _labels(muppy.find_path(t1))[-1] == ".b"
    p2 = muppy.find_path(t2)
    assert _labels(p2)[-2:] == [".__dict__", "['x']"]
    assert "-> .Holder -> .x -> <Foo" in p2.oneline()


def test_closure_cell(mod):
    target = Foo()

    def make(value):
        def inner():
            return value
        return inner

    mod.fn = make(target)
    labels = _labels(muppy.find_path(target))
    assert labels[-3:] == [".__closure__", "[0] (cell value)", ".cell_contents"]


def test_other_threads_frame():
    ready, done = threading.Event(), threading.Event()
    box = []

    def worker():
        held_here = Foo()
        box.append(weakref.ref(held_here))
        ready.set()
        done.wait(10)

    t = threading.Thread(target=worker, name="fp-worker")
    t.start()
    try:
        assert ready.wait(10)
        path = muppy.find_path(box[0]())
        assert path is not None
        assert path[0].label.startswith("frame worker (") and "fp-worker" in path[0].label
        assert _labels(path)[1:] == ["local held_here"]
    finally:
        done.set()
        t.join()


def test_callers_frame_is_left_out_and_unreachable_is_none():
    lonely = Foo()
    assert muppy.find_path(lonely) is None
    holder = [lonely]
    assert muppy.find_path(lonely) is None   # holder is reached from this frame only
    del holder


def test_shortest_through_cycles(mod):
    target = Foo()
    a, b = [], []
    a.append(b)
    b.append(a)
    b.append(target)
    mod.long = [[[[[a]]]]]
    mod.short = {"b": b}
    assert _labels(muppy.find_path(target)) == [
        "module _fp_testmod", ".__dict__", "['short']", "['b']", "[1]"]


def test_hostile_objects_on_the_way(mod):
    target = Foo()
    h = Hostile()
    object.__setattr__(h, "inner", {h: target})   # hostile key in the dict
    mod.h = h
    Hostile.armed = True
    try:
        path = muppy.find_path(target)
    finally:
        Hostile.armed = False
    assert _labels(path)[-1] == "[<Hostile key>]"
    text = str(path) + path.oneline() + repr(path)
    assert "Hostile at 0x" in text


def test_dict_key_and_unlabelled_keys(mod):
    key = Foo()
    mod.d = {key: 1, (1, 2): [key]}
    assert _labels(muppy.find_path(key))[-1] == "(key)"
    big = "k" * 200
    target = Foo()
    mod.e = {big: target}
    label = _labels(muppy.find_path(target))[-1]
    assert label.startswith("['kkk") and label.endswith("...]") and len(label) < 100


def test_depth_20(mod):
    target = Foo()
    node = target
    for _ in range(20):
        nxt = Foo()
        nxt.next = node
        node = nxt
    mod.head = node
    del node, nxt
    path = muppy.find_path(target)
    assert len(path) in (23, 43)   # module, __dict__, 20 hops (each through a __dict__ before 3.11), target
    assert path.oneline().count(".next") == 20


def test_target_is_a_root():
    path = muppy.find_path(sys.modules["json"] if "json" in sys.modules else sys)
    assert len(path) == 1 and path[0].label.startswith("module ")


def test_nothing_kept_alive(mod):
    target = Foo()
    mod.t = [target]
    w = weakref.ref(target)
    path = muppy.find_path(target)
    assert path.target is target
    del path, target
    mod.t = None
    gc.collect()
    assert w() is None


def test_ignore_and_bad_input(mod):
    target = Foo()
    lst = [target]
    mod.a = lst
    mod.b = {"x": target}
    assert _labels(muppy.find_path(target))[-2:] == ["['a']", "[0]"]
    assert _labels(muppy.find_path(target, ignore=[lst]))[-2:] == ["['b']", "['x']"]
    with pytest.raises(TypeError, match="ignore"):
        muppy.find_path(target, ignore=3)
