"""Every page of pympler.web opened in headless Chromium (the ``browser``
fixture): no console error (which also catches a Content-Security-Policy
violation or a failed load), each page's main element present, links
followed, every image loaded, the package's script loading fragments in
place; a screenshot per page when PYMPLER_SCREENSHOTS is set."""
import gc
import shutil
import threading

import pytest

from pympler import web
from pympler.classtracker import ClassTracker


class Node(object):
    def __init__(self, n):
        self.payload = [str(i) for i in range(n)]


class Leaf(object):
    def __repr__(self):
        return "<script>console.error('injected')</script>"


#: reachable from this module, for the path page
KEEP = {"leaves": [Leaf() for _ in range(3)]}


@pytest.fixture(scope="module")
def site():
    tracker = ClassTracker()
    tracker.track_class(Node, resolution_level=2, trace=True)
    tracker.track_class(Leaf, name='<img src=x onerror="console.error(1)">')
    keep = []
    for i in range(4):
        keep += [Node(30 * i) for _ in range(3)] + [Leaf()]
        tracker.create_snapshot("step %d" % i)
    server = web.make_server("localhost", 0, tracker=tracker, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://localhost:%d" % server.server_address[1]
    server.shutdown()
    thread.join(10)
    server.close()
    tracker.detach_all_classes()
    del keep


def _check(browser, name):
    assert browser.console_errors() == []
    assert browser.broken_images() == []
    browser.screenshot("web-" + name)


def _open(browser, url, main_css):
    driver = browser.open(url)
    assert driver.find_element("css selector", "main.body")
    assert driver.find_elements("css selector", main_css), (url, main_css)
    return driver


def _wait(node, css, timeout=10):
    """The elements matching css under node once there are some (the
    script loads fragments asynchronously)."""
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(node.parent if hasattr(node, "parent") and not hasattr(
        node, "get_log") else node, timeout).until(
        lambda _: node.find_elements("css selector", css))


def _hrefs(driver, css="a"):
    return [a.get_attribute("href") for a in driver.find_elements("css selector", css)]


def test_navigation_pages(browser, site):
    driver = _open(browser, site + "/", "table#process_overview")
    assert driver.find_element("tag name", "h1").text == "Python application memory profile"
    nav = _hrefs(driver, "nav.related a")
    assert [h[len(site):] for h in nav] == ["/", "/process", "/summary", "/tracker",
                                            "/garbage", "/help"]
    _check(browser, "overview")
    mains = {"/process": "table#threads", "/summary": "table#summary",
             "/tracker": "div#tracker_chart svg", "/garbage": "#garbage"}
    for href in nav:
        path = href[len(site):]
        if path in mains:                   # /help leaves the machine
            _open(browser, href, mains[path])
            _check(browser, path.strip("/"))


def test_process_traceback_locals_and_path(browser, site):
    leaves = KEEP["leaves"]                       # noqa: F841 - a local to show
    driver = _open(browser, site + "/process", "table#threads")
    _check(browser, "process")
    me = threading.get_ident()
    driver.find_element("css selector", "#thread_%d a.show_traceback" % me).click()
    # the script loads the stack in place of the link
    head = _wait(driver, "div.stacktrace strong")[0]
    assert head.text == "Stacktrace for thread %d" % me
    assert driver.current_url == site + "/process"
    frame = [f for f in driver.find_elements("css selector", "div.stackframe")
             if f.find_element("css selector", "span.function").text
             == "test_process_traceback_locals_and_path"]
    assert len(frame) == 1
    frame = frame[0]
    frame.find_element("css selector", "a.expand_local").click()
    refs = _wait(frame, "div.referents a.expand_ref")
    leaves_ref = [r for r in refs if r.text.startswith("[V] leaves")]
    assert leaves_ref, [r.text for r in refs]
    leaves_ref = leaves_ref[0]
    assert "[<script>console.error('injected')</script>" in leaves_ref.text   # as text
    # expand 'leaves' in place: its items appear under it
    leaves_ref.click()
    row = leaves_ref.find_element("xpath", "..")
    assert _wait(row, ".children div.referents")
    _check(browser, "process-traceback-locals")
    # follow the 'path' link of the list: a page of its own
    driver = _open(browser, row.find_element("css selector", "a.path_link")
                   .get_attribute("href"), "ol#path li")
    steps = driver.find_elements("css selector", "ol#path li")
    assert len(steps) >= 2
    steps[0].find_element("css selector", "a.expand_ref").click()
    assert _wait(steps[0], ".children div.referents")
    _check(browser, "path")
    # a step's link also works without the script: the fragment as a page
    driver = browser.open(steps[-1].find_element("css selector", "a.expand_ref")
                          .get_attribute("href"))
    assert driver.find_elements("css selector", "div.referents")
    assert browser.console_errors() == []


def test_summary_sorts(browser, site):
    driver = _open(browser, site + "/summary", "table#summary")
    for key in ("count", "type", "size"):
        driver.find_element("css selector", 'th a[href="/summary?sort=%s"]' % key).click()
        assert driver.current_url == site + "/summary?sort=" + key
        assert driver.find_elements("css selector", "table#summary tbody tr")
        _check(browser, "summary-" + key)
    driver.find_element("link text", "Refresh").click()
    assert driver.find_elements("css selector", "table#summary tbody tr")


def test_tracker_and_class_pages(browser, site):
    driver = _open(browser, site + "/tracker", "div#tracker_chart svg")
    assert "<img" not in driver.title
    _check(browser, "tracker")
    classes = sorted(set(_hrefs(driver, 'a[href^="/tracker/class/"]')))
    assert len(classes) == 2
    for i, href in enumerate(classes):
        driver = _open(browser, href, "p#class_summary")
        assert "instances of" in driver.find_element("css selector", "p#class_summary").text
        _check(browser, "tracker-class-%d" % i)


def test_garbage_pages(browser, site):
    browser.open(site + "/refresh")
    gc.disable()
    try:
        gc.collect()
        a, b = Node(2), Node(3)
        a.other, b.other = b, a
        del a, b
        driver = _open(browser, site + "/garbage", "table#garbage")
    finally:
        gc.enable()
    _check(browser, "garbage")
    cycles = _hrefs(driver, 'table#garbage a[href^="/garbage/"]')
    assert cycles
    driver = _open(browser, cycles[0], "table#cycle")
    if shutil.which("dot"):
        assert len(driver.find_elements("tag name", "img")) == 2
    _check(browser, "garbage-cycle")
