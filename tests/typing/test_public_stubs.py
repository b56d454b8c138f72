"""The public modules ship type stubs that match the runtime.

A light version of `mypy.stubtest` that needs no mypy (the full check runs
in `.ci/run typing`): each stub is installed next to its module, defines
every name of the module's __all__, defines nothing public the module lacks,
and its functions and methods take the runtime's positional parameters.
"""
import ast
import importlib
import inspect
import os
import subprocess
import sys

import pytest

MODULES = ['pympler.asizeof', 'pympler._asized', 'pympler.muppy', 'pympler.summary',
           'pympler.tracker', 'pympler.classtracker', 'pympler.classtracker_stats',
           'pympler.charts', 'pympler.process', 'pympler.mprofile',
           'pympler.panels', 'pympler.ipython',
           'pympler.refbrowser', 'pympler.refgraph', 'pympler.garbagegraph',
           'pympler.heapfile', 'pympler.retained', 'pympler.heapreport', 'pympler.web',
           'pympler.cli']
HERE = os.path.dirname(os.path.abspath(__file__))


def _stub(modname):
    mod = importlib.import_module(modname)
    path = os.path.splitext(mod.__file__)[0] + '.pyi'
    assert os.path.exists(path), '%s has no stub next to it (%s)' % (modname, path)
    with open(path) as f:
        return mod, ast.parse(f.read())


def _defs(body):
    """name -> FunctionDef (first overload wins) or ClassDef or 'var'."""
    out = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            out.setdefault(node.name, node)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out.setdefault(node.target.id, 'var')
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                out.setdefault(alias.asname or alias.name, 'import')
    return out


def _is_overload(fn):
    return any(isinstance(d, ast.Name) and d.id == 'overload' for d in fn.decorator_list)


def _positional(fn):
    args = fn.args
    return [a.arg for a in list(getattr(args, 'posonlyargs', [])) + list(args.args)]


def _check_signature(qualname, stub_fn, runtime):
    if _is_overload(stub_fn):     # overloads narrow a *objs runtime signature
        return
    try:
        sig = inspect.signature(runtime)
    except (TypeError, ValueError):
        return
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    want = [p.name for p in sig.parameters.values() if p.kind in kinds]
    got = _positional(stub_fn)
    assert got == want, '%s: stub takes %s, runtime %s' % (qualname, got, want)


@pytest.mark.parametrize('modname', MODULES)
def test_stub_matches_runtime(modname):
    mod, tree = _stub(modname)
    defs = _defs(tree.body)
    missing = [n for n in getattr(mod, '__all__', ()) if n not in defs]
    assert missing == [], '%s: names of __all__ missing from the stub' % modname
    for name, node in defs.items():
        if name.startswith('_') or node == 'import':
            continue
        assert hasattr(mod, name), '%s.%s is in the stub but not at runtime' % (modname, name)
        runtime = getattr(mod, name)
        if isinstance(node, ast.FunctionDef):
            _check_signature('%s.%s' % (modname, name), node, runtime)
        elif isinstance(node, ast.ClassDef):
            members = _defs(node.body)
            public = {n for n, v in vars(runtime).items()
                      if not n.startswith('_') and (callable(v) or isinstance(v, property))}
            assert public - set(members) == set(), '%s.%s: stub lacks' % (modname, name)
            for mname, mnode in members.items():
                if mnode == 'var':      # an instance attribute
                    continue
                assert hasattr(runtime, mname), '%s.%s.%s not at runtime' % (modname, name, mname)
                if isinstance(mnode, ast.FunctionDef) and not mname.startswith('__'):
                    if any(isinstance(d, ast.Name) and d.id == 'property'
                           for d in mnode.decorator_list):
                        assert isinstance(inspect.getattr_static(runtime, mname), property)
                    else:
                        _check_signature('%s.%s.%s' % (modname, name, mname), mnode,
                                         getattr(runtime, mname))


def test_util_modules_are_annotated_inline():
    # util/stringutils.py and util/compat.py carry their annotations inline.
    from pympler.util import compat, stringutils
    for mod in (stringutils, compat):
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.isfunction(obj):
                hints = obj.__annotations__
                assert 'return' in hints, '%s.%s has no return annotation' % (mod.__name__, name)


def test_user_script_runs():
    # The script that `mypy --strict` checks also runs and asserts its results.
    r = subprocess.run([sys.executable, os.path.join(HERE, 'user_script.py')],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert 'user_script: ok' in r.stdout
