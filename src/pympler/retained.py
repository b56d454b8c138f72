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
import re
import sys
from array import array
from collections import namedtuple

from pympler import _core, muppy
from pympler.util.stringutils import pp

__all__ = ["snapshot", "load", "Snapshot", "Retainer", "TypeRow", "ModuleRow", "TypeDiffRow",
           "Path", "PathStep", "PathDiffRow", "diff", "diff_paths"]

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


PathStep = namedtuple("PathStep", "retainer label")
PathStep.__doc__ = """One step of a :class:`Path`: the :class:`Retainer` reached and the
``label`` of the edge that leads to it (for the first step, the root's:
``'module NAME'``, ``'frame ...'``, or None for an object nothing refers to;
None for an edge the snapshot has no name for)."""


class Path(muppy._PathText, tuple):
    """A retention path of a :class:`Snapshot` (made by
    :meth:`Snapshot.retention_path`): a tuple of :class:`PathStep` from a
    root to the object, with the labels of :func:`pympler.muppy.find_path`.
    It holds numbers and labels only, so it works on released and loaded
    snapshots.  ``str(path)`` prints one step per line, ``path.oneline()``
    the ``module m -> .cache -> ['key'] -> <list at 0x...>`` form; an
    object's ``__dict__`` followed by one of its str keys prints as
    ``.key``."""

    __slots__ = ()

    def __new__(cls, steps):
        return tuple.__new__(cls, (PathStep(r, lab) for r, lab in steps))

    @staticmethod
    def _describe(r):
        return _short(r)

    @property
    def target(self):
        return self[-1].retainer

    def key(self):
        """The path without addresses, list and tuple indexes as ``[*]``,
        ending with the target's type: what :func:`diff_paths` groups by."""
        parts = [_INDEX.sub("[*]", p[0]) if i else p[0]
                 for i, p in enumerate(self._parts())]
        if self[0].label is None:
            parts[0] = "(unreferenced %s)" % (self[0].retainer.type,)
        return " -> ".join(parts) + " : " + self.target.type

    def __repr__(self):
        return "<retained.Path %s>" % (self.oneline(),)


_INDEX = re.compile(r"^\[\d+\]")


def _short(r):
    return "<%s at 0x%x>" % (r.type, r.address)


class PathDiffRow(object):
    """Change of one retention path between two snapshots (see
    :func:`diff_paths`): ``path`` (the :meth:`Path.key`), and the
    differences ``count`` and ``retained`` (new minus old)."""

    __slots__ = ("path", "count", "retained")

    def __init__(self, path, count, retained):
        self.path, self.count, self.retained = path, count, retained

    def __str__(self):
        return "%+11d %+7d  %s" % (self.retained, self.count, self.path)

    def __repr__(self):
        return "<PathDiffRow %s>" % (self.__str__().strip(),)


_TYPE_HEADER = "  retained       flat      count  type"
_OBJ_HEADER = "  retained       flat  object"
_DIFF_HEADER = "   retained        flat      count  type"
_PATH_DIFF_HEADER = "   retained   count  retention path : type"


class Snapshot(object):
    """The heap at one moment, as a graph with its dominator tree (made by
    :func:`snapshot`).

    While ``held`` the snapshot keeps every object of the heap alive (so
    that objects and path labels can be returned); ``release()`` (or the
    end of a ``with`` block) drops them and keeps the numbers: sizes,
    types, edges, dominators.  Methods that return objects then give
    None for ``obj`` (``path`` raises).

    A snapshot read from a file by :func:`load` has ``loaded`` True and
    the file's ``meta`` (Python version, platform, time, program); it
    names its objects by :class:`Retainer` (from ``top``, ``retains``,
    ``retainer(i)``...), never by object."""

    def __init__(self, graph, meta=None, loaded=False):
        self._g = graph
        self.meta = dict(meta or {})
        self.loaded = bool(loaded)
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
        return "<retained.Snapshot %d objects, %s%s>" % (
            self.count, pp(self.total),
            ", held" if self.held else ", loaded" if self.loaded else "")

    # -- queries
    def _retainer(self, i):
        addr, flat, ret, t, _ = self._g.node(i)
        obj = self._g.obj(i) if self.held else None
        return Retainer(i, addr, self._types[t], flat, ret, obj)

    def retainer(self, i):
        """The :class:`Retainer` of node index ``i``."""
        if not isinstance(i, int) or isinstance(i, bool):
            raise TypeError("retainer() takes a node index (int), not %s" % (type(i).__name__,))
        return self._retainer(i)

    def index(self, obj):
        """The node index of ``obj`` (by identity), or -1 when it is not in
        the snapshot (always -1 for a loaded snapshot).  After
        ``release()`` a new object may reuse the address of a dead one."""
        if self.loaded:
            return -1
        return self._g.index(obj)

    def _node(self, obj):
        if type(obj) is Retainer:   # not isinstance: it would ask obj for __class__
            if (type(obj.index) is int and 0 <= obj.index < self.count
                    and self._g.node(obj.index)[0] == obj.address):
                return obj.index
            raise ValueError("the Retainer (%s) is not from this snapshot" % (_short(obj),))
        if self.loaded:
            raise TypeError("a loaded snapshot names its objects by Retainer (from top(), "
                            "retains(), retainer(i)), not %s" % (type(obj).__name__,))
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
        :func:`pympler.muppy.find_path`).  Needs a held snapshot (see
        :meth:`retention_path` for any snapshot)."""
        if not self.held:
            raise ValueError("path() needs a held snapshot (this one was %s); "
                             "retention_path() works on any" % (
                                 "loaded from a file" if self.loaded else "released"))
        steps = self._g.path(self._node(obj))
        return muppy.RefPath([(self._g.obj(i), label) for i, label in steps])

    def retention_path(self, obj):
        """A shortest reference path from a root to ``obj`` (an object, or
        a :class:`Retainer` of this snapshot) as a :class:`Path` of
        :class:`Retainer` rows and labels.  The labels come from the
        objects while the snapshot is held, from the file for a loaded
        snapshot saved with labels; otherwise they are None."""
        return Path((self._retainer(i), label) for i, label in self._g.path(self._node(obj)))

    def save(self, path, labels=None, meta=None):
        """Write the snapshot to the file ``path`` (format:
        docs/snapshot-format.md; gzip when the name ends in ``.gz``).
        ``labels`` (default: while held) stores the label of every edge,
        so that retention paths of the loaded file are named; it needs a
        held snapshot (a loaded one keeps its file's labels).  ``meta``: a
        JSON-friendly dict added to the file's (Python version, platform,
        time, process id, argv)."""
        from pympler import heapfile
        if self.loaded:
            data = self._data
            data.meta = dict(self.meta, **(meta or {}))
        else:
            data = heapfile.from_snapshot(self, meta=meta, labels=labels)
        heapfile.save(data, path)

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

    def _path_groups(self, top):
        """{Path.key: [count, retained]} of the ``top`` biggest retainers:
        one breadth-first search in C for every path, labels only along
        the paths."""
        parent_b, pedge_b = self._g.bfs_tree()
        parent, pedge = _arr("I", parent_b), _arr("I", pedge_b)
        names = self._g.root_labels()
        roots = _arr("I", self._g.roots()[:4 * len(names)])
        root_label = {}
        for r, name in zip(roots, names):
            root_label.setdefault(r, name)
        n, labels, groups = self.count, {}, {}
        for i in self._g.top(top):
            chain = [i]
            while parent[chain[-1]] != n:
                chain.append(parent[chain[-1]])
            chain.reverse()
            steps = [(self._retainer(chain[0]), root_label.get(chain[0]))]
            for k in range(1, len(chain)):
                e = pedge[chain[k]]
                if e not in labels:
                    labels[e] = self._g.edge_label(e, chain[k - 2] if k >= 2 else -1)
                steps.append((self._retainer(chain[k]), labels[e]))
            key = Path(steps).key()
            g = groups.setdefault(key, [0, 0])
            g[0] += 1
            g[1] += self._g.node(i)[2]
        return groups

    def edge_labels(self, base=0):
        """``(labels, strings)``: ``array('I')`` of one index per edge (into
        ``strings``, plus ``base``; 0xFFFFFFFF for an edge with no name)
        and the list of distinct labels.  Needs a held snapshot, or a
        loaded one saved with labels."""
        if not self.held:
            raise ValueError("edge_labels() needs a held snapshot (labels are computed from "
                             "the objects)")
        data, strings = self._g.edge_labels(base)
        return _arr("I", data), strings


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


def load(path):
    """Read a snapshot file written by :meth:`Snapshot.save` (or
    :func:`pympler.heapfile.save`) and return a :class:`Snapshot` of it
    (``loaded`` True, its file's ``meta``).  The dominators and retained
    sizes are computed again from the file's edges.  ValueError (message
    starting ``pympler heap snapshot:``) when the file is not a snapshot,
    is truncated or inconsistent; OSError when it cannot be read."""
    from pympler import heapfile
    return _from_data(heapfile.load(path))


def _file_types(data):
    """(node type indexes, [(qualname, module)]) of a GraphData: the type
    strings as they are when the file says which they are (``meta
    ['types']``, written by :func:`pympler.heapfile.from_snapshot`), else
    one type per distinct type string."""
    strings, node_type = data.strings, data.node_type
    types = data.meta.get("types")
    if (isinstance(types, list) and len(types) <= len(strings)
            and all(isinstance(t, list) and len(t) == 2 and isinstance(t[0], str)
                    and isinstance(t[1], str) for t in types)
            and (not len(node_type) or max(node_type) < len(types))):
        return node_type, [tuple(t) for t in types]
    used = sorted(set(node_type))
    remap = {s: k for k, s in enumerate(used)}
    names = []
    for s in used:
        mod, _, qual = strings[s].rpartition(".")
        names.append((qual, mod or "builtins"))
    return array("I", map(remap.__getitem__, node_type)), names


def _from_data(data):
    node_type, types = _file_types(data)
    strings = data.strings
    nlabelled = 0
    for lab in data.root_label:
        if lab == _NONE32:
            break
        nlabelled += 1
    root_labels = tuple(strings[data.root_label[k]] for k in range(nlabelled))
    has_labels = any(x != _NONE32 for x in set(data.edge_label))
    graph = _core.graph_from_arrays(
        data.node_addr, node_type, data.node_size, data.edge_start, data.edge_to, data.roots,
        root_labels, types, data.edge_label if has_labels else None,
        strings if has_labels else None)
    snap = Snapshot(graph, meta={k: v for k, v in data.meta.items() if k != "types"},
                    loaded=True)
    snap._data = data
    return snap



def diff_paths(old, new, n=None, top=200):
    """Changes by retention path from snapshot ``old`` to ``new``: the
    ``top`` objects with the largest retained sizes of each snapshot are
    grouped by their :meth:`Path.key` (the labels from the root, list and
    tuple indexes as ``[*]``, and the type; no addresses), and each group's
    count and retained size compared, new minus old, as
    :class:`PathDiffRow` rows, largest change (absolute) first; unchanged
    groups are left out.  A group's retained size includes what the
    objects of other groups below it retain.  The snapshots need labels:
    held, or loaded from a file saved with labels."""
    for s in (old, new):
        if not isinstance(s, Snapshot):
            raise TypeError("diff_paths() takes two Snapshot objects, not %s"
                            % (type(s).__name__,))
    if not isinstance(top, int) or top < 0:
        raise ValueError("diff_paths: top must be an int >= 0, not %r" % (top,))
    acc = {}
    for sign, snap in ((-1, old), (1, new)):
        for key, (count, size) in snap._path_groups(top).items():
            a = acc.setdefault(key, [0, 0])
            a[0] += sign * count
            a[1] += sign * size
    rows = [PathDiffRow(k, c, r) for k, (c, r) in acc.items() if c or r]
    rows.sort(key=lambda r: (-abs(r.retained), -abs(r.count), r.path))
    res = _Rows(rows[:n] if n is not None else rows)
    res.header = _PATH_DIFF_HEADER
    return res
