/* sizing.c -- the size of one object.
 *
 * pym_sizing_getsizeof() returns what sys.getsizeof() would, but computes
 * the common builtins in C (no method lookup, no int object created) and
 * calls __sizeof__ only where a type defines its own:
 *   - a C method (e.g. deque.__sizeof__) is called through its PyMethodDef
 *     directly, with no bound method created; dict.__sizeof__ is replaced by
 *     the _PyDict_SizeOf it returns; a C method of an unrelated type (class
 *     X: __sizeof__ = list.__sizeof__) is called through its descriptor,
 *     which raises TypeError as in sys.getsizeof;
 *   - a Python function on the class is honoured (it may run any code), and
 *     so is a C method with another signature, through its descriptor;
 *   - anything else in that slot (None, a mock's magic proxy, a descriptor)
 *     is not called: the object gets its basic size.
 * When __sizeof__ raises or returns something that is not a non-negative
 * int, the result is -1 and no exception is left set: callers count the
 * object as missed and fall back to pym_sizing_basic().
 *
 * Python interface: pympler._core.getsizeof / basic (sizefuncs.c binds them);
 * the deep sizer and the heap summaries call these directly.
 */
#include "pympler.h"
#include "npy.h"

int
pym_sizing_resolve(PymState *st, PyTypeObject *tp, PyObject **func)
{
    PyObject *f;
    *func = NULL;
    if (tp == &PyLong_Type || tp == &PyBool_Type || tp == &PyFloat_Type || tp == &PyUnicode_Type
        || tp == &PyBytes_Type || tp == &PyTuple_Type || tp == &PyList_Type || tp == &PySet_Type
        || tp == &PyFrozenSet_Type || tp == &PyComplex_Type || tp == Py_TYPE(Py_None)
        || tp == &PyBaseObject_Type) {
        return PYM_SIZEOF_FAST;
    }
    f = _PyType_Lookup(tp, st->ms_str_sizeof);   /* borrowed, runs no code */
    *func = f;
    if (f == NULL) {
        return PYM_SIZEOF_NONE;
    }
    if (Py_IS_TYPE(f, &PyMethodDescr_Type)) {
        PyMethodDef *def = ((PyMethodDescrObject *)f)->d_method;
        if (def->ml_meth == st->ms_object_sizeof) {
            return PYM_SIZEOF_OBJECT;
        }
        if (!PyType_IsSubtype(tp, PyDescr_TYPE(f))) {
            /* Borrowed from an unrelated type (class X: __sizeof__ =
             * list.__sizeof__): its C function would read fields X does
             * not have.  Calling the descriptor raises TypeError, as in
             * sys.getsizeof, and the object counts as missed. */
            return PYM_SIZEOF_CALL;
        }
        if (def->ml_meth == st->ms_dict_sizeof) {
            return PYM_SIZEOF_DICT;
        }
        if ((def->ml_flags
             & (METH_VARARGS | METH_KEYWORDS | METH_O | METH_NOARGS | METH_FASTCALL | METH_METHOD))
            == METH_NOARGS) {
            return PYM_SIZEOF_CMETHOD;
        }
        /* Other C signatures (3.13 ctypes metatypes use METH_METHOD |
         * METH_FASTCALL | METH_KEYWORDS): sys.getsizeof calls them, so the
         * descriptor is called too. */
        return PYM_SIZEOF_CALL;
    }
    if (PyFunction_Check(f)) {
        return PYM_SIZEOF_CALL;
    }
    return PYM_SIZEOF_NONE;
}

/* object.__sizeof__: basic size plus items of a var-sized object. */
static inline Py_ssize_t
object_sizeof(PyObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    Py_ssize_t res = tp->tp_basicsize;
    if (tp->tp_itemsize > 0) {
        Py_ssize_t n = Py_SIZE(o);
        if (n < 0) {
            n = -n;
        }
        res += n * tp->tp_itemsize;
    }
    return res;
}

/* str.__sizeof__ (Objects/unicodeobject.c unicode___sizeof___impl). */
static Py_ssize_t
unicode_sizeof(PyObject *o)
{
    Py_ssize_t size;
    if (PyUnicode_IS_COMPACT_ASCII(o)) {
        size = (Py_ssize_t)sizeof(PyASCIIObject) + PyUnicode_GET_LENGTH(o) + 1;
    }
    else if (PyUnicode_IS_COMPACT(o)) {
        size = (Py_ssize_t)sizeof(PyCompactUnicodeObject)
               + (PyUnicode_GET_LENGTH(o) + 1) * PyUnicode_KIND(o);
    }
    else {
        size = (Py_ssize_t)sizeof(PyUnicodeObject);
        if (((PyUnicodeObject *)o)->data.any != NULL) {
            size += (PyUnicode_GET_LENGTH(o) + 1) * PyUnicode_KIND(o);
        }
    }
    if (!PyUnicode_IS_COMPACT_ASCII(o) && ((PyCompactUnicodeObject *)o)->utf8 != NULL) {
        size += ((PyCompactUnicodeObject *)o)->utf8_length + 1;
    }
#ifdef PYM_HAS_UNICODE_WSTR
    /* 3.9-3.11 may also cache a wchar_t copy (removed in 3.12). */
    {
        _Py_COMP_DIAG_PUSH
        _Py_COMP_DIAG_IGNORE_DEPR_DECLS
        PyASCIIObject *a = (PyASCIIObject *)o;
        if (a->wstr != NULL && !(PyUnicode_IS_COMPACT(o) && PyUnicode_KIND(o) == sizeof(wchar_t))
            && !(PyUnicode_IS_COMPACT_ASCII(o) && sizeof(wchar_t) == 1)) {
            Py_ssize_t wlen = PyUnicode_IS_COMPACT_ASCII(o)
                                  ? PyUnicode_GET_LENGTH(o)
                                  : ((PyCompactUnicodeObject *)o)->wstr_length;
            size += (wlen + 1) * (Py_ssize_t)sizeof(wchar_t);
        }
        _Py_COMP_DIAG_POP
    }
#endif
    return size;
}

/* The C computation for the types pym_sizing_resolve calls FAST. */
Py_ssize_t
pym_sizing_fast(PyObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    if (tp == &PyLong_Type || tp == &PyBool_Type) {
        return pym_long_sizeof(o);
    }
    if (tp == &PyUnicode_Type) {
        return unicode_sizeof(o);
    }
    if (tp == &PyList_Type) {
        return tp->tp_basicsize + ((PyListObject *)o)->allocated * (Py_ssize_t)sizeof(PyObject *);
    }
    if (tp == &PySet_Type || tp == &PyFrozenSet_Type) {
        PySetObject *so = (PySetObject *)o;
        Py_ssize_t res = tp->tp_basicsize;
        if (so->table != so->smalltable) {
            res += (so->mask + 1) * (Py_ssize_t)sizeof(setentry);
        }
        return res;
    }
    if (tp == &PyBytes_Type) {
        /* bytes.__sizeof__: header + length + terminating NUL. */
        return tp->tp_basicsize + Py_SIZE(o) * tp->tp_itemsize;
    }
    return object_sizeof(o);   /* tuple, float, complex, None, object */
}

/* Call a C __sizeof__ or a Python one; -1 on any failure (cleared). */
static Py_ssize_t
call_sizeof(PyObject *o, int how, PyObject *func)
{
    PyObject *res;
    Py_ssize_t n;
    if (how == PYM_SIZEOF_CMETHOD) {
        PyMethodDef *def = ((PyMethodDescrObject *)func)->d_method;
        res = def->ml_meth(o, NULL);
    }
    else {
        Py_INCREF(func);   /* the class attribute may be replaced by the call */
        res = PyObject_CallOneArg(func, o);
        Py_DECREF(func);
    }
    if (res == NULL) {
        PyErr_Clear();
        return -1;
    }
    if (!PyLong_Check(res)) {
        Py_DECREF(res);
        return -1;
    }
    n = PyLong_AsSsize_t(res);
    Py_DECREF(res);
    if (n < 0) {
        PyErr_Clear();
        return -1;
    }
    return n;
}

Py_ssize_t
pym_sizing_getsizeof_with(PymState *st, PyObject *o, int how, PyObject *func)
{
    Py_ssize_t n;
    (void)st;
    switch (how) {
    case PYM_SIZEOF_FAST:
        n = pym_sizing_fast(o);
        break;
    case PYM_SIZEOF_OBJECT:
    case PYM_SIZEOF_NONE:
        n = object_sizeof(o);
        break;
    case PYM_SIZEOF_DICT:
        /* dict.__sizeof__ without the call and its int; o is a dict (the
         * resolution checked that the type derives from dict). */
        n = _PyDict_SizeOf((PyDictObject *)o);
        break;
    default:
        n = call_sizeof(o, how, func);
        if (n < 0) {
            return -1;
        }
        break;
    }
    return n + pym_getsizeof_header(o);
}

Py_ssize_t
pym_sizing_getsizeof(PymState *st, PyObject *o)
{
    PyObject *func;
    int how = pym_sizing_resolve(st, Py_TYPE(o), &func);
    return pym_sizing_getsizeof_with(st, o, how, func);
}

Py_ssize_t
pym_sizing_basic(PyObject *o)
{
    return Py_TYPE(o)->tp_basicsize + pym_getsizeof_header(o);
}

Py_ssize_t
pym_sizing_split_dict_flat(PyObject *o, Py_ssize_t n, Py_ssize_t align)
{
#ifdef PYM_HAS_MANAGED_DICT
    Py_ssize_t counted, apart;
    if (pym_dict_split_values(o, &counted, &apart)
        && counted <= n - (Py_ssize_t)sizeof(PyDictObject)) {
        /* The values array is an allocation of its own: aligned apart, at
         * its real size. */
        return pym_align_up(n - counted, align) + pym_align_up(apart, align);
    }
#else
    (void)o;
#endif
    return pym_align_up(n, align);
}

PYM_NOINLINE Py_ssize_t
pym_sizing_npy_mapped(PyObject *o, double percent)
{
    PyTypeObject *nd = pym_npy_array_type(Py_TYPE(o));
    PymNpyArray *a = (PymNpyArray *)o;
    PyObject *key, *descr, *res;
    Py_ssize_t nbytes;
    double share;
    if (nd == NULL || a->na_base == NULL || (a->na_flags & PYM_NPY_ARRAY_OWNDATA)
        || strcmp(Py_TYPE(a->na_base)->tp_name, "mmap.mmap") != 0) {
        return 0;
    }
    /* numpy's own nbytes getter, looked up on numpy.ndarray itself (a
     * subclass's nbytes could be anything). */
    key = PyUnicode_InternFromString("nbytes");
    if (key == NULL) {
        PyErr_Clear();
        return 0;
    }
    descr = _PyType_Lookup(nd, key);   /* borrowed */
    Py_DECREF(key);
    if (descr == NULL || !Py_IS_TYPE(descr, &PyGetSetDescr_Type)
        || ((PyGetSetDescrObject *)descr)->d_getset->get == NULL) {
        return 0;
    }
    res = ((PyGetSetDescrObject *)descr)
              ->d_getset->get(o, ((PyGetSetDescrObject *)descr)->d_getset->closure);
    if (res == NULL) {
        PyErr_Clear();
        return 0;
    }
    nbytes = PyLong_Check(res) ? PyLong_AsSsize_t(res) : -1;
    Py_DECREF(res);
    if (nbytes <= 0) {
        PyErr_Clear();
        return 0;
    }
    share = (double)nbytes * percent / 100.0;
    nbytes = (Py_ssize_t)share;
    return (nbytes + PYM_NPY_PAGE_SIZE - 1) / PYM_NPY_PAGE_SIZE * PYM_NPY_PAGE_SIZE;
}
