"""pympler.heapfile: the snapshot file format (round trips, fuzzed loading)
and the Chrome DevTools .heapsnapshot export (DevTools' invariants)."""
import gzip
import json
import os
import random
import struct
import sys
import time

import pytest

from pympler import heapfile
from pympler.heapfile import NO_INDEX, GraphData


def random_graph(rng, n=None):
    n = rng.randint(0, 60) if n is None else n
    strings = ["str", "list", "dict", "Foo", "module", ".attr", "['key']", "[0]", "local x",
               "caf\u00e9 \u2603", "lone \udc80 surrogate", "quote \" and \\ backslash"]
    edge_start, edge_to, edge_label = [0], [], []
    for _ in range(n):
        for _ in range(rng.randint(0, 4) if n else 0):
            edge_to.append(rng.randrange(n))
            edge_label.append(rng.choice([NO_INDEX, rng.randrange(len(strings))]))
        edge_start.append(len(edge_to))
    roots = rng.sample(range(n), min(n, rng.randint(0, 3)))
    return GraphData(
        strings, {"python": "3.x", "n": n},
        node_addr=[rng.randrange(1 << 48) for _ in range(n)],
        node_type=[rng.randrange(5) for _ in range(n)],
        node_name=[rng.randrange(len(strings)) for _ in range(n)],
        node_size=[rng.randrange(1 << 20) for _ in range(n)],
        node_retained=[rng.randrange(1 << 40) for _ in range(n)],
        node_dom=[rng.choice([NO_INDEX, rng.randrange(n)]) for _ in range(n)],
        edge_start=edge_start, edge_to=edge_to, edge_label=edge_label,
        roots=roots, root_label=[rng.choice([NO_INDEX, 4]) for _ in roots])


def same(a, b):
    assert a.strings == b.strings and a.meta == b.meta
    for name, _, _ in heapfile._ARRAYS:
        assert getattr(a, name) == getattr(b, name), name


@pytest.mark.parametrize("suffix", [".pymheap", ".pymheap.gz"])
def test_round_trip(tmp_path, suffix):
    rng = random.Random(7)
    for k in range(40):
        g = random_graph(rng)
        path = str(tmp_path / ("g%d%s" % (k, suffix)))
        heapfile.save(g, path)
        same(g, heapfile.load(path))
    with open(path, "rb") as f:
        head = f.read(2)
    assert (head == b"\x1f\x8b") == suffix.endswith(".gz")


def test_validate_rejects_inconsistent_graphs():
    g = random_graph(random.Random(1), n=10)
    g.validate()
    for name, value in (("edge_to", [99]), ("node_dom", [50]), ("node_type", [500]),
                        ("roots", [10])):
        bad = random_graph(random.Random(1), n=10)
        arr = getattr(bad, name)
        if len(arr):
            arr[0] = value[0]
            with pytest.raises(ValueError, match="pympler heap snapshot"):
                bad.validate()
    bad = random_graph(random.Random(1), n=10)
    bad.edge_start[3], bad.edge_start[4] = bad.edge_start[4] + 1, bad.edge_start[3]
    with pytest.raises(ValueError, match="ascending|edge"):
        bad.validate()
    with pytest.raises(TypeError, match="unknown arrays"):
        GraphData(nodes=[1])


def test_fuzzed_files_give_value_errors_only(tmp_path):
    rng = random.Random(2024)
    g = random_graph(rng, n=40)
    path = str(tmp_path / "g.pymheap")
    heapfile.save(g, path)
    with open(path, "rb") as f:
        good = f.read()
    t0 = time.monotonic()
    outcomes = {"error": 0, "loaded": 0}
    for _ in range(600):
        data = bytearray(good)
        if rng.random() < 0.4:
            data = data[:rng.randrange(len(data))]              # truncated
        else:
            for _ in range(rng.randint(1, 8)):                   # corrupted bytes
                data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            loaded = heapfile.loads(bytes(data))
        except ValueError as exc:
            assert str(exc).startswith("pympler heap snapshot"), exc
            outcomes["error"] += 1
        else:
            loaded.validate()        # whatever loads is consistent
            outcomes["loaded"] += 1
    assert outcomes["error"] > 300
    assert time.monotonic() - t0 < 60


def test_hostile_headers(tmp_path):
    def file_with(header, tail=b""):
        body = json.dumps(header).encode()
        return heapfile.MAGIC + struct.pack("<II", 1, len(body)) + body + tail

    base = {"format": "pympler-heap-snapshot", "version": 1, "nodes": 0, "edges": 0,
            "roots": 0, "strings": 0, "string_bytes": 0, "meta": {}}
    heapfile.loads(file_with(base) + struct.pack("<I", 0))       # an empty graph loads
    huge = dict(base, nodes=2 ** 31, edges=2 ** 31)
    t0 = time.monotonic()
    with pytest.raises(ValueError, match="truncated"):
        heapfile.loads(file_with(huge))                          # no 2**31-item allocation
    assert time.monotonic() - t0 < 1
    for bad, match in ((dict(base, nodes=-1), "nodes"), (dict(base, edges="3"), "edges"),
                       (dict(base, format="x"), "does not describe"),
                       (dict(base, meta=[1]), "meta")):
        with pytest.raises(ValueError, match=match):
            heapfile.loads(file_with(bad))
    with pytest.raises(ValueError, match="version 9"):
        heapfile.loads(heapfile.MAGIC + struct.pack("<II", 9, 2) + b"{}")
    with pytest.raises(ValueError, match="header length"):
        heapfile.loads(heapfile.MAGIC + struct.pack("<II", 1, 2 ** 31))
    with pytest.raises(ValueError, match="bad magic"):
        heapfile.loads(b'{"not": "a snapshot"}')
    bad_gz = str(tmp_path / "bad.gz")
    with open(bad_gz, "wb") as f:
        f.write(gzip.compress(os.urandom(4000))[:1000])     # truncated stream
    with pytest.raises(ValueError, match="gzip"):
        heapfile.load(bad_gz)


def test_heapsnapshot_export(tmp_path):
    rng = random.Random(5)
    for _ in range(20):
        g = random_graph(rng)
        doc = heapfile.validate_heapsnapshot(heapfile.to_heapsnapshot(g))
        snap, nodes, edges, strings = doc["snapshot"], doc["nodes"], doc["edges"], doc["strings"]
        nf, ef = len(snap["meta"]["node_fields"]), len(snap["meta"]["edge_fields"])
        assert snap["node_count"] == g.node_count + 1
        assert snap["edge_count"] == g.edge_count + len(g.roots)
        # node 0: the synthetic root, with one edge per root
        assert strings[nodes[1]] == "(Python roots)" and nodes[4] == len(g.roots)
        assert [edges[k + 2] // nf - 1 for k in range(0, len(g.roots) * ef, ef)] == list(g.roots)
        # every edge of node i, in order, to the same targets
        k = len(g.roots) * ef
        for i in range(g.node_count):
            assert nodes[(i + 1) * nf + 3] == g.node_size[i]
            for target, _ in g.edges_of(i):
                assert edges[k + 2] == (target + 1) * nf
                k += ef
        ids = nodes[2::nf]
        assert len(set(ids)) == len(ids)
    path = str(tmp_path / "g.heapsnapshot")
    heapfile.write_heapsnapshot(g, path)
    with open(path, encoding="utf-8") as f:
        assert json.load(f)["snapshot"]["node_count"] == g.node_count + 1


def test_heapsnapshot_labels_and_kinds():
    strings = ["str", "list", "Foo", ".name", "[2]", "local x", "['k']", "module m"]
    g = GraphData(strings, node_addr=[1, 2, 3], node_type=[2, 1, 0], node_name=[2, 1, 0],
                  node_size=[56, 72, 49], node_retained=[177, 121, 49],
                  node_dom=[NO_INDEX, 0, 1], edge_start=[0, 2, 3, 3],
                  edge_to=[1, 2, 2], edge_label=[3, 6, 4], roots=[0], root_label=[7])
    doc = heapfile.validate_heapsnapshot(heapfile.to_heapsnapshot(g))
    s, nodes, edges = doc["strings"], doc["nodes"], doc["edges"]
    types = doc["snapshot"]["meta"]["node_types"][0]
    etypes = doc["snapshot"]["meta"]["edge_types"][0]
    assert types[nodes[7]] == "object" and s[nodes[8]] == "Foo"      # an instance
    # a list is an object named list (DevTools would fold an "array" into its owner)
    assert types[nodes[14]] == "object" and s[nodes[15]] == "list"
    assert types[nodes[21]] == "string"
    # root edge, then Foo's: .name -> property 'name', ['k'] -> property
    assert etypes[edges[0]] == "property" and s[edges[1]] == "module m"
    assert etypes[edges[3]] == "property" and s[edges[4]] == "name"
    assert etypes[edges[6]] == "property" and s[edges[7]] == "['k']"
    assert etypes[edges[9]] == "element" and edges[10] == 2          # the list's [2]


@pytest.mark.parametrize("breakage", ["to_node", "name", "count", "type"])
def test_validate_heapsnapshot_catches_breakage(breakage):
    g = random_graph(random.Random(3), n=10)
    doc = heapfile.to_heapsnapshot(g)
    if breakage == "to_node":
        doc["edges"][2] += 1
    elif breakage == "name":
        doc["nodes"][1] = len(doc["strings"])
    elif breakage == "count":
        doc["nodes"][4] += 1
    else:
        doc["nodes"][0] = 99
    with pytest.raises(ValueError, match="invalid .heapsnapshot"):
        heapfile.validate_heapsnapshot(doc)


def test_files_closed_and_nothing_else_written(tmp_path):
    g = random_graph(random.Random(9), n=5)
    heapfile.save(g, str(tmp_path / "a.pymheap"))
    heapfile.write_heapsnapshot(g, str(tmp_path / "a.heapsnapshot"))
    assert sorted(os.listdir(str(tmp_path))) == ["a.heapsnapshot", "a.pymheap"]


def test_from_a_live_snapshot(tmp_path):
    retained = pytest.importorskip("pympler.retained")

    class Holder(object):
        pass

    keep = Holder()
    keep.payload = [bytes(100) for _ in range(50)]
    snap = retained.snapshot(keep_objects=False)
    g = heapfile.from_snapshot(snap, meta={"label": "test"})
    assert g.node_count == snap.node_count() and g.edge_count == len(snap.edges()[1])
    assert g.meta["label"] == "test" and g.meta["python"]
    # the nodes the virtual root dominates retain the whole heap between them
    top = [i for i in range(g.node_count) if g.node_dom[i] == NO_INDEX]
    assert sum(g.node_retained[i] for i in top) == sum(g.node_size)
    # the named roots keep their labels; modules among them
    labels = [g.strings[x] for x in g.root_label if x != NO_INDEX]
    assert any(lab.startswith("module ") for lab in labels)
    # the holder's payload: retained >= the 50 bytes objects it alone holds
    i = snap.index(keep.payload)
    assert i >= 0 and g.node_addr[i] == id(keep.payload)
    assert g.node_retained[i] >= 50 * sys.getsizeof(bytes(100)) + sys.getsizeof(keep.payload)
    assert g.strings[g.node_type[i]] == "list"
    path = str(tmp_path / "live.pymheap.gz")
    heapfile.save(g, path)
    same(g, heapfile.load(path))
    heapfile.validate_heapsnapshot(heapfile.to_heapsnapshot(g))
