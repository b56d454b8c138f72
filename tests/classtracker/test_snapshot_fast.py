"""The fast paths of ClassTracker.create_snapshot (issue 7 item 6): level-0
samples built by the engine (`_core.Sizer.samples`), the shared deletion
callback, and the heap total summed in one engine run
(`_core.Sizer.sizes(distinct=True)`).  Each is compared with the slow path
it replaces."""
import gc
import pickle
import sys
import types

import pytest

from pympler import _core, asizeof, classtracker
from pympler.asizeof import Asized
from pympler.classtracker import ClassTracker, TrackedObject


class Plain(object):
    def __init__(self, i=0):
        self.i = i + 10 ** 6
        self.s = 'x%d' % i
        self.l = [i, 'y' * (i % 7)]
        self.d = {'k': i}


class Slotted(object):
    __slots__ = ('a', 'b', '__weakref__')

    def __init__(self, i=0):
        self.a = [i] * (i % 5)
        self.b = (i, str(i))


class Named(Plain):
    """An instance with its own __name__: the name of its samples."""

    def __init__(self, i=0, name='named'):
        Plain.__init__(self, i)
        self.__name__ = name


class LongRepr(Plain):
    def __repr__(self):
        return 'long\nrepr ' + 'z' * (40 + self.i % 300)


class RaisingRepr(Plain):
    def __repr__(self):
        raise ValueError('no repr')


class StrSub(str):
    pass


class SubRepr(Plain):
    def __repr__(self):
        return StrSub('a str subclass ' * 12)


class NotStrRepr(Plain):
    """repr() raises TypeError: __repr__ returned non-string."""

    def __repr__(self):
        return 42


KINDS = (Plain, Slotted, Named, LongRepr, RaisingRepr, SubRepr, NotStrRepr)


def _tree(a):
    return (a.name, a.size, a.flat, tuple(_tree(r) for r in a.refs))


def _build(tracker, n, levels, seed=0):
    """n objects of the generated kinds, some referring to earlier ones
    (references between tracked objects) and to a shared list."""
    shared = list(range(30))
    objs = []
    for i in range(n):
        kind = KINDS[(i + seed) % len(KINDS)]
        o = kind(i)
        if isinstance(o, Plain):
            o.shared = shared
            if objs and i % 3 == 0:
                o.peer = objs[i // 2]
        objs.append(o)
        tracker.track_object(o, resolution_level=levels[(i + seed) % len(levels)])
    return objs, shared


def _one_by_one(tracker, ts):
    """What the snapshot must hold: TrackedObject.track_size object by
    object, oldest first, with one sizer excluding every tracked object."""
    tracked = sorted(tracker.objects.values(), key=lambda t: t.birth)
    sizer = asizeof.Asizer()
    sizer.exclude_refs(*[t.ref() for t in tracked if t.ref() is not None])
    out = []
    for t in tracked:
        t.track_size(ts, sizer)
        s = t.snapshots.pop()[1]
        out.append((_tree(s), t.repr))
    return out, sizer.total


@pytest.mark.parametrize('levels', [(0,), (0, 0, 1), (0, 1, 2), (2, 0)])
def test_samples_equal_slow_path(levels):
    tracker = ClassTracker()
    objs, shared = _build(tracker, 60, levels, seed=len(levels))
    dead = Plain()
    tracker.track_object(dead, name='dead')
    del dead
    gc.collect()
    tracker.create_snapshot()
    snap = tracker.snapshots[-1]
    tracked = sorted(tracker.objects.values(), key=lambda t: t.birth)
    got = [(_tree(t.snapshots[-1][1]), t.repr) for t in tracked]
    for t in tracked:
        t.repr = ''
    want, total = _one_by_one(tracker, snap.timestamp)
    assert got == want
    assert snap.tracked_total == total
    del objs, shared


def test_all_level0_fast_path_matches_and_names():
    tracker = ClassTracker()
    objs, _ = _build(tracker, 70, (0,))
    tracker.create_snapshot()
    ts = tracker.snapshots[-1].timestamp
    tracked = sorted(tracker.objects.values(), key=lambda t: t.birth)
    got = [(_tree(t.snapshots[-1][1]), t.repr) for t in tracked]
    want, _ = _one_by_one(tracker, ts)
    assert got == want
    by_kind = {type(t.ref()): t for t in tracked}
    named = by_kind[Named].snapshots[-1][1]
    assert named.name == 'named'
    long = by_kind[LongRepr]
    assert '\n' not in long.snapshots[-1][1].name and '\\n' in long.snapshots[-1][1].name
    assert len(long.snapshots[-1][1].name) <= 80 and '....' in long.snapshots[-1][1].name
    assert long.repr.startswith('long\nrepr') and len(long.repr) == 128
    assert by_kind[RaisingRepr].repr == 'N/A'
    assert by_kind[RaisingRepr].snapshots[-1][1].name.startswith('<')
    assert type(by_kind[SubRepr].repr) is str or isinstance(by_kind[SubRepr].repr, StrSub)


def test_level0_samples_are_asized_and_untracked_by_gc():
    tracker = ClassTracker()
    objs = [Plain(i) for i in range(20)]
    for o in objs:
        tracker.track_object(o)
    tracker.create_snapshot()
    for t in tracker.objects.values():
        ts, sample = t.snapshots[-1]
        assert type(sample) is Asized
        assert sample.refs == () and sample.size > 0 and sample.flat > 0
        assert isinstance(sample.name, str)
        # atoms only: the collector need not traverse a sample, like a
        # tuple of atoms (and then the (ts, sample) pair is untracked too)
        assert not gc.is_tracked(sample)
    gc.collect()
    assert not any(gc.is_tracked(t.snapshots[-1]) for t in tracker.objects.values())
    # still an ordinary Asized
    s = next(iter(tracker.objects.values())).snapshots[-1][1]
    assert 'size %r' % s.size in str(s) and s.format().startswith(s.name)


def test_keyboard_interrupt_in_repr_propagates():
    class Interrupting(Plain):
        def __repr__(self):
            raise KeyboardInterrupt

    tracker = ClassTracker()
    o = Interrupting()
    tracker.track_object(o)
    with pytest.raises(KeyboardInterrupt):
        tracker.create_snapshot()
    # the tracker still works afterwards
    del Interrupting.__repr__
    tracker.create_snapshot()
    assert tracker.snapshots[-1].tracked_total > 0


def test_core_samples_bad_arguments():
    z = _core.Sizer()
    with pytest.raises(TypeError, match='__slots__ member size'):
        z.samples((1,), 0.5, Plain, 80, 128, repr)
    with pytest.raises(TypeError, match='callable'):
        z.samples((1,), 0.5, Asized, 80, 128, None)
    with pytest.raises(TypeError):
        z.samples([1], 0.5, Asized, 80, 128, repr)
    with pytest.raises(TypeError, match=r'slow\(\) must return'):
        z.samples((RaisingRepr(),), 0.5, Asized, 80, 128, lambda o: 'bad')
    pairs, reprs = _core.Sizer().samples((), 0.5, Asized, 80, 128, repr)
    assert pairs == () and reprs == ()
    objs = ([1, 2], 'abc')
    pairs, reprs = _core.Sizer().samples(objs, 0.5, Asized, 80, 128, repr)
    assert [p[0] for p in pairs] == [0.5, 0.5]
    want = asizeof.Asizer().asized(*objs)
    assert [_tree(s) for _, s in pairs] == [_tree(a) for a in want]
    assert reprs == ('[1, 2]', "'abc'")


def test_on_delete_shared_per_name_and_not_pickled():
    tracker = ClassTracker()
    objs = [Plain(i) for i in range(5)]
    for o in objs:
        tracker.track_object(o)
    other = Slotted()
    tracker.track_object(other)
    tobjs = [tracker.objects[id(o)] for o in objs]
    # one callback for the history list of a name: no partial, no instance
    # dict per tracked object
    assert len({id(t.on_delete) for t in tobjs}) == 1
    assert tracker.objects[id(other)].on_delete is not tobjs[0].on_delete
    assert 'on_delete' in TrackedObject.__slots__
    assert tobjs[0].id == id(objs[0])
    state = tobjs[0].__getstate__()
    assert 'on_delete' not in state and 'ref' not in state
    clone = pickle.loads(pickle.dumps(tobjs[0]))
    assert clone.id == tobjs[0].id and clone.name == 'Plain'
    del objs[:2]
    gc.collect()
    assert [c for _, c in tracker.history['Plain']] == [1, 2, 3, 4, 5, 4, 3]
    # a history list replaced by the user gets its own callback
    tracker.history['Plain'] = []
    extra = Plain()
    tracker.track_object(extra)
    del extra
    gc.collect()
    assert [c for _, c in tracker.history['Plain']] == [1, 0]


# ---- the heap total in one engine run ---------------------------------------

def _heap_set():
    fresh = types.ModuleType('fresh_for_pympler_test')   # a dict of atoms: untracked
    fresh.text = 'abc' * 100
    holder = [fresh, [1, 2, 'xyz' * 50], {'m': sys.modules['json']}]
    import json  # noqa: F401 - reached through holder and as a root
    objs = [holder, Plain(3), Slotted(4), sys.modules['json'], fresh]
    objs += [Plain(i) for i in range(20)]
    objs.append(objs[1].__dict__ if hasattr(objs[1], '__dict__') else None)
    return tuple(objs), holder


@pytest.mark.parametrize('code', [False, True])
@pytest.mark.parametrize('once', [False, True])
def test_sizes_distinct_equals_sum_of_sizes(code, once):
    objs, holder = _heap_set()
    a = asizeof.Asizer(code=code)
    b = asizeof.Asizer(code=code)
    want = sum(a._sizer.sizes(objs, once=once))
    got = b._sizer.sizes(objs, once=once, distinct=True)
    assert got == want
    assert b.total == want


def test_sizes_distinct_collector_objects():
    """asizeof(all=True)'s run: the collector's objects (frames aside, whose
    locals change between the two runs) give the same sum both ways."""
    def run():
        t = tuple(o for o in gc.get_objects() if not isinstance(o, types.FrameType))
        z1 = asizeof.Asizer(code=True)
        z1.exclude_objs(t)
        got = z1._sizer.sizes(t, once=True, distinct=True)
        z2 = asizeof.Asizer(code=True)
        z2.exclude_objs(t)
        want = sum(z2._sizer.sizes(t, once=True))
        return got, want
    got, want = run()
    assert got == want


def test_sizes_distinct_bad_combination():
    with pytest.raises(ValueError, match='distinct'):
        _core.Sizer().sizes((1,), tree=True, distinct=True)


def test_asizeof_all_uses_one_run(monkeypatch):
    calls = []
    real = asizeof.Asizer.asizesof

    def spy(self, *objs, **kw):
        calls.append(len(objs))
        return real(self, *objs, **kw)
    monkeypatch.setattr(asizeof.Asizer, 'asizesof', spy)
    assert asizeof.asizeof(all=True, code=True) > 0
    assert calls == []
    # a depth limit changes which objects a walk counts: the per-object sum
    assert asizeof.asizeof(all=True, limit=3) > 0
    assert len(calls) == 1


def test_compute_total_still_subtracts_overhead():
    tracker = ClassTracker()
    objs = [Plain(i) for i in range(50)]
    for o in objs:
        tracker.track_object(o)
    tracker.create_snapshot(compute_total=True)
    snap = tracker.snapshots[-1]
    assert snap.overhead > 0 and snap.asizeof_total > snap.tracked_total > 0
    snap.system_total.available = False      # the process's size aside
    assert classtracker.Snapshot.total.fget(snap) == snap.asizeof_total


def test_samples_share_equal_ints():
    """Equal sizes in one snapshot are one int object: the tracker keeps one
    sample per object per snapshot, and sizes them again as its overhead."""
    tracker = ClassTracker()
    objs = [Plain(i) for i in range(200)]
    for o in objs:
        tracker.track_object(o)
    tracker.create_snapshot()
    samples = [t.snapshots[-1][1] for t in tracker.objects.values()]
    sizes = [s.size for s in samples]
    assert len({id(s) for s in sizes}) == len(set(sizes)) < len(sizes)
    assert all(type(s) is int for s in sizes)


def test_many_excluded_refs_still_exact():
    """Thousands of marks (exclude_refs, positional) grow the engine's bloom
    filter; excluded objects stay uncounted and the others counted, also
    after clear() shrinks it again."""
    objs = [Plain(i) for i in range(5000)]
    holder = [objs[::2], [Slotted(i) for i in range(50)]]
    z = asizeof.Asizer()
    z.exclude_refs(*objs)
    got = z.asizeof(holder)
    # the same holder with the excluded instances replaced by None (16 bytes,
    # counted once): the excluded ones add nothing
    assert got == asizeof.asizeof([[None] * len(holder[0]), holder[1]]) - 16
    z.reset()
    assert z.asizeof(holder) == asizeof.asizeof(holder)
    # positional objects (sized once each) with many marks
    z2 = asizeof.Asizer()
    assert z2.asizesof(*objs) == asizeof.asizesof(*objs)


@pytest.mark.parametrize('level', [1, 2])
def test_deeper_samples_untracked_by_gc(level):
    """Trees of atoms at levels > 0 and their pairs are untracked too (and
    the engine's node tuples, read once into them): a snapshot of many
    trees triggers no full collection."""
    tracker = ClassTracker()
    objs = [Plain(i) for i in range(30)]
    for o in objs:
        tracker.track_object(o, resolution_level=level)
    tracker.create_snapshot()
    for t in tracker.objects.values():
        pair = t.snapshots[-1]
        assert pair[1].refs and not gc.is_tracked(pair) and not gc.is_tracked(pair[1])
        assert not any(gc.is_tracked(r) for r in pair[1].refs)


def test_sample_pair():
    tree = asizeof.asized([1, [2, 3], {'a': 'b'}], detail=2)
    pair = _core.sample_pair(1.5, tree, Asized)
    assert pair == (1.5, tree)
    assert not gc.is_tracked(pair) and not gc.is_tracked(tree)
    assert not any(gc.is_tracked(r) for r in tree.refs)
    # anything but atoms: nothing untracked
    odd = Asized(1, 2, [Asized(3, 4, name='x')], name=['not', 'a', 'str'])
    pair = _core.sample_pair(1.5, odd, Asized)
    assert gc.is_tracked(pair) and gc.is_tracked(odd) and gc.is_tracked(odd.refs[0])

    class Sub(Asized):
        __slots__ = ()
    sub = Asized(1, 2, [Sub(3, 4)], name='s')
    assert gc.is_tracked(_core.sample_pair(0.5, sub, Asized))
    with pytest.raises(TypeError, match='__slots__ member'):
        _core.sample_pair(0.5, sub, Plain)


def test_node_tuples_untracked():
    node = _core.Sizer().sizes(([1, [2]],), tree=True)[0]
    assert node[2] > 0 and not gc.is_tracked(node)


def test_default_reprs_built_by_the_engine_equal_repr():
    """Instances keeping object.__repr__ get their repr built without a
    format per object; it must be exactly repr()'s, also for the odd cases
    that take CPython's own way (module not a str, 'builtins', non-ASCII)."""
    class Outer(object):
        class Inner(object):
            pass

    def cls(name, **attrs):
        return type(name, (object,), attrs)

    odd_module = cls('OddModule', __module__=42)
    builtin_module = cls('BuiltinModule', __module__='builtins')
    non_ascii = cls('Ünïcode', __module__='mödule')
    long_name = cls('L' * 300, __module__='m' * 100)
    kinds = [Plain, Slotted, Outer, Outer.Inner, odd_module, builtin_module, non_ascii,
             long_name, Outer, Plain]
    objs = tuple(k() for k in kinds)
    pairs, reprs = _core.Sizer().samples(objs, 0.0, Asized, 80, 128, repr)
    want = []
    for o in objs:
        r = repr(o)
        want.append(r if len(r) <= 128 else r[:124] + '..' + r[-2:])
    assert list(reprs) == want
    assert [s.name for _, s in pairs] == [asizeof._nameof(o, 80) for o in objs]


def test_overhead_same_with_last_call_shortcut(monkeypatch):
    """The overhead is sized by the snapshot's sizer as its last call (the
    engine may then skip recording singly-owned objects): the same value
    as with a sizer that keeps everything, on an identical tracker."""
    objs = [Plain(i) for i in range(300)]

    def overheads():
        tracker = ClassTracker()
        for o in objs:
            tracker.track_object(o)
        tracker.create_snapshot()
        tracker.create_snapshot()
        return [s.overhead for s in tracker.snapshots]
    got = overheads()
    monkeypatch.setattr(asizeof.Asizer, '_once', property(lambda self: False,
                                                          lambda self, value: None),
                        raising=False)
    assert overheads() == got
