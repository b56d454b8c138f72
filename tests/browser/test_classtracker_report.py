"""The HtmlStats report opened in headless Chromium: no console error, every
chart visible, links followed -- with the package's SVG charts and, when
matplotlib is installed, with its PNG charts."""
import pathlib

import pytest

from pympler import charts
from pympler.classtracker import ClassTracker
from pympler.classtracker_stats import HtmlStats


class Node(object):
    def __init__(self, n):
        self.payload = [str(i) for i in range(n)]


class Leaf(object):
    def __init__(self):
        self.text = "leaf" * 20

    def __repr__(self):
        return "<script>console.error('injected')</script>"


def make_report(path, chart_format):
    t = ClassTracker()
    t.track_class(Node, resolution_level=2, trace=True)
    t.track_class(Leaf, name='<img src=x onerror="console.error(1)">', resolution_level=1)
    keep = []
    try:
        for i in range(5):
            keep += [Node(20 * i) for _ in range(3)] + [Leaf(), Leaf()]
            if i == 3:
                del keep[:5]
            t.create_snapshot("step %d" % i, compute_total=(i in (0, 4)))
        stats = HtmlStats(tracker=t)
        stats.chart_format = chart_format
        stats.create_html(str(path), title="Report <%s>" % chart_format)
    finally:
        t.detach_all_classes()


@pytest.mark.parametrize("chart_format", ["svg", "png"])
def test_report_renders(tmp_path, browser, chart_format):
    if chart_format == "png" and not charts.have_matplotlib():
        pytest.skip("matplotlib is not installed")
    index = tmp_path / "report.html"
    make_report(index, chart_format)
    driver = browser.open(pathlib.Path(index).as_uri())
    assert driver.find_element("tag name", "h1").text == "Report <%s>" % chart_format
    images = driver.find_elements("tag name", "img")
    assert len(images) == 1 + 5          # time-space chart and one pie per snapshot
    assert all(i.get_attribute("src").endswith("." + chart_format) for i in images)
    assert browser.broken_images() == []
    assert browser.console_errors() == []
    browser.screenshot("classtracker-index-" + chart_format)
    links = [a.get_attribute("href") for a in driver.find_elements("tag name", "a")]
    class_pages = sorted(set(links))
    assert len(class_pages) == 2
    for n, url in enumerate(class_pages):
        driver = browser.open(url)
        assert driver.find_element("tag name", "h1").text in (
            "test_classtracker_report.Node", '<img src=x onerror="console.error(1)">')
        assert len(driver.find_elements("tag name", "img")) == 1     # lifetime chart
        assert browser.broken_images() == []
        assert browser.console_errors() == []
        browser.screenshot("classtracker-class%d-%s" % (n, chart_format))
