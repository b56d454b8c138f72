"""Statistics never hash or compare user classes.

The engine keys its per-type profiles by the address of the class, and the
Python side finds registered and excluded classes by identity, so a
metaclass defining __eq__ without __hash__ (unhashable classes) works, and
a metaclass __hash__ / __eq__ never runs, at every stats level.
"""
import io

import pytest

from pympler import asizeof as A
from pympler.asizeof import Asizer, asized, asizeof, asizesof

CALLS = []


class UnhashableMeta(type):
    def __eq__(cls, other):
        CALLS.append('eq')
        return type.__eq__(cls, other)

    __hash__ = None


class CountingMeta(type):
    def __eq__(cls, other):
        CALLS.append('eq')
        return cls is other

    def __ne__(cls, other):
        CALLS.append('ne')
        return cls is not other

    def __hash__(cls):
        CALLS.append('hash')
        return id(cls)


class U(metaclass=UnhashableMeta):
    def __init__(self):
        self.data = list(range(300))


class C(metaclass=CountingMeta):
    def __init__(self):
        self.data = list(range(300))


class CList(list, metaclass=CountingMeta):
    pass


@pytest.mark.parametrize('stats', [1, 2, 3, 3.05])
@pytest.mark.parametrize('infer', [False, True])
def test_no_hash_no_eq(stats, infer):
    objs = [U(), U(), C(), C(), U, C, CList(range(20)), CList]
    del CALLS[:]
    out = io.StringIO()
    s = asizeof(objs, stats=stats, stream=out, above=0, code=True, infer=infer, derive=True)
    assert s == asizeof(objs, code=True, infer=infer)
    asizesof(*objs, stats=stats, stream=out, above=0)
    asized(*objs, stats=stats, stream=out, above=0, detail=2)
    z = Asizer(stats=stats, stream=out, above=0)
    z.exclude_types(U, C, int)
    z.asizeof(objs)
    z.asizeof(objs)
    z.print_stats()
    z.print_profiles()
    z.print_typedefs()
    assert CALLS == []
    text = out.getvalue()
    assert 'test_stats_no_hashing.U' in text
    if stats >= 2:
        assert 'profile' in text


def test_profiles_per_class_and_class_object():
    """One profile per class, and a separate one for the class object."""
    z = Asizer(stats=2, code=True)
    z.asizeof([U(), U(), U])
    rows = [(tp, d, n) for tp, d, n, _, _, _, _, _ in z._profiles_data() if tp is U]
    assert sorted(rows, key=lambda r: r[1]) == [(U, False, 2), (U, True, 1)]
    ranks = [(tp, d) for _, _, tp, d, _, _, _, _, _ in z._ranks_data()]
    assert (list, False) in ranks


def test_adict_by_identity():
    """adict() registers a class with an unhashable metaclass once, and its
    stats=3 table row does not compare classes."""
    class DL(metaclass=CountingMeta):
        def __init__(self):
            self.d = {1: 2}

        def items(self):
            return self.d.items()

        def keys(self):
            return self.d.keys()

        def values(self):
            return self.d.values()

        def __len__(self):
            return 1

        def get(self, k, d=None):
            return d

        def has_key(self, k):
            return False

    class Mod(object):   # a __module__ that is not a str
        def __str__(self):
            CALLS.append('str')
            raise ValueError('str')

        __repr__ = __str__

    DL.__module__ = Mod()
    try:
        del CALLS[:]
        assert A.adict(DL) and A.adict(DL)
        assert sum(1 for c in A._dict_classes if c is DL) == 1
        out = io.StringIO()
        asizeof(DL(), stats=3, stream=out)
        assert CALLS == []
        assert 'dict/-like classes' in out.getvalue()
    finally:
        A._dict_classes[:] = [c for c in A._dict_classes if c is not DL]
