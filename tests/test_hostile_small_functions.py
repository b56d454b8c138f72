"""Hostile objects in every public sizing function, the small ones included.

basicsize, itemsize, flatsize, leng, refs, named_refs, the naming of Asized
nodes and the statistics read types and names statically (the real type and
its C slots, the instance's own storage): no __getattr__, __getattribute__,
__class__ property, __len__ or metaclass hook of the object runs, and a
lazy object is never evaluated.  Only the type's own __repr__ may run (for
names), and a failing one gives the fallback name <TypeName object at 0x..>.
"""
import io
import sys
import unittest.mock
import weakref

import pytest

from pympler import asizeof as A
from pympler.asizeof import (
    Asizer,
    asized,
    asizeof,
    asizesof,
    basicsize,
    flatsize,
    itemsize,
    leng,
    named_refs,
    refs,
)

CALLS = []          # names of hostile hooks that ran


class Boom(Exception):
    pass


class RaisingGetattribute(object):
    def __init__(self):
        object.__setattr__(self, 'data', [1, 2, 3])

    def __getattribute__(self, name):
        CALLS.append('getattribute ' + name)
        raise Boom(name)

    def __getattr__(self, name):
        CALLS.append('getattr ' + name)
        raise Boom(name)


class RaisingMeta(type):
    armed = False

    def __getattribute__(cls, name):
        if type.__getattribute__(RaisingMeta, 'armed'):
            CALLS.append('meta getattribute ' + name)
            raise Boom(name)
        return type.__getattribute__(cls, name)

    def __getattr__(cls, name):
        CALLS.append('meta getattr ' + name)
        raise Boom(name)


class WithRaisingMeta(metaclass=RaisingMeta):
    def __init__(self):
        self.data = [1, 2, 3]


class Lazy(object):
    """Evaluates a wrapped object on first attribute access, as Django's
    SimpleLazyObject does (its __class__ is a property too)."""
    evaluations = 0

    def __init__(self):
        object.__setattr__(self, '_wrapped', None)

    def _setup(self):
        type(self).evaluations += 1
        object.__setattr__(self, '_wrapped', {'name': 'real'})

    def __getattr__(self, name):
        if object.__getattribute__(self, '_wrapped') is None:
            self._setup()
        return getattr(object.__getattribute__(self, '_wrapped'), name)

    @property
    def __class__(self):
        if object.__getattribute__(self, '_wrapped') is None:
            self._setup()
        return type(object.__getattribute__(self, '_wrapped'))

    def __len__(self):
        self._setup()
        return 1


class RaisingRepr(object):
    def __init__(self):
        self.data = [1, 2, 3]

    def __repr__(self):
        CALLS.append('repr')
        raise Boom('repr')

    __str__ = __repr__


class Lying(object):
    def __init__(self):
        self.data = [1, 2, 3]

    @property
    def __class__(self):
        CALLS.append('__class__')
        return int


class HostileList(list):
    """A list whose Python-level hooks all raise."""

    def __len__(self):
        CALLS.append('len')
        raise Boom('len')

    def __getattribute__(self, name):
        CALLS.append('getattribute ' + name)
        raise Boom(name)

    @property
    def __class__(self):
        CALLS.append('__class__')
        raise Boom('__class__')


class Target(object):
    pass


def dead_proxy():
    t = Target()
    p = weakref.proxy(t)
    del t
    return p


def kinds():
    return [
        ('getattribute', RaisingGetattribute()),
        ('meta-instance', WithRaisingMeta()),
        ('meta-class', WithRaisingMeta),
        ('dead-proxy', dead_proxy()),
        ('lazy', Lazy()),
        ('repr', RaisingRepr()),
        ('lying-class', Lying()),
        ('hostile-list', HostileList([1, 2, 3])),
        ('mock', unittest.mock.Mock()),
        ('magicmock', unittest.mock.MagicMock()),
    ]


KINDS = [k for k, _ in kinds()]


@pytest.fixture
def armed():
    del CALLS[:]
    Lazy.evaluations = 0
    RaisingMeta.armed = True
    try:
        yield
    finally:
        RaisingMeta.armed = False


def check_untouched(kind, obj):
    """No hostile hook ran (the type's own __repr__ may, for names)."""
    assert [c for c in CALLS if c != 'repr'] == []
    assert Lazy.evaluations == 0
    if kind in ('mock', 'magicmock'):
        assert obj.mock_calls == []
        assert obj._mock_children == {}


def real_basicsize(obj):
    tp = type(obj)
    b = type.__dict__['__basicsize__'].__get__(tp)
    flags = type.__dict__['__flags__'].__get__(tp)
    if issubclass(tp, type):
        if type.__dict__['__flags__'].__get__(obj) & (1 << 9):
            b += A._GC_HEADER
    elif flags & (1 << 14):
        b += A._GC_HEADER
    return b


def names(a):
    out, todo = [], [a]
    while todo:
        n = todo.pop()
        out.append(n.name)
        todo.extend(n.refs)
    return out


@pytest.mark.parametrize('kind', KINDS)
def test_small_functions(kind, armed):
    obj = dict(kinds())[kind]
    b = basicsize(obj)
    assert b == real_basicsize(obj) and b >= 16
    assert itemsize(obj) == (8 if kind == 'hostile-list' else 0)
    assert flatsize(obj) >= type.__dict__['__basicsize__'].__get__(type(obj))
    assert flatsize(obj, align=16) % 16 == 0
    assert leng(obj) == (7 if kind == 'hostile-list' else None)
    r = refs(obj)
    r = [] if r is None else list(r)
    nr = named_refs(obj)
    assert all(isinstance(n, str) for n, _ in nr)
    if kind in ('getattribute', 'lying-class', 'repr', 'meta-instance'):
        assert ('__class__', type(obj)) in [(n, o) for n, o in nr]
    check_untouched(kind, obj)


@pytest.mark.parametrize('kind', KINDS)
def test_sizing_and_naming(kind, armed):
    obj = dict(kinds())[kind]
    n = asizeof(obj)
    assert n >= flatsize(obj, align=8) or kind == 'meta-class'   # a class is code
    assert asizesof(obj, [obj]) == (n, asizeof([obj]) - n) or kind == 'meta-class'
    top = asized(obj, detail=3, code=True)
    kid = asized([obj], detail=3, code=True)
    for a in (top, kid):
        assert all(isinstance(s, str) and s for s in names(a))
    assert kid.refs[0].size == top.size
    if kind == 'repr':
        assert top.name == '<RaisingRepr object at %#x>' % id(obj)
        assert kid.refs[0].name == top.name
    elif kind == 'meta-class':
        assert top.name == 'WithRaisingMeta'
    elif kind in ('lazy', 'getattribute', 'lying-class', 'meta-instance'):
        assert top.name == A._stats.clip(object.__repr__(obj), 80)
    z = Asizer(detail=2)
    assert z.asizeof(obj) == asizeof(obj)
    z.reset(detail=2, code=True)
    assert z.asized(obj).size == top.size
    z.reset()
    assert z.asizesof(obj, [obj])[0] == n
    check_untouched(kind, obj)


@pytest.mark.parametrize('kind', KINDS)
@pytest.mark.parametrize('stats', [1, 2, 3])
def test_statistics(kind, stats, armed):
    obj = dict(kinds())[kind]
    out = io.StringIO()
    s = asizeof(obj, [obj, [obj]], stats=stats, stream=out, above=0, code=True)
    assert s > 0
    assert 'bytes' in out.getvalue()
    asized(obj, [obj], stats=stats, stream=out, above=0, detail=2)
    asizesof(obj, [obj], stats=stats, stream=out, above=0)
    z = Asizer(stats=stats, stream=out, above=0)
    z.asizeof([obj])
    z.print_stats()
    check_untouched(kind, obj)


def test_lazy_attribute_named_in_own_dict(armed):
    """A __name__ kept in the instance's own storage names it; one that only
    __getattr__ would produce does not."""
    o = Lazy()
    object.__setattr__(o, '__name__', 'lazy one')
    assert asized(o).name == 'lazy one'
    assert asized(Lazy(), clip=0).name.startswith('<%s.Lazy object at 0x' % __name__)
    assert Lazy.evaluations == 0


def test_names_of_ordinary_objects():
    """Pympler 1.1's names: __name__ of classes, functions, modules, builtins
    and methods; the clipped repr otherwise."""
    def f():
        pass

    class C(object):
        def m(self):
            pass

    c = C()
    assert asized(f).name == 'f'
    assert asized(C).name == 'C'
    assert asized(sys).name == 'sys'
    assert asized(len).name == 'len'
    assert asized(c.m).name == 'm'
    assert asized([].append).name == 'append'
    assert asized(list.append).name == 'append'
    assert asized(int).name == 'int'
    assert asized('abc').name == "'abc'"
    assert asized(11).name == '11'
    assert asized(c, clip=0).name == repr(c)
    c.__name__ = 'named instance'
    assert asized(c).name == 'named instance'
    assert asized(x for x in ()).name == '<genexpr>'


def test_repr_looked_up_on_the_real_type(armed):
    """A __repr__ offered by instance __getattr__ is not used."""
    class Inst(object):
        def __getattr__(self, name):
            CALLS.append('getattr ' + name)
            return lambda: 'from getattr'

    o = Inst()
    assert asized(o, clip=0).name == object.__repr__(o)
    assert CALLS == []
