"""An experimental memory profiler (spec 14): the size of the heap at chosen
code points and profiler events.

    >>> from pympler.mprofile import MProfiler
    >>> p = MProfiler(codepoints=[(None, 'parse', None)], events=['return'])
    >>> p.run('parse(data)').memories      # doctest: +SKIP
    {('/app/parser.py', 'parse', 80): [3, 41200000, 41950000, 0]}

``memories`` maps a code point ``(filename, function, lineno)`` to ``[calls,
min_size, max_size, 0]``, where size is the sum of ``sys.getsizeof`` over the
live objects (what ``muppy.get_objects()`` lists) when the event happened.

Each measurement is one call into the C engine (`_core.heap_total`), which
walks the heap and adds up the sizes without building a list of the objects
or running a Python loop over them.  Differences from Pympler 1.1, which called
``muppy.get_objects()`` and ``muppy.get_size()`` at every event: no garbage
collection per event (so cyclic garbage not collected yet is counted), the
code point comes from the frame's code object instead of
``inspect.getframeinfo`` (which reads the source file at every event), ``run``
executes in ``__main__``'s namespace as ``cProfile.run`` does and restores the
profile function that was set before.  The cost per event is about one heap
walk: see docs/usage.md for figures on a heap of 1M objects.

Documentation: docs/usage.md in pympler's source repository.
"""
import sys

from pympler import _core

__all__ = ["MProfiler"]


def heap_size():
    """Sum of ``sys.getsizeof`` over the live objects, in one C call."""
    return _core.heap_total()[1]


class MProfiler(object):
    """Records, per code point, how often it was seen and the smallest and
    largest heap size measured there."""

    def __init__(self, codepoints=None, events=None):
        self.memories = {}
        self.codepoints = codepoints
        self.events = events

    def codepoint_included(self, codepoint):
        """True if ``codepoints`` is None or one of its patterns matches every
        non-None field of *codepoint* ``(filename, function, lineno)``."""
        if self.codepoints is None:
            return True
        for pattern in self.codepoints:
            if all(want is None or want == have for want, have in zip(pattern, codepoint)):
                return True
        return False

    def profile(self, frame, event, arg):
        """The ``sys.setprofile`` hook: measure at matching events and code
        points."""
        if self.events is not None and event not in self.events:
            return
        code = frame.f_code
        if code is _RUN_CODE:      # run()'s own exec and setprofile calls
            return
        cp = (code.co_filename, code.co_name, frame.f_lineno)
        if not self.codepoint_included(cp):
            return
        size = heap_size()
        entry = self.memories.get(cp)
        if entry is None:
            self.memories[cp] = [1, size, size, 0]
        else:
            entry[0] += 1
            if size < entry[1]:
                entry[1] = size
            if size > entry[2]:
                entry[2] = size

    def run(self, cmd):
        """Execute the code string *cmd* in ``__main__``'s namespace with the
        hook installed; the previous profile function is restored afterwards,
        also when *cmd* raises.  Returns self."""
        import __main__
        namespace = __main__.__dict__
        previous = sys.getprofile()
        sys.setprofile(self.profile)
        try:
            exec(cmd, namespace, namespace)
        finally:
            sys.setprofile(previous)
        return self


_RUN_CODE = MProfiler.run.__code__
