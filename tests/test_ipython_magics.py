"""The IPython/Jupyter magics (%load_ext pympler): %asizeof, %%heapdiff and
%heappath through IPython's InteractiveShell, text and HTML outputs."""
import html.parser
import re
import sys

import pytest

IPython = pytest.importorskip("IPython")

from pympler import asizeof  # noqa: E402


class Tags(html.parser.HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.tags, self.text = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def ip():
    from IPython.core.interactiveshell import InteractiveShell
    main = sys.modules["__main__"]       # IPython installs its own __main__
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "pympler")
    try:
        yield shell
    finally:
        InteractiveShell.clear_instance()
        sys.modules["__main__"] = main


def formats(ip, value):
    data, _ = ip.display_formatter.format(value)
    return data["text/plain"], data["text/html"]


def test_asizeof(ip):
    ip.run_cell('data = {"a": list(range(100)), "b": "text"}')
    res = ip.run_line_magic("asizeof", "data")
    assert res.size == asizeof.asizeof(ip.user_ns["data"])
    text, page = formats(ip, res)
    assert text.startswith("data: ") and "(%d bytes)" % res.size in text
    assert "<b>data</b>" in page
    deep = ip.run_line_magic("asizeof", "-d 1 data")
    assert deep.size == res.size and deep.tree is not None
    text, page = formats(ip, deep)
    lines = text.splitlines()
    assert lines[1].lstrip().startswith("[V] a: [0, 1, 2")       # largest first
    assert {"[K] a", "[K] b"} <= {line.split("  size=")[0].strip() for line in lines[1:]}
    assert "<table>" in page and page.count("<tr>") == 1 + len(lines) - 1


def test_asizeof_escapes_html(ip):
    ip.run_cell('hostile = {"<script>alert(1)</script>": "<b>x</b>"}')
    _, page = formats(ip, ip.run_line_magic("asizeof", "-d 1 hostile"))
    parsed = Tags(page)
    assert "script" not in parsed.tags and "<script>" not in page
    assert "<script>alert(1)</script>" in "".join(parsed.text)


def test_asizeof_errors(ip):
    with pytest.raises(NameError):
        ip.run_line_magic("asizeof", "no_such_name_here")
    with pytest.raises(ValueError, match="-d must be >= 0"):
        ip.run_line_magic("asizeof", "-d -1 data")


def test_heapdiff(ip):
    res = ip.run_cell_magic("heapdiff", "", "kept = [object() for _ in range(5000)]")
    rows = {name: (count, size) for name, count, size in res.rows}
    assert rows["object"][0] >= 5000
    assert res.rows[0][2] >= res.rows[-1][2]             # largest growth first
    text, page = formats(ip, res)
    assert "object" in text and "# objects" in text
    found = re.search(r"<td>object</td><td>\+(\d+)</td>", page)
    assert found and int(found.group(1)) == rows["object"][0]
    # an error in the cell: its traceback, no table
    assert ip.run_cell_magic("heapdiff", "", "1 / 0") is None


def test_heappath(ip):
    ip.run_cell("class Holder:\n    pass\nholder = Holder()\nholder.items = [{'k': [1, 2]}]")
    res = ip.run_line_magic("heappath", "holder.items[0]['k']")
    assert res.path is not None
    assert res.path.target is ip.user_ns["holder"].items[0]["k"]
    text, page = formats(ip, res)
    assert ".holder" in text and ".items" in text and "[0]" in text and "['k']" in text
    parsed = Tags(page)
    assert parsed.tags[0] == "ol" and parsed.tags.count("li") == len(text.splitlines())
    assert "&lt;list at 0x" in page
    with pytest.raises(ValueError, match="give an expression"):
        ip.run_line_magic("heappath", "   ")


def test_extension_loads_once_and_lists_its_magics(ip):
    magics = ip.magics_manager.lsmagic()
    assert {"asizeof", "heappath"} <= set(magics["line"])
    assert "heapdiff" in magics["cell"]
