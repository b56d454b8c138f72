"""Run under Pympler 1.1 (PYTHONPATH pointing at it): print its statistics for
a few tiny cases and dump the data behind them as JSON, so that the tests can
feed the same data to pympler._asizeof_stats and compare the text.

Not a test module (its name starts with an underscore); see
tests/test_asizeof_stats.py.
"""
import contextlib
import io
import json
import sys

from pympler import asizeof as A


class Foo(object):
    def __init__(self):
        self.data = list(range(300))
        self.s = "x" * 2000


class Slotted(object):
    __slots__ = ("a", "b")

    def __init__(self):
        self.a = "a" * 1500
        self.b = [self]


def keyinfo(key):
    is_def = isinstance(key, A._Claskey)
    tp = key._obj if is_def else key
    return [type.__dict__["__module__"].__get__(tp), tp.__qualname__, is_def]


def lenginfo(obj):
    n = A.leng(obj)
    if n is None or not isinstance(n, int):
        return [None, None]
    return [n, n > A._len(obj)]


def run(fname, objs, opts):
    z = A._asizer
    z.reset(**opts)
    out = io.StringIO()
    if fname == "asizeof":
        z.asizeof(*objs)
        res = {}
        with contextlib.redirect_stdout(out):
            z.print_stats(objs=objs, opts=opts)
    elif fname == "asizesof":
        sizes = z.asizesof(*objs)
        res = {"sizes": list(sizes)}
        with contextlib.redirect_stdout(out):
            z.print_stats(objs, opts=opts, sizes=sizes)
    else:
        sized = z.asized(*objs)
        many = sized if isinstance(sized, tuple) else (sized,)
        res = {"sized": [[a.size, a.flat, len(a.refs), a.name] for a in many]}
        with contextlib.redirect_stdout(out):
            z.print_stats(objs, opts=opts, sized=sized)
    s, c = z._c100(min(opts.get("stats", 3) or 0, z.stats))
    ranks = []
    for r in z._ranks:
        o = r.objref() if r.weak else r.objref
        ranks.append([r.size, repr(o)] + keyinfo(r.key)
                     + [r.deep, r.id, r.pid] + lenginfo(o))
    profs = []
    for k, v in z._profs.items():
        o = v.objref() if v.weak else v.objref
        profs.append(keyinfo(k) + [v.number, v.total, v.high, repr(o)] + lenginfo(o))
    tables = {}
    for k in A._all_kinds:
        rows = tables.setdefault(k, [])
        for key, v in A._typedefs.items():
            if v.kind == k:
                rows.append(keyinfo(key) + [v.base, v.item, A._nameof(v.leng) or None,
                                            A._nameof(v.refs) or None, not v.both])
    res.update(
        fname=fname, text=out.getvalue(), reprs=[repr(o) for o in objs], opts=opts,
        w=len(str(z.missed + z.seen + z.total)) + 1, total=z.total, code=z.code,
        align=z.align if z._mask else 0, given=len(objs), sized_n=z.sized,
        excluded=sum(z._excl_d.values()) if z._excl_d else None, seen=z.seen,
        ranked=z.ranked, missed=z.missed, duplicate=z.duplicate, depth=z._depth,
        above=z.above, clip=z.clip, level=s, cutoff=c,
        ranks=ranks, profiles=profs, tables=tables,
        dicttypes=[[m, list(v)] for m, v in A._dict_types.items()],
    )
    z._clear()
    return res


def main():
    f = Foo()
    results = [
        run("asizeof", (f, [1, 2, "abc"]), dict(stats=3, cutoff=5)),
        run("asizesof", (f, {"a": "x" * 3000}), dict(stats=1)),
        run("asized", (f,), dict(stats=1, detail=1)),
        run("asized", (f, [1]), dict(stats=1, detail=1)),
        run("asizeof", (["y" * 5000, list(range(100)), {i: str(i) for i in range(50)},
                         (1.5, 2.5), Slotted(), "line\nbreak" * 100],),
            dict(stats=2, cutoff=20, above=100)),
        run("asizeof", (Slotted(), "q" * 3000), dict(stats=1.03, clip=30, align=1)),
    ]
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
