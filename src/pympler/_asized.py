"""``Asized``: one node of a size tree returned by ``asizeof.asized``.

Re-exported by :mod:`pympler.asizeof`; documented in docs/usage.md.
"""

__all__ = ["Asized"]

_DESCENDING = ("size", "flat")


class Asized(object):
    """Size information of one object and of its sized referents.

    *size* -- total size of the object (including counted referents)

    *flat* -- flat size of the object (in bytes)

    *name* -- name or clipped ``repr`` of the object, or its referent name

    *refs* -- tuple with an ``Asized`` instance for each referent
    """

    __slots__ = ("flat", "name", "refs", "size")

    def __init__(self, size, flat, refs=(), name=None):
        self.size = size
        self.flat = flat
        self.name = name
        self.refs = tuple(refs)

    def __str__(self):
        return "size %r, flat %r, refs[%d], name %r" % (
            self.size, self.flat, len(self.refs), self.name)

    def format(self, format="%(name)s size=%(size)d flat=%(flat)d",  # noqa: A002
               depth=-1, order_by="size", indent=""):
        """Render this node and its referents as text, one line per node.

        *format* -- per-node format, interpolated with ``name``, ``size`` and
        ``flat``; *depth* -- number of referent levels shown (-1: unlimited);
        *order_by* -- ``'size'`` or ``'flat'`` (descending) or ``'name'``
        (ascending) order of siblings; *indent* -- prefix of the first line,
        each level adds 4 spaces.  Lines are joined by ``'\\n'``.
        """
        reverse = order_by in _DESCENDING
        lines = []
        # Explicit stack instead of recursion: (node, depth, indent).
        stack = [(self, depth, indent)]
        while stack:
            node, level, prefix = stack.pop()
            lines.append(prefix + (format % dict(
                size=node.size, flat=node.flat, name=node.name)))
            if level and node.refs:
                children = sorted(node.refs, key=lambda r: getattr(r, order_by),
                                  reverse=reverse)
                child_indent = prefix + "    "
                for child in reversed(children):
                    stack.append((child, level - 1, child_indent))
        return "\n".join(lines)

    def get(self, name, dflt=None):
        """The first referent whose name equals *name*, else *dflt*."""
        for ref in self.refs:
            if name == ref.name:
                return ref
        return dflt
