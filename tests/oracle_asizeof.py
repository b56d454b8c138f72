"""A slow, obviously-correct pure-Python oracle of the sizing model of
``docs/sizing.md``, for the object kinds the random graph generator of
``test_asizeof_oracle.py`` produces:

* ``list``, ``tuple``, ``dict``, ``set``, ``frozenset``, ``str``, ``bytes``,
  ``int`` (any size), ``float``, ``None``, ``bool``;
* instances of Python classes with a ``__dict__`` and/or ``__slots__``
  (inherited and name-mangled private slots, unset slots), including
  instances of ``list`` / ``dict`` subclasses;
* classes (code-only: 0 unless ``code=True``), their ``__mro__``, real class
  dict, descriptors (followed through ``gc.get_referents``).

It never imports ``pympler``: the engine is the thing under test.  It asks
the objects nothing (``type(o)``, never ``isinstance`` or ``o.__class__``),
so hostile objects can be sized with it too.

Flat size: ``sys.getsizeof(obj)`` rounded up to ``align``, plus, on 3.13,
the inline values of an instance (docs/sizing.md: they are part of the
object's allocation and sys.getsizeof leaves them out).  The attribute
storage of instances on CPython 3.11+ whose ``__dict__`` has not been
materialised is read here with ``ctypes`` from the object's pre-header
(3.11/3.12) or inline values (3.13), never by touching ``obj.__dict__``
(which would create the dict):

* 3.11/3.12: the values array is a virtual ``__dict__`` node (not an object:
  it does not count in ``seen``/``sized``/``duplicate``) whose flat size is
  ``prefix + capacity * 8`` where ``prefix`` is the byte in front of the
  array and ``capacity`` is ``dk_nentries + dk_usable`` of the class's shared keys
  clamped into ``[prefix - 9, prefix - 2]`` (and at least 1);
* 3.13: the inline values (``round_up(capacity, 8) + (capacity + 1) * 8``
  bytes, ``capacity`` being the first byte after ``tp_basicsize``) are added
  to the instance's own flat size and the virtual ``__dict__`` node has flat
  size 0.

The attribute (name, value) pairs of such instances come from the generator,
which records what it set (``records``: ``id(inst) -> [(name, value), ...]``
in insertion order); the oracle checks the record against the storage.
"""
import ctypes
import gc
import sys

PY = sys.version_info[:2]
WORD = ctypes.sizeof(ctypes.c_void_p)

_TPFLAGS_MANAGED_DICT = 1 << 4      # 3.11+
_TPFLAGS_INLINE_VALUES = 1 << 2     # 3.13+
_TPFLAGS_HEAPTYPE = 1 << 9
_TPFLAGS_HAVE_GC = 1 << 14

_IGNORED_MODULES = ('builtins', 'types', 'pympler.asizeof')
_LEAF_TYPES = (int, float, str, bytes, type(None), bool, complex)


# docs/sizing.md adds a 3.13 instance's inline values to its flat size
# whatever became of them (they are part of the object's allocation); a
# __dict__ materialised on them then counts its own object only
# (split_dict_flat below), so the values are counted once.
INLINE_VALUES_WHEN_MATERIALISED = True


def align_up(n, align):
    if align > 1:
        return (n + align - 1) & ~(align - 1)
    return n


# ---- raw memory ------------------------------------------------------------

def _word(addr):
    return ctypes.c_size_t.from_address(addr).value


def _sword(addr):
    return ctypes.c_ssize_t.from_address(addr).value


def _byte(addr):
    return ctypes.c_uint8.from_address(addr).value


def _object_at(addr):
    """The object at address addr (a new reference)."""
    return ctypes.cast(ctypes.c_void_p(addr), ctypes.py_object).value


_cached_keys_offset = {}


def _heap_type_cached_keys_offset(cls):
    """Offset of ht_cached_keys in PyHeapTypeObject: it follows ht_name,
    ht_slots and ht_qualname (3.11-3.13), found by looking for the
    addresses of __name__ and __qualname__."""
    key = 'off'
    if key in _cached_keys_offset:
        return _cached_keys_offset[key]
    name, qualname = cls.__name__, cls.__qualname__
    base = id(cls)
    start = type.__basicsize__ // 2 // WORD * WORD
    for off in range(start, type.__basicsize__ - 3 * WORD, WORD):
        if _word(base + off) == id(name) and _word(base + off + 2 * WORD) == id(qualname):
            _cached_keys_offset[key] = off + 3 * WORD
            return off + 3 * WORD
    raise AssertionError('ht_name/ht_qualname not found in %r' % (cls,))


def shared_keys_usable(cls):
    """dk_nentries + dk_usable of the class's shared keys (the size of the
    values array of an instance created now, once the keys have settled), or
    None."""
    if not cls.__flags__ & _TPFLAGS_HEAPTYPE:
        return None
    keys = _word(id(cls) + _heap_type_cached_keys_offset(cls))
    if not keys:
        return None
    return _keys_usable_size(keys)


def _keys_usable_size(keys):
    # dk_refcnt, (log2_size, log2_index_bytes, kind, version), dk_usable, dk_nentries
    return _sword(keys + 3 * WORD) + _sword(keys + 2 * WORD)


def split_dict_flat(d, align):
    """Flat size of an exact dict with a split table (3.11+: an instance
    __dict__), or None for other dicts.  dict.__sizeof__ counts its values as
    one word per usable slot of the shared keys; the model counts the dict
    object and, aligned apart, the values array as allocated (3.11/3.12:
    prefix + capacity words, capacity estimated as for instances; 3.13:
    round_up(capacity, 8) + (capacity + 1) words, nothing when embedded in
    the instance, which counts them)."""
    if PY < (3, 11) or type(d) is not dict:
        return None
    # ob_refcnt, ob_type, ma_used, ma_version_tag, ma_keys, ma_values
    keys, values = _word(id(d) + 4 * WORD), _word(id(d) + 5 * WORD)
    if not values:
        return None
    counted = _keys_usable_size(keys) * WORD
    if PY >= (3, 13):
        cap = _byte(values)
        apart = 0 if _byte(values + 2) else align_up(cap, 8) + (cap + 1) * WORD
    else:
        prefix = _byte(values - 1)
        lo, hi = max(prefix - 9, 1), prefix - 2
        apart = prefix + min(max(_keys_usable_size(keys), lo), hi) * WORD
    return align_up(sys.getsizeof(d) - counted, align) + align_up(apart, align)


def values_array_storage(cls, values_addr):
    """Bytes of a 3.11/3.12 values array (sizing model, docs/sizing.md)."""
    prefix = _byte(values_addr - 1)
    lo, hi = max(prefix - 9, 1), prefix - 2
    n = shared_keys_usable(cls)
    cap = lo if n is None else n
    cap = min(max(cap, lo), hi)
    return prefix + cap * WORD


def inline_values_storage(obj):
    """3.13: bytes of the inline values after tp_basicsize (0 if none)."""
    tp = type(obj)
    if PY < (3, 13) or not (tp.__flags__ & _TPFLAGS_INLINE_VALUES
                            and tp.__flags__ & _TPFLAGS_MANAGED_DICT):
        return 0
    cap = _byte(id(obj) + tp.__basicsize__)
    return align_up(cap, 8) + (cap + 1) * WORD


def inline_values_valid(obj):
    tp = type(obj)
    return bool(_byte(id(obj) + tp.__basicsize__ + 3))


def attribute_storage(obj):
    """How obj keeps its instance attributes, read without creating anything.

    Returns ('dict', the_dict), ('values', storage_bytes) or ('none', 0)."""
    tp = type(obj)
    flags = tp.__flags__
    if PY >= (3, 11) and flags & _TPFLAGS_MANAGED_DICT:
        if PY >= (3, 13):
            d = _word(id(obj) - 3 * WORD)
            if d:
                return ('dict', _object_at(d))
            if flags & _TPFLAGS_INLINE_VALUES and inline_values_valid(obj):
                return ('values', 0)
            return ('none', 0)
        if PY == (3, 12):
            dorv = _word(id(obj) - 3 * WORD)
            if dorv & 1:
                return ('values', values_array_storage(tp, dorv + 1))
            if dorv:
                return ('dict', _object_at(dorv))
            return ('none', 0)
        d = _word(id(obj) - 3 * WORD)   # 3.11
        if d:
            return ('dict', _object_at(d))
        values = _word(id(obj) - 4 * WORD)
        if values:
            return ('values', values_array_storage(tp, values))
        return ('none', 0)
    off = tp.__dictoffset__
    if off == 0:
        return ('none', 0)
    if off < 0:
        raise NotImplementedError('negative tp_dictoffset: %r' % (tp,))
    d = _word(id(obj) + off)
    if d:
        return ('dict', _object_at(d))
    return ('none', 0)


def has_materialised_dict(obj):
    return attribute_storage(obj)[0] == 'dict'


def real_class_dict(cls):
    """The class's real tp_dict (not a fresh mappingproxy)."""
    addr = _word(id(cls) + type.__dictoffset__)
    return _object_at(addr) if addr else None


def mangle(cls, name):
    if name.startswith('__') and not name.endswith('__'):
        stripped = cls.__name__.lstrip('_')
        if stripped:
            return '_%s%s' % (stripped, name)
    return name


def slot_values(obj):
    """(name, value) of every set __slots__ attribute declared in the MRO:
    classes in MRO order, each class's slots in declaration order (as
    Pympler 1.1; CPython's members are sorted by mangled name)."""
    out = []
    for klass in type(obj).__mro__:
        slots = klass.__dict__.get('__slots__')
        if slots is None:
            continue
        if isinstance(slots, str):
            slots = (slots,)
        names = [mangle(klass, s) for s in slots if s not in ('__dict__', '__weakref__')]
        for name in names:
            descr = klass.__dict__[name]
            try:
                v = descr.__get__(obj, type(obj))
            except AttributeError:   # unset slot
                continue
            out.append((name, v))
    return out


def clip_repr(o, clip=80):
    """repr(o), newlines as the two characters \\n, the middle replaced by
    '....' when longer than clip (spec API.md 2.6)."""
    r = repr(o).replace('\n', '\\n')
    if clip > 0 and len(r) > clip:
        h = clip // 2 - 2
        r = r[:h] + '....' + r[-h:]
    return r


def name_of(o, clip=80):
    """An object's non-empty __name__, else its clipped repr."""
    n = getattr(o, '__name__', None)
    if type(n) is str and n:
        return n
    return clip_repr(o, clip)


def is_ignored(o):
    if issubclass(type(o), type):
        return type.__dict__['__module__'].__get__(o) in _IGNORED_MODULES
    return type(o) is object


# ---- the oracle ------------------------------------------------------------

class _Virtual(object):
    """The __dict__ node of an instance whose dict is not materialised."""
    __slots__ = ('owner', 'storage', 'pairs')

    def __init__(self, owner, storage, pairs):
        self.owner, self.storage, self.pairs = owner, storage, pairs


class Oracle(object):
    """Sizer state, like pympler.asizeof.Asizer: accumulates across calls.

    records: id(instance) -> [(name, value), ...] for instances whose
    __dict__ may be un-materialised (3.11+); required for those."""

    def __init__(self, align=8, limit=sys.maxsize, code=False, records=None, detail=0,
                 clip=80):
        self.align = align
        self.limit = limit
        self.code = code
        self.detail = detail
        self.clip = clip
        self._names = False
        self.records = records if records is not None else {}
        self.enc = {}          # id -> number of encounters
        self.counted = set()   # ids already sized (or skipped as code/ignored)
        self.marks = set()     # ids given positionally or by exclude_refs
        self.excluded = set()  # ids given to exclude_objs
        self.keep = []         # keeps every id valid
        self.total = self.seen = self.sized = self.duplicate = 0

    # -- flat sizes --

    def flat(self, o, align=None):
        """Flat size of o (for instances on 3.13 incl. valid inline values)."""
        if align is None:
            align = self.align
        n = split_dict_flat(o, align)
        if n is not None:
            return n
        n = sys.getsizeof(o)
        if self._is_instance(o):
            # 3.13: the inline values are part of the object's allocation
            # (docs/sizing.md).  Whether they are added once a __dict__ has
            # been materialised is INLINE_VALUES_WHEN_MATERIALISED.
            if INLINE_VALUES_WHEN_MATERIALISED or attribute_storage(o)[0] != 'dict':
                n += inline_values_storage(o)
        return align_up(n, align)

    @staticmethod
    def _is_instance(o):
        tp = type(o)
        return (tp.__flags__ & _TPFLAGS_HEAPTYPE) and not issubclass(tp, type)

    # -- referents --

    def referents(self, o):
        """[(name, child)] in the order the sizer visits them; child may be a
        _Virtual node.  None for leaves."""
        tp = type(o)
        if issubclass(tp, type):
            return self._class_refs(o)
        if tp in (list, tuple, set, frozenset):
            return [(None, x) for x in o]
        if tp is dict:
            return self._dict_refs(o)
        if self._is_instance(o):
            return self._instance_refs(o)
        if issubclass(tp, _LEAF_TYPES):
            return None
        if tp.__flags__ & _TPFLAGS_HAVE_GC:
            # other C objects taking part in GC (descriptors, ...): what
            # the garbage collector visits
            return [(None, x) for x in gc.get_referents(o)]
        return None

    @staticmethod
    def _dict_refs(d):
        out = []
        for k, v in d.items():
            out.append((('K', k), k))
            out.append((('V', k), v))
        return out

    def _instance_refs(self, o):
        out = []
        kind, storage = attribute_storage(o)
        if kind == 'dict':
            out.append(('__dict__', storage))
        elif kind == 'values':
            pairs = self._recorded_pairs(o)
            out.append(('__dict__', _Virtual(o, storage, pairs)))
        out.append(('__class__', type(o)))
        out.extend(slot_values(o))
        if issubclass(type(o), dict):
            out.extend(self._dict_refs(o))
        elif issubclass(type(o), (list, tuple, set, frozenset)):
            out.extend((None, x) for x in o)
        return out

    def _recorded_pairs(self, o):
        rec = self.records.get(id(o))
        if rec is None:
            raise AssertionError('no attribute record for un-materialised %r' % (type(o),))
        pairs = []
        for name, value in rec:
            key = sys.intern(name)
            pairs.append((('K', key), key))
            pairs.append((('V', key), value))
        # Cross-check the record against the storage: the garbage collector
        # visits un-materialised values without creating the dict.
        visited = [id(x) for x in gc.get_referents(o)]
        for _, value in rec:
            if id(value) not in visited:
                raise AssertionError('recorded attribute value not in the storage')
        return pairs

    @staticmethod
    def _class_refs(cls):
        own = cls.__dict__   # a fresh mappingproxy of the real dict
        out = [('__class__', type(cls)),
               ('__doc__', own.get('__doc__')),
               ('__mro__', cls.__mro__),
               ('__name__', cls.__name__),
               ('__slots__', own.get('__slots__')),
               ('__weakref__', own.get('__weakref__')),
               ('__dict__', real_class_dict(cls))]
        return [(n, v) for n, v in out if v is not None or n == '__doc__' and '__doc__' in own]

    def code_only(self, o):
        return issubclass(type(o), type)

    # -- the walk --

    def _encounter(self, o, depth):
        """None when o adds nothing, else its flat size."""
        i = id(o)
        if i in self.excluded:
            return None
        self.keep.append(o)
        n = self.enc.get(i, 0) + 1
        self.enc[i] = n
        self.seen += 1
        if n == 1:
            self.sized += 1
        elif n == 2:
            self.duplicate += 1
        if i in self.marks and depth > 0:
            return None
        if i in self.counted:
            return None
        self.counted.add(i)
        if self.code_only(o) and not self.code:
            return None
        if is_ignored(o):
            return None
        return self.flat(o)

    def _walk(self, o, depth, name=None, sink=None):
        """Total size o adds at depth.  With a sink (a list), the Asized-like
        node (name, size, flat, children) of o is appended to it; children
        are collected for depth < detail."""
        kids = [] if sink is not None and depth < self.detail else None
        if type(o) is _Virtual:
            flat = align_up(o.storage, self.align)
            total = flat
            if depth < self.limit:
                for n, c in o.pairs:
                    total += self._walk(c, depth + 1, n, kids)
        else:
            flat = self._encounter(o, depth)
            if flat is None:
                flat = total = 0
                kids = None
            else:
                total = flat
                if depth < self.limit:
                    for n, c in self.referents(o) or ():
                        total += self._walk(c, depth + 1, n, kids)
        if sink is not None:
            sink.append((self._name(name, o) if self._names else None, total, flat,
                         tuple(kids or ())))
        return total

    def _name(self, spec, o):
        """The Asized name of a referent (spec API.md 2.4)."""
        if spec is None:
            return name_of(o, self.clip)
        if type(spec) is tuple:
            tag, key = spec[0], spec[1]
            if tag == 'K':
                return '[K] %s' % (key,)
            return '[V] %s: %s' % (key, clip_repr(o, 80))
        return spec

    def _walk_safe(self, o, sink):
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old, 20000))
        try:
            return self._walk(o, 0, None, sink)
        finally:
            sys.setrecursionlimit(old)

    # -- the API --

    def exclude_refs(self, *objs):
        for o in objs:
            self.keep.append(o)
            self.marks.add(id(o))

    def exclude_objs(self, *objs):
        for o in objs:
            self.keep.append(o)
            self.excluded.add(id(o))

    def asizesof(self, *objs):
        return tuple(n[1] for n in self.asized(*objs, names=False))

    def asized(self, *objs, **kw):
        """One (name, size, flat, children) tree per object (children down
        to the detail level; names unless names=False)."""
        self._names = kw.get('names', True)
        for o in objs:
            self.keep.append(o)
            self.marks.add(id(o))
        done = {}
        out = []
        for o in objs:
            if id(o) in done:
                # a repeated argument: one more encounter, same result
                self._encounter(o, 0)
                out.append(done[id(o)])
                continue
            sink = []
            self._walk_safe(o, sink)
            done[id(o)] = sink[0]
            self.total += sink[0][1]
            out.append(sink[0])
        return tuple(out)

    def asizeof(self, *objs):
        sizes = self.asizesof(*objs)
        seen = set()
        s = 0
        for o, z in zip(objs, sizes):
            if id(o) not in seen:
                seen.add(id(o))
                s += z
        return s

    def counters(self):
        return dict(total=self.total, seen=self.seen, sized=self.sized,
                    duplicate=self.duplicate)


def oracle_asizeof(*objs, **opts):
    records = opts.pop('records', None)
    return Oracle(records=records, **opts).asizeof(*objs)


def oracle_asizesof(*objs, **opts):
    records = opts.pop('records', None)
    return Oracle(records=records, **opts).asizesof(*objs)


def oracle_flatsize(o, align=0):
    return Oracle(align=align).flat(o)
