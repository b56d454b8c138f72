"""Track changes of the heap over time.

``SummaryTracker`` keeps per-label summaries and prints what grew between two
points of a program; ``ObjectTracker`` tells which objects are new (or gone)
since the last measurement.  Typical use::

    from pympler import tracker
    tr = tracker.SummaryTracker()
    run_one_iteration()
    tr.print_diff()

Both walk the heap in the C engine (``pympler._core``) and never raise
because of odd user objects.  Deliberate differences from Pympler 1.1 (see
docs/heap.md): ``SummaryTracker(ignore_self=True)`` excludes its own
summaries (the stored ones and its baselines ``s0``/``s1``) during the heap
walk instead of with ``gc.get_referrers``; ``ObjectTracker`` also reports
the removed objects, exactly, and then releases them.
Documentation: docs/usage.md in pympler's source repository.
"""
import gc

from pympler import _core, summary

__all__ = ["SummaryTracker", "ObjectTracker"]


class SummaryTracker(object):
    """Summaries of the live objects, and their differences.

    On construction a first summary is taken (``s0``).  Every ``diff()``
    takes a new one, returns the difference to the baseline and makes the
    new summary the baseline.

    With ``ignore_self`` (default), the objects that make up the tracker's
    own summaries -- the ``summaries`` dict, its keys, each summary list
    (the stored ones and the baselines ``s0``/``s1``), each row and each
    cell -- are left out of new summaries unless something outside the
    tracker refers to them, so that they never show up as growth.
    """

    def __init__(self, ignore_self=True):
        self.summaries = {}
        self.ignore_self = ignore_self
        self.s0 = None
        self.s1 = None
        self.s0 = self.create_summary()

    def create_summary(self):
        """A summary of ``muppy.get_objects()`` (see the class docstring for
        ``ignore_self``)."""
        gc.collect()
        spec = summary._label_spec()
        if not self.ignore_self:
            return _core.heap_summary(spec)
        return _core.heap_summary(
            spec, None,
            (getattr(self, "summaries", None), getattr(self, "s0", None),
             getattr(self, "s1", None)),
            (self,))

    def diff(self, summary1=None, summary2=None):
        """Difference between two summaries, without rows whose count and
        size are both 0.

        Neither given: diff of ``s0`` and a new summary, which becomes the
        baseline.  Only ``summary1``: diff of it and a new summary, which
        becomes the baseline.  Both: their diff, baseline unchanged.
        """
        if summary2 is None:
            self.s1 = self.create_summary()
            if summary1 is None:
                res = summary.get_diff(self.s0, self.s1)
            else:
                res = summary.get_diff(summary1, self.s1)
            self.s0 = self.s1
        elif summary1 is not None:
            res = summary.get_diff(summary1, summary2)
        else:
            raise ValueError("You cannot provide summary2 without summary1.")
        return summary._sweep(res)

    def print_diff(self, summary1=None, summary2=None, stream=None, file=None):
        """Print ``summary.format_(diff(...))`` to ``stream`` (``file`` is an
        alias; default: ``sys.stdout`` at call time)."""
        summary.print_(self.diff(summary1=summary1, summary2=summary2),
                       stream=summary._stream(stream, file))

    def format_diff(self, summary1=None, summary2=None):
        """``summary.format_(diff(...))``: an iterator of lines."""
        return summary.format_(self.diff(summary1=summary1, summary2=summary2))

    def store_summary(self, key):
        """Store a new summary in ``summaries[key]``."""
        self.summaries[key] = self.create_summary()


class ObjectTracker(object):
    """Which objects are new, and which are gone, since the last measurement.

    As in Pympler 1.1 (spec 5.2), the tracker holds the objects of its last
    measurement: ``o0`` is that list, with a strong reference to each object,
    so they stay alive until the next measurement.  At the next ``get_diff``
    (or ``format_diff``/``print_diff``), one walk in the C engine finds the
    live objects and, among the held ones, those that nothing outside the
    tracker's list reaches any more (cycles among them included), the way the
    garbage collector finds garbage.  Those are reported as removed and the
    tracker lets go of them; the live objects become the new ``o0``.  Both
    lists are exact, by identity: a new object at the address of a freed one
    is new.  (Pympler 1.1 never reports removed objects: it holds them.)
    A held object the walk cannot see (moved out of the collector's lists by
    ``gc.freeze()``, or untracked and referred to only from outside the
    heap's objects) stays held while anything else refers to it.
    Objects created since and reached only through removed ones are neither
    added nor kept.  See docs/heap.md, section 4.
    """

    def __init__(self):
        self.o0 = None
        self.o0 = self._measure(())[0]

    def _measure(self, ignore):
        """(new list, added, removed); the new list is not yet ``o0``."""
        ignore = tuple(ignore)
        gc.collect()
        return _core.heap_track(self.o0, (self, self.__dict__, ignore) + ignore)

    def _diff(self, ignore):
        new, added, removed = self._measure(ignore)
        self.o0 = new  # drops the old list: the removed objects go with the result
        return added, removed

    def _get_objects(self, ignore=()):
        """All live objects except the tracker's own and those in ignore."""
        return self._measure(ignore)[0]

    def get_diff(self, ignore=()):
        """``{'+': new objects, '-': removed objects}`` since the last
        measurement, which this one replaces.  Objects in ``ignore`` are
        left out (and counted as removed if the last measurement had
        them)."""
        added, removed = self._diff(ignore)
        return {"+": added, "-": removed}

    def format_diff(self, ignore=()):
        """``['Added objects:', <summary table of the new objects>,
        'Removed objects:', <summary table of the removed objects>]``."""
        added, removed = self._diff(ignore)
        lines = ["Added objects:"]
        lines.extend(summary.format_(summary.summarize(added)))
        lines.append("Removed objects:")
        lines.extend(summary.format_(summary.summarize(removed)))
        return lines

    def print_diff(self, ignore=(), stream=None, file=None):
        """Print the lines of :meth:`format_diff` to ``stream`` (``file`` is
        an alias; default: ``sys.stdout`` at call time)."""
        lines = self.format_diff(ignore)
        out = summary._stream(stream, file)
        for line in lines:
            print(line, file=out)
