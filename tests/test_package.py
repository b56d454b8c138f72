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
