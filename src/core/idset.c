/* idset.c -- "already seen" sets for the walkers.
 *
 * PymIdSet answers "has this object been seen in this sizing run, once or
 * more than once?" for millions of objects at a few nanoseconds each.
 *
 * Design.  A walk visits objects that were allocated close together, so the
 * set is keyed by 4 KiB page: an open-addressing table (linear probing,
 * Fibonacci hashing, load <= 1/2) of page records, each holding two bitmaps
 * of the 256 16-byte granules of its page: SEEN and AGAIN.  Every object
 * is at least 16 bytes (refcount and type), so two distinct live objects
 * start in distinct granules and a bit names exactly one object.  A
 * one-entry cache of the last page hit makes runs of neighbours cost one
 * compare.  Memory: 72 bytes per touched page; for small objects that is
 * well under one byte per object.
 *
 * Invariants (checked by PYM_ASSERT_CONSISTENT in debug builds):
 *   - a record with r_page == 0 is empty (no object lives in page 0);
 *   - AGAIN bits are a subset of SEEN bits;
 *   - s_used counts non-empty records and s_used * 2 <= s_mask + 1.
 *
 * Memory comes from PyMem_Raw* so tracemalloc sees it (the benchmark
 * measures the profiler's own memory that way).  Python interface: none;
 * used by sizer.c and heap.c.
 */
#include "pympler.h"

#include <string.h>   /* memset */

#define PAGE_SHIFT 12
#define GRANULE_SHIFT 4
#define GRANULES_PER_WORD 64

struct PymPage {
    uintptr_t r_page;        /* address >> PAGE_SHIFT, 0 = empty */
    uint64_t r_seen[4];
    uint64_t r_again[4];
};

#define HASH_MULT ((uintptr_t)0x9E3779B97F4A7C15ULL)

static inline size_t
page_hash(uintptr_t page, size_t mask)
{
    return (size_t)((page * HASH_MULT) >> 20) & mask;
}

#ifdef PYM_DEBUG
static void
idset_check(const PymIdSet *s)
{
    size_t i, used = 0;
    if (s->s_pages == NULL) {
        assert(s->s_used == 0);
        return;
    }
    for (i = 0; i <= s->s_mask; i++) {
        const PymPage *r = &s->s_pages[i];
        int w;
        if (r->r_page == 0) {
            continue;
        }
        used++;
        for (w = 0; w < 4; w++) {
            assert((r->r_again[w] & ~r->r_seen[w]) == 0);
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
    s->s_pages = NULL;
    s->s_mask = 0;
    s->s_used = 0;
    s->s_last = NULL;
}

void
pym_idset_clear(PymIdSet *s)
{
    PYM_ASSERT_CONSISTENT(s);
    PyMem_RawFree(s->s_pages);
    pym_idset_init(s);
}

size_t
pym_idset_memory(const PymIdSet *s)
{
    return s->s_pages == NULL ? 0 : (s->s_mask + 1) * sizeof(PymPage);
}

/* Find the record of page, inserting it if insert is true.  NULL when
 * absent (insert false) or on memory error (exception set). */
static PymPage *idset_find(PymIdSet *s, uintptr_t page, int insert);

/* Double the table.  0 / -1. */
static int
idset_grow(PymIdSet *s)
{
    size_t newsize = s->s_pages == NULL ? 64 : (s->s_mask + 1) * 2;
    PymPage *old = s->s_pages;
    size_t oldsize = old == NULL ? 0 : s->s_mask + 1;
    size_t i;
    PymPage *fresh;

    if (newsize > ((size_t)-1) / sizeof(PymPage)) {
        PyErr_NoMemory();
        return -1;
    }
    fresh = (PymPage *)PyMem_RawCalloc(newsize, sizeof(PymPage));
    if (fresh == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    s->s_pages = fresh;
    s->s_mask = newsize - 1;
    s->s_used = 0;
    s->s_last = NULL;
    for (i = 0; i < oldsize; i++) {
        if (old[i].r_page != 0) {
            size_t j = page_hash(old[i].r_page, s->s_mask);
            while (fresh[j].r_page != 0) {
                j = (j + 1) & s->s_mask;
            }
            fresh[j] = old[i];
            s->s_used++;
        }
    }
    PyMem_RawFree(old);
    return 0;
}

static PymPage *
idset_find(PymIdSet *s, uintptr_t page, int insert)
{
    size_t j;
    if (s->s_last != NULL && s->s_last->r_page == page) {
        return s->s_last;
    }
    if (s->s_pages == NULL) {
        if (!insert) {
            return NULL;
        }
        if (idset_grow(s) < 0) {
            return NULL;
        }
    }
    j = page_hash(page, s->s_mask);
    for (;;) {
        PymPage *r = &s->s_pages[j];
        if (r->r_page == page) {
            s->s_last = r;
            return r;
        }
        if (r->r_page == 0) {
            if (!insert) {
                return NULL;
            }
            if ((s->s_used + 1) * 2 > s->s_mask + 1) {
                if (idset_grow(s) < 0) {
                    return NULL;
                }
                return idset_find(s, page, insert);   /* at most one level */
            }
            r->r_page = page;
            s->s_used++;
            s->s_last = r;
            return r;
        }
        j = (j + 1) & s->s_mask;
    }
}

int
pym_idset_add(PymIdSet *s, const void *p)
{
    uintptr_t a = (uintptr_t)p;
    PymPage *r = idset_find(s, a >> PAGE_SHIFT, 1);
    unsigned g;
    uint64_t bit;
    if (r == NULL) {
        return -1;
    }
    g = (unsigned)((a >> GRANULE_SHIFT) & 255);
    bit = (uint64_t)1 << (g & 63);
    if (!(r->r_seen[g >> 6] & bit)) {
        r->r_seen[g >> 6] |= bit;
        return 0;
    }
    if (!(r->r_again[g >> 6] & bit)) {
        r->r_again[g >> 6] |= bit;
        return 1;
    }
    return 2;
}

int
pym_idset_contains(const PymIdSet *s, const void *p)
{
    uintptr_t a = (uintptr_t)p;
    PymPage *r = idset_find((PymIdSet *)s, a >> PAGE_SHIFT, 0);
    unsigned g;
    if (r == NULL) {
        return 0;
    }
    g = (unsigned)((a >> GRANULE_SHIFT) & 255);
    return (r->r_seen[g >> 6] >> (g & 63)) & 1;
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
    return (size_t)((k * HASH_MULT) >> 24) & mask;
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
    size_t newsize = m->m_keys == NULL ? 16 : (m->m_mask + 1) * 2;
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
