/* heapfuncs.c -- the Python functions of muppy and summary that walk the
 * heap or go over object lists: heap_objects, heap_summary, heap_diff,
 * heap_referents, heap_size, heap_getsizeof, heap_filter,
 * heap_ignore_object, heap_total (used by
 * src/pympler/muppy.py, summary.py and tracker.py's SummaryTracker).
 */
#include "heapwalk.h"

/* ---- heap_objects / heap_summary ----------------------------------------- */

PyDoc_STRVAR(heap_objects_doc,
"heap_objects(remove_dups=True, ignore=None, candidates=None, neutral=None, out=None) -> list\n\n"
"The live objects (gc-tracked objects except frames, plus their untracked\n"
"direct referents).  Does not collect garbage first.  ignore: tuple of\n"
"objects excluded and not traversed; candidates: tuple of summary roots\n"
"excluded unless something outside refers to them; neutral: tuple of\n"
"objects whose references do not count as outside.  out: an empty list,\n"
"not itself reported, that receives the result and is returned.");

/* Give the items of the new list from to the empty list out (both ours:
 * `from` is private, `out` empty).  Only the storage pointers move, so no
 * object is touched.  The fields are the public ones of PyListObject
 * (Include/cpython/listobject.h, 3.9-3.13). */
static void
list_take_items(PyObject *out, PyObject *from)
{
    PyListObject *a = (PyListObject *)out, *b = (PyListObject *)from;
    PyObject **items = a->ob_item;
    Py_ssize_t allocated = a->allocated, size = Py_SIZE(a);
    a->ob_item = b->ob_item;
    a->allocated = b->allocated;
    Py_SET_SIZE(a, Py_SIZE(b));
    b->ob_item = items;
    b->allocated = allocated;
    Py_SET_SIZE(b, size);
}

static PyObject *
heap_objects_impl(int dedup, PyObject *ignore, PyObject *candidates, PyObject *neutral,
                  PyObject *out)
{
    PymWalk w;
    PyObject *res = NULL;
    if (out != Py_None && (!PyList_CheckExact(out) || PyList_GET_SIZE(out) != 0)) {
        PyErr_SetString(PyExc_TypeError, "out must be an empty list or None");
        return NULL;
    }
    pym_walk_init(&w, dedup);
    if ((out != Py_None && pym_walk_ignore(&w, out) < 0) || pym_walk_add_ignore(&w, ignore) < 0
        || pym_walk_add_candidates(&w, candidates) < 0 || pym_walk_add_neutral(&w, neutral) < 0
        || pym_walk_run(&w) < 0) {
        goto done;
    }
    res = pym_walk_result_list(&w);
    if (res != NULL && out != Py_None) {
        /* An out list made before the collection that get_objects starts
         * with is in the oldest generation: young-generation collections
         * will not traverse the million objects it may hold. */
        list_take_items(out, res);
        Py_SETREF(res, Py_NewRef(out));
    }
done:
    pym_walk_clear(&w);
    return res;
}

static PyObject *
heap_objects(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int dedup = 1;
    if (pym_heap_check_nargs("heap_objects", nargs, 0, 5) < 0) {
        return NULL;
    }
    if (nargs > 0 && (dedup = PyObject_IsTrue(args[0])) < 0) {
        return NULL;
    }
    return heap_objects_impl(dedup, pym_heap_arg(args, nargs, 1), pym_heap_arg(args, nargs, 2),
                             pym_heap_arg(args, nargs, 3), pym_heap_arg(args, nargs, 4));
}

PyDoc_STRVAR(heap_summary_doc,
"heap_summary(spec, ignore=None, candidates=None, neutral=None) -> list\n\n"
"summarize(heap_objects(True, ignore, candidates, neutral)) in one call,\n"
"without building the object list.");

static PyObject *
heap_summary_impl(PymState *st, PyObject *spec, PyObject *ignore, PyObject *candidates,
                  PyObject *neutral)
{
    PymWalk w;
    PymHeapLabeler L;
    PyObject *res = NULL;
    Py_ssize_t k, n, label, size;

    pym_walk_init(&w, 1);
    if (pym_heap_labeler_init(&L, st, spec) < 0 || pym_walk_ignore_labeler(&w, &L) < 0
        || pym_walk_add_ignore(&w, ignore) < 0 || pym_walk_add_candidates(&w, candidates) < 0
        || pym_walk_add_neutral(&w, neutral) < 0 || pym_walk_run(&w) < 0) {
        goto done;
    }
    n = pym_walk_len(&w);
    for (k = 0; k < n; k++) {
        if (pym_heap_labeler_add(&L, pym_walk_item(&w, k), &label, &size) < 0) {
            goto done;
        }
    }
    res = pym_heap_labeler_rows(&L);
done:
    pym_walk_clear(&w);
    pym_heap_labeler_clear(&L);
    return res;
}

static PyObject *
heap_summary(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (pym_heap_check_nargs("heap_summary", nargs, 1, 4) < 0) {
        return NULL;
    }
    return heap_summary_impl(pym_state_from_module(module), args[0], pym_heap_arg(args, nargs, 1),
                             pym_heap_arg(args, nargs, 2), pym_heap_arg(args, nargs, 3));
}

/* ---- identity diff, referents, sizes ------------------------------------- */

/* Add every item of the sequence fast-list seq to s.  0 / -1. */
static int
idset_add_all(PymIdSet *s, PyObject *seq)
{
    Py_ssize_t i;
    for (i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        if (pym_idset_add(s, PySequence_Fast_GET_ITEM(seq, i)) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Items of seq not in s, in order. */
static PyObject *
not_in(PyObject *seq, PymIdSet *s)
{
    Py_ssize_t i;
    PyObject *res = PyList_New(0);
    if (res == NULL) {
        return NULL;
    }
    for (i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(seq, i);
        if (!pym_idset_contains(s, o) && PyList_Append(res, o) < 0) {
            Py_DECREF(res);
            return NULL;
        }
    }
    return res;
}

PyDoc_STRVAR(heap_diff_doc,
"heap_diff(left, right) -> dict\n\n"
"{'+': items of right not in left, '-': items of left not in right},\n"
"membership by identity, each list in the order of its source.");

static PyObject *
heap_diff_impl(PyObject *left, PyObject *right)
{
    PyObject *l = NULL, *r = NULL, *plus = NULL, *minus = NULL, *res = NULL;
    PymIdSet ls, rs;
    pym_idset_init(&ls);
    pym_idset_init(&rs);
    l = PySequence_Fast(left, "left must be a sequence");
    r = l == NULL ? NULL : PySequence_Fast(right, "right must be a sequence");
    /* Nothing below runs Python code: the fast sequences are stable. */
    if (r == NULL || idset_add_all(&ls, l) < 0 || idset_add_all(&rs, r) < 0) {
        goto done;
    }
    plus = not_in(r, &ls);
    minus = plus == NULL ? NULL : not_in(l, &rs);
    if (minus == NULL) {
        goto done;
    }
    res = Py_BuildValue("{sOsO}", "+", plus, "-", minus);
done:
    pym_idset_clear(&ls);
    pym_idset_clear(&rs);
    Py_XDECREF(l);
    Py_XDECREF(r);
    Py_XDECREF(plus);
    Py_XDECREF(minus);
    return res;
}

static PyObject *
heap_diff(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (pym_heap_check_nargs("heap_diff", nargs, 2, 2) < 0) {
        return NULL;
    }
    return heap_diff_impl(args[0], args[1]);
}

typedef struct {
    PymIdSet rw_seen;
    PyObject *rw_list;
} RefWalk;

static int
referents_visit(PyObject *r, void *arg)
{
    RefWalk *rw = (RefWalk *)arg;
    int k = pym_idset_add(&rw->rw_seen, r);
    if (k != 0) {
        return k < 0 ? -1 : 0;
    }
    return PyList_Append(rw->rw_list, r);
}

PyDoc_STRVAR(heap_referents_doc,
"heap_referents(obj, level=1) -> list\n\n"
"What gc.get_referents reports for obj, then for those objects, and so on,\n"
"at most level steps away from obj; each object once.");

static PyObject *
heap_referents_impl(PyObject *obj, Py_ssize_t level)
{
    RefWalk rw;
    Py_ssize_t step, start = 0, end, k;
    pym_idset_init(&rw.rw_seen);
    rw.rw_list = PyList_New(0);
    if (rw.rw_list == NULL) {
        return NULL;
    }
    /* Only C runs below (tp_traverse and list appends); the list holds
     * every object found. */
    for (step = 0; step < level; step++) {
        end = PyList_GET_SIZE(rw.rw_list);
        if (step == 0) {
            if (PyObject_IS_GC(obj) && Py_TYPE(obj)->tp_traverse != NULL
                && Py_TYPE(obj)->tp_traverse(obj, referents_visit, &rw) != 0) {
                goto error;
            }
            continue;
        }
        if (start == end) {
            break;
        }
        for (k = start; k < end; k++) {
            PyObject *o = PyList_GET_ITEM(rw.rw_list, k);
            if (PyObject_IS_GC(o) && Py_TYPE(o)->tp_traverse != NULL
                && Py_TYPE(o)->tp_traverse(o, referents_visit, &rw) != 0) {
                goto error;
            }
        }
        start = end;
    }
    pym_idset_clear(&rw.rw_seen);
    return rw.rw_list;

error:
    if (!PyErr_Occurred()) {
        PyErr_SetString(PyExc_SystemError, "tp_traverse failed");
    }
    pym_idset_clear(&rw.rw_seen);
    Py_DECREF(rw.rw_list);
    return NULL;
}

static PyObject *
heap_referents(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t level = 1;
    if (pym_heap_check_nargs("heap_referents", nargs, 1, 2) < 0) {
        return NULL;
    }
    if (nargs > 1) {
        level = PyLong_AsSsize_t(args[1]);
        if (level == -1 && PyErr_Occurred()) {
            return NULL;
        }
    }
    return heap_referents_impl(args[0], level < 1 ? 1 : level);
}

PyDoc_STRVAR(heap_size_doc,
"heap_size(objects) -> (total, failed)\n\n"
"Sum of getsizeof over objects, and the list of objects whose __sizeof__\n"
"failed (not counted in total).");

static PyObject *
heap_size_impl(PymState *st, PyObject *objects)
{
    PyObject *list = NULL, *failed = NULL, *res = NULL;
    Py_ssize_t i, total = 0;
    list = PySequence_List(objects);
    failed = list == NULL ? NULL : PyList_New(0);
    if (failed == NULL) {
        goto done;
    }
    for (i = 0; i < PyList_GET_SIZE(list); i++) {
        PyObject *o = Py_NewRef(PyList_GET_ITEM(list, i));
        PyObject *func;
        int how = pym_sizing_resolve(st, Py_TYPE(o), &func), r = 0;
        Py_ssize_t n;
        Py_XINCREF(func);
        n = pym_sizing_getsizeof_with(st, o, how, func);
        Py_XDECREF(func);
        if (n < 0) {
            r = PyList_Append(failed, o);
        }
        else {
            total += n;
        }
        Py_DECREF(o);
        if (r < 0) {
            goto done;
        }
    }
    res = Py_BuildValue("(nO)", total, failed);
done:
    Py_XDECREF(list);
    Py_XDECREF(failed);
    return res;
}

static PyObject *
heap_size(PyObject *module, PyObject *objects)
{
    return heap_size_impl(pym_state_from_module(module), objects);
}

/* ---- type tests by the real type ----------------------------------------- */

/* 1 if the class tp matches the Type argument spec as isinstance(o, spec)
 * would for an object o of type tp, without reading any attribute of o: a
 * plain class (metaclass type) through tp_mro; a tuple item by item; any
 * other class or a union through its own __subclasscheck__, asked about
 * tp.  0 / -1; an Exception from __subclasscheck__ counts as no match. */
static int
type_matches(PyTypeObject *tp, PyObject *spec)
{
    Py_ssize_t i;
    int r;
    if (PyType_CheckExact(spec)) {
        return PyType_IsSubtype(tp, (PyTypeObject *)spec);
    }
    if (PyTuple_Check(spec)) {
        for (i = 0; i < PyTuple_GET_SIZE(spec); i++) {
            r = type_matches(tp, PyTuple_GET_ITEM(spec, i));   /* the tuple holds it */
            if (r != 0) {
                return r;
            }
        }
        return 0;
    }
    r = PyObject_IsSubclass((PyObject *)tp, spec);
    if (r < 0 && PyErr_ExceptionMatches(PyExc_Exception)) {
        PyErr_Clear();
        r = 0;
    }
    return r;
}

/* Check that spec is a class, a union or a (nested) tuple of them, as
 * isinstance requires, asking object about it.  0 / -1 (TypeError naming
 * the argument). */
static int
check_type_spec(const char *func, PyObject *spec)
{
    Py_ssize_t i;
    if (PyType_Check(spec)) {
        return 0;
    }
    if (PyTuple_Check(spec)) {
        for (i = 0; i < PyTuple_GET_SIZE(spec); i++) {
            if (check_type_spec(func, PyTuple_GET_ITEM(spec, i)) < 0) {
                return -1;
            }
        }
        return 0;
    }
    if (PyObject_IsSubclass((PyObject *)&PyBaseObject_Type, spec) < 0) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Format(PyExc_TypeError,
                         "%s(): Type must be a class, a union or a tuple of them, not %.100s", func,
                         Py_TYPE(spec)->tp_name);
        }
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(heap_filter_doc,
"heap_filter(objects, Type, min, max) -> list\n\n"
"Objects whose real type (never their __class__) matches Type as isinstance\n"
"would (unless Type is None), with getsizeof > min (if min > -1) and < max\n"
"(if max > -1).");

static PyObject *
heap_filter_impl(PymState *st, PyObject *objects, PyObject *type, Py_ssize_t lo, Py_ssize_t hi)
{
    PyObject *list = NULL, *res = NULL, *types = NULL;
    PymPtrMap verdict;       /* type -> 1 match / 2 no match; the types held by `types` */
    Py_ssize_t i;
    pym_ptrmap_init(&verdict);
    if (type != Py_None && check_type_spec("filter", type) < 0) {
        goto error;
    }
    list = PySequence_List(objects);
    res = list == NULL ? NULL : PyList_New(0);
    types = res == NULL ? NULL : PyList_New(0);
    if (types == NULL) {
        goto error;
    }
    for (i = 0; i < PyList_GET_SIZE(list); i++) {
        PyObject *o = Py_NewRef(PyList_GET_ITEM(list, i));
        int keep = 1;
        if (type != Py_None) {
            /* A __subclasscheck__ may run code: the type is held by
             * `types` from before the call, so the cache key stays valid. */
            PyTypeObject *tp = Py_TYPE(o);
            Py_ssize_t *slot = pym_ptrmap_get(&verdict, tp);
            if (slot != NULL) {
                keep = *slot == 1;
            }
            else if (PyList_Append(types, (PyObject *)tp) < 0) {
                keep = -1;
            }
            else {
                keep = type_matches(tp, type);
                if (keep >= 0 && pym_ptrmap_setdefault(&verdict, tp, keep ? 1 : 2) < 0) {
                    keep = -1;
                }
            }
        }
        if (keep > 0 && (lo > -1 || hi > -1)) {
            Py_ssize_t n = pym_heap_getsizeof(st, o);
            keep = (lo <= -1 || n > lo) && (hi <= -1 || n < hi);
        }
        if (keep > 0 && PyList_Append(res, o) < 0) {
            keep = -1;
        }
        Py_DECREF(o);
        if (keep < 0) {
            goto error;
        }
    }
    pym_ptrmap_clear(&verdict);
    Py_DECREF(types);
    Py_DECREF(list);
    return res;
error:
    pym_ptrmap_clear(&verdict);
    Py_XDECREF(types);
    Py_XDECREF(list);
    Py_XDECREF(res);
    return NULL;
}

static PyObject *
heap_filter(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t lo, hi;
    if (pym_heap_check_nargs("heap_filter", nargs, 4, 4) < 0) {
        return NULL;
    }
    lo = PyLong_AsSsize_t(args[2]);
    if (lo == -1 && PyErr_Occurred()) {
        return NULL;
    }
    hi = PyLong_AsSsize_t(args[3]);
    if (hi == -1 && PyErr_Occurred()) {
        return NULL;
    }
    return heap_filter_impl(pym_state_from_module(module), args[0], args[1], lo, hi);
}

PyDoc_STRVAR(heap_getsizeof_doc,
"heap_getsizeof(obj) -> int\n\n"
"sys.getsizeof(obj), or its basic size when its __sizeof__ fails.");

static PyObject *
heap_getsizeof(PyObject *module, PyObject *obj)
{
    return PyLong_FromSsize_t(pym_heap_getsizeof(pym_state_from_module(module), obj));
}

PyDoc_STRVAR(heap_ignore_object_doc,
"heap_ignore_object(obj) -> bool\n\n"
"True for frames and dead weak proxies, from the real type and the proxy's\n"
"referent slot (no attribute of obj is read).");

static PyObject *
heap_ignore_object(PyObject *module, PyObject *obj)
{
    int ignore = PyFrame_Check(obj)
                 || (PyWeakref_CheckProxy(obj) && PYM_WEAKREF_OBJECT(obj) == Py_None);
    return PyBool_FromLong(ignore);
}

PyDoc_STRVAR(heap_total_doc,
"heap_total(ignore=None) -> (count, total)\n\n"
"The number of live objects heap_objects(True, ignore) would list and the\n"
"sum of their getsizeof (the basic size where __sizeof__ fails), without\n"
"building the list.  Does not collect garbage first.");

static PyObject *
heap_total_impl(PymState *st, PyObject *ignore)
{
    PymWalk w;
    PyObject *res = NULL;
    Py_ssize_t k, n, total = 0;

    pym_walk_init(&w, 1);
    if (pym_walk_add_ignore(&w, ignore) < 0 || pym_walk_run(&w) < 0) {
        goto done;
    }
    n = pym_walk_len(&w);
    for (k = 0; k < n; k++) {
        /* the walk holds every item: a Python __sizeof__ cannot free one */
        total += pym_heap_getsizeof(st, pym_walk_item(&w, k));
    }
    res = Py_BuildValue("(nn)", n, total);
done:
    pym_walk_clear(&w);
    return res;
}

static PyObject *
heap_total(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (pym_heap_check_nargs("heap_total", nargs, 0, 1) < 0) {
        return NULL;
    }
    return heap_total_impl(pym_state_from_module(module), pym_heap_arg(args, nargs, 0));
}

static PyMethodDef heap_functions[] = {
    {"heap_objects", (PyCFunction)(void (*)(void))heap_objects, METH_FASTCALL, heap_objects_doc},
    {"heap_summary", (PyCFunction)(void (*)(void))heap_summary, METH_FASTCALL, heap_summary_doc},
    {"heap_diff", (PyCFunction)(void (*)(void))heap_diff, METH_FASTCALL, heap_diff_doc},
    {"heap_referents", (PyCFunction)(void (*)(void))heap_referents, METH_FASTCALL,
     heap_referents_doc},
    {"heap_size", heap_size, METH_O, heap_size_doc},
    {"heap_getsizeof", heap_getsizeof, METH_O, heap_getsizeof_doc},
    {"heap_filter", (PyCFunction)(void (*)(void))heap_filter, METH_FASTCALL, heap_filter_doc},
    {"heap_ignore_object", heap_ignore_object, METH_O, heap_ignore_object_doc},
    {"heap_total", (PyCFunction)(void (*)(void))heap_total, METH_FASTCALL, heap_total_doc},
    {NULL, NULL, 0, NULL},
};

/* Register the heap functions on the module.  0 / -1. */
int
pym_heapfuncs_init(PyObject *module, PymState *st)
{
    (void)st;
    return PyModule_AddFunctions(module, heap_functions);
}
