"""pympler.util.stringutils and pympler.util.compat (API spec section 16)."""
import subprocess
import sys
import weakref

import pytest

from pympler.util import compat
from pympler.util.stringutils import pp, pp_timestamp, safe_repr, trunc

# 16.1 pp ---------------------------------------------------------------------------

@pytest.mark.parametrize("value, text", [
    (0, "   0     B"),
    (1024, "1024     B"),
    (1025, "   1.00 KB"),
    (1048577, "   1.00 MB"),
    (-5, "  -5     B"),
    (-2048, "-2048     B"),
    (3.5, "   3     B"),
    (1536, "   1.50 KB"),
    (1024 ** 2, "1024.00 KB"),
    (1024 ** 3 + 1, "   1.00 GB"),
    (1024 ** 4 + 1, "   1.00 TB"),
    (1024 ** 5 + 1, "   1.00 EB"),  # the sixth unit label is EB
])
def test_pp(value, text):
    assert pp(value) == text


def test_pp_base():
    assert pp(1001, base=1000) == "   1.00 KB"
    assert pp(1000, base=1000) == "1000     B"


def test_pp_beyond_last_unit():
    assert pp(1024 ** 6) == "1024.00 EB"
    with pytest.raises(IndexError):
        pp(2 * 1024 ** 6)


# 16.2 pp_timestamp -----------------------------------------------------------------

def test_pp_timestamp():
    assert pp_timestamp(None) == ""
    assert pp_timestamp(3661.25) == "01:01:01.25"
    assert pp_timestamp(0) == "00:00:00.00"
    assert pp_timestamp(59.999) == "00:00:60.00"
    assert pp_timestamp(36000) == "10:00:00.00"


# 16.3 trunc ------------------------------------------------------------------------

def test_trunc():
    assert trunc("This is a long text.", 8) == "This ..."
    assert trunc("This is a long text.", 8, left=True) == "...text."
    assert trunc("short", 8) == "short"
    assert trunc("exactly8", 8) == "exactly8"
    assert trunc("a\nb", 8) == "a|b"
    assert trunc(12345, 4) == "1..."


def test_trunc_str_errors_propagate():
    class Bad:
        def __str__(self):
            raise RuntimeError("no str")

    with pytest.raises(RuntimeError):
        trunc(Bad(), 10)


# 16.4 safe_repr --------------------------------------------------------------------

def test_safe_repr():
    assert safe_repr(42) == "42"
    assert safe_repr("Clipped text", clip=8) == "'Cli..t'"
    assert safe_repr([1, 2, 3, 4], clip=8) == "[1, ..4]"
    assert safe_repr("abc", clip=None) == "'abc'"
    assert safe_repr("abc", clip=0) == "'abc'"
    assert safe_repr("abc", clip=5) == "'abc'"


def test_safe_repr_errors():
    class Bad:
        def __repr__(self):
            raise ValueError("no repr")

    assert safe_repr(Bad()) == "N/A"
    assert safe_repr(Bad(), clip=3) == "N/A"


# 16.5 compat -----------------------------------------------------------------------

def test_object_in_list_uses_identity():
    a, b = [1], [1]
    assert compat.object_in_list(a, [b, a])
    assert not compat.object_in_list(a, [b])
    assert not compat.object_in_list(a, [])
    assert compat.object_in_list(a, iter([a]))


def test_object_in_list_weakset():
    class K:
        pass

    k, other = K(), K()
    ws = weakref.WeakSet([k])
    assert compat.object_in_list(k, ws)
    assert not compat.object_in_list(other, ws)


def test_tkinter_attribute():
    assert compat.tkinter is None or compat.tkinter.__name__ == "tkinter"


def test_compat_imports_without_tkinter():
    code = (
        "import sys\n"
        "sys.modules['tkinter'] = None\n"  # makes `import tkinter` fail
        "from pympler.util import compat\n"
        "assert compat.tkinter is None\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
