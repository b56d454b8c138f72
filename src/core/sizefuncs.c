/* sizefuncs.c -- module functions about the size of one object:
 * pympler._core.getsizeof, basic and instance_storage (bindings of
 * sizing.c and compat.h).  Python interface: src/pympler/asizeof.py.
 */
#include "pympler.h"

PyDoc_STRVAR(core_getsizeof_doc,
"getsizeof(obj) -> int\n\nsys.getsizeof(obj), computed in C for builtins; the basic size when\n"
"obj's __sizeof__ fails.");

static PyObject *
core_getsizeof(PyObject *module, PyObject *obj)
{
    Py_ssize_t n = pym_sizing_getsizeof(pym_state_from_module(module), obj);
    if (n < 0) {
        n = pym_sizing_basic(obj);
    }
    return PyLong_FromSsize_t(n);
}

PyDoc_STRVAR(core_basic_doc,
"basic(obj) -> int\n\nThe basic size of obj: __basicsize__ plus the header sys.getsizeof adds.");

static PyObject *
core_basic(PyObject *module, PyObject *obj)
{
    return PyLong_FromSsize_t(pym_sizing_basic(obj));
}

PyDoc_STRVAR(core_instance_storage_doc,
"instance_storage(obj) -> (has_dict, n_values, storage)\n\n"
"How obj keeps its attributes, read without materialising anything:\n"
"whether a __dict__ exists, the number of un-materialised value slots and\n"
"the bytes of value storage not counted by sys.getsizeof (test aid).");

static PyObject *
core_instance_storage(PyObject *module, PyObject *obj)
{
    PymInstanceAttrs a;
    pym_instance_attrs(obj, &a);
    return Py_BuildValue("(Onn)", a.ia_dict != NULL ? Py_True : Py_False,
                         a.ia_values != NULL ? a.ia_capacity : (Py_ssize_t)0, a.ia_storage);
}

static PyMethodDef sizefuncs_functions[] = {
    {"getsizeof", core_getsizeof, METH_O, core_getsizeof_doc},
    {"basic", core_basic, METH_O, core_basic_doc},
    {"instance_storage", core_instance_storage, METH_O, core_instance_storage_doc},
    {NULL, NULL, 0, NULL},
};

int
pym_sizefuncs_init(PyObject *module)
{
    return PyModule_AddFunctions(module, sizefuncs_functions);
}
