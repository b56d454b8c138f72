"""Summaries: per-label tables of object counts and total sizes.

A summary is a list of rows ``[label, count, total_size]`` -- one row per
distinct label, in no particular order.  Summaries are small, so keeping
them does not distort later measurements.  Typical use::

    from pympler import muppy, summary
    rows = summary.summarize(muppy.get_objects())
    summary.print_(rows)

The label of an object comes from the module's label function ``_repr``
(looked up at call time, so a replacement assigned to the module is
honoured).  By default it is ``str(type(obj))`` with addresses removed and
``<class 'X'>`` reduced to ``X``, unless the object's exact type has an entry
in ``representations`` (a dict ``type -> [callable per verbosity]``).

The counting is done by the C engine (``pympler._core``): labels that depend
only on the type are computed once per type, sizes in C.  Labels never raise:
an object whose representation or type repr fails gets the plain type label.
Documentation: docs/usage.md in pympler's source repository.
"""
import re
import sys
import types

from pympler import _core
from pympler.util import stringutils

__all__ = ["representations", "summarize", "get_diff", "format_", "print_"]

# Regular expressions used to clean labels (same names as Pympler 1.1).
type_repr = re.compile(r"^<(type|class) '(\S+)'>$")
address = re.compile(r" at 0x[0-9a-f]+")

representations = {}


def _clean(text):
    """Remove addresses, reduce ``<class 'X'>`` to ``X``."""
    text = address.sub("", text)
    return type_repr.sub(r"\2", text)


def _as_text(value):
    """``value`` as an exact str, or None."""
    if type(value) is str:
        return value
    try:
        if isinstance(value, str):
            return str.__str__(value)
        text = str(value)
        return str.__str__(text) if isinstance(text, str) else None
    except Exception:
        return None


def _type_label(t):
    """Label of objects of type ``t`` without a representation entry."""
    text = None
    try:
        text = _as_text(str(t))
    except Exception:
        pass
    if text is None:
        try:  # the metaclass's __str__/__repr__ failed: type's own repr
            text = type.__repr__(t)
        except Exception:
            text = "<class '%s'>" % (getattr(t, "__name__", "?"),)
    return _clean(text)


def _apply_rep(rep, obj):
    """Label of ``obj`` produced by the representation ``rep``."""
    try:
        text = _as_text(rep(obj))
    except Exception:
        text = None
    if text is None:
        return _type_label(type(obj))
    return _clean(text)


# ---- built-in representations ---------------------------------------------

def _rep_type(o):
    return str(type(o))


def _rep_dict_len(d):
    return "dict, len=%s" % len(d)


def _rep_list_len(lst):
    return "list, len=%s" % len(lst)


def _rep_set_len(s):
    return "set, len=%s" % len(s)


def _rep_function(f):
    return "function (%s)" % f.__name__


def _rep_function_module(f):
    return "function (%s.%s)" % (f.__module__, f.__name__)


def _module_name(m):
    for attr in ("__name__", "__file__"):
        try:
            return getattr(m, attr)
        except Exception:
            pass
    return "nameless, id: %d" % id(m)


def _rep_module(m):
    return "module(%s)" % (_module_name(m),)


def _rep_frame(f):
    return "frame (codename: %s)" % (f.f_code.co_name,)


def _rep_frame_line(f):
    return "frame (codename: %s, codeline: %s)" % (f.f_code.co_name, f.f_code.co_firstlineno)


def _rep_frame_file(f):
    return "frame (codename: %s, filename: %s, codeline: %s)" % (
        f.f_code.co_name, f.f_code.co_filename, f.f_code.co_firstlineno)


def _init_representations():
    representations[types.FrameType] = [_rep_frame, _rep_frame_line, _rep_frame_file]
    representations[dict] = [_rep_type, _rep_dict_len]
    representations[types.FunctionType] = [_rep_function, _rep_function_module]
    representations[list] = [_rep_type, _rep_list_len]
    representations[types.ModuleType] = [_rep_module]
    representations[set] = [_rep_type, _rep_set_len]


_init_representations()


def _pick(reps, verbosity):
    """The callable of ``reps`` for ``verbosity`` (clamped), or None."""
    try:
        index = verbosity - 1
        if len(reps) <= index:
            index = len(reps) - 1
        return reps[index]
    except Exception:
        return None


def _repr(o, verbosity=1):
    """The label of ``o`` (see the module docstring); never raises."""
    t = type(o)
    rep = None
    if verbosity:
        try:
            reps = representations.get(t)
        except Exception:  # unhashable class (hostile metaclass)
            reps = None
        if reps is not None:
            rep = _pick(reps, verbosity)
    if rep is None:
        return _type_label(t)
    return _apply_rep(rep, o)


_default_repr = _repr


def _label_spec():
    """The label spec of the C engine for the current module state:
    ``(clean, applyrep, special, fastfunc, fastmodule, objlabel)``.

    The engine computes type labels as :func:`_type_label` does (calling
    :func:`_clean` for the texts its C code does not clean itself), and
    computes the built-in function and module representations itself."""
    label = globals().get("_repr", _default_repr)
    if label is not _default_repr:
        return (_clean, _apply_rep, None, None, None, label)
    special = {}
    try:
        items = list(representations.items())
    except Exception:
        items = []
    for t, reps in items:
        rep = _pick(reps, 1)
        if rep is None or rep is _rep_type:
            continue  # the label depends on the type only
        special[t] = rep
    return (_clean, _apply_rep, special, _rep_function, _rep_module, None)


def summarize(objects):
    """Summarize an object list: rows ``[label, count, total getsizeof]``.

    Objects whose ``__sizeof__`` fails count with their basic size.
    """
    return _core.heap_summarize(objects, _label_spec())


def get_diff(left, right):
    """Row-wise difference *right minus left* of two summaries.

    Labels in both give ``[label, rc - lc, rs - ls]``; labels only in right
    the right row itself; labels only in left ``[label, -lc, -ls]``.  Zero
    rows are kept.
    """
    return _core.summary_diff(left, right)


_SORTS = ["type", "#", "size"]
_ORDERS = ["ascending", "descending"]


def format_(rows, limit=15, sort="size", order="descending"):
    """Format rows as a table; returns an iterator of lines.

    sort -- 'size', 'type' or '#'; 'type' keeps the input order.
    order -- 'ascending' or 'descending'.
    """
    if sort not in _SORTS:
        raise ValueError("invalid sort, should be one of" + str(_SORTS))
    if order not in _ORDERS:
        raise ValueError("invalid order, should be one of" + str(_ORDERS))
    localrows = [list(row) for row in rows]
    if sort != "type":
        column = _SORTS.index(sort)
        localrows.sort(key=lambda row: row[column], reverse=(order == "descending"))
    localrows = localrows[0:limit]
    for row in localrows:
        row[2] = stringutils.pp(row[2])
    localrows.insert(0, ["types", "# objects", "total size"])
    return _format_table(localrows)


def _format_table(rows, header=True):
    """Lines of a table: right-justified cells, columns as wide as their
    longest cell plus 2, joined by ' | ', a rule of '=' after the header."""
    widths = [max(len(str(item)) + 2 for item in col) for col in zip(*rows)]
    rule = " | ".join("=" * w for w in widths)
    for row in rows:
        yield " | ".join(str(item).rjust(w) for item, w in zip(row, widths))
        if header:
            yield rule
            header = False


def _stream(stream, file):
    """Where printing functions write: stream, else file, else sys.stdout
    looked up now (shared by muppy, summary and tracker)."""
    if stream is not None:
        return stream
    if file is not None:
        return file
    return sys.stdout


def print_(rows, limit=15, sort="size", order="descending", stream=None, file=None):
    """Print the lines of :func:`format_`, one per line, to ``stream``
    (``file`` is an alias; default: ``sys.stdout`` at call time)."""
    lines = format_(rows, limit=limit, sort=sort, order=order)
    out = _stream(stream, file)
    for line in lines:
        print(line, file=out)


# ---- helpers kept from Pympler 1.1 ------------------------------------------

def _traverse(summary, function, *args):
    """Call ``function`` with the summary, each row and each cell."""
    function(summary, *args)
    for row in summary:
        function(row, *args)
        for item in row:
            function(item, *args)


def _subtract(summary, o):
    """Remove object ``o`` from the summary by subtracting its size."""
    label = _repr(o)
    size = _core.heap_getsizeof(o)
    found = False
    for r in summary:
        if r[0] == label:
            r[1], r[2] = r[1] - 1, r[2] - size
            found = True
    if not found:
        summary.append([label, -1, -size])
    return summary


def _sweep(summary):
    """Rows whose count or size is not zero."""
    return [row for row in summary if row[2] != 0 or row[1] != 0]
