/* heapwalk.h -- the heap walk (heapwalk.c), shared by the files that
 * report on it: heapfuncs.c (muppy, summaries) and snapshot.c
 * (ObjectTracker).  Not part of the rest of the engine: only heap files
 * include it.
 */
#ifndef PYM_HEAPWALK_H
#define PYM_HEAPWALK_H

#include "heap.h"

/* ---- a vector of strong references --------------------------------------- */

typedef struct {
    PyObject **v_items;      /* strong */
    Py_ssize_t v_len;
    Py_ssize_t v_cap;
} PymObjVec;

/* Make room for at least cap items.  0 / -1. */
int pym_objvec_reserve(PymObjVec *v, Py_ssize_t cap);

/* Append o, with a new reference, or with the one in *slot when slot is
 * not NULL (the slot is emptied: the reference moves).  0 / -1. */
static inline int
pym_objvec_take(PymObjVec *v, PyObject *o, PyObject **slot)
{
    if (v->v_len == v->v_cap && pym_objvec_reserve(v, v->v_cap ? v->v_cap * 2 : 1024) < 0) {
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
pym_objvec_push(PymObjVec *v, PyObject *o)
{
    return pym_objvec_take(v, o, NULL);
}

/* Release every reference and the storage (may run finalisers: the vector
 * is detached first). */
void pym_objvec_clear(PymObjVec *v);

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
    PymObjVec w_untracked;   /* result, first part */
    PymObjVec w_tracked;     /* result, second part */
    PymObjVec w_deferred;    /* candidates, decided once every mark is in */
    PyObject *w_objs;        /* strong, untracked: what remains of the gc list */
    /* remove_dups=False: referents of the current container, deduplicated
     * within it (borrowed until flushed) */
    PyObject **w_cbuf;
    Py_ssize_t w_clen;
    Py_ssize_t w_ccap;
    PymIdSet w_cset;
    int w_cseton;
    /* graph.c: every edge (w_cur -> referent) of a traversed object goes to
     * w_hook first (no Python code may run there); with w_frames, frames
     * are reported and traversed like other objects (and collected in
     * w_framevec, strong) */
    int (*w_hook)(PyObject *container, PyObject *r, void *arg);
    void *w_hookarg;
    PyObject *w_cur;         /* borrowed: the object being traversed */
    int w_frames;
    PymObjVec w_framevec;
} PymWalk;

/* Set up an empty walk; dedup = remove_dups. */
void pym_walk_init(PymWalk *w, int dedup);
/* Release everything the walk holds (may run finalisers). */
void pym_walk_clear(PymWalk *w);
/* Exclude o from the walk (not reported, not traversed).  0 / -1. */
int pym_walk_ignore(PymWalk *w, PyObject *o);

/* ignore: a tuple (the tuple itself and its items are ignored) or None. */
int pym_walk_add_ignore(PymWalk *w, PyObject *t);

/* neutral: a tuple of objects whose references are not "outside"; their
 * instance dicts are neutral too. */
int pym_walk_add_neutral(PymWalk *w, PyObject *t);

/* candidates: a tuple of roots.  A dict root contributes its keys (leaves)
 * and values (summaries); any other root is a summary. */
int pym_walk_add_candidates(PymWalk *w, PyObject *t);

/* Enumerate the live objects into w->w_untracked and w->w_tracked.
 * 0 / -1.
 *
 * With PyUnstable_GC_VisitObjects (3.12+) the tracked objects are visited
 * in place: the collector is paused, our callback allocates no GC object
 * (the vectors and sets use the raw allocator) and runs no Python code, so
 * the collector's lists stay as they are.  Before 3.12 the walk goes over
 * the list gc.get_objects() returns, moving its references out. */
int pym_walk_run(PymWalk *w);

/* Number of objects the walk found. */
static inline Py_ssize_t
pym_walk_len(PymWalk *w)
{
    return w->w_untracked.v_len + w->w_tracked.v_len;
}

/* The walk's result as a new list.  The references are moved from the
 * vectors, so building the list touches no object. */
PyObject *pym_walk_result_list(PymWalk *w);

/* Object k of the walk's result (borrowed; held by the walk). */
static inline PyObject *
pym_walk_item(PymWalk *w, Py_ssize_t k)
{
    Py_ssize_t nu = w->w_untracked.v_len;
    return k < nu ? w->w_untracked.v_items[k] : w->w_tracked.v_items[k - nu];
}

/* Ignore the objects a label spec brings into the heap for one call. */
int pym_walk_ignore_labeler(PymWalk *w, PymHeapLabeler *L);

/* graph.c: a label for the edge o -> c (gp: the object before o on a
 * path, or NULL): new str, or NULL with no exception when the engine has
 * no name for it.  Reads structures only: no user code runs. */
PyObject *pym_graph_edge_label(PymState *st, PyObject *gp, PyObject *o, PyObject *c);
/* graph.c: the labels of every edge o -> targets[i] at once (out[i]: a new
 * str or NULL; out zeroed by the caller), in O(n) for big containers.
 * 0 / -1 (exception set, out cleared). */
int pym_graph_label_edges(PymState *st, PyObject *o, PyObject *const *targets, Py_ssize_t n,
                          PyObject **out);

#endif /* PYM_HEAPWALK_H */
