/* sizer.h -- the deep sizer's object and the parts that share it:
 * sizer.c (the Sizer Python type), walk.c (the walk), sizerstats.c
 * (per-type profiles and the ranking of the largest objects).
 *
 * Conventions: see pympler.h.
 */
#ifndef PYM_SIZER_H
#define PYM_SIZER_H

#include "pympler.h"
#include "typecache.h"

/* Defaults of the options, also exported to Python (DEFAULT_ALIGN, ...). */
#define PYM_DEFAULT_ALIGN 8
#define PYM_DEFAULT_ABOVE 1024
#define PYM_DEFAULT_MAPPED 1.0   /* amapped(): percent of a memmap's data */

/* Totals of a frame being walked, when the caller wants per-object totals
 * (an Asized tree, or ranking); parallel to the frame stack. */
typedef struct {
    Py_ssize_t tk_total;
    Py_ssize_t tk_flat;
    PyObject *tk_children;   /* list of nodes, or NULL */
    PyObject *tk_name;       /* name spec, or NULL */
} PymTrack;

/* A growable array of pointers (PyMem_Raw). */
typedef struct {
    void **pv_items;
    Py_ssize_t pv_len;
    Py_ssize_t pv_cap;
} PymPtrVec;

/* The bloom filter in front of z_marks: one bit per key, chosen by the
 * key's granule number.  256 bits inline; with many marks (a classtracker
 * excludes every tracked object) a larger one, of about 32 bits per mark
 * (at most 1 MiB), keeps the filter useful: a saturated filter sends every
 * object of the walk to a lookup in the map (sizer.c, bloom_fit). */
#define PYM_MARK_BLOOM_BITS 256
#define PYM_MARK_BLOOM_WORDS (PYM_MARK_BLOOM_BITS / 64)
#define PYM_MARK_BLOOM_MAX_BITS ((size_t)1 << 23)

typedef struct {
    PyObject_HEAD
    PyObject *z_module;          /* strong: keeps PymState alive */
    PymState *z_state;
    /* options */
    int z_code, z_frames, z_ignored, z_infer, z_profile;
    Py_ssize_t z_limit, z_detail, z_above, z_align;
    PyObject *z_dictlike;        /* tuple of registered dict-like classes */
    /* state */
    PymIdSet z_seen;
    PymPtrMap z_marks;
    PymPtrMap z_xtypes;          /* excluded types -> 1 */
    PymTypeCache z_types;
    uint64_t *z_mark_bloom;      /* z_mark_bloom0, or a PyMem_Raw block */
    size_t z_mark_mask;          /* bits in z_mark_bloom - 1 */
    uint64_t z_mark_bloom0[PYM_MARK_BLOOM_WORDS];
    Py_ssize_t z_total, z_sized, z_nseen, z_duplicate, z_missed, z_excluded;
    Py_ssize_t z_depth, z_ranked;
    PyObject *z_profiles;        /* dict key -> [count, total, high, ref] */
    PyObject *z_ranks;           /* list of rank tuples, largest first */
    /* walk */
    PymFrame *z_stack;
    PymTrack *z_track;           /* parallel to z_stack when tracking */
    Py_ssize_t z_sp, z_cap;
    size_t z_peak_mem;
    int z_tracking, z_tree, z_busy;
    int z_solo;                  /* singly-owned objects need no record (sizer.c) */
    int z_lean;                  /* nothing reads this run's counters */
    PymPtrVec z_solos;           /* objects the single-owner shortcut did not
                                    record, until a Python callback (walk.c) */
    PyObject *z_moddicts;        /* list: the dicts of the given modules while a
                                    z_solo run lasts, else NULL */
    PymPtrVec z_keep;            /* strong: objects received from Python calls
                                    (items() of dict-likes), kept until the run
                                    ends so that no address in z_seen is reused */
    double z_mapped;             /* option: percent of a numpy memmap's data counted
                                    (last: the hot fields keep their offsets) */
    Py_ssize_t z_root_flat;      /* flat size of the last root pym_walk_root sized
                                    (0 when it was skipped) */
} PymSizerObject;

/* ---- small helpers shared by the parts --------------------------------- */

static inline size_t
pym_mark_bit(const PymSizerObject *z, const void *o)
{
    return (size_t)((uintptr_t)o >> PYM_GRANULE_SHIFT) & z->z_mark_mask;
}

/* 1 if o may be in z_marks (0: certainly not). */
static inline int
pym_mark_maybe(const PymSizerObject *z, const void *o)
{
    size_t b = pym_mark_bit(z, o);
    return (int)((z->z_mark_bloom[b / 64] >> (b % 64)) & 1);
}

static inline void
pym_mark_add(PymSizerObject *z, const void *o)
{
    size_t b = pym_mark_bit(z, o);
    z->z_mark_bloom[b / 64] |= (uint64_t)1 << (b % 64);
}

/* ---- walk.c -------------------------------------------------------------- */

/* Size one root object.  Returns its total (>= 0), or -1 on error with an
 * exception set; with a tree, *node receives the root node tuple.  The
 * root's own flat size is left in z->z_root_flat. */
Py_ssize_t pym_walk_root(PymSizerObject *z, PyObject *root, PyObject **node);
/* The cursor options of z.  referents: for Sizer.referents (every rule of
 * the spec, code objects included, no depth limit, strong children). */
void pym_walk_ctx(PymSizerObject *z, PymCursorCtx *ctx, int referents);
/* Set up frame f for o (steals the reference to o) with cursor kind and
 * PYM_S_* rule special, under the options of pym_walk_ctx(z, ..,
 * referents).  0; -1 when memory ran out (f holds nothing, o released); -2
 * when collecting o's referents failed (f is valid and has none left).
 * Both with an exception set. */
int pym_walk_frame_open(PymSizerObject *z, PymFrame *f, PyObject *o, int kind, int special,
                        int referents);
/* Name spec for a referent: None, a str, or ("K"|"V", key).  New reference. */
PyObject *pym_walk_name_spec(PymState *st, const PymRef *r);
/* Free the stack, recording its memory in the peak. */
void pym_walk_stack_free(PymSizerObject *z);
/* z->z_moddicts: the dicts of the modules among the tuple objs (none: it
 * stays NULL).  0 / -1. */
int pym_walk_moddicts(PymSizerObject *z, PyObject *objs);
/* End a run: release the objects kept alive for it.  With forget == 0 (the
 * sizer accumulates across calls), those that die now leave the seen set
 * first, so that a later object at the same address is not taken for
 * them.  Never fails. */
void pym_walk_end_run(PymSizerObject *z, int forget);

/* ---- sizerstats.c ------------------------------------------------------- */

/* Add o's flat size to its type's profile.  0 / -1. */
int pym_stats_profile(PymSizerObject *z, PyObject *o, Py_ssize_t flat);
/* Rank o by its total size among the largest (above z_above).  0 / -1. */
int pym_stats_rank(PymSizerObject *z, PyObject *o, Py_ssize_t total, Py_ssize_t depth,
                   PyObject *parent);

#endif /* PYM_SIZER_H */
