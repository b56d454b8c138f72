"""Hostile and invalid inputs found in review: amapped(nan), a str subclass
as a name, statistics records handed to the caller."""
import math

import pytest

from pympler import asizeof


def test_amapped_rejects_nan_and_keeps_working():
    prev = asizeof.amapped()
    with pytest.raises(ValueError, match=r"amapped\(percentage=nan\)"):
        asizeof.amapped(math.nan)
    with pytest.raises(TypeError, match=r"amapped\(percentage="):
        asizeof.amapped("x")
    assert asizeof.amapped() == prev
    assert asizeof.asizeof([1.5]) > 0
    assert asizeof.Asizer().asizeof([1.5]) > 0


class NoTruth(str):
    def __bool__(self):
        raise RuntimeError("asked")

    def __len__(self):
        raise RuntimeError("asked")


def test_str_subclass_name_is_not_used():
    class C:
        pass

    c = C()
    c.__name__ = NoTruth("x")
    node = asizeof.asized(c, detail=1)
    assert type(node.name) is str and node.name.startswith("<")
    assert asizeof.asized([c], detail=2).refs[0].name.startswith("<")


def test_profiles_are_copies():
    z = asizeof.Asizer(stats=2)
    z.asizeof([1.0, 2.0])
    for rec in z._sizer.profiles().values():
        assert type(rec) is tuple
    z.asizeof([3.0])   # still consistent after a caller saw the records
    assert z.total > 0
