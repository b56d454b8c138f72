"""A sizing run counts every distinct object once, whatever Python code it
runs: temporaries handed out by a dict-like's items() keep their addresses
for the whole run, and a Python __sizeof__ that makes new references does
not fool the single-owner shortcut (the module-level call and a recording
Asizer agree)."""
import gc

import pytest

from pympler import asizeof

BIG = 10 ** 6


class DL:
    """A dict-like whose items() builds fresh pairs of fresh objects (no
    small ints or other cached objects: two DLs share nothing)."""

    __slots__ = ('n',)

    def __init__(self, n):
        self.n = n + BIG   # a fresh int per instance

    def _range(self):
        return range(self.n - BIG)

    def items(self):
        return [('k%d' % i, [float(i), i + BIG]) for i in self._range()]

    def keys(self):
        return ['k%d' % i for i in self._range()]

    def values(self):
        return [[float(i), i + BIG] for i in self._range()]

    def __len__(self):
        return self.n - BIG

    def get(self, k, d=None):
        return d

    def has_key(self, k):
        return False


@pytest.fixture
def dictlike():
    cls = type('DLx', (DL,), {'__slots__': ()})
    assert asizeof.adict(cls)
    yield cls
    # Registered classes are global: leave none behind (they switch the
    # module-level calls to the general path).
    asizeof._dict_classes.remove(cls)


def test_fresh_items_of_two_dictlikes_are_all_counted(dictlike):
    one = asizeof.asizeof(dictlike(200))
    assert one > 200 * 100          # the fresh pairs' contents are counted
    two = asizeof.asizeof(dictlike(200), dictlike(200))
    # Each DL hands out its own fresh objects: nothing is shared but the
    # class.  Reused addresses used to make the second about half.
    assert two == 2 * one


def test_fresh_items_with_infer():
    a, b = DL(150), DL(150)
    one = asizeof.asizeof(a, infer=True)
    assert asizeof.asizeof(a, b, infer=True) == 2 * one
    assert asizeof.asizesof(a, b, infer=True) == (one, one)


def test_accumulating_asizer_counts_new_temporaries(dictlike):
    # Both dict-likes live across the calls (an object that dies between
    # calls may leave its address to a new one, which then counts as seen:
    # docs/sizing.md); only the temporaries their items() return die.
    a, b = dictlike(100), dictlike(100)
    z = asizeof.Asizer()
    first = z.asizeof(a)
    gc.collect()
    # The first call's temporaries are gone; new ones at their addresses
    # are new objects, not "already seen".
    second = z.asizeof(b)
    assert first > 100 * 100
    assert second == first
    assert z.asizeof(a) == 0            # a itself is remembered


def test_dictlike_instance_keeps_its_own_storage():
    class Plain(DL):
        pass   # has a __dict__

    p = Plain(3)
    p.extra = [float(i) for i in range(10)]
    before = asizeof.asizeof(p)
    try:
        assert asizeof.adict(Plain)
        after = asizeof.asizeof(p)
        names = [n for n, _ in asizeof.named_refs(p)]
    finally:
        asizeof._dict_classes.remove(Plain)
    # Registered, it is sized as its instance (the __dict__ with 'extra')
    # plus the keys and values of items(), which share nothing with it.
    assert '__dict__' in names and '[K] k0' in names
    fresh = [x for kv in p.items() for x in kv]
    assert after - before == asizeof.asizeof(*fresh) > 0


class Stasher:
    """Its Python __sizeof__ stores a new reference to its payload in a
    list that the walk reaches later (the class's stash)."""

    stash = None

    def __init__(self, payload):
        self.payload = payload

    def __sizeof__(self):
        type(self).stash.append(self.payload)
        return object.__sizeof__(self)


class SlotStasher:
    __slots__ = ('payload', 'stash')

    def __init__(self, payload, stash):
        self.payload = payload
        self.stash = stash

    def __sizeof__(self):
        self.stash.append(self.payload)
        return object.__sizeof__(self)


def _graph(n):
    # A fresh class per graph: every graph starts with the same instance
    # layout (shared-key dicts change with the class's history).
    cls = type('Stasher', (Stasher,), {'stash': []})
    # Payloads: tuples of fresh floats, singly owned (not weakly referenceable).
    items = [cls(tuple(float(i + j) for j in range(3))) for i in range(n)]
    return [items, cls.stash]


def _recording(obj, **opts):
    return asizeof.Asizer(**opts).asizeof(obj)


@pytest.mark.parametrize('n', [1, 10, 100])
def test_python_sizeof_storing_references_module_call_agrees_with_asizer(n):
    expect = _recording(_graph(n))
    got = asizeof.asizeof(_graph(n))
    assert got == expect


def test_python_sizeof_storing_earlier_objects():
    # The single-owner shortcut skips the first list's floats before any
    # __sizeof__ runs; the stashers then make new references to them.
    def build():
        stash = []
        floats = [float(i) + 0.5 for i in range(50)]
        tuples = tuple(tuple(floats[i:i + 1]) for i in range(50))
        stashers = [SlotStasher(t, stash) for t in tuples]
        return [tuples, stashers, stash]
    expect = asizeof.Asizer().asizeof(build())
    assert asizeof.asizeof(build()) == expect
    assert asizeof.asizesof(build())[0] == expect


class SelfStasher:
    """Not weakly referenceable; its __sizeof__ stores the object itself in
    a list that the walk reaches later (the issue's example)."""

    __slots__ = ('v',)
    stash = None

    def __init__(self, v):
        self.v = v

    def __sizeof__(self):
        type(self).stash.append(self)
        return object.__sizeof__(self)


def _self_graph(n):
    cls = type('SelfStasher', (SelfStasher,), {'__slots__': (), 'stash': []})
    return [[cls(float(i)) for i in range(n)], cls.stash]


@pytest.mark.parametrize('n', [1, 100])
def test_sizeof_storing_self_is_counted_once(n):
    g = _self_graph(n)
    module = asizeof.asizeof(g)
    g = _self_graph(n)
    recording = asizeof.Asizer().asizeof(g)
    assert module == recording
    # The truth: the two lists, n objects, n floats, each once.
    g = _self_graph(n)
    items, stash = g
    got = asizeof.asizeof(g)
    assert len(stash) == n
    flat = asizeof.flatsize
    expect = (flat(g, align=8) + flat(items, align=8) + flat(stash, align=8)
              + sum(flat(x, align=8) + flat(x.v, align=8) for x in items))
    assert got == expect


class TargetStasher:
    """Its Python __sizeof__ stores a new reference to an item of a container
    of the graph (met before or after it) in the graph's stash.  It holds the
    container, not the item, so the item can be singly owned."""

    __slots__ = ('where', 'stash')

    def __init__(self, where, stash):
        self.where = where
        self.stash = stash

    def __sizeof__(self):
        if self.where is not None:
            container, key = self.where
            self.stash.append(container[key])
        return object.__sizeof__(self)


def _random_graph(seed):
    """Nested lists, tuples, dicts and sets of singly owned leaves and
    containers, with stashers at random places whose __sizeof__ makes new
    references to random objects of the graph; the stash is walked last."""
    import random
    rng = random.Random(seed)
    stash = []
    made = []           # every object built, candidates for a stasher's target
    stashers = []

    def leaf():
        k = rng.randrange(3)
        o = float(rng.random()) if k == 0 else ('s%d' % rng.randrange(10 ** 6) if k == 1
                                               else rng.randrange(10 ** 6, 10 ** 7))
        made.append(o)
        return o

    def node(depth):
        if depth > 3 or rng.random() < 0.3:
            if rng.random() < 0.15:
                s = TargetStasher(None, stash)
                stashers.append(s)
                return s
            return leaf()
        n = rng.randrange(1, 6)
        kind = rng.randrange(4)
        kids = [node(depth + 1) for _ in range(n)] if kind != 3 else [leaf() for _ in range(n)]
        if kind == 0:
            o = kids
        elif kind == 1:
            o = tuple(kids)
        elif kind == 2:
            o = {('k%d' % i) + str(rng.random()): v for i, v in enumerate(kids)}
        else:
            o = set(kids)
        made.append(o)
        return o

    root = [node(0) for _ in range(rng.randrange(2, 6))]
    indexable = [o for o in made if isinstance(o, (list, tuple, dict)) and o]
    for s in stashers:
        if indexable:
            c = rng.choice(indexable)
            s.where = (c, rng.choice(list(c)) if isinstance(c, dict) else rng.randrange(len(c)))
    # Leave the graph's objects singly owned (node() is in a reference
    # cycle with its closure, which would keep these lists alive).
    made.clear()
    stashers.clear()
    root.append(stash)
    return root


@pytest.mark.parametrize('seed', range(150))
def test_random_graphs_with_stashing_sizeof(seed):
    module = asizeof.asizeof(_random_graph(seed))
    recording = asizeof.Asizer().asizeof(_random_graph(seed))
    assert module == recording
    assert asizeof.asizesof(_random_graph(seed)) == (recording,)
