"""pympler.tracker: SummaryTracker and ObjectTracker."""
import io
import sys

import pytest

from pympler import summary, tracker

N = 1234


def fresh_class():
    class Fresh(object):
        pass
    return Fresh


def rows_of(diff):
    return {r[0]: (r[1], r[2]) for r in diff}


def warm(tr):
    for _ in range(3):
        tr.diff()


def test_summary_tracker_exact_count():
    Fresh = fresh_class()
    label = summary._repr(Fresh())
    tr = tracker.SummaryTracker()
    warm(tr)
    objs = [Fresh() for _ in range(N)]
    d = rows_of(tr.diff())
    assert d[label] == (N, N * sys.getsizeof(objs[0]))
    del objs
    d = rows_of(tr.diff())
    assert d[label] == (-N, -N * sys.getsizeof(Fresh()))


def test_summary_tracker_quiet_when_nothing_happens():
    tr = tracker.SummaryTracker()
    warm(tr)
    # (not `assert tr.diff() == []`: pytest's assertion rewriting would keep
    # the bound method tr.diff alive during the walk)
    for _ in range(2):
        d = tr.diff()
        assert d == []
        del d   # a list the next summary would rightly count


def test_summary_tracker_ignores_its_own_summaries():
    tr = tracker.SummaryTracker()
    warm(tr)
    tr.store_summary("first")
    tr.store_summary(("second", 2))
    d = tr.diff()
    # Only the summaries dict may have grown in place; no list, str or int
    # of the stored summaries shows up.
    assert all(label == "dict" and count == 0 for label, count, _ in d), d
    assert set(tr.summaries) == {"first", ("second", 2)}


def test_summary_tracker_counts_summaries_held_outside():
    tr = tracker.SummaryTracker()
    warm(tr)
    tr.store_summary("kept")
    tr.diff()
    held = tr.summaries["kept"]          # a reference outside the tracker
    holder = {"held": held}
    d = rows_of(tr.diff())
    assert d.get("list", (0, 0))[0] == 1  # the summary list itself, not its rows
    del holder, held


def test_summary_tracker_without_ignore_self():
    tr = tracker.SummaryTracker(ignore_self=False)
    assert tr.ignore_self is False
    tr.diff()
    tr.store_summary("x")
    d = rows_of(tr.diff())
    assert d["list"][0] >= len(tr.summaries["x"])


def test_summary_tracker_diff_arguments():
    tr = tracker.SummaryTracker()
    s1 = [["a", 1, 10]]
    s2 = [["a", 3, 30], ["z", 0, 0]]
    baseline = tr.s0
    assert tr.diff(s1, s2) == [["a", 2, 20]]
    assert tr.s0 is baseline
    with pytest.raises(ValueError) as e:
        tr.diff(summary2=s2)
    assert str(e.value) == "You cannot provide summary2 without summary1."
    res = tr.diff(summary1=[["never-seen", 5, 500]])
    assert ["never-seen", -5, -500] in res
    assert tr.s0 is tr.s1 and tr.s0 is not baseline


def test_summary_tracker_printing(monkeypatch):
    Fresh = fresh_class()
    tr = tracker.SummaryTracker()
    warm(tr)
    objs = [Fresh() for _ in range(3)]
    out = io.StringIO()
    tr.print_diff(stream=out)
    text = out.getvalue().splitlines()
    assert text[0].split() == ["types", "|", "#", "objects", "|", "total", "size"]
    assert set(text[1]) <= {"=", " ", "|"}
    assert any(line.split("|")[0].strip() == summary._repr(objs[0]) for line in text[2:])
    swapped = io.StringIO()
    monkeypatch.setattr(sys, "stdout", swapped)
    objs.append(Fresh())
    tr.print_diff()
    assert summary._repr(objs[0]) in swapped.getvalue()
    lines = tr.format_diff()
    assert not isinstance(lines, list)
    assert next(iter(lines)).split() == text[0].split()


def test_object_tracker_exact_count():
    Fresh = fresh_class()
    ot = tracker.ObjectTracker()
    ot.get_diff()
    objs = [Fresh() for _ in range(N)]
    d = ot.get_diff()
    assert set(d) == {"+", "-"}
    added = [o for o in d["+"] if type(o) is Fresh]
    assert len(added) == N
    assert {id(o) for o in added} == {id(o) for o in objs}
    assert ot.get_diff()["+"] == [] or all(type(o) is not Fresh for o in ot.get_diff()["+"])


def test_object_tracker_reports_live_removed_objects():
    Fresh = fresh_class()
    kept = Fresh()
    holder = [kept]
    ot = tracker.ObjectTracker()
    d = ot.get_diff(ignore=(kept,))  # kept is now ignored: "removed", alive
    assert any(o is kept for o in d["-"])
    assert not any(o is kept for o in d["+"])
    d = ot.get_diff()
    assert any(o is kept for o in d["+"])
    del holder


def test_object_tracker_o0():
    Fresh = fresh_class()
    a = Fresh()
    ot = tracker.ObjectTracker()
    o0 = ot.o0
    assert any(o is a for o in o0)
    b = Fresh()
    assert not any(o is b for o in ot.o0)
    ot.get_diff()
    assert any(o is b for o in ot.o0)


def test_object_tracker_layout(monkeypatch):
    Fresh = fresh_class()
    ot = tracker.ObjectTracker()
    ot.get_diff()
    objs = [Fresh() for _ in range(5)]
    lines = ot.format_diff()
    assert lines[0] == "Added objects:"
    assert "Removed objects:" in lines
    i = lines.index("Removed objects:")
    assert lines[1] == "  types |   # objects |   total size" or lines[1].split() == [
        "types", "|", "#", "objects", "|", "total", "size"]
    added = {ln.split("|")[0].strip(): int(ln.split("|")[1]) for ln in lines[3:i]}
    assert added[summary._repr(objs[0])] == 5
    out = io.StringIO()
    ot.print_diff(stream=out)
    printed = out.getvalue().splitlines()
    assert printed[0] == "Added objects:" and "Removed objects:" in printed
    swapped = io.StringIO()
    monkeypatch.setattr(sys, "stdout", swapped)
    ot.print_diff()
    assert swapped.getvalue().startswith("Added objects:\n")


def test_object_tracker_ignore_argument():
    Fresh = fresh_class()
    ot = tracker.ObjectTracker()
    ot.get_diff()
    a, b = Fresh(), Fresh()
    d = ot.get_diff(ignore=[a])
    fresh = [o for o in d["+"] if type(o) is Fresh]
    assert len(fresh) == 1 and fresh[0] is b
