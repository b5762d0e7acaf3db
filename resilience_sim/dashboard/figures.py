"""The dashboard's figures as SVG text, drawn from a :class:`~.session.Snapshot`.

Plain SVG keeps a frame to a few milliseconds (the page redraws many times a second)
and needs nothing from outside the machine.

* the performance curve so far against the baseline's whole curve;
* the organisation as a network: manager desks as a tree by level (size: decisions
  waiting), each service under its head (colour: load, expected demand over present
  capacity), arcs for agents redeployed today (width: agents), dashed lines for
  twinned services, a line between the executives of partner institutions;
* the decisions waiting by level today, against the baseline on the same day.
"""

from __future__ import annotations

from html import escape

import numpy as np

from ..kernels.record import QUEUE_LEVELS, column_index
from .labels import TEXT
from .session import Snapshot

BLUE, GREY, RED, INK = "#1f5fa8", "#9a9a9a", "#c0392b", "#34495e"


def _svg(width: int, height: int, body: list[str], title: str, name: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="rs-{name}" viewBox="0 0 {width} {height}" '
            f'width="100%" style="max-width:{width}px;font-family:sans-serif">'
            f'<text x="{width / 2}" y="16" font-size="13" text-anchor="middle">{escape(title)}</text>'
            + "".join(body) + "</svg>")


def _points(x: np.ndarray, y: np.ndarray) -> str:
    return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True))


def performance(s: Snapshot, lang: str) -> str:
    """P(t) so far (blue) and the baseline's P(t) (grey), the shock's onset marked."""
    t = TEXT[lang]
    w, h, left, top, bottom = 720, 260, 40, 28, 30
    def px(d):
        return left + (w - left - 10) * np.asarray(d, float) / max(s.days - 1, 1)

    def py(p):
        return top + (h - top - bottom) * (1.0 - np.clip(np.nan_to_num(np.asarray(p, float)), 0, 1.05) / 1.05)

    body = [f'<line x1="{left}" y1="{py(0)}" x2="{w - 10}" y2="{py(0)}" stroke="#888"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{py(0)}" stroke="#888"/>']
    for v in (0.0, 0.5, 1.0):
        body.append(f'<text x="{left - 4}" y="{py(v) + 4:.1f}" font-size="10" text-anchor="end">{v:g}</text>')
    for d in range(0, s.days, max(30, (s.days // 6) // 30 * 30)):
        body.append(f'<text x="{px(d):.1f}" y="{h - 12}" font-size="10" text-anchor="middle">{d}</text>')
    if s.onset is not None:
        body.append(f'<line x1="{px(s.onset):.1f}" y1="{top}" x2="{px(s.onset):.1f}" y2="{py(0)}" '
                    f'stroke="{RED}" stroke-dasharray="3,3"/>')
    body.append(f'<polyline class="rs-baseline" fill="none" stroke="{GREY}" stroke-width="1.5" '
                f'points="{_points(px(np.arange(len(s.baseline))), py(s.baseline))}"/>')
    body.append(f'<polyline class="rs-current" fill="none" stroke="{BLUE}" stroke-width="2.2" '
                f'points="{_points(px(np.arange(s.day)), py(s.performance))}"/>')
    body.append(f'<text x="{w - 14}" y="{h - 40}" font-size="11" text-anchor="end" fill="{GREY}">'
                f'{escape(t["baseline"])}</text><text x="{w - 14}" y="{h - 54}" font-size="11" '
                f'text-anchor="end" fill="{BLUE}">{escape(t["current"])}</text>')
    return _svg(w, h, body, t["performance"], "performance")


def tree_x(parent: np.ndarray) -> np.ndarray:
    """The x of each manager desk: leaves spread in depth-first order, a parent over its children."""
    children: dict[int, list[int]] = {}
    for m, p in enumerate(parent):
        children.setdefault(int(p), []).append(m)
    x = np.zeros(len(parent))
    leaf = 0.0
    for root in children.get(-1, []):
        order, stack = [], [root]
        while stack:  # depth first, children in order
            m = stack.pop()
            order.append(m)
            stack.extend(reversed(children.get(m, [])))
        for m in order:
            if m not in children:
                x[m] = leaf
                leaf += 1.0
        for m in reversed(order):
            if m in children:
                x[m] = float(np.mean(x[children[m]]))
        leaf += 1.0
    return x


def _colour(load: float) -> str:
    """Green (idle) → yellow (full) → red (twice the capacity)."""
    u = float(np.clip(load / 2.0, 0, 1))
    r, g = (int(510 * u), 200) if u < 0.5 else (230, int(200 * (2 - 2 * u)))
    return f"rgb({min(r, 230)},{g},60)"


def network(s: Snapshot, lang: str) -> str:
    """The organisation: desks by level, services under their heads, today's redeployments."""
    w, h = 720, 330
    mx = tree_x(s.manager_parent)
    span = max(mx.max(), 1.0)
    depth = int(s.manager_level.max()) + 2

    def X(v):
        return 20 + (w - 40) * np.asarray(v, float) / span

    def Y(level):
        return 40 + (h - 80) * np.asarray(level, float) / depth

    mxp, myp = X(mx), Y(s.manager_level)
    body = []
    for m, p in enumerate(s.manager_parent):
        if p >= 0:
            body.append(f'<line x1="{mxp[m]:.1f}" y1="{myp[m]:.1f}" x2="{mxp[p]:.1f}" y2="{myp[p]:.1f}" '
                        'stroke="#d0d0d0" stroke-width="0.7"/>')
    roots = np.flatnonzero(s.manager_parent < 0)
    for a, b in zip(roots[:-1], roots[1:], strict=True):
        body.append(f'<line class="rs-partnership" x1="{mxp[a]:.1f}" y1="{myp[a]:.1f}" x2="{mxp[b]:.1f}" '
                    f'y2="{myp[b]:.1f}" stroke="#7d3c98" stroke-dasharray="6,3"/>')
    sx = mxp[s.head] + 6.0 * (np.arange(len(s.head)) % 3 - 1)
    sy = np.full(len(s.head), float(Y(depth - 0.5)))
    for a, head in enumerate(s.head):
        body.append(f'<line x1="{sx[a]:.1f}" y1="{sy[a]:.1f}" x2="{mxp[head]:.1f}" y2="{myp[head]:.1f}" '
                    'stroke="#ececec"/>')
    fam = s.family
    for a in range(len(fam)):
        for b in range(a + 1, len(fam)):
            if fam[a] != fam[b] and s.twin[fam[a], fam[b]]:
                body.append(f'<path class="rs-twinning" d="M{sx[a]:.1f},{sy[a] + 10:.1f} Q{(sx[a] + sx[b]) / 2:.1f},'
                            f'{sy[a] + 45:.1f} {sx[b]:.1f},{sy[b] + 10:.1f}" fill="none" stroke="#16a085" '
                            'stroke-dasharray="4,3"/>')
    body += _redeployments(s, sx, sy)
    queue = s.manager_queue.astype(float)
    radius = 2.0 + 9.0 * np.sqrt(queue / max(queue.max(), 1.0))
    for m in range(len(mx)):
        body.append(f'<circle class="rs-desk" cx="{mxp[m]:.1f}" cy="{myp[m]:.1f}" r="{radius[m]:.1f}" fill="{INK}">'
                    f'<title>{int(queue[m])}</title></circle>')
    for a, name in enumerate(s.service_names):
        body.append(f'<circle class="rs-service" data-load="{s.load[a]:.3f}" cx="{sx[a]:.1f}" cy="{sy[a]:.1f}" '
                    f'r="7" fill="{_colour(s.load[a])}" stroke="#333" stroke-width="0.5">'
                    f'<title>{escape(name)}: {s.load[a]:.2f}×</title></circle>')
    return _svg(w, h, body, TEXT[lang]["network"], "network")


def _redeployments(s: Snapshot, sx: np.ndarray, sy: np.ndarray) -> list[str]:
    moved = s.home != s.assigned
    if not moved.any():
        return []
    n = len(s.service_names)
    pairs = np.bincount(s.home[moved] * n + s.assigned[moved], minlength=n * n)
    out = []
    for k in np.flatnonzero(pairs):
        a, b = divmod(int(k), n)
        width = 0.8 + 3.5 * np.sqrt(pairs[k] / pairs.max())
        out.append(f'<path class="rs-move" d="M{sx[a]:.1f},{sy[a]:.1f} Q{(sx[a] + sx[b]) / 2:.1f},{sy[a] - 60:.1f} '
                   f'{sx[b]:.1f},{sy[b]:.1f}" fill="none" stroke="{BLUE}" stroke-opacity="0.7" '
                   f'stroke-width="{width:.1f}"><title>{int(pairs[k])}</title></path>')
    return out


def queues(s: Snapshot, lang: str) -> str:
    """Decisions waiting at each level today, with the baseline's on the same day."""
    t = TEXT[lang]
    cols = [column_index()[f"queue_l{lv}"] for lv in range(QUEUE_LEVELS - 1)]
    now = np.nan_to_num(s.table[-1, cols]) if s.day else np.zeros(len(cols))
    base = np.nan_to_num(s.base_table[s.day - 1, cols]) if s.day else np.zeros(len(cols))
    w, h, left = 360, 200, 110
    top = max(float(now.max()), float(base.max()), 1.0)
    body = []
    for k in range(len(cols)):
        y = 30 + 32 * k
        label = escape(t["levels"][k])
        body.append(f'<text x="{left - 6}" y="{y + 12}" font-size="11" text-anchor="end">{label}</text>')
        body.append(f'<rect x="{left}" y="{y}" width="{(w - left - 40) * base[k] / top:.1f}" height="9" '
                    f'fill="{GREY}"/>')
        body.append(f'<rect class="rs-queue" x="{left}" y="{y + 11}" width="{(w - left - 40) * now[k] / top:.1f}" '
                    f'height="9" fill="{BLUE}"/>')
        body.append(f'<text x="{left + (w - left - 40) * now[k] / top + 4:.1f}" y="{y + 19}" font-size="10">'
                    f'{int(now[k])}</text>')
    return _svg(w, h, body, t["queues"], "queues")
