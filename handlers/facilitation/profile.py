"""`/ccpl profile`: a member names their profession, so facilitators can see who isn't in the room.

The choice is the member's own and only ever shown to facilitators as a
count per profession, never beside a name.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from content import ContentPack, Profession
from handlers.core.context import Context
from handlers.core.errors import Invalid
from handlers.core.forms import validate
from handlers.core.model import (
    Actor,
    Field,
    FieldKind,
    FieldValue,
    Form,
    Option,
    Reply,
    Section,
)
from handlers.core.payloads import NONE
from handlers.core.registry import action, command
from storage.professions import profession_of, set_profession

SAVE = "profile.save"
NOT_SET = "none"
CHOOSE = "Choose a profession from the list."
CLEAR_WORDS = frozenset({"clear", "none", "remove", "unset", "off", "reset"})
PRIVACY = (
    "Facilitators see only how many people of each profession are in a channel and "
    "have joined in, to spot who isn't in the room; never your name beside it. "
    "`/ccpl profile clear` removes it."
)


def _key(text: str) -> str:
    """Lower case, punctuation gone, plurals made singular: "GPs" and "gp" meet."""
    words = re.sub(r"[^a-z0-9]+", " ", text.lower()).split()
    return " ".join(w[:-1] if len(w) >= 3 and w.endswith("s") else w for w in words)


def _keys(profession: Profession) -> set[str]:
    name = profession.name
    keys = {_key(profession.id), _key(name), _key(re.sub(r"\(.*?\)", "", name))}
    keys.update(_key(inner) for inner in re.findall(r"\((.*?)\)", name))
    keys.update(_key(alias) for alias in profession.aliases)
    return keys - {""}


def _listing(professions: tuple[Profession, ...], *, limit: int = 5) -> str:
    names = [f"“{p.name}”" for p in professions[:limit]]
    more = " and more" if len(professions) > limit else ""
    return ", ".join(names) + more


def match_profession(pack: ContentPack, typed: str) -> Profession:
    """The pack profession someone meant, by id or name, forgiving case, plurals and typos.

    Raises Invalid, with a few options, when nothing or more than one fits.
    """
    wanted = _key(typed)
    keyed = [(p, _keys(p)) for p in pack.professions]
    exact = [p for p, keys in keyed if wanted in keys]
    if exact:
        return exact[0]
    # Every typed word starts a word of the profession: "pharm", "social", "allied health".
    words = wanted.split()
    partial = [
        p
        for p, keys in keyed
        if words
        and all(any(part.startswith(w) for key in keys for part in key.split()) for w in words)
    ]
    if len(partial) == 1:
        return partial[0]
    if not partial:
        by_key = {key: p for p, keys in keyed for key in keys}
        close = difflib.get_close_matches(wanted, list(by_key), n=3, cutoff=0.75)
        found = list(dict.fromkeys(by_key[k].id for k in close))
        if len(found) == 1:
            return by_key[close[0]]
        partial = [p for p in pack.professions if p.id in found]
    if partial:
        raise Invalid(
            f"“{typed}” could be {_listing(tuple(partial))}. Type a little more, "
            "or run `/ccpl profile` to choose from the list."
        )
    raise Invalid(
        f"I don't know the profession “{typed}”. Try one of {_listing(pack.professions)}, "
        "or run `/ccpl profile` to choose from the list."
    )


def profession_name(pack: ContentPack, profession: str | None) -> str:
    """The pack's name for an id; an id the pack no longer has is shown as it was stored."""
    if profession is None:
        return "Not set"
    for p in pack.professions:
        if p.id == profession:
            return p.name
    return profession


def _form(*, ctx: Context, current: str | None) -> Form:
    options = tuple(Option(value=p.id, label=p.name) for p in ctx.pack.professions)
    return Form(
        form_id=SAVE,
        title="Your profession",
        intro=PRIVACY,
        fields=(
            Field(
                id="profession",
                label="Profession",
                kind=FieldKind.SELECT,
                required=True,
                options=(*options, Option(value=NOT_SET, label="Prefer not to say")),
                initial=current or "",
                required_message=CHOOSE,
                invalid_message=CHOOSE,
            ),
        ),
    )


async def _save(*, ctx: Context, actor: Actor, profession: Profession | None) -> Reply:
    async with ctx.acting(actor) as (session, scope):
        await set_profession(session, scope=scope, profession=profession.id if profession else None)
    if profession is None:
        text = "Your profession is cleared. You are counted as “not set” in room reports."
    else:
        text = f"Saved: your profession is **{profession.name}**."
    return Reply(
        text=text.replace("**", ""),
        sections=(Section(text=text, note=PRIVACY if profession else None),),
    )


@command(
    name="profile",
    aliases=("profession", "professions"),
    usage="profile [profession|clear]",
    summary="your profession, so facilitators can see who isn't in the room",
    order=220,
)
async def profile(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """`profile` opens the form; `profile <name or id>` sets it; `profile clear` removes it."""
    typed = " ".join(args).strip()
    if not typed:
        async with ctx.acting(actor) as (session, scope):
            current = await profession_of(session, scope=scope)
        shown = profession_name(ctx.pack, current)
        return Reply(
            text=f"Your profession: {shown}. Opening the form to change it.",
            form=_form(ctx=ctx, current=current),
        )
    if typed.lower() in CLEAR_WORDS:
        return await _save(ctx=ctx, actor=actor, profession=None)
    return await _save(ctx=ctx, actor=actor, profession=match_profession(ctx.pack, typed))


@action(SAVE, codec=NONE)
async def save_choice(
    *, ctx: Context, actor: Actor, payload: None, values: Mapping[str, FieldValue]
) -> Reply:
    """The profile form: a pack profession, or "prefer not to say" to clear it."""
    submitted = validate(form=_form(ctx=ctx, current=None), values=values, today=ctx.clock().date())
    chosen = submitted.text("profession")
    if chosen == NOT_SET:
        return await _save(ctx=ctx, actor=actor, profession=None)
    # The form offers only pack professions, so a valid choice is always found.
    return await _save(ctx=ctx, actor=actor, profession=_by_id(ctx.pack, chosen))


def _by_id(pack: ContentPack, profession_id: str) -> Profession:
    return next(p for p in pack.professions if p.id == profession_id)
