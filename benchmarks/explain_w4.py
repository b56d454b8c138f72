#!/usr/bin/env python
"""Explain the size difference of W4 (``asizeof(*modules)``) between this
project and Pympler 1.1, object by object, on one heap.

The benchmark runs each implementation in its own process, so its two totals
also differ by what each process imported (see ``benchmarks/README.md``).
This script removes that part: it loads Pympler 1.1's ``asizeof.py`` as a
separate module (``pympler11_asizeof``) next to ours in one process, sizes
the W4 modules with ours first (ours changes nothing on the heap) and then
with Pympler 1.1, records every object each one counted with its flat size,
and puts every byte counted by only one of them, or with a different flat
size, into one of the categories of ``docs/sizing.md`` ("asizeof(*modules)
against Pympler 1.1")::

    python benchmarks/explain_w4.py                   # table
    python benchmarks/explain_w4.py --json            # data (used by the tests)
    python benchmarks/explain_w4.py --pympler11 DIR   # Pympler 1.1 from DIR

Ours must be importable (installed, or ``PYTHONPATH=src`` after an in-place
build).  Without ``--pympler11`` the benchmark's vendored copy is used
(installed on first use, see ``_harness.ensure_pympler11``).  Slow (Pympler
1.1 plus a full ``asized`` tree of ours): about a second.
"""
from __future__ import annotations

import argparse
import collections
import gc
import importlib
import importlib.util
import json
import os
import sys

W4_MODULES = ("os", "sys", "re", "json", "collections", "functools", "itertools", "typing",
              "ast", "inspect", "email", "http.client", "decimal", "datetime", "argparse")

P11_NAME = "pympler11_asizeof"

#: category -> the reason printed (docs/sizing.md has the same list)
CATEGORIES = {
    "dunder-slots": "slot values under dunder names (`__doc__`, `__constraints__`, ...): Pympler "
                    "1.1 mangles every slot name starting with `__`, even `__x__`, which CPython "
                    "does not mangle, so it never finds these values",
    "instance-storage": "instance attribute storage: Pympler 1.1 reads `obj.__dict__`, which "
                        "creates a dict (3.11+: from the values array or inline values; 3.9/3.10: "
                        "an empty dict for a `__dict__` never used) and sizes it; ours sizes the "
                        "storage that exists",
    "gc-referents": "referents of C objects (`tp_traverse`): buffers and codecs of `sys.std*`, "
                    "`re.Pattern` group maps, `lru_cache` caches, 3.12+ `TypeVar`, 3.13 "
                    "`decimal.Context`; Pympler 1.1 gives these their flat size only",
    "struct-sequence": "members of struct sequences (`sys.float_info`, `sys.hash_info`, ...): "
                       "Pympler 1.1 sizes them as instances without a `__dict__` (flat only)",
    "code-only": "callable C objects without a `__dict__` (`_json.Scanner`): code-only in ours "
                 "(spec 2.1), an instance to Pympler 1.1",
    "own-module": "the sizing module's own module object, reached through `sys.modules`: "
                  "Pympler 1.1 excludes its own, ours counts every module's flat size",
}


def _tn(obj):
    t = type(obj)
    return "%s.%s" % (t.__module__, t.__qualname__)


def _load_pympler11(folder):
    path = os.path.join(folder, "pympler", "asizeof.py")
    spec = importlib.util.spec_from_file_location(P11_NAME, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[P11_NAME] = mod   # its Asizer looks itself up there
    spec.loader.exec_module(mod)
    return mod


def _ours_records(objs):
    """key -> (obj, flat, parent key, name spec) for every node of ours; the
    key is id(obj), or ('values', parent key) for 3.11/3.12 values arrays."""
    from pympler import _core
    s = _core.Sizer()
    s.configure(align=8, code=False, frames=False, ignored=True, infer=False,
                limit=sys.maxsize, detail=sys.maxsize, profile=False, above=1024, dictlike=())
    nodes = s.sizes(objs, tree=True)
    rec = {}
    stack = [(n, None) for n in nodes]
    while stack:
        (spec, obj, _size, flat, kids), pkey = stack.pop()
        key = ("values", pkey) if obj is None and spec == "__dict__" else id(obj)
        if key not in rec or (flat and not rec[key][1]):
            rec[key] = (obj, flat, pkey, spec)
        if kids:
            stack.extend((k, key) for k in kids)
    return sum(n[2] for n in nodes), rec


def _p11_records(p11, objs):
    """id -> (obj, flat) and id -> parent id (None for a given object)."""
    rec, parent = {}, {}
    orig_flat, orig_sizer = p11._Typedef.flat, p11.Asizer._sizer

    def flat(self, obj, mask=0):
        s = orig_flat(self, obj, mask)
        rec[id(obj)] = (obj, s)
        return s

    def _sizer(self, obj, pid, deep, sized):
        parent.setdefault(id(obj), pid if deep else None)
        return orig_sizer(self, obj, pid, deep, sized)

    p11._Typedef.flat, p11.Asizer._sizer = flat, _sizer
    try:
        total = p11.asizeof(*objs)
    finally:
        p11._Typedef.flat, p11.Asizer._sizer = orig_flat, orig_sizer
    return total, rec, parent


def _slot_names(tp):
    names = set()
    for c in tp.__mro__:
        s = c.__dict__.get("__slots__", ())
        names.update((s,) if isinstance(s, str) else s)
    return names


def _is_structseq(tp):
    return issubclass(tp, tuple) and "n_sequence_fields" in tp.__dict__


def explain(p11, modules=W4_MODULES):
    objs = tuple(importlib.import_module(n) for n in modules)
    gc.collect()
    from pympler import asizeof as ours
    ours_total = ours.asizeof(*objs)
    tree_total, orec = _ours_records(objs)
    p11_total, prec, ppar = _p11_records(p11, objs)   # after ours: it creates dicts

    both = {k for k, v in orec.items() if v[1] and k in prec and prec[k][1]}
    cats = collections.defaultdict(lambda: [0, 0])    # category -> [p11 bytes, ours bytes]
    unexplained = collections.defaultdict(lambda: [0, 0])

    def ours_category(key):
        while True:                       # up to the top of the ours-only subtree
            obj, _f, pkey, spec = orec[key]
            if pkey is None or pkey in both:
                break
            key = pkey
        parent = orec[pkey][0] if pkey is not None else None
        if isinstance(key, tuple):
            return "instance-storage", None
        if type(obj).__name__ == "module" and obj is p11:
            return "own-module", None
        if parent is not None and _is_structseq(type(parent)):
            return "struct-sequence", None
        if (isinstance(spec, str) and spec.startswith("__") and spec.endswith("__")
                and parent is not None and spec in _slot_names(type(parent))):
            return "dunder-slots", None
        if spec is None and parent is not None and not isinstance(
                parent, (list, tuple, set, frozenset, dict)):
            return "gc-referents", None
        return None, "%s -[%r]-> %s" % (_tn(parent), spec, _tn(obj))

    def code_only(i):
        obj = prec[i][0]
        return (callable(obj) and not isinstance(obj, type)
                and type(obj).__dictoffset__ == 0 and not orec.get(i, (None, 0))[1])

    def p11_category(i):
        while True:                       # up to the top of the Pympler-only subtree
            if code_only(i):
                return "code-only", None
            if ppar.get(i) is None or ppar[i] in both:
                break
            i = ppar[i]
        obj, anc = prec[i][0], prec.get(ppar.get(i), (None,))[0]
        if (type(obj) is dict and anc is not None
                and getattr(anc, "__dict__", None) is obj):
            return "instance-storage", None
        return None, "%s -> %s" % (_tn(anc), _tn(obj))

    for key, (_obj, flat, _p, _s) in orec.items():
        if flat and key not in both:
            c, why = ours_category(key)
            (cats[c] if c else unexplained[why])[1] += flat
    for i, (_obj, flat) in prec.items():
        if flat and i not in both:
            c, why = p11_category(i)
            (cats[c] if c else unexplained[why])[0] += flat
    inline_values = 1 << 2   # Py_TPFLAGS_INLINE_VALUES (3.13)
    for k in both:
        a, b = prec[k][1], orec[k][1]
        if a != b:
            obj = orec[k][0]
            if sys.version_info >= (3, 13) and type(obj).__flags__ & inline_values and b > a:
                c = cats["instance-storage"]
            elif type(obj) is dict and sys.version_info >= (3, 11):
                # An instance's materialised dict with a split table: ours
                # counts its values array as allocated (docs/sizing.md),
                # sys.getsizeof one word per usable slot of the shared keys.
                c = cats["instance-storage"]
            else:
                c = unexplained["flat size of %s" % _tn(obj)]
            c[0] += a
            c[1] += b
    return {
        "python": sys.version.split()[0],
        "modules": list(modules),
        "pympler11_total": p11_total,
        "ours_total": ours_total,
        "ours_tree_total": tree_total,
        "common_objects": len(both),
        "categories": {k: v for k, v in cats.items()},
        "unexplained": {k: v for k, v in unexplained.items()},
    }


def render(res):
    p, o = res["pympler11_total"], res["ours_total"]
    lines = ["CPython %s, %d modules, one process: Pympler 1.1 %s, ours %s, %+d bytes (%+.2f%%)"
             % (res["python"], len(res["modules"]), format(p, ","), format(o, ","), o - p,
                100.0 * (o - p) / p), ""]
    lines.append("| category | Pympler 1.1 bytes | ours bytes | difference | reason |")
    lines.append("|:--|--:|--:|--:|:--|")
    rows = sorted(res["categories"].items(), key=lambda kv: -abs(kv[1][1] - kv[1][0]))
    for k, (a, b) in rows:
        lines.append("| %s | %s | %s | %+d | %s |" % (k, format(a, ","), format(b, ","), b - a,
                                                      CATEGORIES[k]))
    for k, (a, b) in sorted(res["unexplained"].items()):
        lines.append("| UNEXPLAINED %s | %s | %s | %+d | |" % (k, format(a, ","), format(b, ","),
                                                               b - a))
    lines.append("")
    lines.append("Objects counted by both: %d." % res["common_objects"])
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pympler11", metavar="DIR",
                    help="folder holding Pympler 1.1's pympler package (default: the "
                         "benchmark's vendored copy)")
    ap.add_argument("--json", action="store_true", help="print the data as JSON")
    args = ap.parse_args(argv)
    folder = args.pympler11
    if folder is None:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import _harness
        folder = str(_harness.ensure_pympler11())
    p11 = _load_pympler11(folder)
    res = explain(p11)
    print(json.dumps(res) if args.json else render(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
