"""Compatibility helpers.

``tkinter`` is the :mod:`tkinter` module, or None when it is not available
(importing this module never fails because of it).
Documentation: docs/usage.md in pympler's source repository.
"""
from typing import Any, Iterable

try:
    import tkinter
except ImportError:  # Python built without Tk support
    tkinter = None  # type: ignore[assignment]

__all__ = ["object_in_list", "tkinter"]


def object_in_list(obj: Any, iterable: Iterable[Any]) -> bool:
    """True if *obj* itself (by identity, never by equality) is in *iterable*.

    Works for any iterable, including ``weakref.WeakSet``.
    """
    for item in iterable:
        if item is obj:
            return True
    return False
