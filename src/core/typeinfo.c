/* typeinfo.c -- classify a type once: how to size its instances, which
 * referents to follow, whether they are code-only or ignored.
 *
 * The sizer keeps one PymTypeCache per top-level call (so a class changed
 * between calls is re-read), holding a strong reference to each type and to
 * its looked-up __sizeof__, so neither can vanish while the walk uses them.
 * Classification reads type structures and looks attributes up on types
 * with _PyType_Lookup only: it never touches instances and runs no Python
 * code.  Rules: docs/sizing.md; Python interface: none (walk.c, sizer.c).
 */
#include "typecache.h"   /* PymTypeCache, and pympler.h */
#include "npy.h"

#include <string.h>   /* strchr, strcmp */

void
pym_typecache_init(PymTypeCache *c)
{
    pym_ptrmap_init(&c->c_index);
    c->c_items = NULL;
    c->c_len = 0;
    c->c_cap = 0;
    memset(c->c_recent, 0, sizeof(c->c_recent));
}

void
pym_typecache_clear(PymTypeCache *c)
{
    Py_ssize_t i;
    for (i = 0; i < c->c_len; i++) {
        PymTypeInfo *t = &c->c_items[i];
        Py_CLEAR(t->t_type);
        Py_CLEAR(t->t_sizeof_func);
        PyMem_RawFree(t->t_slot_offsets);
        PyMem_RawFree((void *)t->t_slot_names);
    }
    PyMem_RawFree(c->c_items);
    pym_ptrmap_clear(&c->c_index);
    pym_typecache_init(c);
}

static int
is_python_class(PymState *st, PyTypeObject *tp)
{
    return (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) && tp->tp_dealloc == st->ms_subtype_dealloc;
}

/* Kind of the items of a builtin container type tp, or -1. */
static int
container_kind(PyTypeObject *tp)
{
    if (PyType_IsSubtype(tp, &PyDict_Type)) {
        return PYM_K_DICT;
    }
    if (PyType_IsSubtype(tp, &PyList_Type)) {
        return PYM_K_LIST;
    }
    if (PyType_IsSubtype(tp, &PyTuple_Type)) {
        return PYM_K_TUPLE;
    }
    if (PyType_IsSubtype(tp, &PySet_Type) || PyType_IsSubtype(tp, &PyFrozenSet_Type)) {
        return PYM_K_SET;
    }
    return -1;
}

/* A struct sequence (os.stat_result, ...): a tuple subtype whose object
 * members are stored in the tuple's item array. */
static int
is_structseq(PyTypeObject *tp)
{
    PyMemberDef *m;
    if (!PyType_IsSubtype(tp, &PyTuple_Type) || tp->tp_members == NULL) {
        return 0;
    }
    for (m = tp->tp_members; m->name != NULL; m++) {
        if (m->type == T_OBJECT && m->offset >= (Py_ssize_t)offsetof(PyTupleObject, ob_item)) {
            return 1;
        }
    }
    return 0;
}

/* Callable attribute name on tp (looked up on the type, not instances). */
static int
type_has_callable(PyTypeObject *tp, const char *name)
{
    PyObject *key = PyUnicode_InternFromString(name);
    PyObject *f;
    int res;
    if (key == NULL) {
        PyErr_Clear();
        return 0;
    }
    f = _PyType_Lookup(tp, key);   /* borrowed */
    res = f != NULL && PyCallable_Check(f);
    Py_DECREF(key);
    return res;
}

static int
is_dictlike(PyTypeObject *tp, int infer, PyObject *dictlike)
{
    if (dictlike != NULL && PyTuple_Check(dictlike)) {
        Py_ssize_t i;
        for (i = 0; i < PyTuple_GET_SIZE(dictlike); i++) {
            if (PyTuple_GET_ITEM(dictlike, i) == (PyObject *)tp) {
                return 1;
            }
        }
    }
    if (infer) {
        static const char *const names[] = {"items", "keys",    "values", "__len__",
                                            "get",   "has_key", NULL};
        const char *const *n;
        for (n = names; *n != NULL; n++) {
            if (!type_has_callable(tp, *n)) {
                return 0;
            }
        }
        return 1;
    }
    return 0;
}

/* A member that holds a __slots__ value. */
static int
is_slot_member(const PyMemberDef *m)
{
    return m->type == T_OBJECT_EX && !(m->flags & READONLY);
}

/* Append member m to t's slot list.  0 / -1. */
static int
add_slot(PymTypeInfo *t, Py_ssize_t *cap, const PyMemberDef *m)
{
    Py_ssize_t n = t->t_nslots;
    if (n == *cap) {
        Py_ssize_t ncap = *cap ? *cap * 2 : 4;
        Py_ssize_t *offs = (Py_ssize_t *)PyMem_RawRealloc(t->t_slot_offsets,
                                                          (size_t)ncap * sizeof(Py_ssize_t));
        const char **names;
        if (offs == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        t->t_slot_offsets = offs;
        names = (const char **)PyMem_RawRealloc((void *)t->t_slot_names,
                                                (size_t)ncap * sizeof(char *));
        if (names == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        t->t_slot_names = names;
        *cap = ncap;
    }
    t->t_slot_offsets[n] = m->offset;
    t->t_slot_names[n] = m->name;
    t->t_nslots = n + 1;
    return 0;
}

/* 1 if member name mname is slot name declared in class clsname, mangled
 * as the compiler does (_Py_Mangle: "__x" becomes "_Cls__x", leading
 * underscores of the class name stripped; dunder names, dotted names and
 * all-underscore class names are left alone), else 0.  Runs no code. */
static int
slot_name_is(const char *mname, const char *name, const char *clsname)
{
    size_t len = strlen(name);
    if (clsname != NULL && name[0] == '_' && name[1] == '_'
        && !(len >= 2 && name[len - 1] == '_' && name[len - 2] == '_')
        && strchr(name, '.') == NULL) {
        size_t clen;
        while (*clsname == '_') {
            clsname++;
        }
        clen = strlen(clsname);
        if (clen > 0) {
            return mname[0] == '_' && strncmp(mname + 1, clsname, clen) == 0
                   && strcmp(mname + 1 + clen, name) == 0;
        }
    }
    return strcmp(mname, name) == 0;
}

/* Append the not yet taken slot member of class b declared as name (a
 * str; anything else is skipped).  0 / -1. */
static int
take_declared(PymTypeInfo *t, Py_ssize_t *cap, PyTypeObject *b, const char *clsname, PyObject *name,
              char *taken)
{
    const char *cname;
    Py_ssize_t j = 0;
    PyMemberDef *m;
    if (!PyUnicode_Check(name)) {
        return 0;
    }
    cname = PyUnicode_AsUTF8(name);
    if (cname == NULL) {
        PyErr_Clear();
        return 0;
    }
    for (m = b->tp_members; m->name != NULL; m++, j++) {
        if (!taken[j] && is_slot_member(m) && slot_name_is(m->name, cname, clsname)) {
            taken[j] = 1;
            return add_slot(t, cap, m);
        }
    }
    return 0;
}

/* The slot members of one class b, in the order its own __slots__
 * declares them (CPython stores them sorted by name), then any member the
 * declaration does not name (a __slots__ replaced after the class was
 * made, an iterator that was consumed).  0 / -1. */
static int
collect_class_slots(PymTypeInfo *t, Py_ssize_t *cap, PyTypeObject *b)
{
    PyObject *dict = NULL, *decl = NULL, *key;
    const char *clsname = NULL;
    char *taken = NULL;
    Py_ssize_t nmem = 0, nslot = 0, i, pos = 0;
    PyMemberDef *m;
    int res = -1;
    for (m = b->tp_members; m->name != NULL; m++) {
        nmem++;
        nslot += is_slot_member(m);
    }
    if (nslot == 0) {
        return 0;   /* the common case: no __slots__ here, nothing to look up */
    }
    taken = (char *)PyMem_RawCalloc((size_t)nmem + 1, 1);
    if (taken == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    dict = PYM_TYPE_DICT(b);
    if (dict != NULL) {
        decl = PyDict_GetItemString(dict, "__slots__");   /* borrowed, str key: no code */
        Py_XINCREF(decl);
    }
    if (PyUnicode_Check(((PyHeapTypeObject *)b)->ht_name)) {
        clsname = PyUnicode_AsUTF8(((PyHeapTypeObject *)b)->ht_name);
        if (clsname == NULL) {
            PyErr_Clear();
        }
    }
    if (decl == NULL) {
        /* nothing declared here */
    }
    else if (PyUnicode_Check(decl)) {
        if (take_declared(t, cap, b, clsname, decl, taken) < 0) {
            goto done;
        }
    }
    else if (PyTuple_Check(decl) || PyList_Check(decl)) {
        /* Nothing below runs code, so the sequence cannot change. */
        for (i = 0; i < PySequence_Fast_GET_SIZE(decl); i++) {
            if (take_declared(t, cap, b, clsname, PySequence_Fast_GET_ITEM(decl, i), taken) < 0) {
                goto done;
            }
        }
    }
    else if (PyDict_Check(decl)) {
        PyObject *v;
        while (PyDict_Next(decl, &pos, &key, &v)) {
            if (take_declared(t, cap, b, clsname, key, taken) < 0) {
                goto done;
            }
        }
    }
    for (m = b->tp_members, i = 0; m->name != NULL; m++, i++) {
        if (!taken[i] && is_slot_member(m) && add_slot(t, cap, m) < 0) {
            goto done;
        }
    }
    res = 0;
done:
    Py_XDECREF(decl);
    Py_XDECREF(dict);
    PyMem_RawFree(taken);
    return res;
}

/* Collect the __slots__ members declared by tp and its Python bases, most
 * derived class first, each class's in declaration order (Pympler 1.1's
 * order, so a value shared by two slots is credited to the same one).
 * 0 / -1. */
static int
collect_slots(PymState *st, PyTypeObject *tp, PymTypeInfo *t)
{
    PyObject *mro = tp->tp_mro;
    Py_ssize_t i, cap = 0;
    t->t_nslots = 0;
    if (mro == NULL || !PyTuple_Check(mro)) {
        return 0;
    }
    for (i = 0; i < PyTuple_GET_SIZE(mro); i++) {
        PyTypeObject *b = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
        if (!PyType_Check(b) || !is_python_class(st, b) || b->tp_members == NULL) {
            continue;
        }
        if (collect_class_slots(t, &cap, b) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Referents of an instance's builtin (solid) base. */
static int
base_kind(PymState *st, PyTypeObject *tp)
{
    PyTypeObject *b = tp;
    int k;
    while (b != NULL && is_python_class(st, b)) {
        b = b->tp_base;
    }
    if (b == NULL || b == &PyBaseObject_Type) {
        return PYM_K_LEAF;
    }
    if (pym_npy_array_type(b) != NULL) {
        return PYM_K_NDARRAY;   /* np.memmap, np.matrix, masked arrays, ... */
    }
    k = container_kind(b);
    if (k >= 0) {
        return k;
    }
    if (PyType_IS_GC(b) && b->tp_traverse != NULL) {
        return PYM_K_ARRAY;   /* visited through b->tp_traverse */
    }
    return PYM_K_LEAF;
}

/* Fill t for tp.  0 / -1. */
static int
classify(PymState *st, PyTypeObject *tp, int infer, PyObject *dictlike, PymTypeInfo *t)
{
    int k;
    t->t_kind = PYM_K_LEAF;
    t->t_special = PYM_S_NONE;
    t->t_base_kind = PYM_K_LEAF;
    t->t_flags = 0;

    if (tp == &PyList_Type) {
        t->t_kind = PYM_K_LIST;
        return 0;
    }
    if (tp == &PyTuple_Type) {
        t->t_kind = PYM_K_TUPLE;
        return 0;
    }
    if (tp == &PyDict_Type) {
        t->t_kind = PYM_K_DICT;
        return 0;
    }
    if (tp == &PySet_Type || tp == &PyFrozenSet_Type) {
        t->t_kind = PYM_K_SET;
        return 0;
    }
    if (tp == &PyLong_Type || tp == &PyUnicode_Type || tp == &PyFloat_Type || tp == &PyBytes_Type
        || tp == &PyBool_Type || tp == Py_TYPE(Py_None)) {
        return 0;
    }
    if (tp == &PyBaseObject_Type || tp == &PySuper_Type) {
        t->t_flags = PYM_T_IGNORED;
        return 0;
    }
    if (PyType_IsSubtype(tp, &PyType_Type)) {
        t->t_kind = PYM_K_ARRAY;
        t->t_special = PYM_S_TYPE;
        t->t_flags = PYM_T_CODE_ONLY | PYM_T_TYPEOBJ;
        return 0;
    }
    if (is_python_class(st, tp)) {
        if (PyType_IsSubtype(tp, (PyTypeObject *)PyExc_BaseException)) {
            t->t_kind = PYM_K_ARRAY;
            t->t_special = PYM_S_EXCEPTION;
            return 0;
        }
        t->t_kind = PYM_K_INSTANCE;
        t->t_base_kind = base_kind(st, tp);
        if (t->t_base_kind == PYM_K_NDARRAY) {
            t->t_flags |= PYM_T_NUMPY;
        }
        if (container_kind(tp) != PYM_K_DICT && is_dictlike(tp, infer, dictlike)) {
            /* A dict-like instance: its own storage, then the keys and
             * values of items() in place of a builtin base's items. */
            t->t_base_kind = PYM_K_ARRAY;
            t->t_special = PYM_S_DICTLIKE;
        }
        return collect_slots(st, tp, t);
    }
    /* C types from here on. */
    if (pym_npy_array_type(tp) != NULL) {
        t->t_kind = PYM_K_NDARRAY;
        t->t_flags = PYM_T_NUMPY;
        return 0;
    }
    if (is_structseq(tp)) {
        t->t_kind = PYM_K_ARRAY;
        t->t_special = PYM_S_STRUCTSEQ;
        return 0;
    }
    k = container_kind(tp);
    if (k >= 0) {
        t->t_kind = k;
        return 0;
    }
    if (tp == &PyModule_Type || PyType_IsSubtype(tp, &PyModule_Type)) {
        t->t_kind = PYM_K_MODULE;
        return 0;
    }
    t->t_kind = PYM_K_ARRAY;
    if (tp == &PyFunction_Type) {
        t->t_special = PYM_S_FUNCTION;
        t->t_flags = PYM_T_CODE_ONLY;
    }
    else if (tp == &PyMethod_Type) {
        t->t_special = PYM_S_METHOD;
        t->t_flags = PYM_T_CODE_ONLY;
    }
    else if (PyType_IsSubtype(tp, &PyClassMethod_Type)
             || PyType_IsSubtype(tp, &PyStaticMethod_Type)) {
        t->t_special = PYM_S_CLASSMETHOD;
        t->t_flags = PYM_T_CODE_ONLY;
    }
    else if (tp == &PyCode_Type) {
        t->t_special = PYM_S_CODE;
        t->t_flags = PYM_T_CODE_ONLY;
    }
    else if (PyType_IsSubtype(tp, &PyCFunction_Type)) {
        t->t_kind = PYM_K_LEAF;
        t->t_flags = PYM_T_CODE_ONLY | PYM_T_IGNORED;
    }
    else if (tp == &PyCell_Type) {
        t->t_special = PYM_S_CELL;
    }
    else if (tp == &PyGen_Type || tp == &PyCoro_Type || tp == &PyAsyncGen_Type) {
        t->t_special = PYM_S_GENERATOR;
    }
    else if (tp == &PyFrame_Type) {
        t->t_special = PYM_S_FRAME;
        t->t_flags = PYM_T_FRAME;
    }
    else if (PyType_IsSubtype(tp, (PyTypeObject *)PyExc_BaseException)) {
        t->t_special = PYM_S_EXCEPTION;
    }
    else if (tp == &PyTraceBack_Type) {
        t->t_special = PYM_S_TRACEBACK;
    }
    else if (tp == &_PyWeakref_CallableProxyType) {
        t->t_special = PYM_S_WEAKREF;
        t->t_flags = PYM_T_CODE_ONLY;
    }
    else if (PyType_IsSubtype(tp, &_PyWeakref_RefType) || tp == &_PyWeakref_ProxyType) {
        t->t_special = PYM_S_WEAKREF;
    }
    else if (PyType_IsSubtype(tp, &PyProperty_Type)) {
        t->t_special = PYM_S_PROPERTY;
    }
    else if (tp == &PyEnum_Type || tp == &PyReversed_Type) {
        t->t_special = PYM_S_DOCONLY;
    }
    else if (is_dictlike(tp, infer, dictlike)) {
        t->t_special = PYM_S_DICTLIKE;
    }
    else if (tp->tp_call != NULL && tp->tp_dictoffset == 0) {
        /* Other callables that are not class instances: code only. */
        t->t_special = PyType_IS_GC(tp) && tp->tp_traverse != NULL ? PYM_S_TRAVERSE : PYM_S_NONE;
        t->t_flags = PYM_T_CODE_ONLY;
        if (t->t_special == PYM_S_NONE) {
            t->t_kind = PYM_K_LEAF;
        }
    }
    else if (PyType_IS_GC(tp) && tp->tp_traverse != NULL) {
        /* C containers (deque, partial, iterators, ...): what the garbage
         * collector visits. */
        t->t_special = PYM_S_TRAVERSE;
    }
    else {
        t->t_kind = PYM_K_LEAF;
    }
    return 0;
}

PymTypeInfo *
pym_typecache_get(PymState *st, PymTypeCache *c, PyTypeObject *tp, int infer, PyObject *dictlike)
{
    Py_ssize_t *ix = pym_ptrmap_get(&c->c_index, tp);
    PymTypeInfo *t;
    if (ix != NULL) {
        return &c->c_items[*ix];
    }
    if (c->c_len == c->c_cap) {
        Py_ssize_t ncap = c->c_cap ? c->c_cap * 2 : 16;
        PymTypeInfo *items = (PymTypeInfo *)PyMem_RawRealloc(c->c_items,
                                                             (size_t)ncap * sizeof(PymTypeInfo));
        if (items == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        c->c_items = items;
        c->c_cap = ncap;
    }
    t = &c->c_items[c->c_len];
    memset(t, 0, sizeof(*t));
    if (classify(st, tp, infer, dictlike, t) < 0) {
        PyMem_RawFree(t->t_slot_offsets);
        PyMem_RawFree((void *)t->t_slot_names);
        return NULL;
    }
    t->t_sizeof_how = PYM_SIZEOF_UNRESOLVED;
    t->t_sizeof_func = NULL;
    t->t_type = tp;
    Py_INCREF(tp);
    if (pym_ptrmap_setdefault(&c->c_index, tp, c->c_len) < 0) {
        Py_CLEAR(t->t_type);
        Py_CLEAR(t->t_sizeof_func);
        PyMem_RawFree(t->t_slot_offsets);
        PyMem_RawFree((void *)t->t_slot_names);
        return NULL;
    }
    c->c_len++;
    return t;
}

int
pym_typeinfo_sizeof_how(PymState *st, PymTypeInfo *t)
{
    if (t->t_sizeof_how == PYM_SIZEOF_UNRESOLVED) {
        PyObject *func;
        int how = pym_sizing_resolve(st, t->t_type, &func);
        Py_XINCREF(func);
        t->t_sizeof_func = func;
        t->t_sizeof_how = how;
    }
    return t->t_sizeof_how;
}

int
pym_type_is_ignored(PymState *st, PyTypeObject *o)
{
    PyObject *dict, *mod;
    int res = 0;
    if (!(o->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        /* Static types: the module is the tp_name prefix, builtins if none. */
        return strchr(o->tp_name, '.') == NULL;
    }
    dict = PYM_TYPE_DICT(o);
    if (dict == NULL) {
        return 0;
    }
    mod = PyDict_GetItemWithError(dict, st->ms_str_module);   /* borrowed from dict */
    if (mod == NULL) {
        PyErr_Clear();
    }
    else if (PyUnicode_Check(mod)) {
        res = PyUnicode_CompareWithASCIIString(mod, "builtins") == 0
              || PyUnicode_CompareWithASCIIString(mod, "types") == 0
              || PyUnicode_CompareWithASCIIString(mod, "pympler.asizeof") == 0;
    }
    Py_DECREF(dict);
    return res;
}
