"""Dominators and retained sizes of pympler.retained against a slow,
obviously correct pure-Python reference, on random object graphs.

Each case builds a random graph of N objects (lists of references, shared
bytearrays, cycles, self-loops, diamonds) hanging from 1-3 holders that
only the test's frame reaches (through the list ``hs``), takes a snapshot,
then builds the reference graph with gc.get_referents and computes the
dominators by the iterative definition Dom(n) = {n} + the intersection of
Dom(p) over the predecessors p.  Within the generated objects, the
snapshot's immediate dominators and retained sizes must be the
reference's (an object whose reference dominator is the virtual root must
be dominated by something outside the generated objects).
"""
import gc
import random
import sys

import pytest

from pympler import retained


class N(object):
    __slots__ = ("refs", "pad")


KINDS = (N, list, bytearray)


def make(seed, n, m, nholders):
    rng = random.Random(seed)
    ns = [N() for _ in range(n)]
    pads = [bytearray(rng.randrange(0, 300)) for _ in range(n)]
    for i, x in enumerate(ns):
        x.refs = []
        # shared subobjects: some nodes share a pad
        x.pad = pads[i] if rng.random() < 0.7 else rng.choice(pads)
    for _ in range(m):
        a = rng.choice(ns)
        r = rng.random()
        if r < 0.05:
            a.refs.append(a)                                   # self-loop
        elif r < 0.15:
            b, c, d = rng.choice(ns), rng.choice(ns), rng.choice(ns)
            a.refs.extend([b, c])                              # diamond
            b.refs.append(d)
            c.refs.append(d)
        elif r < 0.25:
            b = rng.choice(ns)
            a.refs.append(b)                                   # 2-cycle
            b.refs.append(a)
        else:
            a.refs.append(rng.choice(ns))
    # a chain, so that some parts are deep
    for i in range(min(n - 1, rng.randrange(0, 8))):
        ns[i].refs.append(ns[i + 1])
    return ns[:nholders]


def ref_graph(holders):
    """id -> object and id -> [ids of referents] of the generated objects
    reachable from the holders."""
    nodes, edges, stack = {}, {}, list(holders)
    while stack:
        o = stack.pop()
        if id(o) in nodes:
            continue
        nodes[id(o)] = o
        refs = [r for r in gc.get_referents(o) if type(r) in KINDS]
        edges[id(o)] = [id(r) for r in refs]
        stack.extend(refs)
    return nodes, edges


def ref_dominators(nodes, edges, roots):
    """idom: id -> id or 'V' (the virtual root), by the iterative
    definition of dominance."""
    preds = dict((i, set()) for i in nodes)
    for i, out in edges.items():
        for j in out:
            preds[j].add(i)
    for r in roots:
        preds[r].add("V")
    everything = set(nodes) | {"V"}
    dom = dict((i, set(everything)) for i in nodes)
    dom["V"] = {"V"}
    changed = True
    while changed:
        changed = False
        for i in nodes:
            new = set(everything)
            for p in preds[i]:
                new &= dom[p]
            new |= {i}
            if new != dom[i]:
                dom[i] = new
                changed = True
    idom = {}
    for i in nodes:
        strict = dom[i] - {i}
        # the closest strict dominator: the one with the most dominators
        idom[i] = max(strict, key=lambda d: len(dom[d]))
    return idom, dom


CASES = [(seed, n, m, h) for seed, (n, m, h) in enumerate(
    [(1, 0, 1), (2, 1, 1), (5, 6, 1), (8, 12, 2), (12, 5, 3), (20, 40, 1), (30, 20, 2),
     (40, 80, 3), (60, 60, 1), (25, 100, 2)] * 4)]


@pytest.mark.parametrize("seed,n,m,nholders", CASES)
def test_dominators_and_retained_sizes_match_the_reference(seed, n, m, nholders):
    hs = make(seed, n, m, nholders)
    gc.collect()   # no garbage cycle may refer to a generated object
    with retained.snapshot() as snap:
        nodes, edges = ref_graph(hs)
        idom, dom = ref_dominators(nodes, edges, [id(h) for h in hs])
        addr = snap.addresses()
        for i, o in nodes.items():
            k = snap.index(o)
            assert k >= 0
            assert addr[k] == i
            address, flat, ret, t, d = snap._g.node(k)
            assert flat == sys.getsizeof(o)
            expect = idom[i]
            got = None if d < 0 else addr[d]
            if expect == "V":
                assert got not in nodes, (type(o), "dominated inside, expected outside")
            else:
                assert got == expect, (type(o), type(nodes.get(got)), type(nodes[expect]))
            ref_ret = sum(sys.getsizeof(nodes[j]) for j in nodes if i in dom[j])
            assert ret == ref_ret
            assert snap.retained_size(o) == ref_ret


def test_whole_heap_invariants():
    hs = make(99, 50, 80, 2)
    with retained.snapshot() as snap:
        assert all(snap.index(h) >= 0 for h in hs)
        n = snap.node_count()
        flat, ret, idom = snap.flat_sizes(), snap.retained_sizes(), snap.dominators()
        types = snap.type_indices()
        offs, targets = snap.edges()
        roots, labels = snap.roots()
        assert len(flat) == len(ret) == len(idom) == len(types) == n
        assert len(offs) == n + 1 and offs[n] == len(targets)
        assert all(t < n for t in targets)
        # retained = flat + what the immediately dominated nodes retain
        kids = [0] * (n + 1)
        for v in range(n):
            kids[idom[v]] += ret[v]
        for v in range(n):
            assert ret[v] == flat[v] + kids[v]
        assert kids[n] == snap.total == sum(flat)
        # every dominator chain ends at the virtual root
        for v in range(0, n, 97):
            seen = 0
            while v != n:
                v = idom[v]
                seen += 1
                assert seen <= n
        # per-type flat totals and counts add up to the heap
        rows = snap.by_type()
        assert sum(r.flat for r in rows) == snap.total
        assert sum(r.count for r in rows) == n
        mods = snap.by_module()
        assert sum(r.flat for r in mods) == snap.total
        # a type's retained size: everything under one of its instances, once
        tn = snap.types()
        for want in (N, list):
            t = [i for i, (q, m) in enumerate(tn) if q == want.__qualname__
                 and m == want.__module__]
            assert len(t) == 1
            t = t[0]
            total = 0
            for v in range(n):
                u = v
                while u != n:
                    if types[u] == t:
                        total += flat[v]
                        break
                    u = idom[u]
            row = [r for r in rows if r.type == ("%s.%s" % (want.__module__, want.__qualname__)
                                                 if want.__module__ != "builtins"
                                                 else want.__qualname__)]
            assert row[0].retained == total
        assert len(labels) > 0 and all(isinstance(x, str) for x in labels)
        assert any(x.startswith("module ") for x in labels)


def test_unreachable_cycles_are_roots():
    gc.disable()
    try:
        a, b = N(), N()
        a.refs, b.refs = [b], [a]
        a.pad = b.pad = bytearray(5000)
        wa = id(a)
        del a, b
        with retained.snapshot() as snap:
            k = [i for i, x in enumerate(snap.addresses()) if x == wa]
            assert len(k) == 1
            # one of the two (or their lists) is a root; everything reached
            roots, _ = snap.roots()
            info = snap._g.info()
            unreached = roots[info["explicit_roots"] + info["unreferenced_roots"]:]
            cycle = set(snap.addresses()[r] for r in unreached)
            assert cycle & {wa, id(snap._g.obj(k[0]).refs[0])}
            assert snap.retained_size(snap._g.obj(k[0])) >= 0
    finally:
        gc.enable()
        gc.collect()


def test_index_agrees_with_a_scan_of_every_node():
    # index() looks addresses up in a table made by its first call; a scan of
    # the addresses in index order is the reference, for every node held
    extra = [[i] for i in range(3000)]
    with retained.snapshot() as snap:
        first = {}
        for k, a in enumerate(snap.addresses()):
            first.setdefault(a, k)
        assert len(first) == snap.node_count()   # a live heap has no repeats
        for k in range(snap.node_count()):
            assert snap.index(snap._g.obj(k)) == k
        assert all(snap.index(x) == first[id(x)] for x in extra)
        later = [object() for _ in range(100)]   # made after the snapshot
        assert [snap.index(x) for x in later] == [-1] * 100
        assert snap.index(snap) == -1            # the profiler's own objects


def test_index_of_a_repeated_address_is_its_first_node():
    from array import array

    from pympler import _core
    a, b = object(), object()
    addr = array("Q", [id(b), id(a), id(b), id(a), 16])
    g = _core.graph_from_arrays(addr, array("I", [0] * 5), array("Q", [8] * 5),
                                array("I", [0] * 6), array("I"), array("I", [0]), (),
                                [("T", "m")])
    assert [g.index(a), g.index(b), g.index(object())] == [1, 0, -1]
    empty = _core.graph_from_arrays(array("Q"), array("I"), array("Q"), array("I", [0]),
                                    array("I"), array("I"), (), [("T", "m")])
    assert empty.index(a) == -1


def _reference_bfs(snap):
    """parent of every node by a breadth-first search in Python from the
    roots in order (len(nodes) for a root)."""
    n = snap.node_count()
    offs, targets = snap.edges()
    roots, _ = snap.roots()
    parent = [-1] * n
    queue = []
    for r in roots:
        if parent[r] < 0:
            parent[r] = n
            queue.append(r)
    head = 0
    while head < len(queue):
        v = queue[head]
        head += 1
        for w in targets[offs[v]:offs[v + 1]]:
            if parent[w] < 0:
                parent[w] = v
                queue.append(w)
    return parent


@pytest.mark.parametrize("release", [False, True])
def test_paths_follow_the_breadth_first_tree_on_every_call(release):
    # path() walks up a breadth-first tree made by its first call and kept:
    # every call, before and after bfs_tree() and release(), must give the
    # chain of the reference search, and bfs_tree() its parents
    hs = make(7, 60, 90, 2)
    with retained.snapshot(keep_objects=True) as snap:
        n = snap.node_count()
        parent = _reference_bfs(snap)
        rng = random.Random(5)
        sample = [snap.index(h) for h in hs] + rng.sample(range(n), 300)
        if release:
            snap.release()

        def chain(i):
            out = []
            while i != n:
                out.append(i)
                i = parent[i]
            return out[::-1]

        for i in sample[:150]:
            assert [k for k, _ in snap._g.path(i)] == chain(i)
        tree_parent, _ = snap._g.bfs_tree()
        assert list(_arr_u32(tree_parent)) == parent
        for i in sample[150:] + sample[:10]:
            assert [k for k, _ in snap._g.path(i)] == chain(i)


def _arr_u32(raw):
    from array import array
    a = array("I")
    a.frombytes(raw)
    return a
