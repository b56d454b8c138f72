"""Fixtures shared by several test files."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="session")
def pympler11(tmp_path_factory):
    """Directory holding Pympler 1.1, the reference implementation: the
    benchmark's vendored copy if there, else installed apart with pip (never
    into this environment); the test is skipped when neither works."""
    vendored = os.path.join(ROOT, "benchmarks", ".vendor", "pympler11")
    if os.path.isfile(os.path.join(vendored, "pympler", "asizeof.py")):
        return vendored
    where = str(tmp_path_factory.mktemp("pympler11"))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps",
             "--disable-pip-version-check", "--target", where, "pympler==1.1"],
            capture_output=True, text=True, timeout=180)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip("cannot install Pympler 1.1: %s" % (exc,))
    if done.returncode != 0 or not os.path.isdir(os.path.join(where, "pympler")):
        pytest.skip("cannot install Pympler 1.1: %s" % (done.stderr.strip()[-300:],))
    return where
