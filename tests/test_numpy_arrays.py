"""numpy arrays as users size them (issue 6, items 14 and 7): a view follows
the array it shares data with (its ``base``), an object array its elements,
a memmap counts ``amapped()`` percent of its mapped data.  numpy is never
imported by pympler itself."""
import subprocess
import sys

import pytest

from pympler import asizeof as A

np = pytest.importorskip('numpy')

MB8 = 10 ** 6   # float64 items: 8 MB


def test_owning_array_flat_size_counts_its_data():
    a = np.zeros(MB8)
    assert A.flatsize(a) == sys.getsizeof(a) >= a.nbytes
    assert A.asizeof(a) == A.flatsize(a, align=8)


def test_view_follows_its_base():
    a = np.zeros(MB8)
    for v in (a[::2], a[10:20], a.reshape(1000, 1000).T, a.view('int64')):
        assert v.base is a
        assert A.flatsize(v) < 1000   # the data is the base's
        assert dict(A.named_refs(v))['base'] is a
        assert A.asizeof(v) == A.flatsize(v, align=8) + A.asizeof(a)
    # the base once only, however many views
    views = [a[i:] for i in range(5)]
    assert A.asizeof(views) < A.asizeof(a) + 5 * 1000


def test_view_of_view_reaches_the_data():
    a = np.arange(MB8, dtype='float64')
    v = a[::2][::3]
    assert A.asizeof(v) > a.nbytes


def test_object_array_follows_its_items():
    items = [{'key': i} for i in range(1000)]
    o = np.empty(len(items), dtype=object)
    o[:] = items
    inner = A.asizeof(*items)
    assert A.asizeof(o) == A.flatsize(o, align=8) + inner
    assert A.asizeof(items) - A.flatsize(items, align=8) == inner


def test_object_array_shapes_and_views():
    items = [[i] * 3 for i in range(60)]
    o = np.empty(60, dtype=object)
    o[:] = items
    m = o.reshape(3, 4, 5)
    total = A.asizeof(o)
    # a reshaped / sliced / transposed view reaches every item through base
    for v in (m, m[:, ::2, 1:], m.transpose(2, 0, 1)):
        assert A.asizeof(v) == A.flatsize(v, align=8) + total
    # a copy holds its own items (the same lists): counted once with it
    c = m[:, ::2].copy()
    assert c.base is None
    n = c.size
    assert A.asizeof(c) == A.flatsize(c, align=8) + sum(
        A.asizeof(x) for x in c.ravel())
    assert n == 3 * 2 * 5


def test_object_array_items_are_unnamed_children_in_asized():
    o = np.empty(3, dtype=object)
    o[:] = ['a' * 100, 'b' * 200, None]
    tree = A.asized(o, detail=1)
    assert len(tree.refs) == 3
    assert A.refs(o) is not None and len(list(A.refs(o))) == 3


def test_structured_array_follows_its_object_fields():
    big = ['big'] * 1000
    s = np.zeros(3, dtype=[('x', 'f8'), ('o', 'O'), ('p', 'O')])
    s['o'] = [big, big, big]
    s['p'] = ['a' * 100, 'b' * 200, 'c' * 300]
    assert A.asizeof(s) == A.flatsize(s, align=8) + A.asizeof(big, *s['p'])
    assert len(list(A.refs(s))) == 6
    # a field named twice (by name and by title) is followed once per element
    t = np.zeros(2, dtype=[(('title', 'o'), 'O'), ('x', 'i4')])
    t['o'] = [big, 'q' * 50]
    assert len(list(A.refs(t))) == 2
    # a view reaches them through its base
    v = s[1:]
    assert A.asizeof(v) == A.flatsize(v, align=8) + A.asizeof(s)
    # structured arrays without objects, and (documented) objects nested in
    # a sub-structure, add nothing
    plain = np.zeros(100, dtype=[('a', 'i4'), ('b', 'f8')])
    assert A.asizeof(plain) == A.flatsize(plain, align=8)
    nested = np.zeros(2, dtype=[('in', [('o', 'O')])])
    nested['in']['o'] = [big, big]
    assert A.asizeof(nested) == A.flatsize(nested, align=8)


def test_memmap_counts_amapped_share(tmp_path):
    m = np.memmap(str(tmp_path / 'm.dat'), dtype='float64', mode='w+', shape=(MB8,))
    old = A.amapped()
    try:
        A.amapped(1.0)
        one = A.flatsize(m)
        A.amapped(50)
        half = A.flatsize(m)
        A.amapped(0)
        none = A.flatsize(m)
        assert half - none == -(-m.nbytes // 2 // 4096) * 4096   # whole pages
        assert one - none == 81920   # 1% of 8 MB, rounded up to 4 KiB pages
        A.amapped(50)
        assert A.asizeof(m) >= half
        z = A.Asizer()
        assert z.asizeof(m) >= half
        A.amapped(100)
        z.reset()
        assert z.asizeof(m) >= none + m.nbytes   # amapped() read at each call
        # a slice of a memmap is a view: its data is counted through its base
        s = m[10:20]
        assert isinstance(s, np.memmap) and s.base is m
        assert A.flatsize(s) < 2000
        assert A.asizeof(s) > m.nbytes
    finally:
        A.amapped(old)
        del m


def test_subclass_instance_follows_base_and_dict():
    class Tagged(np.ndarray):
        pass

    a = np.zeros(1000)
    t = a.view(Tagged)
    t.tag = 'x' * 500
    names = [n for n, _ in A.named_refs(t)]
    assert 'base' in names and '__dict__' in names
    assert A.asizeof(t) > a.nbytes + 500


def test_masked_array():
    data = np.arange(10000, dtype='float64')
    ma = np.ma.masked_array(data, mask=data > 5000)
    assert A.asizeof(ma) > data.nbytes + ma.mask.nbytes


def test_sizing_does_not_import_numpy():
    code = ('import sys; from pympler import asizeof as A; '
            'A.asizeof([1, {2: 3}], stats=1, detail=2); A.flatsize([]); '
            'assert "numpy" not in sys.modules, "numpy imported"')
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_module_call_equals_recording_sizer():
    """The single-owner shortcut of module-level calls counts an object
    array's items like a recording Asizer (views share the items without
    owning references to them)."""
    o = np.empty(100, dtype=object)
    o[:] = [[i] for i in range(100)]
    s = np.zeros(50, dtype=[('x', 'f8'), ('o', 'O')])
    s['o'] = [[i] for i in range(50)]
    for objs in [(o,), (o, o[::2]), (o[::2], o), (o.T,), (s,), (s[::3], s),
                 ([o, o[1:]],), (o[1:], o[:1])]:
        assert A.asizeof(*objs) == A.Asizer().asizeof(*objs)
        assert A.asizesof(*objs) == A.Asizer().asizesof(*objs)


def test_hostile_array_subclass_is_not_asked_anything():
    class Hostile(np.ndarray):
        def __getattribute__(self, name):
            raise RuntimeError('asked for %s' % name)

        @property
        def base(self):
            raise RuntimeError('base property')

    a = np.zeros(1000)
    h = a.view(Hostile)
    assert A.asizeof(h) >= a.nbytes + A.flatsize(h, align=8)
    assert any(o is a for o in A.refs(h))


def test_leng_of_numpy_arrays_counts_every_dimension():
    assert A.leng(np.array(3.0)) == 8            # 0-d: no TypeError
    assert A.leng(np.zeros((3, 4))) == 96        # all 12 elements
    assert A.itemsize(np.zeros((3, 4), dtype=np.int32)) == 4
