"""Heap snapshot files: save and load a whole-heap graph, and export it to
Chrome DevTools' ``.heapsnapshot`` format (issue 10, docs/snapshot-format.md).

A :class:`GraphData` holds a heap graph as flat arrays (no Python object per
node or edge): per node its address, type and name (indexes into a string
table), flat size, retained size and immediate dominator; the edges in CSR
form (``edge_start[i]:edge_start[i+1]`` are node i's edges) with a target and
a label per edge; the roots with their labels; and ``meta``, a JSON-friendly
dict (Python version, time, program...).

The file format (version 1) is documented in docs/snapshot-format.md: a magic
string, a JSON header with the counts, then little-endian arrays, gzip-
compressed when the file name ends in ``.gz``.  :func:`load` checks every
length against the file's size before reading it and every index against the
counts, so a truncated or corrupted file gives ``ValueError`` -- never a crash,
a hang or a huge allocation.  Nothing is unpickled: the file is data.

Documentation: docs/usage.md in pympler's source repository.
"""
import gzip
import io
import json
import struct
import sys
from array import array
from itertools import compress

__all__ = ["GraphData", "from_snapshot", "save", "load", "to_heapsnapshot",
           "write_heapsnapshot", "validate_heapsnapshot", "FORMAT_VERSION", "NO_INDEX"]

MAGIC = b"PYMHEAP\x00"
FORMAT_VERSION = 1
NO_INDEX = 0xFFFFFFFF           # "no label" / "no dominator" in u32 arrays
_MAX_HEADER = 1 << 20           # 1 MiB of JSON header at most
_LITTLE = sys.byteorder == "little"
_GZIP_LEVEL = 1                 # level 9 took 9x as long for a 3% smaller file

# (name, typecode, item size, length key); 'L'/'Q' sizes are checked below.
_U32, _U64 = "I", "Q"
_ARRAYS = (
    ("node_addr", _U64, "nodes"),
    ("node_type", _U32, "nodes"),
    ("node_name", _U32, "nodes"),
    ("node_size", _U64, "nodes"),
    ("node_retained", _U64, "nodes"),
    ("node_dom", _U32, "nodes"),
    ("edge_start", _U32, "nodes+1"),
    ("edge_to", _U32, "edges"),
    ("edge_label", _U32, "edges"),
    ("roots", _U32, "roots"),
    ("root_label", _U32, "roots"),
)
assert array(_U32).itemsize == 4 and array(_U64).itemsize == 8


def _fail(what):
    raise ValueError("pympler heap snapshot: %s" % (what,))


class GraphData(object):
    """A heap graph as flat arrays; see the module docstring."""

    def __init__(self, strings=(), meta=None, **arrays):
        self.strings = list(strings)
        self.meta = dict(meta or {})
        for name, code, _ in _ARRAYS:
            value = arrays.pop(name, ())
            self.__dict__[name] = value if isinstance(value, array) and value.typecode == code \
                else array(code, value)
        if arrays:
            raise TypeError("GraphData: unknown arrays %s" % ", ".join(sorted(arrays)))

    @property
    def node_count(self):
        return len(self.node_addr)

    @property
    def edge_count(self):
        return len(self.edge_to)

    def edges_of(self, i):
        """(target index, label or None) of node i's edges."""
        labels = self.strings
        for k in range(self.edge_start[i], self.edge_start[i + 1]):
            lab = self.edge_label[k]
            yield self.edge_to[k], (None if lab == NO_INDEX else labels[lab])

    def validate(self):
        """Raise ValueError unless every length and index is consistent."""
        n, e, r, s = self.node_count, self.edge_count, len(self.roots), len(self.strings)
        if n >= NO_INDEX or e >= NO_INDEX or s >= NO_INDEX:
            _fail("too many nodes, edges or strings for 32-bit indices")
        expected = {"nodes": n, "nodes+1": n + 1, "edges": e, "roots": r}
        for name, _, key in _ARRAYS:
            if len(getattr(self, name)) != expected[key]:
                _fail("%s has %d items, expected %d" % (name, len(getattr(self, name)),
                                                         expected[key]))
        if not set(map(type, self.strings)) <= {str}:
            _fail("the string table holds a non-string")
        for name in ("node_type", "node_name"):
            if n and max(getattr(self, name)) >= s:
                _fail("%s refers to a string beyond the table (%d strings)" % (name, s))
        # set() and max() run in C: no Python loop over a million items
        for name, limit in (("edge_label", s), ("root_label", s), ("node_dom", n)):
            values = set(getattr(self, name))
            values.discard(NO_INDEX)
            if values and max(values) >= limit:
                _fail("%s refers to item %d of %d" % (name, max(values), limit))
        start = self.edge_start
        if start[0] != 0 or start[n] != e:
            _fail("edge_start must run from 0 to the edge count %d" % e)
        if start.tolist() != sorted(start):
            _fail("edge_start is not ascending")
        if e and max(self.edge_to) >= n:
            _fail("edge_to refers to a node beyond %d" % n)
        if r and max(self.roots) >= n:
            _fail("roots refer to a node beyond %d" % n)
        return self


def _process_meta():
    """The ``meta`` of a snapshot taken in this process: Python version and
    implementation, platform, time, process id and ``sys.argv``."""
    import os
    import platform
    import time

    return {"python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(), "time": time.time(), "pid": os.getpid(),
            "argv": [str(a) for a in sys.argv]}


def from_snapshot(snap, meta=None, labels=None):
    """A :class:`GraphData` of a ``pympler.retained`` snapshot (taken with or
    without ``keep_objects``).  *labels* (default: when the snapshot is
    held) stores the label of every edge (``.attr``, ``['key']``, ``[3]``,
    ``local x``...; computed in C from the objects, so it needs a held
    snapshot); without, ``edge_label`` is all NO_INDEX.  The named roots
    keep their labels.  *meta* is added to the Python version, platform,
    time, process id and command line; ``meta['types']`` lists the
    ``[qualname, module]`` of each type string."""
    offsets, targets = snap.edges()
    roots, root_labels = snap.roots()
    strings, index = [], {}

    def sid(text):
        k = index.get(text)
        if k is None:
            k = index[text] = len(strings)
            strings.append(text)
        return k

    # the type names first, in type-index order: node_type is the engine's
    # type_indices as they are (a name two types share is stored twice)
    types = snap.types()
    for qual, mod in types:
        strings.append(qual if mod in ("builtins", "", None) else "%s.%s" % (mod, qual))
    index.update((text, k) for k, text in enumerate(strings))
    root_label = array(_U32, (sid(str(lab)) for lab in root_labels))
    root_label.extend([NO_INDEX] * (len(roots) - len(root_label)))
    if labels is None:
        labels = snap.held
    if labels:
        # after the type names and the root labels, so that no index moves
        edge_label, label_strings = snap.edge_labels(base=len(strings))
        strings.extend(label_strings)
    else:
        edge_label = array(_U32, [NO_INDEX]) * len(targets)
    node_type = snap.type_indices()
    node_dom = array(_U32)
    node_dom.frombytes(snap._g.idoms(NO_INDEX))
    info = _process_meta()
    info.update(meta or {})
    info["types"] = [[str(q), str(m)] for q, m in types]
    return GraphData(strings, info, node_addr=snap.addresses(), node_type=node_type,
                     node_name=node_type, node_size=snap.flat_sizes(),
                     node_retained=snap.retained_sizes(), node_dom=node_dom,
                     edge_start=offsets, edge_to=targets,
                     edge_label=edge_label,
                     roots=roots, root_label=root_label)   # save() validates


# ---------------------------------------------------------------------------
# Own file format.

def _as_le(arr):
    if _LITTLE:
        return arr.tobytes()
    other = array(arr.typecode, arr)
    other.byteswap()
    return other.tobytes()


def _dump_strings(strings):
    out = io.BytesIO()
    for text in strings:
        data = text.encode("utf-8", "surrogatepass")
        out.write(struct.pack("<I", len(data)))
        out.write(data)
    return out.getvalue()


def save(data, path):
    """Write *data* (a GraphData) to *path* (gzip when it ends in ``.gz``)."""
    data.validate()
    strings = _dump_strings(data.strings)
    header = json.dumps({
        "format": "pympler-heap-snapshot", "version": FORMAT_VERSION,
        "nodes": data.node_count, "edges": data.edge_count, "roots": len(data.roots),
        "strings": len(data.strings), "string_bytes": len(strings), "meta": data.meta,
    }, sort_keys=True).encode("utf-8")
    if len(header) > _MAX_HEADER:
        raise ValueError("the snapshot's meta is too large for the header (%d bytes)"
                         % len(header))
    if str(path).endswith(".gz"):
        f = gzip.open(path, "wb", compresslevel=_GZIP_LEVEL)
    else:
        f = open(path, "wb")
    with f:
        f.write(MAGIC)
        f.write(struct.pack("<II", FORMAT_VERSION, len(header)))
        f.write(header)
        for name, _, _ in _ARRAYS:
            f.write(_as_le(getattr(data, name)))
        f.write(strings)


class _Reader(object):
    def __init__(self, buf):
        self.buf = memoryview(buf)
        self.pos = 0

    def take(self, n, what):
        if n < 0 or n > len(self.buf) - self.pos:
            _fail("file truncated: %s needs %d bytes, %d left" % (what, n,
                                                                    len(self.buf) - self.pos))
        chunk = self.buf[self.pos:self.pos + n]
        self.pos += n
        return chunk


def _read_bytes(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            # GzipFile, not gzip.decompress: a truncated stream is an error
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
                raw = gz.read()
        except (OSError, EOFError, ValueError) as exc:
            _fail("bad gzip data (%s)" % (exc,))
    return raw


def _parse_strings(raw, count):
    """The ``count`` strings of a string table (u32 length + UTF-8 each)."""
    strings, pos, end = [], 0, len(raw)
    frombytes, append = int.from_bytes, strings.append
    for i in range(count):
        if end - pos < 4:
            _fail("file truncated: string %d's length needs 4 bytes, %d left" % (i, end - pos))
        n = frombytes(raw[pos:pos + 4], "little")
        pos += 4
        if n > end - pos:
            _fail("file truncated: string %d needs %d bytes, %d left" % (i, n, end - pos))
        try:
            append(raw[pos:pos + n].decode("utf-8", "surrogatepass"))
        except UnicodeDecodeError as exc:
            _fail("string %d is not UTF-8 (%s)" % (i, exc))
        pos += n
    if pos != end:
        _fail("the string table has %d bytes after its last string" % (end - pos))
    return strings


def load(path):
    """Read a snapshot file written by :func:`save`; ValueError when it is
    not one, is truncated or is inconsistent."""
    return loads(_read_bytes(path))


def loads(raw):
    """:func:`load` from bytes."""
    rd = _Reader(raw)
    if bytes(rd.take(len(MAGIC), "the magic string")) != MAGIC:
        _fail("not a pympler heap snapshot (bad magic string)")
    version, hlen = struct.unpack("<II", rd.take(8, "the version"))
    if version != FORMAT_VERSION:
        _fail("format version %d is not supported (this pympler reads %d)"
              % (version, FORMAT_VERSION))
    if hlen > _MAX_HEADER:
        _fail("header length %d is beyond the limit" % hlen)
    try:
        header = json.loads(bytes(rd.take(hlen, "the header")).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail("the header is not JSON (%s)" % (exc,))
    if not isinstance(header, dict) or header.get("format") != "pympler-heap-snapshot":
        _fail("the header does not describe a pympler heap snapshot")
    counts = {}
    for key in ("nodes", "edges", "roots", "strings", "string_bytes"):
        value = header.get(key)
        if type(value) is not int or not 0 <= value < NO_INDEX:
            _fail("header field %r must be an int in [0, 2**32-1), not %r" % (key, value))
        counts[key] = value
    meta = header.get("meta", {})
    if not isinstance(meta, dict):
        _fail("header field 'meta' must be an object")
    lengths = {"nodes": counts["nodes"], "nodes+1": counts["nodes"] + 1,
               "edges": counts["edges"], "roots": counts["roots"]}
    arrays = {}
    for name, code, key in _ARRAYS:
        arr = array(code)
        arr.frombytes(rd.take(lengths[key] * arr.itemsize, name))
        if not _LITTLE:
            arr.byteswap()
        arrays[name] = arr
    strings = _parse_strings(bytes(rd.take(counts["string_bytes"], "the string table")),
                             counts["strings"])
    if rd.pos != len(rd.buf):
        _fail("%d bytes after the end of the snapshot" % (len(rd.buf) - rd.pos))
    return GraphData(strings, meta, **arrays).validate()


# ---------------------------------------------------------------------------
# Chrome DevTools .heapsnapshot export.

_NODE_FIELDS = ["type", "name", "id", "self_size", "edge_count", "trace_node_id",
                "detachedness"]
_NODE_TYPES = ["hidden", "array", "string", "object", "code", "closure", "regexp", "number",
               "native", "synthetic", "concatenated string", "sliced string", "symbol",
               "bigint", "object shape"]
_EDGE_FIELDS = ["type", "name_or_index", "to_node"]
_EDGE_TYPES = ["context", "element", "property", "internal", "hidden", "shortcut", "weak"]
# DevTools node types: its "array" and "hidden" nodes lose their size to the
# object that alone holds them (calculateShallowSizes), "closure" nodes are
# all named "Function", "synthetic" ones are left out of the summary: a
# Python list, cell, function or module is an "object" named by its type
_KIND = {"str": 2, "bytes": 2, "code": 4, "int": 7, "float": 7, "complex": 7, "bool": 7}
_E_ELEMENT, _E_PROPERTY, _E_INTERNAL, _E_CONTEXT = 1, 2, 3, 0


def _edge_kind(label):
    """(edge type, name or index) of one of our labels."""
    if label is None:
        return _E_INTERNAL, "referent"
    if label.startswith("[") and label.endswith("]") and label[1:-1].isdigit():
        return _E_ELEMENT, int(label[1:-1])
    if label.startswith("local "):
        return _E_CONTEXT, label[6:]
    if label.startswith("."):
        return _E_PROPERTY, label[1:]
    return _E_PROPERTY, label


def to_heapsnapshot(data):
    """The graph as a Chrome DevTools heap snapshot (a JSON-ready dict): node
    0 is a synthetic "(Python roots)" node with an edge to every root; object
    nodes keep their order (node i is DevTools node i + 1)."""
    data.validate()
    strings, index = [], {}

    def sid(text):
        k = index.get(text)
        if k is None:
            k = index[text] = len(strings)
            strings.append(text)
        return k

    # one pass of map() per field over the arrays (C loops), a Python call
    # only per distinct type and label
    nf, ef, n, text = len(_NODE_FIELDS), len(_EDGE_FIELDS), data.node_count, data.strings
    kind_of = dict((t, _KIND.get(text[t], 3)) for t in set(data.node_type))
    name_of = {}

    def name(t, nm):
        key = (t, nm)
        k = name_of.get(key)
        if k is None:
            k = name_of[key] = sid(text[nm] if kind_of[t] == 3 else text[t])
        return k

    roots = list(zip(data.roots, data.root_label))
    root_name = sid("(Python roots)")
    nodes = [0] * (nf * (n + 1))
    nodes[0:nf] = [9, root_name, 1, 0, len(roots), 0, 0]
    nodes[nf::nf] = list(map(kind_of.__getitem__, data.node_type))
    nodes[nf + 1::nf] = list(map(name, data.node_type, data.node_name))
    nodes[nf + 2::nf] = range(3, 2 * n + 3, 2)
    nodes[nf + 3::nf] = data.node_size
    start = data.edge_start
    nodes[nf + 4::nf] = list(map(int.__sub__, start[1:], start[:-1]))
    position = range(nf, nf * (n + 1), nf)         # DevTools' node offsets
    etype_of, value_of = {}, {}
    for lab in set(data.edge_label):
        etype, value = _edge_kind(None if lab == NO_INDEX else text[lab])
        etype_of[lab] = etype
        value_of[lab] = value if etype == _E_ELEMENT else sid(value)
    nr, ne = len(roots), data.edge_count
    edges = [0] * (ef * (nr + ne))
    for k, (node, lab) in enumerate(roots):
        edges[ef * k:ef * k + ef] = [
            _E_PROPERTY, sid(text[lab] if lab != NO_INDEX else "(unreferenced)"), position[node]]
    edges[ef * nr::ef] = list(map(etype_of.__getitem__, data.edge_label))
    edges[ef * nr + 1::ef] = list(map(value_of.__getitem__, data.edge_label))
    edges[ef * nr + 2::ef] = list(map(position.__getitem__, data.edge_to))
    return {
        "snapshot": {
            "meta": {
                "node_fields": _NODE_FIELDS,
                "node_types": [_NODE_TYPES, "string", "number", "number", "number", "number",
                               "number"],
                "edge_fields": _EDGE_FIELDS,
                "edge_types": [_EDGE_TYPES, "string_or_number", "node"],
                "trace_function_info_fields": ["function_id", "name", "script_name",
                                               "script_id", "line", "column"],
                "trace_node_fields": ["id", "function_info_index", "count", "size",
                                      "children"],
                "sample_fields": ["timestamp_us", "last_assigned_id"],
                "location_fields": ["object_index", "script_id", "line", "column"],
            },
            "node_count": data.node_count + 1,
            "edge_count": len(edges) // len(_EDGE_FIELDS),
            "trace_function_count": 0,
        },
        "nodes": nodes, "edges": edges, "trace_function_infos": [], "trace_tree": [],
        "samples": [], "locations": [], "strings": strings,
    }


def write_heapsnapshot(data, path):
    """Write :func:`to_heapsnapshot` as JSON to *path* (open it in Chrome's
    DevTools, Memory panel, "Load")."""
    doc = validate_heapsnapshot(to_heapsnapshot(data))
    text = json.dumps(doc, separators=(",", ":"))   # the C encoder: json.dump is 5x slower
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def validate_heapsnapshot(doc):
    """The checks DevTools' loader relies on: field counts, array lengths,
    node and string indexes, edge counts.  Returns *doc*; ValueError
    otherwise."""
    def bad(what):
        raise ValueError("invalid .heapsnapshot: %s" % (what,))

    try:
        snap = doc["snapshot"]
        meta = snap["meta"]
        nodes, edges, strings = doc["nodes"], doc["edges"], doc["strings"]
        nf, ef = len(meta["node_fields"]), len(meta["edge_fields"])
        node_types, edge_types = meta["node_types"][0], meta["edge_types"][0]
    except (KeyError, TypeError, IndexError) as exc:
        bad("missing part %s" % (exc,))
    if meta["node_fields"][:5] != _NODE_FIELDS[:5] or meta["edge_fields"] != _EDGE_FIELDS:
        bad("unexpected node or edge fields")
    if len(nodes) % nf or len(nodes) // nf != snap["node_count"]:
        bad("nodes has %d numbers, not node_count x %d" % (len(nodes), nf))
    if len(edges) % ef or len(edges) // ef != snap["edge_count"]:
        bad("edges has %d numbers, not edge_count x %d" % (len(edges), ef))
    if not all(isinstance(s, str) for s in strings):
        bad("a string is not a string")
    # one C-level pass per field, no Python statement per node or edge
    n, e = len(nodes) // nf, len(edges) // ef
    for field, what, limit in ((0, "type", len(node_types)), (1, "name", len(strings))):
        values = nodes[field::nf]
        if n and (min(values) < 0 or max(values) >= limit):
            bad("a node's %s is out of range (%d..%d, limit %d)"
                % (what, min(values), max(values), limit))
    if n and (min(nodes[3::nf]) < 0 or min(nodes[4::nf]) < 0):
        bad("a node has a negative size or edge count")
    total = sum(nodes[4::nf])
    if total != snap["edge_count"]:
        bad("the nodes' edge counts add up to %d, not %d" % (total, snap["edge_count"]))
    element = edge_types.index("element")
    hidden = edge_types.index("hidden")
    etypes = edges[0::ef]
    if e and (min(etypes) < 0 or max(etypes) >= len(edge_types)):
        bad("an edge has type %r" % (min(etypes) if min(etypes) < 0 else max(etypes),))
    named_types = set(range(len(edge_types))) - {element, hidden}
    named = list(compress(edges[1::ef], map(named_types.__contains__, etypes)))
    if named and (min(named) < 0 or max(named) >= len(strings)):
        bad("an edge's name is string %r of %d" % (max(named), len(strings)))
    targets = edges[2::ef]
    if e and (min(targets) < 0 or max(targets) >= len(nodes)
              or any(map(nf.__rmod__, targets))):
        bad("an edge points to %r, not a node" % (next(
            (t for t in targets if t % nf or not 0 <= t < len(nodes)), None),))
    return doc
