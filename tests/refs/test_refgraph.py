"""pympler.refgraph: edges, metadata, cycles, components and the dot text
(spec 10), parsed back."""
import os
import re
import shutil
import subprocess
import sys

import pytest

from pympler import _core, asizeof, refgraph
from pympler.refgraph import ReferenceGraph
from pympler.util.stringutils import safe_repr, trunc


class Obj(object):
    pass


class Slotted(object):
    __slots__ = ('x', 'y')


def _edges(graph):
    return {(e.src, e.dst, e.label) for e in graph.edges}


def _meta(graph, obj):
    (md,) = [m for m in graph.metadata if m.id == id(obj)]
    return md


# ---- a tiny dot parser ---------------------------------------------------------

_STR = r'"((?:[^"\\]|\\.)*)"'
NODE_RE = re.compile(r'^    "(X[0-9a-fx]+)" \[ label = ' + _STR
                     + r' (, color=(?:red|orange))? \];$')
EDGE_RE = re.compile(r'^    (X[0-9a-fx]+) -> (X[0-9a-fx]+) \[label=' + _STR + r'(,weight=100)?\];$')


def _unescape(text):
    """The text a dot string shows: escapes undone, ``\\n`` as a newline."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == '\\':
            nxt = text[i + 1]
            out.append('\n' if nxt == 'n' else nxt)
            i += 2
        else:
            out.append(ch)
            i += 1
    return ''.join(out)


def parse_dot(text):
    """{name: (label, extra)}, [(src, dst, label, extra)]; every line must
    be one of the layout's lines."""
    lines = text.split('\n')
    assert lines[:3] == ['// Process this file with graphviz', 'digraph G {',
                         '    node [shape=box];']
    assert lines[-2:] == ['}', '']
    nodes, edges = {}, []
    for line in lines[3:-2]:
        m = NODE_RE.match(line)
        if m:
            assert m.group(1) not in nodes
            nodes[m.group(1)] = (_unescape(m.group(2)), m.group(3) or '')
            continue
        m = EDGE_RE.match(line)
        assert m, 'not a dot line of the layout: %r' % line
        edges.append((m.group(1), m.group(2), _unescape(m.group(3)), m.group(4) or ''))
    return nodes, edges


def _name(obj):
    return 'X' + hex(id(obj))[1:]


# ---- edges ---------------------------------------------------------------------

def test_spec_edge_examples():
    inst = Obj()
    inst.next = nxt = Obj()
    d = inst.__dict__                     # materialised: a member of the graph
    selfish = []
    selfish.append(selfish)
    g = ReferenceGraph([inst, d, nxt, selfish])
    assert _edges(g) >= {(id(inst), id(d), '__dict__'), (id(d), id(nxt), 'next'),
                         (id(selfish), id(selfish), '')}
    assert (id(inst), id(nxt), 'next') not in _edges(g) or sys.version_info < (3, 11)
    assert g.count == 4 and g.num_in_cycles == 'N/A' and g.objects == [inst, d, nxt, selfish]


def test_attributes_without_materialised_dict_are_labelled():
    a, b = Obj(), Obj()
    a.next, b.prev = b, a
    before = _core.instance_storage(a)
    g = ReferenceGraph([a, b])
    assert _core.instance_storage(a) == before        # nothing materialised
    if sys.version_info >= (3, 11):
        assert _edges(g) == {(id(a), id(b), 'next'), (id(b), id(a), 'prev')}
    else:
        assert _edges(g) == set()         # the attributes are in the dicts


def test_slots_and_dict_keys_and_containers():
    s = Slotted()
    target = Obj()
    s.y = target
    d = {'k': target, 7: s, (1, 'x'): target}
    lst = [target, target]
    g = ReferenceGraph([s, target, d, lst])
    e = _edges(g)
    assert (id(s), id(target), 'y') in e
    assert (id(d), id(target), 'k') in e and (id(d), id(s), '7') in e
    assert (id(lst), id(target), '') in e
    assert len([x for x in e if x[0] == id(lst)]) == 1
    # a key that is a member: a reference without a label
    key = 'member-key'
    dk = {key: 1}
    assert (id(dk), id(key), '') in _edges(ReferenceGraph([dk, key]))


def test_edge_records():
    e1 = refgraph._Edge(1, 2, 'a')
    e2 = refgraph._Edge(1, 2, 'a')
    assert e1 == e2 and hash(e1) == hash(e2) and len({e1, e2}) == 1
    assert e1 != refgraph._Edge(1, 2, 'b') and e1 != (1, 2, 'a')
    assert e1.group is None


def test_metadata_and_shared_sizer():
    shared = list(range(100))
    a = [shared]
    b = [shared]
    g = ReferenceGraph([a, b, shared])
    sizer = asizeof.Asizer()
    assert [m.size for m in g.metadata] == list(sizer.asizesof(a, b, shared))
    assert g.total_size == sizer.total == asizeof.asizeof(a, b, shared)
    md = _meta(g, a)
    assert md.type == 'list' and md.str == safe_repr(a, clip=128) and md.cycle is False
    assert [m.id for m in g.metadata] == [id(a), id(b), id(shared)]


# ---- cycles and components -------------------------------------------------------

def test_reduce_to_cycles():
    a, b = [], []
    a.append(b)
    b.append(a)
    tail = [a]                    # refers into the cycle, not part of it
    leaf = 'leaf'
    a.append(leaf)
    g = ReferenceGraph([tail, a, b, leaf])
    r = g.reduce_to_cycles()
    # leaves are removed repeatedly; what refers into a cycle stays (spec)
    assert r.objects == [tail, a, b] and r.count == 4 and r.num_in_cycles == 3
    assert g.num_in_cycles == 3 and g.objects == [tail, a, b, leaf]
    assert all(m.cycle for m in r.metadata) and not any(m.cycle for m in g.metadata)
    assert _edges(r) == {(id(a), id(b), ''), (id(b), id(a), ''), (id(tail), id(a), '')}
    assert g.reduce_to_cycles() is r
    none = ReferenceGraph([tail, leaf])
    assert none.reduce_to_cycles() is None and none.reduce_to_cycles() is None
    assert none.num_in_cycles == 0
    direct = ReferenceGraph([a, b, leaf], reduce=True)
    assert direct.objects == [a, b] and direct.num_in_cycles == 2
    assert direct.reduce_to_cycles() is direct and all(m.cycle for m in direct.metadata)


def test_split_finds_whole_components():
    # c refers to a and b: Pympler 1.1 (one pass in metadata order) put b
    # apart from a and c.
    a, b = ['a'], ['b']
    c = [a, b]
    t = (1, 2, 3)
    lone = ['lone']
    g = ReferenceGraph([a, b, c, t, lone])
    subs = list(g.split())
    assert [s.index for s in subs] == list(range(len(subs)))
    assert [[o for o in s.objects] for s in subs] == [[a, b, c], [t], [lone]]
    first = subs[0]
    assert first.count == 3 and len(first.metadata) == 3
    assert _edges(first) == {(id(c), id(a), ''), (id(c), id(b), '')}
    assert all(e.group == 0 for e in first.edges)
    assert first.total_size == sum(m.size for m in first.metadata)
    assert g.count == 5 and len(g.objects) == 5          # the original is intact
    ordered = ReferenceGraph([lone, t, a, b, c]).split_and_sort()
    assert [len(s.metadata) for s in ordered] == [3, 1, 1]
    assert [s.index for s in ordered] == [0, 1, 2]


class Link(object):
    __slots__ = ('next',)


def test_long_chain_and_long_cycle():
    n = 100000
    objs = [Link() for _ in range(n)]
    for i in range(1, n):
        objs[i].next = objs[i - 1]
    g = ReferenceGraph(objs)
    assert len(g.edges) == n - 1 and {e.label for e in g.edges} == {'next'}
    assert g.reduce_to_cycles() is None
    subs = g.split_and_sort()
    assert len(subs) == 1 and subs[0].count == n
    objs[0].next = objs[-1]                 # close the ring
    r = ReferenceGraph(objs, reduce=True)
    assert r.num_in_cycles == n and len(r.edges) == n
    del objs[0].next


# ---- hostile objects ----------------------------------------------------------------

class Hostile(object):
    armed = False

    def __repr__(self):
        raise RuntimeError('repr')

    def __eq__(self, other):
        if Hostile.armed:
            raise RuntimeError('eq')
        return self is other

    def __hash__(self):
        if Hostile.armed:
            raise RuntimeError('hash')
        return 1

    def items(self):
        raise RuntimeError('items')


class Liar(object):
    @property
    def __class__(self):
        return Slotted


class RaisingClass(object):
    @property
    def __class__(self):
        raise RuntimeError('class')


class HostileDict(dict):
    def items(self):
        raise RuntimeError('items')

    def __iter__(self):
        raise RuntimeError('iter')


class WeirdRepr(object):
    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def test_hostile_objects():
    h = Hostile()
    target = Obj()
    h.attr = target
    liar, raiser = Liar(), RaisingClass()
    hd = HostileDict(k=target)
    keyed = {Hostile(): target}
    Hostile.armed = True
    try:
        g = ReferenceGraph([h, target, liar, raiser, hd, keyed], reduce=False)
        r = g.reduce_to_cycles()
        text = g._get_graphviz_data()
    finally:
        Hostile.armed = False
    assert r is None
    assert _meta(g, h).str == 'N/A' and _meta(g, h).type == 'Hostile'
    assert _meta(g, liar).type == 'Slotted'           # what __class__ says (spec)
    assert _meta(g, raiser).type == 'RaisingClass'    # the real type when it raises
    e = _edges(g)
    assert (id(hd), id(target), 'k') in e
    assert (id(keyed), id(target), 'N/A') in e
    if sys.version_info >= (3, 11):
        assert (id(h), id(target), 'attr') in e
    nodes, _ = parse_dot(text)
    assert nodes[_name(h)][0] == 'N/A\nHostile'


def test_dot_text_survives_any_repr_and_key(tmp_path):
    nasty = 'q"uo\\te\nnl<>{}|\r\x00\ud800 end\\'
    odd = WeirdRepr(nasty)
    target = Obj()
    d = {nasty: target, 'plain': odd}
    cls = type('Na"me\\', (object,), {})
    inst = cls()
    g = ReferenceGraph([odd, target, d, inst, nasty])
    path = tmp_path / 'g.dot'
    g.write_graph(str(path))
    text = path.read_text(encoding='utf-8')
    nodes, edges = parse_dot(text)
    assert set(nodes) == {_name(o) for o in (odd, target, d, inst, nasty)}
    label, extra = nodes[_name(odd)]
    shown = trunc(nasty, 48).replace('"', "'")
    shown = shown.encode('utf-8', 'backslashreplace').decode('utf-8')
    shown = shown.replace('\r', '\\x0d').replace('\x00', '\\x00')
    assert label == shown + '\nWeirdRepr' and extra == ''
    assert nodes[_name(inst)][0].endswith('\nNa"me\\')
    labels = {(s, t): lab for s, t, lab, _ in edges}
    want = nasty.encode('utf-8', 'backslashreplace').decode('utf-8')
    want = want.replace('\r', '\\x0d').replace('\x00', '\\x00')
    assert labels[(_name(d), _name(target))] == want
    assert labels[(_name(d), _name(odd))] == 'plain'
    assert len(edges) == len(g.edges)
    if shutil.which('dot'):
        done = subprocess.run(['dot', '-Tcanon', str(path)], capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr
        canon = done.stdout.decode('utf-8')
        assert canon.count(' -> ') == len(g.edges)


def test_dict_weight_and_colours():
    inst = Obj()
    d = inst.__dict__
    import types
    frame = sys._getframe()
    nodes, edges = parse_dot(ReferenceGraph([inst, d, frame])._get_graphviz_data())
    assert (_name(inst), _name(d), '__dict__', ',weight=100') in edges
    assert nodes[_name(frame)][1] == ', color=orange'
    assert isinstance(frame, types.FrameType)
    del frame


# ---- rendering ------------------------------------------------------------------------

@pytest.mark.skipif(shutil.which('dot') is None,
                    reason='graphviz (dot) is not installed: rendering is not tested')
def test_render_with_graphviz(tmp_path):
    a, b = Obj(), Obj()
    a.b, b.a = b, a
    g = ReferenceGraph([a, b, 'x"y\\'])
    out = tmp_path / 'g.ps'
    assert g.render(str(out)) is True
    assert out.read_bytes().startswith(b'%!PS')
    svg = tmp_path / 'g.svg'
    assert g.render(str(svg), format='svg', unflatten=True) is True
    assert b'<svg' in svg.read_bytes()
    assert g.render(str(tmp_path / 'bad'), format='no-such-format') is False


def test_render_errors(tmp_path):
    assert ReferenceGraph([]).render(str(tmp_path / 'x'), cmd='no-such-graphviz-cmd') is False
    with pytest.raises(OSError):
        ReferenceGraph([1]).render(str(tmp_path / 'x'), cmd='no-such-graphviz-cmd')
    assert not os.path.exists(str(tmp_path / 'x'))
