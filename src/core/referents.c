/* referents.c -- the referents the sizer follows for the object kinds that
 * are collected up front (PYM_K_ARRAY): classes, functions, methods, code,
 * cells, generators, frames, exceptions, tracebacks, weak references,
 * properties, struct sequences, dict-likes and other C containers.
 *
 * Containers walked lazily (list, tuple, dict, set, instances) are in
 * cursor.c.  Rules and names follow docs/sizing.md (spec API.md section
 * 2.1).  Everything here reads object structures directly: no attribute is
 * fetched from an instance, so hostile __getattr__/__class__ are never run.
 * The one exception is a dict-like registered with adict() or inferred,
 * whose items() method is called, as the user asked for.
 * Python interface: Sizer.referents (sizer.c), asizeof.refs/named_refs.
 */
#include "pympler.h"

#include <string.h>   /* memset */

int
pym_refarray_append(PymRefArray *a, PyObject *obj, PyObject *key, const char *cstr, int kind)
{
    PymRef *r;
    if (obj == NULL) {
        return 0;
    }
    if (a->a_len == a->a_cap) {
        Py_ssize_t ncap = a->a_cap ? a->a_cap * 2 : 8;
        PymRef *items = (PymRef *)PyMem_RawRealloc(a->a_items, (size_t)ncap * sizeof(PymRef));
        if (items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        a->a_items = items;
        a->a_cap = ncap;
    }
    r = &a->a_items[a->a_len++];
    r->r_obj = Py_NewRef(obj);
    r->r_key = key;
    Py_XINCREF(key);
    r->r_cstr = cstr;
    r->r_kind = kind;
    r->r_owned = 0;
    return 0;
}

void
pym_refarray_free(PymRefArray *a)
{
    Py_ssize_t i;
    if (a == NULL) {
        return;
    }
    for (i = 0; i < a->a_len; i++) {
        Py_CLEAR(a->a_items[i].r_obj);
        Py_CLEAR(a->a_items[i].r_key);
    }
    PyMem_RawFree(a->a_items);
    memset(a, 0, sizeof(*a));
}

static int
add_named(PymRefArray *a, const char *name, PyObject *obj)
{
    return pym_refarray_append(a, obj, NULL, name, PYM_NAME_CSTR);
}

/* tp_traverse visits the references its object owns. */
static int
visit_append(PyObject *o, void *arg)
{
    PymRefArray *a = (PymRefArray *)arg;
    if (pym_refarray_append(a, o, NULL, NULL, PYM_NAME_NONE) < 0) {
        return -1;
    }
    a->a_items[a->a_len - 1].r_owned = 1;
    return 0;
}

/* What tp_traverse of tp visits in o.  0 / -1. */
static int
collect_traverse(PyTypeObject *tp, PyObject *o, PymRefArray *a)
{
    if (tp->tp_traverse == NULL || !PyType_IS_GC(tp)) {
        return 0;
    }
    if (tp->tp_traverse(o, visit_append, a) != 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_RuntimeError, "tp_traverse failed");
        }
        return -1;
    }
    return 0;
}

/* __doc__, __name__ and __code__ of a Python function (for functions,
 * methods, classmethods and staticmethods). */
static int
function_parts(PyObject *func, PymRefArray *a, int with_closure)
{
    PyFunctionObject *f;
    if (func == NULL || !PyFunction_Check(func)) {
        return 0;
    }
    f = (PyFunctionObject *)func;
    if (add_named(a, "__doc__", f->func_doc) < 0 || add_named(a, "__name__", f->func_name) < 0
        || add_named(a, "__code__", f->func_code) < 0) {
        return -1;
    }
    if (with_closure && add_named(a, "__closure__", f->func_closure) < 0) {
        return -1;
    }
    return 0;
}

/* Look key up in the MRO of tp without descriptors (borrowed or NULL). */
static PyObject *
type_attr(PyTypeObject *tp, const char *name)
{
    PyObject *key = PyUnicode_InternFromString(name);
    PyObject *v;
    if (key == NULL) {
        PyErr_Clear();
        return NULL;
    }
    v = _PyType_Lookup(tp, key);
    Py_DECREF(key);
    return v;
}

/* Own attribute of a class: an item of its dict (borrowed from dict, which
 * may be NULL), or NULL. */
static PyObject *
own_attr(PyObject *dict, const char *name)
{
    if (dict == NULL) {
        return NULL;
    }
    return PyDict_GetItemString(dict, name);   /* borrowed, str keys: no code runs */
}

static int
collect_type(PyTypeObject *t, PymRefArray *a)
{
    PyObject *name = NULL;
    PyObject *dict = PYM_TYPE_DICT(t);   /* strong or NULL */
    int res = 0;
    if (t->tp_flags & Py_TPFLAGS_HEAPTYPE) {
        name = ((PyHeapTypeObject *)t)->ht_name;
    }
    if (add_named(a, "__class__", (PyObject *)Py_TYPE(t)) < 0
        || add_named(a, "__doc__", own_attr(dict, "__doc__")) < 0
        || add_named(a, "__mro__", t->tp_mro) < 0 || add_named(a, "__name__", name) < 0
        || add_named(a, "__slots__", own_attr(dict, "__slots__")) < 0
        || add_named(a, "__weakref__", own_attr(dict, "__weakref__")) < 0
        || add_named(a, "__dict__", dict) < 0) {
        res = -1;
    }
    Py_XDECREF(dict);
    return res;
}

static int
collect_code(PyCodeObject *co, PymRefArray *a)
{
#define PYM_ADD_CODE_FIELD(f) \
    if (add_named(a, #f, (PyObject *)co->f) < 0) { \
        return -1; \
    }
    PYM_CODE_FIELDS(PYM_ADD_CODE_FIELD)
#undef PYM_ADD_CODE_FIELD
    return 0;
}

static int
collect_generator(PyObject *o, int code, PymRefArray *a)
{
    PymRefArray tmp;
    Py_ssize_t i;
    int res = 0;
    /* The generator's own __name__ / __qualname__ (existing strings that the
     * builtin getters return) are not its data.  Interned attribute names:
     * see gc_objects() in heapwalk.c. */
    PyObject *key = PyUnicode_InternFromString("__name__");
    PyObject *name = key == NULL ? NULL : PyObject_GetAttr(o, key);
    PyObject *qualname = NULL;
    Py_XDECREF(key);
    key = name == NULL ? NULL : PyUnicode_InternFromString("__qualname__");
    qualname = key == NULL ? NULL : PyObject_GetAttr(o, key);
    Py_XDECREF(key);
    PyErr_Clear();
    memset(&tmp, 0, sizeof(tmp));
    if (collect_traverse(Py_TYPE(o), o, &tmp) < 0) {
        pym_refarray_free(&tmp);
        Py_XDECREF(name);
        Py_XDECREF(qualname);
        return -1;
    }
    for (i = 0; i < tmp.a_len && res == 0; i++) {
        PyObject *r = tmp.a_items[i].r_obj;
        if (PyCode_Check(r)) {
            if (code) {
                res = add_named(a, "gi_code", r);
            }
            continue;
        }
        if (r == name || r == qualname) {
            continue;
        }
#ifdef PYM_GEN_HAS_FRAME_OBJECT
        if (PyFrame_Check(r)) {
            PyObject **vals = NULL;
            Py_ssize_t j, n = pym_frame_nlocals((PyFrameObject *)r, &vals);
            for (j = 0; j < n && res == 0; j++) {
                res = pym_refarray_append(a, vals[j], NULL, NULL, PYM_NAME_NONE);
            }
            continue;
        }
#endif
        res = pym_refarray_append(a, r, NULL, NULL, PYM_NAME_NONE);
    }
    pym_refarray_free(&tmp);
    Py_XDECREF(name);
    Py_XDECREF(qualname);
    return res;
}

static int
collect_exception(PyObject *o, PymRefArray *a)
{
    PyBaseExceptionObject *e = (PyBaseExceptionObject *)o;
    if (add_named(a, "args", e->args) < 0) {
        return -1;
    }
    if (PyObject_TypeCheck(o, (PyTypeObject *)PyExc_SyntaxError)) {
        PySyntaxErrorObject *s = (PySyntaxErrorObject *)o;
        if (add_named(a, "filename", s->filename) < 0 || add_named(a, "lineno", s->lineno) < 0
            || add_named(a, "msg", s->msg) < 0 || add_named(a, "text", s->text) < 0) {
            return -1;
        }
    }
    return 0;
}

static int
collect_structseq(PyObject *o, PymRefArray *a)
{
    /* The members of the struct sequence type itself name every field,
     * the hidden ones after Py_SIZE (the visible length) included; they all
     * lie in the object's allocation (PyStructSequence_New allocates the
     * real size). */
    PyTypeObject *tp = Py_TYPE(o);
    PyMemberDef *m;
    for (m = tp->tp_members; m != NULL && m->name != NULL; m++) {
        if (m->type == T_OBJECT && m->offset >= (Py_ssize_t)offsetof(PyTupleObject, ob_item)) {
            PyObject *v = *(PyObject **)((char *)o + m->offset);
            if (pym_refarray_append(a, v, NULL, m->name, PYM_NAME_MEMBER) < 0) {
                return -1;
            }
            if (v != NULL) {
                a->a_items[a->a_len - 1].r_owned = 1;
            }
        }
    }
    return 0;
}

/* items() of a dict-like: keys and values, named like a dict's. */
static int
collect_dictlike(PymState *st, PyObject *o, PymRefArray *a)
{
    PyObject *items = NULL, *it = NULL, *pair = NULL, *seq = NULL;
    int res = -1;
    a->a_fresh = 1;
    items = PyObject_CallMethodObjArgs(o, st->ms_str_items, NULL);
    if (items == NULL) {
        goto done;
    }
    it = PyObject_GetIter(items);
    if (it == NULL) {
        goto done;
    }
    while ((pair = PyIter_Next(it)) != NULL) {
        PyObject *k, *v;
        seq = PySequence_Tuple(pair);
        Py_CLEAR(pair);
        if (seq == NULL) {
            goto done;
        }
        if (PyTuple_GET_SIZE(seq) != 2) {
            PyErr_SetString(PyExc_TypeError, "items() must yield pairs");
            goto done;
        }
        k = PyTuple_GET_ITEM(seq, 0);
        v = PyTuple_GET_ITEM(seq, 1);
        if (pym_refarray_append(a, k, k, NULL, PYM_NAME_KEY) < 0
            || pym_refarray_append(a, v, k, NULL, PYM_NAME_VALUE) < 0) {
            goto done;
        }
        Py_CLEAR(seq);
    }
    if (!PyErr_Occurred()) {
        res = 0;
    }
done:
    Py_XDECREF(seq);
    Py_XDECREF(pair);
    Py_XDECREF(it);
    Py_XDECREF(items);
    return res;
}

/* Referents of the solid C base of an instance (e.g. a deque subclass). */
int
pym_referents_base(PymState *st, PyObject *o, PymRefArray *a)
{
    PyTypeObject *b = Py_TYPE(o);
    while (b != NULL && (b->tp_flags & Py_TPFLAGS_HEAPTYPE)
           && b->tp_dealloc == st->ms_subtype_dealloc) {
        b = b->tp_base;
    }
    if (b == NULL || b == &PyBaseObject_Type) {
        return 0;
    }
    return collect_traverse(b, o, a);
}

int
pym_referents_collect(PymState *st, PyObject *o, int special, int code, PymRefArray *a)
{
    switch (special) {
    case PYM_S_TYPE:
        if (!PyType_Check(o)) {
            return 0;
        }
        return collect_type((PyTypeObject *)o, a);
    case PYM_S_FUNCTION:
        return function_parts(o, a, 1);
    case PYM_S_METHOD:
        return function_parts(PyMethod_GET_FUNCTION(o), a, 0);
    case PYM_S_CLASSMETHOD:
        return function_parts(((PymClassMethodObject *)o)->cm_callable, a, 0);
    case PYM_S_CODE:
        return collect_code((PyCodeObject *)o, a);
    case PYM_S_CELL:
        return add_named(a, "cell_contents", PyCell_GET(o));
    case PYM_S_GENERATOR:
        return collect_generator(o, code, a);
    case PYM_S_FRAME:
    case PYM_S_TRAVERSE:
        return collect_traverse(Py_TYPE(o), o, a);
    case PYM_S_EXCEPTION:
        return collect_exception(o, a);
    case PYM_S_TRACEBACK: {
        PyTracebackObject *tb = (PyTracebackObject *)o;
        if (add_named(a, "tb_frame", (PyObject *)tb->tb_frame) < 0
            || add_named(a, "tb_next", tb->tb_next != NULL ? (PyObject *)tb->tb_next : Py_None)
                   < 0) {
            return -1;
        }
        return 0;
    }
    case PYM_S_WEAKREF: {
        PyObject *r = PYM_WEAKREF_OBJECT(o);
        if (r == NULL || r == Py_None || Py_REFCNT(r) <= 0) {
            return 0;   /* dead */
        }
        return pym_refarray_append(a, r, NULL, NULL, PYM_NAME_NONE);
    }
    case PYM_S_PROPERTY: {
        PymPropertyObject *p = (PymPropertyObject *)o;
        if (add_named(a, "__doc__", p->prop_doc) < 0 || add_named(a, "fget", p->prop_get) < 0
            || add_named(a, "fset", p->prop_set) < 0 || add_named(a, "fdel", p->prop_del) < 0) {
            return -1;
        }
        return 0;
    }
    case PYM_S_DOCONLY:
        return add_named(a, "__doc__", type_attr(Py_TYPE(o), "__doc__"));
    case PYM_S_STRUCTSEQ:
        return collect_structseq(o, a);
    case PYM_S_DICTLIKE:
        return collect_dictlike(st, o, a);
    default:
        return 0;
    }
}
