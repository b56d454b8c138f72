/* san_canary.c -- a tiny extension with one deliberate ASan error and one
 * deliberate UBSan error.
 *
 * Not part of pympler.  .ci/run builds it with the sanitizer flags of
 * PYMPLER_BUILD=asan (see setup.py) and checks, under the very environment the
 * ASan test run uses, that ok() runs cleanly and that asan(8) and
 * ubsan(INT_MAX) each stop the interpreter with a non-zero exit and a report.
 * So a green ASan step means "no sanitizer report", never "reports ignored".
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>

static PyObject *
canary_ok(PyObject *module, PyObject *unused)
{
    return PyLong_FromLong(42);
}

/* asan(n): read byte n of an 8-byte heap block; n = 8 is a heap-buffer-overflow. */
static PyObject *
canary_asan(PyObject *module, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    if (n == -1 && PyErr_Occurred()) {
        return NULL;
    }
    char *block = calloc(8, 1);
    if (block == NULL) {
        return PyErr_NoMemory();
    }
    volatile char c = block[n];
    free(block);
    return PyLong_FromLong(c);
}

/* ubsan(x): x + 1 in int arithmetic; x = INT_MAX is signed overflow. */
static PyObject *
canary_ubsan(PyObject *module, PyObject *arg)
{
    long x = PyLong_AsLong(arg);
    if (x == -1 && PyErr_Occurred()) {
        return NULL;
    }
    volatile int y = (int)x;
    int z = y + 1;
    return PyLong_FromLong(z);
}

static PyMethodDef canary_methods[] = {
    {"ok", canary_ok, METH_NOARGS, NULL},
    {"asan", canary_asan, METH_O, NULL},
    {"ubsan", canary_ubsan, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef canary_module = {
    PyModuleDef_HEAD_INIT, "san_canary", NULL, -1, canary_methods,
};

PyMODINIT_FUNC
PyInit_san_canary(void)
{
    return PyModule_Create(&canary_module);
}
