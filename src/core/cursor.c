/* cursor.c -- lazy, mutation-safe iteration over an object's referents.
 *
 * A frame (PymFrame) holds a strong reference to its object and an integer
 * position.  Every step re-reads the container (size, table pointer, mask)
 * before indexing, because Python code run between steps (a __sizeof__, a
 * finalizer, another thread) may have resized or cleared it: a stale
 * position yields "end" or a different item, never a wild read.  Children
 * are returned as new references.
 *
 * Dict positions encode (position << 1 | half): half 0 yields the key of the
 * next entry at or after the position, half 1 the value of the entry at the
 * position (3.11+ reads the entries in place; before, PyDict_Next).
 * Python interface: none (the walk in walk.c and Sizer.referents drive it).
 */
#include "pympler.h"
#include "cursor_fast.h"
#include "typecache.h"   /* pym_typecache_lookup */
#include "npy.h"

/* Un-materialised attribute values: (slot << 1 | half), key then value. */
static int
values_next(PyObject *o, Py_ssize_t *idx, PymRef *out)
{
    PymInstanceAttrs a;
    pym_instance_attrs(o, &a);
    if (a.ia_values == NULL) {
        return PYM_NEXT_END;   /* materialised meanwhile: the dict is elsewhere */
    }
    while ((*idx >> 1) < a.ia_capacity) {
        Py_ssize_t i = *idx >> 1;
        PyObject *v = a.ia_values[i];
        PyObject *key;
        if (v == NULL) {
            *idx = (i + 1) << 1;
            continue;
        }
        key = pym_instance_value_key(o, i);
        if ((*idx & 1) == 0) {
            (*idx)++;
            if (key != NULL) {
                child(out, key, PYM_NAME_KEY, NULL, key);
                out->r_owned = 0;   /* owned by the class's shared keys */
                return PYM_NEXT_CHILD;
            }
            continue;
        }
        *idx = (i + 1) << 1;
        return child(out, v, key != NULL ? PYM_NAME_VALUE : PYM_NAME_NONE, NULL, key);
    }
    return PYM_NEXT_END;
}

/* The byte offsets of the object fields of structured array o's dtype,
 * as a bytes object holding the dtype's address then the offsets, or NULL
 * (no object field at the top level, or an error: cleared).  Reads the
 * dtype's fields through numpy's own getter (a C function of the dtype's
 * type).  Nested structures and sub-arrays of objects are not looked
 * into. */
static PYM_NOINLINE PyObject *
npy_object_fields(PyObject *o)
{
    PyObject *descr = ((PymNpyArray *)o)->na_descr;
    PyObject *key = NULL, *getter, *fields = NULL, *items = NULL, *res = NULL;
    Py_ssize_t i, n = 0, j;
    uintptr_t buf[64];
    PyGetSetDef *gs;
    buf[n++] = (uintptr_t)descr;
    key = PyUnicode_InternFromString("fields");
    if (key == NULL) {
        goto done;
    }
    getter = _PyType_Lookup(Py_TYPE(descr), key);   /* borrowed */
    if (getter == NULL || !Py_IS_TYPE(getter, &PyGetSetDescr_Type)) {
        goto done;
    }
    gs = ((PyGetSetDescrObject *)getter)->d_getset;
    if (gs->get == NULL || (fields = gs->get(descr, gs->closure)) == NULL) {
        goto done;
    }
    if (!PyDict_Check(fields) && !Py_IS_TYPE(fields, &PyDictProxy_Type)) {
        goto done;   /* None: not structured */
    }
    items = PyMapping_Items(fields);   /* the proxy of numpy's own dict: C only */
    if (items == NULL || !PyList_Check(items)) {
        goto done;
    }
    for (i = 0; i < PyList_GET_SIZE(items) && n < 64; i++) {
        PyObject *pair = PyList_GET_ITEM(items, i), *val, *dt;
        Py_ssize_t off;
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            continue;
        }
        val = PyTuple_GET_ITEM(pair, 1);   /* (dtype, offset[, title]) */
        if (!PyTuple_Check(val) || PyTuple_GET_SIZE(val) < 2) {
            continue;
        }
        dt = PyTuple_GET_ITEM(val, 0);
        if (!pym_npy_is_descr(dt) || ((PymNpyDescr *)dt)->nd_type_num != PYM_NPY_OBJECT
            || !PyLong_CheckExact(PyTuple_GET_ITEM(val, 1))) {
            continue;
        }
        off = PyLong_AsSsize_t(PyTuple_GET_ITEM(val, 1));
        if (off < 0) {
            PyErr_Clear();
            continue;
        }
        for (j = 1; j < n && buf[j] != (uintptr_t)off; j++) {
        }
        if (j == n) {   /* a title names a field a second time */
            buf[n++] = (uintptr_t)off;
        }
    }
    if (n > 1) {
        res = PyBytes_FromStringAndSize((const char *)buf, n * (Py_ssize_t)sizeof(uintptr_t));
    }
done:
    PyErr_Clear();
    Py_XDECREF(items);
    Py_XDECREF(fields);
    Py_XDECREF(key);
    return res;
}

/* A numpy array: position 0 is its base (the array or buffer a view
 * shares data with); position k > 0 the (k - 1)th object slot of an array
 * that holds its items (npy.h): element (k - 1) / nf, object field
 * (k - 1) % nf, where an object array has one field at offset 0 and a
 * structured array the object fields in *aux (npy_object_fields, made on
 * first use and owned by the frame).  Items are owned by the array only
 * when it owns its data. */
static PYM_NOINLINE int
ndarray_next(PyObject *o, Py_ssize_t *idx, void **aux, uint8_t *auxobj, PymRef *out)
{
    int tn;
    Py_ssize_t nf = 1, fo = 0;
    const uintptr_t *offs = NULL;
    if (*idx == 0) {
        PyObject *base = ((PymNpyArray *)o)->na_base;
        *idx = 1;
        if (base != NULL) {
            return child(out, base, PYM_NAME_CSTR, "base", NULL);
        }
    }
    if (!pym_npy_holds_items(o)) {
        return PYM_NEXT_END;
    }
    tn = pym_npy_type_num(o);
    if (tn == PYM_NPY_VOID) {
        if (*aux == NULL) {
            *aux = npy_object_fields(o);
            *auxobj = 1;
            if (*aux == NULL) {
                return PYM_NEXT_END;
            }
        }
        offs = (const uintptr_t *)PyBytes_AS_STRING((PyObject *)*aux);
        if (offs[0] != (uintptr_t)((PymNpyArray *)o)->na_descr) {
            return PYM_NEXT_END;   /* the dtype was replaced meanwhile */
        }
        nf = PyBytes_GET_SIZE((PyObject *)*aux) / (Py_ssize_t)sizeof(uintptr_t) - 1;
    }
    else if (tn != PYM_NPY_OBJECT) {
        return PYM_NEXT_END;
    }
    for (;;) {
        Py_ssize_t k = *idx - 1;
        char *e = pym_npy_element(o, k / nf);
        PyObject *item;
        if (e == NULL) {
            return PYM_NEXT_END;
        }
        if (offs != NULL) {
            fo = (Py_ssize_t)offs[1 + k % nf];
        }
        (*idx)++;
        memcpy(&item, e + fo, sizeof(item));   /* packed dtypes: maybe unaligned */
        if (item != NULL) {
            child(out, item, PYM_NAME_NONE, NULL, NULL);
            out->r_owned = (((PymNpyArray *)o)->na_flags & PYM_NPY_ARRAY_OWNDATA) != 0;
            return PYM_NEXT_CHILD;
        }
    }
}

static PymRefArray *
new_array(void)
{
    PymRefArray *a = (PymRefArray *)PyMem_RawCalloc(1, sizeof(PymRefArray));
    if (a == NULL) {
        PyErr_NoMemory();
    }
    return a;
}

static int
instance_next(PymCursorCtx *ctx, PymFrame *f, PymRef *out)
{
    PyObject *o = f->f_obj;
    PymTypeInfo *t;
    int r;
    switch (f->f_phase) {
    case PH_DICT_FIRST: {
        PymInstanceAttrs a;
        if (f->f_kind == PYM_K_NDARRAY) {
            /* numpy array frames stay in this phase (0, as pushed): the
             * test costs the instances of a walk without tracking, which
             * start at PH_CLASS, nothing. */
            return ndarray_next(o, &f->f_idx, &f->f_aux, &f->f_auxobj, out);
        }
        pym_instance_attrs(o, &a);
        f->f_phase = PH_CLASS;
        if (a.ia_dict != NULL) {
            return child(out, a.ia_dict, PYM_NAME_CSTR, "__dict__", NULL);
        }
        if (a.ia_values != NULL) {
            return PYM_NEXT_VALUES;
        }
    }
    /* fall through */
    case PH_CLASS:
        f->f_phase = PH_SLOTS;
        f->f_idx = 0;
        child(out, (PyObject *)Py_TYPE(o), PYM_NAME_CSTR, "__class__", NULL);
        out->r_owned = 0;
        return PYM_NEXT_CHILD;
    case PH_SLOTS:
        t = pym_typecache_lookup(ctx->o_state, ctx->o_types, Py_TYPE(o), ctx->o_infer,
                                 ctx->o_dictlike);
        if (t == NULL) {
            return -1;
        }
        while (f->f_idx < t->t_nslots) {
            Py_ssize_t off = t->t_slot_offsets[f->f_idx];
            const char *name = t->t_slot_names[f->f_idx];
            PyObject *v;
            f->f_idx++;
            if (off < 0 || off + (Py_ssize_t)sizeof(PyObject *) > Py_TYPE(o)->tp_basicsize) {
                continue;
            }
            v = *(PyObject **)((char *)o + off);
            if (v != NULL) {
                return child(out, v, PYM_NAME_MEMBER, name, NULL);
            }
        }
        f->f_phase = PH_BASE;
        f->f_idx = 0;
    /* fall through */
    case PH_BASE:
        t = pym_typecache_lookup(ctx->o_state, ctx->o_types, Py_TYPE(o), ctx->o_infer,
                                 ctx->o_dictlike);
        if (t == NULL) {
            return -1;
        }
        r = PYM_NEXT_END;
        switch (t->t_base_kind) {
        case PYM_K_LIST:
            r = PyList_Check(o) ? list_next(o, &f->f_idx, out) : PYM_NEXT_END;
            break;
        case PYM_K_TUPLE:
            r = PyTuple_Check(o) ? tuple_next(o, &f->f_idx, out) : PYM_NEXT_END;
            break;
        case PYM_K_DICT:
            r = PyDict_Check(o) ? dict_next(o, &f->f_idx, out) : PYM_NEXT_END;
            break;
        case PYM_K_SET:
            r = PyAnySet_Check(o) ? set_next(o, &f->f_idx, out) : PYM_NEXT_END;
            break;
        case PYM_K_NDARRAY:
            r = ndarray_next(o, &f->f_idx, &f->f_aux, &f->f_auxobj, out);
            break;
        case PYM_K_ARRAY:
            if (f->f_aux == NULL) {
                PymRefArray *arr = new_array();
                if (arr == NULL) {
                    return -1;
                }
                f->f_aux = arr;
                f->f_auxobj = 0;
                if (t->t_special == PYM_S_DICTLIKE
                        ? pym_referents_collect(ctx->o_state, o, PYM_S_DICTLIKE, ctx->o_code, arr)
                        : pym_referents_base(ctx->o_state, o, arr)) {
                    return -1;
                }
            }
            r = array_next((PymRefArray *)f->f_aux, out);
            break;
        default:
            break;
        }
        if (r != PYM_NEXT_END) {
            return r;
        }
        if (!ctx->o_dict_last) {
            f->f_phase = PH_END;
            return PYM_NEXT_END;
        }
        f->f_phase = PH_DICT_LAST;
    /* fall through */
    case PH_DICT_LAST: {
        PymInstanceAttrs a;
        pym_instance_attrs(o, &a);
        f->f_idx = 0;
        if (a.ia_dict != NULL) {
            f->f_phase = PH_END;
            return child(out, a.ia_dict, PYM_NAME_CSTR, "__dict__", NULL);
        }
        if (a.ia_values == NULL || (Py_ssize_t)f->f_depth + 1 >= ctx->o_limit) {
            /* No values, or the virtual __dict__ sits at the depth limit:
             * its storage was counted with the instance, its items are not. */
            f->f_phase = PH_END;
            return PYM_NEXT_END;
        }
        f->f_phase = PH_VALUES;
    }
    /* fall through */
    case PH_VALUES:
        r = values_next(o, &f->f_idx, out);
        if (r == PYM_NEXT_END) {
            f->f_phase = PH_END;
        }
        return r;
    default:
        return PYM_NEXT_END;
    }
}

/* Values slots of o after position idx hold nothing more: 1 / 0. */
static int
values_done(PyObject *o, Py_ssize_t idx)
{
    PymInstanceAttrs a;
    Py_ssize_t i;
    pym_instance_attrs(o, &a);
    if (a.ia_values == NULL) {
        return 1;
    }
    if (idx & 1) {
        return 0;   /* the value of the current key is still to come */
    }
    for (i = idx >> 1; i < a.ia_capacity; i++) {
        if (a.ia_values[i] != NULL) {
            return 0;
        }
    }
    return 1;
}

int
pym_cursor_done(PymFrame *f)
{
    switch (f->f_kind) {
    case PYM_K_LIST:
        return f->f_idx >= PyList_GET_SIZE(f->f_obj);
    case PYM_K_TUPLE:
        return f->f_idx >= PyTuple_GET_SIZE(f->f_obj);
    case PYM_K_DICT:
        return dict_done(f->f_auxobj ? (PyObject *)f->f_aux : f->f_obj, f->f_idx);
    case PYM_K_ARRAY: {
        PymRefArray *a = (PymRefArray *)f->f_aux;
        return a == NULL || a->a_pos >= a->a_len;
    }
    case PYM_K_VALUES:
        return values_done(f->f_obj, f->f_idx);
    case PYM_K_INSTANCE:
        if (f->f_phase == PH_END) {
            return 1;
        }
        return f->f_phase == PH_VALUES && values_done(f->f_obj, f->f_idx);
    default:
        return 0;
    }
}

int
pym_cursor_next_other(PymCursorCtx *ctx, PymFrame *f, PymRef *out)
{
    switch (f->f_kind) {
    case PYM_K_INSTANCE:
    case PYM_K_NDARRAY:   /* dispatched in instance_next: kept out of this
                           * switch, which the walk's loop inlines */
        return instance_next(ctx, f, out);
    case PYM_K_VALUES:
        return values_next(f->f_obj, &f->f_idx, out);
    default:
        return PYM_NEXT_END;
    }
}

void
pym_cursor_release(PymFrame *f)
{
    if (f->f_aux != NULL) {
        if (f->f_auxobj) {
            Py_DECREF((PyObject *)f->f_aux);
        }
        else {
            pym_refarray_free((PymRefArray *)f->f_aux);
            PyMem_RawFree(f->f_aux);
        }
        f->f_aux = NULL;
    }
    Py_CLEAR(f->f_obj);
}
