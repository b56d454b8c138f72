"""Text of the statistics printed by ``asizeof`` (API spec section 2.6).

Pure formatting: nothing here calls the sizing engine.  Every ``*_lines``
function returns a list of lines without line terminators; the caller prints
each one with ``print(line, file=..., end=..., flush=...)``.  The blank lines
that separate the blocks are ``''`` entries in those lists.

The layouts reproduce what Pympler 1.1 prints for the same data.
"""
import struct

_TYPE_MODULE = type.__dict__["__module__"].__get__
_TYPE_NAME = type.__dict__["__name__"].__get__

__all__ = [
    "SI", "clip", "clip_repr", "header_lines", "largest_lines", "plural",
    "profile_lines", "summary_lines", "typedef_lines", "typekey",
]

_SIZEOF_VOIDP = struct.calcsize("P")
_INCL_CODE = " (incl. code)"
_REPR_FAILED = "N/A"  # what Pympler 1.1 shows for a repr() that raises
_KINDS = ("static", "dynamic", "derived", "ignored", "inferred")

# Unbound descriptors read through ``type`` itself, so that metaclasses
# (possibly hostile ones) are never asked for anything.
_type_repr = type.__repr__
_type_mro = type.__dict__["__mro__"].__get__
_type_dict = type.__dict__["__dict__"].__get__


# Small formatters --------------------------------------------------------------------

def SI(n):
    """``''`` if *n* < 1024, else ``' or %.1f %siB'`` in steps of 1024.

    The letters are K, M, G, P, T, E in that order (as Pympler 1.1 has them);
    beyond E nothing is appended.
    """
    if n >= 1024:
        f = float(n)
        for letter in "KMGPTE":
            f /= 1024
            if f < 1024:
                return " or %.1f %siB" % (f, letter)
    return ""


def plural(n):
    """``''`` if *n* is 1, else ``'s'``."""
    return "" if n == 1 else "s"


def clip(s, clip=80):  # noqa: A002 - name of the spec
    """Newlines as the two characters ``\\n``; a string longer than *clip*
    (> 0) keeps ``clip//2 - 2`` characters at each end joined by ``'....'``.
    """
    s = s.replace("\n", "\\n")
    if len(s) > clip > 0:
        h = clip // 2 - 2
        if h > 0:  # a tiny clip leaves the string alone (as Pympler 1.1)
            s = s[:h] + "...." + s[-h:]
    return s


def clip_repr(obj, clip=80):  # noqa: A002
    """Clipped ``repr(obj)``; ``'N/A'`` if the repr fails.  Never raises."""
    try:
        r = repr(obj)
        if not isinstance(r, str):  # pragma: no cover - repr() enforces str
            r = _REPR_FAILED
    except Exception:
        r = _REPR_FAILED
    return _clip(r, clip)


_clip = clip  # for functions whose ``clip`` argument shadows the function


def _safe_len(obj):
    try:
        return len(obj)
    except Exception:
        return 0


def _lengstr(leng, bang=None, obj=None):
    """``' leng <n>[!]'`` or ``''`` when *leng* is None.

    *bang* None means "work it out": ``!`` when *leng* exceeds ``len(obj)``.
    """
    if leng is None:
        return ""
    if bang is None:
        bang = leng > _safe_len(obj)
    return " leng %d%s" % (leng, "!" if bang else "")


def _prepr(r, clip):  # noqa: A002
    """Pympler's key prettifier: clip, drop enclosing ``<>`` and all quotes."""
    return _clip(r, clip).strip("<>").replace("'", "")


def _metaclass_repr_overridden(tp):
    """True if the metaclass of *tp* defines its own ``__repr__``."""
    try:
        for klass in _type_mro(type(tp)):
            if "__repr__" in _type_dict(klass):
                return klass is not type
    except Exception:
        pass
    return False


def _fallback_type_repr(tp):
    """``"<class 'module.qualname'>"`` without asking the object anything."""
    try:
        return _type_repr(tp)  # works on any type, ignores the metaclass
    except Exception:
        pass
    try:
        name = type.__getattribute__(tp, "__name__")
    except Exception:
        try:
            name = type(tp).__name__
        except Exception:
            name = "?"
    return "<class '%s'>" % (name,)


def typekey(tp, is_def, clip=0):  # noqa: A002
    """Type key as printed in the statistics, e.g. ``'class list'``,
    ``'class __main__.Foo'``, or ``'class __main__.Foo def'`` when *is_def*
    (the object was the class itself).  Never raises.

    The name is the type's qualified name, prefixed by its module unless that
    is ``builtins``.  Like Pympler 1.1, a metaclass with its own ``__repr__``
    is honoured for instances (an enum member gives ``'enum Color'``), with
    the plain form as fallback should that repr fail.  A positive *clip*
    clips the key as Pympler 1.1 does (its ``<class '...'>`` form).
    """
    if not issubclass(type(tp), type):  # not a class at all
        return "class ?" + (" def" if is_def else "")
    r = None
    if not is_def and _metaclass_repr_overridden(tp):
        try:
            r = repr(tp)
            if not isinstance(r, str):  # pragma: no cover
                r = None
        except Exception:
            r = None
    if r is None:
        r = _fallback_type_repr(tp)
        if is_def:
            r = (r[:-1] + " def>") if r.endswith(">") else (r + " def")
    try:
        return _prepr(r, clip)
    except Exception:  # pragma: no cover - r is a str
        return "class ?"


def _kwdstr(opts):
    """Keyword options as ``k=repr(v)`` sorted and joined by ``', '``."""
    items = []
    for k, v in opts.items():
        try:
            items.append("%s=%r" % (k, v))
        except Exception:
            items.append("%s=%s" % (k, _REPR_FAILED))
    return ", ".join(sorted(items))


def _item_repr(obj):
    try:
        r = repr(obj)
        return r if isinstance(r, str) else None
    except Exception:
        return None


def _clipped_tuple_repr(objs, clip):  # noqa: A002
    """``clip_repr(tuple(objs), clip)`` without building the whole repr.

    Only as many item reprs as the two clipped ends need are computed, which
    matters when *objs* is every object known to the garbage collector.  (A
    failing item repr makes the whole repr ``'N/A'``, as it would for the
    tuple, but only among the items looked at.)
    """
    objs = tuple(objs)
    h = clip // 2 - 2
    if clip <= 0 or h <= 0 or len(objs) < 2:
        return clip_repr(objs, clip)
    need = h + 2  # enough characters at each end to know the repr is clipped
    head, hlen, i = [], 0, 0
    while i < len(objs) and hlen < need:
        head.append(_item_repr(objs[i]))
        if head[-1] is None:
            return _REPR_FAILED
        hlen += len(head[-1]) + 2
        i += 1
    tail, tlen, j = [], 0, len(objs)
    while j > i and tlen < need:
        j -= 1
        tail.append(_item_repr(objs[j]))
        if tail[-1] is None:
            return _REPR_FAILED
        tlen += len(tail[-1]) + 2
    tail.reverse()
    if j > i:  # items in between were not looked at: the repr is long
        left = _clip("(" + ", ".join(head), 0)[:h]
        right = _clip(", ".join(tail) + ")", 0)[-h:]
        return left + "...." + right
    return _clip("(" + ", ".join(head + tail) + ")", clip)


# Blocks ------------------------------------------------------------------------------

def header_lines(fname, objs, opts, clip, sizes=None, sized=None,  # noqa: A002
                 w=0, code=None):
    """Header block (spec 2.6 item 1), starting with an empty line.

    *fname* is ``'asizeof'``, ``'asizesof'`` or ``'asized'`` (None: pick it as
    Pympler 1.1 does, from which of *sized* / *sizes* is given).  *opts* is
    the dict of keyword options the call was given.  *sizes* is the tuple of
    totals (``asizesof``), *sized* the ``Asized`` or tuple of them
    (``asized``).  *w* is the width of the number column; *code* (default
    ``opts.get('code')``) adds `` (incl. code)`` to ``asizesof`` sizes.
    """
    objs = tuple(objs or ())
    opts = dict(opts or {})
    o = _kwdstr(opts)
    c = ", " if (o and objs) else ""
    if code is None:
        code = opts.get("code", False)
    incl = _INCL_CODE if code else ""
    if fname is None:
        fname = "asized" if sized else ("asizesof" if sizes else "asizeof")
    lines = [""]
    if fname == "asized" and sized and objs:
        if isinstance(sized, (tuple, list)):
            many = tuple(sized)
        else:
            many = (sized,)
        if len(objs) > 1:
            lines.append("asized(...%s%s) ..." % (c, o))
            for i in range(len(objs)):
                lines.append("%*d: %s" % (w - 1, i, many[i]))
        else:
            lines.append("asized(%s): %s" % (o, many[0]))
    elif fname in ("asized", "asizesof") and sizes and objs:
        lines.append("asizesof(...%s%s) ..." % (c, o))
        for z, obj in zip(sizes, objs):
            lines.append("%*d bytes%s%s:  %s" % (w, z, SI(z), incl, clip_repr(obj, clip)))
    else:
        t = _clipped_tuple_repr(objs, clip) if objs else ""
        lines.append("asizeof(%s%s%s) ..." % (t, c, o))
    return lines


def summary_lines(w, total, code, align, given, sized, excluded, seen, ranked,
                  missed, duplicate, depth):
    """Summary block (spec 2.6 item 2); the header precedes it directly."""
    def count(n, what):
        return "%*d object%s %s" % (w, n, plural(n), what)

    lines = ["%*d bytes%s%s" % (w, total, SI(total), _INCL_CODE if code else "")]
    if align and align > 1:
        lines.append("%*d byte aligned" % (w, align))
    lines.append("%*d byte sizeof(void*)" % (w, _SIZEOF_VOIDP))
    lines.append(count(given, "given"))
    lines.append(count(sized, "sized"))
    if excluded and excluded > 0:
        lines.append(count(excluded, "excluded"))
    lines.append(count(seen, "seen"))
    if ranked and ranked > 0:
        lines.append(count(ranked, "ranked"))
    lines.append(count(missed, "missed"))
    lines.append("%*d duplicate%s" % (w, duplicate, plural(duplicate)))
    if depth and depth > 0:
        lines.append("%*d deepest recursion" % (w, depth))
    return lines


def largest_lines(w, ranks, ranked, above, n, clip):  # noqa: A002
    """Largest-objects block (spec 2.6 item 3), or ``[]``.

    *ranks*: all kept ranks, largest first, as tuples ``(total, obj_or_None,
    tp, is_def, depth, oid, pid, leng, bang)``; *ranked*: number of objects
    that passed the threshold *above*; *n*: how many to print.  ``ix`` is
    the position of a printed entry, ``pix`` the ``ix`` of the printed entry
    whose ``oid`` is this entry's ``pid`` (``?`` if none, omitted when *pid*
    is 0/None).  A dead object (None) shows as ``None``, as in Pympler 1.1.
    """
    n = min(len(ranks), max(int(n or 0), 0))
    if n <= 0 or not above or above <= 0:
        return []
    shown = ranks[:n]
    id2x = {}
    for ix, rank in enumerate(shown):
        id2x.setdefault(rank[5], ix)
    lines = ["", "%*d largest object%s (of %d over %d bytes%s)" % (
        w, n, plural(n), ranked, above, SI(above))]
    for ix, (total, obj, tp, is_def, depth, _oid, pid, leng, bang) in enumerate(shown):
        d = (" (at %s)" % (depth,)) if depth and depth > 0 else ""
        p = (", pix %s" % (id2x.get(pid, "?"),)) if pid else ""
        lines.append("%*d bytes%s: %s: %s%s, ix %s%s%s" % (
            w, total, SI(total), typekey(tp, is_def, clip), clip_repr(obj, clip),
            _lengstr(leng, bang, obj), ix, d, p))
    return lines


def _si2(n):
    return "%d%s" % (n, SI(n))


def profile_lines(w, profiles, grand_total, cutoff, clip, code):  # noqa: A002
    """Profiles block (spec 2.6 item 4), or ``[]``.

    *profiles*: one tuple per type, in the order the types were first met,
    ``(tp, is_def, count, total, largest_flat, largest_obj_or_None,
    leng_or_None[, bang])``; without *bang*, ``!`` is shown when *leng*
    exceeds ``len(largest_obj)``.  *grand_total*: total bytes sized (0: no
    percentages, no cutoff).  *cutoff*: minimum percentage printed; *code*
    adds `` (incl. code)`` to the header.
    """
    profiles = list(profiles)
    shown = [p for p in profiles if p[3] > 0 or p[2] > 1]
    if len(profiles) - len(shown) < 9:  # only a few 'zero' ones: show all
        shown = profiles
    if not shown:
        return []
    if grand_total:
        pct = " (% of grand total)"
        c = cutoff or 0
        limit = int(c * 0.01 * grand_total)
    else:
        pct = ""
        c = limit = 0
    lines = ["", "%*d profile%s:  total%s, average, and largest flat size%s:  largest object"
             % (w, len(shown), plural(len(shown)), pct, _INCL_CODE if code else "")]
    left = len(shown)
    # stable sort: equal (total, count) keep the order the types were met
    for prof in sorted(shown, key=lambda p: (p[3], p[2]), reverse=True):
        tp, is_def, number, total, high, obj, leng = prof[:7]
        bang = prof[7] if len(prof) > 7 else None
        if number > 1:
            avg, s = int(total / number), "s"
        else:
            avg, s = total, ""
        t = _si2(total)
        if grand_total:
            t += " (%.0f%%)" % (total * 100.0 / float(grand_total),)
        lines.append("%*d %s object%s:  %s, %s, %s:  %s%s" % (
            w, number, typekey(tp, is_def, clip), s, t, _si2(avg), _si2(high),
            clip_repr(obj, clip), _lengstr(leng, bang, obj)))
        left -= 1
        if left > 1 and total < limit:
            lines.append("%+*d profiles below cutoff (%.0f%%)" % (w, left, c))
            break
    zero = len(profiles) - len(shown)
    if zero > 0:
        lines.append("%+*d %r object%s" % (w, zero, "zero", plural(zero)))
    return lines


def _dictlike_groups(dictlike):
    """``{module: (name, ...)}`` in first-seen order from classes or
    ``(module, name)`` pairs."""
    groups = {}
    for item in dictlike:
        if isinstance(item, tuple) and len(item) == 2:
            mod, name = item
        else:
            # type's own C getters: no metaclass descriptor or __getattr__
            # runs (a non-class raises TypeError).
            try:
                mod = _TYPE_MODULE(item)
                name = _TYPE_NAME(item)
            except Exception:
                mod = name = "?"
        if type(mod) is not str:   # a class body may set any __module__
            mod = "?"
        if type(name) is not str:
            name = "?"
        names = groups.setdefault(mod, [])
        if name not in names:
            names.append(name)
    return dict((m, tuple(v)) for m, v in groups.items())


def typedef_lines(tables, dictlike, w=0, clip=80, code=None):  # noqa: A002
    """Type tables (spec 2.6 item 5).

    *tables*: ``{kind: [(tp, is_def, basic, item, len_handler_name_or_None,
    refs_handler_name_or_None, code_only), ...]}``; kinds are printed in the
    order static, dynamic, derived, ignored, inferred, then any others.
    With ``code=False`` code-only entries are left out (Pympler 1.1 lists
    them only when sizing with ``code=True``); None keeps all.
    *dictlike*: registered dict-like classes (or ``(module, name)`` pairs),
    listed per module.  *w* is the width of the number column.
    """
    lines = []
    kinds = [k for k in _KINDS if k in tables]
    kinds += [k for k in tables if k not in _KINDS]
    for kind in kinds:
        rows = []
        for tp, is_def, basic, item, leng, refs, code_only in tables[kind]:
            if code_only and code is False:
                continue
            parts = [str(basic), str(item), leng or "n/a", refs or "n/a"]
            if code_only:
                parts.append("(code only)")
            rows.append((typekey(tp, is_def, clip), ", ".join(parts)))
        if rows:
            lines.append("")
            lines.append("%*d %s type%s:  basicsize, itemsize, _len_(), _refs()"
                         % (w, len(rows), kind, plural(len(rows))))
            for key, text in sorted(rows, key=lambda r: r[0]):
                lines.append("%*s %s:  %s" % (w, "", key, text))
    groups = _dictlike_groups(dictlike or ())
    n = sum(len(v) for v in groups.values())
    if n:
        lines.append("")
        lines.append("%*d dict/-like classes:" % (w, n))
        for mod, names in groups.items():
            lines.append("%*s %s:  %s" % (w, "", mod, _prepr(repr(names), clip)))
    return lines
