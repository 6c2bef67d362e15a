"""The symptom check's logic: reading answers, deciding when to stop, and the outcome.

Pure Python, driven by the rule book: answers become signs, and the signs are
assessed by the same escalation rules as free-text messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from core.triage.rules import AGE_SIGN, Assessment, RuleBook, assess

# Asked in this order, one at a time.
QUESTIONS = [
    "discharge_colour",
    "discharge_side",
    "discharge_trigger",
    "lump",
    "skin_or_nipple_changes",
    "sex",
    "age_band",
    "pregnancy",
    "medicines",
    "infusion_or_port",
]
YES_NO_QUESTIONS = {"lump", "skin_or_nipple_changes", "medicines"}
# What each question asked, in a few words: the printable summary for the doctor lists them.
QUESTION_LABELS = {
    "discharge_colour": "Colour of the fluid",
    "discharge_side": "Which breast",
    "discharge_trigger": "When it comes out",
    "lump": "A lump",
    "skin_or_nipple_changes": "Skin or nipple changes",
    "sex": "Sex",
    "age_band": "Age",
    "pregnancy": "Pregnant or breastfeeding",
    "medicines": "Regular medicines",
    "infusion_or_port": "Infusions or a port",
}
STOP_LEVELS = {"emergency", "urgent"}

# answer -> signs it adds (the check is about nipple discharge, so "discharge" is implied)
ANSWER_SIGNS: dict[str, dict[str, list[str]]] = {
    "discharge_colour": {"bloody": ["bloody_discharge"], "clear": ["clear_discharge"]},
    "discharge_side": {"one": ["one_side"], "both": ["both_sides"]},
    "discharge_trigger": {"on_its_own": ["spontaneous"]},
    "lump": {"yes": ["lump"]},
    "skin_or_nipple_changes": {"yes": ["skin_or_nipple_change"]},
    "sex": {"male": ["male"]},
    "age_band": {"50_plus": [AGE_SIGN]},
    "pregnancy": {"pregnant": ["pregnant"]},
    "infusion_or_port": {"port": ["infusion_port"]},
}
# What the patient's answers mean, for the summary ("what to tell your doctor").
ANSWER_WORDS: dict[str, dict[str, str]] = {
    "discharge_colour": {
        "bloody": "the fluid is bloody, pink or brown",
        "clear": "the fluid is clear or watery",
        "milky": "the fluid is milky",
        "other": "the fluid is green, grey or yellow",
        "unsure": "you are not sure of the colour",
    },
    "discharge_side": {"one": "it comes from one breast", "both": "it comes from both breasts"},
    "discharge_trigger": {
        "on_its_own": "it comes out by itself",
        "when_squeezed": "it comes out only when squeezed",
    },
    "lump": {"yes": "you have felt a lump", "no": "you have not felt a lump"},
    "skin_or_nipple_changes": {
        "yes": "you have seen skin or nipple changes",
        "no": "no skin or nipple changes",
    },
    "sex": {"female": "you are female", "male": "you are male"},
    "age_band": {
        "under_30": "you are under 30",
        "30_49": "you are 30 to 49",
        "50_plus": "you are 50 or over",
    },
    "pregnancy": {
        "pregnant": "you are pregnant",
        "breastfeeding": "you are breastfeeding",
        "neither": "you are not pregnant or breastfeeding",
    },
    "medicines": {
        "yes": "you take regular medicines (bring the list)",
        "no": "you take no regular medicines",
    },
    "infusion_or_port": {
        "infusion": "you get infusions",
        "port": "you have a port",
        "neither": "no infusions or port",
    },
}

SIGN_ANSWERS = {  # active signs found in a message -> answers they give
    "bloody_discharge": ("discharge_colour", "bloody"),
    "clear_discharge": ("discharge_colour", "clear"),
    "one_side": ("discharge_side", "one"),
    "both_sides": ("discharge_side", "both"),
    "spontaneous": ("discharge_trigger", "on_its_own"),
    "lump": ("lump", "yes"),
    "skin_change": ("skin_or_nipple_changes", "yes"),
    "nipple_inverted": ("skin_or_nipple_changes", "yes"),
    "nipple_rash": ("skin_or_nipple_changes", "yes"),
    "male": ("sex", "male"),
    "age_50_or_over": ("age_band", "50_plus"),
    "pregnant": ("pregnancy", "pregnant"),
    "infusion_port": ("infusion_or_port", "port"),
}
NEGATED_ANSWERS = {
    "lump": ("lump", "no"),
    "skin_change": ("skin_or_nipple_changes", "no"),
    "nipple_inverted": ("skin_or_nipple_changes", "no"),
    "pregnant": ("pregnancy", "neither"),
}
WORD_ANSWERS = [  # (pattern, question, answer) for plain words and button titles
    (r"\bclear\b|\bwatery\b", "discharge_colour", "clear"),
    (r"\bmilk(y)?\b|\bwhite\b", "discharge_colour", "milky"),
    (r"\b(green|gr[ae]y|yellow|blue)", "discharge_colour", "other"),
    (
        r"\b(?:don'?t|do not|not|never|without|no) (?:need to |have to )?(?:sq\w{0,3}z|press|touch)",
        "discharge_trigger",
        "on_its_own",
    ),
    (
        r"\bonly when (i )?(squeeze|press)|\bwhen (i )?(squeeze|press)|\bsq\w{0,3}z|\bif i press|\bpinch",
        "discharge_trigger",
        "when_squeezed",
    ),  # "sqeeze", "squize": typed in a hurry
    (r"\b(female|woman|girl|lady)\b", "sex", "female"),
    (r"\bunder 30\b", "age_band", "under_30"),
    (r"\b30 to 49\b", "age_band", "30_49"),
    (r"\b50 or over\b", "age_band", "50_plus"),
    (r"\bbreast ?feeding\b|\bnursing\b", "pregnancy", "breastfeeding"),
    (r"\binfusions?\b|\bivig\b|\bdrips?\b", "infusion_or_port", "infusion"),
]
REQUESTED_ONLY = {  # words that answer only the question just asked
    "discharge_colour": [(r"\bnot sure\b|\bdon'?t know\b|\bunsure\b", "unsure")],
    "discharge_side": [
        (r"\bboth\b|\beach\b|\btwo\b|\bbilateral\b", "both"),
        (r"\bone\b|\bleft\b|\bright\b|\bsingle\b|\bjust the\b|\bonly the\b", "one"),
    ],
    "discharge_trigger": [
        (
            r"\bits\w{0,2}f\b|\bits own\b|\bnot squeez|\bdon'?t (?:squeeze|touch|press)|\bnaturally\b|"
            r"\ball the time\b",
            "on_its_own",
        )
    ],
    "sex": [(r"\bmale\b|\bman\b|\bguy\b", "male")],
    "pregnancy": [(r"\bneither\b|\bnone\b|\bnot\b|\bno\b", "neither")],
    "infusion_or_port": [(r"\bneither\b|\bnone\b|\bno\b", "neither")],
    "medicines": [(r"\bpills?\b|\btablets?\b|\bmedicines?\b|\bmedications?\b", "yes")],
}
NUMBER = re.compile(r"\b(\d{1,3})\b")


def _age_band(age: int) -> str:
    return "under_30" if age < 30 else "30_49" if age < 50 else "50_plus"


def read_answers(
    text: str, red_flags: Mapping[str, Any], intent: str | None, requested: str | None
) -> dict[str, str]:
    """Every answer a message gives, so one message can answer several questions."""
    answers: dict[str, str] = {}
    lowered = (text or "").lower()
    for finding in red_flags.get("findings") or []:
        if finding.get("general") or finding.get("historical") or finding.get("other_person"):
            continue
        table = NEGATED_ANSWERS if finding.get("negated") else SIGN_ANSWERS
        if finding["sign"] in table:
            question, answer = table[finding["sign"]]
            answers.setdefault(question, answer)
    for pattern, question, answer in WORD_ANSWERS:
        if re.search(pattern, lowered):
            answers.setdefault(question, answer)
    for pattern, answer in REQUESTED_ONLY.get(requested or "", []):
        if requested and re.search(pattern, lowered):
            answers.setdefault(requested, answer)
    if requested == "age_band" and "age_band" not in answers:
        number = NUMBER.search(lowered)
        if number and 10 <= int(number.group(1)) < 120:
            answers["age_band"] = _age_band(int(number.group(1)))
    if requested in YES_NO_QUESTIONS | {"pregnancy", "infusion_or_port"} and intent in (
        "affirm",
        "deny",
    ):
        yes, no = ("yes", "no") if requested in YES_NO_QUESTIONS else (None, "neither")
        value = yes if intent == "affirm" else no
        if value:
            answers.setdefault(requested, value)
    return answers


def signs_from_answers(answers: Mapping[str, str | None]) -> list[str]:
    signs = {"discharge"}
    for question, value in answers.items():
        signs.update(ANSWER_SIGNS.get(question, {}).get(value or "", []))
    return sorted(signs)


def outcome(
    answers: Mapping[str, str | None], message_signs: Iterable[str], rulebook: RuleBook
) -> Assessment:
    """The assessment of everything the patient said in the check."""
    return assess(set(signs_from_answers(answers)) | set(message_signs), rulebook)


def questions_left(
    answers: Mapping[str, str | None], message_signs: Iterable[str], rulebook: RuleBook
) -> list[str]:
    """Questions still to ask; none once a reason to see a doctor soon is established."""
    if outcome(answers, message_signs, rulebook).level in STOP_LEVELS:
        return []
    return [q for q in QUESTIONS if not answers.get(q)]


def answered(answers: Mapping[str, str | None]) -> list[dict[str, str]]:
    """[{"question": its label, "answer": the answer in words}] in the order asked."""
    return [
        {"question": QUESTION_LABELS[q], "answer": ANSWER_WORDS[q][a]}
        for q in QUESTIONS
        if (a := answers.get(q)) is not None and a in ANSWER_WORDS[q]
    ]


def answer_summary(answers: Mapping[str, str | None]) -> list[str]:
    return [
        ANSWER_WORDS[q][a]
        for q in QUESTIONS
        if (a := answers.get(q)) is not None and a in ANSWER_WORDS[q]
    ]
