"""pympler.garbagegraph (spec 11): the garbage of a collection as a graph,
with the collector left exactly as it was."""
import gc
import io
import re
import sys

import pytest

from pympler import garbagegraph
from pympler.garbagegraph import GarbageGraph, end_debug_garbage, start_debug_garbage
from pympler.util.stringutils import pp


class Cyclic(object):
    pass


@pytest.fixture
def collector():
    """Restore the collector's state whatever the test does."""
    flags, enabled, saved = gc.get_debug(), gc.isenabled(), list(gc.garbage)
    gc.collect()
    try:
        yield
    finally:
        gc.set_debug(flags)
        gc.garbage[:] = saved
        (gc.enable if enabled else gc.disable)()


def _pair():
    a, b = Cyclic(), Cyclic()
    a.next, b.prev = b, a
    ids = {id(a), id(b)}
    if sys.version_info < (3, 11):
        ids |= {id(a.__dict__), id(b.__dict__)}
    return ids


def _mine(graph, ids):
    return [m for m in graph.metadata if m.id in ids]


def test_spec_example(collector):
    ids = _pair()
    g = GarbageGraph()
    assert len(_mine(g, ids)) == len(ids)
    edges = sorted(e.label for e in g.edges if e.src in ids)
    if sys.version_info < (3, 11):      # the instance dicts are separate objects
        assert edges == ['__dict__', '__dict__', 'next', 'prev']
    else:                               # attributes held by the instances
        assert edges == ['next', 'prev']
    assert g.count == len(g.objects) >= len(ids)


@pytest.mark.parametrize('enabled', [True, False])
@pytest.mark.parametrize('collectable', [True, False])
def test_collector_left_as_it_was(collector, enabled, collectable):
    sentinel = object()
    gc.garbage.append(sentinel)
    garbage = gc.garbage
    flags = gc.DEBUG_UNCOLLECTABLE
    gc.set_debug(flags)
    (gc.enable if enabled else gc.disable)()
    ids = _pair()
    g = GarbageGraph(collectable=collectable)
    assert gc.get_debug() == flags and gc.isenabled() is enabled
    assert gc.garbage is garbage and len(gc.garbage) == 1 and gc.garbage[0] is sentinel
    assert any(o is sentinel for o in g.objects)       # gc.garbage as it was, then the rest
    assert len(_mine(g, ids)) == (len(ids) if collectable else 0)
    # later collections keep nothing (Pympler 1.1 left DEBUG_SAVEALL on)
    _pair()
    gc.collect()
    assert len(gc.garbage) == 1


def test_collector_restored_when_collecting_fails(collector, monkeypatch):
    garbage = gc.garbage
    gc.set_debug(gc.DEBUG_UNCOLLECTABLE)

    def boom(*args):
        assert gc.get_debug() == gc.DEBUG_SAVEALL
        gc.garbage.append('half-done')
        raise RuntimeError('collect failed')
    monkeypatch.setattr(gc, 'collect', boom)
    with pytest.raises(RuntimeError, match='collect failed'):
        GarbageGraph()
    monkeypatch.undo()
    assert gc.get_debug() == gc.DEBUG_UNCOLLECTABLE
    assert gc.garbage is garbage and 'half-done' not in gc.garbage


def test_reduce(collector):
    a, b = Cyclic(), Cyclic()
    a.next, b.prev = b, a
    a.leaf = Cyclic()            # garbage too, but in no cycle
    leaf_id = id(a.leaf)
    ids = {id(a), id(b)}
    del a, b
    g = GarbageGraph(reduce=True)
    assert g.num_in_cycles == len(g.objects) < g.count
    assert ids <= {m.id for m in g.metadata} and leaf_id not in {m.id for m in g.metadata}
    assert all(m.cycle for m in g.metadata)


def test_print_stats(collector, capsys):
    ids = _pair()
    g = GarbageGraph()
    out = io.StringIO()
    g.print_stats(out)
    lines = out.getvalue().split('\n')
    assert lines[0] == '%-10s %8s %-12s %-46s' % ('id', 'size', 'type', 'representation')
    rows = lines[1:-2]
    assert len(rows) == len(g.metadata) and lines[-1] == ''
    sizes = []
    for row in rows:
        m = re.match(r'^0x([0-9a-f]{8,}) +(\d+) (.{12}) (.{46})$', row)
        assert m, row
        sizes.append(int(m.group(2)))
    assert sizes == sorted(sizes, reverse=True)
    assert any(int(r.split()[0], 16) in ids for r in rows)
    assert lines[-2] == 'Garbage: %8d collected objects (%s in cycles): %12s' % (
        g.count, g.num_in_cycles, pp(g.total_size))
    g.print_stats()                       # sys.stdout at call time
    assert capsys.readouterr().out == out.getvalue()


def test_start_and_end_debug_garbage(collector):
    gc.set_debug(gc.DEBUG_SAVEALL)
    start_debug_garbage()
    assert not gc.isenabled()
    end_debug_garbage()
    assert gc.isenabled() and gc.get_debug() == 0
    assert garbagegraph.__all__ == ['GarbageGraph', 'start_debug_garbage', 'end_debug_garbage']
