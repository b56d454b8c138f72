"""The heapreport page opened in headless Chromium: its Content-Security-Policy
lets its own script and style sheet run (no console error, the tables sort
when a header is clicked), hostile names stay text, the treemap is drawn."""
import pathlib

from pympler import heapreport, retained

# names that would log an error if they ever became markup or script
BAD_CLASS = "<img src=x onerror=\"console.error('class')\"></script><script>console.error(2)"
BAD_KEY = "</td><img src=x onerror=console.error('key')>"

Bad = type("Bad", (object,), {})
Bad.__qualname__ = BAD_CLASS
Bad.__module__ = "bad<mod>"
HOLDER = {BAD_KEY: [Bad() for _ in range(500)] + [bytearray(4 << 20)]}


def _column(driver, table, key):
    return driver.execute_script(
        "var t = document.getElementById(arguments[0]);"
        "var k = Array.from(t.tHead.rows[0].cells).findIndex(c => c.dataset.key === arguments[1]);"
        "return Array.from(t.tBodies[0].rows).map(r => r.cells[k].getAttribute('data-v')"
        " ?? r.cells[k].textContent);", table, key)


def _click(driver, table, key):
    th = driver.find_element("css selector", '#%s th[data-key="%s"]' % (table, key))
    th.find_element("tag name", "button").click()
    return th.get_attribute("aria-sort")


def test_heapreport_page(tmp_path, browser):
    path = tmp_path / "heap.html"
    with retained.snapshot() as snap:
        heapreport.write_html(snap, path, top=50, title="Heap of <the> tests")
        types = snap.by_type()
    driver = browser.open(pathlib.Path(path).as_uri())
    assert browser.console_errors() == []
    assert driver.find_element("tag name", "h1").text == "Heap of <the> tests"
    # the style sheet applies (its hash is in the policy)
    assert driver.execute_script(
        "return getComputedStyle(document.querySelector('main')).maxWidth") == "1240px"

    # the script runs: headers sort, numerically on the raw byte counts
    counts = [int(v) for v in _column(driver, "type-table", "count")]
    assert len(counts) == min(len(types), heapreport.MAX_TYPES)
    assert _click(driver, "type-table", "count") == "descending"
    assert [int(v) for v in _column(driver, "type-table", "count")] == sorted(counts, reverse=True)
    assert _click(driver, "type-table", "count") == "ascending"
    assert [int(v) for v in _column(driver, "type-table", "count")] == sorted(counts)
    retained_header = driver.find_element("css selector", '#type-table th[data-key="retained"]')
    assert retained_header.get_attribute("aria-sort") is None
    assert _click(driver, "type-table", "type") == "ascending"
    names = [t.type for t in types[:heapreport.MAX_TYPES]]
    assert _column(driver, "type-table", "type") == sorted(names, key=str.lower)
    flats = [int(v) for v in _column(driver, "top-table", "flat")]
    assert _click(driver, "top-table", "flat") == "descending"
    assert [int(v) for v in _column(driver, "top-table", "flat")] == sorted(flats, reverse=True)
    _click(driver, "top-table", "rank")
    assert _click(driver, "top-table", "rank") == "ascending"
    assert _column(driver, "top-table", "rank") == [str(k) for k in range(1, 51)]

    # hostile names are text
    assert driver.find_elements("css selector", "img") == []
    assert len(driver.find_elements("tag name", "script")) == 1
    assert "bad<mod>." + BAD_CLASS in _column(driver, "type-table", "type")
    driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    path_text = " ".join(e.text for e in driver.find_elements("css selector", "ol.path"))
    assert "[%r]" % BAD_KEY in path_text

    # the treemap: rectangles with a size on the page
    sizes = driver.execute_script(
        "return Array.from(document.querySelectorAll('#treemap g.t rect'))"
        ".map(r => { var b = r.getBoundingClientRect(); return [b.width, b.height]; });")
    assert len(sizes) >= 10
    assert all(w > 0 and h > 0 for w, h in sizes)
    width = driver.execute_script(
        "return document.getElementById('treemap').getBoundingClientRect().width")
    assert 1000 < width <= 1240
    assert browser.console_errors() == []
    _click(driver, "type-table", "retained")
    driver.execute_script("document.querySelectorAll('details').forEach("
                          "(d, i) => d.open = i < 3); window.scrollTo(0, 0);")
    browser.screenshot("heapreport")
