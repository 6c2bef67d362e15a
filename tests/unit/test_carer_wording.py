"""Escalations about someone else (a carer typing for a husband, a mum, a son): pure wording,
no servers. The rule book's reasons are written to "you"; core.triage.messages turns them into
"he"/"she"/"they", and each level has a third-person headline and next step in
data/red_flags.yml (headline_other, next_step_other)."""

import re
import string

import pytest
import textstat
import yaml

from core.triage.messages import (
    escalation_payload,
    escalation_reply,
    escalation_text,
    red_flag_reply,
    symptom_check_summary,
    third_person,
)
from core.triage.rules import RED_FLAGS_FILE, load_rulebook

RULEBOOK = load_rulebook()
HUSBAND = {"relation": "husband", "pronoun": "he"}
MUM = {"relation": "mum", "pronoun": "she"}
FRIEND = {"relation": "friend", "pronoun": "they"}
SUBJECTS = [HUSBAND, MUM, FRIEND]
SECOND_PERSON = re.compile(r"\b(you|your|yours|yourself|you're|you've)\b", re.IGNORECASE)


@pytest.mark.parametrize(
    "text,pronoun,expected",
    [
        ("you have a lump in your breast or armpit", "he", "he has a lump in his breast or armpit"),
        (
            "you have a lump in your breast or armpit",
            "they",
            "they have a lump in their breast or armpit",
        ),
        ("your nipple has turned inward", "he", "his nipple has turned inward"),
        (
            "you are 50 or over and the discharge is from one nipple",
            "she",
            "she is 50 or over and the discharge is from one nipple",
        ),
        ("you are or may be pregnant", "she", "she is or may be pregnant"),
        (
            "you have seen changes in the skin of your breast or your nipple",
            "he",
            "he has seen changes in the skin of his breast or his nipple",
        ),
        (
            "one breast is leaking and you have a port",
            "they",
            "one breast is leaking and they have a port",
        ),
        (
            "You can ask whether a prolactin blood test makes sense.",
            "she",
            "She can ask whether a prolactin blood test makes sense.",
        ),
        ("If you get a rash, tell your doctor.", "he", "If he gets a rash, tell his doctor."),
        (
            "we will call you and you carry yours yourself",
            "she",
            "we will call her and she carries hers herself",
        ),
        ("you're fine and you've got this", "he", "he's fine and he's got this"),
        ("you aren't alone", "they", "they aren't alone"),
        (
            "the discharge has blood in it, or is pink or brown",
            "he",
            "the discharge has blood in it, or is pink or brown",
        ),
    ],
)
def test_second_person_becomes_third_person(text, pronoun, expected):
    assert third_person(text, pronoun) == expected


@pytest.mark.parametrize("subject", SUBJECTS, ids=lambda s: s["pronoun"])
def test_every_reason_and_advice_has_no_you_left_for_a_carer(subject):
    for rule in RULEBOOK.rules:
        text = escalation_text(rule.level, [rule.id], RULEBOOK, subject)
        # "I'm telling you this" is said to the carer, and the clinic's emergency number is as it
        # set it; everything else is about the other person.
        said = text.replace("I'm telling you this", "").replace(RULEBOOK.emergency_number, "")
        assert not SECOND_PERSON.search(said), text


def test_every_level_has_third_person_words_with_known_placeholders():
    levels = yaml.safe_load(RED_FLAGS_FILE.read_text())["levels"]
    known = {
        "pronoun",
        "possessive",
        "object",
        "emergency_number",
        "Pronoun",
        "Possessive",
        "Object",
    }
    for name, spec in levels.items():
        for key in ("headline_other", "next_step_other"):
            assert spec.get(key), f"level {name} has no {key}"
            fields = {field for _, field, _, _ in string.Formatter().parse(spec[key]) if field}
            assert fields <= known, (name, key, fields - known)
            assert not SECOND_PERSON.search(spec[key]), (name, key)


def test_urgent_about_a_husband_speaks_of_him():
    text = escalation_text("urgent", ["nipple_turning_in"], RULEBOOK, HUSBAND)
    assert text.startswith(
        "Please help him see his doctor soon. I'm telling you this because his nipple has turned inward."
    )
    assert "Contact his doctor or clinic in the next day or two" in text


def test_emergency_about_a_mum_says_call_for_her_now():
    text = escalation_text("emergency", ["face_or_throat_swelling"], RULEBOOK, MUM)
    assert text.startswith("This may be an emergency.")
    assert f"Call {RULEBOOK.emergency_number} for her now." in text
    assert "can block her airway" in text


def test_they_when_the_writer_did_not_say_who():
    text = escalation_text("urgent", ["lump"], RULEBOOK, {"relation": "someone", "pronoun": "they"})
    assert (
        "because they have a lump in their breast or armpit" in text
        and "help them see their doctor" in text
    )
    assert (
        escalation_text("urgent", ["lump"], RULEBOOK, {"relation": "someone"}) == text
    )  # no pronoun: "they"


def test_advice_follows_the_person_too():
    text = escalation_text("urgent", ["leak_on_port_side"], RULEBOOK, MUM)
    assert text.endswith("Ask her care team whether a line study of her port is needed.")
    assert "the same side as her port" in text


def test_payload_keeps_its_shape_and_says_who_it_is_about():
    mine = escalation_payload("urgent", ["lump"], RULEBOOK)["triage"]
    his = escalation_payload("urgent", ["lump"], RULEBOOK, HUSBAND)["triage"]
    assert set(his) == set(mine) | {"about"} and "about" not in mine
    assert his["about"] == "husband" and his["level"] == "urgent" and his["reasons"] == ["lump"]
    assert his["why"] == ["he has a lump in his breast or armpit"]
    assert his["headline"] == "Please help him see his doctor soon."


def test_without_a_subject_nothing_changes():
    assert escalation_text("urgent", ["lump"], RULEBOOK, None) == escalation_text(
        "urgent", ["lump"], RULEBOOK
    )
    assert escalation_text("urgent", ["lump"], RULEBOOK).startswith("Please see your doctor soon.")


def test_red_flag_reply_reads_the_subject_from_the_detector():
    red_flags = {"level": "emergency", "reasons": ["face_or_throat_swelling"], "subject": MUM}
    reply = red_flag_reply(red_flags, RULEBOOK)
    assert "for her now" in reply["text"] and reply["custom"]["triage"]["about"] == "mum"
    assert red_flag_reply({**red_flags, "subject": None}, RULEBOOK) == escalation_reply(
        "emergency", ["face_or_throat_swelling"], RULEBOOK
    )


def test_a_carers_symptom_check_summary_speaks_of_the_person():
    text = symptom_check_summary(
        None,
        ["the fluid is milky", "you are female", "you take regular medicines (bring the list)"],
        MUM,
    )
    assert "mention it to her doctor at her next visit" in text
    assert (
        "What to tell her doctor: the fluid is milky; she is female; she takes regular medicines"
        in text
    )
    assert text.startswith("From your answers")  # the carer gave the answers


@pytest.mark.parametrize("subject", SUBJECTS, ids=lambda s: s["pronoun"])
@pytest.mark.parametrize("rule", RULEBOOK.rules, ids=lambda r: r.id)
def test_carer_escalations_read_at_grade_8_and_do_not_open_with_yes_or_no(rule, subject):
    text = escalation_text(rule.level, [rule.id], RULEBOOK, subject)
    assert textstat.flesch_kincaid_grade(text) <= 8.0, text
    assert not re.match(r"(yes|no)\b", text, re.IGNORECASE), text
