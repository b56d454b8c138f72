"""What a user installs: a version that satisfies ``pympler>=1.0``, PEP 639
license metadata, and builds that stop on free-threaded interpreters."""
import os
import re
import shutil
import subprocess
import sys
import sysconfig

import pytest

import pympler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _release_key(version):
    """A tiny PEP 440 sort key: release numbers, then pre-release (a < b < rc <
    final).  Enough for the versions compared here."""
    m = re.match(r'^(\d+(?:\.\d+)*)(?:(a|b|rc)(\d+))?$', version)
    assert m, version
    release = tuple(int(p) for p in m.group(1).split('.'))
    release += (0,) * (4 - len(release))
    pre = (('a', 'b', 'rc').index(m.group(2)), int(m.group(3))) if m.group(2) else (3, 0)
    return release, pre


def test_version_sorts_after_pympler_1_1():
    # An existing requirement such as `pympler>=1.0` or `pympler>1.1` must be
    # met by this package instead of pulling Pympler 1.1 over it.
    v = pympler.__version__
    assert _release_key(v) > _release_key('1.1')
    assert _release_key('2.0.0a1') < _release_key('2.0.0')    # the parser itself
    assert _release_key('1.1') < _release_key('1.10')
    try:
        from packaging.version import Version
    except ImportError:
        return
    assert Version(v) > Version('1.1')
    # pip accepts a pre-release for `pympler>=1.0` only when it is the one
    # installed or asked for; the specifier still matches it.
    from packaging.specifiers import SpecifierSet
    assert SpecifierSet('>=1.0').contains(v, prereleases=True)


def test_installed_metadata_has_spdx_license():
    # PEP 639: License-Expression (not the deprecated License text) and the
    # license file shipped in the dist-info.
    from importlib import metadata
    try:
        md = metadata.metadata('pympler')
    except metadata.PackageNotFoundError:
        pytest.skip('pympler is not installed (tests run from the source tree)')
    if md['Version'] != pympler.__version__:
        pytest.skip('the installed pympler is not the one imported')
    assert md['License-Expression'] == 'Apache-2.0'
    assert 'License' not in md
    assert 'LICENSE' in (md.get_all('License-File') or [])


# A fake setuptools records whether setup() was reached, so that setup.py
# runs anywhere (3.12+ venvs have no setuptools) and compiles nothing.
_RUN_SETUP_PY = r'''
import runpy, sys, sysconfig, types
fake = types.ModuleType('setuptools')
fake.__version__ = '80.0.0'
fake.Extension = lambda *a, **k: None
def setup(**kw):
    print('SETUP-CALLED')
fake.setup = setup
sys.modules['setuptools'] = fake
if sys.argv[1] == 'freethreaded':
    real = sysconfig.get_config_var
    sysconfig.get_config_var = lambda name: 1 if name == 'Py_GIL_DISABLED' else real(name)
sys.argv = ['setup.py', '--version']
runpy.run_path('setup.py', run_name='__main__')
'''


def _run_setup_py(mode):
    if not os.path.exists(os.path.join(ROOT, 'setup.py')):
        pytest.skip('no setup.py next to the tests')
    env = {k: v for k, v in os.environ.items() if k != 'PYMPLER_BUILD'}
    return subprocess.run([sys.executable, '-c', _RUN_SETUP_PY, mode], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_setup_py_refuses_free_threaded_build():
    r = _run_setup_py('freethreaded')
    assert r.returncode != 0
    assert 'SETUP-CALLED' not in r.stdout
    assert 'free-threaded' in r.stderr and 'Py_GIL_DISABLED' in r.stderr
    assert 'docs/internals.md' in r.stderr


def test_setup_py_builds_on_regular_interpreter():
    r = _run_setup_py('regular')
    assert r.returncode == 0, r.stderr
    assert 'SETUP-CALLED' in r.stdout


def test_compat_h_refuses_free_threaded_headers(tmp_path):
    # The same stop in C, for builds that bypass setup.py: compat.h (included
    # first by every engine file) fails with a message under Py_GIL_DISABLED.
    compat = os.path.join(ROOT, 'src', 'core', 'compat.h')
    cc = shutil.which('gcc') or shutil.which('cc')
    include = sysconfig.get_paths()['include']
    if not os.path.exists(compat) or cc is None:
        pytest.skip('no C sources or no C compiler')
    if not os.path.exists(os.path.join(include, 'Python.h')):
        pytest.skip('no Python headers')
    src = tmp_path / 'probe.c'
    src.write_text('#include "compat.h"\n')

    # The compiler runs without the sanitizer runtime the suite may run under.
    env = {k: v for k, v in os.environ.items()
           if k not in ('LD_PRELOAD', 'ASAN_OPTIONS', 'UBSAN_OPTIONS', 'PYTHONMALLOC')}

    def compile_(*defs):
        return subprocess.run([cc, '-fsyntax-only', *defs, '-I', os.path.dirname(compat),
                               '-I', include, str(src)],
                              capture_output=True, text=True, timeout=120, env=env)

    r = compile_()
    assert r.returncode == 0, r.stderr
    r = compile_('-DPy_GIL_DISABLED=1')
    assert r.returncode != 0
    assert 'free-threaded CPython (Py_GIL_DISABLED) is not supported' in r.stderr
