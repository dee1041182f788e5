"""The help reply, also the answer to anything the bot does not understand."""

from __future__ import annotations

from handlers.model import Button, Reply, Section
from handlers.parsing import suggest

COMMANDS: tuple[tuple[str, str], ...] = (
    ("tip [topic]", "a top tip for collaboration; no repeats until you have seen them all"),
    ("resources [category or words]", "leadership development resources"),
    ("principles [1-5]", "the five CCPL principles and the two core expectations"),
    ("lessons", "five lessons learned by the learning network"),
    ("case [name]", "case studies from integrated care systems"),
    (
        "reflect [nmc|gibbs|what]",
        "log a private CPD reflection; `reflect <text>` saves a quick note",
    ),
    ("reflections", "your reflections: view, edit, delete"),
    ("export", "your reflections as PDF and CSV, with CPD hours, for revalidation"),
    ("my-data", "a copy of everything the bot holds about you"),
    ("forget-me", "erase everything the bot holds about you"),
    (
        "forum setup|list|next|pause|resume|remove",
        "monthly forums and journal clubs (facilitators)",
    ),
    ("lunch add|list|cancel", "lunch-and-learn sessions with RSVP and reminders"),
    ("meeting [list]", "a recurring meeting with purpose and agreement nudges"),
    ("pause 2 weeks / resume", "pause or restart reminders and nudges by direct message"),
    ("quiet 19:00-08:00 / quiet off", "hours when no direct message reaches you"),
    ("privacy", "what is counted about you; stop counting or check-ins"),
    ("quiet [#channel] [days]", "who has gone quiet (facilitators; only you see it)"),
    ("check-in [#channel]", "invite quiet members' views one-to-one (facilitators)"),
    ("facilitators add|remove|list", "who can run forums and check-ins (facilitators)"),
    ("audit", "what facilitators have done (workspace admins)"),
    (
        'poll "Question?" "Option A" "Option B" [anonymous]',
        "a poll in this channel with buttons and live counts",
    ),
    (
        "profile [profession|clear]",
        "your profession, so facilitators can see who isn't in the room",
    ),
    (
        "room [#channel] [days]",
        "which professions are in a channel and heard from, with a chart (facilitators)",
    ),
    ("help", "this list"),
)


def help_reply(*, unknown: str | None = None) -> Reply:
    """List the commands; when a word was not understood, say so kindly and guess."""
    lines = "\n".join(f"• `{usage}`: {what}" for usage, what in COMMANDS)
    sections: list[Section] = []
    buttons: tuple[Button, ...] = ()
    if unknown:
        shown = unknown if len(unknown) <= 40 else unknown[:39] + "…"
        guess = suggest(word=unknown)
        if guess:
            opening = f"I don't know `{shown}`. Did you mean `{guess}`?"
            buttons = (Button(action_id="help.run", label=f"Run {guess}", value=guess),)
        else:
            opening = f"I don't know `{shown}`. Here is what I can do."
        sections.append(Section(text=opening, buttons=buttons))
    sections.append(
        Section(
            heading="CCPL learning network",
            text=f"Type `/ccpl` followed by one of these:\n{lines}",
        )
    )
    summary = sections[0].text if unknown else "Here is what I can do."
    return Reply(text=summary, sections=tuple(sections))
