"""pympler: measure, monitor and analyse the memory behaviour of Python objects.

A drop-in for Pympler 1.1's public API whose engine is the C extension
``pympler._core``; modules today: asizeof, muppy, summary, tracker, util.
There is no pure-Python fallback: if the extension is missing, importing
this package fails and says how to build it.
Documentation: docs/usage.md in pympler's source repository.
"""
from pympler._version import __version__

try:
    from pympler import _core  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only on broken installs
    raise ImportError(
        "pympler's C engine (pympler._core) could not be imported: %s. "
        "Build and install it with `pip install .` from a source checkout "
        "(a C compiler and the Python headers are needed); an in-place build "
        "is `python setup.py build_ext --inplace`." % (exc,)
    ) from exc

__all__ = ["__version__"]
