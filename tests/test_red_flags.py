"""Red flags through the real trained model and the running servers, over the REST channel."""

from pathlib import Path

import pytest
import yaml
from conftest import RunningAssistant, triage_of

from core.settings import clinic
from tools.publish_gates import MAX_FALSE_ALARM_RATE

# Its tests only talk to the servers, each in its own conversation: the servers are shared.
pytestmark = pytest.mark.shares_servers

PHRASINGS = yaml.safe_load((Path(__file__).parent / "data" / "red_flag_phrasings.yml").read_text())


def test_table_is_big_enough():
    assert len(PHRASINGS["red_flags"]) >= 300 and len(PHRASINGS["look_alikes"]) >= 100


def test_every_red_flag_phrasing_escalates_at_its_level(assistant: RunningAssistant):
    wrong = []
    for i, row in enumerate(PHRASINGS["red_flags"]):
        reply = assistant.send(f"redflag-{i}", row["text"])
        triage = triage_of(reply)
        if not triage or triage["level"] != row["level"]:
            wrong.append((row["text"], row["level"], triage))
        elif not reply[0]["text"].startswith(
            ("Please see your doctor", "This may be an emergency", "Mention this")
        ):
            wrong.append((row["text"], "escalation must come first", reply[0]["text"]))
    recall = 1 - len(wrong) / len(PHRASINGS["red_flags"])
    print(f"red-flag recall over REST: {recall:.1%} ({len(PHRASINGS['red_flags'])} phrasings)")
    assert not wrong, wrong


def test_look_alikes_rarely_escalate(assistant: RunningAssistant):
    alarms = [
        text
        for i, text in enumerate(PHRASINGS["look_alikes"])
        if triage_of(assistant.send(f"lookalike-{i}", text))
    ]
    rate = len(alarms) / len(PHRASINGS["look_alikes"])
    print(
        f"false-alarm rate over REST: {rate:.1%} ({len(PHRASINGS['look_alikes'])} look-alikes): {alarms}"
    )
    assert rate <= MAX_FALSE_ALARM_RATE, alarms


def test_red_flag_inside_a_question_escalates_first_then_answers(assistant: RunningAssistant):
    reply = assistant.send(
        "mixed-1", "I have bloody discharge from one nipple, how long does a ductogram take?"
    )
    assert reply[0]["text"].startswith("Please see your doctor soon.")
    assert (triage_of(reply)["level"], triage_of(reply)["reasons"]) == (
        "urgent",
        ["bloody_discharge"],
    )
    assert (
        "30 to 60 minutes" in reply[-1]["text"]
        and "Source: What Is a Ductogram? — Timing" in reply[-1]["text"]
    )


def test_emergency_names_the_emergency_number(assistant: RunningAssistant):
    reply = assistant.send("emergency-1", "my throat is swelling after the dye")
    assert triage_of(reply)["level"] == "emergency"
    # The clinic's one emergency-number setting (EMERGENCY_NUMBER), also on the banner's call link.
    assert f"Call {clinic().emergency_number} now" in reply[0]["text"]


@pytest.mark.parametrize(
    "text", ["what does bloody discharge mean?", "is a lump in the breast a bad sign?"]
)
def test_general_questions_educate_without_alarm(assistant: RunningAssistant, text):
    reply = assistant.send("general-1", text)
    assert triage_of(reply) is None
    assert any("reason to see your doctor" in m.get("text", "") for m in reply), reply
