"""pympler.panels: the Django Debug Toolbar panel, through Django's test
client on the small project in tests/django_project/ -- and importing the
module without Django."""
import json
import os
import re
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def test_import_without_django():
    script = (
        "import sys\n"
        "for name in ('django', 'debug_toolbar'):\n"
        "    sys.modules[name] = None\n"
        "from pympler import panels\n"
        "assert panels.MemoryPanel.__mro__[1] is panels._Placeholder\n"
        "assert panels.HAVE_DJANGO is False\n"
        "assert panels.MemoryPanel.name == 'pympler' and panels.MemoryPanel.title == 'Memory'\n"
        "assert panels.MemoryPanel.template == 'memory_panel.html'\n"
        "try:\n"
        "    panels.MemoryPanel()\n"
        "except ImportError as exc:\n"
        "    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert done.returncode == 0, done.stderr
    assert "needs Django and django-debug-toolbar" in done.stdout


def test_sparkline_points():
    from pympler.panels import SPARK_HEIGHT, sparkline_points
    assert sparkline_points([]) == ""
    points = [tuple(map(float, p.split(","))) for p in sparkline_points([0, 2, 1, 2]).split()]
    assert [x for x, _ in points] == [0.0, 40.0, 80.0, 120.0]
    assert points[0][1] == SPARK_HEIGHT - 1 and points[1][1] == points[3][1] == 1.0


def test_import_before_django_settings_are_configured():
    # Django installed, settings not configured yet: importing still works
    pytest.importorskip("debug_toolbar")
    script = (
        "import os, sys\n"
        "sys.path.insert(0, %r)\n"
        "from pympler import panels\n"
        "early = panels.MemoryPanel\n"
        "# the toolbar's newer releases read the settings when imported\n"
        "assert early.__mro__[1].__name__ in ('_Placeholder', 'Panel')\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'django_project.settings'\n"
        "import django; django.setup()\n"
        "from debug_toolbar.panels import Panel\n"
        "from pympler.panels import MemoryPanel\n"
        "assert issubclass(MemoryPanel, Panel) and panels.HAVE_DJANGO is True\n"
        "print('ok')\n" % HERE)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("django")
    pytest.importorskip("debug_toolbar")
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    os.environ["DJANGO_SETTINGS_MODULE"] = "django_project.settings"
    import django
    django.setup()
    from django.test import Client
    return Client()


def _panel(client, response):
    """The MemoryPanel's content for a toolbar-carrying response (request id
    attribute and parameter names of django-debug-toolbar 4 and 5+)."""
    html = response.content.decode()
    found = re.search(r'data-(request|store)-id="([^"]+)"', html)
    assert found, "no debug toolbar in the page"
    key = "request_id" if found.group(1) == "request" else "store_id"
    rendered = client.get("/__debug__/render_panel/",
                          {key: found.group(2), "panel_id": "MemoryPanel"})
    assert rendered.status_code == 200
    return html, json.loads(rendered.content.decode())["content"]


def test_panel_through_the_test_client(client):
    from django_project.shop.models import Book, Shelf
    from django_project.urls import KEPT
    del KEPT[:]
    response = client.get("/books/", {"n": "4"})
    assert response.status_code == 200
    html, content = _panel(client, response)
    # the side bar: the resident size, with the growth when it grew
    button = re.search(r'id="djdt-MemoryPanel".*?</li>', html, re.S)
    assert button and re.search(r"\d+(\.\d+)? [KMG]?B", button.group(0)), html[-3000:]
    for label in ("Resident set size", "Virtual size", "Resident set size (delta)",
                  "Virtual size (delta)", "Peak resident set size"):
        assert ">%s<" % label in content
    # the model with live instances: history 1, 2, 3, 4 and a sparkline
    row = re.search(r'<tr class="pympler-class">\s*<td>django_project\.shop\.models\.Book</td>'
                    r'\s*<td class="pympler-history">([^<]*)</td>.*?</tr>', content, re.S)
    assert row, content
    assert row.group(1).strip() == "1, 2, 3, 4"
    assert "<polyline points=" in row.group(0) and "<script" not in content
    # the Shelf died during the request: no row
    assert "shop.models.Shelf" not in content
    # the classes are untouched afterwards (one tracker, detached)
    assert "__init__" not in Book.__dict__ and "__init__" not in Shelf.__dict__
    from django.template import Context, Template
    assert Template.__init__.__module__ == "django.template.base"
    assert Context.__init__.__module__ == "django.template.context"
    assert len(KEPT) == 4


def test_panel_stats_are_plain_data(client):
    from debug_toolbar.toolbar import DebugToolbar
    response = client.get("/books/", {"n": "1"})
    html = response.content.decode()
    found = re.search(r'data-(request|store)-id="([^"]+)"', html)
    fetch = DebugToolbar.fetch
    try:
        toolbar = fetch(found.group(2), "MemoryPanel")
    except TypeError:       # django-debug-toolbar 4: fetch(store_id)
        toolbar = fetch(found.group(2))
    stats = toolbar.get_panel_by_id("MemoryPanel").get_stats()
    json.dumps(stats)       # JSON-friendly: survives the toolbar's store
    assert set(stats) >= {"before", "after", "classes"}
    assert stats["after"]["rss"] > 0 and stats["after"]["vsz"] >= stats["after"]["rss"]
