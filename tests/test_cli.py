"""The command line (issue 10 item 4): ``python -m pympler run|report|diff``,
its exit codes, messages and progress lines (pympler.cli)."""
import gzip
import html
import json
import os
import re
import signal
import subprocess
import sys
import textwrap

import pytest

from pympler import cli, heapfile, retained

SRC = os.path.dirname(os.path.dirname(os.path.abspath(cli.__file__)))
IS_POSIX = hasattr(signal, "SIGUSR1")

CACHE_SCRIPT = """\
import sys
cache = [bytes(1000) + str(i).encode() for i in range(10000)]   # ~10 MB
print("script argv", sys.argv, "path0", sys.path[0], __name__)
"""

BLOB_SCRIPT = """\
class Blob:
    def __init__(self, i):
        self.payload = "x" * 200 + str(i)
blobs = %s
"""


def _env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PYMPLER_PROGRESS_AFTER", None)
    env.update(extra)
    return env


def _pympler(args, cwd, **env):
    """``python -m pympler ARGS`` in *cwd*: (status, stdout, stderr)."""
    p = subprocess.run([sys.executable, "-m", "pympler"] + list(args), cwd=str(cwd),
                       env=_env(**env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def _write(path, text):
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Two snapshot files of small scripts: A with 10 Blobs, B with 3000."""
    d = tmp_path_factory.mktemp("cli_saved")
    files = {}
    for name, expr in (("a", "[Blob(i) for i in range(10)]"),
                       ("b", "[Blob(i) for i in range(3000)]")):
        script = _write(d / ("%s.py" % name), BLOB_SCRIPT % expr)
        out = d / ("%s.pymheap.gz" % name)
        rc, so, se = _pympler(["run", "-q", "-o", str(out), script.name], d)
        assert rc == 0, se
        files[name] = out
    return files


# -- run ---------------------------------------------------------------------

def test_run_reports_the_module_global_cache_first_and_saves(tmp_path):
    _write(tmp_path / "cachy.py", CACHE_SCRIPT)
    rc, out, err = _pympler(["run", "cachy.py", "one", "--two"], tmp_path)
    assert rc == 0, err
    assert "script argv ['cachy.py', 'one', '--two'] path0 %s __main__" % (
        os.path.realpath(str(tmp_path)),) in out
    assert out.index("script argv") < out.index("pympler heap snapshot:")
    assert "program:  cachy.py one --two" in out
    lines = out.splitlines()
    first = lines.index("  #    retained        flat  type") + 1
    assert lines[first].split()[0] == "1" and lines[first].split()[-1] == "list", lines[first]
    assert lines[first].split()[1:3] == ["9.97", "MB"], lines[first]
    assert lines[first + 1].strip().startswith("module __main__ -> .cache"), lines[first + 1]
    report = out[out.index("pympler heap snapshot:"):].splitlines()
    assert max(len(line) for line in report) <= 100
    for heading in ("By type", "By module"):
        assert heading in out
    assert _only_slow_stages(err)         # small heap: no progress line
    saved = tmp_path / ("pympler-%s.pymheap.gz" % _pid_of(out))
    assert saved.exists() and "Snapshot saved to %s" % saved.name in out
    snap = retained.load(str(saved))
    assert snap.loaded and snap.meta["argv"] == ["cachy.py", "one", "--two"]
    top = snap.top(1)[0]
    assert snap.retained_size(top) > 10000000


def _pid_of(out):
    for line in out.splitlines():
        if line.startswith("  taken:"):
            return line.rsplit("pid ", 1)[1].strip()
    raise AssertionError("no pid in the report")


def test_run_exit_status_of_sys_exit(tmp_path):
    _write(tmp_path / "ex.py", "import sys\nprint('bye')\nsys.exit(3)\n")
    rc, out, err = _pympler(["run", "--no-save", "ex.py"], tmp_path)
    assert rc == 3, err
    assert "bye" in out and "pympler heap snapshot:" in out
    assert list(tmp_path.glob("*.pymheap.gz")) == []
    _write(tmp_path / "msg.py", "import sys\nsys.exit('giving up')\n")
    rc, out, err = _pympler(["run", "--no-save", "msg.py"], tmp_path)
    assert (rc, err) == (1, "giving up\n")


def test_run_uncaught_exception_prints_traceback_and_gives_1(tmp_path):
    _write(tmp_path / "boom.py", """\
        kept = list(range(1000))
        def f():
            return 1 / 0
        f()
        """)
    rc, out, err = _pympler(["run", "--no-save", "boom.py"], tmp_path)
    assert rc == 1
    assert err.startswith("Traceback (most recent call last):\n"), err
    assert 'boom.py", line 4, in <module>' in err and "ZeroDivisionError" in err
    assert "cli.py" not in err            # pympler's own frames are left out
    assert "pympler heap snapshot:" in out


def test_run_module_with_m(tmp_path):
    pkg = tmp_path / "pkgx"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    _write(pkg / "tool.py", """\
        import sys
        table = {i: str(i) * 50 for i in range(20000)}
        print("tool", __name__, __package__, sys.argv[1:], sys.argv[0].endswith("tool.py"))
        """)
    rc, out, err = _pympler(["run", "--no-save", "--top", "3", "-m", "pkgx.tool", "-x", "--",
                             "y"], tmp_path)
    assert rc == 0, err
    assert "tool __main__ pkgx ['-x', '--', 'y'] True" in out
    assert "module __main__ -> .table" in out
    rc, out, err = _pympler(["run", "-mpkgx.tool", "z", "--no-save"], tmp_path)
    assert rc == 0 and "['z', '--no-save']" in out
    assert len(list(tmp_path.glob("pympler-*.pymheap.gz"))) == 1


def test_run_snapshot_that_cannot_be_saved_gives_1_after_the_report(tmp_path):
    _write(tmp_path / "ok.py", "x = 1\n")
    target = tmp_path / "no" / "such" / "dir.pymheap.gz"
    rc, out, err = _pympler(["run", "-o", str(target), "ok.py"], tmp_path)
    assert rc == 1
    assert err == "pympler: error: %s: No such file or directory\n" % (target,)
    assert "pympler heap snapshot:" in out and "Snapshot saved" not in out


def test_run_missing_script_or_module_gives_1(tmp_path):
    rc, out, err = _pympler(["run", "nosuch.py"], tmp_path)
    assert (rc, out) == (1, "")
    assert err == "pympler: error: nosuch.py: No such file or directory\n"
    rc, out, err = _pympler(["run", "-m", "nosuch_mod_xyz"], tmp_path)
    assert rc == 1 and err.startswith("pympler: error: -m nosuch_mod_xyz: No module named")
    assert "Traceback" not in err


def test_run_report_escapes_control_characters_and_unencodable_text(tmp_path):
    _write(tmp_path / "odd.py", """\
        import sys, types
        m = types.ModuleType("odd")
        m.big = bytearray(4000000)
        sys.modules["\\x1b[2Jm\\xe9"] = m        # a terminal escape and an e-acute
        """)
    rc, out, err = _pympler(["run", "--no-save", "--top", "3", "odd.py"], tmp_path,
                            PYTHONIOENCODING="ascii")
    assert rc == 0, err
    assert "\x1b" not in out and "\xe9" not in out
    assert "module \\x1b[2Jm\\xe9 -> .big" in out, out


@pytest.mark.skipif(not IS_POSIX, reason="SIGUSR1 is POSIX")
def test_run_sigusr1_takes_a_numbered_snapshot_and_goes_on(tmp_path):
    _write(tmp_path / "sig.py", """\
        import os, signal
        early = [str(i) * 100 for i in range(5000)]
        os.kill(os.getpid(), signal.SIGUSR1)
        print("after the signal")
        late = bytearray(3000000)
        """)
    rc, out, err = _pympler(["run", "-o", "run.pymheap.gz", "sig.py"], tmp_path)
    assert rc == 0, err
    assert "pympler: SIGUSR1: snapshot 1" in err
    assert out.count("pympler heap snapshot:") == 2
    first, second = out.split("after the signal")
    assert "module __main__ -> .early" in first and ".late" not in first
    assert "module __main__ -> .late" in second
    assert "Snapshot saved to run-1.pymheap.gz" in first
    names = sorted(p.name for p in tmp_path.glob("*.pymheap.gz"))
    assert names == ["run-1.pymheap.gz", "run.pymheap.gz"]
    assert retained.load(str(tmp_path / "run-1.pymheap.gz")).count > 1000


@pytest.mark.skipif(not IS_POSIX, reason="SIGUSR1 is POSIX")
def test_run_leaves_a_script_handler_alone(tmp_path):
    _write(tmp_path / "own.py", """\
        import os, signal
        signal.signal(signal.SIGUSR1, lambda *a: print("script's own handler"))
        os.kill(os.getpid(), signal.SIGUSR1)
        """)
    rc, out, err = _pympler(["run", "--no-save", "own.py"], tmp_path)
    assert rc == 0, err
    assert "script's own handler" in out and out.count("pympler heap snapshot:") == 1
    assert "SIGUSR1" not in err


def test_run_in_process_restores_the_interpreter(tmp_path, capsys):
    script = _write(tmp_path / "tiny.py", "import sys\nx = sys.argv[1:]\nsys.exit(5)\n")
    main_before, argv_before, path_before = sys.modules["__main__"], sys.argv, list(sys.path)
    handler = signal.getsignal(signal.SIGUSR1) if IS_POSIX else None
    assert cli.main(["run", "-q", "--no-save", "--top", "1", str(script), "a"]) == 5
    assert sys.modules["__main__"] is main_before
    assert sys.argv is argv_before and sys.path == path_before
    if IS_POSIX:
        assert signal.getsignal(signal.SIGUSR1) == handler
    assert "pympler heap snapshot:" in capsys.readouterr().out


# -- report ------------------------------------------------------------------

def test_report_of_a_saved_file(saved, capsys):
    assert cli.main(["report", str(saved["b"]), "--top", "3"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("pympler heap snapshot: ")
    assert "program:  b.py\n" in out
    lines = out.splitlines()
    first = lines.index("  #    retained        flat  type") + 1
    assert lines[first].split()[-1] == "list"
    assert lines[first + 1].strip().startswith("module __main__ -> "), lines[first + 1]
    by_module = out.split("By module")[1].splitlines()
    assert any(line.split()[-2:] == ["3000", "__main__"] for line in by_module), by_module
    assert _only_slow_stages(err)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "missing", "empty", "directory"])
def test_report_of_a_bad_file_gives_1_and_a_message(saved, tmp_path, capsys, damage):
    bad = tmp_path / "bad.pymheap.gz"
    raw = saved["a"].read_bytes()
    if damage == "truncated":
        bad.write_bytes(gzip.compress(gzip.decompress(raw)[:2000]))
    elif damage == "garbage":
        bad.write_bytes(b"this is not a snapshot\n" * 10)
    elif damage == "empty":
        bad.write_bytes(b"")
    elif damage == "directory":
        bad.mkdir()
    assert cli.main(["report", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("pympler: error: %s: " % bad) and err.count("\n") == 1, err
    reason = err.split(": ", 3)[-1]
    expected = {"truncated": "truncated", "garbage": "not a pympler heap snapshot",
                "missing": "No such file or directory", "empty": "truncated",
                "directory": "Is a directory"}[damage]
    if not (damage == "directory" and sys.platform == "win32"):
        assert expected in reason, err


def test_report_bad_file_in_a_subprocess_has_no_traceback(tmp_path):
    (tmp_path / "junk.gz").write_bytes(gzip.compress(b"junk"))
    rc, out, err = _pympler(["report", "junk.gz"], tmp_path)
    assert (rc, out) == (1, "")
    assert err.startswith("pympler: error: junk.gz: pympler heap snapshot: ") and \
        "Traceback" not in err


def test_report_heapsnapshot_export(saved, tmp_path, capsys):
    out_file = tmp_path / "b.heapsnapshot"
    assert cli.main(["report", "-q", str(saved["b"]), "--heapsnapshot", str(out_file)]) == 0
    with open(str(out_file)) as f:
        doc = json.load(f)
    heapfile.validate_heapsnapshot(doc)
    # node 0 is DevTools' synthetic root
    assert doc["snapshot"]["node_count"] == retained.load(str(saved["b"])).count + 1
    assert cli.main(["report", "-q", str(saved["b"]), "--heapsnapshot",
                     str(tmp_path / "no" / "such" / "dir.heapsnapshot")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("pympler: error: %s: No such file"
                          % (tmp_path / "no" / "such" / "dir.heapsnapshot",))


def test_report_html(saved, tmp_path, capsys):
    pytest.importorskip("pympler.heapreport")
    html = tmp_path / "b.html"
    assert cli.main(["report", "-q", str(saved["b"]), "--html", str(html), "--top", "5"]) == 0
    text = html.read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<!doctype html") and "Blob" in text
    assert "pympler heap snapshot:" in capsys.readouterr().out


def test_run_html(tmp_path):
    pytest.importorskip("pympler.heapreport")
    _write(tmp_path / "cachy.py", CACHE_SCRIPT)
    rc, out, err = _pympler(["run", "--no-save", "--html", "run.html", "cachy.py"], tmp_path)
    assert rc == 0 and _only_slow_stages(err), err
    text = (tmp_path / "run.html").read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<!doctype html")
    # the cache's retention path (".cache" alone also matched the by-type row
    # of functools.cached_property, present or not depending on the imports)
    assert "['cache']" in html.unescape(text)


def test_html_without_the_html_module_gives_1(saved, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "pympler.heapreport", None)    # import fails
    # once imported, the module is also an attribute of the package, which
    # `from pympler import heapreport` finds without importing
    monkeypatch.delattr("pympler.heapreport", raising=False)
    assert cli.main(["report", "-q", str(saved["a"]), "--html", str(tmp_path / "a.html")]) == 1
    out, err = capsys.readouterr()
    assert "pympler heap snapshot:" in out
    assert err == "pympler: error: --html: this pympler has no pympler.heapreport\n"
    assert not (tmp_path / "a.html").exists()


# -- diff --------------------------------------------------------------------

def test_diff_puts_the_type_that_grew_first(saved, capsys):
    assert cli.main(["diff", str(saved["a"]), str(saved["b"]), "--top", "5"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("pympler diff: %s -> %s" % (saved["a"], saved["b"]))
    total = [line for line in out.splitlines() if line.startswith("Total change: ")][0]
    assert total.startswith("Total change: +") and "MB" in total or "KB" in total
    by_type = out.split("By type")[1].split("By retention path")[0].splitlines()
    header = [k for k, line in enumerate(by_type) if line.strip().endswith("type")][0]
    rows = [line.split() for line in by_type[header + 1:] if line.strip()]
    assert rows[0][0].startswith("+") and int(rows[0][0]) > 2990 * 250, by_type   # grew
    blob = [r for r in rows if r[-1] == "__main__.Blob"]
    assert blob and blob[0][2] == "+2990" and int(blob[0][0]) > 2990 * 250, by_type
    assert [int(r[0]) for r in rows] == sorted((int(r[0]) for r in rows), key=lambda v: -abs(v))
    assert "By retention path" in out and _only_slow_stages(err)
    assert cli.main(["diff", str(saved["a"]), str(saved["b"]), "--by", "type"]) == 0
    assert "By retention path" not in capsys.readouterr().out


def test_diff_of_a_missing_file_gives_1(saved, tmp_path, capsys):
    assert cli.main(["diff", str(saved["a"]), str(tmp_path / "gone.gz")]) == 1
    err = capsys.readouterr().err
    assert err == "pympler: error: %s: No such file or directory\n" % (tmp_path / "gone.gz",)


# -- arguments, help, progress ------------------------------------------------

@pytest.mark.parametrize("verb", [[], ["run"], ["report"], ["diff"]])
def test_every_verb_has_help_with_an_example(verb, capsys):
    assert cli.main(verb + ["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: pympler") and "example" in out and "exit status" in out


def test_help_in_a_subprocess(tmp_path):
    rc, out, err = _pympler(["run", "--help"], tmp_path)
    assert rc == 0 and "SIGUSR1" in out and "pympler-<pid>.pymheap.gz" in out


@pytest.mark.parametrize("argv", [[], ["bogus"], ["run"], ["run", "-q"], ["report"], ["-q"],
                                  ["-q", "run"], ["-q", "bogus", "f"],
                                  ["report", "f", "--top", "0"], ["diff", "a"],
                                  ["diff", "a", "b", "--by", "size"], ["run", "--top"],
                                  ["report", "f", "--nosuch"],
                                  ["run", "--out", "f.gz", "s.py"]])   # no abbreviations
def test_bad_arguments_give_2(argv, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "usage: pympler" in err and "error:" in err


def test_text_report_checks_its_arguments():
    with pytest.raises(TypeError, match="retained.Snapshot, not dict"):
        cli.text_report({})
    snap = retained.snapshot(keep_objects=False)
    for top in (0, -1, 1.5, "3"):
        with pytest.raises(ValueError, match="top must be an int >= 1"):
            cli.text_report(snap, top)
    text = cli.text_report(snap, 2)
    assert text.startswith("pympler heap snapshot: ") and "By module" in text


def test_run_grouped_short_options(tmp_path):
    _write(tmp_path / "g.py", "import sys\nprint('args', sys.argv[1:])\n")
    rc, out, err = _pympler(["run", "-qo", "g.pymheap.gz", "g.py", "-qo", "x"], tmp_path,
                            PYMPLER_PROGRESS_AFTER="0")
    assert (rc, err) == (0, "")
    assert "args ['-qo', 'x']" in out and (tmp_path / "g.pymheap.gz").exists()


def test_run_words_are_split_at_the_script():
    split = cli._split_run
    assert split(["-o", "f", "--top", "3", "s.py", "-o", "x"]) == (
        ["-o", "f", "--top", "3"], ["s.py"], ["-o", "x"])
    assert split(["-q", "--", "-odd.py", "a"]) == (["-q"], ["-odd.py"], ["a"])
    assert split(["-m", "mod", "--", "-m"]) == (["-m", "mod"], [], ["--", "-m"])
    assert split(["-mmod", "x"]) == (["-mmod"], [], ["x"])
    assert split(["--top=3", "s.py"]) == (["--top=3"], ["s.py"], [])
    assert split(["-qo", "f.gz", "s.py", "-q"]) == (["-qo", "f.gz"], ["s.py"], ["-q"])
    assert split(["-of.gz", "s.py"]) == (["-of.gz"], ["s.py"], [])
    assert split(["-qm", "mod", "a"]) == (["-qm", "mod"], [], ["a"])
    assert split(["-qmmod", "a"]) == (["-qmmod"], [], ["a"])
    assert split(["--output", "-m", "s.py"]) == (["--output", "-m"], ["s.py"], [])
    assert split(["--no-save"]) == (["--no-save"], [], [])
    assert cli._numbered("pympler-9.pymheap.gz", 2) == "pympler-9-2.pymheap.gz"
    assert cli._numbered("out.pymheap", 1) == "out-1.pymheap"
    assert cli._numbered("x/snap.bin", 3) == "x/snap-3.bin"


def _only_slow_stages(err):
    """Unforced, a small file's stages are not announced; a line says how
    long a stage took only when it took over a second (a slow build)."""
    for line in err.splitlines():
        m = re.match(r"^pympler: .* done in (\d+\.\d) s$", line)
        assert m and float(m.group(1)) >= 1.0, err
    return True


def test_progress_lines_when_forced_and_not_otherwise(saved, tmp_path):
    rc, out, err = _pympler(["report", str(saved["a"])], tmp_path)
    assert rc == 0 and _only_slow_stages(err)
    rc, out, err = _pympler(["report", str(saved["a"])], tmp_path, PYMPLER_PROGRESS_AFTER="0")
    assert rc == 0
    lines = err.splitlines()
    assert lines[0] == "pympler: loading %s..." % saved["a"]
    assert lines[1].startswith("pympler: loading %s done in " % saved["a"])
    assert lines[1].endswith(" s") and "pympler: report..." in lines
    rc, out, err = _pympler(["report", "-q", str(saved["a"])], tmp_path,
                            PYMPLER_PROGRESS_AFTER="0")
    assert rc == 0 and err == ""
    # -q before the verb is the same -q
    for argv in (["-q", "report", str(saved["a"])], ["--quiet", "diff", str(saved["a"]),
                                                      str(saved["a"])]):
        rc, out, err = _pympler(argv, tmp_path, PYMPLER_PROGRESS_AFTER="0")
        assert rc == 0 and err == "" and out
    _write(tmp_path / "t.py", "x = 1\n")
    rc, out, err = _pympler(["run", "--no-save", "t.py"], tmp_path, PYMPLER_PROGRESS_AFTER="0")
    assert rc == 0 and "pympler: snapshot...\n" in err and "pympler: snapshot done in" in err
    rc, out, err = _pympler(["-q", "run", "--no-save", "t.py"], tmp_path,
                            PYMPLER_PROGRESS_AFTER="0")
    assert rc == 0 and err == "" and "pympler heap snapshot" in out


class _Tty(object):
    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s

    def flush(self):
        pass

    def isatty(self):
        return True


def test_progress_on_a_terminal_rewrites_one_line():
    tty = _Tty()
    prog = cli._Progress(tty, after=0.0)
    with prog.stage("snapshot", 5.0):
        pass
    assert tty.text.startswith("pympler: snapshot...\rpympler: snapshot done in ")
    assert tty.text.endswith(" s\n") and tty.text.count("\n") == 1
    quiet = cli._Progress(tty, quiet=True, after=0.0)
    with quiet.stage("x", 5.0):
        pass
    slow = cli._Progress(_Tty(), after=1.0)
    with slow.stage("short", 0.1):      # predicted short, took short: nothing
        pass
    assert slow.stream.text == ""
    slow.after = -1.0                   # took longer than the threshold: said afterwards
    with pytest.raises(KeyError):
        with slow.stage("late", -5.0):
            raise KeyError
    assert slow.stream.text.startswith("pympler: late failed in ")


def test_installed_script_runs_main():
    from importlib import metadata

    try:
        dist = metadata.distribution("pympler")
    except metadata.PackageNotFoundError:
        pytest.skip("pympler is not installed (tests run from the source tree)")
    import pympler
    installed = os.path.realpath(str(dist.locate_file("pympler/__init__.py")))
    if installed != os.path.realpath(pympler.__file__):
        pytest.skip("the installed pympler (%s) is not the one under test" % installed)
    scripts = [ep for ep in dist.entry_points if ep.group == "console_scripts"]
    assert [(ep.name, ep.value) for ep in scripts] == [("pympler", "pympler.cli:main")]
    exe = os.path.join(os.path.dirname(sys.executable),
                       "pympler.exe" if sys.platform == "win32" else "pympler")
    if not os.path.exists(exe):
        pytest.skip("no pympler script next to %s" % sys.executable)
    p = subprocess.run([exe, "diff", "--help"], stdout=subprocess.PIPE,
                       universal_newlines=True, timeout=60)
    assert p.returncode == 0 and p.stdout.startswith("usage: pympler diff")
