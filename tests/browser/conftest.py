"""A headless Chromium driven by Selenium, for tests that look at pages.

The tests using the ``browser`` fixture are skipped (with the reason) when
Selenium, Chromium or chromedriver is missing -- unless PYMPLER_REQUIRE_BROWSER=1
(set by `.ci/run browser`), which turns the skip into a failure.  When
PYMPLER_SCREENSHOTS names a directory, ``browser.screenshot(name)`` saves PNGs
there for a person to look at.
"""
import os
import shutil

import pytest


def _missing(reason):
    if os.environ.get("PYMPLER_REQUIRE_BROWSER") == "1":
        pytest.fail("PYMPLER_REQUIRE_BROWSER=1 but " + reason)
    pytest.skip(reason)


class Browser(object):
    def __init__(self, driver):
        self.driver = driver

    def open(self, url):
        self.driver.get(url)
        return self.driver

    def console_errors(self):
        """Console messages of level SEVERE since the last call."""
        return [e for e in self.driver.get_log("browser") if e.get("level") == "SEVERE"]

    def broken_images(self):
        """src of every <img> that did not load or has no size."""
        return self.driver.execute_script(
            "return Array.from(document.images)"
            ".filter(i => !(i.complete && i.naturalWidth > 0 && i.naturalHeight > 0))"
            ".map(i => i.getAttribute('src'));")

    def screenshot(self, name):
        where = os.environ.get("PYMPLER_SCREENSHOTS")
        if not where:
            return None
        os.makedirs(where, exist_ok=True)
        path = os.path.join(where, name + ".png")
        # the whole page: fit the window to the document's size first (from a
        # small window: a short page would otherwise report the height the
        # window grew to for a longer page before)
        self.driver.set_window_size(1280, 600)
        height = self.driver.execute_script(
            "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
        self.driver.set_window_size(1280, min(max(int(height), 600), 8000))
        self.driver.save_screenshot(path)
        return path


def _chrome(*extra):
    """A headless Chromium driven by chromedriver (skip or fail when one is
    missing), with extra command-line arguments."""
    try:
        from selenium import webdriver
    except ImportError:
        _missing("selenium is not installed (pip install selenium; .ci/run browser does)")
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        _missing("Debian's chromium and chromium-driver are not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--window-size=1280,1024",
                "--allow-file-access-from-files") + extra:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # chromedriver and chromium are not built with the sanitizers: under the
    # ASan step's LD_PRELOAD they would exit at once
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "PYTHONMALLOC")}
    service = webdriver.ChromeService(executable_path=driver_path, env=env)
    return webdriver.Chrome(options=options, service=service)


@pytest.fixture(scope="session")
def browser():
    driver = _chrome()
    try:
        yield Browser(driver)
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def devtools():
    """(driver, port): a Chromium whose DevTools HTTP server (loopback, a
    free port) serves the DevTools front-end bundled with this Chromium."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    driver = _chrome("--remote-debugging-address=127.0.0.1", "--remote-debugging-port=%d" % port)
    try:
        yield driver, port
    finally:
        driver.quit()
