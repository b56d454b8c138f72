/* snapshot.c -- ObjectTracker's measurements (spec section 5.2).
 *
 * The tracker holds the objects of its last measurement: a list of strong
 * references (`o0`).  At the next measurement the one heap walk (the
 * tracker's list ignored) finds every live object, and also every object
 * that is alive only because the list holds it -- the tracked ones are
 * still in the collector's lists.  Which is which is decided as the
 * collector decides what is garbage ("subtract internal references"),
 * applied to the walk's result R:
 *
 *   1. refs[x] = Py_REFCNT(x) - 1 (the walk's own reference) - the number
 *      of times the tracker's list holds x;
 *   2. for every y in R, each reference y -> x that tp_traverse visits
 *      with x in R: refs[x] -= 1;
 *   3. refs[x] > 0 means something outside R and outside the tracker's list
 *      refers to x (a frame, a C global, an ignored object, the caller):
 *      x is reachable, and so is everything reachable from it within R.
 *   4. an object of the list that the walk did not find (an untracked
 *      object referred to only from a running function's locals, which are
 *      not objects the walk visits on 3.11+, or by a frozen object) is
 *      alive when anything besides the list holds it (Py_REFCNT > 1), unless
 *      it is ignored (an ignored object of the list is reported removed).
 *
 * What stays unreachable is held only by the tracker's list, directly or
 * through other such objects (cycles among them included): those of the
 * list are the removed objects, the others (objects created since, reached
 * only through removed ones) are neither added nor kept.  Added = reachable
 * objects not in the list, by identity, exact because the list keeps its
 * objects alive.  The new list holds the reachable objects; the caller
 * drops the old one, which releases the removed objects once the caller's
 * result no longer holds them.
 *
 * No Python code runs between the walk and the end of the analysis, so
 * reference counts cannot change meanwhile.  A C object whose tp_traverse
 * visits a reference it does not own could make an object look unreachable:
 * it is then reported removed and released by the tracker, while whoever
 * owns it keeps it alive (never freed under anyone).
 *
 * Python interface: pympler._core.heap_track, used by
 * src/pympler/tracker.py (ObjectTracker).
 */
#include "heapwalk.h"

#include <string.h>   /* memset */

/* One object of the walk's result in the analysis table.  The table is
 * open-addressed and interleaved (one cache line per probe): the analysis
 * does a lookup for every reference of every live object, and the heap
 * is large. */
typedef struct {
    uintptr_t e_key;         /* the object's address; 0: empty slot */
    int32_t e_refs;          /* references from outside R (step 1-2), see TRACK_REFS_MAX */
    uint16_t e_reach;        /* reachable from outside (step 3) */
    uint16_t e_old;          /* in the tracker's list */
} TrackEntry;

/* Reference counts are capped here (16-byte entries): immortal objects
 * (3.12+) count about 2**30, and no object has that many referrers in
 * the heap, so a capped count stays > 0 after step 2 as the real one
 * would. */
#define TRACK_REFS_MAX ((Py_ssize_t)1 << 30)

/* The analysis of one measurement over the walk's result. */
typedef struct {
    TrackEntry *tt_table;
    size_t tt_mask;           /* tt_table has tt_mask + 1 slots */
    unsigned tt_shift;        /* 64 - log2(tt_mask + 1) */
    Py_ssize_t *tt_entry;     /* per position in R: its slot in tt_table */
    Py_ssize_t *tt_stack;     /* slots whose referents are still to mark */
    Py_ssize_t tt_sp;
} Track;

static void
track_clear(Track *T)
{
    PyMem_RawFree(T->tt_table);
    PyMem_RawFree(T->tt_entry);
    PyMem_RawFree(T->tt_stack);
}

/* First slot to probe for address a (Fibonacci hashing of a / 16: objects
 * are 16-byte aligned). */
static inline size_t
track_hash(const Track *T, uintptr_t a)
{
    return (size_t)(((uint64_t)(a >> 4) * 0x9E3779B97F4A7C15ULL) >> T->tt_shift);
}

/* The entry of o, or NULL when o is not in R. */
static inline TrackEntry *
track_find(const Track *T, PyObject *o)
{
    uintptr_t a = (uintptr_t)o;
    size_t j = track_hash(T, a);
    while (T->tt_table[j].e_key != 0) {
        if (T->tt_table[j].e_key == a) {
            return &T->tt_table[j];
        }
        j = (j + 1) & T->tt_mask;
    }
    return NULL;
}

/* tp_traverse callback of step 2: a reference from inside R. */
static int
track_subtract(PyObject *r, void *arg)
{
    TrackEntry *e = track_find((Track *)arg, r);
    if (e != NULL) {
        e->e_refs--;
    }
    return 0;
}

/* tp_traverse callback of step 3: r is reachable. */
static int
track_mark(PyObject *r, void *arg)
{
    Track *T = (Track *)arg;
    TrackEntry *e = track_find(T, r);
    if (e != NULL && !e->e_reach) {
        e->e_reach = 1;
        T->tt_stack[T->tt_sp++] = e - T->tt_table;   /* each entry is pushed once */
    }
    return 0;
}

/* Visit the references o owns (none for objects outside the collector). */
static int
track_traverse(PyObject *o, visitproc visit, Track *T)
{
    traverseproc trav = Py_TYPE(o)->tp_traverse;
    if (!PyObject_IS_GC(o) || trav == NULL) {
        return 0;
    }
    if (trav(o, visit, T) != 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_SystemError, "tp_traverse failed during the heap walk");
        }
        return -1;
    }
    return 0;
}

/* Steps 1-3 over the walk's result; old is the tracker's list (a list or
 * NULL).  0 / -1. */
static int
track_analyse(Track *T, PymWalk *w, PyObject *old)
{
    Py_ssize_t n = pym_walk_len(w), k;
    size_t size = 16, m = (size_t)(n > 0 ? n : 1);
    unsigned bits = 4;

    while (size < 2 * m) {
        size <<= 1;
        bits++;
    }
    T->tt_mask = size - 1;
    T->tt_shift = 64 - bits;
    T->tt_table = (TrackEntry *)PyMem_RawCalloc(size, sizeof(TrackEntry));
    T->tt_entry = (Py_ssize_t *)PyMem_RawMalloc(m * sizeof(Py_ssize_t));
    T->tt_stack = (Py_ssize_t *)PyMem_RawMalloc(m * sizeof(Py_ssize_t));
    if (T->tt_table == NULL || T->tt_entry == NULL || T->tt_stack == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (k = 0; k < n; k++) {
        PyObject *o = pym_walk_item(w, k);
        size_t j = track_hash(T, (uintptr_t)o);
        while (T->tt_table[j].e_key != 0) {   /* the walk lists each object once */
            j = (j + 1) & T->tt_mask;
        }
        T->tt_table[j].e_key = (uintptr_t)o;
        /* the walk holds one reference */
        T->tt_table[j].e_refs = (int32_t)Py_MIN((Py_ssize_t)Py_REFCNT(o) - 1, TRACK_REFS_MAX);
        T->tt_entry[k] = (Py_ssize_t)j;
    }
    if (old != NULL) {
        /* No code runs below: the borrowed items are stable. */
        for (k = 0; k < PyList_GET_SIZE(old); k++) {
            TrackEntry *e = track_find(T, PyList_GET_ITEM(old, k));
            if (e != NULL) {
                e->e_refs--;
                e->e_old = 1;
            }
        }
    }
    for (k = 0; k < n; k++) {
        if (track_traverse(pym_walk_item(w, k), track_subtract, T) < 0) {
            return -1;
        }
    }
    for (k = 0; k < n; k++) {
        TrackEntry *e = &T->tt_table[T->tt_entry[k]];
        if (e->e_refs <= 0 || e->e_reach) {
            continue;
        }
        e->e_reach = 1;
        T->tt_stack[0] = T->tt_entry[k];
        T->tt_sp = 1;
        while (T->tt_sp > 0) {
            Py_ssize_t j = T->tt_stack[--T->tt_sp];
            if (track_traverse((PyObject *)T->tt_table[j].e_key, track_mark, T) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

/* 1 if object k of the walk is live (after track_analyse). */
static inline int
track_live(const Track *T, Py_ssize_t k)
{
    return T->tt_table[T->tt_entry[k]].e_reach != 0;
}

PyDoc_STRVAR(heap_track_doc,
"heap_track(old=None, ignore=None) -> (new, added, removed)\n\n"
"One ObjectTracker measurement.  old: the list of the last measurement\n"
"(its objects held alive by it) or None; ignore: a tuple of objects\n"
"excluded and not traversed (old itself is excluded too).  new: the live\n"
"objects, in walk order; added: those of new not in old; removed: the\n"
"objects of old that are not live any more (nothing outside old reaches\n"
"them) or were not found, in the order of old.  Objects reached only\n"
"through removed ones are in none of the lists.");

static PyObject *
heap_track_impl(PyObject *old, PyObject *ignore)
{
    PymWalk w;
    Track T;
    PyObject *new = NULL, *added = NULL, *removed = NULL, *res = NULL;
    Py_ssize_t k, n, nlive = 0, i;

    memset(&T, 0, sizeof(T));
    pym_walk_init(&w, 1);
    if (old == Py_None) {
        old = NULL;
    }
    else if (!PyList_Check(old)) {
        PyErr_Format(PyExc_TypeError, "heap_track(): old must be a list or None, not %.100s",
                     Py_TYPE(old)->tp_name);
        goto done;
    }
    if ((old != NULL && pym_walk_ignore(&w, old) < 0) || pym_walk_add_ignore(&w, ignore) < 0
        || pym_walk_run(&w) < 0 || track_analyse(&T, &w, old) < 0) {
        goto done;
    }
    n = pym_walk_len(&w);
    for (k = 0; k < n; k++) {
        nlive += track_live(&T, k);
    }
    new = PyList_New(nlive);
    added = PyList_New(0);
    removed = PyList_New(0);
    if (new == NULL || added == NULL || removed == NULL) {
        goto done;
    }
    for (k = 0, i = 0; k < n; k++) {
        PyObject *o = pym_walk_item(&w, k);
        if (!track_live(&T, k)) {
            continue;
        }
        PyList_SET_ITEM(new, i++, Py_NewRef(o));
        if (old != NULL && !T.tt_table[T.tt_entry[k]].e_old && PyList_Append(added, o) < 0) {
            goto done;
        }
    }
    if (old != NULL) {
        /* PyList_Append runs no Python code: old is stable. */
        for (k = 0; k < PyList_GET_SIZE(old); k++) {
            PyObject *o = PyList_GET_ITEM(old, k);
            TrackEntry *e = track_find(&T, o);
            if (e == NULL && Py_REFCNT(o) > 1 && !pym_idset_contains(&w.w_ignore, o)) {
                /* Not found by the walk, yet held by more than the
                 * tracker's list: an untracked object that only a running
                 * function's local variables (or a frozen object, or C
                 * code) refer to.  Still alive: kept, in neither list. */
                if (PyList_Append(new, o) < 0) {
                    goto done;
                }
                continue;
            }
            if ((e == NULL || !e->e_reach) && PyList_Append(removed, o) < 0) {
                goto done;
            }
        }
    }
    res = PyTuple_Pack(3, new, added, removed);

done:
    track_clear(&T);
    Py_XDECREF(new);
    Py_XDECREF(added);
    Py_XDECREF(removed);
    pym_walk_clear(&w);   /* may run finalisers: the analysis is done */
    return res;
}

static PyObject *
heap_track(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (pym_heap_check_nargs("heap_track", nargs, 0, 2) < 0) {
        return NULL;
    }
    return heap_track_impl(pym_heap_arg(args, nargs, 0), pym_heap_arg(args, nargs, 1));
}

static PyMethodDef snapshot_functions[] = {
    {"heap_track", (PyCFunction)(void (*)(void))heap_track, METH_FASTCALL, heap_track_doc},
    {NULL, NULL, 0, NULL},
};

/* Register the snapshot functions on the module.  0 / -1. */
int
pym_snapshot_init(PyObject *module, PymState *st)
{
    (void)st;
    return PyModule_AddFunctions(module, snapshot_functions);
}
