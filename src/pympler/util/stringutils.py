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

    >>> safe_repr(42)
    '42'
    >>> safe_repr('Clipped text', clip=8)
    "'Cli..t'"
    """
    try:
        text = repr(obj)
        if clip and len(text) > clip:
            text = text[:clip - 4] + ".." + text[-2:]
        return text
    except Exception:
        return "N/A"


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
