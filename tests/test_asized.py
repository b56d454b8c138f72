"""pympler._asized.Asized (API spec section 2.4), on hand-built trees."""
import pytest

from pympler._asized import Asized


def tree():
    return Asized(300, 56, name="Foo", refs=[
        Asized(0, 0, name="__class__"),
        Asized(244, 104, name="__dict__", refs=(
            Asized(80, 56, name="[V] data: [1]", refs=[Asized(24, 24, name="1")]),
            Asized(60, 60, name="[K] data"),
        )),
    ])


def test_slots_and_attributes():
    assert set(Asized.__slots__) == {"flat", "name", "refs", "size"}
    a = Asized(10, 8)
    assert (a.size, a.flat, a.refs, a.name) == (10, 8, (), None)
    assert not hasattr(a, "__dict__")
    with pytest.raises(AttributeError):
        a.other = 1
    a.size, a.flat, a.name, a.refs = 1, 2, "x", (Asized(0, 0),)
    assert (a.size, a.flat, a.name, len(a.refs)) == (1, 2, "x", 1)


def test_refs_become_tuple():
    r = [Asized(1, 1), Asized(2, 2)]
    a = Asized(3, 0, r)
    assert isinstance(a.refs, tuple)
    assert a.refs == tuple(r)
    assert Asized(3, 0, refs=iter(r)).refs == tuple(r)


def test_positional_order():
    a = Asized(100, 50, (), "name")
    assert (a.size, a.flat, a.name) == (100, 50, "name")


def test_str():
    assert str(tree()) == "size 300, flat 56, refs[2], name 'Foo'"
    assert str(Asized(1, 2)) == "size 1, flat 2, refs[0], name None"


def test_format_spec_example():
    a = Asized(300, 56, name="Foo",
               refs=[Asized(244, 104, name="__dict__"), Asized(0, 0, name="__class__")])
    assert a.format("%(name)s", order_by="name") == "Foo\n    __class__\n    __dict__"


def test_format_default():
    assert tree().format() == "\n".join([
        "Foo size=300 flat=56",
        "    __dict__ size=244 flat=104",
        "        [V] data: [1] size=80 flat=56",
        "            1 size=24 flat=24",
        "        [K] data size=60 flat=60",
        "    __class__ size=0 flat=0",
    ])


def test_format_order_by_flat():
    assert tree().format("%(name)s", order_by="flat") == "\n".join([
        "Foo",
        "    __dict__",
        "        [K] data",
        "        [V] data: [1]",
        "            1",
        "    __class__",
    ])


def test_format_stable_for_equal_keys():
    a = Asized(3, 0, refs=[Asized(1, 1, name="b"), Asized(1, 1, name="a"),
                           Asized(2, 2, name="c")])
    assert a.format("%(name)s") == "None\n    c\n    b\n    a"


def test_format_depth_and_indent():
    t = tree()
    assert t.format("%(name)s", depth=0) == "Foo"
    assert t.format("%(name)s", depth=1) == "Foo\n    __dict__\n    __class__"
    assert t.format("%(name)s", depth=2, indent="> ").splitlines() == [
        "> Foo",
        ">     __dict__",
        ">         [V] data: [1]",
        ">         [K] data",
        ">     __class__",
    ]
    assert not t.format().endswith("\n")


def test_format_deep_tree_no_recursion():
    leaf = node = Asized(1, 1, name="n0")
    for i in range(1, 5000):
        node = Asized(i + 1, 1, refs=[node], name="n%d" % i)
    lines = node.format("%(name)s").split("\n")
    assert len(lines) == 5000
    assert lines[0] == "n4999"
    assert lines[-1] == " " * (4 * 4999) + "n0"
    assert leaf.format() == "n0 size=1 flat=1"


def test_format_bad_order_by():
    with pytest.raises(AttributeError):
        tree().format(order_by="nope")


def test_get():
    t = tree()
    d = t.get("__dict__")
    assert d is t.refs[1]
    assert d.get("[K] data").size == 60
    assert t.get("missing") is None
    assert t.get("missing", 42) == 42
    dup = Asized(0, 0, refs=[Asized(1, 1, name="x"), Asized(2, 2, name="x")])
    assert dup.get("x").size == 1
