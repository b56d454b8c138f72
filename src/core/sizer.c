/* sizer.c -- the deep sizer: pympler._core.Sizer.
 *
 * A Sizer sizes objects with everything they reference, counting every
 * distinct object once per sizing run (or across runs: Asizer accumulates).
 * It walks with an explicit stack of PymFrame (cursor.c), so deep data never
 * recurses in C; a 10**6-node linked list needs one 32-byte frame per
 * pending level and nothing on the C stack.
 *
 * State of an object within a sizer, decided in encounter():
 *   - in z_marks (PymPtrMap) with value -1: excluded object, never sized;
 *   - in z_marks with value n >= 0: a positional argument or an object
 *     given to exclude_refs(): sized only when given at depth 0 and not yet
 *     sized; n is encounters << 1 | sized;
 *   - otherwise z_seen (PymIdSet) tells first / second / later encounter.
 * An object is in at most one of the two, so counters are exact:
 *   seen = encounters, sized = first encounters, duplicate = second ones.
 *
 * Tracking (per-frame totals in z_track) is on only when the caller wants an
 * Asized tree (detail) or ranking (stats with above > 0); otherwise each
 * root's total is a running sum and leaves are never pushed.
 *
 * Python code can run during a walk (a Python __sizeof__, items() of a
 * dict-like, finalizers of objects we release).  Frames own strong
 * references and cursors re-validate, and a busy flag makes re-entrant use
 * of the same Sizer raise instead of corrupting it; other Sizers (another
 * thread, a nested asizeof) are independent.  Python interface:
 * src/pympler/asizeof.py.
 */
#include "pympler.h"
#include "cursor_fast.h"

#include <string.h>   /* memset */

#define MAX_RANKS 100

typedef struct {
    Py_ssize_t t_total;
    Py_ssize_t t_flat;
    PyObject *t_children;    /* list of nodes, or NULL */
    PyObject *t_name;        /* name spec, or NULL */
} PymTrack;

typedef struct {
    PyObject_HEAD
    PyObject *z_module;          /* strong: keeps PymState alive */
    PymState *z_state;
    /* options */
    int z_code, z_frames, z_ignored, z_infer, z_profile;
    Py_ssize_t z_limit, z_detail, z_above, z_align;
    PyObject *z_dictlike;        /* tuple of registered dict-like classes */
    /* state */
    PymIdSet z_seen;
    PymPtrMap z_marks;
    PymPtrMap z_xtypes;          /* excluded types -> 1 */
    PymTypeCache z_types;
    uint64_t z_mark_bloom[4];    /* bit (addr >> 4) & 255 of every z_marks key */
    Py_ssize_t z_total, z_sized, z_nseen, z_duplicate, z_missed, z_excluded;
    Py_ssize_t z_depth, z_ranked;
    PyObject *z_profiles;        /* dict key -> [count, total, high, ref] */
    PyObject *z_ranks;           /* list of rank tuples, largest first */
    /* walk */
    PymFrame *z_stack;
    PymTrack *z_track;           /* parallel to z_stack when tracking */
    Py_ssize_t z_sp, z_cap;
    size_t z_peak_mem;
    int z_tracking, z_tree, z_busy;
    int z_solo;                  /* singly-owned objects need no record, below */
    int z_lean;                  /* nothing reads this run's counters */
    double z_mapped;             /* option: percent of a numpy memmap's data counted
                                    (last: the hot fields keep their offsets) */
} PymSizerObject;

enum { ENC_SKIP = 0, ENC_LEAF = 1, ENC_PUSH = 2 };

/* ---- state helpers ------------------------------------------------------ */

/* The bloom filter in front of z_marks: one bit of 256 per key. */
static inline int
mark_maybe(const PymSizerObject *z, const void *o)
{
    unsigned b = (unsigned)(((uintptr_t)o >> 4) & 255);
    return (int)((z->z_mark_bloom[b >> 6] >> (b & 63)) & 1);
}

static inline void
mark_add(PymSizerObject *z, const void *o)
{
    unsigned b = (unsigned)(((uintptr_t)o >> 4) & 255);
    z->z_mark_bloom[b >> 6] |= (uint64_t)1 << (b & 63);
}

/* Drop the type cache (classes may change between calls). */
static void
types_clear(PymSizerObject *z)
{
    pym_typecache_clear(&z->z_types);
}

static void
sizer_reset_state(PymSizerObject *z)
{
    pym_idset_clear(&z->z_seen);
    pym_ptrmap_clear(&z->z_marks);
    pym_ptrmap_clear(&z->z_xtypes);
    types_clear(z);
    memset(z->z_mark_bloom, 0, sizeof(z->z_mark_bloom));
    z->z_total = z->z_sized = z->z_nseen = z->z_duplicate = 0;
    z->z_missed = z->z_excluded = z->z_depth = z->z_ranked = 0;
    Py_CLEAR(z->z_profiles);
    Py_CLEAR(z->z_ranks);
    z->z_peak_mem = 0;
}

static int
sizer_check_idle(PymSizerObject *z)
{
    if (z->z_busy) {
        PyErr_SetString(PyExc_RuntimeError,
                        "this sizer is already sizing (re-entrant use from __sizeof__?)");
        return -1;
    }
    return 0;
}

/* Grow the stack to hold one more frame.  0 / -1. */
static int
stack_reserve(PymSizerObject *z)
{
    Py_ssize_t ncap;
    PymFrame *s;
    if (z->z_sp < z->z_cap) {
        return 0;
    }
    ncap = z->z_cap ? z->z_cap * 2 : 16;
    s = (PymFrame *)PyMem_RawRealloc(z->z_stack, (size_t)ncap * sizeof(PymFrame));
    if (s == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    z->z_stack = s;
    if (z->z_tracking) {
        PymTrack *t = (PymTrack *)PyMem_RawRealloc(z->z_track, (size_t)ncap * sizeof(PymTrack));
        if (t == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        z->z_track = t;
    }
    z->z_cap = ncap;
    return 0;
}

static void
stack_free(PymSizerObject *z)
{
    size_t mem = (size_t)z->z_cap * (sizeof(PymFrame) + (z->z_tracking ? sizeof(PymTrack) : 0))
                 + pym_idset_memory(&z->z_seen);
    if (mem > z->z_peak_mem) {
        z->z_peak_mem = mem;
    }
    PyMem_RawFree(z->z_stack);
    PyMem_RawFree(z->z_track);
    z->z_stack = NULL;
    z->z_track = NULL;
    z->z_cap = 0;
    z->z_sp = 0;
}

static inline Py_ssize_t
align_up(Py_ssize_t n, Py_ssize_t align)
{
    if (align > 1) {
        n = (n + align - 1) & ~(align - 1);
    }
    return n;
}

/* Visit instance attributes last (see cursor.c)?  Only when the order
 * cannot change a result: no tracking (totals per frame, tree names) and
 * no depth limit (with a limit, which path first reaches a shared object
 * decides whether its referents are within the limit). */
static inline int
dict_last(const PymSizerObject *z)
{
    return !z->z_tracking && z->z_limit == PY_SSIZE_T_MAX;
}

/* ---- statistics ---------------------------------------------------------- */

/* A reference for statistics: a weak reference when possible, else a
 * 1-tuple holding o (so that a weakref given by the user stays itself). */
static PyObject *
stat_ref(PyObject *o)
{
    if (PyType_SUPPORTS_WEAKREFS(Py_TYPE(o)) && !PyType_Check(o)) {
        PyObject *r = PyWeakref_NewRef(o, NULL);
        if (r != NULL) {
            return r;
        }
        PyErr_Clear();
    }
    return PyTuple_Pack(1, o);
}

/* Profile key: the type for instances, (class, True) for class objects. */
static PyObject *
stat_key(PyObject *o)
{
    if (PyType_Check(o)) {
        return PyTuple_Pack(2, o, Py_True);
    }
    return Py_NewRef((PyObject *)Py_TYPE(o));
}

/* Update the per-type profile with o's flat size.  0 / -1. */
static int
profile_update(PymSizerObject *z, PyObject *o, Py_ssize_t flat)
{
    PyObject *key = NULL, *rec = NULL;
    int res = -1;
    if (z->z_profiles == NULL && (z->z_profiles = PyDict_New()) == NULL) {
        return -1;
    }
    key = stat_key(o);
    if (key == NULL) {
        goto done;
    }
    rec = PyDict_GetItemWithError(z->z_profiles, key);   /* borrowed */
    if (rec == NULL) {
        if (PyErr_Occurred()) {
            goto done;
        }
        rec = Py_BuildValue("[nnnN]", (Py_ssize_t)1, flat, flat, stat_ref(o));
        if (rec == NULL) {
            goto done;
        }
        res = PyDict_SetItem(z->z_profiles, key, rec);
        Py_DECREF(rec);
        goto done;
    }
    else {
        Py_ssize_t count = PyLong_AsSsize_t(PyList_GET_ITEM(rec, 0));
        Py_ssize_t total = PyLong_AsSsize_t(PyList_GET_ITEM(rec, 1));
        Py_ssize_t high = PyLong_AsSsize_t(PyList_GET_ITEM(rec, 2));
        PyObject *v;
        if ((v = PyLong_FromSsize_t(count + 1)) == NULL || PyList_SetItem(rec, 0, v) < 0) {
            goto done;
        }
        if ((v = PyLong_FromSsize_t(total + flat)) == NULL || PyList_SetItem(rec, 1, v) < 0) {
            goto done;
        }
        if (flat > high) {
            if ((v = PyLong_FromSsize_t(flat)) == NULL || PyList_SetItem(rec, 2, v) < 0) {
                goto done;
            }
            if ((v = stat_ref(o)) == NULL || PyList_SetItem(rec, 3, v) < 0) {
                goto done;
            }
        }
    }
    res = 0;
done:
    Py_XDECREF(key);
    return res;
}

/* Rank o by its total size among the 100 largest.  0 / -1. */
static int
rank_update(PymSizerObject *z, PyObject *o, Py_ssize_t total, Py_ssize_t depth, PyObject *parent)
{
    Py_ssize_t n, lo, hi;
    PyObject *entry;
    if (!z->z_profile || z->z_above <= 0 || total <= z->z_above) {
        return 0;
    }
    z->z_ranked++;
    if (z->z_ranks == NULL && (z->z_ranks = PyList_New(0)) == NULL) {
        return -1;
    }
    n = PyList_GET_SIZE(z->z_ranks);
    if (n >= MAX_RANKS
        && total <= PyLong_AsSsize_t(PyTuple_GET_ITEM(PyList_GET_ITEM(z->z_ranks, n - 1), 0))) {
        return 0;
    }
    lo = 0;
    hi = n;
    while (lo < hi) {   /* first entry smaller than total */
        Py_ssize_t mid = (lo + hi) / 2;
        Py_ssize_t v = PyLong_AsSsize_t(PyTuple_GET_ITEM(PyList_GET_ITEM(z->z_ranks, mid), 0));
        if (v >= total) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    entry = Py_BuildValue("(nNNnnn)", total, stat_ref(o), stat_key(o), depth,
                          (Py_ssize_t)(uintptr_t)o,
                          (Py_ssize_t)(uintptr_t)parent);
    if (entry == NULL) {
        return -1;
    }
    if (PyList_Insert(z->z_ranks, lo, entry) < 0) {
        Py_DECREF(entry);
        return -1;
    }
    Py_DECREF(entry);
    if (PyList_GET_SIZE(z->z_ranks) > MAX_RANKS) {
        return PyList_SetSlice(z->z_ranks, MAX_RANKS, PyList_GET_SIZE(z->z_ranks), NULL);
    }
    return 0;
}

/* ---- encounter ----------------------------------------------------------- */

/* Is o excluded by type?  1 / 0. */
static inline int
excluded_type(PymSizerObject *z, PyObject *o)
{
    return z->z_xtypes.m_used != 0
           && (pym_ptrmap_get(&z->z_xtypes, Py_TYPE(o)) != NULL
               || (PyType_Check(o) && pym_ptrmap_get(&z->z_xtypes, o) != NULL));
}

/* The commonest leaves, sized without a type lookup. */
static inline int
fast_leaf(PyObject *o)
{
    return Py_IS_TYPE(o, &PyUnicode_Type) || Py_IS_TYPE(o, &PyLong_Type)
           || Py_IS_TYPE(o, &PyFloat_Type);
}

/* Type info of tp.  NULL on error. */
static inline PymTypeInfo *
type_info(PymSizerObject *z, PyTypeObject *tp)
{
    return pym_typecache_lookup(z->z_state, &z->z_types, tp, z->z_infer, z->z_dictlike);
}

/* Is every instance of t skipped (not sized, not followed) by its type
 * alone?  Code-only types without code=True, ignored types, frames. */
static inline int
skipped_by_type(const PymSizerObject *z, const PymTypeInfo *t)
{
    if ((t->t_flags & PYM_T_CODE_ONLY) && !z->z_code) {
        return 1;
    }
    return z->z_ignored && ((t->t_flags & PYM_T_IGNORED)
                            || ((t->t_flags & PYM_T_FRAME) && !z->z_frames));
}

/* A positional or excluded-ref object met again (mark: encounters << 1 |
 * sized bit, or < 0 for an excluded object).  Sized only at depth 0, once:
 * 1 to size it now, 0 to skip it. */
static PYM_NOINLINE int
encounter_marked(PymSizerObject *z, Py_ssize_t *mark, Py_ssize_t depth)
{
    Py_ssize_t enc, done;
    if (*mark < 0) {
        return 0;   /* excluded object */
    }
    enc = (*mark >> 1) + 1;
    done = *mark & 1;
    z->z_nseen++;
    if (enc == 1) {
        z->z_sized++;
    }
    else if (enc == 2) {
        z->z_duplicate++;
    }
    if (depth > 0 || done) {
        *mark = (enc << 1) | done;
        return 0;
    }
    *mark = (enc << 1) | 1;
    return 1;
}

/* The rest of encounter for an object to size that is not a fast leaf (t:
 * its type info if already looked up, else NULL). */
static PYM_NOINLINE int
encounter_typed(PymSizerObject *z, PyObject *o, Py_ssize_t depth, PymTypeInfo *t,
                Py_ssize_t *flat, PymTypeInfo **tinfo)
{
    Py_ssize_t n;
    int how;
    if (t == NULL) {
        t = type_info(z, Py_TYPE(o));
        if (t == NULL) {
            return -1;
        }
    }
    if (skipped_by_type(z, t)) {
        return ENC_SKIP;
    }
    if (z->z_ignored && (t->t_flags & PYM_T_TYPEOBJ)
        && pym_type_is_ignored(z->z_state, (PyTypeObject *)o)) {
        return ENC_SKIP;
    }
    how = pym_typeinfo_sizeof_how(z->z_state, t);   /* sets t_sizeof_func: first */
    n = pym_sizing_getsizeof_with(z->z_state, o, how, t->t_sizeof_func);
    if (n < 0) {
        z->z_missed++;
        n = pym_sizing_basic(o);
    }
    if (t->t_flags & PYM_T_NUMPY) {
        n += pym_sizing_npy_mapped(o, z->z_mapped);
    }
    n = pym_sizing_flat(o, n, z->z_align);
    *flat = n;
    *tinfo = t;
    if (z->z_profile && profile_update(z, o, n) < 0) {
        return -1;
    }
    if (depth >= z->z_limit || t->t_kind == PYM_K_LEAF) {
        return ENC_LEAF;
    }
    if (t->t_kind == PYM_K_MODULE && depth > 0) {
        return ENC_LEAF;
    }
    return ENC_PUSH;
}

/* Decide what to do with o reached at depth.  On ENC_LEAF / ENC_PUSH,
 * *flat holds its aligned flat size and *tinfo its type info.  -1 on error
 * (exception set).  Inline: the walk calls it for every referent; the
 * rarer paths are out of line. */
static PYM_ALWAYS_INLINE int
encounter(PymSizerObject *z, PyObject *o, Py_ssize_t depth, int solo, Py_ssize_t *flat,
          PymTypeInfo **tinfo)
{
    Py_ssize_t *mark;
    PymTypeInfo *t = NULL;
    if (mark_maybe(z, o) && (mark = pym_ptrmap_get(&z->z_marks, o)) != NULL) {
        if (!encounter_marked(z, mark, depth)) {
            return ENC_SKIP;
        }
    }
    else if (solo) {
        /* The only reference to o is the one it was reached through (and
         * ours), so no other path leads to it: it cannot be seen again in
         * this run and need not be recorded. */
        z->z_nseen++;
        z->z_sized++;
    }
    else {
        int r;
        if (z->z_lean && !fast_leaf(o)) {
            /* Nothing reads this run's seen/duplicate counters, and an
             * object skipped by its type is skipped again at every
             * encounter: it need not be recorded.  (Module-level calls
             * meet many functions and classes this way.) */
            t = type_info(z, Py_TYPE(o));
            if (t == NULL) {
                return -1;
            }
            if (skipped_by_type(z, t)) {
                z->z_nseen++;
                return ENC_SKIP;
            }
        }
        r = pym_idset_add(&z->z_seen, o);
        if (r < 0) {
            return -1;
        }
        z->z_nseen++;
        if (r == 1) {
            z->z_duplicate++;
        }
        if (r > 0) {
            return ENC_SKIP;
        }
        z->z_sized++;
    }
    if (excluded_type(z, o)) {
        z->z_excluded++;
        return ENC_SKIP;
    }
    if (!z->z_profile && fast_leaf(o)) {
        /* The commonest leaves: no type lookup.  (Not GC, so no header.) */
        *flat = align_up(pym_leaf_size(o), z->z_align);
        return ENC_LEAF;
    }
    return encounter_typed(z, o, depth, t, flat, tinfo);
}

/* ---- tree nodes ---------------------------------------------------------- */

/* Name spec for a referent: None, a str, or ("K"|"V", key). */
static PyObject *
name_spec(PymState *st, const PymRef *r)
{
    switch (r->r_kind) {
    case PYM_NAME_CSTR:
    case PYM_NAME_MEMBER:
        return PyUnicode_FromString(r->r_cstr);
    case PYM_NAME_KEY:
        return PyTuple_Pack(2, st->str_K, r->r_key);
    case PYM_NAME_VALUE:
        return PyTuple_Pack(2, st->str_V, r->r_key);
    default:
        Py_RETURN_NONE;
    }
}

/* Node tuple (name, obj, total, flat, children tuple or None).  Steals
 * name (may be NULL = None) and children (may be NULL = None). */
static PyObject *
make_node(PyObject *name, PyObject *obj, Py_ssize_t total, Py_ssize_t flat, PyObject *children)
{
    PyObject *kids = NULL, *node;
    if (children != NULL) {
        kids = PyList_AsTuple(children);
        Py_DECREF(children);
        if (kids == NULL) {
            Py_XDECREF(name);
            return NULL;
        }
    }
    node = Py_BuildValue("(OOnnO)", name ? name : Py_None, obj ? obj : Py_None, total, flat,
                         kids ? kids : Py_None);
    Py_XDECREF(name);
    Py_XDECREF(kids);
    return node;
}

/* Append a node to list (steals node).  0 / -1. */
static int
append_node(PyObject *list, PyObject *node)
{
    int r;
    if (node == NULL) {
        return -1;
    }
    r = PyList_Append(list, node);
    Py_DECREF(node);
    return r;
}

/* ---- the walk ------------------------------------------------------------ */

/* Push a frame for o (steals the reference to o).  0 / -1. */
static int
push_frame(PymSizerObject *z, PyObject *o, int kind, int special, Py_ssize_t depth,
           Py_ssize_t flat, PyObject *name)
{
    PymFrame *f;
    if (stack_reserve(z) < 0) {
        Py_DECREF(o);
        Py_XDECREF(name);
        return -1;
    }
    f = &z->z_stack[z->z_sp];
    f->f_obj = o;
    f->f_aux = NULL;
    f->f_auxobj = 0;
    f->f_idx = 0;
    f->f_depth = (uint32_t)depth;
    f->f_kind = (uint8_t)kind;
    f->f_phase = kind == PYM_K_INSTANCE ? PYM_INSTANCE_START(dict_last(z)) : 0;
    if (kind == PYM_K_MODULE) {
        PyObject *d = PyModule_GetDict(o);   /* borrowed */
        f->f_kind = PYM_K_DICT;
        if (d != NULL) {
            f->f_aux = Py_NewRef(d);
            f->f_auxobj = 1;
        }
        else {
            PyErr_Clear();
            f->f_kind = PYM_K_LEAF;
        }
    }
    else if (kind == PYM_K_ARRAY) {
        PymRefArray *a = (PymRefArray *)PyMem_RawCalloc(1, sizeof(PymRefArray));
        if (a == NULL) {
            PyErr_NoMemory();
            Py_DECREF(o);
            Py_XDECREF(name);
            return -1;
        }
        f->f_aux = a;
        if (pym_referents_collect(z->z_state, o, special, z->z_code, a) < 0) {
            /* The branch is abandoned: counted as missed, not an error. */
            PyErr_Clear();
            z->z_missed++;
            pym_refarray_free(a);
        }
    }
    if (z->z_tracking) {
        PymTrack *t = &z->z_track[z->z_sp];
        t->t_total = flat;
        t->t_flat = flat;
        t->t_name = name;
        t->t_children = NULL;
        if (z->z_tree && depth < z->z_detail) {
            t->t_children = PyList_New(0);
            if (t->t_children == NULL) {
                pym_cursor_release(f);
                Py_XDECREF(name);
                return -1;
            }
        }
    }
    else {
        Py_XDECREF(name);
    }
    if (depth + 1 > z->z_depth) {
        z->z_depth = depth + 1;
    }
    z->z_sp++;
    return 0;
}

/* Pop the top frame, folding its total into its parent.  *root_node gets
 * the node of a root frame.  0 / -1. */
static int
pop_frame(PymSizerObject *z, PyObject **root_node)
{
    PymFrame *f = &z->z_stack[z->z_sp - 1];
    int res = 0;
    if (z->z_tracking) {
        PymTrack *t = &z->z_track[z->z_sp - 1];
        PymTrack *parent = z->z_sp > 1 ? &z->z_track[z->z_sp - 2] : NULL;
        int virtual_node = f->f_kind == PYM_K_VALUES;
        if (parent != NULL) {
            parent->t_total += t->t_total;
        }
        if (!virtual_node) {
            PyObject *pobj = z->z_sp > 1 ? z->z_stack[z->z_sp - 2].f_obj : NULL;
            res = rank_update(z, f->f_obj, t->t_total, f->f_depth, pobj);
        }
        if (res == 0 && z->z_tree) {
            PyObject *node = NULL;
            if (t->t_children != NULL || (Py_ssize_t)f->f_depth <= z->z_detail) {
                node = make_node(t->t_name, virtual_node ? NULL : f->f_obj, t->t_total, t->t_flat,
                                 t->t_children);
                t->t_name = NULL;
                t->t_children = NULL;
                if (node == NULL) {
                    res = -1;
                }
                else if (parent == NULL) {
                    *root_node = node;
                }
                else if (parent->t_children != NULL) {
                    res = append_node(parent->t_children, node);
                }
                else {
                    Py_DECREF(node);
                }
            }
        }
        Py_CLEAR(t->t_name);
        Py_CLEAR(t->t_children);
    }
    pym_cursor_release(f);
    z->z_sp--;
    return res;
}

/* Without tracking, an instance's un-materialised attribute values are
 * walked inline by its own frame (dict_last), so the bytes of their separate storage
 * (3.11/3.12) are counted with the instance when it is pushed. */
static Py_ssize_t
values_storage(PymSizerObject *z, PyObject *o, int kind)
{
    PymInstanceAttrs a;
    Py_ssize_t n;
    if (!dict_last(z) || kind != PYM_K_INSTANCE) {
        return 0;
    }
    pym_instance_attrs(o, &a);
    if (a.values == NULL) {
        return 0;
    }
    n = a.storage - pym_inline_values_size(o);
    return n > 0 ? align_up(n, z->z_align) : 0;
}

/* Size one root object.  Returns its total (>= 0), or -1 on error with an
 * exception set; with a tree, *node receives the root node. */
static Py_ssize_t
size_root(PymSizerObject *z, PyObject *root, PyObject **node)
{
    PymCursorCtx ctx;
    PymTypeInfo *t = NULL;
    Py_ssize_t flat = 0, run = 0, depth;
    int enc;

    ctx.o_state = z->z_state;
    ctx.o_types = &z->z_types;
    ctx.o_infer = z->z_infer;
    ctx.o_code = z->z_code;
    ctx.o_dictlike = z->z_dictlike;
    ctx.o_dict_last = dict_last(z);
    ctx.o_limit = z->z_limit;
    ctx.o_borrow = 1;
    *node = NULL;

    enc = encounter(z, root, 0, 0, &flat, &t);
    if (enc < 0) {
        return -1;
    }
    if (enc != ENC_PUSH) {
        if (enc == ENC_LEAF && z->z_tracking && rank_update(z, root, flat, 0, NULL) < 0) {
            return -1;
        }
        if (z->z_tree) {
            *node = make_node(NULL, root, flat, flat, NULL);
            if (*node == NULL) {
                return -1;
            }
        }
        return flat;
    }
    flat += values_storage(z, root, t->t_kind);
    run = flat;
    if (push_frame(z, Py_NewRef(root), t->t_kind, t->t_special, 0, flat, NULL) < 0) {
        return -1;
    }
    while (z->z_sp > 0) {
        PymFrame *f = &z->z_stack[z->z_sp - 1];
        PymRef ref;
        PyObject *name = NULL, *c;
        int r;
        Py_ssize_t cflat = 0;

        ref.r_obj = NULL;
        r = pym_cursor_next(&ctx, f, &ref);
        if (r < 0) {
            /* A failing container (items() raised, ...): abandon the
             * branch, count it, go on with the rest. */
            PyErr_Clear();
            z->z_missed++;
            r = PYM_NEXT_END;
        }
        if (r == PYM_NEXT_END) {
            if (pop_frame(z, node) < 0) {
                goto error;
            }
            continue;
        }
        depth = (Py_ssize_t)f->f_depth + 1 + pym_cursor_extra_depth(f);
        if (r == PYM_NEXT_VALUES) {
            PymInstanceAttrs a;
            pym_instance_attrs(f->f_obj, &a);
            cflat = align_up(a.storage - pym_inline_values_size(f->f_obj), z->z_align);
            if (cflat < 0) {
                cflat = 0;
            }
            run += cflat;
            if (z->z_tracking && z->z_tree && f->f_depth < (uint32_t)z->z_detail) {
                name = PyUnicode_FromString("__dict__");
                if (name == NULL) {
                    goto error;
                }
            }
            if (depth < z->z_limit) {
                if (push_frame(z, Py_NewRef(f->f_obj), PYM_K_VALUES, 0, depth, cflat, name) < 0) {
                    goto error;
                }
            }
            else if (z->z_tracking) {
                z->z_track[z->z_sp - 1].t_total += cflat;
                if (name != NULL) {
                    PyObject *kids = z->z_track[z->z_sp - 1].t_children;
                    PyObject *n = make_node(name, NULL, cflat, cflat, NULL);
                    if (kids == NULL) {
                        Py_XDECREF(n);
                    }
                    else if (append_node(kids, n) < 0) {
                        goto error;
                    }
                }
            }
            else {
                Py_XDECREF(name);
            }
            continue;
        }
        c = ref.r_obj;   /* borrowed from the container */
        if (!z->z_tracking && !z->z_profile && fast_leaf(c)) {
            /* The commonest leaves, without touching their reference count:
             * nothing below runs Python code or allocates a Python object,
             * so the container's reference keeps c alive.  (Not weakly
             * referenceable: the single-owner test needs no weakref check,
             * and the container's reference is the only one when it is 1.) */
            enc = encounter(z, c, depth, z->z_solo && ref.r_owned && Py_REFCNT(c) == 1,
                            &cflat, &t);
            if (enc < 0) {
                goto error;
            }
            if (enc == ENC_LEAF) {
                run += cflat;
            }
            continue;
        }
        Py_INCREF(c);   /* from here on, code may run: own it */
        if (z->z_tree && z->z_track[z->z_sp - 1].t_children != NULL) {
            name = name_spec(z->z_state, &ref);
            if (name == NULL) {
                Py_DECREF(c);
                goto error;
            }
        }
        enc = encounter(z, c, depth, z->z_solo && ref.r_owned && Py_REFCNT(c) == 2
                                         && !PyType_SUPPORTS_WEAKREFS(Py_TYPE(c)),
                        &cflat, &t);
        if (enc < 0) {
            Py_DECREF(c);
            Py_XDECREF(name);
            goto error;
        }
        if (enc == ENC_PUSH) {
            cflat += values_storage(z, c, t->t_kind);
            run += cflat;
            if (!z->z_tracking && pym_cursor_done(f)) {
                /* Tail position: the parent has nothing left, drop it now
                 * so that chains (linked lists, nesting) keep a flat stack. */
                pym_cursor_release(f);
                z->z_sp--;
            }
            if (push_frame(z, c, t->t_kind, t->t_special, depth, cflat, name) < 0) {
                if (!PyErr_ExceptionMatches(PyExc_MemoryError)) {
                    goto error;
                }
                /* Out of memory for the stack: abandon this branch. */
                PyErr_Clear();
                z->z_missed++;
                if (z->z_tracking) {
                    z->z_track[z->z_sp - 1].t_total += cflat;
                }
            }
            continue;
        }
        if (enc == ENC_LEAF) {
            run += cflat;
            if (z->z_tracking) {
                z->z_track[z->z_sp - 1].t_total += cflat;
                if (rank_update(z, c, cflat, depth, f->f_obj) < 0) {
                    Py_DECREF(c);
                    Py_XDECREF(name);
                    goto error;
                }
            }
        }
        else {
            cflat = 0;
        }
        if (name != NULL) {
            PyObject *kids = z->z_track[z->z_sp - 1].t_children;
            if (append_node(kids, make_node(name, c, cflat, cflat, NULL)) < 0) {
                Py_DECREF(c);
                goto error;
            }
        }
        Py_DECREF(c);
    }
    return run;

error:
    while (z->z_sp > 0) {
        PymFrame *f = &z->z_stack[z->z_sp - 1];
        if (z->z_tracking) {
            Py_CLEAR(z->z_track[z->z_sp - 1].t_name);
            Py_CLEAR(z->z_track[z->z_sp - 1].t_children);
        }
        pym_cursor_release(f);
        z->z_sp--;
    }
    Py_CLEAR(*node);
    return -1;
}

/* ---- Python methods ------------------------------------------------------ */

static int
mark_objects(PymSizerObject *z, PyObject *seq, Py_ssize_t value)
{
    PyObject *fast = PySequence_Fast(seq, "expected a sequence");
    Py_ssize_t i;
    if (fast == NULL) {
        return -1;
    }
    for (i = 0; i < PySequence_Fast_GET_SIZE(fast); i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(fast, i);
        if (pym_idset_contains(&z->z_seen, o)) {
            continue;
        }
        if (pym_ptrmap_setdefault(&z->z_marks, o, value) < 0) {
            Py_DECREF(fast);
            return -1;
        }
        mark_add(z, o);
    }
    Py_DECREF(fast);
    return 0;
}

PyDoc_STRVAR(sizer_sizes_doc,
"sizes(objs, tree=False, once=False) -> tuple\n\n"
"Size each object of the tuple objs (given objects are not recounted when\n"
"reached from another).  With tree, return (name, obj, total, flat,\n"
"children) node tuples down to the detail level instead of totals.  With\n"
"once, which objects were seen is forgotten after the call (counters and\n"
"statistics stay), which lets the walk skip recording objects that have a\n"
"single owner.");

static PyObject *
sizer_sizes(PymSizerObject *z, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"objs", "tree", "once", NULL};
    PyObject *objs, *result = NULL, *given = NULL;
    int tree = 0, once = 0;
    Py_ssize_t i, n;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!|pp:sizes", kwlist, &PyTuple_Type, &objs,
                                     &tree, &once)) {
        return NULL;
    }
    if (sizer_check_idle(z) < 0) {
        return NULL;
    }
    z->z_busy = 1;
    z->z_tree = tree;
    /* Single-owner shortcut.  A child reached through a reference its
     * container owns, whose reference count is 2 (that reference and ours),
     * has no other referrer, so no other path of this run leads to it and it
     * need not be recorded in the seen set.  That holds only when every path
     * to an object goes through a reference it counts: not for weak
     * references (so weakly referenceable objects are excluded), not for the
     * shortcuts code=True follows (a class's __doc__ read directly and again
     * through its __dict__), not for dict-likes whose items() may yield
     * anything; and only within one run (once), since a later call would not
     * know the object was counted. */
    z->z_solo = once && !z->z_code && !z->z_infer
                && (z->z_dictlike == NULL || PyTuple_GET_SIZE(z->z_dictlike) == 0);
    z->z_tracking = tree || (z->z_profile && z->z_above > 0);
    /* A module-level call without statistics drops the sizer unread. */
    z->z_lean = once && !z->z_profile;
    /* A class changed since the last call must be re-read. */
    types_clear(z);
    n = PyTuple_GET_SIZE(objs);
    if (mark_objects(z, objs, 0) < 0) {
        goto error;
    }
    result = PyTuple_New(n);
    given = PyDict_New();   /* id -> result, for repeated arguments */
    if (result == NULL || given == NULL) {
        goto error;
    }
    for (i = 0; i < n; i++) {
        PyObject *o = PyTuple_GET_ITEM(objs, i);
        PyObject *key = PyLong_FromVoidPtr(o), *prev, *val = NULL;
        if (key == NULL) {
            goto error;
        }
        prev = PyDict_GetItemWithError(given, key);   /* borrowed */
        if (prev != NULL) {
            Py_ssize_t *mark = pym_ptrmap_get(&z->z_marks, o);
            z->z_nseen++;
            if (mark != NULL && *mark >= 0) {
                *mark += 2;   /* one more encounter, see encounter() */
                if ((*mark >> 1) == 2) {
                    z->z_duplicate++;
                }
            }
            else if (mark == NULL) {
                int r = pym_idset_add(&z->z_seen, o);
                if (r < 0) {
                    Py_DECREF(key);
                    goto error;
                }
                if (r == 1) {
                    z->z_duplicate++;
                }
            }
            val = Py_NewRef(prev);
        }
        else if (!PyErr_Occurred()) {
            PyObject *node = NULL;
            Py_ssize_t total = size_root(z, o, &node);
            if (total >= 0) {
                z->z_total += total;
                val = tree ? node : PyLong_FromSsize_t(total);
                if (!tree) {
                    Py_XDECREF(node);
                }
                if (val != NULL && PyDict_SetItem(given, key, val) < 0) {
                    Py_CLEAR(val);
                }
            }
        }
        Py_DECREF(key);
        if (val == NULL) {
            goto error;
        }
        PyTuple_SET_ITEM(result, i, val);
    }
    goto done;

error:
    Py_CLEAR(result);
done:
    Py_XDECREF(given);
    stack_free(z);
    types_clear(z);
    if (once) {
        /* Objects with a single owner were not recorded: a later call must
         * not rely on the seen set. */
        pym_idset_clear(&z->z_seen);
        pym_ptrmap_clear(&z->z_marks);
        memset(z->z_mark_bloom, 0, sizeof(z->z_mark_bloom));
    }
    z->z_busy = 0;
    return result;
}

PyDoc_STRVAR(sizer_configure_doc,
"configure(align, code, frames, ignored, infer, limit, detail, profile, above,\n"
"          dictlike, mapped=1.0)\n\nSet the options; keeps the state.  mapped: percent of\n"
"a numpy memmap's data counted (amapped).");

static PyObject *
sizer_configure(PymSizerObject *z, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"align", "code", "frames", "ignored", "infer", "limit", "detail",
                             "profile", "above", "dictlike", "mapped", NULL};
    Py_ssize_t align, limit, detail, above;
    int code, frames, ignored, infer, profile;
    PyObject *dictlike;
    double mapped = 1.0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "nppppnnpnO!|d:configure", kwlist, &align, &code,
                                     &frames, &ignored, &infer, &limit, &detail, &profile,
                                     &above, &PyTuple_Type, &dictlike, &mapped)) {
        return NULL;
    }
    if (!(mapped >= 0.0 && mapped <= 100.0)) {
        PyObject *v = PyFloat_FromDouble(mapped);
        if (v != NULL) {
            PyErr_Format(PyExc_ValueError, "mapped must be a percentage from 0 to 100, not %R", v);
            Py_DECREF(v);
        }
        return NULL;
    }
    if (sizer_check_idle(z) < 0) {
        return NULL;
    }
    if (align > 1 && (align & (align - 1)) != 0) {
        PyErr_Format(PyExc_ValueError, "align must be a power of two, not %zd", align);
        return NULL;
    }
    z->z_align = align;
    z->z_code = code;
    z->z_frames = frames;
    z->z_ignored = ignored;
    z->z_infer = infer;
    z->z_limit = limit < 0 ? 0 : limit;
    z->z_detail = detail < 0 ? 0 : detail;
    z->z_profile = profile;
    z->z_above = above;
    z->z_mapped = mapped;
    Py_INCREF(dictlike);
    Py_SETREF(z->z_dictlike, dictlike);
    Py_RETURN_NONE;
}

static PyObject *
sizer_exclude_refs(PymSizerObject *z, PyObject *seq)
{
    if (sizer_check_idle(z) < 0 || mark_objects(z, seq, 0) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
sizer_exclude_objs(PymSizerObject *z, PyObject *seq)
{
    if (sizer_check_idle(z) < 0 || mark_objects(z, seq, -1) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
sizer_exclude_types(PymSizerObject *z, PyObject *seq)
{
    PyObject *fast;
    Py_ssize_t i;
    if (sizer_check_idle(z) < 0) {
        return NULL;
    }
    fast = PySequence_Fast(seq, "expected a sequence");
    if (fast == NULL) {
        return NULL;
    }
    for (i = 0; i < PySequence_Fast_GET_SIZE(fast); i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(fast, i);
        if (PyType_Check(o) && pym_ptrmap_setdefault(&z->z_xtypes, o, 1) < 0) {
            Py_DECREF(fast);
            return NULL;
        }
    }
    Py_DECREF(fast);
    Py_RETURN_NONE;
}

static PyObject *
sizer_clear(PymSizerObject *z, PyObject *Py_UNUSED(ignored))
{
    if (sizer_check_idle(z) < 0) {
        return NULL;
    }
    sizer_reset_state(z);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(sizer_counters_doc,
"counters() -> dict of total, sized, seen, duplicate, missed, excluded,\n"
"depth, ranked and memory (peak bytes of the sizer's own bookkeeping).");

static PyObject *
sizer_counters(PymSizerObject *z, PyObject *Py_UNUSED(ignored))
{
    return Py_BuildValue("{snsnsnsnsnsnsnsnsn}", "total", z->z_total, "sized", z->z_sized,
                         "seen", z->z_nseen, "duplicate", z->z_duplicate, "missed", z->z_missed,
                         "excluded", z->z_excluded, "depth", z->z_depth, "ranked", z->z_ranked,
                         "memory", (Py_ssize_t)z->z_peak_mem);
}

static PyObject *
sizer_profiles(PymSizerObject *z, PyObject *Py_UNUSED(ignored))
{
    if (z->z_profiles == NULL) {
        return PyDict_New();
    }
    return PyDict_Copy(z->z_profiles);
}

static PyObject *
sizer_ranks(PymSizerObject *z, PyObject *Py_UNUSED(ignored))
{
    if (z->z_ranks == NULL) {
        return PyList_New(0);
    }
    return PyList_GetSlice(z->z_ranks, 0, PyList_GET_SIZE(z->z_ranks));
}

PyDoc_STRVAR(sizer_flat_doc, "flat(obj) -> int\n\nFlat size of obj with the sizer's alignment.");

static PyObject *
sizer_flat(PymSizerObject *z, PyObject *o)
{
    PyObject *func;
    int how = pym_sizing_resolve(z->z_state, Py_TYPE(o), &func);
    Py_ssize_t n;
    Py_XINCREF(func);
    n = pym_sizing_getsizeof_with(z->z_state, o, how, func);
    Py_XDECREF(func);
    if (n < 0) {
        n = pym_sizing_basic(o);
    }
    n += pym_sizing_npy_mapped(o, z->z_mapped);
    return PyLong_FromSsize_t(pym_sizing_flat(o, n, z->z_align));
}

PyDoc_STRVAR(sizer_referents_doc,
"referents(obj) -> list of (name, obj) or None\n\n"
"The referents the sizer follows for obj given at depth 0; name is None, a\n"
"str or ('K'|'V', key).  None when obj's kind has no referent rule.\n"
"Un-materialised instance attributes are reported as a fresh dict.");

static PyObject *
sizer_referents(PymSizerObject *z, PyObject *o)
{
    PymCursorCtx ctx;
    PymTypeInfo *t;
    PymFrame f;
    PyObject *out = NULL;
    int kind;
    if (sizer_check_idle(z) < 0) {
        return NULL;
    }
    z->z_busy = 1;
    t = pym_typecache_get(z->z_state, &z->z_types, Py_TYPE(o), z->z_infer, z->z_dictlike);
    if (t == NULL) {
        goto done;
    }
    kind = t->t_kind;
    if (kind == PYM_K_LEAF) {
        out = Py_NewRef(Py_None);
        goto done;
    }
    ctx.o_state = z->z_state;
    ctx.o_types = &z->z_types;
    ctx.o_infer = z->z_infer;
    ctx.o_code = 1;
    ctx.o_dictlike = z->z_dictlike;
    ctx.o_dict_last = 0;
    ctx.o_limit = PY_SSIZE_T_MAX;
    ctx.o_borrow = 0;
    memset(&f, 0, sizeof(f));
    f.f_obj = Py_NewRef(o);
    f.f_kind = (uint8_t)kind;
    if (kind == PYM_K_MODULE) {
        PyObject *d = PyModule_GetDict(o);   /* borrowed */
        f.f_kind = PYM_K_DICT;
        if (d != NULL) {
            f.f_aux = Py_NewRef(d);
            f.f_auxobj = 1;
        }
        else {
            PyErr_Clear();
            f.f_kind = PYM_K_LEAF;
        }
    }
    else if (kind == PYM_K_ARRAY) {
        PymRefArray *a = (PymRefArray *)PyMem_RawCalloc(1, sizeof(PymRefArray));
        if (a == NULL) {
            PyErr_NoMemory();
            pym_cursor_release(&f);
            goto done;
        }
        f.f_aux = a;
        if (pym_referents_collect(z->z_state, o, t->t_special, 1, a) < 0) {
            pym_cursor_release(&f);
            goto done;
        }
    }
    out = PyList_New(0);
    if (out == NULL) {
        pym_cursor_release(&f);
        goto done;
    }
    for (;;) {
        PymRef ref;
        PyObject *name, *pair;
        int r = pym_cursor_next(&ctx, &f, &ref);
        if (r < 0) {
            Py_CLEAR(out);
            break;
        }
        if (r == PYM_NEXT_END) {
            break;
        }
        if (r == PYM_NEXT_VALUES) {
            /* A snapshot dict of the un-materialised attributes. */
            PymFrame vf;
            PyObject *d = PyDict_New();
            memset(&vf, 0, sizeof(vf));
            vf.f_obj = o;
            vf.f_kind = PYM_K_VALUES;
            while (d != NULL) {
                PymRef k, v;
                if (pym_cursor_next(&ctx, &vf, &k) != PYM_NEXT_CHILD) {
                    break;
                }
                if (k.r_kind != PYM_NAME_KEY) {
                    Py_DECREF(k.r_obj);
                    continue;
                }
                if (pym_cursor_next(&ctx, &vf, &v) != PYM_NEXT_CHILD) {
                    Py_DECREF(k.r_obj);
                    break;
                }
                if (PyDict_SetItem(d, k.r_obj, v.r_obj) < 0) {
                    Py_CLEAR(d);
                }
                Py_DECREF(k.r_obj);
                Py_DECREF(v.r_obj);
            }
            if (d == NULL) {
                Py_CLEAR(out);
                break;
            }
            ref.r_obj = d;
            ref.r_kind = PYM_NAME_CSTR;
            ref.r_cstr = "__dict__";
            ref.r_key = NULL;
        }
        name = name_spec(z->z_state, &ref);
        pair = name == NULL ? NULL : PyTuple_Pack(2, name, ref.r_obj);
        Py_XDECREF(name);
        Py_DECREF(ref.r_obj);
        if (pair == NULL || PyList_Append(out, pair) < 0) {
            Py_XDECREF(pair);
            Py_CLEAR(out);
            break;
        }
        Py_DECREF(pair);
    }
    pym_cursor_release(&f);
done:
    types_clear(z);
    z->z_busy = 0;
    return out;
}

/* ---- type slots ------------------------------------------------------------ */

static PyObject *
sizer_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PymSizerObject *z;
    PyObject *module;
    if (PyTuple_GET_SIZE(args) != 0 || (kwds != NULL && PyDict_GET_SIZE(kwds) != 0)) {
        PyErr_SetString(PyExc_TypeError, "Sizer() takes no arguments");
        return NULL;
    }
    module = PyType_GetModule(type);
    if (module == NULL) {
        return NULL;
    }
    z = (PymSizerObject *)type->tp_alloc(type, 0);
    if (z == NULL) {
        return NULL;
    }
    z->z_module = Py_NewRef(module);
    z->z_state = pym_state_from_module(module);
    z->z_align = 8;
    z->z_ignored = 1;
    z->z_limit = PY_SSIZE_T_MAX;
    z->z_above = 1024;
    z->z_mapped = 1.0;
    z->z_dictlike = PyTuple_New(0);
    pym_idset_init(&z->z_seen);
    pym_ptrmap_init(&z->z_marks);
    pym_ptrmap_init(&z->z_xtypes);
    pym_typecache_init(&z->z_types);
    if (z->z_dictlike == NULL) {
        Py_DECREF(z);
        return NULL;
    }
    return (PyObject *)z;
}

static int
sizer_traverse(PymSizerObject *z, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(z));
    Py_VISIT(z->z_module);
    Py_VISIT(z->z_dictlike);
    Py_VISIT(z->z_profiles);
    Py_VISIT(z->z_ranks);
    return 0;
}

static int
sizer_tp_clear(PymSizerObject *z)
{
    Py_CLEAR(z->z_dictlike);
    Py_CLEAR(z->z_profiles);
    Py_CLEAR(z->z_ranks);
    return 0;
}

static void
sizer_dealloc(PymSizerObject *z)
{
    PyTypeObject *tp = Py_TYPE(z);
    PyObject_GC_UnTrack(z);
    sizer_reset_state(z);
    stack_free(z);
    (void)sizer_tp_clear(z);
    Py_CLEAR(z->z_module);
    tp->tp_free((PyObject *)z);
    Py_DECREF(tp);
}

static PyMethodDef sizer_methods[] = {
    {"sizes", (PyCFunction)(void (*)(void))sizer_sizes, METH_VARARGS | METH_KEYWORDS,
     sizer_sizes_doc},
    {"configure", (PyCFunction)(void (*)(void))sizer_configure, METH_VARARGS | METH_KEYWORDS,
     sizer_configure_doc},
    {"exclude_refs", (PyCFunction)sizer_exclude_refs, METH_O, NULL},
    {"exclude_objs", (PyCFunction)sizer_exclude_objs, METH_O, NULL},
    {"exclude_types", (PyCFunction)sizer_exclude_types, METH_O, NULL},
    {"clear", (PyCFunction)sizer_clear, METH_NOARGS, NULL},
    {"counters", (PyCFunction)sizer_counters, METH_NOARGS, sizer_counters_doc},
    {"profiles", (PyCFunction)sizer_profiles, METH_NOARGS, NULL},
    {"ranks", (PyCFunction)sizer_ranks, METH_NOARGS, NULL},
    {"flat", (PyCFunction)sizer_flat, METH_O, sizer_flat_doc},
    {"referents", (PyCFunction)sizer_referents, METH_O, sizer_referents_doc},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot sizer_slots[] = {
    {Py_tp_new, sizer_new},
    {Py_tp_dealloc, sizer_dealloc},
    {Py_tp_traverse, sizer_traverse},
    {Py_tp_clear, sizer_tp_clear},
    {Py_tp_methods, sizer_methods},
    {Py_tp_doc, (void *)"Sizer()\n\nThe deep sizer behind pympler.asizeof.Asizer."},
    {0, NULL},
};

static PyType_Spec sizer_spec = {
    .name = "pympler._core.Sizer",
    .basicsize = sizeof(PymSizerObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = sizer_slots,
};

/* ---- module functions ---------------------------------------------------- */

PyDoc_STRVAR(core_getsizeof_doc,
"getsizeof(obj) -> int\n\nsys.getsizeof(obj), computed in C for builtins; the basic size when\n"
"obj's __sizeof__ fails.");

static PyObject *
core_getsizeof(PyObject *module, PyObject *obj)
{
    Py_ssize_t n = pym_sizing_getsizeof(pym_state_from_module(module), obj);
    if (n < 0) {
        n = pym_sizing_basic(obj);
    }
    return PyLong_FromSsize_t(n);
}

PyDoc_STRVAR(core_basic_doc,
"basic(obj) -> int\n\nThe basic size of obj: __basicsize__ plus the header sys.getsizeof adds.");

static PyObject *
core_basic(PyObject *module, PyObject *obj)
{
    return PyLong_FromSsize_t(pym_sizing_basic(obj));
}

PyDoc_STRVAR(core_instance_storage_doc,
"instance_storage(obj) -> (has_dict, n_values, storage)\n\n"
"How obj keeps its attributes, read without materialising anything:\n"
"whether a __dict__ exists, the number of un-materialised value slots and\n"
"the bytes of value storage not counted by sys.getsizeof (test aid).");

static PyObject *
core_instance_storage(PyObject *module, PyObject *obj)
{
    PymInstanceAttrs a;
    pym_instance_attrs(obj, &a);
    return Py_BuildValue("(Onn)", a.dict != NULL ? Py_True : Py_False,
                         a.values != NULL ? a.capacity : (Py_ssize_t)0, a.storage);
}

static PyMethodDef sizer_functions[] = {
    {"getsizeof", core_getsizeof, METH_O, core_getsizeof_doc},
    {"basic", core_basic, METH_O, core_basic_doc},
    {"instance_storage", core_instance_storage, METH_O, core_instance_storage_doc},
    {NULL, NULL, 0, NULL},
};

int
pym_sizer_init(PyObject *module, PymState *st)
{
    st->sizer_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &sizer_spec, NULL);
    if (st->sizer_type == NULL) {
        return -1;
    }
    if (PyModule_AddObjectRef(module, "Sizer", (PyObject *)st->sizer_type) < 0) {
        return -1;
    }
    return PyModule_AddFunctions(module, sizer_functions);
}
