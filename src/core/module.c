/* module.c -- PyInit for pympler._core: module state and the exec slot.
 *
 * The only file that knows all the parts.  Each part (sizer.c, heapfuncs.c, ...)
 * adds its own functions and types from its pym_<part>_init(); the Python
 * interface lives in src/pympler/.  See docs/internals.md.
 */
#include "pympler.h"
#include "heap.h"       /* the heap parts' init functions */

PymState *
pym_state_from_module(PyObject *module)
{
    return (PymState *)PyModule_GetState(module);
}

static int
intern_into(PyObject **slot, const char *text)
{
    *slot = PyUnicode_InternFromString(text);
    return *slot == NULL ? -1 : 0;
}

/* Find the C function of tp.__sizeof__ (object's, dict's), so that types
 * which inherit it can be sized without a call.  0 / -1. */
static int
find_sizeof(PymState *st, PyTypeObject *tp, PyCFunction *out)
{
    PyObject *descr = _PyType_Lookup(tp, st->ms_str_sizeof);  /* borrowed */
    if (descr == NULL || !Py_IS_TYPE(descr, &PyMethodDescr_Type)) {
        PyErr_Format(PyExc_RuntimeError, "%s.__sizeof__ is not a method descriptor", tp->tp_name);
        return -1;
    }
    *out = ((PyMethodDescrObject *)descr)->d_method->ml_meth;
    return 0;
}

/* Find the tp_dealloc every class statement installs (subtype_dealloc),
 * which tells ordinary Python classes from C types.  0 / -1. */
static int
find_subtype_dealloc(PymState *st)
{
    PyObject *cls = PyObject_CallFunction((PyObject *)&PyType_Type, "s()N", "_pym_probe",
                                          PyDict_New());
    if (cls == NULL) {
        return -1;
    }
    st->ms_subtype_dealloc = ((PyTypeObject *)cls)->tp_dealloc;
    Py_DECREF(cls);
    return 0;
}

static int
module_exec(PyObject *module)
{
    PymState *st = pym_state_from_module(module);
    if (intern_into(&st->ms_str_sizeof, "__sizeof__") < 0
        || intern_into(&st->ms_str_items, "items") < 0
        || intern_into(&st->ms_str_module, "__module__") < 0 || intern_into(&st->ms_str_K, "K") < 0
        || intern_into(&st->ms_str_V, "V") < 0) {
        return -1;
    }
    if (find_sizeof(st, &PyBaseObject_Type, &st->ms_object_sizeof) < 0
        || find_sizeof(st, &PyDict_Type, &st->ms_dict_sizeof) < 0 || find_subtype_dealloc(st) < 0) {
        return -1;
    }
    if (pym_sizer_init(module, st) < 0 || pym_sizefuncs_init(module) < 0) {
        return -1;
    }
    if (pym_heapfuncs_init(module, st) < 0 || pym_snapshot_init(module, st) < 0
        || pym_aggregate_init(module, st) < 0 || pym_graph_init(module, st) < 0) {
        return -1;
    }
    if (pym_objinfo_init(module, st) < 0) {
        return -1;
    }
    if (PyModule_AddIntConstant(module, "GC_HEADER_SIZE", (long)PYM_GC_HEAD_SIZE) < 0) {
        return -1;
    }
    return 0;
}

static int
module_traverse(PyObject *module, visitproc visit, void *arg)
{
    PymState *st = pym_state_from_module(module);
    Py_VISIT(st->ms_sizer_type);
    Py_VISIT(st->ms_str_sizeof);
    Py_VISIT(st->ms_str_items);
    Py_VISIT(st->ms_str_module);
    Py_VISIT(st->ms_str_K);
    Py_VISIT(st->ms_str_V);
    return 0;
}

static int
module_clear(PyObject *module)
{
    PymState *st = pym_state_from_module(module);
    Py_CLEAR(st->ms_sizer_type);
    Py_CLEAR(st->ms_str_sizeof);
    Py_CLEAR(st->ms_str_items);
    Py_CLEAR(st->ms_str_module);
    Py_CLEAR(st->ms_str_K);
    Py_CLEAR(st->ms_str_V);
    return 0;
}

static void
module_free(void *module)
{
    (void)module_clear((PyObject *)module);
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, module_exec},
#ifdef Py_mod_multiple_interpreters
    /* Refused until tested in them (3.12+ keeps static types' dicts per interpreter). */
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
#endif
    {0, NULL},
};

PyDoc_STRVAR(module_doc, "C engine of pympler: sizing, traversal and heap enumeration.");

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT,      .m_name = "pympler._core", .m_doc = module_doc,
    .m_size = sizeof(PymState), .m_slots = module_slots,   .m_traverse = module_traverse,
    .m_clear = module_clear,    .m_free = module_free,
};

PyMODINIT_FUNC
PyInit__core(void)
{
    return PyModuleDef_Init(&core_module);
}
