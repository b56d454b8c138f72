"""The shortcuts of module-level calls (sizer.c, encounter): objects whose
only referrer is the container they are reached through are not recorded in
the seen set, nor (without stats) objects skipped by their type alone
(functions, classes, builtins, frames).  Whatever the graph, the result must
equal a sizer that records everything (a reused Asizer never takes the
shortcuts)."""
import builtins
import gc
import json
import json.decoder
import sys
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
    fn = lambda x: x  # noqa: E731
    frame = sys._getframe()
    skipped = [len, print, fn, fn, Node, Node, Slotted, int, frame, frame, A.asizeof,
               Node.__init__, [].append, staticmethod(fn), property(fn)]
    yield 'skipped by type', lambda: ([skipped, skipped[:], {'f': fn, 'c': Node}],)
    # asized names referents by repr(), and the repr of site's license /
    # credits objects loads their text once: do that now, not in the test.
    repr(vars(builtins))
    yield 'modules', lambda: (json, [json.decoder, json, {'m': json.decoder}], json.decoder)


@pytest.mark.parametrize('opts', [{}, {'code': True}, {'infer': True}, {'limit': 2},
                                  {'ignored': False, 'code': True}, {'frames': True},
                                  {'ignored': False}])
@pytest.mark.parametrize('name,make', list(graphs()), ids=[n for n, _ in graphs()])
def test_module_call_equals_recording_sizer(name, make, opts):
    objs = make()
    gc.collect()
    once = A.asizeof(*objs, **opts)
    z = A.Asizer(**opts)
    assert once == z.asizeof(*objs)
    assert A.asizesof(*objs, **opts) == A.Asizer(**opts).asizesof(*objs)
    tree = A.asized(*objs, detail=1, **opts)
    tree = tree if isinstance(tree, tuple) else (tree,)
    ref = A.Asizer(**opts).asized(*objs, detail=1)
    ref = ref if isinstance(ref, tuple) else (ref,)
    assert [(t.size, t.flat, [(r.name, r.size) for r in t.refs]) for t in tree] \
        == [(t.size, t.flat, [(r.name, r.size) for r in t.refs]) for t in ref]
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
