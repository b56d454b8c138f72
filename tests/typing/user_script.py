"""The public API used the way users use it, checked with `mypy --strict`
against the installed package (.ci/run typing) and run by
tests/typing/test_public_stubs.py.  Every annotation below is what a user
would write; a stub that returned Any or a wrong type fails --strict."""
import io
from typing import Any, Dict, List, Optional, Tuple

from pympler import asizeof, muppy, summary, tracker
from pympler.asizeof import Asized, Asizer
from pympler.util import compat, stringutils


class Point:
    def __init__(self, x: int, y: int) -> None:
        self.x = x
        self.y = y


def sizes() -> Tuple[int, Tuple[int, ...], int, Optional[int]]:
    data: Dict[str, List[int]] = {"a": [1, 2, 3], "b": []}
    total: int = asizeof.asizeof(data, limit=10, align=8)
    each: Tuple[int, ...] = asizeof.asizesof(data, Point(1, 2), code=False)
    flat: int = asizeof.flatsize(data) + asizeof.basicsize(data) + asizeof.itemsize(data)
    length: Optional[int] = asizeof.leng([1, 2, 3])
    return total, each, flat, length


def trees() -> str:
    tree: Asized = asizeof.asized(Point(1, 2), detail=1)
    pair: Tuple[Asized, ...] = asizeof.asized([1], [2], detail=1)
    child: Optional[Asized] = tree.get("__dict__")
    names = [node.name for node in tree.refs] + [p.format() for p in pair]
    return tree.format(depth=1, order_by="name") + str(child is None) + ",".join(map(str, names))


def accumulate() -> int:
    sizer = Asizer(align=8, stats=0)
    sizer.exclude_types(Point)
    first: int = sizer.asizeof([1, 2, 3])
    again: Tuple[int, ...] = sizer.asizesof([4], [5])
    sizer.set(detail=1)
    sizer.print_summary(file=io.StringIO())
    named: List[Tuple[str, Any]] = asizeof.named_refs(Point(3, 4))
    ok: bool = asizeof.adict(dict)
    share: float = asizeof.amapped()
    return first + sum(again) + sizer.total + sizer.sized + len(named) + int(ok) + int(share)


def heap() -> List[str]:
    objs: List[Any] = muppy.get_objects()
    points: List[Any] = muppy.filter(objs, Type=Point, min=0)
    size: int = muppy.get_size(points)
    rows = summary.summarize(objs[:1000])
    lines: List[str] = list(summary.format_(rows, limit=5, sort="size"))
    summary.print_(rows, limit=3, file=io.StringIO())
    tr = tracker.SummaryTracker()
    grown = tr.diff()
    tr.print_diff(file=io.StringIO())
    ot = tracker.ObjectTracker()
    new: Dict[str, List[Any]] = ot.get_diff()
    lines += ot.format_diff()
    return lines + [str(size), str(len(grown)), str(len(new["+"]))]


def text() -> str:
    found: bool = compat.object_in_list(1, [1, 2])
    return (stringutils.pp(123456) + stringutils.pp_timestamp(1.5)
            + stringutils.trunc("abcdef", 4) + stringutils.safe_repr(Point, clip=10) + str(found))


def tracked() -> int:
    from pympler.classtracker import ClassTracker
    ct = ClassTracker()
    ct.track_class(Point, resolution_level=1)
    p = Point(1, 2)
    ct.create_snapshot("one")
    total: int = ct.snapshots[-1].total
    sizes: List[int] = [o.get_max_size() for objs in ct.index.values() for o in objs]
    ct.close()
    del p
    return total + len(sizes)


def stats() -> str:
    # classtracker_stats on an empty run: dump, load, print, compare.
    from pympler.classtracker_stats import ConsoleStats, compare_stats, print_comparison
    buf = io.BytesIO()
    ConsoleStats().dump_stats(buf, close=False)
    buf.seek(0)
    out = io.StringIO()
    loaded = ConsoleStats(stream=out)
    loaded.load_stats(buf)
    loaded.sort_stats("size", "name").print_stats(limit=2)
    loaded.print_summary()
    rows: List[Dict[str, Any]] = compare_stats(loaded, loaded)
    print_comparison(rows, stream=out)
    return out.getvalue()


def references() -> str:
    # refbrowser, refgraph and garbagegraph: a tree, a graph, the garbage.
    from pympler.garbagegraph import GarbageGraph
    from pympler.refbrowser import StreamBrowser
    from pympler.refgraph import ReferenceGraph
    p = Point(1, 2)
    holder: List[Any] = [p]
    out = io.StringIO()
    StreamBrowser(p, maxdepth=1, stream=out).print_tree()
    graph = ReferenceGraph([holder, p])
    parts: List[ReferenceGraph] = graph.split_and_sort()
    labels: List[str] = [e.label for e in graph.edges]
    cycles: Optional[ReferenceGraph] = graph.reduce_to_cycles()
    GarbageGraph().print_stats(out)
    return out.getvalue() + str(len(parts) + len(labels)) + str(cycles)


def report() -> str:
    from pympler import heapreport, retained
    snap = retained.snapshot(keep_objects=False)
    page: str = heapreport.render_html(snap, top=3, title="typed")
    return page


def main() -> None:
    total, each, flat, length = sizes()
    assert total > 0 and len(each) == 2 and flat > 0 and length == 7
    assert trees()
    assert accumulate() > 0
    assert heap()
    assert text()
    assert tracked() > 0
    assert "SUMMARY" in stats()
    assert "Garbage:" in references()
    assert "<svg" in report()
    print("user_script: ok")


if __name__ == "__main__":
    main()
