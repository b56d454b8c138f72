"""pympler: measure, monitor and analyse the memory behaviour of Python objects.

A drop-in for Pympler 1.1's public API whose engine is the C extension
``pympler._core``.  ``%load_ext pympler`` in IPython or Jupyter adds the
magics of `pympler.ipython`; pytest finds the no_leaks check of
`pympler.pytest_plugin` through its entry point.
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


def load_ipython_extension(ipython):
    """``%load_ext pympler``: the magics %asizeof, %%heapdiff and %heappath
    (see pympler.ipython)."""
    from pympler.ipython import load_ipython_extension as load

    load(ipython)
