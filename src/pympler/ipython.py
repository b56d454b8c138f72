"""IPython and Jupyter magics: ``%load_ext pympler``, then

* ``%asizeof expr`` -- the deep size of the value of *expr*; ``%asizeof -d N
  expr`` adds the ``asized`` tree of its referents to depth N;
* ``%%heapdiff`` -- run the cell and show the growth per type that it caused
  (the C engine's summary diff, as ``tracker.SummaryTracker`` computes it);
* ``%heappath expr`` -- the shortest reference path from a root (a module, a
  thread's frame, an object nothing refers to) to the value of *expr*.

Each magic returns a result object that Jupyter shows as an HTML table (every
string escaped) and a terminal as text; assign it (``r = %asizeof x``) to keep
the numbers: ``r.size``, ``r.rows``, ``r.path``.

This module imports IPython only when the extension is loaded.
Documentation: docs/usage.md in pympler's source repository.
"""
import html

from pympler import asizeof, muppy, summary, tracker
from pympler.util.stringutils import pp

__all__ = ["load_ipython_extension", "SizeResult", "HeapDiffResult", "PathResult"]


def _h(value):
    return html.escape(str(value), quote=True)


class SizeResult(object):
    """What ``%asizeof`` found: ``expr``, ``size`` (bytes) and ``tree`` (an
    ``Asized`` or None)."""

    def __init__(self, expr, size, tree=None, depth=0):
        self.expr, self.size, self.tree, self.depth = expr, size, tree, depth

    def _rows(self):
        """(level, name, size, flat) of the tree, depth first, largest first."""
        rows = []
        if self.tree is None:
            return rows
        stack = [(0, self.tree)]
        while stack:
            level, node = stack.pop()
            rows.append((level, node.name, node.size, node.flat))
            # largest first, in their order among equals: pushed reversed
            children = sorted(node.refs, key=lambda r: -r.size)
            stack.extend((level + 1, child) for child in reversed(children))
        return rows

    def __repr__(self):
        lines = ["%s: %s (%d bytes)" % (self.expr, pp(self.size).strip(), self.size)]
        for level, name, size, flat in self._rows()[1:]:
            lines.append("%s%s  size=%d flat=%d" % ("  " * level, name, size, flat))
        return "\n".join(lines)

    def _repr_html_(self):
        out = ['<div class="pympler-asizeof"><b>%s</b>: %s (%d bytes)' % (
            _h(self.expr), _h(pp(self.size).strip()), self.size)]
        rows = self._rows()[1:]
        if rows:
            out.append("<table><thead><tr><th>referent</th><th>size</th><th>flat</th>"
                       "</tr></thead><tbody>")
            for level, name, size, flat in rows:
                out.append('<tr><td style="padding-left:%dem">%s</td><td>%d</td><td>%d</td></tr>'
                           % (level, _h(name), size, flat))
            out.append("</tbody></table>")
        out.append("</div>")
        return "".join(out)


class HeapDiffResult(object):
    """What ``%%heapdiff`` found: ``rows``, summary rows ``[type, count
    change, size change]`` of the types that changed, largest growth first."""

    def __init__(self, rows):
        self.rows = sorted(rows, key=lambda r: (-r[2], -r[1], r[0]))

    def __repr__(self):
        if not self.rows:
            return "heapdiff: no type changed"
        return "\n".join(summary.format_(self.rows, limit=len(self.rows)))

    def _repr_html_(self):
        if not self.rows:
            return "<p>heapdiff: no type changed</p>"
        out = ['<table class="pympler-heapdiff"><thead><tr><th>type</th><th># objects</th>'
               "<th>total size</th></tr></thead><tbody>"]
        for name, count, size in self.rows:
            out.append("<tr><td>%s</td><td>%+d</td><td>%s</td></tr>" % (
                _h(name), count, _h(pp(size).strip())))
        out.append("</tbody></table>")
        return "".join(out)


class PathResult(object):
    """What ``%heappath`` found: ``expr`` and ``path`` (a ``muppy.RefPath``,
    or None when no root reaches the object)."""

    def __init__(self, expr, path):
        self.expr, self.path = expr, path

    def __repr__(self):
        if self.path is None:
            return "%s: no reference path from a root" % (self.expr,)
        return str(self.path)

    def _repr_html_(self):
        if self.path is None:
            return "<p>%s: no reference path from a root</p>" % _h(self.expr)
        text = str(self.path).splitlines()
        items = "".join("<li><code>%s</code></li>" % _h(line.strip()) for line in text)
        return '<ol class="pympler-heappath">%s</ol>' % items


def _make_magics():
    from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
    from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

    @magics_class
    class PymplerMagics(Magics):
        """%asizeof, %%heapdiff and %heappath."""

        @magic_arguments()
        @argument("-d", "--detail", type=int, default=0,
                  help="depth of the asized tree of referents to show")
        @argument("expr", nargs="+", help="the expression whose value is sized")
        @line_magic
        def asizeof(self, line):
            """Deep size of the value of an expression: %asizeof [-d N] expr"""
            args = parse_argstring(self.asizeof, line)
            expr = " ".join(args.expr)
            if args.detail < 0:
                raise ValueError("%asizeof: -d must be >= 0")
            value = self.shell.ev(expr)
            if args.detail:
                tree = asizeof.asized(value, detail=args.detail)
                return SizeResult(expr, tree.size, tree, args.detail)
            return SizeResult(expr, asizeof.asizeof(value))

        @cell_magic
        def heapdiff(self, line, cell):
            """Growth per type caused by running the cell: %%heapdiff"""
            tr = tracker.SummaryTracker()
            result = self.shell.run_cell(cell)
            rows = tr.diff()
            del tr
            if result is not None and getattr(result, "error_in_exec", None) is not None:
                return None     # the cell's traceback is shown already
            return HeapDiffResult(rows)

        @line_magic
        def heappath(self, line):
            """Reference path from a root to the value of an expression:
            %heappath expr"""
            expr = line.strip()
            if not expr:
                raise ValueError("%heappath: give an expression")
            value = self.shell.ev(expr)
            path = muppy.find_path(value)
            del value
            return PathResult(expr, path)

    return PymplerMagics


def load_ipython_extension(ipython):
    """Register the magics (``%load_ext pympler``)."""
    ipython.register_magics(_make_magics())
