"""A slow, obviously-correct pure-Python model of the heap layer.

Never shipped; the tests compare the C engine with it.  Everything here is
written for clarity, following spec sections 3 and 4 word by word.
"""
import gc
import sys
import types

from pympler import _core, summary


def objects_from(gc_objects, exclude=(), remove_dups=True):
    """Spec 3 over the list ``gc_objects`` (what gc.get_objects() returned):
    every tracked object except frames, plus every untracked direct referent
    of one of them; untracked referents first, each object once.  Objects in
    ``exclude`` (by identity) are skipped, as are their referents."""
    skip = {id(o) for o in exclude}
    tracked = [o for o in gc_objects
               if type(o) is not types.FrameType and id(o) not in skip]
    listed = {id(o) for o in gc_objects}
    untracked = []
    seen = set()
    for o in tracked:
        mine = set()  # without remove_dups: once per container
        for r in gc.get_referents(o):
            if gc.is_tracked(r) or id(r) in listed or id(r) in skip:
                continue
            if remove_dups:
                if id(r) in seen:
                    continue
                seen.add(id(r))
            else:
                if id(r) in mine:
                    continue
                mine.add(id(r))
            untracked.append(r)
    return untracked + tracked


def size_of(o):
    """sys.getsizeof, or the basic size when __sizeof__ fails."""
    try:
        return sys.getsizeof(o)
    except Exception:
        return _core.basic(o)


def summarize(objects, label=None):
    """Spec 4: one row per label, count and total size; label computed per
    object with the module's label function."""
    label = label or summary._repr
    counts = {}
    sizes = {}
    for o in objects:
        key = label(o)
        counts[key] = counts.get(key, 0) + 1
        sizes[key] = sizes.get(key, 0) + size_of(o)
    return {key: (counts[key], sizes[key]) for key in counts}


def as_dict(rows):
    """A summary as {label: (count, size)}; labels must be unique."""
    res = {}
    for label, count, size in rows:
        assert label not in res, "duplicate label %r" % (label,)
        res[label] = (count, size)
    return res


def referents(obj, level):
    """gc.get_referents, level by level, each object once."""
    found = []
    seen = set()
    frontier = [obj]
    for _ in range(max(level, 1)):
        nxt = []
        for o in frontier:
            for r in gc.get_referents(o):
                if id(r) not in seen:
                    seen.add(id(r))
                    found.append(r)
                    nxt.append(r)
        frontier = nxt
    return found
