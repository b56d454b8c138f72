"""ObjectTracker reports every added and every removed object exactly
(issue 6, item 10).

The tracker holds the objects of its last measurement (spec 5.2: ``o0``);
at the next diff, those that nothing outside the tracker's own list reaches
any more are the removed ones: they are reported in ``'-'`` and released.
"""
import collections
import gc
import sys
import weakref

from pympler import summary, tracker

MARK = object()   # first item of the lists the tests look for


class Node(object):
    pass


def marked_lists(objs):
    return [o for o in objs if type(o) is list and len(o) == 2 and o[0] is MARK]


def has(objs, x):
    return any(o is x for o in objs)


def test_lru_cache_every_new_and_every_evicted_list():
    """Evicting one list and adding one per step reuses the freed address
    with the same type: each new list is still new, each evicted one
    removed."""
    cache = collections.OrderedDict()
    for i in range(50):
        cache[i] = [MARK, i]
    ot = tracker.ObjectTracker()
    ot.get_diff()
    for i in range(50, 100):
        cache.popitem(last=False)
        cache[i] = [MARK, i]
    d = ot.get_diff()
    added = marked_lists(d["+"])
    removed = marked_lists(d["-"])
    assert sorted(o[1] for o in added) == list(range(50, 100))
    assert all(o is cache[o[1]] for o in added)
    assert sorted(o[1] for o in removed) == list(range(50))


def test_replaced_dict_value_both_reported():
    d = {"a": [MARK, 1]}
    ot = tracker.ObjectTracker()
    ot.get_diff()
    del d["a"]
    d["b"] = [MARK, 9]
    diff = ot.get_diff()
    assert [o[1] for o in marked_lists(diff["+"])] == [9]
    assert has(diff["+"], d["b"])
    assert [o[1] for o in marked_lists(diff["-"])] == [1]


def test_removed_cycle_reported_and_released():
    a, b = Node(), Node()
    a.other, b.other = b, a
    ra, rb = weakref.ref(a), weakref.ref(b)
    ot = tracker.ObjectTracker()
    ot.get_diff()
    del a, b
    diff = ot.get_diff()
    removed = [o for o in diff["-"] if type(o) is Node]
    assert len(removed) == 2
    assert has(removed, ra()) and has(removed, rb())
    assert not has(ot.o0, ra())
    del diff, removed
    gc.collect()
    assert ra() is None and rb() is None


def test_object_held_only_by_tracker_is_removed_then_released():
    x = Node()
    r = weakref.ref(x)
    ot = tracker.ObjectTracker()
    del x
    gc.collect()
    assert r() is not None   # spec 5.2: the tracker holds its last measurement
    assert has(ot.o0, r())
    diff = ot.get_diff()
    assert has(diff["-"], r())
    assert not has(ot.o0, r())
    del diff
    assert r() is None       # released with the diff, no cycle left behind


def test_live_objects_are_not_removed():
    kept = [Node() for _ in range(20)]
    ot = tracker.ObjectTracker()
    ot.get_diff()
    diff = ot.get_diff()
    assert not any(has(diff["-"], o) for o in kept)
    assert all(has(ot.o0, o) for o in kept)


def test_new_objects_reached_only_through_removed_ones_are_not_added():
    a = Node()
    ra = weakref.ref(a)
    ot = tracker.ObjectTracker()
    ot.get_diff()
    child = Node()
    rc = weakref.ref(child)
    a.child = child
    del a, child
    diff = ot.get_diff()
    assert has(diff["-"], ra())
    assert not has(diff["+"], rc())
    assert not has(ot.o0, rc())
    del diff
    gc.collect()
    assert ra() is None and rc() is None


def test_ignore_is_honoured():
    ot = tracker.ObjectTracker()
    ot.get_diff()
    a, b = Node(), Node()
    d = ot.get_diff(ignore=[a])
    fresh = [o for o in d["+"] if type(o) is Node]
    assert len(fresh) == 1 and fresh[0] is b
    assert not has(ot.o0, a) and has(ot.o0, b)
    # An ignored object of the last measurement is "removed" but alive.
    d = ot.get_diff(ignore=(b,))
    assert has(d["-"], b)


def test_no_growth_across_many_diffs():
    probe = Node()
    ot = tracker.ObjectTracker()
    for _ in range(3):
        ot.get_diff()
    refs = sys.getrefcount(probe)
    n0 = len(ot.o0)
    for _ in range(12):
        ot.get_diff()
    assert sys.getrefcount(probe) == refs
    assert abs(len(ot.o0) - n0) < 50
    d = ot.get_diff()
    assert len(d["+"]) < 50 and len(d["-"]) < 50


def test_tracker_creates_no_cycle_with_its_list():
    gc.collect()
    ot = tracker.ObjectTracker()
    ot.get_diff()
    assert not has(ot.o0, ot) and not has(ot.o0, ot.__dict__)
    probe = Node()
    ot.get_diff()
    assert has(ot.o0, probe)
    refs = sys.getrefcount(probe)
    del ot
    assert sys.getrefcount(probe) == refs - 1   # the list went with the tracker
    assert gc.collect() == 0


def test_format_diff_layout_counts_added_and_removed():
    Fresh = type("Fresh", (object,), {})
    gone = [Fresh() for _ in range(7)]
    ot = tracker.ObjectTracker()
    ot.get_diff()
    del gone
    objs = [Fresh() for _ in range(3)]
    lines = ot.format_diff()
    assert lines[0] == "Added objects:"
    i = lines.index("Removed objects:")
    header = ["types", "|", "#", "objects", "|", "total", "size"]
    assert lines[1].split() == header and lines[i + 1].split() == header
    assert set(lines[2]) == set(lines[i + 2]) == {"=", " ", "|"}
    label = summary._repr(objs[0])

    def count(part):
        return [int(ln.split("|")[1]) for ln in part if ln.split("|")[0].strip() == label]
    assert count(lines[1:i]) == [3]
    assert count(lines[i + 1:]) == [7]


def test_o0_is_the_list_of_the_last_measurement():
    a = Node()
    ot = tracker.ObjectTracker()
    o0 = ot.o0
    assert type(o0) is list and ot.o0 is o0
    assert has(o0, a)
    b = Node()
    assert not has(ot.o0, b)
    ot.get_diff()
    assert ot.o0 is not o0 and has(ot.o0, b)


def test_frozen_objects_are_not_removed():
    # gc.freeze() moves objects out of the collector's lists, so the heap
    # walk does not find them; alive, they must not be reported removed.
    tr = tracker.ObjectTracker()
    holder = [Node()]
    x = holder[0]
    tr.get_diff()
    gc.freeze()
    try:
        diff = tr.get_diff()
    finally:
        gc.unfreeze()
    assert not has(diff["-"], x)
    assert has(tr.o0, x)
