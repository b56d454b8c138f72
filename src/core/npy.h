/* npy.h -- numpy arrays, read without importing numpy.
 *
 * A numpy array is recognised by its type: numpy.ndarray is a static type
 * whose tp_name is "numpy.ndarray" in numpy 1.x and 2.x, and every array
 * type (np.memmap, np.matrix, masked arrays, user subclasses) derives from
 * it.  If the program never imported numpy, no object has such a type, so
 * nothing here ever imports or calls numpy.  The fields read are numpy's
 * public ABI, unchanged from numpy 1.7 to 2.x: the start of
 * PyArrayObject_fields and of PyArray_Descr (up to type_num).  Included by
 * the files that classify, size and walk arrays.
 */
#ifndef PYM_NPY_H
#define PYM_NPY_H

#include "pympler.h"

#include <string.h>   /* strcmp, memcpy */

/* numpy/ndarraytypes.h, PyArrayObject_fields (prefix). */
typedef struct {
    PyObject_HEAD
    char *na_data;
    int na_nd;
    Py_ssize_t *na_dimensions;   /* npy_intp[nd] */
    Py_ssize_t *na_strides;      /* npy_intp[nd] */
    PyObject *na_base;
    PyObject *na_descr;          /* PyArray_Descr * */
    int na_flags;
} PymNpyArray;

/* PyArray_Descr (prefix, identical in numpy 1.x and 2.x). */
typedef struct {
    PyObject_HEAD
    PyTypeObject *nd_typeobj;
    char nd_kind;
    char nd_type;
    char nd_byteorder;
    char nd_flags1;
    int nd_type_num;
} PymNpyDescr;

#define PYM_NPY_OBJECT 17              /* NPY_OBJECT */
#define PYM_NPY_ARRAY_OWNDATA 0x0004   /* NPY_ARRAY_OWNDATA */
#define PYM_NPY_PAGE_SIZE 4096         /* memmaps: resident share rounded up to pages */

/* numpy.ndarray if tp is it or derives from it, else NULL. */
static inline PyTypeObject *
pym_npy_array_type(PyTypeObject *tp)
{
    for (; tp != NULL; tp = tp->tp_base) {
        if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE) && strcmp(tp->tp_name, "numpy.ndarray") == 0) {
            return tp;
        }
    }
    return NULL;
}

#define PYM_NPY_VOID 20                /* NPY_VOID: structured dtypes */

/* Address of element k (flat index, C order) of array o, or NULL past the
 * end.  Re-reads the array's shape every call. */
static inline char *
pym_npy_element(PyObject *o, Py_ssize_t k)
{
    PymNpyArray *a = (PymNpyArray *)o;
    Py_ssize_t off = 0;
    int i;
    if (a->na_data == NULL || k < 0) {
        return NULL;
    }
    for (i = a->na_nd - 1; i >= 0; i--) {
        Py_ssize_t n = a->na_dimensions[i];
        if (n <= 0) {
            return NULL;
        }
        off += (k % n) * a->na_strides[i];
        k /= n;
    }
    return k > 0 ? NULL : a->na_data + off;
}

/* The dtype type_num of array o. */
static inline int
pym_npy_type_num(PyObject *o)
{
    PymNpyDescr *d = (PymNpyDescr *)((PymNpyArray *)o)->na_descr;
    return d == NULL ? -1 : d->nd_type_num;
}

/* 1 if o is a numpy dtype (an instance of a type deriving from the static
 * numpy.dtype). */
static inline int
pym_npy_is_descr(PyObject *o)
{
    PyTypeObject *tp;
    for (tp = Py_TYPE(o); tp != NULL; tp = tp->tp_base) {
        if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE) && strcmp(tp->tp_name, "numpy.dtype") == 0) {
            return 1;
        }
    }
    return 0;
}

/* 1 if array o holds its elements itself (they are followed from it):
 * it owns its data, or its data lives in something that is not an array
 * (a view's elements are followed from the array it views). */
static inline int
pym_npy_holds_items(PyObject *o)
{
    PymNpyArray *a = (PymNpyArray *)o;
    return (a->na_flags & PYM_NPY_ARRAY_OWNDATA) || a->na_base == NULL
           || pym_npy_array_type(Py_TYPE(a->na_base)) == NULL;
}

#endif /* PYM_NPY_H */
