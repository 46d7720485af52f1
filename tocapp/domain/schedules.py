"""Interview schedules as data: the questions asked, with the study's focus and partner filled in.

Question texts may contain the placeholders ``{focus}``, ``{partner}`` and ``{groups}``; nothing
else in them is interpreted, so an owner can write any text (braces included) into a schedule of
their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

THEORY_OF_CHANGE_KEY = "theory-of-change"
PAIRED_COLLABORATION_KEY = "paired-collaboration"


@dataclass(frozen=True)
class ScheduleQuestion:
    number: int
    text: str
    stimulus: str = ""


@dataclass(frozen=True)
class Schedule:
    key: str
    name: str
    description: str
    questions: tuple[ScheduleQuestion, ...]


GROUPS_UNKNOWN = "children, staff, parents etc"


def fill_question(template: str, focus: str, partner: str, groups: Sequence[str] = ()) -> str:
    """The question as the interviewer reads it aloud, with the study's focus, partner and groups.

    ``{groups}`` lists the study's own groups ("Staff, Learners, Managers"), so a college study is
    not asked about children and parents; a study without groups hears the method's own examples.
    """
    return (
        template.replace("{focus}", focus or "your focus")
        .replace("{partner}", partner or "your partner")
        .replace("{groups}", ", ".join(groups) or GROUPS_UNKNOWN)
    )


COLLABORATION_DEFINITION = (
    "Collaboration is an action noun, describing the act of working with one or more other people "
    "on a joint project. It can be conceptualised as 'united labour' and might result in something "
    "which has been created or enabled by the participants' combined effort."
)

BUILT_IN_SCHEDULES: tuple[Schedule, ...] = (
    Schedule(
        key=THEORY_OF_CHANGE_KEY,
        name="Theory of change interview (six questions)",
        description=(
            "The round-1 schedule for setting leaders (Lofthouse, think-piece 5): their situation, "
            "what needs to change, how, the effects they anticipate and how they will know."
        ),
        questions=(
            ScheduleQuestion(
                1, "In terms of {focus} what is the situation you face in your setting?"
            ),
            ScheduleQuestion(2, "What do you believe needs to change?"),
            ScheduleQuestion(
                3,
                "How will these changes be made? What role is {partner} playing, and what actions "
                "will you take?",
            ),
            ScheduleQuestion(4, "What effect do you anticipate those actions will have?"),
            ScheduleQuestion(5, "How will you know if change is happening?"),
            ScheduleQuestion(
                6,
                "What will this be like for different members of your community ({groups})?",
            ),
        ),
    ),
    Schedule(
        key=PAIRED_COLLABORATION_KEY,
        name="Paired collaboration interview (five questions)",
        description=(
            "The semi-structured paired interview schedule of Lofthouse and Thomas (2015), "
            "Figure 1, for two colleagues who worked together on teaching development."
        ),
        questions=(
            ScheduleQuestion(
                1,
                "In terms of teaching development what was your focus, why were you working "
                "together? Who had set the agenda for your work?",
            ),
            ScheduleQuestion(
                2,
                "In practical terms how were the aspects of meeting together, planning, teaching, "
                "lesson observation and reflection organised?",
            ),
            ScheduleQuestion(
                3,
                "Think about your experience of working together that you have just outlined. To "
                "what extent do you think this could be defined as collaboration? It might be "
                "helpful to think about it in terms of the following definition:",
                stimulus=COLLABORATION_DEFINITION,
            ),
            ScheduleQuestion(
                4,
                "Can you identify how your collaboration impacted on you as teachers and on your "
                "pupils?",
            ),
            ScheduleQuestion(
                5,
                "Have you learned any lessons about the nature of collaboration and will this "
                "inform your future practice?",
            ),
        ),
    ),
)
