"""Deep sizes of Python objects: how big is this object, with everything it
references?

Compatible with the public API of Pympler 1.1's ``pympler.asizeof``; the
traversal and sizing run in the C engine (``pympler._core.Sizer``).  The
sizing model, referent rules and the deliberate differences from Pympler 1.1
are described in ``docs/sizing.md``.

    >>> from pympler.asizeof import asizeof
    >>> asizeof([1, 2, 3]) > 0
    True
"""
import gc
import os
import sys

from pympler import _core
from pympler._asized import Asized
from pympler import _asizeof_stats as _stats

__all__ = ['Asized', 'Asizer', 'adict', 'amapped', 'asized', 'asizeof',
           'asizesof', 'basicsize', 'flatsize', 'itemsize', 'leng', 'refs']
__version__ = '22.12.07'

Asized.__module__ = __name__  # re-exported here, as in Pympler 1.1

_Py_TPFLAGS_HAVE_GC = 1 << 14
_Py_TPFLAGS_HEAPTYPE = 1 << 9
_GC_HEADER = _core.GC_HEADER_SIZE
_REFCOUNT_WORDS = 16 if hasattr(sys, 'getobjects') else 0  # Py_TRACE_REFS builds

# Classes registered with adict(), sized like dicts (passed to each sizer).
_dict_classes = []
# Share of a numpy memmap's mapped size assumed resident, in percent (the
# engine's sizer starts with the initial value; see Asizer._sizes).
_AMAPPED_INITIAL = 1.0
_amapped = [_AMAPPED_INITIAL]

_RESET_DEFAULTS = dict(above=1024, align=8, clip=80, code=False, cutoff=10,
                       derive=False, detail=0, frames=False, ignored=True,
                       infer=False, limit=sys.maxsize, stats=0, stream=None)


def _kwds_str(opts):
    """The keyword options as printed: sorted, k=repr(v), joined by ', '."""
    return ', '.join('%s=%r' % kv for kv in sorted(opts.items()))


def _check_align(align, fname):
    if align is not None and align > 1 and (align & (align - 1)) != 0:
        raise ValueError('invalid option: %s(align=%r)' % (fname, align))


def _safe_str(obj):
    try:
        return str(obj)
    except Exception:  # a hostile __str__ must not break sizing
        return '<%s>' % _typename(obj)


def _typename(obj):
    try:
        return type(obj).__name__
    except Exception:  # pragma: no cover - type names are plain str
        return '?'


def _nameof(obj, clip=80):
    """The object's non-empty __name__, otherwise its clipped repr."""
    try:
        n = getattr(obj, '__name__', None)
    except Exception:  # hostile __getattr__ / __getattribute__
        n = None
    if isinstance(n, str) and n:
        return n
    return _stats.clip_repr(obj, clip)


def _refname(spec, obj, clip=80):
    """Name of a referent from the engine's name spec."""
    if spec is None:
        return _nameof(obj, clip)
    if isinstance(spec, str):
        return spec
    tag, key = spec
    if tag == 'K':
        return '[K] ' + _safe_str(key)
    return '[V] %s: %s' % (_safe_str(key), _stats.clip_repr(obj, 80))


def _to_asized(node, clip, name=None):
    """Build an Asized tree from the engine's node tuples, iteratively."""
    spec, obj, size, flat, kids = node
    root = Asized(size, flat, name=name if name is not None else _nameof(obj, clip))
    stack = [(root, kids)]
    while stack:
        parent, kids = stack.pop()
        if not kids:
            continue
        refs = []
        for k in kids:
            kspec, kobj, ksize, kflat, kkids = k
            a = Asized(ksize, kflat, name=_refname(kspec, kobj, clip))
            refs.append(a)
            if kkids:
                stack.append((a, kkids))
        parent.refs = tuple(refs)
    return root


class Asizer(object):
    """A reusable sizer whose state accumulates across calls: an object
    counted by an earlier call adds 0 to later calls."""

    def __init__(self, **opts):
        self._sizer = _core.Sizer()
        self._excl_types = []
        self._once = False
        self.reset(**opts)

    # ---- options ---------------------------------------------------------

    def reset(self, **opts):
        """Restore all options (defaults as in Pympler 1.1, but an unlimited
        ``limit``) and clear all state."""
        for k, v in opts.items():
            if k not in _RESET_DEFAULTS:
                raise KeyError('invalid option: reset(%s=%r)' % (k, v))
        o = dict(_RESET_DEFAULTS)
        o.update(opts)
        _check_align(o['align'], 'set')
        if o['stats'] < 0:
            raise ValueError('invalid option: set(stats=%r)' % (o['stats'],))
        self._above_ = o['above']
        self._align_ = o['align']
        self._clip_ = o['clip']
        self._code_ = bool(o['code'])
        self._cutoff_ = o['cutoff']
        self._derive_ = bool(o['derive'])
        self._detail_ = o['detail']
        self._frames_ = bool(o['frames'])
        self._ignored_ = bool(o['ignored'])
        self._infer_ = bool(o['infer'])
        self._limit_ = o['limit']
        self._stats_ = o['stats']
        self._stream = o['stream']
        self._excl_types = []
        self._sizer.clear()
        self._configure()

    def set(self, above=None, align=None, code=None, cutoff=None, frames=None,
            detail=None, limit=None, stats=None):
        """Change some options and keep the state."""
        _check_align(align, 'set')
        if stats is not None and stats < 0:
            raise ValueError('invalid option: set(stats=%r)' % (stats,))
        if above is not None:
            self._above_ = above
        if align is not None:
            self._align_ = align
        if code is not None:
            self._code_ = bool(code)
        if cutoff is not None:
            self._cutoff_ = cutoff
        if frames is not None:
            self._frames_ = bool(frames)
        if detail is not None:
            self._detail_ = detail
        if limit is not None:
            self._limit_ = limit
        if stats is not None:
            self._stats_ = stats
        if (above, align, code, cutoff, frames, detail, limit, stats) != (None,) * 8:
            self._configure()

    def _configure(self):
        limit = self._limit_
        if limit is None or limit > sys.maxsize:
            limit = sys.maxsize
        self._sizer.configure(
            align=max(int(self._align_), 0), code=self._code_, frames=self._frames_,
            ignored=self._ignored_, infer=self._infer_, limit=int(limit),
            detail=int(self._detail_), profile=self._stats_ > 0,
            above=int(self._above_), dictlike=tuple(_dict_classes), mapped=_amapped[0])
        self._mapped_ = _amapped[0]

    # ---- sizing ------------------------------------------------------------

    def _sizes(self, objs, tree):
        # A module-level call (self._once) sizes once and drops the state,
        # which lets the engine skip recording singly-owned objects.
        if self._mapped_ != _amapped[0]:   # amapped() changed since _configure
            self._configure()
        return self._sizer.sizes(tuple(objs), tree=tree, once=self._once)

    def asizeof(self, *objs, above=None, align=None, code=None, cutoff=None,
                frames=None, detail=None, limit=None, stats=None):
        """Sum of the total sizes of the given objects; already-seen objects
        add 0."""
        self.set(above=above, align=align, code=code, cutoff=cutoff, frames=frames,
                 detail=detail, limit=limit, stats=stats)
        return _distinct_sum(objs, self._sizes(objs, False))

    def asizesof(self, *objs, above=None, align=None, code=None, cutoff=None,
                 frames=None, detail=None, limit=None, stats=None):
        """One total size per object, in argument order."""
        self.set(above=above, align=align, code=code, cutoff=cutoff, frames=frames,
                 detail=detail, limit=limit, stats=stats)
        return self._sizes(objs, False)

    def asized(self, *objs, above=None, align=None, code=None, cutoff=None,
               frames=None, detail=None, limit=None, stats=None):
        """An Asized tree per object (one Asized for one object)."""
        self.set(above=above, align=align, code=code, cutoff=cutoff, frames=frames,
                 detail=detail, limit=limit, stats=stats)
        nodes = self._sizes(objs, True)
        cache = {}
        t = []
        for n in nodes:
            a = cache.get(id(n))
            if a is None:
                a = cache[id(n)] = _to_asized(n, self._clip_)
            t.append(a)
        return t[0] if len(t) == 1 else tuple(t)

    def exclude_refs(self, *objs):
        """Do not count these objects when reached as referents (they are
        still sized when given positionally)."""
        self._sizer.exclude_refs(objs)

    def exclude_objs(self, *objs):
        """Never size, profile or rank these objects."""
        self._sizer.exclude_objs(objs)

    def exclude_types(self, *objs):
        """Skip instances of these classes, and the classes themselves."""
        types = []
        for o in objs:
            try:
                if isinstance(o, type) and type(o) is type:
                    types.append(o)
            except Exception:  # pragma: no cover - defensive
                continue
        self._excl_types.extend(t for t in types if t not in self._excl_types)
        self._sizer.exclude_types(tuple(types))

    def _clear(self):
        """Drop the sizing state (module-level functions call this)."""
        self._sizer.clear()

    # ---- properties --------------------------------------------------------

    def _counter(self, name):
        return self._sizer.counters()[name]

    above = property(lambda self: self._above_, doc='Ranking threshold (bytes).')
    align = property(lambda self: self._align_, doc='Size alignment.')
    clip = property(lambda self: self._clip_, doc='Repr clip length.')
    code = property(lambda self: self._code_, doc='Size code-only objects.')
    cutoff = property(lambda self: self._cutoff_, doc='Statistics cutoff.')
    derive = property(lambda self: self._derive_, doc='Derive types from super types.')
    detail = property(lambda self: self._detail_, doc='Asized detail level.')
    frames = property(lambda self: self._frames_, doc='Size frame objects.')
    ignored = property(lambda self: self._ignored_, doc='Skip ignored objects.')
    infer = property(lambda self: self._infer_, doc='Infer dict-like objects.')
    limit = property(lambda self: self._limit_, doc='Recursion limit.')
    stats = property(lambda self: int(self._stats_), doc='Statistics level.')
    total = property(lambda self: self._counter('total'), doc='Total bytes sized.')
    sized = property(lambda self: self._counter('sized'), doc='Distinct objects sized.')
    seen = property(lambda self: self._counter('seen'), doc='Objects encountered.')
    duplicate = property(lambda self: self._counter('duplicate'),
                         doc='Distinct objects seen more than once.')
    missed = property(lambda self: self._counter('missed'), doc='Branches abandoned.')
    ranked = property(lambda self: self._counter('ranked'), doc='Objects ranked.')

    @property
    def excluded(self):
        """Tuple of the excluded type keys."""
        return tuple(self._excl_types)

    # ---- printing ------------------------------------------------------------

    def _print_lines(self, lines, file=None, end=os.linesep, flush=False):
        if file is None:
            file = self._stream if self._stream is not None else sys.stdout
        for line in lines:
            file.write(line)
            file.write(end)
        if flush:
            file.flush()

    def _ranks_data(self):
        out = []
        for total, ref, key, depth, oid, pid in self._sizer.ranks():
            obj = _deref(ref)
            tp, is_def = _split_key(key)
            ln, bang = _leng_info(obj)
            out.append((total, obj, tp, is_def, depth, oid, pid, ln, bang))
        return out

    def _profiles_data(self):
        out = []
        for key, (count, total, high, ref) in self._sizer.profiles().items():
            obj = _deref(ref)
            tp, is_def = _split_key(key)
            ln, _ = _leng_info(obj)
            out.append((tp, is_def, count, total, high, obj, ln))
        return out

    def print_stats(self, objs=(), opts={}, sized=(), sizes=(), stats=3, **print3options):
        """Print the statistics of spec 2.6 if the sizer's stats level > 0."""
        s = min(opts.get('stats', stats) or 0, self.stats)
        if s <= 0:
            return
        c = self._counter
        w = len(str(c('missed') + c('seen') + c('total'))) + 1
        lines = _stats.header_lines(None, objs, opts, self._clip_, sizes=sizes or None,
                                    sized=sized or None, w=w, code=self._code_)
        self._print_lines(lines, **print3options)
        self.print_summary(w=w, objs=objs, **print3options)
        level = int(s)
        # As Pympler 1.1: a fractional stats level gives the cutoff (1.03 -> 3).
        cutoff = int((s - level) * 100 + 0.5) or self._cutoff_
        self.print_largest(w=w, cutoff=cutoff if level < 2 else 10, **print3options)
        if level > 1:
            self.print_profiles(w=w, cutoff=cutoff, **print3options)
            if level > 2:
                self.print_typedefs(w=w, **print3options)

    def print_summary(self, w=0, objs=(), **print3options):
        """Print the summary lines (total, counts)."""
        c = self._sizer.counters()
        lines = _stats.summary_lines(
            w, c['total'], self._code_, self._align_, len(objs),
            c['sized'], c['excluded'], c['seen'], c['ranked'], c['missed'],
            c['duplicate'], c['depth'])
        self._print_lines(lines, **print3options)

    def print_largest(self, w=0, cutoff=0, **print3options):
        """Print the largest objects ranked (by total size)."""
        ranks = self._ranks_data()
        if ranks:
            n = min(len(ranks), cutoff or self._cutoff_)
            lines = _stats.largest_lines(w, ranks, self._counter('ranked'), self._above_, n,
                                         self._clip_)
            self._print_lines(lines, **print3options)

    def print_profiles(self, w=0, cutoff=0, **print3options):
        """Print the per-type profiles (by flat size)."""
        profiles = self._profiles_data()
        if profiles:
            lines = _stats.profile_lines(w, profiles, self._counter('total'),
                                         cutoff or self._cutoff_, self._clip_, self._code_)
            self._print_lines(lines, **print3options)

    def print_typedefs(self, w=0, **print3options):
        """Print the tables of the types seen, by kind."""
        tables = {}
        for key in self._sizer.profiles():
            tp, is_def = _split_key(key)
            kind, row = _typedef_row(tp, is_def, self)
            tables.setdefault(kind, []).append(row)
        lines = _stats.typedef_lines(tables, list(_dict_classes), w=w, clip=self._clip_,
                                     code=self._code_)
        self._print_lines(lines, **print3options)


def _deref(ref):
    """The object behind a statistics reference: a weak reference, or a
    1-tuple holding an object that cannot be weakly referenced."""
    if type(ref) is tuple:
        return ref[0]
    try:
        return ref()
    except Exception:  # pragma: no cover - defensive
        return None


def _split_key(key):
    if type(key) is tuple and len(key) == 2 and key[1] is True:
        return key[0], True
    return key, False


def _leng_info(obj):
    """(length, estimate larger than len()) for statistics lines."""
    if obj is None:
        return None, False
    try:
        n = leng(obj)
    except Exception:
        return None, False
    bang = False
    if n is not None:
        try:
            bang = n > type(obj).__len__(obj)
        except Exception:
            bang = False
    return n, bang


_LEN_HANDLERS = {list: '_len_list', tuple: '_len', dict: '_len_dict', set: '_len_set',
                 frozenset: '_len_set', str: '_len_unicode', bytes: '_len',
                 bytearray: '_len_bytearray', int: '_len_int'}


def _typedef_row(tp, is_def, sizer):
    """(kind, row) of the type tables printed at stats level 3."""
    if is_def:
        kind = 'ignored' if _is_ignored_class(tp) else 'dynamic'
        return kind, (tp, True, type(tp).__basicsize__, 0, None, '_class_refs', True)
    heap = bool(tp.__flags__ & _Py_TPFLAGS_HEAPTYPE)
    if tp in _dict_classes:
        kind = 'dynamic'
    elif sizer._infer_ and _infer_dict_type(tp) and not issubclass(tp, dict):
        kind = 'inferred'
    elif sizer._derive_ and heap and tp.__base__ is not object:
        kind = 'derived'
    else:
        kind = 'dynamic' if heap else 'static'
    lname = None
    for base in tp.__mro__:
        if base in _LEN_HANDLERS:
            lname = _LEN_HANDLERS[base]
            break
    refs_name = '_inst_refs' if heap else ('_seq_refs' if issubclass(tp, (list, tuple, set, frozenset))
                                           else ('_dict_refs' if issubclass(tp, dict) else None))
    code_only = tp in (type(len),) or issubclass(tp, type)
    return kind, (tp, False, tp.__basicsize__, tp.__itemsize__, lname, refs_name, code_only)


def _is_ignored_class(cls):
    try:
        mod = type.__dict__['__module__'].__get__(cls)
    except Exception:
        return False
    return mod in ('builtins', 'types', __name__)


def _infer_dict_type(tp):
    for attr in ('items', 'keys', 'values', '__len__', 'get', 'has_key'):
        found = False
        for base in tp.__mro__:
            v = base.__dict__.get(attr)
            if v is not None:
                found = callable(v)
                break
        if not found:
            return False
    return True


# ---- module-level functions ------------------------------------------------

def _distinct_sum(objs, sizes):
    """Sum of the sizes of the distinct objects (a repeated one adds once)."""
    if len(objs) == 1:
        return sizes[0]
    seen = set()
    s = 0
    for o, z in zip(objs, sizes):
        if id(o) not in seen:
            seen.add(id(o))
            s += z
    return s


def _default_sizes(objs):
    """Total sizes of objs with every option at its default, no adict()
    class and amapped() at its initial value, sized once by a fresh engine sizer (a new Sizer starts with those
    options): the common module-level call, without building an Asizer."""
    return _core.Sizer().sizes(objs, False, True)


def _module_sizer(opts):
    """A fresh Asizer for one module-level call: no sizer is shared between
    calls, threads or re-entrant __sizeof__ methods."""
    for k, v in opts.items():
        if k not in _RESET_DEFAULTS:
            raise KeyError('invalid option: reset(%s=%r)' % (k, v))
    z = Asizer(**opts)
    z._once = True
    return z


def asizeof(*objs, **opts):
    """Combined total size of the given objects (each distinct object counted
    once); with ``all=True`` and no objects, of every object the garbage
    collector knows."""
    if objs and not opts and not _dict_classes and _amapped[0] == _AMAPPED_INITIAL:
        return _distinct_sum(objs, _default_sizes(objs))
    all_ = opts.pop('all', None)
    if objs:
        t = objs
    elif all_ in (True, False, None):
        if not all_:
            # still validate the other options
            _module_sizer(opts)
            return 0
        t = tuple(gc.get_objects())
    else:
        raise ValueError('invalid option: asizeof(all=%r)' % (all_,))
    z = _module_sizer(opts)
    if not objs:
        z.exclude_objs(t)  # the tuple of all objects is bookkeeping
    s = z.asizeof(*t)
    z.print_stats(objs=t, opts=opts)
    z._clear()
    return s


def asizesof(*objs, **opts):
    """One total size per given object, in argument order."""
    if objs and not opts and not _dict_classes and _amapped[0] == _AMAPPED_INITIAL:
        return _default_sizes(objs)
    z = _module_sizer(opts)
    if not objs:
        return ()
    t = z.asizesof(*objs)
    z.print_stats(objs, opts=opts, sizes=t)
    z._clear()
    return t


def asized(*objs, **opts):
    """Asized trees: one Asized for one object, a tuple for several."""
    z = _module_sizer(opts)
    if not objs:
        return ()
    t = z.asized(*objs)
    z.print_stats(objs, opts=opts, sized=t)
    z._clear()
    return t


def flatsize(obj, align=0, **opts):
    """The flat size of obj, aligned to align (default: unaligned)."""
    if align and align > 1 and (align & (align - 1)) != 0:
        raise ValueError('invalid option: flatsize(align=%r)' % (align,))
    z = _core.Sizer()
    z.configure(align=max(int(align or 0), 0), code=True, frames=True, ignored=False,
                infer=bool(opts.get('infer', False)), limit=0, detail=0, profile=False,
                above=0, dictlike=tuple(_dict_classes), mapped=_amapped[0])
    return z.flat(obj)


def _is_gc_type(tp):
    return bool(tp.__flags__ & _Py_TPFLAGS_HAVE_GC)


def basicsize(obj, **opts):
    """The basic size of obj: its type's __basicsize__ plus the GC header
    when the type takes part in garbage collection (for class objects: only
    heap types)."""
    tp = type(obj)
    b = tp.__basicsize__ + _REFCOUNT_WORDS
    if isinstance(obj, type):
        if obj.__flags__ & _Py_TPFLAGS_HEAPTYPE:
            b += _GC_HEADER
    elif _is_gc_type(tp):
        b += _GC_HEADER
    return b


_ITEM_SUBSTITUTES = ((list, 8), (tuple, 8), (slice, 8), (type(basicsize.__code__), 8),
                     (dict, 24), (type(type.__dict__), 24), (set, 16), (frozenset, 16),
                     (str, 1), (bytes, 1), (bytearray, 1))


def itemsize(obj, **opts):
    """The item size of obj's type, with C-level substitutes for builtin
    variable-size containers."""
    if isinstance(obj, type):
        return 0
    tp = type(obj)
    if _is_array(obj):
        return obj.itemsize
    n = tp.__itemsize__
    if n:
        return n
    for t, sub in _ITEM_SUBSTITUTES:
        if issubclass(tp, t):
            return sub
    import struct
    if issubclass(tp, struct.Struct):
        return 1
    return 0


def _is_array(obj):
    tp = type(obj)
    mod = getattr(tp, '__module__', '')
    return (mod == 'array' and tp.__name__ == 'array') or (
        mod == 'numpy' and tp.__name__ in ('ndarray', 'memmap'))


def _pow2_above(n):
    """Smallest power of two greater than n."""
    p = 1
    while p <= n:
        p <<= 1
    return p


def _pow2_at_least(n):
    p = 1
    while p < n:
        p <<= 1
    return p


def leng(obj, **opts):
    """The number of allocated items of obj (an estimate for some types), or
    None for types without a length."""
    tp = type(obj)
    if isinstance(obj, type):
        return None
    if issubclass(tp, list):
        n = list.__len__(obj)
        if n == 0:
            return 0
        return n + 4 if n <= 8 else n + 6 + n // 8
    if issubclass(tp, dict):
        n = dict.__len__(obj)
        return 0 if n < 6 else _pow2_above(n)
    if issubclass(tp, (set, frozenset)):
        n = set.__len__(obj) if issubclass(tp, set) else frozenset.__len__(obj)
        if n == 0:
            return 0
        return 8 if n <= 8 else _pow2_at_least(2 * n - 2)
    if issubclass(tp, str):
        return str.__len__(obj) + 1
    if issubclass(tp, bytearray):
        return bytearray.__alloc__(obj)
    if issubclass(tp, bytes):
        return bytes.__len__(obj)
    if issubclass(tp, tuple):
        return tuple.__len__(obj)
    if issubclass(tp, int):
        b = int.bit_length(int.__abs__(obj))
        return (b + 29) // 30 if b else 0
    if _is_array(obj):
        return obj.itemsize * len(obj)
    if issubclass(tp, type(sys)):
        try:
            return len(object.__getattribute__(obj, '__dict__'))
        except Exception:
            return 0
    code_type = type(leng.__code__)
    if issubclass(tp, code_type):
        return (obj.co_stacksize + obj.co_nlocals + len(obj.co_freevars)
                + len(obj.co_cellvars) - 1)
    if issubclass(tp, slice):
        try:
            start = obj.start or 0
            step = obj.step or 1
            return max((obj.stop - start + 1) // step, 0)
        except Exception:
            return 0
    import struct
    if issubclass(tp, struct.Struct):
        return obj.size
    if tp.__module__ == 'builtins' and tp.__name__.endswith('iterator'):
        import operator
        try:
            return operator.length_hint(obj)
        except Exception:
            return 0
    return None


def refs(obj, **opts):
    """The referents the sizer follows for obj, unnamed; None when obj's kind
    has no referent rule."""
    pairs = _referents(obj, opts)
    if pairs is None:
        return None
    return (o for _, o in pairs)


def named_refs(obj, **opts):
    """The named referents of obj as (name, object) pairs, in visiting order."""
    pairs = _referents(obj, opts)
    out = []
    for spec, o in pairs or ():
        if spec is None:
            continue
        out.append((_refname(spec, o), o))
    return out


def _referents(obj, opts):
    z = _core.Sizer()
    z.configure(align=8, code=True, frames=True, ignored=False,
                infer=bool(opts.get('infer', False)), limit=1, detail=0, profile=False,
                above=0, dictlike=tuple(_dict_classes))
    return z.referents(obj)


def adict(*classes):
    """Register classes to be sized like dicts.  True if all were accepted."""
    ok = True
    for c in classes:
        if (isinstance(c, type) and getattr(c, '__name__', None)
                and _infer_dict_type(c)):
            if c not in _dict_classes:
                _dict_classes.append(c)
        else:
            ok = False
    return ok


def amapped(percentage=None):
    """Get, and optionally set, the share (percent) of a numpy memmap's
    mapped size assumed resident; returns the previous value."""
    prev = _amapped[0]
    if percentage is not None:
        _amapped[0] = min(max(float(percentage), 0.0), 100.0)
    return prev
