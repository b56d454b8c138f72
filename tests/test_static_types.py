"""Static builtin types are sized alike on every version (issue 6, item 4).

From 3.12 the dict of a static builtin type is kept per interpreter and
``tp_dict`` is NULL; the engine reads it through ``PyType_GetDict`` there
(compat.h), so ``int.__dict__`` and ``int.__doc__`` are referents on every
version, as they are for a class statement."""
import sys

import pytest

from pympler import asizeof as A


@pytest.mark.parametrize('tp', [int, str, dict, list, object, type])
def test_named_refs_of_static_types_name_doc_and_dict(tp):
    refs = A.named_refs(tp)
    names = [n for n, _ in refs]
    assert names[:4] == ['__class__', '__doc__', '__mro__', '__dict__'][:len(names[:4])]
    assert '__doc__' in names and '__dict__' in names
    got = dict(refs)
    assert got['__doc__'] is tp.__dict__['__doc__']
    assert got['__mro__'] is tp.__mro__
    # the real class dict, with the same items as the mappingproxy
    d = got['__dict__']
    assert type(d) is dict and d == dict(tp.__dict__)


def test_static_type_with_code_counts_its_dict():
    n = A.asizeof(int, code=True, ignored=False)
    # int's dict holds ~70 method descriptors: well over 10 KB on every version
    assert n > 10000
    assert n >= sum(sys.getsizeof(v) for v in int.__dict__.values()) // 2

