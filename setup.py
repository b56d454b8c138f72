"""Build the C engine ``pympler._core``.

Everything else lives in pyproject.toml.  Build modes (environment variable
``PYMPLER_BUILD``):

* ``release`` (default): ``-O2``.
* ``debug``: ``-O0 -g -UNDEBUG``, enables the engine's consistency checks.
* ``asan``: ``debug`` plus ``-fsanitize=address,undefined``.
* ``werror``: release flags plus ``-Wall -Wextra -Werror``.
"""
import os
import sysconfig
from glob import glob


def check_supported_build(get_config_var=sysconfig.get_config_var):
    """Stop before compiling on an interpreter the engine does not support."""
    if get_config_var("Py_GIL_DISABLED"):
        raise SystemExit(
            "pympler does not support free-threaded CPython builds (Py_GIL_DISABLED, "
            "e.g. python3.13t) yet: their object and GC layouts differ and other threads "
            "may change containers during a walk.  Use a regular (GIL) build; the plan "
            "is in docs/internals.md, \"Free-threaded builds\".")


check_supported_build()

import setuptools  # noqa: E402  (after the check, which needs no setuptools)
from setuptools import Extension, setup  # noqa: E402

if int(setuptools.__version__.split(".")[0]) < 77:
    raise SystemExit(
        "pympler's pyproject.toml needs setuptools>=77 (PEP 639 license metadata), "
        "found %s: python -m pip install -U 'setuptools>=77'" % setuptools.__version__)

mode = os.environ.get("PYMPLER_BUILD", "release")
cflags = ["-std=c99", "-Wall", "-Wextra", "-Wno-unused-parameter",
          "-Wno-missing-field-initializers", "-Wno-cast-function-type"]
ldflags = []
macros = []
# Symbols stay private to the extension (no PLT hops between its files);
# PyInit__core is exported by PyMODINIT_FUNC.  Release builds also link
# with LTO so the per-object helpers of different files inline.
cflags += ["-fvisibility=hidden"]
if mode == "release":
    cflags += ["-O2", "-flto"]
    ldflags += ["-flto", "-O2"]
elif mode == "werror":
    cflags += ["-O2", "-Werror"]
elif mode in ("debug", "asan"):
    cflags += ["-O0", "-g", "-UNDEBUG"]
    macros += [("PYM_DEBUG", "1")]
    if mode == "asan":
        san = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer",
               "-fno-sanitize-recover=undefined"]
        cflags += san
        ldflags += san
else:
    raise SystemExit("PYMPLER_BUILD must be release, debug, asan or werror, not %r" % mode)

setup(
    ext_modules=[
        Extension(
            "pympler._core",
            sources=sorted(glob("src/core/*.c")),
            depends=sorted(glob("src/core/*.h")),
            include_dirs=["src/core"],
            define_macros=macros,
            extra_compile_args=cflags,
            extra_link_args=ldflags,
        )
    ],
)
