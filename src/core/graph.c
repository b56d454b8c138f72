/* graph.c -- who refers to an object: the referrers of a set of objects in
 * one pass over the heap, and the shortest reference path from the roots
 * to an object (issue 8 item 1; Python side: muppy.referrers_of,
 * muppy.get_referrers, muppy.find_path).
 *
 * Both reuse the heap walk of heapwalk.c (gc-tracked objects, frames
 * included, plus the untracked containers they refer to), with a hook that
 * sees every edge (container -> referent) the walk's tp_traverse calls
 * report.  Two more edge sources complete the walk:
 *   - the untracked containers the walk found (small dicts and tuples the
 *     collector untracked) are traversed once more, with the same hook;
 *   - a frame that is running (or belongs to a generator) on 3.11+ does not
 *     visit its local variables in tp_traverse; they are read from the
 *     frame (pym_frame_slots, compat.h).
 *
 * Referrers: the targets go into a PymPtrMap (target -> index); the hook
 * records (container, index) pairs in a raw array; the result lists are
 * filled afterwards.  Nothing is hashed or compared: identity only.
 *
 * Paths: breadth-first from the roots, with an explicit queue of (object,
 * parent index) -- 12 bytes per object reached -- and a PymIdSet of visited
 * objects (a few bits per object).  The roots are the objects the caller
 * names (modules, the frames of every thread) and the objects of the walk
 * that no other object refers to (found by marking every referent in a
 * PymIdSet during the walk).  Labels are computed only for the edges of the
 * path found, from the object structures (no attribute lookup, no repr of
 * a user object, no __eq__/__hash__).
 *
 * No Python code runs from the start of the walk to the end of the search:
 * the objects in the queue are borrowed, kept alive by their referrers.
 * The objects of the path are held before anything is allocated for the
 * result.  No recursion anywhere.
 */
#include "heapwalk.h"

#include <string.h>   /* memset */

/* ---- edges that tp_traverse does not report ---------------------------- */

/* tp_traverse callback: forward the edge (w_cur -> r) to the walk's hook. */
static int
hook_visit(PyObject *r, void *arg)
{
    PymWalk *w = (PymWalk *)arg;
    return w->w_hook(w->w_cur, r, w->w_hookarg);
}

/* The local variables of frame f that its tp_traverse did not visit (3.11+
 * running or generator frames), or all of them when all is set, through
 * the walk's hook.  0 / -1. */
static int
frame_extra_edges(PymWalk *w, PyObject *f, int all)
{
    PyObject **vals = NULL;
    PyCodeObject *co = NULL;
    int traversed = 1;
    Py_ssize_t i, n = pym_frame_slots((PyFrameObject *)f, &vals, &co, &traversed);
    if (traversed && !all) {
        return 0;
    }
    w->w_cur = f;
    for (i = 0; i < n; i++) {
        if (vals[i] != NULL && w->w_hook(f, vals[i], w->w_hookarg) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Report the edges of o through the walk's hook: its tp_traverse, and for a
 * frame its locals (3.11+: the frame object of a running frame is not
 * tracked, so the walk did not report them).  0 / -1. */
static int
object_edges(PymWalk *w, PyObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    if (PyObject_IS_GC(o) && tp->tp_traverse != NULL) {
        w->w_cur = o;
        if (tp->tp_traverse(o, hook_visit, w) != 0) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_SystemError, "tp_traverse failed");
            }
            return -1;
        }
    }
    if (PyFrame_Check(o) && frame_extra_edges(w, o, 0) < 0) {
        return -1;
    }
    return 0;
}

/* Every edge the walk itself did not report: the locals of the frames it
 * found and the referents of the untracked containers.  0 / -1. */
static int
walk_extra_edges(PymWalk *w)
{
    Py_ssize_t i;
    for (i = 0; i < w->w_framevec.v_len; i++) {
        if (frame_extra_edges(w, w->w_framevec.v_items[i], 0) < 0) {
            return -1;
        }
    }
    for (i = 0; i < w->w_untracked.v_len; i++) {
        if (object_edges(w, w->w_untracked.v_items[i]) < 0) {
            return -1;
        }
    }
    return 0;
}

/* ---- referrers --------------------------------------------------------- */

typedef struct {
    PyObject *p_ref;         /* borrowed: held by the walk */
    Py_ssize_t p_index;
} RefPair;

typedef struct {
    PymPtrMap rs_index;      /* target -> index of its first occurrence */
    PyObject **rs_last;      /* per index: the last container recorded */
    RefPair *rs_pairs;
    Py_ssize_t rs_len;
    Py_ssize_t rs_cap;
} RefScan;

/* Walk hook: record c when r is a target (once per container). */
static int
referrers_hook(PyObject *c, PyObject *r, void *arg)
{
    RefScan *rs = (RefScan *)arg;
    Py_ssize_t *slot = pym_ptrmap_get(&rs->rs_index, r);
    Py_ssize_t k;
    if (slot == NULL) {
        return 0;
    }
    k = *slot;
    if (rs->rs_last[k] == c) {
        return 0;    /* a container's edges come together */
    }
    rs->rs_last[k] = c;
    if (rs->rs_len == rs->rs_cap) {
        Py_ssize_t cap = rs->rs_cap ? rs->rs_cap * 2 : 256;
        RefPair *p = (RefPair *)PyMem_RawRealloc(rs->rs_pairs, (size_t)cap * sizeof(RefPair));
        if (p == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        rs->rs_pairs = p;
        rs->rs_cap = cap;
    }
    rs->rs_pairs[rs->rs_len].p_ref = c;
    rs->rs_pairs[rs->rs_len].p_index = k;
    rs->rs_len++;
    return 0;
}

PyDoc_STRVAR(heap_referrers_doc,
"heap_referrers(objs, ignore=None) -> list of lists\n\n"
"For each item of the tuple objs, in order, the list of the heap objects\n"
"that refer to it (gc-tracked objects, frames included, and the untracked\n"
"containers the heap walk finds), in one pass over the heap.  The tuple\n"
"objs, the result lists and the objects of the tuple ignore (and the tuple\n"
"itself) are never reported.");

static PyObject *
heap_referrers_impl(PyObject *objs, PyObject *ignore)
{
    PymWalk w;
    RefScan rs;
    PyObject *res = NULL, *ret = NULL;
    Py_ssize_t n, i;

    memset(&rs, 0, sizeof(rs));
    pym_ptrmap_init(&rs.rs_index);
    pym_walk_init(&w, 1);
    if (!PyTuple_Check(objs)) {
        PyErr_Format(PyExc_TypeError, "heap_referrers: objs must be a tuple, not %.100s",
                     Py_TYPE(objs)->tp_name);
        goto done;
    }
    n = PyTuple_GET_SIZE(objs);
    res = PyList_New(n);
    if (res == NULL) {
        goto done;
    }
    rs.rs_last = (PyObject **)PyMem_RawCalloc((size_t)n + 1, sizeof(PyObject *));
    if (rs.rs_last == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (pym_walk_ignore(&w, objs) < 0 || pym_walk_ignore(&w, res) < 0
        || pym_walk_add_ignore(&w, ignore) < 0) {
        goto done;
    }
    for (i = 0; i < n; i++) {
        PyObject *lst = PyList_New(0);
        if (lst == NULL) {
            goto done;
        }
        PyList_SET_ITEM(res, i, lst);
        if (pym_walk_ignore(&w, lst) < 0
            || pym_ptrmap_setdefault(&rs.rs_index, PyTuple_GET_ITEM(objs, i), i) < 0) {
            goto done;
        }
    }
    /* From here to the end of the scan no Python code runs. */
    w.w_frames = 1;
    w.w_hook = referrers_hook;
    w.w_hookarg = &rs;
    if (pym_walk_run(&w) < 0 || walk_extra_edges(&w) < 0) {
        goto done;
    }
    for (i = 0; i < rs.rs_len; i++) {
        PyObject *lst = PyList_GET_ITEM(res, rs.rs_pairs[i].p_index);
        if (PyList_Append(lst, rs.rs_pairs[i].p_ref) < 0) {
            goto done;
        }
    }
    /* An object given twice gets its own copy of the first one's list. */
    for (i = 0; i < n; i++) {
        Py_ssize_t k = *pym_ptrmap_get(&rs.rs_index, PyTuple_GET_ITEM(objs, i));
        if (k != i) {
            PyObject *copy = PyList_GetSlice(PyList_GET_ITEM(res, k), 0, PY_SSIZE_T_MAX);
            if (copy == NULL) {
                goto done;
            }
            Py_SETREF(((PyListObject *)res)->ob_item[i], copy);
        }
    }
    ret = Py_NewRef(res);
done:
    PyMem_RawFree(rs.rs_pairs);
    PyMem_RawFree(rs.rs_last);
    pym_ptrmap_clear(&rs.rs_index);
    pym_walk_clear(&w);
    Py_XDECREF(res);
    return ret;
}

static PyObject *
heap_referrers(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (pym_heap_check_nargs("heap_referrers", nargs, 1, 2) < 0) {
        return NULL;
    }
    return heap_referrers_impl(args[0], pym_heap_arg(args, nargs, 1));
}

/* ---- edge labels ------------------------------------------------------- */

/* repr of a dict key when it is an exact builtin whose repr runs no user
 * code, else NULL (no exception). */
static PyObject *
safe_key_repr(PyObject *k)
{
    PyObject *r;
    if (!(PyUnicode_CheckExact(k) || PyLong_CheckExact(k) || PyFloat_CheckExact(k)
          || PyBool_Check(k) || k == Py_None || PyBytes_CheckExact(k) || PyComplex_CheckExact(k))) {
        return NULL;
    }
    if (PyUnicode_CheckExact(k) && PyUnicode_GET_LENGTH(k) > 80) {
        PyObject *head = PyUnicode_Substring(k, 0, 77);
        if (head == NULL) {
            PyErr_Clear();
            return NULL;
        }
        r = PyUnicode_FromFormat("%R...", head);
        Py_DECREF(head);
    }
    else {
        r = PyObject_Repr(k);   /* builtin reprs only (huge ints may raise) */
    }
    if (r == NULL) {
        PyErr_Clear();
    }
    return r;
}

/* Label of the dict edge d -> c: "['key']", "[<T key>]", "(key)". */
static PyObject *
dict_label(PyObject *d, PyObject *c)
{
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(d, &pos, &k, &v)) {   /* borrowed; no code runs */
        if (v == c) {
            PyObject *kr = safe_key_repr(k), *res;
            if (kr == NULL) {
                return PyUnicode_FromFormat("[<%s key>]", Py_TYPE(k)->tp_name);
            }
            res = PyUnicode_FromFormat("[%U]", kr);
            Py_DECREF(kr);
            return res;
        }
    }
    pos = 0;
    while (PyDict_Next(d, &pos, &k, &v)) {
        if (k == c) {
            return PyUnicode_FromString("(key)");
        }
    }
    return NULL;
}

/* ".name" for a slot (member) of the object o holding c, searched along
 * the real type's MRO; NULL when none. */
static PyObject *
member_label(PyObject *o, PyObject *c)
{
    PyObject *mro = Py_TYPE(o)->tp_mro;
    Py_ssize_t i;
    if (mro == NULL || !PyTuple_Check(mro)) {
        return NULL;
    }
    for (i = 0; i < PyTuple_GET_SIZE(mro); i++) {
        PyTypeObject *t = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
        PyMemberDef *m;
        if (!PyType_Check((PyObject *)t)) {
            continue;
        }
        for (m = t->tp_members; m != NULL && m->name != NULL; m++) {
            if ((m->type == T_OBJECT || m->type == T_OBJECT_EX) && m->offset > 0
                && (size_t)m->offset + sizeof(PyObject *) <= (size_t)Py_TYPE(o)->tp_basicsize
                && *(PyObject **)((char *)o + m->offset) == c) {
                return PyUnicode_FromFormat(".%s", m->name);
            }
        }
    }
    return NULL;
}

/* Label of an attribute edge o -> c of an instance: ".__class__",
 * ".__dict__", ".name" (values not yet in a dict, slots). */
static PyObject *
instance_label(PyObject *o, PyObject *c)
{
    PymInstanceAttrs a;
    Py_ssize_t i;
    if ((PyObject *)Py_TYPE(o) == c) {
        return PyUnicode_FromString(".__class__");
    }
    pym_instance_attrs(o, &a);   /* reads, never materialises */
    if (a.ia_dict != NULL && a.ia_dict == c) {
        return PyUnicode_FromString(".__dict__");
    }
    if (a.ia_dict != NULL && PyDict_Check(a.ia_dict)) {
        /* 3.13: a materialised __dict__ may still use the values inline in
         * the instance, which the instance (not the dict) visits. */
        Py_ssize_t pos = 0;
        PyObject *k, *v;
        while (PyDict_Next(a.ia_dict, &pos, &k, &v)) {   /* borrowed; no code runs */
            if (v == c && PyUnicode_CheckExact(k)) {
                return PyUnicode_FromFormat(".%U", k);
            }
        }
    }
    for (i = 0; a.ia_values != NULL && i < a.ia_capacity; i++) {
        if (a.ia_values[i] == c) {
            PyObject *key = pym_instance_value_key(o, i);
            if (key != NULL && PyUnicode_CheckExact(key)) {
                return PyUnicode_FromFormat(".%U", key);
            }
            return PyUnicode_FromString(".<attribute>");
        }
    }
    return member_label(o, c);
}

#define NAMED(field, name) \
    if ((PyObject *)(field) == c) { \
        return PyUnicode_FromString(name); \
    }

static PyObject *
function_label(PyFunctionObject *f, PyObject *c)
{
    NAMED(f->func_code, ".__code__")
    NAMED(f->func_closure, ".__closure__")
    NAMED(f->func_defaults, ".__defaults__")
    NAMED(f->func_kwdefaults, ".__kwdefaults__")
    NAMED(f->func_dict, ".__dict__")
    NAMED(f->func_globals, ".__globals__")
    NAMED(f->func_module, ".__module__")
    NAMED(f->func_name, ".__name__")
    NAMED(f->func_qualname, ".__qualname__")
    NAMED(f->func_doc, ".__doc__")
    NAMED(f->func_annotations, ".__annotations__")
    return NULL;
}

static PyObject *
type_label(PyTypeObject *t, PyObject *c)
{
    PyObject *dict = PYM_TYPE_DICT(t);   /* strong or NULL */
    int isdict = dict != NULL && dict == c;
    Py_XDECREF(dict);
    if (isdict) {
        return PyUnicode_FromString(".__dict__");
    }
    NAMED(t->tp_mro, ".__mro__")
    NAMED(t->tp_bases, ".__bases__")
    NAMED(t->tp_base, ".__base__")
    NAMED(Py_TYPE(t), ".__class__")
    if (t->tp_flags & Py_TPFLAGS_HEAPTYPE) {
        PyHeapTypeObject *h = (PyHeapTypeObject *)t;
        NAMED(h->ht_name, ".__name__")
        NAMED(h->ht_qualname, ".__qualname__")
        NAMED(h->ht_slots, ".__slots__")
        NAMED(h->ht_module, ".__module__")
    }
    return NULL;
}

/* "local NAME" for a local variable slot of frame f holding c; ".f_back". */
static PyObject *
frame_label(PyObject *f, PyObject *c)
{
    PyObject **vals = NULL;
    PyCodeObject *co = NULL;
    int traversed = 0;
    Py_ssize_t i, n = pym_frame_slots((PyFrameObject *)f, &vals, &co, &traversed);
    for (i = 0; i < n; i++) {
        if (vals[i] == c) {
            PyObject *name = pym_code_slot_name(co, i);
            if (name != NULL && PyUnicode_CheckExact(name)) {
                return PyUnicode_FromFormat("local %U", name);
            }
            return PyUnicode_FromString("local <?>");
        }
    }
    NAMED(pym_frame_back((PyFrameObject *)f), ".f_back")
    return NULL;
}

/* Index label "[i]" of c in a list or tuple; for the cell of a function's
 * closure (gp the function, o its __closure__), "[i] (cell NAME)". */
static PyObject *
sequence_label(PyObject *gp, PyObject *o, PyObject *c)
{
    Py_ssize_t i, n = PyList_Check(o) ? PyList_GET_SIZE(o) : PyTuple_GET_SIZE(o);
    PyObject **items = PyList_Check(o) ? ((PyListObject *)o)->ob_item
                                       : ((PyTupleObject *)o)->ob_item;
    for (i = 0; i < n; i++) {
        if (items[i] != c) {
            continue;
        }
        if (gp != NULL && PyFunction_Check(gp) && ((PyFunctionObject *)gp)->func_closure == o
            && PyCell_Check(c)) {
            PyObject *names = pym_code_freevars(((PyFunctionObject *)gp)->func_code);
            if (names != NULL && PyTuple_Check(names) && i < PyTuple_GET_SIZE(names)
                && PyUnicode_CheckExact(PyTuple_GET_ITEM(names, i))) {
                PyObject *res = PyUnicode_FromFormat("[%zd] (cell %U)", i,
                                                     PyTuple_GET_ITEM(names, i));
                Py_DECREF(names);
                return res;
            }
            Py_XDECREF(names);
            PyErr_Clear();
        }
        return PyUnicode_FromFormat("[%zd]", i);
    }
    return NULL;
}

/* ".name" from the sizer's named referents (referents.c) of the kinds
 * whose names come from C structures only: code objects, tracebacks,
 * properties, exceptions (args and SyntaxError fields).  NULL when none. */
static PyObject *
named_ref_label(PymState *st, PyObject *o, PyObject *c)
{
    PymRefArray a;
    PyObject *res = NULL;
    Py_ssize_t i;
    int special = PyCode_Check(o)                   ? PYM_S_CODE
                  : PyTraceBack_Check(o)            ? PYM_S_TRACEBACK
                  : Py_IS_TYPE(o, &PyProperty_Type) ? PYM_S_PROPERTY
                  : PyExceptionInstance_Check(o)    ? PYM_S_EXCEPTION
                                                    : PYM_S_NONE;
    if (special == PYM_S_NONE) {
        return NULL;
    }
    memset(&a, 0, sizeof(a));
    if (pym_referents_collect(st, o, special, 1, &a) == 0) {
        for (i = 0; i < a.a_len; i++) {
            if (a.a_items[i].r_obj == c && a.a_items[i].r_cstr != NULL) {
                res = PyUnicode_FromFormat(".%s", a.a_items[i].r_cstr);
                break;
            }
        }
    }
    pym_refarray_free(&a);
    if (res == NULL) {
        PyErr_Clear();   /* a failed collect or format: a label found below is returned */
    }
    if (res == NULL && special == PYM_S_EXCEPTION) {
        PyBaseExceptionObject *e = (PyBaseExceptionObject *)o;
        if (e->traceback == c) {
            res = PyUnicode_FromString(".__traceback__");
        }
        else if (e->context == c) {
            res = PyUnicode_FromString(".__context__");
        }
        else if (e->cause == c) {
            res = PyUnicode_FromString(".__cause__");
        }
    }
    return res;
}

/* A label for the edge o -> c (gp: the object before o on the path, or
 * NULL): new str, or NULL with no exception when none is found.  Reads
 * structures only: no user code runs. */
static PyObject *
edge_label(PymState *st, PyObject *gp, PyObject *o, PyObject *c)
{
    PyObject *res = NULL;
    if (PyDict_Check(o)) {
        res = dict_label(o, c);
    }
    else if (PyList_Check(o) || PyTuple_Check(o)) {
        res = sequence_label(gp, o, c);
    }
    else if (PyAnySet_Check(o)) {
        res = PyUnicode_FromString("(set item)");
    }
    else if (PyModule_Check(o)) {
        if (PyModule_GetDict(o) == c) {   /* borrowed */
            res = PyUnicode_FromString(".__dict__");
        }
    }
    else if (PyType_Check(o)) {
        res = type_label((PyTypeObject *)o, c);
    }
    else if (PyFunction_Check(o)) {
        res = function_label((PyFunctionObject *)o, c);
    }
    else if (PyCell_Check(o)) {
        res = PyUnicode_FromString(".cell_contents");
    }
    else if (PyMethod_Check(o)) {
        if (PyMethod_GET_FUNCTION(o) == c) {
            res = PyUnicode_FromString(".__func__");
        }
        else if (PyMethod_GET_SELF(o) == c) {
            res = PyUnicode_FromString(".__self__");
        }
    }
    else if (PyFrame_Check(o)) {
        res = frame_label(o, c);
    }
    if (res == NULL && !PyErr_Occurred()) {
        res = named_ref_label(st, o, c);
    }
    if (res == NULL && !PyErr_Occurred()) {
        res = instance_label(o, c);
    }
    if (res == NULL) {
        PyErr_Clear();   /* no label: the caller uses None */
    }
    return res;
}

#undef NAMED

/* The label of the edge o -> c for other files (domtree.c): see
 * edge_label. */
PyObject *
pym_graph_edge_label(PymState *st, PyObject *gp, PyObject *o, PyObject *c)
{
    return edge_label(st, gp, o, c);
}

/* Labels of the edges o -> targets[i] of a dict, list or tuple with many
 * referents: one pass over the container fills a map target -> position,
 * so that labelling every edge costs O(n), not O(n^2).  The labels are
 * those of edge_label (a value before a key, the first index).  0 / -1. */
static int
container_labels(PyObject *o, PyObject *const *targets, Py_ssize_t n, PyObject **out)
{
    PymPtrMap pos;
    PyObject **keys = NULL;
    Py_ssize_t i, count = 0;
    int res = -1;

    pym_ptrmap_init(&pos);
    if (PyDict_Check(o)) {
        Py_ssize_t it = 0;
        PyObject *k, *v;
        keys = (PyObject **)PyMem_RawMalloc(((size_t)PyDict_GET_SIZE(o) + 1) * sizeof(PyObject *));
        if (keys == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        /* values first: a value's label wins over a key's, as in dict_label */
        while (PyDict_Next(o, &it, &k, &v) && count <= PyDict_GET_SIZE(o)) {   /* borrowed */
            keys[count] = k;
            if (pym_ptrmap_setdefault(&pos, v, count) < 0) {
                goto done;
            }
            count++;
        }
        for (i = 0; i < count; i++) {
            if (pym_ptrmap_setdefault(&pos, keys[i], -1) < 0) {
                goto done;
            }
        }
    }
    else {
        PyObject **items = PyList_Check(o) ? ((PyListObject *)o)->ob_item
                                           : ((PyTupleObject *)o)->ob_item;
        count = PyList_Check(o) ? PyList_GET_SIZE(o) : PyTuple_GET_SIZE(o);
        for (i = 0; i < count; i++) {
            if (items[i] != NULL && pym_ptrmap_setdefault(&pos, items[i], i) < 0) {
                goto done;
            }
        }
    }
    for (i = 0; i < n; i++) {
        Py_ssize_t *at = pym_ptrmap_get(&pos, targets[i]);
        PyObject *label = NULL;
        if (at == NULL) {
            out[i] = NULL;
            continue;
        }
        if (keys == NULL) {
            label = PyUnicode_FromFormat("[%zd]", *at);
        }
        else if (*at < 0) {
            label = PyUnicode_FromString("(key)");
        }
        else {
            PyObject *kr = safe_key_repr(keys[*at]);
            label = kr == NULL ? PyUnicode_FromFormat("[<%s key>]", Py_TYPE(keys[*at])->tp_name)
                               : PyUnicode_FromFormat("[%U]", kr);
            Py_XDECREF(kr);
        }
        if (label == NULL) {
            goto done;
        }
        out[i] = label;
    }
    res = 0;
done:
    if (res < 0) {
        for (i = 0; i < n; i++) {
            Py_CLEAR(out[i]);
        }
    }
    PyMem_RawFree(keys);
    pym_ptrmap_clear(&pos);
    return res;
}

/* Labels of every edge o -> targets[i] (out[i]: a new str or NULL when the
 * engine has no name for it; out must be zeroed).  No user code runs.
 * 0 / -1 (out cleared). */
int
pym_graph_label_edges(PymState *st, PyObject *o, PyObject *const *targets, Py_ssize_t n,
                      PyObject **out)
{
    Py_ssize_t i;
    if (n > 4 && (PyDict_Check(o) || PyList_Check(o) || PyTuple_Check(o))) {
        return container_labels(o, targets, n, out);
    }
    for (i = 0; i < n; i++) {
        out[i] = edge_label(st, NULL, o, targets[i]);
    }
    return 0;
}

/* ---- shortest path from the roots -------------------------------------- */

#define ROOT_PARENT UINT32_MAX

typedef struct {
    PyObject **q_obj;        /* borrowed */
    uint32_t *q_parent;      /* queue index of the parent, ROOT_PARENT for a root */
    Py_ssize_t q_len;
    Py_ssize_t q_cap;
    PymIdSet q_seen;         /* queued, or excluded from the search */
    PymIdSet q_referenced;   /* referred to by some object of the heap */
    PyObject *q_target;
    Py_ssize_t q_head;       /* the object whose referents are visited */
    Py_ssize_t q_found;      /* queue index of the target's parent, or -1 */
} PathSearch;

/* Walk hook: every referent is referenced.  Only objects that can refer
 * to others are recorded: a leaf (str, int, float) is never a root. */
static int
mark_hook(PyObject *c, PyObject *r, void *arg)
{
    (void)c;
    if (!PyObject_IS_GC(r)) {
        return 0;
    }
    return pym_idset_mark(&((PathSearch *)arg)->q_referenced, r);
}

static int
queue_push(PathSearch *ps, PyObject *o, uint32_t parent)
{
    if (ps->q_len == ps->q_cap) {
        Py_ssize_t cap = ps->q_cap ? ps->q_cap * 2 : 4096;
        PyObject **objs;
        uint32_t *parents;
        if (cap >= (Py_ssize_t)ROOT_PARENT) {
            PyErr_SetString(PyExc_MemoryError, "find_path: too many objects");
            return -1;
        }
        objs = (PyObject **)PyMem_RawRealloc(ps->q_obj, (size_t)cap * sizeof(PyObject *));
        if (objs == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        ps->q_obj = objs;
        parents = (uint32_t *)PyMem_RawRealloc(ps->q_parent, (size_t)cap * sizeof(uint32_t));
        if (parents == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        ps->q_parent = parents;
        ps->q_cap = cap;
    }
    ps->q_obj[ps->q_len] = o;
    ps->q_parent[ps->q_len] = parent;
    ps->q_len++;
    return 0;
}

/* Offer o as a root.  1 when it is the target, 0 / -1. */
static int
offer_root(PathSearch *ps, PyObject *o)
{
    int k = pym_idset_add(&ps->q_seen, o);
    if (k != 0) {
        return k < 0 ? -1 : 0;
    }
    if (queue_push(ps, o, ROOT_PARENT) < 0) {
        return -1;
    }
    if (o == ps->q_target) {
        ps->q_found = ps->q_len - 1;
        return 1;
    }
    return 0;
}

/* tp_traverse callback of the search: 1 stops at the target. */
static int
search_visit(PyObject *r, void *arg)
{
    PathSearch *ps = (PathSearch *)arg;
    int k;
    if (r == ps->q_target) {
        ps->q_found = ps->q_head;
        return 1;
    }
    if (!PyObject_IS_GC(r)) {
        return 0;   /* a leaf: no referents to follow, no need to queue it */
    }
    k = pym_idset_add(&ps->q_seen, r);
    if (k != 0) {
        return k < 0 ? -1 : 0;
    }
    return queue_push(ps, r, (uint32_t)ps->q_head);
}

/* Breadth-first search from the queued roots.  1 found, 0 not, -1. */
static int
search_run(PathSearch *ps)
{
    for (ps->q_head = 0; ps->q_head < ps->q_len; ps->q_head++) {
        PyObject *o = ps->q_obj[ps->q_head];
        PyTypeObject *tp = Py_TYPE(o);
        int r = 0;
        if (PyObject_IS_GC(o) && tp->tp_traverse != NULL) {
            r = tp->tp_traverse(o, search_visit, ps);
        }
        if (r == 0 && PyFrame_Check(o)) {
            PyObject **vals = NULL;
            PyCodeObject *co = NULL;
            int traversed = 1;
            Py_ssize_t i, n = pym_frame_slots((PyFrameObject *)o, &vals, &co, &traversed);
            for (i = 0; !traversed && i < n && r == 0; i++) {
                if (vals[i] != NULL) {
                    r = search_visit(vals[i], ps);
                }
            }
        }
        if (r == 1) {
            return 1;
        }
        if (r != 0) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_SystemError, "tp_traverse failed during find_path");
            }
            return -1;
        }
    }
    return 0;
}

/* Mark the referents of the objects of the tuple t (ignored objects: an
 * object only they refer to is not a root).  0 / -1. */
static int
mark_from(PymWalk *w, PyObject *t)
{
    Py_ssize_t i;
    if (t == NULL || !PyTuple_Check(t)) {
        return 0;
    }
    for (i = 0; i < PyTuple_GET_SIZE(t); i++) {
        if (object_edges(w, PyTuple_GET_ITEM(t, i)) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Exclude the objects of the tuple t (and t) from the search.  0 / -1. */
static int
exclude_all(PathSearch *ps, PymWalk *w, PyObject *t)
{
    Py_ssize_t i;
    if (t == NULL || t == Py_None) {
        return 0;
    }
    if (pym_walk_add_ignore(w, t) < 0 || pym_idset_mark(&ps->q_seen, t) < 0) {
        return -1;
    }
    for (i = 0; i < PyTuple_GET_SIZE(t); i++) {
        if (pym_idset_mark(&ps->q_seen, PyTuple_GET_ITEM(t, i)) < 0) {
            return -1;
        }
    }
    return 0;
}

PyDoc_STRVAR(heap_path_doc,
"heap_path(target, roots, ignore=None) -> list or None\n\n"
"Shortest reference path to target, breadth-first from the roots: the\n"
"objects of the tuple roots of (object, label) pairs, in order, then every\n"
"object of the heap walk that no other object refers to.  Returns\n"
"[(object, label), ...] from a root to target, where a root's label is the\n"
"one given (None for an unreferenced root) and an edge's label a str\n"
"('.attr', \"['key']\", '[3]', 'local x', ...) or None; None when no root\n"
"reaches target.  The tuples roots and ignore, their pairs and the objects\n"
"of ignore are not part of the heap.");

static PyObject *
heap_path_impl(PymState *st, PyObject *target, PyObject *roots, PyObject *ignore)
{
    PymWalk w;
    PathSearch ps;
    PyObject **held = NULL;
    PyObject *res = NULL;
    Py_ssize_t *rootpair = NULL;   /* queue index of an explicit root -> its pair */
    Py_ssize_t nroots = 0, nexplicit = 0, nheld = 0, i, q = 0;
    int found;

    memset(&ps, 0, sizeof(ps));
    pym_idset_init(&ps.q_seen);
    pym_idset_init(&ps.q_referenced);
    ps.q_target = target;
    ps.q_found = -1;
    pym_walk_init(&w, 1);
    if (!PyTuple_Check(roots) || (ignore != Py_None && !PyTuple_Check(ignore))) {
        PyErr_SetString(PyExc_TypeError,
                        "heap_path: roots must be a tuple, ignore a tuple or None");
        goto done;
    }
    nroots = PyTuple_GET_SIZE(roots);
    for (i = 0; i < nroots; i++) {
        PyObject *pair = PyTuple_GET_ITEM(roots, i);
        if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "heap_path: roots must hold (object, label) pairs");
            goto done;
        }
        if (pym_walk_ignore(&w, pair) < 0 || pym_idset_mark(&ps.q_seen, pair) < 0) {
            goto done;
        }
    }
    if (pym_walk_ignore(&w, roots) < 0 || pym_idset_mark(&ps.q_seen, roots) < 0
        || exclude_all(&ps, &w, ignore) < 0) {
        goto done;
    }
    /* From here to the end of the search no Python code runs. */
    w.w_frames = 1;
    w.w_hook = mark_hook;
    w.w_hookarg = &ps;
    if (pym_walk_run(&w) < 0 || walk_extra_edges(&w) < 0 || mark_from(&w, ignore) < 0) {
        goto done;
    }
    rootpair = (Py_ssize_t *)PyMem_RawMalloc(((size_t)nroots + 1) * sizeof(Py_ssize_t));
    if (rootpair == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    found = 0;
    for (i = 0; i < nroots && !found; i++) {
        Py_ssize_t before = ps.q_len;
        found = offer_root(&ps, PyTuple_GET_ITEM(PyTuple_GET_ITEM(roots, i), 0));
        if (ps.q_len > before) {
            rootpair[before] = i;
        }
    }
    nexplicit = ps.q_len;
    /* The untracked objects of the walk are referents of tracked ones:
     * only tracked objects (frames included) can be unreferenced. */
    q = w.w_tracked.v_len;
    for (i = 0; i < q && !found; i++) {
        PyObject *o = w.w_tracked.v_items[i];
        if (!pym_idset_contains(&ps.q_referenced, o)) {
            found = offer_root(&ps, o);
        }
    }
    if (found == 0) {
        found = search_run(&ps);
    }
    if (found < 0) {
        goto done;
    }
    if (found == 0) {
        res = Py_NewRef(Py_None);
        goto done;
    }
    /* Hold the path's objects before anything is allocated: the chain of
     * parents from q_found back to its root, then the target (unless it is
     * that root). */
    nheld = ps.q_obj[ps.q_found] == target ? 0 : 1;
    for (q = ps.q_found;; q = ps.q_parent[q]) {
        nheld++;
        if (ps.q_parent[q] == ROOT_PARENT) {
            break;
        }
    }
    held = (PyObject **)PyMem_RawCalloc((size_t)nheld, sizeof(PyObject *));
    if (held == NULL) {
        PyErr_NoMemory();
        nheld = 0;
        goto done;
    }
    held[nheld - 1] = Py_NewRef(target);
    for (q = ps.q_found, i = ps.q_obj[ps.q_found] == target ? nheld - 1 : nheld - 2;;
         q = ps.q_parent[q], i--) {
        Py_XSETREF(held[i], Py_NewRef(ps.q_obj[q]));
        if (ps.q_parent[q] == ROOT_PARENT) {
            break;
        }
    }
    res = PyList_New(nheld);
    if (res == NULL) {
        goto done;
    }
    for (i = 0; i < nheld; i++) {
        PyObject *label = NULL, *step;
        if (i == 0) {
            /* q: the root's queue index; explicit roots come first */
            label = q < nexplicit
                        ? Py_NewRef(PyTuple_GET_ITEM(PyTuple_GET_ITEM(roots, rootpair[q]), 1))
                        : NULL;
        }
        else {
            label = edge_label(st, i >= 2 ? held[i - 2] : NULL, held[i - 1], held[i]);
        }
        step = PyTuple_Pack(2, held[i], label != NULL ? label : Py_None);
        Py_XDECREF(label);
        if (step == NULL) {
            Py_CLEAR(res);
            goto done;
        }
        PyList_SET_ITEM(res, i, step);
    }
done:
    PyMem_RawFree(rootpair);
    PyMem_RawFree(ps.q_obj);
    PyMem_RawFree(ps.q_parent);
    pym_idset_clear(&ps.q_seen);
    pym_idset_clear(&ps.q_referenced);
    pym_walk_clear(&w);
    for (i = 0; i < nheld; i++) {
        Py_XDECREF(held[i]);
    }
    PyMem_RawFree(held);
    return res;
}

static PyObject *
heap_path(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (pym_heap_check_nargs("heap_path", nargs, 2, 3) < 0) {
        return NULL;
    }
    return heap_path_impl(pym_state_from_module(module), args[0], args[1],
                          pym_heap_arg(args, nargs, 2));
}

static PyMethodDef graph_functions[] = {
    {"heap_referrers", (PyCFunction)(void (*)(void))heap_referrers, METH_FASTCALL,
     heap_referrers_doc},
    {"heap_path", (PyCFunction)(void (*)(void))heap_path, METH_FASTCALL, heap_path_doc},
    {NULL, NULL, 0, NULL},
};

/* Register the graph functions on the module.  0 / -1. */
int
pym_graph_init(PyObject *module, PymState *st)
{
    (void)st;
    return PyModule_AddFunctions(module, graph_functions);
}
