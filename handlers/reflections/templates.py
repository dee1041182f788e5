"""The reflective templates people choose from, with the headings regulators expect.

The NMC headings follow the NMC's reflective accounts form and feedback log
for revalidation (https://www.nmc.org.uk/revalidation/resources/forms-and-templates/).
The GPhC's four record types follow its revalidation framework
(https://www.pharmacyregulation.org/revalidation): planned and unplanned CPD,
a peer discussion and a reflective account on the standards for pharmacy
professionals. The HCPC headings follow its standards for CPD 2 to 4
(https://www.hcpc-uk.org/cpd/). The GMC template follows the GMC's guidance on
supporting information for appraisal and revalidation (the six types of
supporting information, reflected on). The Social Work England record follows
the guiding questions of its online CPD form, with the peer reflection it asks
for in at least one record a year
(https://www.socialworkengland.org.uk/cpd/cpd-guidance/). Gibbs' cycle and
"What? So what? Now what?" are the two models most taught for reflective
practice across the professions.
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
    # The regulator whose form this copies (handlers.reflections.regulators), if any.
    regulator: str | None = None


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
    regulator="nmc",
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

NMC_FEEDBACK = Template(
    id="nmc-feedback",
    name="NMC practice-related feedback",
    summary="One of the five pieces of feedback, on the NMC's feedback log headings.",
    regulator="nmc",
    prompts=(
        Prompt(
            id="source",
            heading="Where did the feedback come from?",
            question="Who gave the feedback (their role, not their name), and how?",
        ),
        Prompt(
            id="summary",
            heading="What was the feedback about?",
            question="In brief, what was the feedback about?",
        ),
        Prompt(
            id="used",
            heading="How did you use it to improve your practice?",
            question="How did you use the feedback to improve your practice?",
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

BENEFIT = Prompt(
    id="benefit",
    heading="Give an example of how this learning has benefited the people using your services",
    question="How has this benefited the people using your services?",
)

GPHC_PLANNED = Template(
    id="gphc-planned",
    name="GPhC planned learning",
    summary="A CPD record of learning you planned: what, how, and the benefit to people.",
    regulator="gphc",
    prompts=(
        Prompt(
            id="plan",
            heading="Describe what you are planning to learn",
            question="What did you plan to learn, and why is it relevant to your practice?",
        ),
        Prompt(
            id="how",
            heading="How are you planning to learn it?",
            question="How did you plan to learn it?",
        ),
        BENEFIT,
    ),
)

GPHC_UNPLANNED = Template(
    id="gphc-unplanned",
    name="GPhC unplanned learning",
    summary="A CPD record of something you learnt without planning to.",
    regulator="gphc",
    prompts=(
        Prompt(
            id="learned",
            heading="Describe what you learnt and its relevance to your practice",
            question="What did you learn, and how is it relevant to your practice?",
        ),
        BENEFIT,
    ),
)

GPHC_PEER = Template(
    id="gphc-peer",
    name="GPhC peer discussion",
    summary="Your yearly peer discussion: who with (by role), and how it changed your practice.",
    regulator="gphc",
    prompts=(
        Prompt(
            id="peer",
            heading="Who was your peer and why did you select them?",
            question="Who was your peer (their role, not their name) and why them?",
        ),
        Prompt(
            id="changed",
            heading="Describe how the peer discussion has changed your practice",
            question="How has the discussion changed your practice?",
        ),
        Prompt(
            id="benefit",
            heading="Give an example of how this has benefited the people using your services",
            question="How has this benefited the people using your services?",
        ),
    ),
)

GPHC_ACCOUNT = Template(
    id="gphc-account",
    name="GPhC reflective account",
    summary="Your yearly account of how you met the standards for pharmacy professionals.",
    regulator="gphc",
    prompts=(
        Prompt(
            id="standards",
            heading="Which standards for pharmacy professionals does this account cover?",
            question="Which of the standards for pharmacy professionals does it cover?",
        ),
        Prompt(
            id="practice",
            heading="Describe your area of practice and the people using your services",
            question="What is your area of practice and who uses your services?",
        ),
        Prompt(
            id="examples",
            heading="Give examples of how you met the standards you selected",
            question="How did you meet those standards? Give examples.",
        ),
    ),
)

HCPC = Template(
    id="hcpc",
    name="HCPC CPD activity",
    summary="One activity for your CPD profile, on the HCPC's standards 2 to 4.",
    regulator="hcpc",
    prompts=(
        Prompt(
            id="activity",
            heading="The activity and the kind of learning it was (standard 2)",
            question="What was the activity, and what kind of learning was it?",
        ),
        Prompt(id="learned", heading="What you learnt", question="What did you learn?"),
        Prompt(
            id="quality",
            heading="How it improved the quality of your practice and service delivery "
            "(standard 3)",
            question="How has it improved your practice and the service you give?",
        ),
        Prompt(
            id="service_users",
            heading="How it benefited service users (standard 4)",
            question="How has it benefited the people who use your service?",
        ),
        Prompt(
            id="evidence",
            heading="Evidence you can show",
            question="What evidence could you show (certificate, notes, feedback)?",
        ),
    ),
)

GMC = Template(
    id="gmc",
    name="GMC reflection for appraisal",
    summary="Reflection on supporting information to bring to your annual appraisal.",
    regulator="gmc",
    prompts=(
        Prompt(
            id="kind",
            heading="Type of supporting information",
            question="Which kind: CPD, quality improvement, significant event, feedback from "
            "patients or colleagues, or compliments and complaints?",
        ),
        Prompt(id="what", heading="What happened?", question="What happened, or what did you do?"),
        Prompt(
            id="learned",
            heading="What did you learn?",
            question="What did you learn from it?",
        ),
        Prompt(
            id="next",
            heading="What will you do differently, or what further learning do you need?",
            question="What will you do differently, or what do you still need to learn?",
        ),
    ),
)

SWE = Template(
    id="swe",
    name="Social Work England CPD record",
    summary="A CPD record on Social Work England's questions, with a peer reflection.",
    regulator="swe",
    prompts=(
        Prompt(
            id="activity",
            heading="The CPD activity and why it is relevant to you",
            question="What was the activity (its type), and why was it relevant to you?",
        ),
        Prompt(
            id="learned",
            heading="What you learnt",
            question="What did you learn from it?",
        ),
        Prompt(
            id="impact",
            heading="The impact on your practice and the people you work with",
            question="What impact has it had, or will it have, on your practice and people?",
        ),
        Prompt(
            id="peer",
            heading="What you learnt from discussing it with a peer",
            question="Peer reflection: what did you learn from discussing it with a peer?",
        ),
    ),
)

# Offered to everyone; each regulator's own templates are offered to its registrants.
GENERAL: tuple[str, ...] = ("nmc", "gibbs", "what")

TEMPLATES: dict[str, Template] = {
    t.id: t
    for t in (
        NMC,
        NMC_FEEDBACK,
        GIBBS,
        WHAT_SO_WHAT,
        GPHC_PLANNED,
        GPHC_UNPLANNED,
        GPHC_PEER,
        GPHC_ACCOUNT,
        HCPC,
        GMC,
        SWE,
    )
}
