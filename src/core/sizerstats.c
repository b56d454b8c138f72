/* sizerstats.c -- statistics of a sizing run: per-type profiles (count,
 * total and largest flat size, with a reference to the largest object) and
 * the ranking of the largest objects by total size.
 *
 * Collected by the walk (walk.c) only when the caller asked for statistics
 * (Sizer.configure(profile=True)); read by Sizer.profiles() and
 * Sizer.ranks() (sizer.c) and printed by src/pympler/_asizeof_stats.py.
 */
#include "sizer.h"

#define MAX_RANKS 100

/* A reference for statistics: a weak reference when possible, else a
 * 1-tuple holding o (so that a weakref given by the user stays itself). */
static PyObject *
stat_ref(PyObject *o)
{
    if (PyType_SUPPORTS_WEAKREFS(Py_TYPE(o)) && !PyType_Check(o)) {
        PyObject *r = PyWeakref_NewRef(o, NULL);
        if (r != NULL) {
            return r;
        }
        PyErr_Clear();
    }
    return PyTuple_Pack(1, o);
}

/* Statistics key (class, is_def): (type(o), False) for instances,
 * (o, True) for class objects.  Never hashed: records are found by the
 * address of the class (pym_stats_profile), so no metaclass __hash__ or
 * __eq__ runs and unhashable classes are fine. */
static PyObject *
stat_key(PyObject *o)
{
    if (PyType_Check(o)) {
        return PyTuple_Pack(2, o, Py_True);
    }
    return PyTuple_Pack(2, (PyObject *)Py_TYPE(o), Py_False);
}

/* Update the per-type profile with o's flat size.  The profiles dict maps
 * the int address of the class (plus 1 for a class object itself: classes
 * are word-aligned) to [count, total, largest flat, ref, stat_key].
 * 0 / -1. */
int
pym_stats_profile(PymSizerObject *z, PyObject *o, Py_ssize_t flat)
{
    PyObject *key = NULL, *rec = NULL;
    int res = -1;
    if (z->z_profiles == NULL && (z->z_profiles = PyDict_New()) == NULL) {
        return -1;
    }
    key = PyType_Check(o) ? PyLong_FromVoidPtr((char *)o + 1)
                          : PyLong_FromVoidPtr((void *)Py_TYPE(o));
    if (key == NULL) {
        goto done;
    }
    rec = PyDict_GetItemWithError(z->z_profiles, key);   /* borrowed */
    if (rec == NULL) {
        if (PyErr_Occurred()) {
            goto done;
        }
        rec = Py_BuildValue("[nnnNN]", (Py_ssize_t)1, flat, flat, stat_ref(o), stat_key(o));
        if (rec == NULL) {
            goto done;
        }
        res = PyDict_SetItem(z->z_profiles, key, rec);
        Py_DECREF(rec);
        goto done;
    }
    else {
        Py_ssize_t count = PyLong_AsSsize_t(PyList_GET_ITEM(rec, 0));
        Py_ssize_t total = PyLong_AsSsize_t(PyList_GET_ITEM(rec, 1));
        Py_ssize_t high = PyLong_AsSsize_t(PyList_GET_ITEM(rec, 2));
        PyObject *v;
        if ((v = PyLong_FromSsize_t(count + 1)) == NULL || PyList_SetItem(rec, 0, v) < 0) {
            goto done;
        }
        if ((v = PyLong_FromSsize_t(total + flat)) == NULL || PyList_SetItem(rec, 1, v) < 0) {
            goto done;
        }
        if (flat > high) {
            if ((v = PyLong_FromSsize_t(flat)) == NULL || PyList_SetItem(rec, 2, v) < 0) {
                goto done;
            }
            if ((v = stat_ref(o)) == NULL || PyList_SetItem(rec, 3, v) < 0) {
                goto done;
            }
        }
    }
    res = 0;
done:
    Py_XDECREF(key);
    return res;
}

/* Rank o by its total size among the MAX_RANKS largest.  0 / -1. */
int
pym_stats_rank(PymSizerObject *z, PyObject *o, Py_ssize_t total, Py_ssize_t depth, PyObject *parent)
{
    Py_ssize_t n, lo, hi;
    PyObject *entry;
    if (!z->z_profile || z->z_above <= 0 || total <= z->z_above) {
        return 0;
    }
    z->z_ranked++;
    if (z->z_ranks == NULL && (z->z_ranks = PyList_New(0)) == NULL) {
        return -1;
    }
    n = PyList_GET_SIZE(z->z_ranks);
    if (n >= MAX_RANKS
        && total <= PyLong_AsSsize_t(PyTuple_GET_ITEM(PyList_GET_ITEM(z->z_ranks, n - 1), 0))) {
        return 0;
    }
    lo = 0;
    hi = n;
    while (lo < hi) {   /* first entry smaller than total */
        Py_ssize_t mid = (lo + hi) / 2;
        Py_ssize_t v = PyLong_AsSsize_t(PyTuple_GET_ITEM(PyList_GET_ITEM(z->z_ranks, mid), 0));
        if (v >= total) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    entry = Py_BuildValue("(nNNnnn)", total, stat_ref(o), stat_key(o), depth,
                          (Py_ssize_t)(uintptr_t)o, (Py_ssize_t)(uintptr_t)parent);
    if (entry == NULL) {
        return -1;
    }
    if (PyList_Insert(z->z_ranks, lo, entry) < 0) {
        Py_DECREF(entry);
        return -1;
    }
    Py_DECREF(entry);
    if (PyList_GET_SIZE(z->z_ranks) > MAX_RANKS) {
        return PyList_SetSlice(z->z_ranks, MAX_RANKS, PyList_GET_SIZE(z->z_ranks), NULL);
    }
    return 0;
}
