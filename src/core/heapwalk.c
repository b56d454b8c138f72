/* heapwalk.c -- enumeration of the live objects (spec section 3).
 *
 * "The live objects" are every object the garbage collector tracks, except
 * frames, plus every untracked object that is a direct referent
 * (tp_traverse) of one of them: small dicts and tuples the collector
 * untracked, strings, ints and floats held by containers.  One walk:
 *
 *   1. takes gc.get_objects(): a list holding a strong reference to every
 *      tracked object, so nothing the walk looks at can be freed under it,
 *      whatever a collection or a finaliser does meanwhile (3.12+: the
 *      objects are visited in place, see pym_walk_run);
 *   2. calls each listed object's tp_traverse with walk_visit, which keeps
 *      the untracked referents not seen yet (PymIdSet w_seen).  tp_traverse
 *      skips NULL slots, so objects still being built (a tuple filled by
 *      tuple(generator)) are safe.  No Python code runs and no GC object is
 *      allocated during the walk, so no collection can change what is
 *      tracked: the listed objects and the untracked referents are
 *      disjoint.
 *
 * The result is [untracked referents..., tracked objects...] in gc order,
 * as Pympler 1.1 returns it, held by a C vector of strong references (one
 * per object) until the caller turns it into a list, a summary or a
 * snapshot.
 *
 * Three kinds of objects change the walk:
 *   - ignored: excluded and not traversed (ObjectTracker's own objects and
 *     its `ignore` argument; the argument tuples themselves);
 *   - candidates: the objects making up a SummaryTracker's stored summaries
 *     (the dict, its keys, the summary lists, rows and cells).  They are
 *     excluded unless a tracked object outside them (frames included)
 *     refers to them: while traversing, a visit from an outside object
 *     marks the candidate in w_cand.  This is Pympler's
 *     "len(gc.get_referrers(o)) == internal references" test, done for all
 *     candidates in the one pass instead of one heap scan per object;
 *   - neutral: the tracker instance and its __dict__.  Reported normally,
 *     but their references do not count as "outside".
 */
#include "heapwalk.h"

#include <string.h>   /* memset */

/* Make room for at least cap items.  0 / -1. */
int
pym_objvec_reserve(PymObjVec *v, Py_ssize_t cap)
{
    PyObject **items;
    if (cap <= v->v_cap) {
        return 0;
    }
    items = (PyObject **)PyMem_RawRealloc(v->v_items, (size_t)cap * sizeof(PyObject *));
    if (items == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    v->v_items = items;
    v->v_cap = cap;
    return 0;
}

void
pym_objvec_clear(PymObjVec *v)
{
    Py_ssize_t i;
    PyObject **items = v->v_items;
    Py_ssize_t n = v->v_len;
    v->v_items = NULL;
    v->v_len = v->v_cap = 0;
    for (i = 0; i < n; i++) {
        Py_DECREF(items[i]);   /* may run finalisers: the vector is detached */
    }
    PyMem_RawFree(items);
}

#define LOCAL_LINEAR 32

void
pym_walk_init(PymWalk *w, int dedup)
{
    memset(w, 0, sizeof(*w));
    pym_idset_init(&w->w_seen);
    pym_idset_init(&w->w_ignore);
    pym_idset_init(&w->w_neutral);
    pym_idset_init(&w->w_cset);
    pym_ptrmap_init(&w->w_cand);
    w->w_dedup = dedup;
}

void
pym_walk_clear(PymWalk *w)
{
    pym_idset_clear(&w->w_seen);
    pym_idset_clear(&w->w_ignore);
    pym_idset_clear(&w->w_neutral);
    pym_idset_clear(&w->w_cset);
    pym_ptrmap_clear(&w->w_cand);
    PyMem_RawFree(w->w_cbuf);
    w->w_cbuf = NULL;
    pym_objvec_clear(&w->w_untracked);
    pym_objvec_clear(&w->w_tracked);
    pym_objvec_clear(&w->w_deferred);
    pym_objvec_clear(&w->w_framevec);
    Py_CLEAR(w->w_objs);   /* may run finalisers: the walk is done */
}

int
pym_walk_ignore(PymWalk *w, PyObject *o)
{
    w->w_hasignore = 1;
    if (!PyObject_GC_IsTracked(o)) {
        w->w_ignoreuntracked = 1;   /* then referents must be checked too */
    }
    return pym_idset_add(&w->w_ignore, o) < 0 ? -1 : 0;
}

/* remove_dups=False: keep r once per container.  0 / -1. */
static int
local_add(PymWalk *w, PyObject *r)
{
    Py_ssize_t i;
    if (!w->w_cseton) {
        for (i = 0; i < w->w_clen; i++) {
            if (w->w_cbuf[i] == r) {
                return 0;
            }
        }
        if (w->w_clen >= LOCAL_LINEAR) {
            for (i = 0; i < w->w_clen; i++) {
                if (pym_idset_add(&w->w_cset, w->w_cbuf[i]) < 0) {
                    return -1;
                }
            }
            w->w_cseton = 1;
        }
    }
    if (w->w_cseton) {
        int k = pym_idset_add(&w->w_cset, r);
        if (k != 0) {
            return k < 0 ? -1 : 0;
        }
    }
    if (w->w_clen == w->w_ccap) {
        Py_ssize_t cap = w->w_ccap ? w->w_ccap * 2 : 64;
        PyObject **buf = (PyObject **)PyMem_RawRealloc(w->w_cbuf, (size_t)cap * sizeof(PyObject *));
        if (buf == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        w->w_cbuf = buf;
        w->w_ccap = cap;
    }
    w->w_cbuf[w->w_clen++] = r;
    return 0;
}

/* Move the current container's referents to the result.  0 / -1. */
static int
local_flush(PymWalk *w)
{
    Py_ssize_t i;
    for (i = 0; i < w->w_clen; i++) {
        if (pym_objvec_push(&w->w_untracked, w->w_cbuf[i]) < 0) {
            return -1;
        }
    }
    w->w_clen = 0;
    if (w->w_cseton) {
        pym_idset_clear(&w->w_cset);
        w->w_cseton = 0;
    }
    return 0;
}

/* tp_traverse callback: r is a referent of the current container. */
static int
walk_visit(PyObject *r, void *arg)
{
    PymWalk *w = (PymWalk *)arg;
    if (w->w_hook != NULL && w->w_hook(w->w_cur, r, w->w_hookarg) < 0) {
        return -1;
    }
    if (w->w_hascand) {
        Py_ssize_t *slot = pym_ptrmap_get(&w->w_cand, r);
        if (slot != NULL) {
            if (w->w_nomark) {
                return 0;    /* referenced from inside: not collected here */
            }
            *slot = 1;
        }
    }
    if (w->w_markonly || PyObject_GC_IsTracked(r)) {
        return 0;
    }
    if (w->w_ignoreuntracked && pym_idset_contains(&w->w_ignore, r)) {
        return 0;
    }
    if (w->w_dedup) {
        int k;
        if (Py_REFCNT(r) == 1) {
            /* Its one reference is the one being visited: no other
             * container can lead here again, so it needs no "seen" entry.
             * (tp_traverse visits each owned reference once -- the
             * collector's own reference counting relies on it; 3.13's
             * dict_traverse skips values embedded in their instance, which
             * the instance visits.)  Most untracked referents -- a
             * record's str, float, small dict -- are like this. */
            return pym_objvec_push(&w->w_untracked, r);
        }
        k = pym_idset_add(&w->w_seen, r);
        if (k != 0) {
            return k < 0 ? -1 : 0;
        }
        return pym_objvec_push(&w->w_untracked, r);
    }
    return local_add(w, r);
}

/* Visit the referents of o.  0 / -1. */
static int
walk_traverse(PymWalk *w, PyObject *o)
{
    traverseproc trav = Py_TYPE(o)->tp_traverse;
    if (trav != NULL && trav(o, walk_visit, w) != 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_SystemError, "tp_traverse failed during the heap walk");
        }
        return -1;
    }
    if (!w->w_dedup && !w->w_markonly) {
        return local_flush(w);
    }
    return 0;
}

/* ignore: a tuple (the tuple itself and its items are ignored) or None. */
int
pym_walk_add_ignore(PymWalk *w, PyObject *t)
{
    Py_ssize_t i;
    if (t == NULL || t == Py_None) {
        return 0;
    }
    if (!PyTuple_Check(t)) {
        PyErr_SetString(PyExc_TypeError, "ignore must be a tuple or None");
        return -1;
    }
    if (pym_walk_ignore(w, t) < 0) {
        return -1;
    }
    for (i = 0; i < PyTuple_GET_SIZE(t); i++) {
        if (pym_walk_ignore(w, PyTuple_GET_ITEM(t, i)) < 0) {
            return -1;
        }
    }
    return 0;
}

/* neutral: a tuple of objects whose references are not "outside"; their
 * instance dicts are neutral too. */
int
pym_walk_add_neutral(PymWalk *w, PyObject *t)
{
    Py_ssize_t i;
    if (t == NULL || t == Py_None) {
        return 0;
    }
    if (!PyTuple_Check(t)) {
        PyErr_SetString(PyExc_TypeError, "neutral must be a tuple or None");
        return -1;
    }
    if (pym_walk_ignore(w, t) < 0) {
        return -1;
    }
    for (i = 0; i < PyTuple_GET_SIZE(t); i++) {
        PyObject *o = PyTuple_GET_ITEM(t, i);
        PymInstanceAttrs a;
        if (pym_idset_add(&w->w_neutral, o) < 0) {
            return -1;
        }
        pym_instance_attrs(o, &a);   /* reads, never materialises */
        if (a.ia_dict != NULL && pym_idset_add(&w->w_neutral, a.ia_dict) < 0) {
            return -1;
        }
    }
    w->w_hasneutral = 1;
    return 0;
}

static int
cand_add(PymWalk *w, PyObject *o)
{
    if (o == Py_None) {
        return 0;
    }
    w->w_hascand = 1;
    return pym_ptrmap_setdefault(&w->w_cand, o, 0) < 0 ? -1 : 0;
}

/* A stored summary: the list, each row, each cell. */
static int
cand_add_summary(PymWalk *w, PyObject *s)
{
    Py_ssize_t i, j;
    if (cand_add(w, s) < 0) {
        return -1;
    }
    if (!PyList_Check(s) && !PyTuple_Check(s)) {
        return 0;
    }
    /* No code runs below: borrowed items are stable. */
    for (i = 0; i < PySequence_Fast_GET_SIZE(s); i++) {
        PyObject *row = PySequence_Fast_GET_ITEM(s, i);
        if (cand_add(w, row) < 0) {
            return -1;
        }
        if (PyList_Check(row) || PyTuple_Check(row)) {
            for (j = 0; j < PySequence_Fast_GET_SIZE(row); j++) {
                if (cand_add(w, PySequence_Fast_GET_ITEM(row, j)) < 0) {
                    return -1;
                }
            }
        }
    }
    return 0;
}

/* candidates: a tuple of roots.  A dict root contributes its keys (leaves)
 * and values (summaries); any other root is a summary. */
int
pym_walk_add_candidates(PymWalk *w, PyObject *t)
{
    Py_ssize_t i;
    if (t == NULL || t == Py_None) {
        return 0;
    }
    if (!PyTuple_Check(t)) {
        PyErr_SetString(PyExc_TypeError, "candidates must be a tuple or None");
        return -1;
    }
    if (pym_walk_ignore(w, t) < 0) {
        return -1;
    }
    for (i = 0; i < PyTuple_GET_SIZE(t); i++) {
        PyObject *root = PyTuple_GET_ITEM(t, i);
        if (PyDict_Check(root)) {
            Py_ssize_t pos = 0;
            PyObject *key, *value;
            if (cand_add(w, root) < 0) {
                return -1;
            }
            while (PyDict_Next(root, &pos, &key, &value)) {   /* borrowed, no code runs */
                if (cand_add(w, key) < 0 || cand_add_summary(w, value) < 0) {
                    return -1;
                }
            }
        }
        else if (cand_add_summary(w, root) < 0) {
            return -1;
        }
    }
    return 0;
}

#ifndef PYM_HAS_GC_VISIT
/* gc.get_objects(): a new list, or NULL.  The function is looked up on the
 * gc module, so no new tracked object exists while it runs.  The name is
 * the interned string: 3.11's type attribute cache keeps the name of each
 * lookup, and a fresh string per walk, allocated among the walk's
 * temporaries, would keep a whole pymalloc arena alive after the walk. */
static PyObject *
gc_objects(void)
{
    PyObject *gc, *name, *res;
    gc = PyImport_ImportModule("gc");
    if (gc == NULL) {
        return NULL;
    }
    name = PyUnicode_InternFromString("get_objects");
    res = name == NULL ? NULL : PyObject_CallMethodNoArgs(gc, name);
    Py_XDECREF(name);
    Py_DECREF(gc);
    if (res != NULL && !PyList_CheckExact(res)) {
        Py_SETREF(res, PySequence_List(res));
    }
    return res;
}

#endif

/* One tracked object o of the heap.  The reference kept for it is the one
 * in *slot when slot is not NULL (moved out of the gc list), else a new one.
 * 0 / -1. */
static int
walk_one(PymWalk *w, PyObject *o, PyObject **slot)
{
    if (PyFrame_Check(o) && !w->w_frames) {
        if (w->w_hascand) {
            /* A frame is an outside referrer (a user's local variable
             * holding a stored row), though never reported. */
            int r;
            w->w_markonly = 1;
            w->w_nomark = 0;
            r = walk_traverse(w, o);
            w->w_markonly = 0;
            return r;
        }
        return 0;
    }
    if (w->w_hasignore && pym_idset_contains(&w->w_ignore, o)) {
        return 0;
    }
    if (w->w_hascand && pym_ptrmap_get(&w->w_cand, o) != NULL) {
        return pym_objvec_take(&w->w_deferred, o, slot);
    }
    if (w->w_frames && PyFrame_Check(o) && pym_objvec_push(&w->w_framevec, o) < 0) {
        return -1;
    }
    w->w_cur = o;
    w->w_nomark = w->w_hasneutral && pym_idset_contains(&w->w_neutral, o);
    if (walk_traverse(w, o) < 0) {
        return -1;
    }
    return pym_objvec_take(&w->w_tracked, o, slot);
}

#ifdef PYM_HAS_GC_VISIT
/* PyUnstable_GC_VisitObjects callback: 1 to go on, 0 to stop (error). */
static int
walk_gc_visitor(PyObject *o, void *arg)
{
    PymWalk *w = (PymWalk *)arg;
    return walk_one(w, o, NULL) < 0 ? 0 : 1;
}

#endif

/* Enumerate the live objects into w->w_untracked and w->w_tracked.
 * 0 / -1.
 *
 * With PyUnstable_GC_VisitObjects (3.12+) the tracked objects are visited
 * in place: the collector is paused, our callback allocates no GC object
 * (the vectors and sets use the raw allocator) and runs no Python code, so
 * the collector's lists stay as they are.  Before 3.12 the walk goes over
 * the list gc.get_objects() returns, moving its references out. */
int
pym_walk_run(PymWalk *w)
{
    Py_ssize_t i, n;
    int res = -1;

#ifdef PYM_HAS_GC_VISIT
    if (pym_objvec_reserve(&w->w_tracked, 1 << 16) < 0
        || pym_objvec_reserve(&w->w_untracked, 1 << 16) < 0) {
        return -1;
    }
    PyUnstable_GC_VisitObjects(walk_gc_visitor, w);
    if (PyErr_Occurred()) {
        goto done;
    }
#else
    PyObject *objs = w->w_objs = gc_objects();
    if (objs == NULL) {
        return -1;
    }
    /* Keep the list out of reach: code run later by a label callable or a
     * __sizeof__ could otherwise find it with gc.get_objects() and empty
     * it.  It is in no cycle. */
    PyObject_GC_UnTrack(objs);
    /* objs is private and no Python code runs during the walk.  Nothing
     * below allocates a GC object either, so no collection can untrack a
     * listed object: an untracked referent is never one of the listed
     * objects. */
    n = PyList_GET_SIZE(objs);
    /* About as many untracked referents as tracked objects: one allocation
     * instead of a dozen doublings. */
    if (pym_objvec_reserve(&w->w_tracked, n + 1) < 0
        || pym_objvec_reserve(&w->w_untracked, n + 1) < 0) {
        goto done;
    }
    for (i = 0; i < n; i++) {
        PyObject **slot = &((PyListObject *)objs)->ob_item[i];
        if (walk_one(w, *slot, slot) < 0) {
            goto done;
        }
    }
#endif
    /* The candidates: kept when something outside refers to them. */
    n = w->w_deferred.v_len;
    for (i = 0; i < n; i++) {
        PyObject *o = w->w_deferred.v_items[i];
        if (*pym_ptrmap_get(&w->w_cand, o) == 0) {
            continue;   /* only the tracker refers to it */
        }
        w->w_nomark = 1;
        w->w_cur = o;
        if (walk_traverse(w, o) < 0 || pym_objvec_push(&w->w_tracked, o) < 0) {
            goto done;
        }
    }
    res = 0;

done:
    w->w_markonly = 0;
    w->w_nomark = 0;
    return res;
}

/* The walk's result as a new list.  The references are moved from the
 * vectors, so building the list touches no object. */
PyObject *
pym_walk_result_list(PymWalk *w)
{
    Py_ssize_t nu = w->w_untracked.v_len, nt = w->w_tracked.v_len, i;
    PyObject *list = PyList_New(nu + nt);
    if (list == NULL) {
        return NULL;
    }
    for (i = 0; i < nu; i++) {
        PyList_SET_ITEM(list, i, w->w_untracked.v_items[i]);   /* steals */
    }
    for (i = 0; i < nt; i++) {
        PyList_SET_ITEM(list, nu + i, w->w_tracked.v_items[i]);
    }
    w->w_untracked.v_len = 0;
    w->w_tracked.v_len = 0;
    return list;
}

/* Ignore the objects a label spec brings into the heap for one call. */
int
pym_walk_ignore_labeler(PymWalk *w, PymHeapLabeler *L)
{
    if (pym_walk_ignore(w, L->l_spec) < 0) {
        return -1;
    }
    if (L->l_special != NULL && pym_walk_ignore(w, L->l_special) < 0) {
        return -1;
    }
    return 0;
}
