"""pympler's pytest plugin (the no_leaks check), run on generated test files
in a separate pytest process with pytester."""
import os
import sys

import pytest

try:
    from importlib.metadata import entry_points
except ImportError:  # pragma: no cover
    entry_points = None


def _plugin_args():
    """-p pympler.pytest_plugin unless the installed entry point loads it."""
    if entry_points is not None:
        eps = entry_points()
        group = eps.select(group="pytest11") if hasattr(eps, "select") else eps.get("pytest11", [])
        if any(ep.value == "pympler.pytest_plugin" for ep in group):
            return []
    return ["-p", "pympler.pytest_plugin"]


@pytest.fixture
def run(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in sys.path if p))

    def go(*args):
        return pytester.runpytest_subprocess(*(_plugin_args() + ["-p", "no:cacheprovider"]
                                               + list(args)))
    return go


LEAKY = '''
import pytest
CACHE = []

class Foo(object):
    def __init__(self):
        self.payload = list(range(100))

@pytest.mark.no_leaks
def test_leaks():
    CACHE.append(Foo())

@pytest.mark.no_leaks
def test_clean():
    f = Foo()
    del f

def test_unmarked_leak():
    CACHE.append(Foo())
'''


def test_leaking_test_fails_with_the_path(pytester, run):
    pytester.makepyfile(test_leaky=LEAKY)
    res = run()
    res.assert_outcomes(passed=2, failed=1)
    out = res.stdout.str()
    assert "test_leaky.py::test_leaks FAILED" in out or "FAILED test_leaky.py::test_leaks" in out
    assert "no_leaks: 1 object created during the test is still alive (allowed: 0)" in out
    assert "test_leaky.Foo: 1 object, " in out
    # the path from the module to the survivor
    assert "module test_leaky" in out
    assert "-> .CACHE" in out and "-> [0]" in out and "<Foo at 0x" in out
    # the size counts the payload list too (deep size)
    size = out.split("test_leaky.Foo: 1 object, ")[1].split()[0]
    assert float(size) > 0


def test_flag_applies_to_every_test(pytester, run):
    pytester.makepyfile(test_leaky=LEAKY)
    run("-k", "unmarked").assert_outcomes(passed=1)
    res = run("-k", "unmarked", "--no-leaks")
    res.assert_outcomes(failed=1)
    assert "test_leaky.Foo: 1 object" in res.stdout.str()


def test_ignore_and_allow(pytester, run):
    pytester.makepyfile(test_opts='''
import pytest
KEEP = []

class Foo(object):
    pass

class Bar(object):
    pass

@pytest.mark.no_leaks(ignore=["test_opts.Foo"])
def test_ignored_by_name():
    KEEP.append(Foo())

@pytest.mark.no_leaks(ignore=[Foo])
def test_ignored_by_class():
    KEEP.append(Foo())

@pytest.mark.no_leaks(allow=2)
def test_two_allowed():
    KEEP.extend([Bar(), Bar()])

@pytest.mark.no_leaks(allow=2)
def test_three_are_too_many():
    KEEP.extend([Bar(), Bar(), Bar()])

@pytest.mark.no_leaks(ignore=[Foo])
def test_other_type_still_checked():
    KEEP.extend([Foo(), Bar()])
''')
    res = run()
    res.assert_outcomes(passed=3, failed=2)
    out = res.stdout.str()
    assert "3 objects created during the test are still alive (allowed: 2)" in out
    assert "test_opts.Bar: 1 object" in out
    # the command line's ignore adds to the marker's: Bar by the flag, Foo by the marker
    res = run("--no-leaks", "--no-leaks-ignore=test_opts.Bar", "-k", "three or other")
    res.assert_outcomes(passed=2)
    res = run("--no-leaks-allow=5", "-k", "three")
    res.assert_outcomes(failed=1)                # the marker's allow wins


def test_types_named_by_the_marker(pytester, run):
    pytester.makepyfile(test_types='''
import pytest
STORE = {}

@pytest.mark.no_leaks(types=[dict])
def test_dict_leak():
    STORE["k"] = {"new": 1}

@pytest.mark.no_leaks
def test_dict_leak_unchecked():
    STORE["j"] = {"new": 2}          # builtins are not "your" classes
''')
    res = run()
    res.assert_outcomes(passed=1, failed=1)
    out = res.stdout.str()
    assert "builtins.dict: 1 object" in out
    assert "-> .STORE" in out and "-> ['k']" in out


def test_local_classes_and_hostile_objects(pytester, run):
    pytester.makepyfile(test_local='''
import pytest
HOLD = []

@pytest.mark.no_leaks
def test_local_class():
    class Local(object):
        def __repr__(self):
            raise RuntimeError("no repr")
        def __eq__(self, other):
            raise RuntimeError("no eq")
        __hash__ = None
    HOLD.append(Local())
''')
    res = run()
    res.assert_outcomes(failed=1)
    out = res.stdout.str()
    assert "test_local.test_local_class.<locals>.Local: 1 object" in out
    assert "-> .HOLD" in out


def test_the_tests_own_failure_wins(pytester, run):
    pytester.makepyfile(test_fails='''
import pytest
KEEP = []

class Foo(object):
    pass

@pytest.mark.no_leaks
def test_broken():
    KEEP.append(Foo())
    assert 1 == 2
''')
    res = run()
    res.assert_outcomes(failed=1)
    out = res.stdout.str()
    assert "assert 1 == 2" in out and "no_leaks:" not in out


def test_old_objects_are_not_held_alive(pytester, run):
    pytester.makepyfile(test_old='''
import gc
import weakref
import pytest

class Foo(object):
    pass

OLD = [Foo()]

@pytest.mark.no_leaks
def test_old_object_can_die():
    ref = weakref.ref(OLD[0])
    del OLD[:]
    gc.collect()
    assert ref() is None
''')
    run().assert_outcomes(passed=1)


def test_inert_when_not_asked(pytester, run):
    pytester.makeconftest('''
import pympler._core as core

def fail(*args):
    raise AssertionError("the leak check ran")

core.heap_select = fail
''')
    pytester.makepyfile(test_plain='''
import gc
THRESHOLD = gc.get_threshold()
KEEP = []

class Foo(object):
    pass

def test_leaks_but_unchecked():
    KEEP.append(Foo())
    assert gc.isenabled() and gc.get_threshold() == THRESHOLD
''')
    run().assert_outcomes(passed=1)
    help_text = run("--help").stdout.str()
    assert "--no-leaks" in help_text and "--no-leaks-ignore" in help_text
    markers = run("--markers").stdout.str()
    assert "no_leaks(types=None, ignore=(), allow=0)" in markers


def test_bad_marker_arguments(pytester, run):
    pytester.makepyfile(test_bad='''
import pytest

@pytest.mark.no_leaks(allow=-1)
def test_negative():
    pass

@pytest.mark.no_leaks(typo=1)
def test_typo():
    pass
''')
    res = run()
    out = res.stdout.str() + res.stderr.str()
    assert "allow must be an int >= 0" in out or "unknown argument" in out
    assert res.ret != 0
