"""Trees of the objects that refer to an object (its referrers).

A browser is given a root object; `RefBrowser.get_tree` returns a tree whose
children of a node are the referrers of the node's object, ``maxdepth``
levels deep.  `ConsoleBrowser` and `FileBrowser` print the tree as text (the
layout of Pympler 1.1), `InteractiveBrowser` shows it in a Tk window::

    from pympler import refbrowser
    refbrowser.ConsoleBrowser(obj, maxdepth=2).print_tree()

The referrers of all the nodes of one tree level are found in one pass over
the heap by the C engine (`pympler.muppy.referrers_of`), not by one
``gc.get_referrers`` scan per node as in Pympler 1.1.  The tree is built
breadth first and printed with explicit stacks: a deep tree never meets
the recursion limit.

Differences from Pympler 1.1:

* With ``repeat=False`` the tree is expanded level by level, so of several
  occurrences of an object the shallowest (then the leftmost) is expanded and
  the others become "already included" leaves; Pympler 1.1 expanded the first
  one met depth first.
* The browser's own bookkeeping is never shown: its nodes, the browser object
  (and its ``__dict__``), its ``ignore`` list and its frames.  Membership in
  ``ignore`` is by identity (Pympler 1.1 compared with ``==``).
* `get_tree` does not grow ``ignore`` (Pympler 1.1 appended its frames to it
  at every call, keeping them alive), and each call starts with an empty
  ``already_included`` (with ``repeat=False``, Pympler 1.1's second tree
  showed every object as already included).
* A `StreamBrowser` without a stream prints to ``sys.stdout`` as it is at
  the call (Pympler 1.1 failed with AttributeError).
* `InteractiveBrowser` is a ``ttk.Treeview`` (no idlelib needed); `main`
  returns the window and keeps it in ``window``.

Documentation: docs/usage.md in pympler's source repository.
"""
import sys

from pympler import muppy, summary
from pympler.util.compat import tkinter

__all__ = ['RefBrowser', 'StreamBrowser', 'ConsoleBrowser', 'FileBrowser',
           'InteractiveBrowser', 'gui_default_str_function']


class _Node(object):
    """A tree node: the object ``o``, its ``children`` (nodes, or leaf values
    such as strings) and an optional label function ``str_func``.

    Slots keep the node from having a ``__dict__`` that would refer to ``o``
    (a node is recognised by its type and never shown as a referrer)."""

    __slots__ = ('o', 'children', 'str_func')

    def __init__(self, o, str_func=None):
        self.o = o
        self.children = []
        self.str_func = str_func

    def __str__(self):
        if self.str_func is not None:
            return self.str_func(self.o)
        return str(self.o)


def _referrers(objs, ignore):
    """One list of referrers per object of ``objs``, in input order, found in
    one pass over the heap; nothing of ``ignore`` (by identity) and not the
    caller's frame.  The only place that asks the engine."""
    return muppy.referrers_of(objs, ignore=ignore)


def _is_node(o):
    return issubclass(type(o), _Node)


class RefBrowser(object):
    """Base class of the browsers: builds the tree of referrers.

    rootobject -- the object whose referrers are shown
    maxdepth -- number of referrer levels of `get_tree` (0: the root alone)
    str_func -- label function of the nodes (default: the summary label)
    repeat -- False: an object already in the tree is not expanded again,
              a leaf ``"<label> (already included, id <id>)"`` stands for it
    stream -- output stream of the printing subclasses
    """

    def __init__(self, rootobject, maxdepth=3, str_func=summary._repr,
                 repeat=True, stream=None):
        self.root = rootobject
        self.maxdepth = maxdepth
        self.str_func = str_func
        self.repeat = repeat
        self.stream = stream
        # objects never shown (by identity)
        self.ignore = []
        # ids of the objects already in the tree
        self.already_included = set()
        self.ignore.append(self.already_included)

    def get_tree(self):
        """The tree of referrers of the root object (a node).  Each call
        starts a new tree: ``already_included`` is emptied first."""
        self.already_included.clear()
        return self._get_tree(self.root, self.maxdepth)

    def _get_tree(self, root, maxdepth):
        """A node for ``root`` with ``maxdepth`` levels of referrers, built
        breadth first: one engine call per level, for all its nodes."""
        if not isinstance(maxdepth, int):
            raise TypeError('maxdepth must be an int, not %s' % type(maxdepth).__name__)
        top = _Node(root, self.str_func)
        self.already_included.add(id(root))
        level = [top]
        depth = maxdepth
        while depth > 0 and level:
            level = self._expand(level)
            depth -= 1
        return top

    def _own(self):
        """The browser's own objects that refer to tree objects."""
        own = [self, self.ignore]
        d = getattr(self, '__dict__', None)  # our own object: no user code
        if d is not None:
            own.append(d)
        return own

    def _expand(self, level):
        """Give every node of ``level`` its referrers as children; return
        the nodes of the next level."""
        objs = [node.o for node in level]
        ignore = self._own()
        ignore.extend(self.ignore)
        ignore.append(objs)
        ignore.append(sys._getframe())
        ignore.append(sys._getframe(1))
        lists = _referrers(objs, tuple(ignore))
        del ignore, objs
        nxt = []
        seen = self.already_included
        label = self.str_func
        for node, refs in zip(level, lists):
            children = node.children
            for r in refs:
                if _is_node(r) or r is children or r is level or r is nxt or r is lists:
                    continue
                rid = id(r)
                if not self.repeat and rid in seen:
                    children.append('%s (already included, id %s)' % (label(r), rid))
                    continue
                child = _Node(r, label)
                seen.add(rid)
                children.append(child)
                nxt.append(child)
        return nxt


_SEP = object()   # print-stack marker: the separator line after a node's last child


def _piece(parent, text, marks):
    """A persistent string: ``parent`` (or None) followed by ``text``; keeps
    the count of ``marks`` in the whole string, whether it holds anything
    but spaces, and its length."""
    count = solid = 0
    if parent is not None:
        count, solid = parent[2], parent[3]
    for m in marks:
        count += text.count(m)
    return (parent, text, count, solid or bool(text.strip(' ')))


def _drop(p, n, marks):
    """``p`` without its last ``n`` characters."""
    while n and p is not None:
        text = p[1]
        if len(text) <= n:
            n -= len(text)
            p = p[0]
        else:
            return _piece(p[0], text[:-n], marks)
    return p


def _text(p):
    parts = []
    while p is not None:
        parts.append(p[1])
        p = p[0]
    parts.reverse()
    return ''.join(parts)


class StreamBrowser(RefBrowser):
    """A browser that prints the tree to ``stream`` as text.  The class
    attributes ``hline``, ``vline``, ``cross`` and ``space`` draw it."""

    hline = '-'
    vline = '|'
    cross = '+'
    space = ' '

    def print_tree(self, tree=None):
        """Print ``tree`` (default: `get_tree`) to ``stream`` (when None:
        ``sys.stdout`` at call time)."""
        if tree is None:
            tree = self.get_tree()
        self._print(tree, '', '')

    def _print(self, tree, prefix, carryon):
        """Write the lines of ``tree``; ``prefix`` starts its first line and
        ``carryon`` the column prefix of the lines below.  Iterative; the
        line prefixes are shared pieces, so that a deep tree costs the size
        of its output, not its square."""
        hline, vline, cross, space = self.hline, self.vline, self.cross, self.space
        marks = (cross, vline)
        write = (self.stream if self.stream is not None else sys.stdout).write
        maxdepth = self.maxdepth
        stack = [(tree, _piece(None, prefix, marks), _piece(None, carryon, marks))]
        while stack:
            item = stack.pop()
            if item[0] is _SEP:
                carry = item[1]
                if carry is not None and carry[3]:
                    write(_text(_drop(carry, 2, marks)).rstrip() + '\n')
                continue
            node, prefix, carryon = item
            level = prefix[2] if prefix is not None else 0
            is_node = isinstance(node, _Node)
            n = len(node.children) if is_node else 0
            label = str(node)
            prefix = _piece(prefix, label, marks)
            carryon = _piece(carryon, space * len(label), marks)
            if level == maxdepth or n == 0:
                write(_text(prefix) + '\n')
                continue
            prefix = _piece(prefix, hline + (cross if n > 1 else '') + hline, marks)
            carryon = _piece(carryon, space + (vline if n > 1 else '') + space, marks)
            children = node.children
            todo = [(children[0], prefix, carryon)]
            if n > 1:
                base = _drop(carryon, 2, marks)
                first = _piece(base, cross + hline, marks)
                for b in range(1, n - 1):
                    todo.append((children[b], first, carryon))
                last = _piece(base, space * 2, marks)
                todo.append((children[n - 1], first, last))
                todo.append((_SEP, last))
            todo.reverse()
            stack.extend(todo)


class ConsoleBrowser(StreamBrowser):
    """A `StreamBrowser` printing to ``sys.stdout`` (as it is at
    construction) unless a stream is given."""

    def __init__(self, *args, **kwargs):
        super(ConsoleBrowser, self).__init__(*args, **kwargs)
        if not self.stream:
            self.stream = sys.stdout


class FileBrowser(StreamBrowser):
    """A `StreamBrowser` printing to a new text file."""

    def print_tree(self, filename, tree=None):  # type: ignore[override]
        """Write ``tree`` (default: `get_tree`) to the new text file
        ``filename``; ``stream`` is restored afterwards."""
        old_stream = self.stream
        with open(filename, 'w', encoding='utf-8', errors='backslashreplace') as f:
            self.stream = f
            try:
                super(FileBrowser, self).print_tree(tree=tree)
            finally:
                self.stream = old_stream


# ---- the Tk browser --------------------------------------------------------

def gui_default_str_function(o):
    """Label of the interactive browser: the summary label and the id."""
    return summary._repr(o) + '(id=%s)' % id(o)


def _expandable(node):
    """A node can show more: it has children, or its object is a container
    (its type has the gc flag) whose referrers were not computed yet."""
    if not isinstance(node, _Node):
        return False
    if node.children:
        return True
    return bool(type(node.o).__flags__ & (1 << 14))   # Py_TPFLAGS_HAVE_GC


class InteractiveBrowser(RefBrowser):
    """A Tk window showing the tree; the referrers of a node are computed
    when it is opened.  Right click on a node: reload its referrers, print
    its object, expand it."""

    _PENDING = '\u2026'   # text of the placeholder child of an unopened node

    def __init__(self, rootobject, maxdepth=3,
                 str_func=gui_default_str_function, repeat=True):
        if tkinter is None:
            raise ImportError("InteractiveBrowser requires Tkinter to be installed.")
        RefBrowser.__init__(self, rootobject, maxdepth, str_func, repeat)
        self.window = None
        self._items = {}

    def _own(self):
        own = RefBrowser._own(self)
        own.append(self._items)
        return own

    def _label(self, node):
        try:
            text = str(node)
        except Exception:
            text = '<%s object at %#x>' % (type(getattr(node, 'o', node)).__name__,
                                           id(getattr(node, 'o', node)))
        return text

    def _insert(self, parent, node):
        iid = self._view.insert(parent, 'end', text=self._label(node))
        self._items[iid] = node
        if _expandable(node):   # children are inserted when it is opened
            self._view.insert(iid, 'end', text=self._PENDING)
        return iid

    def _fill(self, iid, reload=False):
        """Replace the placeholder of item ``iid`` by its children
        (computing the referrers when not known yet, or when reloading)."""
        node = self._items.get(iid)
        if not isinstance(node, _Node):
            return
        view = self._view
        kids = view.get_children(iid)
        if not reload and not (len(kids) == 1 and view.item(kids[0], 'text') == self._PENDING
                               and kids[0] not in self._items):
            return
        for k in kids:
            self._forget(k)
        view.delete(*kids)
        if reload or not node.children:
            fresh = self._get_tree(node.o, 1)
            node.children = fresh.children
        for child in node.children:
            self._insert(iid, child)

    def _forget(self, iid):
        stack = [iid]
        while stack:
            i = stack.pop()
            self._items.pop(i, None)
            stack.extend(self._view.get_children(i))

    def _on_open(self, event=None):
        iid = self._view.focus()
        if iid:
            self._fill(iid)

    def reload_referrers(self, iid):
        """Compute the referrers of item ``iid`` again."""
        self._fill(iid, reload=True)
        self._view.item(iid, open=True)

    def print_object(self, iid):
        """Print the object of item ``iid`` to ``sys.stdout``."""
        node = self._items.get(iid)
        if isinstance(node, _Node):
            try:
                text = str(node.o)
            except Exception:
                text = '<%s object at %#x>' % (type(node.o).__name__, id(node.o))
            print(text)

    def expand(self, iid):
        """Open item ``iid`` (computing its referrers if needed)."""
        self._fill(iid)
        self._view.item(iid, open=True)

    def main(self, standalone=False):
        """Open the window (returned, and kept in ``window``); with
        ``standalone=True`` run the Tk main loop until it is closed."""
        from tkinter import ttk
        window = tkinter.Tk()
        window.title('pympler referrers')
        frame = ttk.Frame(window)
        frame.pack(expand=1, fill='both')
        view = ttk.Treeview(frame, show='tree')
        bar = ttk.Scrollbar(frame, orient='vertical', command=view.yview)
        view.configure(yscrollcommand=bar.set)
        bar.pack(side='right', fill='y')
        view.pack(side='left', expand=1, fill='both')
        self._view = view
        self._items = {}
        self.window = window
        menu = tkinter.Menu(view, tearoff=0)
        target = []

        def run(action):
            def command():
                if target:
                    action(target[0])
            return command
        menu.add_command(label='reload referrers', command=run(self.reload_referrers))
        menu.add_command(label='print', command=run(self.print_object))
        menu.add_separator()
        menu.add_command(label='expand', command=run(self.expand))

        def popup(event):
            iid = view.identify_row(event.y)
            if iid:
                target[:] = [iid]
                view.selection_set(iid)
                menu.post(event.x_root, event.y_root)
        view.bind('<Button-3>', popup)
        view.bind('<<TreeviewOpen>>', self._on_open)
        tree = self.get_tree()
        top = self._insert('', tree)
        self._fill(top)
        view.item(top, open=True)
        if standalone:
            window.mainloop()
        return window
