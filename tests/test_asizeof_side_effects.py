"""pympler.asizeof leaves the measured program as it was: reference counts
unchanged, nothing kept alive after the call, no instance __dict__ created
on CPython 3.11+ (checked with gc.get_referents and
pympler._core.instance_storage), no garbage left behind."""
import gc
import io
import sys
import weakref

import pytest

from pympler import _core
from pympler import asizeof as A
from pympler.asizeof import Asizer, asized, asizeof, asizesof, flatsize, named_refs, refs

PY = sys.version_info[:2]


class Plain(object):
    def __init__(self, i):
        self.a = 'a%d' % i * 20
        self.b = [i, 2 ** (100 + i)]
        self.c = {'k%d' % i: (i,) * 3}


class Slots(object):
    __slots__ = ('x', '__y', 'unset', '__weakref__')

    def __init__(self, i):
        self.x = 'x%d' % i * 10
        self.__y = [i] * 3


class Mixed(Slots):
    def __init__(self, i):
        Slots.__init__(self, i)
        self.extra = ('e%d' % i) * 5


class DictSub(dict):
    pass


class ListSub(list):
    pass


def make_graph():
    plains = [Plain(i) for i in range(20)]
    d = DictSub(k=plains[0])
    d.attr = 'dict-sub attr'
    ls = ListSub([plains[1], 'item'])
    ls.attr = 'list-sub attr'
    root = {'plains': plains, 'slots': [Slots(i) for i in range(5)],
            'mixed': [Mixed(i) for i in range(5)], 'dsub': d, 'lsub': ls,
            'big': 2 ** 4000, 'str': 'not interned ' * 10, 'tuple': tuple(range(300, 330)),
            'cycle': []}
    root['cycle'].append(root)
    return root


def instances(root):
    return root['plains'] + root['mixed'] + [root['dsub'], root['lsub']]


def _immortal(o):
    return PY >= (3, 12) and sys.getrefcount(o) > 2 ** 29


def watched(root):
    """Objects whose reference counts are watched (not immortal)."""
    objs = [root, root['plains'], root['plains'][3], root['plains'][3].b,
            root['plains'][3].b[1], root['plains'][3].c, root['slots'][2],
            root['slots'][2].x, root['mixed'][1], root['dsub'], root['lsub'], root['big'],
            root['str'], root['tuple'], root['cycle'], Plain, Slots, Mixed]
    return [o for o in objs if not _immortal(o)]


def _counts(objs):
    return [sys.getrefcount(o) for o in objs]


CALLS = [
    ('asizeof', lambda r: asizeof(r)),
    ('asizeof-limit', lambda r: asizeof(r, limit=2)),
    ('asizeof-code', lambda r: asizeof(r, code=True)),
    ('asizeof-stats', lambda r: asizeof(r, stats=3, above=0, stream=io.StringIO())),
    ('asizesof', lambda r: asizesof(r, r['plains'], r['plains'][3])),
    ('asized', lambda r: asized(r, detail=4)),
    ('asized-stats', lambda r: asized(r, r['slots'], detail=2, stats=3, stream=io.StringIO())),
    ('Asizer', lambda r: Asizer().asizesof(r, r['mixed'])),
    ('Asizer-stats', lambda r: _asizer_stats(r)),
    ('flatsize', lambda r: [flatsize(o) for o in instances(r)]),
    ('refs', lambda r: [list(refs(o) or ()) for o in instances(r)]),
    ('named_refs', lambda r: [named_refs(o) for o in instances(r)]),
    ('basicsize-itemsize-leng', lambda r: [(A.basicsize(o), A.itemsize(o), A.leng(o))
                                           for o in instances(r)]),
]


def _asizer_stats(r):
    z = Asizer(stats=3, above=0, stream=io.StringIO())
    z.asizeof(r)
    z.print_stats(objs=(r,))
    z.print_largest()
    z.print_profiles()
    z.print_typedefs()


@pytest.mark.parametrize('name,call', CALLS, ids=[n for n, _ in CALLS])
def test_reference_counts_unchanged(name, call):
    root = make_graph()
    objs = watched(root)
    call(root)   # warm up (type caches, interned names)
    gc.collect()
    before = _counts(objs)
    for _ in range(3):
        res = call(root)
        del res
    gc.collect()
    after = _counts(objs)
    diffs = [(i, b, a) for i, (b, a) in enumerate(zip(before, after)) if a != b]
    assert not diffs, diffs


@pytest.mark.parametrize('name,call', CALLS, ids=[n for n, _ in CALLS])
def test_nothing_kept_alive(name, call):
    root = make_graph()
    wrs = [weakref.ref(root['plains'][3]), weakref.ref(root['slots'][2]),
           weakref.ref(root['mixed'][1]), weakref.ref(root['dsub']), weakref.ref(root['lsub'])]
    res = call(root)
    del res
    root['cycle'].clear()
    del root
    gc.collect()
    assert [w() for w in wrs] == [None] * len(wrs)


def test_nothing_kept_alive_without_collect():
    """Acyclic data dies by reference counting alone right after the call."""
    p = Plain(1)
    w = weakref.ref(p)
    asizeof(p, stats=3, stream=io.StringIO())
    asized(p, detail=3)
    del p
    assert w() is None


@pytest.mark.skipif(PY < (3, 11), reason='instance dicts always exist before 3.11')
@pytest.mark.parametrize('name,call', CALLS, ids=[n for n, _ in CALLS])
def test_no_instance_dict_created(name, call):
    root = make_graph()
    # those without a dict yet (setting an attribute on a dict/list subclass,
    # or on 3.13 on a subclass of a __slots__ class, creates one)
    insts = [o for o in instances(root) if not _core.instance_storage(o)[0]]
    assert len(insts) >= 20
    before = [_core.instance_storage(o) for o in insts]
    refs_before = [[id(r) for r in gc.get_referents(o)] for o in insts]
    for o in insts:
        if type(o) is Plain:   # its only dict referent is the value of 'c'
            assert [r for r in gc.get_referents(o) if type(r) is dict] == [o.c]
    call(root)
    assert [_core.instance_storage(o) for o in insts] == before
    assert [[id(r) for r in gc.get_referents(o)] for o in insts] == refs_before


@pytest.mark.skipif(PY < (3, 11), reason='instance dicts always exist before 3.11')
def test_refs_returns_a_snapshot_dict_without_materialising():
    o = Plain(5)
    d = [r for r in refs(o) if type(r) is dict][0]
    assert d == {'a': o.a, 'b': o.b, 'c': o.c}
    assert not _core.instance_storage(o)[0]
    d['a'] = 'changed'   # a snapshot: the instance is not affected
    assert o.a == 'a5' * 20


def test_gc_garbage_empty():
    gc.collect()
    del gc.garbage[:]
    root = make_graph()
    for _, call in CALLS:
        call(root)
    root['cycle'].clear()
    del root
    gc.collect()
    assert gc.garbage == []


def test_no_uncollectable_cycles_created():
    """The calls create no reference cycles of their own: with the collector
    disabled, repeated calls do not grow the number of tracked objects."""
    root = make_graph()
    for _, call in CALLS:
        call(root)
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        n0 = len(gc.get_objects())
        for _ in range(5):
            for _, call in CALLS:
                res = call(root)
                del res
        n1 = len(gc.get_objects())
    finally:
        if was:
            gc.enable()
    assert n1 - n0 < 50, (n0, n1)


def test_sizes_stable_across_calls():
    """Sizing twice gives the same answer: the first call changed nothing
    that the second one measures."""
    root = make_graph()
    first = [asizeof(root), asizesof(*instances(root)), asized(root, detail=2).size]
    second = [asizeof(root), asizesof(*instances(root)), asized(root, detail=2).size]
    assert first == second
    assert first[0] == first[2]


def test_object_given_and_all_true_keep_nothing_alive():
    p = Plain(2)
    w = weakref.ref(p)
    asizeof(all=True)
    del p
    gc.collect()
    assert w() is None
