"""Option values of pympler.asizeof: a bad value gives a clear error naming
the option, at every public entry that takes options; and the numbers of
the stats=3 type tables agree with basicsize() and itemsize().

Rules (docs/sizing.md, "Option values"): integer options take an int
(bool included, as in Pympler 1.1); flags take a bool, an int or None;
stats an int or a finite float; the wrong type raises
TypeError('invalid option: set(<name>=<value>)'), a bad value of the right
type ValueError with the same text (flatsize: 'flatsize(align=...)').
"""
import io
import math
import sys

import pytest

from pympler import asizeof as A
from pympler.asizeof import Asizer, asized, asizeof, asizesof, basicsize, flatsize, itemsize

OBJ = [1, 'two', {'three': 3.0}]

# (name, value, exception)
BAD = [
    ('detail', 'a', TypeError), ('stats', 'a', TypeError), ('align', 2.0, TypeError),
    ('limit', -1, ValueError), ('limit', 1.5, TypeError), ('align', 3, ValueError),
    ('align', -8, ValueError), ('above', -1, ValueError), ('above', '1k', TypeError),
    ('cutoff', -1, ValueError), ('cutoff', 1.0, TypeError), ('detail', -1, ValueError),
    ('stats', -1, ValueError), ('stats', math.nan, ValueError),
    ('stats', math.inf, ValueError),
    ('code', 'yes', TypeError), ('frames', 1.0, TypeError),
]
# only where None is not "unchanged", and options set() does not take
BAD_RESET = [
    ('limit', None, TypeError), ('detail', None, TypeError), ('align', None, TypeError),
    ('clip', 'a', TypeError), ('infer', 'no', TypeError), ('derive', [], TypeError),
    ('ignored', 0.0, TypeError), ('stream', 42, TypeError), ('stats', None, TypeError),
]
SET_NAMES = ('above', 'align', 'code', 'cutoff', 'frames', 'detail', 'limit', 'stats')


def call_module(fn):
    return lambda **o: fn(OBJ, **o)


ENTRIES = {
    'asizeof': call_module(asizeof),
    'asizeof-no-objects': lambda **o: asizeof(**o),
    'asizesof': call_module(asizesof),
    'asized': call_module(asized),
    'Asizer()': lambda **o: Asizer(**o),
    'Asizer.reset': lambda **o: Asizer().reset(**o),
    'Asizer.set': lambda **o: Asizer().set(**o),
    'Asizer.asizeof': lambda **o: Asizer().asizeof(OBJ, **o),
    'Asizer.asizesof': lambda **o: Asizer().asizesof(OBJ, **o),
    'Asizer.asized': lambda **o: Asizer().asized(OBJ, **o),
}
RESET_ENTRIES = ('asizeof', 'asizeof-no-objects', 'asizesof', 'asized', 'Asizer()',
                 'Asizer.reset')


def cases():
    for entry in ENTRIES:
        for name, value, exc in BAD:
            if name in SET_NAMES or entry in RESET_ENTRIES:
                yield entry, name, value, exc
        if entry in RESET_ENTRIES:
            for name, value, exc in BAD_RESET:
                yield entry, name, value, exc


@pytest.mark.parametrize('entry,name,value,exc', list(cases()))
def test_bad_option(entry, name, value, exc):
    with pytest.raises(exc) as e:
        ENTRIES[entry](**{name: value})
    assert str(e.value) == 'invalid option: set(%s=%r)' % (name, value)


def test_bad_option_leaves_asizer_unchanged():
    z = Asizer(detail=1)
    with pytest.raises(TypeError):
        z.set(limit=0, detail='a')
    assert z.detail == 1 and z.limit == sys.maxsize


@pytest.mark.parametrize('value,exc', [(2.0, TypeError), (None, TypeError), ('8', TypeError),
                                       (3, ValueError), (-1, ValueError)])
def test_flatsize_align(value, exc):
    with pytest.raises(exc) as e:
        flatsize(OBJ, align=value)
    assert str(e.value) == 'invalid option: flatsize(align=%r)' % (value,)


def test_accepted_values():
    """Bools where ints are meant (Pympler 1.1 accepts them), int flags, a
    fractional stats level, None as a false flag, huge limits."""
    assert asizeof(OBJ, limit=True) == asizeof(OBJ, limit=1)
    assert asizeof(OBJ, limit=False) == flatsize(OBJ, align=8)
    assert asizeof(OBJ, align=True) == asizeof(OBJ, align=1)
    assert asizeof(OBJ, code=1, frames=0, infer=None) == asizeof(OBJ, code=True)
    assert asizeof(OBJ, limit=10 ** 30) == asizeof(OBJ)
    assert asizeof(OBJ, above=10 ** 30, detail=10 ** 30, cutoff=10 ** 30) == asizeof(OBJ)
    assert asizeof(OBJ, clip=-5) == asizeof(OBJ)
    out = io.StringIO()
    assert asizeof(OBJ, stats=1.5, stream=out) == asizeof(OBJ)
    assert 'bytes' in out.getvalue()
    z = Asizer(limit=True, align=16, stats=2.0)
    assert (z.limit, z.align, z.stats) == (1, 16, 2)
    z.set(limit=None, align=None)   # None: unchanged
    assert (z.limit, z.align) == (1, 16)
    assert flatsize(OBJ, align=True) == flatsize(OBJ)
    assert flatsize(OBJ, align=16) % 16 == 0


class Sub(int):
    pass


def test_int_subclass_values():
    assert asizeof(OBJ, limit=Sub(1)) == asizeof(OBJ, limit=1)
    assert type(Asizer(detail=Sub(2)).detail) is int


# ---- stats=3 tables agree with basicsize() / itemsize() -----------------------------

class Plain(object):
    def __init__(self):
        self.a = 1


class Slotted(object):
    __slots__ = ('a', 'b')

    def __init__(self):
        self.a = [1]
        self.b = (2, 3)


def table_rows(*objs):
    out = io.StringIO()
    asizeof(*objs, stats=3, stream=out, code=True)
    rows = {}
    for line in out.getvalue().splitlines():
        line = line.strip()
        if line.startswith('class ') and ':  ' in line and ' objects' not in line \
                and ' object:' not in line:
            key, rest = line.split(':  ', 1)
            basic, item = rest.split(', ')[:2]
            rows[key] = (int(basic), int(item))
    return rows


def test_type_tables_agree_with_basicsize_itemsize():
    samples = [[1, 2], (1, 2), {'k': 1.5}, 'text', b'bytes', 10 ** 30, {1, 2},
               frozenset([3]), Plain(), Slotted(), bytearray(b'x')]
    rows = table_rows(samples, Plain)
    assert rows['class list'] == (basicsize([]), itemsize([]))
    assert rows['class list'][1] == 8
    for o in samples:
        key = A._stats.typekey(type(o), False)
        assert rows[key] == (basicsize(o), itemsize(o)), key
    assert rows[A._stats.typekey(Plain, True)] == (basicsize(Plain), itemsize(Plain))


@pytest.mark.parametrize('method,name,value,exc', [
    ('print_stats', 'stats', 'a', TypeError), ('print_stats', 'stats', -1, ValueError),
    ('print_summary', 'w', 'a', TypeError), ('print_largest', 'w', 1.0, TypeError),
    ('print_largest', 'cutoff', -1, ValueError), ('print_profiles', 'cutoff', 'a', TypeError),
    ('print_typedefs', 'w', None, TypeError)])
def test_print_arguments(method, name, value, exc):
    z = Asizer(stats=3, stream=io.StringIO())
    z.asizeof(OBJ)
    with pytest.raises(exc) as e:
        getattr(z, method)(**{name: value})
    assert str(e.value) == 'invalid option: %s(%s=%r)' % (method, name, value)
    getattr(z, method)(**{name: 3 if name == 'stats' else 5})


@pytest.mark.parametrize('fname', ['flatsize', 'refs', 'named_refs'])
def test_infer_of_small_functions(fname):
    fn = getattr(A, fname)
    with pytest.raises(TypeError) as e:
        fn(OBJ, infer='yes')
    assert str(e.value) == "invalid option: %s(infer='yes')" % fname
    fn(OBJ, infer=1)
    fn(OBJ, infer=None)
