"""Hostile objects, objects under construction, gc state and gc.garbage."""
import gc
import io
import sys
import types
import weakref

import pytest

from pympler import _core, muppy, summary, tracker


class RaisingSizeof:
    def __sizeof__(self):
        raise RuntimeError("no size")


class AttrErrorSizeof:
    def __sizeof__(self):
        raise AttributeError("no size")


class BadSizeofResult:
    def __sizeof__(self):
        return "big"


class NegativeSizeof:
    def __sizeof__(self):
        return -5


class RaisingReprMeta(type):
    def __repr__(cls):
        raise RuntimeError("no repr")


class WithRaisingMeta(metaclass=RaisingReprMeta):
    pass


class UnhashableMeta(type):
    def __eq__(cls, other):
        return cls is other

    __hash__ = None


class WithUnhashableMeta(metaclass=UnhashableMeta):
    pass


class NonStrReprMeta(type):
    def __repr__(cls):
        return 12345


class WithNonStrRepr(metaclass=NonStrReprMeta):
    pass


class LyingClass:
    @property
    def __class__(self):
        return types.FrameType


class RaisingGetattribute:
    def __getattribute__(self, name):
        raise RuntimeError(name)


def hostile_module():
    m = types.ModuleType("hostile")

    def __getattr__(name):
        raise RuntimeError("module getattr " + name)
    m.__getattr__ = __getattr__
    del m.__name__
    return m


def make_hostiles():
    return [RaisingSizeof(), AttrErrorSizeof(), BadSizeofResult(), NegativeSizeof(),
            WithRaisingMeta(), WithUnhashableMeta(), WithNonStrRepr(), LyingClass(),
            RaisingGetattribute(), hostile_module(), weakref.proxy(RaisingSizeof())]


def test_hostile_labels():
    assert summary._repr(WithRaisingMeta()) == __name__ + ".WithRaisingMeta"
    assert summary._repr(WithRaisingMeta) == __name__ + ".RaisingReprMeta"
    assert summary._repr(WithUnhashableMeta()) == __name__ + ".WithUnhashableMeta"
    assert summary._repr(WithNonStrRepr()) == __name__ + ".WithNonStrRepr"
    assert summary._repr(LyingClass()) == __name__ + ".LyingClass"
    assert summary._repr(RaisingGetattribute()) == __name__ + ".RaisingGetattribute"
    m = hostile_module()
    assert summary._repr(m) == "module(nameless, id: %d)" % id(m)


def test_summarize_hostile_objects():
    objs = make_hostiles()
    rows = {r[0]: (r[1], r[2]) for r in summary.summarize(objs)}
    assert sum(c for c, _ in rows.values()) == len(objs)
    basic = _core.basic(objs[0])
    assert rows[__name__ + ".RaisingSizeof"] == (1, basic)
    assert rows[__name__ + ".NegativeSizeof"][1] == _core.basic(objs[3])
    assert __name__ + ".LyingClass" in rows
    assert "weakref.ProxyType" in rows or "weakproxy" in rows


def test_heap_with_hostile_objects_never_raises():
    objs = make_hostiles()
    holder = {"objs": objs}
    tr = tracker.SummaryTracker()
    ot = tracker.ObjectTracker()
    summary.summarize(muppy.get_objects())
    more = make_hostiles()
    d = {r[0]: r[1] for r in tr.diff()}
    assert d[__name__ + ".RaisingSizeof"] == 1
    assert d[__name__ + ".LyingClass"] == 1
    plus = ot.get_diff()["+"]
    assert any(o is more[7] for o in plus)  # the lying class is not taken for a frame
    out = io.StringIO()
    tr.print_diff(stream=out)
    ot.print_diff(stream=out)
    muppy.print_summary(stream=out)
    del holder, more


def test_sizeof_borrowed_from_an_unrelated_c_type():
    # __sizeof__ = list.__sizeof__ on an unrelated class: the C function must
    # not run on it (it would read fields the object does not have).
    classes = [type("Borrowed" + t.__name__, (), {"__sizeof__": t.__sizeof__})
               for t in (list, dict, set, str, bytearray)]
    objs = [c() for c in classes]
    rows = {r[0]: (r[1], r[2]) for r in summary.summarize(objs)}
    for c, o in zip(classes, objs):
        assert rows[__name__ + "." + c.__name__] == (1, _core.basic(o))
    # get_size skips objects whose sys.getsizeof raises, and says so
    out = io.StringIO()
    assert muppy.get_size(objs, stream=out) == 0
    assert out.getvalue().count("IGNORING: type=") == len(objs)


def test_lying_class_is_enumerated():
    liar = LyingClass()
    assert isinstance(liar, types.FrameType)  # what Pympler 1.1 would have tested
    assert any(o is liar for o in muppy.get_objects())


def test_get_size_ignoring(capsys):
    objs = [1, AttrErrorSizeof(), "abc"]
    total = muppy.get_size(objs)
    assert total == sys.getsizeof(1) + sys.getsizeof("abc")
    out = capsys.readouterr().out
    assert out.startswith("IGNORING: type=<class '%s.AttrErrorSizeof'>; o=" % __name__)
    stream = io.StringIO()
    muppy.get_size(objs, stream=stream)
    assert stream.getvalue().startswith("IGNORING: ")

    class NoSizeNoStr(RaisingSizeof):
        def __str__(self):
            raise RuntimeError("no str")

    stream = io.StringIO()
    assert muppy.get_size([RaisingSizeof(), NoSizeNoStr(), 1], stream=stream) == \
        sys.getsizeof(1)
    assert stream.getvalue().count("IGNORING: ") == 2


def test_sort_filter_with_hostiles():
    objs = [[1, 2, 3], RaisingSizeof(), "x", 10 ** 30]
    ordered = muppy.sort(objs)
    sizes = [_core.heap_getsizeof(o) for o in ordered]
    assert sorted(_core.heap_getsizeof(o) for o in objs) == sizes
    assert muppy.filter(objs, Type=str) == ["x"]
    big = sys.getsizeof([1, 2, 3])
    assert muppy.filter(objs, min=big - 1) == [objs[0]] or all(
        _core.heap_getsizeof(o) > big - 1 for o in muppy.filter(objs, min=big - 1))
    assert all(_core.heap_getsizeof(o) < 60 for o in muppy.filter(objs, max=60))
    with pytest.raises(ValueError) as e:
        muppy.filter(objs, min=10, max=5)
    assert str(e.value) == "minimum must be smaller than maximum"


def test_ignore_object():
    assert muppy.ignore_object(sys._getframe())
    assert not muppy.ignore_object(1)

    class Target:
        pass
    p = weakref.proxy(Target())
    gc.collect()
    assert muppy.ignore_object(p)


def test_get_diff_identity_and_order():
    a, b, c = [1], [1], [1]
    res = muppy.get_diff([a, b], [b, c, c])
    assert res["+"] == [c, c] and res["+"][0] is c
    assert len(res["-"]) == 1 and res["-"][0] is a
    assert list(res) == ["+", "-"]


def test_tuple_under_construction():
    """tuple(generator) fills a tracked tuple with NULL slots while the
    generator runs: the walk and summaries must survive it."""
    seen = []

    def gen():
        for i in range(5):
            if i == 3:
                objs = muppy.get_objects()
                seen.append(len(objs))
                seen.append(summary.summarize(objs))
                tr = tracker.SummaryTracker()
                tr.diff()
                tracker.ObjectTracker().get_diff()
                del objs
            yield i * 1000
    t = tuple(gen())
    assert t == (0, 1000, 2000, 3000, 4000)
    assert seen and seen[0] > 0


class Resurrector:
    saved = []

    def __init__(self):
        self.cycle = self

    def __del__(self):
        Resurrector.saved.append(self)


class CollectingSizeof:
    """__sizeof__ that makes garbage, collects it (finalisers resurrect and
    free objects) and mutates the list being summarised."""

    def __init__(self, victim):
        self.victim = victim

    def __sizeof__(self):
        for _ in range(50):
            Resurrector()
        gc.collect()
        del self.victim[:]
        Resurrector.saved.clear()
        return 16


def test_objects_freed_and_resurrected_during_summarize():
    victim = [object() for _ in range(100)]
    objs = [CollectingSizeof(victim)] + victim + [CollectingSizeof(victim)]
    rows = summary.summarize(objs)
    assert sum(r[1] for r in rows) >= 2
    holder = [CollectingSizeof([])]
    tr = tracker.SummaryTracker()
    tr.diff()
    tracker.ObjectTracker().get_diff()
    del holder
    Resurrector.saved.clear()
    gc.collect()


def test_gc_state_restored_and_no_garbage():
    gc.collect()
    before_garbage = len(gc.garbage)
    old_threshold = gc.get_threshold()
    old_debug = gc.get_debug()
    was_enabled = gc.isenabled()
    try:
        for enabled in (False, True):
            if enabled:
                gc.enable()
            else:
                gc.disable()
            gc.set_threshold(123, 4, 5)
            gc.set_debug(gc.DEBUG_UNCOLLECTABLE)
            muppy.get_objects()
            muppy.get_objects(remove_dups=False, include_frames=True)
            summary.summarize(muppy.get_objects())
            tr = tracker.SummaryTracker()
            tr.store_summary("k")
            tr.diff()
            ot = tracker.ObjectTracker()
            ot.get_diff()
            ot.format_diff()
            ot.o0
            muppy.get_referents(tr, 3)
            assert gc.isenabled() is enabled
            assert gc.get_threshold() == (123, 4, 5)
            assert gc.get_debug() == gc.DEBUG_UNCOLLECTABLE
            del tr, ot
            gc.collect()
            assert len(gc.garbage) == before_garbage
    finally:
        gc.set_debug(old_debug)
        gc.set_threshold(*old_threshold)
        if was_enabled:
            gc.enable()
        else:
            gc.disable()


def test_trackers_create_no_cycles():
    gc.collect()
    tr = tracker.SummaryTracker()
    tr.diff()
    tr.store_summary("a")
    ot = tracker.ObjectTracker()
    ot.get_diff()
    ot.format_diff()
    del tr, ot
    assert gc.collect() == 0


def test_bad_arguments_to_engine():
    with pytest.raises(TypeError):
        _core.heap_objects(True, [1])
    with pytest.raises(TypeError):
        _core.heap_summarize([], ("not", "a", "spec"))
    with pytest.raises(TypeError, match="old must be a list"):
        _core.heap_track("not a list")
    with pytest.raises(TypeError, match="ignore must be a tuple"):
        _core.heap_track(None, [1])


def test_c_sizeof_of_any_signature_is_called():
    """3.13's ctypes metatypes define __sizeof__ with METH_METHOD|METH_FASTCALL;
    sys.getsizeof calls it, and so must the summaries."""
    ctypes = pytest.importorskip("ctypes")

    class Point(ctypes.Structure):
        _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_double)]
    objs = [ctypes.c_int, ctypes.c_char_p, Point, ctypes.POINTER(Point)]
    expected = sum(sys.getsizeof(o) for o in objs)
    assert sum(r[2] for r in summary.summarize(objs)) == expected
    assert muppy.get_size(objs) == expected
    assert [_core.heap_getsizeof(o) for o in objs] == [sys.getsizeof(o) for o in objs]
