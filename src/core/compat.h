/* compat.h -- every CPython-version difference the engine depends on.
 *
 * This is the only file of ours that tests PY_VERSION_HEX (the vendored
 * pythoncapi_compat.h aside).  Everything else tests
 * the named feature macros below, or calls the small inline accessors that
 * hide a layout difference.  Layouts of internal CPython structures that the
 * engine reads (never writes) are mirrored here, each with the version it
 * was copied from; see docs/internals.md, "Per-version notes".
 */
#ifndef PYM_COMPAT_H
#define PYM_COMPAT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>   /* PyMemberDef, T_OBJECT, T_OBJECT_EX */
#include <stdint.h>
#include <frameobject.h>  /* PyFrame_Type, PyFrameObject (3.9/3.10) */

#if PY_VERSION_HEX < 0x03090000
#  error "pympler needs CPython 3.9 or newer"
#endif

/* Free-threaded builds (3.13t, Py_GIL_DISABLED) lay out objects and the GC
 * differently and let other threads mutate containers during a walk: not
 * supported until done as planned in docs/internals.md, "Free-threaded builds". */
#ifdef Py_GIL_DISABLED
#  error "free-threaded CPython (Py_GIL_DISABLED) is not supported yet: docs/internals.md"
#endif

/* The GC header (PyGC_Head, internal since 3.8) is two words in 3.9-3.13,
 * debug builds included. */
#define PYM_GC_HEAD_SIZE (2 * sizeof(void *))

/* Newer C API functions on older versions (Py_NewRef, Py_XNewRef, Py_IsNone,
 * PyModule_AddObjectRef on 3.9, ...): the header of the pythoncapi-compat
 * project, vendored unmodified (refresh: tools/upgrade_pythoncapi.py). */
#include "pythoncapi_compat.h"

/* 3.11: managed dicts.  The instance dict, or its not-yet-materialised
 * values array, hangs off a pre-header in front of the object.  The flag is
 * public from 3.12; in 3.11 it is bit 4, as in Include/object.h of 3.12. */
#if PY_VERSION_HEX >= 0x030B0000
#  define PYM_HAS_MANAGED_DICT 1
#  ifndef Py_TPFLAGS_MANAGED_DICT
#    define Py_TPFLAGS_MANAGED_DICT (1UL << 4)
#  endif
#endif

/* 3.11: sys.getsizeof adds the pre-header of the object's type
 * (_PyType_PreHeaderSize: GC header plus the managed-dict words) instead of
 * the GC header of GC objects.  3.12 adds the managed weakref word to the
 * pre-header.  3.13 again adds nothing for static type objects. */
#if PY_VERSION_HEX >= 0x030B0000
#  define PYM_GETSIZEOF_COUNTS_PREHEADER 1
#endif
#if PY_VERSION_HEX >= 0x030C0000
#  ifndef Py_TPFLAGS_MANAGED_WEAKREF
#    define Py_TPFLAGS_MANAGED_WEAKREF (1UL << 3)
#  endif
#  define PYM_TPFLAGS_PREHEADER (Py_TPFLAGS_MANAGED_DICT | Py_TPFLAGS_MANAGED_WEAKREF)
#elif defined(PYM_HAS_MANAGED_DICT)
#  define PYM_TPFLAGS_PREHEADER Py_TPFLAGS_MANAGED_DICT
#endif
#if PY_VERSION_HEX >= 0x030D0000
#  define PYM_GETSIZEOF_STATIC_TYPES_BARE 1
#endif

/* 3.13: _PyDict_SizeOf (what dict.__sizeof__ returns) moved to the internal
 * headers; the function is still exported. */
#if PY_VERSION_HEX >= 0x030D0000
PyAPI_FUNC(Py_ssize_t) _PyDict_SizeOf(PyDictObject *);
#endif

/* 3.9-3.11: a str may cache a wchar_t copy (wstr, counted by str.__sizeof__);
 * PEP 623 removed it in 3.12. */
#if PY_VERSION_HEX < 0x030C0000
#  define PYM_HAS_UNICODE_WSTR 1
#endif

/* 3.12: ints store a tag word (digit count << 3 | sign) instead of ob_size. */
#if PY_VERSION_HEX >= 0x030C0000
#  define PYM_HAS_LONG_TAG 1
#endif

/* 3.13: attribute values of plain instances live inline after the object
 * (Py_TPFLAGS_INLINE_VALUES, bit 2). */
#if PY_VERSION_HEX >= 0x030D0000
#  define PYM_HAS_INLINE_VALUES 1
#  ifndef Py_TPFLAGS_INLINE_VALUES
#    define Py_TPFLAGS_INLINE_VALUES (1UL << 2)
#  endif
#endif

/* 3.12: PyUnstable_GC_VisitObjects visits every tracked object without
 * building a list (the heap walk uses it; see heapwalk.c). */
#if PY_VERSION_HEX >= 0x030C0000
#  define PYM_HAS_GC_VISIT 1
#endif

/* PyWeakref_GetObject is deprecated from 3.13; the struct field (public in
 * cpython/weakrefobject.h, 3.9-3.13) is read instead: Py_None when dead. */
#define PYM_WEAKREF_OBJECT(wr) (((PyWeakReference *)(wr))->wr_object)

/* 3.9-3.12 export _PyType_Lookup (borrowed, no side effects, uses the
 * method cache); 3.13 still exports it.  Declared here for clarity. */
PyAPI_FUNC(PyObject *) _PyType_Lookup(PyTypeObject *, PyObject *);

/* 3.13: PyObject_GC_IsTracked is public since 3.9, fine everywhere. */

/* 3.12: the dict of a static builtin type lives in the interpreter state and
 * tp_dict is NULL; PyType_GetDict (3.12+) returns it.  PYM_TYPE_DICT(tp) is
 * a new reference to the type's real dict, or NULL (no exception) when it
 * has none.  Never runs Python code. */
#if PY_VERSION_HEX >= 0x030C0000
#  define PYM_TYPE_DICT(tp) PyType_GetDict(tp)
#else
#  define PYM_TYPE_DICT(tp) Py_XNewRef((tp)->tp_dict)
#endif

/* ---- mirrored internal layouts (read only) ---------------------------- */

#ifdef PYM_HAS_MANAGED_DICT
/* struct _dictkeysobject, Include/internal/pycore_dict.h, identical in
 * 3.11.7, 3.12.1 and 3.13.0 (non-free-threaded builds). */
typedef struct {
    Py_ssize_t dk_refcnt;
    uint8_t dk_log2_size;
    uint8_t dk_log2_index_bytes;
    uint8_t dk_kind;
    uint32_t dk_version;
    Py_ssize_t dk_usable;
    Py_ssize_t dk_nentries;
    char dk_indices[];
} PymDictKeys;

/* PyDictUnicodeEntry, same header, same versions. */
typedef struct {
    PyObject *me_key;
    PyObject *me_value;
} PymDictUnicodeEntry;

#  define PYM_DICT_KEYS_SPLIT 2

static inline PymDictUnicodeEntry *
pym_dictkeys_unicode_entries(PymDictKeys *dk)
{
    return (PymDictUnicodeEntry *)(dk->dk_indices + ((size_t)1 << dk->dk_log2_index_bytes));
}

/* PyDictKeyEntry (general keys), same header, same versions. */
typedef struct {
    Py_hash_t me_hash;
    PyObject *me_key;
    PyObject *me_value;
} PymDictKeyEntry;

/* 3.11+: the entries of a dict can be read in place (the sizer's dict
 * cursor does, to look one entry ahead). */
#  define PYM_HAS_DICT_ENTRIES 1

/* Entry i of dict d, in storage order: 1 with *k and *v borrowed, 0 for an
 * empty or deleted slot, -1 past the end.  Runs no code; every call re-reads
 * the table, so a dict resized meanwhile is read afresh. */
static inline int
pym_dict_entry(PyObject *d, Py_ssize_t i, PyObject **k, PyObject **v)
{
    PyDictObject *mp = (PyDictObject *)d;
    PymDictKeys *dk = (PymDictKeys *)mp->ma_keys;
    if (i < 0 || i >= dk->dk_nentries) {
        return -1;
    }
    if (mp->ma_values != NULL) {
        /* Split table: keys in the shared keys, values beside.  The values
         * array holds at least dk_nentries slots (see pym_values_capacity). */
#  ifdef PYM_HAS_INLINE_VALUES
        uint8_t *vals = (uint8_t *)mp->ma_values;   /* capacity, size, embedded, valid */
        if (i >= vals[0]) {
            return -1;
        }
        *v = ((PyObject **)(vals + 8))[i];
#  else
        *v = ((PyObject **)mp->ma_values)[i];
#  endif
        *k = pym_dictkeys_unicode_entries(dk)[i].me_key;
    }
    else if (dk->dk_kind == 0) {   /* DICT_KEYS_GENERAL */
        PymDictKeyEntry *e = (PymDictKeyEntry *)(dk->dk_indices
                                                 + ((size_t)1 << dk->dk_log2_index_bytes));
        *k = e[i].me_key;
        *v = e[i].me_value;
    }
    else {
        PymDictUnicodeEntry *e = pym_dictkeys_unicode_entries(dk);
        *k = e[i].me_key;
        *v = e[i].me_value;
    }
    return *k != NULL && *v != NULL;
}

/* Shared keys of a heap type (ht_cached_keys), or NULL. */
static inline PymDictKeys *
pym_type_cached_keys(PyTypeObject *tp)
{
    if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        return NULL;
    }
    return (PymDictKeys *)((PyHeapTypeObject *)tp)->ht_cached_keys;
}
#endif /* PYM_HAS_MANAGED_DICT */

/* Where an instance keeps its attributes, as read by pym_instance_attrs().
 *   ia_dict:     the materialised __dict__ (borrowed) or NULL;
 *   ia_values:   the values array when no dict exists (or, 3.13, the inline
 *             values when they are still valid), or NULL;
 *   ia_capacity: number of value slots that may be read (in bounds);
 *   ia_storage:  bytes of the values array that belong to the instance but are
 *             not reported by sys.getsizeof: 3.11/3.12 the separately
 *             allocated array (prefix included), 3.13 the inline values. */
typedef struct {
    PyObject *ia_dict;
    PyObject **ia_values;
    Py_ssize_t ia_capacity;
    Py_ssize_t ia_storage;
} PymInstanceAttrs;

#if defined(PYM_HAS_MANAGED_DICT) && !defined(PYM_HAS_INLINE_VALUES)
/* 3.11/3.12: capacity of a separately allocated values array.  CPython
 * does not record it: new_values(size) allocates prefix + size words with
 * prefix = round_up(size + 2, 8) stored in byte [-1], where size was
 * dk_nentries + dk_usable of the shared keys when the instance was created
 * (each creation first decrements dk_usable down to 1; adding a key moves
 * one from dk_usable to dk_nentries and keeps the sum).  So size lies in
 * [prefix - 9, prefix - 2] and, once the keys have settled, equals the
 * current dk_nentries + dk_usable; we take that value clamped into the
 * range: exact for instances created after the first few, within 7 words
 * otherwise. */
static inline Py_ssize_t
pym_values_cap_estimate(PymDictKeys *keys, Py_ssize_t prefix)
{
    Py_ssize_t lo = prefix - 9, hi = prefix - 2, cap;
    if (lo < 1) {
        lo = 1;
    }
    cap = keys != NULL ? keys->dk_nentries + keys->dk_usable : lo;
    if (cap < lo) {
        cap = lo;
    }
    if (cap > hi) {
        cap = hi;
    }
    return cap;
}

/* Capacity and bytes of an instance's values array (estimate above).
 * Entries added later never exceed the capacity, so indexing values[i]
 * for i < dk_nentries is always in bounds. */
static inline void
pym_values_capacity(PyTypeObject *tp, PymInstanceAttrs *a)
{
    PymDictKeys *keys = pym_type_cached_keys(tp);
    Py_ssize_t prefix = ((uint8_t *)a->ia_values)[-1];
    Py_ssize_t cap = pym_values_cap_estimate(keys, prefix);
    a->ia_storage = prefix + cap * (Py_ssize_t)sizeof(PyObject *);
    a->ia_capacity = keys != NULL && keys->dk_nentries < cap ? keys->dk_nentries : cap;
}
#endif

/* Fill *a for obj without creating anything; never runs Python code. */
static inline void
pym_instance_attrs(PyObject *obj, PymInstanceAttrs *a)
{
    PyTypeObject *tp = Py_TYPE(obj);
    a->ia_dict = NULL;
    a->ia_values = NULL;
    a->ia_capacity = 0;
    a->ia_storage = 0;
#if defined(PYM_HAS_INLINE_VALUES)
    if (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
        /* 3.13: PyManagedDictPointer at offset -3 words; inline values
         * directly after the PyObject header. */
        a->ia_dict = ((PyObject **)obj)[-3];
        if (tp->tp_flags & Py_TPFLAGS_INLINE_VALUES) {
            uint8_t *v = (uint8_t *)obj + tp->tp_basicsize;
            Py_ssize_t cap = v[0];          /* capacity */
            size_t prefix = ((size_t)cap + 7) & ~(size_t)7;
            a->ia_storage = (Py_ssize_t)(prefix + (cap + 1) * sizeof(PyObject *));
            if (a->ia_dict == NULL && v[3] /* valid */) {
                a->ia_values = (PyObject **)(v + 8);
                a->ia_capacity = cap;
            }
        }
        return;
    }
#elif PY_VERSION_HEX >= 0x030C0000
    if (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
        /* 3.12: PyDictOrValues at offset -3 words; values tagged by bit 0. */
        char *dorv = ((char **)obj)[-3];
        if (((uintptr_t)dorv) & 1) {
            a->ia_values = (PyObject **)(dorv + 1);
            pym_values_capacity(tp, a);
        }
        else {
            a->ia_dict = (PyObject *)dorv;
        }
        return;
    }
#elif defined(PYM_HAS_MANAGED_DICT)
    if (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
        /* 3.11: dict at offset -3 words, values array at -4 words. */
        a->ia_dict = ((PyObject **)obj)[-3];
        if (a->ia_dict == NULL) {
            PyObject **values = ((PyObject ***)obj)[-4];
            if (values != NULL) {
                a->ia_values = values;
                pym_values_capacity(tp, a);
            }
        }
        return;
    }
#endif
    if (tp->tp_dictoffset != 0) {
        /* Classic dict slot.  A negative offset counts from the end of a
         * variable-size object (e.g. subclasses of int or tuple). */
        Py_ssize_t off = tp->tp_dictoffset;
        if (off < 0) {
            Py_ssize_t tsize = Py_SIZE(obj);
            size_t size;
            if (tsize < 0) {
                tsize = -tsize;
            }
            size = (size_t)tp->tp_basicsize + (size_t)tsize * (size_t)tp->tp_itemsize;
            size = (size + sizeof(void *) - 1) & ~(sizeof(void *) - 1);
            off += (Py_ssize_t)size;
        }
        if (off > 0) {
            a->ia_dict = *(PyObject **)((char *)obj + off);
        }
    }
}

/* Key object of values slot i of an instance's shared keys (borrowed), or
 * NULL.  Only meaningful when pym_instance_attrs() returned values. */
static inline PyObject *
pym_instance_value_key(PyObject *obj, Py_ssize_t i)
{
#ifdef PYM_HAS_MANAGED_DICT
    PymDictKeys *keys = pym_type_cached_keys(Py_TYPE(obj));
    if (keys == NULL || keys->dk_kind != PYM_DICT_KEYS_SPLIT || i >= keys->dk_nentries) {
        return NULL;
    }
    return pym_dictkeys_unicode_entries(keys)[i].me_key;
#else
    (void)obj;
    (void)i;
    return NULL;
#endif
}

/* The header sys.getsizeof adds to __sizeof__ (Python/sysmodule.c,
 * _PySys_GetSizeOf): 3.9/3.10 add the GC header when the object itself is
 * GC (PyObject_IS_GC, so static types get none); 3.11+ the pre-header of the
 * object's type; 3.13 nothing for static type objects. */
static inline Py_ssize_t
pym_getsizeof_header(PyObject *o)
{
#ifdef PYM_GETSIZEOF_COUNTS_PREHEADER
    PyTypeObject *tp = Py_TYPE(o);
    Py_ssize_t pre;
#  ifdef PYM_GETSIZEOF_STATIC_TYPES_BARE
    if (PyType_CheckExact(o) && !PyType_HasFeature((PyTypeObject *)o, Py_TPFLAGS_HEAPTYPE)) {
        return 0;
    }
#  endif
    pre = PyType_IS_GC(tp) ? (Py_ssize_t)PYM_GC_HEAD_SIZE : 0;
    if (tp->tp_flags & PYM_TPFLAGS_PREHEADER) {
        pre += 2 * (Py_ssize_t)sizeof(PyObject *);
    }
    return pre;
#else
    return PyObject_IS_GC(o) ? (Py_ssize_t)PYM_GC_HEAD_SIZE : 0;
#endif
}

/* int.__sizeof__: header plus 30-bit digits (at least one from 3.11). */
static inline Py_ssize_t
pym_long_sizeof(PyObject *o)
{
#ifdef PYM_HAS_LONG_TAG
    /* 3.12+: lv_tag follows the PyObject header; digits = tag >> 3. */
    uintptr_t tag = *(uintptr_t *)((char *)o + sizeof(PyObject));
    Py_ssize_t nd = (Py_ssize_t)(tag >> 3);
    if (nd < 1) {
        nd = 1;
    }
    return (Py_ssize_t)(sizeof(PyObject) + sizeof(uintptr_t)) + nd * 4;
#else
    Py_ssize_t n = Py_SIZE(o);
    if (n < 0) {
        n = -n;
    }
#  if PY_VERSION_HEX >= 0x030B0000
    /* 3.11: int.__sizeof__ counts at least one digit, 0 included. */
    if (n < 1) {
        n = 1;
    }
#  endif
    return (Py_ssize_t)offsetof(PyVarObject, ob_size) + (Py_ssize_t)sizeof(Py_ssize_t) + n * 4;
#endif
}

/* Bytes of attribute values stored inline in the object itself (3.13
 * Py_TPFLAGS_INLINE_VALUES), which sys.getsizeof leaves out.  They stay
 * allocated with the object whatever happens to them: still in use, used
 * by a materialised __dict__ (whose flat size then leaves them out, see
 * pym_dict_split_values) or abandoned when the dict moved to a table of
 * its own.  0 before 3.13. */
static inline Py_ssize_t
pym_inline_values_size(PyObject *obj)
{
#ifdef PYM_HAS_INLINE_VALUES
    PyTypeObject *tp = Py_TYPE(obj);
    if ((tp->tp_flags & Py_TPFLAGS_INLINE_VALUES) && (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT)) {
        uint8_t *v = (uint8_t *)obj + tp->tp_basicsize;
        size_t prefix = ((size_t)v[0] + 7) & ~(size_t)7;
        return (Py_ssize_t)(prefix + ((size_t)v[0] + 1) * sizeof(PyObject *));
    }
#endif
    (void)obj;
    return 0;
}

#ifdef PYM_HAS_MANAGED_DICT
/* A dict with a split table (an instance __dict__ on 3.11+) keeps its
 * values in an array of their own.  dict.__sizeof__ (_PyDict_SizeOf, 3.11
 * to 3.13) counts it as one word per usable slot of the shared keys, which
 * leaves out the array's prefix (3.11/3.12: insertion order bytes; 3.13:
 * a header word and the order bytes) and is not the capacity it was
 * allocated with.  Returns 1 for such a dict with *counted the bytes
 * dict.__sizeof__ counted for the values and *apart the bytes of the array
 * as allocated, or 0 when 3.13 values are embedded in the instance (the
 * instance counts them, pym_inline_values_size); 0 for other dicts.  Runs
 * no code. */
static inline int
pym_dict_split_values(PyObject *d, Py_ssize_t *counted, Py_ssize_t *apart)
{
    PyDictObject *mp = (PyDictObject *)d;
    PymDictKeys *dk = (PymDictKeys *)mp->ma_keys;
    if (mp->ma_values == NULL) {
        return 0;
    }
    *counted = (dk->dk_nentries + dk->dk_usable) * (Py_ssize_t)sizeof(PyObject *);
#  ifdef PYM_HAS_INLINE_VALUES
    {
        uint8_t *v = (uint8_t *)mp->ma_values;   /* capacity, size, embedded, valid */
        size_t prefix = ((size_t)v[0] + 7) & ~(size_t)7;
        *apart = v[2] ? 0 : (Py_ssize_t)(prefix + ((size_t)v[0] + 1) * sizeof(PyObject *));
    }
#  else
    {
        /* The array has the capacity the instance was created with; the
         * same estimate as for an instance's values (pym_values_capacity). */
        Py_ssize_t prefix = ((uint8_t *)mp->ma_values)[-1];
        *apart = prefix + pym_values_cap_estimate(dk, prefix) * (Py_ssize_t)sizeof(PyObject *);
    }
#  endif
    return 1;
}
#endif

/* The object fields of a code object that the sizer follows, as an
 * X-macro: X(name).  Layouts from Include/cpython/code.h of each version.
 * (clang-format does not settle on a layout for these lists.) */
/* clang-format off */
#if PY_VERSION_HEX >= 0x030B0000
#  define PYM_CODE_FIELDS(X) \
      X(co_consts) X(co_names) X(co_exceptiontable) X(co_localsplusnames) \
      X(co_localspluskinds) X(co_filename) X(co_name) X(co_qualname) X(co_linetable)
#elif PY_VERSION_HEX >= 0x030A0000
#  define PYM_CODE_FIELDS(X) \
      X(co_code) X(co_consts) X(co_names) X(co_varnames) X(co_freevars) \
      X(co_cellvars) X(co_filename) X(co_name) X(co_linetable)
#else
#  define PYM_CODE_FIELDS(X) \
      X(co_code) X(co_consts) X(co_names) X(co_varnames) X(co_freevars) \
      X(co_cellvars) X(co_filename) X(co_name) X(co_lnotab)
#endif
/* clang-format on */

/* Before 3.11 a generator owns a real frame object whose local variables
 * are in f_localsplus; from 3.11 gen tp_traverse visits them directly.
 * Number of local slots of a 3.9/3.10 frame, or 0. */
#if PY_VERSION_HEX < 0x030B0000
#  define PYM_GEN_HAS_FRAME_OBJECT 1
static inline Py_ssize_t
pym_frame_nlocals(PyFrameObject *f, PyObject ***vals)
{
    PyCodeObject *co = f->f_code;
    if (co == NULL) {
        return 0;
    }
    *vals = f->f_localsplus;
    return co->co_nlocals + PyTuple_GET_SIZE(co->co_cellvars) + PyTuple_GET_SIZE(co->co_freevars);
}
#endif

/* The local variable slots of a frame object (graph.c: referrers and paths
 * name them).  pym_frame_slots() returns their number and sets *vals to the
 * array (borrowed; NULL entries are unbound) and *code to the frame's code
 * object (borrowed), or returns 0.  *traversed is 1 when the frame's
 * tp_traverse visits the slots itself: 3.9/3.10 always; 3.11+ only when the
 * frame object owns its data (a finished frame), not while the frame runs
 * or belongs to a generator.  3.11+ reads the internal _PyInterpreterFrame,
 * mirrored from Include/internal/pycore_frame.h of each version up to
 * localsplus; the frame's back pointer to its frame object is checked, so a
 * layout mismatch yields 0, never a wild read. */
#if PY_VERSION_HEX >= 0x030B0000
#  define PYM_HAS_INTERPRETER_FRAME 1
typedef struct {
#  if PY_VERSION_HEX >= 0x030C0000
    PyObject *if_code;           /* 3.12 f_code, 3.13 f_executable (maybe not code) */
    void *if_previous;
    PyObject *if_funcobj;
    PyObject *if_globals;
    PyObject *if_builtins;
    PyObject *if_locals;
    PyFrameObject *if_frame_obj;
    void *if_instr;
    int if_stacktop;
    uint16_t if_return_offset;
    char if_owner;
#  else
    PyObject *if_func;
    PyObject *if_globals;
    PyObject *if_builtins;
    PyObject *if_locals;
    PyObject *if_code;
    PyFrameObject *if_frame_obj;
    void *if_previous;
    void *if_prev_instr;
    int if_stacktop;
    char if_is_entry;
    char if_owner;
#  endif
    PyObject *if_localsplus[1];
} PymInterpFrame;

/* PyFrameObject of 3.11-3.13 (Include/internal/pycore_frame.h), its first
 * fields. */
typedef struct {
    PyObject_HEAD
    PyFrameObject *fo_back;
    PymInterpFrame *fo_frame;
} PymFrameHead;

#  define PYM_FRAME_OWNED_BY_FRAME_OBJECT 2
#endif

static inline Py_ssize_t
pym_frame_slots(PyFrameObject *f, PyObject ***vals, PyCodeObject **code, int *traversed)
{
#ifdef PYM_HAS_INTERPRETER_FRAME
    PymInterpFrame *fr = ((PymFrameHead *)f)->fo_frame;
    PyCodeObject *co;
    if (fr == NULL || fr->if_frame_obj != f || fr->if_code == NULL || !PyCode_Check(fr->if_code)) {
        return 0;
    }
    co = (PyCodeObject *)fr->if_code;
    *vals = fr->if_localsplus;
    *code = co;
    *traversed = fr->if_owner == PYM_FRAME_OWNED_BY_FRAME_OBJECT;
    return co->co_nlocalsplus;
#else
    PyCodeObject *co = f->f_code;
    if (co == NULL) {
        return 0;
    }
    *vals = f->f_localsplus;
    *code = co;
    *traversed = 1;
    return co->co_nlocals + PyTuple_GET_SIZE(co->co_cellvars) + PyTuple_GET_SIZE(co->co_freevars);
#endif
}

/* The f_back field of a frame object (borrowed, may be NULL): the frame
 * object before it, when one was made. */
static inline PyObject *
pym_frame_back(PyFrameObject *f)
{
#ifdef PYM_HAS_INTERPRETER_FRAME
    return (PyObject *)((PymFrameHead *)f)->fo_back;
#else
    return (PyObject *)f->f_back;
#endif
}

/* The names of a code object's free variables (a new reference to a
 * tuple), or NULL with an exception set. */
static inline PyObject *
pym_code_freevars(PyObject *co)
{
    if (co == NULL || !PyCode_Check(co)) {
        PyErr_SetString(PyExc_TypeError, "not a code object");
        return NULL;
    }
#ifdef PYM_HAS_INTERPRETER_FRAME
    return PyCode_GetFreevars((PyCodeObject *)co);
#else
    return Py_NewRef(((PyCodeObject *)co)->co_freevars);
#endif
}

/* Name of local slot i of code object co (borrowed str), or NULL. */
static inline PyObject *
pym_code_slot_name(PyCodeObject *co, Py_ssize_t i)
{
#ifdef PYM_HAS_INTERPRETER_FRAME
    PyObject *names = co->co_localsplusnames;
#else
    PyObject *names = co->co_varnames;
    if (i >= co->co_nlocals) {
        i -= co->co_nlocals;
        names = co->co_cellvars;
        if (i >= PyTuple_GET_SIZE(names)) {
            i -= PyTuple_GET_SIZE(names);
            names = co->co_freevars;
        }
    }
#endif
    if (names == NULL || !PyTuple_Check(names) || i < 0 || i >= PyTuple_GET_SIZE(names)) {
        return NULL;
    }
    return PyTuple_GET_ITEM(names, i);
}

/* Field layout of property objects (Objects/descrobject.c): get, set, del,
 * doc are the first four pointers after the header in 3.9 through 3.13. */
typedef struct {
    PyObject_HEAD
    PyObject *prop_get;
    PyObject *prop_set;
    PyObject *prop_del;
    PyObject *prop_doc;
} PymPropertyObject;

/* classmethod / staticmethod (Objects/funcobject.c), 3.9 through 3.13. */
typedef struct {
    PyObject_HEAD
    PyObject *cm_callable;
    PyObject *cm_dict;
} PymClassMethodObject;

#endif /* PYM_COMPAT_H */
