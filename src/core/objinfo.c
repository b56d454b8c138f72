/* objinfo.c -- facts about one object read statically, for the small
 * functions of pympler.asizeof (basicsize, itemsize, leng, Asized names).
 *
 * No Python code of the object, its class or its metaclass is looked up:
 * the type is Py_TYPE(obj) (whatever a __class__ property claims), its
 * facts are the C slots, and a name is an exact str that lives in a C
 * struct (classes, functions, builtins, descriptors, modules), a C getter
 * or slot of the object's type, or the object's own attribute storage
 * (read without materialising an instance dict).  Two limits: a C getter
 * of an extension type is C code we call (a Cython property may run more),
 * and a lookup of "__name__" in a dict whose keys are not all str can call
 * the __eq__ of a key with the same hash.
 * Python interface: pympler._core.typeslots / static_name.
 */
#include "pympler.h"

/* The __name__ of o when it can be read without running Python code:
 * a new reference to a str, Py_None when o has none that can be, or NULL
 * with an exception set (memory). */
static PyObject *
static_name(PyObject *o, int depth)
{
    PyObject *key = NULL, *descr, *v = NULL;
    PymInstanceAttrs a;
    PyTypeObject *tp = Py_TYPE(o);

    if (PyType_Check(o)) {
        PyTypeObject *t = (PyTypeObject *)o;
        const char *s;
        if (t->tp_flags & Py_TPFLAGS_HEAPTYPE) {
            return Py_NewRef(((PyHeapTypeObject *)t)->ht_name);
        }
        s = strrchr(t->tp_name, '.');
        return PyUnicode_FromString(s != NULL ? s + 1 : t->tp_name);
    }
    if (PyFunction_Check(o)) {
        return Py_NewRef(((PyFunctionObject *)o)->func_name);
    }
    if (PyCFunction_Check(o)) {
        return PyUnicode_FromString(((PyCFunctionObject *)o)->m_ml->ml_name);
    }
    if (PyMethod_Check(o)) {
        /* A bound method's __name__ is its function's; only one level, and
         * only for functions whose name is static themselves. */
        PyObject *f = PyMethod_GET_FUNCTION(o);
        if (depth == 0 && (PyFunction_Check(f) || PyCFunction_Check(f))) {
            return static_name(f, 1);
        }
        Py_RETURN_NONE;
    }
    if (PyModule_Check(o)) {
        PyObject *d = PyModule_GetDict(o);   /* borrowed, never NULL */
        v = PyDict_GetItemString(d, "__name__");   /* borrowed */
        if (v != NULL && PyUnicode_CheckExact(v)) {
            return Py_NewRef(v);
        }
        Py_RETURN_NONE;
    }
    if (Py_IS_TYPE(o, &PyMethodDescr_Type) || Py_IS_TYPE(o, &PyClassMethodDescr_Type)
        || Py_IS_TYPE(o, &PyWrapperDescr_Type) || Py_IS_TYPE(o, &PyGetSetDescr_Type)
        || Py_IS_TYPE(o, &PyMemberDescr_Type)) {
        return Py_NewRef(((PyDescrObject *)o)->d_name);
    }

    key = PyUnicode_InternFromString("__name__");
    if (key == NULL) {
        return NULL;
    }
    descr = _PyType_Lookup(tp, key);   /* borrowed, runs no code */
    if (descr != NULL
        && (Py_IS_TYPE(descr, &PyGetSetDescr_Type) || Py_IS_TYPE(descr, &PyMemberDescr_Type))) {
        /* A C getter (generators, coroutines, ...) or a __slots__ member:
         * C code that reads the object's own storage. */
        Py_INCREF(descr);
        v = Py_TYPE(descr)->tp_descr_get(descr, o, (PyObject *)tp);
        Py_DECREF(descr);
        if (v == NULL) {
            PyErr_Clear();
        }
        goto done;
    }
    if (descr != NULL && Py_TYPE(descr)->tp_descr_set != NULL) {
        goto done;   /* a property or other Python-level data descriptor */
    }
    pym_instance_attrs(o, &a);
    if (a.ia_dict != NULL && PyDict_Check(a.ia_dict)) {
        v = PyDict_GetItemWithError(a.ia_dict, key);   /* borrowed */
        if (v == NULL && PyErr_Occurred()) {
            goto error;
        }
        Py_XINCREF(v);
    }
    else if (a.ia_values != NULL) {
        Py_ssize_t i;
        for (i = 0; i < a.ia_capacity; i++) {
            PyObject *k = pym_instance_value_key(o, i);
            if (k == key
                || (k != NULL && PyUnicode_CheckExact(k) && PyUnicode_Compare(k, key) == 0)) {
                v = Py_XNewRef(a.ia_values[i]);
                break;
            }
        }
    }
    if (v == NULL && descr != NULL && PyUnicode_CheckExact(descr)) {
        v = Py_NewRef(descr);   /* a plain str class attribute */
    }
done:
    Py_DECREF(key);
    if (v != NULL && !PyUnicode_CheckExact(v)) {
        Py_CLEAR(v);
    }
    if (v == NULL) {
        Py_RETURN_NONE;
    }
    return v;
error:
    Py_DECREF(key);
    return NULL;
}

PyDoc_STRVAR(objinfo_static_name_doc,
"static_name(obj) -> str or None\n\n"
"obj's __name__ where it can be read without running Python code: the name\n"
"in the C struct of a class, function, builtin, method, descriptor or\n"
"module, a C getter or __slots__ member of obj's type, a str in obj's own\n"
"attribute storage or a str class attribute; None otherwise.");

PyObject *
pym_objinfo_static_name(PyObject *o)
{
    return static_name(o, 0);
}

static PyObject *
objinfo_static_name(PyObject *module, PyObject *obj)
{
    return static_name(obj, 0);
}

PyDoc_STRVAR(objinfo_typeslots_doc,
"typeslots(tp) -> (basicsize, itemsize, flags, name)\n\n"
"The C slots tp_basicsize, tp_itemsize, tp_flags and tp_name of the class\n"
"tp, read without asking its metaclass anything.");

static PyObject *
objinfo_typeslots(PyObject *module, PyObject *tp)
{
    PyTypeObject *t;
    if (!PyType_Check(tp)) {
        PyErr_Format(PyExc_TypeError, "typeslots() argument must be a class, not %s",
                     Py_TYPE(tp)->tp_name);
        return NULL;
    }
    t = (PyTypeObject *)tp;
    return Py_BuildValue("(nnks)", t->tp_basicsize, t->tp_itemsize, (unsigned long)t->tp_flags,
                         t->tp_name);
}

static PyMethodDef objinfo_functions[] = {
    {"static_name", objinfo_static_name, METH_O, objinfo_static_name_doc},
    {"typeslots", objinfo_typeslots, METH_O, objinfo_typeslots_doc},
    {NULL, NULL, 0, NULL},
};

int
pym_objinfo_init(PyObject *module, PymState *st)
{
    return PyModule_AddFunctions(module, objinfo_functions);
}
