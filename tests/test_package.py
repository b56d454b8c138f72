"""The package itself: version, and a clear ImportError without the engine."""
import os
import shutil
import subprocess
import sys

import pympler


def test_version_is_a_pep440_string():
    import re
    assert re.match(r'^\d+(\.\d+)*([ab]|rc)?\d*(\.dev\d+)?$', pympler.__version__)


def test_import_without_engine_says_how_to_build(tmp_path):
    # A copy of the installed package without the compiled extension.
    src = os.path.dirname(pympler.__file__)
    dst = tmp_path / 'pympler'
    shutil.copytree(src, str(dst), ignore=shutil.ignore_patterns('_core*.so', '_core*.pyd',
                                                                 '__pycache__'))
    code = 'import pympler'
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    r = subprocess.run([sys.executable, '-c', code], cwd=str(tmp_path), env=env,
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert 'ImportError' in r.stderr
    assert 'pip install .' in r.stderr and 'pympler._core' in r.stderr


def test_version_checks_only_in_compat_h():
    # STYLE §5: only compat.h tests PY_VERSION_HEX; the other C files test the
    # named feature macros it defines.  (Skipped where the sources are absent.)
    import glob

    import pytest
    core = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'src', 'core')
    files = glob.glob(os.path.join(core, '*.[ch]'))
    if not files:
        pytest.skip('no C sources next to the tests')
    offenders = []
    for path in files:
        if os.path.basename(path) in ('compat.h', 'pythoncapi_compat.h'):   # vendored
            continue
        with open(path) as f:
            for no, line in enumerate(f, 1):
                if 'PY_VERSION_HEX' in line:
                    offenders.append('%s:%d' % (os.path.basename(path), no))
    assert offenders == []
