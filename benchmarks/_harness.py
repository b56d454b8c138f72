"""Shared helpers for the benchmark scripts in ``benchmarks/``.

Nothing in here imports ``pympler``: the parent process of a benchmark never
does.  Every measurement runs in a fresh child process (a *worker*) that puts
exactly one implementation on ``sys.path``:

* ``"pympler11"`` -- Pympler 1.1 from PyPI, installed with
  ``pip install --target benchmarks/.vendor/pympler11 pympler==1.1 --no-deps``
  (see :func:`ensure_pympler11`).  It is never a dependency of this project;
  the worker puts the vendored folder *first* on ``sys.path``.
* ``"ours"`` -- this project's ``pympler`` as installed in the current
  environment (``pip install .``), with any vendored folder removed from
  ``sys.path``.

:func:`activate_tool` imports ``pympler`` and checks that it really is the
implementation that was asked for, and refuses to go on otherwise.

Typical use from a benchmark script (see ``bench_asizeof.py``)::

    import _harness as H

    def worker(spec):                  # runs in the child
        pympler = H.activate_tool(spec["tool"])
        ...build data...
        res = H.timed_call(lambda: asizeof.asizeof(data))
        return {"seconds": res["seconds"], ...}

    if __name__ == "__main__":
        if len(sys.argv) > 1 and sys.argv[1] == H.WORKER_FLAG:
            H.worker_main(sys.argv[2], worker)
        ...
        H.ensure_pympler11()
        r = H.run_fresh(__file__, {"tool": "pympler11", ...})

The parent-side helpers (:func:`run_fresh`, :func:`summarize`,
:func:`machine_info`, :func:`format_table`, :func:`write_results`) are generic
and meant to be shared by the other benchmark scripts (heap workloads, ...).
"""
from __future__ import annotations

import datetime as _dt
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
VENDOR_DIR = BENCH_DIR / ".vendor"
RESULTS_DIR = BENCH_DIR / ".results"
PYMPLER11_DIR = VENDOR_DIR / "pympler11"
PYMPLER11_REQ = "pympler==1.1"
PYMPLER11_VERSION = "1.1"

TOOLS = ("pympler11", "ours")
TOOL_LABELS = {"pympler11": "Pympler 1.1", "ours": "ours"}

WORKER_FLAG = "--worker"
RESULT_MARK = "@@BENCH-RESULT@@ "


class ToolMismatch(RuntimeError):
    """``import pympler`` did not resolve to the implementation asked for."""


# --------------------------------------------------------------------------
# Vendored Pympler 1.1 (parent side)
# --------------------------------------------------------------------------

def _vendored_version() -> str | None:
    """Version string of the vendored Pympler, read from its source (no import)."""
    init = PYMPLER11_DIR / "pympler" / "__init__.py"
    try:
        text = init.read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("'\"")
    return None


def ensure_pympler11(log=None) -> Path:
    """Make sure Pympler 1.1 is installed in ``benchmarks/.vendor/pympler11``.

    Installs it with pip (``--no-deps``, ``--target``) when it is missing or
    is another version.  Returns the folder.  Raises ``RuntimeError`` when the
    install fails (for example without network access to PyPI).
    """
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    have = _vendored_version()
    if have == PYMPLER11_VERSION and (PYMPLER11_DIR / "pympler" / "asizeof.py").is_file():
        return PYMPLER11_DIR
    log("installing %s into %s (not a dependency of this project) ..."
        % (PYMPLER11_REQ, PYMPLER11_DIR))
    VENDOR_DIR.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
           "--no-deps", "--upgrade", "--target", str(PYMPLER11_DIR), PYMPLER11_REQ]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    have = _vendored_version()
    if proc.returncode != 0 or have != PYMPLER11_VERSION:
        raise RuntimeError("could not install %s into %s (pip exit code %s, found version %r):\n%s"
                           % (PYMPLER11_REQ, PYMPLER11_DIR, proc.returncode, have,
                              proc.stdout[-3000:]))
    return PYMPLER11_DIR


# --------------------------------------------------------------------------
# Worker side: choosing and checking the implementation
# --------------------------------------------------------------------------

def _inside(path: str | os.PathLike, folder: Path) -> bool:
    try:
        p = Path(path).resolve()
    except (OSError, RuntimeError):
        return False
    return p == folder or folder in p.parents


def activate_tool(tool: str, verify_as: str | None = None):
    """Set up ``sys.path`` for *tool*, import ``pympler`` and check it.

    Must be called in a fresh process before anything imports ``pympler``.
    ``verify_as`` (default: *tool*) is the implementation the import must
    resolve to; the self-test uses a mismatch on purpose to check that a wrong
    resolution is refused.  Returns the imported ``pympler`` package.
    """
    if tool not in TOOLS:
        raise ValueError("unknown tool %r (expected one of %s)" % (tool, ", ".join(TOOLS)))
    if "pympler" in sys.modules:
        raise ToolMismatch("pympler was imported before activate_tool(%r)" % tool)
    if tool == "pympler11":
        if _vendored_version() != PYMPLER11_VERSION:
            raise ToolMismatch("vendored Pympler 1.1 missing in %s" % PYMPLER11_DIR)
        sys.path.insert(0, str(PYMPLER11_DIR))
    else:
        # the normal environment, minus anything vendored for the comparison
        sys.path[:] = [p for p in sys.path if not (p and _inside(p, VENDOR_DIR))]
    import importlib
    importlib.invalidate_caches()
    try:
        import pympler
    except ImportError as exc:
        hint = ""
        if tool == "ours":
            hint = " -- install this project first: pip install %s" % REPO_DIR
        raise ToolMismatch("import pympler failed for %s: %s%s" % (tool, exc, hint)) from exc
    verify_tool(verify_as or tool, pympler)
    return pympler


def describe_pympler(mod) -> dict:
    """Where the imported ``pympler`` package comes from."""
    f = getattr(mod, "__file__", None) or ""
    return {
        "file": f,
        "version": getattr(mod, "__version__", None),
        "vendored": bool(f) and _inside(f, VENDOR_DIR),
        "has_core": "pympler._core" in sys.modules or hasattr(mod, "_core"),
    }


def verify_tool(tool: str, mod) -> None:
    """Raise :class:`ToolMismatch` unless *mod* is the ``pympler`` of *tool*.

    * Pympler 1.1: must come from the vendored folder, report version 1.1 and
      have no C engine.
    * ours: must not come from the vendored folder and must have loaded the C
      engine ``pympler._core`` (which ``pympler/__init__.py`` imports).
    """
    d = describe_pympler(mod)
    if tool == "pympler11":
        if not d["vendored"] or d["version"] != PYMPLER11_VERSION or d["has_core"]:
            raise ToolMismatch("refusing to run: 'import pympler' in the Pympler 1.1 process "
                               "resolved to %(file)s (version %(version)r, C engine: "
                               "%(has_core)s), not to the vendored Pympler 1.1" % d)
    elif tool == "ours":
        if d["vendored"] or not d["has_core"]:
            raise ToolMismatch("refusing to run: 'import pympler' in the 'ours' process resolved "
                               "to %(file)s (version %(version)r, C engine: %(has_core)s), "
                               "which is not this project's pympler (vendored: %(vendored)s)"
                               % d)
    else:
        raise ValueError("unknown tool %r" % tool)


# --------------------------------------------------------------------------
# Worker side: measuring
# --------------------------------------------------------------------------

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def statm_rss() -> int | None:
    """Current resident set size in bytes, from ``/proc/self/statm``."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def _status_kb(key: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) to the current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def timed_call(fn) -> dict:
    """Call *fn()* once and time it with ``time.perf_counter`` (wall clock;
    ``time.process_time`` is recorded too, as ``cpu_seconds``).

    A full ``gc.collect()`` runs first (not timed); the collector stays
    enabled during the call, as for a normal user.  Also returns the RSS delta
    (after - before, ``/proc/self/statm``) and, where the kernel lets us reset
    it, the peak RSS during the call minus the RSS before it.
    """
    gc.collect()
    rss0 = statm_rss()
    peak_ok = reset_peak_rss()
    c0 = time.process_time()
    t0 = time.perf_counter()
    result = fn()
    t1 = time.perf_counter()
    c1 = time.process_time()
    rss1 = statm_rss()
    hwm = _status_kb("VmHWM") if peak_ok else None
    return {
        "seconds": t1 - t0,
        "cpu_seconds": c1 - c0,
        "result": result,
        "rss_delta": (rss1 - rss0) if rss0 is not None and rss1 is not None else None,
        "peak_rss_delta": (hwm - rss0) if hwm is not None and rss0 is not None else None,
    }


def traced_call(fn) -> dict:
    """Call *fn()* under ``tracemalloc`` (started only now, after the data exists).

    Returns the peak traced memory during the call minus the traced memory
    just before it (``peak_extra``), and what is still allocated afterwards
    (``retained``).  tracemalloc sees PyMem_RawMalloc, PyMem_Malloc and
    PyObject_Malloc allocations, not plain ``malloc``.
    """
    import tracemalloc
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        result = fn()
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {"result": result, "peak_extra": peak - before, "retained": after - before}


# --------------------------------------------------------------------------
# Worker protocol
# --------------------------------------------------------------------------

def emit_result(data: dict) -> None:
    sys.stdout.write(RESULT_MARK + json.dumps(data, default=str) + "\n")
    sys.stdout.flush()


def worker_main(spec_json: str, fn) -> None:
    """Entry point of a worker: run ``fn(spec)`` and report its dict as JSON.

    Errors (including :class:`ToolMismatch`) are reported as
    ``{"ok": False, "error": ..., "kind": ...}`` with exit code 3.
    """
    spec = json.loads(spec_json)
    try:
        out = fn(spec)
        out = dict(out or {})
        out.setdefault("ok", True)
        emit_result(out)
        code = 0
    except ToolMismatch as exc:
        emit_result({"ok": False, "kind": "ToolMismatch", "error": str(exc)})
        code = 3
    except BaseException as exc:  # noqa: BLE001 - report everything to the parent
        emit_result({"ok": False, "kind": type(exc).__name__,
                     "error": "%s: %s" % (type(exc).__name__, exc),
                     "traceback": traceback.format_exc()[-4000:]})
        code = 3
    sys.stdout.flush()
    sys.stderr.flush()
    # skip interpreter teardown of large benchmark data
    os._exit(code)


# --------------------------------------------------------------------------
# Parent side
# --------------------------------------------------------------------------

def run_fresh(script: str | os.PathLike, spec: dict, timeout: float | None = None,
              env: dict | None = None) -> dict:
    """Run ``python SCRIPT --worker SPEC_JSON`` in a fresh process; return its result dict.

    On a crash, a timeout or a missing result, returns ``{"ok": False,
    "error": ...}`` with the exit code and the tail of stderr.
    """
    cmd = [sys.executable, str(script), WORKER_FLAG, json.dumps(spec)]
    penv = dict(os.environ)
    if env:
        penv.update(env)
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=timeout, cwd=str(BENCH_DIR), env=penv)
    except subprocess.TimeoutExpired:
        return {"ok": False, "kind": "Timeout", "error": "timed out after %ss" % timeout}
    result = None
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            result = json.loads(line[len(RESULT_MARK):])
    if result is None:
        tail = proc.stderr.strip()[-2000:]
        how = ("killed by signal %d" % -proc.returncode) if proc.returncode < 0 \
            else "exit code %d" % proc.returncode
        return {"ok": False, "kind": "Crash", "returncode": proc.returncode,
                "error": "worker %s without a result%s" % (how, (":\n" + tail) if tail else "")}
    result.setdefault("returncode", proc.returncode)
    return result


def fresh_runs(script, workload: str, tool: str, repeat: int, timeout=None) -> list:
    """The results of up to ``repeat`` fresh-process runs of one workload and
    tool (run_fresh), each logged; a failed run is logged and ends the
    series."""
    runs = []
    for i in range(repeat):
        r = run_fresh(script, {"tool": tool, "workload": workload}, timeout=timeout)
        if not r.get("ok"):
            log("%s %s run %d failed: %s" % (workload, tool, i + 1, r.get("error")))
            if r.get("traceback"):
                log(r["traceback"])
            break
        runs.append(r)
        log("%s %-9s run %d: %.3f s" % (workload, tool, i + 1, r["seconds"]))
    return runs


def series(runs) -> dict:
    """{"stats", "cpu", "last"} of fresh_runs' results: wall and CPU time
    summaries and the last run's result (None when none ran)."""
    return {"stats": summarize([r["seconds"] for r in runs]),
            "cpu": summarize([r.get("cpu_seconds") for r in runs]),
            "last": runs[-1] if runs else None}


def summarize(values) -> dict | None:
    """Median, min, max and all values of a list of numbers (None if empty)."""
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals),
            "n": len(vals), "values": vals}


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(REPO_DIR), "rev-parse", "--short", "HEAD"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        sha = out.stdout.strip() or None
        if sha:
            dirty = subprocess.run(["git", "-C", str(REPO_DIR), "status", "--porcelain",
                                    "--untracked-files=no", "--", "src"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            if dirty.stdout.strip():
                sha += " (src/ has uncommitted changes)"
        return sha
    except OSError:
        return None


def loadavg() -> str | None:
    try:
        return "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return None


def busy_warning(info: dict) -> str | None:
    """A warning when the 1-minute load average says other work shares the CPUs."""
    try:
        load1 = float(str(info.get("loadavg_at_start")).split()[0])
    except (ValueError, IndexError):
        return None
    n = info.get("nproc") or 1
    if load1 >= 0.5 * n:
        return ("WARNING: the machine was busy (1-min load average %.2f on %d CPUs): wall-clock "
                "times include waiting for a CPU; compare the CPU-time figures and re-run on an "
                "idle machine for numbers to rely on." % (load1, n))
    return None


def machine_info() -> dict:
    mem = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = "%.1f GiB" % (int(line.split()[1]) / 1024 ** 2)
                    break
    except OSError:
        pass
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": "%s %s" % (platform.python_implementation(), platform.python_version()),
        "executable": sys.executable,
        "platform": platform.platform(),
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "mem_total": mem,
        "loadavg_at_start": loadavg(),
        "git_commit": _git_commit(),
        "command": " ".join(["python"] + [_rel(a) for a in sys.argv]),
    }


def _rel(arg: str) -> str:
    try:
        p = Path(arg).resolve()
        if p.exists() and REPO_DIR in p.parents:
            return str(p.relative_to(REPO_DIR))
    except (OSError, ValueError):
        pass
    return arg


def format_table(headers, rows, align=None) -> str:
    """Plain-text (Markdown-compatible) table.  *align*: string of 'l'/'r' per column."""
    rows = [["" if c is None else str(c) for c in r] for r in rows]
    headers = [str(h) for h in headers]
    align = align or ("l" + "r" * (len(headers) - 1))
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]

    def fmt(cells):
        out = []
        for c, w, a in zip(cells, widths, align):
            out.append(c.ljust(w) if a == "l" else c.rjust(w))
        return "| " + " | ".join(out) + " |"

    sep = "|" + "|".join(("-" * (w + 1) + ":") if a == "r" else (":" + "-" * (w + 1))
                         for w, a in zip(widths, align)) + "|"
    return "\n".join([fmt(headers), sep] + [fmt(r) for r in rows])


def fmt_seconds(s) -> str:
    if s is None:
        return "n/a"
    if s >= 10:
        return "%.1f" % s
    if s >= 1:
        return "%.2f" % s
    if s >= 0.01:
        return "%.3f" % s
    return "%.5f" % s


def fmt_bytes(n) -> str:
    if n is None:
        return "n/a"
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return ("%d %s" % (n, unit)) if unit == "B" else ("%.1f %s" % (n, unit))
        n /= 1024.0
    return str(n)


def write_results(prefix: str, data: dict) -> Path:
    """Write *data* as JSON to ``benchmarks/.results/PREFIX-<timestamp>.json``
    (and ``PREFIX-latest.json``); returns the timestamped path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS_DIR / ("%s-%s.json" % (prefix, stamp))
    text = json.dumps(data, indent=2, sort_keys=True, default=str)
    path.write_text(text + "\n", encoding="utf-8")
    (RESULTS_DIR / ("%s-latest.json" % prefix)).write_text(text + "\n", encoding="utf-8")
    return path


def append_markdown(script: str, heading: str, intro: str, info: dict, load_end,
                    table: str, repeat: int, argv=None, runs: str = "runs per tool") -> None:
    """Append one dated entry (command, machine, load, HEAD, the table) to
    benchmarks/RESULTS.md under ``## heading``, writing the heading and its
    ``intro`` paragraph the first time."""
    command = "python benchmarks/%s" % script + "".join(
        " " + a for a in (sys.argv[1:] if argv is None else argv))
    head = "\n## %s\n" % heading
    with open(BENCH_DIR / "RESULTS.md", "a+", encoding="utf-8") as f:
        f.seek(0)
        have_heading = head in "\n" + f.read()
        f.seek(0, 2)
        if not have_heading:
            f.write(head + "\n" + intro.rstrip("\n") + "\n")
        f.write("\n### %s -- `%s`\n\n" % (info.get("date") or _dt.date.today().isoformat(),
                                            command))
        f.write("- %s (`%s`), %s, %s CPUs, %s; load average %s at start, %s at end; "
                "HEAD %s; %d %s.\n\n" % (
                    info.get("python") or platform.python_version(), info.get("executable"),
                    info.get("cpu_model"), info.get("nproc"), info.get("mem_total"),
                    info.get("loadavg_at_start"), load_end, info.get("git_commit"), repeat, runs))
        f.write(table + "\n")


def parse_only(value: str | None, known) -> list:
    """``--only W1,W3`` -> ['W1', 'W3'] (case-insensitive, validated against *known*)."""
    if not value:
        return list(known)
    upper = {k.upper(): k for k in known}
    out = []
    for part in value.split(","):
        part = part.strip().upper()
        if not part:
            continue
        if part not in upper:
            raise SystemExit("unknown workload %r; choose from %s" % (part, ", ".join(known)))
        if upper[part] not in out:
            out.append(upper[part])
    return out


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Shared by the heap benchmarks (bench_heap, bench_refs, bench_retained,
# bench_mprofile)
# --------------------------------------------------------------------------

class Rec:
    """One record: 5 objects that muppy.get_objects() reports on every
    CPython version (a ``__slots__`` instance, a unique str, a float, a
    two-item list and a small dict of atoms, which the collector does not
    track)."""

    __slots__ = ("name", "value", "tags", "meta")

    def __init__(self, i):
        self.name = "rec-%d" % i          # unique str
        self.value = i * 0.5              # float
        self.tags = [i & 7, 1]            # list (tracked)
        self.meta = {"k": i & 3}          # dict of atoms (untracked)


def ensure_vendored(folder: Path, requirement: str, ready=None, log=log) -> Path:
    """``pip install --no-deps --target folder requirement`` for this Python,
    once (a stamp file per Python version; ``ready(folder)`` may say that an
    earlier install is usable).  Peers are never dependencies of pympler."""
    stamp = folder / (".installed-cp%d%d" % sys.version_info[:2])
    if stamp.is_file() or (ready is not None and ready(folder)):
        return folder
    log("installing %s into %s (not a dependency of this project) ..." % (requirement, folder))
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
           "--no-deps", "--upgrade", "--target", str(folder), requirement]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        raise RuntimeError("could not install %s:\n%s" % (requirement, proc.stdout[-3000:]))
    stamp.write_text("ok\n")
    return folder


def guppy_built(folder: Path) -> bool:
    """guppy3's C extension for this Python is in *folder*."""
    return any(folder.glob("guppy/**/*cpython-%d%d*.so" % sys.version_info[:2]))


def import_vendored(folder: Path, module: str):
    """Import *module* from *folder* in a worker that has not imported
    pympler; refuse one that resolves elsewhere."""
    if "pympler" in sys.modules:
        raise ToolMismatch("pympler imported in the %s process" % module)
    sys.path.insert(0, str(folder))
    mod = __import__(module)
    if not _inside(mod.__file__, folder):
        raise ToolMismatch("%s resolved to %s" % (module, mod.__file__))
    return mod
