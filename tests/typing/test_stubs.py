"""The type stubs of pympler._core list exactly what the extension exports."""
import ast
import os

import pympler
from pympler import _core


def _stub_names():
    path = os.path.join(os.path.dirname(pympler.__file__), '_core.pyi')
    with open(path) as f:
        tree = ast.parse(f.read())
    names, methods = set(), set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
        if isinstance(node, ast.ClassDef) and node.name == 'Sizer':
            methods = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
    return names, methods


def test_stub_is_installed_and_complete():
    names, methods = _stub_names()
    public = {n for n in dir(_core) if not n.startswith('_')}
    assert names == public
    sizer_public = {n for n in dir(_core.Sizer) if not n.startswith('_')}
    assert methods - {'__init__'} == sizer_public


def test_py_typed_marker_is_installed():
    assert os.path.exists(os.path.join(os.path.dirname(pympler.__file__), 'py.typed'))
