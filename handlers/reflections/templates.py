"""The reflective templates people choose from, with the headings regulators expect.

The NMC headings follow the NMC's reflective accounts form for revalidation;
Gibbs' cycle and "What? So what? Now what?" are the two models most taught
for reflective practice across the professions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True, slots=True)
class Prompt:
    """One free-text question of a template; `id` is stable because answers are stored by it."""

    id: str
    heading: str
    question: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Template:
    id: str
    name: str
    summary: str
    prompts: tuple[Prompt, ...]
    asks_code_themes: bool = False


NMC_CODE_THEMES: tuple[tuple[str, str], ...] = (
    ("prioritise-people", "Prioritise people"),
    ("practise-effectively", "Practise effectively"),
    ("preserve-safety", "Preserve safety"),
    ("promote-professionalism", "Promote professionalism and trust"),
)

NMC = Template(
    id="nmc",
    name="NMC reflective account",
    summary="The four questions of the NMC revalidation form, with the Code's themes.",
    asks_code_themes=True,
    prompts=(
        Prompt(
            id="activity",
            heading="What was the nature of the CPD activity, feedback or experience?",
            question="What was the activity, feedback, event or experience?",
        ),
        Prompt(
            id="learned",
            heading="What did you learn from it?",
            question="What did you learn?",
        ),
        Prompt(
            id="changed",
            heading="How did you change or improve your practice as a result?",
            question="How did you change or improve your practice?",
        ),
        Prompt(
            id="code",
            heading="How is this relevant to the Code?",
            question="How is this relevant to the Code?",
        ),
    ),
)

GIBBS = Template(
    id="gibbs",
    name="Gibbs' reflective cycle",
    summary="Six stages, from what happened to what you would do next time.",
    prompts=(
        Prompt(id="description", heading="Description", question="What happened?"),
        Prompt(id="feelings", heading="Feelings", question="What were you thinking and feeling?"),
        Prompt(id="evaluation", heading="Evaluation", question="What was good and bad about it?"),
        Prompt(id="analysis", heading="Analysis", question="What sense can you make of it?"),
        Prompt(id="conclusion", heading="Conclusion", question="What else could you have done?"),
        Prompt(
            id="action",
            heading="Action plan",
            question="If it arose again, what would you do?",
        ),
    ),
)

WHAT_SO_WHAT = Template(
    id="what",
    name="What? So what? Now what?",
    summary="Three quick questions: the event, why it matters, what you will do.",
    prompts=(
        Prompt(id="what", heading="What?", question="What happened, what did you do or see?"),
        Prompt(
            id="so_what", heading="So what?", question="Why does it matter; what did you learn?"
        ),
        Prompt(id="now_what", heading="Now what?", question="What will you do differently now?"),
    ),
)

TEMPLATES: dict[str, Template] = {t.id: t for t in (NMC, GIBBS, WHAT_SO_WHAT)}
