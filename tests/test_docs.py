"""What a new user reads: the README says which modules exist and which are
coming, the user documentation lives in the repository (no link leaves it),
it covers the public API, and the module docstrings point to it."""
import glob
import importlib
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXISTING = ['asizeof', 'muppy', 'summary', 'tracker', 'classtracker', 'util',
            'classtracker_stats', 'charts', 'process', 'mprofile', 'panels',
            'refbrowser', 'refgraph', 'garbagegraph', 'web', 'heapreport']
COMING = []      # every module of Pympler 1.1 exists
PUBLIC = ['pympler', 'pympler.asizeof', 'pympler.muppy', 'pympler.summary', 'pympler.tracker',
          'pympler.classtracker', 'pympler.util', 'pympler.util.stringutils', 'pympler.util.compat',
          'pympler.classtracker_stats', 'pympler.charts', 'pympler.process',
          'pympler.mprofile', 'pympler.panels', 'pympler.ipython', 'pympler.pytest_plugin',
          'pympler.refbrowser', 'pympler.refgraph', 'pympler.garbagegraph',
          'pympler.heapfile', 'pympler.retained', 'pympler.heapreport', 'pympler.web',
          'pympler.cli']


def _read(rel):
    path = os.path.join(ROOT, rel)
    if not os.path.exists(path):
        pytest.skip('%s is not next to the tests' % rel)
    with open(path, encoding='utf-8') as f:
        return f.read()


def _user_docs():
    return ['README.md'] + sorted(os.path.relpath(p, ROOT)
                                  for p in glob.glob(os.path.join(ROOT, 'docs', '*.md')))


def test_readme_says_which_modules_exist_and_which_are_coming():
    text = _read('README.md')
    for name in EXISTING + COMING:
        assert '`%s`' % name in text, name
    today = text.index('Modules today')
    coming = text.index('Coming')
    assert all(text.index('`%s`' % n, today) < coming for n in EXISTING)
    assert all(text.index('`%s`' % n, coming) > coming for n in COMING)
    assert 'docs/usage.md' in text


def test_readme_keeps_the_commands_ci_runs():
    text = _read('README.md')
    assert 'python -m pip install -r requirements-test.txt . && python -m pytest -q tests' in text
    assert 'python -m pip install . && python examples/demo_asizeof.py' in text


def test_no_link_leaves_the_repository():
    _read('README.md')
    bad = []
    for rel in _user_docs():
        text = _read(rel)
        here = os.path.dirname(os.path.join(ROOT, rel))
        for target in re.findall(r'\]\(([^)#]*)(?:#[^)]*)?\)', text):
            path = os.path.normpath(os.path.join(here, target))
            if '://' in target or not path.startswith(ROOT + os.sep) or not os.path.exists(path):
                bad.append('%s: (%s)' % (rel, target))
        for target in re.findall(r'`((?:\.\./|docs/)[^`\s]*\.md)`', text):
            path = os.path.normpath(os.path.join(ROOT, target))
            if not path.startswith(ROOT + os.sep) or not os.path.exists(path):
                bad.append('%s: `%s`' % (rel, target))
        if re.search(r'https?://', text):
            bad.append('%s: a web address' % rel)
    assert bad == []


def test_usage_documents_the_public_api():
    text = _read(os.path.join('docs', 'usage.md'))
    missing = []
    for modname in PUBLIC[1:]:
        mod = importlib.import_module(modname)
        for name in getattr(mod, '__all__', ()):
            if not re.search(r'\b%s\b' % re.escape(name), text):
                missing.append('%s.%s' % (modname, name))
    assert missing == []
    assert 'named_refs' in text
    for doc in ('sizing.md', 'heap.md'):
        assert '](%s)' % doc in text


@pytest.mark.parametrize('modname', PUBLIC)
def test_module_docstring_points_to_the_docs(modname):
    mod = importlib.import_module(modname)
    assert 'docs/usage.md' in (mod.__doc__ or '')
