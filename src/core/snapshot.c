/* snapshot.c -- heap snapshots for ObjectTracker (spec section 5.2).
 *
 * Snapshots keep no strong reference to the objects: per object its
 * address, type, size, label index, and a weak reference when its type
 * supports them (fresh ones are untracked: a weakref without a callback has
 * no referents, and this keeps the bookkeeping out of every later walk).
 * An object of the previous snapshot "is" a live object when address and
 * type agree and its weak reference, if any, still points to it; see
 * docs/heap.md for what this cannot tell apart.
 *
 * Python interface: pympler._core.heap_snapshot, heap_snapshot_objects,
 * heap_snapshot_len, used by src/pympler/tracker.py.
 */
#include "heapwalk.h"

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
"PymWalk the heap (ignoring ignore, the old snapshot and the label spec) and\n"
"record each object's address, type, size and label without keeping it\n"
"alive.  With old: added = live objects not in old; removed = objects of\n"
"old not found any more that are still alive (weak-referenceable ones);\n"
"removed_rows = summary rows of every object of old not found any more.");

static PyObject *
heap_snapshot_impl(PymState *st, PyObject *spec, PyObject *ignore, PyObject *py_old)
{
    PymWalk w;
    PymHeapLabeler L;
    Snapshot *S = NULL, *old = NULL;
    char *matched = NULL;
    Py_ssize_t *cnt = NULL, *sz = NULL;
    PyObject *added = NULL, *removed = NULL, *rows = NULL, *capsule = NULL, *res = NULL;
    Py_ssize_t k, n, j, label, size;
    int fatal;

    pym_walk_init(&w, 1);
    if (pym_heap_labeler_init(&L, st, spec) < 0 || pym_walk_ignore_labeler(&w, &L) < 0
        || pym_walk_add_ignore(&w, ignore) < 0) {
        goto done;
    }
    if (py_old != NULL && py_old != Py_None) {
        old = snapshot_get(py_old);
        if (old == NULL || pym_walk_ignore(&w, py_old) < 0) {
            goto done;
        }
        matched = (char *)PyMem_RawCalloc((size_t)old->s_len + 1, 1);
        if (matched == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    }
    if (pym_walk_run(&w) < 0) {
        goto done;
    }
    n = pym_walk_len(&w);
    S = snapshot_new(n);
    added = PyList_New(0);
    removed = PyList_New(0);
    rows = PyList_New(0);
    if (S == NULL || added == NULL || removed == NULL || rows == NULL) {
        goto done;
    }
    for (k = 0; k < n; k++) {
        PyObject *o = pym_walk_item(&w, k);   /* held by the walk */
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
    pym_walk_clear(&w);
    pym_heap_labeler_clear(&L);
    return res;
}

static PyObject *
heap_snapshot(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (pym_heap_check_nargs("heap_snapshot", nargs, 1, 3) < 0) {
        return NULL;
    }
    return heap_snapshot_impl(pym_state_from_module(module), args[0], pym_heap_arg(args, nargs, 1),
                              pym_heap_arg(args, nargs, 2));
}

PyDoc_STRVAR(heap_snapshot_objects_doc,
"heap_snapshot_objects(snapshot, ignore=None) -> list\n\n"
"The objects of the snapshot that are still alive and found by a heap walk.");

static PyObject *
heap_snapshot_objects_impl(PyObject *py_snap, PyObject *ignore)
{
    PymWalk w;
    Snapshot *S;
    PyObject *res = NULL;
    Py_ssize_t k, n;

    pym_walk_init(&w, 1);
    S = snapshot_get(py_snap);
    if (S == NULL || pym_walk_ignore(&w, py_snap) < 0 || pym_walk_add_ignore(&w, ignore) < 0
        || pym_walk_run(&w) < 0) {
        goto done;
    }
    res = PyList_New(0);
    if (res == NULL) {
        goto done;
    }
    n = pym_walk_len(&w);
    for (k = 0; k < n; k++) {
        PyObject *o = pym_walk_item(&w, k);
        if (snapshot_match(S, o) >= 0 && PyList_Append(res, o) < 0) {
            Py_CLEAR(res);
            goto done;
        }
    }
done:
    pym_walk_clear(&w);
    return res;
}

static PyObject *
heap_snapshot_objects(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (pym_heap_check_nargs("heap_snapshot_objects", nargs, 1, 2) < 0) {
        return NULL;
    }
    return heap_snapshot_objects_impl(args[0], pym_heap_arg(args, nargs, 1));
}

PyDoc_STRVAR(heap_snapshot_len_doc,
"heap_snapshot_len(snapshot) -> int\n\nNumber of objects recorded in the snapshot.");

static PyObject *
heap_snapshot_len(PyObject *module, PyObject *py_snap)
{
    Snapshot *S = snapshot_get(py_snap);
    return S == NULL ? NULL : PyLong_FromSsize_t(S->s_len);
}

static PyMethodDef snapshot_functions[] = {
    {"heap_snapshot", (PyCFunction)(void (*)(void))heap_snapshot, METH_FASTCALL, heap_snapshot_doc},
    {"heap_snapshot_objects", (PyCFunction)(void (*)(void))heap_snapshot_objects, METH_FASTCALL,
     heap_snapshot_objects_doc},
    {"heap_snapshot_len", heap_snapshot_len, METH_O, heap_snapshot_len_doc},
    {NULL, NULL, 0, NULL},
};

/* Register the snapshot functions on the module.  0 / -1. */
int
pym_snapshot_init(PyObject *module, PymState *st)
{
    (void)st;
    return PyModule_AddFunctions(module, snapshot_functions);
}
