"""The clarifying question: is the sign happening now, and to whom?

When the detector cannot tell whose a sign is or whether it is current (verdict "clarify"),
the assistant asks one question. This module reads the answer, in buttons' words or free
text ("yes me", "its my mum", "my husband, yes now", "no that was years ago", "just asking"),
and decides what happens next. Pure Python: no Rasa.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from core.names import CLARIFY_INTENT, FAQ_INTENT, RED_FLAGS_KEY
from core.retrieval.decide import selected_answer
from core.retrieval.questions import asks_a_question
from core.triage.rules import load_rulebook
from core.triage.symptom_check import STOP_LEVELS, read_answers

SELF = "self"  # happening to the writer now
OTHER = "other"  # happening now to the person they are asking for
PAST = "past"  # it happened, but is over
GENERAL = "general"  # a general question: nothing is happening
UNCLEAR = "unclear"  # still not known after asking twice

# What the assistant does once the answer is known.
ESCALATE = "escalate"  # the sign, confirmed as current, is a red flag: see a doctor / call now
CHECK = "check"  # current, but no red flag yet: the symptom check asks the rest
CALM = "calm"  # not happening now: a calm word and an offer of questions

SOMEONE = "someone"  # the relation when the writer did not say who

_PAST = re.compile(
    r"\b(in the past|(?:years?|months?|weeks?|ages|a while|a long time|long time) ago|ago|used to|last year|"
    r"back then|long ago|a while back|not any ?more|no longer|went away|gone away|gone now|(?:it'?s|it is|has) "
    r"gone|stopped|cleared up|healed|was before|previously|had it before|not now|not at the moment|"
    r"not right now|past)\b"
)
_CURRENT = re.compile(
    r"\b(still|again|came back|comes back|keeps|right now|at the moment|currently|today|"
    r"this morning|started)\b"
)
_GENERAL = re.compile(
    r"\b(general|generally|in general|just asking|only asking|just wondering|wondering|just curious|curious|"
    r"hypothetical(?:ly)?|for information|for my information|research|studying|homework|not happening|"
    r"nothing(?:'s| is)? happening|no one|nobody|not anyone|to no one|not to anyone|neither|none)\b"
)
_SOMEONE = re.compile(
    r"\b(someone|somebody|some one|the person|a person|other person|someone else|someone i'?m asking for|"
    r"not me|not for me|for them|for him|for her|he|she|him|they|them|his|hers)\b"
)
_SELF = re.compile(
    r"\b(me|myself|mine|i|i'?m|im|i'?ve|ive|i do|i have|i am|my own|my (?:left |right )?(?:breast|nipple|boob|"
    r"chest|side|armpit|skin)s?)\b"
)
_YES = re.compile(
    r"^\W*(y|ye|yes+|yess|yse|yea|yeah|yeh|yep|yup|ya|yah|aye|sure|correct|right|it is|it does|"
    r"true|affirmative|uh huh|mhm|ok yes|yes please|now|right now)\b"
)
_ABOUT_THE_WRITER = re.compile(r"\b(i'?m|im|i am|as) an? $")
_NO = re.compile(r"^\W*(n|no+|nope|nah|nay|not really|negative)\b")


def _normalise(text: str) -> str:
    text = (text or "").lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip()


def relations(rulebook: Any = None) -> dict[str, list[str]]:
    """Relation words by pronoun, from the rule book (data/red_flags.yml, context.relations)."""
    listed = (rulebook or load_rulebook()).context["relations"]
    return {pronoun: [str(w).lower() for w in words] for pronoun, words in listed.items()}


def _relation_pattern(words: Iterable[str]) -> str:
    alternatives = sorted({re.escape(w) for w in words}, key=len, reverse=True)
    return r"\b(" + "|".join(alternatives) + r")(?:'?s)?\b"


def read_subject(text: str, rulebook: Any = None) -> dict[str, str] | None:
    """The person the writer speaks of: {"relation": "mum", "pronoun": "she"}; "someone" with
    "they" (or he/she when a pronoun says so) when they did not say who; None when it is not
    someone else."""
    lowered = _normalise(text)
    found: list[tuple[int, str, str]] = []
    for pronoun, words in relations(rulebook).items():
        for match in re.finditer(_relation_pattern(words), lowered):
            if not _ABOUT_THE_WRITER.search(lowered[: match.start()]):  # "I'm a man" is the writer
                found.append((match.start(), match.group(1), pronoun))
    if found:
        _, relation, pronoun = min(found)
        if pronoun == "they":
            if re.search(r"\b(he|him|his)\b", lowered):
                pronoun = "he"
            elif re.search(r"\b(she|her|hers)\b", lowered):
                pronoun = "she"
        return {"relation": relation, "pronoun": pronoun}
    if _SOMEONE.search(lowered):
        pronoun = (
            "he"
            if re.search(r"\b(he|him|his)\b", lowered)
            else "she"
            if re.search(r"\b(she|her|hers)\b", lowered)
            else "they"
        )
        return {"relation": SOMEONE, "pronoun": pronoun}
    return None


def read_sign_owner(text: str, rulebook: Any = None) -> str | None:
    """Whose sign, and is it now? "self", "other", "past", "general", or None when the answer
    does not say. Reads the buttons' words ("Yes, to me, now", "Yes, to someone I'm asking for",
    "No, it was in the past", "No, it's a general question") and free text."""
    lowered = _normalise(text)
    if not lowered:
        return None
    if _PAST.search(lowered) and not _CURRENT.search(lowered):
        return PAST
    subject = read_subject(lowered, rulebook)
    if _GENERAL.search(lowered) and not (subject and subject["relation"] != SOMEONE):
        return GENERAL
    if subject:
        return OTHER
    if _SELF.search(lowered) or _YES.search(lowered) or _CURRENT.search(lowered):
        return SELF
    if _NO.search(lowered):
        return GENERAL  # "no": nothing is happening now
    return None


def next_step(owner: str | None, verdict: Mapping[str, Any] | None) -> str:
    """What to do once the answer is read (None: asked twice and still unclear)."""
    if owner in (PAST, GENERAL):
        return CALM
    if owner in (SELF, OTHER) and (verdict or {}).get("if_confirmed_level"):
        return ESCALATE
    return CHECK


def confirmed_red_flags(red_flags: Mapping[str, Any], owner: str | None) -> dict[str, Any]:
    """The clarified message's red-flag data, with the signs the answer confirmed as current
    counted as reported now: the unsure ones, and (for "other") those about the other person.
    Negated signs stay negated: they answer "no"."""
    unsure = set(red_flags.get("unsure_signs") or [])
    findings = []
    for finding in red_flags.get("findings") or []:
        finding = dict(finding)
        confirmed = finding.get("sign") in unsure or (
            owner == OTHER and finding.get("other_person")
        )
        if owner in (SELF, OTHER) and confirmed:  # "no lump" stays a "no"
            finding.update(general=False, historical=False, other_person=False)
        findings.append(finding)
    return {**red_flags, "findings": findings}


def check_answers(
    text: str,
    red_flags: Mapping[str, Any],
    owner: str | None,
    subject: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The symptom check's answers already given by the clarified message, once the answer says
    the sign is current (for the person in `subject` when it is someone else)."""
    if owner not in (SELF, OTHER, UNCLEAR, None):
        return {}
    confirmed = confirmed_red_flags(red_flags, owner)
    answers = read_answers(text, confirmed, None, None)
    sex = sex_of(subject, confirmed) if owner == OTHER else None
    if sex:
        answers.setdefault("sex", sex)
    return answers


DISCHARGE_SIGNS = {"discharge", "bloody_discharge", "clear_discharge"}


def sex_of(subject: Mapping[str, Any] | None, red_flags: Mapping[str, Any]) -> str | None:
    """The symptom check's answer to "female or male?" for the person a carer writes about,
    from how they are spoken of ("he", "she"). Only when the message reports discharge: the
    check assumes discharge, and discharge in a man is itself a reason to see a doctor soon,
    which must not be said to someone who reported none."""
    pronoun = (subject or {}).get("pronoun")
    reported = {
        f.get("sign")
        for f in red_flags.get("findings") or []
        if not (f.get("negated") or f.get("general") or f.get("historical"))
    }
    if pronoun not in ("he", "she") or not reported & DISCHARGE_SIGNS:
        return None
    return "male" if pronoun == "he" else "female"


def answer_before_asking(parse: Mapping[str, Any]) -> str | None:
    """The FAQ answer (its response name) to give just before the clarifying question, if any.

    "Could the medicines with my infusion cause nipple leaking?" names a sign without saying
    whose it is, and asks a question the assistant can answer. The patient came for the answer:
    she gets it at once, and the clarifying question follows in the same reply. Not when the
    sign, if it is hers and current, would be a reason to see a doctor soon or to call for help
    (bloody discharge, a lump, swelling after the dye): then the question comes alone and first,
    and the answer after the escalation (action_resolve_sign_owner)."""
    red_flags = parse.get(RED_FLAGS_KEY) or {}
    if (parse.get("intent") or {}).get("name") != CLARIFY_INTENT:
        return None
    if red_flags.get("original_intent") != FAQ_INTENT:
        return None
    if (red_flags.get("verdict") or {}).get("if_confirmed_level") in STOP_LEVELS:
        return None
    if not asks_a_question(parse.get("text")):
        return None
    return selected_answer(parse)
