"""pympler.heapreport: the HTML report of a retained.Snapshot, parsed with
html.parser: the numbers of its tables are the snapshot's, nothing loads
from the network, every name from the heap is escaped, the treemap has a
rectangle per (module, type) it shows, long paths and tables are cut."""
import base64
import hashlib
import re
import shlex
import sys
from html.parser import HTMLParser

import pytest

from pympler import heapreport, retained

EVIL_CLASS = "</script><script>alert(1)</script>"
EVIL_MODULE = "evil<mod>&amp;"
EVIL_KEY = "</td><img src=x onerror=alert(1)>"
EVIL_ARGV = ["prog.py", "<script>alert('argv')</script>", "a&b"]


class Payload(object):
    def __init__(self, n):
        self.data = [str(i) * 3 for i in range(n)]


Evil = type("Evil", (object,), {"__init__": Payload.__init__})
Evil.__qualname__ = EVIL_CLASS
Evil.__module__ = EVIL_MODULE

# big enough to be among the top retainers, reached through the hostile key
HOLDER = {EVIL_KEY: [Evil(40) for _ in range(200)] + [bytearray(4 << 20)],
          "payload": [Payload(40) for _ in range(50)]}

# two types of the same module and name: a row and a rectangle each
TWINS = [type("Twin", (object,), {}) for _ in range(2)]
TWIN_OBJS = [t() for t in TWINS]
for _t in TWIN_OBJS:
    _t.blob = bytearray(1 << 20)


class Page(HTMLParser):
    """What the tests look at: tables (rows of (attrs, text) cells), the
    treemap's type groups and rectangles, every attribute, scripts, styles,
    path lists and the text of the page."""

    def __init__(self, doc):
        HTMLParser.__init__(self, convert_charrefs=True)
        self.tables, self.groups, self.attrs, self.row_links = {}, [], [], {}
        self.scripts, self.styles, self.paths, self.text = [], [], {}, []
        self.meta_csp = None
        self._stack, self._table, self._row, self._cell = [], None, None, None
        self._raw, self._group, self._path, self._li = None, None, None, None
        self.feed(doc)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.attrs.extend(attrs)
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy":
            self.meta_csp = a["content"]
        elif tag in ("script", "style"):
            self._raw = (tag, [])
        elif tag == "table":
            self._table = self.tables.setdefault(a.get("id"), {"head": [], "rows": []})
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = (a, [])
        elif tag == "g" and a.get("class") == "t":
            self._group = dict(a, rects=[])
            self.groups.append(self._group)
        elif tag == "a" and self._group is not None:
            self.row_links[id(self._group)] = a.get("href")
        elif tag == "rect" and self._group is not None:
            self._group["rects"].append(a)
        elif tag == "details":
            self._path = self.paths.setdefault(a["id"], {"steps": [], "summary": []})
        elif tag == "li" and self._path is not None:
            self._li = [a, []]
            self._path["steps"].append(self._li)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in ("rect",):
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._raw:
            (self.scripts if tag == "script" else self.styles).append("".join(self._raw[1]))
            self._raw = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append((self._cell[0], "".join(self._cell[1]).strip()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            part = "head" if self._row and "data-key" in self._row[0][0] else "rows"
            self._table[part].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "g":
            self._group = None
        elif tag == "li":
            self._li = None
        elif tag == "details":
            self._path = None

    def handle_data(self, data):
        if self._raw:
            self._raw[1].append(data)
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell[1].append(data)
        if self._li is not None:
            self._li[1].append(data)
        elif self._path is not None:
            self._path["summary"].append(data)

    def column(self, table, key):
        """The cells of one column of a table, by the header's data-key."""
        t = self.tables[table]
        keys = [a["data-key"] for a, _ in t["head"][0]]
        k = keys.index(key)
        return [row[k] for row in t["rows"]]


def _num(cells):
    return [int(a["data-v"]) for a, _ in cells]


def _text(cells):
    return [t for _, t in cells]


@pytest.fixture(scope="module")
def held():
    snap = retained.snapshot()
    try:
        yield snap, heapreport.render_html(snap, top=50, title="<b>My</b> report & co")
    finally:
        snap.release()


def test_tables_are_the_snapshots_numbers(held):
    snap, doc = held
    page = Page(doc)
    top = snap.top(50)
    assert _num(page.column("top-table", "rank")) == list(range(1, 51))
    assert _num(page.column("top-table", "retained")) == [r.retained for r in top]
    assert _num(page.column("top-table", "flat")) == [r.flat for r in top]
    assert _num(page.column("top-table", "address")) == [r.address for r in top]
    assert _text(page.column("top-table", "type")) == [r.type for r in top]
    assert _text(page.column("top-table", "address")) == ["0x%x" % r.address for r in top]

    types = snap.by_type()[:heapreport.MAX_TYPES]     # more in a long test run
    assert _text(page.column("type-table", "type")) == [r.type for r in types]
    assert _text(page.column("type-table", "module")) == [r.module for r in types]
    assert _num(page.column("type-table", "count")) == [r.count for r in types]
    assert _num(page.column("type-table", "flat")) == [r.flat for r in types]
    assert _num(page.column("type-table", "retained")) == [r.retained for r in types]
    assert ("types-cut" in doc) == (len(snap.by_type()) > heapreport.MAX_TYPES)

    mods = snap.by_module(heapreport.MAX_MODULES)
    assert _text(page.column("module-table", "module")) == [r.module for r in mods]
    assert _num(page.column("module-table", "count")) == [r.count for r in mods]
    assert _num(page.column("module-table", "flat")) == [r.flat for r in mods]
    assert _num(page.column("module-table", "retained")) == [r.retained for r in mods]

    assert "{:,}".format(snap.count) in page.text
    # the initial order is by retained size, and the header says so
    for table in ("top-table", "type-table", "module-table"):
        sorted_by = [a["data-key"] for a, _ in page.tables[table]["head"][0] if "aria-sort" in a]
        assert sorted_by == ["retained"]


def test_nothing_loads_from_the_network(held):
    doc = held[1]
    page = Page(doc)
    for name, value in page.attrs:
        assert name not in ("src", "srcset", "action", "formaction", "xlink:href"), (name, value)
        if name == "href":
            assert value.startswith("#"), value
    assert not re.search(r"url\s*\(|@import", doc, re.I)
    assert not re.search(r"(https?:)?//", "".join(page.styles + page.scripts))
    assert not re.search(r'(src|href)\s*=\s*"?(https?:|//)', doc, re.I)
    # a strict policy: nothing but this script and this style sheet, by hash
    csp = page.meta_csp
    assert "default-src 'none'" in csp and "unsafe" not in csp
    for kind, texts in (("script-src", page.scripts), ("style-src", page.styles)):
        assert len(texts) == 1
        digest = base64.b64encode(hashlib.sha256(texts[0].encode()).digest()).decode()
        assert "%s 'sha256-%s'" % (kind, digest) in csp
    assert doc.count("<script") == 1 and doc.count("<style") == 1
    assert ' style="' not in doc            # style attributes would need 'unsafe-inline'


def test_heap_names_are_escaped(held):
    snap, doc = held
    page = Page(doc)
    # the raw markup never reaches the page; the text is the name as it is
    assert EVIL_CLASS not in doc and EVIL_KEY not in doc and "<img" not in doc
    assert "<b>My" not in doc
    assert "<b>My</b> report & co" in page.text           # the title, as text
    evil_type = "%s.%s" % (EVIL_MODULE, EVIL_CLASS)
    assert evil_type in _text(page.column("type-table", "type"))
    assert EVIL_MODULE in _text(page.column("module-table", "module"))
    assert (EVIL_MODULE, evil_type) in [(g["data-module"], g["data-type"]) for g in page.groups]
    # the hostile key labels a step of the retention path of the list it holds
    target = snap.index(HOLDER[EVIL_KEY])
    rank = [r.index for r in snap.top(50)].index(target) + 1
    steps = page.paths["path-%d" % rank]["steps"]
    labels = ["".join(text) for _, text in steps]
    assert any(lab.startswith("[%r]list at " % EVIL_KEY) for lab in labels), labels
    assert labels[-1].startswith("[%r]list at 0x%x" % (EVIL_KEY, id(HOLDER[EVIL_KEY])))


def test_treemap_has_a_rect_per_module_and_type_shown(held):
    snap, doc = held
    page = Page(doc)
    rows = snap.by_type()
    assert len(page.groups) >= 10
    seen = set()
    for g in page.groups:
        k = int(g["data-row"])
        assert k not in seen
        seen.add(k)
        r = rows[k]
        assert (g["data-module"], g["data-type"], int(g["data-count"]), int(g["data-flat"]),
                int(g["data-retained"])) == (r.module, r.type, r.count, r.flat, r.retained)
        if k < heapreport.MAX_TYPES:        # a link to the type's row
            assert page.row_links[id(g)] == "#type-%d" % k
        (rect,) = g["rects"]
        assert float(rect["width"]) > 0 and float(rect["height"]) > 0
        assert 0 <= float(rect["x"]) and float(rect["x"]) + float(rect["width"]) <= 1200.5
        assert 0 <= float(rect["y"]) and float(rect["y"]) + float(rect["height"]) <= 600.5
    # the biggest types are drawn, and the caption says what the areas mean
    assert {0, 1, 2} <= seen
    # two types of the same name in the same module get a rectangle each
    twin = "%s.Twin" % __name__
    twins = [k for k, r in enumerate(rows) if r.type == twin]
    assert len(twins) == 2 and set(twins) <= seen
    assert len([t for t in _text(page.column("type-table", "type")) if t == twin]) == 2
    assert ("%d type rectangles" % len(page.groups)) in doc
    assert "need not add up to the module" in doc


def test_squarify_fills_the_box_in_proportion():
    values = [60, 30, 20, 10, 6, 4, 2, 1]
    boxes = heapreport._squarify(values, 10.0, 20.0, 300.0, 200.0)
    assert len(boxes) == len(values)
    total = sum(values)
    for v, (x, y, w, h) in zip(values, boxes):
        assert w * h == pytest.approx(300.0 * 200.0 * v / total)
        assert 10.0 - 1e-9 <= x and x + w <= 310.0 + 1e-6
        assert 20.0 - 1e-9 <= y and y + h <= 220.0 + 1e-6
        assert max(w / h, h / w) < 5          # squarish, not slivers
    assert heapreport._squarify([], 0, 0, 10, 10) == []


def test_write_html_writes_the_file(tmp_path, held):
    snap = held[0]
    out = tmp_path / "heap.html"
    assert heapreport.write_html(snap, out, top=5, title="written") is None
    doc = out.read_text(encoding="utf-8")
    assert doc.startswith("<!DOCTYPE html>") and doc.endswith("</html>\n")
    page = Page(doc)
    assert len(page.tables["top-table"]["rows"]) == 5
    assert len(page.paths) == 5
    heapreport.write_html(snap, str(out), top=0)
    page = Page(out.read_text(encoding="utf-8"))
    assert page.tables.get("top-table") is None and page.paths == {}
    assert "top=0" in "".join(page.text)


def test_released_snapshot(tmp_path):
    snap = retained.snapshot(keep_objects=False)
    assert not snap.held
    page = Page(heapreport.render_html(snap, top=10))
    top = snap.top(10)
    assert _num(page.column("top-table", "retained")) == [r.retained for r in top]
    assert len(page.paths) == 10
    for k, r in enumerate(top):
        steps = page.paths["path-%d" % (k + 1)]["steps"]
        assert steps and ("at 0x%x" % r.address) in "".join(steps[-1][1])


def _chain(n, payload):
    """A linked list of n lists; only the head is referred to from outside."""
    head = node = [None]
    for _ in range(n):
        node[0] = [None]
        node = node[0]
    node[0] = payload
    return head


def test_long_paths_are_cut():
    head = _chain(120, bytearray(20 * 1024 * 1024))   # every link retains it: the top 50
    with retained.snapshot() as snap:
        doc = heapreport.render_html(snap, top=50)
    del head
    page = Page(doc)
    cut = 0
    for p in page.paths.values():
        n = int(re.search(r"(\d+) steps?", "".join(p["summary"])).group(1))
        gaps = [s for s in p["steps"] if s[0].get("class") == "gap"]
        if n <= heapreport.MAX_PATH_STEPS:
            assert (len(p["steps"]), gaps) == (n, [])
            continue
        cut += 1
        assert len(gaps) == 1 and len(p["steps"]) == 2 * heapreport._PATH_ENDS + 1
        assert ("%d steps left out" % (n - 2 * heapreport._PATH_ENDS)) in "".join(gaps[0][1])
        assert p["steps"][-1][0]["value"] == str(n)       # the last step keeps its number
    assert cut >= 5


def test_size_and_cut_tables(monkeypatch):
    limit = heapreport.MAX_TYPES
    classes = [type("Kind%d" % i, (object,), {}) for i in range(300)]
    objs = [c() for c in classes for _ in range(3)]
    with retained.snapshot() as snap:
        doc = heapreport.render_html(snap, top=50)
        monkeypatch.setattr(heapreport, "MAX_TYPES", 20)
        monkeypatch.setattr(heapreport, "MAX_MODULES", 2)
        cut = heapreport.render_html(snap, top=5)
        ntypes, nmods = len(snap.by_type()), len(snap.by_module())
    del objs, classes
    assert ntypes > 300
    assert len(doc.encode("utf-8")) < 1024 * 1024
    assert len(Page(doc).tables["type-table"]["rows"]) == min(ntypes, limit)
    page = Page(cut)
    assert len(page.tables["type-table"]["rows"]) == 20
    assert len(page.tables["module-table"]["rows"]) == 2
    assert "The 20 types with the largest retained sizes of %d." % ntypes in cut
    assert "The 2 modules with the largest retained sizes of %d." % nmods in cut


def test_bad_arguments(tmp_path):
    snap = retained.snapshot(keep_objects=False)
    with pytest.raises(ValueError, match="top must be >= 0, not -1"):
        heapreport.render_html(snap, top=-1)
    with pytest.raises(TypeError, match="top must be an int, not str"):
        heapreport.render_html(snap, top="5")
    with pytest.raises(TypeError, match="top must be an int, not bool"):
        heapreport.render_html(snap, top=True)
    with pytest.raises(TypeError, match="must be a pympler.retained.Snapshot, not dict"):
        heapreport.render_html({})
    with pytest.raises(TypeError, match="title must be a str or None, not int"):
        heapreport.render_html(snap, title=3)
    with pytest.raises(TypeError, match="path must be a file name, not NoneType"):
        heapreport.write_html(snap, None)
    with pytest.raises(ValueError, match="top must be >= 0"):
        heapreport.write_html(snap, tmp_path / "x.html", top=-1)
    assert not (tmp_path / "x.html").exists()
    with pytest.raises(OSError):
        heapreport.write_html(snap, tmp_path / "no" / "such" / "dir.html")


def test_loaded_snapshot_with_meta(tmp_path, monkeypatch):
    path = str(tmp_path / "heap.snap.gz")
    monkeypatch.setattr(sys, "argv", list(EVIL_ARGV))
    with retained.snapshot() as snap:
        snap.save(path)
    monkeypatch.undo()
    loaded = retained.load(path)
    assert loaded.loaded and loaded.meta
    doc = heapreport.render_html(loaded, top=20)
    page = Page(doc)
    assert "<script>alert" not in doc and doc.count("<script") == 1
    text = "".join(page.text)
    assert " ".join(shlex.quote(a) for a in EVIL_ARGV) in text     # the command line
    for key in ("python", "platform"):
        assert str(loaded.meta[key]) in text
    top = loaded.top(20)
    assert _num(page.column("top-table", "retained")) == [r.retained for r in top]
    assert _text(page.column("top-table", "type")) == [r.type for r in top]
    types = loaded.by_type(heapreport.MAX_TYPES)
    assert _num(page.column("type-table", "retained")) == [r.retained for r in types]
    assert len(page.paths) == 20
    labels = "".join("".join(s[1]) for p in page.paths.values() for s in p["steps"])
    assert "module " in labels          # root labels come with the file


def test_meta_values_of_any_kind():
    snap = retained.snapshot(keep_objects=False)
    snap.meta = {"argv": ["run.py", "x" * 5000], "time": float("nan"), "python": "3.x <b>",
                 "extra": {"k": "<i>v</i>"}, "pid": 7}
    page = Page(heapreport.render_html(snap, top=1))
    text = "".join(page.text)
    assert "3.x <b>" in text and "{'k': '<i>v</i>'}" in text
    assert "run.py " + "x" * (2000 - 7) + "\u2026" in text and "x" * 2001 not in text
    assert "nan" in text
    assert "snapshot" in text and "taken in this process, objects released" in text
