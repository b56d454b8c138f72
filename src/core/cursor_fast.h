/* cursor_fast.h -- the cursor steps of the commonest containers (list,
 * tuple, dict, set, referent arrays), inline in the walk's loop; instances
 * and attribute values step out of line (cursor.c).  The rules of cursor.c
 * hold here: every step re-reads the container before indexing.  Included
 * by cursor.c, walk.c and sizer.c only.
 */
#ifndef PYM_CURSOR_FAST_H
#define PYM_CURSOR_FAST_H

#include "pympler.h"

/* How many dict entries ahead the key and value headers are prefetched. */
#ifndef PYM_DICT_AHEAD
#  define PYM_DICT_AHEAD 2
#endif

/* How many set slots ahead a key's header is prefetched. */
#ifndef PYM_SET_AHEAD
#  define PYM_SET_AHEAD 4
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define PYM_PREFETCH(p) __builtin_prefetch((const void *)(p), 0, 3)
#else
#  define PYM_PREFETCH(p) ((void)(p))
#endif

/* A child referent (borrowed here; pym_cursor_next adds the reference
 * unless the caller borrows); the container owns a reference to it unless
 * the caller clears out->r_owned. */
static PYM_ALWAYS_INLINE int
child(PymRef *out, PyObject *o, int kind, const char *cstr, PyObject *key)
{
    out->r_obj = o;
    out->r_kind = kind;
    out->r_cstr = cstr;
    out->r_key = key;
    out->r_owned = 1;
    return PYM_NEXT_CHILD;
}

static PYM_ALWAYS_INLINE int
list_next(PyObject *o, Py_ssize_t *idx, PymRef *out)
{
    while (*idx < PyList_GET_SIZE(o)) {
        PyObject *v = PyList_GET_ITEM(o, *idx);
        (*idx)++;
        if (v != NULL) {
            return child(out, v, PYM_NAME_NONE, NULL, NULL);
        }
    }
    return PYM_NEXT_END;
}

static PYM_ALWAYS_INLINE int
tuple_next(PyObject *o, Py_ssize_t *idx, PymRef *out)
{
    while (*idx < PyTuple_GET_SIZE(o)) {
        PyObject *v = PyTuple_GET_ITEM(o, *idx);   /* NULL while being built */
        (*idx)++;
        if (v != NULL) {
            return child(out, v, PYM_NAME_NONE, NULL, NULL);
        }
    }
    return PYM_NEXT_END;
}

#ifdef PYM_HAS_DICT_ENTRIES
/* Dict positions are (entry index << 1 | half): half 0 yields the key of
 * the first live entry at or after the index, half 1 its value.  Entries
 * are read in place, which lets the walk ask for the headers of the next
 * entry's key and value while it works on this one (the walk is bound by
 * cache misses on objects scattered over the heap). */
static PYM_ALWAYS_INLINE int
dict_next(PyObject *d, Py_ssize_t *idx, PymRef *out)
{
    Py_ssize_t i = *idx >> 1;
    PyObject *k, *v;
    for (;;) {
        int r = pym_dict_entry(d, i, &k, &v);
        if (r < 0) {
            return PYM_NEXT_END;
        }
        if (r > 0) {
            break;
        }
        i++;
        *idx = i << 1;
    }
    if ((*idx & 1) == 0) {
        PyObject *nk, *nv;
        *idx = (i << 1) | 1;
        PYM_PREFETCH(v);
        if (pym_dict_entry(d, i + PYM_DICT_AHEAD, &nk, &nv) > 0) {
            PYM_PREFETCH(nk);
            PYM_PREFETCH(nv);
        }
        return child(out, k, PYM_NAME_KEY, NULL, k);
    }
    *idx = (i + 1) << 1;
    return child(out, v, PYM_NAME_VALUE, NULL, k);
}

/* No live entry at or after the dict position idx (key half). */
static PYM_ALWAYS_INLINE int
dict_done(PyObject *d, Py_ssize_t idx)
{
    Py_ssize_t i;
    PyObject *k, *v;
    if (idx & 1) {
        return 0;   /* the value of the current entry is still to come */
    }
    for (i = idx >> 1;; i++) {
        int r = pym_dict_entry(d, i, &k, &v);
        if (r != 0) {
            return r < 0;
        }
    }
}
#else
static PYM_ALWAYS_INLINE int
dict_next(PyObject *d, Py_ssize_t *idx, PymRef *out)
{
    Py_ssize_t pos = *idx >> 1, p = pos;
    PyObject *k, *v;
    if (!PyDict_Next(d, &p, &k, &v)) {
        return PYM_NEXT_END;
    }
    if ((*idx & 1) == 0) {
        /* PyDict_Next leaves p just after the entry it returned: the value
         * half resumes at that very entry, without scanning again. */
        *idx = ((p - 1) << 1) | 1;
        PYM_PREFETCH(v);
        return child(out, k, PYM_NAME_KEY, NULL, k);
    }
    *idx = p << 1;
    return child(out, v, PYM_NAME_VALUE, NULL, k);
}

static PYM_ALWAYS_INLINE int
dict_done(PyObject *d, Py_ssize_t idx)
{
    Py_ssize_t p = idx >> 1;
    PyObject *k, *v;
    return (idx & 1) == 0 && !PyDict_Next(d, &p, &k, &v);
}
#endif

static PYM_ALWAYS_INLINE int
set_next(PyObject *o, Py_ssize_t *idx, PymRef *out)
{
    PySetObject *so = (PySetObject *)o;
    while (*idx <= so->mask) {
        setentry *e = &so->table[*idx];
        (*idx)++;
        if (e->key != NULL && e->hash != -1) {   /* hash -1: a dummy entry */
            /* The header of a key a few slots on (an empty slot's NULL is
             * fine: a prefetch never faults). */
            if (*idx + PYM_SET_AHEAD <= so->mask) {
                PYM_PREFETCH(so->table[*idx + PYM_SET_AHEAD].key);
            }
            return child(out, e->key, PYM_NAME_NONE, NULL, NULL);
        }
    }
    return PYM_NEXT_END;
}

static PYM_ALWAYS_INLINE int
array_next(PymRefArray *a, PymRef *out)
{
    if (a == NULL || a->a_pos >= a->a_len) {
        return PYM_NEXT_END;
    }
    {
        PymRef *r = &a->a_items[a->a_pos++];
        child(out, r->r_obj, r->r_kind, r->r_cstr, r->r_key);
        out->r_owned = r->r_owned;
        return PYM_NEXT_CHILD;
    }
}

/* Instance phases.  With tracking (Asized trees, ranking) the spec order is
 * kept: __dict__, __class__, slots, base items.  Without, the dict or the
 * attribute values come last, so that a frame is exhausted when its last
 * attribute is descended into and the walk can drop it first (the stack of
 * a linked list then stays flat).  Totals and counters do not depend on the
 * order. */
enum { PH_DICT_FIRST = 0, PH_CLASS, PH_SLOTS, PH_BASE, PH_DICT_LAST, PH_VALUES, PH_END };

/* Next referent of an instance or values frame (cursor.c). */
int pym_cursor_next_other(PymCursorCtx *ctx, PymFrame *f, PymRef *out);

/* Next referent of frame f: PYM_NEXT_CHILD with out->r_obj a new reference,
 * or with ctx->o_borrow a borrowed one that stays valid only until Python
 * code runs or anything is allocated (out->r_key is always borrowed, valid
 * until Python code runs), PYM_NEXT_VALUES when the instance's
 * un-materialised attribute values come next (the caller pushes a
 * PYM_K_VALUES frame), PYM_NEXT_END, or -1 with an exception. */
static PYM_ALWAYS_INLINE int
pym_cursor_next(PymCursorCtx *ctx, PymFrame *f, PymRef *out)
{
    int r;
    switch (f->f_kind) {
    case PYM_K_LIST:
        r = list_next(f->f_obj, &f->f_idx, out);
        break;
    case PYM_K_TUPLE:
        r = tuple_next(f->f_obj, &f->f_idx, out);
        break;
    case PYM_K_DICT:
        if (f->f_auxobj) {
            /* A given module's dict, walked as the module's referents or
             * reached as an object (push_frame): it is walked twice when both
             * happen (inspect.mod_dict = globals() on 3.9/3.10), so no item
             * may take the single-owner shortcut. */
            r = dict_next((PyObject *)f->f_aux, &f->f_idx, out);
            out->r_owned = 0;
        }
        else {
            r = dict_next(f->f_obj, &f->f_idx, out);
        }
        break;
    case PYM_K_SET:
        r = set_next(f->f_obj, &f->f_idx, out);
        break;
    case PYM_K_ARRAY:
        r = array_next((PymRefArray *)f->f_aux, out);
        break;
    default:
        r = pym_cursor_next_other(ctx, f, out);
        break;
    }
    if (r == PYM_NEXT_CHILD && !ctx->o_borrow) {
        Py_INCREF(out->r_obj);
    }
    return r;
}

/* 1 when the frame's current referents sit one level deeper than the frame's
 * children (attribute values iterated inline, below a virtual __dict__). */
static inline int
pym_cursor_extra_depth(const PymFrame *f)
{
    return f->f_kind == PYM_K_INSTANCE && f->f_phase == PH_VALUES;
}

#endif /* PYM_CURSOR_FAST_H */
