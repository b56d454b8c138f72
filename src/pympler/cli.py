"""The command line: ``python -m pympler`` (also installed as ``pympler``).

Three verbs::

    pympler run [-o FILE] [--top N] [--html OUT] [--no-save] [--no-labels] script.py [args...]
    pympler run [options] -m module [args...]
    pympler report FILE [--top N] [--html OUT] [--heapsnapshot OUT]
    pympler diff A B [--top N] [--by type|path|both]

``run`` runs a script as ``__main__`` (as ``python script.py`` would), then
takes a :func:`pympler.retained.snapshot` of the whole heap when it ends,
saves it to a file and prints a text report of what keeps memory alive
(SIGUSR1 takes one while it runs, on POSIX); ``report`` prints the report of
a saved file and ``diff`` compares two.  :func:`main` is the entry point,
:func:`text_report` the report.

Documentation: docs/usage.md ("Command line") in pympler's source
repository.
"""
import argparse
import builtins
import contextlib
import gc
import os
import signal
import sys
import time
import types

__all__ = ["main", "text_report"]

WIDTH = 100                 # the report fits in 100 columns
_EXIT_ERROR = 1             # a file that cannot be read / is not a snapshot
_SUFFIX = ".pymheap.gz"     # default snapshot file suffix

# Seconds per unit, measured on a 2-core machine (CPython 3.11, release
# build, 1.3M objects: snapshot 0.2 s, save 1.5 s, load 1.0-1.3 s for 8 MB,
# report 0.02 s, HTML 0.0 s; 1M objects: .heapsnapshot 5 s, load included)
# and rounded up by about half.  They
# only decide whether a stage is announced before it starts: the heap walk
# is one C call that holds the GIL, so nothing can print during it.  The
# snapshot scales with sys.getallocatedblocks(), saving and writing with the
# number of objects, loading with the file's size.
_RATE = {
    "snapshot": 0.15e-6,    # per allocated block (gc.collect() included)
    "save": 1.6e-6,         # per object, with labels, gzip level 1
    "report": 0.05e-6,      # per object (retention paths of the top objects)
    "load": 0.2e-6,         # per byte of file (gzip)
    "html": 0.1e-6,         # per object (0.0 s measured: the top rows only)
    "heapsnapshot": 7e-6,   # per object (the file read again, then the JSON)
}


class _Error(Exception):
    """A failure reported as ``pympler: error: <message>``, exit status 1."""


def _file_error(path, exc):
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
    else:
        reason = str(exc)
    return _Error("%s: %s" % (path, reason))


# ---------------------------------------------------------------------------
# Progress on stderr.

class _Progress(object):
    """Announce a stage expected to last over ``after`` seconds before it
    starts (``pympler: <stage>...``) and say how long any stage that took
    over ``after`` seconds took (``pympler: <stage> done in X.X s``); on a
    terminal both are one line, rewritten with ``\\r``.  ``after`` comes
    from $PYMPLER_PROGRESS_AFTER (seconds, default 1)."""

    def __init__(self, stream, quiet=False, after=None):
        if after is None:
            try:
                after = float(os.environ.get("PYMPLER_PROGRESS_AFTER", "1"))
            except ValueError:
                after = 1.0
        self.stream = stream
        self.quiet = quiet or stream is None
        self.after = after
        try:
            self.tty = bool(stream.isatty())
        except (AttributeError, ValueError, OSError):
            self.tty = False

    def _write(self, text):
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass

    @contextlib.contextmanager
    def stage(self, name, estimate):
        """Time the block; *estimate* is its expected length in seconds."""
        announce = not self.quiet and estimate > self.after
        if announce:
            self._write("pympler: %s...%s" % (name, "" if self.tty else "\n"))
        t0 = time.perf_counter()
        ok = False
        try:
            yield
            ok = True
        finally:
            took = time.perf_counter() - t0
            if not self.quiet and (announce or took > self.after):
                start = "\r" if (announce and self.tty) else ""
                self._write("%spympler: %s %s in %.1f s\n"
                            % (start, name, "done" if ok else "failed", took))


# ---------------------------------------------------------------------------
# The text report.

def _pp(n):
    from pympler.util.stringutils import pp

    return pp(n).strip()


def _signed(n):
    return ("+" if n > 0 else "-" if n < 0 else "") + _pp(abs(n))


def _printable(text):
    """*text* with its control characters escaped: names and labels come
    from the program's objects or from a file, and must not drive the
    terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _clip(line, width=WIDTH):
    line = _printable(line)
    return line if len(line) <= width else line[:width - 3] + "..."


def _wrap_path(text, indent, width=WIDTH):
    """Lines of a one-line path, broken after ' -> ' to fit *width*."""
    parts = _printable(text).split(" -> ")
    lines, cur = [], indent + parts[0]
    for part in parts[1:]:
        piece = " -> " + part
        if len(cur) + len(piece) > width and cur.strip():
            lines.append(cur + " ->")
            cur = indent + "   " + part
        else:
            cur += piece
    lines.append(cur)
    return [_clip(line, width) for line in lines]


def _when(t):
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(float(t)))
    except (TypeError, ValueError, OverflowError, OSError):
        return str(t)


def _heading(snap, title="pympler heap snapshot"):
    meta = getattr(snap, "meta", None) or {}
    if not meta and not getattr(snap, "loaded", False):
        from pympler import heapfile

        meta = heapfile._process_meta()
    lines = ["%s: %s objects, %s" % (title, format(snap.count, ","), _pp(snap.total))]
    argv = meta.get("argv")
    if isinstance(argv, (list, tuple)) and argv:
        lines.append(_clip("  program:  %s" % " ".join(str(a) for a in argv)))
    if "python" in meta or "platform" in meta:
        py = str(meta.get("python", "?"))
        if meta.get("implementation"):
            py += " (%s)" % meta["implementation"]
        if meta.get("platform"):
            py += ", %s" % meta["platform"]
        lines.append(_clip("  python:   %s" % py))
    if "time" in meta:
        taken = _when(meta["time"])
        if "pid" in meta:
            taken += ", pid %s" % meta["pid"]
        lines.append(_clip("  taken:    %s" % taken))
    return lines


def _largest(snap, top):
    """The *top* largest retainers, a chain of objects that hold nearly the
    same memory (a module, its dict, the list in it) shown once, at its
    last object: an object is left out when one it dominates retains at
    least 90% of its retained size."""
    cands = list(snap.top(3 * top + 10))
    hidden = set()
    for row in cands:
        up = snap.dominator(row)
        # retained sizes grow up the dominator tree: stop at the first
        # ancestor that holds more than row's size / 0.9
        while up is not None and row.retained >= 0.9 * up.retained:
            hidden.add(up.index)
            up = snap.dominator(up)
    return [r for r in cands if r.index not in hidden][:top]


def _path_text(snap, row):
    try:
        return snap.retention_path(row).oneline()
    except (ValueError, KeyError, IndexError) as exc:
        return "(no path: %s)" % (exc,)


def _table(rows, width=WIDTH):
    return [_clip(line, width) for line in str(rows).split("\n")]


def text_report(snap, top=10):
    """The text report of a :class:`pympler.retained.Snapshot` (live or
    loaded) as a string: a heading (objects, total size, the program, Python
    and time of the snapshot), the ``top`` largest retainers each with its
    retention path from a root, then the ``top`` types and modules by
    retained size.  Fits in 100 columns."""
    from pympler import retained

    if not isinstance(snap, retained.Snapshot):
        raise TypeError("text_report() takes a retained.Snapshot, not %s"
                        % (type(snap).__name__,))
    if type(top) is not int or top < 1:
        raise ValueError("text_report: top must be an int >= 1, not %r" % (top,))
    out = _heading(snap)
    out += ["", "Largest retainers (retained: what freeing the object would free; a chain of",
            "objects holding nearly the same memory is shown once, at its last object)",
            "  #    retained        flat  type"]
    for k, row in enumerate(_largest(snap, top), 1):
        out.append(_clip("%3d  %10s  %10s  %s" % (k, _pp(row.retained), _pp(row.flat),
                                                    row.type)))
        out += _wrap_path(_path_text(snap, row), " " * 5)
    out += ["", "By type (retained: what all the instances retain together)"]
    out += _table(snap.by_type(top))
    out += ["", "By module (of the object's type)"]
    out += _table(snap.by_module(top))
    return "\n".join(out) + "\n"


def _diff_report(a_name, a, b_name, b, top, by):
    from pympler import retained

    out = ["pympler diff: %s -> %s" % (a_name, b_name)]
    for name, snap in ((a_name, a), (b_name, b)):
        meta = getattr(snap, "meta", None) or {}
        when = (", taken %s" % _when(meta["time"])) if "time" in meta else ""
        out.append(_clip("  %s: %s objects, %s%s" % (name, format(snap.count, ","),
                                                     _pp(snap.total), when)))
    out.append("Total change: %s objects, %s" % (format(b.count - a.count, "+,"),
                                                   _signed(b.total - a.total)))
    if by in ("type", "both"):
        out += ["", "By type (new minus old, largest retained change first)"]
        out += _table(retained.diff(a, b, top))
    if by in ("path", "both"):
        out += ["", "By retention path (the largest retainers of each snapshot, grouped by path)"]
        out += _table(retained.diff_paths(a, b, top))
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# Loading and writing.

def _load(path, progress):
    from pympler import retained

    try:
        size = os.path.getsize(path)
    except OSError:
        size = 0
    try:
        with progress.stage("loading %s" % path, size * _RATE["load"]):
            return retained.load(path)
    except (OSError, ValueError, EOFError) as exc:
        raise _file_error(path, exc) from None


def _write_html(snap, out_path, top, progress):
    try:
        from pympler import heapreport
    except ImportError:
        raise _Error("--html: this pympler has no pympler.heapreport") from None
    try:
        with progress.stage("writing %s" % out_path, snap.count * _RATE["html"]):
            heapreport.write_html(snap, out_path, top=top)
    except OSError as exc:
        raise _file_error(out_path, exc) from None


def _write_heapsnapshot(src, out_path, count, progress):
    from pympler import heapfile

    with progress.stage("writing %s" % out_path, count * _RATE["heapsnapshot"]):
        try:
            data = heapfile.load(src)
        except (OSError, ValueError, EOFError) as exc:
            raise _file_error(src, exc) from None
        try:
            heapfile.write_heapsnapshot(data, out_path)
        except OSError as exc:
            raise _file_error(out_path, exc) from None


def _emit(stream, text):
    if stream is None:
        return
    try:
        try:
            stream.write(text)
        except UnicodeEncodeError:      # e.g. LANG=C: escape what it cannot encode
            enc = getattr(stream, "encoding", None) or "ascii"
            stream.write(text.encode(enc, "backslashreplace").decode(enc))
        stream.flush()
    except (OSError, ValueError):
        pass


# ---------------------------------------------------------------------------
# Arguments.

_EXIT_CODES = """exit status:
  0  success
  1  a file that cannot be read or is not a pympler snapshot
     (pympler: error: FILE: <reason> on stderr)
  2  bad arguments
"""

_RUN_EPILOG = """\
The script runs as __main__ (sys.argv is the script and its arguments,
sys.path[0] its folder; with -m, as python -m runs it). When it ends
(normally, by sys.exit or by an uncaught exception, whose traceback is
printed), pympler collects garbage, takes a snapshot of the whole heap,
saves it (default: pympler-<pid>.pymheap.gz in the current folder) and
prints the report on stdout.

On POSIX, SIGUSR1 during the run (kill -USR1 <pid>) takes a snapshot,
saves it to a numbered file (pympler-<pid>-1.pymheap.gz, -2, ...; with -o
out.pymheap.gz: out-1.pymheap.gz, ...), prints the report and lets the
script go on. The handler is installed only when SIGUSR1 has its default
action; a script that sets its own handler replaces it.

exit status: the script's (0, the sys.exit code, or 1 after an uncaught
exception); 1 when the script or module cannot be found or the snapshot
cannot be saved; 2 for bad arguments.

examples:
  pympler run myscript.py --input data.csv
  pympler run -o before.pymheap.gz --top 20 -m mypackage.tool arg
  pympler report before.pymheap.gz
"""

_REPORT_EPILOG = """\
--heapsnapshot writes Chrome DevTools' format (Memory panel, Load).

""" + _EXIT_CODES + """
examples:
  pympler report pympler-1234.pymheap.gz --top 20
  pympler report run.pymheap.gz --html run.html --heapsnapshot run.heapsnapshot
"""

_DIFF_EPILOG = """\
By type: count, flat and retained size of each type, B minus A. By path:
the largest retainers of each snapshot grouped by their retention path
(list indexes shown as [*]), B minus A.

""" + _EXIT_CODES + """
example:
  pympler diff before.pymheap.gz after.pymheap.gz --top 15 --by type
"""

_MAIN_EPILOG = """\
Each verb has its own --help. Progress of work longer than a second is
shown on stderr (-q silences it).

exit status:
  0  success
  1  a file that cannot be read or is not a pympler snapshot
     (pympler: error: FILE: <reason> on stderr)
  2  bad arguments
  run: the script's exit status (see pympler run --help)

examples:
  pympler run myscript.py arg1 arg2
  pympler report pympler-1234.pymheap.gz --html report.html
  pympler diff before.pymheap.gz after.pymheap.gz
"""


def _positive(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not an integer" % (text,)) from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1, not %d" % (value,))
    return value


def _parser():
    fmt = argparse.RawDescriptionHelpFormatter
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true",
                        help="no progress lines on stderr")
    common.add_argument("--top", type=_positive, default=10, metavar="N",
                        help="rows of each table (default 10)")
    p = argparse.ArgumentParser(
        prog="pympler", formatter_class=fmt, epilog=_MAIN_EPILOG,
        description="What keeps memory alive in a Python program: retained sizes "
                    "from the whole heap's dominator tree.")
    # before the verb, -q is the verb's -q (_parse takes it off the words)
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no progress lines on stderr (also after the verb)")
    sub = p.add_subparsers(dest="verb", metavar="{run,report,diff}")
    sub.required = True
    # no abbreviated options for run: the words are split at the script by
    # _split_run, which must know which options take a value
    run = sub.add_parser(
        "run", parents=[common], formatter_class=fmt, epilog=_RUN_EPILOG, allow_abbrev=False,
        usage="pympler run [options] (script.py | -m module) [args ...]",
        help="run a script, then report on its heap",
        description="Run a Python script (or module) and report what keeps its memory "
                    "alive when it ends.")
    run.add_argument("-m", dest="module", metavar="module",
                     help="run a library module as a script (as python -m)")
    run.add_argument("-o", "--output", metavar="FILE",
                     help="snapshot file (default pympler-<pid>.pymheap.gz; "
                          "gzip when it ends in .gz)")
    run.add_argument("--html", metavar="OUT", help="also write the HTML report to OUT")
    run.add_argument("--no-save", action="store_true", help="do not save the snapshot")
    run.add_argument("--no-labels", action="store_true",
                     help="save without edge labels (smaller, faster; paths from the file "
                          "then lack attribute names)")
    run.add_argument("script", nargs="?", metavar="script.py", help="the script to run")
    run.add_argument("args", nargs="*", metavar="args",
                     help="the script's arguments (passed as they are)")
    report = sub.add_parser(
        "report", parents=[common], formatter_class=fmt, epilog=_REPORT_EPILOG,
        help="print the report of a saved snapshot",
        description="Print the text report of a snapshot file.")
    report.add_argument("file", metavar="FILE", help="a snapshot file (pympler run's output)")
    report.add_argument("--html", metavar="OUT", help="also write the HTML report to OUT")
    report.add_argument("--heapsnapshot", metavar="OUT",
                        help="also write Chrome DevTools' .heapsnapshot to OUT")
    diff = sub.add_parser(
        "diff", parents=[common], formatter_class=fmt, epilog=_DIFF_EPILOG,
        help="compare two saved snapshots",
        description="What changed from snapshot file A to snapshot file B.")
    diff.add_argument("a", metavar="A", help="the older snapshot file")
    diff.add_argument("b", metavar="B", help="the newer snapshot file")
    diff.add_argument("--by", choices=("type", "path", "both"), default="both",
                      help="compare per type, per retention path or both (default)")
    return p, run


# options of `run` that take a value (the first other word is the script)
_RUN_VALUED = ("--output", "--top", "--html")
_RUN_SHORT_FLAGS = "qh"         # -q, -h; -o FILE and -m module take a value


def _split_run(words):
    """``run``'s words split into (options, script, script args): the
    script's arguments are passed as they are, ``--`` and options
    included."""
    i = 0
    while i < len(words):
        w = words[i]
        if w == "--":
            return words[:i], words[i + 1:i + 2], words[i + 2:]
        if w in _RUN_VALUED:
            i += 2
        elif w.startswith("--"):
            i += 1                      # a flag, --opt=value, or unknown (argparse says)
        elif w.startswith("-") and w != "-":
            # short options, maybe grouped: -q, -qo FILE, -oFILE, -qm mod, -mmod
            j = 1
            while j < len(w) and w[j] in _RUN_SHORT_FLAGS:
                j += 1
            last = j + 1 == len(w)
            if j < len(w) and w[j] == "m":
                k = i + 2 if last else i + 1
                return words[:k], [], words[k:]
            i += 2 if (j < len(w) and w[j] == "o" and last) else 1
        else:
            return words[:i], [w], words[i + 1:]
    return words, [], []


def _parse(argv):
    parser, run_parser = _parser()
    quiet = False
    while argv and argv[0] in ("-q", "--quiet"):   # pympler -q VERB ...
        quiet, argv = True, argv[1:]
    ns = _parse_verb(parser, run_parser, argv)
    ns.quiet = ns.quiet or quiet
    return ns


def _parse_verb(parser, run_parser, argv):
    if argv and argv[0] == "run":
        opts, script, rest = _split_run(argv[1:])
        ns = parser.parse_args(["run"] + opts + (["--"] + script if script else []))
        ns.args = rest
        if ns.module is None and ns.script is None:
            run_parser.error("a script or -m module is needed")
        if ns.module is not None and ns.script is not None:  # pragma: no cover - split
            run_parser.error("give a script or -m module, not both")
        return ns
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------
# run

def _script_code(path):
    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError as exc:
        raise _file_error(path, exc) from None
    return compile(source, path, "exec", dont_inherit=True)


def _module_code(name):
    import runpy

    try:
        # what pdb and python -m use: (name, spec, code), a package's __main__
        _, spec, code = runpy._get_module_details(name)
    except ImportError as exc:
        raise _Error("-m %s: %s" % (name, exc)) from None
    return spec, code


def _exit_status(code, err):
    """Python's exit status for ``SystemExit(code)`` (it prints a code that
    is not an int)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    _emit(err, "%s\n" % (code,))
    return 1


def _numbered(path, k):
    for suffix in (_SUFFIX, ".pymheap", ".gz"):
        if path.endswith(suffix) and len(path) > len(suffix):
            return "%s-%d%s" % (path[:-len(suffix)], k, suffix)
    root, ext = os.path.splitext(path)
    return "%s-%d%s" % (root, k, ext)


class _Runner(object):
    """The state of one ``pympler run``: options, streams, signal count."""

    def __init__(self, ns, out, err, progress):
        self.ns = ns
        self.out, self.err = out, err
        self.progress = progress
        self.output = ns.output or "pympler-%d%s" % (os.getpid(), _SUFFIX)
        self.signals = 0
        self.busy = False

    def snapshot_and_report(self, path):
        """Collect, take the snapshot, save it to *path* (None: not saved),
        print the report; False when saving or the HTML report failed."""
        from pympler import retained

        ok = True
        # 0 when pymalloc is off (PYTHONMALLOC=malloc): count the gc objects,
        # about half of the blocks
        blocks = sys.getallocatedblocks() or 2 * len(gc.get_objects())
        est = blocks * _RATE["snapshot"]
        with self.progress.stage("snapshot", est):
            gc.collect()
            snap = retained.snapshot(ignore=(self,))
        try:
            if path is not None:
                try:
                    with self.progress.stage("saving %s" % path, snap.count * _RATE["save"]):
                        snap.save(path, labels=not self.ns.no_labels)
                except (OSError, ValueError) as exc:
                    _emit(self.err, "pympler: error: %s\n" % (_file_error(path, exc),))
                    ok = False
            with self.progress.stage("report", snap.count * _RATE["report"]):
                text = text_report(snap, self.ns.top)
            if path is not None and ok:
                text += "\nSnapshot saved to %s (pympler report %s)\n" % (path, path)
            _emit(self.out, text)
            if self.ns.html:
                try:
                    _write_html(snap, self.ns.html, self.ns.top, self.progress)
                except _Error as exc:
                    _emit(self.err, "pympler: error: %s\n" % (exc,))
                    ok = False
        finally:
            snap.release()
        return ok

    def on_signal(self, signum, frame):
        del frame
        if self.busy:
            _emit(self.err, "pympler: SIGUSR1 ignored: a snapshot is being taken\n")
            return
        self.busy = True
        try:
            self.signals += 1
            path = None if self.ns.no_save else _numbered(self.output, self.signals)
            _emit(self.err, "pympler: SIGUSR1: snapshot %d\n" % (self.signals,))
            self.snapshot_and_report(path)
        finally:
            self.busy = False


def _install_main(name, **attrs):
    """A fresh module registered as sys.modules['__main__']."""
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    mod.__builtins__ = builtins
    sys.modules["__main__"] = mod
    return mod


def _exec_main(code, err):
    """Run *code* in the ``__main__`` module; its exit status."""
    try:
        exec(code, sys.modules["__main__"].__dict__)
    except SystemExit as exc:
        return _exit_status(exc.code, err)
    except BaseException:
        etype, value, tb = sys.exc_info()
        try:
            # leave this frame out of the traceback, as python does
            if tb is not None:
                tb = tb.tb_next
                if isinstance(value, BaseException):
                    value.__traceback__ = tb
            sys.excepthook(etype, value, tb)
        except Exception:       # a broken excepthook: print it plainly
            import traceback

            traceback.print_exception(etype, value, tb)
        finally:
            del etype, value, tb
        return 1
    return 0


def _cmd_run(ns, out, err, progress):
    if ns.module is not None:
        spec, code = _module_code(ns.module)
        argv0 = spec.origin or ns.module
        path0 = os.getcwd()
        attrs = {"__file__": spec.origin, "__package__": spec.parent,
                 "__loader__": spec.loader, "__spec__": spec, "__cached__": None}
    else:
        code = _script_code(ns.script)
        argv0 = ns.script
        path0 = os.path.dirname(os.path.realpath(ns.script))
        attrs = {"__file__": ns.script, "__package__": None, "__loader__": None,
                 "__spec__": None, "__cached__": None}
        spec = None
    runner = _Runner(ns, out, err, progress)
    saved = (sys.argv, list(sys.path), sys.modules.get("__main__"))
    usr1 = getattr(signal, "SIGUSR1", None)
    old_handler = None
    try:
        sys.argv = [argv0] + list(ns.args)
        if sys.path:
            sys.path[0] = path0
        else:
            sys.path.insert(0, path0)
        _install_main("__main__", **attrs)
        del attrs, spec
        if usr1 is not None and signal.getsignal(usr1) == signal.SIG_DFL:
            try:
                old_handler = signal.signal(usr1, runner.on_signal)
            except ValueError:      # not the main thread: no handler
                old_handler = None
        status = _exec_main(code, err)
        del code
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):
                pass
        # the snapshot is taken from here: the script's module is reached
        # from sys.modules only (no local of this frame refers to it)
        runner.busy = True              # a SIGUSR1 now is ignored
        ok = runner.snapshot_and_report(None if ns.no_save else runner.output)
    finally:
        if old_handler is not None and signal.getsignal(usr1) == runner.on_signal:
            signal.signal(usr1, old_handler)
        sys.argv, sys.path[:] = saved[0], saved[1]
        if saved[2] is not None:
            sys.modules["__main__"] = saved[2]
    if not ok and status == 0:
        return _EXIT_ERROR
    return status


# ---------------------------------------------------------------------------
# report, diff

def _cmd_report(ns, out, err, progress):
    snap = _load(ns.file, progress)
    with progress.stage("report", snap.count * _RATE["report"]):
        text = text_report(snap, ns.top)
    _emit(out, text)
    if ns.html:
        _write_html(snap, ns.html, ns.top, progress)
    if ns.heapsnapshot:
        _write_heapsnapshot(ns.file, ns.heapsnapshot, snap.count, progress)
    return 0


def _cmd_diff(ns, out, err, progress):
    a = _load(ns.a, progress)
    b = _load(ns.b, progress)
    with progress.stage("diff", (a.count + b.count) * _RATE["report"]):
        text = _diff_report(ns.a, a, ns.b, b, ns.top, ns.by)
    _emit(out, text)
    return 0


def main(argv=None):
    """Run the command line with *argv* (default ``sys.argv[1:]``) and
    return the exit status: 0 success, 1 a file that cannot be read or is
    not a snapshot, 2 bad arguments; ``run`` returns the script's status."""
    if argv is None:
        argv = sys.argv[1:]
    argv = [str(a) for a in argv]
    try:
        ns = _parse(argv)
    except SystemExit as exc:           # argparse: 2 for bad arguments, 0 for --help
        return exc.code if isinstance(exc.code, int) else _EXIT_ERROR
    out, err = sys.stdout, sys.stderr
    progress = _Progress(err, quiet=ns.quiet)
    verb = {"run": _cmd_run, "report": _cmd_report, "diff": _cmd_diff}[ns.verb]
    try:
        return verb(ns, out, err, progress)
    except _Error as exc:
        _emit(err, "pympler: error: %s\n" % (exc,))
        return _EXIT_ERROR
