"""Graphs of the references among a collection of objects.

`ReferenceGraph` finds the references between the given objects, annotates
each object with its size, type and repr, and writes the graph in graphviz's
"dot" language (`ReferenceGraph.write_graph`) or renders it with graphviz's
``dot`` when it is installed (`ReferenceGraph.render`)::

    from pympler.refgraph import ReferenceGraph
    graph = ReferenceGraph([a, b, c], reduce=True)   # only the cycles
    graph.write_graph('refs.dot')

The referents of each object are read by the C engine (``pympler._core``):
what ``gc.get_referents`` reports plus the named referents of
`pympler.asizeof.named_refs` (so an instance's attributes are edges labelled
with their names, whether or not its ``__dict__`` was ever materialised).
Dict keys and values are read from the dict's storage: no ``items()``,
``__eq__`` or ``__hash__`` of the objects runs.  Sizes come from one shared
`pympler.asizeof.Asizer` (shared objects are counted once).

Differences from Pympler 1.1:

* Edge labels are always strings: a dict key that is not a ``str`` is
  labelled with its safe repr.  An attribute of an instance without a
  materialised ``__dict__`` (CPython 3.11+) is labelled with its name
  (Pympler 1.1: ``''``).
* `ReferenceGraph.reduce_to_cycles` and `ReferenceGraph.split` take linear
  time (Pympler 1.1: quadratic), and `split` yields each connected
  component exactly once (Pympler 1.1 could split one component in two).
* With ``reduce=True`` the metadata of the objects say ``cycle=True``.
* Every label written to a dot file is escaped (quotes, backslashes,
  newlines, ``<>{}|``, control characters), so no repr breaks the file;
  files are UTF-8.

Documentation: docs/usage.md in pympler's source repository.
"""
import sys
from copy import copy
from subprocess import PIPE, Popen

from pympler import _core
from pympler import asizeof as _asizeof
from pympler.asizeof import Asizer
from pympler.util.stringutils import safe_repr, trunc

__all__ = ['ReferenceGraph']

# Popen may deadlock when file descriptors leak to children on POSIX; on
# Windows close_fds=True fails with piped standard streams.
popen_flags = {}
if sys.platform not in ['win32']:  # pragma: no branch
    popen_flags['close_fds'] = True


class _MetaObject(object):
    """Annotations of one object: ``id``, ``size``, ``type``, ``str``,
    ``cycle`` and ``group``."""
    __slots__ = ('size', 'id', 'type', 'str', 'group', 'cycle')

    def __init__(self):
        self.cycle = False
        self.group = None

    def __repr__(self):
        return '<_MetaObject id=%#x size=%s type=%s>' % (self.id, self.size, self.type)


class _Edge(object):
    """A reference from the object with id ``src`` to the one with id
    ``dst``; equal (and hashing equal) when ``(src, dst, label)`` are."""
    __slots__ = ('src', 'dst', 'label', 'group')

    def __init__(self, src, dst, label):
        self.src = src
        self.dst = dst
        self.label = label
        self.group = None

    def __repr__(self):
        return "<%08x => %08x, '%s', %s>" % (self.src, self.dst, self.label, self.group)

    def __hash__(self):
        return hash((self.src, self.dst, self.label))

    def __eq__(self, other):
        if not isinstance(other, _Edge):
            return NotImplemented
        return (self.src, self.dst, self.label) == (other.src, other.dst, other.label)

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq


def _sizer():
    """An engine sizer giving the named referents of one object, as
    `pympler.asizeof.named_refs` does."""
    z = _core.Sizer()
    z.configure(align=_core.DEFAULT_ALIGN, code=True, frames=True, ignored=False,
                infer=False, limit=1, detail=0, profile=False,
                above=0, dictlike=tuple(_asizeof._dict_classes))
    return z


def _key_label(key):
    """The label of a dict key: the key itself when it is a str (as a plain
    str, no method of a subclass runs), else its safe repr."""
    if isinstance(key, str):
        return str.__str__(key)
    return safe_repr(key, clip=64)


def _edges_of(z, n, members):
    """``[(id(dst), label)]`` for the references from ``n`` to the objects
    whose ids are in ``members``, each destination once."""
    found = {}
    for x in _core.heap_referents(n, 1):
        if id(x) in members:
            found[id(x)] = None
    try:
        named = z.referents(n)
    except Exception:   # a failing traversal hides the names, not the edges
        named = None
    if named:
        for _spec, x in named:
            if id(x) in members:
                found.setdefault(id(x), None)
    if not found:
        return []
    if named:
        is_dict = issubclass(type(n), dict)
        snapshots = []
        for spec, x in named:
            if id(x) not in found:
                if spec == '__dict__' and type(x) is dict:
                    snapshots.append(x)   # attributes held apart from a member dict
                continue
            if found[id(x)] is not None:
                continue
            if is_dict:
                if type(spec) is tuple and spec[0] == 'V':
                    found[id(x)] = _key_label(spec[1])
            elif spec is not None:
                found[id(x)] = _asizeof._refname(spec, x)
        for d in snapshots:
            for spec, x in z.referents(d) or ():
                if (type(spec) is tuple and spec[0] == 'V' and id(x) in found
                        and found[id(x)] is None):
                    found[id(x)] = _key_label(spec[1])
    return [(dst, label if label is not None else '') for dst, label in found.items()]


def _type_name(obj):
    """``obj.__class__.__name__``, or the real type's name when that fails
    or is not a str."""
    try:
        name = obj.__class__.__name__
    except Exception:
        name = None
    if not isinstance(name, str):
        name = _TYPE_NAME.__get__(type(obj), type)   # the real type's own
    return str.__str__(name)


_TYPE_NAME = type.__dict__['__name__']


_ESCAPES = {'\\': '\\\\', '"': '\\"', '\n': '\\n', '<': '\\<', '>': '\\>',
            '{': '\\{', '}': '\\}', '|': '\\|'}


def _dot_escape(text):
    """``text`` as the inside of a double-quoted dot string that shows it
    literally: no quote, backslash or line break of the text can end the
    string or the statement."""
    text = text.encode('utf-8', 'backslashreplace').decode('utf-8')
    out = []
    for ch in text:
        esc = _ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch < ' ' or ch == '\x7f':
            out.append('\\\\x%02x' % ord(ch))
        else:
            out.append(ch)
    return ''.join(out)


def _node_name(oid):
    return 'X%s' % hex(oid)[1:]


class ReferenceGraph(object):
    """The references among ``objects``; ``reduce=True`` keeps only the
    objects that are part of reference cycles.

    >>> from pympler.refgraph import ReferenceGraph
    >>> a = 42
    >>> b = 'spam'
    >>> c = {a: b}
    >>> gb = ReferenceGraph([a, b, c])
    >>> gb.write_graph('spam.dot')
    """

    def __init__(self, objects, reduce=False):
        self.objects = list(objects)
        self.count = len(self.objects)
        self.num_in_cycles = 'N/A'
        self.edges = None
        self._reduced = None
        self._reduced_done = False
        if reduce:
            self.num_in_cycles = self._reduce_to_cycles()
            self._reduced = self
            self._reduced_done = True
        self._get_edges()
        self._annotate_objects()
        if reduce:
            for md in self.metadata:
                md.cycle = True

    # ---- edges and cycles ---------------------------------------------------

    def _adjacency(self, objects):
        """``{id(src): [(id(dst), label)]}`` among ``objects``."""
        members = {}
        for o in objects:
            members[id(o)] = None
        z = _sizer()
        adj = {}
        for n in objects:
            if id(n) not in adj:
                adj[id(n)] = _edges_of(z, n, members)
        return adj

    def _take_adjacency(self):
        """The adjacency of ``objects``: the one left by the last step
        (cycle reduction) if any, else computed."""
        adj = self.__dict__.pop('_adj', None)
        return adj if adj is not None else self._adjacency(self.objects)

    def _get_edges(self):
        """Compute ``edges`` among ``objects``."""
        adj = self._take_adjacency()
        self.edges = set()
        for src, outs in adj.items():
            for dst, label in outs:
                self.edges.add(_Edge(src, dst, label))

    def _reduce_to_cycles(self):
        """Keep in ``objects`` only the objects in reference cycles (remove
        the objects that refer to no other member, repeatedly); return
        their number."""
        objects = self.objects
        adj = self._take_adjacency()
        outdeg = {}
        preds = {}
        for src, outs in adj.items():
            outdeg[src] = len(outs)
            for dst, _label in outs:
                preds.setdefault(dst, []).append(src)
        gone = set()
        todo = [oid for oid, d in outdeg.items() if d == 0]
        while todo:
            oid = todo.pop()
            gone.add(oid)
            for src in preds.get(oid, ()):
                outdeg[src] -= 1
                if outdeg[src] == 0:
                    todo.append(src)
        self.objects = [o for o in objects if id(o) not in gone]
        self._adj = {src: [(dst, label) for dst, label in outs if dst not in gone]
                     for src, outs in adj.items() if src not in gone}
        return len(self.objects)

    def reduce_to_cycles(self):
        """A copy reduced to the objects in reference cycles (their metadata
        say ``cycle=True``), or None when there are no cycles.  Cached."""
        if not self._reduced_done:
            reduced = copy(self)
            reduced.objects = self.objects[:]
            reduced.metadata = []
            reduced.edges = set()
            adj = {}
            for md in self.metadata:
                adj[md.id] = []
            for e in self.edges:
                adj[e.src].append((e.dst, e.label))
            reduced._adj = adj
            self.num_in_cycles = reduced._reduce_to_cycles()
            reduced.num_in_cycles = self.num_in_cycles
            if self.num_in_cycles:
                reduced._get_edges()
                reduced._annotate_objects()
                for meta in reduced.metadata:
                    meta.cycle = True
                reduced._reduced = reduced
                reduced._reduced_done = True
            else:
                reduced = None
            self._reduced = reduced
            self.__dict__.pop('_adj', None)
            self._reduced_done = True
        return self._reduced

    # ---- components ----------------------------------------------------------

    def _annotate_groups(self):
        """Number the connected components (edges taken as undirected) in
        the order of their first object in ``metadata``."""
        neighbours = {}
        for e in self.edges:
            neighbours.setdefault(e.src, []).append(e.dst)
            neighbours.setdefault(e.dst, []).append(e.src)
        group_of = {}
        idx = 0
        for md in self.metadata:
            if md.id in group_of:
                continue
            group_of[md.id] = idx
            todo = [md.id]
            while todo:
                oid = todo.pop()
                for nb in neighbours.get(oid, ()):
                    if nb not in group_of:
                        group_of[nb] = idx
                        todo.append(nb)
            idx += 1
        for md in self.metadata:
            md.group = group_of[md.id]
        for e in self.edges:
            e.group = group_of.get(e.src)
        self._max_group = idx

    def split(self):
        """Yield one sub-graph per connected component: shallow copies with
        their own ``metadata``, ``edges``, ``objects``, ``count``,
        ``total_size`` and ``index`` (0, 1, ... in yield order)."""
        self._annotate_groups()
        metas = {}
        for md in self.metadata:
            metas.setdefault(md.group, []).append(md)
        edges = {}
        for e in self.edges:
            edges.setdefault(e.group, set()).add(e)
        objs = {}
        group_of = {md.id: md.group for md in self.metadata}
        for o in self.objects:
            g = group_of.get(id(o))
            if g is not None:
                objs.setdefault(g, []).append(o)
        for index, group in enumerate(range(self._max_group)):
            sub = copy(self)
            sub.metadata = metas.get(group, [])
            sub.edges = edges.get(group, set())
            sub.objects = objs.get(group, [])
            sub.count = len(sub.metadata)
            sub.total_size = sum(md.size for md in sub.metadata)
            sub.index = index
            sub._reduced = None
            sub._reduced_done = False
            yield sub

    def split_and_sort(self):
        """The components of `split`, largest first (by number of objects),
        with ``index`` renumbered in that order."""
        graphs = list(self.split())
        graphs.sort(key=lambda g: -len(g.metadata))
        for index, graph in enumerate(graphs):
            graph.index = index
        return graphs

    # ---- annotations ---------------------------------------------------------

    def _annotate_objects(self):
        """Compute ``metadata`` and ``total_size`` (one shared sizer)."""
        self.metadata = []
        sizer = Asizer()
        sizes = sizer.asizesof(*self.objects) if self.objects else ()
        self.total_size = sizer.total
        for obj, sz in zip(self.objects, sizes):
            md = _MetaObject()
            md.size = sz
            md.id = id(obj)
            md.type = _type_name(obj)
            md.str = safe_repr(obj, clip=128)
            self.metadata.append(md)

    # ---- output --------------------------------------------------------------

    def _get_graphviz_data(self):
        """The graph as graphviz "dot" text."""
        s = ['// Process this file with graphviz\n', 'digraph G {\n', '    node [shape=box];\n']
        for md in self.metadata:
            label = _dot_escape(trunc(md.str, 48).replace('"', "'"))
            extra = ''
            if md.type == 'instancemethod':
                extra = ', color=red'
            elif md.type == 'frame':
                extra = ', color=orange'
            s.append('    "%s" [ label = "%s\\n%s" %s ];\n'
                     % (_node_name(md.id), label, _dot_escape(md.type), extra))
        for e in sorted(self.edges, key=lambda e: (e.src, e.dst, e.label)):
            extra = ''
            if e.label == '__dict__':
                extra = ',weight=100'
            s.append('    %s -> %s [label="%s"%s];\n'
                     % (_node_name(e.src), _node_name(e.dst), _dot_escape(str(e.label)), extra))
        s.append('}\n')
        return ''.join(s)

    def write_graph(self, filename):
        """Write the graph as graphviz "dot" text (UTF-8) to ``filename``."""
        with open(filename, 'w', encoding='utf-8') as f:
            f.write(self._get_graphviz_data())

    def render(self, filename, cmd='dot', format='ps', unflatten=False):  # noqa: A002
        """Render the graph to ``filename`` with graphviz (``cmd
        -T<format>``), optionally through ``unflatten -l7`` first.  False
        without running anything when there are no objects; True when the
        renderer exits with 0.  OSError when graphviz is not installed."""
        if not self.objects:
            return False
        data = self._get_graphviz_data().encode('utf-8')
        options = ('-Nfontsize=10', '-Efontsize=10', '-Nstyle=filled',
                   '-Nfillcolor=#E5EDB8', '-Ncolor=#CCCCCC')
        cmdline = (cmd, '-T%s' % format, '-o', filename) + options
        if unflatten:
            p1 = Popen(('unflatten', '-l7'), stdin=PIPE, stdout=PIPE, **popen_flags)
            try:
                p2 = Popen(cmdline, stdin=p1.stdout, **popen_flags)
            except BaseException:
                p1.stdin.close()
                p1.stdout.close()
                p1.wait()
                raise
            p1.stdout.close()   # p2 holds its own copy
            p1.communicate(data)
            p2.communicate()
            return p1.returncode == 0 and p2.returncode == 0
        p = Popen(cmdline, stdin=PIPE, **popen_flags)
        p.communicate(data)
        return p.returncode == 0
