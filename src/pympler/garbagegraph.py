"""Graphs of the garbage the collector finds in reference cycles.

`GarbageGraph` runs a full collection with the collector saving what it
finds, and builds a `pympler.refgraph.ReferenceGraph` of it::

    from pympler.garbagegraph import GarbageGraph, start_debug_garbage
    start_debug_garbage()
    ...                          # code that leaves reference cycles behind
    GarbageGraph(reduce=True).print_stats()

Differences from Pympler 1.1: `GarbageGraph` leaves the collector as it
found it -- its debug flags and ``gc.garbage`` (the same list, with the same
contents) -- also when it fails; Pympler 1.1 left ``DEBUG_SAVEALL`` set, so
that every later collection kept its garbage alive in ``gc.garbage``.  The
graph itself holds the objects it shows until it is dropped.

Documentation: docs/usage.md in pympler's source repository.
"""
import gc
import sys

from pympler.refgraph import ReferenceGraph
from pympler.util.stringutils import pp, trunc

__all__ = ['GarbageGraph', 'start_debug_garbage', 'end_debug_garbage']


def _collect_garbage(collectable):
    """The objects ``gc.garbage`` holds after one full collection (with
    ``collectable``: in save-all mode, every unreachable object); the
    collector's debug flags and ``gc.garbage`` are restored."""
    flags = gc.get_debug()
    garbage = gc.garbage
    before = list(garbage)
    try:
        gc.set_debug(gc.DEBUG_SAVEALL if collectable else 0)
        gc.collect()
        found = list(garbage)
    finally:
        gc.set_debug(flags)
        garbage[:] = before
        del before
    return found


class GarbageGraph(ReferenceGraph):
    """A `pympler.refgraph.ReferenceGraph` of the garbage found by a full
    collection: with ``collectable=True`` every unreachable object, else
    only the uncollectable ones.  ``reduce=True``: only the cycles."""

    def __init__(self, reduce=False, collectable=True):
        ReferenceGraph.__init__(self, _collect_garbage(collectable), reduce)

    def print_stats(self, stream=None):
        """Write the objects, largest first, and a total line to ``stream``
        (default: ``sys.stdout`` at call time)."""
        if stream is None:
            stream = sys.stdout
        self.metadata.sort(key=lambda x: -x.size)
        stream.write('%-10s %8s %-12s %-46s\n' % ('id', 'size', 'type', 'representation'))
        for g in self.metadata:
            stream.write('0x%08x %8d %-12s %-46s\n' % (g.id, g.size, trunc(g.type, 12),
                                                       trunc(g.str, 46)))
        stream.write('Garbage: %8d collected objects (%s in cycles): %12s\n' %
                     (self.count, self.num_in_cycles, pp(self.total_size)))


def start_debug_garbage():
    """Collect once, then switch automatic garbage collection off."""
    gc.collect()
    gc.disable()


def end_debug_garbage():
    """Clear the collector's debug flags and switch automatic collection on."""
    gc.set_debug(0)
    gc.enable()
