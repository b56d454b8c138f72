/* leaks.c -- the objects of selected types that appeared between two
 * moments, without holding the older ones alive: heap_select (used by
 * src/pympler/pytest_plugin.py, the no_leaks check).
 *
 * The first call records (address, type) pairs of the selected objects in a
 * bytes object (no reference to any of them); the second call lists the
 * selected objects whose pair is not in that record.  An object that died
 * and whose memory went to a new object of the same type is taken for the
 * old one: the check can miss such an object, never report an old one.
 */
#include "heapwalk.h"

typedef struct {
    uintptr_t lk_addr;
    uintptr_t lk_type;
} PymLeakKey;

static int
leak_key_cmp(const void *a, const void *b)
{
    const PymLeakKey *x = (const PymLeakKey *)a, *y = (const PymLeakKey *)b;
    if (x->lk_addr != y->lk_addr) {
        return x->lk_addr < y->lk_addr ? -1 : 1;
    }
    if (x->lk_type != y->lk_type) {
        return x->lk_type < y->lk_type ? -1 : 1;
    }
    return 0;
}

/* Whether objects of type tp are selected: pred(tp), called once per type
 * (the verdicts are cached in verdict; held keeps each asked type alive so
 * that its address stays a valid key).  1 / 0 / -1. */
static int
leak_select_type(PyObject *pred, PymPtrMap *verdict, PyObject *held, PyTypeObject *tp)
{
    Py_ssize_t *slot = pym_ptrmap_get(verdict, tp);
    PyObject *r;
    int keep;
    if (slot != NULL) {
        return *slot == 1;
    }
    if (PyList_Append(held, (PyObject *)tp) < 0) {
        return -1;
    }
    r = PyObject_CallOneArg(pred, (PyObject *)tp);
    if (r == NULL) {
        return -1;
    }
    keep = PyObject_IsTrue(r);
    Py_DECREF(r);
    if (keep < 0 || pym_ptrmap_setdefault(verdict, tp, keep ? 1 : 2) < 0) {
        return -1;
    }
    return keep;
}

PyDoc_STRVAR(heap_select_doc,
"heap_select(pred, before=None, ignore=None) -> bytes | list\n\n"
"Walk the live objects (as heap_objects(True, ignore) lists them) and keep\n"
"those whose real type satisfies pred(type) (called once per type).\n"
"Without before: a record of the kept objects' (address, type) pairs, as\n"
"bytes, holding no reference.  With such a record: the list of kept objects\n"
"that are not in it.  Does not collect garbage first.");

static PyObject *
heap_select_impl(PyObject *pred, PyObject *before, PyObject *ignore)
{
    PymWalk w;
    PymPtrMap verdict;
    PyObject *held = NULL, *res = NULL;
    PymLeakKey *keys = NULL;
    const PymLeakKey *old = NULL;
    Py_ssize_t k, n, nkeys = 0, nold = 0;

    pym_walk_init(&w, 1);
    pym_ptrmap_init(&verdict);
    if (!PyCallable_Check(pred)) {
        PyErr_Format(PyExc_TypeError, "heap_select(): pred must be callable, not %.100s",
                     Py_TYPE(pred)->tp_name);
        goto done;
    }
    if (before != Py_None) {
        if (!PyBytes_CheckExact(before)
            || PyBytes_GET_SIZE(before) % (Py_ssize_t)sizeof(PymLeakKey) != 0) {
            PyErr_SetString(PyExc_TypeError,
                            "heap_select(): before must be a record made by heap_select");
            goto done;
        }
        old = (const PymLeakKey *)PyBytes_AS_STRING(before);
        nold = PyBytes_GET_SIZE(before) / (Py_ssize_t)sizeof(PymLeakKey);
    }
    held = PyList_New(0);
    if (held == NULL || pym_walk_add_ignore(&w, ignore) < 0
        || (before != Py_None && pym_walk_ignore(&w, before) < 0) || pym_walk_run(&w) < 0) {
        goto done;
    }
    n = pym_walk_len(&w);
    if (before == Py_None) {
        keys = PyMem_RawMalloc(sizeof(PymLeakKey) * (size_t)(n > 0 ? n : 1));
        if (keys == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    }
    else if ((res = PyList_New(0)) == NULL) {
        goto done;
    }
    for (k = 0; k < n; k++) {
        PyObject *o = pym_walk_item(&w, k);
        PymLeakKey key;
        int keep = leak_select_type(pred, &verdict, held, Py_TYPE(o));
        if (keep < 0) {
            Py_CLEAR(res);
            goto done;
        }
        if (!keep) {
            continue;
        }
        key.lk_addr = (uintptr_t)o;
        key.lk_type = (uintptr_t)Py_TYPE(o);
        if (keys != NULL) {
            keys[nkeys++] = key;
        }
        else if ((nold == 0
                  || bsearch(&key, old, (size_t)nold, sizeof(PymLeakKey), leak_key_cmp) == NULL)
                 && PyList_Append(res, o) < 0) {
            Py_CLEAR(res);
            goto done;
        }
    }
    if (keys != NULL) {
        qsort(keys, (size_t)nkeys, sizeof(PymLeakKey), leak_key_cmp);
        res = PyBytes_FromStringAndSize((const char *)keys, (Py_ssize_t)sizeof(PymLeakKey) * nkeys);
    }
done:
    PyMem_RawFree(keys);
    pym_ptrmap_clear(&verdict);
    Py_XDECREF(held);
    pym_walk_clear(&w);   /* may run finalisers: the result is complete */
    return res;
}

static PyObject *
heap_select(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (pym_heap_check_nargs("heap_select", nargs, 1, 3) < 0) {
        return NULL;
    }
    return heap_select_impl(args[0], pym_heap_arg(args, nargs, 1), pym_heap_arg(args, nargs, 2));
}

static PyMethodDef leaks_functions[] = {
    {"heap_select", (PyCFunction)(void (*)(void))heap_select, METH_FASTCALL, heap_select_doc},
    {NULL, NULL, 0, NULL},
};

/* Register the leak-check functions on the module.  0 / -1. */
int
pym_leaks_init(PyObject *module, PymState *st)
{
    (void)st;
    return PyModule_AddFunctions(module, leaks_functions);
}
