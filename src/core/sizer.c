/* sizer.c -- pympler._core.Sizer, the deep sizer behind
 * pympler.asizeof.Asizer: options, positional arguments and exclusions, the
 * counters and statistics a caller reads, and the referents of one object.
 *
 * The walk itself is in walk.c, statistics in sizerstats.c; the struct is
 * in sizer.h.  A busy flag makes re-entrant use of the same Sizer (from a
 * Python __sizeof__, say) raise instead of corrupting it; other Sizers
 * (another thread, a nested asizeof) are independent.  Python interface:
 * src/pympler/asizeof.py.
 */
#include "sizer.h"
#include "cursor_fast.h"   /* pym_cursor_next */

#include <string.h>   /* memset */

/* ---- state --------------------------------------------------------------- */

/* Drop the type cache (classes may change between calls). */
static void
types_clear(PymSizerObject *z)
{
    pym_typecache_clear(&z->z_types);
}

/* Back to the empty inline bloom filter. */
static void
bloom_reset(PymSizerObject *z)
{
    if (z->z_mark_bloom != NULL && z->z_mark_bloom != z->z_mark_bloom0) {
        PyMem_RawFree(z->z_mark_bloom);
    }
    z->z_mark_bloom = z->z_mark_bloom0;
    z->z_mark_mask = PYM_MARK_BLOOM_BITS - 1;
    memset(z->z_mark_bloom0, 0, sizeof(z->z_mark_bloom0));
}

/* After marks were added: with more than one mark per 16 bits, a filter of
 * about 32 bits per mark (a power of two, at most PYM_MARK_BLOOM_MAX_BITS),
 * rebuilt from the map.  Out of memory, the old one stays (it is only a
 * filter).  Never fails. */
static void
bloom_fit(PymSizerObject *z)
{
    size_t used = z->z_marks.m_used, bits = z->z_mark_mask + 1, want, j;
    uint64_t *f;
    if (used * 16 <= bits || bits >= PYM_MARK_BLOOM_MAX_BITS) {
        return;
    }
    want = bits;
    while (want < used * 32 && want < PYM_MARK_BLOOM_MAX_BITS) {
        want *= 2;
    }
    f = PyMem_RawCalloc(want / 64, sizeof(uint64_t));
    if (f == NULL) {
        return;
    }
    if (z->z_mark_bloom != z->z_mark_bloom0) {
        PyMem_RawFree(z->z_mark_bloom);
    }
    z->z_mark_bloom = f;
    z->z_mark_mask = want - 1;
    for (j = 0; j <= z->z_marks.m_mask && z->z_marks.m_keys != NULL; j++) {
        if (z->z_marks.m_keys[j] != 0) {
            pym_mark_add(z, (const void *)z->z_marks.m_keys[j]);
        }
    }
}

static void
sizer_reset_state(PymSizerObject *z)
{
    pym_idset_clear(&z->z_seen);
    pym_ptrmap_clear(&z->z_marks);
    pym_ptrmap_clear(&z->z_xtypes);
    types_clear(z);
    bloom_reset(z);
    z->z_total = z->z_sized = z->z_nseen = z->z_duplicate = 0;
    z->z_missed = z->z_excluded = z->z_depth = z->z_ranked = 0;
    Py_CLEAR(z->z_profiles);
    Py_CLEAR(z->z_ranks);
    z->z_peak_mem = 0;
}

static int
sizer_check_idle(PymSizerObject *z)
{
    if (z->z_busy) {
        PyErr_SetString(PyExc_RuntimeError,
                        "this sizer is already sizing (re-entrant use from __sizeof__?)");
        return -1;
    }
    return 0;
}

/* ---- runs ------------------------------------------------------------------ */

static int
mark_objects(PymSizerObject *z, PyObject *seq, Py_ssize_t value)
{
    PyObject *fast = PySequence_Fast(seq, "expected a sequence");
    Py_ssize_t i;
    if (fast == NULL) {
        return -1;
    }
    for (i = 0; i < PySequence_Fast_GET_SIZE(fast); i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(fast, i);
        if (pym_idset_contains(&z->z_seen, o)) {
            continue;
        }
        if (pym_ptrmap_setdefault(&z->z_marks, o, value) < 0) {
            Py_DECREF(fast);
            return -1;
        }
        pym_mark_add(z, o);
    }
    Py_DECREF(fast);
    bloom_fit(z);
    return 0;
}

PyDoc_STRVAR(sizer_sizes_doc,
"sizes(objs, tree=False, once=False, distinct=False) -> tuple or int\n\n"
"Size each object of the tuple objs (given objects are not recounted when\n"
"reached from another).  With tree, return (name, obj, total, flat,\n"
"children) node tuples down to the detail level instead of totals.  With\n"
"once, which objects were seen is forgotten after the call (counters and\n"
"statistics stay), which lets the walk skip recording objects that have a\n"
"single owner.  With distinct (not with tree), return only the combined\n"
"total of the objects, each object reached counted once, without noting\n"
"the given objects: the same sum as the totals' when nothing is cut by\n"
"the limit option (asizeof(all=True) over the collector's objects).");

static PyObject *sizes_distinct(PymSizerObject *z, PyObject *objs);

static PyObject *
sizer_sizes(PymSizerObject *z, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"objs", "tree", "once", "distinct", NULL};
    PyObject *objs, *result = NULL, *given = NULL;
    int tree = 0, once = 0, distinct = 0;
    Py_ssize_t i, n;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!|ppp:sizes", kwlist, &PyTuple_Type, &objs,
                                     &tree, &once, &distinct)) {
        return NULL;
    }
    if (distinct && tree) {
        PyErr_SetString(PyExc_ValueError, "sizes(): distinct cannot be combined with tree");
        return NULL;
    }
    if (sizer_check_idle(z) < 0) {
        return NULL;
    }
    z->z_busy = 1;
    z->z_tree = tree;
    /* Single-owner shortcut.  A child reached through a reference its
     * container owns, whose reference count is 2 (that reference and ours),
     * has no other referrer, so no other path of this run leads to it and it
     * need not be recorded in the seen set.  That holds only when every path
     * to an object goes through a reference it counts: not for weak
     * references (so weakly referenceable objects are excluded), not for the
     * shortcuts code=True follows (a class's __doc__ read directly and again
     * through its __dict__), not for dict-likes whose items() may yield
     * anything; and only within one run (once), since a later call would not
     * know the object was counted.  A Python __sizeof__ can make new
     * references to anything: before the first one runs, the objects the
     * shortcut skipped are recorded after all and the shortcut is off for
     * the rest of the run (solo_flush in walk.c). */
    z->z_solo = once && !z->z_code && !z->z_infer
                && (z->z_dictlike == NULL || PyTuple_GET_SIZE(z->z_dictlike) == 0);
    /* A given module's dict is walked twice when it is also reached as an
     * object (inspect.mod_dict = globals()): its items are then no single
     * owner's.  Those dicts are known here (deeper modules are not walked). */
    if (z->z_solo && pym_walk_moddicts(z, objs) < 0) {
        Py_CLEAR(z->z_moddicts);
        z->z_busy = 0;
        return NULL;
    }
    z->z_tracking = tree || (z->z_profile && z->z_above > 0);
    /* A module-level call without statistics drops the sizer unread. */
    z->z_lean = once && !z->z_profile;
    /* A class changed since the last call must be re-read. */
    types_clear(z);
    n = PyTuple_GET_SIZE(objs);
    if (distinct) {
        result = sizes_distinct(z, objs);
        goto done;
    }
    if (mark_objects(z, objs, 0) < 0) {
        goto error;
    }
    result = PyTuple_New(n);
    given = PyDict_New();   /* id -> result, for repeated arguments */
    if (result == NULL || given == NULL) {
        goto error;
    }
    for (i = 0; i < n; i++) {
        PyObject *o = PyTuple_GET_ITEM(objs, i);
        PyObject *key = PyLong_FromVoidPtr(o), *prev, *val = NULL;
        if (key == NULL) {
            goto error;
        }
        prev = PyDict_GetItemWithError(given, key);   /* borrowed */
        if (prev != NULL) {
            Py_ssize_t *mark = pym_ptrmap_get(&z->z_marks, o);
            z->z_nseen++;
            if (mark != NULL && *mark >= 0) {
                *mark += 2;   /* one more encounter, see encounter() */
                if ((*mark >> 1) == 2) {
                    z->z_duplicate++;
                }
            }
            else if (mark == NULL) {
                int r = pym_idset_add(&z->z_seen, o);
                if (r < 0) {
                    Py_DECREF(key);
                    goto error;
                }
                if (r == 1) {
                    z->z_duplicate++;
                }
            }
            val = Py_NewRef(prev);
        }
        else if (!PyErr_Occurred()) {
            PyObject *node = NULL;
            Py_ssize_t total = pym_walk_root(z, o, &node);
            if (total >= 0) {
                z->z_total += total;
                val = tree ? node : PyLong_FromSsize_t(total);
                if (!tree) {
                    Py_XDECREF(node);
                }
                if (val != NULL && PyDict_SetItem(given, key, val) < 0) {
                    Py_CLEAR(val);
                }
            }
        }
        Py_DECREF(key);
        if (val == NULL) {
            goto error;
        }
        PyTuple_SET_ITEM(result, i, val);
    }
    goto done;

error:
    Py_CLEAR(result);
done:
    Py_XDECREF(given);
    pym_walk_stack_free(z);
    pym_walk_end_run(z, once);
    Py_CLEAR(z->z_moddicts);
    types_clear(z);
    if (once) {
        /* Objects with a single owner were not recorded: a later call must
         * not rely on the seen set. */
        pym_idset_clear(&z->z_seen);
        pym_ptrmap_clear(&z->z_marks);
        bloom_reset(z);
    }
    z->z_busy = 0;
    return result;
}

/* The run of sizes(distinct=True): every root walked in turn with the
 * shared seen set, no positional marks, no result per root.  A root reached
 * earlier from another root adds 0, so each object counts once, as with
 * marks (which count it at its own root instead): with no depth limit the
 * sums are equal.  New reference to the int total, or NULL. */
static PyObject *
sizes_distinct(PymSizerObject *z, PyObject *objs)
{
    Py_ssize_t i, sum = 0;
    /* A module reached from another object is a leaf (its dict is not
     * walked), so the given modules alone are noted as positional: each is
     * walked at its own root, whatever reaches it first. */
    for (i = 0; i < PyTuple_GET_SIZE(objs); i++) {
        PyObject *o = PyTuple_GET_ITEM(objs, i);
        if (PyModule_Check(o) && !pym_idset_contains(&z->z_seen, o)) {
            if (pym_ptrmap_setdefault(&z->z_marks, o, 0) < 0) {
                return NULL;
            }
            pym_mark_add(z, o);
        }
    }
    bloom_fit(z);
    for (i = 0; i < PyTuple_GET_SIZE(objs); i++) {
        PyObject *node = NULL;
        Py_ssize_t total = pym_walk_root(z, PyTuple_GET_ITEM(objs, i), &node);
        Py_XDECREF(node);
        if (total < 0) {
            return NULL;
        }
        z->z_total += total;
        sum += total;
    }
    return PyLong_FromSsize_t(sum);
}

/* ---- samples: the classtracker's level-0 records --------------------------- */

/* The slot descriptors of the record class, in this order. */
static const char *const sample_slots[] = {"size", "flat", "name", "refs"};
#define PYM_SAMPLE_NSLOTS 4

/* Borrowed member descriptors (__slots__ entries) of tp for sample_slots,
 * found without running code.  0 / -1 (TypeError). */
static int
sample_descrs(PyTypeObject *tp, PyObject **descrs)
{
    int i;
    for (i = 0; i < PYM_SAMPLE_NSLOTS; i++) {
        PyObject *key = PyUnicode_InternFromString(sample_slots[i]);
        if (key == NULL) {
            return -1;
        }
        descrs[i] = _PyType_Lookup(tp, key);   /* borrowed, runs no code */
        Py_DECREF(key);
        if (descrs[i] == NULL || !Py_IS_TYPE(descrs[i], &PyMemberDescr_Type)) {
            PyErr_Format(PyExc_TypeError, "samples(): %.200s has no __slots__ member %s",
                         tp->tp_name, sample_slots[i]);
            return -1;
        }
    }
    return 0;
}

/* s[:keep] + sep + s[len - tail:], for an exact str s.  New reference. */
static PyObject *
clip_join(PyObject *s, Py_ssize_t keep, const char *sep, Py_ssize_t tail)
{
    PyObject *head = NULL, *end = NULL, *mid = NULL, *res = NULL;
    Py_ssize_t len = PyUnicode_GET_LENGTH(s);
    head = PyUnicode_Substring(s, 0, keep);
    end = PyUnicode_Substring(s, len - tail, len);
    mid = PyUnicode_FromString(sep);
    if (head != NULL && end != NULL && mid != NULL) {
        PyObject *t = PyUnicode_Concat(head, mid);
        if (t != NULL) {
            res = PyUnicode_Concat(t, end);
            Py_DECREF(t);
        }
    }
    Py_XDECREF(head);
    Py_XDECREF(end);
    Py_XDECREF(mid);
    return res;
}

/* The repr of instances of the last class seen whose repr is object's:
 * "<module.qualname object at " as ASCII, for default_repr. */
typedef struct {
    PyTypeObject *dr_type;   /* borrowed, only compared; NULL: none yet */
    PyObject *dr_key;        /* borrowed: the interned "__module__" */
    char dr_prefix[256];
    size_t dr_len;           /* 0: this class is not handled */
} PymDefaultRepr;

/* repr(o) when o's class keeps object.__repr__, built as object_repr does
 * ("<%U.%U object at %p>") without parsing a format for every instance.
 * NULL without an exception when another way must be taken (another
 * __repr__, a module or qualname that is no exact ASCII str, a module
 * "builtins"); NULL with an exception on error. */
static PyObject *
default_repr(PymDefaultRepr *c, PyObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    char buf[256 + 64];
    int n;
    if (tp->tp_repr != PyBaseObject_Type.tp_repr || !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        return NULL;
    }
    if (c->dr_type != tp) {
        PyObject *mod, *qual = ((PyHeapTypeObject *)tp)->ht_qualname;
        PyObject *d = PYM_TYPE_DICT(tp);   /* new reference */
        c->dr_type = tp;
        c->dr_len = 0;
        mod = d != NULL ? PyDict_GetItemWithError(d, c->dr_key) : NULL;   /* borrowed */
        if (mod == NULL) {
            Py_XDECREF(d);
            PyErr_Clear();   /* object_repr's own fallback: PyObject_Repr decides */
            return NULL;
        }
        Py_INCREF(mod);
        Py_DECREF(d);
        if (PyUnicode_CheckExact(mod) && PyUnicode_IS_ASCII(mod) && qual != NULL
            && PyUnicode_CheckExact(qual) && PyUnicode_IS_ASCII(qual)
            && PyUnicode_CompareWithASCIIString(mod, "builtins") != 0
            && PyUnicode_GET_LENGTH(mod) + PyUnicode_GET_LENGTH(qual) < 200) {
            n = snprintf(c->dr_prefix, sizeof(c->dr_prefix), "<%s.%s object at ",
                         (const char *)PyUnicode_DATA(mod), (const char *)PyUnicode_DATA(qual));
            if (n > 0 && (size_t)n < sizeof(c->dr_prefix)) {
                c->dr_len = (size_t)n;
            }
        }
        Py_DECREF(mod);
    }
    if (c->dr_len == 0) {
        return NULL;
    }
    memcpy(buf, c->dr_prefix, c->dr_len);
    /* %p of PyUnicode_FromFormat: the platform's %p, with "0x" guaranteed */
    n = snprintf(buf + c->dr_len, sizeof(buf) - c->dr_len, "%p", (void *)o);
    if (n <= 0 || (size_t)n + 2 >= sizeof(buf) - c->dr_len || buf[c->dr_len + 1] != 'x') {
        return NULL;
    }
    buf[c->dr_len + (size_t)n] = '>';
    return PyUnicode_FromStringAndSize(buf, (Py_ssize_t)(c->dr_len + (size_t)n + 1));
}

/* The name and repr texts of o, as asizeof._nameof(o, clip) and
 * stringutils.safe_repr(o, clip=rclip) give them, from one repr() call:
 * a static __name__, else the repr with newlines escaped and clipped in
 * the middle.  When repr raises an Exception or gives anything but an
 * exact str, both come from slow(o) -> (name, repr) instead.  0 / -1. */
static int
sample_texts(PyObject *o, PymDefaultRepr *dr, Py_ssize_t clip, Py_ssize_t rclip, PyObject *slow,
             PyObject **name, PyObject **text)
{
    PyObject *r = NULL, *n = NULL, *t = NULL, *pair = NULL;
    Py_ssize_t len;

    n = pym_objinfo_static_name(o);
    if (n == NULL) {
        goto error;
    }
    if (n == Py_None || PyUnicode_GET_LENGTH(n) == 0) {
        Py_CLEAR(n);
    }
    r = default_repr(dr, o);
    if (r == NULL && !PyErr_Occurred()) {
        r = PyObject_Repr(o);
    }
    if (r == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_Exception)) {
            goto error;   /* KeyboardInterrupt, SystemExit: not ours to swallow */
        }
        PyErr_Clear();
    }
    if (r == NULL || !PyUnicode_CheckExact(r)) {
        Py_CLEAR(n);
        Py_CLEAR(r);
        pair = PyObject_CallOneArg(slow, o);
        if (pair == NULL) {
            goto error;
        }
        if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "samples(): slow() must return (name, repr)");
            goto error;
        }
        *name = Py_NewRef(PyTuple_GET_ITEM(pair, 0));
        *text = Py_NewRef(PyTuple_GET_ITEM(pair, 1));
        Py_DECREF(pair);
        return 0;
    }
    len = PyUnicode_GET_LENGTH(r);
    if (rclip > 0 && len > rclip) {
        t = clip_join(r, rclip - 4 > 0 ? rclip - 4 : 0, "..", len >= 2 ? 2 : len);
        if (t == NULL) {
            goto error;
        }
    }
    else {
        t = Py_NewRef(r);
    }
    if (n == NULL) {
        if (PyUnicode_FindChar(r, '\n', 0, len, 1) >= 0) {
            PyObject *nl = PyUnicode_FromString("\n"), *esc = PyUnicode_FromString("\\n");
            n = (nl != NULL && esc != NULL) ? PyUnicode_Replace(r, nl, esc, -1) : NULL;
            Py_XDECREF(nl);
            Py_XDECREF(esc);
            if (n == NULL) {
                goto error;
            }
        }
        else {
            n = Py_NewRef(r);
        }
        len = PyUnicode_GET_LENGTH(n);
        if (clip > 0 && len > clip && clip / 2 - 2 > 0) {
            PyObject *c = clip_join(n, clip / 2 - 2, "....", clip / 2 - 2);
            if (c == NULL) {
                goto error;
            }
            Py_SETREF(n, c);
        }
    }
    Py_DECREF(r);
    *name = n;
    *text = t;
    return 0;

error:
    Py_XDECREF(r);
    Py_XDECREF(n);
    Py_XDECREF(t);
    Py_XDECREF(pair);
    return -1;
}

/* Int objects shared by the samples of one call: a tracker's samples
 * have few distinct sizes, and each int it keeps is also sized again with
 * the tracker's overhead at every snapshot.  Direct-mapped by value. */
#define PYM_SAMPLE_INTS 64
typedef struct {
    PyObject *si_obj[PYM_SAMPLE_INTS];
    Py_ssize_t si_val[PYM_SAMPLE_INTS];
} PymSampleInts;

/* A new reference to an int equal to v, shared through c.  NULL on error. */
static PyObject *
sample_int(PymSampleInts *c, Py_ssize_t v)
{
    size_t slot = ((size_t)v >> 3) % PYM_SAMPLE_INTS;
    if (c->si_obj[slot] == NULL || c->si_val[slot] != v) {
        PyObject *o = PyLong_FromSsize_t(v);
        if (o == NULL) {
            return NULL;
        }
        Py_XSETREF(c->si_obj[slot], o);
        c->si_val[slot] = v;
    }
    return Py_NewRef(c->si_obj[slot]);
}

/* A new instance of tp (its __init__ not called) with the slots of
 * sample_slots set to size, flat, name and ().  Holding atoms only, it
 * is untracked by the collector, like a tuple or dict of atoms: a
 * classtracker keeps one per object per snapshot, and the collector need
 * not traverse them.  New reference. */
static PyObject *
sample_new(PyTypeObject *tp, PyObject **descrs, PymSampleInts *ints, Py_ssize_t size,
           Py_ssize_t flat, PyObject *name)
{
    PyObject *a = NULL, *vals[PYM_SAMPLE_NSLOTS] = {NULL, NULL, NULL, NULL};
    int i, atoms;
    a = tp->tp_alloc(tp, 0);
    vals[0] = sample_int(ints, size);
    vals[1] = sample_int(ints, flat);
    vals[2] = Py_NewRef(name);
    vals[3] = PyTuple_New(0);
    if (a == NULL || vals[0] == NULL || vals[1] == NULL || vals[3] == NULL) {
        goto error;
    }
    for (i = 0; i < PYM_SAMPLE_NSLOTS; i++) {
        if (Py_TYPE(descrs[i])->tp_descr_set(descrs[i], a, vals[i]) < 0) {
            goto error;
        }
        Py_CLEAR(vals[i]);
    }
    atoms = (PyUnicode_CheckExact(name) || name == Py_None);
    if (atoms && PyObject_IS_GC(a) && PyObject_GC_IsTracked(a)) {
        PyObject_GC_UnTrack(a);
    }
    return a;

error:
    for (i = 0; i < PYM_SAMPLE_NSLOTS; i++) {
        Py_XDECREF(vals[i]);
    }
    Py_XDECREF(a);
    return NULL;
}

PyDoc_STRVAR(sizer_samples_doc,
"samples(objs, ts, asized, clip, rclip, slow) -> (pairs, reprs)\n\n"
"Size each object of the tuple objs (distinct objects, given objects not\n"
"recounted when reached from another) as sizes() does at detail 0, then\n"
"build the classtracker's records: pairs[i] is (ts, sample), sample a new\n"
"instance of the class asized (__init__ not called) whose __slots__ size,\n"
"flat, name and refs are the total, the flat size, the name and (); both\n"
"are untracked by the collector when they hold atoms only.  reprs[i] is the text of\n"
"safe_repr(objs[i], clip=rclip).  The name is the object's static __name__,\n"
"else its repr with newlines escaped, clipped to clip.  Both come from one\n"
"repr() call, made after the sizing; when it raises an Exception or gives\n"
"no exact str, slow(obj) -> (name, repr) gives them.");

static PyObject *
sizer_samples(PymSizerObject *z, PyObject *args)
{
    PyObject *objs, *ts, *slow, *samples = NULL, *reprs = NULL, *result = NULL;
    PyObject *descrs[PYM_SAMPLE_NSLOTS];
    PymSampleInts ints;
    PymDefaultRepr dr;
    PyTypeObject *tp;
    Py_ssize_t clip, rclip, i, n, *sizes = NULL;
    int failed = 0;

    memset(&ints, 0, sizeof(ints));
    memset(&dr, 0, sizeof(dr));
    dr.dr_key = z->z_state->ms_str_module;
    if (!PyArg_ParseTuple(args, "O!OO!nnO:samples", &PyTuple_Type, &objs, &ts, &PyType_Type, &tp,
                          &clip, &rclip, &slow)) {
        return NULL;
    }
    if (!PyCallable_Check(slow)) {
        PyErr_SetString(PyExc_TypeError, "samples(): slow must be callable");
        return NULL;
    }
    if (tp->tp_alloc == NULL || sample_descrs(tp, descrs) < 0) {
        if (!PyErr_Occurred()) {
            PyErr_Format(PyExc_TypeError, "samples(): cannot allocate %.200s", tp->tp_name);
        }
        return NULL;
    }
    if (sizer_check_idle(z) < 0) {
        return NULL;
    }
    n = PyTuple_GET_SIZE(objs);
    sizes = PyMem_Malloc((size_t)(n > 0 ? n : 1) * 2 * sizeof(Py_ssize_t));
    if (sizes == NULL) {
        return PyErr_NoMemory();
    }
    Py_INCREF(tp);   /* the record class stays alive while repr() runs */
    /* The walk, as sizes(objs) without tree or once: the objects are
     * noted as positional, then each is a root. */
    z->z_busy = 1;
    z->z_tree = 0;
    z->z_solo = 0;
    z->z_lean = 0;
    z->z_tracking = z->z_profile && z->z_above > 0;
    types_clear(z);
    if (mark_objects(z, objs, 0) < 0) {
        failed = 1;
    }
    for (i = 0; i < n && !failed; i++) {
        PyObject *node = NULL;
        Py_ssize_t total = pym_walk_root(z, PyTuple_GET_ITEM(objs, i), &node);
        Py_XDECREF(node);
        if (total < 0) {
            failed = 1;
            break;
        }
        z->z_total += total;
        sizes[2 * i] = total;
        sizes[2 * i + 1] = z->z_root_flat;
    }
    pym_walk_stack_free(z);
    pym_walk_end_run(z, 0);
    types_clear(z);
    z->z_busy = 0;
    if (failed) {
        goto error;
    }
    /* The names and reprs: user code (repr) runs only now. */
    samples = PyTuple_New(n);
    reprs = PyTuple_New(n);
    if (samples == NULL || reprs == NULL) {
        goto error;
    }
    for (i = 0; i < n; i++) {
        PyObject *name = NULL, *text = NULL, *a, *pair;
        if (sample_texts(PyTuple_GET_ITEM(objs, i), &dr, clip, rclip, slow, &name, &text) < 0) {
            goto error;
        }
        PyTuple_SET_ITEM(reprs, i, text);
        a = sample_new(tp, descrs, &ints, sizes[2 * i], sizes[2 * i + 1], name);
        Py_DECREF(name);
        if (a == NULL) {
            goto error;
        }
        pair = PyTuple_Pack(2, ts, a);
        if (pair != NULL && !PyObject_GC_IsTracked(a) && !PyObject_IS_GC(ts)) {
            /* the collector keeps a pair holding a GC type's instance
             * tracked even when that instance is not */
            PyObject_GC_UnTrack(pair);
        }
        Py_DECREF(a);
        if (pair == NULL) {
            goto error;
        }
        PyTuple_SET_ITEM(samples, i, pair);
    }
    result = PyTuple_Pack(2, samples, reprs);

error:
    for (i = 0; i < PYM_SAMPLE_INTS; i++) {
        Py_XDECREF(ints.si_obj[i]);
    }
    Py_XDECREF(samples);
    Py_XDECREF(reprs);
    Py_DECREF(tp);
    PyMem_Free(sizes);
    return result;
}

/* 1 if the Asized tree at root (instances of exactly tp) holds atoms only:
 * int sizes, a str or None name, refs a tuple of such nodes; then every
 * node and refs tuple of it is untracked by the collector.  0 if not
 * (nothing untracked), -1 on error.  Iterative: nodes are pushed on a
 * list, and untracked from the last (deepest) to the first. */
static int
untrack_tree(PyTypeObject *tp, PyObject **descrs, PyObject *root)
{
    PyObject *nodes = NULL, *vals[PYM_SAMPLE_NSLOTS] = {NULL, NULL, NULL, NULL};
    Py_ssize_t i, k;
    int res = 1;

    nodes = PyList_New(0);
    if (nodes == NULL || PyList_Append(nodes, root) < 0) {
        goto error;
    }
    for (i = 0; i < PyList_GET_SIZE(nodes) && res == 1; i++) {
        PyObject *node = PyList_GET_ITEM(nodes, i);   /* borrowed: the list holds it */
        int s;
        if (!Py_IS_TYPE(node, tp)) {
            res = 0;
            break;
        }
        for (s = 0; s < PYM_SAMPLE_NSLOTS; s++) {
            vals[s] = Py_TYPE(descrs[s])->tp_descr_get(descrs[s], node, (PyObject *)tp);
            if (vals[s] == NULL) {
                if (!PyErr_ExceptionMatches(PyExc_AttributeError)) {
                    goto error;
                }
                PyErr_Clear();   /* an unset slot: not a plain record */
                res = 0;
            }
        }
        if (res == 1
            && (!PyLong_CheckExact(vals[0]) || !PyLong_CheckExact(vals[1])
                || !(PyUnicode_CheckExact(vals[2]) || vals[2] == Py_None)
                || !PyTuple_CheckExact(vals[3]))) {
            res = 0;
        }
        for (k = 0; res == 1 && k < PyTuple_GET_SIZE(vals[3]); k++) {
            if (PyList_Append(nodes, PyTuple_GET_ITEM(vals[3], k)) < 0) {
                goto error;
            }
        }
        for (s = 0; s < PYM_SAMPLE_NSLOTS; s++) {
            Py_CLEAR(vals[s]);
        }
    }
    if (res == 1) {
        for (i = PyList_GET_SIZE(nodes) - 1; i >= 0; i--) {
            PyObject *node = PyList_GET_ITEM(nodes, i);
            PyObject *refs = Py_TYPE(descrs[3])->tp_descr_get(descrs[3], node, (PyObject *)tp);
            if (refs == NULL) {
                goto error;
            }
            if (PyObject_GC_IsTracked(refs)) {
                PyObject_GC_UnTrack(refs);
            }
            Py_DECREF(refs);
            if (PyObject_GC_IsTracked(node)) {
                PyObject_GC_UnTrack(node);
            }
        }
    }
    Py_DECREF(nodes);
    return res;

error:
    for (k = 0; k < PYM_SAMPLE_NSLOTS; k++) {
        Py_XDECREF(vals[k]);
    }
    Py_XDECREF(nodes);
    return -1;
}

PyDoc_STRVAR(sample_pair_doc,
"sample_pair(ts, tree, asized) -> tuple\n\n"
"(ts, tree) for a classtracker snapshot.  When tree, an Asized tree of\n"
"instances of exactly the class asized, holds atoms only (int sizes, str or\n"
"None names, refs tuples of such nodes), its nodes, refs tuples and the pair\n"
"are untracked by the collector, as Sizer.samples does for level 0.");

static PyObject *
sizer_sample_pair(PyObject *module, PyObject *args)
{
    PyObject *ts, *tree, *pair;
    PyObject *descrs[PYM_SAMPLE_NSLOTS];
    PyTypeObject *tp;
    int r;
    if (!PyArg_ParseTuple(args, "OOO!:sample_pair", &ts, &tree, &PyType_Type, &tp)) {
        return NULL;
    }
    if (sample_descrs(tp, descrs) < 0) {
        return NULL;
    }
    Py_INCREF(tp);
    r = untrack_tree(tp, descrs, tree);
    Py_DECREF(tp);
    if (r < 0) {
        return NULL;
    }
    pair = PyTuple_Pack(2, ts, tree);
    if (pair != NULL && r == 1 && !PyObject_IS_GC(ts)) {
        PyObject_GC_UnTrack(pair);
    }
    return pair;
}

static PyMethodDef sizer_functions[] = {
    {"sample_pair", sizer_sample_pair, METH_VARARGS, sample_pair_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(sizer_configure_doc,
"configure(align, code, frames, ignored, infer, limit, detail, profile, above,\n"
"          dictlike, mapped=1.0)\n\nSet the options; keeps the state.  mapped: percent of\n"
"a numpy memmap's data counted (amapped).");

static PyObject *
sizer_configure(PymSizerObject *z, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"align",  "code",    "frames", "ignored",  "infer",  "limit",
                             "detail", "profile", "above",  "dictlike", "mapped", NULL};
    Py_ssize_t align, limit, detail, above;
    int code, frames, ignored, infer, profile;
    PyObject *dictlike;
    double mapped = PYM_DEFAULT_MAPPED;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "nppppnnpnO!|d:configure", kwlist, &align, &code,
                                     &frames, &ignored, &infer, &limit, &detail, &profile, &above,
                                     &PyTuple_Type, &dictlike, &mapped)) {
        return NULL;
    }
    if (!(mapped >= 0.0 && mapped <= 100.0)) {
        PyObject *v = PyFloat_FromDouble(mapped);
        if (v != NULL) {
            PyErr_Format(PyExc_ValueError, "mapped must be a percentage from 0 to 100, not %R", v);
            Py_DECREF(v);
        }
        return NULL;
    }
    if (sizer_check_idle(z) < 0) {
        return NULL;
    }
    if (align > 1 && (align & (align - 1)) != 0) {
        PyErr_Format(PyExc_ValueError, "align must be a power of two, not %zd", align);
        return NULL;
    }
    z->z_align = align;
    z->z_code = code;
    z->z_frames = frames;
    z->z_ignored = ignored;
    z->z_infer = infer;
    z->z_limit = limit < 0 ? 0 : limit;
    z->z_detail = detail < 0 ? 0 : detail;
    z->z_profile = profile;
    z->z_above = above;
    z->z_mapped = mapped;
    Py_INCREF(dictlike);
    Py_SETREF(z->z_dictlike, dictlike);
    Py_RETURN_NONE;
}

static PyObject *
sizer_exclude_refs(PymSizerObject *z, PyObject *seq)
{
    if (sizer_check_idle(z) < 0 || mark_objects(z, seq, 0) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
sizer_exclude_objs(PymSizerObject *z, PyObject *seq)
{
    if (sizer_check_idle(z) < 0 || mark_objects(z, seq, -1) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
sizer_exclude_types(PymSizerObject *z, PyObject *seq)
{
    PyObject *fast;
    Py_ssize_t i;
    if (sizer_check_idle(z) < 0) {
        return NULL;
    }
    fast = PySequence_Fast(seq, "expected a sequence");
    if (fast == NULL) {
        return NULL;
    }
    for (i = 0; i < PySequence_Fast_GET_SIZE(fast); i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(fast, i);
        if (PyType_Check(o) && pym_ptrmap_setdefault(&z->z_xtypes, o, 1) < 0) {
            Py_DECREF(fast);
            return NULL;
        }
    }
    Py_DECREF(fast);
    Py_RETURN_NONE;
}

static PyObject *
sizer_clear(PymSizerObject *z, PyObject *Py_UNUSED(ignored))
{
    if (sizer_check_idle(z) < 0) {
        return NULL;
    }
    sizer_reset_state(z);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(sizer_counters_doc,
"counters() -> dict of total, sized, seen, duplicate, missed, excluded,\n"
"depth, ranked and memory (peak bytes of the sizer's own bookkeeping).");

static PyObject *
sizer_counters(PymSizerObject *z, PyObject *Py_UNUSED(ignored))
{
    return Py_BuildValue("{snsnsnsnsnsnsnsnsn}", "total", z->z_total, "sized", z->z_sized, "seen",
                         z->z_nseen, "duplicate", z->z_duplicate, "missed", z->z_missed, "excluded",
                         z->z_excluded, "depth", z->z_depth, "ranked", z->z_ranked, "memory",
                         (Py_ssize_t)z->z_peak_mem);
}

static PyObject *
sizer_profiles(PymSizerObject *z, PyObject *Py_UNUSED(ignored))
{
    PyObject *out, *key, *rec;
    Py_ssize_t pos = 0;
    out = PyDict_New();
    if (out == NULL || z->z_profiles == NULL) {
        return out;
    }
    /* Tuple copies of the records: a caller changing what it got cannot
     * reach the lists the next sizing run updates in place.  The keys are
     * ints and the records lists of ours, so nothing here runs user code. */
    while (PyDict_Next(z->z_profiles, &pos, &key, &rec)) {
        PyObject *t = PyList_AsTuple(rec);
        if (t == NULL || PyDict_SetItem(out, key, t) < 0) {
            Py_XDECREF(t);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(t);
    }
    return out;
}

static PyObject *
sizer_ranks(PymSizerObject *z, PyObject *Py_UNUSED(ignored))
{
    if (z->z_ranks == NULL) {
        return PyList_New(0);
    }
    return PyList_GetSlice(z->z_ranks, 0, PyList_GET_SIZE(z->z_ranks));
}

PyDoc_STRVAR(sizer_flat_doc, "flat(obj) -> int\n\nFlat size of obj with the sizer's alignment.");

static PyObject *
sizer_flat(PymSizerObject *z, PyObject *o)
{
    PyObject *func;
    int how = pym_sizing_resolve(z->z_state, Py_TYPE(o), &func);
    Py_ssize_t n;
    Py_XINCREF(func);
    n = pym_sizing_getsizeof_with(z->z_state, o, how, func);
    Py_XDECREF(func);
    if (n < 0) {
        n = pym_sizing_basic(o);
    }
    n += pym_sizing_npy_mapped(o, z->z_mapped);
    return PyLong_FromSsize_t(pym_sizing_flat(o, n, z->z_align));
}

PyDoc_STRVAR(sizer_referents_doc,
"referents(obj) -> list of (name, obj) or None\n\n"
"The referents the sizer follows for obj given at depth 0; name is None, a\n"
"str or ('K'|'V', key).  None when obj's kind has no referent rule.\n"
"Un-materialised instance attributes are reported as a fresh dict.");

static PyObject *
sizer_referents(PymSizerObject *z, PyObject *o)
{
    PymCursorCtx ctx;
    PymTypeInfo *t;
    PymFrame f;
    PyObject *out = NULL;
    int kind, r;
    if (sizer_check_idle(z) < 0) {
        return NULL;
    }
    z->z_busy = 1;
    t = pym_typecache_get(z->z_state, &z->z_types, Py_TYPE(o), z->z_infer, z->z_dictlike);
    if (t == NULL) {
        goto done;
    }
    kind = t->t_kind;
    if (kind == PYM_K_LEAF) {
        out = Py_NewRef(Py_None);
        goto done;
    }
    pym_walk_ctx(z, &ctx, 1);
    r = pym_walk_frame_open(z, &f, Py_NewRef(o), kind, t->t_special, 1);
    if (r < 0) {
        pym_cursor_release(&f);
        goto done;
    }
    out = PyList_New(0);
    if (out == NULL) {
        pym_cursor_release(&f);
        goto done;
    }
    for (;;) {
        PymRef ref;
        PyObject *name, *pair;
        r = pym_cursor_next(&ctx, &f, &ref);
        if (r < 0) {
            Py_CLEAR(out);
            break;
        }
        if (r == PYM_NEXT_END) {
            break;
        }
        if (r == PYM_NEXT_VALUES) {
            /* A snapshot dict of the un-materialised attributes. */
            PymFrame vf;
            PyObject *d = PyDict_New();
            memset(&vf, 0, sizeof(vf));
            vf.f_obj = o;
            vf.f_kind = PYM_K_VALUES;
            while (d != NULL) {
                PymRef k, v;
                if (pym_cursor_next(&ctx, &vf, &k) != PYM_NEXT_CHILD) {
                    break;
                }
                if (k.r_kind != PYM_NAME_KEY) {
                    Py_DECREF(k.r_obj);
                    continue;
                }
                if (pym_cursor_next(&ctx, &vf, &v) != PYM_NEXT_CHILD) {
                    Py_DECREF(k.r_obj);
                    break;
                }
                if (PyDict_SetItem(d, k.r_obj, v.r_obj) < 0) {
                    Py_CLEAR(d);
                }
                Py_DECREF(k.r_obj);
                Py_DECREF(v.r_obj);
            }
            if (d == NULL) {
                Py_CLEAR(out);
                break;
            }
            ref.r_obj = d;
            ref.r_kind = PYM_NAME_CSTR;
            ref.r_cstr = "__dict__";
            ref.r_key = NULL;
        }
        name = pym_walk_name_spec(z->z_state, &ref);
        pair = name == NULL ? NULL : PyTuple_Pack(2, name, ref.r_obj);
        Py_XDECREF(name);
        Py_DECREF(ref.r_obj);
        if (pair == NULL || PyList_Append(out, pair) < 0) {
            Py_XDECREF(pair);
            Py_CLEAR(out);
            break;
        }
        Py_DECREF(pair);
    }
    pym_cursor_release(&f);
done:
    types_clear(z);
    z->z_busy = 0;
    return out;
}

/* ---- type slots ------------------------------------------------------------ */

static PyObject *
sizer_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PymSizerObject *z;
    PyObject *module;
    if (PyTuple_GET_SIZE(args) != 0 || (kwds != NULL && PyDict_GET_SIZE(kwds) != 0)) {
        PyErr_SetString(PyExc_TypeError, "Sizer() takes no arguments");
        return NULL;
    }
    module = PyType_GetModule(type);
    if (module == NULL) {
        return NULL;
    }
    z = (PymSizerObject *)type->tp_alloc(type, 0);
    if (z == NULL) {
        return NULL;
    }
    z->z_module = Py_NewRef(module);
    z->z_state = pym_state_from_module(module);
    z->z_align = PYM_DEFAULT_ALIGN;
    z->z_ignored = 1;
    z->z_limit = PY_SSIZE_T_MAX;
    z->z_above = PYM_DEFAULT_ABOVE;
    z->z_mapped = PYM_DEFAULT_MAPPED;
    z->z_dictlike = PyTuple_New(0);
    pym_idset_init(&z->z_seen);
    pym_ptrmap_init(&z->z_marks);
    bloom_reset(z);
    pym_ptrmap_init(&z->z_xtypes);
    pym_typecache_init(&z->z_types);
    if (z->z_dictlike == NULL) {
        Py_DECREF(z);
        return NULL;
    }
    return (PyObject *)z;
}

static int
sizer_traverse(PymSizerObject *z, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(z));
    Py_VISIT(z->z_module);
    Py_VISIT(z->z_dictlike);
    Py_VISIT(z->z_profiles);
    Py_VISIT(z->z_ranks);
    Py_VISIT(z->z_moddicts);
    return 0;
}

static int
sizer_tp_clear(PymSizerObject *z)
{
    Py_CLEAR(z->z_dictlike);
    Py_CLEAR(z->z_profiles);
    Py_CLEAR(z->z_ranks);
    Py_CLEAR(z->z_moddicts);
    return 0;
}

static void
sizer_dealloc(PymSizerObject *z)
{
    PyTypeObject *tp = Py_TYPE(z);
    PyObject_GC_UnTrack(z);
    sizer_reset_state(z);
    pym_walk_stack_free(z);
    (void)sizer_tp_clear(z);
    Py_CLEAR(z->z_module);
    tp->tp_free((PyObject *)z);
    Py_DECREF(tp);
}

static PyMethodDef sizer_methods[] = {
    {"sizes", (PyCFunction)(void (*)(void))sizer_sizes, METH_VARARGS | METH_KEYWORDS,
     sizer_sizes_doc},
    {"samples", (PyCFunction)sizer_samples, METH_VARARGS, sizer_samples_doc},
    {"configure", (PyCFunction)(void (*)(void))sizer_configure, METH_VARARGS | METH_KEYWORDS,
     sizer_configure_doc},
    {"exclude_refs", (PyCFunction)sizer_exclude_refs, METH_O, NULL},
    {"exclude_objs", (PyCFunction)sizer_exclude_objs, METH_O, NULL},
    {"exclude_types", (PyCFunction)sizer_exclude_types, METH_O, NULL},
    {"clear", (PyCFunction)sizer_clear, METH_NOARGS, NULL},
    {"counters", (PyCFunction)sizer_counters, METH_NOARGS, sizer_counters_doc},
    {"profiles", (PyCFunction)sizer_profiles, METH_NOARGS, NULL},
    {"ranks", (PyCFunction)sizer_ranks, METH_NOARGS, NULL},
    {"flat", (PyCFunction)sizer_flat, METH_O, sizer_flat_doc},
    {"referents", (PyCFunction)sizer_referents, METH_O, sizer_referents_doc},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot sizer_slots[] = {
    {Py_tp_new, sizer_new},
    {Py_tp_dealloc, sizer_dealloc},
    {Py_tp_traverse, sizer_traverse},
    {Py_tp_clear, sizer_tp_clear},
    {Py_tp_methods, sizer_methods},
    {Py_tp_doc, (void *)"Sizer()\n\nThe deep sizer behind pympler.asizeof.Asizer."},
    {0, NULL},
};

static PyType_Spec sizer_spec = {
    .name = "pympler._core.Sizer",
    .basicsize = sizeof(PymSizerObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = sizer_slots,
};

int
pym_sizer_init(PyObject *module, PymState *st)
{
    PyObject *mapped;
    int res;
    st->ms_sizer_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &sizer_spec, NULL);
    if (st->ms_sizer_type == NULL) {
        return -1;
    }
    if (PyModule_AddObjectRef(module, "Sizer", (PyObject *)st->ms_sizer_type) < 0
        || PyModule_AddFunctions(module, sizer_functions) < 0
        || PyModule_AddIntConstant(module, "DEFAULT_ALIGN", PYM_DEFAULT_ALIGN) < 0
        || PyModule_AddIntConstant(module, "DEFAULT_ABOVE", PYM_DEFAULT_ABOVE) < 0) {
        return -1;
    }
    mapped = PyFloat_FromDouble(PYM_DEFAULT_MAPPED);
    if (mapped == NULL) {
        return -1;
    }
    res = PyModule_AddObjectRef(module, "DEFAULT_MAPPED", mapped);
    Py_DECREF(mapped);
    if (res < 0) {
        return -1;
    }
    return 0;
}
