/* heap.c -- live-object enumeration, heap summaries and heap snapshots.
 *
 * The heap walk (spec section 3).  "The live objects" are every object the
 * garbage collector tracks, except frames, plus every untracked object that
 * is a direct referent (tp_traverse) of one of them: small dicts and tuples
 * the collector untracked, strings, ints and floats held by containers.
 * One walk:
 *
 *   1. takes gc.get_objects(): a list holding a strong reference to every
 *      tracked object, so nothing the walk looks at can be freed under it,
 *      whatever a collection or a finaliser does meanwhile;
 *   2. calls each listed object's tp_traverse with walk_visit, which keeps
 *      the untracked referents not seen yet (PymIdSet w_seen).  tp_traverse
 *      skips NULL slots, so objects still being built (a tuple filled by
 *      tuple(generator)) are safe.  No Python code runs and no GC object is
 *      allocated during the walk, so no collection can change what is
 *      tracked: the listed objects and the untracked referents are
 *      disjoint.
 *
 * The result is [untracked referents..., tracked objects...] in gc order,
 * as Pympler 1.1 returns it, held by a C vector of strong references until
 * it becomes a list (muppy.get_objects), a summary (the trackers), or a
 * snapshot (ObjectTracker).
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
 *
 * Snapshots (ObjectTracker) keep no strong reference to the objects: per
 * object its address, type, size, label index, and a weak reference when
 * its type supports them (fresh ones are untracked: a weakref without a
 * callback has no referents, and this keeps the bookkeeping out of every
 * later walk).  An object of the previous snapshot "is" a live object when
 * address and type agree and its weak reference, if any, still points to
 * it; see docs/heap.md for what this cannot tell apart.
 *
 * Python interface: pympler._core.heap_objects, heap_summary,
 * heap_snapshot, heap_snapshot_objects, heap_diff, heap_referents,
 * heap_size, heap_filter; used by src/pympler/muppy.py, summary.py and
 * tracker.py.
 */
#include "pympler.h"

#include <string.h>   /* memset */

/* ---- a vector of strong references --------------------------------------- */

typedef struct {
    PyObject **v_items;      /* strong */
    Py_ssize_t v_len;
    Py_ssize_t v_cap;
} ObjVec;

/* Make room for at least cap items.  0 / -1. */
static int
vec_reserve(ObjVec *v, Py_ssize_t cap)
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

/* Append o, with a new reference, or with the one in *slot when slot is
 * not NULL (the slot is emptied: the reference moves).  0 / -1. */
static inline int
vec_take(ObjVec *v, PyObject *o, PyObject **slot)
{
    if (v->v_len == v->v_cap && vec_reserve(v, v->v_cap ? v->v_cap * 2 : 1024) < 0) {
        return -1;
    }
    if (slot != NULL) {
        *slot = NULL;
    }
    else {
        Py_INCREF(o);
    }
    v->v_items[v->v_len++] = o;
    return 0;
}

/* Append a new reference to o.  0 / -1. */
static inline int
vec_push(ObjVec *v, PyObject *o)
{
    return vec_take(v, o, NULL);
}

static void
vec_clear(ObjVec *v)
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

/* ---- the walk ------------------------------------------------------------ */

typedef struct {
    PymIdSet w_seen;         /* untracked referents collected so far */
    PymIdSet w_ignore;
    PymIdSet w_neutral;
    PymPtrMap w_cand;        /* candidate -> 1 once an outside object refers to it */
    int w_hasignore;
    int w_ignoreuntracked;   /* some ignored object is not tracked */
    int w_hasneutral;
    int w_hascand;
    int w_dedup;             /* remove_dups */
    int w_nomark;            /* the current container is neutral or a candidate */
    int w_markonly;          /* the current container is a frame */
    ObjVec w_untracked;      /* result, first part */
    ObjVec w_tracked;        /* result, second part */
    ObjVec w_deferred;       /* candidates, decided once every mark is in */
    PyObject *w_objs;        /* strong, untracked: what remains of the gc list */
    /* remove_dups=False: referents of the current container, deduplicated
     * within it (borrowed until flushed) */
    PyObject **w_cbuf;
    Py_ssize_t w_clen;
    Py_ssize_t w_ccap;
    PymIdSet w_cset;
    int w_cseton;
} Walk;

#define LOCAL_LINEAR 32

static void
walk_init(Walk *w, int dedup)
{
    memset(w, 0, sizeof(*w));
    pym_idset_init(&w->w_seen);
    pym_idset_init(&w->w_ignore);
    pym_idset_init(&w->w_neutral);
    pym_idset_init(&w->w_cset);
    pym_ptrmap_init(&w->w_cand);
    w->w_dedup = dedup;
}

static void
walk_clear(Walk *w)
{
    pym_idset_clear(&w->w_seen);
    pym_idset_clear(&w->w_ignore);
    pym_idset_clear(&w->w_neutral);
    pym_idset_clear(&w->w_cset);
    pym_ptrmap_clear(&w->w_cand);
    PyMem_RawFree(w->w_cbuf);
    w->w_cbuf = NULL;
    vec_clear(&w->w_untracked);
    vec_clear(&w->w_tracked);
    vec_clear(&w->w_deferred);
    Py_CLEAR(w->w_objs);   /* may run finalisers: the walk is done */
}

static int
walk_ignore(Walk *w, PyObject *o)
{
    w->w_hasignore = 1;
    if (!PyObject_GC_IsTracked(o)) {
        w->w_ignoreuntracked = 1;   /* then referents must be checked too */
    }
    return pym_idset_add(&w->w_ignore, o) < 0 ? -1 : 0;
}

/* remove_dups=False: keep r once per container.  0 / -1. */
static int
local_add(Walk *w, PyObject *r)
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
local_flush(Walk *w)
{
    Py_ssize_t i;
    for (i = 0; i < w->w_clen; i++) {
        if (vec_push(&w->w_untracked, w->w_cbuf[i]) < 0) {
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
    Walk *w = (Walk *)arg;
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
            return vec_push(&w->w_untracked, r);
        }
        k = pym_idset_add(&w->w_seen, r);
        if (k != 0) {
            return k < 0 ? -1 : 0;
        }
        return vec_push(&w->w_untracked, r);
    }
    return local_add(w, r);
}

/* Visit the referents of o.  0 / -1. */
static int
walk_traverse(Walk *w, PyObject *o)
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
static int
walk_add_ignore(Walk *w, PyObject *t)
{
    Py_ssize_t i;
    if (t == NULL || t == Py_None) {
        return 0;
    }
    if (!PyTuple_Check(t)) {
        PyErr_SetString(PyExc_TypeError, "ignore must be a tuple or None");
        return -1;
    }
    if (walk_ignore(w, t) < 0) {
        return -1;
    }
    for (i = 0; i < PyTuple_GET_SIZE(t); i++) {
        if (walk_ignore(w, PyTuple_GET_ITEM(t, i)) < 0) {
            return -1;
        }
    }
    return 0;
}

/* neutral: a tuple of objects whose references are not "outside"; their
 * instance dicts are neutral too. */
static int
walk_add_neutral(Walk *w, PyObject *t)
{
    Py_ssize_t i;
    if (t == NULL || t == Py_None) {
        return 0;
    }
    if (!PyTuple_Check(t)) {
        PyErr_SetString(PyExc_TypeError, "neutral must be a tuple or None");
        return -1;
    }
    if (walk_ignore(w, t) < 0) {
        return -1;
    }
    for (i = 0; i < PyTuple_GET_SIZE(t); i++) {
        PyObject *o = PyTuple_GET_ITEM(t, i);
        PymInstanceAttrs a;
        if (pym_idset_add(&w->w_neutral, o) < 0) {
            return -1;
        }
        pym_instance_attrs(o, &a);   /* reads, never materialises */
        if (a.dict != NULL && pym_idset_add(&w->w_neutral, a.dict) < 0) {
            return -1;
        }
    }
    w->w_hasneutral = 1;
    return 0;
}

static int
cand_add(Walk *w, PyObject *o)
{
    if (o == Py_None) {
        return 0;
    }
    w->w_hascand = 1;
    return pym_ptrmap_setdefault(&w->w_cand, o, 0) < 0 ? -1 : 0;
}

/* A stored summary: the list, each row, each cell. */
static int
cand_add_summary(Walk *w, PyObject *s)
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
static int
walk_add_candidates(Walk *w, PyObject *t)
{
    Py_ssize_t i;
    if (t == NULL || t == Py_None) {
        return 0;
    }
    if (!PyTuple_Check(t)) {
        PyErr_SetString(PyExc_TypeError, "candidates must be a tuple or None");
        return -1;
    }
    if (walk_ignore(w, t) < 0) {
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
 * gc module, so no new tracked object exists while it runs. */
static PyObject *
gc_objects(void)
{
    PyObject *gc, *res;
    gc = PyImport_ImportModule("gc");
    if (gc == NULL) {
        return NULL;
    }
    res = PyObject_CallMethod(gc, "get_objects", NULL);
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
walk_one(Walk *w, PyObject *o, PyObject **slot)
{
    if (PyFrame_Check(o)) {
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
        return vec_take(&w->w_deferred, o, slot);
    }
    w->w_nomark = w->w_hasneutral && pym_idset_contains(&w->w_neutral, o);
    if (walk_traverse(w, o) < 0) {
        return -1;
    }
    return vec_take(&w->w_tracked, o, slot);
}

#ifdef PYM_HAS_GC_VISIT
/* PyUnstable_GC_VisitObjects callback: 1 to go on, 0 to stop (error). */
static int
walk_gc_visitor(PyObject *o, void *arg)
{
    Walk *w = (Walk *)arg;
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
static int
walk_run(Walk *w)
{
    Py_ssize_t i, n;
    int res = -1;

#ifdef PYM_HAS_GC_VISIT
    if (vec_reserve(&w->w_tracked, 1 << 16) < 0 || vec_reserve(&w->w_untracked, 1 << 16) < 0) {
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
    if (vec_reserve(&w->w_tracked, n + 1) < 0 || vec_reserve(&w->w_untracked, n + 1) < 0) {
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
        if (walk_traverse(w, o) < 0 || vec_push(&w->w_tracked, o) < 0) {
            goto done;
        }
    }
    res = 0;

done:
    w->w_markonly = 0;
    w->w_nomark = 0;
    return res;
}

/* Number of objects the walk found. */
static inline Py_ssize_t
walk_len(Walk *w)
{
    return w->w_untracked.v_len + w->w_tracked.v_len;
}

/* The walk's result as a new list.  The references are moved from the
 * vectors, so building the list touches no object. */
static PyObject *
walk_result_list(Walk *w)
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

/* Object k of the walk's result (borrowed; held by the walk). */
static inline PyObject *
walk_item(Walk *w, Py_ssize_t k)
{
    Py_ssize_t nu = w->w_untracked.v_len;
    return k < nu ? w->w_untracked.v_items[k] : w->w_tracked.v_items[k - nu];
}

/* Ignore the objects a label spec brings into the heap for one call. */
static int
walk_ignore_labeler(Walk *w, PymHeapLabeler *L)
{
    if (walk_ignore(w, L->l_spec) < 0) {
        return -1;
    }
    if (L->l_special != NULL && walk_ignore(w, L->l_special) < 0) {
        return -1;
    }
    return 0;
}

/* ---- heap_objects / heap_summary ----------------------------------------- */

static int
check_nargs(const char *name, Py_ssize_t nargs, Py_ssize_t lo, Py_ssize_t hi)
{
    if (nargs < lo || nargs > hi) {
        PyErr_Format(PyExc_TypeError, "%s() takes %zd to %zd arguments (%zd given)",
                     name, lo, hi, nargs);
        return -1;
    }
    return 0;
}

static inline PyObject *
arg_or_none(PyObject *const *args, Py_ssize_t nargs, Py_ssize_t i)
{
    return i < nargs ? args[i] : Py_None;
}

PyDoc_STRVAR(heap_objects_doc,
"heap_objects(remove_dups=True, ignore=None, candidates=None, neutral=None, out=None) -> list\n\n"
"The live objects (gc-tracked objects except frames, plus their untracked\n"
"direct referents).  Does not collect garbage first.  ignore: tuple of\n"
"objects excluded and not traversed; candidates: tuple of summary roots\n"
"excluded unless something outside refers to them; neutral: tuple of\n"
"objects whose references do not count as outside.  out: an empty list,\n"
"not itself reported, that receives the result and is returned.");

/* Give the items of the new list from to the empty list out (both ours:
 * `from` is private, `out` empty).  Only the storage pointers move, so no
 * object is touched.  The fields are the public ones of PyListObject
 * (Include/cpython/listobject.h, 3.9-3.13). */
static void
list_take_items(PyObject *out, PyObject *from)
{
    PyListObject *a = (PyListObject *)out, *b = (PyListObject *)from;
    PyObject **items = a->ob_item;
    Py_ssize_t allocated = a->allocated, size = Py_SIZE(a);
    a->ob_item = b->ob_item;
    a->allocated = b->allocated;
    Py_SET_SIZE(a, Py_SIZE(b));
    b->ob_item = items;
    b->allocated = allocated;
    Py_SET_SIZE(b, size);
}

static PyObject *
heap_objects_impl(int dedup, PyObject *ignore, PyObject *candidates, PyObject *neutral,
                  PyObject *out)
{
    Walk w;
    PyObject *res = NULL;
    if (out != Py_None && (!PyList_CheckExact(out) || PyList_GET_SIZE(out) != 0)) {
        PyErr_SetString(PyExc_TypeError, "out must be an empty list or None");
        return NULL;
    }
    walk_init(&w, dedup);
    if ((out != Py_None && walk_ignore(&w, out) < 0) || walk_add_ignore(&w, ignore) < 0
        || walk_add_candidates(&w, candidates) < 0 || walk_add_neutral(&w, neutral) < 0
        || walk_run(&w) < 0) {
        goto done;
    }
    res = walk_result_list(&w);
    if (res != NULL && out != Py_None) {
        /* An out list made before the collection that get_objects starts
         * with is in the oldest generation: young-generation collections
         * will not traverse the million objects it may hold. */
        list_take_items(out, res);
        Py_SETREF(res, Py_NewRef(out));
    }
done:
    walk_clear(&w);
    return res;
}

static PyObject *
heap_objects(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int dedup = 1;
    if (check_nargs("heap_objects", nargs, 0, 5) < 0) {
        return NULL;
    }
    if (nargs > 0 && (dedup = PyObject_IsTrue(args[0])) < 0) {
        return NULL;
    }
    return heap_objects_impl(dedup, arg_or_none(args, nargs, 1), arg_or_none(args, nargs, 2),
                             arg_or_none(args, nargs, 3), arg_or_none(args, nargs, 4));
}

PyDoc_STRVAR(heap_summary_doc,
"heap_summary(spec, ignore=None, candidates=None, neutral=None) -> list\n\n"
"summarize(heap_objects(True, ignore, candidates, neutral)) in one call,\n"
"without building the object list.");

static PyObject *
heap_summary_impl(PymState *st, PyObject *spec, PyObject *ignore, PyObject *candidates,
                  PyObject *neutral)
{
    Walk w;
    PymHeapLabeler L;
    PyObject *res = NULL;
    Py_ssize_t k, n, label, size;

    walk_init(&w, 1);
    if (pym_heap_labeler_init(&L, st, spec) < 0 || walk_ignore_labeler(&w, &L) < 0
        || walk_add_ignore(&w, ignore) < 0 || walk_add_candidates(&w, candidates) < 0
        || walk_add_neutral(&w, neutral) < 0 || walk_run(&w) < 0) {
        goto done;
    }
    n = walk_len(&w);
    for (k = 0; k < n; k++) {
        if (pym_heap_labeler_add(&L, walk_item(&w, k), &label, &size) < 0) {
            goto done;
        }
    }
    res = pym_heap_labeler_rows(&L);
done:
    walk_clear(&w);
    pym_heap_labeler_clear(&L);
    return res;
}

static PyObject *
heap_summary(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("heap_summary", nargs, 1, 4) < 0) {
        return NULL;
    }
    return heap_summary_impl(pym_state_from_module(module), args[0], arg_or_none(args, nargs, 1),
                             arg_or_none(args, nargs, 2), arg_or_none(args, nargs, 3));
}

/* ---- snapshots (ObjectTracker) ------------------------------------------- */

#define SNAPSHOT_NAME "pympler._core.HeapSnapshot"

typedef struct {
    Py_ssize_t s_len;
    uintptr_t *s_addr;       /* never dereferenced */
    PyTypeObject **s_type;   /* not owned: compared only */
    Py_ssize_t *s_size;
    Py_ssize_t *s_label;     /* index into s_labels */
    PyObject **s_wr;         /* strong weak references, or NULL */
    PyObject **s_labels;     /* strong */
    Py_ssize_t s_nlabels;
    PymPtrMap s_index;       /* address -> entry */
} Snapshot;

static void
snapshot_free(Snapshot *S)
{
    Py_ssize_t i;
    if (S == NULL) {
        return;
    }
    if (S->s_wr != NULL) {
        for (i = 0; i < S->s_len; i++) {
            Py_XDECREF(S->s_wr[i]);
        }
    }
    if (S->s_labels != NULL) {
        for (i = 0; i < S->s_nlabels; i++) {
            Py_XDECREF(S->s_labels[i]);
        }
    }
    PyMem_RawFree(S->s_addr);
    PyMem_RawFree(S->s_type);
    PyMem_RawFree(S->s_size);
    PyMem_RawFree(S->s_label);
    PyMem_RawFree(S->s_wr);
    PyMem_RawFree(S->s_labels);
    pym_ptrmap_clear(&S->s_index);
    PyMem_RawFree(S);
}

static void
snapshot_capsule_destroy(PyObject *capsule)
{
    snapshot_free((Snapshot *)PyCapsule_GetPointer(capsule, SNAPSHOT_NAME));
}

static Snapshot *
snapshot_new(Py_ssize_t n)
{
    size_t m = (size_t)(n > 0 ? n : 1);
    Snapshot *S = (Snapshot *)PyMem_RawCalloc(1, sizeof(Snapshot));
    if (S == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    pym_ptrmap_init(&S->s_index);
    S->s_addr = (uintptr_t *)PyMem_RawCalloc(m, sizeof(uintptr_t));
    S->s_type = (PyTypeObject **)PyMem_RawCalloc(m, sizeof(PyTypeObject *));
    S->s_size = (Py_ssize_t *)PyMem_RawCalloc(m, sizeof(Py_ssize_t));
    S->s_label = (Py_ssize_t *)PyMem_RawCalloc(m, sizeof(Py_ssize_t));
    S->s_wr = (PyObject **)PyMem_RawCalloc(m, sizeof(PyObject *));
    if (S->s_addr == NULL || S->s_type == NULL || S->s_size == NULL || S->s_label == NULL
        || S->s_wr == NULL) {
        snapshot_free(S);
        PyErr_NoMemory();
        return NULL;
    }
    return S;
}

/* The snapshot in capsule c, or NULL with TypeError. */
static Snapshot *
snapshot_get(PyObject *c)
{
    if (!PyCapsule_IsValid(c, SNAPSHOT_NAME)) {
        PyErr_SetString(PyExc_TypeError, "expected a heap snapshot");
        return NULL;
    }
    return (Snapshot *)PyCapsule_GetPointer(c, SNAPSHOT_NAME);
}

/* Entry of S that is the live object o, or -1. */
static Py_ssize_t
snapshot_match(const Snapshot *S, PyObject *o)
{
    Py_ssize_t *slot = pym_ptrmap_get(&S->s_index, o);
    Py_ssize_t j;
    if (slot == NULL) {
        return -1;
    }
    j = *slot;
    if (S->s_type[j] != Py_TYPE(o)) {
        return -1;
    }
    if (S->s_wr[j] != NULL && PYM_WEAKREF_OBJECT(S->s_wr[j]) != o) {
        return -1;   /* the recorded object died; o is a new one */
    }
    return j;
}

/* A weak reference to o for the snapshot, or NULL when o's type has none
 * (no exception left set, except fatal ones: then -1 in *fatal). */
static PyObject *
snapshot_weakref(PyObject *o, int *fatal)
{
    PyObject *wr;
    *fatal = 0;
    if (Py_TYPE(o)->tp_weaklistoffset == 0) {
        return NULL;
    }
    wr = PyWeakref_NewRef(o, NULL);
    if (wr == NULL) {
        if (PyErr_ExceptionMatches(PyExc_Exception)) {
            PyErr_Clear();
        }
        else {
            *fatal = 1;
        }
        return NULL;
    }
    if (Py_REFCNT(wr) == 1 && PyObject_GC_IsTracked(wr)) {
        /* Ours alone and without a callback, so without referents: keep it
         * out of every later walk. */
        PyObject_GC_UnTrack(wr);
    }
    return wr;
}

PyDoc_STRVAR(heap_snapshot_doc,
"heap_snapshot(spec, ignore=None, old=None) -> (snapshot, added, removed, removed_rows)\n\n"
"Walk the heap (ignoring ignore, the old snapshot and the label spec) and\n"
"record each object's address, type, size and label without keeping it\n"
"alive.  With old: added = live objects not in old; removed = objects of\n"
"old not found any more that are still alive (weak-referenceable ones);\n"
"removed_rows = summary rows of every object of old not found any more.");

static PyObject *
heap_snapshot_impl(PymState *st, PyObject *spec, PyObject *ignore, PyObject *py_old)
{
    Walk w;
    PymHeapLabeler L;
    Snapshot *S = NULL, *old = NULL;
    char *matched = NULL;
    Py_ssize_t *cnt = NULL, *sz = NULL;
    PyObject *added = NULL, *removed = NULL, *rows = NULL, *capsule = NULL, *res = NULL;
    Py_ssize_t k, n, j, label, size;
    int fatal;

    walk_init(&w, 1);
    if (pym_heap_labeler_init(&L, st, spec) < 0 || walk_ignore_labeler(&w, &L) < 0
        || walk_add_ignore(&w, ignore) < 0) {
        goto done;
    }
    if (py_old != NULL && py_old != Py_None) {
        old = snapshot_get(py_old);
        if (old == NULL || walk_ignore(&w, py_old) < 0) {
            goto done;
        }
        matched = (char *)PyMem_RawCalloc((size_t)old->s_len + 1, 1);
        if (matched == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    }
    if (walk_run(&w) < 0) {
        goto done;
    }
    n = walk_len(&w);
    S = snapshot_new(n);
    added = PyList_New(0);
    removed = PyList_New(0);
    rows = PyList_New(0);
    if (S == NULL || added == NULL || removed == NULL || rows == NULL) {
        goto done;
    }
    for (k = 0; k < n; k++) {
        PyObject *o = walk_item(&w, k);   /* held by the walk */
        if (pym_heap_labeler_add(&L, o, &label, &size) < 0) {
            goto done;
        }
        S->s_addr[k] = (uintptr_t)o;
        S->s_type[k] = Py_TYPE(o);
        S->s_size[k] = size;
        S->s_label[k] = label;
        S->s_len = k + 1;
        j = old != NULL ? snapshot_match(old, o) : -1;
        if (j >= 0) {
            matched[j] = 1;
            S->s_wr[k] = old->s_wr[j];
            Py_XINCREF(S->s_wr[k]);
        }
        else {
            if (old != NULL && PyList_Append(added, o) < 0) {
                goto done;
            }
            S->s_wr[k] = snapshot_weakref(o, &fatal);
            if (fatal) {
                goto done;
            }
        }
        if (pym_ptrmap_setdefault(&S->s_index, o, k) < 0) {
            goto done;
        }
    }
    S->s_labels = (PyObject **)PyMem_RawCalloc((size_t)L.l_nlabels + 1, sizeof(PyObject *));
    if (S->s_labels == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (k = 0; k < L.l_nlabels; k++) {
        S->s_labels[k] = Py_NewRef(L.l_labels[k]);
    }
    S->s_nlabels = L.l_nlabels;
    if (old != NULL) {
        cnt = (Py_ssize_t *)PyMem_RawCalloc((size_t)old->s_nlabels + 1, sizeof(Py_ssize_t));
        sz = (Py_ssize_t *)PyMem_RawCalloc((size_t)old->s_nlabels + 1, sizeof(Py_ssize_t));
        if (cnt == NULL || sz == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        for (j = 0; j < old->s_len; j++) {
            PyObject *wr = old->s_wr[j];
            if (matched[j]) {
                continue;
            }
            cnt[old->s_label[j]]++;
            sz[old->s_label[j]] += old->s_size[j];
            if (wr != NULL && PYM_WEAKREF_OBJECT(wr) != Py_None && Py_REFCNT(PYM_WEAKREF_OBJECT(wr)) > 0
                && PyList_Append(removed, PYM_WEAKREF_OBJECT(wr)) < 0) {
                goto done;
            }
        }
        for (k = 0; k < old->s_nlabels; k++) {
            PyObject *row;
            int r;
            if (cnt[k] == 0) {
                continue;
            }
            row = Py_BuildValue("[Onn]", old->s_labels[k], cnt[k], sz[k]);
            if (row == NULL) {
                goto done;
            }
            r = PyList_Append(rows, row);
            Py_DECREF(row);
            if (r < 0) {
                goto done;
            }
        }
    }
    capsule = PyCapsule_New(S, SNAPSHOT_NAME, snapshot_capsule_destroy);
    if (capsule == NULL) {
        goto done;
    }
    S = NULL;   /* owned by the capsule */
    res = PyTuple_Pack(4, capsule, added, removed, rows);

done:
    snapshot_free(S);
    PyMem_RawFree(matched);
    PyMem_RawFree(cnt);
    PyMem_RawFree(sz);
    Py_XDECREF(capsule);
    Py_XDECREF(added);
    Py_XDECREF(removed);
    Py_XDECREF(rows);
    walk_clear(&w);
    pym_heap_labeler_clear(&L);
    return res;
}

static PyObject *
heap_snapshot(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("heap_snapshot", nargs, 1, 3) < 0) {
        return NULL;
    }
    return heap_snapshot_impl(pym_state_from_module(module), args[0], arg_or_none(args, nargs, 1),
                              arg_or_none(args, nargs, 2));
}

PyDoc_STRVAR(heap_snapshot_objects_doc,
"heap_snapshot_objects(snapshot, ignore=None) -> list\n\n"
"The objects of the snapshot that are still alive and found by a heap walk.");

static PyObject *
heap_snapshot_objects_impl(PyObject *py_snap, PyObject *ignore)
{
    Walk w;
    Snapshot *S;
    PyObject *res = NULL;
    Py_ssize_t k, n;

    walk_init(&w, 1);
    S = snapshot_get(py_snap);
    if (S == NULL || walk_ignore(&w, py_snap) < 0 || walk_add_ignore(&w, ignore) < 0
        || walk_run(&w) < 0) {
        goto done;
    }
    res = PyList_New(0);
    if (res == NULL) {
        goto done;
    }
    n = walk_len(&w);
    for (k = 0; k < n; k++) {
        PyObject *o = walk_item(&w, k);
        if (snapshot_match(S, o) >= 0 && PyList_Append(res, o) < 0) {
            Py_CLEAR(res);
            goto done;
        }
    }
done:
    walk_clear(&w);
    return res;
}

static PyObject *
heap_snapshot_objects(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("heap_snapshot_objects", nargs, 1, 2) < 0) {
        return NULL;
    }
    return heap_snapshot_objects_impl(args[0], arg_or_none(args, nargs, 1));
}

PyDoc_STRVAR(heap_snapshot_len_doc,
"heap_snapshot_len(snapshot) -> int\n\nNumber of objects recorded in the snapshot.");

static PyObject *
heap_snapshot_len(PyObject *module, PyObject *py_snap)
{
    Snapshot *S = snapshot_get(py_snap);
    return S == NULL ? NULL : PyLong_FromSsize_t(S->s_len);
}

/* ---- identity diff, referents, sizes ------------------------------------- */

/* Add every item of the sequence fast-list seq to s.  0 / -1. */
static int
idset_add_all(PymIdSet *s, PyObject *seq)
{
    Py_ssize_t i;
    for (i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        if (pym_idset_add(s, PySequence_Fast_GET_ITEM(seq, i)) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Items of seq not in s, in order. */
static PyObject *
not_in(PyObject *seq, PymIdSet *s)
{
    Py_ssize_t i;
    PyObject *res = PyList_New(0);
    if (res == NULL) {
        return NULL;
    }
    for (i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(seq, i);
        if (!pym_idset_contains(s, o) && PyList_Append(res, o) < 0) {
            Py_DECREF(res);
            return NULL;
        }
    }
    return res;
}

PyDoc_STRVAR(heap_diff_doc,
"heap_diff(left, right) -> dict\n\n"
"{'+': items of right not in left, '-': items of left not in right},\n"
"membership by identity, each list in the order of its source.");

static PyObject *
heap_diff_impl(PyObject *left, PyObject *right)
{
    PyObject *l = NULL, *r = NULL, *plus = NULL, *minus = NULL, *res = NULL;
    PymIdSet ls, rs;
    pym_idset_init(&ls);
    pym_idset_init(&rs);
    l = PySequence_Fast(left, "left must be a sequence");
    r = l == NULL ? NULL : PySequence_Fast(right, "right must be a sequence");
    /* Nothing below runs Python code: the fast sequences are stable. */
    if (r == NULL || idset_add_all(&ls, l) < 0 || idset_add_all(&rs, r) < 0) {
        goto done;
    }
    plus = not_in(r, &ls);
    minus = plus == NULL ? NULL : not_in(l, &rs);
    if (minus == NULL) {
        goto done;
    }
    res = Py_BuildValue("{sOsO}", "+", plus, "-", minus);
done:
    pym_idset_clear(&ls);
    pym_idset_clear(&rs);
    Py_XDECREF(l);
    Py_XDECREF(r);
    Py_XDECREF(plus);
    Py_XDECREF(minus);
    return res;
}

static PyObject *
heap_diff(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("heap_diff", nargs, 2, 2) < 0) {
        return NULL;
    }
    return heap_diff_impl(args[0], args[1]);
}

typedef struct {
    PymIdSet r_seen;
    PyObject *r_list;
} RefWalk;

static int
referents_visit(PyObject *r, void *arg)
{
    RefWalk *rw = (RefWalk *)arg;
    int k = pym_idset_add(&rw->r_seen, r);
    if (k != 0) {
        return k < 0 ? -1 : 0;
    }
    return PyList_Append(rw->r_list, r);
}

PyDoc_STRVAR(heap_referents_doc,
"heap_referents(obj, level=1) -> list\n\n"
"What gc.get_referents reports for obj, then for those objects, and so on,\n"
"at most level steps away from obj; each object once.");

static PyObject *
heap_referents_impl(PyObject *obj, Py_ssize_t level)
{
    RefWalk rw;
    Py_ssize_t step, start = 0, end, k;
    pym_idset_init(&rw.r_seen);
    rw.r_list = PyList_New(0);
    if (rw.r_list == NULL) {
        return NULL;
    }
    /* Only C runs below (tp_traverse and list appends); the list holds
     * every object found. */
    for (step = 0; step < level; step++) {
        end = PyList_GET_SIZE(rw.r_list);
        if (step == 0) {
            if (PyObject_IS_GC(obj) && Py_TYPE(obj)->tp_traverse != NULL
                && Py_TYPE(obj)->tp_traverse(obj, referents_visit, &rw) != 0) {
                goto error;
            }
            continue;
        }
        if (start == end) {
            break;
        }
        for (k = start; k < end; k++) {
            PyObject *o = PyList_GET_ITEM(rw.r_list, k);
            if (PyObject_IS_GC(o) && Py_TYPE(o)->tp_traverse != NULL
                && Py_TYPE(o)->tp_traverse(o, referents_visit, &rw) != 0) {
                goto error;
            }
        }
        start = end;
    }
    pym_idset_clear(&rw.r_seen);
    return rw.r_list;

error:
    if (!PyErr_Occurred()) {
        PyErr_SetString(PyExc_SystemError, "tp_traverse failed");
    }
    pym_idset_clear(&rw.r_seen);
    Py_DECREF(rw.r_list);
    return NULL;
}

static PyObject *
heap_referents(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t level = 1;
    if (check_nargs("heap_referents", nargs, 1, 2) < 0) {
        return NULL;
    }
    if (nargs > 1) {
        level = PyLong_AsSsize_t(args[1]);
        if (level == -1 && PyErr_Occurred()) {
            return NULL;
        }
    }
    return heap_referents_impl(args[0], level < 1 ? 1 : level);
}

PyDoc_STRVAR(heap_size_doc,
"heap_size(objects) -> (total, failed)\n\n"
"Sum of getsizeof over objects, and the list of objects whose __sizeof__\n"
"failed (not counted in total).");

static PyObject *
heap_size_impl(PymState *st, PyObject *objects)
{
    PyObject *list = NULL, *failed = NULL, *res = NULL;
    Py_ssize_t i, total = 0;
    list = PySequence_List(objects);
    failed = list == NULL ? NULL : PyList_New(0);
    if (failed == NULL) {
        goto done;
    }
    for (i = 0; i < PyList_GET_SIZE(list); i++) {
        PyObject *o = Py_NewRef(PyList_GET_ITEM(list, i));
        PyObject *func;
        int how = pym_sizing_resolve(st, Py_TYPE(o), &func), r = 0;
        Py_ssize_t n;
        Py_XINCREF(func);
        n = pym_sizing_getsizeof_with(st, o, how, func);
        Py_XDECREF(func);
        if (n < 0) {
            r = PyList_Append(failed, o);
        }
        else {
            total += n;
        }
        Py_DECREF(o);
        if (r < 0) {
            goto done;
        }
    }
    res = Py_BuildValue("(nO)", total, failed);
done:
    Py_XDECREF(list);
    Py_XDECREF(failed);
    return res;
}

static PyObject *
heap_size(PyObject *module, PyObject *objects)
{
    return heap_size_impl(pym_state_from_module(module), objects);
}

PyDoc_STRVAR(heap_filter_doc,
"heap_filter(objects, Type, min, max) -> list\n\n"
"Objects that are instances of Type (unless None), with getsizeof > min\n"
"(if min > -1) and < max (if max > -1).");

static PyObject *
heap_filter_impl(PymState *st, PyObject *objects, PyObject *type, Py_ssize_t lo, Py_ssize_t hi)
{
    PyObject *list = NULL, *res = NULL;
    Py_ssize_t i;
    list = PySequence_List(objects);
    res = list == NULL ? NULL : PyList_New(0);
    if (res == NULL) {
        goto error;
    }
    for (i = 0; i < PyList_GET_SIZE(list); i++) {
        PyObject *o = Py_NewRef(PyList_GET_ITEM(list, i));
        int keep = 1;
        if (type != Py_None) {
            keep = PyObject_IsInstance(o, type);
        }
        if (keep > 0 && (lo > -1 || hi > -1)) {
            Py_ssize_t n = pym_heap_getsizeof(st, o);
            keep = (lo <= -1 || n > lo) && (hi <= -1 || n < hi);
        }
        if (keep > 0 && PyList_Append(res, o) < 0) {
            keep = -1;
        }
        Py_DECREF(o);
        if (keep < 0) {
            goto error;
        }
    }
    Py_DECREF(list);
    return res;
error:
    Py_XDECREF(list);
    Py_XDECREF(res);
    return NULL;
}

static PyObject *
heap_filter(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t lo, hi;
    if (check_nargs("heap_filter", nargs, 4, 4) < 0) {
        return NULL;
    }
    lo = PyLong_AsSsize_t(args[2]);
    if (lo == -1 && PyErr_Occurred()) {
        return NULL;
    }
    hi = PyLong_AsSsize_t(args[3]);
    if (hi == -1 && PyErr_Occurred()) {
        return NULL;
    }
    return heap_filter_impl(pym_state_from_module(module), args[0], args[1], lo, hi);
}

PyDoc_STRVAR(heap_getsizeof_doc,
"heap_getsizeof(obj) -> int\n\n"
"sys.getsizeof(obj), or its basic size when its __sizeof__ fails.");

static PyObject *
heap_getsizeof(PyObject *module, PyObject *obj)
{
    return PyLong_FromSsize_t(pym_heap_getsizeof(pym_state_from_module(module), obj));
}

static PyMethodDef heap_functions[] = {
    {"heap_objects", (PyCFunction)(void (*)(void))heap_objects, METH_FASTCALL, heap_objects_doc},
    {"heap_summary", (PyCFunction)(void (*)(void))heap_summary, METH_FASTCALL, heap_summary_doc},
    {"heap_snapshot", (PyCFunction)(void (*)(void))heap_snapshot, METH_FASTCALL, heap_snapshot_doc},
    {"heap_snapshot_objects", (PyCFunction)(void (*)(void))heap_snapshot_objects, METH_FASTCALL,
     heap_snapshot_objects_doc},
    {"heap_snapshot_len", heap_snapshot_len, METH_O, heap_snapshot_len_doc},
    {"heap_diff", (PyCFunction)(void (*)(void))heap_diff, METH_FASTCALL, heap_diff_doc},
    {"heap_referents", (PyCFunction)(void (*)(void))heap_referents, METH_FASTCALL,
     heap_referents_doc},
    {"heap_size", heap_size, METH_O, heap_size_doc},
    {"heap_getsizeof", heap_getsizeof, METH_O, heap_getsizeof_doc},
    {"heap_filter", (PyCFunction)(void (*)(void))heap_filter, METH_FASTCALL, heap_filter_doc},
    {NULL, NULL, 0, NULL},
};

int
pym_heap_init(PyObject *module, PymState *st)
{
    (void)st;
    if (PyModule_AddFunctions(module, heap_functions) < 0) {
        return -1;
    }
    return pym_heap_aggregate_init(module);
}
