"""Memory of the Python process, as the operating system sees it (spec 12).

``ProcessMemoryInfo()`` samples the current process: ``vsz`` (virtual size),
``rss`` (resident set size), ``pagefaults`` (major faults), the segment sizes
and ``os_specific`` rows.  The class is chosen at import time, the first of
these that gives useful values on the platform:

1. Linux: ``/proc/self/stat`` and ``/proc/self/status``;
2. BSD, macOS, Solaris: ``/bin/ps -p<pid> -o rss,vsz``;
3. other Unix: ``resource.getrusage`` (maximum RSS; the integral sizes);
4. Windows: pywin32; without it, a logged warning and every value 0 with
   ``available`` False.

Differences from Pympler 1.1: ``update()`` starts from zeros and an empty
``os_specific`` every time (1.1 appended the ``/proc`` rows again on each
call); a process name containing spaces or parentheses does not shift the
``/proc/self/stat`` fields; files are closed also on errors; ``ps`` gets a
timeout; a malformed reading makes ``update()`` return False instead of
raising.

Documentation: docs/usage.md in pympler's source repository.
"""
import logging
import os
import subprocess
import sys
import threading
from mmap import PAGESIZE

from pympler.util.stringutils import pp

__all__ = ["ProcessMemoryInfo", "is_available", "ThreadInfo",
           "get_current_threads", "get_current_thread_id"]

_log = logging.getLogger(__name__)


class _ProcessMemoryInfo(object):
    """Process memory figures in bytes; a platform class fills them in
    ``update()``.  This base class knows no platform: ``available`` is
    False and every figure 0."""

    pagesize = PAGESIZE

    def __init__(self):
        self.pid = os.getpid()
        self._reset()
        self.available = self.update()

    def _reset(self):
        self.rss = 0
        self.vsz = 0
        self.pagefaults = 0
        self.os_specific = []
        self.data_segment = 0
        self.code_segment = 0
        self.shared_segment = 0
        self.stack_segment = 0

    def update(self):
        """Re-sample the process; True if the platform gave useful values."""
        self._reset()
        return False

    def __repr__(self):
        return "<%s vsz=%d rss=%d>" % (self.__class__.__name__, self.vsz, self.rss)

    def __sub__(self, other):
        return [("Resident set size (delta)", self.rss - other.rss),
                ("Virtual size (delta)", self.vsz - other.vsz)]


class _ProcessMemoryInfoProc(_ProcessMemoryInfo):
    """Linux: ``/proc/self/stat`` and ``/proc/self/status``."""

    stat_path = "/proc/self/stat"
    status_path = "/proc/self/status"

    key_map = {
        "VmPeak": "Peak virtual memory size",
        "VmSize": "Virtual memory size",
        "VmLck": "Locked memory size",
        "VmHWM": "Peak resident set size",
        "VmRSS": "Resident set size",
        "VmStk": "Size of stack segment",
        "VmData": "Size of data segment",
        "VmExe": "Size of code segment",
        "VmLib": "Shared library code size",
        "VmPTE": "Page table entries size",
    }
    segments = {"VmData": "data_segment", "VmExe": "code_segment",
                "VmLib": "shared_segment", "VmStk": "stack_segment"}

    @staticmethod
    def _stat_fields(text):
        """The whitespace-split fields of a stat line, with the process name
        (field 1, in parentheses, may hold spaces) kept as one field."""
        head, sep, tail = text.rpartition(")")
        if not sep:
            return text.split()
        pid, _, comm = head.partition("(")
        return [pid.strip(), "(" + comm + ")"] + tail.split()

    def update(self):
        self._reset()
        try:
            with open(self.stat_path) as f:
                stats = self._stat_fields(f.read())
            with open(self.status_path) as f:
                status = f.readlines()
            vsz = int(stats[22])
            rss = int(stats[23]) * self.pagesize
            pagefaults = int(stats[11])
        except (OSError, ValueError, IndexError):
            return False
        self.vsz, self.rss, self.pagefaults = vsz, rss, pagefaults
        for entry in status:
            key, sep, value = entry.partition(":")
            if not sep:
                continue
            try:
                size = int(value.split()[0]) * 1024
            except (ValueError, IndexError):
                continue
            if key in self.segments:
                setattr(self, self.segments[key], size)
            label = self.key_map.get(key)
            if label:
                self.os_specific.append((label, pp(size)))
        return True


class _ProcessMemoryInfoPS(_ProcessMemoryInfo):
    """BSD, macOS, Solaris: ``/bin/ps -p<pid> -o rss,vsz`` (KiB)."""

    ps_command = "/bin/ps"

    def update(self):
        self._reset()
        try:
            done = subprocess.run([self.ps_command, "-p%d" % self.pid, "-o", "rss,vsz"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  stdin=subprocess.DEVNULL, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return False
        fields = done.stdout.split()
        if done.returncode != 0 or len(fields) < 2:
            return False
        try:
            self.vsz = int(fields[-1]) * 1024
            self.rss = int(fields[-2]) * 1024
        except ValueError:
            self.vsz = self.rss = 0
            return False
        return True


class _ProcessMemoryInfoResource(_ProcessMemoryInfo):
    """Other Unix: ``resource.getrusage`` -- the maximum RSS, not the current
    one, and integral sizes that most systems leave at 0."""

    def update(self):
        self._reset()
        try:
            from resource import RUSAGE_SELF, getrusage
            usage = getrusage(RUSAGE_SELF)
        except (ImportError, OSError):
            return False
        self.rss = usage.ru_maxrss * 1024
        self.data_segment = usage.ru_idrss * 1024
        self.shared_segment = usage.ru_ixrss * 1024
        self.stack_segment = usage.ru_isrss * 1024
        self.vsz = self.data_segment + self.shared_segment + self.stack_segment
        self.pagefaults = usage.ru_majflt
        return self.rss != 0


class _ProcessMemoryInfoWin32(_ProcessMemoryInfo):
    """Windows with pywin32."""

    def update(self):
        self._reset()
        try:
            from win32api import GetCurrentProcess, GlobalMemoryStatusEx
            from win32process import GetProcessMemoryInfo
            meminfo = GetProcessMemoryInfo(GetCurrentProcess())
            memstatus = GlobalMemoryStatusEx()
            self.vsz = memstatus["TotalVirtual"] - memstatus["AvailVirtual"]
            self.rss = meminfo["WorkingSetSize"]
            self.pagefaults = meminfo["PageFaultCount"]
        except Exception:   # pywin32 missing or failing: no figures
            self._reset()
            return False
        return True


def _select(platform=None):
    """The class for *platform* (default ``sys.platform``): the first
    candidate whose ``update()`` gives useful values, else the base class."""
    platform = sys.platform if platform is None else platform
    if platform.startswith("win"):
        candidates = [_ProcessMemoryInfoWin32]
    else:
        candidates = [_ProcessMemoryInfoProc, _ProcessMemoryInfoPS,
                      _ProcessMemoryInfoResource]
    for cls in candidates:
        probe = cls.__new__(cls)
        probe.pid = os.getpid()
        probe._reset()
        if probe.update():
            return cls
    if platform.startswith("win"):
        _log.warning("Please install pywin32 when using pympler on Windows.")
    return _ProcessMemoryInfo


ProcessMemoryInfo = _select()


def is_available():
    """True if this platform gives process memory figures."""
    return ProcessMemoryInfo().update()


class ThreadInfo(object):
    """``ident``, ``name`` and ``daemon`` of a thread."""

    def __init__(self, thread):
        self.ident = thread.ident
        self.name = thread.name
        self.daemon = thread.daemon

    def __repr__(self):
        return "<ThreadInfo ident=%r name=%r daemon=%r>" % (self.ident, self.name, self.daemon)


def get_current_threads():
    """One ``ThreadInfo`` per live ``threading`` thread."""
    return [ThreadInfo(thread) for thread in threading.enumerate()]


def get_current_thread_id():
    """The identifier of the calling thread."""
    return threading.get_ident()
