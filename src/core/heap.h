/* heap.h -- declarations shared by the heap layer (spec sections 3-5):
 * heapwalk.c (the walk), snapshot.c (ObjectTracker), heapfuncs.c (muppy and
 * summary functions) and aggregate.c (labels and per-label totals).
 */
#ifndef PYM_HEAP_H
#define PYM_HEAP_H

#include "pympler.h"

/* Each part registers its Python functions on the module (called from
 * module.c's exec).  0 / -1. */
int pym_heapfuncs_init(PyObject *module, PymState *st);
int pym_snapshot_init(PyObject *module, PymState *st);
int pym_aggregate_init(PyObject *module, PymState *st);
int pym_graph_init(PyObject *module, PymState *st);

/* Argument checks shared by the heap bindings: nargs in [lo, hi], else
 * TypeError naming the function.  0 / -1. */
static inline int
pym_heap_check_nargs(const char *name, Py_ssize_t nargs, Py_ssize_t lo, Py_ssize_t hi)
{
    if (nargs < lo || nargs > hi) {
        PyErr_Format(PyExc_TypeError, "%s() takes %zd to %zd arguments (%zd given)", name, lo, hi,
                     nargs);
        return -1;
    }
    return 0;
}

/* Argument i, or None when not given (borrowed). */
static inline PyObject *
pym_heap_arg(PyObject *const *args, Py_ssize_t nargs, Py_ssize_t i)
{
    return i < nargs ? args[i] : Py_None;
}

/* aggregate.c: per-label totals of (count, getsizeof).  A labeler maps each
 * object to a label index: per-type labels are computed once per type, in
 * C; per-object labels only for the types in l_special (or for all objects
 * when l_objlabel is set).  All Python callables are borrowed from the
 * label spec for the duration of one call. */
typedef struct PymHeapTypeRec PymHeapTypeRec;

typedef struct {
    Py_ssize_t h_count;
    Py_ssize_t h_size;
} PymHeapAcc;

typedef struct {
    PymState *l_state;
    PyObject *l_spec;            /* strong: the label spec tuple */
    PyObject *l_clean;           /* borrowed from l_spec: f(text) -> label */
    PyObject *l_applyrep;        /* borrowed: f(rep, obj) -> label */
    PyObject *l_special;         /* borrowed dict type -> rep, or NULL */
    PyObject *l_fastfunc;        /* borrowed: the function rep computed in C */
    PyObject *l_fastmodule;      /* borrowed: the module rep computed in C */
    PyObject *l_objlabel;        /* borrowed: f(obj) -> str for every object, or NULL */
    PyObject *l_at0x;            /* strong: " at 0x" */
    PyObject *l_str_name;        /* strong: "__name__" */
    PymPtrMap l_index;           /* type -> index into l_types */
    PymHeapTypeRec *l_types;
    Py_ssize_t l_ntypes;
    Py_ssize_t l_captypes;
    PyTypeObject *l_lasttype;    /* one-entry cache of the last type */
    Py_ssize_t l_lastidx;
    PyObject *l_labelidx;        /* strong dict label -> int index */
    PyObject **l_labels;         /* strong, l_nlabels of them */
    PymHeapAcc *l_accs;
    Py_ssize_t l_nlabels;
    Py_ssize_t l_caplabels;
} PymHeapLabeler;

/* sys.getsizeof(o), or the basic size when __sizeof__ fails.  Never fails. */
Py_ssize_t pym_heap_getsizeof(PymState *st, PyObject *o);

/* Set up L from spec = (clean, applyrep, special, fastfunc, fastmodule,
 * objlabel) (the last four may be None).  0 / -1. */
int pym_heap_labeler_init(PymHeapLabeler *L, PymState *st, PyObject *spec);
/* Release everything L holds; safe on a zeroed or half-initialised L. */
void pym_heap_labeler_clear(PymHeapLabeler *L);
/* Label o and add it to its label's totals: *label receives the label
 * index, *size its getsizeof (the basic size when __sizeof__ fails).  Never
 * fails because of o; 0, or -1 on memory errors and on exceptions that are
 * not Exception subclasses (KeyboardInterrupt). */
int pym_heap_labeler_add(PymHeapLabeler *L, PyObject *o, Py_ssize_t *label, Py_ssize_t *size);
/* New list of rows [label, count, size], one per label, in order of first
 * appearance. */
PyObject *pym_heap_labeler_rows(PymHeapLabeler *L);

#endif /* PYM_HEAP_H */
