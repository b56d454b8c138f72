/* walk.c -- the deep sizer's walk: one root object and everything it
 * references, each distinct object counted once per run.
 *
 * The walk keeps an explicit stack of PymFrame (cursor.c), so deep data
 * never recurses in C; a 10**6-node linked list needs one 32-byte frame per
 * pending level and nothing on the C stack.
 *
 * State of an object within a sizer, decided in encounter():
 *   - in z_marks (PymPtrMap) with value -1: excluded object, never sized;
 *   - in z_marks with value n >= 0: a positional argument or an object
 *     given to exclude_refs(): sized only when given at depth 0 and not yet
 *     sized; n is encounters << 1 | sized;
 *   - otherwise z_seen (PymIdSet) tells first / second / later encounter.
 * An object is in at most one of the two, so in a recording run counters
 * are exact: seen = encounters, sized = first encounters, duplicate =
 * second ones.  A module-level run may skip the seen set (the single-owner
 * shortcut, lean runs; sizer.c): its duplicate count is then a lower
 * bound, which nobody reads.
 *
 * Tracking (per-frame totals in z_track) is on only when the caller wants an
 * Asized tree (detail) or ranking (stats with above > 0); otherwise each
 * root's total is a running sum and leaves are never pushed.
 *
 * Python code can run during a walk (a Python __sizeof__, items() of a
 * dict-like, finalizers of objects we release): frames own strong
 * references and cursors re-validate.  The run itself (options, positional
 * arguments, the busy flag) is set up by Sizer.sizes in sizer.c.
 */
#include "sizer.h"
#include "cursor_fast.h"

#include <string.h>   /* memset */

enum { ENC_SKIP = 0, ENC_LEAF = 1, ENC_PUSH = 2 };

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

/* Free the stack, recording its memory in the peak. */
void
pym_walk_stack_free(PymSizerObject *z)
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

/* Visit instance attributes last (see cursor.c)?  Only when the order
 * cannot change a result: no tracking (totals per frame, tree names) and
 * no depth limit (with a limit, which path first reaches a shared object
 * decides whether its referents are within the limit). */
static inline int
dict_last(const PymSizerObject *z)
{
    return !z->z_tracking && z->z_limit == PY_SSIZE_T_MAX;
}

/* ---- run-wide bookkeeping: shortcut records, kept objects ----------------- */

/* Make room for one more item.  0 / -1 (memory error, exception set). */
static PYM_NOINLINE int
ptrvec_grow(PymPtrVec *v)
{
    Py_ssize_t ncap = v->pv_cap ? v->pv_cap * 2 : 256;
    void **items = (void **)PyMem_RawRealloc(v->pv_items, (size_t)ncap * sizeof(void *));
    if (items == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    v->pv_items = items;
    v->pv_cap = ncap;
    return 0;
}

/* Append p.  0 / -1 (memory error, exception set).  Inline: the
 * single-owner shortcut notes every object it skips. */
static inline int
ptrvec_push(PymPtrVec *v, void *p)
{
    if (v->pv_len == v->pv_cap && ptrvec_grow(v) < 0) {
        return -1;
    }
    v->pv_items[v->pv_len++] = p;
    return 0;
}

static void
ptrvec_free(PymPtrVec *v)
{
    PyMem_RawFree(v->pv_items);
    v->pv_items = NULL;
    v->pv_len = v->pv_cap = 0;
}

/* Notes of the single-owner shortcut.  A child taken as singly owned is not
 * recorded in z_seen, but noted, in case a Python callback later makes a
 * new reference to it (solo_flush).  A child of a list, tuple, dict or set
 * is noted by a flag on its container's frame: the container's children can
 * be listed again (solo_replay), so a list of a million ints costs one note.
 * Other children (slots, attribute values, C referents) are noted one by
 * one in z_solos.  A frame with the flag adds its container to z_solos when
 * it is released, tagged with its cursor kind in the low bits (heap objects
 * are 16-byte aligned, and PYM_K_LIST..PYM_K_SET are 1..4); a container at
 * an address with low bits set (not seen in practice) is added as two
 * entries instead: the kind alone (a value below 16, never an address),
 * then the address. */
#define SOLO_TAG_MASK ((uintptr_t)15)

/* Can the children of frame f be listed again (solo_replay)? */
static inline int
solo_replayable(const PymFrame *f)
{
    return (f->f_kind == PYM_K_LIST || f->f_kind == PYM_K_TUPLE || f->f_kind == PYM_K_DICT
            || f->f_kind == PYM_K_SET)
           && !f->f_auxobj;
}

/* Note o, taken as singly owned, reached from frame from.  0 / -1. */
static inline int
solo_note(PymSizerObject *z, PymFrame *from, PyObject *o)
{
    if (solo_replayable(from)) {
        from->f_solo = 1;
        return 0;
    }
    return ptrvec_push(&z->z_solos, o);
}

/* Mark in z_seen the children of container o (cursor kind) at cursor
 * positions up to limit: the ones the walk has handed out so far (all of
 * them for limit PY_SSIZE_T_MAX).  The container has not changed since, as
 * no Python code ran.  Positional arguments keep their z_marks state.
 * 0 / -1. */
static PYM_NOINLINE int
solo_replay(PymSizerObject *z, PyObject *o, int kind, Py_ssize_t limit)
{
    Py_ssize_t idx = 0;
    PymRef ref;
    for (;;) {
        int r;
        switch (kind) {
        case PYM_K_LIST:
            r = list_next(o, &idx, &ref);
            break;
        case PYM_K_TUPLE:
            r = tuple_next(o, &idx, &ref);
            break;
        case PYM_K_DICT:
            r = dict_next(o, &idx, &ref);
            break;
        case PYM_K_SET:
            r = set_next(o, &idx, &ref);
            break;
        default:
            return 0;
        }
        if (r != PYM_NEXT_CHILD || idx > limit) {
            return 0;
        }
        if (pym_mark_maybe(z, ref.r_obj) && pym_ptrmap_get(&z->z_marks, ref.r_obj) != NULL) {
            continue;
        }
        if (pym_idset_mark(&z->z_seen, ref.r_obj) < 0) {
            return -1;
        }
    }
}

/* A Python callback is about to run (a Python __sizeof__).  It may store a
 * new reference to any object, also to one the single-owner shortcut did
 * not record because it had one owner when it was met: record those now,
 * while no code has run yet and they are all alive (their owners are, up
 * to the roots), and stop trusting the shortcut for the rest of the run.
 * 0 / -1. */
static PYM_NOINLINE int
solo_flush(PymSizerObject *z)
{
    Py_ssize_t i;
    z->z_solo = 0;
    for (i = 0; i < z->z_sp; i++) {
        PymFrame *f = &z->z_stack[i];
        if (f->f_solo) {
            f->f_solo = 0;
            if (solo_replay(z, f->f_obj, f->f_kind, f->f_idx) < 0) {
                return -1;
            }
        }
    }
    for (i = 0; i < z->z_solos.pv_len; i++) {
        uintptr_t p = (uintptr_t)z->z_solos.pv_items[i];
        int r;
        if (p <= SOLO_TAG_MASK && i + 1 < z->z_solos.pv_len) {
            /* the kind alone, then an unaligned container */
            i++;
            r = solo_replay(z, (PyObject *)z->z_solos.pv_items[i], (int)p, PY_SSIZE_T_MAX);
        }
        else if (p & SOLO_TAG_MASK) {
            r = solo_replay(z, (PyObject *)(p & ~SOLO_TAG_MASK), (int)(p & SOLO_TAG_MASK),
                            PY_SSIZE_T_MAX);
        }
        else {
            r = pym_idset_mark(&z->z_seen, (void *)p);
        }
        if (r < 0) {
            return -1;
        }
    }
    ptrvec_free(&z->z_solos);
    return 0;
}

/* Move the objects of a referent array filled by a Python call to z_keep.
 * 0 / -1 (memory error). */
static PYM_NOINLINE int
keep_fresh(PymSizerObject *z, PymRefArray *a)
{
    Py_ssize_t i;
    for (i = 0; i < a->a_len; i++) {
        if (a->a_items[i].r_obj != NULL) {
            if (ptrvec_push(&z->z_keep, a->a_items[i].r_obj) < 0) {
                return -1;
            }
            a->a_items[i].r_obj = NULL;   /* moved to z_keep */
        }
    }
    return 0;
}

/* Release frame f.  Objects its referent array received from a Python call
 * move to z_keep instead: they may be temporaries that nothing else holds,
 * and a later temporary at the same address would be taken for them.  0 /
 * -1 (memory error; f is released all the same). */
static inline int
frame_release(PymSizerObject *z, PymFrame *f)
{
    int res = 0;
    if (f->f_solo && z->z_solo) {
        /* Its children are all handed out: note the container (above). */
        uintptr_t p = (uintptr_t)f->f_obj;
        if ((p & SOLO_TAG_MASK) == 0) {
            res = ptrvec_push(&z->z_solos, (void *)(p | (uintptr_t)f->f_kind));
        }
        else if ((res = ptrvec_push(&z->z_solos, (void *)(uintptr_t)f->f_kind)) == 0) {
            res = ptrvec_push(&z->z_solos, (void *)p);
        }
    }
    if (f->f_aux != NULL && !f->f_auxobj && ((PymRefArray *)f->f_aux)->a_fresh) {
        res |= keep_fresh(z, (PymRefArray *)f->f_aux);
    }
    pym_cursor_release(f);
    return res;
}

/* Objects that releasing z_keep frees, found by trial deletion: an object
 * dies when every reference to it comes from z_keep or from objects that
 * die (counted through tp_traverse; cycles among them are not found, and
 * stay in the seen set). */
typedef struct {
    PymPtrMap d_left;        /* object -> references not yet accounted for */
    PymPtrVec d_dying;       /* to discard and traverse */
} DieWalk;

/* One reference to r from an object that dies.  0 / -1. */
static int
die_visit(PyObject *r, void *arg)
{
    DieWalk *d = (DieWalk *)arg;
    Py_ssize_t *left = pym_ptrmap_get(&d->d_left, r);
    if (left == NULL) {
        if (pym_ptrmap_setdefault(&d->d_left, r, Py_REFCNT(r)) < 0) {
            return -1;
        }
        left = pym_ptrmap_get(&d->d_left, r);
    }
    if (--*left == 0) {
        return ptrvec_push(&d->d_dying, r);
    }
    return 0;
}

/* Discard from z_seen what releasing z_keep frees.  0 / -1. */
static int
discard_dying(PymSizerObject *z)
{
    DieWalk d;
    Py_ssize_t i;
    int res = 0;
    pym_ptrmap_init(&d.d_left);
    memset(&d.d_dying, 0, sizeof(d.d_dying));
    for (i = 0; i < z->z_keep.pv_len && res == 0; i++) {
        res = die_visit((PyObject *)z->z_keep.pv_items[i], &d);
    }
    while (res == 0 && d.d_dying.pv_len > 0) {
        PyObject *o = (PyObject *)d.d_dying.pv_items[--d.d_dying.pv_len];
        traverseproc trav = Py_TYPE(o)->tp_traverse;
        pym_idset_discard(&z->z_seen, o);
        if (trav != NULL && PyObject_IS_GC(o) && trav(o, die_visit, &d) != 0) {
            res = -1;
        }
    }
    pym_ptrmap_clear(&d.d_left);
    ptrvec_free(&d.d_dying);
    return res;
}

void
pym_walk_end_run(PymSizerObject *z, int forget)
{
    Py_ssize_t i;
    PymPtrVec keep;
    size_t mem = (size_t)(z->z_solos.pv_cap + z->z_keep.pv_cap) * sizeof(void *);
    if (mem > z->z_peak_mem) {
        z->z_peak_mem = mem;
    }
    ptrvec_free(&z->z_solos);
    if (!forget && z->z_keep.pv_len > 0 && discard_dying(z) < 0) {
        /* Out of memory: the seen set keeps some addresses it could have
         * dropped (a later object there would count as seen). */
        PyErr_Clear();
    }
    keep = z->z_keep;
    memset(&z->z_keep, 0, sizeof(z->z_keep));
    for (i = 0; i < keep.pv_len; i++) {
        Py_DECREF((PyObject *)keep.pv_items[i]);
    }
    PyMem_RawFree(keep.pv_items);
}

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
    return z->z_ignored
           && ((t->t_flags & PYM_T_IGNORED) || ((t->t_flags & PYM_T_FRAME) && !z->z_frames));
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
encounter_typed(PymSizerObject *z, PyObject *o, Py_ssize_t depth, PymTypeInfo *t, Py_ssize_t *flat,
                PymTypeInfo **tinfo)
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
    if (how == PYM_SIZEOF_CALL && z->z_solo && solo_flush(z) < 0) {
        return -1;
    }
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
    if (z->z_profile && pym_stats_profile(z, o, n) < 0) {
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
encounter(PymSizerObject *z, PyObject *o, Py_ssize_t depth, PymFrame *from, int solo,
          Py_ssize_t *flat, PymTypeInfo **tinfo)
{
    Py_ssize_t *mark;
    PymTypeInfo *t = NULL;
    if (pym_mark_maybe(z, o) && (mark = pym_ptrmap_get(&z->z_marks, o)) != NULL) {
        if (!encounter_marked(z, mark, depth)) {
            return ENC_SKIP;
        }
    }
    else if (solo) {
        /* The only reference to o is the one it was reached through (and
         * ours), so no other path leads to it: it cannot be seen again in
         * this run and need not be looked up.  It is noted (solo_note), in
         * case a Python callback later makes a new reference to it. */
        if (solo_note(z, from, o) < 0) {
            return -1;
        }
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
        *flat = pym_align_up(pym_leaf_size(o), z->z_align);
        return ENC_LEAF;
    }
    return encounter_typed(z, o, depth, t, flat, tinfo);
}
/* ---- tree nodes ---------------------------------------------------------- */

/* Name spec for a referent: None, a str, or ("K"|"V", key). */
PyObject *
pym_walk_name_spec(PymState *st, const PymRef *r)
{
    switch (r->r_kind) {
    case PYM_NAME_CSTR:
    case PYM_NAME_MEMBER:
        return PyUnicode_FromString(r->r_cstr);
    case PYM_NAME_KEY:
        return PyTuple_Pack(2, st->ms_str_K, r->r_key);
    case PYM_NAME_VALUE:
        return PyTuple_Pack(2, st->ms_str_V, r->r_key);
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
    /* Node tuples are the run's private result, read once by the Python
     * layer into Asized trees and dropped: nothing refers back to them, so
     * the collector need not track them (a tree of 100,000 objects at
     * detail 1 used to push half a million tuples into its old generation,
     * and a full collection with them). */
    if (node != NULL) {
        PyObject_GC_UnTrack(node);
    }
    if (kids != NULL) {
        PyObject_GC_UnTrack(kids);
    }
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
/* ---- frames and the cursor context ---------------------------------------- */

void
pym_walk_ctx(PymSizerObject *z, PymCursorCtx *ctx, int referents)
{
    ctx->o_state = z->z_state;
    ctx->o_types = &z->z_types;
    ctx->o_infer = z->z_infer;
    ctx->o_dictlike = z->z_dictlike;
    ctx->o_code = referents ? 1 : z->z_code;
    ctx->o_dict_last = referents ? 0 : dict_last(z);
    ctx->o_limit = referents ? PY_SSIZE_T_MAX : z->z_limit;
    ctx->o_borrow = !referents;
}

/* Set up f for o under the options of ctx; see sizer.h. */
static inline int
frame_open(const PymCursorCtx *ctx, PymFrame *f, PyObject *o, int kind, int special)
{
    memset(f, 0, sizeof(*f));
    f->f_obj = o;
    f->f_kind = (uint8_t)kind;
    f->f_phase = kind == PYM_K_INSTANCE ? PYM_INSTANCE_START(ctx->o_dict_last) : 0;
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
            Py_CLEAR(f->f_obj);
            return -1;
        }
        f->f_aux = a;
        if (pym_referents_collect(ctx->o_state, o, special, ctx->o_code, a) < 0) {
            pym_refarray_free(a);
            return -2;
        }
    }
    return 0;
}

int
pym_walk_frame_open(PymSizerObject *z, PymFrame *f, PyObject *o, int kind, int special,
                    int referents)
{
    PymCursorCtx ctx;
    pym_walk_ctx(z, &ctx, referents);
    return frame_open(&ctx, f, o, kind, special);
}

/* ---- the walk ------------------------------------------------------------ */

/* 1 when d is the dict of a module given to this z_solo run. */
static int
is_moddict(const PymSizerObject *z, const PyObject *d)
{
    Py_ssize_t i;
    for (i = 0; i < PyList_GET_SIZE(z->z_moddicts); i++) {
        if (PyList_GET_ITEM(z->z_moddicts, i) == d) {
            return 1;
        }
    }
    return 0;
}

int
pym_walk_moddicts(PymSizerObject *z, PyObject *objs)
{
    Py_ssize_t i;
    for (i = 0; i < PyTuple_GET_SIZE(objs); i++) {
        PyObject *o = PyTuple_GET_ITEM(objs, i), *d;
        if (!PyModule_Check(o)) {
            continue;
        }
        d = PyModule_GetDict(o);   /* borrowed */
        if (d == NULL) {
            PyErr_Clear();
            continue;
        }
        if (z->z_moddicts == NULL && (z->z_moddicts = PyList_New(0)) == NULL) {
            return -1;
        }
        if (PyList_Append(z->z_moddicts, d) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Push a frame for o (steals the reference to o, and name's).  0 / -1. */
static int
push_frame(PymSizerObject *z, const PymCursorCtx *ctx, PyObject *o, int kind, int special,
           Py_ssize_t depth, Py_ssize_t flat, PyObject *name)
{
    PymFrame *f;
    int r;
    if (stack_reserve(z) < 0) {
        Py_DECREF(o);
        Py_XDECREF(name);
        return -1;
    }
    f = &z->z_stack[z->z_sp];
    r = frame_open(ctx, f, o, kind, special);
    if (r == -1) {
        Py_XDECREF(name);
        return -1;
    }
    if (r == -2) {
        /* The branch is abandoned: counted as missed, not an error. */
        PyErr_Clear();
        z->z_missed++;
    }
    else if (kind == PYM_K_DICT && z->z_moddicts != NULL && is_moddict(z, o)) {
        /* A given module's dict reached as an object: its items are the
         * module's referents too, so none is reached only once (the module
         * frame's form, see pym_cursor_next). */
        f->f_aux = Py_NewRef(o);
        f->f_auxobj = 1;
    }
    f->f_depth = (uint32_t)depth;
    if (z->z_tracking) {
        PymTrack *t = &z->z_track[z->z_sp];
        t->tk_total = flat;
        t->tk_flat = flat;
        t->tk_name = name;
        t->tk_children = NULL;
        if (z->z_tree && depth < z->z_detail) {
            t->tk_children = PyList_New(0);
            if (t->tk_children == NULL) {
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
            parent->tk_total += t->tk_total;
        }
        if (!virtual_node) {
            PyObject *pobj = z->z_sp > 1 ? z->z_stack[z->z_sp - 2].f_obj : NULL;
            res = pym_stats_rank(z, f->f_obj, t->tk_total, f->f_depth, pobj);
        }
        if (res == 0 && z->z_tree) {
            PyObject *node = NULL;
            if (t->tk_children != NULL || (Py_ssize_t)f->f_depth <= z->z_detail) {
                node = make_node(t->tk_name, virtual_node ? NULL : f->f_obj, t->tk_total,
                                 t->tk_flat, t->tk_children);
                t->tk_name = NULL;
                t->tk_children = NULL;
                if (node == NULL) {
                    res = -1;
                }
                else if (parent == NULL) {
                    *root_node = node;
                }
                else if (parent->tk_children != NULL) {
                    res = append_node(parent->tk_children, node);
                }
                else {
                    Py_DECREF(node);
                }
            }
        }
        Py_CLEAR(t->tk_name);
        Py_CLEAR(t->tk_children);
    }
    if (frame_release(z, f) < 0) {
        res = -1;
    }
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
    if (a.ia_values == NULL) {
        return 0;
    }
    n = a.ia_storage - pym_inline_values_size(o);
    return n > 0 ? pym_align_up(n, z->z_align) : 0;
}

/* Size one root object.  Returns its total (>= 0), or -1 on error with an
 * exception set; with a tree, *node receives the root node. */
Py_ssize_t
pym_walk_root(PymSizerObject *z, PyObject *root, PyObject **node)
{
    PymCursorCtx ctx;
    PymTypeInfo *t = NULL;
    Py_ssize_t flat = 0, run = 0, depth;
    int enc;

    pym_walk_ctx(z, &ctx, 0);
    *node = NULL;
    z->z_root_flat = 0;

    enc = encounter(z, root, 0, NULL, 0, &flat, &t);
    if (enc < 0) {
        return -1;
    }
    if (enc != ENC_PUSH) {
        z->z_root_flat = flat;
        if (enc == ENC_LEAF && z->z_tracking && pym_stats_rank(z, root, flat, 0, NULL) < 0) {
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
    z->z_root_flat = flat;   /* without the values storage, as in a tree */
    flat += values_storage(z, root, t->t_kind);
    run = flat;
    if (push_frame(z, &ctx, Py_NewRef(root), t->t_kind, t->t_special, 0, flat, NULL) < 0) {
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
            cflat = pym_align_up(a.ia_storage - pym_inline_values_size(f->f_obj), z->z_align);
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
                if (push_frame(z, &ctx, Py_NewRef(f->f_obj), PYM_K_VALUES, 0, depth, cflat, name)
                    < 0) {
                    goto error;
                }
            }
            else if (z->z_tracking) {
                z->z_track[z->z_sp - 1].tk_total += cflat;
                if (name != NULL) {
                    PyObject *kids = z->z_track[z->z_sp - 1].tk_children;
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
            enc = encounter(z, c, depth, f, z->z_solo && ref.r_owned && Py_REFCNT(c) == 1, &cflat,
                            &t);
            if (enc < 0) {
                goto error;
            }
            if (enc == ENC_LEAF) {
                run += cflat;
            }
            continue;
        }
        Py_INCREF(c);   /* from here on, code may run: own it */
        if (z->z_tree && z->z_track[z->z_sp - 1].tk_children != NULL) {
            name = pym_walk_name_spec(z->z_state, &ref);
            if (name == NULL) {
                Py_DECREF(c);
                goto error;
            }
        }
        enc = encounter(z, c, depth, f,
                        z->z_solo && ref.r_owned && Py_REFCNT(c) == 2
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
                z->z_sp--;
                if (frame_release(z, f) < 0) {
                    Py_DECREF(c);
                    Py_XDECREF(name);
                    goto error;
                }
            }
            if (push_frame(z, &ctx, c, t->t_kind, t->t_special, depth, cflat, name) < 0) {
                if (!PyErr_ExceptionMatches(PyExc_MemoryError)) {
                    goto error;
                }
                /* Out of memory for the stack: abandon this branch. */
                PyErr_Clear();
                z->z_missed++;
                if (z->z_tracking) {
                    z->z_track[z->z_sp - 1].tk_total += cflat;
                }
            }
            continue;
        }
        if (enc == ENC_LEAF) {
            run += cflat;
            if (z->z_tracking) {
                z->z_track[z->z_sp - 1].tk_total += cflat;
                if (pym_stats_rank(z, c, cflat, depth, f->f_obj) < 0) {
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
            PyObject *kids = z->z_track[z->z_sp - 1].tk_children;
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
            Py_CLEAR(z->z_track[z->z_sp - 1].tk_name);
            Py_CLEAR(z->z_track[z->z_sp - 1].tk_children);
        }
        pym_cursor_release(f);
        z->z_sp--;
    }
    Py_CLEAR(*node);
    return -1;
}
