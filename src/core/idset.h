/* idset.h -- "already seen" sets (idset.c): the page-bitmap set PymIdSet,
 * with its inline fast path, and the small pointer map PymPtrMap.
 *
 * Conventions: see pympler.h (included from there, for every walker).
 */
#ifndef PYM_IDSET_H
#define PYM_IDSET_H

#include "compat.h"

/* A set of object addresses keyed by page.  Each page record holds two
 * bitmaps of 16-byte granules: SEEN and AGAIN (seen twice or more).  No two
 * live objects share a granule, so a bit names one object.  Records live in
 * slabs that never move; the hash table holds record numbers.  The sizes
 * below are the named ones; shifts and masks derive from them, and a
 * page's granules fill exactly one 64-bit bitmap. */
#define PYM_GRANULE_SHIFT 4                                 /* granule: 16 bytes */
#define PYM_GRANULES_PER_PAGE 64                            /* bits of a uint64_t */
#define PYM_GRANULE_SIZE ((uintptr_t)1 << PYM_GRANULE_SHIFT)
#define PYM_PAGE_SIZE (PYM_GRANULE_SIZE * PYM_GRANULES_PER_PAGE)   /* 1 KiB */
#define PYM_PAGE_SHIFT (PYM_GRANULE_SHIFT + 6)              /* log2(PYM_PAGE_SIZE) */
#define PYM_IDSET_RECENT_BITS 4
#define PYM_IDSET_RECENT ((size_t)1 << PYM_IDSET_RECENT_BITS)  /* recent-page cache slots */
#define PYM_IDSET_SLABS 32      /* slab k holds SLAB0 << k records (idset.c) */

typedef struct PymPage {
    uintptr_t pg_page;       /* address >> PYM_PAGE_SHIFT */
    uint64_t pg_seen;
    uint64_t pg_again;
} PymPage;

typedef struct {
    uint32_t *s_index;       /* open addressing: record number + 1, 0 = empty */
    size_t s_mask;           /* s_index has s_mask + 1 slots */
    PymPage *s_slabs[PYM_IDSET_SLABS];
    size_t s_used;           /* records in use */
    PymPage *s_recent[PYM_IDSET_RECENT];   /* direct-mapped cache of recently hit pages */
} PymIdSet;

void pym_idset_init(PymIdSet *s);
void pym_idset_clear(PymIdSet *s);
/* The record of page, created if absent (the slow path of pym_idset_add).
 * NULL on memory error (exception set). */
PymPage *pym_idset_page(PymIdSet *s, uintptr_t page);

/* The recent-page cache slot of page. */
static inline PymPage **
pym_idset_recent(PymIdSet *s, uintptr_t page)
{
    return &s->s_recent[(page ^ (page >> PYM_IDSET_RECENT_BITS)) & (PYM_IDSET_RECENT - 1)];
}

/* The bit of address a within its page's bitmaps. */
static inline uint64_t
pym_idset_bit(uintptr_t a)
{
    return (uint64_t)1 << ((a >> PYM_GRANULE_SHIFT) & (PYM_GRANULES_PER_PAGE - 1));
}

/* Mark p as seen.  Returns 0 if p was new, 1 if it had been seen once
 * before (now marked AGAIN), 2 if seen twice or more, -1 on memory error
 * (exception set).  Inline: the walkers call it for nearly every object. */
static inline int
pym_idset_add(PymIdSet *s, const void *p)
{
    uintptr_t a = (uintptr_t)p, page = a >> PYM_PAGE_SHIFT;
    PymPage *r = *pym_idset_recent(s, page);
    uint64_t bit;
    if (r == NULL || r->pg_page != page) {
        r = pym_idset_page(s, page);
        if (r == NULL) {
            return -1;
        }
    }
    bit = pym_idset_bit(a);
    if (!(r->pg_seen & bit)) {
        r->pg_seen |= bit;
        return 0;
    }
    if (!(r->pg_again & bit)) {
        r->pg_again |= bit;
        return 1;
    }
    return 2;
}
/* Mark p as seen once (its AGAIN bit is left as it is).  0 / -1 (memory
 * error, exception set). */
static inline int
pym_idset_mark(PymIdSet *s, const void *p)
{
    uintptr_t a = (uintptr_t)p, page = a >> PYM_PAGE_SHIFT;
    PymPage *r = *pym_idset_recent(s, page);
    if (r == NULL || r->pg_page != page) {
        r = pym_idset_page(s, page);
        if (r == NULL) {
            return -1;
        }
    }
    r->pg_seen |= pym_idset_bit(a);
    return 0;
}
/* 1 if p is in the set, 0 if not. */
int pym_idset_contains(const PymIdSet *s, const void *p);
/* Remove p from the set (its page record stays).  Never fails. */
void pym_idset_discard(PymIdSet *s, const void *p);
/* Bytes of memory the set holds. */
size_t pym_idset_memory(const PymIdSet *s);

/* A small open-addressing map pointer -> Py_ssize_t, for the few objects
 * with a special state (positional arguments, excluded objects). */
typedef struct {
    uintptr_t *m_keys;
    Py_ssize_t *m_vals;
    size_t m_mask;
    size_t m_used;
} PymPtrMap;

void pym_ptrmap_init(PymPtrMap *m);
void pym_ptrmap_clear(PymPtrMap *m);
/* Pointer to the value slot of p, or NULL if absent. */
Py_ssize_t *pym_ptrmap_get(const PymPtrMap *m, const void *p);
/* Insert p with value v if absent.  Returns 1 if inserted, 0 if present,
 * -1 on memory error (exception set). */
int pym_ptrmap_setdefault(PymPtrMap *m, const void *p, Py_ssize_t v);

#endif /* PYM_IDSET_H */
