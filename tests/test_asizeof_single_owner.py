"""The single-owner shortcut of module-level calls (sizer.c, encounter):
objects whose only referrer is the container they are reached through are
not recorded in the seen set.  Whatever the graph, the result must equal a
sizer that records everything (a reused Asizer never takes the shortcut)."""
import gc
import weakref

import pytest

from pympler import asizeof as A


class Node(object):
    pass


class Slotted(object):
    __slots__ = ('a', 'b')


class DictLike(object):
    def __init__(self, pairs):
        self._pairs = pairs

    def items(self):
        return list(self._pairs)

    def keys(self):
        return [k for k, _ in self._pairs]

    def values(self):
        return [v for _, v in self._pairs]

    def __len__(self):
        return len(self._pairs)

    def get(self, k, d=None):
        return d

    def has_key(self, k):
        return False


def _gen(x):
    local = [x, (x,)]
    yield local


def graphs():
    n = Node()
    n.payload = [list(range(5)), 'text', (1, 2)]
    owner = [n]
    yield 'weakref before owner', lambda: ([weakref.ref(owner[0])], owner)
    yield 'weakref after owner', lambda: (owner, weakref.ref(owner[0]))
    proxy_target = Node()
    holder = {'t': proxy_target}
    yield 'proxy', lambda: ([weakref.proxy(holder['t']), holder],)
    s = Slotted()
    s.a, s.b = [1, 2, 3], ('x' * 50,)
    yield 'slots', lambda: ([s, [s.a]],)
    yield 'class with code', lambda: ([Node, Slotted, Node()],)
    g = _gen(['only here'])
    next(g)
    yield 'generator', lambda: ([g],)
    dl = DictLike([('k', [1, 2]), ('v', (3, 4))])
    yield 'dict-like', lambda: ([dl, dl._pairs],)
    shared = ['shared']
    yield 'shared', lambda: ([shared, [shared], (shared,)],)
    yield 'nested unique', lambda: ([[[i, str(i), (i, float(i))] for i in range(50)]],)


@pytest.mark.parametrize('opts', [{}, {'code': True}, {'infer': True}, {'limit': 2},
                                  {'ignored': False, 'code': True}])
@pytest.mark.parametrize('name,make', list(graphs()), ids=[n for n, _ in graphs()])
def test_module_call_equals_recording_sizer(name, make, opts):
    objs = make()
    gc.collect()
    once = A.asizeof(*objs, **opts)
    z = A.Asizer(**opts)
    assert once == z.asizeof(*objs)
    assert A.asizesof(*objs, **opts) == A.Asizer(**opts).asizesof(*objs)
    # a second module call (fresh state) gives the same answer
    assert A.asizeof(*objs, **opts) == once


def test_adict_registered_class_disables_shortcut():
    A.adict(DictLike)
    try:
        dl = DictLike([('k', [1, 2])])
        objs = ([dl, dl._pairs],)
        assert A.asizeof(*objs) == A.Asizer().asizeof(*objs)
    finally:
        A._dict_classes.remove(DictLike)


def test_reused_asizer_never_recounts():
    data = [[i, str(i)] for i in range(100)]
    z = A.Asizer()
    first = z.asizeof(data)
    assert first > 0
    assert z.asizeof(data) == 0
    assert z.asizeof(data[0]) == 0
    assert z.total == first


def test_singly_owned_objects_counted_once_per_call():
    inner = [object() for _ in range(3)]
    data = [inner]
    del inner
    assert A.asizeof(data) == A.flatsize(data, align=8) + A.asizeof(data[0])
