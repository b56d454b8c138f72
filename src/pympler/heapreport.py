"""A heap snapshot as one self-contained HTML page: what keeps memory alive.

``render_html(snap)`` returns, and ``write_html(snap, path)`` writes, a page
for a :class:`pympler.retained.Snapshot` (held, released, or loaded from a
file by ``retained.load``)::

    from pympler import heapreport, retained
    with retained.snapshot() as snap:
        heapreport.write_html(snap, "heap.html", top=50)

The page has the totals and the snapshot's meta data, a treemap of retained
size by module and by type within each module, sortable tables (the biggest
retainers, per type, per module) and the retention path of each of the top
objects.  It needs no network: the styles, the script (to sort the tables)
and the treemap (SVG) are inline, and a Content-Security-Policy allows
nothing else.  Every string from the heap (type, module and key names, meta
data) is escaped.

Documentation: docs/usage.md in pympler's source repository.
"""
import base64
import datetime
import hashlib
import html
import os
import shlex

from pympler import retained
from pympler.util.stringutils import pp

__all__ = ["render_html", "write_html"]

#: rows of the per-type and per-module tables at most (a note says when
#: the table is cut)
MAX_TYPES = 500
MAX_MODULES = 200
#: steps of a retention path shown in full; longer paths show the first and
#: last few with the count of the steps left out between them
MAX_PATH_STEPS = 40
_PATH_ENDS = 15

# the treemap: a viewBox of this size, scaled to the page's width
_TM_W = 1200.0
_TM_H = 600.0
_TM_MODULES = 40          # modules drawn at most (the rest: one rectangle)
_TM_TYPES = 60            # types drawn per module at most
_TM_MIN_AREA = 150.0      # a type rectangle smaller than this joins "more types"
_TM_HEAD = 16.0           # height of a module's name band

_PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
            "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#8cd17d",
            "#86bcb6", "#d4a6c8")
_OTHER_COLOUR = "#bab0ac"

_STYLE = """
:root{--fg:#1d232b;--muted:#5b6570;--line:#d9dee4;--bg:#fff;--head:#f3f5f7;--acc:#2f6db5}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
 font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1240px;margin:0 auto;padding:18px 20px 40px}
h1{font-size:24px;margin:0 0 4px;overflow-wrap:anywhere}
h2{font-size:18px;margin:30px 0 8px;padding-bottom:4px;border-bottom:2px solid var(--line)}
a{color:var(--acc);text-decoration:none}a:hover{text-decoration:underline}
.totals{display:flex;gap:28px;flex-wrap:wrap;margin:10px 0 12px}
.totals div{background:var(--head);border-radius:6px;padding:8px 14px}
.totals b{display:block;font-size:22px}
.totals span{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0;font-size:13px}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;overflow-wrap:anywhere}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
nav{margin:14px 0 0;font-size:13px}nav a{margin-right:14px}
.note{color:var(--muted);font-size:12.5px;margin:6px 0}
svg.treemap{display:block;width:100%;height:auto;border:1px solid var(--line);border-radius:4px;
 background:#fafbfc}
svg.treemap text{font-size:11px;fill:#1d232b;pointer-events:none}
svg.treemap text.m{font-weight:600;font-size:12px}
svg.treemap text.s{fill:#3d4650;font-size:10px}
svg.treemap rect{stroke:#fff;stroke-width:1}
svg.treemap g.t:hover rect{stroke:#1d232b;stroke-width:2}
table{border-collapse:collapse;width:100%;font-size:13px}
thead th{position:sticky;top:0;background:var(--head);z-index:1;text-align:left;
 border-bottom:2px solid var(--line);padding:0;white-space:nowrap}
th button{all:unset;cursor:pointer;display:block;width:100%;box-sizing:border-box;
 padding:6px 8px;font-weight:600}
th button:focus-visible{outline:2px solid var(--acc)}
th button::after{content:"\\2195";color:#aab2bb;margin-left:4px;font-weight:400}
th[aria-sort=ascending] button::after{content:"\\25B2";color:var(--acc)}
th[aria-sort=descending] button::after{content:"\\25BC";color:var(--acc)}
th.num,td.num{text-align:right}th.num button{text-align:right}
td{padding:4px 8px;border-bottom:1px solid #edf0f3;vertical-align:top}
td.name{overflow-wrap:anywhere;max-width:520px}
tbody tr:hover{background:#f6f9fc}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
meter{width:64px;height:8px;vertical-align:middle;margin-right:4px}
meter::-webkit-meter-bar{background:#e6eaee;border:0;border-radius:2px;height:8px}
meter::-webkit-meter-optimum-value{background:#6f93c4;border-radius:2px}
meter::-moz-meter-bar{background:#6f93c4}
.scroll{max-height:640px;overflow:auto;border:1px solid var(--line);border-radius:4px}
details{border:1px solid var(--line);border-radius:4px;margin:6px 0;background:#fff}
details[open]{background:#fbfcfd}
summary{cursor:pointer;padding:6px 10px;overflow-wrap:anywhere}
summary .sz{font-weight:600;margin-right:8px}
summary .via{color:var(--muted);font-size:12.5px;margin-left:6px}
ol.path{margin:0;padding:4px 12px 10px 38px;font-size:13px}
ol.path li{padding:2px 0;overflow-wrap:anywhere}
ol.path .lbl{color:#7a3e9d;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
 font-size:12.5px;margin-right:6px}
ol.path .lbl.none{color:var(--muted);font-style:italic}
ol.path .sz{color:var(--muted);margin-left:6px}
ol.path li.gap{color:var(--muted);font-style:italic;list-style:none}
footer{margin-top:34px;color:var(--muted);font-size:12px}
"""

_SCRIPT = """
(function () {
  "use strict";
  function key(row, col, num) {
    var cell = row.cells[col];
    var v = cell.getAttribute("data-v");
    if (v === null) { v = cell.textContent; }
    return num ? Number(v) : v.toLowerCase();
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead.rows[0].cells;
    var body = table.tBodies[0];
    var order = Array.prototype.slice.call(body.rows);
    order.forEach(function (row, i) { row.setAttribute("data-i", i); });
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var num = th.getAttribute("data-type") === "num";
        var now = th.getAttribute("aria-sort");
        var dir = now === "descending" ? "ascending" :
                  now === "ascending" ? "descending" : (num ? "descending" : "ascending");
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir);
        var sign = dir === "ascending" ? 1 : -1;
        var rows = Array.prototype.slice.call(body.rows).map(function (row) {
          return [key(row, col, num), Number(row.getAttribute("data-i")), row];
        });
        rows.sort(function (a, b) {
          if (a[0] < b[0]) { return -sign; }
          if (a[0] > b[0]) { return sign; }
          return a[1] - b[1];
        });
        rows.forEach(function (r) { body.appendChild(r[2]); });
      });
    });
  });
})();
"""


def _csp_hash(text):
    return "'sha256-%s'" % base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


_CSP = ("default-src 'none'; script-src %s; style-src %s; img-src 'none'; base-uri 'none'; "
        "form-action 'none'" % (_csp_hash(_SCRIPT), _csp_hash(_STYLE)))


def _e(value):
    """``value`` as text safe in HTML content and in quoted attributes."""
    return html.escape(value if isinstance(value, str) else str(value), quote=True)


def _size(n):
    return " ".join(pp(n).split())


def _pct(part, whole):
    return (100.0 * part / whole) if whole else 0.0


def _short(name, module):
    """A type's name without its module prefix."""
    if module and module != "builtins" and name.startswith(module + "."):
        return name[len(module) + 1:]
    return name


# -- treemap


def _worst(row, side):
    s = sum(row)
    big, small = max(row), min(row)
    side2, s2 = side * side, s * s
    return max(side2 * big / s2, s2 / (side2 * small))


def _squarify(values, x, y, w, h):
    """Rectangles ``(x, y, w, h)`` filling the box, one per value (positive,
    largest first), in the same order: the squarified layout of Bruls,
    Huizing and van Wijk."""
    total = float(sum(values))
    if total <= 0 or w <= 0 or h <= 0:
        return [(x, y, 0.0, 0.0)] * len(values)
    scale = w * h / total
    areas = [v * scale for v in values]
    out = []
    i, n = 0, len(areas)
    while i < n:
        side = min(w, h)
        row = [areas[i]]
        worst = _worst(row, side)
        j = i + 1
        while j < n:
            cand = row + [areas[j]]
            cw = _worst(cand, side)
            if cw > worst:
                break
            row, worst = cand, cw
            j += 1
        s = sum(row)
        if w >= h:          # a column at the left
            cw = min(s / h, w)
            yy = y
            for a in row:
                rh = a / cw if cw else 0.0
                out.append((x, yy, cw, rh))
                yy += rh
            x, w = x + cw, max(w - cw, 0.0)
        else:               # a row at the top
            rh = min(s / w, h)
            xx = x
            for a in row:
                rw = a / rh if rh else 0.0
                out.append((xx, y, rw, rh))
                xx += rw
            y, h = y + rh, max(h - rh, 0.0)
        i = j
    return out


def _mix(colour, white):
    """``colour`` (``#rrggbb``) blended with white by ``white`` (0..1)."""
    rgb = [int(colour[k:k + 2], 16) for k in (1, 3, 5)]
    return "#%02x%02x%02x" % tuple(int(round(c + (255 - c) * white)) for c in rgb)


def _fit(text, width, px=6.2):
    """``text`` cut (with an ellipsis) to ``width`` pixels, or '' if not even
    three characters fit."""
    room = int((width - 6) / px)
    if room >= len(text):
        return text
    if room < 4:
        return ""
    return text[:room - 1] + "\u2026"


def _label(out, x, y, w, h, text, sub=None, cls=None):
    """Text lines at the top left of a rectangle, where they fit."""
    if h < 14 or w < 24:
        return
    line = _fit(text, w, 7.9 if cls == "m" else 6.6)
    if not line:
        return
    out.append('<text x="%.1f" y="%.1f"%s>%s</text>'
               % (x + 4, y + 12.5, ' class="%s"' % cls if cls else "", _e(line)))
    if sub and h >= 28:
        line = _fit(sub, w, 6.0)
        if line:
            out.append('<text class="s" x="%.1f" y="%.1f">%s</text>' % (x + 4, y + 25, _e(line)))


def _rect(out, x, y, w, h, fill):
    out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
               % (x, y, max(w, 0.0), max(h, 0.0), fill))


def _treemap(modules, types_by_module, total, ntable):
    """The SVG treemap and the number of (module, type) rectangles drawn.
    ``types_by_module``: module -> ``[(k, TypeRow)]``, k the row's index in
    ``by_type()``; rows below ``ntable`` are in the type table."""
    out = ['<svg class="treemap" id="treemap" viewBox="0 0 %d %d" role="img" '
           'aria-label="treemap of retained size by module and type">' % (_TM_W, _TM_H)]
    mods = [m for m in modules if m.retained > 0]
    shown, rest = mods[:_TM_MODULES], mods[_TM_MODULES:]
    values = [m.retained for m in shown]
    if rest:
        values.append(sum(m.retained for m in rest))
    boxes = _squarify(values, 0.0, 0.0, _TM_W, _TM_H)
    ntypes = 0
    for k, m in enumerate(shown):
        x, y, w, h = boxes[k]
        colour = _PALETTE[k % len(_PALETTE)]
        tip = "module %s\n%d objects\nflat %s\nretained %s (%.1f%% of the heap)" % (
            m.module, m.count, _size(m.flat), _size(m.retained), _pct(m.retained, total))
        out.append('<g class="m" data-module="%s"><title>%s</title>' % (_e(m.module), _e(tip)))
        _rect(out, x, y, w, h, _mix(colour, 0.15))
        head = _TM_HEAD if (h > 3 * _TM_HEAD and w > 40) else 0.0
        if head:
            _label(out, x, y, w, head, "%s  %s" % (m.module, _size(m.retained)), cls="m")
        out.append("</g>")
        ix, iy, iw, ih = x + 1.5, y + head + (0.0 if head else 1.5), w - 3.0, h - head - 3.0
        if iw <= 2 or ih <= 2:
            continue
        trows = [kt for kt in types_by_module.get(m.module, ()) if kt[1].retained > 0]
        area = iw * ih
        tsum = float(sum(t.retained for _, t in trows)) or 1.0
        drawn = []
        for kt in trows[:_TM_TYPES]:
            if area * kt[1].retained / tsum < _TM_MIN_AREA:
                break
            drawn.append(kt)
        others = trows[len(drawn):]
        tvalues = [t.retained for _, t in drawn]
        if others:
            tvalues.append(sum(t.retained for _, t in others))
        tboxes = _squarify(tvalues, ix, iy, iw, ih)
        for j, (row, t) in enumerate(drawn):
            tx, ty, tw, th = tboxes[j]
            name = _short(t.type, m.module)
            tip = "%s\nmodule %s\n%d objects\nflat %s\nretained %s" % (
                t.type, m.module, t.count, _size(t.flat), _size(t.retained))
            anchor = "type-%d" % row if row < ntable else None
            out.append('<g class="t" data-row="%d" data-module="%s" data-type="%s" '
                       'data-count="%d" data-flat="%d" data-retained="%d">' % (
                           row, _e(m.module), _e(t.type), t.count, t.flat, t.retained))
            if anchor:
                out.append('<a href="#%s">' % anchor)
            out.append("<title>%s</title>" % _e(tip))
            _rect(out, tx, ty, tw, th, _mix(colour, 0.35 + 0.4 * (j % 4) / 3.0))
            _label(out, tx, ty, tw, th, name, _size(t.retained))
            out.append("</a></g>" if anchor else "</g>")
            ntypes += 1
        if others:
            tx, ty, tw, th = tboxes[-1]
            tip = "%d more types of module %s, each too small to draw" % (len(others), m.module)
            out.append('<g class="o"><title>%s</title>' % _e(tip))
            _rect(out, tx, ty, tw, th, _mix(colour, 0.85))
            _label(out, tx, ty, tw, th, "+%d types" % len(others))
            out.append("</g>")
    if rest:
        x, y, w, h = boxes[-1]
        tip = "%d more modules, retaining %s together" % (
            len(rest), _size(sum(m.retained for m in rest)))
        out.append('<g class="o"><title>%s</title>' % _e(tip))
        _rect(out, x, y, w, h, _OTHER_COLOUR)
        _label(out, x, y, w, h, "+%d modules" % len(rest), cls="m")
        out.append("</g>")
    out.append("</svg>")
    return "".join(out), ntypes


# -- tables


def _th(label, key, num=False, sort=None):
    return '<th%s data-key="%s"%s%s><button type="button">%s</button></th>' % (
        ' class="num"' if num else "", key, ' data-type="num"' if num else "",
        ' aria-sort="%s"' % sort if sort else "", _e(label))


def _num(v, text=None):
    return '<td class="num" data-v="%d">%s</td>' % (v, _e(text if text is not None else v))


def _share(v, total):
    p = _pct(v, total)
    return ('<td class="num" data-v="%d"><meter min="0" max="100" value="%.2f"></meter> '
            "%.1f%%</td>" % (v, p, p))


def _top_table(rows, total):
    out = ['<table class="sortable" id="top-table"><thead><tr>',
           _th("#", "rank", True), _th("retained", "retained", True, "descending"),
           _th("% of heap", "share", True), _th("flat", "flat", True),
           _th("type", "type"), _th("address", "address", True),
           "</tr></thead><tbody>"]
    for k, r in enumerate(rows):
        out.append("<tr>%s%s%s%s<td class=\"name\"><a href=\"#path-%d\">%s</a></td>"
                   '<td class="mono" data-v="%d">0x%x</td></tr>' % (
                       _num(k + 1), _num(r.retained, _size(r.retained)),
                       _share(r.retained, total), _num(r.flat, _size(r.flat)),
                       k + 1, _e(r.type), r.address, r.address))
    out.append("</tbody></table>")
    return "".join(out)


def _type_table(rows, total):
    out = ['<table class="sortable" id="type-table"><thead><tr>',
           _th("type", "type"), _th("module", "module"), _th("count", "count", True),
           _th("flat", "flat", True), _th("retained", "retained", True, "descending"),
           _th("% of heap", "share", True), "</tr></thead><tbody>"]
    for k, r in enumerate(rows):
        out.append('<tr id="type-%d"><td class="name">%s</td><td class="name">%s</td>%s%s%s%s'
                   "</tr>" % (k, _e(r.type), _e(r.module), _num(r.count),
            _num(r.flat, _size(r.flat)), _num(r.retained, _size(r.retained)),
            _share(r.retained, total)))
    out.append("</tbody></table>")
    return "".join(out)


def _module_table(rows, total):
    out = ['<table class="sortable" id="module-table"><thead><tr>',
           _th("module", "module"), _th("count", "count", True), _th("flat", "flat", True),
           _th("retained", "retained", True, "descending"), _th("% of heap", "share", True),
           "</tr></thead><tbody>"]
    for r in rows:
        out.append('<tr><td class="name">%s</td>%s%s%s%s</tr>' % (
            _e(r.module), _num(r.count), _num(r.flat, _size(r.flat)),
            _num(r.retained, _size(r.retained)), _share(r.retained, total)))
    out.append("</tbody></table>")
    return "".join(out)


# -- retention paths


def _steps(snap, r):
    """The retention path of ``r`` as ``[(Retainer, label), ...]``."""
    return [(s.retainer, s.label) for s in snap.retention_path(r)]


def _none_label(i):
    """What a step without a label shows: the first step is a root nothing
    refers to, the others a reference the snapshot has no name for."""
    return "(no referrer)" if i == 0 else "(referent)"


def _path_item(k, r, steps):
    via = " \u2192 ".join(_none_label(i) if lab is None else lab
                           for i, (_, lab) in enumerate(steps[:-1]))
    if len(via) > 160:
        via = via[:159] + "\u2026"
    out = ['<details id="path-%d"><summary><span class="sz">#%d %s</span>'
           '<code>%s at 0x%x</code> &middot; %d step%s%s</summary><ol class="path">' % (
               k, k, _e(_size(r.retained)), _e(r.type), r.address, len(steps),
               "" if len(steps) == 1 else "s",
               ' <span class="via">via %s</span>' % _e(via) if via else "")]
    shown = list(enumerate(steps))
    if len(steps) > MAX_PATH_STEPS:
        shown = shown[:_PATH_ENDS] + [None] + shown[-_PATH_ENDS:]
    for item in shown:
        if item is None:
            out.append('<li class="gap">&hellip; %d steps left out &hellip;</li>'
                       % (len(steps) - 2 * _PATH_ENDS))
            continue
        i, (ret, label) = item
        if label is None:
            lab = '<span class="lbl none">%s</span>' % _none_label(i)
        else:
            lab = '<span class="lbl">%s</span>' % _e(label)
        out.append('<li value="%d">%s<code>%s at 0x%x</code><span class="sz">%s</span></li>' % (
            i + 1, lab, _e(ret.type), ret.address, _e(_size(ret.retained))))
    out.append("</ol></details>")
    return "".join(out)


# -- the page


_META_ORDER = ("argv", "python", "platform", "time", "pid")
_META_NAMES = {"argv": "program", "time": "taken"}


def _meta_value(key, value):
    """One meta value as text (2000 characters at most)."""
    text = None
    if key == "argv" and isinstance(value, (list, tuple)):
        text = " ".join(shlex.quote(str(a)) for a in value)
    elif key == "time" and isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            text = datetime.datetime.fromtimestamp(value, datetime.timezone.utc).strftime(
                "%Y-%m-%d %H:%M:%S UTC")
        except (OverflowError, OSError, ValueError):
            pass
    if text is None:
        text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 2000 else text[:2000] + "\u2026"


def _meta_rows(meta, now, kind):
    out = ["<dt>snapshot</dt><dd>%s</dd>" % _e(kind)]
    keys = [k for k in _META_ORDER if k in meta]
    keys += sorted((k for k in meta if k not in _META_ORDER), key=str)
    for k in keys:
        out.append("<dt>%s</dt><dd>%s</dd>" % (_e(_META_NAMES.get(k, k)),
                                                _e(_meta_value(k, meta[k]))))
    out.append("<dt>report written</dt><dd>%s</dd>" % _e(now))
    return "".join(out)


def _check(snap, top, title):
    if not isinstance(snap, retained.Snapshot):
        raise TypeError("heapreport: snap must be a pympler.retained.Snapshot, not %s"
                        % (type(snap).__name__,))
    if isinstance(top, bool) or not isinstance(top, int):
        raise TypeError("heapreport: top must be an int, not %s" % (type(top).__name__,))
    if top < 0:
        raise ValueError("heapreport: top must be >= 0, not %d" % (top,))
    if title is not None and not isinstance(title, str):
        raise TypeError("heapreport: title must be a str or None, not %s"
                        % (type(title).__name__,))


def render_html(snap, top=50, title=None):
    """The report of ``snap`` (a :class:`pympler.retained.Snapshot`) as one
    self-contained HTML page (a str): totals and meta data, a treemap of
    retained size by module and type, sortable tables of the ``top``
    biggest retainers, of the types (500 at most) and modules (200 at
    most), and the retention path of each of the ``top`` objects."""
    _check(snap, top, title)
    from pympler import __version__

    total = snap.total
    meta = snap.meta
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = title if title is not None else "Heap report"
    kind = ("loaded from a file" if snap.loaded else
            "taken in this process, objects held" if snap.held else
            "taken in this process, objects released")
    tops = snap.top(top) if top else []
    types = snap.by_type()
    modules = snap.by_module()
    by_mod = {}
    for k, t in enumerate(types):
        by_mod.setdefault(t.module, []).append((k, t))
    svg, ntm = _treemap(modules, by_mod, total, MAX_TYPES)

    p = ['<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
         '<meta http-equiv="Content-Security-Policy" content="%s">' % _e(_CSP),
         '<meta name="viewport" content="width=device-width, initial-scale=1">',
         '<meta name="generator" content="pympler %s heapreport">' % _e(__version__),
         "<title>%s</title>" % _e(title),
         "<style>%s</style></head><body><main>" % _STYLE,
         "<h1>%s</h1>" % _e(title),
         '<div class="totals"><div><b>%s</b><span>objects</span></div>'
         '<div><b>%s</b><span>flat size of the heap</span></div>'
         '<div><b>%d</b><span>types</span></div><div><b>%d</b><span>modules</span></div></div>'
         % ("{:,}".format(snap.count), _e(_size(total)), len(types), len(modules)),
         '<dl class="meta" id="meta">%s</dl>' % _meta_rows(meta, now, kind),
         '<nav><a href="#s-treemap">treemap</a><a href="#s-top">top retainers</a>'
         '<a href="#s-types">by type</a><a href="#s-modules">by module</a>'
         '<a href="#s-paths">retention paths</a></nav>',
         '<h2 id="s-treemap">Retained size by module and type</h2>', svg,
         '<p class="note">Area is proportional to retained size (what freeing the objects '
         "would free). A type's retained size counts what its instances retain, once, and "
         "can include objects of other types and modules, so the types of a module need "
         "not add up to the module's retained size, nor the modules to the heap: each "
         "module's types are sized in proportion to each other within the module's "
         "rectangle, and the modules within the map. %d type rectangles; hover for the "
         "numbers, click a type for its row.</p>" % ntm]

    p.append('<h2 id="s-top">Top retainers</h2>')
    if tops:
        p.append('<p class="note">The %d objects with the largest retained sizes; click a '
                 "type for its retention path. Click a column header to sort.</p>" % len(tops))
        p.append('<div class="scroll">%s</div>' % _top_table(tops, total))
    else:
        p.append('<p class="note">No top objects asked for (top=0).</p>')

    p.append('<h2 id="s-types">By type</h2>')
    if len(types) > MAX_TYPES:
        p.append('<p class="note" id="types-cut">The %d types with the largest retained '
                 "sizes of %d.</p>" % (MAX_TYPES, len(types)))
    p.append('<div class="scroll">%s</div>' % _type_table(types[:MAX_TYPES], total))

    p.append('<h2 id="s-modules">By module</h2>')
    p.append('<p class="note">The module of an object is its type\'s <code>__module__</code>.'
             "</p>")
    if len(modules) > MAX_MODULES:
        p.append('<p class="note" id="modules-cut">The %d modules with the largest retained '
                 "sizes of %d.</p>" % (MAX_MODULES, len(modules)))
    p.append('<div class="scroll">%s</div>' % _module_table(modules[:MAX_MODULES], total))

    p.append('<h2 id="s-paths">Retention paths</h2>')
    if tops:
        p.append('<p class="note">How each top object is reached from a root (a module, a '
                 "thread's frame, or an object nothing refers to), one reference per step; "
                 "<i>(referent)</i> marks a reference the snapshot has no name for.</p>")
        for k, r in enumerate(tops):
            p.append(_path_item(k + 1, r, _steps(snap, r)))
    p.append("<footer>Written by pympler %s (heapreport). This page is self-contained: "
             "it loads nothing from the network.</footer>" % _e(__version__))
    p.append("</main><script>%s</script></body></html>\n" % _SCRIPT)
    doc = "".join(p)
    try:
        doc.encode("utf-8")
    except UnicodeEncodeError:          # lone surrogates in a name
        doc = doc.encode("utf-8", "backslashreplace").decode("utf-8")
    return doc


def write_html(snap, path, top=50, title=None):
    """Write :func:`render_html` of ``snap`` to the file ``path`` (UTF-8)."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError("heapreport: path must be a file name, not %s" % (type(path).__name__,))
    doc = render_html(snap, top=top, title=title)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(doc)
