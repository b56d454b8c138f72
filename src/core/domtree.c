/* domtree.c -- the whole heap as a compact graph, its dominator tree and
 * the retained size of every object (issue 10 items 1 and 2; Python side:
 * pympler.retained).
 *
 * heap_graph(roots, ignore, keep) builds a HeapGraph in one call:
 *
 *   1. the heap walk of heapwalk.c (gc-tracked objects, frames included,
 *      plus the untracked objects they refer to) gives the nodes, held by
 *      one vector of strong references (g_obj) while the call runs;
 *   2. an address -> node index hash (uint32 slots, freed after step 3);
 *   3. the nodes are traversed in index order (tp_traverse, plus the local
 *      variables of 3.11+ running frames) and their referents appended to a
 *      growing uint32 array: the edges come out in CSR form directly
 *      (g_off[k]..g_off[k+1]).  A referent that is not a node yet (an
 *      object only an untracked container holds, an untracked frame) is
 *      appended as a new node and traversed in its turn.  No Python code
 *      runs in steps 1-3;
 *   4. flat size (the engine's getsizeof) and type index of every node (a
 *      Python __sizeof__ may run here: every node is held);
 *   5. unless keep is true, the references are released: the vector keeps
 *      the addresses only;
 *   6. roots: the objects of the tuple roots (modules, thread frames, in
 *      order), then every node nothing refers to, then, for what is still
 *      unreached (garbage cycles nothing outside refers to), one node of
 *      each such part in index order.  A virtual root (index n) has an
 *      edge to each root;
 *   7. a depth-first numbering from the virtual root (explicit stack),
 *      predecessors in CSR form, then Cooper-Harvey-Kennedy's iterative
 *      dominators ("A Simple, Fast Dominance Algorithm", 2001) in reverse
 *      postorder; retained[v] = flat[v] + the retained sizes of the nodes v
 *      immediately dominates, summed in postorder;
 *   8. the dominator tree's children in CSR form, and one depth-first pass
 *      over it for the per-type and per-module retained sizes: a type's
 *      retained size is the size of everything its instances retain,
 *      counted once (the retained sizes of the instances no other instance
 *      of the type dominates).
 *
 * No Python object per node or edge; per node: address 8, flat size 4
 * (bigger sizes in a small map), type 4, edge offset 4, idom 4, retained
 * 8, dominator children 8 bytes, and 4 per edge.  The peak adds the hash
 * (step 3, 4-8 bytes per node) or the predecessors and DFS arrays (step 7).
 *
 * Held objects: with keep, the HeapGraph holds a strong reference to every
 * node until release() (or its deallocation, or the collector clearing
 * it), so that objects can be returned and path labels computed later
 * (pym_graph_edge_label, graph.c).  Its tp_traverse shows them to the
 * collector: a held frame owns its local variables after it returns, so
 * "frame -> snapshot -> graph -> frame" is a common cycle, which the
 * collector must be able to break.  A later heap_graph() does not count
 * an older graph's references as edges (the objects only it holds become
 * roots there); the other heap functions (muppy.get_referrers...) do see
 * it as a referrer of everything: release it first.
 */
#include "heapwalk.h"

#include <string.h>   /* memset */

#define NONE32 UINT32_MAX
#define MAX_NODES ((Py_ssize_t)UINT32_MAX - 8)
#define BIG_SIZE UINT32_MAX

/* An open-addressing table from addresses to indices of an array of
 * object pointers (the array holds the addresses; a slot holds index + 1,
 * 0 empty), at load 1/3 .. 2/3: 4 bytes a slot, 6-12 bytes an entry. */
typedef struct {
    uint32_t *t_slot;
    size_t t_mask;
    int t_bits;
} AddrTable;

typedef struct {
    PyObject_HEAD
    Py_ssize_t g_n;          /* nodes; the virtual root is node g_n */
    PyObject **g_obj;        /* n: strong while g_held, then addresses only */
    int g_held;
    PymState *g_st;          /* the module's state, for the edge labeller */
    uint32_t *g_size;        /* n: flat size, BIG_SIZE: in g_bigsize */
    PymPtrMap g_bigsize;     /* node index + 1 -> flat size, for sizes >= BIG_SIZE */
    uint32_t *g_type;        /* n: index into g_typenames */
    uint32_t *g_off;         /* n + 1: edges of k are g_edge[g_off[k]..g_off[k+1]] */
    uint32_t *g_edge;
    uint32_t *g_root;        /* roots, in order: explicit, unreferenced, unreached */
    Py_ssize_t g_nroot;
    Py_ssize_t g_nexplicit;
    Py_ssize_t g_nunref;
    PyObject *g_rootlabels;  /* tuple: label of each explicit root */
    uint32_t *g_idom;        /* n: immediate dominator, g_n for the virtual root */
    uint64_t *g_ret;         /* n + 1: retained size; [n]: the whole heap */
    uint32_t *g_koff;        /* n + 2: dominator tree children of k (k = n: roots' tree) */
    uint32_t *g_kid;         /* n */
    PyObject *g_typenames;   /* list of (qualname, module) */
    PyObject *g_modnames;    /* list of module names */
    uint32_t *g_typemod;     /* per type: module index */
    int64_t *g_typeagg;      /* per type: count, flat, retained */
    int64_t *g_modagg;       /* per module: count, flat, retained */
    Py_ssize_t g_ntypes;
    Py_ssize_t g_nmods;
    uint32_t *g_elabel;      /* loaded graphs: edge label (index into g_strings) or NONE32 */
    PyObject *g_strings;     /* list of str, or NULL */
    int g_busy;              /* edge_labels() runs: release() must wait */
    AddrTable g_index;       /* address -> index, made by the first index() */
    uint32_t *g_bparent;     /* n: breadth-first tree from the roots, made by the first */
    uint32_t *g_bpedge;      /* n: path() or bfs_tree() (see graph_bfs_ensure) */
} PymHeapGraphObject;

/* ---- growable uint32 array ------------------------------------------- */

typedef struct {
    uint32_t *a_v;
    size_t a_len;
    size_t a_cap;
} U32Vec;

static int
u32_grow(U32Vec *a)
{
    size_t cap = a->a_cap ? a->a_cap + a->a_cap / 2 : 1 << 16;
    uint32_t *v = (uint32_t *)PyMem_RawRealloc(a->a_v, cap * sizeof(uint32_t));
    if (v == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    a->a_v = v;
    a->a_cap = cap;
    return 0;
}

static inline int
u32_push(U32Vec *a, uint32_t x)
{
    if (a->a_len == a->a_cap && u32_grow(a) < 0) {
        return -1;
    }
    a->a_v[a->a_len++] = x;
    return 0;
}

/* ---- the build: address -> index ------------------------------------- */

typedef struct {
    PymWalk *b_walk;
    PyObject **b_obj;        /* strong */
    Py_ssize_t b_n;
    Py_ssize_t b_cap;
    AddrTable b_hash;        /* b_obj's addresses */
    U32Vec b_edges;
    PyTypeObject *b_graphtype;   /* HeapGraph: its references are not edges */
} Build;

/* Slot of address p in a table of 2**bits slots (Fibonacci hashing). */
static inline size_t
addr_slot(const void *p, int bits)
{
    uint64_t h = ((uint64_t)(uintptr_t)p >> 4) * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h >> (64 - bits));
}

/* An empty table for at least need entries (the old one freed).  0 / -1. */
static int
addr_table_alloc(AddrTable *t, size_t need)
{
    int bits = 10;
    while (((size_t)1 << bits) < need + need / 2) {
        bits++;
    }
    PyMem_RawFree(t->t_slot);
    t->t_slot = (uint32_t *)PyMem_RawCalloc((size_t)1 << bits, sizeof(uint32_t));
    if (t->t_slot == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    t->t_bits = bits;
    t->t_mask = ((size_t)1 << bits) - 1;
    return 0;
}

static void
addr_table_free(AddrTable *t)
{
    PyMem_RawFree(t->t_slot);
    t->t_slot = NULL;
}

/* Index of address p (the first put, for a repeated address), or -1. */
static inline Py_ssize_t
addr_table_find(const AddrTable *t, PyObject *const *objs, const void *p)
{
    size_t i = addr_slot(p, t->t_bits);
    for (;;) {
        uint32_t s = t->t_slot[i];
        if (s == 0) {
            return -1;
        }
        if ((const void *)objs[s - 1] == p) {
            return (Py_ssize_t)s - 1;
        }
        i = (i + 1) & t->t_mask;
    }
}

/* Enter objs[k], which must not be in the table yet. */
static inline void
addr_table_put(AddrTable *t, PyObject *const *objs, Py_ssize_t k)
{
    size_t i = addr_slot(objs[k], t->t_bits);
    while (t->t_slot[i] != 0) {
        i = (i + 1) & t->t_mask;
    }
    t->t_slot[i] = (uint32_t)(k + 1);
}

/* The build's table for at least need nodes, with every node so far.  0 / -1. */
static int
hash_build(Build *b, Py_ssize_t need)
{
    Py_ssize_t k;
    if (addr_table_alloc(&b->b_hash, (size_t)need) < 0) {
        return -1;
    }
    for (k = 0; k < b->b_n; k++) {
        addr_table_put(&b->b_hash, b->b_obj, k);
    }
    return 0;
}

/* Append o as a new node (a new reference).  Its index, or -1. */
static Py_ssize_t
node_add(Build *b, PyObject *o)
{
    if (b->b_n >= MAX_NODES) {
        PyErr_SetString(PyExc_MemoryError, "heap_graph: too many objects");
        return -1;
    }
    if (b->b_n == b->b_cap) {
        Py_ssize_t cap = b->b_cap + b->b_cap / 4 + 1024;
        PyObject **v = (PyObject **)PyMem_RawRealloc(b->b_obj, (size_t)cap * sizeof(PyObject *));
        if (v == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        b->b_obj = v;
        b->b_cap = cap;
    }
    b->b_obj[b->b_n] = Py_NewRef(o);
    b->b_n++;
    if ((size_t)b->b_n * 3 > (b->b_hash.t_mask + 1) * 2) {
        if (hash_build(b, b->b_n * 2) < 0) {
            return -1;
        }
    }
    else {
        addr_table_put(&b->b_hash, b->b_obj, b->b_n - 1);
    }
    return b->b_n - 1;
}

/* tp_traverse callback: the edge (current node -> r). */
static int
edge_visit(PyObject *r, void *arg)
{
    Build *b = (Build *)arg;
    Py_ssize_t k = addr_table_find(&b->b_hash, b->b_obj, r);
    if (k < 0) {
        if (pym_idset_contains(&b->b_walk->w_ignore, r)) {
            return 0;
        }
        k = node_add(b, r);
        if (k < 0) {
            return -1;
        }
    }
    if (b->b_edges.a_len >= (size_t)UINT32_MAX - 1) {
        PyErr_SetString(PyExc_MemoryError, "heap_graph: too many references");
        return -1;
    }
    return u32_push(&b->b_edges, (uint32_t)k);
}

/* Edges of every node, in index order, into g->g_off / the build's edge
 * array.  No Python code runs.  0 / -1. */
static int
build_edges(Build *b, U32Vec *off)
{
    Py_ssize_t k;
    for (k = 0; k < b->b_n; k++) {   /* b_n grows as new referents come in */
        PyObject *o = b->b_obj[k];
        PyTypeObject *tp = Py_TYPE(o);
        if (u32_push(off, (uint32_t)b->b_edges.a_len) < 0) {
            return -1;
        }
        if (tp == b->b_graphtype) {
            continue;   /* an older graph's hold on the heap is not a reference */
        }
        if (PyObject_IS_GC(o) && tp->tp_traverse != NULL
            && tp->tp_traverse(o, edge_visit, b) != 0) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_SystemError, "tp_traverse failed during heap_graph");
            }
            return -1;
        }
        if (PyFrame_Check(o)) {
            PyObject **vals = NULL;
            PyCodeObject *co = NULL;
            int traversed = 1;
            Py_ssize_t i, nv = pym_frame_slots((PyFrameObject *)o, &vals, &co, &traversed);
            for (i = 0; !traversed && i < nv; i++) {
                if (vals[i] != NULL && edge_visit(vals[i], b) < 0) {
                    return -1;
                }
            }
        }
    }
    return u32_push(off, (uint32_t)b->b_edges.a_len);
}

/* ---- types and modules ----------------------------------------------- */

/* (qualname, module) of tp, read from its structure: no user code runs
 * (the module is the str "__module__" of a class's own dict, as
 * type.__module__ finds it; a static type's comes from its tp_name). */
static PyObject *
type_names(PymState *st, PyTypeObject *tp)
{
    PyObject *name = NULL, *mod = NULL, *res = NULL;
    const char *dot = strrchr(tp->tp_name, '.');
    if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) {
        PyHeapTypeObject *h = (PyHeapTypeObject *)tp;
        PyObject *dict = PYM_TYPE_DICT(tp);   /* strong or NULL */
        if (h->ht_qualname != NULL && PyUnicode_CheckExact(h->ht_qualname)) {
            name = Py_NewRef(h->ht_qualname);
        }
        if (dict != NULL && PyDict_Check(dict)) {
            Py_ssize_t pos = 0;
            PyObject *k, *v;
            while (PyDict_Next(dict, &pos, &k, &v)) {   /* borrowed; no code runs */
                if (PyUnicode_CheckExact(k) && PyUnicode_Compare(k, st->ms_str_module) == 0) {
                    if (PyUnicode_CheckExact(v)) {
                        mod = Py_NewRef(v);
                    }
                    break;
                }
            }
        }
        Py_XDECREF(dict);
    }
    if (name == NULL) {
        name = PyUnicode_FromString(dot != NULL ? dot + 1 : tp->tp_name);
        if (name == NULL) {
            goto done;
        }
    }
    if (mod == NULL) {
        mod = dot != NULL ? PyUnicode_FromStringAndSize(tp->tp_name, dot - tp->tp_name)
                          : PyUnicode_FromString("builtins");
        if (mod == NULL) {
            goto done;
        }
    }
    res = PyTuple_Pack(2, name, mod);
done:
    Py_XDECREF(name);
    Py_XDECREF(mod);
    return res;
}

/* Flat sizes and type indices of every node (a Python __sizeof__ may run:
 * every node is held).  0 / -1. */
static int
sizes_and_types(PymState *st, PymHeapGraphObject *g)
{
    PymPtrMap tindex, mindex;
    PyObject *modidx = NULL;
    PyTypeObject *last = NULL;
    uint32_t lastidx = 0;
    Py_ssize_t k, n = g->g_n;
    int res = -1;

    pym_ptrmap_init(&tindex);
    pym_ptrmap_init(&mindex);
    g->g_size = (uint32_t *)PyMem_RawMalloc(((size_t)n + 1) * sizeof(uint32_t));
    g->g_type = (uint32_t *)PyMem_RawMalloc(((size_t)n + 1) * sizeof(uint32_t));
    g->g_typenames = PyList_New(0);
    g->g_modnames = PyList_New(0);
    modidx = PyDict_New();
    if (g->g_size == NULL || g->g_type == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (g->g_typenames == NULL || g->g_modnames == NULL || modidx == NULL) {
        goto done;
    }
    for (k = 0; k < n; k++) {
        PyObject *o = g->g_obj[k];
        PyTypeObject *tp = Py_TYPE(o);
        Py_ssize_t sz;
        if (tp != last) {
            Py_ssize_t *slot = pym_ptrmap_get(&tindex, tp);
            if (slot == NULL) {
                PyObject *names = type_names(st, tp), *midx;
                Py_ssize_t t = PyList_GET_SIZE(g->g_typenames), m;
                if (names == NULL) {
                    goto done;
                }
                if (PyList_Append(g->g_typenames, names) < 0) {
                    Py_DECREF(names);
                    goto done;
                }
                midx = PyDict_GetItemWithError(modidx, PyTuple_GET_ITEM(names, 1)); /* exact str */
                if (midx == NULL) {
                    if (PyErr_Occurred()) {
                        Py_DECREF(names);
                        goto done;
                    }
                    m = PyList_GET_SIZE(g->g_modnames);
                    midx = PyLong_FromSsize_t(m);
                    if (midx == NULL || PyDict_SetItem(modidx, PyTuple_GET_ITEM(names, 1), midx) < 0
                        || PyList_Append(g->g_modnames, PyTuple_GET_ITEM(names, 1)) < 0) {
                        Py_XDECREF(midx);
                        Py_DECREF(names);
                        goto done;
                    }
                    Py_DECREF(midx);
                }
                else {
                    m = PyLong_AsSsize_t(midx);
                }
                Py_DECREF(names);
                if (pym_ptrmap_setdefault(&tindex, tp, t) < 0
                    || pym_ptrmap_setdefault(&mindex, (void *)(uintptr_t)(t + 1), m) < 0) {
                    goto done;
                }
                slot = pym_ptrmap_get(&tindex, tp);
            }
            last = tp;
            lastidx = (uint32_t)*slot;
        }
        g->g_type[k] = lastidx;
        sz = pym_heap_getsizeof(st, o);
        if (PyErr_Occurred()) {
            if (!PyErr_ExceptionMatches(PyExc_Exception)) {
                goto done;
            }
            PyErr_Clear();
        }
        if ((uint64_t)sz >= BIG_SIZE) {
            g->g_size[k] = BIG_SIZE;
            if (pym_ptrmap_setdefault(&g->g_bigsize, (void *)(uintptr_t)(k + 1), sz) < 0) {
                goto done;
            }
        }
        else {
            g->g_size[k] = (uint32_t)sz;
        }
        last = Py_TYPE(o) == tp ? tp : NULL; /* a __sizeof__ may change __class__ */
    }
    g->g_ntypes = PyList_GET_SIZE(g->g_typenames);
    g->g_nmods = PyList_GET_SIZE(g->g_modnames);
    g->g_typemod = (uint32_t *)PyMem_RawMalloc(((size_t)g->g_ntypes + 1) * sizeof(uint32_t));
    if (g->g_typemod == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (k = 0; k < g->g_ntypes; k++) {
        g->g_typemod[k] = (uint32_t)*pym_ptrmap_get(&mindex, (void *)(uintptr_t)(k + 1));
    }
    res = 0;
done:
    pym_ptrmap_clear(&tindex);
    pym_ptrmap_clear(&mindex);
    Py_XDECREF(modidx);
    return res;
}

static inline uint64_t
flat_size(const PymHeapGraphObject *g, Py_ssize_t k)
{
    uint32_t s = g->g_size[k];
    if (s == BIG_SIZE) {
        Py_ssize_t *v = pym_ptrmap_get(&g->g_bigsize, (void *)(uintptr_t)(k + 1));
        return v != NULL ? (uint64_t)*v : s;
    }
    return s;
}

/* ---- dominators ------------------------------------------------------ */

#define UNSEEN UINT32_MAX

/* Depth-first postorder from the roots in g_root[from..]; post[v] and
 * order[] numbered from *count on.  Explicit stack.  0 / -1. */
static int
dfs_from(PymHeapGraphObject *g, uint32_t root, uint32_t *post, uint32_t *order, uint32_t *count,
         U32Vec *stack)
{
    const uint32_t *off = g->g_off, *edge = g->g_edge;
    if (post[root] != UNSEEN) {
        return 0;
    }
    stack->a_len = 0;
    post[root] = UNSEEN - 1; /* on the stack */
    if (u32_push(stack, root) < 0 || u32_push(stack, off[root]) < 0) {
        return -1;
    }
    while (stack->a_len > 0) {
        uint32_t v = stack->a_v[stack->a_len - 2];
        uint32_t pos = stack->a_v[stack->a_len - 1];
        uint32_t end = off[v + 1];
        while (pos < end && post[edge[pos]] != UNSEEN) {
            pos++;
        }
        if (pos < end) {
            uint32_t w = edge[pos];
            stack->a_v[stack->a_len - 1] = pos + 1;
            post[w] = UNSEEN - 1;
            if (u32_push(stack, w) < 0 || u32_push(stack, off[w]) < 0) {
                return -1;
            }
        }
        else {
            post[v] = *count;
            order[*count] = v;
            (*count)++;
            stack->a_len -= 2;
        }
    }
    return 0;
}

static inline uint32_t
intersect(const uint32_t *idom, const uint32_t *post, uint32_t a, uint32_t b)
{
    while (a != b) {
        while (post[a] < post[b]) {
            a = idom[a];
        }
        while (post[b] < post[a]) {
            b = idom[b];
        }
    }
    return a;
}

static int
root_push(U32Vec *roots, uint8_t *isroot, uint32_t v)
{
    if (isroot[v]) {
        return 0;
    }
    isroot[v] = 1;
    return u32_push(roots, v);
}

/* A root given twice (a module under two names in sys.modules) is a root
 * once: keep the labels of the first occurrences, so that g_rootlabels[r]
 * stays the label of g_root[r].  0 / -1. */
static int
keep_root_labels(PymHeapGraphObject *g, const uint32_t *explicit, Py_ssize_t nexplicit)
{
    PyObject *kept;
    PymPtrMap seen;
    Py_ssize_t k, j = 0;
    if (g->g_rootlabels == NULL || PyTuple_GET_SIZE(g->g_rootlabels) != nexplicit) {
        return 0;
    }
    kept = PyTuple_New(g->g_nexplicit);
    if (kept == NULL) {
        return -1;
    }
    pym_ptrmap_init(&seen);
    for (k = 0; k < nexplicit && j < g->g_nexplicit; k++) {
        int fresh = pym_ptrmap_setdefault(&seen, (void *)((uintptr_t)explicit[k] + 1), k);
        if (fresh < 0) {
            pym_ptrmap_clear(&seen);
            Py_DECREF(kept);
            return -1;
        }
        if (fresh) {
            PyTuple_SET_ITEM(kept, j++, Py_NewRef(PyTuple_GET_ITEM(g->g_rootlabels, k)));
        }
    }
    pym_ptrmap_clear(&seen);
    Py_SETREF(g->g_rootlabels, kept);
    return 0;
}

/* Roots, dominators, retained sizes.  Needs g_off/g_edge and sizes;
 * explicit roots given as node indices.  0 / -1. */
static int
dominators(PymHeapGraphObject *g, const uint32_t *explicit, Py_ssize_t nexplicit)
{
    Py_ssize_t n = g->g_n, k;
    uint32_t V = (uint32_t)n, count = 0;
    uint32_t *post = NULL, *order = NULL, *poff = NULL, *pred = NULL, *idom = NULL;
    uint8_t *isroot = NULL;
    U32Vec roots = {NULL, 0, 0}, stack = {NULL, 0, 0};
    size_t ne = g->g_off[n];
    int res = -1, changed;

    post = (uint32_t *)PyMem_RawMalloc(((size_t)n + 1) * sizeof(uint32_t));
    order = (uint32_t *)PyMem_RawMalloc(((size_t)n + 1) * sizeof(uint32_t));
    poff = (uint32_t *)PyMem_RawCalloc((size_t)n + 2, sizeof(uint32_t));
    pred = (uint32_t *)PyMem_RawMalloc((ne + 1) * sizeof(uint32_t));
    isroot = (uint8_t *)PyMem_RawCalloc((size_t)n + 1, 1);
    if (post == NULL || order == NULL || poff == NULL || pred == NULL || isroot == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* predecessors: counts, prefix sums, fill (poff[v] ends at v's end) */
    for (k = 0; k < (Py_ssize_t)ne; k++) {
        poff[g->g_edge[k] + 1]++;
    }
    for (k = 0; k < n; k++) {
        poff[k + 1] += poff[k];
    }
    for (k = 0; k < n; k++) {
        uint32_t e;
        for (e = g->g_off[k]; e < g->g_off[k + 1]; e++) {
            pred[poff[g->g_edge[e]]++] = (uint32_t)k;
        }
    }
    for (k = n; k > 0; k--) {
        poff[k] = poff[k - 1];
    }
    poff[0] = 0;
    /* roots */
    for (k = 0; k < nexplicit; k++) {
        if (root_push(&roots, isroot, explicit[k]) < 0) {
            goto done;
        }
    }
    g->g_nexplicit = (Py_ssize_t)roots.a_len;
    if (g->g_nexplicit < nexplicit && keep_root_labels(g, explicit, nexplicit) < 0) {
        goto done;
    }
    for (k = 0; k < n; k++) {
        if (poff[k] == poff[k + 1] && root_push(&roots, isroot, (uint32_t)k) < 0) {
            goto done;
        }
    }
    g->g_nunref = (Py_ssize_t)roots.a_len - g->g_nexplicit;
    for (k = 0; k <= n; k++) {
        post[k] = UNSEEN;
    }
    for (k = 0; k < (Py_ssize_t)roots.a_len; k++) {
        if (dfs_from(g, roots.a_v[k], post, order, &count, &stack) < 0) {
            goto done;
        }
    }
    for (k = 0; k < n; k++) { /* unreached parts: garbage cycles */
        if (post[k] == UNSEEN) {
            if (root_push(&roots, isroot, (uint32_t)k) < 0
                || dfs_from(g, (uint32_t)k, post, order, &count, &stack) < 0) {
                goto done;
            }
        }
    }
    post[V] = count;
    order[count] = V;
    /* Cooper-Harvey-Kennedy, in reverse postorder */
    idom = (uint32_t *)PyMem_RawMalloc(((size_t)n + 1) * sizeof(uint32_t));
    if (idom == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (k = 0; k < n; k++) {
        idom[k] = UNSEEN;
    }
    idom[V] = V;
    do {
        changed = 0;
        for (k = (Py_ssize_t)count - 1; k >= 0; k--) {
            uint32_t b = order[k], nd = isroot[b] ? V : UNSEEN, e;
            for (e = poff[b]; e < poff[b + 1]; e++) {
                uint32_t p = pred[e];
                if (idom[p] == UNSEEN) {
                    continue;
                }
                nd = nd == UNSEEN ? p : intersect(idom, post, p, nd);
            }
            if (idom[b] != nd) {
                idom[b] = nd;
                changed = 1;
            }
        }
    } while (changed);
    PyMem_RawFree(pred);
    pred = NULL;
    PyMem_RawFree(poff);
    poff = NULL;
    /* retained sizes, children before their dominator */
    g->g_ret = (uint64_t *)PyMem_RawMalloc(((size_t)n + 1) * sizeof(uint64_t));
    if (g->g_ret == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (k = 0; k < n; k++) {
        g->g_ret[k] = flat_size(g, k);
    }
    g->g_ret[V] = 0;
    for (k = 0; k < (Py_ssize_t)count; k++) {
        uint32_t v = order[k];
        g->g_ret[idom[v]] += g->g_ret[v];
    }
    g->g_idom = idom;
    idom = NULL;
    g->g_root = roots.a_v;
    g->g_nroot = (Py_ssize_t)roots.a_len;
    roots.a_v = NULL;
    res = 0;
done:
    PyMem_RawFree(post);
    PyMem_RawFree(order);
    PyMem_RawFree(poff);
    PyMem_RawFree(pred);
    PyMem_RawFree(isroot);
    PyMem_RawFree(idom);
    PyMem_RawFree(roots.a_v);
    PyMem_RawFree(stack.a_v);
    return res;
}

/* Dominator tree children (CSR) and the per-type / per-module tables.
 * 0 / -1. */
static int
dom_tree(PymHeapGraphObject *g)
{
    Py_ssize_t n = g->g_n, k;
    uint32_t V = (uint32_t)n;
    uint32_t *tact = NULL, *mact = NULL;
    U32Vec stack = {NULL, 0, 0};
    int res = -1;

    g->g_koff = (uint32_t *)PyMem_RawCalloc((size_t)n + 2, sizeof(uint32_t));
    g->g_kid = (uint32_t *)PyMem_RawMalloc(((size_t)n + 1) * sizeof(uint32_t));
    g->g_typeagg = (int64_t *)PyMem_RawCalloc(3 * ((size_t)g->g_ntypes + 1), sizeof(int64_t));
    g->g_modagg = (int64_t *)PyMem_RawCalloc(3 * ((size_t)g->g_nmods + 1), sizeof(int64_t));
    tact = (uint32_t *)PyMem_RawCalloc((size_t)g->g_ntypes + 1, sizeof(uint32_t));
    mact = (uint32_t *)PyMem_RawCalloc((size_t)g->g_nmods + 1, sizeof(uint32_t));
    if (g->g_koff == NULL || g->g_kid == NULL || g->g_typeagg == NULL || g->g_modagg == NULL
        || tact == NULL || mact == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (k = 0; k < n; k++) {
        g->g_koff[g->g_idom[k] + 1]++;
    }
    for (k = 0; k <= n; k++) {
        g->g_koff[k + 1] += g->g_koff[k];
    }
    for (k = 0; k < n; k++) {
        g->g_kid[g->g_koff[g->g_idom[k]]++] = (uint32_t)k;
    }
    for (k = n + 1; k > 0; k--) {
        g->g_koff[k] = g->g_koff[k - 1];
    }
    g->g_koff[0] = 0;
    for (k = 0; k < n; k++) {
        uint32_t t = g->g_type[k];
        g->g_typeagg[3 * t] += 1;
        g->g_typeagg[3 * t + 1] += (int64_t)flat_size(g, k);
        g->g_modagg[3 * g->g_typemod[t]] += 1;
        g->g_modagg[3 * g->g_typemod[t] + 1] += (int64_t)flat_size(g, k);
    }
    /* depth-first over the dominator tree: a node counts for its type
     * (module) when no dominator of it has the same type (module) */
    if (u32_push(&stack, V) < 0 || u32_push(&stack, g->g_koff[V]) < 0) {
        goto done;
    }
    while (stack.a_len > 0) {
        uint32_t v = stack.a_v[stack.a_len - 2];
        uint32_t pos = stack.a_v[stack.a_len - 1];
        if (pos < g->g_koff[v + 1]) {
            uint32_t w = g->g_kid[pos], t = g->g_type[w], m = g->g_typemod[t];
            stack.a_v[stack.a_len - 1] = pos + 1;
            if (tact[t]++ == 0) {
                g->g_typeagg[3 * t + 2] += (int64_t)g->g_ret[w];
            }
            if (mact[m]++ == 0) {
                g->g_modagg[3 * m + 2] += (int64_t)g->g_ret[w];
            }
            if (u32_push(&stack, w) < 0 || u32_push(&stack, g->g_koff[w]) < 0) {
                goto done;
            }
        }
        else {
            stack.a_len -= 2;
            if (v != V) {
                uint32_t t = g->g_type[v];
                tact[t]--;
                mact[g->g_typemod[t]]--;
            }
        }
    }
    res = 0;
done:
    PyMem_RawFree(tact);
    PyMem_RawFree(mact);
    PyMem_RawFree(stack.a_v);
    return res;
}

/* ---- the HeapGraph type ---------------------------------------------- */

static void
graph_release(PymHeapGraphObject *g)
{
    Py_ssize_t k, n = g->g_n;
    if (!g->g_held) {
        return;
    }
    g->g_held = 0; /* first: a finaliser may look at the graph */
    for (k = 0; k < n; k++) {
        Py_DECREF(g->g_obj[k]); /* the address stays */
    }
}

/* The collector sees the held objects, so that a cycle through them (a
 * held frame whose local variable is the snapshot) is collected. */
static int
graph_traverse(PymHeapGraphObject *g, visitproc visit, void *arg)
{
    Py_ssize_t k;
    Py_VISIT(Py_TYPE(g));
    Py_VISIT(g->g_rootlabels);
    for (k = 0; g->g_held && k < g->g_n; k++) {
        Py_VISIT(g->g_obj[k]);
    }
    return 0;
}

static int
graph_clear(PymHeapGraphObject *g)
{
    graph_release(g);
    Py_CLEAR(g->g_rootlabels);
    return 0;
}

static void
graph_dealloc(PymHeapGraphObject *g)
{
    PyTypeObject *tp = Py_TYPE(g);
    PyObject_GC_UnTrack(g);
    graph_release(g);
    PyMem_RawFree(g->g_obj);
    PyMem_RawFree(g->g_size);
    pym_ptrmap_clear(&g->g_bigsize);
    PyMem_RawFree(g->g_type);
    PyMem_RawFree(g->g_off);
    PyMem_RawFree(g->g_edge);
    PyMem_RawFree(g->g_root);
    PyMem_RawFree(g->g_idom);
    PyMem_RawFree(g->g_ret);
    PyMem_RawFree(g->g_koff);
    PyMem_RawFree(g->g_kid);
    PyMem_RawFree(g->g_typemod);
    PyMem_RawFree(g->g_typeagg);
    PyMem_RawFree(g->g_modagg);
    PyMem_RawFree(g->g_elabel);
    addr_table_free(&g->g_index);
    PyMem_RawFree(g->g_bparent);
    PyMem_RawFree(g->g_bpedge);
    Py_XDECREF(g->g_strings);
    Py_XDECREF(g->g_rootlabels);
    Py_XDECREF(g->g_typenames);
    Py_XDECREF(g->g_modnames);
    tp->tp_free((PyObject *)g);
    Py_DECREF(tp);
}

/* Node index argument: 0 <= i < n.  0 / -1. */
static int
node_arg(PymHeapGraphObject *g, PyObject *arg, Py_ssize_t *out)
{
    Py_ssize_t i = PyLong_AsSsize_t(arg);
    if (i == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (i < 0 || i >= g->g_n) {
        PyErr_Format(PyExc_IndexError, "node index %zd out of range (%zd nodes)", i, g->g_n);
        return -1;
    }
    *out = i;
    return 0;
}

static PyObject *
u32_bytes(const uint32_t *v, Py_ssize_t n)
{
    return PyBytes_FromStringAndSize((const char *)v, n * (Py_ssize_t)sizeof(uint32_t));
}

static PyObject *
graph_addresses(PymHeapGraphObject *g, PyObject *unused)
{
    Py_ssize_t k;
    PyObject *res = PyBytes_FromStringAndSize(NULL, g->g_n * 8);
    if (res == NULL) {
        return NULL;
    }
    for (k = 0; k < g->g_n; k++) {
        uint64_t a = (uint64_t)(uintptr_t)g->g_obj[k];
        memcpy(PyBytes_AS_STRING(res) + 8 * k, &a, 8);
    }
    return res;
}

static PyObject *
graph_flat_sizes(PymHeapGraphObject *g, PyObject *unused)
{
    Py_ssize_t k;
    PyObject *res = PyBytes_FromStringAndSize(NULL, g->g_n * 8);
    if (res == NULL) {
        return NULL;
    }
    for (k = 0; k < g->g_n; k++) {
        uint64_t s = flat_size(g, k);
        memcpy(PyBytes_AS_STRING(res) + 8 * k, &s, 8);
    }
    return res;
}

static PyObject *
graph_retained_sizes(PymHeapGraphObject *g, PyObject *unused)
{
    return PyBytes_FromStringAndSize((const char *)g->g_ret, g->g_n * 8);
}

static PyObject *
graph_type_indices(PymHeapGraphObject *g, PyObject *unused)
{
    return u32_bytes(g->g_type, g->g_n);
}

static PyObject *
graph_idoms(PymHeapGraphObject *g, PyObject *args)
{
    unsigned long root = (unsigned long)g->g_n;
    PyObject *res;
    Py_ssize_t k;
    uint32_t *v;
    if (!PyArg_ParseTuple(args, "|k:idoms", &root)) {
        return NULL;
    }
    res = u32_bytes(g->g_idom, g->g_n);
    if (res == NULL || root == (unsigned long)g->g_n) {
        return res;
    }
    v = (uint32_t *)PyBytes_AS_STRING(res);
    for (k = 0; k < g->g_n; k++) {
        if (v[k] == (uint32_t)g->g_n) {
            v[k] = (uint32_t)root;
        }
    }
    return res;
}

static PyObject *
graph_edge_offsets(PymHeapGraphObject *g, PyObject *unused)
{
    return u32_bytes(g->g_off, g->g_n + 1);
}

static PyObject *
graph_edge_targets(PymHeapGraphObject *g, PyObject *unused)
{
    return u32_bytes(g->g_edge, (Py_ssize_t)g->g_off[g->g_n]);
}

static PyObject *
graph_roots(PymHeapGraphObject *g, PyObject *unused)
{
    return u32_bytes(g->g_root, g->g_nroot);
}

static PyObject *
graph_info(PymHeapGraphObject *g, PyObject *unused)
{
    return Py_BuildValue(
        "{sn,sn,sn,sn,sn,sK,si,sn,sn}", "nodes", g->g_n, "edges", (Py_ssize_t)g->g_off[g->g_n],
        "explicit_roots", g->g_nexplicit, "unreferenced_roots", g->g_nunref, "unreached_roots",
        g->g_nroot - g->g_nexplicit - g->g_nunref, "total", (unsigned long long)g->g_ret[g->g_n],
        "held", g->g_held, "types", g->g_ntypes, "modules", g->g_nmods);
}

static PyObject *
graph_types(PymHeapGraphObject *g, PyObject *unused)
{
    return PyList_GetSlice(g->g_typenames, 0, PY_SSIZE_T_MAX);
}

static PyObject *
graph_root_labels(PymHeapGraphObject *g, PyObject *unused)
{
    return g->g_rootlabels != NULL ? Py_NewRef(g->g_rootlabels) : PyTuple_New(0);
}

/* rows [name, count, flat, retained] of an aggregate. */
static PyObject *
agg_rows(PyObject *names, const int64_t *agg, Py_ssize_t n, const uint32_t *mod)
{
    Py_ssize_t i;
    PyObject *res = PyList_New(n);
    if (res == NULL) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        PyObject *row;
        if (mod != NULL) {
            row = Py_BuildValue("(nLLLI)", i, (long long)agg[3 * i], (long long)agg[3 * i + 1],
                                (long long)agg[3 * i + 2], (unsigned int)mod[i]);
        }
        else {
            row = Py_BuildValue("(OLLL)", PyList_GET_ITEM(names, i), (long long)agg[3 * i],
                                (long long)agg[3 * i + 1], (long long)agg[3 * i + 2]);
        }
        if (row == NULL) {
            Py_DECREF(res);
            return NULL;
        }
        PyList_SET_ITEM(res, i, row);
    }
    return res;
}

static PyObject *
graph_type_table(PymHeapGraphObject *g, PyObject *unused)
{
    return agg_rows(g->g_typenames, g->g_typeagg, g->g_ntypes, g->g_typemod);
}

static PyObject *
graph_module_table(PymHeapGraphObject *g, PyObject *unused)
{
    return agg_rows(g->g_modnames, g->g_modagg, g->g_nmods, NULL);
}

static PyObject *
graph_node(PymHeapGraphObject *g, PyObject *arg)
{
    Py_ssize_t i;
    if (node_arg(g, arg, &i) < 0) {
        return NULL;
    }
    return Py_BuildValue(
        "(KKKIn)", (unsigned long long)(uintptr_t)g->g_obj[i], (unsigned long long)flat_size(g, i),
        (unsigned long long)g->g_ret[i], (unsigned int)g->g_type[i],
        g->g_idom[i] == (uint32_t)g->g_n ? (Py_ssize_t)-1 : (Py_ssize_t)g->g_idom[i]);
}

static PyObject *
graph_obj(PymHeapGraphObject *g, PyObject *arg)
{
    Py_ssize_t i;
    if (node_arg(g, arg, &i) < 0) {
        return NULL;
    }
    if (!g->g_held) {
        PyErr_SetString(PyExc_ValueError,
                        "the heap graph was released: it holds addresses, not objects");
        return NULL;
    }
    return Py_NewRef(g->g_obj[i]);
}

/* index(obj): the first node whose address is obj's, or -1.  The table is
 * made on the first call (a loaded file may repeat an address: its first
 * node is entered); a snapshot asked for one object pays one pass over its
 * nodes, as a scan would, and every later call is a lookup.  Without memory
 * for the table, a scan. */
static PyObject *
graph_index(PymHeapGraphObject *g, PyObject *o)
{
    Py_ssize_t k;
    if (g->g_index.t_slot == NULL) {
        if (addr_table_alloc(&g->g_index, (size_t)g->g_n) < 0) {
            PyErr_Clear();
            for (k = 0; k < g->g_n; k++) {
                if (g->g_obj[k] == o) {
                    return PyLong_FromSsize_t(k);
                }
            }
            return PyLong_FromLong(-1);
        }
        for (k = 0; k < g->g_n; k++) {
            if (addr_table_find(&g->g_index, g->g_obj, g->g_obj[k]) < 0) {
                addr_table_put(&g->g_index, g->g_obj, k);
            }
        }
    }
    return PyLong_FromSsize_t(addr_table_find(&g->g_index, g->g_obj, o));
}

static PyObject *
graph_release_meth(PymHeapGraphObject *g, PyObject *unused)
{
    if (g->g_busy) {
        PyErr_SetString(PyExc_RuntimeError, "release: the heap graph is labelling its edges");
        return NULL;
    }
    graph_release(g);
    Py_RETURN_NONE;
}

/* Min-heap order on (retained size, -index): a before b. */
static inline int
top_less(const uint64_t *r, uint32_t a, uint32_t b)
{
    return r[a] < r[b] || (r[a] == r[b] && a > b);
}

/* Put v at the root of heap[0..len) and sift it down. */
static void
top_sift_down(const uint64_t *r, uint32_t *heap, Py_ssize_t len, uint32_t v)
{
    Py_ssize_t j = 0;
    for (;;) {
        Py_ssize_t c = 2 * j + 1;
        if (c >= len) {
            break;
        }
        if (c + 1 < len && top_less(r, heap[c + 1], heap[c])) {
            c++;
        }
        if (!top_less(r, heap[c], v)) {
            break;
        }
        heap[j] = heap[c];
        j = c;
    }
    heap[j] = v;
}

/* The top count nodes by retained size among cand[0..ncand) (ties: lower
 * index first), as a list of indices, largest first. */
static PyObject *
top_of(PymHeapGraphObject *g, const uint32_t *cand, Py_ssize_t ncand, Py_ssize_t count)
{
    uint32_t *heap = NULL; /* min-heap on (retained, -index) */
    Py_ssize_t len = 0, i;
    PyObject *res = NULL;
    const uint64_t *r = g->g_ret;
    if (count > ncand) {
        count = ncand;
    }
    heap = (uint32_t *)PyMem_RawMalloc(((size_t)count + 1) * sizeof(uint32_t));
    if (heap == NULL) {
        return PyErr_NoMemory();
    }
    for (i = 0; i < ncand && count > 0; i++) {
        uint32_t v = cand[i];
        Py_ssize_t j;
        if (len < count) {
            j = len++;
            while (j > 0 && top_less(r, v, heap[(j - 1) / 2])) {
                heap[j] = heap[(j - 1) / 2];
                j = (j - 1) / 2;
            }
            heap[j] = v;
        }
        else if (top_less(r, heap[0], v)) {
            top_sift_down(r, heap, len, v);
        }
    }
    res = PyList_New(len);
    if (res == NULL) {
        goto done;
    }
    while (len > 0) { /* pop the smallest into the last free slot */
        uint32_t v = heap[0];
        PyObject *x;
        len--;
        top_sift_down(r, heap, len, heap[len]);
        x = PyLong_FromUnsignedLong(v);
        if (x == NULL) {
            Py_CLEAR(res);
            goto done;
        }
        PyList_SET_ITEM(res, len, x);
    }
done:
    PyMem_RawFree(heap);
    return res;
}

static PyObject *
graph_top(PymHeapGraphObject *g, PyObject *arg)
{
    Py_ssize_t count = PyLong_AsSsize_t(arg), k;
    uint32_t *all;
    PyObject *res;
    if (count == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (count < 0) {
        PyErr_SetString(PyExc_ValueError, "top: count must be >= 0");
        return NULL;
    }
    all = (uint32_t *)PyMem_RawMalloc(((size_t)g->g_n + 1) * sizeof(uint32_t));
    if (all == NULL) {
        return PyErr_NoMemory();
    }
    for (k = 0; k < g->g_n; k++) {
        all[k] = (uint32_t)k;
    }
    res = top_of(g, all, g->g_n, count);
    PyMem_RawFree(all);
    return res;
}

PyDoc_STRVAR(graph_dominated_doc,
"dominated(i, count) -> list\n\n"
"The count nodes with the largest retained sizes among those node i\n"
"dominates (its dominator subtree, i excluded), largest first.");

static PyObject *
graph_dominated(PymHeapGraphObject *g, PyObject *args)
{
    Py_ssize_t i, count;
    PyObject *py_i;
    U32Vec sub = {NULL, 0, 0};
    size_t head;
    PyObject *res = NULL;
    if (!PyArg_ParseTuple(args, "On:dominated", &py_i, &count) || node_arg(g, py_i, &i) < 0) {
        return NULL;
    }
    if (count < 0) {
        PyErr_SetString(PyExc_ValueError, "dominated: count must be >= 0");
        return NULL;
    }
    if (u32_push(&sub, (uint32_t)i) < 0) {
        return NULL;
    }
    for (head = 0; head < sub.a_len; head++) { /* breadth-first over the subtree */
        uint32_t v = sub.a_v[head], c;
        for (c = g->g_koff[v]; c < g->g_koff[v + 1]; c++) {
            if (u32_push(&sub, g->g_kid[c]) < 0) {
                goto done;
            }
        }
    }
    res = top_of(g, sub.a_v + 1, (Py_ssize_t)sub.a_len - 1, count);
done:
    PyMem_RawFree(sub.a_v);
    return res;
}

/* The stored label of edge e (loaded graphs): new reference, NULL for
 * none. */
static PyObject *
stored_label(PymHeapGraphObject *g, uint32_t e)
{
    uint32_t lab = g->g_elabel[e];
    if (lab == NONE32 || g->g_strings == NULL || (Py_ssize_t)lab >= PyList_GET_SIZE(g->g_strings)) {
        return NULL;
    }
    return Py_NewRef(PyList_GET_ITEM(g->g_strings, lab));
}

/* Breadth-first search from the roots in order: parent[v] (g_n for a root,
 * UNSEEN while unreached) and pedge[v], the edge from the parent (NONE32 for
 * a root).  Stops once target (NONE32: none) is dequeued; 1 when it was.
 * parent and pedge have g_n slots, queue g_n + 1. */
static int
bfs_from_roots(PymHeapGraphObject *g, uint32_t *parent, uint32_t *pedge, uint32_t *queue,
               uint32_t target)
{
    size_t head = 0, tail = 0;
    Py_ssize_t k;
    for (k = 0; k < g->g_n; k++) {
        parent[k] = UNSEEN;
        pedge[k] = NONE32;
    }
    for (k = 0; k < g->g_nroot; k++) {
        uint32_t v = g->g_root[k];
        if (parent[v] == UNSEEN) {
            parent[v] = (uint32_t)g->g_n;
            queue[tail++] = v;
        }
    }
    while (head < tail) {
        uint32_t v = queue[head++], e;
        if (v == target) {
            return 1;
        }
        for (e = g->g_off[v]; e < g->g_off[v + 1]; e++) {
            uint32_t w = g->g_edge[e];
            if (parent[w] == UNSEEN) {
                parent[w] = v;
                pedge[w] = e;
                queue[tail++] = w;
            }
        }
    }
    return 0;
}

/* The breadth-first tree from the roots (bfs_from_roots' parent and pedge
 * of every node), made by the first path() or bfs_tree() and kept, 8 bytes a
 * node: each path() was a search of up to the whole graph (1.5 ms a call on
 * a 1M-object heap), now a walk up the parents.  0 / -1. */
static int
graph_bfs_ensure(PymHeapGraphObject *g)
{
    uint32_t *parent, *pedge, *queue;
    if (g->g_bparent != NULL) {
        return 0;
    }
    parent = (uint32_t *)PyMem_RawMalloc(((size_t)g->g_n + 1) * sizeof(uint32_t));
    pedge = (uint32_t *)PyMem_RawMalloc(((size_t)g->g_n + 1) * sizeof(uint32_t));
    queue = (uint32_t *)PyMem_RawMalloc(((size_t)g->g_n + 1) * sizeof(uint32_t));
    if (parent == NULL || pedge == NULL || queue == NULL) {
        PyMem_RawFree(parent);
        PyMem_RawFree(pedge);
        PyMem_RawFree(queue);
        PyErr_NoMemory();
        return -1;
    }
    bfs_from_roots(g, parent, pedge, queue, NONE32);
    PyMem_RawFree(queue);
    g->g_bparent = parent;
    g->g_bpedge = pedge;
    return 0;
}

PyDoc_STRVAR(graph_path_doc,
"path(i) -> list of (index, label)\n\n"
"A shortest reference path from a root to node i, breadth-first from the\n"
"roots in order.  The first label is the root's (the label given for an\n"
"explicit root, None for others); the others name the edges, as\n"
"heap_path does, while the graph holds its objects (else None).");

static PyObject *
graph_path(PymHeapGraphObject *g, PyObject *arg)
{
    Py_ssize_t i, k, len = 0;
    uint32_t *parent, *pedge, *queue = NULL, v, target;
    PyObject *res = NULL;
    if (node_arg(g, arg, &i) < 0 || graph_bfs_ensure(g) < 0) {
        return NULL;
    }
    target = (uint32_t)i;
    parent = g->g_bparent;
    pedge = g->g_bpedge;
    if (parent[target] == UNSEEN) { /* cannot happen: all reached */
        PyErr_SetString(PyExc_SystemError, "heap graph: node not reached from the roots");
        return NULL;
    }
    for (v = target; v != (uint32_t)g->g_n; v = parent[v]) {
        len++;
    }
    queue = (uint32_t *)PyMem_RawMalloc((size_t)len * sizeof(uint32_t));
    if (queue == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    len = 0;
    for (v = target; v != (uint32_t)g->g_n; v = parent[v]) {
        queue[len++] = v; /* reversed: target first */
    }
    res = PyList_New(len);
    if (res == NULL) {
        goto done;
    }
    for (k = 0; k < len; k++) {
        uint32_t node = queue[len - 1 - k];
        PyObject *label = NULL, *step;
        if (k == 0) {
            Py_ssize_t r;
            for (r = 0; g->g_rootlabels != NULL && r < g->g_nexplicit; r++) {
                if (g->g_root[r] == node) {
                    label = Py_NewRef(PyTuple_GET_ITEM(g->g_rootlabels, r));
                    break;
                }
            }
        }
        else if (g->g_held) {
            PyObject *gp = k >= 2 ? g->g_obj[queue[len - k + 1]] : NULL;
            label = pym_graph_edge_label(g->g_st, gp, g->g_obj[queue[len - k]], g->g_obj[node]);
        }
        else if (g->g_elabel != NULL) {
            label = stored_label(g, pedge[node]);
        }
        step = Py_BuildValue("(IO)", (unsigned int)node, label != NULL ? label : Py_None);
        Py_XDECREF(label);
        if (step == NULL) {
            Py_CLEAR(res);
            goto done;
        }
        PyList_SET_ITEM(res, k, step);
    }
done:
    PyMem_RawFree(queue);
    return res;
}

PyDoc_STRVAR(graph_edge_labels_doc,
"edge_labels(base=0) -> (bytes, list)\n\n"
"The label of every edge, as a uint32 index into the list of distinct\n"
"label strings plus base (0xFFFFFFFF: no label), in edge order.  Needs a\n"
"held graph; reads structures only (no user code runs).");

static PyObject *
graph_edge_labels(PymHeapGraphObject *g, PyObject *args)
{
    Py_ssize_t base = 0;
    PyObject *labels = NULL, *index = NULL, *bytes = NULL, *res = NULL;
    PymObjVec tbuf = {NULL, 0, 0}, obuf = {NULL, 0, 0}; /* borrowed slots: v_len stays 0 */
    PyObject **targets, **out;
    Py_ssize_t k, i;
    uint32_t *lab;
    size_t ne = g->g_off[g->g_n];

    if (!PyArg_ParseTuple(args, "|n:edge_labels", &base)) {
        return NULL;
    }
    if (base < 0 || base >= (Py_ssize_t)NONE32 / 2) {
        PyErr_SetString(PyExc_ValueError, "edge_labels: base out of range");
        return NULL;
    }
    if (!g->g_held) {
        PyErr_SetString(PyExc_ValueError,
                        "edge_labels: the heap graph was released (labels need the objects)");
        return NULL;
    }
    labels = PyList_New(0);
    index = PyDict_New();
    bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(ne * sizeof(uint32_t)));
    if (labels == NULL || index == NULL || bytes == NULL) {
        goto done;
    }
    lab = (uint32_t *)PyBytes_AS_STRING(bytes);
    g->g_busy = 1; /* a finaliser run by an allocation cannot release the objects */
    for (k = 0; k < g->g_n; k++) {
        uint32_t first = g->g_off[k];
        Py_ssize_t d = (Py_ssize_t)(g->g_off[k + 1] - first);
        if (d == 0) {
            continue;
        }
        if (pym_objvec_reserve(&tbuf, d) < 0 || pym_objvec_reserve(&obuf, d) < 0) {
            goto done;
        }
        targets = tbuf.v_items;
        out = obuf.v_items;
        for (i = 0; i < d; i++) {
            targets[i] = g->g_obj[g->g_edge[first + i]];
            out[i] = NULL;
        }
        if (pym_graph_label_edges(g->g_st, g->g_obj[k], targets, d, out) < 0) {
            goto done;
        }
        for (i = 0; i < d; i++) {
            PyObject *text = out[i], *idx;
            out[i] = NULL;
            if (text == NULL) {
                lab[first + i] = NONE32;
                continue;
            }
            idx = PyDict_GetItemWithError(index, text); /* exact str keys: no user code */
            if (idx == NULL) {
                Py_ssize_t next = PyList_GET_SIZE(labels);
                if (PyErr_Occurred() || next + base >= (Py_ssize_t)NONE32
                    || (idx = PyLong_FromSsize_t(next + base)) == NULL) {
                    if (!PyErr_Occurred()) {
                        PyErr_SetString(PyExc_MemoryError, "edge_labels: too many labels");
                    }
                    Py_DECREF(text);
                    for (i = i + 1; i < d; i++) {
                        Py_CLEAR(out[i]);
                    }
                    goto done;
                }
                if (PyDict_SetItem(index, text, idx) < 0 || PyList_Append(labels, text) < 0) {
                    Py_DECREF(idx);
                    Py_DECREF(text);
                    for (i = i + 1; i < d; i++) {
                        Py_CLEAR(out[i]);
                    }
                    goto done;
                }
                Py_DECREF(idx);
                lab[first + i] = (uint32_t)(next + base);
            }
            else {
                lab[first + i] = (uint32_t)PyLong_AsUnsignedLong(idx);
            }
            Py_DECREF(text);
        }
    }
    res = PyTuple_Pack(2, bytes, labels);
done:
    g->g_busy = 0;
    pym_objvec_clear(&tbuf);
    pym_objvec_clear(&obuf);
    Py_XDECREF(labels);
    Py_XDECREF(index);
    Py_XDECREF(bytes);
    return res;
}

PyDoc_STRVAR(graph_bfs_tree_doc,
"bfs_tree() -> (bytes, bytes)\n\n"
"Breadth-first search from the roots in order: per node the uint32 index\n"
"of its parent (the number of nodes for a root) and of the edge from the\n"
"parent (0xFFFFFFFF for a root).  The parents of a node give a shortest\n"
"path from a root, the one path() returns.");

static PyObject *
graph_bfs_tree(PymHeapGraphObject *g, PyObject *unused)
{
    PyObject *pbytes = NULL, *ebytes = NULL, *res = NULL;

    if (graph_bfs_ensure(g) < 0) {
        return NULL;
    }
    pbytes = u32_bytes(g->g_bparent, g->g_n);
    ebytes = u32_bytes(g->g_bpedge, g->g_n);
    if (pbytes != NULL && ebytes != NULL) {
        res = PyTuple_Pack(2, pbytes, ebytes);
    }
    Py_XDECREF(pbytes);
    Py_XDECREF(ebytes);
    return res;
}

PyDoc_STRVAR(graph_edge_label_doc,
"edge_label(e, gp=-1) -> str or None\n\n"
"The label of edge e: the stored one of a loaded graph, else computed\n"
"while the graph is held (gp: the node before the edge's source on a\n"
"path, for closure cell names), else None.");

static PyObject *
graph_edge_label_meth(PymHeapGraphObject *g, PyObject *args)
{
    Py_ssize_t e, gp = -1, lo = 0, hi;
    PyObject *label = NULL;
    if (!PyArg_ParseTuple(args, "n|n:edge_label", &e, &gp)) {
        return NULL;
    }
    if (e < 0 || (size_t)e >= g->g_off[g->g_n]) {
        PyErr_Format(PyExc_IndexError, "edge index %zd out of range", e);
        return NULL;
    }
    if (gp >= g->g_n) {
        PyErr_Format(PyExc_IndexError, "node index %zd out of range (%zd nodes)", gp, g->g_n);
        return NULL;
    }
    if (g->g_elabel != NULL) {
        label = stored_label(g, (uint32_t)e);
    }
    else if (g->g_held) {
        hi = g->g_n; /* the source: the last k with g_off[k] <= e */
        while (hi - lo > 1) {
            Py_ssize_t mid = lo + (hi - lo) / 2;
            if (g->g_off[mid] <= (uint32_t)e) {
                lo = mid;
            }
            else {
                hi = mid;
            }
        }
        label = pym_graph_edge_label(g->g_st, gp >= 0 ? g->g_obj[gp] : NULL, g->g_obj[lo],
                                     g->g_obj[g->g_edge[e]]);
    }
    if (label == NULL) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    return label;
}

static Py_ssize_t
graph_len(PymHeapGraphObject *g)
{
    return g->g_n;
}

static PyMethodDef graph_methods[] = {
    {"addresses", (PyCFunction)graph_addresses, METH_NOARGS, "bytes: uint64 address per node"},
    {"flat_sizes", (PyCFunction)graph_flat_sizes, METH_NOARGS, "bytes: uint64 flat size per node"},
    {"retained_sizes", (PyCFunction)graph_retained_sizes, METH_NOARGS,
     "bytes: uint64 retained size per node"},
    {"type_indices", (PyCFunction)graph_type_indices, METH_NOARGS,
     "bytes: uint32 index into types() per node"},
    {"idoms", (PyCFunction)graph_idoms, METH_VARARGS,
     "idoms(root=nodes) -> bytes: uint32 immediate dominator per node (root: the value\n"
     "standing for the virtual root, by default the number of nodes)"},
    {"edge_offsets", (PyCFunction)graph_edge_offsets, METH_NOARGS,
     "bytes: uint32 * (nodes + 1), CSR offsets into edge_targets()"},
    {"edge_targets", (PyCFunction)graph_edge_targets, METH_NOARGS,
     "bytes: uint32 target node per edge"},
    {"roots", (PyCFunction)graph_roots, METH_NOARGS,
     "bytes: uint32 root nodes: explicit, unreferenced, then unreached"},
    {"root_labels", (PyCFunction)graph_root_labels, METH_NOARGS,
     "tuple: label of each explicit root (the first info()['explicit_roots'] roots)"},
    {"info", (PyCFunction)graph_info, METH_NOARGS, "dict of counts and the heap total"},
    {"types", (PyCFunction)graph_types, METH_NOARGS, "list of (qualname, module) per type index"},
    {"type_table", (PyCFunction)graph_type_table, METH_NOARGS,
     "rows (type index, count, flat, retained, module index)"},
    {"module_table", (PyCFunction)graph_module_table, METH_NOARGS,
     "rows (module, count, flat, retained)"},
    {"node", (PyCFunction)graph_node, METH_O,
     "node(i) -> (address, flat, retained, type index, idom or -1)"},
    {"obj", (PyCFunction)graph_obj, METH_O, "obj(i) -> the object of node i (while held)"},
    {"index", (PyCFunction)graph_index, METH_O, "index(obj) -> its node index, or -1"},
    {"top", (PyCFunction)graph_top, METH_O,
     "top(count) -> the count node indices with the largest retained sizes"},
    {"dominated", (PyCFunction)graph_dominated, METH_VARARGS, graph_dominated_doc},
    {"path", (PyCFunction)graph_path, METH_O, graph_path_doc},
    {"edge_labels", (PyCFunction)graph_edge_labels, METH_VARARGS, graph_edge_labels_doc},
    {"bfs_tree", (PyCFunction)graph_bfs_tree, METH_NOARGS, graph_bfs_tree_doc},
    {"edge_label", (PyCFunction)graph_edge_label_meth, METH_VARARGS, graph_edge_label_doc},
    {"release", (PyCFunction)graph_release_meth, METH_NOARGS,
     "Release the objects: the graph keeps addresses only.  Idempotent."},
    {NULL, NULL, 0, NULL},
};

static PyObject *
graph_new(PyTypeObject *tp, PyObject *args, PyObject *kwds)
{
    PyErr_SetString(PyExc_TypeError, "HeapGraph objects are made by heap_graph()");
    return NULL;
}

static PyType_Slot graph_slots[] = {
    {Py_tp_new, graph_new},
    {Py_tp_dealloc, graph_dealloc},
    {Py_tp_traverse, graph_traverse},
    {Py_tp_clear, graph_clear},
    {Py_tp_methods, graph_methods},
    {Py_sq_length, graph_len},
    {Py_tp_doc, (void *)"The heap as a compact graph with its dominator tree (heap_graph())."},
    {0, NULL},
};

static PyType_Spec graph_spec = {
    .name = "pympler._core.HeapGraph",
    .basicsize = sizeof(PymHeapGraphObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = graph_slots,
};

/* ---- heap_graph() ---------------------------------------------------- */

PyDoc_STRVAR(heap_graph_doc,
"heap_graph(roots, ignore=None, keep=False) -> HeapGraph\n\n"
"The whole heap as a graph (the heap walk's objects, frames included, and\n"
"every object they refer to), its dominator tree from a virtual root and\n"
"the retained size of every object.  roots: a tuple of (object, label)\n"
"pairs, the first roots, in order (modules, frames); every object nothing\n"
"refers to is a root too, then one object of each part still unreached.\n"
"The tuples roots and ignore, their pairs and ignore's objects are not\n"
"part of the heap.  keep: the graph holds every object until release().");

static PyObject *
heap_graph_impl(PymState *st, PyObject *roots, PyObject *ignore, int keep)
{
    PymWalk w;
    Build b;
    U32Vec off = {NULL, 0, 0};
    PymHeapGraphObject *g = NULL;
    PyObject *labels = NULL, *ret = NULL;
    uint32_t *explicit = NULL;
    Py_ssize_t nroots = 0, i, nu, nt;

    memset(&b, 0, sizeof(b));
    pym_walk_init(&w, 1);
    b.b_walk = &w;
    b.b_graphtype = st->ms_heapgraph_type;
    if (!PyTuple_Check(roots) || (ignore != Py_None && !PyTuple_Check(ignore))) {
        PyErr_SetString(PyExc_TypeError,
                        "heap_graph: roots must be a tuple, ignore a tuple or None");
        goto done;
    }
    nroots = PyTuple_GET_SIZE(roots);
    labels = PyTuple_New(nroots);
    if (labels == NULL) {
        goto done;
    }
    for (i = 0; i < nroots; i++) {
        PyObject *pair = PyTuple_GET_ITEM(roots, i);
        if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "heap_graph: roots must hold (object, label) pairs");
            goto done;
        }
        PyTuple_SET_ITEM(labels, i, Py_NewRef(PyTuple_GET_ITEM(pair, 1)));
        if (pym_walk_ignore(&w, pair) < 0) {
            goto done;
        }
    }
    g = PyObject_GC_New(PymHeapGraphObject, st->ms_heapgraph_type); /* untracked until built */
    if (g == NULL) {
        goto done;
    }
    memset((char *)g + sizeof(PyObject), 0, sizeof(*g) - sizeof(PyObject));
    pym_ptrmap_init(&g->g_bigsize);
    if (pym_walk_ignore(&w, roots) < 0 || pym_walk_ignore(&w, labels) < 0
        || pym_walk_add_ignore(&w, ignore) < 0) {
        goto done;
    }
    /* From here to the end of build_edges no Python code runs. */
    w.w_frames = 1;
    if (pym_walk_run(&w) < 0) {
        goto done;
    }
    Py_CLEAR(w.w_objs); /* before 3.12: gc.get_objects()'s list, emptied */
    pym_objvec_clear(&w.w_framevec);
    /* one vector: untracked referents, then tracked objects */
    nu = w.w_untracked.v_len;
    nt = w.w_tracked.v_len;
    if (nu + nt >= MAX_NODES) {
        PyErr_SetString(PyExc_MemoryError, "heap_graph: too many objects");
        goto done;
    }
    if (pym_objvec_reserve(&w.w_untracked, nu + nt + 1) < 0) {
        goto done;
    }
    memcpy(w.w_untracked.v_items + nu, w.w_tracked.v_items, (size_t)nt * sizeof(PyObject *));
    w.w_tracked.v_len = 0;
    pym_objvec_clear(&w.w_tracked);
    b.b_obj = w.w_untracked.v_items;
    b.b_n = nu + nt;
    b.b_cap = w.w_untracked.v_cap;
    w.w_untracked.v_items = NULL;
    w.w_untracked.v_len = w.w_untracked.v_cap = 0;
    if (hash_build(&b, b.b_n + 1024) < 0) {
        goto done;
    }
    explicit = (uint32_t *)PyMem_RawMalloc(((size_t)nroots + 1) * sizeof(uint32_t));
    if (explicit == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < nroots; i++) {
        PyObject *o = PyTuple_GET_ITEM(PyTuple_GET_ITEM(roots, i), 0);
        Py_ssize_t k = addr_table_find(&b.b_hash, b.b_obj, o);
        if (k < 0 && (k = node_add(&b, o)) < 0) {
            goto done;
        }
        explicit[i] = (uint32_t)k;
    }
    if (build_edges(&b, &off) < 0) {
        goto done;
    }
    addr_table_free(&b.b_hash);
    pym_walk_clear(&w); /* its sets; the walk holds no object now */
    g->g_n = b.b_n;
    g->g_obj = b.b_obj;
    g->g_held = 1;
    g->g_st = st;
    b.b_obj = NULL;
    b.b_n = 0;
    g->g_off = off.a_v;
    off.a_v = NULL;
    g->g_edge = (uint32_t *)PyMem_RawRealloc(b.b_edges.a_v,
                                             (b.b_edges.a_len + 1) * sizeof(uint32_t));
    if (g->g_edge == NULL) {
        g->g_edge = b.b_edges.a_v;
    }
    b.b_edges.a_v = NULL;
    g->g_rootlabels = Py_NewRef(labels);
    if (sizes_and_types(st, g) < 0) {
        goto done;
    }
    if (!keep) {
        graph_release(g);
    }
    if (dominators(g, explicit, nroots) < 0 || dom_tree(g) < 0) {
        goto done;
    }
    PyObject_GC_Track(g);
    ret = (PyObject *)g;
    g = NULL;
done:
    for (i = 0; i < b.b_n; i++) {
        Py_DECREF(b.b_obj[i]);
    }
    PyMem_RawFree(b.b_obj);
    addr_table_free(&b.b_hash);
    PyMem_RawFree(b.b_edges.a_v);
    PyMem_RawFree(off.a_v);
    PyMem_RawFree(explicit);
    pym_walk_clear(&w);
    Py_XDECREF(labels);
    Py_XDECREF(g);
    return ret;
}

static PyObject *
heap_graph(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int keep = 0;
    if (pym_heap_check_nargs("heap_graph", nargs, 1, 3) < 0) {
        return NULL;
    }
    if (nargs > 2 && (keep = PyObject_IsTrue(args[2])) < 0) {
        return NULL;
    }
    return heap_graph_impl(pym_state_from_module(module), args[0], pym_heap_arg(args, nargs, 1),
                           keep);
}

/* ---- graph_from_arrays() --------------------------------------------- */

/* A read-only buffer of n items of size item.  0 / -1. */
static int
get_array(PyObject *o, Py_buffer *view, Py_ssize_t item, const char *what, Py_ssize_t *n)
{
    if (PyObject_GetBuffer(o, view, PyBUF_SIMPLE) < 0) {
        return -1;
    }
    if (view->len % item != 0) {
        PyErr_Format(PyExc_ValueError, "graph_from_arrays: %s is not a whole number of items",
                     what);
        PyBuffer_Release(view);
        view->obj = NULL;
        return -1;
    }
    *n = view->len / item;
    return 0;
}

static int
bad_arrays(const char *what)
{
    PyErr_Format(PyExc_ValueError, "graph_from_arrays: %s", what);
    return -1;
}

/* Type names, module names and the type -> module map.  0 / -1. */
static int
set_types(PymHeapGraphObject *g, PyObject *typenames)
{
    PyObject *modidx = NULL;
    Py_ssize_t t;
    int res = -1;
    if (!PyList_Check(typenames)) {
        return bad_arrays("types must be a list of (qualname, module) pairs");
    }
    g->g_typenames = PyList_New(0);
    g->g_modnames = PyList_New(0);
    modidx = PyDict_New();
    g->g_ntypes = PyList_GET_SIZE(typenames);
    g->g_typemod = (uint32_t *)PyMem_RawMalloc(((size_t)g->g_ntypes + 1) * sizeof(uint32_t));
    if (g->g_typenames == NULL || g->g_modnames == NULL || modidx == NULL) {
        goto done;
    }
    if (g->g_typemod == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (t = 0; t < g->g_ntypes; t++) {
        PyObject *pair = PyList_GET_ITEM(typenames, t), *mod, *idx, *copy;
        if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2
            || !PyUnicode_CheckExact(PyTuple_GET_ITEM(pair, 0))
            || !PyUnicode_CheckExact(PyTuple_GET_ITEM(pair, 1))) {
            bad_arrays("types must be a list of (qualname, module) pairs of str");
            goto done;
        }
        mod = PyTuple_GET_ITEM(pair, 1);
        copy = PyTuple_Pack(2, PyTuple_GET_ITEM(pair, 0), mod);
        if (copy == NULL || PyList_Append(g->g_typenames, copy) < 0) {
            Py_XDECREF(copy);
            goto done;
        }
        Py_DECREF(copy);
        idx = PyDict_GetItemWithError(modidx, mod);
        if (idx == NULL) {
            if (PyErr_Occurred()) {
                goto done;
            }
            idx = PyLong_FromSsize_t(PyList_GET_SIZE(g->g_modnames));
            if (idx == NULL || PyDict_SetItem(modidx, mod, idx) < 0
                || PyList_Append(g->g_modnames, mod) < 0) {
                Py_XDECREF(idx);
                goto done;
            }
            Py_DECREF(idx);
        }
        g->g_typemod[t] = (uint32_t)PyLong_AsSsize_t(idx);
    }
    g->g_nmods = PyList_GET_SIZE(g->g_modnames);
    res = 0;
done:
    Py_XDECREF(modidx);
    return res;
}

PyDoc_STRVAR(graph_from_arrays_doc,
"graph_from_arrays(addr, type, size, edge_start, edge_to, roots, root_labels,\n"
"                  types, edge_label=None, strings=None) -> HeapGraph\n\n"
"A released HeapGraph from the arrays of a snapshot file (buffers of\n"
"little-endian uint64 addr and size, uint32 type, edge_start, edge_to,\n"
"roots and edge_label): the dominators and retained sizes are computed\n"
"again from the edges.  root_labels: tuple of the labels of the first\n"
"roots; types: list of (qualname, module) per type index; strings: the\n"
"list edge_label indexes.  Every length and index is checked\n"
"(ValueError).");

enum { FA_ADDR, FA_TYPE, FA_SIZE, FA_OFF, FA_EDGE, FA_ROOTS, FA_LABEL, FA_COUNT };

static PyObject *
graph_from_arrays(PyObject *module, PyObject *args)
{
    PymState *st = pym_state_from_module(module);
    PyObject *objs[FA_COUNT], *rootlabels, *typenames, *strings = Py_None;
    static const Py_ssize_t item[FA_COUNT] = {8, 4, 8, 4, 4, 4, 4};
    static const char *what[FA_COUNT] = {"addr",    "type",  "size",      "edge_start",
                                         "edge_to", "roots", "edge_label"};
    Py_buffer view[FA_COUNT];
    Py_ssize_t len[FA_COUNT], k, n, ne, nexplicit;
    PymHeapGraphObject *g = NULL;
    PyObject *ret = NULL;
    const uint32_t *off, *edge, *roots, *type, *elabel;
    const uint64_t *size, *addr;

    memset(view, 0, sizeof(view));
    objs[FA_LABEL] = Py_None;
    if (!PyArg_ParseTuple(args, "OOOOOOO!O!|OO:graph_from_arrays", &objs[FA_ADDR], &objs[FA_TYPE],
                          &objs[FA_SIZE], &objs[FA_OFF], &objs[FA_EDGE], &objs[FA_ROOTS],
                          &PyTuple_Type, &rootlabels, &PyList_Type, &typenames, &objs[FA_LABEL],
                          &strings)) {
        return NULL;
    }
    for (k = 0; k < FA_COUNT; k++) {
        len[k] = 0;
        if (objs[k] != Py_None && get_array(objs[k], &view[k], item[k], what[k], &len[k]) < 0) {
            goto done;
        }
    }
    n = len[FA_ADDR];
    ne = len[FA_EDGE];
    nexplicit = PyTuple_GET_SIZE(rootlabels);
    if (n >= MAX_NODES || ne >= (Py_ssize_t)NONE32) {
        bad_arrays("too many nodes or edges");
        goto done;
    }
    if (len[FA_TYPE] != n || len[FA_SIZE] != n || len[FA_OFF] != n + 1) {
        bad_arrays("addr, type and size need one item per node, edge_start one more");
        goto done;
    }
    if (nexplicit > len[FA_ROOTS]) {
        bad_arrays("more root labels than roots");
        goto done;
    }
    if (objs[FA_LABEL] != Py_None
        && (len[FA_LABEL] != ne || strings == Py_None || !PyList_Check(strings))) {
        bad_arrays("edge_label needs one item per edge and a list of strings");
        goto done;
    }
    addr = (const uint64_t *)view[FA_ADDR].buf;
    type = (const uint32_t *)view[FA_TYPE].buf;
    size = (const uint64_t *)view[FA_SIZE].buf;
    off = (const uint32_t *)view[FA_OFF].buf;
    edge = (const uint32_t *)view[FA_EDGE].buf;
    roots = (const uint32_t *)view[FA_ROOTS].buf;
    elabel = (const uint32_t *)view[FA_LABEL].buf;
    if (off[0] != 0 || off[n] != (uint32_t)ne) {
        bad_arrays("edge_start must run from 0 to the number of edges");
        goto done;
    }
    for (k = 0; k < n; k++) {
        if (off[k + 1] < off[k]) {
            bad_arrays("edge_start is not ascending");
            goto done;
        }
        if ((Py_ssize_t)type[k] >= PyList_GET_SIZE(typenames)) {
            bad_arrays("a node's type index is beyond the types");
            goto done;
        }
    }
    for (k = 0; k < ne; k++) {
        if ((Py_ssize_t)edge[k] >= n) {
            bad_arrays("an edge points beyond the nodes");
            goto done;
        }
        if (elabel != NULL && elabel[k] != NONE32
            && (Py_ssize_t)elabel[k] >= PyList_GET_SIZE(strings)) {
            bad_arrays("an edge label is beyond the strings");
            goto done;
        }
    }
    for (k = 0; k < len[FA_ROOTS]; k++) {
        if ((Py_ssize_t)roots[k] >= n) {
            bad_arrays("a root is beyond the nodes");
            goto done;
        }
    }
    g = PyObject_GC_New(PymHeapGraphObject, st->ms_heapgraph_type); /* untracked until built */
    if (g == NULL) {
        goto done;
    }
    memset((char *)g + sizeof(PyObject), 0, sizeof(*g) - sizeof(PyObject));
    pym_ptrmap_init(&g->g_bigsize);
    g->g_st = st;
    g->g_n = n;
    g->g_obj = (PyObject **)PyMem_RawMalloc(((size_t)n + 1) * sizeof(PyObject *));
    g->g_size = (uint32_t *)PyMem_RawMalloc(((size_t)n + 1) * sizeof(uint32_t));
    g->g_type = (uint32_t *)PyMem_RawMalloc(((size_t)n + 1) * sizeof(uint32_t));
    g->g_off = (uint32_t *)PyMem_RawMalloc(((size_t)n + 1) * sizeof(uint32_t));
    g->g_edge = (uint32_t *)PyMem_RawMalloc(((size_t)ne + 1) * sizeof(uint32_t));
    if (elabel != NULL) {
        g->g_elabel = (uint32_t *)PyMem_RawMalloc(((size_t)ne + 1) * sizeof(uint32_t));
    }
    if (g->g_obj == NULL || g->g_size == NULL || g->g_type == NULL || g->g_off == NULL
        || g->g_edge == NULL || (elabel != NULL && g->g_elabel == NULL)) {
        PyErr_NoMemory();
        goto done;
    }
    for (k = 0; k < n; k++) {
        g->g_obj[k] = (PyObject *)(uintptr_t)addr[k]; /* an address, never dereferenced */
        if (size[k] >= BIG_SIZE) {
            g->g_size[k] = BIG_SIZE;
            if (size[k] > (uint64_t)PY_SSIZE_T_MAX) {
                bad_arrays("a size is beyond the largest object");
                goto done;
            }
            if (pym_ptrmap_setdefault(&g->g_bigsize, (void *)(uintptr_t)(k + 1),
                                      (Py_ssize_t)size[k])
                < 0) {
                goto done;
            }
        }
        else {
            g->g_size[k] = (uint32_t)size[k];
        }
    }
    memcpy(g->g_type, type, (size_t)n * sizeof(uint32_t));
    memcpy(g->g_off, off, ((size_t)n + 1) * sizeof(uint32_t));
    memcpy(g->g_edge, edge, (size_t)ne * sizeof(uint32_t));
    if (elabel != NULL) {
        memcpy(g->g_elabel, elabel, (size_t)ne * sizeof(uint32_t));
        g->g_strings = PyList_GetSlice(strings, 0, PY_SSIZE_T_MAX);
        if (g->g_strings == NULL) {
            goto done;
        }
        for (k = 0; k < PyList_GET_SIZE(g->g_strings); k++) {
            if (!PyUnicode_Check(PyList_GET_ITEM(g->g_strings, k))) {
                bad_arrays("strings must be a list of str");
                goto done;
            }
        }
    }
    g->g_rootlabels = Py_NewRef(rootlabels);
    if (set_types(g, typenames) < 0) {
        goto done;
    }
    if (dominators(g, roots, nexplicit) < 0 || dom_tree(g) < 0) {
        goto done;
    }
    PyObject_GC_Track(g);
    ret = (PyObject *)g;
    g = NULL;
done:
    for (k = 0; k < FA_COUNT; k++) {
        if (view[k].obj != NULL) {
            PyBuffer_Release(&view[k]);
        }
    }
    Py_XDECREF(g);
    return ret;
}

static PyMethodDef domtree_functions[] = {
    {"heap_graph", (PyCFunction)(void (*)(void))heap_graph, METH_FASTCALL, heap_graph_doc},
    {"graph_from_arrays", (PyCFunction)graph_from_arrays, METH_VARARGS, graph_from_arrays_doc},
    {NULL, NULL, 0, NULL},
};

/* Register HeapGraph and heap_graph on the module.  0 / -1. */
int
pym_domtree_init(PyObject *module, PymState *st)
{
    st->ms_heapgraph_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &graph_spec, NULL);
    if (st->ms_heapgraph_type == NULL) {
        return -1;
    }
    if (PyModule_AddObjectRef(module, "HeapGraph", (PyObject *)st->ms_heapgraph_type) < 0) {
        return -1;
    }
    return PyModule_AddFunctions(module, domtree_functions);
}
