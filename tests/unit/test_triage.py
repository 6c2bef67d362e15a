"""Red-flag logic apart from Rasa: the rule book, the assessment, the detector, the wording."""

import pytest
import textstat
import yaml

from core.paths import PROJECT_ROOT
from core.triage.detector import RedFlagDetector
from core.triage.messages import escalation_payload, escalation_text, general_sign_text
from core.triage.rules import AGE_SIGN, assess, load_rulebook
from core.triage.verdict import ESCALATE, judge

PHRASINGS = yaml.safe_load((PROJECT_ROOT / "tests" / "data" / "red_flag_phrasings.yml").read_text())
RULEBOOK = load_rulebook()


@pytest.fixture(scope="module")
def detector():
    return RedFlagDetector(RULEBOOK)


def level_of(detector, text):
    """The level a patient is escalated at, as the servers decide it (core/triage/verdict.py):
    an emergency told with a worried "?" escalates although it is not yet a certain report."""
    verdict = judge(detector.detect(text), RULEBOOK)
    return verdict.level if verdict.action == ESCALATE else None


def test_every_rule_has_a_level_reason_basis_and_reference():
    assert len(RULEBOOK.rules) >= 20
    for rule in RULEBOOK.rules:
        assert rule.level in RULEBOOK.levels and rule.reason and rule.basis and rule.reference, (
            rule.id
        )


def test_every_sign_is_used_by_a_rule_or_gives_context():
    used = set().union(*(rule.signs for rule in RULEBOOK.rules))
    # after_ductogram shapes reasons; breast_symptom starts the symptom check. Neither escalates alone.
    context_only = {"after_ductogram", "breast_symptom"}
    assert set(RULEBOOK.signs) - used <= context_only
    assert AGE_SIGN in used


def test_combinations_raise_the_level():
    assert assess({"clear_discharge"}, RULEBOOK).level is None
    assert assess({"one_side", "discharge"}, RULEBOOK).level is None
    assert (
        assess({"clear_discharge", "one_side", "spontaneous", "discharge"}, RULEBOOK).level
        == "urgent"
    )
    assert assess({"male"}, RULEBOOK).level is None
    assert assess({"male", "discharge"}, RULEBOOK).level == "urgent"
    assert assess({AGE_SIGN, "one_side", "discharge"}, RULEBOOK).level == "urgent"


def test_the_highest_level_wins_and_all_reasons_are_kept():
    outcome = assess({"bloody_discharge", "breathing_trouble", "pregnant"}, RULEBOOK)
    assert outcome.level == "emergency"
    assert outcome.reasons[0] == "trouble_breathing_or_swelling"
    assert {"bloody_discharge", "pregnant_before_test"} <= set(outcome.reasons)


@pytest.mark.parametrize("row", PHRASINGS["red_flags"], ids=lambda r: r["text"][:50])
def test_detector_escalates_every_red_flag_phrasing_at_its_level(detector, row):
    assert level_of(detector, row["text"]) == row["level"]


def test_detector_false_alarm_rate_on_look_alikes_is_at_most_5_percent(detector):
    alarms = [text for text in PHRASINGS["look_alikes"] if level_of(detector, text)]
    assert len(alarms) <= 0.05 * len(PHRASINGS["look_alikes"]), alarms


@pytest.mark.parametrize(
    "text,expected",
    [
        ("there's no blood", None),
        ("my mother had a lump", None),
        ("I had a lump years ago but it went away", None),
        ("what does bloody discharge mean?", None),
        ("It's not clear, it's bloody", "urgent"),
        ("I can't breathe", "emergency"),
        ("do i need a prolactin blood test", None),
        # "bloods" is British for blood tests, not the sign by itself ...
        ("would a prolactin test help? my GP already did thyroid and iron bloods", None),
        ("my GP did some bloods last week, what is prolactin?", None),
        ("had my bloods done and now there's blood coming from my nipple", "urgent"),
        # ... but next to a nipple, discharge or clothing word it is bleeding
        ("bloods coming from my nipple", "urgent"),
        ("there are bloods in the discharge from my nipple", "urgent"),
        ("my nipple is leaking bloods", "urgent"),
        ("bloods on my bra", "urgent"),
        ("Do I need to worry? I found a lump", "urgent"),
    ],
)
def test_context_decides(detector, text, expected):
    assert level_of(detector, text) == expected


def test_general_questions_are_marked_general_not_active(detector):
    detection = detector.detect("what does bloody discharge mean?")
    assert detection.active_signs == [] and "bloody_discharge" in detection.general_signs


def test_age_is_read_from_the_message(detector):
    assert AGE_SIGN in detector.detect("I'm 56 and my right nipple leaks").active_signs
    assert AGE_SIGN not in detector.detect("I'm 35 and my right nipple leaks").active_signs
    assert AGE_SIGN in detector.detect("I'm in my 60s").active_signs


def test_escalation_text_gives_level_reason_and_next_step():
    text = escalation_text("urgent", ["bloody_discharge", "spontaneous_one_side"], RULEBOOK)
    assert text.startswith("Please see your doctor soon.")
    assert (
        "because the discharge has blood in it, or is pink or brown and the discharge comes by itself from one breast"
        in text
    )
    assert "Do not wait for a routine visit." in text
    emergency = escalation_text("emergency", ["face_or_throat_swelling"], RULEBOOK)
    assert RULEBOOK.emergency_number in emergency and "now" in emergency


def test_rule_specific_advice_follows_the_next_step():
    text = escalation_text("urgent", ["leak_on_port_side"], RULEBOOK)
    assert text.endswith("Ask your care team whether a line study of your port is needed.")
    assert "before the test" in escalation_text("routine", ["pregnant_before_test"], RULEBOOK)


def test_payload_is_machine_readable_and_carries_the_banner_text():
    payload = escalation_payload("urgent", ["bloody_discharge", "spontaneous_one_side"], RULEBOOK)[
        "triage"
    ]
    assert payload["level"] == "urgent"
    assert payload["reasons"] == ["bloody_discharge", "spontaneous_one_side"]
    assert payload["headline"] == RULEBOOK.levels["urgent"].headline
    assert payload["why"] == [
        "the discharge has blood in it, or is pink or brown",
        "the discharge comes by itself from one breast",
    ]
    emergency = escalation_payload("emergency", ["face_or_throat_swelling"], RULEBOOK)["triage"]
    assert emergency["next_step"].startswith(f"Call {RULEBOOK.emergency_number} now")


@pytest.mark.parametrize("rule", RULEBOOK.rules, ids=lambda r: r.id)
def test_every_escalation_and_general_answer_reads_at_grade_8_or_below(rule):
    for text in (
        escalation_text(rule.level, [rule.id], RULEBOOK),
        general_sign_text(rule.level, [rule.id], RULEBOOK),
    ):
        assert textstat.flesch_kincaid_grade(text) <= 8.0, text


@pytest.mark.parametrize(
    "text, vague",
    [
        ("im really anxious, is this bad", True),
        ("should i be worried", True),
        ("is this ok?", True),
        # something named: the question is about it, not about something unsaid
        ("im worried about my ductogram tomorrow, how long does it take", False),
        ("i'm really nervous, does it hurt?", False),
        ("I have nipple discharge, should I be worried?", False),
        ("how long does a ductogram take", False),
    ],
)
def test_a_worry_about_something_unnamed_is_marked_vague(detector, text, vague):
    assert detector.detect(text).vague_worry is vague


@pytest.mark.parametrize(
    "text, worried",
    [
        ("I have nipple discharge, should I be worried?", True),
        ("my nipple leaks during my infusions is that normal", True),
        # the worry is context; the question is about something else, and gets its answer
        ("I'm terrified. I have some discharge. How long does a ductogram take?", False),
        ("I have discharge and I'm freaking out about the bill. What will the test cost?", False),
        ("I'm scared, is it going to hurt?", False),
    ],
)
def test_a_worry_counts_when_it_is_in_what_she_asks(detector, text, worried):
    assert detector.detect(text).worried is worried
