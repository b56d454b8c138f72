"""pympler.summary: labels, summarize, get_diff, format_ and print_ layouts."""
import io
import sys
import types

import pytest

from pympler import summary
from pympler.util.stringutils import pp


class Plain:
    pass


def label(o):
    return summary._repr(o)


def test_builtin_labels():
    assert label("") == "str"
    assert label(1) == "int"
    assert label(Plain()) == __name__ + ".Plain"
    assert label(Plain) == "type"
    assert label(len) == "builtin_function_or_method"
    assert label({}) == "dict"
    assert label([]) == "list"
    assert label(set()) == "set"
    assert label(label) == "function (label)"
    assert label(sys) == "module(sys)"
    assert label(sys._getframe()).startswith("frame (codename: test_builtin_labels")


def test_verbosity_levels():
    assert summary._repr({1: 2}, 2) == "dict, len=1"
    assert summary._repr([1, 2], 3) == "list, len=2"
    assert summary._repr({1}, 2) == "set, len=1"
    assert summary._repr(label, 2) == "function (%s.label)" % __name__
    assert summary._repr(sys, 3) == "module(sys)"
    f = sys._getframe()
    assert summary._repr(f, 2) == "frame (codename: %s, codeline: %d)" % (
        f.f_code.co_name, f.f_code.co_firstlineno)
    assert summary._repr(f, 3).startswith("frame (codename: test_verbosity_levels, filename: ")
    assert summary._repr({}, 0) == "dict"


def test_label_cleanup():
    def named(n):
        def f():
            pass
        f.__name__ = n
        return f
    assert label(named("x at 0xdeadbeef")) == "function (x)"
    assert label(named("odd name")) == "function (odd name)"
    Spaced = type("a b", (), {})
    assert label(Spaced()) == "<class '%s.a b'>" % __name__
    rows = dict((r[0], r[1]) for r in summary.summarize(
        [named("x at 0xdeadbeef"), named("x"), named("y")]))
    assert rows == {"function (x)": 2, "function (y)": 1}


def test_summarize_counts_and_sizes():
    objs = [1, 2, "a", "bb", [], [1], {}, Plain(), Plain()]
    rows = summary.summarize(objs)
    by = {r[0]: r[1:] for r in rows}
    assert by["int"] == [2, sys.getsizeof(1) + sys.getsizeof(2)]
    assert by["str"] == [2, sys.getsizeof("a") + sys.getsizeof("bb")]
    assert by["list"] == [2, sys.getsizeof([]) + sys.getsizeof([1])]
    assert by[__name__ + ".Plain"][0] == 2
    assert all(isinstance(r, list) and len(r) == 3 for r in rows)
    assert summary.summarize([]) == []
    assert summary.summarize(iter([1, 2])) == [["int", 2, 2 * sys.getsizeof(1)]]


def test_representations_customised():
    class Custom:
        pass
    summary.representations[Custom] = [lambda o: "custom <thing> at 0x1234", lambda o: "v2"]
    try:
        rows = summary.summarize([Custom(), Custom()])
        assert rows == [["custom <thing>", 2, 2 * sys.getsizeof(Custom())]]
        assert summary._repr(Custom(), 2) == "v2"
        assert summary._repr(Custom(), 7) == "v2"
    finally:
        del summary.representations[Custom]


def test_replaced_dict_representation_is_per_object():
    old = summary.representations[dict]
    summary.representations[dict] = [lambda d: "dict of %d" % len(d)]
    try:
        rows = {r[0]: r[1] for r in summary.summarize([{}, {1: 2}, {3: 4}])}
        assert rows == {"dict of 0": 1, "dict of 1": 2}
    finally:
        summary.representations[dict] = old


def test_replaced_label_function_is_honoured(monkeypatch):
    monkeypatch.setattr(summary, "_repr", lambda o, verbosity=1: "X" if isinstance(o, int) else "Y")
    rows = sorted(summary.summarize([1, 2, "a"]))
    assert rows == [["X", 2, 2 * sys.getsizeof(1)], ["Y", 1, sys.getsizeof("a")]]


def test_replaced_label_function_that_raises(monkeypatch):
    def bad(o, verbosity=1):
        if isinstance(o, str):
            raise RuntimeError("no")
        if isinstance(o, float):
            return 42  # not a str: converted
        return "ok"
    monkeypatch.setattr(summary, "_repr", bad)
    rows = sorted(summary.summarize([1, "a", 1.5]))
    assert rows == [["42", 1, sys.getsizeof(1.5)], ["ok", 1, sys.getsizeof(1)],
                    ["str", 1, sys.getsizeof("a")]]


def test_get_diff():
    left = summary.summarize([1, "a", "b"])
    right = summary.summarize([1, 2, []])
    res = {r[0]: r[1:] for r in summary.get_diff(left, right)}
    assert res["int"] == [1, sys.getsizeof(2)]
    assert res["str"] == [-2, -(sys.getsizeof("a") + sys.getsizeof("b"))]
    assert res["list"] == [1, sys.getsizeof([])]


ROWS = [["float", 1, 24], ["list", 1, 56], ["tuple", 1, 48]]
EXAMPLE = [
    "  types |   # objects |   total size",
    "======= | =========== | ============",
    "   list |           1 |     56     B",
    "  tuple |           1 |     48     B",
    "  float |           1 |     24     B",
]


def test_format_layout_spec_example():
    lines = summary.format_(ROWS)
    assert not isinstance(lines, list)  # an iterator
    assert list(lines) == EXAMPLE


def test_format_sorting_and_limit():
    rows = [["a", 3, 10], ["b", 1, 30], ["c", 2, 20], ["d", 2, 5]]
    body = lambda lines: [ln.split("|")[0].strip() for ln in list(lines)[2:]]  # noqa: E731
    assert body(summary.format_(rows)) == ["b", "c", "a", "d"]
    assert body(summary.format_(rows, sort="size", order="ascending")) == ["d", "a", "c", "b"]
    assert body(summary.format_(rows, sort="#")) == ["a", "c", "d", "b"]
    assert body(summary.format_(rows, sort="#", order="ascending")) == ["b", "c", "d", "a"]
    assert body(summary.format_(rows, sort="type")) == ["a", "b", "c", "d"]
    assert body(summary.format_(rows, sort="type", order="ascending")) == ["a", "b", "c", "d"]
    assert body(summary.format_(rows, limit=2)) == ["b", "c"]
    assert body(summary.format_(rows, limit=-1)) == ["b", "c", "a"]
    assert rows == [["a", 3, 10], ["b", 1, 30], ["c", 2, 20], ["d", 2, 5]]  # untouched


def test_format_widths_and_pp():
    rows = [["a-very-long-type-label", 1234567, 5 * 1024 * 1024]]
    lines = list(summary.format_(rows))
    cells = [pp(5 * 1024 * 1024), "1234567", "a-very-long-type-label"]
    w = [len(c) + 2 for c in ("a-very-long-type-label", "1234567", cells[0])]
    w[1] = max(w[1], len("# objects") + 2)
    w[2] = max(w[2], len("total size") + 2)
    assert lines[0] == " | ".join([
        "types".rjust(w[0]), "# objects".rjust(w[1]), "total size".rjust(w[2])])
    assert lines[1] == " | ".join("=" * x for x in w)
    assert lines[2] == " | ".join([
        "a-very-long-type-label".rjust(w[0]), "1234567".rjust(w[1]), cells[0].rjust(w[2])])


def test_format_validation_is_immediate():
    with pytest.raises(ValueError) as e:
        summary.format_(ROWS, sort="name")
    assert str(e.value) == "invalid sort, should be one of['type', '#', 'size']"
    with pytest.raises(ValueError) as e:
        summary.format_(ROWS, order="up")
    assert str(e.value) == "invalid order, should be one of['ascending', 'descending']"
    out = io.StringIO()
    with pytest.raises(ValueError):
        summary.print_(ROWS, sort="bad", stream=out)
    assert out.getvalue() == ""


def test_print_to_stream_and_current_stdout(monkeypatch, capsys):
    out = io.StringIO()
    summary.print_(ROWS, stream=out)
    assert out.getvalue() == "\n".join(EXAMPLE) + "\n"
    out2 = io.StringIO()
    summary.print_(ROWS, file=out2)
    assert out2.getvalue() == out.getvalue()
    swapped = io.StringIO()
    monkeypatch.setattr(sys, "stdout", swapped)
    summary.print_(ROWS)
    assert swapped.getvalue() == out.getvalue()
    monkeypatch.undo()
    summary.print_(ROWS, limit=1)
    assert capsys.readouterr().out == "\n".join(EXAMPLE[:3]) + "\n"


def test_private_helpers():
    s = [["int", 2, 56]]
    summary._subtract(s, 5)
    assert s == [["int", 1, 56 - sys.getsizeof(5)]]
    summary._subtract(s, "x")
    assert s[-1] == ["str", -1, -sys.getsizeof("x")]
    assert summary._sweep([["a", 0, 0], ["b", 0, 1], ["c", 1, 0]]) == [["b", 0, 1], ["c", 1, 0]]
    seen = []
    summary._traverse([["a", 1, 2]], seen.append)
    assert len(seen) == 5


def test_module_label_variants():
    m = types.ModuleType("mymod")
    assert label(m) == "module(mymod)"
    del m.__name__
    m.__file__ = "/x/y.py"
    assert label(m) == "module(/x/y.py)"
    del m.__file__
    assert label(m) == "module(nameless, id: %d)" % id(m)


class _StrSub(str):
    def __str__(self):
        return "not used"


def _meta_returning(text):
    class Meta(type):
        def __repr__(cls):
            return text
    return Meta("K", (), {})


@pytest.mark.parametrize("text", [
    "<class 'x'>", "<class 'x'>\n", "<class 'a b'>", "<class 'a\tb'>", "<type 'T'>",
    "<class ''>", "<class 'x'> ", " <class 'x'>", "<class 'q' at 0xabc>",
    "<class 'obj at 0x1f2e'>", "thing at 0xZZ", "<class 'x'>\n\n", "<class 'k'\n>",
    "<class 'é∂'>", "<class 'x\u2003y'>", _StrSub("<class 'sub'>"), "",
])
def test_c_type_labels_match_python(text):
    """The engine cleans type labels in C; the Python regexes are the spec."""
    obj = _meta_returning(text)()
    rows = summary.summarize([obj])
    assert rows[0][0] == summary._repr(obj)
    assert type(rows[0][0]) is str


@pytest.mark.parametrize("name", ["plain", "x at 0x12ab", "two\nlines", "", 42, None])
def test_c_module_labels_match_python(name):
    m = types.ModuleType("m")
    m.__name__ = name
    rows = summary.summarize([m])
    assert rows == [[summary._repr(m), 1, sys.getsizeof(m)]]
