"""`tip [topic]`: one top tip for collaboration, never repeated until all are seen."""

from __future__ import annotations

from collections.abc import Mapping

from content import Tip
from handlers.core.context import Context
from handlers.core.errors import NotFound
from handlers.core.model import Actor, Button, FieldValue, Reply, Section
from handlers.core.payloads import NONE
from handlers.core.registry import action, command
from handlers.core.text import typed
from handlers.library.citations import cite
from storage import TipCycle, show_tip

ANOTHER = "tip.another"


@command(
    name="tip",
    private=False,
    aliases=("tips",),
    usage="tip [topic]",
    summary="a top tip for collaboration; no repeats until you have seen them all",
    order=10,
)
async def tip(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """Pick an unseen tip (optionally on a topic), remember it, and show it."""
    tips = ctx.pack.tips
    topic = " ".join(args).strip().lower() or None
    candidates = list(tips if topic is None else ctx.pack.tips_about(topic=topic))
    if not candidates:
        topics = sorted({word for t in tips for word in t.topics})
        raise NotFound(
            f"No tip is about `{topic}` yet. Try one of: {', '.join(topics)}; "
            "or just `tip` for the next one."
        )

    def choose(cycle: TipCycle) -> tuple[str, int]:
        number = cycle.number
        pool = [t for t in candidates if t.id not in cycle.seen]
        if not pool and topic is None:
            # Every tip seen: start a fresh pass, but never open it with the
            # tip the person has just read.
            number += 1
            pool = [t for t in candidates if t.id != cycle.last_shown] or candidates
        elif not pool:
            # A topic asked for by name may repeat; prefer not the latest one.
            pool = [t for t in candidates if t.id != cycle.last_shown] or candidates
        return ctx.rng.choice(pool).id, number

    cycle, chosen_id, number = await show_tip(
        ctx.database,
        platform=actor.platform,
        workspace=actor.workspace,
        user=actor.user,
        now=ctx.clock(),
        choose=choose,
    )
    chosen = next(t for t in candidates if t.id == chosen_id)
    seen = len(cycle.seen | {chosen.id}) if number == cycle.number else 1
    # Only when nothing else fits: say so, rather than seem to ignore the topic.
    again = topic is not None and chosen.id == cycle.last_shown
    return _render(ctx=ctx, tip=chosen, seen=seen, total=len(tips), again=again, topic=topic)


@action(ANOTHER, codec=NONE)
async def another_tip(
    *, ctx: Context, actor: Actor, payload: None, values: Mapping[str, FieldValue]
) -> Reply:
    """The "Another tip" button: the next tip in the person's round."""
    return await tip(ctx=ctx, actor=actor, args=())


def _render(
    *, ctx: Context, tip: Tip, seen: int, total: int, again: bool = False, topic: str | None = None
) -> Reply:
    progress = f"Tip {seen} of {total} for you" if seen < total else "You have now seen every tip"
    if again:
        progress = (
            f"This is the only tip about “{typed(topic or '')}”, shown again; `tip` for another"
        )
    return Reply(
        text=f"Top tip: {tip.title}",
        sections=(
            Section(
                heading=f"Top tip: {tip.title}",
                text=f"{tip.text}\n\n_Reflect:_ {tip.question}",
                note=f"{progress}. {cite(pack=ctx.pack, source_id=tip.source)}",
            ),
        ),
        buttons=(Button(action_id=ANOTHER, label="Another tip", style="primary"),),
    )
