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

/* The analysis of one measurement over the walk's result. */
typedef struct {
    PymPtrMap k_index;       /* object -> position in the walk's result */
    Py_ssize_t *k_refs;      /* per position: references from outside R */
    char *k_reach;           /* per position: reachable from outside */
    char *k_old;             /* per position: in the tracker's list */
    Py_ssize_t *k_stack;     /* positions whose referents are still to mark */
    Py_ssize_t k_sp;
} Track;

static void
track_clear(Track *T)
{
    pym_ptrmap_clear(&T->k_index);
    PyMem_RawFree(T->k_refs);
    PyMem_RawFree(T->k_reach);
    PyMem_RawFree(T->k_old);
    PyMem_RawFree(T->k_stack);
}

/* tp_traverse callback of step 2: a reference from inside R. */
static int
track_subtract(PyObject *r, void *arg)
{
    Track *T = (Track *)arg;
    Py_ssize_t *slot = pym_ptrmap_get(&T->k_index, r);
    if (slot != NULL) {
        T->k_refs[*slot]--;
    }
    return 0;
}

/* tp_traverse callback of step 3: r is reachable. */
static int
track_mark(PyObject *r, void *arg)
{
    Track *T = (Track *)arg;
    Py_ssize_t *slot = pym_ptrmap_get(&T->k_index, r);
    if (slot != NULL && !T->k_reach[*slot]) {
        T->k_reach[*slot] = 1;
        T->k_stack[T->k_sp++] = *slot;   /* each position is pushed once */
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
    size_t m = (size_t)(n > 0 ? n : 1);

    T->k_refs = (Py_ssize_t *)PyMem_RawMalloc(m * sizeof(Py_ssize_t));
    T->k_reach = (char *)PyMem_RawCalloc(m, 1);
    T->k_old = (char *)PyMem_RawCalloc(m, 1);
    T->k_stack = (Py_ssize_t *)PyMem_RawMalloc(m * sizeof(Py_ssize_t));
    if (T->k_refs == NULL || T->k_reach == NULL || T->k_old == NULL || T->k_stack == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (k = 0; k < n; k++) {
        PyObject *o = pym_walk_item(w, k);
        if (pym_ptrmap_setdefault(&T->k_index, o, k) < 0) {
            return -1;
        }
        T->k_refs[k] = Py_REFCNT(o) - 1;   /* the walk holds one reference */
    }
    if (old != NULL) {
        /* No code runs below: the borrowed items are stable. */
        for (k = 0; k < PyList_GET_SIZE(old); k++) {
            Py_ssize_t *slot = pym_ptrmap_get(&T->k_index, PyList_GET_ITEM(old, k));
            if (slot != NULL) {
                T->k_refs[*slot]--;
                T->k_old[*slot] = 1;
            }
        }
    }
    for (k = 0; k < n; k++) {
        if (track_traverse(pym_walk_item(w, k), track_subtract, T) < 0) {
            return -1;
        }
    }
    for (k = 0; k < n; k++) {
        if (T->k_refs[k] <= 0 || T->k_reach[k]) {
            continue;
        }
        T->k_reach[k] = 1;
        T->k_stack[0] = k;
        T->k_sp = 1;
        while (T->k_sp > 0) {
            Py_ssize_t j = T->k_stack[--T->k_sp];
            if (track_traverse(pym_walk_item(w, j), track_mark, T) < 0) {
                return -1;
            }
        }
    }
    return 0;
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
    pym_ptrmap_init(&T.k_index);
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
        nlive += T.k_reach[k];
    }
    new = PyList_New(nlive);
    added = PyList_New(0);
    removed = PyList_New(0);
    if (new == NULL || added == NULL || removed == NULL) {
        goto done;
    }
    for (k = 0, i = 0; k < n; k++) {
        PyObject *o = pym_walk_item(&w, k);
        if (!T.k_reach[k]) {
            continue;
        }
        PyList_SET_ITEM(new, i++, Py_NewRef(o));
        if (old != NULL && !T.k_old[k] && PyList_Append(added, o) < 0) {
            goto done;
        }
    }
    if (old != NULL) {
        /* PyList_Append runs no Python code: old is stable. */
        for (k = 0; k < PyList_GET_SIZE(old); k++) {
            PyObject *o = PyList_GET_ITEM(old, k);
            Py_ssize_t *slot = pym_ptrmap_get(&T.k_index, o);
            if ((slot == NULL || !T.k_reach[*slot]) && PyList_Append(removed, o) < 0) {
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
