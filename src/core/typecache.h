/* typecache.h -- the per-sizer cache of PymTypeInfo (typeinfo.c), keyed by
 * type, with an inline direct-mapped front for the walk's per-object path.
 *
 * Conventions: see pympler.h.  Included by the files that look types up
 * (walk.c, sizer.c, cursor.c, typeinfo.c).
 */
#ifndef PYM_TYPECACHE_H
#define PYM_TYPECACHE_H

#include "pympler.h"

#define PYM_TC_BITS 6                           /* log2 of the front's slots */
#define PYM_TC_SLOTS ((size_t)1 << PYM_TC_BITS)  /* 64 */
#define PYM_FIB_MULT 0x9E3779B97F4A7C15ULL      /* 2**64 / golden ratio */

struct PymTypeCache {
    PymPtrMap c_index;           /* type -> index into c_items */
    PymTypeInfo *c_items;
    Py_ssize_t c_len;
    Py_ssize_t c_cap;
    PyTypeObject *c_recent[PYM_TC_SLOTS];   /* recently used types ... */
    Py_ssize_t c_recent_ix[PYM_TC_SLOTS];   /* ... and their c_items index */
};

void pym_typecache_init(PymTypeCache *c);
void pym_typecache_clear(PymTypeCache *c);
/* Info for tp, computed on first use.  infer / dictlike select dict-like
 * treatment.  Borrowed pointer valid until the cache grows or is cleared;
 * NULL with an exception set on error.  Its __sizeof__ is resolved on first
 * use (pym_typeinfo_sizeof_how). */
PymTypeInfo *pym_typecache_get(PymState *st, PymTypeCache *c, PyTypeObject *tp, int infer,
                               PyObject *dictlike);

/* The front slot of tp: the top PYM_TC_BITS bits of a Fibonacci hash. */
static inline size_t
pym_typecache_slot(const PyTypeObject *tp)
{
    return (size_t)(((uint64_t)(uintptr_t)tp * PYM_FIB_MULT) >> (64 - PYM_TC_BITS));
}

/* pym_typecache_get through the direct-mapped front (inline: the walk asks
 * for nearly every object it sizes). */
static inline PymTypeInfo *
pym_typecache_lookup(PymState *st, PymTypeCache *c, PyTypeObject *tp, int infer, PyObject *dictlike)
{
    size_t slot = pym_typecache_slot(tp);
    PymTypeInfo *t;
    if (c->c_recent[slot] == tp) {
        return &c->c_items[c->c_recent_ix[slot]];
    }
    t = pym_typecache_get(st, c, tp, infer, dictlike);
    if (t != NULL) {
        c->c_recent[slot] = tp;
        c->c_recent_ix[slot] = t - c->c_items;
    }
    return t;
}

#endif /* PYM_TYPECACHE_H */
