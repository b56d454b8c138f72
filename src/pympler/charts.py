"""Charts of ClassTracker statistics (spec section 8).

Every chart can be drawn two ways:

* as SVG written by this module -- no optional dependency; chosen when the
  file name ends in ``.svg`` or when matplotlib is not installed;
* with matplotlib when it is installed (PNG or any other format matplotlib
  writes, chosen by the file name's extension).

matplotlib is imported only when a chart is drawn with it.  Figures are made
with ``matplotlib.figure.Figure`` and rendered by the Agg canvas directly:
rendering is headless without switching the program's pyplot backend and no
figure stays open in pyplot's registry.  (Pympler 1.1 called
``matplotlib.use('Agg')`` at import, which changed the backend of the program
being measured, and used ``mlab.poly_between``, removed in matplotlib 3.1.)
Documentation: docs/usage.md in pympler's source repository.
"""

import math
import warnings
from html import escape as _escape

__all__ = ["tracker_timespace"]

MIB = 1024.0 * 1024.0
#: Share (percent of a snapshot's total) above which a class gets its own
#: area in the time-space chart and its own slice in a pie chart.
SHARE_THRESHOLD = 3.0

# matplotlib's 'tab10' colours: the SVG charts look like matplotlib's.
_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
            "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def have_matplotlib():
    """True when matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _is_svg(filename):
    return str(filename).lower().endswith(".svg")


# ---------------------------------------------------------------------------
# Chart data, independent of the renderer.

def timespace_data(stats):
    """Annotate every snapshot of *stats* and return the time-space chart's
    data: ``(times, totals, tracked, areas)`` where sizes are in MiB
    (``totals`` holds None for snapshots taken without ``compute_total``) and
    ``areas`` is a list of ``(classname, cumulative sizes)`` stacked in the
    order of ``stats.tracked_classes``, one per class whose share of a
    snapshot ever exceeds 3 %."""
    snapshots = list(stats.snapshots)
    for snapshot in snapshots:
        stats.annotate_snapshot(snapshot)
    times = [float(s.timestamp) for s in snapshots]
    # None where the heap total was not measured (compute_total=False)
    totals = [float(s.asizeof_total) / MIB if s.asizeof_total else None
              for s in snapshots]
    tracked = [float(s.tracked_total or 0) / MIB for s in snapshots]
    offsets = [0.0] * len(snapshots)
    areas = []
    for name in stats.tracked_classes:
        shares = [s.classes[name]["pct"] for s in snapshots
                  if s.classes and name in s.classes]
        if not shares or max(shares) <= SHARE_THRESHOLD:
            continue
        sizes = [float(s.classes[name]["sum"]) / MIB
                 if s.classes and name in s.classes else 0.0
                 for s in snapshots]
        offsets = [o + v for o, v in zip(offsets, sizes)]
        areas.append((name, offsets))
    return times, totals, tracked, areas


def pie_data(snapshot):
    """``(labels, sizes)`` of a pie chart of an annotated *snapshot*: 'Other'
    first (what the classes above 3 % leave of the snapshot's total, never
    negative), then those classes.  Empty lists when nothing was tracked."""
    if not snapshot.tracked_total or not snapshot.classes:
        return [], []
    labels, sizes = [], []
    for name in sorted(snapshot.classes):
        info = snapshot.classes[name]
        if info["pct"] > SHARE_THRESHOLD:
            labels.append(name)
            sizes.append(info["sum"])
    total = snapshot.total or 0
    labels.insert(0, "Other")
    sizes.insert(0, max(0, total - sum(sizes)))
    return labels, sizes


def lifetime_data(tobjs):
    """``(times, counts)``: the number of live instances after every birth
    and death among the tracked objects *tobjs*."""
    events = []
    for tobj in tobjs:
        events.append((float(tobj.birth), 1))
        if tobj.death is not None:
            events.append((float(tobj.death), -1))
    events.sort()
    times, counts, alive = [], [], 0
    for when, change in events:
        alive += change
        times.append(when)
        counts.append(alive)
    return times, counts


# ---------------------------------------------------------------------------
# SVG writer.

def _nice_ticks(lo, hi, most=8):
    """Round tick values covering [lo, hi] (at most about *most* of them)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(lo) * 0.5 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(1, most - 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    for mult in (1, 2, 2.5, 5, 10):
        step = mult * mag
        if step >= raw:
            break
    first = math.floor(lo / step) * step
    last = math.ceil(hi / step) * step
    count = int(round((last - first) / step))
    return [first + i * step for i in range(count + 1)]


def _fmt(value):
    text = "%.6g" % value
    return "0" if text == "-0" else text


class _Svg(object):
    """A tiny SVG document builder: every text is escaped."""

    def __init__(self, width, height):
        self.width = width
        self.height = height
        self.parts = []

    def add(self, tag, text=None, **attrs):
        attr = "".join(' %s="%s"' % (k.rstrip("_").replace("_", "-"), _escape(str(v)))
                       for k, v in attrs.items())
        if text is None:
            self.parts.append("<%s%s/>" % (tag, attr))
        else:
            self.parts.append("<%s%s>%s</%s>" % (tag, attr, _escape(str(text)), tag))

    def render(self, title):
        head = ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
                'viewBox="0 0 %d %d" font-family="DejaVu Sans, Arial, sans-serif" '
                'font-size="12">' % (self.width, self.height, self.width, self.height))
        return "\n".join(['<?xml version="1.0" encoding="UTF-8"?>', head,
                          "<title>%s</title>" % _escape(title),
                          '<rect width="100%" height="100%" fill="#ffffff"/>']
                         + self.parts + ["</svg>", ""])


class _Axes(object):
    """Maps data coordinates into a plot box of an _Svg and draws the frame,
    the ticks, the labels and the title."""

    def __init__(self, svg, xs, ys, title, xlabel, ylabel, box=(80, 40, 30, 50)):
        left, top, right, bottom = box
        self.svg = svg
        self.x0, self.y0 = left, top
        self.w = svg.width - left - right
        self.h = svg.height - top - bottom
        self.xticks = _nice_ticks(min(xs, default=0.0), max(xs, default=1.0))
        self.yticks = _nice_ticks(min(min(ys, default=0.0), 0.0), max(ys, default=1.0))
        self.title, self.xlabel, self.ylabel = title, xlabel, ylabel

    def px(self, x):
        lo, hi = self.xticks[0], self.xticks[-1]
        return self.x0 + (x - lo) / (hi - lo) * self.w

    def py(self, y):
        lo, hi = self.yticks[0], self.yticks[-1]
        return self.y0 + self.h - (y - lo) / (hi - lo) * self.h

    def frame(self):
        svg = self.svg
        for t in self.xticks:
            x = self.px(t)
            svg.add("line", x1="%.1f" % x, y1=self.y0 + self.h, x2="%.1f" % x,
                    y2=self.y0 + self.h + 5, stroke="#000000")
            svg.add("text", _fmt(t), x="%.1f" % x, y=self.y0 + self.h + 19,
                    text_anchor="middle")
        for t in self.yticks:
            y = self.py(t)
            svg.add("line", x1=self.x0 - 5, y1="%.1f" % y, x2=self.x0, y2="%.1f" % y,
                    stroke="#000000")
            svg.add("text", _fmt(t), x=self.x0 - 8, y="%.1f" % (y + 4), text_anchor="end")
        svg.add("rect", x=self.x0, y=self.y0, width=self.w, height=self.h,
                fill="none", stroke="#000000")
        svg.add("text", self.title, x=self.x0 + self.w / 2.0, y=self.y0 - 14,
                text_anchor="middle", font_size=15)
        svg.add("text", self.xlabel, x=self.x0 + self.w / 2.0, y=svg.height - 10,
                text_anchor="middle")
        cy = self.y0 + self.h / 2.0
        svg.add("text", self.ylabel, x=20, y=cy, text_anchor="middle",
                transform="rotate(-90 20 %.1f)" % cy)

    def points(self, xs, ys):
        return " ".join("%.1f,%.1f" % (self.px(x), self.py(y)) for x, y in zip(xs, ys))

    def legend(self, entries):
        """entries: (label, colour, kind) with kind 'line', 'dash' or 'area';
        drawn in the top-left corner of the plot box."""
        if not entries:
            return
        svg = self.svg
        width = 40 + 7 * max(len(label) for label, _, _ in entries)
        svg.add("rect", x=self.x0 + 8, y=self.y0 + 8, width=width,
                height=8 + 18 * len(entries), fill="#ffffff", fill_opacity=0.85,
                stroke="#cccccc")
        for i, (label, colour, kind) in enumerate(entries):
            y = self.y0 + 22 + 18 * i
            x = self.x0 + 14
            if kind == "area":
                svg.add("rect", x=x, y=y - 8, width=22, height=10, fill=colour,
                        fill_opacity=0.6)
            else:
                svg.add("line", x1=x, y1=y - 3, x2=x + 22, y2=y - 3, stroke=colour,
                        stroke_width=2, stroke_dasharray="6,3" if kind == "dash" else "none")
            svg.add("text", label, x=x + 28, y=y + 1)


def _write_text(filename, text):
    with open(filename, "w", encoding="utf-8") as f:
        f.write(text)


def svg_timespace(data, width=1000, height=400):
    """The time-space chart as an SVG document (str)."""
    times, totals, tracked, areas = data
    ys = [v for v in totals if v is not None] + tracked + [v for _, vals in areas for v in vals]
    svg = _Svg(width, height)
    ax = _Axes(svg, times, ys, "Snapshot Memory", "Execution Time [s]",
               "Virtual Memory [MiB]")
    lines = (("Total", totals, "#d62728"), ("Tracked total", tracked, "#1f77b4"))
    legend = [(label, colour, "dash") for label, _, colour in lines]
    base = [0.0] * len(times)
    for i, (name, tops) in enumerate(areas):
        colour = _PALETTE[i % len(_PALETTE)]
        outline = list(zip(times, tops)) + list(zip(times, base))[::-1]
        svg.add("polygon", points=ax.points([x for x, _ in outline], [y for _, y in outline]),
                fill=colour, fill_opacity=0.6, stroke=colour)
        legend.append((name, colour, "area"))
        base = tops
    for _, values, colour in lines:
        xs = [x for x, y in zip(times, values) if y is not None]
        values = [y for y in values if y is not None]
        svg.add("polyline", points=ax.points(xs, values), fill="none",
                stroke=colour, stroke_width=2, stroke_dasharray="6,3")
        for x, y in zip(xs, values):
            svg.add("circle", cx="%.1f" % ax.px(x), cy="%.1f" % ax.py(y), r=2, fill=colour)
    ax.frame()
    ax.legend(legend)
    return svg.render("Snapshot Memory")


def _clip(label, most=60):
    label = str(label)
    return label if len(label) <= most else label[:most - 3] + "..."


def svg_pie(labels, sizes, title, width=480):
    """A pie chart as an SVG document (str): slices start at 3 o'clock and
    run counter-clockwise, as matplotlib's; a legend below the pie names each
    slice with its share."""
    shown = [(label, value) for label, value in zip(labels, sizes) if value > 0]
    r = width * 0.3
    cx, cy = width / 2.0, 44 + r
    height = int(cy + r + 24 + 18 * len(shown))
    svg = _Svg(width, height)
    svg.add("text", _clip(title, 70), x=cx, y=22, text_anchor="middle", font_size=14)
    total = float(sum(v for _, v in shown))
    angle = 0.0
    for i, (label, value) in enumerate(shown):
        colour = _PALETTE[i % len(_PALETTE)]
        sweep = 2 * math.pi * value / total
        if sweep >= 2 * math.pi - 1e-9:
            svg.add("circle", cx=cx, cy=cy, r=r, fill=colour)
        else:
            x1, y1 = cx + r * math.cos(angle), cy - r * math.sin(angle)
            x2, y2 = cx + r * math.cos(angle + sweep), cy - r * math.sin(angle + sweep)
            path = "M %.2f %.2f L %.2f %.2f A %.2f %.2f 0 %d 0 %.2f %.2f Z" % (
                cx, cy, x1, y1, r, r, 1 if sweep > math.pi else 0, x2, y2)
            svg.add("path", d=path, fill=colour, stroke="#ffffff")
        y = cy + r + 24 + 18 * i
        svg.add("rect", x=20, y=y - 10, width=12, height=12, fill=colour)
        svg.add("text", "%s (%.1f%%)" % (_clip(label), 100.0 * value / total), x=38, y=y)
        angle += sweep
    return svg.render(title)


def svg_lifetime(times, counts, classname, width=640, height=480):
    """The lifetime chart (live instances over time) as an SVG document."""
    svg = _Svg(width, height)
    title = "%s instances" % classname
    ax = _Axes(svg, times, counts, title, "Execution time [s]", "Instance #")
    for x, y in zip(times, counts):
        svg.add("circle", cx="%.1f" % ax.px(x), cy="%.1f" % ax.py(y), r=3,
                fill=_PALETTE[0])
    ax.frame()
    return svg.render(title)


# ---------------------------------------------------------------------------
# matplotlib renderer (figures made without pyplot).

def _figure(figsize):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def mpl_timespace(data, filename):
    times, totals, tracked, areas = data
    fig = _figure((10, 4))
    axis = fig.add_subplot(111)
    axis.set_title("Snapshot Memory")
    axis.set_xlabel("Execution Time [s]")
    axis.set_ylabel("Virtual Memory [MiB]")
    measured = [(x, y) for x, y in zip(times, totals) if y is not None]
    handles = axis.plot([x for x, _ in measured], [y for _, y in measured], "r--")
    handles += axis.plot(times, tracked, "b--")
    labels = ["Total", "Tracked total"]
    base = [0.0] * len(times)
    for name, tops in areas:
        handles.append(axis.fill_between(times, base, tops, alpha=0.6))
        labels.append(name)
        base = tops
    # explicit labels: matplotlib drops automatic ones starting with '_'
    # (every class of __main__)
    axis.legend(handles, labels, loc=2)
    fig.savefig(filename)


def mpl_pie(labels, sizes, title, filename):
    fig = _figure((8, 8))
    axis = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    axis.set_title(title)
    axis.pie(sizes, labels=labels)
    fig.savefig(filename, dpi=50)


def mpl_lifetime(times, counts, classname, filename):
    fig = _figure((6.4, 4.8))
    axis = fig.add_subplot(111)
    axis.set_xlabel("Execution time [s]")
    axis.set_ylabel("Instance #")
    axis.set_title("%s instances" % classname)
    axis.plot(times, counts, "o")
    fig.savefig(filename)


# ---------------------------------------------------------------------------
# Public API.

def tracker_timespace(filename, stats):
    """Annotate all snapshots of the ``Stats`` object *stats* and write the
    time-space chart "Snapshot Memory" to *filename*: the total and tracked
    total as dashed lines (MiB over execution time) and a stacked area per
    tracked class whose share ever exceeds 3 %.

    A name ending in ``.svg`` gets this package's own SVG (no dependency);
    any other name is rendered by matplotlib.  Without matplotlib, a non-SVG
    name writes nothing (as Pympler 1.1) and warns, naming the ``.svg``
    alternative.
    """
    data = timespace_data(stats)
    if _is_svg(filename):
        _write_text(filename, svg_timespace(data))
    elif have_matplotlib():
        mpl_timespace(data, filename)
    else:
        warnings.warn("pympler.charts: matplotlib is not installed, %r was not "
                      "written; a file name ending in '.svg' gets pympler's own "
                      "SVG chart" % (filename,), RuntimeWarning, stacklevel=2)
