"""String helpers: human-readable sizes and timestamps, truncation, safe repr.

These match Pympler 1.1's ``pympler.util.stringutils`` output exactly.
Documentation: docs/usage.md in pympler's source repository.
"""
from typing import Any, Optional, Union

__all__ = ["pp", "pp_timestamp", "safe_repr", "trunc"]

_UNITS = ("B", "KB", "MB", "GB", "TB", "EB")


def safe_repr(obj: Any, clip: Optional[int] = None) -> str:
    """``repr(obj)`` that never raises.

    If *clip* is truthy and the repr is longer than *clip*, keep its first
    ``clip - 4`` characters, then ``..``, then its last 2 characters.  Any
    exception raised while building the repr gives ``'N/A'``.

    A clipped repr of a list, tuple, dict, set or frozenset (exact types)
    is read piece by piece from both ends, as far as the clip shows, not
    built whole; the text is the same, except that a nesting too deep for
    ``repr()`` gives its clipped repr where 1.1 gave ``'N/A'``.

    >>> safe_repr(42)
    '42'
    >>> safe_repr('Clipped text', clip=8)
    "'Cli..t'"
    """
    try:
        if clip and clip >= 4 and type(obj) in _OPEN:
            try:
                return _clipped_container_repr(obj, clip)
            except Exception:   # too deep, changed while read: the plain way
                pass
        text = repr(obj)
        if clip and len(text) > clip:
            text = text[:clip - 4] + ".." + text[-2:]
        return text
    except Exception:
        return "N/A"


# The clipped repr of a builtin container, without the whole repr: the text
# before the clip and the last 2 characters come from as many elements as
# they need.  A garbage cycle holding a dict of a million entries has a repr
# of tens of MB, and the garbage pages ask for the clipped repr of every
# object.  Exact types only (a subclass may define __repr__); the text is
# the builtin repr's, "[...]" for a container inside itself included.

_OPEN = {list: "[", tuple: "(", dict: "{", set: "{", frozenset: "frozenset({"}
_CLOSE = {list: "]", tuple: ")", dict: "}", set: "}", frozenset: "})"}
_SELF = {list: "[...]", tuple: "(...)", dict: "{...}", set: "set(...)",
         frozenset: "frozenset(...)"}
_MAX_NESTING = 40           # deeper: the builtin repr (and its RecursionError)


class _TooDeep(Exception):
    pass


def _repr_pieces(obj, inside, backward):
    """The pieces of ``repr(obj)`` in order, or last piece first (each
    piece's text reads forward).  *inside*: ids of the containers open."""
    t = type(obj)
    if t not in _OPEN:
        yield repr(obj)
        return
    if not obj:
        yield repr(obj)
        return
    if id(obj) in inside:
        yield _SELF[t]
        return
    if len(inside) >= _MAX_NESTING:
        raise _TooDeep()
    inside.add(id(obj))
    try:
        if t is dict:
            parts = reversed(obj.items()) if backward else iter(obj.items())
        else:
            elems = list(obj) if t in (set, frozenset) else obj
            order = range(len(elems) - 1, -1, -1) if backward else range(len(elems))
            parts = (elems[i] for i in order)
        yield _CLOSE[t] if backward else _OPEN[t]
        if backward and t is tuple and len(obj) == 1:
            yield ","
        for i, part in enumerate(parts):
            if i:
                yield ", "
            if t is dict:
                first, second = (part[1], part[0]) if backward else part
                yield from _repr_pieces(first, inside, backward)
                yield ": "
                yield from _repr_pieces(second, inside, backward)
            else:
                yield from _repr_pieces(part, inside, backward)
        if not backward and t is tuple and len(obj) == 1:
            yield ","
        yield _OPEN[t] if backward else _CLOSE[t]
    finally:
        inside.discard(id(obj))


def _read_pieces(obj, backward, enough):
    """The pieces of ``repr(obj)`` (last first when *backward*) until their
    length exceeds *enough*, or all of them; and their length."""
    got, n = [], 0
    pieces = _repr_pieces(obj, set(), backward)
    try:
        for piece in pieces:
            got.append(piece)
            n += len(piece)
            if n > enough:
                break
    finally:
        pieces.close()
    return got, n


def _clipped_container_repr(obj, clip):
    head, n = _read_pieces(obj, False, clip)
    if n <= clip:
        return "".join(head)            # the whole repr fits
    tail, _ = _read_pieces(obj, True, 1)
    return "".join(head)[:clip - 4] + ".." + "".join(reversed(tail))[-2:]


def trunc(obj: Any, max: int, left: bool = False) -> str:  # noqa: A002 - public name
    """``str(obj)`` with newlines replaced by ``|``, cut to *max* characters.

    A string longer than *max* ends in ``...`` (or, with *left*, starts with
    ``...`` and keeps its end).  Exceptions raised by ``str()`` propagate.

    >>> trunc('This is a long text.', 8)
    'This ...'
    >>> trunc('This is a long text.', 8, left=True)
    '...text.'
    """
    text = str(obj).replace("\n", "|")
    if len(text) <= max:
        return text
    if left:
        return "..." + text[len(text) - max + 3:]
    return text[:max - 3] + "..."


def pp(i: Union[int, float], base: int = 1024) -> str:
    """Human-readable size of *i* bytes, e.g. ``'   1.00 KB'``.

    The value is divided by *base* while it is greater than *base*; unscaled
    values print as ``'%4d     B'``, scaled ones as ``'%7.2f <unit>'``.  A value
    needing a unit beyond ``EB`` raises ``IndexError``.
    """
    steps = 0
    value = i
    while value > base:
        value = value / float(base)
        steps += 1
    unit = _UNITS[steps]  # IndexError past the last unit, as documented
    if steps:
        return "%7.2f %s" % (value, unit)
    return "%4d     %s" % (value, unit)


def pp_timestamp(t: Optional[float]) -> str:
    """``'HH:MM:SS.ss'`` for *t* seconds; ``''`` for None."""
    if t is None:
        return ""
    hours = int(t / 3600)
    minutes = int(t / 60 % 60)
    seconds = t % 60
    return "%02d:%02d:%05.2f" % (hours, minutes, seconds)
