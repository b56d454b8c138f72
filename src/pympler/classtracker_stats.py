"""Saving, loading, presenting and comparing ``ClassTracker`` statistics.

``Stats`` sorts and annotates the data of a ``pympler.classtracker.ClassTracker``
(or of a dump file); ``ConsoleStats`` prints it with Pympler 1.1's layouts;
``compare_stats``/``print_comparison`` put two runs side by side.

Dumps are a versioned JSON document (gzip-compressed when the file name ends in
``.gz``) described in docs/classtracker-dump.md: they hold no code and loading
them runs none.  Pympler 1.1's pickle dumps still load, through an unpickler
that admits only the classes such a dump holds.

``HtmlStats`` writes them as HTML pages with charts (`pympler.charts`: SVG of
its own, or matplotlib when installed), every user string escaped.
Documentation: docs/usage.md in pympler's source repository.
"""
import collections
import copyreg
import gzip
import html
import io
import json
import os
import pickle
import pickletools
import re
import sys
import urllib.parse

from pympler import charts as _charts
from pympler import classtracker as _classtracker
from pympler._asized import Asized
from pympler.util.stringutils import pp, pp_timestamp, trunc

__all__ = ["Stats", "ConsoleStats", "HtmlStats", "compare_stats", "print_comparison"]

DUMP_FORMAT = "pympler-classtracker-dump"
DUMP_VERSION = 1

_CRITERIA = ("classname", "tsize", "birth", "death", "name", "repr", "size")


# --------------------------------------------------------------------------
# Records: what a dump loads into when pympler.classtracker is not there
# --------------------------------------------------------------------------

def _no_referent():
    """The ``ref`` of a loaded tracked object: the instance is gone."""
    return None


class _Record(object):
    """Plain attribute holder; also the target of admitted 1.1 pickles."""

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        if isinstance(state, tuple) and len(state) == 2:   # (dict, slots)
            state = dict(state[0] or {}, **(state[1] or {}))
        if not isinstance(state, dict):
            raise ValueError("unexpected state %r in a Pympler 1.1 dump" % (type(state),))
        for key, value in state.items():
            if isinstance(key, str):
                self.__dict__[key] = value


class TrackedObjectRecord(_Record):
    """A tracked object read from a dump (same attributes as TrackedObject)."""

    def __init__(self, *args, **kwargs):
        self.ref = _no_referent
        self.id = 0
        self.name = ""
        self.repr = ""
        self.birth = 0.0
        self.death = None
        self.trace = None
        self.snapshots = []
        self._resolution_level = 0

    def get_max_size(self):
        return max([s.size for (_, s) in self.snapshots if s is not None] or [0])

    def get_size_at_time(self, timestamp):
        size = 0
        for (t, s) in self.snapshots:
            if t == timestamp and s is not None:
                size = s.size
        return size


class ProcessMemoryInfoRecord(_Record):
    """Process figures of a snapshot read from a dump."""

    def __init__(self, *args, **kwargs):
        self.pid = 0
        self.rss = 0
        self.vsz = 0
        self.pagefaults = 0
        self.os_specific = []
        self.data_segment = 0
        self.code_segment = 0
        self.shared_segment = 0
        self.stack_segment = 0
        self.available = False


class SnapshotRecord(_Record):
    """A snapshot read from a dump (same attributes as Snapshot)."""

    def __init__(self, *args, **kwargs):
        self.timestamp = 0.0
        self.desc = ""
        self.tracked_total = 0
        self.asizeof_total = 0
        self.overhead = 0
        self.system_total = ProcessMemoryInfoRecord()
        self.classes = None

    # The same rules as pympler.classtracker.Snapshot (same attributes).
    total = _classtracker.Snapshot.total
    label = _classtracker.Snapshot.label


_PROCESS_FIELDS = ("pid", "rss", "vsz", "pagefaults", "data_segment", "code_segment",
                   "shared_segment", "stack_segment", "available")


def _rebuild(record, kind):
    """Turn a record into pympler.classtracker's class when that module is
    there and accepts the attributes; else keep the record."""
    try:
        from pympler import classtracker
        cls = getattr(classtracker, kind)
        obj = cls.__new__(cls)
        for key, value in record.__dict__.items():
            setattr(obj, key, value)
        if kind == "TrackedObject":
            obj.ref = _no_referent
            for attr in ("classname", "size", "tsize"):     # set when sorting
                setattr(obj, attr, None)
        if kind == "TrackedObject":             # the methods the stats use
            obj.get_size_at_time(0.0)
            obj.get_max_size()
        else:
            obj.total  # noqa: B018
        return obj
    except Exception:
        return record


# --------------------------------------------------------------------------
# JSON dump format
# --------------------------------------------------------------------------

def _asized_to_json(node):
    if node is None:
        return None
    return {"size": node.size, "flat": node.flat, "name": node.name,
            "refs": [_asized_to_json(r) for r in node.refs]}


def _asized_from_json(data, where):
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ValueError("%s: expected an Asized object, got %s" % (where, type(data).__name__))
    name = data.get("name")
    if name is not None and not isinstance(name, str):
        raise ValueError("%s: Asized name must be a string or null" % (where,))
    return Asized(_number(data.get("size", 0), where + ".size"),
                  _number(data.get("flat", 0), where + ".flat"),
                  [_asized_from_json(r, where + ".refs")
                   for r in _list(data.get("refs", []), where)],
                  name)


def _number(value, where):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("%s: expected a number, got %r" % (where, value))
    return value


def _list(value, where):
    if not isinstance(value, list):
        raise ValueError("%s: expected a list, got %s" % (where, type(value).__name__))
    return value


def _tobj_to_json(tobj):
    trace = tobj.trace
    return {
        "id": tobj.id, "name": tobj.name, "repr": tobj.repr,
        "birth": tobj.birth, "death": tobj.death,
        "resolution_level": getattr(tobj, "_resolution_level",
                                    getattr(tobj, "resolution_level", 0)),
        "trace": None if trace is None else [
            [r[0], r[1], r[2], None if r[3] is None else list(r[3]), r[4]] for r in trace],
        "snapshots": [[t, _asized_to_json(s)] for (t, s) in tobj.snapshots],
    }


def _tobj_from_json(data, where):
    if not isinstance(data, dict):
        raise ValueError("%s: expected a tracked object" % (where,))
    rec = TrackedObjectRecord()
    rec.id = int(_number(data.get("id", 0), where + ".id"))
    rec.name = str(data.get("name", ""))
    rec.repr = str(data.get("repr", ""))
    rec.birth = _number(data.get("birth", 0.0), where + ".birth")
    death = data.get("death")
    rec.death = None if death is None else _number(death, where + ".death")
    rec._resolution_level = int(_number(data.get("resolution_level", 0), where))
    trace = data.get("trace")
    if trace is not None:
        rec.trace = [(str(r[0]), int(r[1]), str(r[2]),
                      None if r[3] is None else [str(x) for x in r[3]], r[4])
                     for r in _list(trace, where + ".trace")]
    rec.snapshots = []
    for pair in _list(data.get("snapshots", []), where + ".snapshots"):
        if not isinstance(pair, list) or len(pair) != 2:
            raise ValueError("%s.snapshots: expected [timestamp, Asized] pairs" % (where,))
        rec.snapshots.append((_number(pair[0], where + ".snapshots"),
                              _asized_from_json(pair[1], where + ".snapshots")))
    return _rebuild(rec, "TrackedObject")


def _snapshot_to_json(snap):
    system = getattr(snap, "system_total", None)
    out = {"timestamp": snap.timestamp, "desc": snap.desc,
           "tracked_total": snap.tracked_total, "asizeof_total": snap.asizeof_total,
           "overhead": snap.overhead, "system_total": None}
    if system is not None:
        out["system_total"] = {k: getattr(system, k, 0) for k in _PROCESS_FIELDS}
        out["system_total"]["available"] = bool(getattr(system, "available", False))
    return out


def _snapshot_from_json(data, where):
    if not isinstance(data, dict):
        raise ValueError("%s: expected a snapshot" % (where,))
    rec = SnapshotRecord()
    rec.timestamp = _number(data.get("timestamp", 0.0), where + ".timestamp")
    rec.desc = str(data.get("desc", ""))
    for key in ("tracked_total", "asizeof_total", "overhead"):
        setattr(rec, key, _number(data.get(key, 0), where + "." + key))
    system = data.get("system_total")
    if isinstance(system, dict):
        for key in _PROCESS_FIELDS:
            if key in system:
                setattr(rec.system_total, key, system[key] if key == "available"
                        else _number(system[key], where + ".system_total." + key))
        rec.system_total.available = bool(rec.system_total.available)
    return _rebuild(rec, "Snapshot")


def _load_json(data):
    try:
        return _load_json_doc(data)
    except RecursionError:
        raise ValueError("not a valid classtracker JSON dump: nested too deeply") from None


def _load_json_doc(data):
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ValueError("not a valid classtracker JSON dump: %s" % (exc,)) from None
    if not isinstance(doc, dict) or doc.get("format") != DUMP_FORMAT:
        raise ValueError("not a classtracker dump: expected a JSON object with "
                         "\"format\": %r" % (DUMP_FORMAT,))
    if doc.get("version") != DUMP_VERSION:
        raise ValueError("unsupported classtracker dump version %r (this pympler reads "
                         "version %d)" % (doc.get("version"), DUMP_VERSION))
    index = collections.defaultdict(list)
    raw_index = doc.get("index", {})
    if not isinstance(raw_index, dict):
        raise ValueError("index: expected an object of tracking name -> list")
    for name, tobjs in raw_index.items():
        index[name] = [_tobj_from_json(t, "index[%r][%d]" % (name, i))
                       for i, t in enumerate(_list(tobjs, "index[%r]" % (name,)))]
    snapshots = [_snapshot_from_json(s, "snapshots[%d]" % i)
                 for i, s in enumerate(_list(doc.get("snapshots", []), "snapshots"))]
    return index, snapshots


# --------------------------------------------------------------------------
# Pympler 1.1 pickle dumps, through a restricted unpickler
# --------------------------------------------------------------------------

_BUILTINS = {"list": list, "dict": dict, "tuple": tuple, "set": set,
             "frozenset": frozenset, "object": object}

_ADMITTED = {
    ("collections", "defaultdict"): collections.defaultdict,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("copyreg", "_reconstructor"): copyreg._reconstructor,
    ("pympler.classtracker", "TrackedObject"): TrackedObjectRecord,
    ("pympler.classtracker", "Snapshot"): SnapshotRecord,
    ("pympler.asizeof", "Asized"): Asized,
    ("pympler._asized", "Asized"): Asized,
}
for _name, _obj in _BUILTINS.items():
    _ADMITTED[("builtins", _name)] = _obj
    _ADMITTED[("__builtin__", _name)] = _obj
for _name in ("ProcessMemoryInfo", "_ProcessMemoryInfo", "_ProcessMemoryInfoProc",
              "_ProcessMemoryInfoPS", "_ProcessMemoryInfoResource",
              "_ProcessMemoryInfoWin32"):
    _ADMITTED[("pympler.process", _name)] = ProcessMemoryInfoRecord
del _name, _obj


def _refuse(module, name):
    raise ValueError("refusing global %s.%s in a Pympler 1.1 dump: only the classes "
                     "such a dump holds are admitted" % (module, name))


def _scan_globals(data):
    """Check every global a pickle stream names, before unpickling any of it."""
    memo = {}
    strings = []          # recent values pushed by string opcodes (or None)
    try:
        for op, arg, _ in pickletools.genops(io.BytesIO(data)):
            name = op.name
            if name in ("GLOBAL", "INST"):
                module, _, attr = arg.partition(" ")
                if (module, attr) not in _ADMITTED:
                    _refuse(module, attr)
            elif name == "STACK_GLOBAL":
                if len(strings) < 2 or strings[-1] is None or strings[-2] is None:
                    raise ValueError("refusing a Pympler 1.1 dump: a global whose "
                                     "name cannot be read")
                if (strings[-2], strings[-1]) not in _ADMITTED:
                    _refuse(strings[-2], strings[-1])
            if name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8",
                        "STRING", "BINSTRING", "SHORT_BINSTRING"):
                strings.append(arg)
            elif name == "MEMOIZE":
                memo[len(memo)] = strings[-1] if strings else None
            elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
                memo[arg] = strings[-1] if strings else None
            elif name in ("GET", "BINGET", "LONG_BINGET"):
                strings.append(memo.get(arg))
            elif name != "FRAME":
                strings.append(None)     # anything else: not a readable name
            del strings[:-2]
            if name == "STOP":
                return
    except Exception as exc:
        if isinstance(exc, ValueError) and str(exc).startswith("refusing"):
            raise
        raise ValueError("not a valid Pympler 1.1 dump: %s" % (exc,)) from None


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        try:
            return _ADMITTED[(module, name)]
        except KeyError:
            _refuse(module, name)

    def persistent_load(self, pid):
        raise ValueError("refusing a persistent id in a Pympler 1.1 dump")


def _check_asized(node, where):
    if node is None:
        return
    if not isinstance(node, Asized):
        raise ValueError("not a Pympler 1.1 dump: %s is not an Asized" % (where,))
    _number(node.size, where + ".size")
    _number(node.flat, where + ".flat")
    if not isinstance(node.refs, (list, tuple)):
        raise ValueError("not a Pympler 1.1 dump: %s.refs is not a list" % (where,))
    for ref in node.refs:
        _check_asized(ref, where + ".refs")


def _fix_records(obj, where):
    """Check that a record read from a 1.1 pickle has the types a dump holds."""
    for key, value in type(obj)().__dict__.items():    # NEWOBJ skipped __init__
        obj.__dict__.setdefault(key, value)
    try:
        if isinstance(obj, TrackedObjectRecord):
            _number(obj.id, where + ".id")
            _number(obj.birth, where + ".birth")
            if obj.death is not None:
                _number(obj.death, where + ".death")
            if not isinstance(obj.name, str) or not isinstance(obj.repr, str):
                raise ValueError("%s: name and repr must be strings" % (where,))
            if obj.trace is not None and not isinstance(obj.trace, list):
                raise ValueError("%s: trace must be a list" % (where,))
            if not isinstance(obj.snapshots, list):
                raise ValueError("%s: snapshots must be a list" % (where,))
            for pair in obj.snapshots:
                if not isinstance(pair, tuple) or len(pair) != 2:
                    raise ValueError("%s: snapshots must be (timestamp, Asized)" % (where,))
                _number(pair[0], where + ".snapshots")
                _check_asized(pair[1], where + ".snapshots")
            return _rebuild(obj, "TrackedObject")
        for key in ("timestamp", "tracked_total", "asizeof_total", "overhead"):
            _number(getattr(obj, key), "%s.%s" % (where, key))
        if not isinstance(obj.desc, str):
            raise ValueError("%s: desc must be a string" % (where,))
        if not isinstance(obj.system_total, ProcessMemoryInfoRecord):
            obj.system_total = ProcessMemoryInfoRecord()
        for key, value in ProcessMemoryInfoRecord().__dict__.items():
            obj.system_total.__dict__.setdefault(key, value)
        obj.system_total.available = bool(obj.system_total.available)
        _number(obj.system_total.vsz, where + ".system_total.vsz")
        obj.classes = None          # recomputed from the data
        return _rebuild(obj, "Snapshot")
    except (ValueError, RecursionError) as exc:
        raise ValueError("not a Pympler 1.1 dump: %s" % (exc,)) from None


def _load_pickles(data):
    stream = io.BytesIO(data)
    parts = []
    for _ in range(2):
        start = stream.tell()
        _scan_globals(data[start:])
        try:
            parts.append(_RestrictedUnpickler(stream).load())
        except ValueError:
            raise
        except Exception as exc:
            raise ValueError("not a valid Pympler 1.1 dump: %s" % (exc,)) from None
    index, snapshots = parts
    if not isinstance(index, dict) or not isinstance(snapshots, list):
        raise ValueError("not a Pympler 1.1 dump: expected an index dict and a snapshot list")
    out = collections.defaultdict(list)
    for name, tobjs in index.items():
        if not isinstance(tobjs, list) or not all(isinstance(t, TrackedObjectRecord)
                                                  for t in tobjs):
            raise ValueError("not a Pympler 1.1 dump: index[%r] is not a list of "
                             "tracked objects" % (name,))
        out[name] = [_fix_records(t, "index[%r][%d]" % (name, i))
                     for i, t in enumerate(tobjs)]
    if not all(isinstance(s, SnapshotRecord) for s in snapshots):
        raise ValueError("not a Pympler 1.1 dump: the snapshot list holds other objects")
    return out, [_fix_records(s, "snapshots[%d]" % i) for i, s in enumerate(snapshots)]


def _read_dump(fdump):
    if isinstance(fdump, str):
        with open(fdump, "rb") as f:
            data = f.read()
    else:
        data = fdump.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ValueError("corrupt gzip-compressed classtracker dump: %s" % (exc,)) from None
    if data.lstrip()[:1] == b"{":
        return _load_json(data)
    if data[:1] == b"\x80":
        return _load_pickles(data)
    raise ValueError("not a classtracker dump: expected pympler's JSON dump (version %d, "
                     "optionally gzip-compressed) or a Pympler 1.1 pickle dump"
                     % (DUMP_VERSION,))


# --------------------------------------------------------------------------
# Annotation helpers
# --------------------------------------------------------------------------

def _ref2key(ref):
    return str(ref.name).split(":")[0]


def _copy_asized(node):
    return Asized(node.size, node.flat, [_copy_asized(r) for r in node.refs], node.name)


def _merge_asized(base, other, level=0):
    base.size += other.size
    base.flat += other.flat
    if level > 0:
        base.name = _ref2key(base)
    refs = list(base.refs)
    bykey = {}
    for ref in refs:
        bykey[_ref2key(ref)] = ref
    for ref in other.refs:
        key = _ref2key(ref)
        if key in bykey:
            _merge_asized(bykey[key], ref, level=level + 1)
        else:
            copy = _copy_asized(ref)
            copy.name = key
            refs.append(copy)
    base.refs = refs


def _merge_objects(tref, merged, tobj):
    size = None
    for (timestamp, tsize) in tobj.snapshots:
        if timestamp == tref:
            size = tsize
    if size is not None:
        _merge_asized(merged, size)


def _format_trace(trace):
    lines = []
    for fname, lineno, func, src, _ in trace:
        if src:
            for line in src:
                lines.append("    " + line.strip() + "\n")
        lines.append("  %s:%4d in %s\n" % (fname, lineno, func))
    return "".join(lines)


def _sort_value(value):
    # None (an alive object's death) sorts after every timestamp.
    return (1, 0) if value is None else (0, value)


class Stats(object):
    """Sorts and annotates the statistics of a ClassTracker or of a dump."""

    def __init__(self, tracker=None, filename=None, stream=None):
        self.stream = stream if stream else sys.stdout
        self.tracker = tracker
        self.index = {}
        self.snapshots = []
        if tracker:
            self.index = tracker.index
            self.snapshots = tracker.snapshots
            self.history = tracker.history
        self.sorted = []
        if filename:
            self.load_stats(filename)

    def load_stats(self, fdump):
        """Load a dump: pympler's JSON format or a Pympler 1.1 pickle dump
        (restricted to the classes such a dump holds)."""
        self.index, self.snapshots = _read_dump(fdump)
        self.sorted = []

    def dump_stats(self, fdump, close=True):
        """Write the index and the snapshots as pympler's JSON dump (gzip when
        the file name ends in '.gz')."""
        if self.tracker:
            self.tracker.stop_periodic_snapshots()
        doc = {"format": DUMP_FORMAT, "version": DUMP_VERSION,
               "index": {name: [_tobj_to_json(t) for t in tobjs]
                         for name, tobjs in self.index.items()},
               "snapshots": [_snapshot_to_json(s) for s in self.snapshots]}
        data = json.dumps(doc, indent=1, default=str).encode("utf-8")
        if isinstance(fdump, str):
            if fdump.endswith(".gz"):
                data = gzip.compress(data, mtime=0)
            with open(fdump, "wb") as f:
                f.write(data)
            return
        fdump.write(data)
        if close:
            fdump.close()

    def _init_sort(self):
        if not self.sorted:
            # The last snapshot that tracked anything (Pympler 1.1's rule).
            tmax = None
            for snapshot in self.snapshots:
                if snapshot.tracked_total > 0:
                    tmax = snapshot.timestamp
            for key in list(self.index.keys()):
                for tobj in self.index[key]:
                    tobj.classname = key
                    tobj.size = tobj.get_max_size()
                    tobj.tsize = tobj.get_size_at_time(tmax)
                self.sorted.extend(self.index[key])

    def sort_stats(self, *args):
        """Sort ``sorted`` by the keys given (all of them when none); 'size'
        and 'tsize' descend, the others ascend.  Returns self."""
        for arg in args:
            if not isinstance(arg, str) or arg not in _CRITERIA:
                raise ValueError("Invalid sort criteria")
        if not args:
            args = _CRITERIA

        def key(obj):
            keys = []
            for attr in args:
                value = getattr(obj, attr, "")
                if attr in ("tsize", "size"):
                    value = -int(value)
                keys.append(_sort_value(value))
            return tuple(keys)

        self._init_sort()
        self.sorted.sort(key=key)
        return self

    def reverse_order(self):
        """Reverse ``sorted``; returns self."""
        self._init_sort()
        self.sorted.reverse()
        return self

    def annotate(self):
        """Annotate every snapshot with its per-class summary."""
        for snapshot in self.snapshots:
            self.annotate_snapshot(snapshot)

    def annotate_snapshot(self, snapshot):
        """Compute once and store in ``snapshot.classes``: tracking name ->
        {'sum', 'active', 'avg', 'pct', 'merged'}."""
        if snapshot.classes is not None:
            return snapshot.classes
        classes = {}
        stotal = snapshot.total
        for classname in list(self.index.keys()):
            total = 0
            active = 0
            merged = Asized(0, 0)
            for tobj in self.index[classname]:
                _merge_objects(snapshot.timestamp, merged, tobj)
                total += tobj.get_size_at_time(snapshot.timestamp)
                if (tobj.birth < snapshot.timestamp
                        and (tobj.death is None or tobj.death > snapshot.timestamp)):
                    active += 1
            pct = total * 100.0 / stotal if stotal else 0
            avg = total / active if active else 0
            classes[classname] = dict(sum=total, avg=avg, pct=pct, active=active,
                                      merged=merged)
        snapshot.classes = classes
        return classes

    @property
    def tracked_classes(self):
        """Sorted list of the tracking names."""
        return sorted(self.index.keys())


class ConsoleStats(Stats):
    """Prints the statistics with Pympler 1.1's layouts."""

    def _print_refs(self, refs, total, prefix="    ", level=1, minsize=0, minpct=0.1):
        lrefs = list(refs)
        lrefs.sort(key=lambda x: x.size)
        lrefs.reverse()
        for ref in lrefs:
            if total and ref.size > minsize and (ref.size * 100.0 / total) > minpct:
                self.stream.write("%-50s %-14s %3d%% [%d]\n" % (
                    trunc(prefix + str(ref.name), 50), pp(ref.size),
                    int(ref.size * 100.0 / total), level))
                self._print_refs(ref.refs, total, prefix=prefix + "  ", level=level + 1)

    def print_object(self, tobj):
        """Print what was gathered about one tracked object."""
        if tobj.death is not None:
            self.stream.write("%-32s ( free )   %-35s\n" % (
                trunc(tobj.name, 32, left=True), trunc(tobj.repr, 35)))
        else:
            self.stream.write("%-32s 0x%08x %-35s\n" % (
                trunc(tobj.name, 32, left=True), tobj.id, trunc(tobj.repr, 35)))
        if tobj.trace:
            self.stream.write(_format_trace(tobj.trace))
        for (timestamp, size) in tobj.snapshots:
            self.stream.write("  %-30s %s\n" % (
                pp_timestamp(timestamp), pp(size.size if size is not None else 0)))
            if size is not None:
                self._print_refs(size.refs, size.size)
        if tobj.death is not None:
            self.stream.write("  %-30s finalize\n" % (pp_timestamp(tobj.death),))

    def print_stats(self, clsname=None, limit=1.0):
        """Print the tracked objects, filtered by ``clsname`` and pruned by
        ``limit`` (a share when < 1.0, else a count)."""
        if self.tracker:
            self.tracker.stop_periodic_snapshots()
        if not self.sorted:
            self.sort_stats()
        _sorted = self.sorted
        if clsname:
            _sorted = [to for to in _sorted if clsname in to.classname]
        if limit < 1.0:
            limit = max(1, int(len(self.sorted) * limit))
        for tobj in _sorted[:int(limit)]:
            self.print_object(tobj)

    def print_summary(self):
        """Print the per-class summary of every snapshot."""
        classlist = self.tracked_classes
        fobj = self.stream
        fobj.write("---- SUMMARY " + "-" * 66 + "\n")
        for snapshot in self.snapshots:
            classes = self.annotate_snapshot(snapshot)
            fobj.write("%-35s %11s %12s %12s %5s\n" % (
                trunc(snapshot.desc, 35), "active", pp(snapshot.asizeof_total),
                "average", "pct"))
            for classname in classlist:
                info = classes.get(classname)
                if info is None:
                    continue
                fobj.write("  %-33s %11d %12s %12s %4d%%\n" % (
                    trunc(classname, 33), info["active"], pp(info["sum"]),
                    pp(info["avg"]), info["pct"]))
        fobj.write("-" * 79 + "\n")


# --------------------------------------------------------------------------
# HTML report
# --------------------------------------------------------------------------

def _h(value):
    """Escape any value for HTML text and attribute values."""
    return html.escape(str(value), quote=True)


def _url(path):
    """A relative file path as an escaped URL for href/src attributes."""
    return _h(urllib.parse.quote(path.replace(os.sep, "/")))


def _file_stems(names):
    """Map every tracking name to a file name stem made only of ASCII letters,
    digits, '_' and '-' (so '.', '/', '..' and markup cannot leave or escape
    the report's folder), at most 64 characters, unique even on a
    case-insensitive file system.  'pkg.Foo' becomes 'pkg_Foo' (spec 7.3)."""
    stems, taken = {}, set()
    for name in sorted(names):
        base = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64] or "_"
        stem, n = base, 1
        while stem.lower() in taken:
            n += 1
            stem = "%s-%d" % (base, n)
        taken.add(stem.lower())
        stems[name] = stem
    return stems


class HtmlStats(Stats):
    """Writes the statistics as HTML pages with charts (spec 7.3).

    Every user string (tracking names, descriptions, reprs, traces, referent
    names, the title) is escaped, and file names derived from tracking names
    are sanitised so that they stay inside the report's folder.

    Charts are drawn with matplotlib (PNG) when it is installed, otherwise as
    SVG written by `pympler.charts`; set ``chart_format`` to ``'svg'`` to get
    SVG always.  (Pympler 1.1 printed a notice instead of a chart without
    matplotlib.)
    """

    #: 'png' (matplotlib), 'svg' (no dependency) or None: png when matplotlib
    #: is installed, else svg.
    chart_format = None

    style = """<style>
        body { font-family: sans-serif; }
        table { width:100%; border:1px solid #000; border-spacing:0px; }
        td, th { border:0px; text-align:left; }
        .nb { border:0px; }
        .tl { margin-top:5mm; margin-bottom:5mm; }
        .hl { background-color:#FFFFCC; }
        .num { text-align:right; }
        .p1 { padding-left: 5px; } .p2 { padding-left: 50px; }
        .p3 { padding-left: 100px; } .p4 { padding-left: 150px; }
        .p5 { padding-left: 200px; } .p6 { padding-left: 210px; }
        .p7 { padding-left: 220px; }
        .r1 { background-color:#BBBBBB; } .r2 { background-color:#CCCCCC; }
        .r3 { background-color:#DDDDDD; } .r4 { background-color:#EEEEEE; }
    </style>
    """

    chart_tag = '<img src="%s" alt="%s">\n'
    header = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
              '<title>%s</title>%s</head><body>\n')
    tableheader = '<table border="1">\n'
    tablefooter = '</table>\n'
    footer = '</body></html>\n'

    refrow = """<tr class="r%(level)d">
        <td class="p%(level)d">%(name)s</td>
        <td class="num">%(size)s</td>
        <td class="num">%(pct)3.1f%%</td></tr>\n"""

    class_summary = """<p>%(cnt)d instances of %(cls)s were registered. The
        average size is %(avg)s, the minimal size is %(min)s, the maximum size
        is %(max)s.</p>\n"""
    class_snapshot = """<h3>Snapshot: %(name)s, %(total)s occupied by instances
        of class %(cls)s</h3>\n"""

    snapshot_cls_header = """<tr>
        <th class="hl">Class</th>
        <th class="hl num">Instance #</th>
        <th class="hl num">Total</th>
        <th class="hl num">Average size</th>
        <th class="hl num">Share</th></tr>\n"""

    snapshot_cls = """<tr>
        <td>%(cls)s</td>
        <td class="num">%(active)d</td>
        <td class="num">%(sum)s</td>
        <td class="num">%(avg)s</td>
        <td class="num">%(pct)3.2f%%</td></tr>\n"""

    snapshot_summary = """<p>Total virtual memory assigned to the program
        at that time was %(sys)s, which includes %(overhead)s profiling
        overhead. The ClassTracker tracked %(tracked)s in total. The measurable
        objects including code objects but excluding overhead have a total size
        of %(asizeof)s.</p>\n"""

    basedir = ""
    filesdir = ""

    def _print_refs(self, fobj, refs, total, level=1, minsize=0, minpct=0.1):
        """Write the referents of a sample as table rows, largest first."""
        lrefs = sorted(refs, key=lambda x: x.size, reverse=True)
        if level == 1:
            fobj.write("<table>\n")
        for ref in lrefs:
            if total and ref.size > minsize and (ref.size * 100.0 / total) > minpct:
                fobj.write(self.refrow % dict(
                    level=min(level, 7), name=_h(trunc(str(ref.name), 128)),
                    size=_h(pp(ref.size)), pct=ref.size * 100.0 / total))
                self._print_refs(fobj, ref.refs, total, level=level + 1)
        if level == 1:
            fobj.write("</table>\n")

    # -- file names and charts ---------------------------------------------

    def relative_path(self, filepath, basepath=None):
        """*filepath* relative to *basepath* (default: the index page's
        directory)."""
        if basepath is None:
            basepath = self.basedir
        if not basepath:
            return filepath
        if filepath.startswith(basepath):
            filepath = filepath[len(basepath):]
        if filepath and filepath[0] == os.sep:
            filepath = filepath[1:]
        return filepath

    def _chart_kind(self, filename):
        """'svg' or 'mpl' for *filename* (and the file name to write)."""
        fmt = self.chart_format
        if fmt not in (None, "png", "svg"):
            raise ValueError("HtmlStats.chart_format must be None, 'png' or 'svg', not %r"
                             % (fmt,))
        if filename.lower().endswith(".svg"):
            return "svg", filename
        if fmt == "svg" or not _charts.have_matplotlib():
            return "svg", os.path.splitext(filename)[0] + ".svg"
        return "mpl", filename

    def _chart(self, filename, draw_svg, draw_mpl, what, relative_to=None):
        """Draw a chart into *filename* (or inline SVG when it is empty) and
        return the tag that shows it."""
        if not filename:
            svg = draw_svg()
            return svg[svg.index("<svg"):] + "\n"
        kind, filename = self._chart_kind(filename)
        if kind == "svg":
            with open(filename, "w", encoding="utf-8") as f:
                f.write(draw_svg())
        else:
            draw_mpl(filename)
        if relative_to is None:
            src = self.relative_path(filename)
        else:
            src = os.path.relpath(filename, relative_to)
        return self.chart_tag % (_url(src), _h(what))

    def create_lifetime_chart(self, classname, filename=""):
        """Chart of the number of live instances of *classname* over time;
        returns the tag that shows it (relative to the class pages)."""
        times, counts = _charts.lifetime_data(self.index.get(classname, ()))
        return self._chart(
            filename,
            lambda: _charts.svg_lifetime(times, counts, classname),
            lambda fn: _charts.mpl_lifetime(times, counts, classname, fn),
            "%s instances" % classname,
            relative_to=os.path.dirname(os.path.abspath(filename)) if filename else None)

    def create_snapshot_chart(self, filename=""):
        """Chart of the memory over time shared among the tracked classes;
        returns the tag that shows it."""
        data = _charts.timespace_data(self)
        return self._chart(filename, lambda: _charts.svg_timespace(data),
                           lambda fn: _charts.mpl_timespace(data, fn), "Snapshot Memory")

    def create_pie_chart(self, snapshot, filename=""):
        """Pie chart of *snapshot*'s memory among the tracked classes;
        returns the tag that shows it ('' when nothing was tracked)."""
        self.annotate_snapshot(snapshot)
        labels, sizes = _charts.pie_data(snapshot)
        if not labels:
            return ""
        title = "Snapshot (%s) Memory Distribution" % (snapshot.desc,)
        return self._chart(filename, lambda: _charts.svg_pie(labels, sizes, title),
                           lambda fn: _charts.mpl_pie(labels, sizes, title, fn), title)

    # -- pages ---------------------------------------------------------------

    def print_class_details(self, fname, classname):
        """Write the page of one tracked class to *fname*."""
        tobjs = self.index[classname]
        with open(fname, "w", encoding="utf-8") as fobj:
            fobj.write(self.header % (_h(classname), self.style))
            fobj.write("<h1>%s</h1>\n" % _h(classname))
            sizes = [tobj.get_max_size() for tobj in tobjs] or [0]
            fobj.write(self.class_summary % {
                "cnt": len(tobjs), "cls": _h(classname),
                "avg": _h(pp(sum(sizes) / len(sizes))),
                "max": _h(pp(max(sizes))), "min": _h(pp(min(sizes)))})
            charts = getattr(self, "charts", None) or {}
            fobj.write(charts.get(classname, ""))

            fobj.write("<h2>Coalesced Referents per Snapshot</h2>\n")
            for snapshot in self.snapshots:
                if snapshot.classes and classname in snapshot.classes:
                    merged = snapshot.classes[classname]["merged"]
                    fobj.write(self.class_snapshot % {
                        "name": _h(snapshot.desc), "cls": _h(classname),
                        "total": _h(pp(merged.size))})
                    if merged.refs:
                        self._print_refs(fobj, merged.refs, merged.size)
                    else:
                        fobj.write("<p>No per-referent sizes recorded.</p>\n")

            fobj.write("<h2>Instances</h2>\n")
            for tobj in tobjs:
                fobj.write('<table class="tl">\n')
                fobj.write('<tr><td class="hl" style="width:140px">Instance</td>'
                           '<td class="hl">%s at 0x%08x</td></tr>\n' % (_h(tobj.name), tobj.id))
                if tobj.repr:
                    fobj.write("<tr><td>Representation</td><td>%s&nbsp;</td></tr>\n"
                               % _h(tobj.repr))
                fobj.write("<tr><td>Lifetime</td><td>%s - %s</td></tr>\n" % (
                    _h(pp_timestamp(tobj.birth)), _h(pp_timestamp(tobj.death))))
                if tobj.trace:
                    fobj.write("<tr><td>Instantiation</td><td><pre>%s</pre></td></tr>\n"
                               % _h(_format_trace(tobj.trace)))
                for (timestamp, size) in tobj.snapshots:
                    fobj.write("<tr><td>%s</td>" % _h(pp_timestamp(timestamp)))
                    if size is None or not size.refs:
                        fobj.write("<td>%s</td></tr>\n" % _h(pp(size.size if size else 0)))
                    else:
                        fobj.write("<td>%s" % _h(pp(size.size)))
                        self._print_refs(fobj, size.refs, size.size)
                        fobj.write("</td></tr>\n")
                fobj.write("</table>\n")
            fobj.write(self.footer)

    def create_title_page(self, filename, title=""):
        """Write the index page: the memory chart, then every snapshot with
        its totals, its per-class table and its pie chart."""
        charts = getattr(self, "charts", None) or {}
        links = getattr(self, "links", None) or {}
        with open(filename, "w", encoding="utf-8") as fobj:
            fobj.write(self.header % (_h(title), self.style))
            fobj.write("<h1>%s</h1>\n" % _h(title))
            fobj.write("<h2>Memory distribution over time</h2>\n")
            fobj.write(charts.get("snapshots", ""))
            fobj.write("<h2>Snapshots statistics</h2>\n")
            fobj.write('<table class="nb">\n')
            classlist = self.tracked_classes
            for snapshot in self.snapshots:
                classes = self.annotate_snapshot(snapshot)
                fobj.write("<tr><td>\n")
                fobj.write("<h3>%s snapshot at %s</h3>\n" % (
                    _h(snapshot.desc or "Untitled"), _h(pp_timestamp(snapshot.timestamp))))
                system = getattr(snapshot, "system_total", None)
                vsz = getattr(system, "vsz", None) if system is not None else None
                fobj.write(self.snapshot_summary % {
                    "sys": _h(pp(vsz)) if vsz else "not known",
                    "tracked": _h(pp(snapshot.tracked_total)),
                    "asizeof": _h(pp(snapshot.asizeof_total)),
                    "overhead": _h(pp(getattr(snapshot, "overhead", 0)))})
                if snapshot.tracked_total:
                    fobj.write('<table class="tl">\n')
                    fobj.write(self.snapshot_cls_header)
                    for classname in classlist:
                        info = dict(classes.get(classname) or {})
                        if not info:
                            continue
                        if classname in links:
                            info["cls"] = '<a href="%s">%s</a>' % (
                                _url(self.relative_path(links[classname])), _h(classname))
                        else:
                            info["cls"] = _h(classname)
                        info["sum"] = _h(pp(info["sum"]))
                        info["avg"] = _h(pp(info["avg"]))
                        fobj.write(self.snapshot_cls % info)
                    fobj.write("</table>\n")
                fobj.write("</td><td>\n")
                if snapshot.tracked_total:
                    fobj.write(charts.get(snapshot, ""))
                fobj.write("</td></tr>\n")
            fobj.write("</table>\n")
            fobj.write(self.footer)

    def create_html(self, fname, title="ClassTracker Statistics"):
        """Write the index page *fname* and, in ``<fname without
        extension>_files``, one page per tracked class and the charts."""
        if self.tracker:
            self.tracker.stop_periodic_snapshots()
        self.basedir = os.path.dirname(os.path.abspath(fname))
        filesdir = os.path.splitext(fname)[0] + "_files"
        os.makedirs(filesdir, exist_ok=True)
        self.filesdir = os.path.abspath(filesdir)
        self.links = {}
        self.annotate()
        stems = _file_stems(self.index.keys())

        def inside(name):
            path = os.path.join(self.filesdir, name)
            # sanitised names cannot leave the folder; checked all the same
            if os.path.dirname(os.path.abspath(path)) != self.filesdir:
                raise ValueError("refusing to write %r outside %r" % (path, self.filesdir))
            return path

        ext = "." + ("svg" if self._chart_kind("x.png")[0] == "svg" else "png")
        self.charts = {}
        self.charts["snapshots"] = self.create_snapshot_chart(inside("timespace" + ext))
        for idx, snapshot in enumerate(self.snapshots):
            self.charts[snapshot] = self.create_pie_chart(snapshot,
                                                              inside("fp%d%s" % (idx, ext)))
        for cn in self.index:
            self.charts[cn] = self.create_lifetime_chart(cn, inside(stems[cn] + "-lt" + ext))
        for cn in self.index:
            self.links[cn] = inside(stems[cn] + ".html")
            self.print_class_details(self.links[cn], cn)
        self.create_title_page(fname, title=title)


# --------------------------------------------------------------------------
# Comparing two runs
# --------------------------------------------------------------------------

_MEASURES = ("instances", "total", "average")


def _as_stats(obj):
    if isinstance(obj, Stats):
        return obj
    if isinstance(obj, str) or hasattr(obj, "read"):
        return Stats(filename=obj) if isinstance(obj, str) else _loaded(obj)
    raise TypeError("compare_stats takes Stats objects or dump file names, not %s"
                    % (type(obj).__name__,))


def _loaded(fobj):
    stats = Stats()
    stats.load_stats(fobj)
    return stats


def _class_figures(stats, classname):
    """{'last': {...}, 'peak': {...}} of one class in one run."""
    zero = {"instances": 0, "total": 0, "average": 0}
    last, peak = dict(zero), dict(zero)
    if classname not in stats.index:
        return {"last": last, "peak": peak}
    best = None
    for snapshot in stats.snapshots:
        info = stats.annotate_snapshot(snapshot).get(classname)
        if info is None:
            continue
        figures = {"instances": info["active"], "total": info["sum"],
                   "average": info["avg"]}
        last = figures
        if best is None or info["sum"] > best:
            best = info["sum"]
            peak = figures
    return {"last": last, "peak": peak}


def compare_stats(a, b):
    """Compare two runs class by class.

    *a*, *b* -- ``Stats`` objects (or dump file names / binary files).
    Returns one row per tracking name found in either run, sorted by name::

        {'classname': name,
         'a': {'last': {'instances', 'total', 'average'}, 'peak': {...}},
         'b': {...same...},
         'change': {'last': {...b - a...}, 'peak': {...}}}

    'last' is the last snapshot of the run, 'peak' the snapshot where the
    class's total size was largest (the first such one).
    """
    sa, sb = _as_stats(a), _as_stats(b)
    rows = []
    for name in sorted(set(sa.index) | set(sb.index)):
        fa, fb = _class_figures(sa, name), _class_figures(sb, name)
        change = {when: {m: fb[when][m] - fa[when][m] for m in _MEASURES}
                  for when in ("last", "peak")}
        rows.append({"classname": name, "a": fa, "b": fb, "change": change})
    return rows


def _signed_pp(value):
    return ("+" if value > 0 else "-" if value < 0 else "") + pp(abs(value)).lstrip()


def format_comparison(rows):
    """The table ``print_comparison`` prints, as one string."""
    out = []
    for when, title in (("last", "AT LAST SNAPSHOT"), ("peak", "AT PEAK")):
        out.append("---- COMPARISON %s %s\n" % (title, "-" * (62 - len(title))))
        out.append("%-24s %6s %6s %7s %10s %10s %11s\n" % (
            "class", "inst A", "inst B", "change", "total A", "total B", "change"))
        out.append("%-24s %6s %6s %7s %10s %10s %11s\n" % (
            "", "", "", "", "avg A", "avg B", "change"))
        for row in rows:
            fa, fb, ch = row["a"][when], row["b"][when], row["change"][when]
            out.append("%-24s %6d %6d %+7d %10s %10s %11s\n" % (
                trunc(row["classname"], 24, left=True), fa["instances"], fb["instances"],
                ch["instances"], pp(fa["total"]), pp(fb["total"]),
                _signed_pp(ch["total"])))
            out.append("%-24s %6s %6s %7s %10s %10s %11s\n" % (
                "", "", "", "", pp(fa["average"]), pp(fb["average"]),
                _signed_pp(ch["average"])))
    out.append("-" * 79 + "\n")
    return "".join(out)


def print_comparison(a, b=None, stream=None):
    """Print the comparison table: ``print_comparison(rows)`` with the rows of
    ``compare_stats``, or ``print_comparison(a, b)`` with two runs."""
    rows = a if b is None else compare_stats(a, b)
    (stream or sys.stdout).write(format_comparison(rows))
