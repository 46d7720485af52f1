"""A voice is a person (or a pair), never a guess: perspective is the evaluator's, a person is
followed by their reference across rounds and role labels, every page and document names a
voice the same way, the setting's leadership never sees a small group of staff, and nobody
without consent to take part can be put in an interview.

The studies here are built to break the old guesses: a practitioner interviewed first in round
1, two teaching assistants with no pseudonym, a participant who is never interviewed, a role
label that changes between rounds and a pair interviewed together.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from docx import Document
from sqlalchemy import func, select

from tests.exports.helpers import pdf_text
from tocapp.domain.people import Perspective
from tocapp.domain.voices import tally_step
from tocapp.extensions import db
from tocapp.models import Interview, InterviewParticipant, Participant, Project, Round, Setting
from tocapp.models.users import Role
from tocapp.services import flowcharts, interviews, rounds, studies, voices
from tocapp.services.comparison import Choice, build_report
from tocapp.services.flowcharts import StepFields
from tocapp.services.voice_read import setting_voices

FEW = "Few early career teachers get mentoring"
MENTORING = "Weekly mentoring sessions"
OBSERVING = "Teaching assistants observe mentees' lessons"
CONFIDENT = "Mentees plan lessons with confidence"

MENTEE, VP, TA1, TA2, BROKER = "S01-P01", "S01-P02", "S01-P03", "S01-P04", "S01-P05"
ROUND_2_LABELS = [
    f"Mentee ({MENTEE})",
    f"Vice principal ({VP})",
    f"Teaching assistant ({TA1})",
    f"Teaching assistant ({TA2})",
]
PAIR = f"Early career teacher ({MENTEE}) & Teaching assistant ({TA1})"
ROUND_3_LABELS = [f"Vice principal ({VP})", PAIR, f"Teaching assistant ({TA2})"]


# Reading pages and documents back ------------------------------------------------------------


def _get(client: Any, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response


def _words(fragment: str) -> str:
    """Markup removed, entities decoded, runs of whitespace made single spaces."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _matrix_head(page: str) -> str:
    return page.split('<table class="voice-matrix">')[1].split("</thead>")[0]


def _page_labels(page: str) -> list[str]:
    """The every-voice page's matrix columns: each voice's label, left to right."""
    spans = re.findall(r'<th scope="col"><span dir="auto">(.*?)</span>', _matrix_head(page), re.S)
    return [html.unescape(s) for s in spans]


def _page_columns(page: str) -> list[str]:
    """Each voice column's header as words (label, "(leadership)", "round N")."""
    cells = re.findall(r'<th scope="col">(.*?)</th>', _matrix_head(page), re.S)
    return [_words(c) for c in cells][1:-1]  # neither "Step" nor "Voices"


def _matrix_row(page: str, step_text: str) -> str:
    body = page.split('<table class="voice-matrix">')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return next(words for words in map(_words, rows) if step_text in words)


def _docx(data: bytes) -> Any:
    return Document(io.BytesIO(data))


def _docx_text(data: bytes) -> str:
    """Every paragraph and table cell of a Word file, as one string of single spaces."""
    doc = _docx(data)
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return " ".join(" ".join(parts).split())


def _docx_row(data: bytes, name: str) -> str:
    """The value beside ``name`` in the Word file's title block."""
    for table in _docx(data).tables:
        for row in table.rows:
            cells = [c.text for c in row.cells]
            if cells and cells[0] == name:
                return cells[1]
    raise AssertionError(f"no {name!r} row in the title block")


def _voice_headings(data: bytes) -> list[str]:
    """The Word file's level-2 headings after "Where voices differ": one per voice."""
    headings = [p.text for p in _docx(data).paragraphs if p.style.name == "Heading 2"]
    return headings[headings.index("Where voices differ") + 1 :]


def _csv_text(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _csv(response: Any) -> list[dict[str, str]]:
    assert response.mimetype == "text/csv"
    return _csv_text(response.data.decode("utf-8"))


# The study built to break the old guesses ----------------------------------------------------


@dataclass
class MixedStudy:
    project: Project
    setting: Setting
    steps: dict[str, Any]  # by step text
    round2: Round
    round3: Round

    @property
    def base(self) -> str:
        return f"/studies/{self.project.id}"

    @property
    def every_voice(self) -> str:
        return f"{self.base}/settings/{self.setting.id}/voices"

    @property
    def exports(self) -> str:
        return f"{self.base}/settings/{self.setting.id}/exports"


def _map_chart(setting: Setting, plan: list[tuple[str, str, str, Any]]) -> dict[str, Any]:
    """Steps (text, theme, group, source answer) on the setting's current version, by text."""
    version = flowcharts.current_version(db.session, setting)
    groups = {g.name: g.id for g in setting.project.groups}
    return {
        text: flowcharts.add_step(
            db.session,
            None,
            version,
            StepFields(theme, groups[group], text, answer.id if answer else None),
        )
        for text, theme, group, answer in plan
    }


def _voice(
    setting: Setting,
    round_: Round,
    held_on: date,
    people: list[tuple[Participant, str]],
    marks: dict[Any, str],
) -> Interview:
    """A return interview with these people (and role labels at the time) and their marks."""
    interview = voices.start_return_interview(
        db.session,
        None,
        setting,
        interviews.InterviewFields(
            round_id=round_.id,
            held_on=held_on,
            mode="face-to-face",
            people=[(person.id, role) for person, role in people],
        ),
    )
    for step, mark in marks.items():
        voices.set_mark(db.session, None, interview, step.id, mark)
    return interview


@pytest.fixture
def mixed(make_user, make_project, make_setting, make_participant, make_interview, auth):
    """One setting, S01, heard in three rounds, with its owner logged in.

    Round 1: the mentee (practice) then the vice principal (leadership); the chart is mapped
    from both. Round 2: the mentee ("Mentee"), the vice principal and two teaching assistants
    with no pseudonym, one at a time. Round 3: the vice principal, the mentee now "Early career
    teacher" together with the first teaching assistant, and the second teaching assistant.
    The broker takes part but is never interviewed.
    """
    owner = make_user()
    project = make_project(owner=owner, title="Mentoring study")
    setting = make_setting(project=project, code="S01", name="Hollybank Academy")
    mentee = make_participant(setting=setting, role_label="Mentee", perspective="practice")
    vp = make_participant(setting=setting, role_label="Vice principal", perspective="leadership")
    ta1 = make_participant(setting=setting, role_label="Teaching assistant")
    ta2 = make_participant(setting=setting, role_label="Teaching assistant")
    make_participant(setting=setting, role_label="Broker", perspective="not interviewed")
    first = make_interview(
        participant=mentee,
        held_on=date(2026, 1, 13),
        notes={1: "Nobody has time to mentor me.", 3: "We meet every week now."},
    )
    second = make_interview(
        participant=vp, held_on=date(2026, 1, 20), notes={1: "Mentoring is patchy."}
    )
    mentee_answers = {a.number: a for a in first.answers}
    vp_answers = {a.number: a for a in second.answers}
    steps = _map_chart(
        setting,
        [
            (FEW, "situation", "Staff", vp_answers[1]),
            (MENTORING, "action", "Staff", mentee_answers[3]),
            (OBSERVING, "action", "Staff", None),
            (CONFIDENT, "outcome", "Staff", None),
        ],
    )
    version = flowcharts.current_version(db.session, setting)
    flowcharts.add_link(db.session, None, version, steps[FEW].id, steps[MENTORING].id)
    flowcharts.add_link(db.session, None, version, steps[MENTORING].id, steps[CONFIDENT].id)
    flowcharts.add_link(db.session, None, version, steps[OBSERVING].id, steps[CONFIDENT].id)
    db.session.commit()

    round2 = project.rounds[1]
    s = steps
    _voice(
        setting,
        round2,
        date(2026, 7, 6),
        [(mentee, "Mentee")],
        {s[FEW]: "achieved", s[MENTORING]: "elusive", s[CONFIDENT]: "partly"},
    )
    _voice(
        setting,
        round2,
        date(2026, 7, 7),
        [(vp, "Vice principal")],
        {s[FEW]: "achieved", s[MENTORING]: "achieved", s[CONFIDENT]: "achieved"},
    )
    _voice(
        setting,
        round2,
        date(2026, 7, 8),
        [(ta1, "Teaching assistant")],
        {s[MENTORING]: "partly", s[OBSERVING]: "achieved"},
    )
    _voice(
        setting,
        round2,
        date(2026, 7, 9),
        [(ta2, "Teaching assistant")],
        {s[MENTORING]: "elusive", s[OBSERVING]: "elusive"},
    )
    round3 = rounds.add_round(db.session, None, project, rounds.RoundFields("Second return"))
    _voice(setting, round3, date(2027, 1, 11), [(vp, "Vice principal")], {s[MENTORING]: "achieved"})
    _voice(
        setting,
        round3,
        date(2027, 1, 12),
        [(mentee, "Early career teacher"), (ta1, "Teaching assistant")],
        {s[MENTORING]: "achieved", s[CONFIDENT]: "achieved", s[OBSERVING]: "partly"},
    )
    _voice(
        setting,
        round3,
        date(2027, 1, 13),
        [(ta2, "Teaching assistant")],
        {s[OBSERVING]: "elusive"},
    )
    db.session.commit()
    auth.login(owner)
    return MixedStudy(project, setting, steps, round2, round3)


# 1. The study built to break the old guesses ------------------------------------------------


def test_perspective_is_the_evaluators_not_who_was_heard_first(mixed):
    """The mentee was listed and interviewed first in round 1, yet speaks from practice; the
    vice principal speaks for leadership, in every round and in the pair."""
    for number in (2, 3):
        read = setting_voices(db.session, mixed.setting, round_choice=number)
        by_label = {v.label: v for v in read.voices}
        vp = by_label[f"Vice principal ({VP})"]
        assert vp.is_leader and vp.perspective is Perspective.LEADERSHIP
        assert [v.label for v in read.voices if v.is_leader] == [vp.label]
    round2 = {v.label: v for v in setting_voices(db.session, mixed.setting, round_choice=2).voices}
    mentee = round2[f"Mentee ({MENTEE})"]
    assert not mentee.is_leader and mentee.perspective is Perspective.PRACTICE
    round3 = {v.label: v for v in setting_voices(db.session, mixed.setting, round_choice=3).voices}
    assert round3[PAIR].perspective is Perspective.PRACTICE and not round3[PAIR].is_leader


def test_leadership_differs_from_practice_where_the_vp_and_the_mentee_disagree(client, mixed):
    """Round 2: the vice principal says the mentoring is achieved, the mentee elusive."""
    read = setting_voices(db.session, mixed.setting, round_choice=2)
    tally = tally_step(str(mixed.steps[MENTORING].id), read.voices)
    assert tally.leader_differs
    page = _get(client, mixed.every_voice + "?round=2").get_data(as_text=True)
    assert "leadership differs from practice" in _matrix_row(page, MENTORING)
    # Where everyone who marked it agrees with the leader, nothing is flagged.
    assert "leadership differs" not in _matrix_row(page, FEW)


def test_two_teaching_assistants_are_two_voices(client, mixed):
    """Same role, no pseudonym: their references keep them apart on the every-voice page."""
    page = _get(client, mixed.every_voice + "?round=2").get_data(as_text=True)
    labels = _page_labels(page)
    assert f"Teaching assistant ({TA1})" in labels and f"Teaching assistant ({TA2})" in labels
    assert len(set(labels)) == len(labels) == 4


def test_the_every_voice_page_keeps_rounds_apart(client, mixed):
    """The latest round by default, one chosen round, or every round with each column's round."""
    latest = _get(client, mixed.every_voice).get_data(as_text=True)
    assert _page_labels(latest) == ROUND_3_LABELS
    round2 = _get(client, mixed.every_voice + "?round=2").get_data(as_text=True)
    assert _page_labels(round2) == ROUND_2_LABELS
    every = _get(client, mixed.every_voice + "?round=all").get_data(as_text=True)
    assert _page_labels(every) == ROUND_2_LABELS + ROUND_3_LABELS
    columns = _page_columns(every)
    assert columns[0] == f"Mentee ({MENTEE}) round 2"
    assert columns[1] == f"Vice principal ({VP}) (leadership) round 2"
    assert columns[5] == f"{PAIR} round 3"
    assert all(c.endswith(" round 2") for c in columns[:4])
    assert all(c.endswith(" round 3") for c in columns[4:])


def test_someone_not_interviewed_is_listed_but_never_awaited(client, mixed):
    """The broker appears in coverage, but "Broker" is never a role not yet heard."""
    page = _get(client, f"{mixed.base}/coverage").get_data(as_text=True)
    for number in (1, 2, 3):
        section = page.split(f'id="round-{number}"')[1].split("</section>")[0]
        rows = [_words(r) for r in re.findall(r"<tr>(.*?)</tr>", section, re.S)]
        broker = [r for r in rows if BROKER in r]
        assert len(broker) == 1 and "Not interviewed" in broker[0], (number, rows)
        not_heard = _words(section.split("Roles not yet heard")[1])
        assert "Broker" not in not_heard, (number, not_heard)
    round1 = page.split('id="round-1"')[1].split("</section>")[0]
    assert "Teaching assistant" in _words(round1.split("Roles not yet heard")[1])


def test_mark_movements_follow_the_mentee_by_reference(client, mixed):
    """From "Mentee" alone in round 2 to "Early career teacher" in a pair in round 3: the same
    person, matched by reference; the teaching assistant in the pair is followed too."""
    choice = Choice(round_ids=frozenset({mixed.round2.id, mixed.round3.id}))
    report = build_report(db.session, mixed.project, choice)
    moves = {(m.person, m.step_text): m for m in report.moves}
    assert {m.person for m in report.moves} == {MENTEE, VP, TA1, TA2}
    mentoring = moves[(MENTEE, MENTORING)]
    assert (mentoring.before, mentoring.after) == ("elusive", "achieved")
    assert mentoring.label == f"Early career teacher ({MENTEE})"
    assert mentoring.earlier_role == "Mentee"
    assert (moves[(MENTEE, CONFIDENT)].before, moves[(MENTEE, CONFIDENT)].after) == (
        "partly",
        "achieved",
    )
    assert (moves[(TA1, OBSERVING)].before, moves[(TA1, OBSERVING)].after) == (
        "achieved",
        "partly",
    )
    assert (moves[(TA2, OBSERVING)].before, moves[(TA2, OBSERVING)].after) == (
        "elusive",
        "elusive",
    )
    # The two teaching assistants never stand for each other.
    assert (TA2, MENTORING) not in moves

    both = f"?round={mixed.round2.id}&round={mixed.round3.id}"
    page = _get(client, f"{mixed.base}/comparison{both}").get_data(as_text=True)
    detail = page.split('class="move-detail"')[1].split("</table>")[0]
    rows = [_words(r) for r in re.findall(r"<tr>(.*?)</tr>", detail, re.S)]
    assert (
        f"S01 2 → 3 {MENTORING} Early career teacher ({MENTEE}), earlier Mentee elusive achieved"
        in rows
    )


def test_the_csv_person_column_follows_the_mentee(client, mixed):
    """The reference, not the role label, is the key a researcher joins rounds on."""
    both = f"?round={mixed.round2.id}&round={mixed.round3.id}"
    rows = _csv(_get(client, f"{mixed.base}/comparison.csv{both}"))
    mentee = [r for r in rows if MENTEE in r["person"].split("+")]
    assert {r["round"] for r in mentee} == {"2", "3"}
    assert {r["person"] for r in mentee if r["round"] == "2"} == {MENTEE}
    assert {r["role"] for r in mentee if r["round"] == "2"} == {"Mentee"}
    assert {r["voice"] for r in mentee if r["round"] == "3"} == {PAIR}
    # Every person key is made of references: a role label never stands for a person.
    for row in rows:
        assert all(re.fullmatch(r"S01-P\d\d", ref) for ref in row["person"].split("+")), row


# 2. One label everywhere ---------------------------------------------------------------------


@pytest.fixture
def demo(comparison_demo):
    """The demo study, logged in: each setting in the round its pages show by default."""
    project = db.session.get(Project, comparison_demo[0])
    return [(project, setting, None) for setting in project.settings]


@pytest.fixture
def mixed_rounds(mixed):
    """The study above in round 2 (two teaching assistants alone) and round 3 (the pair)."""
    return [(mixed.project, mixed.setting, 2), (mixed.project, mixed.setting, 3)]


@pytest.mark.parametrize("study", ["demo", "mixed_rounds"])
def test_a_voice_has_one_label_on_the_page_in_pdf_word_and_csv(client, request, study):
    """The every-voice page, the all-voices PDF and Word file and the comparison CSV name each
    voice of the round shown identically."""
    for project, setting, number in request.getfixturevalue(study):
        read = setting_voices(db.session, setting, round_choice=number)
        number = read.rounds[0].number
        round_id = next(r.id for r in project.rounds if r.number == number)
        base = f"/studies/{project.id}/settings/{setting.id}"
        page = _get(client, f"{base}/voices?round={number}").get_data(as_text=True)
        labels = _page_labels(page)
        assert labels and len(set(labels)) == len(labels), labels
        perspectives = [
            f"{v.label} ({v.perspective.value if v.perspective else 'leadership and practice'})"
            for v in read.voices
        ]

        pdf = pdf_text(_get(client, f"{base}/exports/voices.pdf?round={number}").data)
        assert "; ".join(labels) in pdf, (labels, pdf[:600])
        for heading in perspectives:
            assert heading in pdf, heading

        word = _get(client, f"{base}/exports/voices.docx?round={number}").data
        assert _docx_row(word, "Voices") == "; ".join(labels)
        assert _voice_headings(word) == perspectives

        rows = _csv(_get(client, f"/studies/{project.id}/comparison.csv?round={round_id}"))
        shown = [r for r in rows if r["setting"] == setting.code and r["round"] == str(number)]
        assert list(dict.fromkeys(r["voice"] for r in shown)) == labels


# 3. The setting's leadership -----------------------------------------------------------------


@dataclass
class LeadershipStudy:
    project: Project
    setting: Setting
    head_interview: Interview
    staff_interviews: list[Interview]

    @property
    def base(self) -> str:
        return f"/studies/{self.project.id}"

    @property
    def exports(self) -> str:
        return f"{self.base}/settings/{self.setting.id}/exports"


@pytest.fixture
def leadership_study(
    make_user, make_project, make_setting, make_participant, make_interview, auth
) -> Callable[[int], LeadershipStudy]:
    """A setting, L01, whose headteacher and ``practitioners`` teaching assistants (no
    pseudonym) are heard in round 2; the owner is logged in."""

    def build(practitioners: int) -> LeadershipStudy:
        owner = make_user()
        project = make_project(owner=owner, title="Leadership study")
        setting = make_setting(project=project, code="L01", name="Larch Nursery")
        head = make_participant(setting=setting, role_label="Headteacher")
        tas = [
            make_participant(setting=setting, role_label="Teaching assistant")
            for _ in range(practitioners)
        ]
        first = make_interview(participant=head, notes={1: "Talk is rare.", 3: "Coaching."})
        answers = {a.number: a for a in first.answers}
        steps = _map_chart(
            setting,
            [
                ("Little talk in class", "situation", "Children", answers[1]),
                ("Video coaching", "action", "Staff", answers[3]),
            ],
        )
        db.session.commit()
        coaching = steps["Video coaching"]
        round2 = project.rounds[1]
        head_voice = _voice(
            setting, round2, date(2026, 7, 1), [(head, "Headteacher")], {coaching: "achieved"}
        )
        staff = []
        for n, ta in enumerate(tas, start=2):
            staff.append(
                _voice(
                    setting,
                    round2,
                    date(2026, 7, n),
                    [(ta, "Teaching assistant")],
                    {coaching: "elusive"},
                )
            )
            voices.add_note(db.session, None, staff[-1], f"Note by assistant {n}", False)
        db.session.commit()
        auth.login(owner)
        return LeadershipStudy(project, setting, head_voice, staff)

    return build


LEADERSHIP_OUTPUTS = (
    "every-voice page",
    "voices.pdf",
    "voices.docx",
    "comparison page",
    "comparison.pdf",
    "comparison.docx",
    "comparison.csv",
)


def _leadership_output(client: Any, study: LeadershipStudy, name: str, more: str = "") -> str:
    """One thing the setting's leadership is given, as text."""
    comparison = f"{study.base}/comparison"
    url = (
        {
            "every-voice page": f"{study.base}/settings/{study.setting.id}/voices",
            "voices.pdf": study.exports + "/voices.pdf",
            "voices.docx": study.exports + "/voices.docx",
            "comparison page": comparison,
            "comparison.pdf": comparison + ".pdf",
            "comparison.docx": comparison + ".docx",
            "comparison.csv": comparison + ".csv",
        }[name]
        + "?audience=leadership"
        + more
    )
    data = _get(client, url).data
    if name.endswith(".pdf"):
        return pdf_text(data)
    if name.endswith(".docx"):
        return _docx_text(data)
    if name.endswith(".csv"):
        return data.decode("utf-8")
    return _words(data.decode("utf-8"))


@pytest.mark.parametrize("name", LEADERSHIP_OUTPUTS)
def test_two_staff_voices_are_not_shown_to_the_leadership(client, leadership_study, name):
    """Below the study's minimum of three, no staff column, tally or CSV group appears, and the
    documents say whom they are for and that staff voices were left out."""
    study = leadership_study(2)
    text = _leadership_output(client, study, name)
    assert "Teaching assistant (" not in text
    assert "Staff (" not in text
    assert "Note by assistant" not in text
    assert "Headteacher (L01-P01)" in text
    if name.endswith((".pdf", ".docx")):
        assert "The setting's leadership" in text
        assert "2 staff voices" in text and "not shown" in text
    if name == "every-voice page":
        assert "2 staff voices are not shown" in text
    if name in ("comparison.pdf", "comparison.docx"):
        # Not even among the roles the report covers: beside "2 staff voices … not shown" a
        # role named there would say whose voices they were; not when the roles are chosen
        # (the page's form sends every role ticked) either.
        assert "Teaching assistant" not in text
        assert "roles: Headteacher, Staff" in " ".join(text.split())
        chosen = _leadership_output(
            client, study, name, "&role=Headteacher&role=Teaching+assistant"
        )
        assert "Teaching assistant" not in chosen
        assert "roles: Headteacher, Staff" in " ".join(chosen.split())
    if name == "comparison.csv":
        rows = _csv_text(text)
        assert rows and {r["voice"] for r in rows} == {"Headteacher (L01-P01)"}
        assert {r["perspective"] for r in rows} == {"leadership"}


@pytest.mark.parametrize("name", LEADERSHIP_OUTPUTS)
def test_three_staff_voices_are_one_group_for_the_leadership(client, leadership_study, name):
    """At the minimum, practice voices appear only as "Staff (3 voices)", never one by one."""
    text = _leadership_output(client, leadership_study(3), name)
    assert "Teaching assistant (" not in text
    assert "L01-P02" not in text and "L01-P03" not in text and "L01-P04" not in text
    assert "Staff (3 voices)" in text
    if name.endswith((".pdf", ".docx")):
        assert "The setting's leadership" in text
        assert "not shown" not in text
    if name == "comparison.csv":
        rows = _csv_text(text)
        assert {r["voice"] for r in rows} == {"Headteacher (L01-P01)", "Staff (3 voices)"}
        staff = [r for r in rows if r["voice"] == "Staff (3 voices)"]
        assert {r["person"] for r in staff} == {""}
        coaching = {r["mark"]: r["count"] for r in staff if r["step_text"] == "Video coaching"}
        assert coaching == {"elusive": "3"}


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_a_staff_members_own_document_is_not_made_for_the_leadership(client, leadership_study, fmt):
    """One practitioner's annotated chart would show them alone: the link goes back to the
    exports page with a message. The leader's own document is theirs to have."""
    study = leadership_study(3)
    ta = study.staff_interviews[0]
    url = f"{study.base}/interviews/{ta.id}/exports/annotated.{fmt}?audience=leadership"
    response = _get(client, url, 303)
    assert response.headers["Location"].endswith(study.exports)
    page = _words(_get(client, response.headers["Location"]).get_data(as_text=True))
    assert "not made for the setting's leadership" in page
    head = study.head_interview
    leader = f"{study.base}/interviews/{head.id}/exports/annotated.{fmt}?audience=leadership"
    assert _get(client, leader).data[:4] in (b"%PDF", b"PK\x03\x04")


@pytest.mark.parametrize("role", [Role.VIEWER, Role.INTERVIEWER])
def test_an_identified_audience_is_for_owners_only(client, auth, make_user, mixed, role):
    """Real names go to owners alone: anyone else asking for them is refused outright."""
    member = make_user()
    studies.add_member(db.session, None, mixed.project, member.email, role)
    db.session.commit()
    auth.logout()
    auth.login(member)
    interview = next(i for i in mixed.setting.interviews if i.version_id is not None)
    annotated = f"{mixed.base}/interviews/{interview.id}/exports/annotated"
    for url in (
        mixed.exports + "/voices.pdf?audience=identified",
        mixed.exports + "/voices.docx?audience=identified",
        mixed.exports + "/voices.pdf?identified=1",
        annotated + ".pdf?audience=identified",
        annotated + ".docx?audience=identified",
        f"{mixed.base}/comparison?audience=identified",
        f"{mixed.base}/comparison.csv?audience=identified",
        f"{mixed.base}/comparison.pdf?audience=identified",
        f"{mixed.base}/comparison.docx?audience=identified",
    ):
        assert client.get(url).status_code == 403, url
    # The same member may have the pseudonymised documents.
    assert client.get(mixed.exports + "/voices.pdf").status_code == 200


# 4. Consent to take part ---------------------------------------------------------------------


@pytest.mark.parametrize("form", ["interviews/new", "return-interviews/new"])
def test_someone_without_consent_to_take_part_cannot_be_interviewed(
    client, leadership_study, make_participant, form
):
    """The form shows their box disabled with the reason; ticked anyway, the interview is
    refused in plain words and nothing is recorded."""
    study = leadership_study(2)
    head = study.head_interview.people[0].participant
    refused = make_participant(
        setting=study.setting, role_label="Teacher", consent_participate=False
    )
    interviews_before = db.session.scalar(select(func.count()).select_from(Interview))
    people_before = db.session.scalar(select(func.count()).select_from(InterviewParticipant))
    url = f"{study.base}/settings/{study.setting.id}/{form}"

    page = _get(client, url).get_data(as_text=True)
    tick = re.search(rf'<input[^>]*name="person_{refused.id}"[^>]*>', page)
    assert tick and "disabled" in tick.group(0), tick
    reason = page.split(f'name="person_{refused.id}"')[1].split("</small>")[0]
    assert "Has not consented to take part, so cannot be interviewed." in _words(reason)

    round_ = study.project.rounds[0 if form == "interviews/new" else 1]
    response = client.post(
        url,
        data={
            "round_id": str(round_.id),
            "held_on": "2026-07-20",
            "mode": "face-to-face",
            "interviewer": "Evaluator",
            f"person_{head.id}": "y",
            f"role_{head.id}": "Headteacher",
            f"person_{refused.id}": "y",
            f"role_{refused.id}": "Teacher",
            "notes_1": "Words typed before the refusal.",
        },
    )
    assert response.status_code == 400
    text = _words(response.get_data(as_text=True))
    assert f"{refused.reference} has not consented to take part" in text
    if form == "interviews/new":
        assert "Words typed before the refusal." in text  # nothing typed is lost
    assert db.session.scalar(select(func.count()).select_from(Interview)) == interviews_before
    assert (
        db.session.scalar(select(func.count()).select_from(InterviewParticipant)) == people_before
    )
    assert not db.session.scalars(
        select(InterviewParticipant).where(InterviewParticipant.participant_id == refused.id)
    ).all()


def test_the_minimum_counts_people_so_one_ta_heard_twice_is_not_a_group(
    client, auth, make_user, make_project, make_setting, make_participant, make_interview
):
    """Two teaching assistants, one heard twice in the round: three voices but two people, so
    the setting's leadership sees no staff group at all (found in review)."""
    owner = make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project, code="L01")
    head = make_participant(setting=setting, role_label="Headteacher")
    ta1 = make_participant(setting=setting, role_label="Teaching assistant")
    ta2 = make_participant(setting=setting, role_label="Teaching assistant")
    first = make_interview(participant=head)
    steps = _map_chart(setting, [("Coaching", "action", "Staff", first.answers[0])])
    db.session.commit()
    coaching, r2 = steps["Coaching"], project.rounds[1]
    _voice(setting, r2, date(2026, 7, 1), [(head, "Headteacher")], {coaching: "achieved"})
    _voice(setting, r2, date(2026, 7, 2), [(ta1, "Teaching assistant")], {coaching: "elusive"})
    _voice(setting, r2, date(2026, 7, 3), [(ta1, "Teaching assistant")], {coaching: "elusive"})
    only = _voice(
        setting, r2, date(2026, 7, 4), [(ta2, "Teaching assistant")], {coaching: "achieved"}
    )
    voices.add_note(db.session, None, only, "Only the second TA said this", False)
    db.session.commit()
    auth.login(owner)
    url = f"/studies/{project.id}/settings/{setting.id}/exports/voices.pdf?audience=leadership"
    text = pdf_text(_get(client, url).data)
    assert "Staff (3 voices)" not in text and "Only the second TA said this" not in text
    assert "3 staff voices heard in this round are not shown" in text


def test_the_leaders_flowchart_for_the_leadership_neither_names_nor_quotes_a_practitioner(
    client, auth, make_user, make_project, make_setting, make_participant, make_interview
):
    """A map step quoted from a teaching assistant's round-1 words: for the setting's
    leadership her words are withheld and she is not named (found in review)."""
    from tocapp.services import flowcharts

    owner = make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project, code="L01")
    head = make_participant(setting=setting, role_label="Headteacher")
    ta = make_participant(setting=setting, role_label="Teaching assistant")
    make_interview(participant=head)
    ta_first = make_interview(participant=ta, notes={1: "Nobody trains us"})
    version = flowcharts.current_version(db.session, setting)
    staff = project.groups[0].id
    flowcharts.add_step(
        db.session,
        None,
        version,
        flowcharts.StepFields(
            "situation", staff, "Little training", ta_first.answers[0].id, "Nobody trains us"
        ),
    )
    db.session.commit()
    auth.login(owner)
    base = f"/studies/{project.id}/settings/{setting.id}/exports/flowchart.pdf"
    leadership = pdf_text(_get(client, base + "?audience=leadership").data)
    assert "Teaching assistant (L01-P02)" not in leadership and "Nobody trains us" not in leadership
    assert "1 with staff, not named here" in leadership
    research = pdf_text(_get(client, base).data)
    assert "Teaching assistant (L01-P02)" in research and "Nobody trains us" in research


def test_across_rounds_names_the_rounds_that_saw_another_version(
    client, auth, make_user, make_project, make_setting, make_participant, make_interview
):
    """Round 2 saw version 1; the chart was revised and round 3 saw version 2. One chart shows
    one version, so "across rounds" shows round 3 on version 2 and says, with a link, that
    round 2 saw version 1 — never silently (found in review)."""
    from tocapp.services import versions
    from tocapp.services.voice_read import ALL_ROUNDS, setting_voices

    owner = make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project, code="S01")
    head = make_participant(setting=setting, role_label="Headteacher")
    ta = make_participant(setting=setting, role_label="Teaching assistant")
    first = make_interview(participant=head)
    steps = _map_chart(setting, [("Coaching", "action", "Staff", first.answers[0])])
    db.session.commit()
    r2 = project.rounds[1]
    _voice(setting, r2, date(2026, 7, 1), [(head, "Headteacher")], {steps["Coaching"]: "achieved"})
    _voice(
        setting, r2, date(2026, 7, 2), [(ta, "Teaching assistant")], {steps["Coaching"]: "elusive"}
    )
    db.session.commit()
    v2 = versions.start_next_version(db.session, None, setting)
    r3 = rounds.add_round(db.session, None, project, rounds.RoundFields("Second return"))
    db.session.commit()
    _voice(setting, r3, date(2027, 1, 1), [(head, "Headteacher")], {v2.steps[0]: "partly"})
    db.session.commit()

    read = setting_voices(db.session, setting, round_choice=ALL_ROUNDS)
    assert [v.round_number for v in read.voices] == [3]
    assert [r.number for r in read.rounds] == [3] and read.elsewhere == ((2, 1),)
    auth.login(owner)
    base = f"/studies/{project.id}/settings/{setting.id}"
    page = html.unescape(_get(client, base + "/voices?round=all").get_data(as_text=True))
    assert "not shown here: round 2 saw version 1" in page
    assert "round=2&amp;version=1" in _get(client, base + "/voices?round=all").get_data(True)
    older = setting_voices(db.session, setting, round_choice=2, version_number=1)
    assert [v.round_number for v in older.voices] == [2, 2]
    text = pdf_text(_get(client, base + "/exports/voices.pdf?round=all").data)
    assert "Not in this document: round 2 saw version 1" in text
