"""The "who isn't in the room" bar chart, drawn as a PNG.

Drawn with matplotlib's object API on the Agg canvas: pyplot keeps global
figure state, which concurrent requests would trample. Call it through
`asyncio.to_thread`; drawing takes a few hundred milliseconds.
"""

from __future__ import annotations

import io
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass

# Okabe-Ito blue and orange: told apart with every common colour-vision
# deficiency and in greyscale; each bar also carries its number.
IN_CHANNEL = "#0072B2"
CONTRIBUTED = "#E69F00"
TEXT = "#222222"
MUTED = "#595959"  # 7:1 on white
BAR = 0.38

# Font caches and text layout in matplotlib are not safe across threads;
# charts are rare enough that drawing one at a time costs nothing.
_DRAWING = threading.Lock()


@dataclass(frozen=True, kw_only=True, slots=True)
class Bar:
    label: str
    members: int
    contributors: int


def render_chart(*, bars: Sequence[Bar], title: str, subtitle: str) -> bytes:
    """Two horizontal bars per profession, in the channel and contributed, as PNG bytes."""
    with _DRAWING:
        return _draw(bars=bars, title=title, subtitle=subtitle)


def _draw(*, bars: Sequence[Bar], title: str, subtitle: str) -> bytes:
    # Imported on first use: matplotlib adds a third of a second to every process's
    # start, and most processes never draw a chart.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    rows = max(len(bars), 1)
    figure = Figure(figsize=(9, 1.8 + 0.5 * rows), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    places = list(range(len(bars)))
    members = axes.barh(
        [p - BAR / 2 for p in places],
        [b.members for b in bars],
        height=BAR,
        color=IN_CHANNEL,
        label="In the channel",
    )
    heard = axes.barh(
        [p + BAR / 2 for p in places],
        [b.contributors for b in bars],
        height=BAR,
        color=CONTRIBUTED,
        label="Contributed",
    )
    # Words where a bare 0 would be easy to miss: the point of the chart is who is absent.
    axes.bar_label(
        members, [str(b.members) if b.members else "" for b in bars], padding=3, fontsize=9
    )
    axes.bar_label(
        heard,
        [
            "" if not b.members else f"{b.contributors}" if b.contributors else "0: not heard from"
            for b in bars
        ],
        padding=3,
        fontsize=9,
    )
    for place, bar in zip(places, bars, strict=True):
        if not bar.members:
            axes.text(
                0, place, "  not in the room", va="center", fontsize=9, color=MUTED, style="italic"
            )
    axes.set_yticks(places, [textwrap.fill(b.label, 30) for b in bars], fontsize=10, color=TEXT)
    axes.tick_params(axis="y", length=0)
    axes.margins(y=0.02)
    axes.invert_yaxis()  # pack order, top to bottom
    widest = max((b.members for b in bars), default=0)
    axes.set_xlim(0, max(widest * 1.12, widest + 1, 1))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("People", color=TEXT)
    axes.grid(axis="x", color="#dddddd", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.set_title(f"{title}\n{subtitle}", loc="left", fontsize=13, color=TEXT)
    figure.legend(loc="outside lower center", ncols=2, frameon=False, fontsize=10)
    out = io.BytesIO()
    figure.savefig(out, format="png", facecolor="white")
    return out.getvalue()
