/* sizer.c -- placeholder being written */
#include "pympler.h"

static PyObject *
core_getsizeof(PyObject *module, PyObject *obj)
{
    Py_ssize_t n = pym_sizing_getsizeof(pym_state_from_module(module), obj);
    if (n < 0) {
        n = pym_sizing_basic(obj);
    }
    return PyLong_FromSsize_t(n);
}

static PyMethodDef sizer_functions[] = {
    {"getsizeof", core_getsizeof, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

int
pym_sizer_init(PyObject *module, PymState *st)
{
    (void)st;
    return PyModule_AddFunctions(module, sizer_functions);
}
