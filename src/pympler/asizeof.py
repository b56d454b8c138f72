"""Deep sizes of Python objects: how big is this object, with everything it
references?

Compatible with the public API of Pympler 1.1's ``pympler.asizeof``; the
traversal and sizing run in the C engine (``pympler._core.Sizer``).  The
sizing model, referent rules and the deliberate differences from Pympler 1.1
are described in ``docs/sizing.md``; the API in ``docs/usage.md``.

    >>> from pympler.asizeof import asizeof
    >>> asizeof([1, 2, 3]) > 0
    True
"""
import gc
import os
import sys

from pympler import _asizeof_stats as _stats
from pympler import _core
from pympler._asized import Asized

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
_AMAPPED_INITIAL = _core.DEFAULT_MAPPED
_amapped = [_AMAPPED_INITIAL]

# The engine's defaults for align and above are the ones a fresh Sizer starts
# with (the module-level fast path relies on that): read, not repeated.
_RESET_DEFAULTS = dict(above=_core.DEFAULT_ABOVE, align=_core.DEFAULT_ALIGN, clip=80,
                       code=False, cutoff=10,
                       derive=False, detail=0, frames=False, ignored=True,
                       infer=False, limit=sys.maxsize, stats=0, stream=None)


def _kwds_str(opts):
    """The keyword options as printed: sorted, k=repr(v), joined by ', '."""
    return ', '.join('%s=%r' % kv for kv in sorted(opts.items()))


# Option values (docs/sizing.md, "Option values").  Integers: int or a
# subclass (bool included, as Pympler 1.1 accepts True/False there), never
# float or str; flags: bool, int or None; stats: int or float.  A value of
# the wrong type raises TypeError, a bad value of the right type ValueError,
# both as 'invalid option: <func>(<name>=<value>)'.
_INT_OPTS = ('above', 'align', 'clip', 'cutoff', 'detail', 'limit')
_FLAG_OPTS = ('code', 'derive', 'frames', 'ignored', 'infer')


def _bad(exc, fname, name, value):
    return exc('invalid option: %s(%s=%r)' % (fname, name, value))


def _option(fname, name, value):
    """The checked, normalised value of option *name* given to *fname*."""
    if name in _INT_OPTS or name == 'w':   # w: column width of print_*()
        if not issubclass(type(value), int):
            raise _bad(TypeError, fname, name, value)
        v = int.__index__(value)
        if name == 'align':
            if v < 0 or v > sys.maxsize or (v > 1 and v & (v - 1)):
                raise _bad(ValueError, fname, name, value)
        elif name not in ('clip', 'w'):
            if v < 0:
                raise _bad(ValueError, fname, name, value)
            v = min(v, sys.maxsize)
        return v
    if name in _FLAG_OPTS:
        if value is not None and not issubclass(type(value), int):
            raise _bad(TypeError, fname, name, value)
        return bool(value)
    if name == 'stats':
        if issubclass(type(value), int):
            v = int.__index__(value)
        elif issubclass(type(value), float):
            v = float.__float__(value)
            if v != v or v in (float('inf'), float('-inf')):
                raise _bad(ValueError, fname, name, value)
        else:
            raise _bad(TypeError, fname, name, value)
        if v < 0:
            raise _bad(ValueError, fname, name, value)
        return v
    if name == 'stream':
        if value is not None and not callable(getattr(value, 'write', None)):
            raise _bad(TypeError, fname, name, value)
        return value
    return value


def _safe_str(obj):
    """str(obj) through its type's own __str__, or the fallback name."""
    try:
        r = str(obj)
    except Exception:  # a hostile __str__ must not break sizing
        r = None
    return r if type(r) is str else _fallback_name(obj)


def _typename(obj):
    """tp_name of obj's real type (never asks the object or metaclass)."""
    return _core.typeslots(type(obj))[3]


def _fallback_name(obj):
    """``<TypeName object at 0x...>`` from the real type's tp_name."""
    return '<%s object at %#x>' % (_typename(obj), id(obj))


def _repr_name(obj, clip=80):
    """Clipped repr(obj) through its type's own __repr__ (repr() never looks
    at the instance); the fallback name if that fails."""
    try:
        r = repr(obj)
    except Exception:  # a hostile __repr__ must not break naming
        r = None
    if type(r) is not str:
        r = _fallback_name(obj)
    return _stats.clip(r, clip)


def _nameof(obj, clip=80):
    """The object's non-empty __name__ where it is read statically (classes,
    functions, modules, ..., or the instance's own storage), otherwise its
    clipped repr.  Runs no __getattr__ / __getattribute__ / property."""
    n = _core.static_name(obj)
    if n:
        return n
    return _repr_name(obj, clip)


def _refname(spec, obj, clip=80):
    """Name of a referent from the engine's name spec."""
    if spec is None:
        return _nameof(obj, clip)
    if isinstance(spec, str):
        return spec
    tag, key = spec
    if tag == 'K':
        return '[K] ' + _safe_str(key)
    return '[V] %s: %s' % (_safe_str(key), _repr_name(obj, 80))


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
        for k in sorted(opts):   # the first bad option by name is reported
            o[k] = _option('set', k, opts[k])
        self._above_ = o['above']
        self._align_ = o['align']
        self._clip_ = o['clip']
        self._code_ = o['code']
        self._cutoff_ = o['cutoff']
        self._derive_ = o['derive']
        self._detail_ = o['detail']
        self._frames_ = o['frames']
        self._ignored_ = o['ignored']
        self._infer_ = o['infer']
        self._limit_ = o['limit']
        self._stats_ = o['stats']
        self._stream = o['stream']
        self._excl_types = []
        self._sizer.clear()
        self._configure()

    def set(self, above=None, align=None, code=None, cutoff=None, frames=None,
            detail=None, limit=None, stats=None):
        """Change some options (None: unchanged) and keep the state."""
        given = dict(above=above, align=align, code=code, cutoff=cutoff, frames=frames,
                     detail=detail, limit=limit, stats=stats)
        for k in sorted(given):
            if given[k] is not None:
                given[k] = _option('set', k, given[k])
        above, align, code, cutoff, frames, detail, limit, stats = (
            given['above'], given['align'], given['code'], given['cutoff'], given['frames'],
            given['detail'], given['limit'], given['stats'])
        if above is not None:
            self._above_ = above
        if align is not None:
            self._align_ = align
        if code is not None:
            self._code_ = code
        if cutoff is not None:
            self._cutoff_ = cutoff
        if frames is not None:
            self._frames_ = frames
        if detail is not None:
            self._detail_ = detail
        if limit is not None:
            self._limit_ = limit
        if stats is not None:
            self._stats_ = stats
        if (above, align, code, cutoff, frames, detail, limit, stats) != (None,) * 8:
            self._configure()

    def _configure(self):
        # every value was checked and normalised by _option()
        self._sizer.configure(
            align=self._align_, code=self._code_, frames=self._frames_,
            ignored=self._ignored_, infer=self._infer_, limit=self._limit_,
            detail=self._detail_, profile=self._stats_ > 0,
            above=self._above_, dictlike=tuple(_dict_classes), mapped=_amapped[0])
        self._mapped_ = _amapped[0]

    # ---- sizing ------------------------------------------------------------

    def _sizes(self, objs, tree):
        # A module-level call (self._once) sizes once and drops the state,
        # which lets the engine skip recording singly-owned objects.
        if self._mapped_ != _amapped[0]:   # amapped() changed since _configure
            self._configure()
        return self._sizer.sizes(tuple(objs), tree=tree, once=self._once)

    def _samples(self, objs, ts, rclip, slow):
        """For classtracker: ((ts, sample) pairs, reprs) of distinct objects
        sized at detail 0 in one engine call, each sample an `Asized` with
        no refs (see _core.Sizer.samples); slow(obj) -> (name, repr) where
        a repr fails or is not an exact str."""
        if self._mapped_ != _amapped[0]:   # amapped() changed since _configure
            self._configure()
        return self._sizer.samples(tuple(objs), ts, Asized, self._clip_, rclip, slow)

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
        # type(o) is type: no metaclass is asked anything; identity only.
        types = [o for o in objs if type(o) is type]
        for t in types:
            if not any(t is x for x in self._excl_types):
                self._excl_types.append(t)
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
        for count, total, high, ref, key in self._sizer.profiles().values():
            obj = _deref(ref)
            tp, is_def = _split_key(key)
            ln, bang = _leng_info(obj)
            out.append((tp, is_def, count, total, high, obj, ln, bang))
        return out

    def print_stats(self, objs=(), opts={}, sized=(), sizes=(), stats=3,  # noqa: B006 - spec
                    **print3options):
        """Print the statistics of spec 2.6 if the sizer's stats level > 0."""
        stats = opts.get('stats', stats)
        s = min(0 if stats is None else _option('print_stats', 'stats', stats), self.stats)
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
        w = _option('print_summary', 'w', w)
        c = self._sizer.counters()
        lines = _stats.summary_lines(
            w, c['total'], self._code_, self._align_, len(objs),
            c['sized'], c['excluded'], c['seen'], c['ranked'], c['missed'],
            c['duplicate'], c['depth'])
        self._print_lines(lines, **print3options)

    def print_largest(self, w=0, cutoff=0, **print3options):
        """Print the largest objects ranked (by total size)."""
        w, cutoff = _option('print_largest', 'w', w), _option('print_largest', 'cutoff', cutoff)
        ranks = self._ranks_data()
        if ranks:
            n = min(len(ranks), cutoff or self._cutoff_)
            lines = _stats.largest_lines(w, ranks, self._counter('ranked'), self._above_, n,
                                         self._clip_)
            self._print_lines(lines, **print3options)

    def print_profiles(self, w=0, cutoff=0, **print3options):
        """Print the per-type profiles (by flat size)."""
        w, cutoff = _option('print_profiles', 'w', w), _option('print_profiles', 'cutoff', cutoff)
        profiles = self._profiles_data()
        if profiles:
            lines = _stats.profile_lines(w, profiles, self._counter('total'),
                                         cutoff or self._cutoff_, self._clip_, self._code_)
            self._print_lines(lines, **print3options)

    def print_typedefs(self, w=0, **print3options):
        """Print the tables of the types seen, by kind."""
        w = _option('print_typedefs', 'w', w)
        tables = {}
        for rec in self._sizer.profiles().values():
            tp, is_def = _split_key(rec[4])
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
    """(class, is_def) of a statistics key: the engine keys each record
    with (type(obj), False) or (obj, True) for a class object."""
    return key[0], key[1] is True


def _leng_info(obj):
    """(length, estimate larger than len()) for statistics lines; both read
    through builtin C functions, never the object's own __len__."""
    if obj is None:
        return None, False
    try:
        n, size = _leng_len(obj)
    except Exception:
        return None, False
    return n, (n is not None and size is not None and n > size)


_LEN_HANDLERS = ((list, '_len_list'), (tuple, '_len'), (dict, '_len_dict'),
                 (set, '_len_set'), (frozenset, '_len_set'), (str, '_len_unicode'),
                 (bytes, '_len'), (bytearray, '_len_bytearray'), (int, '_len_int'))

_type_mro = type.__dict__['__mro__'].__get__
_type_base = type.__dict__['__base__'].__get__
_type_dict = type.__dict__['__dict__'].__get__


def _is_dict_class(tp):
    """tp is registered with adict() (by identity: no metaclass __eq__)."""
    for c in _dict_classes:
        if c is tp:
            return True
    return False


def _typedef_row(tp, is_def, sizer):
    """(kind, row) of the type tables printed at stats level 3.  The basic
    and item sizes are those basicsize() and itemsize() report."""
    if is_def:
        kind = 'ignored' if _is_ignored_class(tp) else 'dynamic'
        return kind, (tp, True, _class_basicsize(tp), 0, None, '_class_refs', True)
    heap = bool(_flags(tp) & _Py_TPFLAGS_HEAPTYPE)
    if _is_dict_class(tp):
        kind = 'dynamic'
    elif sizer._infer_ and _infer_dict_type(tp) and not issubclass(tp, dict):
        kind = 'inferred'
    elif sizer._derive_ and heap and _type_base(tp) is not object:
        kind = 'derived'
    else:
        kind = 'dynamic' if heap else 'static'
    lname = None
    for base in _type_mro(tp):
        for t, name in _LEN_HANDLERS:
            if base is t:
                lname = name
                break
        if lname is not None:
            break
    if heap:
        refs_name = '_inst_refs'
    elif issubclass(tp, (list, tuple, set, frozenset)):
        refs_name = '_seq_refs'
    else:
        refs_name = '_dict_refs' if issubclass(tp, dict) else None
    code_only = tp is type(len) or issubclass(tp, type)
    return kind, (tp, False, _instance_basicsize(tp), _type_itemsize(tp), lname, refs_name,
                  code_only)


def _is_ignored_class(cls):
    try:
        mod = type.__dict__['__module__'].__get__(cls)
    except Exception:
        return False
    return type(mod) is str and mod in ('builtins', 'types', __name__)


def _infer_dict_type(tp):
    """tp (a class) has callable dict-like methods, looked up in the class
    dicts of its MRO without asking the metaclass."""
    for attr in ('items', 'keys', 'values', '__len__', 'get', 'has_key'):
        found = False
        for base in _type_mro(tp):
            v = _type_dict(base).get(attr)
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
    class and amapped() at its initial value, sized once by a fresh engine
    sizer (a new Sizer starts with those options): the common module-level
    call, without building an Asizer."""
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
        if z._limit_ == sys.maxsize and not z._stats_:
            # The collector's objects are distinct and nothing is cut by
            # depth: one engine run sums them, each object reached counted
            # once, without noting a million positional arguments.
            if z._mapped_ != _amapped[0]:
                z._configure()
            s = z._sizer.sizes(t, once=z._once, distinct=True)
        else:
            # a C sum, no Python loop over the heap to drop repeats
            s = sum(z.asizesof(*t))
    else:
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
    align = _option('flatsize', 'align', align)
    infer = _option('flatsize', 'infer', opts.get('infer', False))
    z = _core.Sizer()
    z.configure(align=align, code=True, frames=True, ignored=False,
                infer=infer, limit=0, detail=0, profile=False,
                above=0, dictlike=tuple(_dict_classes), mapped=_amapped[0])
    return z.flat(obj)


# The small functions read the real type (type(obj)) and its C slots
# (_core.typeslots), never an attribute of the object or of its class, so
# that no __getattr__, __getattribute__, __class__ property or metaclass
# hook runs.  issubclass() against an exact builtin class runs no code.

def _is_class(obj):
    return issubclass(type(obj), type)


def _flags(tp):
    return _core.typeslots(tp)[2]


def _instance_basicsize(tp):
    """The basic size of an instance of tp: tp_basicsize plus the GC header
    when tp takes part in garbage collection."""
    basic, _, flags, _ = _core.typeslots(tp)
    b = basic + _REFCOUNT_WORDS
    if flags & _Py_TPFLAGS_HAVE_GC:
        b += _GC_HEADER
    return b


def _class_basicsize(cls):
    """The basic size of the class object cls: its metaclass's
    tp_basicsize plus the GC header for heap types (static types are not
    tracked by the collector)."""
    b = _core.typeslots(type(cls))[0] + _REFCOUNT_WORDS
    if _flags(cls) & _Py_TPFLAGS_HEAPTYPE:
        b += _GC_HEADER
    return b


def basicsize(obj, **opts):
    """The basic size of obj: its type's __basicsize__ plus the GC header
    when the type takes part in garbage collection (for class objects: only
    heap types)."""
    if _is_class(obj):
        return _class_basicsize(obj)
    return _instance_basicsize(type(obj))


_ITEM_SUBSTITUTES = ((list, 8), (tuple, 8), (slice, 8), (type(basicsize.__code__), 8),
                     (dict, 24), (type(type.__dict__), 24), (set, 16), (frozenset, 16),
                     (str, 1), (bytes, 1), (bytearray, 1))


def _type_itemsize(tp):
    """The item size of instances of tp (the C-level substitute for builtin
    variable-size containers); 0 for classes."""
    if issubclass(tp, type):
        return 0
    n = _core.typeslots(tp)[1]
    if n:
        return n
    for t, sub in _ITEM_SUBSTITUTES:
        if issubclass(tp, t):
            return sub
    import struct
    if issubclass(tp, struct.Struct):
        return 1
    return 0


def itemsize(obj, **opts):
    """The item size of obj's type, with C-level substitutes for builtin
    variable-size containers."""
    tp = type(obj)
    array = _array_type(tp)
    if array is not None:
        return array.__dict__['itemsize'].__get__(obj)
    return _type_itemsize(tp)


def _array_type(tp):
    """The class whose C getters read tp's instances if tp is exactly
    array.array, numpy.ndarray or numpy.memmap (looked up in sys.modules,
    never imported), else None."""
    mods = sys.modules
    m = _module_dict(mods.get('array'))
    if tp is m.get('array'):
        return tp
    np = _module_dict(mods.get('numpy'))   # its own dict: a lazy module's
    nd = np.get('ndarray')                 # __getattr__ would import it
    if nd is not None and (tp is nd or tp is np.get('memmap')):
        return nd
    return None


def _module_dict(m):
    """The own dict of module m ({} for anything else), read without
    running a module __getattr__."""
    if not isinstance(m, type(sys)):
        return {}
    d = type(sys).__dict__['__dict__'].__get__(m)
    return d if type(d) is dict else {}


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


def _plain_int(v):
    return type(v) is int or type(v) is bool


def _leng_len(obj):
    """(leng(obj), len(obj) by the builtin base class or None): both read
    through the C functions of builtin classes, never obj's own methods."""
    tp = type(obj)
    if issubclass(tp, type):
        return None, None
    if issubclass(tp, list):
        n = list.__len__(obj)
        if n == 0:
            return 0, 0
        return (n + 4 if n <= 8 else n + 6 + n // 8), n
    if issubclass(tp, dict):
        n = dict.__len__(obj)
        return (0 if n < 6 else _pow2_above(n)), n
    if issubclass(tp, (set, frozenset)):
        n = set.__len__(obj) if issubclass(tp, set) else frozenset.__len__(obj)
        if n == 0:
            return 0, 0
        return (8 if n <= 8 else _pow2_at_least(2 * n - 2)), n
    if issubclass(tp, str):
        n = str.__len__(obj)
        return n + 1, n
    if issubclass(tp, bytearray):
        return bytearray.__alloc__(obj), bytearray.__len__(obj)
    if issubclass(tp, bytes):
        n = bytes.__len__(obj)
        return n, n
    if issubclass(tp, tuple):
        n = tuple.__len__(obj)
        return n, n
    if issubclass(tp, int):
        b = int.bit_length(int.__abs__(obj))
        return ((b + 29) // 30 if b else 0), None
    array = _array_type(tp)
    if array is not None:
        if 'nbytes' in array.__dict__:   # numpy: every dimension, also 0-d
            n = array.__dict__['size'].__get__(obj)
            return array.__dict__['nbytes'].__get__(obj), n
        n = array.__len__(obj)
        return array.__dict__['itemsize'].__get__(obj) * n, n
    if issubclass(tp, type(sys)):
        d = type(sys).__dict__['__dict__'].__get__(obj)
        return (dict.__len__(d) if type(d) is dict else 0), None
    code_type = type(leng.__code__)
    if issubclass(tp, code_type):
        return (obj.co_stacksize + obj.co_nlocals + len(obj.co_freevars)
                + len(obj.co_cellvars) - 1), None
    if issubclass(tp, slice):
        start, stop, step = obj.start, obj.stop, obj.step
        start = 0 if start is None else start
        step = 1 if step is None else step
        if not (_plain_int(start) and _plain_int(stop) and _plain_int(step)) or not step:
            return 0, None   # no user __sub__ / __floordiv__ is called
        return max((stop - start + 1) // step, 0), None
    import struct
    if issubclass(tp, struct.Struct):
        return struct.Struct.__dict__['size'].__get__(obj), None
    _, _, flags, name = _core.typeslots(tp)
    if not flags & _Py_TPFLAGS_HEAPTYPE and '.' not in name and name.endswith('iterator'):
        # a builtin iterator: its C __length_hint__ (no subclass can exist)
        import operator
        try:
            return operator.length_hint(obj), None
        except Exception:
            return 0, None
    return None, None


def leng(obj, **opts):
    """The number of allocated items of obj (an estimate for some types), or
    None for types without a length."""
    return _leng_len(obj)[0]


def refs(obj, **opts):
    """The referents the sizer follows for obj, unnamed; None when obj's kind
    has no referent rule."""
    pairs = _referents(obj, opts, 'refs')
    if pairs is None:
        return None
    return (o for _, o in pairs)


def named_refs(obj, **opts):
    """The named referents of obj as (name, object) pairs, in visiting order."""
    pairs = _referents(obj, opts, 'named_refs')
    out = []
    for spec, o in pairs or ():
        if spec is None:
            continue
        out.append((_refname(spec, o), o))
    return out


def _referents(obj, opts, fname):
    infer = _option(fname, 'infer', opts.get('infer', False))
    z = _core.Sizer()
    z.configure(align=_core.DEFAULT_ALIGN, code=True, frames=True, ignored=False,
                infer=infer, limit=1, detail=0, profile=False,
                above=0, dictlike=tuple(_dict_classes))
    return z.referents(obj)


def adict(*classes):
    """Register classes to be sized like dicts.  True if all were accepted."""
    ok = True
    for c in classes:
        if (_is_class(c) and _core.static_name(c) and _infer_dict_type(c)):
            if not _is_dict_class(c):
                _dict_classes.append(c)
        else:
            ok = False
    return ok


def amapped(percentage=None):
    """Get, and optionally set, the share (percent) of a numpy memmap's
    mapped size assumed resident; returns the previous value."""
    prev = _amapped[0]
    if percentage is not None:
        try:
            p = float(percentage)
        except (TypeError, ValueError, OverflowError):
            raise TypeError('invalid option: amapped(percentage=%r)' % (percentage,)) from None
        if p != p:   # NaN: no percentage at all
            raise ValueError('invalid option: amapped(percentage=%r)' % (percentage,))
        _amapped[0] = min(max(p, 0.0), 100.0)
    return prev
