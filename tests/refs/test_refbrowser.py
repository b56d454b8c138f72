"""pympler.refbrowser: referrer trees (spec 9), their printed layout, and
the Tk browser."""
import gc
import io
import json
import os
import random
import subprocess
import sys
import textwrap
import types

import pytest

from pympler import refbrowser, summary
from pympler.refbrowser import (
    ConsoleBrowser,
    FileBrowser,
    InteractiveBrowser,
    RefBrowser,
    StreamBrowser,
    _Node,
)


class Held(object):
    """A root object nothing else in the process refers to."""


def _objs(node):
    return [c.o for c in node.children if isinstance(c, _Node)]


def _has(seq, obj):
    return any(x is obj for x in seq)


def _tree(spec):
    """A tree of string nodes from nested ``[label, [children...]]``."""
    label, kids = spec
    node = _Node(label)
    stack = [(node, kids)]
    while stack:
        parent, kids = stack.pop()
        for k in kids:
            if isinstance(k, str):
                parent.children.append(k)
            else:
                child = _Node(k[0])
                parent.children.append(child)
                stack.append((child, k[1]))
    return node


def _printed(tree, maxdepth, cls=StreamBrowser):
    out = io.StringIO()
    cls(None, maxdepth=maxdepth, stream=out).print_tree(tree)
    return out.getvalue()


SPEC_TREE = ['root', [['branch1', ['a', 'b']],
                      ['branch2', [['branch3', [['branch1', ['a', 'b']], 'a']], 'a']],
                      ['branch3', [['branch1', ['a', 'b']], 'a']]]]


def test_spec_example_maxdepth_2():
    assert _printed(_tree(SPEC_TREE), 2) == textwrap.dedent("""\
        root-+-branch1-+-a
             |         +-b
             |
             +-branch2-+-branch3
             |         +-a
             |
             +-branch3-+-branch1
                       +-a
        """)


def test_spec_example_maxdepth_1():
    assert _printed(_tree(SPEC_TREE), 1) == 'root-+-branch1\n     +-branch2\n     +-branch3\n'


def test_chain_of_single_children_prints_on_one_line():
    tree = _tree(['a', [['b', [['c', ['d']]]]]])
    assert _printed(tree, 1) == 'a--b--c--d\n'


def test_overridden_drawing_characters():
    class Stars(StreamBrowser):
        hline, vline, cross = '=', '!', '*'
    assert _printed(_tree(['r', ['x', 'y']]), 3, Stars) == 'r=*=x\n  *=y\n'


def _random_spec(rng, depth):
    label = rng.choice(['a', 'bb', 'c+d', 'e|f', 'long label', 'g'])
    if depth == 0 or rng.random() < 0.3:
        return label if rng.random() < 0.5 else [label, []]
    return [label, [_random_spec(rng, depth - 1) for _ in range(rng.randint(1, 3))]]


def test_layout_is_pympler11s_on_random_trees(pympler11):
    """The layout, quirks included (``+`` and ``|`` in labels count towards
    the depth), is Pympler 1.1's: printed by both for 60 random trees."""
    rng = random.Random(8)
    cases = []
    for _ in range(60):
        spec = _random_spec(rng, 5)
        if isinstance(spec, str):
            spec = [spec, []]
        cases.append([spec, rng.randint(0, 5)])
    script = textwrap.dedent("""\
        import io, json, sys
        from pympler.refbrowser import StreamBrowser, _Node
        def tree(spec):
            label, kids = spec
            node = _Node(label)
            for k in kids:
                node.children.append(k if isinstance(k, str) else tree(k))
            return node
        out = []
        for spec, depth in json.load(sys.stdin):
            s = io.StringIO()
            StreamBrowser(None, maxdepth=depth, stream=s).print_tree(tree(spec))
            out.append(s.getvalue())
        json.dump(out, sys.stdout)
        """)
    env = dict(os.environ, PYTHONPATH=pympler11)
    done = subprocess.run([sys.executable, '-c', script], input=json.dumps(cases),
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    theirs = json.loads(done.stdout)
    ours = [_printed(_tree(spec), depth) for spec, depth in cases]
    assert ours == theirs


def test_deep_tree_prints_without_recursion():
    n = 100000
    top = node = _Node('n')
    for _ in range(n - 1):
        child = _Node('n')
        node.children.append(child)
        node = child
    node.children.extend(['x', 'y'])
    out = io.StringIO()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_depth() + 40)
    try:
        StreamBrowser(None, maxdepth=3, stream=out).print_tree(top)
    finally:
        sys.setrecursionlimit(limit)
    lines = out.getvalue().split('\n')
    assert lines[0] == '--'.join(['n'] * n) + '-+-x'
    assert lines[1] == ' ' * (3 * n - 2 + 1) + '+-y'
    assert lines[2:] == ['']


def _depth():
    f, d = sys._getframe(), 0
    while f is not None:
        f, d = f.f_back, d + 1
    return d


# ---- trees of referrers -------------------------------------------------------

def test_children_are_the_referrers():
    root = Held()
    in_list = [root]
    in_dict = {'key': root}
    holder = Held()
    holder.attr = root
    tree = RefBrowser(root, maxdepth=1).get_tree()
    assert tree.o is root and str(tree) == summary._repr(root)
    kids = _objs(tree)
    assert _has(kids, in_list) and _has(kids, in_dict)
    holder_ref = holder if sys.version_info >= (3, 11) else holder.__dict__
    assert _has(kids, holder_ref)
    for k in kids:
        assert type(k) is not _Node
        if isinstance(k, types.FrameType):
            assert k.f_code.co_filename != refbrowser.__file__
    assert all(c.children == [] for c in tree.children)


def test_browser_bookkeeping_is_never_shown():
    root = Held()
    keep = [root]
    b = ConsoleBrowser(root, maxdepth=2, stream=io.StringIO())
    b.__dict__['extra'] = 1           # a materialised __dict__ of the browser
    b.print_tree()
    tree = b.get_tree()
    stack = [tree]
    while stack:
        node = stack.pop()
        for c in node.children:
            if isinstance(c, _Node):
                assert c.o is not b and c.o is not b.__dict__ and c.o is not b.ignore
                assert c.o is not b.already_included
                assert type(c.o) is not _Node
                stack.append(c)
    assert _has(_objs(tree), keep)
    assert len(b.ignore) == 1     # get_tree does not grow it


def test_maxdepth():
    root = Held()
    inner = [root]
    outer = [inner]
    assert RefBrowser(root, maxdepth=0).get_tree().children == []
    tree = RefBrowser(root, maxdepth=2).get_tree()
    level1 = [c for c in tree.children if c.o is inner]
    assert len(level1) == 1
    assert _has(_objs(level1[0]), outer)
    level2 = [c for c in level1[0].children if c.o is outer][0]
    assert level2.children == []
    with pytest.raises(TypeError, match='maxdepth'):
        RefBrowser(root, maxdepth='3').get_tree()


def test_ignore_is_by_identity():
    root = Held()
    holder = [root]
    other = [root]
    b = RefBrowser(root, maxdepth=1)
    b.ignore.append([root])          # equal to both, identical to neither
    b.ignore.append(holder)
    kids = _objs(b.get_tree())
    assert not _has(kids, holder) and _has(kids, other)


def test_repeat_false_marks_objects_already_in_the_tree():
    root = Held()
    a = [root]
    b = [a]
    a.append(b)                      # a <-> b, and a holds root
    br = RefBrowser(root, maxdepth=4, repeat=False, str_func=lambda o: type(o).__name__)
    tree = br.get_tree()
    na = [c for c in tree.children if c.o is a][0]
    nb = [c for c in na.children if isinstance(c, _Node) and c.o is b][0]
    assert 'list (already included, id %d)' % id(a) in nb.children
    assert not any(isinstance(c, _Node) and c.o is a for c in nb.children)
    assert id(a) in br.already_included and id(root) in br.already_included
    # with repeat the cycle is unrolled down to maxdepth
    tree = RefBrowser(root, maxdepth=4, str_func=lambda o: type(o).__name__).get_tree()
    na = [c for c in tree.children if c.o is a][0]
    nb = [c for c in na.children if c.o is b][0]
    na2 = [c for c in nb.children if c.o is a][0]
    assert any(c.o is b for c in na2.children)


def test_one_engine_call_per_level(monkeypatch):
    calls = []
    real = refbrowser._referrers

    def counting(objs, ignore):
        calls.append(len(objs))
        return real(objs, ignore)
    monkeypatch.setattr(refbrowser, '_referrers', counting)
    root = Held()
    holders = [[root] for _ in range(20)]
    tree = RefBrowser(root, maxdepth=3).get_tree()
    assert len(calls) <= 3
    assert calls[0] == 1 and calls[1] == len(tree.children) >= 20
    assert len(holders) == 20


def test_referrer_chain_without_recursion():
    root = Held()
    top = root
    for _ in range(60):
        top = [top]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_depth() + 40)
    try:
        tree = RefBrowser(root, maxdepth=62, str_func=lambda o: type(o).__name__).get_tree()
        text = io.StringIO()
        StreamBrowser(None, maxdepth=62, stream=text).print_tree(tree)
    finally:
        sys.setrecursionlimit(limit)
    node, depth = tree, 0
    while True:
        lists = [c for c in node.children if isinstance(c.o, list) and len(c.o) == 1]
        if not lists:
            break
        node, depth = lists[0], depth + 1
    assert depth == 60 and node.o is top


class Hostile(object):
    armed = False      # __eq__ and __hash__ raise once armed (after dict insertion)

    def __repr__(self):
        raise RuntimeError('repr')

    def __eq__(self, other):
        if Hostile.armed:
            raise RuntimeError('eq')
        return self is other

    def __hash__(self):
        if Hostile.armed:
            raise RuntimeError('hash')
        return id(self) >> 4

    @property
    def __class__(self):
        return int


class RaisingClass(object):
    @property
    def __class__(self):
        raise RuntimeError('class')


def test_hostile_objects_in_trees():
    root = Hostile()
    h1 = Hostile()
    h1.ref = root
    h2 = RaisingClass()
    h2.ref = root
    in_list = [root, Hostile(), RaisingClass()]
    d = {Hostile(): root}
    Hostile.armed = True
    try:
        for repeat in (True, False):
            b = StreamBrowser(root, maxdepth=2, repeat=repeat, stream=io.StringIO())
            b.ignore.append(Hostile())
            b.print_tree()
            tree = b.get_tree()
            kids = _objs(tree)
            assert _has(kids, in_list) and _has(kids, d)
            assert 'Hostile' in b.stream.getvalue()
    finally:
        Hostile.armed = False
    assert len(d) == 1 and h1.ref is root and h2.ref is root


def test_file_browser(tmp_path):
    root = Held()
    keep = [root]
    path = tmp_path / 'tree.txt'
    mine = io.StringIO()
    fb = FileBrowser(root, maxdepth=1, stream=mine, str_func=lambda o: type(o).__name__)
    fb.print_tree(str(path))
    text = path.read_text(encoding='utf-8')
    assert text.startswith('Held-') and '-list' in text
    assert fb.stream is mine and mine.getvalue() == ''
    tree = _tree(['r', ['x']])
    fb.print_tree(str(path), tree=tree)
    assert path.read_text(encoding='utf-8') == 'r--x\n'

    def boom(o):
        raise ValueError('label')
    bad = FileBrowser(root, maxdepth=1, stream=mine, str_func=boom)
    with pytest.raises(ValueError):
        bad.print_tree(str(path))
    assert bad.stream is mine
    assert len(keep) == 1


def test_console_browser_takes_stdout_at_construction(capsys):
    cb = ConsoleBrowser(None)
    assert cb.stream is sys.stdout
    cb.print_tree(_tree(['r', ['x', 'y']]))
    assert capsys.readouterr().out == 'r-+-x\n  +-y\n'


def test_stream_browser_without_stream_prints_to_stdout_at_call_time(capsys):
    sb = StreamBrowser(None)
    assert sb.stream is None
    sb.print_tree(_tree(['r', ['x']]))
    assert capsys.readouterr().out == 'r--x\n'


def test_default_labels():
    root = Held()
    node = RefBrowser(root).get_tree()
    assert str(node) == summary._repr(root)
    assert refbrowser.gui_default_str_function(root) == summary._repr(root) + '(id=%s)' % id(root)


# ---- the Tk browser --------------------------------------------------------------

def test_interactive_browser_without_tkinter(monkeypatch):
    monkeypatch.setattr(refbrowser, 'tkinter', None)
    with pytest.raises(ImportError, match='InteractiveBrowser requires Tkinter to be installed.'):
        InteractiveBrowser(Held())


def test_import_does_not_need_tkinter():
    script = ("import sys; sys.modules['tkinter'] = None\n"
              "from pympler import refbrowser\n"
              "try:\n    refbrowser.InteractiveBrowser(1)\n"
              "except ImportError as e:\n    print('refused:', e)\n")
    done = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)), timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == 'refused: InteractiveBrowser requires Tkinter to be installed.\n'


def test_interactive_browser_opens_and_closes(display, capsys):
    root = Held()
    holders = [[root], {'k': root}]
    ib = InteractiveBrowser(root, maxdepth=1)
    window = ib.main()
    try:
        assert ib.window is window
        window.update()
        view = ib._view
        (top,) = view.get_children('')
        assert view.item(top, 'text') == refbrowser.gui_default_str_function(root)
        kids = view.get_children(top)
        texts = [view.item(k, 'text') for k in kids]
        assert refbrowser.gui_default_str_function(holders[0]) in texts
        item = kids[texts.index(refbrowser.gui_default_str_function(holders[0]))]
        ib.expand(item)                # referrers of the list: computed on demand
        window.update()
        assert any(ib._items[k].o is holders for k in view.get_children(item))
        ib.reload_referrers(item)
        window.update()
        assert any(ib._items[k].o is holders for k in view.get_children(item))
        ib.print_object(item)
        assert capsys.readouterr().out.startswith('[<')
        view.event_generate('<Button-3>', x=5, y=5)
        window.update()
    finally:
        window.destroy()
    gc.collect()
