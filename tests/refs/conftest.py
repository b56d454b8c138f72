"""Fixtures of the reference tests: an X display for the Tk browser (a
private Xvfb server when there is no DISPLAY), and the reasons of the tests
skipped here, printed at the end of every run."""
import os
import select
import shutil
import subprocess

import pytest

from pympler.util.compat import tkinter

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture
def display(monkeypatch):
    """An X display Tk can open: $DISPLAY, else a private ``Xvfb`` (Debian
    package ``xvfb``), stopped afterwards.  Skips, saying why, without
    tkinter or without both."""
    if tkinter is None:
        pytest.skip('tkinter is not available: the Tk browser is not tested')
    proc = None
    if not os.environ.get('DISPLAY'):
        xvfb = shutil.which('Xvfb')
        if xvfb is None:
            pytest.skip('no $DISPLAY and no Xvfb (Debian package xvfb): '
                        'the Tk browser is not tested')
        r, w = os.pipe()
        try:
            proc = subprocess.Popen([xvfb, '-displayfd', str(w), '-nolisten', 'tcp',
                                     '-screen', '0', '800x600x24'], pass_fds=(w,),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            os.close(w)
            w = None
            number = b''
            while not number.endswith(b'\n'):
                ready, _, _ = select.select([r], [], [], 20)
                chunk = os.read(r, 16) if ready else b''
                if not chunk:
                    break
                number += chunk
        finally:
            os.close(r)
            if w is not None:
                os.close(w)
        if not number.strip().isdigit():
            proc.kill()
            proc.wait()
            pytest.skip('Xvfb did not start: the Tk browser is not tested')
        monkeypatch.setenv('DISPLAY', ':' + number.strip().decode())
    try:
        try:
            probe = tkinter.Tk()
        except tkinter.TclError as exc:
            pytest.skip('Tk cannot open the display (%s): the Tk browser is not tested' % exc)
        probe.destroy()
        yield os.environ['DISPLAY']
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)


def pytest_terminal_summary(terminalreporter):
    """Print why reference tests were skipped, also without ``-rs``."""
    for report in terminalreporter.stats.get('skipped', []):
        path = str(getattr(report, 'fspath', '') or '')
        if not os.path.abspath(path).startswith(HERE):
            continue
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        terminalreporter.write_line('SKIPPED %s: %s' % (report.nodeid, reason))
