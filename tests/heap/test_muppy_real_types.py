"""muppy's type tests read the real type from C, never an attribute of a
heap object (issue 6, item 11): dead weak proxies and a raising
``__class__`` on the heap break none of filter, ignore_object, get_size,
sort."""
import collections.abc
import io
import sys
import weakref

import pytest

from pympler import muppy


class Node(object):
    pass


class SubNode(Node):
    pass


class Target(object):
    pass


class RaisingClass(object):
    @property
    def __class__(self):
        raise RuntimeError("__class__ read")


class LyingNode(object):
    """Claims to be a Node through __class__: isinstance believes it."""

    @property
    def __class__(self):
        return Node


def hostile_heap():
    t = Target()
    dead = weakref.proxy(t)
    del t
    return [dead, RaisingClass(), LyingNode()]


def has(objs, x):
    return any(o is x for o in objs)


def test_filter_type_with_dead_proxy_and_raising_class_on_heap():
    hostile = hostile_heap()
    n, s = Node(), SubNode()
    objs = muppy.get_objects()
    found = muppy.filter(objs, Type=Node)
    assert has(found, n) and has(found, s)
    assert not has(found, hostile[2])   # the real type decides, not __class__
    assert all(isinstance(o, Node) and type(o).__mro__.count(Node) for o in found)


def test_filter_on_hostile_objects_directly():
    hostile = hostile_heap()
    n = Node()
    objs = hostile + [n, 1, "x"]
    assert muppy.filter(objs, Type=Node) == [n]
    assert muppy.filter(objs, Type=RaisingClass) == [hostile[1]]
    assert muppy.filter(objs, Type=weakref.ProxyType) == [hostile[0]]
    assert muppy.filter(objs, Type=(int, str)) == [1, "x"]
    assert muppy.filter(objs, Type=(int, (Node, str))) == [n, 1, "x"]
    assert muppy.filter(objs, Type=object) == objs
    assert len(muppy.filter(objs, min=0)) == len(objs)


def test_filter_abc_is_asked_about_the_real_type():
    objs = [[1], (2,), "s", {}, Node()] + hostile_heap()
    assert muppy.filter(objs, Type=collections.abc.Sequence) == objs[:3]


def test_filter_bad_type_names_it():
    with pytest.raises(TypeError, match="Type"):
        muppy.filter([1], Type=3)
    with pytest.raises(TypeError, match="Type"):
        muppy.filter([1], Type=(int, "str"))


def test_ignore_object_never_reads_attributes():
    hostile = hostile_heap()
    assert muppy.ignore_object(hostile[0]) is True     # dead proxy
    assert muppy.ignore_object(hostile[1]) is False    # raising __class__
    assert muppy.ignore_object(hostile[2]) is False
    assert muppy.ignore_object(sys._getframe()) is True
    t = Target()
    assert muppy.ignore_object(weakref.proxy(t)) is False
    assert muppy.ignore_object(Node()) is False


def test_get_size_and_sort_with_hostile_objects():
    hostile = hostile_heap()
    out = io.StringIO()
    assert muppy.get_size(hostile, stream=out) > 0
    ordered = muppy.sort(hostile + [Node()])
    assert len(ordered) == 4
