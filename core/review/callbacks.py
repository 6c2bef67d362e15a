"""Call-back requests: a patient asks the clinic to phone her (POST /patient/callback), and the
nurses work through the queue (/nurse/callbacks). Pure logic: reading a submitted request, the
words the patient is told, the states a request goes through and the queue's order. The web
server stores them (webapp/callbacks.py); nothing here touches a database or the network.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from core.review.report import triage_of

NEW, CALLED, CLOSED = "new", "called", "closed"
STATUS_WORDS = {NEW: "New", CALLED: "Called", CLOSED: "Closed"}
# A request moves forward only: called may still be closed, a closed one stays closed (a patient
# who asks again after that makes a new request).
TRANSITIONS = {NEW: (CALLED, CLOSED), CALLED: (CLOSED,), CLOSED: ()}
ACTION_WORDS = {CALLED: "Mark as called", CLOSED: "Close"}
# Who a change by the patient (the request, and asking again) is recorded as.
PATIENT = "patient"

# The queue: the most serious escalation first, then the longest waiting.
LEVEL_ORDER = ("emergency", "urgent", "routine")
LEVEL_WORDS = {
    "emergency": "Emergency",
    "urgent": "Urgent",
    "routine": "Routine",
    None: "No warning signs",
}

# A conversation id as the widget (web-<uuid>) or a REST client makes them.
CONVERSATION_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")
MAX_NAME = 60
MAX_GOOD_TIME = 100
MAX_NOTE = 500
# What a phone number may hold besides digits: spaces, dots, dashes, brackets, one leading +.
PHONE_SEPARATORS = re.compile(r"[\s.()\-]")
MIN_DIGITS, MAX_DIGITS = 7, 15
MAX_PHONE = 40  # as typed, separators included

CHECK_THE_FORM = "Please check the form: nothing was sent."
BAD_CONVERSATION = (
    "This conversation cannot be found. Please reload the page and try again, or call the clinic."
)


class NotAccepted(ValueError):
    """A submission that cannot be kept: `message` for the patient, and `problems` by field."""

    def __init__(self, message: str, problems: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or {}


@dataclass(frozen=True)
class CallbackRequest:
    conversation: str
    first_name: str
    phone: str  # as typed, spaces tidied: the nurse dials it
    good_time: str


def _words(value: str) -> str:
    """One line: runs of spaces, tabs and line breaks made one space; control characters and
    unpaired surrogates (which no database would store) removed."""
    spaced = re.sub(r"\s+", " ", value)
    return "".join(c for c in spaced if unicodedata.category(c) not in ("Cc", "Cs")).strip()


def _unprintable(value: str) -> bool:
    """Characters a person cannot type in a form: control characters other than spaces, and
    unpaired surrogates."""
    return any(unicodedata.category(c) in ("Cc", "Cs") and not c.isspace() for c in value)


def read_conversation(value: Any) -> str:
    """The conversation id a patient's page sent: NotAccepted unless it looks like one."""
    if not isinstance(value, str) or not CONVERSATION_ID.fullmatch(value):
        raise NotAccepted(BAD_CONVERSATION, {"conversation": BAD_CONVERSATION})
    return value


def phone_digits(phone: str) -> str | None:
    """The number's digits, if it is a phone number: after removing spaces, dots, dashes,
    brackets and one leading +, 7 to 15 digits and nothing else."""
    bare = PHONE_SEPARATORS.sub("", phone)
    bare = bare[1:] if bare.startswith("+") else bare
    if bare.isascii() and bare.isdigit() and MIN_DIGITS <= len(bare) <= MAX_DIGITS:
        return bare
    return None


def name_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not _words(value):
        return "Please type your first name."
    if _unprintable(value):
        return "Please type your first name with ordinary letters."
    if len(_words(value)) > MAX_NAME:
        return f"Please keep your first name to {MAX_NAME} letters or fewer."
    if not any(character.isalpha() for character in value):
        return "Please type your first name in letters."
    return None


def phone_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "Please type the phone number we should call."
    if len(value.strip()) > MAX_PHONE or phone_digits(value.strip()) is None:
        return "Please check the phone number: it should have 7 to 15 digits, like +1 555 010 0199."
    return None


def good_time_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not _words(value):
        return "Please say when is a good time to call, like “weekday mornings”."
    if _unprintable(value):
        return "Please say when to call with ordinary letters and numbers."
    if len(_words(value)) > MAX_GOOD_TIME:
        return f"Please keep the good time to call to {MAX_GOOD_TIME} characters or fewer."
    return None


def consent_problem(clinic_phone: str) -> str:
    return (
        "Please tick the box so the clinic may keep your name and number to call you. "
        f"If you prefer, call the clinic yourself on {clinic_phone}."
    )


def read_request(body: Any, clinic_phone: str) -> CallbackRequest:
    """A call-back request from the JSON the patient's page sent, or NotAccepted with what to
    fix, field by field. Without consent nothing is kept, and the patient is told she may call
    the clinic instead."""
    if not isinstance(body, dict):
        raise NotAccepted(CHECK_THE_FORM, {"form": "The form could not be read."})
    conversation = read_conversation(body.get("conversation"))
    problems = {
        field: problem
        for field, problem in (
            ("first_name", name_problem(body.get("first_name"))),
            ("phone", phone_problem(body.get("phone"))),
            ("good_time", good_time_problem(body.get("good_time"))),
            ("consent", None if body.get("consent") is True else consent_problem(clinic_phone)),
        )
        if problem
    }
    if problems:
        message = CHECK_THE_FORM
        if "consent" in problems:
            message += f" You can also call the clinic on {clinic_phone}."
        raise NotAccepted(message, problems)
    return CallbackRequest(
        conversation=conversation,
        first_name=_words(body["first_name"]),
        phone=_words(body["phone"]),
        good_time=_words(body["good_time"]),
    )


def read_note(value: Any) -> str:
    """A nurse's note on a change: one line, at most MAX_NOTE characters."""
    return _words(value)[:MAX_NOTE] if isinstance(value, str) else ""


class NotAllowed(ValueError):
    """That change of state is not possible from the request's state."""


def check_transition(from_status: str, to_status: str) -> None:
    if to_status not in TRANSITIONS.get(from_status, ()):
        raise NotAllowed(
            f"A request that is {STATUS_WORDS.get(from_status, from_status).lower()} cannot be "
            f"marked {STATUS_WORDS.get(to_status, to_status).lower()}."
        )


def next_steps(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def level_rank(level: str | None) -> int:
    """0 for emergency, 1 urgent, 2 routine, 3 for none (or a level this does not know)."""
    return LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER)


def queue_order(requests: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Open requests first, the most serious escalation first, then the longest waiting
    (earliest asked); closed ones after them, the most recently changed first. Each request is
    a mapping with "status", "triage_level", "requested_at" and "updated_at"."""
    listed = list(requests)
    open_ones = sorted(
        (r for r in listed if r["status"] != CLOSED),
        key=lambda r: (level_rank(r["triage_level"]), r["requested_at"]),
    )
    closed = sorted(
        (r for r in listed if r["status"] == CLOSED), key=lambda r: r["updated_at"], reverse=True
    )
    return open_ones + closed


def waited(since: dt.datetime, now: dt.datetime) -> str:
    """How long a request has waited, in plain words: "5 minutes", "3 hours 10 minutes",
    "2 days 4 hours"."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)

    def count(number: int, unit: str) -> str:
        return f"{number} {unit}{'' if number == 1 else 's'}"

    if days:
        return count(days, "day") + (f" {count(hours, 'hour')}" if hours else "")
    if hours:
        return count(hours, "hour") + (f" {count(minutes, 'minute')}" if minutes else "")
    return count(minutes, "minute")


def most_serious_triage(events: Sequence[dict[str, Any]]) -> tuple[str | None, list[str]]:
    """The level and reasons (the `why` lines) of the conversation's most serious escalation,
    the latest of equally serious ones: an emergency stays an emergency after a routine finding.
    (None, []) when there was none."""
    found: tuple[str | None, list[str]] = (None, [])
    found_rank = len(LEVEL_ORDER) + 1
    for event in events:
        triage = triage_of(event)
        if not isinstance(triage, dict):
            continue
        level = triage.get("level")
        why = triage.get("why") or []
        level = level if isinstance(level, str) else None
        if level_rank(level) <= found_rank:
            found = (level, [str(line) for line in why] if isinstance(why, list) else [])
            found_rank = level_rank(level)
    return found


def emergency_warning(emergency_number: str) -> str:
    return f"This may be an emergency. Call {emergency_number} now: do not wait for our call."


def confirmation(
    request: CallbackRequest,
    level: str | None,
    *,
    clinic_name: str,
    clinic_hours: str,
    expectation: str,
    emergency_number: str,
    merged: bool = False,
) -> str:
    """What the patient is told once her request is kept: when to expect the call (`expectation`,
    from core.clinic_hours.when_to_expect_a_call), the clinic's hours, and first of all, after an
    emergency escalation, to call the emergency number now."""
    kept = "We have updated your request" if merged else "We have your request"
    text = (
        f"Thank you, {request.first_name}. {kept}: a nurse from {clinic_name} will call you on "
        f"{request.phone} ({request.good_time}). {expectation} "
        f"The clinic's hours are {clinic_hours}."
    )
    return f"{emergency_warning(emergency_number)} {text}" if level == "emergency" else text


def forgotten_text(deleted_callbacks: int, clinic_phone: str) -> str:
    """What a patient who deleted her conversation is told."""
    text = "Your conversation is deleted. Nothing you wrote here is kept any more."
    if deleted_callbacks:
        text += (
            " Your request for a call back is cancelled too: if you still want to talk to a "
            f"nurse, call the clinic on {clinic_phone}."
        )
    return text


def privacy_line(retention_days: int) -> str:
    """The widget's privacy line (/widget-config.json), under the first message."""
    return f"We keep this conversation for {retention_days} days to improve the service."


# The printable summary for the patient's doctor (POST /patient/summary).
SUMMARY_KEY = "doctor_summary"


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _lines(value: Any) -> list[str]:
    return (
        [line.strip() for line in value if isinstance(line, str) and line.strip()]
        if (isinstance(value, list))
        else []
    )


def doctor_summary(events: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The latest summary a symptom check left for the patient's doctor (the last bot event
    whose data.custom has doctor_summary), tidied for the page: None when there is none."""
    for event in reversed(events):
        if event.get("event") != "bot":
            continue
        custom = (event.get("data") or {}).get("custom")
        summary = custom.get(SUMMARY_KEY) if isinstance(custom, dict) else None
        if not isinstance(summary, dict):
            continue
        level = summary.get("level") if summary.get("level") in LEVEL_WORDS else None
        answers = [
            {"question": _text(a.get("question")), "answer": _text(a.get("answer"))}
            for a in summary.get("answers") or []
            if isinstance(a, dict)
        ]
        return {
            "date": _text(summary.get("date")),
            "level": level,
            "level_words": LEVEL_WORDS[level],
            "headline": _text(summary.get("headline")),
            "reasons": _lines(summary.get("reasons")),
            "answers": [a for a in answers if a["question"] or a["answer"]],
            "tell_doctor": _text(summary.get("tell_doctor")),
            "next_step": _text(summary.get("next_step")),
        }
    return None
