"""pympler.process: the Linux /proc reader against the files themselves, the
other platforms' classes by simulation (no /proc, a fake ps, no pywin32), and
the thread helpers."""
import logging
import mmap
import os
import sys
import threading

import pytest

from pympler import process
from pympler.process import (
    ThreadInfo,
    _ProcessMemoryInfo,
    _ProcessMemoryInfoProc,
    _ProcessMemoryInfoPS,
    _ProcessMemoryInfoResource,
    get_current_thread_id,
    get_current_threads,
)
from pympler.util.stringutils import pp

LINUX = os.path.exists('/proc/self/stat')
LABELS = ['Peak virtual memory size', 'Virtual memory size', 'Locked memory size',
          'Peak resident set size', 'Resident set size', 'Size of data segment',
          'Size of stack segment', 'Size of code segment', 'Shared library code size',
          'Page table entries size']

STAT = ('4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 {minflt} 0 {majflt} 0 12 3 0 0 20 0 '
        '1 0 100 {vsz} {rss} 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n')
STATUS = '''Name:\tmy (odd) prog
State:\tS (sleeping)
VmPeak:\t   20000 kB
VmSize:\t   19000 kB
VmLck:\t       0 kB
VmHWM:\t    9000 kB
VmRSS:\t    8000 kB
VmData:\t    5000 kB
VmStk:\t     132 kB
VmExe:\t    2000 kB
VmLib:\t    3000 kB
VmPTE:\t      60 kB
a line without a colon
Threads:\t1
'''


def fake_proc(tmp_path, monkeypatch, stat=None, status=STATUS):
    stat_file, status_file = tmp_path / 'stat', tmp_path / 'status'
    stat_file.write_text(stat if stat is not None else
                         STAT.format(minflt=77, majflt=5, vsz=19000 * 1024, rss=2000))
    status_file.write_text(status)
    monkeypatch.setattr(_ProcessMemoryInfoProc, 'stat_path', str(stat_file))
    monkeypatch.setattr(_ProcessMemoryInfoProc, 'status_path', str(status_file))


def test_proc_fields_and_rows(tmp_path, monkeypatch):
    fake_proc(tmp_path, monkeypatch)
    info = _ProcessMemoryInfoProc()
    assert info.available
    # a name with spaces and parentheses does not shift the fields
    assert info.vsz == 19000 * 1024
    assert info.rss == 2000 * info.pagesize
    assert info.pagefaults == 5
    assert (info.data_segment, info.code_segment, info.shared_segment, info.stack_segment) == (
        5000 * 1024, 2000 * 1024, 3000 * 1024, 132 * 1024)
    assert [label for label, _ in info.os_specific] == LABELS     # file order
    assert dict(info.os_specific)['Resident set size'] == pp(8000 * 1024)
    # re-sampling replaces the rows (Pympler 1.1 appended them again)
    assert info.update() and len(info.os_specific) == len(LABELS)


@pytest.mark.parametrize('stat', ['', '1 (x) S 2 3', 'garbage ) a b c ' + 'x ' * 30])
def test_proc_malformed_is_false_not_an_error(tmp_path, monkeypatch, stat):
    fake_proc(tmp_path, monkeypatch, stat=stat)
    info = _ProcessMemoryInfoProc()
    assert info.available is False
    assert (info.vsz, info.rss, info.pagefaults, info.os_specific) == (0, 0, 0, [])


@pytest.mark.skipif(not LINUX, reason='Linux /proc only')
def test_linux_reads_the_real_process():
    assert process.ProcessMemoryInfo is _ProcessMemoryInfoProc
    assert process.is_available()
    def statm():
        with open('/proc/self/statm') as f:
            return [int(x) * info.pagesize for x in f.read().split()[:2]]

    # other threads of the test process (servers of earlier tests) may map
    # and unmap memory meanwhile: compare with the values read around it
    info = process.ProcessMemoryInfo()
    before = statm()
    info = process.ProcessMemoryInfo()
    after = statm()
    slack = 64 * 1024 * 1024
    assert min(before[0], after[0]) - slack < info.vsz < max(before[0], after[0]) + slack
    assert 0 < info.rss <= info.vsz
    assert min(before[1], after[1]) - slack < info.rss < max(before[1], after[1]) + slack
    assert info.pid == os.getpid()
    assert [label for label, _ in info.os_specific] == LABELS
    assert info.data_segment > 0 and info.code_segment > 0
    # a mapping of its own: a bytearray may be carved from heap memory that
    # earlier tests freed and malloc kept, and then the size does not move
    size = 64 * 1024 * 1024
    with mmap.mmap(-1, size) as big:
        mapped = process.ProcessMemoryInfo()
        for offset in range(0, size, mmap.PAGESIZE):
            big[offset] = 1
        touched = process.ProcessMemoryInfo()
    assert mapped.vsz - info.vsz >= 60 * 1024 * 1024
    assert touched.rss - mapped.rss >= 60 * 1024 * 1024


def test_repr_and_difference(tmp_path, monkeypatch):
    fake_proc(tmp_path, monkeypatch)
    a = _ProcessMemoryInfoProc()
    b = _ProcessMemoryInfoProc()
    b.rss, b.vsz = a.rss + 100, a.vsz - 10
    assert repr(a) == '<_ProcessMemoryInfoProc vsz=%d rss=%d>' % (a.vsz, a.rss)
    assert b - a == [('Resident set size (delta)', 100), ('Virtual size (delta)', -10)]


def test_without_proc_ps_is_chosen(tmp_path, monkeypatch):
    # simulate a BSD/macOS: no /proc, a ps that prints KiB
    monkeypatch.setattr(_ProcessMemoryInfoProc, 'stat_path', str(tmp_path / 'no' / 'stat'))
    ps = tmp_path / 'ps'
    ps.write_text('#!/bin/sh\n[ "$1" = "-p%d" ] || exit 1\n'
                  'echo "  RSS      VSZ"\necho " 1234   567890"\n' % os.getpid())
    ps.chmod(0o755)
    monkeypatch.setattr(_ProcessMemoryInfoPS, 'ps_command', str(ps))
    cls = process._select('darwin')
    assert cls is _ProcessMemoryInfoPS
    info = cls()
    assert info.available and (info.rss, info.vsz) == (1234 * 1024, 567890 * 1024)
    # a failing or missing ps: the getrusage fallback
    ps.write_text('#!/bin/sh\nexit 3\n')
    assert _ProcessMemoryInfoPS().available is False
    monkeypatch.setattr(_ProcessMemoryInfoPS, 'ps_command', str(tmp_path / 'missing'))
    assert _ProcessMemoryInfoPS().available is False
    if sys.platform != 'win32':
        assert process._select('freebsd') is _ProcessMemoryInfoResource
        info = _ProcessMemoryInfoResource()
        assert info.available and info.rss > 0
        assert info.vsz == info.data_segment + info.shared_segment + info.stack_segment


def test_windows_without_pywin32_warns_and_gives_zeros(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, 'win32api', None)
    monkeypatch.setitem(sys.modules, 'win32process', None)
    with caplog.at_level(logging.WARNING, logger='pympler.process'):
        cls = process._select('win32')
    assert cls is _ProcessMemoryInfo
    assert 'Please install pywin32 when using pympler on Windows.' in caplog.text
    info = cls()
    assert info.available is False and (info.vsz, info.rss, info.pagefaults) == (0, 0, 0)
    assert info.os_specific == []


def test_threads():
    started, stop = threading.Event(), threading.Event()

    def work():
        started.set()
        stop.wait(10)

    t = threading.Thread(target=work, name='pympler-test-worker', daemon=True)
    t.start()
    try:
        started.wait(10)
        infos = get_current_threads()
        assert all(isinstance(i, ThreadInfo) for i in infos)
        by_name = {i.name: i for i in infos}
        assert by_name['pympler-test-worker'].ident == t.ident
        assert by_name['pympler-test-worker'].daemon is True
        assert by_name[threading.main_thread().name].daemon is False
        assert len(infos) == len(threading.enumerate())
    finally:
        stop.set()
        t.join()
    assert get_current_thread_id() == threading.get_ident()
    seen = []
    other = threading.Thread(target=lambda: seen.append(get_current_thread_id()))
    other.start()
    other.join()
    assert seen == [other.ident] and seen[0] != get_current_thread_id()
