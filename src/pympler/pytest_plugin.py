"""Leak checks in pytest: fail a test when objects it created are still alive
after it, and say who holds them.

Opt-in, per test or for a whole run::

    @pytest.mark.no_leaks                      # objects of your own classes
    def test_parse(): ...

    @pytest.mark.no_leaks(types=[dict], allow=2, ignore=['mypkg.Cache'])
    def test_cache(): ...

    pytest --no-leaks                          # the check for every test
    pytest --no-leaks --no-leaks-ignore=mypkg.Registry --no-leaks-allow=1

After the test's call phase passes, the plugin collects garbage and lists, in
C, the objects of the checked types created during the call that are still
alive.  More than ``allow`` of them fails the test; the message gives, per
type, the number of survivors, their size (``asizeof``, shared parts counted
once) and the reference path from a root (a module, a thread's frame, an
object nothing refers to) to one of them.

Checked types: those the marker names with ``types=`` (and their
subclasses); otherwise "your" classes: the classes defined in modules whose
file lies under pytest's root directory, outside ``site-packages`` and this
package.  ``ignore`` (marker) and ``--no-leaks-ignore`` (repeatable) leave
out types, given as classes or as ``module.QualifiedName``.

The check covers the call phase: objects made by fixtures during setup are
old, and an object made by the test and released only by a fixture's
teardown counts as a survivor.  Objects alive before the call are never
reported and are not held alive by the check (it records addresses and
types, not references); an object created during the test at the address
of a same-typed object that died during the test is taken for the old one.

Tests without the marker (and without ``--no-leaks``) pay one marker lookup.
The plugin is registered with pytest's ``pytest11`` entry point; ``-p
no:pympler`` disables it.  It needs pluggy's new-style hook wrappers
(pytest 8); with an older pytest, asking for the check is a usage error.

Documentation: docs/usage.md in pympler's source repository.
"""
import gc
import os
import sys
import sysconfig

import pytest

from pympler import _core, asizeof, muppy
from pympler.util.stringutils import pp

__all__ = []   # pytest finds the hooks by name; nothing here is for import

MARKER = ("no_leaks(types=None, ignore=(), allow=0): fail the test when objects of "
          "these types (default: the project's own classes) created during the test "
          "are still alive after it (pympler)")

_HERE = os.path.dirname(os.path.abspath(__file__))


def pytest_addoption(parser):
    group = parser.getgroup("pympler", "leak checks (pympler)")
    group.addoption("--no-leaks", action="store_true", default=False, dest="no_leaks",
                    help="apply the no_leaks check to every test")
    group.addoption("--no-leaks-ignore", action="append", default=[], dest="no_leaks_ignore",
                    metavar="MODULE.NAME", help="type left out of the leak check (repeatable)")
    group.addoption("--no-leaks-allow", type=int, default=0, dest="no_leaks_allow",
                    metavar="N", help="survivors allowed per test (default 0)")


def pytest_configure(config):
    config.addinivalue_line("markers", MARKER)


def _wanted(item):
    """(check this test?, its no_leaks marker or None)."""
    marker = item.get_closest_marker("no_leaks")
    return marker is not None or bool(item.config.getoption("no_leaks")), marker


def _type_name(tp):
    try:
        module = type.__getattribute__(tp, "__module__")
        qualname = type.__getattribute__(tp, "__qualname__")
    except Exception:
        return tp.__name__ if isinstance(getattr(tp, "__name__", None), str) else repr(tp)
    return "%s.%s" % (module, qualname)


def _mro(tp):
    # None for a type still being made (3.9 can show one to the walk)
    return type.__dict__["__mro__"].__get__(tp) or (tp,)


def _excluded_dirs():
    dirs = {_HERE}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            dirs.add(os.path.abspath(path))
    for path in sys.path:
        if path and os.path.basename(path) in ("site-packages", "dist-packages"):
            dirs.add(os.path.abspath(path))
    return tuple(sorted(dirs))


def _under(path, folder):
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


class _Options(object):
    """What one test's check looks for."""

    def __init__(self, item, marker):
        config = item.config
        kwargs = dict(marker.kwargs) if marker is not None else {}
        if marker is not None and marker.args:
            raise pytest.UsageError("@pytest.mark.no_leaks takes keyword arguments only "
                                    "(types=, ignore=, allow=), got %r" % (marker.args,))
        unknown = set(kwargs) - {"types", "ignore", "allow"}
        if unknown:
            raise pytest.UsageError("@pytest.mark.no_leaks: unknown argument(s) %s"
                                    % ", ".join(sorted(unknown)))
        types = kwargs.get("types")
        if isinstance(types, type):
            types = [types]
        self.types = None if types is None else tuple(types)
        if self.types is not None and not all(isinstance(t, type) for t in self.types):
            raise pytest.UsageError("@pytest.mark.no_leaks(types=...) must be classes")
        ignore = kwargs.get("ignore", ())
        if isinstance(ignore, (type, str)):
            ignore = [ignore]
        ignore = list(ignore) + list(config.getoption("no_leaks_ignore") or ())
        self.ignore_types = tuple(t for t in ignore if isinstance(t, type))
        self.ignore_names = frozenset(t for t in ignore if isinstance(t, str))
        allow = kwargs.get("allow", config.getoption("no_leaks_allow"))
        if not isinstance(allow, int) or allow < 0:
            raise pytest.UsageError("no_leaks: allow must be an int >= 0, not %r" % (allow,))
        self.allow = allow
        self.root = os.path.abspath(str(config.rootpath))
        self.excluded = _excluded_dirs()

    def _is_user_type(self, tp):
        try:
            modname = type.__getattribute__(tp, "__module__")
            module = sys.modules.get(modname) if isinstance(modname, str) else None
            path = vars(module).get("__file__") if module is not None else None
        except Exception:
            return False
        if not isinstance(path, str):
            return False
        path = os.path.abspath(path)
        if not _under(path, self.root):
            return False
        return not any(_under(path, d) and not _under(self.root, d) for d in self.excluded)

    def selects(self, tp):
        """Whether objects of type tp are checked (called once per type, by
        the engine)."""
        mro = _mro(tp)
        if any(t in mro for t in self.ignore_types):
            return False
        if self.ignore_names and any(_type_name(t) in self.ignore_names for t in mro):
            return False
        if self.types is not None:
            return any(t in mro for t in self.types)
        return self._is_user_type(tp)


def _report(survivors, opts):
    """The failure message for the survivors (several objects per type)."""
    groups = {}
    for obj in survivors:
        groups.setdefault(type(obj), []).append(obj)
    lines = ["no_leaks: %d object%s created during the test %s still alive (allowed: %d)" % (
        len(survivors), "" if len(survivors) == 1 else "s",
        "is" if len(survivors) == 1 else "are", opts.allow)]
    order = sorted(groups.items(), key=lambda kv: (-len(kv[1]), _type_name(kv[0])))
    for tp, objs in order:
        size = asizeof.asizeof(*objs)
        lines.append("  %s: %d object%s, %s" % (_type_name(tp), len(objs),
                                                "" if len(objs) == 1 else "s",
                                                " ".join(pp(size).split())))
        path = muppy.find_path(objs[0], ignore=(survivors, groups, order, objs))
        if path is None:
            lines.append("    (no path from a root: held only by the collector or a C extension)")
        else:
            lines.append("    held by:")
            lines.extend("      " + line for line in str(path).splitlines())
    del groups, order
    return "\n".join(lines)


def _check(opts, before):
    """None, or the message when too many checked objects survived."""
    gc.collect()
    survivors = _core.heap_select(opts.selects, before)
    try:
        if len(survivors) <= opts.allow:
            return None
        return _report(survivors, opts)
    finally:
        del survivors[:]


def _new_style_wrappers():
    try:
        pytest.hookimpl(wrapper=True)
    except TypeError:   # pragma: no cover - pytest < 8 (older pluggy)
        return False
    return True


_NEW_STYLE = _new_style_wrappers()


@(pytest.hookimpl(wrapper=True) if _NEW_STYLE else pytest.hookimpl(hookwrapper=True))
def pytest_runtest_call(item):
    wanted, marker = _wanted(item)
    if not wanted:
        return (yield)
    if not _NEW_STYLE:  # pragma: no cover
        raise pytest.UsageError("pympler's no_leaks check needs pytest 8 or newer")
    opts = _Options(item, marker)
    gc.collect()
    before = _core.heap_select(opts.selects)
    result = yield          # the test's own failure wins: raised here
    message = _check(opts, before)
    if message is not None:
        pytest.fail(message, pytrace=False)
    return result
