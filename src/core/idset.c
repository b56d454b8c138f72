/* idset.c -- "already seen" sets for the walkers.
 *
 * PymIdSet answers "has this object been seen in this sizing run, once or
 * more than once?" for millions of objects at a few nanoseconds each.
 *
 * Design.  A walk visits objects that were allocated close together, so the
 * set is keyed by 1 KiB page.  A page record (24 bytes) holds the page
 * number and two bitmaps of the page's 64 16-byte granules: SEEN and AGAIN.
 * Every object is at least 16 bytes (refcount and type), so two distinct
 * live objects start in distinct granules and a bit names exactly one
 * object.  Records are appended to slabs of geometrically growing size that
 * never move; an open-addressing table of 4-byte record numbers (linear
 * probing, Fibonacci hashing, load <= 1/2, 4096 slots to start) finds them.  Growing the table
 * re-reads the records, so the transient peak is the small index, not the
 * records.  A 16-entry direct-mapped cache of recently hit pages makes
 * runs of neighbours, also interleaved across a few allocator pools, cost
 * one compare.  Memory: about 32 bytes per touched page;
 * under one byte per object for densely allocated objects, about 32 for
 * objects scattered one per page (the worst case).
 *
 * Invariants (checked by PYM_ASSERT_CONSISTENT in debug builds):
 *   - every record in use has a non-zero page number (nothing lives in
 *     page 0) and is reachable from its hash slot by linear probing;
 *   - AGAIN bits are a subset of SEEN bits;
 *   - s_used * 2 <= s_mask + 1.
 *
 * Memory comes from PyMem_Raw* so tracemalloc sees it (the benchmark
 * measures the profiler's own memory that way).  Python interface: none;
 * used by the sizer (walk.c, sizer.c) and the heap walk (heapwalk.c).
 */
#include "pympler.h"

#include <string.h>   /* memset */

#define SLAB0 64            /* records in slab 0; slab k holds SLAB0 << k */
#define INDEX_START 4096    /* slots of a new index (16 KiB) */
#define INDEX_MAX ((size_t)1 << 31)   /* record numbers + 1 must fit in uint32_t */
#define PTRMAP_START 16     /* slots of a new pointer map */

/* Fibonacci hashing: multiply by 2**64 / golden ratio, then drop low bits
 * (the mask keeps the bits above them).  Page numbers already lack the
 * in-page bits; object addresses (the pointer map) lose a few more, since
 * neighbouring objects differ little there. */
#define HASH_MULT ((uintptr_t)0x9E3779B97F4A7C15ULL)
#define PAGE_HASH_SHIFT 20
#define PTR_HASH_SHIFT 24

static inline size_t
page_hash(uintptr_t page, size_t mask)
{
    return (size_t)((page * HASH_MULT) >> PAGE_HASH_SHIFT) & mask;
}

/* Record number n (0-based) lives in slab k = floor(log2(n / SLAB0 + 1)) at
 * offset n - SLAB0 * (2**k - 1). */
static inline PymPage *
record(const PymIdSet *s, size_t n)
{
    size_t q = n / SLAB0 + 1;
    unsigned k = (unsigned)(63 - __builtin_clzll((unsigned long long)q));
    return &s->s_slabs[k][n - (size_t)SLAB0 * (((size_t)1 << k) - 1)];
}

#ifdef PYM_DEBUG
static void
idset_check(const PymIdSet *s)
{
    size_t i, used = 0;
    if (s->s_index == NULL) {
        assert(s->s_used == 0);
        return;
    }
    for (i = 0; i <= s->s_mask; i++) {
        const PymPage *r;
        size_t j;
        if (s->s_index[i] == 0) {
            continue;
        }
        used++;
        r = record(s, s->s_index[i] - 1);
        assert(r->pg_page != 0);
        assert((r->pg_again & ~r->pg_seen) == 0);
        for (j = page_hash(r->pg_page, s->s_mask); j != i; j = (j + 1) & s->s_mask) {
            assert(s->s_index[j] != 0);   /* no hole on the probe path */
        }
    }
    assert(used == s->s_used);
    assert(s->s_used * 2 <= s->s_mask + 1);
}
#  define PYM_ASSERT_CONSISTENT(s) idset_check(s)
#else
#  define PYM_ASSERT_CONSISTENT(s) ((void)0)
#endif

void
pym_idset_init(PymIdSet *s)
{
    memset(s, 0, sizeof(*s));
}

void
pym_idset_clear(PymIdSet *s)
{
    unsigned k;
    PYM_ASSERT_CONSISTENT(s);
    PyMem_RawFree(s->s_index);
    for (k = 0; k < PYM_IDSET_SLABS; k++) {
        PyMem_RawFree(s->s_slabs[k]);
    }
    pym_idset_init(s);
}

size_t
pym_idset_memory(const PymIdSet *s)
{
    size_t mem = s->s_index == NULL ? 0 : (s->s_mask + 1) * sizeof(uint32_t);
    unsigned k;
    for (k = 0; k < PYM_IDSET_SLABS && s->s_slabs[k] != NULL; k++) {
        mem += ((size_t)SLAB0 << k) * sizeof(PymPage);
    }
    return mem;
}

/* Double the index (or create it).  0 / -1. */
static int
idset_grow(PymIdSet *s)
{
    size_t newsize = s->s_index == NULL ? INDEX_START : (s->s_mask + 1) * 2;
    size_t n;
    uint32_t *fresh;
    if (newsize > INDEX_MAX) {
        PyErr_NoMemory();
        return -1;
    }
    fresh = (uint32_t *)PyMem_RawCalloc(newsize, sizeof(uint32_t));
    if (fresh == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyMem_RawFree(s->s_index);
    s->s_index = fresh;
    s->s_mask = newsize - 1;
    for (n = 0; n < s->s_used; n++) {
        size_t j = page_hash(record(s, n)->pg_page, s->s_mask);
        while (fresh[j] != 0) {
            j = (j + 1) & s->s_mask;
        }
        fresh[j] = (uint32_t)(n + 1);
    }
    return 0;
}

/* A new record for page in slot j.  NULL on memory error. */
static PymPage *
idset_new_record(PymIdSet *s, uintptr_t page, size_t j)
{
    size_t n = s->s_used;
    size_t q = n / SLAB0 + 1;
    unsigned k = (unsigned)(63 - __builtin_clzll((unsigned long long)q));
    PymPage *r;
    if (n >= (size_t)UINT32_MAX - 1) {
        PyErr_NoMemory();
        return NULL;
    }
    if (s->s_slabs[k] == NULL) {
        s->s_slabs[k] = (PymPage *)PyMem_RawMalloc(((size_t)SLAB0 << k) * sizeof(PymPage));
        if (s->s_slabs[k] == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
    }
    r = record(s, n);
    r->pg_page = page;
    r->pg_seen = 0;
    r->pg_again = 0;
    s->s_index[j] = (uint32_t)(n + 1);
    s->s_used++;
    return r;
}

/* Find the record of page, inserting it if insert is true.  NULL when
 * absent (insert false) or on memory error (exception set).  The caller has
 * already asked the recent-page cache. */
static PymPage *
idset_find(PymIdSet *s, uintptr_t page, int insert)
{
    size_t j;
    PymPage **recent = pym_idset_recent(s, page);
    if (s->s_index == NULL) {
        if (!insert) {
            return NULL;
        }
        if (idset_grow(s) < 0) {
            return NULL;
        }
    }
    j = page_hash(page, s->s_mask);
    for (;;) {
        uint32_t ix = s->s_index[j];
        PymPage *r;
        if (ix == 0) {
            if (!insert) {
                return NULL;
            }
            if ((s->s_used + 1) * 2 > s->s_mask + 1) {
                /* Keep the load <= 1/2: grow, then find the new slot. */
                if (idset_grow(s) < 0) {
                    return NULL;
                }
                j = page_hash(page, s->s_mask);
                while (s->s_index[j] != 0) {
                    j = (j + 1) & s->s_mask;
                }
            }
            r = idset_new_record(s, page, j);
            *recent = r;
            return r;
        }
        r = record(s, ix - 1);
        if (r->pg_page == page) {
            *recent = r;
            return r;
        }
        j = (j + 1) & s->s_mask;
    }
}

PymPage *
pym_idset_page(PymIdSet *s, uintptr_t page)
{
    return idset_find(s, page, 1);
}

int
pym_idset_contains(const PymIdSet *s, const void *p)
{
    uintptr_t a = (uintptr_t)p, page = a >> PYM_PAGE_SHIFT;
    PymPage *r = *pym_idset_recent((PymIdSet *)s, page);
    if (r == NULL || r->pg_page != page) {
        r = idset_find((PymIdSet *)s, page, 0);
    }
    if (r == NULL) {
        return 0;
    }
    return (r->pg_seen & pym_idset_bit(a)) != 0;
}

void
pym_idset_discard(PymIdSet *s, const void *p)
{
    uintptr_t a = (uintptr_t)p, page = a >> PYM_PAGE_SHIFT;
    PymPage *r = idset_find(s, page, 0);
    if (r != NULL) {
        uint64_t bit = pym_idset_bit(a);
        r->pg_seen &= ~bit;
        r->pg_again &= ~bit;
    }
}

/* ---- PymPtrMap ---------------------------------------------------------- */

void
pym_ptrmap_init(PymPtrMap *m)
{
    m->m_keys = NULL;
    m->m_vals = NULL;
    m->m_mask = 0;
    m->m_used = 0;
}

void
pym_ptrmap_clear(PymPtrMap *m)
{
    PyMem_RawFree(m->m_keys);
    PyMem_RawFree(m->m_vals);
    pym_ptrmap_init(m);
}

static inline size_t
ptr_hash(uintptr_t k, size_t mask)
{
    return (size_t)((k * HASH_MULT) >> PTR_HASH_SHIFT) & mask;
}

Py_ssize_t *
pym_ptrmap_get(const PymPtrMap *m, const void *p)
{
    uintptr_t k = (uintptr_t)p;
    size_t j;
    if (m->m_used == 0) {
        return NULL;
    }
    j = ptr_hash(k, m->m_mask);
    while (m->m_keys[j] != 0) {
        if (m->m_keys[j] == k) {
            return &m->m_vals[j];
        }
        j = (j + 1) & m->m_mask;
    }
    return NULL;
}

static int
ptrmap_grow(PymPtrMap *m)
{
    size_t newsize = m->m_keys == NULL ? PTRMAP_START : (m->m_mask + 1) * 2;
    size_t oldsize = m->m_keys == NULL ? 0 : m->m_mask + 1;
    uintptr_t *ok = m->m_keys;
    Py_ssize_t *ov = m->m_vals;
    size_t i;
    uintptr_t *nk = (uintptr_t *)PyMem_RawCalloc(newsize, sizeof(uintptr_t));
    Py_ssize_t *nv = (Py_ssize_t *)PyMem_RawCalloc(newsize, sizeof(Py_ssize_t));
    if (nk == NULL || nv == NULL) {
        PyMem_RawFree(nk);
        PyMem_RawFree(nv);
        PyErr_NoMemory();
        return -1;
    }
    m->m_keys = nk;
    m->m_vals = nv;
    m->m_mask = newsize - 1;
    for (i = 0; i < oldsize; i++) {
        if (ok[i] != 0) {
            size_t j = ptr_hash(ok[i], m->m_mask);
            while (nk[j] != 0) {
                j = (j + 1) & m->m_mask;
            }
            nk[j] = ok[i];
            nv[j] = ov[i];
        }
    }
    PyMem_RawFree(ok);
    PyMem_RawFree(ov);
    return 0;
}

int
pym_ptrmap_setdefault(PymPtrMap *m, const void *p, Py_ssize_t v)
{
    uintptr_t k = (uintptr_t)p;
    size_t j;
    if (pym_ptrmap_get(m, p) != NULL) {
        return 0;
    }
    if (m->m_keys == NULL || (m->m_used + 1) * 2 > m->m_mask + 1) {
        if (ptrmap_grow(m) < 0) {
            return -1;
        }
    }
    j = ptr_hash(k, m->m_mask);
    while (m->m_keys[j] != 0) {
        j = (j + 1) & m->m_mask;
    }
    m->m_keys[j] = k;
    m->m_vals[j] = v;
    m->m_used++;
    return 1;
}
