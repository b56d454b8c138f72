"""pympler.mprofile: code point patterns (spec 14's examples), what run()
records, the heap size each event measures (one C call, compared with muppy),
and that the previous profile hook comes back, also on errors."""
import gc
import sys

import pytest

from pympler import _core, muppy
from pympler.mprofile import MProfiler, heap_size

CP = ('foo', 'bar', 42)


@pytest.mark.parametrize('pattern', [(None, None, None), ('foo', None, None),
                                     (None, 'bar', None), (None, None, 42),
                                     ('foo', 'bar', None)])
def test_codepoint_patterns_that_match(pattern):
    assert MProfiler(codepoints=[pattern]).codepoint_included(CP)


@pytest.mark.parametrize('pattern', [('bar', None, None), (None, 'foo', None),
                                     (None, None, 0), ('bar', 'foo', 42)])
def test_codepoint_patterns_that_do_not_match(pattern):
    assert not MProfiler(codepoints=[pattern]).codepoint_included(CP)
    # a list matches when any entry matches
    assert MProfiler(codepoints=[pattern, ('foo', None, None)]).codepoint_included(CP)


def test_no_codepoints_means_all():
    assert MProfiler().codepoint_included(CP)
    assert not MProfiler(codepoints=[]).codepoint_included(CP)


def grow(n):
    data = [bytearray(1000) for _ in range(n)]
    return len(data)                      # 'return' event: data still alive


@pytest.fixture
def in_main(monkeypatch):
    # the __main__ of the moment, as run() looks it up
    monkeypatch.setitem(sys.modules['__main__'].__dict__, 'grow', grow)


def test_run_records_calls_min_and_max(in_main):
    p = MProfiler(codepoints=[(__file__, 'grow', None)], events=['call', 'return'])
    assert p.run('grow(10); grow(20000); grow(10)') is p
    code = grow.__code__
    call_cp = (__file__, 'grow', code.co_firstlineno)
    return_cp = (__file__, 'grow', code.co_firstlineno + 2)
    assert set(p.memories) == {call_cp, return_cp}
    calls, lo, hi, zero = p.memories[return_cp]
    assert (calls, zero) == (3, 0)
    # at the big call's return, 20000 bytearrays of ~1 KB more were alive
    assert hi - lo >= 20000 * 1000
    assert p.memories[call_cp][0] == 3
    assert p.memories[call_cp][2] - p.memories[call_cp][1] < 20000 * 1000


def test_events_filter(in_main):
    p = MProfiler(codepoints=[(None, 'grow', None)], events=['return'])
    p.run('grow(5)')
    assert list(p.memories) == [(__file__, 'grow', grow.__code__.co_firstlineno + 2)]
    p = MProfiler(events=['c_call'])
    p.run('sorted([2, 1])')
    # run()'s own calls (exec, sys.setprofile) are not recorded
    assert list(p.memories) == [('<string>', '<module>', 1)]


def test_size_is_getsizeof_over_the_live_objects():
    gc.collect()
    count, total = _core.heap_total()
    objs = muppy.get_objects()
    expected = muppy.get_size(objs)
    assert abs(len(objs) - count) < max(500, count // 100)
    assert abs(total - expected) < max(200000, expected // 50)
    del objs
    assert abs(heap_size() - total) < max(200000, total // 50)


def test_new_objects_are_counted():
    before = heap_size()
    keep = [[i] for i in range(50000)]
    after = heap_size()
    assert after - before >= 50000 * sys.getsizeof([0])
    del keep


class RaisingSizeof(object):
    def __sizeof__(self):
        raise RuntimeError('no size')


def test_raising_sizeof_in_the_heap_is_harmless(in_main):
    hostile = [RaisingSizeof() for _ in range(3)]
    p = MProfiler(codepoints=[(None, 'grow', None)])
    p.run('grow(1)')
    assert len(p.memories) == 2
    count, total = _core.heap_total()
    assert count > 0 and total > 0
    del hostile


def test_previous_hook_restored_also_on_error():
    seen = []

    def outer(frame, event, arg):
        seen.append(event)

    sys.setprofile(outer)
    try:
        p = MProfiler()
        p.run('x = 1')
        assert sys.getprofile() is outer
        with pytest.raises(ZeroDivisionError):
            p.run('1 / 0')
        assert sys.getprofile() is outer
    finally:
        sys.setprofile(None)
    assert sys.modules['__main__'].__dict__.pop('x') == 1     # ran in __main__'s namespace


def test_heap_total_argument_checks():
    with pytest.raises(TypeError):
        _core.heap_total(None, None)
    keep = [object() for _ in range(1000)]
    count, _ = _core.heap_total()
    count_without, _ = _core.heap_total((keep,))
    assert count - count_without >= 1000
