"""The C heap engine against the pure-Python oracle (tests/heap/oracle_heap.py)."""
import gc
import subprocess
import sys
import textwrap

import oracle_heap as oracle
import pytest

from pympler import _core, muppy, summary


def _ids(objs):
    return [id(o) for o in objs]


@pytest.mark.parametrize("remove_dups", [True, False])
def test_enumeration_equals_oracle(remove_dups):
    keep = [{"untracked": 1}, (1, 2.5, "x" * 40), [object(), {}], {"k": [1]}]
    gc.collect()
    ours = _core.heap_objects(remove_dups)
    theirs = oracle.objects_from(gc.get_objects(), exclude=(ours,), remove_dups=remove_dups)
    assert _ids(ours) == _ids(theirs)
    del keep


class _Attrs:
    pass


def test_get_objects_is_collect_plus_walk():
    shared = _Attrs()
    shared.a = [1]              # a tracked value: the dict below is tracked
    shared.b = 2.5 * len(sys.argv)  # an untracked value with one reference
    shared.__dict__             # 3.13: a dict sharing the inline values
    single = [float(len(sys.argv)) + 0.5, "u-%d" % id(shared)]
    objs = muppy.get_objects()
    assert any(o is shared.b for o in objs) and any(o is single[0] for o in objs)
    ids = set(_ids(objs))
    assert len(ids) == len(objs)  # remove_dups
    for o in objs:
        assert type(o).__name__ != "frame"
    assert id(objs) not in ids


def test_summary_totals_equal_oracle():
    gc.collect()
    objs = _core.heap_objects()
    # Warm up first: on 3.9/3.10 a code object grows an opcache (and its
    # __sizeof__ with it) once it has run often enough.
    oracle.summarize(objs)
    summary.summarize(objs)
    ours = oracle.as_dict(summary.summarize(objs))
    theirs = oracle.summarize(objs)
    assert ours == theirs
    assert sum(c for c, _ in ours.values()) == len(objs)


def test_heap_summary_equals_summarize_of_walk():
    gc.collect()
    objs = _core.heap_objects()
    oracle.summarize(objs)  # warm up (see above)
    _core.heap_summary(summary._label_spec(), (objs,))
    rows = _core.heap_summary(summary._label_spec(), (objs,))
    assert oracle.as_dict(rows) == oracle.summarize(objs)


def test_small_heap_in_fresh_interpreter():
    """A tiny heap (-I -S, nothing imported but pympler): the whole
    get_objects/summarize pipeline against the oracle, exactly."""
    code = textwrap.dedent("""
        import gc, sys
        sys.path[:0] = %r
        import oracle_heap as oracle
        from pympler import _core, summary
        data = [{"a": 1}, {"b": [2]}, (3, "four"), 5.5, "six" * 3]
        gc.collect()
        ours = _core.heap_objects()
        theirs = oracle.objects_from(gc.get_objects(), exclude=(ours,))
        assert [id(o) for o in ours] == [id(o) for o in theirs], "enumeration"
        oracle.summarize(ours), summary.summarize(ours)  # warm up code objects
        assert oracle.as_dict(summary.summarize(ours)) == oracle.summarize(ours), "summary"
        for d in data[:2]:
            assert any(o is d for o in ours), "untracked dict missing"
        print("OK", len(ours))
    """) % ([p for p in sys.path if p],)
    out = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("OK")


def test_untracked_dict_referenced_by_tracked_appears():
    d = {"a": 1, "b": "two"}
    holder = [d]
    gc.collect()
    if gc.is_tracked(d):  # pragma: no cover - depends on CPython's lazy tracking
        pytest.skip("dict is tracked on this interpreter")
    objs = muppy.get_objects()
    assert any(o is d for o in objs)
    del holder


def test_untracked_tuple_after_collect_appears():
    t = (1, "a", 2.0)
    holder = [t]
    objs = muppy.get_objects()  # collects first: t becomes untracked
    assert not gc.is_tracked(t)
    assert any(o is t for o in objs)
    del holder


def test_frames_excluded_and_included():
    objs = muppy.get_objects()
    assert not any(type(o).__name__ == "frame" for o in objs)

    def inner():
        return muppy.get_objects(include_frames=True)

    objs = inner()
    frames = [o for o in objs if type(o).__name__ == "frame"]
    me = sys._getframe()
    # inner's frame (the caller of get_objects) is excluded; ours is its caller.
    assert frames and frames[0] is me
    assert not any(f.f_code is inner.__code__ for f in frames)


@pytest.mark.parametrize("include_frames", [False, True])
def test_get_objects_creates_no_cycles(include_frames):
    gc.collect()
    objs = muppy.get_objects(include_frames=include_frames)
    del objs
    assert gc.collect() == 0


def test_referents_levels_equal_oracle():
    a = [1, [2, [3, [4, [5]]]], {"k": ("v", [6])}]
    for level in (1, 2, 3, 4, 6):
        ours = muppy.get_referents(a, level)
        theirs = oracle.referents(a, level)
        assert sorted(_ids(ours)) == sorted(_ids(theirs))
        assert len(set(_ids(ours))) == len(ours)


def test_referents_exactly_level_steps():
    chain = [0]
    node = chain
    for i in range(1, 50):
        new = [i]
        node.append(new)
        node = new
    lists = [o for o in muppy.get_referents(chain, 3) if isinstance(o, list)]
    assert len(lists) == 3  # [1, ...], [2, ...], [3, ...]: never the whole chain
    assert muppy.get_referents(chain, 0) == muppy.get_referents(chain, 1)


def test_referents_of_untracked_and_non_gc():
    assert muppy.get_referents(12345) == []
    assert muppy.get_referents("text", 3) == []
    t = (1, 2)
    assert sorted(muppy.get_referents(t)) == [1, 2]


def test_summary_diff_semantics():
    left = [["a", 1, 10], ["b", 2, 20]]
    right = [["b", 5, 50], ["c", 3, 30]]
    res = summary.get_diff(left, right)
    assert sorted(res) == [["a", -1, -10], ["b", 3, 30], ["c", 3, 30]]
    assert any(r is right[1] for r in res)  # only in right: the row itself
    assert summary.get_diff([], []) == []
    assert sorted(summary.get_diff(left, left)) == [["a", 0, 0], ["b", 0, 0]]
