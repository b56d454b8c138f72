/* aggregate.c -- per-label summaries of objects: count and total getsizeof.
 *
 * A summary (spec section 4) is one row [label, count, size] per distinct
 * label.  Pympler 1.1 computes the label of every object in Python (about
 * 4 us each).  Here a PymHeapLabeler keeps, per type seen in the call:
 *
 *   - the way its getsizeof is obtained (pym_sizing_resolve, once);
 *   - how its objects are labelled (k_mode):
 *       MODE_TYPE    the label depends on the type only: str(type) cleaned
 *                    (addresses removed, "<class 'X'>" reduced to X), once,
 *                    in C -- every type without an entry in
 *                    summary.representations, and the built-in dict, list
 *                    and set entries;
 *       MODE_FUNC    plain functions with the built-in representation:
 *                    "function (<__name__>)" formatted in C;
 *       MODE_MODULE  modules with the built-in representation:
 *                    "module(<__name__>)" in C when __name__ is a str;
 *       MODE_REP     a representation callable: applyrep(rep, obj);
 *       MODE_OBJ     the module's label function was replaced: objlabel(obj).
 *
 * Texts holding " at 0x" or a newline are cleaned by the Python callable
 * clean (summary._clean), the reference for the regular expressions of
 * spec section 4; so are the rare odd module names.  The default path
 * allocates no GC object per type or object, so a summary does not set off
 * collections (which would traverse the caller's young object list).
 *
 * Labels map to accumulator slots through a dict label -> index, so the
 * per-object work of MODE_TYPE is one pointer-keyed lookup (with a one-type
 * cache), the size and two additions.  No object is created per input
 * object.  Label callables may raise for hostile objects: an Exception
 * falls back to the type label, and that one to the C type name, so no
 * user object can make a summary fail.
 *
 * Python interface: pympler._core.heap_summarize and summary_diff (bound
 * here), used by src/pympler/summary.py; heapfuncs.c uses the labeler for
 * the fused heap summaries, snapshot.c for the ObjectTracker snapshots.
 */
#include "heap.h"

#include <string.h>   /* memset */

enum { MODE_TYPE = 0, MODE_FUNC, MODE_MODULE, MODE_REP, MODE_OBJ };

struct PymHeapTypeRec {
    PyTypeObject *k_type;    /* strong */
    PyObject *k_sizeof;      /* strong or NULL: resolved __sizeof__ */
    PyObject *k_rep;         /* strong or NULL: per-object label callable */
    int k_how;               /* PYM_SIZEOF_* */
    int k_mode;              /* MODE_* */
    Py_ssize_t k_label;      /* label index of the type label, -1 until needed */
    Py_ssize_t k_fixed;      /* getsizeof of every instance, -1 unknown, -2 varies */
};

Py_ssize_t
pym_heap_getsizeof(PymState *st, PyObject *o)
{
    PyObject *func;
    int how = pym_sizing_resolve(st, Py_TYPE(o), &func);
    Py_ssize_t n;
    Py_XINCREF(func);   /* a Python __sizeof__ may replace the attribute */
    n = pym_sizing_getsizeof_with(st, o, how, func);
    Py_XDECREF(func);
    return n < 0 ? pym_sizing_basic(o) : n;
}

/* -1 when every instance of tp has the same getsizeof (computed from the
 * first one), -2 when it varies.  The same means: object.__sizeof__ (or the
 * C computation of a fixed-size builtin) on a type without items, and a
 * header that depends on the type alone (no tp_is_gc; not a metaclass,
 * whose instances may be static types). */
static Py_ssize_t
fixed_size_state(PyTypeObject *tp, int how)
{
    int plain = how == PYM_SIZEOF_OBJECT || how == PYM_SIZEOF_NONE
                || (how == PYM_SIZEOF_FAST
                    && (tp == &PyFloat_Type || tp == &PyComplex_Type || tp == Py_TYPE(Py_None)
                        || tp == &PyBaseObject_Type));
    if (plain && tp->tp_itemsize == 0 && tp->tp_is_gc == NULL
        && !PyType_IsSubtype(tp, &PyType_Type)) {
        return -1;
    }
    return -2;
}

/* An exception is pending: swallow it if it is an Exception (a user
 * object misbehaving) and return 0, else keep it and return -1. */
static int
swallow(void)
{
    if (PyErr_ExceptionMatches(PyExc_Exception)) {
        PyErr_Clear();
        return 0;
    }
    return -1;
}

/* Turn the result of a label callable (stolen, may be NULL) into an exact
 * str.  NULL with *fatal == 0 means "use the fallback"; NULL with
 * *fatal == 1 means an exception that must propagate. */
static PyObject *
as_label(PyObject *res, int *fatal)
{
    PyObject *text;
    *fatal = 0;
    if (res == NULL) {
        *fatal = swallow() < 0;
        return NULL;
    }
    if (PyUnicode_CheckExact(res)) {
        return res;
    }
    if (res == Py_None) {
        Py_DECREF(res);
        return NULL;
    }
    if (PyUnicode_Check(res)) {
        text = PyUnicode_FromObject(res);    /* exact copy of a str subclass */
    }
    else {
        text = PyObject_Str(res);
        if (text != NULL && !PyUnicode_CheckExact(text)) {
            Py_SETREF(text, PyUnicode_FromObject(text));
        }
    }
    Py_DECREF(res);
    if (text == NULL) {
        *fatal = swallow() < 0;
    }
    return text;
}

/* Index of label (an exact str, borrowed), added if new.  -1 on error. */
static Py_ssize_t
label_index(PymHeapLabeler *L, PyObject *label)
{
    PyObject *v, *py_idx;
    Py_ssize_t idx;
    v = PyDict_GetItemWithError(L->l_labelidx, label);   /* borrowed; str: no user code */
    if (v != NULL) {
        return PyLong_AsSsize_t(v);
    }
    if (PyErr_Occurred()) {
        return -1;
    }
    if (L->l_nlabels == L->l_caplabels) {
        Py_ssize_t cap = L->l_caplabels ? L->l_caplabels * 2 : 64;
        PyObject **labels = (PyObject **)PyMem_RawRealloc(L->l_labels,
                                                          (size_t)cap * sizeof(PyObject *));
        PymHeapAcc *accs;
        if (labels == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        L->l_labels = labels;
        accs = (PymHeapAcc *)PyMem_RawRealloc(L->l_accs, (size_t)cap * sizeof(PymHeapAcc));
        if (accs == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        L->l_accs = accs;
        L->l_caplabels = cap;
    }
    idx = L->l_nlabels;
    py_idx = PyLong_FromSsize_t(idx);
    if (py_idx == NULL) {
        return -1;
    }
    if (PyDict_SetItem(L->l_labelidx, label, py_idx) < 0) {
        Py_DECREF(py_idx);
        return -1;
    }
    Py_DECREF(py_idx);
    L->l_labels[idx] = Py_NewRef(label);
    L->l_accs[idx].h_count = 0;
    L->l_accs[idx].h_size = 0;
    L->l_nlabels++;
    return idx;
}

/* 1 if text needs the Python cleaner (it holds " at 0x" or a newline,
 * where the regular expressions have subtle cases), 0 if not, -1 error. */
static int
needs_python_clean(PymHeapLabeler *L, PyObject *text)
{
    Py_ssize_t pos = PyUnicode_Find(text, L->l_at0x, 0, PY_SSIZE_T_MAX, 1);
    if (pos != -1) {
        return pos == -2 ? -1 : 1;
    }
    pos = PyUnicode_FindChar(text, '\n', 0, PY_SSIZE_T_MAX, 1);
    if (pos != -1) {
        return pos == -2 ? -1 : 1;
    }
    return 0;
}

/* "<class 'X'>" or "<type 'X'>" with X non-empty and free of white space:
 * a new reference to X; else a new reference to text.  (The regular
 * expression ^<(type|class) '(\S+)'>$ for texts without a newline.) */
static PyObject *
reduce_class_text(PyObject *text)
{
    static const char *const prefixes[] = {"<class '", "<type '"};
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), start = 0, i;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    size_t p;

    for (p = 0; p < 2 && start == 0; p++) {
        const char *pre = prefixes[p];
        Py_ssize_t k = 0;
        while (pre[k] != '\0' && k < n && PyUnicode_READ(kind, data, k) == (Py_UCS4)pre[k]) {
            k++;
        }
        if (pre[k] == '\0') {
            start = k;
        }
    }
    if (start == 0 || n < start + 3 || PyUnicode_READ(kind, data, n - 2) != '\''
        || PyUnicode_READ(kind, data, n - 1) != '>') {
        return Py_NewRef(text);
    }
    for (i = start; i < n - 2; i++) {
        if (Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i))) {
            return Py_NewRef(text);
        }
    }
    return PyUnicode_Substring(text, start, n - 2);
}

/* The cleaned label of text (an exact str, borrowed).  New reference, or
 * NULL with *fatal set as for as_label. */
static PyObject *
clean_text(PymHeapLabeler *L, PyObject *text, int *fatal)
{
    int k = needs_python_clean(L, text);
    *fatal = 0;
    if (k < 0) {
        *fatal = 1;
        return NULL;
    }
    if (k > 0) {
        return as_label(PyObject_CallOneArg(L->l_clean, text), fatal);
    }
    return reduce_class_text(text);
}

/* str(tp) as an exact str: the metaclass's __str__/__repr__, then
 * type.__repr__ when that fails, then the C name.  NULL only when fatal. */
static PyObject *
type_text(PyTypeObject *tp)
{
    int fatal;
    PyObject *text = as_label(PyObject_Str((PyObject *)tp), &fatal);
    if (text != NULL || fatal) {
        return text;
    }
    text = as_label(PyType_Type.tp_repr((PyObject *)tp), &fatal);
    if (text != NULL || fatal) {
        return text;
    }
    return PyUnicode_FromFormat("<class '%s'>", tp->tp_name);
}

/* Label index of the type label of type record i, computed on first use.
 * -1 on a fatal error. */
static Py_ssize_t
type_label(PymHeapLabeler *L, Py_ssize_t i)
{
    PyTypeObject *tp = L->l_types[i].k_type;
    PyObject *text, *label = NULL;
    Py_ssize_t idx;
    int fatal = 0;

    if (L->l_types[i].k_label >= 0) {
        return L->l_types[i].k_label;
    }
    Py_INCREF(tp);   /* metaclass code may run */
    text = type_text(tp);
    if (text != NULL) {
        label = clean_text(L, text, &fatal);
        if (label == NULL && !fatal) {
            label = Py_NewRef(text);   /* the Python cleaner failed */
        }
        Py_DECREF(text);
    }
    Py_DECREF(tp);
    if (label == NULL) {
        return -1;
    }
    idx = label_index(L, label);
    Py_DECREF(label);
    if (idx >= 0) {
        L->l_types[i].k_label = idx;
    }
    return idx;
}

/* Label index of o through a Python callable: applyrep(rep, o) when
 * via_apply, else rep(o).  Falls back to the type label.  -1 fatal. */
static Py_ssize_t
callable_label(PymHeapLabeler *L, PyObject *o, Py_ssize_t i, int via_apply)
{
    PyObject *rep = L->l_types[i].k_rep;
    PyObject *res, *label;
    Py_ssize_t idx;
    int fatal;

    Py_INCREF(rep);
    if (via_apply) {
        res = PyObject_CallFunctionObjArgs(L->l_applyrep, rep, o, NULL);
    }
    else {
        res = PyObject_CallOneArg(rep, o);
    }
    Py_DECREF(rep);
    label = as_label(res, &fatal);
    if (label == NULL) {
        return fatal ? -1 : type_label(L, i);
    }
    idx = label_index(L, label);
    Py_DECREF(label);
    return idx;
}

/* fmt % name for the built-in function and module representations, in
 * C; names that need the Python cleaner, or that are not exact str, go
 * through applyrep.  -1 fatal. */
static Py_ssize_t
name_label(PymHeapLabeler *L, PyObject *o, Py_ssize_t i, PyObject *name, const char *fmt)
{
    PyObject *label;
    Py_ssize_t idx;
    int k;

    if (name == NULL || !PyUnicode_CheckExact(name)) {
        return callable_label(L, o, i, 1);
    }
    k = needs_python_clean(L, name);
    if (k != 0) {
        return k < 0 ? -1 : callable_label(L, o, i, 1);
    }
    label = PyUnicode_FromFormat(fmt, name);
    if (label == NULL) {
        return -1;
    }
    idx = label_index(L, label);
    Py_DECREF(label);
    return idx;
}

/* "function (<__name__>)": func_name is always a str. */
static Py_ssize_t
function_label(PymHeapLabeler *L, PyObject *o, Py_ssize_t i)
{
    return name_label(L, o, i, ((PyFunctionObject *)o)->func_name, "function (%U)");
}

/* "module(<__name__>)" when the module's dict has a str __name__. */
static Py_ssize_t
module_label(PymHeapLabeler *L, PyObject *o, Py_ssize_t i)
{
    PyObject *d = PyModule_GetDict(o);   /* borrowed */
    PyObject *name = NULL;
    Py_ssize_t idx;
    if (d != NULL && PyDict_CheckExact(d)) {
        name = PyDict_GetItemWithError(d, L->l_str_name);   /* borrowed; str key */
        if (name == NULL && PyErr_Occurred()) {
            return -1;
        }
    }
    Py_XINCREF(name);
    idx = name_label(L, o, i, name, "module(%U)");
    Py_XDECREF(name);
    return idx;
}

/* Append a record for tp; returns its index, or -1 on a fatal error. */
static Py_ssize_t
new_type(PymHeapLabeler *L, PyTypeObject *tp)
{
    PymHeapTypeRec rec;
    PyObject *func = NULL;
    Py_ssize_t idx;

    memset(&rec, 0, sizeof(rec));
    rec.k_label = -1;
    rec.k_mode = MODE_TYPE;
    rec.k_how = pym_sizing_resolve(L->l_state, tp, &func);   /* func borrowed */
    rec.k_fixed = fixed_size_state(tp, rec.k_how);
    Py_XINCREF(func);
    rec.k_sizeof = func;
    Py_INCREF(tp);
    rec.k_type = tp;
    if (L->l_objlabel != NULL) {
        rec.k_mode = MODE_OBJ;
        rec.k_rep = Py_NewRef(L->l_objlabel);
    }
    else if (L->l_special != NULL) {
        /* Hashing the type may run a metaclass __hash__: hostile ones
         * raise, and then the type simply has no representation. */
        PyObject *rep = PyDict_GetItemWithError(L->l_special, (PyObject *)tp);   /* borrowed */
        if (rep != NULL) {
            rec.k_rep = Py_NewRef(rep);
            if (rep == L->l_fastfunc && tp == &PyFunction_Type) {
                rec.k_mode = MODE_FUNC;
            }
            else if (rep == L->l_fastmodule && tp == &PyModule_Type) {
                rec.k_mode = MODE_MODULE;
            }
            else {
                rec.k_mode = MODE_REP;
            }
        }
        else if (PyErr_Occurred() && swallow() < 0) {
            goto error;
        }
    }
    if (L->l_ntypes == L->l_captypes) {
        Py_ssize_t cap = L->l_captypes ? L->l_captypes * 2 : 64;
        PymHeapTypeRec *types = (PymHeapTypeRec *)PyMem_RawRealloc(
            L->l_types, (size_t)cap * sizeof(PymHeapTypeRec));
        if (types == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        L->l_types = types;
        L->l_captypes = cap;
    }
    idx = L->l_ntypes;
    if (pym_ptrmap_setdefault(&L->l_index, tp, idx) < 0) {
        goto error;
    }
    L->l_types[idx] = rec;
    L->l_ntypes++;
    if (rec.k_mode == MODE_TYPE && type_label(L, idx) < 0) {
        return -1;   /* the record is owned by L now */
    }
    return idx;

error:
    Py_XDECREF(rec.k_sizeof);
    Py_XDECREF(rec.k_rep);
    Py_DECREF(rec.k_type);
    return -1;
}

int
pym_heap_labeler_init(PymHeapLabeler *L, PymState *st, PyObject *spec)
{
    PyObject *special, *fastfunc, *fastmodule, *objlabel;

    memset(L, 0, sizeof(*L));
    pym_ptrmap_init(&L->l_index);
    L->l_state = st;
    if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) != 6) {
        PyErr_SetString(PyExc_TypeError,
                        "label spec must be "
                        "(clean, applyrep, special, fastfunc, fastmodule, objlabel)");
        return -1;
    }
    L->l_spec = Py_NewRef(spec);
    L->l_clean = PyTuple_GET_ITEM(spec, 0);
    L->l_applyrep = PyTuple_GET_ITEM(spec, 1);
    special = PyTuple_GET_ITEM(spec, 2);
    fastfunc = PyTuple_GET_ITEM(spec, 3);
    fastmodule = PyTuple_GET_ITEM(spec, 4);
    objlabel = PyTuple_GET_ITEM(spec, 5);
    if (!PyCallable_Check(L->l_clean) || !PyCallable_Check(L->l_applyrep)) {
        PyErr_SetString(PyExc_TypeError, "clean and applyrep must be callable");
        return -1;
    }
    if (special != Py_None) {
        if (!PyDict_Check(special)) {
            PyErr_SetString(PyExc_TypeError, "special must be a dict or None");
            return -1;
        }
        L->l_special = special;
    }
    L->l_fastfunc = fastfunc == Py_None ? NULL : fastfunc;
    L->l_fastmodule = fastmodule == Py_None ? NULL : fastmodule;
    if (objlabel != Py_None) {
        if (!PyCallable_Check(objlabel)) {
            PyErr_SetString(PyExc_TypeError, "objlabel must be callable or None");
            return -1;
        }
        L->l_objlabel = objlabel;
    }
    L->l_at0x = PyUnicode_FromString(" at 0x");
    L->l_str_name = PyUnicode_InternFromString("__name__");
    if (L->l_at0x == NULL || L->l_str_name == NULL) {
        return -1;
    }
    L->l_labelidx = PyDict_New();
    if (L->l_labelidx == NULL) {
        return -1;
    }
    return 0;
}

void
pym_heap_labeler_clear(PymHeapLabeler *L)
{
    Py_ssize_t i;
    for (i = 0; i < L->l_ntypes; i++) {
        Py_XDECREF(L->l_types[i].k_sizeof);
        Py_XDECREF(L->l_types[i].k_rep);
        Py_DECREF(L->l_types[i].k_type);
    }
    PyMem_RawFree(L->l_types);
    L->l_types = NULL;
    L->l_ntypes = L->l_captypes = 0;
    pym_ptrmap_clear(&L->l_index);
    for (i = 0; i < L->l_nlabels; i++) {
        Py_DECREF(L->l_labels[i]);
    }
    PyMem_RawFree(L->l_labels);
    PyMem_RawFree(L->l_accs);
    L->l_labels = NULL;
    L->l_accs = NULL;
    L->l_nlabels = L->l_caplabels = 0;
    L->l_lasttype = NULL;
    Py_CLEAR(L->l_labelidx);
    Py_CLEAR(L->l_at0x);
    Py_CLEAR(L->l_str_name);
    Py_CLEAR(L->l_spec);
}

int
pym_heap_labeler_add(PymHeapLabeler *L, PyObject *o, Py_ssize_t *label, Py_ssize_t *size)
{
    PyTypeObject *tp = Py_TYPE(o);
    PymHeapTypeRec *rec;
    Py_ssize_t i, idx, n;

    if (tp == L->l_lasttype) {
        i = L->l_lastidx;
    }
    else {
        Py_ssize_t *slot = pym_ptrmap_get(&L->l_index, tp);
        if (slot != NULL) {
            i = *slot;
        }
        else {
            i = new_type(L, tp);
            if (i < 0) {
                return -1;
            }
        }
        L->l_lasttype = tp;   /* tp is kept alive by its record */
        L->l_lastidx = i;
    }
    rec = &L->l_types[i];
    if (rec->k_fixed >= 0) {
        n = rec->k_fixed;
    }
    else {
        n = pym_sizing_getsizeof_with(L->l_state, o, rec->k_how, rec->k_sizeof);
        if (n < 0) {
            n = pym_sizing_basic(o);
        }
        rec = &L->l_types[i];   /* a Python __sizeof__ may have run */
        if (rec->k_fixed == -1) {
            rec->k_fixed = n;
        }
    }
    switch (rec->k_mode) {
    case MODE_TYPE:
        idx = rec->k_label;
        break;
    case MODE_FUNC:
        idx = function_label(L, o, i);
        break;
    case MODE_MODULE:
        idx = module_label(L, o, i);
        break;
    case MODE_REP:
        idx = callable_label(L, o, i, 1);
        break;
    default:
        idx = callable_label(L, o, i, 0);
        break;
    }
    if (idx < 0) {
        return -1;
    }
    L->l_accs[idx].h_count++;
    L->l_accs[idx].h_size += n;
    *label = idx;
    *size = n;
    return 0;
}

PyObject *
pym_heap_labeler_rows(PymHeapLabeler *L)
{
    PyObject *rows = PyList_New(L->l_nlabels);
    Py_ssize_t i;
    if (rows == NULL) {
        return NULL;
    }
    for (i = 0; i < L->l_nlabels; i++) {
        PyObject *row = Py_BuildValue("[Onn]", L->l_labels[i], L->l_accs[i].h_count,
                                      L->l_accs[i].h_size);
        if (row == NULL) {
            Py_DECREF(rows);
            return NULL;
        }
        PyList_SET_ITEM(rows, i, row);
    }
    return rows;
}

/* ---- bindings ------------------------------------------------------------ */

PyDoc_STRVAR(heap_summarize_doc,
"heap_summarize(objects, spec) -> list\n\n"
"Rows [label, count, total getsizeof] of objects, one per label, labels\n"
"given by the label spec (clean, applyrep, special, fastfunc, fastmodule,\n"
"objlabel).");

static PyObject *
heap_summarize_impl(PyObject *module, PyObject *objects, PyObject *spec)
{
    PymHeapLabeler L;
    PyObject *list = NULL, *rows = NULL;
    Py_ssize_t i, label, size;

    if (pym_heap_labeler_init(&L, pym_state_from_module(module), spec) < 0) {
        goto done;
    }
    /* Label callables and __sizeof__ may run any code, including code that
     * mutates the input list: re-read its length and hold each item. */
    list = PyList_CheckExact(objects) ? Py_NewRef(objects) : PySequence_List(objects);
    if (list == NULL) {
        goto done;
    }
    for (i = 0; i < PyList_GET_SIZE(list); i++) {
        PyObject *o = Py_NewRef(PyList_GET_ITEM(list, i));
        int r = pym_heap_labeler_add(&L, o, &label, &size);
        Py_DECREF(o);
        if (r < 0) {
            goto done;
        }
    }
    rows = pym_heap_labeler_rows(&L);

done:
    Py_XDECREF(list);
    pym_heap_labeler_clear(&L);
    return rows;
}

static PyObject *
heap_summarize(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "heap_summarize(objects, spec) takes 2 arguments");
        return NULL;
    }
    return heap_summarize_impl(module, args[0], args[1]);
}

/* dict label -> row (the last row wins, as in Pympler 1.1). */
static PyObject *
rows_by_label(PyObject *rows)
{
    PyObject *by = NULL, *it = NULL, *row = NULL, *key = NULL;
    by = PyDict_New();
    if (by == NULL) {
        goto error;
    }
    it = PyObject_GetIter(rows);
    if (it == NULL) {
        goto error;
    }
    while ((row = PyIter_Next(it)) != NULL) {
        key = PySequence_GetItem(row, 0);
        if (key == NULL || PyDict_SetItem(by, key, row) < 0) {
            goto error;
        }
        Py_CLEAR(key);
        Py_CLEAR(row);
    }
    if (PyErr_Occurred()) {
        goto error;
    }
    Py_DECREF(it);
    return by;

error:
    Py_XDECREF(key);
    Py_XDECREF(row);
    Py_XDECREF(it);
    Py_XDECREF(by);
    return NULL;
}

/* [key, f(r[1], l[1]), f(r[2], l[2])]: the difference (r given) or the
 * negation (r NULL) of the count and size cells. */
static PyObject *
diff_row(PyObject *key, PyObject *r, PyObject *l)
{
    PyObject *lc = NULL, *ls = NULL, *rc = NULL, *rs = NULL, *c = NULL, *s = NULL, *row = NULL;
    lc = PySequence_GetItem(l, 1);
    ls = lc == NULL ? NULL : PySequence_GetItem(l, 2);
    if (ls == NULL) {
        goto done;
    }
    if (r != NULL) {
        rc = PySequence_GetItem(r, 1);
        rs = rc == NULL ? NULL : PySequence_GetItem(r, 2);
        if (rs == NULL) {
            goto done;
        }
        c = PyNumber_Subtract(rc, lc);
        s = c == NULL ? NULL : PyNumber_Subtract(rs, ls);
    }
    else {
        c = PyNumber_Negative(lc);
        s = c == NULL ? NULL : PyNumber_Negative(ls);
    }
    if (s != NULL) {
        row = PyList_New(3);
        if (row != NULL) {
            PyList_SET_ITEM(row, 0, Py_NewRef(key));
            PyList_SET_ITEM(row, 1, c);
            PyList_SET_ITEM(row, 2, s);
            c = s = NULL;
        }
    }
done:
    Py_XDECREF(lc);
    Py_XDECREF(ls);
    Py_XDECREF(rc);
    Py_XDECREF(rs);
    Py_XDECREF(c);
    Py_XDECREF(s);
    return row;
}

PyDoc_STRVAR(summary_diff_doc,
"summary_diff(left, right) -> list\n\n"
"Row-wise difference right minus left of two summaries, matched by label:\n"
"labels in both give [label, rc - lc, rs - ls], labels only in right the\n"
"right row itself, labels only in left [label, -lc, -ls].");

static PyObject *
summary_diff_impl(PyObject *left, PyObject *right)
{
    PyObject *ld = NULL, *rd = NULL, *litems = NULL, *ritems = NULL, *res = NULL;
    PyObject *other = NULL, *item = NULL, *pair = NULL;
    Py_ssize_t i;

    ld = rows_by_label(left);
    rd = ld == NULL ? NULL : rows_by_label(right);
    /* Rows, cells and labels are user objects: their __getitem__, __sub__,
     * __neg__, __hash__ and __eq__ may run any code, which can reach the
     * tables through gc.get_objects() and empty them (the lists of pairs
     * too: they are ordinary tracked lists).  So each pair is held by a
     * strong reference while its label and row are used. */
    ritems = rd == NULL ? NULL : PyDict_Items(rd);
    litems = ritems == NULL ? NULL : PyDict_Items(ld);
    res = litems == NULL ? NULL : PyList_New(0);
    if (res == NULL) {
        goto error;
    }
    for (i = 0; i < PyList_GET_SIZE(ritems); i++) {
        PyObject *key, *row;
        pair = Py_NewRef(PyList_GET_ITEM(ritems, i));
        key = PyTuple_GET_ITEM(pair, 0);   /* held by pair */
        row = PyTuple_GET_ITEM(pair, 1);
        if (PyDict_GetItemRef(ld, key, &other) < 0) {
            goto error;
        }
        item = other != NULL ? diff_row(key, row, other) : Py_NewRef(row);
        Py_CLEAR(other);
        if (item == NULL || PyList_Append(res, item) < 0) {
            goto error;
        }
        Py_CLEAR(item);
        Py_CLEAR(pair);
    }
    for (i = 0; i < PyList_GET_SIZE(litems); i++) {
        PyObject *key, *row;
        int in_right;
        pair = Py_NewRef(PyList_GET_ITEM(litems, i));
        key = PyTuple_GET_ITEM(pair, 0);   /* held by pair */
        row = PyTuple_GET_ITEM(pair, 1);
        in_right = PyDict_Contains(rd, key);
        if (in_right < 0) {
            goto error;
        }
        if (!in_right) {
            item = diff_row(key, NULL, row);
            if (item == NULL || PyList_Append(res, item) < 0) {
                goto error;
            }
            Py_CLEAR(item);
        }
        Py_CLEAR(pair);
    }
    Py_DECREF(ld);
    Py_DECREF(rd);
    Py_DECREF(litems);
    Py_DECREF(ritems);
    return res;

error:
    Py_XDECREF(pair);
    Py_XDECREF(item);
    Py_XDECREF(other);
    Py_XDECREF(ld);
    Py_XDECREF(rd);
    Py_XDECREF(litems);
    Py_XDECREF(ritems);
    Py_XDECREF(res);
    return NULL;
}

static PyObject *
summary_diff(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "summary_diff(left, right) takes 2 arguments");
        return NULL;
    }
    return summary_diff_impl(args[0], args[1]);
}

static PyMethodDef aggregate_functions[] = {
    {"heap_summarize", (PyCFunction)(void (*)(void))heap_summarize, METH_FASTCALL,
     heap_summarize_doc},
    {"summary_diff", (PyCFunction)(void (*)(void))summary_diff, METH_FASTCALL, summary_diff_doc},
    {NULL, NULL, 0, NULL},
};

/* Register the aggregation functions on the module.  0 / -1. */
int
pym_aggregate_init(PyObject *module, PymState *st)
{
    (void)st;
    return PyModule_AddFunctions(module, aggregate_functions);
}
