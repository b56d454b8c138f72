"""A memory panel for the Django Debug Toolbar (spec 15).

For each request the panel tracks every model class (and Django's template
``Context`` and ``Template``) with a `ClassTracker`, takes the snapshots
'before' and 'after' the response together with process memory samples, and
shows the resident and virtual sizes, their change, the operating system's
rows and, per class with live instances, its instance-count history (with a
sparkline drawn as inline SVG: no script, no static file) and its size.

Settings::

    INSTALLED_APPS = [..., 'debug_toolbar', 'pympler']
    DEBUG_TOOLBAR_PANELS = [..., 'pympler.panels.MemoryPanel']

Importing this module works without Django and without configured Django
settings: ``MemoryPanel`` is made on first use, a subclass of the toolbar's
``Panel``, or of a placeholder class (whose constructor raises ImportError)
while the toolbar cannot be imported.  Differences from Pympler 1.1: the statistics the
panel records are plain numbers, strings and lists, so that the toolbar's
JSON store (django-debug-toolbar 5 and later) keeps them (1.1 recorded
``ProcessMemoryInfo`` and ``Stats`` objects, which such a store turns into
strings); one tracker per request, detached in ``disable_instrumentation``
(1.1 made a second one and left the first attached); the template loads no
jQuery plugin (1.1 referred to a ``jquery.sparkline.min.js`` it did not ship).

Documentation: docs/usage.md in pympler's source repository.
"""
from pympler.classtracker import ClassTracker
from pympler.process import ProcessMemoryInfo
from pympler.util.stringutils import pp

__all__ = ["MemoryPanel"]  # noqa: F822 (made on first use by __getattr__)

#: whether django-debug-toolbar could be imported (None: not tried yet)
HAVE_DJANGO = None

SPARK_WIDTH, SPARK_HEIGHT = 120, 18


def _process_sample(info):
    """The figures of a ProcessMemoryInfo, as JSON-friendly data."""
    return {"rss": int(info.rss), "vsz": int(info.vsz),
            "os_specific": [[str(k), str(v)] for k, v in info.os_specific]}


def sparkline_points(history):
    """The points of an SVG polyline for a list of counts (only numbers:
    nothing to escape)."""
    if not history:
        return ""
    hi = max(max(history), 1)
    n = len(history)
    step = SPARK_WIDTH / float(max(n - 1, 1))
    return " ".join("%.1f,%.1f" % (i * step, SPARK_HEIGHT - 1 - (SPARK_HEIGHT - 2) * c / hi)
                    for i, c in enumerate(history))


def _make_panel_class(Panel, apps, Context, Template, render_to_string):
    class MemoryPanel(Panel):
        """Process memory and instances of the models during a request."""

        name = "pympler"
        title = "Memory"
        template = "memory_panel.html"
        classes = [Context, Template]

        _tracker = None

        def _track(self):
            tracker = ClassTracker()
            for cls in list(apps.get_models()) + list(self.classes):
                try:
                    tracker.track_class(cls)
                except TypeError:       # no weak references: not trackable
                    continue
            return tracker

        def enable_instrumentation(self):
            if self._tracker is None:
                self._tracker = self._track()

        def disable_instrumentation(self):
            tracker, self._tracker = self._tracker, None
            if tracker is not None:
                tracker.detach_all_classes()

        def process_request(self, request):
            own = self._tracker is None
            if own:
                self._tracker = self._track()
            tracker = self._tracker
            try:
                tracker.create_snapshot("before")
                before = ProcessMemoryInfo()
                response = super(MemoryPanel, self).process_request(request)
                after = ProcessMemoryInfo()
                tracker.create_snapshot("after")
                self.record_stats({"before": _process_sample(before),
                                   "after": _process_sample(after),
                                   "classes": self._class_rows(tracker)})
            finally:
                if own:
                    self.disable_instrumentation()
            return response

        @staticmethod
        def _class_rows(tracker):
            stats = tracker.stats
            stats.annotate()
            snapshot = stats.snapshots[-1]
            rows = []
            for name in stats.tracked_classes:
                history = [int(count) for _, count in tracker.history.get(name, ())]
                if history and history[-1] > 0:
                    size = snapshot.classes.get(name, {}).get("sum", 0)
                    rows.append([name, history, int(size)])
            return rows

        def nav_subtitle(self):
            """``"<rss>"``, followed by ``" (+<growth>)"`` when RSS grew."""
            stats = self.get_stats()
            before, after = stats.get("before"), stats.get("after")
            if not before or not after:
                return ""
            rss = after["rss"]
            delta = rss - before["rss"]
            return "%s (+%s)" % (pp(rss), pp(delta)) if delta > 0 else pp(rss)

        @property
        def content(self):
            stats = self.get_stats()
            before, after = stats.get("before"), stats.get("after")
            if not before or not after:
                return render_to_string(self.template, {"rows": [], "classes": []})
            rows = [("Resident set size", pp(after["rss"])),
                    ("Virtual size", pp(after["vsz"])),
                    ("Resident set size (delta)", pp(after["rss"] - before["rss"])),
                    ("Virtual size (delta)", pp(after["vsz"] - before["vsz"]))]
            rows.extend((k, v) for k, v in after["os_specific"])
            classes = [{"name": name, "history": ", ".join(str(c) for c in history),
                        "points": sparkline_points(history), "size": pp(size)}
                       for name, history, size in stats.get("classes", [])]
            return render_to_string(self.template, {
                "rows": rows, "classes": classes,
                "spark_width": SPARK_WIDTH, "spark_height": SPARK_HEIGHT})

    return MemoryPanel


class _Placeholder(object):
    """Base class of MemoryPanel when django-debug-toolbar cannot be
    imported (Django missing, or its settings not configured yet)."""

    def __init__(self, *args, **kwargs):
        raise ImportError("pympler.panels.MemoryPanel needs Django and "
                          "django-debug-toolbar (pip install django-debug-toolbar), "
                          "imported after Django's settings are configured")


class _NoDjango(object):
    """Stands for Django's Context and Template without Django."""


_PLACEHOLDER = None


def _memory_panel():
    """The panel class: a subclass of the toolbar's Panel when it can be
    imported, else of a placeholder.  Built on first use, so that importing
    this module neither needs Django nor configured Django settings (the
    toolbar reads the settings when it is imported)."""
    global _PLACEHOLDER, HAVE_DJANGO
    try:
        from debug_toolbar.panels import Panel
        from django.apps import apps
        from django.template import Context, Template
        from django.template.loader import render_to_string
    except ImportError:
        HAVE_DJANGO = False
    except Exception:       # Django's ImproperlyConfigured: settings not set up yet
        pass
    else:
        HAVE_DJANGO = True
        cls = _make_panel_class(Panel, apps, Context, Template, render_to_string)
        globals()["MemoryPanel"] = cls
        return cls
    if _PLACEHOLDER is None:
        _PLACEHOLDER = _make_panel_class(_Placeholder, None, _NoDjango, _NoDjango, None)
    return _PLACEHOLDER


def __getattr__(name):
    if name == "MemoryPanel":
        return _memory_panel()
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
