"""What the patient is told about red flags. Pure text, built from the rule book.

A carer may type for someone else ("my husband has fluid coming out of his nipple"): the
detector then gives a subject ({"relation": "husband", "pronoun": "he"}), and the escalation
speaks about that person. The rule book's reasons and advice are written to "you"; they are
turned into the third person by `third_person`. Each level has its own third-person headline
and next step in data/red_flags.yml (headline_other, next_step_other).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import yaml

from core.triage.rules import RED_FLAGS_FILE, RuleBook

# The payload a web page turns into a banner: {"triage": {"level", "reasons" (rule ids),
# "headline", "why" (the reasons in words), "next_step"}}, plus "about" (the relation, e.g.
# "husband") when the signs are someone else's.
PAYLOAD_KEY = "triage"

# How to speak of the person: subject, object, possessive, reflexive, and the verb forms that
# agree with the subject ("he has", "they have").
PRONOUNS: dict[str, dict[str, str]] = {
    "he": {
        "subject": "he",
        "object": "him",
        "possessive": "his",
        "owned": "his",
        "reflexive": "himself",
        "are": "is",
        "have": "has",
        "were": "was",
        "do": "does",
        "'re": "'s",
        "'ve": "'s",
        "aren't": "isn't",
        "haven't": "hasn't",
        "don't": "doesn't",
        "weren't": "wasn't",
    },
    "she": {
        "subject": "she",
        "object": "her",
        "possessive": "her",
        "owned": "hers",
        "reflexive": "herself",
        "are": "is",
        "have": "has",
        "were": "was",
        "do": "does",
        "'re": "'s",
        "'ve": "'s",
        "aren't": "isn't",
        "haven't": "hasn't",
        "don't": "doesn't",
        "weren't": "wasn't",
    },
    "they": {
        "subject": "they",
        "object": "them",
        "possessive": "their",
        "owned": "theirs",
        "reflexive": "themselves",
        "are": "are",
        "have": "have",
        "were": "were",
        "do": "do",
        "'re": "'re",
        "'ve": "'ve",
        "aren't": "aren't",
        "haven't": "haven't",
        "don't": "don't",
        "weren't": "weren't",
    },
}
DEFAULT_PRONOUN = "they"
# After "you", these keep their form whoever the subject is ("you can ask" -> "she can ask").
_KEEP_AFTER_SUBJECT = {
    "can",
    "could",
    "may",
    "might",
    "must",
    "should",
    "shall",
    "will",
    "would",
    "can't",
    "cannot",
    "won't",
    "wouldn't",
    "shouldn't",
    "couldn't",
    "also",
    "still",
    "often",
    "only",
    "just",
    "never",
    "always",
    "or",
    "and",
    "had",
    "did",
    "didn't",
    "hadn't",
}
# Before "you", these make it the subject of a new clause ("because you have", "if you get").
_CLAUSE_STARTS = {
    "and",
    "or",
    "but",
    "because",
    "if",
    "when",
    "that",
    "whether",
    "so",
    "while",
    "since",
    "until",
    "unless",
    "as",
    "where",
    "before",
    "after",
    "once",
}
# After "you", these make it an object ("we will call you and", "tell you about it").
_AFTER_OBJECT = {
    "and",
    "or",
    "to",
    "the",
    "a",
    "an",
    "for",
    "with",
    "about",
    "at",
    "in",
    "on",
    "now",
    "too",
    "soon",
    "today",
    "know",
    "if",
    "that",
    "this",
    "it",
    "back",
    "up",
    "out",
    "from",
    "of",
}
_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|[^A-Za-z]+")
_SECOND_PERSON = {"you", "your", "yours", "yourself", "you're", "you've", "you'll", "you'd"}


def pronoun_of(subject: Any) -> str:
    """The pronoun for a subject (a dict or an object with .pronoun); "they" when unknown."""
    pronoun = (
        subject.get("pronoun")
        if isinstance(subject, Mapping)
        else getattr(subject, "pronoun", None)
    )
    return pronoun if pronoun in PRONOUNS else DEFAULT_PRONOUN


def relation_of(subject: Any) -> str | None:
    return (
        subject.get("relation")
        if isinstance(subject, Mapping)
        else getattr(subject, "relation", None)
    )


def _third_person_verb(verb: str) -> str:
    """ "get" -> "gets", "notice" -> "notices", "carry" -> "carries", "touch" -> "touches"."""
    lowered = verb.lower()
    if lowered.endswith("ed"):  # past tense: the same for every subject
        return verb
    if lowered.endswith("y") and len(lowered) > 1 and lowered[-2] not in "aeiou":
        return verb[:-1] + "ies"
    if re.search(r"(s|sh|ch|x|z|o)$", lowered):
        return verb + "es"
    return verb + "s"


def _same_case(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def third_person(text: str, pronoun: str) -> str:
    """Second person to third: "you have a lump in your breast" -> "he has a lump in his breast",
    "you are 50 or over" -> "she is 50 or over", "you can ask" -> "they can ask"."""
    forms = PRONOUNS.get(pronoun, PRONOUNS[DEFAULT_PRONOUN])
    tokens = _TOKEN.findall(text or "")
    words = [i for i, token in enumerate(tokens) if token[:1].isalpha()]
    out = list(tokens)
    agree_at = None  # index of the verb that must agree with a new "he"/"she" subject
    for position, i in enumerate(words):
        token, lowered = tokens[i], tokens[i].lower()
        if i == agree_at:
            out[i] = (
                _same_case(forms[lowered], token)
                if lowered in forms
                else (
                    token
                    if lowered in _KEEP_AFTER_SUBJECT or pronoun == "they"
                    else _third_person_verb(token)
                )
            )
            continue
        if lowered not in _SECOND_PERSON:
            continue
        if lowered == "your":
            out[i] = _same_case(forms["possessive"], token)
        elif lowered == "yours":
            out[i] = _same_case(forms["owned"], token)
        elif lowered == "yourself":
            out[i] = _same_case(forms["reflexive"], token)
        elif lowered != "you":  # you're, you've, you'll, you'd
            ending = lowered[3:]
            out[i] = _same_case(forms["subject"], token) + forms.get(ending, ending)
        else:
            before = "".join(tokens[:i]).rstrip()
            previous = tokens[words[position - 1]].lower() if position else ""
            following = tokens[words[position + 1]].lower() if position + 1 < len(words) else ""
            adjacent = (
                position + 1 < len(words)
                and tokens[i + 1].strip() == ""
                and words[position + 1] == i + 2
            )
            clause_start = not before or before[-1] in '.,;:!?("' or previous in _CLAUSE_STARTS
            verb_follows = adjacent and (
                following in forms or following in _KEEP_AFTER_SUBJECT or following.endswith("ed")
            )
            if (clause_start or verb_follows) and adjacent and following not in _AFTER_OBJECT:
                out[i] = _same_case(forms["subject"], token)
                agree_at = words[position + 1]
            else:
                out[i] = _same_case(forms["object"], token)
    return "".join(out)


def _join(parts: list[str]) -> str:
    unique = list(dict.fromkeys(parts))
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]


def _reasons(rule_ids: list[str], rulebook: RuleBook, subject: Any = None) -> list[str]:
    rules = {rule.id: rule for rule in rulebook.rules}
    reasons = [rules[rule_id].reason for rule_id in rule_ids]
    return [third_person(r, pronoun_of(subject)) for r in reasons] if subject else reasons


def _advice(rule_ids: list[str], rulebook: RuleBook, subject: Any = None) -> str:
    rules = {rule.id: rule for rule in rulebook.rules}
    advice = " ".join(dict.fromkeys(rules[r].advice for r in rule_ids if rules[r].advice))
    return third_person(advice, pronoun_of(subject)) if subject else advice


@cache
def _levels_as_written(path: str) -> dict[str, dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return (yaml.safe_load(handle) or {}).get("levels") or {}


def _level_words(level: str, rulebook: RuleBook, subject: Any = None) -> tuple[str, str]:
    """The level's headline and next step, about the patient or about the person in `subject`."""
    spec = rulebook.levels[level]
    if not subject:
        return spec.headline, spec.next_step.format(emergency_number=rulebook.emergency_number)
    headline, next_step = (
        getattr(spec, "headline_other", None),
        getattr(spec, "next_step_other", None),
    )
    if not (headline and next_step):  # a rule book loaded without the third-person keys
        written = _levels_as_written(str(RED_FLAGS_FILE)).get(level) or {}
        headline, next_step = written.get("headline_other"), written.get("next_step_other")
    forms = PRONOUNS[pronoun_of(subject)]
    if not (headline and next_step):  # never leave an escalation unsaid
        return (
            third_person(spec.headline, pronoun_of(subject)),
            third_person(spec.next_step, pronoun_of(subject)).format(
                emergency_number=rulebook.emergency_number
            ),
        )
    words = {
        "pronoun": forms["subject"],
        "possessive": forms["possessive"],
        "object": forms["object"],
        "emergency_number": rulebook.emergency_number,
    }
    words.update(
        {
            key.capitalize(): value[:1].upper() + value[1:]
            for key, value in words.items()
            if key != "emergency_number"
        }
    )
    return headline.format(**words), next_step.format(**words)


def escalation_text(
    level: str, rule_ids: list[str], rulebook: RuleBook, subject: Any = None
) -> str:
    """Level in plain words, the reason in the patient's terms, and what to do next. With a
    subject ({"relation", "pronoun"}), about that person: "Please help him see his doctor soon.
    I'm telling you this because his nipple has turned inward. ..."."""
    headline, next_step = _level_words(level, rulebook, subject)
    advice = _advice(rule_ids, rulebook, subject)
    text = f"{headline} I'm telling you this because {_join(_reasons(rule_ids, rulebook, subject))}. {next_step}"
    return f"{text} {advice}" if advice else text


def escalation_payload(
    level: str, rule_ids: list[str], rulebook: RuleBook, subject: Any = None
) -> dict[str, dict]:
    headline, next_step = _level_words(level, rulebook, subject)
    payload = {
        "level": level,
        "reasons": list(rule_ids),
        "headline": headline,
        "why": list(dict.fromkeys(_reasons(rule_ids, rulebook, subject))),
        "next_step": next_step,
    }
    if subject:
        payload["about"] = relation_of(subject) or "someone"
    return {PAYLOAD_KEY: payload}


def general_sign_text(level: str | None, rule_ids: list[str], rulebook: RuleBook) -> str:
    """For questions about a sign in general: why it matters, with no personal alarm."""
    when = _join(_reasons(rule_ids, rulebook))
    if level == "emergency":
        return (
            f"In general, this can be an emergency. If it happens to you, call "
            f"{rulebook.emergency_number} right away. It matters when {when}."
        )
    return (
        f"In general, this is a reason to see your doctor. It matters when {when}. "
        "I can't tell what it means for you, but your doctor can check."
    )


def escalation_reply(
    level: str, rule_ids: list[str], rulebook: RuleBook, subject: Any = None
) -> dict:
    """The escalation contract: the plain-words message and the payload for banners and tests."""
    return {
        "text": escalation_text(level, rule_ids, rulebook, subject),
        "custom": escalation_payload(level, rule_ids, rulebook, subject),
    }


def red_flag_reply(red_flags: dict, rulebook: RuleBook, subject: Any = None) -> dict | None:
    """The reply to a message the red-flag detector flagged (its "red_flags" parse data): the
    escalation for a sign the patient (or the person they write for, red_flags["subject"])
    reports, or why a sign matters when they ask about it in general. None when nothing was
    flagged."""
    subject = subject or red_flags.get("subject")
    if red_flags.get("level"):
        return escalation_reply(red_flags["level"], red_flags["reasons"], rulebook, subject)
    if red_flags.get("general_level"):
        return {
            "text": general_sign_text(
                red_flags["general_level"], red_flags["general_reasons"], rulebook
            )
        }
    return None


NO_QUICK_VISIT = "Discharge is often harmless, but mention it to your doctor at your next visit."
NOT_A_DIAGNOSIS = "General information, not a diagnosis."


def _tell_doctor(answers: list[str], subject: Any = None) -> str:
    told = "; ".join(answers) if answers else "when it started and what it looks like"
    tell = f"What to tell your doctor: {told}."
    return third_person(tell, pronoun_of(subject)) if subject else tell


def symptom_check_summary(level: str | None, answers: list[str], subject: Any = None) -> str:
    """The end of the symptom check: what it found and what to tell the doctor (the doctor of
    the person in `subject`, when a carer did the check for them)."""
    if level:
        opening = "That's the end of the check."
    else:
        opening = "From your answers, I did not find a sign that needs a quick visit. " + (
            third_person(NO_QUICK_VISIT, pronoun_of(subject)) if subject else NO_QUICK_VISIT
        )
    return f"{opening} {_tell_doctor(answers, subject)} Here is more you may want to read:"


def doctor_summary(
    level: str | None,
    rule_ids: list[str],
    answered: list[dict[str, str]],
    rulebook: RuleBook,
    date: str,
    subject: Any = None,
) -> dict[str, Any]:
    """The printable page for the doctor (the web server's /patient/summary), as the chat's
    payload {"doctor_summary": ...}: the answers given, the level reached with its reasons,
    what to tell the doctor, the date."""
    escalation = (
        escalation_payload(level, rule_ids, rulebook, subject)[PAYLOAD_KEY] if level else {}
    )
    return {
        "date": date,
        "level": level,
        "headline": escalation.get("headline"),
        "reasons": escalation.get("why", []),
        "answers": answered,
        "tell_doctor": _tell_doctor([item["answer"] for item in answered], subject),
        "next_step": escalation.get("next_step") or (None if level else NO_QUICK_VISIT),
        "note": NOT_A_DIAGNOSIS,
    }
