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
import threading
from collections import namedtuple
from sys import getsizeof
from types import ModuleType

from pympler import _core, summary

__all__ = ["ignore_object", "get_objects", "get_size", "get_diff", "sort", "filter",
           "get_referents", "referrers_of", "get_referrers", "find_path", "RefPath",
           "RefStep", "print_summary"]


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


def _as_tuple(seq, what):
    """tuple(seq), or a TypeError naming the argument."""
    if type(seq) is tuple:
        return seq
    try:
        return tuple(seq)
    except TypeError:
        raise TypeError("%s must be an iterable of objects, not %s"
                        % (what, type(seq).__name__)) from None


def _ignored(frames, objs, ignore):
    """The tuple of objects the engine leaves out: the given frames, the
    containers the caller passed as objs and ignore, and ignore's items."""
    ign = _as_tuple(ignore, "ignore")
    if objs is None:
        return tuple(frames) + (ignore,) + ign
    return tuple(frames) + (objs, ignore) + ign


def referrers_of(objs, ignore=()):
    """The referrers of each object of the sequence ``objs``, in one pass
    over the heap in C: a list with one list per object, in input order, of
    every object that refers to it -- what ``gc.get_referrers`` reports for
    it (gc-tracked objects), plus the untracked containers the heap walk
    finds (small dicts and tuples the collector untracked) and, on 3.11+,
    the frames that hold it in a local variable while they run (the
    collector does not see those).

    Left out: ``objs`` itself, the engine's own temporaries and result
    lists, the frame of the function that called ``referrers_of`` (which
    holds ``objs``) and every object of ``ignore`` (by identity).  Nothing
    is hashed or compared: hostile ``__eq__``/``__hash__``/``__repr__`` and
    lying ``__class__`` are never run.  An object given twice gets a list
    each.  Nothing is kept alive after the call (frames included, the lists
    hold strong references to what they report, like gc.get_referrers)."""
    frames = (sys._getframe(), sys._getframe(1))
    try:
        return _referrers(objs, ignore, frames)
    finally:
        del frames  # the frame would hold itself: no cycle left behind


def _referrers(objs, ignore, frames):
    targets = _as_tuple(objs, "objs")
    return _core.heap_referrers(targets, _ignored(frames, objs, ignore))


def get_referrers(*objs, ignore=()):
    """The objects that refer to any of ``objs``, each once: a drop-in for
    ``gc.get_referrers`` through the C engine, with the exclusions of
    :func:`referrers_of` (the calling frame among them)."""
    frames = (sys._getframe(), sys._getframe(1))
    try:
        lists = _referrers(objs, ignore, frames)
    finally:
        del frames  # the frame would hold itself: no cycle left behind
    seen = set()
    res = []
    for refs in lists:
        for r in refs:
            if id(r) not in seen:  # ints: no user __hash__ runs
                seen.add(id(r))
                res.append(r)
    return res


RefStep = namedtuple("RefStep", "obj label")
RefStep.__doc__ = """One step of a :class:`RefPath`: ``obj`` and the ``label`` of the edge
that leads to it from the previous step (for the first step, the root's
description: ``'module NAME'``, ``'frame FUNC (FILE:LINE) in thread NAME'``,
or None for an object nothing else refers to)."""


_type_qualname = type.__dict__["__qualname__"].__get__  # never a metaclass property


def _short(obj):
    """``<TypeName at 0x...>`` from the real type, never the object's repr."""
    return "<%s at 0x%x>" % (_type_qualname(type(obj)), id(obj))


class _PathText(object):
    """Text of a path: a tuple of ``(item, label)`` steps from a root, items
    described by ``_describe(item)``.  Shared by :class:`RefPath` (objects)
    and ``pympler.retained.Path`` (retainer rows)."""

    __slots__ = ()
    _describe = staticmethod(_short)

    @property
    def labels(self):
        return [s[1] for s in self]

    def _parts(self):
        """(label text, item) per printed step, merging ``.__dict__`` and a
        following str key into ``.key``."""
        first_item, first_label = self[0]
        parts = [(first_label if first_label is not None
                  else "%s (nothing refers to it)" % (self._describe(first_item),), first_item)]
        i = 1
        while i < len(self):
            label = self[i][1] if self[i][1] is not None else "(referent)"
            nxt = self[i + 1][1] if i + 1 < len(self) else None
            if (label == ".__dict__" and nxt and nxt.startswith("['") and nxt.endswith("']")
                    and nxt[2:-2].isidentifier()):
                parts.append(("." + nxt[2:-2], self[i + 1][0]))
                i += 2
                continue
            parts.append((label, self[i][0]))
            i += 1
        return parts

    def __str__(self):
        parts = self._parts()
        width = max([len(p[0]) for p in parts[1:]] + [0])
        lines = [parts[0][0]]
        lines.extend("  -> %-*s  %s" % (width, label, self._describe(item))
                     for label, item in parts[1:])
        return "\n".join(lines)

    def oneline(self):
        return " -> ".join([p[0] for p in self._parts()] + [self._describe(self[-1][0])])


class RefPath(_PathText, tuple):
    """A reference path found by :func:`find_path`: a tuple of
    :class:`RefStep` ``(obj, label)`` from a root to the object.

    Edge labels: ``.name`` (an attribute: a value of the instance, a slot, a
    class or module attribute, or a function's ``.__code__``,
    ``.__closure__``, ``.__globals__``...), ``.__dict__``, ``.__class__``,
    ``['key']`` (a dict value; the key's repr when it is a str, int, float,
    bytes, bool, complex or None, else ``[<Type key>]``), ``(key)`` (a dict
    key), ``[3]`` (a list or tuple item; ``[0] (cell x)`` for a closure
    cell), ``.cell_contents``, ``(set item)``, ``local x`` (a frame's local
    variable), ``.f_back``, fields of code objects, tracebacks, properties
    and exceptions (``.co_consts``, ``.tb_frame``, ``.fget``, ``.args``,
    ``.__traceback__``...); None when the engine has no name for the edge
    (printed ``(referent)``).

    ``str(path)`` prints one step per line; ``path.oneline()`` the
    ``module m -> .cache -> ['key'] -> [3] -> <Foo at 0x...>`` form.  In both,
    an object's ``__dict__`` followed by one of its str keys prints as
    ``.key``.  ``path.root`` and ``path.target`` are the objects at both
    ends; ``path.labels`` the labels."""

    __slots__ = ()

    def __new__(cls, steps):
        return tuple.__new__(cls, (RefStep(o, lab) for o, lab in steps))

    @property
    def root(self):
        return self[0].obj

    @property
    def target(self):
        return self[-1].obj

    def __repr__(self):
        return "<RefPath %s>" % (self.oneline(),)


def _root_frames(skip):
    """(frame, label) for every frame of every thread, innermost first,
    without this function's own frame and the frames in skip (by
    identity).  Leaves no reference to its own frame behind (no cycle)."""
    names = {}
    for t in threading.enumerate():
        names[t.ident] = t.name
    res = []
    skip = (sys._getframe(),) + tuple(skip)
    current = sys._current_frames()
    frame = None
    try:
        for ident, frame in current.items():
            tname = names.get(ident, str(ident))
            while frame is not None:
                if not any(frame is s for s in skip) and frame.f_code not in _HELPER_CODES:
                    code = frame.f_code
                    res.append((frame, "frame %s (%s:%d) in thread %s" % (
                        code.co_name, code.co_filename, frame.f_lineno, tname)))
                frame = frame.f_back
    finally:
        del skip, current, frame
    return res


def _roots(skip):
    """The explicit roots of the heap, as a tuple of (object, label): the
    modules of ``sys.modules`` then every thread's frames but those in
    skip (find_path, pympler.retained)."""
    roots = []
    for name, mod in list(sys.modules.items()):
        if issubclass(type(mod), ModuleType):
            roots.append((mod, "module %s" % (name,) if type(name) is str else "module"))
    roots.extend(_root_frames(skip))
    return tuple(roots)


# The frames of the two helpers gathering the roots are never roots.
_HELPER_CODES = (_root_frames.__code__, _roots.__code__)


def find_path(obj, ignore=()):
    """The shortest chain of references from a root to ``obj``, as a
    :class:`RefPath`, or None when no root reaches ``obj``.

    A breadth-first search in C over the heap (gc-tracked objects and what
    they refer to).  Roots: the modules of ``sys.modules`` (first step
    ``'module NAME'``), the frames of every thread (``'frame FUNC (FILE:LINE)
    in thread NAME'``; their local variables are followed) and every object
    of the heap that no other object refers to (label None).  Left out: the
    frame that called ``find_path`` (which holds ``obj``), the engine's own
    objects and the objects of ``ignore`` (by identity).  No user code runs:
    labels come from the objects' structures (see :class:`RefPath`).  Memory:
    about 12 bytes per object reached plus the heap walk's list."""
    skip = (sys._getframe(), sys._getframe(1))
    try:
        roots = _roots(skip)
        ign = _ignored(skip, None, ignore)
        steps = _core.heap_path(obj, roots, ign)
    finally:
        del skip  # the frame would hold itself: no cycle left behind
    del roots, ign
    return None if steps is None else RefPath(steps)


def print_summary(stream=None, file=None):
    """Print a summary of all live objects to ``stream`` (``file`` is an
    alias; default: ``sys.stdout`` at call time)."""
    summary.print_(summary.summarize(get_objects()), stream=summary._stream(stream, file))
