/* pympler.h -- private header of the pympler._core extension.
 *
 * Conventions (stated once, repeated in a line above each function):
 *   - PyObject * results are new references, or NULL with an exception set;
 *   - int results are 0 on success and -1 with an exception set; a lookup
 *     that can also "not find" returns 1 / 0 / -1;
 *   - every exported C symbol starts with pym_, macros with PYM_, types with
 *     Pym.
 * All engine state is owned by objects (PymSizerObject) or by the module
 * state (PymState); there is no mutable static data, so threads and
 * re-entrant calls never share a sizer.  The GIL protects everything.
 */
#ifndef PYM_PYMPLER_H
#define PYM_PYMPLER_H

#include "compat.h"

/* Hints for the per-object hot path: a small helper called for every
 * object is forced inline, and the rare branches it leaves are kept out of
 * line so that the loop around it stays small. */
#if defined(__GNUC__) || defined(__clang__)
#  define PYM_ALWAYS_INLINE inline __attribute__((always_inline))
#  define PYM_NOINLINE __attribute__((noinline))
#else
#  define PYM_ALWAYS_INLINE inline
#  define PYM_NOINLINE
#endif

/* ---- module state (module.c) ------------------------------------------ */

typedef struct {
    PyTypeObject *ms_sizer_type;          /* pympler._core.Sizer */
    PyTypeObject *ms_heapgraph_type;      /* pympler._core.HeapGraph (domtree.c) */
    PyObject *ms_str_sizeof;              /* "__sizeof__" (interned) */
    PyObject *ms_str_items;               /* "items" */
    PyObject *ms_str_module;              /* "__module__" */
    PyObject *ms_str_K;                   /* "K" */
    PyObject *ms_str_V;                   /* "V" */
    PyCFunction ms_object_sizeof;         /* object.__sizeof__'s C function */
    PyCFunction ms_dict_sizeof;           /* dict.__sizeof__'s C function */
    destructor ms_subtype_dealloc;        /* tp_dealloc of classes made by `class` */
} PymState;

PymState *pym_state_from_module(PyObject *module);

#include "idset.h"       /* PymIdSet, PymPtrMap: "already seen" sets */

/* ---- sizing.c: size of one object ------------------------------------ */

/* How a type's __sizeof__ is resolved, cached per type by the sizer. */
enum {
    PYM_SIZEOF_FAST = 0,     /* builtin computed in C, no call */
    PYM_SIZEOF_OBJECT,       /* object.__sizeof__: basic + items */
    PYM_SIZEOF_CMETHOD,      /* a C __sizeof__ method, called directly */
    PYM_SIZEOF_CALL,         /* a Python function on the class, or a C method
                                of another signature: called */
    PYM_SIZEOF_NONE,         /* anything else (None, a mock's proxy, ...) */
    PYM_SIZEOF_DICT,         /* dict.__sizeof__ (a dict or a subclass that
                                keeps it): _PyDict_SizeOf, no call */
    PYM_SIZEOF_UNRESOLVED    /* PymTypeInfo only: not looked up yet */
};

/* Classify how the __sizeof__ of type tp is obtained; *func receives a
 * borrowed pointer to the looked-up attribute (may be NULL). */
int pym_sizing_resolve(PymState *st, PyTypeObject *tp, PyObject **func);

/* sys.getsizeof(o) computed without creating objects for builtins.
 * Returns the size, or -1 when the object's __sizeof__ failed (no
 * exception is left set; the caller counts it as missed). */
Py_ssize_t pym_sizing_getsizeof(PymState *st, PyObject *o);
/* Same, with the resolution precomputed by pym_sizing_resolve. */
Py_ssize_t pym_sizing_getsizeof_with(PymState *st, PyObject *o, int how, PyObject *func);
/* __sizeof__ of an object whose type pym_sizing_resolve calls FAST (int,
 * bool, float, complex, str, bytes, tuple, list, set, frozenset, None,
 * object), computed from its fields. */
Py_ssize_t pym_sizing_fast(PyObject *o);

/* pym_sizing_fast for an exact str, int or float, inline for the common
 * cases (an ASCII str without a cached wchar_t copy; any int; float). */
static inline Py_ssize_t
pym_leaf_size(PyObject *o)
{
    if (Py_IS_TYPE(o, &PyUnicode_Type)) {
        if (PyUnicode_IS_COMPACT_ASCII(o)
#ifdef PYM_HAS_UNICODE_WSTR
            && ((PyASCIIObject *)o)->wstr == NULL
#endif
        ) {
            return (Py_ssize_t)sizeof(PyASCIIObject) + PyUnicode_GET_LENGTH(o) + 1;
        }
        return pym_sizing_fast(o);
    }
    if (Py_IS_TYPE(o, &PyLong_Type)) {
        return pym_long_sizeof(o);
    }
    return pym_sizing_fast(o);
}
/* The basic size of the model: __basicsize__ plus the header getsizeof
 * would add. */
Py_ssize_t pym_sizing_basic(PyObject *o);
/* n rounded up to align (a power of two; 0 or 1: unchanged). */
static inline Py_ssize_t
pym_align_up(Py_ssize_t n, Py_ssize_t align)
{
    if (align > 1) {
        n = (n + align - 1) & ~(align - 1);
    }
    return n;
}

/* pym_sizing_flat of a dict with a split table (sizing.c). */
Py_ssize_t pym_sizing_split_dict_flat(PyObject *o, Py_ssize_t n, Py_ssize_t align);

/* The flat size of o, whose sys.getsizeof value is n, rounded up to align:
 * n plus the 3.13 inline attribute values (sys.getsizeof leaves them out);
 * a split-table instance dict (3.11+) counts its values array at its
 * allocated size, aligned apart, and not at all when the array is embedded
 * in the instance (3.13), which counts it.  Inline: the walk calls it for
 * every object it sizes that is not a fast leaf. */
static inline Py_ssize_t
pym_sizing_flat(PyObject *o, Py_ssize_t n, Py_ssize_t align)
{
    n += pym_inline_values_size(o);
#ifdef PYM_HAS_MANAGED_DICT
    if (PyDict_CheckExact(o) && ((PyDictObject *)o)->ma_values != NULL) {
        return pym_sizing_split_dict_flat(o, n, align);
    }
#endif
    return pym_align_up(n, align);
}
/* Bytes of the data of numpy array o mapped from a file (its base is an
 * mmap.mmap: np.memmap) assumed resident: percent % of its size, rounded up
 * to whole pages (Pympler 1.1's amapped rule); 0 for other arrays.  Calls
 * numpy's own nbytes getter; never fails. */
Py_ssize_t pym_sizing_npy_mapped(PyObject *o, double percent);

/* ---- parts of the module, each initialised by module.c ----------------- */

/* sizer.c: the Sizer type (walk.c, sizerstats.c; sizer.h).  0 / -1. */
int pym_sizer_init(PyObject *module, PymState *st);
/* sizefuncs.c: getsizeof, basic, instance_storage.  0 / -1. */
int pym_sizefuncs_init(PyObject *module);

/* ---- objinfo.c: static facts of one object (types, names) ------------- */

int pym_objinfo_init(PyObject *module, PymState *st);
/* o's __name__ read without running Python code (static_name): a new
 * reference to a str, Py_None when it has none, NULL on error. */
PyObject *pym_objinfo_static_name(PyObject *o);

/* ---- referents.c: what the sizer follows ------------------------------ */

/* One referent produced by a cursor.  name_kind tells how to name it. */
enum {
    PYM_NAME_NONE = 0,       /* unnamed (list item, ...) */
    PYM_NAME_CSTR,           /* n_cstr, a static C string */
    PYM_NAME_KEY,            /* "[K] str(n_key)" */
    PYM_NAME_VALUE,          /* "[V] str(n_key): repr(obj)" */
    PYM_NAME_MEMBER          /* n_cstr is a member (slot) name */
};

typedef struct {
    PyObject *r_obj;         /* strong */
    PyObject *r_key;         /* strong or NULL (for KEY/VALUE names) */
    const char *r_cstr;
    int r_kind;
    int r_owned;             /* the container owns a reference to r_obj */
} PymRef;

/* A growable array of PymRef with strong references. */
typedef struct {
    PymRef *a_items;
    Py_ssize_t a_len;
    Py_ssize_t a_cap;
    Py_ssize_t a_pos;        /* iteration position */
    int a_fresh;             /* items came from a Python call (items()): they
                                may be temporaries that die with the array */
} PymRefArray;

int pym_refarray_append(PymRefArray *a, PyObject *obj, PyObject *key, const char *cstr, int kind);
void pym_refarray_free(PymRefArray *a);

/* ---- typeinfo.c: per-type classification ------------------------------ */

/* Cursor kinds: how the referents of an object are enumerated. */
enum {
    PYM_K_LEAF = 0,      /* no referents */
    PYM_K_LIST,          /* list items */
    PYM_K_TUPLE,         /* tuple items */
    PYM_K_DICT,          /* dict keys and values (of f_aux if set) */
    PYM_K_SET,           /* set items */
    PYM_K_INSTANCE,      /* __dict__, __class__, slots, then base items (items()
                            of a dict-like: t_special PYM_S_DICTLIKE) */
    PYM_K_VALUES,        /* un-materialised instance attribute values */
    PYM_K_ARRAY,         /* referents collected up front into a PymRefArray */
    PYM_K_MODULE,        /* a module: its dict items when given directly */
    PYM_K_NDARRAY        /* numpy array: base, then the items of an object array */
};

/* How PYM_K_ARRAY referents are collected (t_special). */
enum {
    PYM_S_NONE = 0,
    PYM_S_TYPE,
    PYM_S_FUNCTION,
    PYM_S_METHOD,
    PYM_S_CLASSMETHOD,
    PYM_S_CODE,
    PYM_S_CELL,
    PYM_S_GENERATOR,
    PYM_S_FRAME,
    PYM_S_EXCEPTION,
    PYM_S_TRACEBACK,
    PYM_S_WEAKREF,
    PYM_S_PROPERTY,
    PYM_S_DOCONLY,
    PYM_S_STRUCTSEQ,
    PYM_S_DICTLIKE,
    PYM_S_TRAVERSE
};

/* Type flags (t_flags). */
#define PYM_T_CODE_ONLY 0x01   /* contributes 0 unless code=True */
#define PYM_T_IGNORED 0x02   /* contributes 0 unless ignored=False */
#define PYM_T_FRAME 0x04   /* frame: ignored unless frames=True */
#define PYM_T_TYPEOBJ 0x08   /* instances are classes: check per object */
#define PYM_T_NUMPY 0x10   /* a numpy array type (npy.h) */

typedef struct {
    PyTypeObject *t_type;        /* strong */
    PyObject *t_sizeof_func;     /* strong or NULL */
    int t_sizeof_how;            /* PYM_SIZEOF_* */
    int t_kind;                  /* PYM_K_* */
    int t_special;               /* PYM_S_* for PYM_K_ARRAY (and dict-like instances) */
    int t_base_kind;             /* items of a builtin base, for instances */
    unsigned t_flags;            /* PYM_T_* */
    Py_ssize_t t_nslots;
    Py_ssize_t *t_slot_offsets;  /* PyMem_Raw */
    const char **t_slot_names;   /* borrowed from the types' PyMemberDefs */
} PymTypeInfo;

/* The per-sizer cache of PymTypeInfo (typecache.h). */
typedef struct PymTypeCache PymTypeCache;

/* t->t_sizeof_how, resolving it (and t->t_sizeof_func) on first use: many
 * types met in a walk are never sized (functions, classes without code=True),
 * and the lookup of __sizeof__ through a cold method cache is not free.
 * Never fails. */
int pym_typeinfo_sizeof_how(PymState *st, PymTypeInfo *t);
/* 1 if the class object o counts as ignored (defined in builtins, types or
 * pympler.asizeof), else 0.  Never fails. */
int pym_type_is_ignored(PymState *st, PyTypeObject *o);

/* Collect the referents of o for the PYM_S_* rule special into a.  code
 * selects code objects of generators.  0 / -1 (exception set). */
int pym_referents_collect(PymState *st, PyObject *o, int special, int code, PymRefArray *a);
/* Referents of o visited by the tp_traverse of its solid C base.  0 / -1. */
int pym_referents_base(PymState *st, PyObject *o, PymRefArray *a);

/* ---- cursor.c: lazy iteration over referents ------------------------- */

/* One frame of the sizer's explicit stack: an object whose referents are
 * being visited.  32 bytes; the stack never recurses in C. */
typedef struct {
    PyObject *f_obj;         /* strong */
    void *f_aux;             /* PymRefArray * (owned) or a strong PyObject * */
    Py_ssize_t f_idx;        /* cursor position, meaning depends on f_kind */
    uint32_t f_depth;
    uint8_t f_kind;          /* PYM_K_* */
    uint8_t f_phase;         /* PYM_K_INSTANCE: see cursor.c */
    uint8_t f_auxobj;        /* f_aux is a PyObject * (else a PymRefArray *) */
    uint8_t f_solo;          /* the walk took a child as singly owned (walk.c) */
} PymFrame;

enum { PYM_NEXT_END = 0, PYM_NEXT_CHILD = 1, PYM_NEXT_VALUES = 2 };

/* Options the cursor needs for dict-like and type classification. */
typedef struct {
    PymState *o_state;
    PymTypeCache *o_types;
    int o_infer;
    int o_code;
    PyObject *o_dictlike;    /* borrowed tuple or NULL */
    int o_dict_last;         /* instances: visit __dict__ last (no tracking) */
    Py_ssize_t o_limit;      /* the sizer's depth limit */
    int o_borrow;            /* children are borrowed, see pym_cursor_next */
} PymCursorCtx;

/* pym_cursor_next (next referent of a frame) and pym_cursor_extra_depth
 * are inline, in cursor_fast.h. */
/* 1 if the frame certainly has no referents left (a cheap peek), else 0. */
int pym_cursor_done(PymFrame *f);
/* Phase an instance frame starts in: spec order, or __dict__ last. */
#define PYM_INSTANCE_START(dict_last) ((dict_last) ? 1 : 0)
/* Release what the frame owns. */
void pym_cursor_release(PymFrame *f);

#endif /* PYM_PYMPLER_H */
