"""Five worried patients talk to the running assistant over REST, from a vague first message to
an outcome, answering whatever it asks in their own words (typos and all) or with its buttons.
Each transcript is written to $RESULTS_DIR/personas/<name>.txt for review.

The patient answers the question the assistant asks, whichever it is, so the conversations
hold however the first message is read (the clarifying question, or the symptom check with
what the message already said filled in).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from conftest import RESULTS_DIR, RunningAssistant, click

from core.settings import clinic

# Its tests only talk to the servers, each in its own conversation: the servers are shared.
pytestmark = pytest.mark.shares_servers

PERSONA_DIR = RESULTS_DIR / "personas"
LEVELS = {None: 0, "routine": 1, "urgent": 2, "emergency": 3}
MAX_TURNS = 16

# The assistant's questions, by how they begin, and the key of the persona's answer to each.
QUESTIONS: list[tuple[str, str]] = [
    ("Is this happening to you", "owner"),
    ("What colour is the fluid?", "colour"),
    ("Does it come from one breast or both?", "side"),
    ("Does it come out by itself, or only when you squeeze?", "trigger"),
    ("Have you felt a lump", "lump"),
    ("Have you seen changes like skin dimpling", "skin"),
    ("Are you female or male?", "sex"),
    ("How old are you?", "age"),
    ("Are you pregnant or breastfeeding?", "pregnancy"),
    ("Do you take any regular medicines?", "medicines"),
    ("Do you get infusions, or do you have a port?", "port"),
]


@dataclass
class Button:
    title: str


@dataclass
class Persona:
    name: str
    who: str
    opening: str
    answers: dict[str, object]  # question key -> free text, or Button(title)
    expected: str  # "urgent", "routine", or "routine at most"
    summary: bool = False  # must end with the check's summary
    transcript: list[str] = field(default_factory=list)


PERSONAS = [
    Persona(
        "bloody_one_side",
        "Dana, 41: blood-stained fluid from one nipple, by itself",
        "I have some nipple discharge and I'm worried",
        {
            "owner": "yes its me",
            "colour": "its kinda bloddy, pinkish",
            "side": Button("One breast"),
            "trigger": "it comes out by itself",
        },
        expected="urgent",
    ),
    Persona(
        "clear_one_side",
        "Priya, 35: clear fluid from one nipple, by itself",
        "i keep finding wet patches on my bra and im a bit scared tbh",
        {
            "owner": Button("Yes, to me, now"),
            "colour": "clear, like water",
            "side": "just the rite one",
            "trigger": Button("By itself"),
            "lump": "no",
            "skin": "no",
        },
        expected="urgent",
    ),
    Persona(
        "milky_both_squeezed",
        "Jo, 34: milky fluid from both nipples, only when squeezed",
        "not sure if this is normal for me, im a bit worried",
        {
            "owner": "yes me, now",
            "colour": Button("Milky"),
            "side": "both sides",
            "trigger": "only if i press on them",
            "lump": "no",
            "skin": Button("No"),
            "sex": "female",
            "age": "34",
            "pregnancy": "neither",
            "medicines": "nope",
            "port": Button("Neither"),
        },
        expected="routine at most",
        summary=True,
    ),
    Persona(
        "green_both",
        "Sam, 44: greenish fluid from both nipples",
        "im really anxious, is this bad",
        {
            "owner": Button("Yes, to me, now"),
            "colour": "sort of greenish",
            "side": "both of them",
            "trigger": Button("Only when squeezed"),
            "lump": "no lumps",
            "skin": "no",
            "sex": Button("Female"),
            "age": Button("30 to 49"),
            "pregnancy": "not pregnant",
            "medicines": "no",
            "port": "no",
        },
        expected="routine",
    ),
    Persona(
        "yellow_lump",
        "Ruth, 52: yellow fluid, and a lump",
        "there's yellow stuff coming out my nipple, is that normal??",
        {
            "owner": "yes, me",
            "colour": "yellowish",
            "side": Button("One breast"),
            "trigger": "when i sqeeze it",
            "lump": "yes i think ive got a lump near it",
        },
        expected="urgent",
    ),
]


def _triage(message: dict) -> dict | None:
    custom = message.get("custom")
    return custom.get("triage") if isinstance(custom, dict) else None


def _record(persona: Persona, speaker: str, message: dict) -> None:
    if message.get("text"):
        persona.transcript.append(f"{speaker}: {message['text']}")
    if message.get("buttons"):
        persona.transcript.append(
            "    [buttons: " + " | ".join(b["title"] for b in message["buttons"]) + "]"
        )
    triage = _triage(message)
    if triage:
        about = f", about: {triage['about']}" if triage.get("about") else ""
        persona.transcript.append(
            f"    [banner: {triage['level']} ({', '.join(triage['reasons'])}){about}]"
        )


def _question_key(reply: list[dict]) -> str | None:
    last = (reply[-1].get("text") or "") if reply else ""
    return next((key for start, key in QUESTIONS if last.startswith(start)), None)


def talk(assistant: RunningAssistant, persona: Persona) -> list[dict]:
    """The whole conversation; every assistant message, in order."""
    sender = f"persona-{persona.name}"
    persona.transcript = [f"# {persona.who}", ""]
    said: list[dict] = []
    message = persona.opening
    for _ in range(MAX_TURNS):
        persona.transcript.append(f"patient: {message}")
        reply = assistant.send(sender, message)
        for bot_message in reply:
            _record(persona, "assistant", bot_message)
        said += reply
        key = _question_key(reply)
        if key is None:
            break
        answer = persona.answers.get(key)
        assert answer is not None, f"{persona.name} has no answer to {key!r}:\n" + "\n".join(
            persona.transcript
        )
        message = click(reply, answer.title) if isinstance(answer, Button) else answer
        if isinstance(answer, Button):
            persona.transcript.append(f'    (taps "{answer.title}")')
    else:
        pytest.fail(
            f"{persona.name}: no outcome after {MAX_TURNS} messages:\n"
            + "\n".join(persona.transcript)
        )
    PERSONA_DIR.mkdir(parents=True, exist_ok=True)
    (PERSONA_DIR / f"{persona.name}.txt").write_text(
        "\n".join(persona.transcript) + "\n", encoding="utf-8"
    )
    return said


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p.name)
def test_a_worried_patient_reaches_the_right_outcome(assistant: RunningAssistant, persona: Persona):
    said = talk(assistant, persona)
    transcript = "\n".join(persona.transcript)
    banners = [t for t in (_triage(m) for m in said) if t]
    highest = max((b["level"] for b in banners), key=LEVELS.get, default=None)
    texts = [m.get("text") or "" for m in said]

    if persona.expected == "urgent":
        assert highest == "urgent", transcript
        first_escalation = next(i for i, m in enumerate(said) if _triage(m))
        assert texts[first_escalation - 1].startswith("Please see your doctor soon."), transcript
    elif persona.expected == "routine":
        assert highest == "routine", transcript
    else:
        assert LEVELS[highest] <= LEVELS["routine"], transcript
    if persona.summary:
        assert any("What to tell your doctor:" in t for t in texts), transcript
    # Never silence, never a reply that opens with a bare yes or no.
    assert all(
        re.match(r"(yes|no)\b[.!]?$", t.strip(), re.IGNORECASE) is None for t in texts if t
    ), transcript
    assert "Sorry, I'm not sure I understood" not in transcript, transcript


def test_a_carer_typing_for_her_husband_hears_about_him(assistant: RunningAssistant):
    reply = assistant.send("carer-husband", "my husband has fluid coming out of his nipple")
    [banner] = [t for t in (_triage(m) for m in reply) if t]
    assert banner["level"] == "urgent" and banner.get("about") == "husband", reply
    text = reply[0]["text"]
    assert re.search(r"\b(he|his|him)\b", text) and not re.search(r"\byour doctor\b", text), text
    assert re.search(r"\bhis doctor\b", text), text


def test_a_carer_typing_for_her_mum_is_told_to_call_for_her(assistant: RunningAssistant):
    reply = assistant.send("carer-mum", "my mum's lips are swelling after the dye")
    [banner] = [t for t in (_triage(m) for m in reply) if t]
    assert banner["level"] == "emergency" and banner.get("about") == "mum", reply
    text = reply[0]["text"]
    assert text.startswith("This may be an emergency.")
    assert f"Call {clinic().emergency_number} for her now" in text, text


@pytest.mark.parametrize(
    "opener",
    [
        "I have some nipple discharge and I'm worried",
        "I have nipple discharge, should I be worried?",
        "my nipples leak a bit, can you help me figure out if it's a problem",
    ],
)
def test_a_worried_opener_gets_questions_not_reassurance(assistant: RunningAssistant, opener: str):
    # The three openers used to get "80 to 95 out of 100 are not cancer" or "please rephrase".
    reply = assistant.send("worried-" + re.sub(r"\W+", "-", opener)[:40], opener)
    texts = " ".join(m.get("text") or "" for m in reply)
    assert "What colour is the fluid?" in texts, reply
    assert "not cancer" not in texts and "Sorry, I'm not sure I understood" not in texts, reply
