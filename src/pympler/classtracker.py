"""Track the instances of chosen classes and size them over time.

A `ClassTracker` follows single objects (`track_object`) or every instance
created from a class (`track_class`) through weak references, and records
their sizes in snapshots (`create_snapshot`, or periodically from a
background thread).  All sizing runs in the C engine (`pympler.asizeof`):
one `Asizer` per snapshot sizes the tracked objects oldest first, and
references between tracked objects are not counted twice.  The API is in
docs/usage.md.

Differences from Pympler 1.1:

* Tracking a class installs an ``__init__`` wrapper; detaching restores the
  class exactly as it was (its own ``__init__``, or no ``__init__`` in its
  ``__dict__`` when it inherited one), also when several trackers track the
  same class and detach in any order.
* A class whose instances cannot be weakly referenced (``__slots__`` without
  ``__weakref__``) is refused by `ClassTracker.track_class` with a
  `TypeError` instead of breaking its constructor.
* The periodic thread is a daemon thread named ``'BackgroundMonitor'`` that
  waits on a `threading.Event`, so `ClassTracker.stop_periodic_snapshots`
  returns promptly.
* `Snapshot.system_total` is a `pympler.process.ProcessMemoryInfo` taken when
  the snapshot is made; `Snapshot.total` is its ``vsz`` when the platform gives
  process figures, else ``asizeof_total`` if non-zero, else ``tracked_total``.
"""

import functools
import inspect
import operator
import sys
import threading
from collections import defaultdict, deque
from itertools import repeat
from time import time
from weakref import ref as weakref_ref

import pympler.asizeof as asizeof
import pympler.process as _process
from pympler import _core
from pympler.util.stringutils import safe_repr

__all__ = ['ClassTracker']

# Timestamps are seconds since the module was imported.
_local_start = time()


def _get_time():
    return time() - _local_start


def _stack_records(frame):
    """Stack records (filename, lineno, function, code_context, index) of
    `frame` and its callers, outermost first."""
    records = []
    while frame is not None:
        fi = inspect.getframeinfo(frame, 1)
        records.append((fi.filename, fi.lineno, fi.function, fi.code_context, fi.index))
        frame = frame.f_back
    records.reverse()
    return records


def _level(fname, value):
    """A resolution level: an int >= 0 (the `detail` of the sizer)."""
    if not isinstance(value, int):
        raise TypeError('%s(): resolution_level must be an int >= 0, not %s'
                        % (fname, type(value).__name__))
    if value < 0:
        raise ValueError('%s(): resolution_level must be an int >= 0, not %d' % (fname, value))
    return int(value)


def _caller_frame(depth):
    try:
        return sys._getframe(depth + 1)
    except ValueError:
        return None


class TrackedObject(object):
    """Size and lifetime information of one tracked object, observed through
    a weak reference."""

    # on_delete is a slot: no instance dict is made for it (the tracker's
    # overhead is sized at every snapshot)
    __slots__ = ('ref', 'id', 'repr', 'name', 'birth', 'death', 'trace',
                 'snapshots', '_resolution_level', 'on_delete', '__dict__')

    def __init__(self, instance, name, resolution_level=0, trace=False, on_delete=None):
        self.ref = weakref_ref(instance, self.finalize)
        self.id = id(instance)
        self.repr = ''
        self.name = name
        self.birth = _get_time()
        self.death = None
        self._resolution_level = resolution_level
        self.trace = None
        if trace:
            # as Pympler 1.1: omit the three innermost callers
            self.trace = _stack_records(_caller_frame(4))
        initial = asizeof.basicsize(instance) or 0
        self.snapshots = [(self.birth, asizeof.Asized(initial, initial))]
        self.on_delete = on_delete

    def __getstate__(self):
        """Every slot but the weak reference (and the callback)."""
        state = {}
        for name in TrackedObject.__slots__:
            if name not in ('ref', 'on_delete', '__dict__') and hasattr(self, name):
                state[name] = getattr(self, name)
        return state

    def __setstate__(self, state):
        for key, value in state.items():
            setattr(self, key, value)

    def track_size(self, ts, sizer):
        """Append (ts, Asized) sized by `sizer` (which excludes the other
        tracked objects); a dead object is sized as None."""
        obj = self.ref() if hasattr(self, 'ref') else None
        level = self._resolution_level
        if sizer.detail != level:
            sizer.set(detail=level)
        self.snapshots.append((ts, sizer.asized(obj)))
        if obj is not None:
            self.repr = safe_repr(obj, clip=128)

    def get_max_size(self):
        """The largest sampled size."""
        return max(s.size for (_, s) in self.snapshots)

    def get_size_at_time(self, timestamp):
        """The size sampled exactly at `timestamp`, else 0."""
        size = 0
        for (t, s) in self.snapshots:
            if t == timestamp:
                size = s.size
        return size

    def set_resolution_level(self, resolution_level):
        """Detail depth used by the next snapshots."""
        self._resolution_level = resolution_level

    def finalize(self, ref):
        """Weak-reference callback: record the death and call on_delete."""
        try:
            self.death = _get_time()
            if self.on_delete:
                self.on_delete()
        except Exception:  # interpreter shutdown  # pragma: no cover
            pass


def track_object_creation(time_series):
    """Append (now, previous count + 1) to a history list."""
    num_instances = time_series[-1][1] if time_series else 0
    time_series.append((_get_time(), num_instances + 1))


def track_object_deletion(time_series):
    """Append (now, previous count - 1) to a history list."""
    num_instances = time_series[-1][1] if time_series else 0
    time_series.append((_get_time(), num_instances - 1))


class PeriodicThread(threading.Thread):
    """Daemon thread taking a snapshot every `interval` seconds until
    `stop` is set."""

    def __init__(self, tracker, interval, *args, **kwargs):
        self.interval = interval
        self.tracker = tracker
        self._stop_event = threading.Event()
        super(PeriodicThread, self).__init__(*args, **kwargs)
        self.daemon = True

    @property
    def stop(self):
        """The stop signal, a threading.Event.  Assigning True (as with
        Pympler 1.1's boolean flag) sets it and wakes the thread."""
        return self._stop_event

    @stop.setter
    def stop(self, value):
        if isinstance(value, threading.Event):
            self._stop_event = value
        elif value:
            self._stop_event.set()
        else:
            self._stop_event.clear()

    def run(self):
        stop = self._stop_event
        while not stop.is_set():
            self.tracker.create_snapshot()
            stop.wait(self.interval)
            stop = self._stop_event


class Snapshot(object):
    """Sizes of the tracked objects (and optionally of the heap) at one
    instant."""

    def __init__(self, timestamp, description=''):
        self.tracked_total = 0
        self.asizeof_total = 0
        self.overhead = 0
        self.timestamp = timestamp
        self.system_total = _process.ProcessMemoryInfo()
        self.desc = description
        self.classes = None

    @property
    def total(self):
        """The process's virtual size if known, else asizeof_total if
        non-zero, else tracked_total."""
        st = self.system_total
        if st is not None and getattr(st, 'available', False):
            return st.vsz
        if self.asizeof_total:
            return self.asizeof_total
        return self.tracked_total

    @property
    def label(self):
        if not self.desc:
            return '%.3fs' % self.timestamp
        return '%s (%.3fs)' % (self.desc, self.timestamp)


class _ClassObserver(object):
    """Settings of a tracked class and what its __init__ was before."""

    __slots__ = ('tracker', 'cls', 'init', 'had_init', 'name', 'detail', 'keep',
                 'trace', 'active')

    def __init__(self, tracker, cls, name, detail, keep, trace):
        self.tracker = tracker
        self.cls = cls
        self.had_init = '__init__' in cls.__dict__
        self.init = cls.__dict__.get('__init__')
        self.active = True
        self.modify(name, detail, keep, trace)

    def modify(self, name, detail, keep, trace):
        self.name = name
        self.detail = detail
        self.keep = keep
        self.trace = trace


def _slow_texts(clip):
    """(name, repr) of an object whose repr fails or is no exact str, as
    TrackedObject.track_size makes them."""
    def texts(obj):
        return asizeof._nameof(obj, clip), safe_repr(obj, clip=128)
    return texts


_level_of = operator.attrgetter('_resolution_level')
_ref_of = operator.attrgetter('ref')
_call_ref = weakref_ref.__call__
_snapshots_of = operator.attrgetter('snapshots')
_is_live = functools.partial(operator.is_not, None)


def _size_level0(tobjs, objs, timestamp, sizer):
    """Size live level-0 objects, in order: the engine builds their samples
    and reprs in one call (as TrackedObject.track_size one by one); the
    results are stored by loops that run in C, no Python code per object."""
    pairs, reprs = sizer._samples(objs, timestamp, 128, _slow_texts(sizer.clip))
    deque(map(list.append, map(_snapshots_of, tobjs), pairs), 0)
    deque(map(setattr, tobjs, repeat('repr'), reprs), 0)


def _size_run(pairs, level, timestamp, sizer):
    """Size live objects of one resolution level, in order, in one engine
    call; as TrackedObject.track_size one by one."""
    if level == 0:
        _size_level0([t for (t, _) in pairs], [o for (_, o) in pairs], timestamp, sizer)
        return
    if sizer.detail != level:
        sizer.set(detail=level)
    nodes = sizer._sizes([o for (_, o) in pairs], True)
    clip = sizer.clip
    for (tobj, obj), node in zip(pairs, nodes):
        # a tree of atoms and its pair are untracked by the collector, as the
        # level-0 samples: a snapshot of many trees triggers no full collection
        tobj.snapshots.append(_core.sample_pair(timestamp, asizeof._to_asized(node, clip),
                                                asizeof.Asized))
        tobj.repr = safe_repr(obj, clip=128)


def _make_wrapper(observer):
    cls = observer.cls
    inherited = cls.__init__

    def __init__(self, *args, **kwargs):
        if observer.active:
            observer.tracker._track(self, observer.name, observer.detail, observer.keep,
                                    _caller_frame(1) if observer.trace else None)
        if observer.had_init:
            init = observer.init
            if hasattr(type(init), '__get__'):   # functions, and wrappers of other trackers
                return init.__get__(self, cls)(*args, **kwargs)
            return init(self, *args, **kwargs)
        return super(cls, self).__init__(*args, **kwargs)

    try:
        functools.update_wrapper(__init__, observer.init if observer.had_init else inherited)
    except Exception:
        pass
    __init__.__dict__.pop('__wrapped__', None)
    __init__._pympler_observer = observer
    return __init__


def _weakrefable_instances(cls):
    """Whether instances of cls support weak references, read from the type
    slot (no metaclass code runs)."""
    return type.__dict__['__weakrefoffset__'].__get__(cls) != 0


class ClassTracker(object):
    """Track instances of classes and single objects; see the module
    documentation."""

    snapshot_lock = threading.Lock()

    def __init__(self, stream=None):
        self.index = defaultdict(list)
        self.objects = {}
        self.snapshots = []
        self.history = defaultdict(list)
        self._keepalive = []
        self._on_delete = {}
        self._observers = {}
        self._periodic_thread = None
        self._stream = stream

    @property
    def stream(self):
        """Output stream of `stats` (None: sys.stdout)."""
        return self._stream

    @stream.setter
    def stream(self, value):
        self._stream = value

    @property
    def stats(self):
        """A new ConsoleStats bound to this tracker and its stream."""
        from pympler.classtracker_stats import ConsoleStats
        return ConsoleStats(tracker=self, stream=self._stream)

    # ---- objects -----------------------------------------------------------

    def _track(self, instance, name, resolution_level, keep, trace_frame):
        resolution_level = _level('track_object', resolution_level)
        oid = id(instance)
        tobj = self.objects.get(oid)
        if tobj is not None and tobj.ref() is not None:
            return
        if not name:
            name = type(instance).__name__
        series = self.history[name]
        track_object_creation(series)
        # one deletion callback per history list, shared by its objects
        on_delete = self._on_delete.get(name)
        if on_delete is None or on_delete.args[0] is not series:
            on_delete = self._on_delete[name] = functools.partial(track_object_deletion, series)
        tobj = TrackedObject(instance, name, resolution_level=resolution_level,
                             on_delete=on_delete)
        tobj.id = oid   # the objects key: one int object for both
        if trace_frame is not None:
            tobj.trace = _stack_records(trace_frame)
        self.index[name].append(tobj)
        if oid in self.objects:
            # a dead object's id reused: re-inserted at the end, so that the
            # dict's order stays the order of birth (create_snapshot relies on it)
            del self.objects[oid]
        self.objects[oid] = tobj
        if keep:
            self._keepalive.append(instance)

    def track_object(self, instance, name=None, resolution_level=0, keep=False, trace=False):
        """Track one object through a weak reference (TypeError if it cannot
        be weakly referenced)."""
        # as Pympler 1.1: the two innermost callers are omitted from the trace
        self._track(instance, name, resolution_level, keep,
                    _caller_frame(3) if trace else None)

    def track_change(self, instance, resolution_level=0):
        """Change the resolution level of a tracked object (KeyError if it
        is not tracked)."""
        level = _level('track_change', resolution_level)
        self.objects[id(instance)].set_resolution_level(level)

    # ---- classes -----------------------------------------------------------

    def track_class(self, cls, name=None, resolution_level=0, keep=False, trace=False):
        """Track every instance of cls created from now on."""
        if not issubclass(type(cls), type):   # not isinstance: no __class__ is asked
            raise TypeError('only class objects can be tracked')
        resolution_level = _level('track_class', resolution_level)
        if name is None:
            name = cls.__module__ + '.' + cls.__name__
        observer = self._observers.get(cls)
        if observer is not None:
            observer.modify(name, resolution_level, keep, trace)
            return
        if not _weakrefable_instances(cls):
            raise TypeError('cannot track class %s: its instances cannot be weakly referenced '
                            '(add __weakref__ to its __slots__)' % (cls.__qualname__,))
        observer = _ClassObserver(self, cls, name, resolution_level, keep, trace)
        cls.__init__ = _make_wrapper(observer)   # raises TypeError for builtin types
        self._observers[cls] = observer

    def detach_class(self, cls):
        """Restore the class's original __init__ (KeyError if not tracked)."""
        observer = self._observers.pop(cls)
        observer.active = False
        # Find our wrapper in the chain of tracker wrappers installed on cls.
        cur = cls.__dict__.get('__init__')
        outer = None
        while cur is not None:
            obs = getattr(cur, '_pympler_observer', None)
            if not isinstance(obs, _ClassObserver):
                break
            if obs is observer:
                if outer is None:
                    if observer.had_init:
                        cls.__init__ = observer.init
                    else:
                        del cls.__init__
                else:   # another tracker wrapped ours: splice ours out
                    outer.init = observer.init
                    outer.had_init = observer.had_init
                return
            if not obs.had_init:
                break
            outer, cur = obs, obs.init
        # Our wrapper was replaced by foreign code: it stays inactive and only
        # forwards to the original initializer.

    def detach_all_classes(self):
        for cls in list(self._observers):
            self.detach_class(cls)

    def detach_all(self):
        """Detach all classes and forget all tracked objects."""
        self.detach_all_classes()
        self.objects.clear()
        self.index.clear()
        self._keepalive[:] = []

    def clear(self):
        """Detach everything and drop all snapshots."""
        self.detach_all()
        self.snapshots[:] = []

    def close(self):
        """Detach all classes (for contextlib.closing)."""
        self.detach_all_classes()

    # ---- periodic snapshots --------------------------------------------------

    def start_periodic_snapshots(self, interval=1.0):
        """Start (or retime) the 'BackgroundMonitor' daemon thread."""
        thread = self._periodic_thread
        if thread is not None and thread.is_alive() and not thread.stop.is_set():
            thread.interval = interval
            return
        thread = PeriodicThread(self, interval, name='BackgroundMonitor')
        self._periodic_thread = thread
        thread.start()

    def stop_periodic_snapshots(self):
        """Stop the periodic thread and wait for it."""
        thread = self._periodic_thread
        if thread is not None:
            thread.stop.set()
            if thread is not threading.current_thread():
                thread.join()
            self._periodic_thread = None

    # ---- snapshots -------------------------------------------------------------

    def create_snapshot(self, description='', compute_total=False):
        """Size every tracked object into a new Snapshot."""
        with self.snapshot_lock:
            timestamp = _get_time()
            sizer = asizeof.Asizer()
            # in order of birth: _track re-inserts a reused id at the end
            tracked = list(self.objects.values())
            # strong references for the snapshot's duration: no object dies
            # between being excluded and being sized
            objs = list(map(_call_ref, map(_ref_of, tracked)))
            live = list(filter(_is_live, objs))
            if len(live) == len(objs) and not any(map(_level_of, tracked)):
                # The common case, all alive at level 0: one engine call, which
                # notes every object first (as exclude_refs would) and then
                # sizes each.
                _size_level0(tracked, objs, timestamp, sizer)
                tracked = ()
            else:
                sizer.exclude_refs(*live)
            pairs = list(zip(tracked, objs))
            objs = live = None
            i, n = 0, len(pairs)
            while i < n:
                tobj, obj = pairs[i]
                if obj is None:            # dead: sized as None
                    tobj.track_size(timestamp, sizer)
                    i += 1
                    continue
                # a run of live objects of one level: one call to the engine
                level = tobj._resolution_level
                j = i + 1
                while j < n and pairs[j][1] is not None and pairs[j][0]._resolution_level == level:
                    j += 1
                _size_run(pairs[i:j], level, timestamp, sizer)
                i = j
            pairs = tobj = obj = None

            snapshot = Snapshot(timestamp, str(description))
            snapshot.tracked_total = sizer.total
            if compute_total:
                snapshot.asizeof_total = asizeof.asizeof(all=True, code=True)
            if snapshot.tracked_total:
                sizer.set(detail=0)
                # the sizer's last call: it may forget what it saw, which lets
                # the engine skip recording singly-owned objects (same sum)
                sizer._once = True
                snapshot.overhead = sizer.asizeof(self)
                if snapshot.asizeof_total:
                    snapshot.asizeof_total -= snapshot.overhead
            self.snapshots.append(snapshot)
