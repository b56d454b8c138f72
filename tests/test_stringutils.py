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


def _old_safe_repr(obj, clip=None):
    # the whole repr, then clipped: what safe_repr returned before it read
    # builtin containers piece by piece, and what Pympler 1.1 returns
    try:
        text = repr(obj)
        if clip and len(text) > clip:
            text = text[:clip - 4] + ".." + text[-2:]
        return text
    except Exception:
        return "N/A"


def _random_value(rng, depth, pool):
    kind = rng.randrange(12 if depth < 5 else 6)
    if kind == 0:
        return rng.randrange(-10 ** rng.randrange(1, 30), 10 ** 6)
    if kind == 1:
        return "".join(rng.choice("ab'\"\\\n é") for _ in range(rng.randrange(0, 12)))
    if kind == 2:
        return rng.choice([None, True, 1.5, -0.0, float("inf"), b"x\x00'", 3j])
    if kind in (3, 4, 5):
        return rng.choice(pool) if pool else 7  # shared, maybe an open container
    n = rng.randrange(0, 6)
    items = [_random_value(rng, depth + 1, pool) for _ in range(n)]
    hashable = [x for x in items if isinstance(x, (int, str, bytes, float, type(None)))]
    if kind in (6, 7):
        value = items
    elif kind == 8:
        value = tuple(items)
    elif kind == 9:
        value = dict(zip(hashable, items))
    elif kind == 10:
        value = set(hashable)
    else:
        value = frozenset(hashable)
    if isinstance(value, (list, dict)):
        pool.append(value)
    return value


def test_safe_repr_of_containers_is_the_clipped_whole_repr():
    import random
    rng = random.Random(1234)
    for case in range(1500):
        pool = []
        value = _random_value(rng, 0, pool)
        if pool and rng.random() < 0.3:          # a container inside itself
            holder = rng.choice(pool)
            if isinstance(holder, list):
                holder.append(value)
            else:
                holder[rng.randrange(100)] = value
        for clip in (None, 4, 5, 6, 9, 17, 40, 128, 10 ** 6):
            assert safe_repr(value, clip) == _old_safe_repr(value, clip), (case, clip)


def test_safe_repr_of_containers_edge_cases():
    class L(list):
        def __repr__(self):
            return "L!" * 100

    class Bad(object):
        def __repr__(self):
            raise ValueError("no")

    selfish = []
    selfish.append(selfish)
    d = {}
    d["me"] = d
    cases = [[], (), {}, set(), frozenset(), (1,), ((1,),), [L([1])], selfish, d, (selfish,),
             {"k": selfish}, [Bad()], {1: Bad()}, ["x" * 500] * 3,
             frozenset([(1, 2), "a"]), [[[[["z" * 200]]]]], {"a": 1, "b": [2, 3]}]
    for value in cases:
        for clip in (None, 3, 4, 8, 30, 128, 100000):
            assert safe_repr(value, clip) == _old_safe_repr(value, clip), (value, clip)


def test_safe_repr_reads_only_what_the_clip_shows():
    calls = []

    class Counted(object):
        def __repr__(self):
            calls.append(1)
            return "<Counted>"

    value = {"rows": [Counted() for _ in range(100000)], "index": dict.fromkeys(range(100000))}
    text = safe_repr(value, clip=128)
    read = len(calls)
    assert text == _old_safe_repr(value, 128)   # the whole repr: 100,000 calls
    assert 1 <= read <= 20 and len(calls) == read + 100000


def test_safe_repr_of_deep_nesting():
    deep = []
    for _ in range(100000):                      # deeper than the builtin repr goes
        deep = [deep]
    assert _old_safe_repr(deep, 8) == "N/A"      # RecursionError
    # the clip needs 4 levels from each end: no recursion limit is reached
    assert safe_repr(deep, 8) == "[[[[..]]"
    # a clip that needs more than 40 levels: the builtin repr, as before
    assert safe_repr(deep, 200) == "N/A" and safe_repr(deep) == "N/A"
    shallow = [1]
    for _ in range(45):                          # past 40 levels, within the builtin's
        shallow = [shallow]
    assert safe_repr(shallow, 60) == _old_safe_repr(shallow, 60)
