"""What keeps memory alive, and how much would go with it: retained sizes
from the dominator tree of the whole heap.

An object *retains* every object that only it keeps reachable from the
roots (the modules, every thread's frames, and objects nothing refers to):
its retained size is what freeing it would free.  ``snapshot()`` walks the
heap once in C, builds a compact graph (addresses, flat sizes, types, edges
in CSR form; no Python object per node or edge), computes its dominator
tree and the retained size of every object, per type and per module::

    from pympler import retained
    with retained.snapshot() as snap:
        print(snap.top(10))          # the biggest retainers
        print(snap.by_type(10))      # per type: count, flat, retained
        print(snap.path(obj))        # how obj is reached from a root
        print(snap.retains(obj))     # what obj keeps alive

Named after the question it answers ("retained size", the term of Eclipse
MAT and Chrome DevTools), next to ``asizeof`` (deep size of what you name)
and ``muppy`` (the live objects).

Documentation: docs/usage.md (how it works: docs/heap.md) in pympler's
source repository.
"""
import sys
from array import array

from pympler import _core, muppy
from pympler.util.stringutils import pp

__all__ = ["snapshot", "Snapshot", "Retainer", "TypeRow", "ModuleRow", "TypeDiffRow", "diff"]

_NONE32 = 0xFFFFFFFF


def _arr(code, data):
    a = array(code)
    a.frombytes(data)
    return a


def _typename(names):
    qual, mod = names
    return qual if mod == "builtins" else "%s.%s" % (mod, qual)


class Retainer(object):
    """One object of a :class:`Snapshot`: ``index`` (node index),
    ``address`` (``id()`` when taken), ``type`` (``module.QualName``),
    ``flat`` (its getsizeof), ``retained`` (what freeing it frees) and
    ``obj`` (the object while the snapshot holds it, else None)."""

    __slots__ = ("index", "address", "type", "flat", "retained", "obj")

    def __init__(self, index, address, type, flat, retained, obj=None):
        self.index = index
        self.address = address
        self.type = type
        self.flat = flat
        self.retained = retained
        self.obj = obj

    def __str__(self):
        return "%10s %10s  <%s at 0x%x>" % (pp(self.retained), pp(self.flat), self.type,
                                            self.address)

    def __repr__(self):
        return "<Retainer %s>" % (self.__str__().strip(),)


class _Rows(list):
    """A list of rows whose ``str()`` is a table."""

    header = ""

    def __str__(self):
        return "\n".join([self.header] + [str(r) for r in self])


class TypeRow(object):
    """Per-type totals: ``type`` (``module.QualName``), ``module``,
    ``count``, ``flat`` (sum of getsizeof) and ``retained`` (what the
    instances retain together, counted once)."""

    __slots__ = ("type", "module", "count", "flat", "retained")

    def __init__(self, type, module, count, flat, retained):
        self.type, self.module, self.count = type, module, count
        self.flat, self.retained = flat, retained

    def __str__(self):
        return "%10s %10s %10d  %s" % (pp(self.retained), pp(self.flat), self.count, self.type)

    def __repr__(self):
        return "<TypeRow %s>" % (self.__str__().strip(),)


class ModuleRow(TypeRow):
    """Per-module totals (the module of an object's type): ``module``,
    ``count``, ``flat``, ``retained`` (``type`` is the module too)."""

    __slots__ = ()

    def __repr__(self):
        return "<ModuleRow %s>" % (self.__str__().strip(),)


class TypeDiffRow(object):
    """Change of one type between two snapshots: ``type``, and the
    differences ``count``, ``flat`` and ``retained`` (new minus old)."""

    __slots__ = ("type", "count", "flat", "retained")

    def __init__(self, type, count, flat, retained):
        self.type, self.count, self.flat, self.retained = type, count, flat, retained

    def __str__(self):
        return "%+11d %+11d %+10d  %s" % (self.retained, self.flat, self.count, self.type)

    def __repr__(self):
        return "<TypeDiffRow %s>" % (self.__str__().strip(),)


_TYPE_HEADER = "  retained       flat      count  type"
_OBJ_HEADER = "  retained       flat  object"
_DIFF_HEADER = "   retained        flat      count  type"


class Snapshot(object):
    """The heap at one moment, as a graph with its dominator tree (made by
    :func:`snapshot`).

    While ``held`` the snapshot keeps every object of the heap alive (so
    that objects and path labels can be returned); ``release()`` (or the
    end of a ``with`` block) drops them and keeps the numbers: sizes,
    types, edges, dominators.  Methods that return objects then give
    None for ``obj`` (``path`` raises)."""

    def __init__(self, graph):
        self._g = graph
        info = graph.info()
        self._types = [_typename(t) for t in graph.types()]
        self._modules = [t[1] for t in graph.types()]
        self.total = info["total"]
        self.count = info["nodes"]

    # -- life cycle
    @property
    def held(self):
        """True while the snapshot holds the heap's objects."""
        return bool(self._g.info()["held"])

    def release(self):
        """Drop the references to the heap's objects (idempotent)."""
        self._g.release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
        return False

    def __len__(self):
        return self.count

    def __repr__(self):
        return "<retained.Snapshot %d objects, %s%s>" % (self.count, pp(self.total),
                                                         ", held" if self.held else "")

    # -- queries
    def _retainer(self, i):
        addr, flat, ret, t, _ = self._g.node(i)
        obj = self._g.obj(i) if self.held else None
        return Retainer(i, addr, self._types[t], flat, ret, obj)

    def index(self, obj):
        """The node index of ``obj`` (by identity), or -1 when it is not in
        the snapshot.  After ``release()`` a new object may reuse the
        address of a dead one."""
        return self._g.index(obj)

    def _node(self, obj):
        i = self._g.index(obj)
        if i < 0:
            raise ValueError("the object (%s) is not in the snapshot" % (muppy._short(obj),))
        return i

    def top(self, n=10):
        """The ``n`` objects with the largest retained sizes, largest first,
        as :class:`Retainer` rows."""
        res = _Rows(self._retainer(i) for i in self._g.top(n))
        res.header = _OBJ_HEADER
        return res

    def retained_size(self, obj):
        """What freeing ``obj`` would free, in bytes."""
        return self._g.node(self._node(obj))[2]

    def retains(self, obj, n=10):
        """The ``n`` largest objects that ``obj`` retains (its dominator
        subtree, itself excluded), largest retained size first."""
        res = _Rows(self._retainer(i) for i in self._g.dominated(self._node(obj), n))
        res.header = _OBJ_HEADER
        return res

    def dominator(self, obj):
        """The object that immediately dominates ``obj`` (every path from
        the roots to it goes through it) as a :class:`Retainer`, or None
        when that is the virtual root."""
        idom = self._g.node(self._node(obj))[4]
        return None if idom < 0 else self._retainer(idom)

    def path(self, obj):
        """A shortest reference path from a root to ``obj``, as a
        :class:`pympler.muppy.RefPath` (edge labels as in
        :func:`pympler.muppy.find_path`).  Needs a held snapshot."""
        if not self.held:
            raise ValueError("path() needs a held snapshot (this one was released)")
        steps = self._g.path(self._node(obj))
        return muppy.RefPath([(self._g.obj(i), label) for i, label in steps])

    def by_type(self, n=None):
        """Per-type rows (:class:`TypeRow`), largest retained size first;
        ``n`` rows at most."""
        rows = [TypeRow(self._types[t], self._modules[t], c, f, r)
                for t, c, f, r, _ in self._g.type_table()]
        rows.sort(key=lambda r: (-r.retained, -r.flat, r.type))
        res = _Rows(rows[:n] if n is not None else rows)
        res.header = _TYPE_HEADER
        return res

    def by_module(self, n=None):
        """Per-module rows (:class:`ModuleRow`; the module of an object is
        its type's ``__module__``), largest retained size first."""
        rows = [ModuleRow(m, m, c, f, r) for m, c, f, r in self._g.module_table()]
        rows.sort(key=lambda r: (-r.retained, -r.flat, r.type))
        res = _Rows(rows[:n] if n is not None else rows)
        res.header = "  retained       flat      count  module"
        return res

    # -- plain accessors (for file formats and reports)
    def node_count(self):
        """Number of objects (nodes); the virtual root is node ``node_count()``."""
        return self.count

    def addresses(self):
        """``array('Q')``: the address of each node."""
        return _arr("Q", self._g.addresses())

    def flat_sizes(self):
        """``array('Q')``: flat size (getsizeof) of each node."""
        return _arr("Q", self._g.flat_sizes())

    def retained_sizes(self):
        """``array('Q')``: retained size of each node."""
        return _arr("Q", self._g.retained_sizes())

    def type_indices(self):
        """``array('I')``: index into ``types()`` of each node."""
        return _arr("I", self._g.type_indices())

    def dominators(self):
        """``array('I')``: immediate dominator of each node
        (``node_count()``: the virtual root)."""
        return _arr("I", self._g.idoms())

    def edges(self):
        """``(offsets, targets)``, two ``array('I')``: the references of
        node k are ``targets[offsets[k]:offsets[k + 1]]``."""
        return _arr("I", self._g.edge_offsets()), _arr("I", self._g.edge_targets())

    def roots(self):
        """``(nodes, labels)``: ``array('I')`` of the root nodes (the named
        roots first, then the objects nothing refers to, then one object of
        each part of the heap no root reaches) and the list of the named
        roots' labels (``'module NAME'``, ``'frame ...'``)."""
        return _arr("I", self._g.roots()), list(self._g.root_labels())

    def types(self):
        """List of ``(qualname, module)`` per type index."""
        return [tuple(t) for t in self._g.types()]


def snapshot(ignore=(), keep_objects=True):
    """Walk the whole heap and return a :class:`Snapshot`.

    ``keep_objects``: hold every object until ``release()`` (objects and
    path labels can be returned); False keeps numbers only.  ``ignore``:
    objects left out of the heap (by identity).  The frames of this call
    and its caller's call to it are left out; the caller's frame is a root
    like every other frame."""
    skip = (sys._getframe(),)
    try:
        roots = muppy._roots(skip)
        ign = muppy._ignored(skip, None, ignore)
        graph = _core.heap_graph(roots, ign, bool(keep_objects))
    finally:
        del skip
    del roots, ign
    return Snapshot(graph)


def diff(old, new, n=None):
    """Per-type changes from snapshot ``old`` to ``new`` (types matched by
    ``module.QualName``), largest retained-size change (absolute) first,
    as :class:`TypeDiffRow` rows; unchanged types are left out."""
    for s in (old, new):
        if not isinstance(s, Snapshot):
            raise TypeError("diff() takes two Snapshot objects, not %s" % (type(s).__name__,))
    acc = {}
    for sign, snap in ((-1, old), (1, new)):
        for r in snap.by_type():
            a = acc.setdefault(r.type, [0, 0, 0])
            a[0] += sign * r.count
            a[1] += sign * r.flat
            a[2] += sign * r.retained
    rows = [TypeDiffRow(t, c, f, r) for t, (c, f, r) in acc.items() if c or f or r]
    rows.sort(key=lambda r: (-abs(r.retained), -abs(r.flat), r.type))
    res = _Rows(rows[:n] if n is not None else rows)
    res.header = _DIFF_HEADER
    return res
