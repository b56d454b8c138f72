"""HtmlStats and pympler.charts: pages, links, escaping of every user string,
file names kept inside the report's folder, SVG charts without matplotlib,
matplotlib charts when it is installed, closed files."""
import builtins
import html.parser
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from pympler import charts
from pympler.classtracker import ClassTracker
from pympler.classtracker_stats import ConsoleStats, HtmlStats, Stats

HOSTILE = '</a><script>alert("x")</script>&amp;\'"<i>'


class Page(html.parser.HTMLParser):
    """Collects tags, attributes and text of an HTML page."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.links, self.images, self.texts = [], [], [], []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == 'a':
            self.links.append(attrs.get('href'))
        if tag == 'img':
            self.images.append(attrs.get('src'))

    def handle_data(self, data):
        self.texts.append(data)

    @property
    def text(self):
        return ''.join(self.texts)


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


class Foo(object):
    def __init__(self, n=30):
        self.data = list(range(n))
        self.label = 'foo'


class Evil(object):
    def __init__(self):
        self.blob = 'x' * 3000

    def __repr__(self):
        return HOSTILE


@pytest.fixture
def tracker():
    t = ClassTracker()
    t.track_class(Foo, name='Foo', resolution_level=2, trace=True)
    t.track_class(Evil, name=HOSTILE, resolution_level=1, trace=True)
    keep = []
    try:
        for i in range(4):
            keep += [Foo(10 * i), Foo(), Evil()]
            if i == 2:
                del keep[:2]
            t.create_snapshot('snap %d %s' % (i, HOSTILE), compute_total=(i == 3))
        yield t
    finally:
        t.detach_all_classes()


@pytest.fixture
def no_matplotlib(monkeypatch):
    monkeypatch.setattr(charts, 'have_matplotlib', lambda: False)


def test_index_page_links_and_layout(tmp_path, tracker, no_matplotlib, monkeypatch):
    monkeypatch.chdir(tmp_path)
    HtmlStats(tracker=tracker).create_html('out/report.html')
    index = read('out/report.html')
    # spec 7.3: links relative to the index page's directory
    assert '<a href="report_files/Foo.html">Foo</a>' in index
    page = Page(index)
    assert 'ClassTracker Statistics' in page.text        # default title
    for i in range(4):
        assert 'snap %d %s snapshot at' % (i, HOSTILE) in page.text
    assert 'Instance #' in page.text and 'Share' in page.text
    files = sorted(os.listdir('out/report_files'))
    assert 'Foo.html' in files and 'Foo-lt.svg' in files and 'timespace.svg' in files
    assert ['fp%d.svg' % i for i in range(4)] == [f for f in files if f.startswith('fp')]
    assert 'report_files/timespace.svg' in page.images
    # every linked page and image exists, relative to the index page
    for ref in page.links + page.images:
        assert os.path.isfile(os.path.join('out', ref)), ref
    cls = Page(read('out/report_files/Foo.html'))
    assert 'instances of Foo were registered' in ' '.join(cls.text.split())
    assert 'Coalesced Referents per Snapshot' in cls.text
    assert 'Foo-lt.svg' in cls.images
    assert cls.text.count('Lifetime') == len(tracker.index['Foo'])
    assert '[V] data' in cls.text            # merged referents at level 2
    assert 'Instantiation' in cls.text and 'test_html.py' in cls.text


def test_every_user_string_is_escaped(tmp_path, tracker, no_matplotlib):
    fname = str(tmp_path / 'r.html')
    HtmlStats(tracker=tracker).create_html(fname, title=HOSTILE)
    pages = [fname] + [os.path.join(str(tmp_path / 'r_files'), f)
                       for f in os.listdir(str(tmp_path / 'r_files')) if f.endswith('.html')]
    assert len(pages) == 3
    for path in pages:
        text = read(path)
        page = Page(text)
        # the hostile strings never became markup ...
        assert 'script' not in page.tags and 'i' not in page.tags, path
        assert '<script>' not in text
        # ... but are shown as text
        assert HOSTILE in page.text, path
    evil_page = [p for p in pages if p.endswith('.html') and 'script' in os.path.basename(p)]
    assert evil_page, 'the hostile class has its own page'
    assert HOSTILE in Page(read(evil_page[0])).text     # its repr and name


def test_file_names_are_sanitised_and_stay_inside(tmp_path, no_matplotlib):
    names = ['../../escape', '/abs/olute', 'a/b\\c', '', 'pkg.Mod.Cls', 'pkg_Mod_Cls',
             'Same', 'same', '\u00dcn\u00efcode', 'x' * 300, 'CON', '..']
    t = ClassTracker()
    objs = []
    try:
        for name in names:
            cls = type('C', (object,), {})
            t.track_class(cls, name=name)
            objs.append(cls())
        t.create_snapshot('one')
        out = tmp_path / 'deep' / 'dir'
        HtmlStats(tracker=t).create_html(str(out / 'index.html'))
    finally:
        t.detach_all_classes()
    files = os.listdir(str(out / 'index_files'))
    pages = [f for f in files if f.endswith('.html')]
    assert len(pages) == len(names)               # no two names share a page
    assert len({f.lower() for f in files}) == len(files)
    for f in files:
        assert set(f) <= set('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.')
        assert len(f) <= 64 + len('-99-lt.svg')
    assert 'pkg_Mod_Cls.html' in pages             # spec: '.' replaced by '_'
    # nothing was written anywhere else
    written = sorted(os.path.relpath(os.path.join(d, f), str(tmp_path))
                     for d, _, fs in os.walk(str(tmp_path)) for f in fs)
    assert all(w.startswith(os.path.join('deep', 'dir')) for w in written), written
    # every class link of the index resolves to a page of that class
    index = Page(read(str(out / 'index.html')))
    class_links = [ref for ref in index.links if ref.endswith('.html')]
    assert len(set(class_links)) == len(names)
    for ref in class_links:
        assert os.path.isfile(os.path.join(str(out), ref))


def test_svg_charts_without_matplotlib(tmp_path, tracker, monkeypatch):
    # matplotlib made unimportable: the package's own SVG is drawn
    monkeypatch.setitem(sys.modules, 'matplotlib', None)
    assert not charts.have_matplotlib()

    def no_mpl(*args):
        raise AssertionError('matplotlib renderer called')

    for name in ('mpl_timespace', 'mpl_pie', 'mpl_lifetime'):
        monkeypatch.setattr(charts, name, no_mpl)
    # shares of the tracked and heap totals, not of the process's virtual
    # size (against which no class here reaches the 3 % of an area)
    for snapshot in tracker.snapshots:
        snapshot.system_total.available = False
    fname = str(tmp_path / 'r.html')
    HtmlStats(tracker=tracker).create_html(fname)
    files = os.listdir(str(tmp_path / 'r_files'))
    svgs = [f for f in files if f.endswith('.svg')]
    assert not [f for f in files if f.endswith('.png')]
    assert len(svgs) == 1 + 4 + 2        # timespace, one pie per snapshot, 2 lifetimes
    ns = '{http://www.w3.org/2000/svg}'
    for f in svgs:
        root = ET.parse(os.path.join(str(tmp_path / 'r_files'), f)).getroot()
        assert root.tag == ns + 'svg'
        texts = [e.text for e in root.iter(ns + 'text')]
        assert texts, f
    root = ET.parse(str(tmp_path / 'r_files' / 'timespace.svg')).getroot()
    texts = [e.text for e in root.iter(ns + 'text')]
    for label in ('Snapshot Memory', 'Execution Time [s]', 'Virtual Memory [MiB]',
                  'Total', 'Tracked total'):
        assert label in texts
    assert HOSTILE in texts            # the big class has an area and a legend entry
    assert len(list(root.iter(ns + 'polygon'))) >= 1


def test_chart_data_rules():
    class S(object):
        def __init__(self, ts, classes, tracked, asizeof_total=0):
            self.timestamp, self.classes = ts, classes
            self.tracked_total, self.asizeof_total = tracked, asizeof_total

        @property
        def total(self):
            return self.asizeof_total or self.tracked_total

    class FakeStats(object):
        tracked_classes = ['a', 'b', 'c']

        def __init__(self, snaps):
            self.snapshots = snaps

        def annotate_snapshot(self, s):
            return s.classes

    mib = 1024 * 1024
    snaps = [S(1.0, {'a': dict(sum=mib, pct=50.0), 'b': dict(sum=10, pct=1.0),
                     'c': dict(sum=mib, pct=2.0)}, 2 * mib),
             S(2.0, {'a': dict(sum=2 * mib, pct=40.0), 'b': dict(sum=10, pct=2.9),
                     'c': dict(sum=mib, pct=3.5)}, 3 * mib, asizeof_total=8 * mib)]
    times, totals, tracked, areas = charts.timespace_data(FakeStats(snaps))
    assert times == [1.0, 2.0]
    assert totals == [None, 8.0]          # not measured -> no point
    assert tracked == [2.0, 3.0]
    # 'b' never exceeds 3 %; 'c' does once; areas are stacked
    assert [name for name, _ in areas] == ['a', 'c']
    assert areas[0][1] == [1.0, 2.0] and areas[1][1] == [2.0, 3.0]

    labels, sizes = charts.pie_data(snaps[1])
    assert labels == ['Other', 'a', 'c'] and sizes == [5 * mib, 2 * mib, mib]
    over = S(3.0, {'a': dict(sum=5 * mib, pct=500.0)}, mib)     # sum > total
    assert charts.pie_data(over) == (['Other', 'a'], [0, 5 * mib])
    assert charts.pie_data(S(4.0, {}, 0)) == ([], [])

    class T(object):
        def __init__(self, birth, death=None):
            self.birth, self.death = birth, death

    assert charts.lifetime_data([T(1.0, 3.0), T(2.0), T(2.5, 2.7)]) == (
        [1.0, 2.0, 2.5, 2.7, 3.0], [1, 2, 3, 2, 1])


@pytest.mark.parametrize('lo,hi', [(0, 1), (0, 0), (5, 5), (0.001, 0.0012), (-3, 7),
                                   (0, 1e9), (1.5e-9, 2e-9)])
def test_nice_ticks_cover_the_range(lo, hi):
    ticks = charts._nice_ticks(lo, hi)
    assert ticks[0] <= lo and ticks[-1] >= hi and ticks[0] < ticks[-1]
    assert 2 <= len(ticks) <= 12
    steps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert max(steps) - min(steps) <= 1e-9 * max(1.0, abs(ticks[-1]))


def test_tracker_timespace(tmp_path, tracker, monkeypatch):
    stats = Stats(tracker=tracker)
    svg = str(tmp_path / 'ts.svg')
    charts.tracker_timespace(svg, stats)
    assert ET.parse(svg).getroot().tag.endswith('svg')
    assert all(s.classes is not None for s in stats.snapshots)     # annotated
    monkeypatch.setattr(charts, 'have_matplotlib', lambda: False)
    png = str(tmp_path / 'ts.png')
    with pytest.warns(RuntimeWarning, match=r"matplotlib is not installed.*'\.svg'"):
        charts.tracker_timespace(png, stats)
    assert not os.path.exists(png)


def test_files_are_closed(tmp_path, tracker, no_matplotlib, monkeypatch):
    opened = []
    real_open = builtins.open

    def tracking_open(*args, **kwargs):
        f = real_open(*args, **kwargs)
        opened.append(f)
        return f

    monkeypatch.setattr(builtins, 'open', tracking_open)
    stats = HtmlStats(tracker=tracker)
    stats.create_html(str(tmp_path / 'r.html'))
    assert len(opened) >= 1 + 2 + 7
    assert all(f.closed for f in opened)


def test_inline_charts_and_bad_chart_format(tracker):
    stats = HtmlStats(tracker=tracker)
    stats.annotate()
    tag = stats.create_lifetime_chart('Foo')        # no file name: inline SVG
    assert tag.startswith('<svg') and 'Foo instances' in tag
    stats.chart_format = 'gif'
    with pytest.raises(ValueError, match='chart_format'):
        stats.create_snapshot_chart('x.png')


def test_report_from_loaded_dump(tmp_path, tracker, no_matplotlib):
    dump = str(tmp_path / 'run.json.gz')
    ConsoleStats(tracker=tracker).dump_stats(dump)
    stats = HtmlStats(filename=dump)
    stats.create_html(str(tmp_path / 'loaded.html'), title='Loaded')
    page = Page(read(str(tmp_path / 'loaded.html')))
    assert 'Loaded' in page.text and 'snap 3' in page.text
    assert any(ref.endswith('Foo.html') for ref in page.links)


_MPL = '''
import sys
import warnings
import matplotlib
import matplotlib.figure
import matplotlib.backends.backend_agg
# warnings are errors from here on (not those of matplotlib's own imports:
# an older matplotlib with a newer pyparsing warns when imported)
warnings.simplefilter("error")
backend = matplotlib.get_backend()
from pympler import charts
from pympler.classtracker import ClassTracker
from pympler.classtracker_stats import HtmlStats
class Foo(object):
    def __init__(self):
        self.data = list(range(100))
t = ClassTracker()
t.track_class(Foo)
keep = [Foo() for _ in range(5)]
t.create_snapshot('one', compute_total=True)
keep += [Foo() for _ in range(5)]
t.create_snapshot('two')
s = HtmlStats(tracker=t)
s.create_html(sys.argv[1])
charts.tracker_timespace(sys.argv[2], s)
assert matplotlib.get_backend() == backend, (matplotlib.get_backend(), backend)
assert 'matplotlib.pyplot' not in sys.modules
print('ok')
'''


def test_matplotlib_charts(tmp_path):
    pytest.importorskip('matplotlib')
    index, ts = str(tmp_path / 'm.html'), str(tmp_path / 'ts.png')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), MPLBACKEND='svg')
    done = subprocess.run([sys.executable, '-c', _MPL, index, ts],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0 and done.stdout.strip() == 'ok', done.stderr[-2000:]
    files = os.listdir(str(tmp_path / 'm_files'))
    pngs = sorted(f for f in files if f.endswith('.png'))
    assert pngs == ['__main___Foo-lt.png', 'fp0.png', 'fp1.png', 'timespace.png']
    for f in pngs + ['../ts.png']:
        with open(os.path.join(str(tmp_path / 'm_files'), f), 'rb') as fh:
            assert fh.read(8) == b'\x89PNG\r\n\x1a\n'
    assert '<img src="m_files/timespace.png"' in read(index)



def test_report_from_pympler11_dump(tmp_path, pympler11, no_matplotlib):
    # a dump written by Pympler 1.1 itself (pickles, process info included)
    from test_stats import _MAKE_11_DUMP, _run
    dump = str(tmp_path / 'p11.pkl')
    _run(pympler11, _MAKE_11_DUMP, dump)
    stats = HtmlStats(filename=dump)
    stats.create_html(str(tmp_path / 'p11.html'))
    page = Page(read(str(tmp_path / 'p11.html')))
    assert 'one snapshot at' in page.text and 'two snapshot at' in page.text
    # Pympler 1.1 sampled the process: its virtual size is shown
    assert 'was not known' not in ' '.join(page.text.split())
    assert page.links == ['p11_files/__main___Foo.html'] * 2     # one per snapshot
    cls = Page(read(str(tmp_path / 'p11_files' / '__main___Foo.html')))
    assert cls.text.count('Lifetime') == 2
