"""pympler.web through real HTTP requests (spec section 13) to servers the
tests start on free loopback ports: every route's status and texts, the
security rules of issue 9 (Host header, escaping, ids the server rendered,
/static/ traversal), malformed requests, and a load test that checks that
the program's heap is unchanged afterwards."""
import gc
import http.client
import os
import re
import signal
import socket
import threading
import time

import pytest

from pympler import muppy, summary, web
from pympler.classtracker import ClassTracker


class Tracked(object):
    def __init__(self, n):
        self.payload = list(range(n))


EvilClass = type("Ev<b>il", (object,), {})


class Hostile(object):
    def __repr__(self):
        return "<script>alert('x')</script>"


#: reachable from this module: find_path starts at 'module ...'
HELD = {"target": Tracked(3)}


def _serve(**kwargs):
    kwargs.setdefault("quiet", True)
    server = web.make_server("localhost", 0, **kwargs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def _stop(server, thread):
    server.shutdown()
    thread.join(10)
    server.close()


class Client(object):
    def __init__(self, server):
        self.server = server
        self.port = server.server_address[1]

    def get(self, path, host=None, method="GET", http10=False):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        if http10:
            conn._http_vsn, conn._http_vsn_str = 10, "HTTP/1.0"
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            if host is not False:
                conn.putheader("Host", "localhost:%d" % self.port if host is None else host)
            conn.endheaders()
            resp = conn.getresponse()
            body = resp.read()
            return resp.status, dict(resp.getheaders()), body.decode("utf-8", "replace")
        finally:
            conn.close()

    def raw(self, data):
        """Send bytes as they are; the whole answer."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
            s.sendall(data)
            chunks = []
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        return b"".join(chunks).decode("latin-1")


@pytest.fixture(scope="module")
def tracker():
    t = ClassTracker()
    t.track_class(Tracked, resolution_level=1, trace=True)
    t.track_class(EvilClass, name="<i>evil</i>")
    keep = [Tracked(10) for _ in range(3)] + [EvilClass()]
    t.create_snapshot("first")
    keep.append(Tracked(100))
    t.create_snapshot("<second>")
    yield t
    t.detach_all_classes()
    del keep


@pytest.fixture(scope="module")
def client(tracker):
    server, thread = _serve(tracker=tracker)
    yield Client(server)
    _stop(server, thread)


@pytest.fixture(scope="module")
def empty_client():
    server, thread = _serve()
    yield Client(server)
    _stop(server, thread)


def _ok(client, path):
    status, headers, body = client.get(path)
    assert status == 200, (path, body[:500])
    return body


def _locals_ids(client, tid):
    body = _ok(client, "/traceback/%d" % tid)
    return re.findall(r'class="expand_local" id="(\d+)"', body)


# ---- pages -------------------------------------------------------------------

def test_overview(client):
    body = _ok(client, "/")
    assert "Python application memory profile" in body
    assert "Process overview" in body
    for text in ("Virtual size", "Physical memory size", "Major pagefaults"):
        assert text in body
    for href in ("/", "/process", "/tracker", "/garbage", "/help", "/summary"):
        assert 'href="%s"' % href in body
    assert "http://" not in body and "https://" not in body      # nothing from elsewhere


def test_security_headers_and_content_type(client):
    status, headers, _ = client.get("/")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_process_page_lists_threads_escaped(client):
    ready, done = threading.Event(), threading.Event()

    def wait():
        ready.set()
        done.wait(30)
    t = threading.Thread(target=wait, name="<b>worker</b>", daemon=True)
    t.start()
    ready.wait(10)
    try:
        body = _ok(client, "/process")
    finally:
        done.set()
        t.join()
    assert "Process information" in body and "Thread information" in body
    for head in ("<th>ID</th>", "<th>Name</th>", "<th>Daemon</th>"):
        assert head in body
    assert "Traceback for thread &lt;b&gt;worker&lt;/b&gt;" in body
    assert "<b>worker" not in body
    assert 'href="/traceback/%d"' % t.ident in body
    assert 'href="/traceback/%d"' % threading.get_ident() in body


def test_traceback_of_a_thread_and_its_locals(client):
    ready, done = threading.Event(), threading.Event()

    def worker():
        secret = Hostile()          # noqa: F841 - shown by "Show locals"
        ready.set()
        done.wait(30)
    t = threading.Thread(target=worker, name="tb-worker", daemon=True)
    t.start()
    ready.wait(10)
    try:
        body = _ok(client, "/traceback/%d" % t.ident)
        assert "Stacktrace for thread %d" % t.ident in body
        assert '<span class="function">worker</span>' in body
        assert "ready.set()" in body                    # context lines
        assert body.count("Show locals") >= 2
        ids = re.findall(r'class="expand_local" id="(\d+)"', body)
        # the innermost frame of the worker is the last but the thread's wait
        frag = None
        for oid in ids:
            status, _, text = client.get("/objects/%s" % oid)
            assert status == 200
            if "[K] secret" in text:
                frag = text
        assert frag is not None
        assert "[V] secret: " in frag
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in frag
        assert "<script>" not in frag
        assert re.search(r'class="expand_ref" id="\d+_\d+" href="/objects/\d+"', frag)
        assert '<span class="local_type">Hostile</span>' in frag
    finally:
        done.set()
        t.join()


def test_traceback_unknown_thread_and_bad_id(client):
    status, _, body = client.get("/traceback/1")
    assert status == 200
    assert "Cannot retrieve stacktrace for thread 1." in body
    for bad in ("/traceback/abc", "/traceback/1.5", "/traceback/0x10", "/traceback/"):
        assert client.get(bad)[0] == 500, bad


def test_objects_refuses_ids_never_rendered(client):
    mine = Tracked(1)
    for bad in (str(id(mine)), str(id(HELD)), "0", "-1", "abc", "1e3", "9" * 60, ""):
        status, _, body = client.get("/objects/" + bad)
        assert status == 500, bad
        assert "<h1>500 Internal Server Error</h1>" in body


def test_objects_of_a_non_dict_names_referents_by_type(client):
    ids = _locals_ids(client, threading.get_ident())
    frag = ""
    for oid in ids:
        frag = _ok(client, "/objects/" + oid)
        if "[V] client:" in frag:
            break
    ref = re.search(r'\[V\] client: [^<]*</span> <span class="local_type">Client</span>', frag)
    assert ref
    cid = re.search(r'href="/objects/(\d+)"><span class="local_name">\[V\] client:', frag)
    assert cid
    inner = _ok(client, "/objects/" + cid.group(1))
    # a Client instance: gc referents named by repr(type(x)) -- its class among them
    assert ('<span class="local_name">&lt;class &#x27;type&#x27;&gt;</span> '
            '<span class="local_type">type</span>') in inner
    assert 'href="/path/' in inner


def test_path_page_links_steps(client):
    held = HELD                  # render HELD through the locals of this frame
    ids = _locals_ids(client, threading.get_ident())
    hid = None
    for oid in ids:
        m = re.search(r'href="/objects/(\d+)"><span class="local_name">\[V\] held:',
                      _ok(client, "/objects/" + oid))
        hid = hid or (m and m.group(1))
    assert hid == str(id(HELD))
    m = re.search(r'href="/objects/(\d+)"><span class="local_name">\[V\] target:',
                  _ok(client, "/objects/" + hid))
    tid = m.group(1)
    assert tid == str(id(HELD["target"]))
    del held                     # now only the module reaches it
    body = _ok(client, "/path/" + tid)
    assert "Reference path" in body
    steps = re.findall(r'<li><span class="step_label">([^<]*)</span> <a class="expand_ref" '
                       r'id="\d+_\d+" href="/objects/(\d+)"', body)
    assert [label for label, _ in steps] == [
        "module %s" % __name__, ".HELD", "[&#x27;target&#x27;]"]
    assert steps[-1][1] == tid
    assert client.get("/path/" + str(id(HELD["target"].payload)))[0] == 500  # not rendered
    for _, oid in steps:                       # every step can be browsed
        assert client.get("/objects/" + oid)[0] == 200
    assert client.get("/path/x")[0] == 500


def test_summary_sorted_and_escaped(client):
    keep = [EvilClass() for _ in range(7)]
    body = _ok(client, "/summary?sort=count&limit=100000")
    assert "Heap summary" in body and 'href="/summary?sort=count"' in body
    assert "Ev&lt;b&gt;il" in body and "Ev<b>il" not in body
    rows = re.findall(r'<tr><td>([^<]*)</td><td class="num">(\d+)</td>', body)
    counts = [int(c) for _, c in rows]
    assert counts == sorted(counts, reverse=True) and len(rows) > 20
    evil = [int(n) for k, n in rows if "Ev&lt;b&gt;il" in k]
    assert len(evil) == 1 and evil[0] >= 7          # (+1 kept by the tracker fixture)
    names = [n for n, _ in re.findall(r'<tr><td>([^<]*)</td><td class="num">(\d+)</td>',
                                      _ok(client, "/summary?sort=type&limit=50"))]
    assert names == sorted(names) and len(names) == 50
    sizes = re.findall(r'<tr><td>[^<]*</td><td class="num">\d+</td><td class="num">([^<]*)<',
                       _ok(client, "/summary"))
    assert 0 < len(sizes) <= 100
    for bad in ("/summary?sort=evil", "/summary?limit=x", "/summary?limit=0"):
        assert client.get(bad)[0] == 500, bad
    del keep


def test_tracker_pages(client):
    body = _ok(client, "/tracker")
    assert "Tracked objects" in body and "Snapshots statistics" in body
    assert '<div class="chart" id="tracker_chart"><svg' in body
    assert "Profiling overhead" in body
    assert "first snapshot at" in body and "&lt;second&gt; snapshot at" in body
    assert '<a href="/tracker/class/%3Ci%3Eevil%3C%2Fi%3E">&lt;i&gt;evil&lt;/i&gt;</a>' in body
    name = "%s.Tracked" % __name__
    assert '<a href="/tracker/class/%s">' % name in body
    cls = _ok(client, "/tracker/class/" + name)
    assert re.search(r"\d+ instances of %s were registered. The average size is [^,]+, the "
                     r"minimal size is [^,]+, the maximum size is " % re.escape(name), cls)
    assert "Coalesced Referents per Snapshot" in cls and "<svg" in cls
    evil = _ok(client, "/tracker/class/%3Ci%3Eevil%3C%2Fi%3E")
    assert re.search(r"\d+ instances of &lt;i&gt;evil&lt;/i&gt; were registered", evil)
    assert "<i>evil" not in evil
    assert client.get("/tracker/class/NoSuchClass")[0] == 500


def test_tracker_without_data(empty_client):
    body = _ok(empty_client, "/tracker")
    assert "No objects are currently tracked." in body
    status, headers, _ = empty_client.get("/tracker/class/Foo")
    assert status == 303 and headers["Location"] == "/tracker"


def test_garbage_pages_and_refresh(client):
    assert client.get("/refresh")[0] == 303
    gc.disable()
    try:
        gc.collect()
        a, b = Tracked(1), Tracked(2)
        a.other, b.other = b, a
        del a, b
        body = _ok(client, "/garbage")
    finally:
        gc.enable()
    assert re.search(r"\d+ reference cycles:", body)
    assert 'href="/garbage/0"' in body and "# cycle objects" in body
    page = _ok(client, "/garbage/0")
    assert "Garbage - Cycle 0" in page
    for head in ("<th>id</th>", "<th>type</th>", "<th>representation</th>"):
        assert head in page
    status, headers, img = client.get("/garbage/graph/0")
    assert status == 200
    if "/garbage/graph/0\"" in page:        # graphviz installed
        assert headers["Content-Type"] == "image/png"
        raw = client.raw(b"GET /garbage/graph/0 HTTP/1.0\r\nHost: localhost:%d\r\n\r\n"
                         % client.port)
        assert "\x89PNG" in raw
    assert client.get("/garbage/graph/0?reduce=1")[0] == 200
    for bad in ("/garbage/99999", "/garbage/-1", "/garbage/x", "/garbage/graph/99999",
                "/garbage/graph/x"):
        assert client.get(bad)[0] == 500, bad
    status, headers, _ = client.get("/refresh")
    assert status == 303 and headers["Location"] == "/"
    status, headers, _ = client.get("/refresh", http10=True)
    assert status == 302 and headers["Location"] == "/"


def test_garbage_graph_too_large_is_not_drawn(empty_client):
    gc.disable()
    try:
        gc.collect()
        ring = [[] for _ in range(web.MAX_GRAPH_OBJECTS + 10)]
        for x, y in zip(ring, ring[1:] + ring[:1]):
            x.append(y)
        del ring, x, y
        assert empty_client.get("/refresh")[0] == 303
        assert "reference cycles:" in _ok(empty_client, "/garbage")
    finally:
        gc.enable()
    page = _ok(empty_client, "/garbage/0")
    assert "%d objects: too many to draw (at most %d)." % (
        web.MAX_GRAPH_OBJECTS + 10, web.MAX_GRAPH_OBJECTS) in page
    assert "<img" not in page
    status, _, body = empty_client.get("/garbage/graph/0")
    assert status == 200 and body == ""
    assert empty_client.get("/refresh")[0] == 303


def test_no_garbage(empty_client):
    gc.collect()
    body = _ok(empty_client, "/garbage")
    assert "No reference cycles detected." in body or "reference cycles:" in body


def test_help_redirects(client):
    status, headers, _ = client.get("/help")
    assert status == 303 and headers["Location"].startswith("https://")


def test_static_files(client):
    status, headers, body = client.get("/static/style.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")
    assert "nav.related" in body
    status, headers, body = client.get("/static/pympler.js")
    assert status == 200 and "show_traceback" in body


@pytest.mark.parametrize("path", [
    "/static/../web.py", "/static/%2e%2e/web.py", "/static/%2E%2E%2Fweb.py",
    "/static/..%2f__init__.py", "/static/%252e%252e%252fweb.py", "/static//etc/passwd",
    "/static/%2Fetc%2Fpasswd", "/static/.", "/static/..", "/static/", "/static/nope.css",
    "/static/style.css/", "/static/style.css%00.js", "/static/..%5cweb.py",
    "/static/../../../../../../etc/passwd", "/static/%c0%ae%c0%ae/web.py"])
def test_static_refuses_traversal(client, path):
    status, _, body = client.get(path)
    assert status in (400, 404), (path, status)
    assert "import" not in body and "root:" not in body


def test_static_refuses_symlinks_out(tmp_path, monkeypatch):
    static = tmp_path / "static"
    static.mkdir()
    (static / "ok.css").write_text("a {}")
    secret = tmp_path / "secret.css"
    secret.write_text("secret {}")
    os.symlink(str(secret), str(static / "link.css"))
    monkeypatch.setattr(web, "STATIC_DIR", str(static))
    app = web.make_app()
    assert sorted(app.static_files) == ["ok.css"]

    def call(path):
        out = {}
        body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": path},
                            lambda s, h: out.update(status=s)))
        return out["status"], body
    assert call("/static/ok.css") == ("200 OK", b"a {}")
    assert call("/static/link.css")[0].startswith("404")


# ---- Host header, methods, malformed requests ------------------------------------

def test_host_header(client):
    port = client.port
    for host in ("localhost:%d" % port, "127.0.0.1:%d" % port, "[::1]:%d" % port,
                 "LOCALHOST:%d" % port):
        assert client.get("/", host=host)[0] == 200, host
    for host in ("evil.example:%d" % port, "evil.example", "localhost", "localhost:1",
                 "127.0.0.1.evil.example:%d" % port, "", "localhost:%d.evil" % port):
        status, _, body = client.get("/", host=host)
        assert status == 403, host
        assert "evil" not in body
    assert client.get("/", host=False)[0] == 403               # missing Host
    raw = client.raw(b"GET / HTTP/1.0\r\n\r\n")
    assert raw.startswith("HTTP/1.0 403")


def test_user_given_host_is_answered():
    server, thread = _serve(allowed_hosts=["MyBox:8090"])
    try:
        c = Client(server)
        assert c.get("/", host="mybox:8090")[0] == 200
        assert c.get("/", host="otherbox:8090")[0] == 403
    finally:
        _stop(server, thread)


def test_malformed_requests(client):
    assert "Error code: 400" in client.raw(b"GARBAGE\r\n\r\n")   # HTTP/0.9: no status line
    assert client.raw(b"GET /%s HTTP/1.0\r\n\r\n" % (b"x" * 70000)).split(" ")[1] in (
        "400", "414")
    assert re.search(r"Error code: (400|505)", client.raw(b"GET / HTTP/9.9\r\n\r\n"))
    assert client.get("/", method="POST")[0] == 405
    assert client.get("/nope")[0] == 404
    status, _, body = client.get("/%3Cscript%3E")
    assert status == 404 and "<script>" not in body
    assert client.get("/objects/%ff")[0] == 400
    status, headers, body = client.get("/", method="HEAD")
    assert status == 200 and body == ""
    assert _ok(client, "/")                                       # still serving


# ---- servers, threads -------------------------------------------------------------

class _RaisingMeta(type):
    def __repr__(cls):
        raise RuntimeError("metaclass repr")


class _Raising(metaclass=_RaisingMeta):
    def __repr__(self):
        raise RuntimeError("repr")

    def __getattribute__(self, name):
        raise RuntimeError("getattr " + name)


def _wsgi(app, path):
    out = []
    body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": path},
                        lambda status, headers: out.append(status)))
    return out[0], body.decode("utf-8")


def test_objects_of_hostile_objects():
    import weakref
    app = web.make_app()

    class Box(object):
        pass
    box = Box()
    box.items = [_Raising(), weakref.proxy(Box())]     # a dead proxy too
    box.d = {_Raising(): _Raising(), "<k>": "<v>"}
    status, body = _wsgi(app, "/objects/" + app.remember(box))
    assert status == "200 OK"
    ids = re.findall(r'href="/objects/(\d+)"', body)
    assert ids
    for oid in ids:
        status, frag = _wsgi(app, "/objects/" + oid)
        assert status == "200 OK", frag
    status, frag = _wsgi(app, "/objects/" + app.remember(box.d))
    assert status == "200 OK"
    assert "[V] &lt;k&gt;: &#x27;&lt;v&gt;&#x27;" in frag or "&lt;k&gt;" in frag
    assert "<k>" not in frag and "<v>" not in frag
    status, frag = _wsgi(app, "/objects/" + app.remember(box.items))
    assert status == "200 OK" and "_Raising" in frag


def test_strong_registry_is_bounded(monkeypatch):
    monkeypatch.setattr(web, "MAX_STRONG", 3)
    app = web.make_app()
    kept = [[i] for i in range(5)]           # lists: no weak reference
    ids = [app.remember(x) for x in kept]
    assert app.lookup(ids[4]) is kept[4] and app.lookup(ids[2]) is kept[2]
    app.remember(kept[2])                    # used again: the newest
    app.remember([99])
    with pytest.raises(web.HTTPError, match="Unknown object id"):
        app.lookup(ids[3])
    assert app.lookup(ids[2]) is kept[2]
    with pytest.raises(web.HTTPError, match="Unknown object id"):
        app.lookup(ids[0])
    obj = Tracked(1)                         # weakly referenced: not kept alive
    oid = app.remember(obj)
    assert app.lookup(oid) is obj
    del obj
    gc.collect()
    with pytest.raises(web.HTTPError, match="Unknown object id"):
        app.lookup(oid)


def test_servers_in_threads_have_their_own_registry(client, empty_client):
    ids = _locals_ids(client, threading.get_ident())
    assert ids
    assert client.get("/objects/" + ids[0])[0] == 200
    assert empty_client.get("/objects/" + ids[0])[0] == 500


def test_start_in_background_and_stop():
    thread = web.start_in_background(port=0, quiet=True)
    assert thread.name == "Pympler web frontend" and thread.daemon
    assert thread.ready.wait(10) and thread.error is None
    tmpdir = thread.server.app.tmpdir
    assert os.path.isdir(tmpdir)
    c = Client(thread.server)
    assert "Python application memory profile" in _ok(c, "/")
    thread.stop(10)
    assert not thread.is_alive()
    assert not os.path.exists(tmpdir)


def test_start_profiler_bad_arguments():
    with pytest.raises(TypeError, match="colour"):
        web.start_profiler(port=0, colour="red")
    with pytest.raises(ValueError, match="port"):
        web.start_profiler(port=-1, quiet=True)
    with pytest.raises(ValueError, match="port"):
        web.start_in_background(port="80", quiet=True)
    with pytest.raises(TypeError, match="colour"):
        web.start_in_background(port=0, colour="red")
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:      # the port is taken: the thread ends, its error is kept
        thread = web.start_in_background(host="127.0.0.1", port=busy.getsockname()[1],
                                         quiet=True)
        thread.join(10)
        assert isinstance(thread.error, OSError) and thread.ready.is_set()
    finally:
        busy.close()


def test_start_profiler_banner_and_interrupt(capsys, monkeypatch):
    import _thread
    main = threading.get_ident()
    seen = []

    def interrupt():
        for _ in range(200):
            if seen:
                break
            time.sleep(0.02)
        _thread.interrupt_main()
    old = web.ProfilerServer.serve_forever

    def serve(self, *a, **k):
        seen.append(self.app.tmpdir)
        return old(self, *a, **k)
    t = threading.Thread(target=interrupt, daemon=True)
    # interrupt_main() does nothing while SIGINT is ignored, as it is in a
    # process that a non-interactive shell started in the background: the
    # test would wait forever.  Ctrl+C in a terminal meets Python's handler.
    old_handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    monkeypatch.setattr(web.ProfilerServer, "serve_forever", serve)
    try:
        t.start()
        web.start_profiler(port=0)          # returns on KeyboardInterrupt
    finally:
        t.join()
        signal.signal(signal.SIGINT, old_handler)
    assert threading.get_ident() == main
    assert "Pympler web frontend on http://localhost:" in capsys.readouterr().err
    assert seen and not os.path.exists(seen[0])


# ---- load ------------------------------------------------------------------------

def _load_paths(c):
    ids = _locals_ids(c, threading.get_ident())
    return ["/", "/static/style.css", "/tracker", "/objects/" + ids[0], "/process",
            "/nope", "/objects/x", "/", "/traceback/1", "/static/pympler.js"]


def _heap():
    gc.collect()
    return summary.summarize(muppy.get_objects())


def test_load_1000_requests_8_threads_heap_unchanged(tracker):
    # warm up: lazy imports and caches the first requests fill
    server, thread = _serve(tracker=tracker)
    c = Client(server)
    for path in _load_paths(c):
        c.get(path)
    _stop(server, thread)
    del server, thread, c, path
    # a summary is itself on the heap: 'cost' is what one summary adds
    before = _heap()
    before2 = _heap()
    cost = {row[0]: row[1] for row in summary.get_diff(before, before2)}

    server, thread = _serve(tracker=tracker)
    c = Client(server)
    paths = _load_paths(c)
    errors, statuses = [], []

    def worker(k):
        try:
            for i in range(125):
                path = paths[(i + k) % len(paths)]
                status = c.get(path)[0]
                statuses.append(status)
                expected = 404 if path == "/nope" else 500 if path == "/objects/x" else 200
                if status != expected:
                    errors.append((path, status))
        except Exception as exc:   # noqa: BLE001 - reported below
            errors.append(repr(exc))
    workers = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for w in workers:
        w.start()
    churn = 0
    while any(w.is_alive() for w in workers):     # the program allocates meanwhile
        junk = [{"k": [i] * 5} for i in range(300)]
        churn += len(junk)
        del junk
        time.sleep(0.001)
    for w in workers:
        w.join()
    _stop(server, thread)
    assert errors == []
    assert len(statuses) == 1000 and churn > 0
    # dropped (not del: the closure shares these names)
    server = thread = c = paths = workers = w = statuses = errors = worker = None
    after = _heap()
    diff = [(label, n - cost.get(label, 0)) for label, n, _ in summary.get_diff(before2, after)]
    diff = [row for row in diff if row[1] != 0]
    # the only change allowed: a few objects the test's own bookkeeping makes
    assert sum(abs(row[1]) for row in diff) < 50, diff
