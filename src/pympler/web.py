"""The browser GUI (spec section 13): process memory, the live heap's
summary, tracked classes with charts, garbage cycles as graphs, each
thread's stack with its locals, referents and reference paths.

    from pympler.web import start_profiler
    start_profiler()                  # http://localhost:8090/, Ctrl+C stops

Standard library only: a `wsgiref` server (one thread per request) and a
WSGI application written here.  Every asset is served by the package (no
CDN): charts are inline SVG drawn by `pympler.charts`, the few dynamic
parts use the package's own ``static/pympler.js``.

Security (differs from Pympler 1.1): binds loopback by default; answers
only requests whose Host header names the address it serves (403
otherwise: DNS rebinding); every reflected string is HTML-escaped; only
object ids that this server rendered can be browsed; ``/static/`` serves
only the regular files of the package's static folder.
Documentation: docs/usage.md in pympler's source repository.
"""

import collections
import gc
import html
import linecache
import os
import re
import shutil
import socket
import sys
import tempfile
import threading
import traceback
import weakref
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, quote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from pympler import _core, asizeof, charts, muppy, summary
from pympler.process import ProcessMemoryInfo, get_current_threads
from pympler.util.stringutils import pp, pp_timestamp, safe_repr

__all__ = ["start_profiler", "start_in_background", "make_app", "make_server",
           "ProfilerApp", "ProfilerServer", "ProfilerThread"]

#: At most this many objects that cannot be weakly referenced are kept alive
#: for later /objects/<id> requests (the oldest are forgotten first).
MAX_STRONG = 10000
#: Garbage graphs with more objects are not drawn (graphviz takes minutes).
MAX_GRAPH_OBJECTS = 300
HELP_URL = "https://pympler.readthedocs.io/en/latest/"
STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}
_STATIC_NAME = re.compile(r"\A[A-Za-z0-9_-][A-Za-z0-9_.-]*\Z")
_SECURITY_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
    ("Content-Security-Policy",
     "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
     "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
]
_SORTS = {"size": (lambda r: (-r[2], -r[1], r[0])),
          "count": (lambda r: (-r[1], -r[2], r[0])),
          "type": (lambda r: (r[0], -r[2]))}
_NAV = (("overview", "/"), ("process", "/process"), ("heap summary", "/summary"),
        ("tracked objects", "/tracker"), ("garbage", "/garbage"))


def _e(value):
    """HTML-escape str(value) (quotes too: safe in attributes)."""
    return html.escape(str(value), quote=True)


class HTTPError(Exception):
    """A response other than 200: status line and a plain message."""

    def __init__(self, status, message, location=None):
        Exception.__init__(self, message)
        self.status = status
        self.message = message
        self.location = location


def _redirect(environ, location):
    http11 = environ.get("SERVER_PROTOCOL", "HTTP/1.0") == "HTTP/1.1"
    return HTTPError("303 See Other" if http11 else "302 Found", "Redirect", location)


def _bad(message):
    return HTTPError("500 Internal Server Error", message)


def _int(text, what):
    if not re.match(r"\A-?[0-9]{1,40}\Z", text):
        raise _bad("Malformed %s: not an integer" % what)
    return int(text)


def _page(title, body, scripts=False):
    nav = "".join('<li><a href="%s">%s</a></li>' % (href, _e(label)) for label, href in _NAV)
    script = '<script src="/static/pympler.js"></script>\n' if scripts else ""
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<title>Pympler - %s</title>\n'
            '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">\n'
            '<link rel="stylesheet" type="text/css" href="/static/style.css">\n%s'
            '</head>\n<body>\n<nav class="related"><ul>%s'
            '<li class="right"><a href="/help">help</a></li></ul></nav>\n'
            '<main class="body">\n%s\n</main>\n</body>\n</html>\n'
            % (_e(title), script, nav, body))


def _inline_svg(document):
    """An SVG document of pympler.charts without its XML declaration."""
    return document.split("\n", 1)[1] if document.startswith("<?xml") else document


def _frame_without_xticks(ax):
    """charts._Axes.frame() without the x ticks (bars carry their labels)."""
    svg = ax.svg
    for t in ax.yticks:
        y = ax.py(t)
        svg.add("line", x1=ax.x0 - 5, y1="%.1f" % y, x2=ax.x0, y2="%.1f" % y, stroke="#000000")
        svg.add("text", charts._fmt(t), x=ax.x0 - 8, y="%.1f" % (y + 4), text_anchor="end")
    svg.add("rect", x=ax.x0, y=ax.y0, width=ax.w, height=ax.h, fill="none", stroke="#000000")
    svg.add("text", ax.title, x=ax.x0 + ax.w / 2.0, y=ax.y0 - 14, text_anchor="middle",
            font_size=15)
    svg.add("text", ax.xlabel, x=ax.x0 + ax.w / 2.0, y=svg.height - 10, text_anchor="middle")
    cy = ax.y0 + ax.h / 2.0
    svg.add("text", ax.ylabel, x=20, y=cy, text_anchor="middle",
            transform="rotate(-90 20 %.1f)" % cy)


def _svg_stacked(labels, series, width=1000, height=400):
    """Stacked bars, one per snapshot: ``series`` is ``[(name, values)]``,
    sizes in bytes (drawn in MiB)."""
    n = len(labels)
    tops = [0.0] * n
    for _, values in series:
        tops = [t + max(0, v) / charts.MIB for t, v in zip(tops, values)]
    svg = charts._Svg(width, height)
    xs = [-0.5, n - 0.5] if n else [0.0, 1.0]
    ax = charts._Axes(svg, xs, tops + [0.0], "Memory distribution over snapshots",
                      "Snapshot", "Size [MiB]", box=(80, 40, 230, 50))
    ax.xticks = list(xs)           # the scale only: bars are labelled below
    _frame_without_xticks(ax)
    base = [0.0] * n
    legend = []
    bar = 0.8 * (ax.px(1) - ax.px(0))
    for i, (name, values) in enumerate(series):
        colour = charts._PALETTE[i % len(charts._PALETTE)]
        for j, v in enumerate(values):
            v = max(0, v) / charts.MIB
            y0, y1 = ax.py(base[j]), ax.py(base[j] + v)
            if y0 - y1 > 0:
                svg.add("rect", x="%.1f" % (ax.px(j) - bar / 2), y="%.1f" % y1,
                        width="%.1f" % bar, height="%.1f" % (y0 - y1), fill=colour,
                        fill_opacity=0.8)
            base[j] += v
        legend.append((name, colour))
    for j, label in enumerate(labels):
        svg.add("text", charts._clip(label, 16), x="%.1f" % ax.px(j),
                y=ax.y0 + ax.h + 16, text_anchor="middle", font_size=11)
    for i, (name, colour) in enumerate(legend):
        y = ax.y0 + 14 + 18 * i
        x = ax.x0 + ax.w + 16
        svg.add("rect", x=x, y=y - 9, width=12, height=12, fill=colour, fill_opacity=0.8)
        svg.add("text", charts._clip(name, 28), x=x + 18, y=y + 1)
    return svg.render("Memory distribution over snapshots")


class ProfilerApp(object):
    """The WSGI application.  All its state (object registry, cached garbage
    graphs, rendered images) belongs to this instance: several servers can
    run side by side (in different threads).  Pages are built one at a time
    (a lock); sending them is concurrent."""

    def __init__(self, tracker=None, stats=None, debug=False, tmpdir=None,
                 allowed_hosts=None):
        if stats is None and tracker is not None:
            stats = tracker.stats
        self.stats = stats
        self.debug = bool(debug)
        self.tmpdir = tmpdir
        #: Host header values answered (lower case); None: any (tests only).
        self.allowed_hosts = None if allowed_hosts is None else frozenset(
            h.lower() for h in allowed_hosts)
        self.garbage_graphs = None
        self._weak = weakref.WeakValueDictionary()
        self._strong = collections.OrderedDict()
        self._rendered = {}
        self._serial = 0
        self._lock = threading.RLock()
        self._render_lock = threading.Lock()
        self.static_files = self._list_static()

    # ---- objects shown in pages ---------------------------------------------

    def remember(self, obj):
        """The id of obj as a str; obj can be browsed from now on (weakly
        referenced when possible, else strongly)."""
        oid = id(obj)
        try:
            self._weak[oid] = obj
        except TypeError:   # a dict, a list, a frame's locals...: kept alive
            strong = self._strong
            strong[oid] = obj
            strong.move_to_end(oid)
            while len(strong) > MAX_STRONG:     # bounded: the oldest are forgotten
                strong.popitem(last=False)
        return str(oid)

    def lookup(self, text):
        """The object this server rendered with id ``text``; HTTPError 500
        for a malformed or unknown id."""
        oid = _int(text, "object id")
        obj = self._strong.get(oid)
        if obj is None:
            obj = self._weak.get(oid)
        if obj is None and oid not in self._strong:
            raise _bad("Unknown object id %d" % oid)
        return obj

    def clear_cache(self):
        self.garbage_graphs = None
        self._rendered = {}

    def _next(self):
        self._serial += 1
        return self._serial

    # ---- WSGI ----------------------------------------------------------------

    def __call__(self, environ, start_response):
        headers = list(_SECURITY_HEADERS)
        try:
            self._check_host(environ)
            method = environ.get("REQUEST_METHOD", "GET")
            if method not in ("GET", "HEAD"):
                raise HTTPError("405 Method Not Allowed", "Only GET and HEAD are allowed")
            path = environ.get("PATH_INFO", "") or "/"
            try:   # wsgiref decodes %XX to latin-1 characters: back to UTF-8
                path = path.encode("latin-1").decode("utf-8")
            except UnicodeError:
                raise HTTPError("400 Bad Request", "The path is not UTF-8") from None
            if path.startswith("/garbage/graph/"):    # graphviz may take a while:
                body, ctype = self._dispatch(path, environ)   # other pages go on
            else:
                with self._lock:
                    body, ctype = self._dispatch(path, environ)
            status = "200 OK"
        except HTTPError as exc:
            status = exc.status
            if exc.location is not None:
                headers.append(("Location", exc.location))
            body, ctype = self._error_page(exc.status, exc.message), "text/html; charset=utf-8"
        except Exception:  # a bug or a hostile object: no traceback unless debug
            status = "500 Internal Server Error"
            detail = traceback.format_exc() if self.debug else ""
            body = self._error_page(status, "Internal error", detail)
            ctype = "text/html; charset=utf-8"
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers += [("Content-Type", ctype), ("Content-Length", str(len(body)))]
        start_response(status, headers)
        if environ.get("REQUEST_METHOD") == "HEAD":
            return [b""]
        return [body]

    def _check_host(self, environ):
        if self.allowed_hosts is None:
            return
        host = environ.get("HTTP_HOST")
        if host is None or host.strip().lower() not in self.allowed_hosts:
            raise HTTPError("403 Forbidden",
                            "The Host header does not name this server")

    @staticmethod
    def _error_page(status, message, detail=""):
        pre = "<pre>%s</pre>" % _e(detail) if detail else ""
        return _page(status, "<h1>%s</h1>\n<p>%s</p>%s" % (_e(status), _e(message), pre))

    def _dispatch(self, path, environ):
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        parts = path.split("/")[1:]
        head = parts[0]
        html_type = "text/html; charset=utf-8"
        if path == "/":
            return self.page_overview(), html_type
        if path == "/process":
            return self.page_process(), html_type
        if path == "/summary":
            return self.page_summary(query), html_type
        if path == "/tracker":
            return self.page_tracker(), html_type
        if path == "/garbage":
            return self.page_garbage(), html_type
        if path == "/refresh":
            self.clear_cache()
            raise _redirect(environ, "/")
        if path == "/help":
            raise _redirect(environ, HELP_URL)
        if len(parts) == 2 and head == "traceback":
            return self.page_traceback(parts[1]), html_type
        if len(parts) == 2 and head == "objects":
            return self.page_objects(parts[1]), html_type
        if len(parts) == 2 and head == "path":
            return self.page_path(parts[1]), html_type
        if len(parts) >= 3 and head == "tracker" and parts[1] == "class":
            name = path[len("/tracker/class/"):]
            if not self.stats:
                raise _redirect(environ, "/tracker")
            return self.page_tracker_class(name), html_type
        if len(parts) == 2 and head == "garbage":
            return self.page_garbage_cycle(parts[1]), html_type
        if len(parts) == 3 and head == "garbage" and parts[1] == "graph":
            reduce = bool(query.get("reduce", [""])[-1])
            return self.garbage_image(parts[2], reduce), "image/png"
        if path == "/favicon.ico":   # browsers ask for it on pages without an icon link
            return self.static_file("favicon.svg")
        if len(parts) == 2 and head == "static":
            return self.static_file(parts[1])
        raise HTTPError("404 Not Found", "No such page")

    # ---- static files --------------------------------------------------------

    @staticmethod
    def _list_static():
        """{name: content type}: the regular files directly in the static
        folder (no symbolic link, no hidden file)."""
        files = {}
        try:
            names = os.listdir(STATIC_DIR)
        except OSError:
            return files
        for name in names:
            full = os.path.join(STATIC_DIR, name)
            ext = os.path.splitext(name)[1].lower()
            if (_STATIC_NAME.match(name) and ext in _STATIC_TYPES
                    and not os.path.islink(full) and os.path.isfile(full)):
                files[name] = _STATIC_TYPES[ext]
        return files

    def static_file(self, name):
        ctype = self.static_files.get(name)
        if ctype is None:
            raise HTTPError("404 Not Found", "No such static file")
        full = os.path.join(STATIC_DIR, name)
        if os.path.islink(full) or os.path.dirname(os.path.realpath(full)) != \
                os.path.realpath(STATIC_DIR):
            raise HTTPError("404 Not Found", "No such static file")
        with open(full, "rb") as f:
            return f.read(), ctype

    # ---- pages ---------------------------------------------------------------

    @staticmethod
    def _process_rows(info, os_specific=True):
        rows = [("Virtual size", pp(info.vsz)), ("Physical memory size", pp(info.rss)),
                ("Major pagefaults", info.pagefaults)]
        if os_specific:
            rows += list(info.os_specific)
        return "".join('<tr><th>%s:</th><td class="num">%s</td></tr>' % (_e(k), _e(v))
                       for k, v in rows)

    def page_overview(self):
        info = ProcessMemoryInfo()
        body = ('<h1>Python application memory profile</h1>\n<h2>Process overview</h2>\n'
                '<table class="tdata" id="process_overview"><tbody>%s</tbody></table>\n'
                '<p>See also the <a href="/summary">heap summary</a> and the '
                '<a href="/process">threads</a>.</p>' % self._process_rows(info, False))
        return _page("Overview", body)

    def page_process(self):
        info = ProcessMemoryInfo()
        threads = get_current_threads()
        rows = "".join("<tr><td>%s</td><td>%s</td><td>%s</td></tr>"
                       % (_e(t.ident), _e(t.name), _e(t.daemon)) for t in threads)
        stacks = "".join(
            '<div class="stacktrace" id="thread_%s"><a class="show_traceback" '
            'href="/traceback/%s">Traceback for thread %s</a></div>\n'
            % (_e(t.ident), _e(t.ident), _e(t.name)) for t in threads)
        body = ('<h1>Process information</h1>\n<table class="tdata" id="process_info">'
                '<tbody>%s</tbody></table>\n<h2>Thread information</h2>\n'
                '<table class="tdata" id="threads"><thead><tr><th>ID</th><th>Name</th>'
                '<th>Daemon</th></tr></thead><tbody>%s</tbody></table>\n'
                '<h2>Thread stacks</h2>\n<div class="stacks">\n%s</div>'
                % (self._process_rows(info), rows, stacks))
        return _page("Process Information", body, scripts=True)

    def page_traceback(self, text):
        threadid = _int(text, "thread id")
        frame = sys._current_frames().get(threadid)
        stack = []
        while frame is not None:
            stack.append(frame)
            frame = frame.f_back
        del frame
        stack.reverse()
        out = ['<div class="stacktrace"><strong>Stacktrace for thread %s</strong>'
               % _e(threadid)]
        for f in stack:
            code = f.f_code
            lineno = f.f_lineno or 0
            loc = f.f_locals
            if type(loc) is not dict:   # 3.13: a write-through proxy, not a dict
                loc = dict(loc)
            ref = self.remember(loc)
            context = []
            for n in range(max(1, lineno - 2), lineno + 3):
                line = linecache.getline(code.co_filename, n)
                if line.strip():
                    indent = min(len(line) - len(line.lstrip()), 40)
                    context.append('<div class="%s indent%d">%s</div>' % (
                        "highlighted" if n == lineno else "line", indent // 2,
                        _e(line.strip())))
            out.append('<div class="stackframe"><span class="filename">%s</span> '
                       '<span class="lineno">%s</span> <span class="function">%s</span>'
                       '<div class="context">%s</div><div class="local">'
                       '<a class="expand_local" id="%s" href="/objects/%s">Show locals</a>'
                       '</div></div>' % (_e(code.co_filename), _e(lineno), _e(code.co_name),
                                         "".join(context), ref, ref))
        del stack
        if len(out) == 1:
            out.append("Cannot retrieve stacktrace for thread %s." % _e(threadid))
        out.append("</div>")
        return "\n".join(out)

    def page_objects(self, text):
        obj = self.lookup(text)
        if type(obj) is dict:
            named = asizeof.named_refs(obj)
        else:
            named = [(safe_repr(type(x)), x) for x in gc.get_referents(obj)]
        del obj
        out = []
        for name, o in named:
            ref = self.remember(o)
            node = "%s_%d" % (ref, self._next())
            out.append(
                '<div class="referents"><a class="expand_ref" id="%s" href="/objects/%s">'
                '<span class="local_name">%s</span> <span class="local_type">%s</span> '
                '<span class="local_size">%s</span> <span class="local_value">%s</span></a>'
                ' <a class="path_link" href="/path/%s">path</a>'
                '<span class="children" id="children_%s"></span></div>'
                % (node, ref, _e(name), _e(type(o).__name__), _e(asizeof.asizeof(o)),
                   _e(safe_repr(o, clip=48)), ref, node))
        if not out:
            out.append('<div class="referents empty">No referents.</div>')
        return "\n".join(out)

    def page_summary(self, query):
        sort = query.get("sort", ["size"])[-1]
        if sort not in _SORTS:
            raise _bad("Unknown sort key: use size, count or type")
        limit = query.get("limit", ["100"])[-1]
        limit = _int(limit, "limit")
        if limit < 1:
            raise _bad("The limit must be positive")
        rows = _core.heap_summary(summary._label_spec())
        count = sum(r[1] for r in rows)
        size = sum(r[2] for r in rows)
        rows.sort(key=_SORTS[sort])
        shown = rows[:limit]
        del rows
        heads = "".join(
            '<th class="%s"><a href="/summary?sort=%s">%s</a>%s</th>'
            % ("num" if key != "type" else "", key, label, " &#9660;" if key == sort else "")
            for key, label in (("type", "Type"), ("count", "Objects"), ("size", "Total size")))
        body_rows = "".join('<tr><td>%s</td><td class="num">%s</td><td class="num">%s</td></tr>'
                            % (_e(r[0]), _e(r[1]), _e(pp(r[2]))) for r in shown)
        body = ('<h1>Heap summary</h1>\n<p>%d live objects in %s (sizes by '
                '<code>sys.getsizeof</code>); the %d largest rows.</p>\n'
                '<p><a class="button" href="/summary?sort=%s">Refresh</a></p>\n'
                '<table class="tdata" id="summary"><thead><tr>%s</tr></thead>'
                '<tbody>%s</tbody></table>' % (count, _e(pp(size)), len(shown), sort,
                                               heads, body_rows))
        return _page("Heap summary", body)

    def _find_path(self, text):
        """muppy.find_path of a remembered object: nothing of this server on
        the path (its registry, caches and this frame are ignored)."""
        return muppy.find_path(self.lookup(text),
                               ignore=(self, self.__dict__, self._strong,
                                       self.garbage_graphs or ()))

    def page_path(self, text):
        path = self._find_path(text)
        if path is None:
            body = ('<h1>Reference path</h1>\n<p id="path">No path from a root reaches '
                    'object %s.</p>' % _e(int(text)))
            return _page("Reference path", body, scripts=True)
        steps = []
        for label, obj in path._parts():
            ref = self.remember(obj)
            node = "%s_%d" % (ref, self._next())
            steps.append(
                '<li><span class="step_label">%s</span> <a class="expand_ref" id="%s" '
                'href="/objects/%s"><span class="local_type">%s</span> '
                '<span class="local_value">%s</span></a>'
                '<span class="children" id="children_%s"></span></li>'
                % (_e(label), node, ref, _e(type(obj).__name__),
                   _e(safe_repr(obj, clip=80)), node))
        del path, obj
        body = ('<h1>Reference path</h1>\n<p>The shortest chain of references from a root '
                '(a module, a frame, or an object nothing refers to) to object %s:</p>\n'
                '<ol id="path" class="path">%s</ol>' % (_e(int(text)), "".join(steps)))
        return _page("Reference path", body, scripts=True)

    # ---- tracker -------------------------------------------------------------

    def page_tracker(self):
        stats = self.stats
        if not stats or not stats.snapshots:
            body = ('<h1>Tracked objects</h1>\n<p id="no_tracker">No objects are currently '
                    'tracked. Consult the Pympler documentation (<a href="/help">help</a>) '
                    'for instructions of how to use the classtracker module.</p>')
            return _page("Tracked objects", body)
        stats.annotate()
        snapshots = list(stats.snapshots)
        series = [(cls, [s.classes.get(cls, {}).get("sum", 0) for s in snapshots])
                  for cls in stats.tracked_classes]
        series.append(("Profiling overhead", [s.overhead for s in snapshots]))
        first = snapshots[0].system_total
        if getattr(first, "data_segment", 0):
            series += [
                ("Data segment", [s.system_total.data_segment - s.tracked_total - s.overhead
                                  for s in snapshots]),
                ("Code segment", [s.system_total.code_segment for s in snapshots]),
                ("Stack segment", [s.system_total.stack_segment for s in snapshots]),
                ("Shared memory", [s.system_total.shared_segment for s in snapshots])]
        else:
            series.append(("Other", [s.total - s.tracked_total - s.overhead
                                     for s in snapshots]))
        labels = [s.desc or "#%d" % i for i, s in enumerate(snapshots)]
        out = ['<h1>Tracked objects</h1>', '<h2>Memory distribution over time</h2>',
               '<div class="chart" id="tracker_chart">%s</div>'
               % _inline_svg(_svg_stacked(labels, series)),
               '<h2>Snapshots statistics</h2>']
        for sn in snapshots:
            out.append('<h3>%s snapshot at %s</h3>' % (_e(sn.desc or "Untitled"),
                                                       _e(pp_timestamp(sn.timestamp))))
            rows = []
            for cn in sorted(sn.classes):
                d = sn.classes[cn]
                rows.append('<tr><td><a href="/tracker/class/%s">%s</a></td>'
                            '<td class="num">%s</td><td class="num">%s</td>'
                            '<td class="num">%s</td><td class="num">%s</td></tr>'
                            % (_e(quote(cn, safe="")), _e(cn), _e(d["active"]),
                               _e(pp(d["sum"])), _e(pp(d["avg"])), "%3.2f%%" % d["pct"]))
            out.append('<table class="tdata"><thead><tr><th>Class</th>'
                       '<th class="num">Instance #</th><th class="num">Total</th>'
                       '<th class="num">Average size</th><th class="num">Share</th></tr>'
                       '</thead><tbody>%s</tbody></table>' % "".join(rows))
            total = sn.system_total
            if getattr(total, "available", False):
                prow = [("Virtual memory size", pp(total.vsz)),
                        ("Resident set size", pp(total.rss)),
                        ("Pagefaults", total.pagefaults)] + list(total.os_specific)
                out.append('<h4>Process memory</h4><table class="tdata"><thead><tr>'
                           '<th>Type</th><th class="num">Size</th></tr></thead><tbody>%s'
                           '</tbody></table>' % "".join(
                               '<tr><td>%s</td><td class="num">%s</td></tr>' % (_e(k), _e(v))
                               for k, v in prow))
        return _page("Tracked objects", "\n".join(out))

    def _asized_refs(self, refs, depth=0):
        if depth > 20:
            return ""
        return "".join('<div class="referents"><span class="local_name">%s</span> '
                       '<span class="local_size">%s</span>%s</div>'
                       % (_e(r.name), _e(pp(r.size)),
                          self._asized_refs(r.refs, depth + 1) if r.refs else "")
                       for r in refs)

    def page_tracker_class(self, clsname):
        stats = self.stats
        tobjs = stats.index.get(clsname)
        if not tobjs:
            raise _bad("Unknown tracked class")
        stats.annotate()
        sizes = [t.get_max_size() for t in tobjs]
        out = ['<h1>%s</h1>' % _e(clsname),
               '<p id="class_summary">%d instances of %s were registered. The average size '
               'is %s, the minimal size is %s, the maximum size is %s.</p>'
               % (len(tobjs), _e(clsname), _e(pp(sum(sizes) / len(sizes))),
                  _e(pp(min(sizes))), _e(pp(max(sizes))))]
        times, counts = charts.lifetime_data(tobjs)
        if times:
            out.append('<div class="chart">%s</div>'
                       % _inline_svg(charts.svg_lifetime(times, counts, clsname)))
        out.append('<h2>Coalesced Referents per Snapshot</h2>')
        for sn in stats.snapshots:
            if clsname in sn.classes:
                merged = sn.classes[clsname]["merged"]
                out.append('<h3>Snapshot: %s</h3><p>%s occupied by instances of class %s</p>'
                           % (_e(sn.desc), _e(pp(merged.size)), _e(clsname)))
                out.append(self._asized_refs(merged.refs) if merged.refs
                           else '<p>No per-referent sizes recorded.</p>')
        out.append('<h2>Instances</h2>')
        for t in tobjs:
            rows = ['<tr><th>Instance</th><td>%s at 0x%08x</td></tr>' % (_e(t.name), t.id)]
            if getattr(t, "repr", None):
                rows.append('<tr><th>Representation</th><td>%s</td></tr>' % _e(t.repr))
            rows.append('<tr><th>Lifetime</th><td>%s - %s</td></tr>'
                        % (_e(pp_timestamp(t.birth)), _e(pp_timestamp(t.death))))
            trace = getattr(t, "trace", None)
            if trace:
                frames = "".join(
                    '<div class="stackframe"><span class="filename">%s</span> '
                    '<span class="lineno">%s</span> <span class="function">%s</span>'
                    '<div class="context">%s</div></div>'
                    % (_e(fr[0]), _e(fr[1]), _e(fr[2]),
                       _e(fr[3][0].strip() if fr[3] else "")) for fr in trace)
                rows.append('<tr><th>Instantiation</th><td>%s</td></tr>' % frames)
            for timestamp, size in t.snapshots:
                rows.append('<tr><td>%s</td><td>%s%s</td></tr>'
                            % (_e(pp_timestamp(timestamp)), _e(pp(size.size)),
                               self._asized_refs(size.refs) if size.refs else ""))
            out.append('<table class="tdata instance">%s</table>' % "".join(rows))
        return _page(clsname, "\n".join(out))

    # ---- garbage -------------------------------------------------------------

    def _garbage(self):
        if self.garbage_graphs is None:
            from pympler.garbagegraph import GarbageGraph
            self.garbage_graphs = GarbageGraph().split_and_sort()
        return self.garbage_graphs

    def _graph(self, text):
        index = _int(text, "graph index")
        graphs = self._garbage()
        if not 0 <= index < len(graphs):
            raise _bad("No reference cycle %d" % index)
        return index, graphs[index]

    def page_garbage(self):
        graphs = self._garbage()
        out = ['<h1>Garbage - Overview</h1>',
               '<p>This page gives an overview of all objects that would have been deleted '
               'if those weren\'t holding circular references to each other (e.g. in a '
               'doubly linked list). <a href="/refresh">Refresh</a> collects again.</p>']
        if graphs:
            out.append('<p>Click on the reference graph titles below to show the objects '
                       'contained in the respective cycle. If graphviz is installed, you '
                       'will also see a visualisation of the reference cycle.</p>')
            out.append('<p>%d reference cycles:</p>' % len(graphs))
            rows = "".join('<tr><td><a href="/garbage/%d">Cycle %d</a></td>'
                           '<td class="num">%d</td><td class="num">%s</td>'
                           '<td class="num">%s</td></tr>'
                           % (g.index, g.index, len(g.metadata), _e(g.num_in_cycles),
                              _e(pp(g.total_size))) for g in graphs)
            out.append('<table class="tdata" id="garbage"><thead><tr><th>Reference graph</th>'
                       '<th class="num"># objects</th><th class="num"># cycle objects</th>'
                       '<th class="num">Total size</th></tr></thead><tbody>%s</tbody></table>'
                       % rows)
        else:
            out.append('<p id="garbage">No reference cycles detected.</p>')
        return _page("Garbage", "\n".join(out))

    def page_garbage_cycle(self, text):
        index, graph = self._graph(text)
        reduced = graph.reduce_to_cycles()
        objects = sorted(graph.metadata, key=lambda md: -md.size)
        rows = "".join('<tr><td>0x%08x</td><td class="num">%s</td><td>%s</td><td>%s</td></tr>'
                       % (md.id, _e(md.size), _e(md.type), _e(md.str)) for md in objects)
        out = ['<h1>Garbage - Cycle %d</h1>' % index,
               '<table class="tdata" id="cycle"><thead><tr><th>id</th>'
               '<th class="num">size</th><th>type</th><th>representation</th></tr></thead>'
               '<tbody>%s</tbody></table>' % rows]
        have_dot = shutil.which("dot") is not None
        for title, g, query in (("Reference graph", graph, ""),
                                ("Reduced reference graph (cycles only)", reduced,
                                 "?reduce=1")):
            out.append('<h2>%s</h2>' % title)
            if g is None or not g.objects:
                out.append('<p>The reduced graph is empty.</p>')
            elif len(g.objects) > MAX_GRAPH_OBJECTS:
                out.append('<p>%d objects: too many to draw (at most %d).</p>'
                           % (len(g.objects), MAX_GRAPH_OBJECTS))
            elif not have_dot:
                out.append('<p>Install graphviz (<code>dot</code>) to see the graph.</p>')
            else:
                out.append('<img alt="%s" src="/garbage/graph/%d%s">' % (title, index, query))
        return _page("Garbage", "\n".join(out))

    def garbage_image(self, text, reduce):
        """The PNG of a cycle's graph (rendered once), or b"" without
        graphviz, for an empty graph or one too large to draw.  Runs without
        the page lock (dot can take seconds); renders one at a time."""
        with self._lock:
            index, graph = self._graph(text)
            if reduce:
                graph = graph.reduce_to_cycles()
            if not graph or not graph.objects or self.tmpdir is None \
                    or len(graph.objects) > MAX_GRAPH_OBJECTS:
                return b""
            tmpdir = self.tmpdir
        key = (index, reduce)
        with self._render_lock:
            if key not in self._rendered:
                fname = os.path.join(tmpdir, "garbage%d%s.png" % (index, "r" if reduce else ""))
                try:
                    ok = graph.render(fname, format="png")
                except OSError:
                    ok = False
                self._rendered[key] = fname if ok and os.path.exists(fname) else None
            fname = self._rendered.get(key)
        del graph
        if fname is None:
            return b""
        try:
            with open(fname, "rb") as f:
                return f.read()
        except OSError:     # the server was closed meanwhile
            return b""


# ---------------------------------------------------------------------------
# The server.

class _Handler(WSGIRequestHandler):
    quiet = False

    def log_message(self, format, *args):  # noqa: A002 - base class signature
        if not self.server.quiet:
            WSGIRequestHandler.log_message(self, format, *args)


class ProfilerServer(ThreadingMixIn, WSGIServer):
    """A wsgiref server, one daemon thread per request.  ``server_address``
    is the bound address (port 0: a free port was chosen); ``shutdown()``
    stops ``serve_forever()``; ``close()`` also removes the image folder."""

    daemon_threads = True
    allow_reuse_address = True
    quiet = False

    def handle_error(self, request, client_address):
        if not self.quiet:
            WSGIServer.handle_error(self, request, client_address)

    def close(self):
        self.server_close()
        tmpdir, self.app.tmpdir = self.app.tmpdir, None
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)

    @property
    def url(self):
        host, port = self.server_address[:2]
        host = getattr(self, "host_name", None) or host
        if ":" in host and not host.startswith("["):
            host = "[%s]" % host
        return "http://%s:%d/" % (host, port)


class _ProfilerServer6(ProfilerServer):
    address_family = socket.AF_INET6


def _host_names(host, port):
    """The Host header values a server bound to (host, port) answers."""
    names = {host.lower()}
    if host.lower() in ("localhost", "127.0.0.1", "::1", "[::1]"):
        names |= {"localhost", "127.0.0.1", "[::1]"}
    names = {"[%s]" % n if ":" in n and not n.startswith("[") else n for n in names}
    out = {"%s:%d" % (n, port) for n in names}
    if port == 80:
        out |= names
    return out


def _check_address(host, port):
    if not isinstance(host, str):
        raise TypeError("host must be a str, not %s" % type(host).__name__)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError("port must be an int from 0 to 65535, not %r" % (port,))


def _check_kwargs(kwargs):
    unknown = sorted(set(kwargs) - {"quiet", "allowed_hosts"})
    if unknown:
        raise TypeError("start_profiler() got unexpected keyword arguments: %s"
                        % ", ".join(unknown))


def make_app(tracker=None, stats=None, debug=False, tmpdir=None, allowed_hosts=None):
    """The WSGI application alone (no socket), e.g. to mount it elsewhere.
    ``allowed_hosts``: the Host header values answered (None: any -- only
    behind a server that checks them)."""
    return ProfilerApp(tracker=tracker, stats=stats, debug=debug, tmpdir=tmpdir,
                       allowed_hosts=allowed_hosts)


def make_server(host="localhost", port=8090, tracker=None, stats=None, debug=False,
                quiet=False, allowed_hosts=()):
    """A bound `ProfilerServer` (not serving yet) with its application and a
    new temporary image folder.  ``port=0`` picks a free port (see
    ``server_address``).  ``allowed_hosts``: more Host header values to
    answer besides the served address (e.g. ``'myhost:8090'`` when binding
    ``0.0.0.0``)."""
    _check_address(host, port)
    if isinstance(allowed_hosts, str):
        allowed_hosts = (allowed_hosts,)
    cls = _ProfilerServer6 if ":" in host else ProfilerServer
    server = cls((host.strip("[]"), port), _Handler)
    try:
        server.quiet = bool(quiet)
        server.host_name = host
        bound_port = server.server_address[1]
        hosts = _host_names(host, bound_port) | {h.lower() for h in allowed_hosts}
        tmpdir = tempfile.mkdtemp(prefix="pympler")
        app = make_app(tracker=tracker, stats=stats, debug=debug, tmpdir=tmpdir,
                       allowed_hosts=hosts)
        server.app = app
        server.set_app(app)
    except BaseException:
        server.server_close()
        raise
    return server


def start_profiler(host="localhost", port=8090, tracker=None, stats=None, debug=False,
                   **kwargs):
    """Serve the GUI on ``host:port`` until interrupted (Ctrl+C), blocking
    the calling thread.  ``tracker`` (a ClassTracker) or ``stats`` (a Stats,
    e.g. loaded from a dump; wins if both are given) feeds the tracker pages.
    Keyword arguments: ``quiet=True`` (no banner, no request log) and
    ``allowed_hosts`` (see `make_server`).  The temporary image folder is
    removed on exit."""
    _serve(host, port, tracker, stats, debug, kwargs, None)


def _serve(host, port, tracker, stats, debug, kwargs, thread):
    _check_kwargs(kwargs)
    server = make_server(host, port, tracker=tracker, stats=stats, debug=debug, **kwargs)
    try:
        if thread is not None:
            thread.server = server
            thread.ready.set()
        if not server.quiet:
            sys.stderr.write("Pympler web frontend on %s (Ctrl+C stops it)\n" % server.url)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    finally:
        server.close()


class ProfilerThread(threading.Thread):
    """The daemon thread of `start_in_background`.  ``ready`` is set once
    the server is bound (then ``server`` is the `ProfilerServer`, or
    ``error`` the exception that stopped it); ``stop()`` shuts it down."""

    def __init__(self, name="Pympler web frontend", **kwargs):
        threading.Thread.__init__(self, name=name)
        self.daemon = True
        self.kwargs = kwargs
        self.server = None
        self.error = None
        self.ready = threading.Event()

    def _split(self):
        kw = dict(self.kwargs)
        args = [kw.pop(k, d) for k, d in (("host", "localhost"), ("port", 8090),
                                           ("tracker", None), ("stats", None),
                                           ("debug", False))]
        return args, kw

    def run(self):
        args, kw = self._split()
        try:
            _serve(*args, kwargs=kw, thread=self)
        except Exception as exc:  # e.g. the port is taken: kept in .error, printed
            self.error = exc
            sys.stderr.write("Pympler web frontend: %s: %s\n" % (type(exc).__name__, exc))
        finally:
            self.ready.set()

    def stop(self, timeout=None):
        """Stop serving and wait for the thread to end."""
        self.ready.wait(timeout)
        if self.server is not None:
            self.server.shutdown()
        self.join(timeout)


def start_in_background(**kwargs):
    """Run `start_profiler` (same keyword arguments) in a new daemon thread
    named 'Pympler web frontend'; returns that `ProfilerThread`."""
    thread = ProfilerThread(**kwargs)
    args, kw = thread._split()
    _check_address(args[0], args[1])      # bad arguments raise here, not in the thread
    _check_kwargs(kw)
    thread.start()
    return thread
