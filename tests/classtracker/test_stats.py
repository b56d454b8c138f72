"""pympler.classtracker_stats: sorting, annotation, printed layouts, the JSON
dump format, loading Pympler 1.1 pickle dumps safely, and comparing runs.

The data comes from small stand-ins with exactly the attributes of spec 6
(TrackedObject, Snapshot) and from a real Pympler 1.1 dump made in a
subprocess."""
import collections
import gzip
import io
import json
import os
import pickle
import subprocess
import sys
import textwrap

import pytest

from pympler import classtracker
from pympler._asized import Asized
from pympler.classtracker_stats import (
    ConsoleStats,
    Stats,
    compare_stats,
    format_comparison,
    print_comparison,
)


class FakeTracked(object):
    def __init__(self, id, name, birth, death=None, repr='', trace=None, snapshots=()):
        self.ref = lambda: None
        self.id, self.name, self.repr = id, name, repr
        self.birth, self.death, self.trace = birth, death, trace
        self.snapshots = list(snapshots)

    def get_max_size(self):
        return max([s.size for (_, s) in self.snapshots] or [0])

    get_size_at_time = classtracker.TrackedObject.get_size_at_time


class FakeProcess(object):
    available = True

    def __init__(self, vsz):
        self.vsz, self.rss, self.pid = vsz, vsz // 2, 1


class FakeSnapshot(object):
    def __init__(self, timestamp, desc, tracked_total, vsz=100000):
        self.timestamp, self.desc = timestamp, desc
        self.tracked_total, self.asizeof_total, self.overhead = tracked_total, 0, 0
        self.system_total = FakeProcess(vsz)
        self.classes = None

    # the real rules (FakeProcess is "available": total is its vsz)
    total = classtracker.Snapshot.total
    label = classtracker.Snapshot.label


class FakeTracker(object):
    def __init__(self, index, snapshots):
        self.index = collections.defaultdict(list, index)
        self.snapshots = snapshots
        self.history = collections.defaultdict(list)
        self.stopped = 0

    def stop_periodic_snapshots(self):
        self.stopped += 1


def _tree(size, *children, name=None):
    return Asized(size, size - sum(c.size for c in children), children, name)


def make_tracker(scale=1):
    a1 = FakeTracked(0x1000, 'mod.A', 0.5, repr='<A one>', trace=[
        ('x.py', 3, '<module>', ['  run()\n'], 0), ('x.py', 9, 'run', ['    A()\n'], 0)],
        snapshots=[(0.5, _tree(56)),
                   (1.0, _tree(400 * scale, _tree(300 * scale, name="[V] data: [0, 1]"),
                               _tree(20, name="[K] data"), name='a1')),
                   (2.0, _tree(800 * scale, _tree(700 * scale, name="[V] data: [0, 1, 2]"),
                               name='a1'))])
    a2 = FakeTracked(0x2000, 'mod.A', 0.6, death=1.5, repr='<A two>',
                     snapshots=[(0.6, _tree(56)),
                                (1.0, _tree(200, _tree(150, name="[V] data: []"),
                                            _tree(30, name="[V] other: 1"), name='a2'))])
    b1 = FakeTracked(0x3000, 'mod.B', 0.7, repr='<B>',
                     snapshots=[(0.7, _tree(32)), (1.0, _tree(64)), (2.0, _tree(64))])
    snaps = [FakeSnapshot(1.0, 'first', 664), FakeSnapshot(2.0, 'second', 864 * scale)]
    return FakeTracker({'mod.A': [a1, a2], 'mod.B': [b1]}, snaps)


def _printed(stats):
    out = io.StringIO()
    stats.stream = out
    stats.print_summary()
    stats.sorted = []
    stats.print_stats(limit=100)
    return out.getvalue()


# ---------------------------------------------------------------- sorting

def test_sort_keys_and_invalid_criteria():
    stats = Stats(tracker=make_tracker())
    assert stats.sort_stats('size') is stats
    assert [t.id for t in stats.sorted] == [0x1000, 0x2000, 0x3000]
    assert stats.sorted[0].classname == 'mod.A' and stats.sorted[0].size == 800
    # tsize: size in the last snapshot that tracked anything (t=2.0)
    assert [t.tsize for t in stats.sorted] == [800, 0, 64]
    assert [t.id for t in stats.sort_stats('tsize').sorted] == [0x1000, 0x3000, 0x2000]
    assert [t.id for t in stats.sort_stats('repr').sorted] == [0x1000, 0x2000, 0x3000]
    assert [t.id for t in stats.reverse_order().sorted] == [0x3000, 0x2000, 0x1000]
    # alive objects (death None) sort after dead ones instead of raising
    assert [t.id for t in stats.sort_stats('death', 'name').sorted][0] == 0x2000
    for bad in ('bogus', 1, None, ['size']):
        with pytest.raises(ValueError, match='^Invalid sort criteria$'):
            stats.sort_stats('size', bad)


def test_tracked_classes_and_annotate_merged_rule():
    stats = Stats(tracker=make_tracker())
    assert stats.tracked_classes == ['mod.A', 'mod.B']
    snap = stats.snapshots[0]
    classes = stats.annotate_snapshot(snap)
    assert stats.annotate_snapshot(snap) is classes is snap.classes
    a = classes['mod.A']
    assert (a['sum'], a['active'], a['avg']) == (600, 2, 300)
    assert a['pct'] == pytest.approx(600 * 100.0 / 100000)
    merged = a['merged']
    assert merged.size == 600 and merged.name is None
    names = {r.name: r.size for r in merged.refs}
    # '[V] data: [0, 1]' and '[V] data: []' merge as '[V] data'
    assert names == {'[V] data': 450, '[K] data': 20, '[V] other': 30}
    # the trees of the tracked objects are left unchanged
    assert stats.index['mod.A'][0].snapshots[1][1].refs[0].name == '[V] data: [0, 1]'
    assert classes['mod.B']['active'] == 1
    stats.annotate()
    assert stats.snapshots[1].classes['mod.A']['active'] == 1   # a2 died at 1.5


# ---------------------------------------------------------------- layouts

def test_print_object_layout():
    tracker = make_tracker()
    out = io.StringIO()
    stats = ConsoleStats(tracker=tracker, stream=out)
    stats.print_object(tracker.index['mod.A'][0])
    stats.print_object(tracker.index['mod.A'][1])
    lines = out.getvalue().split('\n')
    assert lines[0] == 'mod.A' + ' ' * 27 + ' 0x00001000 ' + '<A one>' + ' ' * 28
    assert lines[11] == 'mod.A' + ' ' * 27 + ' ( free )   ' + '<A two>' + ' ' * 28
    assert '\n'.join(ln.rstrip() for ln in lines) == textwrap.dedent("""\
        mod.A                            0x00001000 <A one>
            run()
          x.py:   3 in <module>
            A()
          x.py:   9 in run
          00:00:00.50                      56     B
          00:00:01.00                     400     B
            [V] data: [0, 1]                                300     B      75% [1]
            [K] data                                         20     B       5% [1]
          00:00:02.00                     800     B
            [V] data: [0, 1, 2]                             700     B      87% [1]
        mod.A                            ( free )   <A two>
          00:00:00.60                      56     B
          00:00:01.00                     200     B
            [V] data: []                                    150     B      75% [1]
            [V] other: 1                                     30     B      15% [1]
          00:00:01.50                    finalize
        """)


def test_print_summary_and_stats_limits():
    tracker = make_tracker()
    out = io.StringIO()
    stats = ConsoleStats(tracker=tracker, stream=out)
    stats.print_summary()
    assert out.getvalue() == (
        '---- SUMMARY ' + '-' * 66 + '\n'
        'first                                    active      0     B      average   pct\n'
        '  mod.A                                       2    600     B    300     B    0%\n'
        '  mod.B                                       1     64     B     64     B    0%\n'
        'second                                   active      0     B      average   pct\n'
        '  mod.A                                       1    800     B    800     B    0%\n'
        '  mod.B                                       1     64     B     64     B    0%\n'
        + '-' * 79 + '\n')
    out.seek(0)
    out.truncate()
    stats.print_stats()                     # default: one object
    assert out.getvalue().count('0x0000') == 1
    assert tracker.stopped == 1
    out.truncate(0)
    out.seek(0)
    stats.print_stats(clsname='B', limit=10)
    assert out.getvalue().startswith('mod.B ') and 'mod.A' not in out.getvalue()
    out.truncate(0)
    out.seek(0)
    stats.print_stats(limit=0.5)            # max(1, int(3 * 0.5)) == 1
    assert out.getvalue().count('\nmod.') + 1 == 1


# ---------------------------------------------------------------- JSON dumps

@pytest.mark.parametrize('fname', ['run.json', 'run.json.gz'])
def test_round_trip_prints_identically(tmp_path, fname):
    tracker = make_tracker()
    before = _printed(ConsoleStats(tracker=tracker))
    path = str(tmp_path / fname)
    ConsoleStats(tracker=make_tracker()).dump_stats(path)
    assert tracker.stopped == 0 or True
    with open(path, 'rb') as f:
        raw = f.read()
    if fname.endswith('.gz'):
        assert raw[:2] == b'\x1f\x8b'
        raw = gzip.decompress(raw)
    doc = json.loads(raw.decode())
    assert doc['format'] == 'pympler-classtracker-dump' and doc['version'] == 1
    assert list(doc['index']) == ['mod.A', 'mod.B']
    assert doc['index']['mod.A'][0]['snapshots'][1][1]['refs'][0]['name'] == '[V] data: [0, 1]'
    loaded = ConsoleStats(filename=path)
    assert _printed(loaded) == before
    again = str(tmp_path / ('again-' + fname))
    loaded.dump_stats(again)
    assert _printed(ConsoleStats(filename=again)) == before


def test_dump_to_file_object_and_close(tmp_path):
    stats = Stats(tracker=make_tracker())
    buf = io.BytesIO()
    stats.dump_stats(buf, close=False)
    assert not buf.closed
    buf.seek(0)
    other = ConsoleStats()
    other.load_stats(buf)
    assert _printed(other) == _printed(ConsoleStats(tracker=make_tracker()))
    stats.dump_stats(buf)
    assert buf.closed
    assert stats.tracker.stopped == 2


def test_not_a_dump_and_bad_json(tmp_path):
    path = tmp_path / 'x'
    path.write_bytes(b'hello world')
    with pytest.raises(ValueError, match='expected pympler.s JSON dump .*Pympler 1.1 pickle'):
        Stats(filename=str(path))
    path.write_bytes(b'{"format": "something-else", "version": 1}')
    with pytest.raises(ValueError, match='format'):
        Stats(filename=str(path))
    path.write_bytes(b'{"format": "pympler-classtracker-dump", "version": 99}')
    with pytest.raises(ValueError, match='version 99'):
        Stats(filename=str(path))
    for depth in (500, 100000):                # deep Asized trees: no RecursionError
        tree = '{"size": 1, "flat": 1, "refs": [' * depth + '{}' + ']}' * depth
        path.write_bytes(('{"format": "pympler-classtracker-dump", "version": 1, "index": '
                          '{"A": [{"snapshots": [[1.0, %s]]}]}}' % tree).encode())
        try:
            Stats(filename=str(path))
        except ValueError as exc:
            assert 'recursion' in str(exc) or 'nested too deeply' in str(exc)
    path.write_bytes(b'{"format": "pympler-classtracker-dump", "version": 1, '
                     b'"index": {"A": [{"snapshots": [[1.0, {"size": "big"}]]}]}}')
    with pytest.raises(ValueError, match='size'):
        Stats(filename=str(path))


# ---------------------------------------------------------------- 1.1 pickles

class _Evil(object):
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


@pytest.mark.parametrize('position', ['first', 'second'])
def test_malicious_pickle_is_refused_without_running(tmp_path, position):
    sentinel = tmp_path / 'sentinel'
    evil = pickle.dumps({'A': [_Evil('touch %s' % sentinel)]}, protocol=pickle.HIGHEST_PROTOCOL)
    fine = pickle.dumps(collections.defaultdict(list), protocol=pickle.HIGHEST_PROTOCOL)
    data = evil + pickle.dumps([]) if position == 'first' else fine + evil
    with pytest.raises(ValueError, match=r'refusing global (posix|os|nt)\.system'):
        Stats().load_stats(io.BytesIO(data))
    assert not sentinel.exists()
    # a GLOBAL opcode naming a builtin that would evaluate code
    data = b'\x80\x02cbuiltins\neval\nX\x0b\x00\x00\x00print("hi")\x85R.'
    with pytest.raises(ValueError, match=r'refusing global builtins\.eval'):
        Stats().load_stats(io.BytesIO(data + data))


_MAKE_11_DUMP = '''
import sys
from pympler.classtracker import ClassTracker
from pympler.classtracker_stats import ConsoleStats
class Foo(object):
    def __init__(self):
        self.data = list(range(40))
        self.name = "foo"
t = ClassTracker()
t.track_class(Foo, resolution_level=2, trace=True)
a = Foo(); b = Foo()
t.create_snapshot("one")
del a
t.create_snapshot("two")
ConsoleStats(tracker=t).dump_stats(sys.argv[1])
'''

_PRINT = '''
import sys
from pympler.classtracker_stats import ConsoleStats
s = ConsoleStats(filename=sys.argv[1])
s.print_summary()
s.print_stats(limit=10)
'''


def _run(pythonpath, script, *args):
    env = dict(os.environ, PYTHONPATH=pythonpath)
    done = subprocess.run([sys.executable, '-c', script] + list(args), env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_pympler11_dump_loads_and_prints_like_pympler11(tmp_path, pympler11):
    dump = str(tmp_path / 'p11.pkl')
    _run(pympler11, _MAKE_11_DUMP, dump)
    expected = _run(pympler11, _PRINT, dump)
    assert 'Foo' in expected and 'finalize' in expected
    stats = ConsoleStats(filename=dump)
    assert _printed_like_script(stats) == expected
    assert len(stats.index['__main__.Foo']) == 2
    # and it converts to the JSON format, which prints the same
    again = str(tmp_path / 'p11.json')
    stats.dump_stats(again)
    assert _printed_like_script(ConsoleStats(filename=again)) == expected


def _printed_like_script(stats):
    out = io.StringIO()
    stats.stream = out
    stats.print_summary()
    stats.print_stats(limit=10)
    return out.getvalue()


# ---------------------------------------------------------------- comparing runs

def test_compare_stats_rows_and_table(tmp_path):
    a = Stats(tracker=make_tracker())
    b = Stats(tracker=make_tracker(scale=2))
    del b.index['mod.B']
    rows = compare_stats(a, b)
    assert [r['classname'] for r in rows] == ['mod.A', 'mod.B']
    ra = rows[0]
    assert ra['a']['last'] == {'instances': 1, 'total': 800, 'average': 800}
    assert ra['b']['last'] == {'instances': 1, 'total': 1600, 'average': 1600}
    assert ra['change']['last'] == {'instances': 0, 'total': 800, 'average': 800}
    # peak: the snapshot where the class's total was largest
    assert ra['a']['peak']['total'] == 800 and ra['b']['peak']['total'] == 1600
    rb = rows[1]
    assert rb['b']['last'] == {'instances': 0, 'total': 0, 'average': 0}
    assert rb['change']['last']['instances'] == -1
    table = format_comparison(rows)
    assert 'AT LAST SNAPSHOT' in table and 'AT PEAK' in table
    line = [ln for ln in table.splitlines() if ln.startswith('mod.A')][0]
    assert line.split()[1:4] == ['1', '1', '+0'] and '+800     B' in line
    out = io.StringIO()
    path_a, path_b = str(tmp_path / 'a.json'), str(tmp_path / 'b.json.gz')
    a.dump_stats(path_a)
    b.dump_stats(path_b)
    print_comparison(path_a, path_b, stream=out)
    assert out.getvalue() == format_comparison(compare_stats(path_a, path_b))
    assert out.getvalue() == table
    with pytest.raises(TypeError, match='Stats objects or dump file names'):
        compare_stats(a, 42)


def _pickle_as_pympler11(monkeypatch, index, snapshots):
    """Pickle data whose classes pickle as pympler.classtracker's (a stand-in
    module, removed again before loading)."""
    import types
    fake = types.ModuleType('pympler.classtracker')

    class TrackedObject(object):
        def __init__(self, **state):
            self.__dict__.update(state)

    class Snapshot(TrackedObject):
        pass

    TrackedObject.__module__ = Snapshot.__module__ = 'pympler.classtracker'
    Snapshot.__qualname__ = 'Snapshot'
    TrackedObject.__qualname__ = 'TrackedObject'
    fake.TrackedObject, fake.Snapshot = TrackedObject, Snapshot
    with monkeypatch.context() as m:
        m.setitem(sys.modules, 'pympler.classtracker', fake)
        return (pickle.dumps(index(TrackedObject), protocol=4)
                + pickle.dumps(snapshots(Snapshot), protocol=4))


def test_pympler11_shaped_pickle_with_wrong_types_is_refused(monkeypatch):
    good = dict(id=1, name='A', repr='<A>', birth=0.5, death=None, trace=None,
                snapshots=[(0.5, Asized(56, 56))])
    snap = dict(timestamp=1.0, desc='', tracked_total=0, asizeof_total=0, overhead=0,
                classes=None)
    data = _pickle_as_pympler11(monkeypatch, lambda T: {'A': [T(**good)]},
                                lambda S: [S(**snap)])
    stats = ConsoleStats()
    stats.load_stats(io.BytesIO(data))
    assert stats.index['A'][0].get_max_size() == 56
    assert stats.index['A'][0].ref() is None
    assert stats.snapshots[0].total == 0 and stats.snapshots[0].label == '1.000s'
    for field, value in (('name', 5), ('snapshots', [(0.5, 'junk')]), ('birth', 'x')):
        bad = dict(good, **{field: value})
        data = _pickle_as_pympler11(monkeypatch, lambda T, bad=bad: {'A': [T(**bad)]},
                                    lambda S: [S(**snap)])
        with pytest.raises(ValueError, match='not a Pympler 1.1 dump'):
            Stats().load_stats(io.BytesIO(data))
    with pytest.raises(ValueError, match='not a valid Pympler 1.1 dump'):
        Stats().load_stats(io.BytesIO(data[:40]))


def test_files_are_closed(tmp_path):
    import gc
    import warnings
    path = str(tmp_path / 'run.json.gz')
    with warnings.catch_warnings():
        warnings.simplefilter('error', ResourceWarning)
        Stats(tracker=make_tracker()).dump_stats(path)
        Stats(filename=path)
        gc.collect()
    with open(path, 'rb') as f:
        Stats().load_stats(f)
        assert not f.closed


def test_live_classtracker_round_trip(tmp_path):
    # Runs once pympler.classtracker (written in parallel) is there.
    classtracker = pytest.importorskip('pympler.classtracker')

    class Foo(object):
        def __init__(self):
            self.data = list(range(40))

    tracker = classtracker.ClassTracker()
    tracker.track_class(Foo, resolution_level=2, trace=True)
    try:
        a, b = Foo(), Foo()
        tracker.create_snapshot('one')
        del a
        tracker.create_snapshot('two')
    finally:
        tracker.detach_all_classes()
    before = _printed(ConsoleStats(tracker=tracker))
    assert 'Foo' in before and 'finalize' in before
    path = str(tmp_path / 'live.json.gz')
    ConsoleStats(tracker=tracker).dump_stats(path)
    loaded = ConsoleStats(filename=path)
    assert _printed(loaded) == before
    assert isinstance(loaded.index[loaded.tracked_classes[0]][0], classtracker.TrackedObject)
    assert isinstance(loaded.snapshots[0], classtracker.Snapshot)
    del b
