"""Draws docs/governance/data-flow.png, the data-flow diagram of the DPIA.

Run from the repository root after changing how data moves:

    .venv/bin/python scripts/data_flow.py

The picture is code so that it changes in the same commit as what it shows.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

OUT = Path(__file__).resolve().parents[1] / "docs" / "governance" / "data-flow.png"

PEOPLE = "#fdf1d6"
PLATFORM = "#dbe9f7"
BOT = "#e3f2e1"
STORE = "#f3e1f0"
SECRET = "#fbe0e0"


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    title: str
    body: str
    colour: str

    def left(self) -> tuple[float, float]:
        return (self.x, self.y + self.h / 2)

    def right(self) -> tuple[float, float]:
        return (self.x + self.w, self.y + self.h / 2)

    def top(self, shift: float = 0) -> tuple[float, float]:
        return (self.x + self.w / 2 + shift, self.y + self.h)

    def bottom(self, shift: float = 0) -> tuple[float, float]:
        return (self.x + self.w / 2 + shift, self.y)


MEMBERS = Box(
    0.3, 6.2, 2.6, 1.5, "Members", "commands, forms,\nreflections, votes,\nchannel messages", PEOPLE
)
FACILITATORS = Box(
    0.3,
    3.9,
    2.6,
    1.6,
    "Facilitators\nand admins",
    "forums, sessions,\npolls, reports,\naudit log",
    PEOPLE,
)
PLATFORM_BOX = Box(
    4.0,
    3.6,
    3.0,
    4.4,
    "Slack or Microsoft Teams",
    "the organisation's own\nworkspace or tenant:\nholds every message\nposted, as for any\n"
    "other app\n\nTeams files: the\nmember's OneDrive,\nafter they accept",
    PLATFORM,
)
WEB = Box(
    8.3,
    6.0,
    3.0,
    2.0,
    "Web process (serve)",
    "checks Slack signatures\nand Teams tokens; answers;\n"
    "counts messages, then\ndiscards their text",
    BOT,
)
CLOCK = Box(
    8.3,
    3.6,
    3.0,
    1.7,
    "Clock process (scheduler)",
    "plans and sends due\nposts through the outbox;\none elected at a time",
    BOT,
)
DATABASE = Box(
    12.6,
    4.6,
    3.2,
    2.6,
    "Database",
    "SQLite file or PostgreSQL\nids, counts, RSVPs, votes\n\n"
    "sealed (AES-GCM): all\ntext people wrote",
    STORE,
)
KEY = Box(
    12.6,
    7.6,
    3.2,
    1.3,
    "Data key (CCPL_DATA_KEY)",
    "environment or secret store;\nnever in the database",
    SECRET,
)
BACKUPS = Box(12.6, 2.3, 3.2, 1.5, "Backups", "text stays sealed;\nuseless without the key", STORE)
LOGS = Box(
    8.3,
    1.2,
    3.0,
    1.6,
    "Logs",
    "route, command name,\noutcome, timings;\nnever text or SQL values",
    STORE,
)
BOXES = (MEMBERS, FACILITATORS, PLATFORM_BOX, WEB, CLOCK, DATABASE, KEY, BACKUPS, LOGS)


def _draw_box(figure: Figure, box: Box) -> None:
    ax = figure.axes[0]
    ax.add_patch(
        FancyBboxPatch(
            (box.x, box.y),
            box.w,
            box.h,
            boxstyle="round,pad=0.02,rounding_size=0.15",
            facecolor=box.colour,
            edgecolor="#444444",
            linewidth=1.2,
        )
    )
    ax.text(
        box.x + box.w / 2,
        box.y + box.h - 0.15,
        box.title,
        ha="center",
        va="top",
        fontsize=10.5,
        fontweight="bold",
    )
    title_lines = box.title.count("\n") + 1
    ax.text(
        box.x + box.w / 2,
        box.y + box.h - 0.25 - 0.3 * title_lines,
        box.body,
        ha="center",
        va="top",
        fontsize=8.5,
        linespacing=1.25,
    )


def _arrow(
    figure: Figure,
    start: tuple[float, float],
    end: tuple[float, float],
    label: str,
    *,
    both: bool = False,
    offset: tuple[float, float] = (0, 0.12),
) -> None:
    ax = figure.axes[0]
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="<|-|>" if both else "-|>",
            mutation_scale=13,
            linewidth=1.3,
            color="#2b4a6f",
        )
    )
    mid = ((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1])
    ax.text(
        mid[0],
        mid[1],
        label,
        ha="center",
        va="bottom",
        fontsize=7.8,
        color="#1d3553",
        linespacing=1.2,
    )


def _boundaries(figure: Figure) -> None:
    ax = figure.axes[0]
    for x, y, w, h, label in (
        (3.8, 3.3, 3.4, 5.0, "chat platform (the organisation's contract with Slack or Microsoft)"),
        (8.0, 0.9, 8.1, 8.3, "hosting (the organisation's, or a supplier's under contract)"),
    ):
        ax.add_patch(
            FancyBboxPatch(
                (x, y),
                w,
                h,
                boxstyle="round,pad=0.05",
                fill=False,
                linestyle="--",
                edgecolor="#888888",
            )
        )
        ax.text(x + 0.1, y + h + 0.08, label, fontsize=8, color="#555555", style="italic")


def draw() -> Figure:
    """The whole diagram on one Agg canvas (no pyplot: nothing global, nothing shown)."""
    figure = Figure(figsize=(16.5, 9.4), dpi=110)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0.01, 0.01, 0.98, 0.93))
    ax.set_xlim(0, 16.2)
    ax.set_ylim(0.4, 9.6)
    ax.axis("off")
    figure.suptitle("ccpl-bot: how data flows", fontsize=15, fontweight="bold", y=0.985)
    _boundaries(figure)
    for box in BOXES:
        _draw_box(figure, box)
    _arrow(figure, MEMBERS.right(), (PLATFORM_BOX.x, 6.95), "type, press,\nread replies", both=True)
    _arrow(
        figure,
        FACILITATORS.right(),
        (PLATFORM_BOX.x, 4.7),
        "set up, read\nreports by DM",
        both=True,
    )
    _arrow(
        figure,
        (PLATFORM_BOX.x + PLATFORM_BOX.w, 7.3),
        (WEB.x, 7.3),
        "HTTPS: commands, forms,\nchannel events",
        offset=(0.25, 0.12),
    )
    _arrow(
        figure,
        (WEB.x, 6.45),
        (PLATFORM_BOX.x + PLATFORM_BOX.w, 6.45),
        "HTTPS: replies, exports\n(PDF, CSV) by DM",
        offset=(0.25, -0.62),
    )
    _arrow(
        figure,
        (CLOCK.x, 4.45),
        (PLATFORM_BOX.x + PLATFORM_BOX.w, 4.45),
        "HTTPS: scheduled posts,\nreminders, check-ins, digests",
        offset=(0.3, 0.12),
    )
    _arrow(figure, (WEB.x + WEB.w, 6.7), (DATABASE.x, 6.7), "ids, counts,\nsealed text", both=True)
    _arrow(figure, CLOCK.right(), (DATABASE.x, 5.0), "schedules,\noutbox", both=True)
    _arrow(figure, KEY.left(), (WEB.x + WEB.w, 7.75), "key at start-up", offset=(0, 0.05))
    _arrow(figure, DATABASE.bottom(), BACKUPS.top(), "copies", offset=(0.45, -0.1))
    _arrow(
        figure,
        CLOCK.bottom(),
        LOGS.top(),
        "both processes:\nno text, no SQL values",
        offset=(1.0, -0.25),
    )
    return figure


def main() -> int:
    figure = draw()
    figure.savefig(OUT, format="png", facecolor="white")
    print(OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
