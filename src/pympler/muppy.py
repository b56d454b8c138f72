"""Enumerate and filter the live objects of the interpreter.

``get_objects()`` returns every object the garbage collector tracks (frames
excepted) plus the untracked objects they refer to directly -- small dicts,
strings, ints -- each once.  The walk itself runs in the C engine
(``pympler._core``): about 30 ns per object after the full collection it
starts with.  Typical use::

    from pympler import muppy, summary
    objs = muppy.get_objects()
    summary.print_(summary.summarize(objs))

Documentation: docs/usage.md (differences: docs/heap.md) in pympler's source repository.
"""
import gc
import sys
from sys import getsizeof

from pympler import _core, summary

__all__ = ["ignore_object", "get_objects", "get_size", "get_diff", "sort", "filter",
           "get_referents", "print_summary"]


def ignore_object(obj):
    """True for frame objects and for objects whose inspection raises
    ``ReferenceError`` (dead weak proxies).  Decided from the real type in C:
    no attribute of ``obj`` is read (a raising ``__class__`` is never
    called)."""
    return _core.heap_ignore_object(obj)


def get_objects(remove_dups=True, include_frames=False):
    """All live objects, after a full garbage collection.

    remove_dups -- each object once (without it, an untracked object appears
        once per container referring to it, as in Pympler 1.1).
    include_frames -- also append the frames of the callers, excluding the
        frame of the caller of get_objects and this function's own.

    Creates no reference cycle.
    """
    # Made before the collection, the result list is then in the oldest
    # generation, so that later young collections do not traverse it.
    res = []
    gc.collect()
    _core.heap_objects(bool(remove_dups), None, None, None, res)
    if include_frames:
        try:
            frame = sys._getframe(2)
        except ValueError:  # called from the outermost frame
            frame = None
        while frame is not None:
            res.append(frame)
            frame = frame.f_back
    return res


def get_size(objects, stream=None, file=None):
    """Total ``sys.getsizeof`` of the objects.

    An object whose size cannot be obtained (its ``__sizeof__`` raises
    AttributeError -- or, unlike Pympler 1.1, any other Exception) is skipped
    after printing ``IGNORING: type=<type>; o=<str(o)>`` to ``stream``
    (``file`` is an alias; default: ``sys.stdout`` at call time).
    """
    total, failed = _core.heap_size(objects)
    for o in failed:  # the rare objects whose __sizeof__ failed in C
        try:
            total += getsizeof(o)
        except Exception:
            try:
                text = str(o)
            except Exception:
                text = object.__repr__(o)
            try:
                tname = str(type(o))
            except Exception:  # a metaclass whose __str__ or __repr__ raises
                tname = type.__repr__(type(o))
            print("IGNORING: type=%s; o=%s" % (tname, text), file=summary._stream(stream, file))
    return total


def get_diff(left, right):
    """``{'+': objects in right but not in left, '-': objects in left but not
    in right}``, by identity, each list in the order of its source list."""
    return _core.heap_diff(left, right)


def sort(objects):
    """New list of the objects by ascending ``getsizeof`` (an object whose
    ``__sizeof__`` fails counts with its basic size)."""
    return sorted(objects, key=_core.heap_getsizeof)


def filter(objects, Type=None, min=-1, max=-1):  # noqa: A001,A002 - public names
    """Objects that are instances of ``Type`` (if given), with ``getsizeof``
    greater than ``min`` (if ``min > -1``) and smaller than ``max`` (if
    ``max > -1``).

    ``Type`` is what ``isinstance`` accepts (a class, a union, a tuple of
    them); each object's real type is tested in C, so a dead weak proxy or a
    raising ``__class__`` never makes the call fail, and an object whose
    ``__class__`` claims another class is not taken for one (Pympler 1.1 asks
    ``isinstance``, which reads ``__class__``).  A class with its own
    ``__subclasscheck__`` (an ABC) is asked about the real type, once per
    type."""
    if min > max and max > -1:
        raise ValueError("minimum must be smaller than maximum")
    return _core.heap_filter(objects, Type, min, max)


def get_referents(object, level=1):  # noqa: A002 - public name
    """What ``gc.get_referents(object)`` reports, and, for ``level >= 2``,
    their referents and so on, at most ``level`` steps away from object;
    each object once, in no guaranteed order.  (Pympler 1.1 returned the
    whole transitive closure for any level >= 2.)"""
    return _core.heap_referents(object, level)


def print_summary(stream=None, file=None):
    """Print a summary of all live objects to ``stream`` (``file`` is an
    alias; default: ``sys.stdout`` at call time)."""
    summary.print_(summary.summarize(get_objects()), stream=summary._stream(stream, file))
