"""The clarifying question's actions and the symptom check's start, run directly with rasa_sdk's
CollectingDispatcher and Tracker (rasa-demo style): no servers, no model."""

import asyncio
import re
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.escalation import ActionAnswerAfterRedFlag, ActionAnswerQuestionInReport
from actions.sign_owner_form import ActionResolveSignOwner, ValidateSignOwnerForm
from actions.symptom_check_form import ValidateSymptomCheckForm
from core.paths import PROJECT_ROOT
from core.retrieval.decide import OFFER_TOPICS, question_also_asked
from core.retrieval.questions import asks_a_question
from core.triage.clarify import answer_before_asking
from core.triage.rules import load_rulebook

ROOT = PROJECT_ROOT
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
RULEBOOK = load_rulebook()
FORM = "sign_owner_form"


# --- fixtures and event builders -------------------------------------------------------------


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def domain() -> dict[str, Any]:
    return DOMAIN


def finding(sign: str, **context: bool) -> dict[str, Any]:
    return {
        "sign": sign,
        "text": sign,
        "negated": False,
        "general": False,
        "historical": False,
        "other_person": False,
        **context,
    }


def red_flags(
    verdict: dict[str, Any] | None = None, findings=(), subject=None, original_intent=None, **extra
):
    verdict = {
        "action": None,
        "level": None,
        "reasons": [],
        "if_confirmed_level": None,
        "if_confirmed_reasons": [],
        **(verdict or {}),
    }
    active = sorted(
        {
            f["sign"]
            for f in findings
            if not any(f[k] for k in ("negated", "general", "historical", "other_person"))
        }
    )
    escalated = verdict["action"] == "escalate"
    return {
        "level": verdict["level"] if escalated else None,
        "reasons": verdict["reasons"] if escalated else [],
        "general_level": None,
        "general_reasons": [],
        "findings": list(findings),
        "active_signs": active,
        "subject": subject,
        "verdict": verdict,
        "original_intent": original_intent,
        **extra,
    }


def user(
    text: str, intent: str, flags: dict[str, Any] | None = None, faq_answer: str | None = None
) -> dict:
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": [],
        "red_flags": flags or red_flags(),
    }
    if faq_answer:
        parse["response_selector"] = {
            "faq": {"response": {"utter_action": faq_answer, "confidence": 0.9}}
        }
    return {"event": "user", "text": text, "parse_data": parse}


def action(name: str) -> dict:
    return {"event": "action", "name": name}


def loop(name: str | None) -> dict:
    return {"event": "active_loop", "name": name}


def slot(name: str, value: Any) -> dict:
    return {"event": "slot", "name": name, "value": value}


def bot(text: str) -> dict:
    return {"event": "bot", "text": text}


def tracker(
    events: list[dict], slots: dict[str, Any] | None = None, active_loop: str | None = None
) -> Tracker:
    latest = next((e["parse_data"] for e in reversed(events) if e["event"] == "user"), {})
    all_slots = {name: None for name in DOMAIN["slots"]}
    all_slots.update(slots or {})
    return Tracker.from_dict(
        {
            "sender_id": "test",
            "slots": all_slots,
            "latest_message": latest,
            "events": events,
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "action_listen",
        }
    )


def asked(clarified: dict, *answers: dict) -> list[dict]:
    """A conversation where the form asked about `clarified` and the patient answered."""
    events = [
        action("action_listen"),
        clarified,
        action(FORM),
        loop(FORM),
        slot("requested_slot", "sign_owner"),
        bot("Is this happening to you, or to the person you are asking for, right now?"),
    ]
    for answer in answers:
        events += [action("action_listen"), answer]
    return events


def run(action_object, dispatcher, tracker_object, domain) -> list[dict]:
    return asyncio.run(action_object.run(dispatcher, tracker_object, domain))


def texts(dispatcher: CollectingDispatcher) -> str:
    return " ".join(m.get("text") or "" for m in dispatcher.messages)


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["response"] for m in dispatcher.messages if m.get("response")]


def triage_payloads(dispatcher: CollectingDispatcher) -> list[dict]:
    return [
        m["custom"]["triage"] for m in dispatcher.messages if (m.get("custom") or {}).get("triage")
    ]


VAGUE = user("is this something i should worry about", "clarify_symptom")
BLOODY_UNSURE = user(
    "i had bloody discharge, should i be worried?",
    "clarify_symptom",
    red_flags(
        {
            "action": "clarify",
            "if_confirmed_level": "urgent",
            "if_confirmed_reasons": ["bloody_discharge"],
        },
        [finding("bloody_discharge", historical=True), finding("discharge", historical=True)],
        unsure_signs=["bloody_discharge", "discharge"],
    ),
)
CLEAR_UNSURE = user(
    "is clear fluid from one nipple something to worry about",
    "clarify_symptom",
    red_flags(
        {"action": "clarify"},
        [
            finding("clear_discharge", general=True),
            finding("discharge", general=True),
            finding("one_side", general=True),
        ],
        unsure_signs=["clear_discharge", "discharge", "one_side"],
    ),
)


# --- validate_sign_owner_form: reading the answer --------------------------------------------


def validate_owner(events, dispatcher, domain, requested="sign_owner"):
    # Rasa puts requested_slot last in the temporary tracker it sends for validation.
    return run(
        ValidateSignOwnerForm(),
        dispatcher,
        tracker(events + [action(FORM)], {"requested_slot": requested}, active_loop=FORM),
        domain,
    )


@pytest.mark.parametrize(
    "answer,owner",
    [
        ("Yes, to me, now", "self"),
        ("its my mum", "other"),
        ("no that was years ago", "past"),
        ("just asking", "general"),
        ("my husband, yes now", "other"),
    ],
)
def test_the_answer_is_read_from_its_words(dispatcher, domain, answer, owner):
    events = validate_owner(asked(VAGUE, user(answer, "inform")), dispatcher, domain)
    assert SlotSet("sign_owner", owner) in events
    assert dispatcher.messages == []


def test_an_unclear_answer_is_asked_once_more_then_gives_up(dispatcher, domain):
    first = validate_owner(asked(VAGUE, user("asdf qwer", "nlu_fallback")), dispatcher, domain)
    assert first == [
        SlotSet("sign_owner", None)
    ]  # a slot event: the form asks again instead of rejecting
    assert responses(dispatcher) == ["utter_sign_owner_unclear"]
    second_dispatcher = CollectingDispatcher()
    second = validate_owner(
        asked(VAGUE, user("asdf qwer", "nlu_fallback"), user("hmm dunno", "nlu_fallback")),
        second_dispatcher,
        domain,
    )
    assert second == [SlotSet("sign_owner", "unclear")] and second_dispatcher.messages == []


@pytest.mark.parametrize("intent", ["red_flag", "stop"])
def test_red_flags_and_stop_are_left_to_the_rules(dispatcher, domain, intent):
    events = validate_owner(
        asked(VAGUE, user("theres blood coming from my nipple", intent)), dispatcher, domain
    )
    assert (
        events == [] and dispatcher.messages == []
    )  # nothing read: the form rejects, the rules answer


def test_a_question_instead_of_an_answer_is_left_to_the_faq_rule(dispatcher, domain):
    answer = user(
        "how long does a ductogram take", "faq", faq_answer="utter_faq/ductogram_duration"
    )
    assert validate_owner(asked(VAGUE, answer), dispatcher, domain) == []


def test_a_personal_report_as_the_answer_means_me(dispatcher, domain):
    answer = user(
        "the fluid keeps coming",
        "check_symptoms",
        red_flags({"action": "check"}, [finding("discharge")]),
    )
    assert SlotSet("sign_owner", "self") in validate_owner(asked(VAGUE, answer), dispatcher, domain)


def test_nothing_is_read_while_the_form_starts(dispatcher, domain):
    """On activation the latest message is the clarified one ("my husband..."): not an answer."""
    events = [
        action("action_listen"),
        user("my husband has been a bit off, should i worry", "clarify_symptom"),
    ]
    assert validate_owner(events, dispatcher, domain, requested=None) == []


# --- action_resolve_sign_owner: what happens next ------------------------------------------


def resolve(events, owner, dispatcher, domain):
    events = events + [
        action(FORM),
        slot("sign_owner", owner),
        loop(None),
        slot("requested_slot", None),
    ]
    return run(ActionResolveSignOwner(), dispatcher, tracker(events, {"sign_owner": owner}), domain)


def test_yes_to_me_now_escalates_what_the_message_named(dispatcher, domain):
    events = resolve(
        asked(BLOODY_UNSURE, user("Yes, to me, now", "affirm")), "self", dispatcher, domain
    )
    [payload] = triage_payloads(dispatcher)
    assert (payload["level"], payload["reasons"]) == (
        "urgent",
        ["bloody_discharge"],
    ) and "about" not in payload
    assert texts(dispatcher).startswith("Please see your doctor soon.")
    assert SlotSet("sign_owner", None) in events and not any(
        e.get("event") == "followup" for e in events
    )


def test_someone_else_now_escalates_about_them(dispatcher, domain):
    resolve(asked(BLOODY_UNSURE, user("its my mum", "nlu_fallback")), "other", dispatcher, domain)
    [payload] = triage_payloads(dispatcher)
    assert payload["level"] == "urgent" and payload["about"] == "mum"
    assert re.search(r"\bher doctor\b", texts(dispatcher)) and not re.search(
        r"\byour doctor\b", texts(dispatcher)
    )


def test_the_button_for_someone_else_speaks_of_them(dispatcher, domain):
    resolve(
        asked(BLOODY_UNSURE, user("Yes, to someone I'm asking for", "affirm")),
        "other",
        dispatcher,
        domain,
    )
    [payload] = triage_payloads(dispatcher)
    assert payload["about"] == "someone" and "their doctor" in texts(dispatcher)


def test_current_without_a_red_flag_starts_the_check_with_what_was_said(dispatcher, domain):
    events = resolve(asked(CLEAR_UNSURE, user("yes me", "affirm")), "self", dispatcher, domain)
    assert triage_payloads(dispatcher) == []
    assert responses(dispatcher) == ["utter_symptom_check_intro"]
    assert (
        SlotSet("discharge_colour", "clear") in events
        and SlotSet("discharge_side", "one") in events
    )
    assert events[-1] == FollowupAction("symptom_check_form")
    assert SlotSet("sign_subject", None) in events


def test_still_unclear_after_asking_twice_starts_the_check(dispatcher, domain):
    events = resolve(
        asked(VAGUE, user("asdf", "nlu_fallback"), user("hmm", "nlu_fallback")),
        "unclear",
        dispatcher,
        domain,
    )
    assert responses(dispatcher) == ["utter_symptom_check_intro"] and events[-1] == FollowupAction(
        "symptom_check_form"
    )


def test_a_carers_check_is_about_the_person(dispatcher, domain):
    clarified = user(
        "my mum has a bit of fluid, should we worry",
        "clarify_symptom",
        red_flags(
            {"action": "clarify"},
            [finding("discharge", other_person=True)],
            unsure_signs=["discharge"],
        ),
    )
    events = resolve(
        asked(clarified, user("yes its my mum, now", "affirm")), "other", dispatcher, domain
    )
    assert SlotSet("sign_subject", {"relation": "mum", "pronoun": "she"}) in events
    assert SlotSet("sex", "female") in events and events[-1] == FollowupAction("symptom_check_form")


def test_what_was_said_may_already_be_a_reason_to_see_a_doctor(dispatcher, domain):
    """ "My husband has some fluid" + "yes, now": discharge in a man, no check needed first."""
    clarified = user(
        "my husband has some fluid, is it bad",
        "clarify_symptom",
        red_flags(
            {"action": "clarify"},
            [finding("discharge", other_person=True)],
            unsure_signs=["discharge"],
        ),
    )
    events = resolve(
        asked(clarified, user("my husband, yes now", "inform")), "other", dispatcher, domain
    )
    [payload] = triage_payloads(dispatcher)
    assert payload["reasons"] == ["discharge_in_a_man"] and payload["about"] == "husband"
    assert "his doctor" in texts(dispatcher)
    assert not any(e.get("event") == "followup" for e in events)


def test_in_the_past_gets_a_calm_word_and_no_alarm(dispatcher, domain):
    resolve(
        asked(BLOODY_UNSURE, user("No, it was in the past", "deny")), "past", dispatcher, domain
    )
    assert triage_payloads(dispatcher) == [] and responses(dispatcher) == ["utter_sign_owner_past"]


def test_a_general_question_is_told_why_the_sign_matters(dispatcher, domain):
    resolve(asked(BLOODY_UNSURE, user("just asking", "inform")), "general", dispatcher, domain)
    assert triage_payloads(dispatcher) == []
    assert texts(dispatcher).startswith("In general, this is a reason to see your doctor.")
    assert responses(dispatcher) == ["utter_sign_owner_general"]


def test_a_question_in_the_clarified_message_is_answered_after_the_escalation(dispatcher, domain):
    """A sign that would be urgent if current: the clarifying question came alone and first."""
    clarified = user(
        "i had bloody discharge, how long does a ductogram take?",
        "clarify_symptom",
        {**BLOODY_UNSURE["parse_data"]["red_flags"], "original_intent": "faq"},
        faq_answer="utter_faq/ductogram_duration",
    )
    assert answer_before_asking(clarified["parse_data"]) is None
    resolve(asked(clarified, user("yes me", "affirm")), "self", dispatcher, domain)
    assert triage_payloads(dispatcher)[0]["level"] == "urgent"
    assert (
        dispatcher.messages[-1]["response"] == "utter_faq/ductogram_duration"
    )  # after the escalation


def test_a_question_answered_with_the_clarifying_question_is_not_answered_again(dispatcher, domain):
    """A sign that would not need a doctor soon (leaking, if current, starts the symptom check):
    the answer came with the clarifying question (rasa_addons/nlg.py)."""
    clarified = user(
        "could the premeds with my ivig cause nipple leaking?",
        "clarify_symptom",
        red_flags({"action": "clarify", "if_confirmed_level": None}, original_intent="faq"),
        faq_answer="utter_faq/infusion_other_medicines",
    )
    assert answer_before_asking(clarified["parse_data"]) == "utter_faq/infusion_other_medicines"
    resolve(asked(clarified, user("no, it was in the past", "deny")), "past", dispatcher, domain)
    assert "utter_faq/infusion_other_medicines" not in responses(dispatcher)
    assert responses(dispatcher) == ["utter_sign_owner_past"]


# --- the symptom check's start (check_symptoms from the detector) ----------------------------


def test_a_report_with_a_question_gets_the_answer_with_the_check_offered(dispatcher, domain):
    report = user(
        "my nipple is leaking, how do i prepare for a ductogram",
        "check_symptoms",
        red_flags({"action": "check"}, [finding("discharge")], original_intent="faq"),
        faq_answer="utter_faq/ductogram_preparation",
    )
    events = run(
        ActionAnswerQuestionInReport(),
        dispatcher,
        tracker([action("action_listen"), report]),
        domain,
    )
    [answer] = dispatcher.messages
    assert answer["response"] == "utter_faq/ductogram_preparation"
    assert [b["payload"] for b in answer["buttons"]] == ["Check my symptoms"]
    assert events == [
        SlotSet("sign_subject", None),
        FollowupAction("action_listen"),
    ]  # offered, not started


def test_a_report_that_asks_for_a_cure_gets_the_honest_decline_with_the_check_offered(
    dispatcher, domain
):
    report = user(
        "which pill stops my nipple leaking?",
        "check_symptoms",
        red_flags({"action": "check"}, [finding("discharge")], original_intent="out_of_scope"),
    )
    events = run(
        ActionAnswerQuestionInReport(),
        dispatcher,
        tracker([action("action_listen"), report]),
        domain,
    )
    [decline] = dispatcher.messages
    assert decline["response"] == "utter_out_of_scope"
    assert [b["payload"] for b in decline["buttons"]] == ["Check my symptoms"]
    assert events == [SlotSet("sign_subject", None), FollowupAction("action_listen")]


@pytest.mark.parametrize("suggestions", [["infusion_leaking", "infusion_other_medicines"], []])
def test_a_report_with_a_question_unclear_to_the_model_offers_the_closest_topics(
    dispatcher, domain, suggestions
):
    """The question is never passed over: with topics close to it, "Did you mean ...?" (the
    Rasa server's response generator makes the buttons) and the check under them; with none,
    the check starts and asks its own questions."""
    report = user(
        "my nipples leak a bit whenever I'm on my drip - what could be going on?",
        "check_symptoms",
        red_flags({"action": "check"}, [finding("discharge")], original_intent="nlu_fallback"),
    )
    report["parse_data"]["faq_reading"] = {"answers": [], "suggestions": suggestions}
    events = run(
        ActionAnswerQuestionInReport(),
        dispatcher,
        tracker([action("action_listen"), report]),
        domain,
    )
    if not suggestions:
        assert dispatcher.messages == [] and events == [SlotSet("sign_subject", None)]
        return
    [offer] = dispatcher.messages
    assert offer["response"] == "utter_ask_rephrase"
    assert [b["payload"] for b in offer["buttons"]] == ["Check my symptoms"]
    assert events == [SlotSet("sign_subject", None), FollowupAction("action_listen")]


def test_an_escalation_with_an_unclear_question_offers_no_topics(domain):
    """Under an escalation, nothing to choose from competes with what to do now."""
    escalation = user(
        "my nipple is bleeding since my drip, what could be going on?",
        "red_flag",
        red_flags({"action": "escalate", "level": "urgent"}, original_intent="nlu_fallback"),
    )
    escalation["parse_data"]["faq_reading"] = {"answers": [], "suggestions": ["infusion_leaking"]}
    assert question_also_asked(escalation["parse_data"]) == (OFFER_TOPICS, ["infusion_leaking"])
    dispatcher = CollectingDispatcher()
    run(
        ActionAnswerAfterRedFlag(),
        dispatcher,
        tracker([action("action_listen"), escalation]),
        domain,
    )
    assert dispatcher.messages == []


def test_a_worried_question_about_her_own_report_starts_the_check(dispatcher, domain):
    report = user(
        "I have nipple discharge, should I be worried?",
        "check_symptoms",
        red_flags({"action": "check"}, [finding("discharge")], original_intent="faq", worried=True),
        faq_answer="utter_faq/galactorrhea_cancer_risk",
    )
    events = run(
        ActionAnswerQuestionInReport(),
        dispatcher,
        tracker([action("action_listen"), report]),
        domain,
    )
    assert dispatcher.messages == [] and events == [
        SlotSet("sign_subject", None)
    ]  # no reassurance: the check


def test_check_my_symptoms_goes_on_to_start_the_check(dispatcher, domain):
    message = user(
        "check my symptoms", "check_symptoms", red_flags(original_intent="check_symptoms")
    )
    events = run(
        ActionAnswerQuestionInReport(),
        dispatcher,
        tracker([action("action_listen"), message]),
        domain,
    )
    assert dispatcher.messages == [] and events == [SlotSet("sign_subject", None)]


def test_a_report_that_asks_nothing_gets_no_unasked_answer(dispatcher, domain):
    report = user(
        "my mum has some discharge from her nipple",
        "check_symptoms",
        red_flags(
            {"action": "check"},
            [finding("discharge", other_person=True)],
            subject={"relation": "mum", "pronoun": "she"},
            original_intent="faq",
        ),
        faq_answer="utter_faq/prolactin_men",
    )
    events = run(
        ActionAnswerQuestionInReport(),
        dispatcher,
        tracker([action("action_listen"), report]),
        domain,
    )
    assert dispatcher.messages == []
    assert events == [SlotSet("sign_subject", {"relation": "mum", "pronoun": "she"})]
    red_flag_dispatcher = CollectingDispatcher()
    run(
        ActionAnswerAfterRedFlag(),
        red_flag_dispatcher,
        tracker([action("action_listen"), report]),
        domain,
    )
    assert red_flag_dispatcher.messages == []


@pytest.mark.parametrize(
    "text,asks",
    [
        ("my mum has some discharge from her nipple", False),
        ("my nipple has been bleeding since this morning", False),
        ("I have bloody discharge, how long does a ductogram take", True),
        ("i have discharge. what is a ductogram", True),
        ("is it serious", True),
        ("tell me about the test", True),
        ("my boobs leak during ivig infusions is that normal", True),
        ("whatever it is it hurts", False),
    ],
)
def test_what_counts_as_asking_a_question(text, asks):
    assert asks_a_question(text) == asks


def validate_check(events, dispatcher, domain, slots=None, requested=None):
    return run(
        ValidateSymptomCheckForm(),
        dispatcher,
        tracker(
            events + [action("symptom_check_form")],
            {"requested_slot": requested, **(slots or {})},
            active_loop="symptom_check_form" if requested else None,
        ),
        domain,
    )


def test_the_check_fills_in_what_the_report_said_when_it_starts(dispatcher, domain):
    report = user(
        "I have clear discharge from my left nipple, should I worry?",
        "check_symptoms",
        red_flags(
            {"action": "check"},
            [finding("clear_discharge"), finding("discharge"), finding("one_side")],
        ),
    )
    events = validate_check(
        [
            action("action_listen"),
            report,
            action("action_answer_question_in_report"),
            action("utter_symptom_check_intro"),
        ],
        dispatcher,
        domain,
    )
    assert (
        SlotSet("discharge_colour", "clear") in events
        and SlotSet("discharge_side", "one") in events
    )
    assert (
        SlotSet("requested_slot", "discharge_trigger") not in events
    )  # Rasa asks the first missing question


def test_a_carers_report_says_the_persons_sex_when_the_check_starts(dispatcher, domain):
    report = user(
        "my wife's nipple is leaking",
        "check_symptoms",
        red_flags(
            {"action": "check"},
            [finding("discharge", other_person=True)],
            subject={"relation": "wife", "pronoun": "she"},
        ),
    )
    events = validate_check(
        [action("action_listen"), report],
        dispatcher,
        domain,
        slots={"sign_subject": {"relation": "wife", "pronoun": "she"}},
    )
    assert SlotSet("sex", "female") in events


@pytest.mark.parametrize("intent", ["clarify_symptom", "check_symptoms"])
def test_a_worried_message_mid_check_asks_the_question_again(dispatcher, domain, intent):
    message = user("is this something i should worry about", intent)
    events = validate_check(
        [action("action_listen"), message],
        dispatcher,
        domain,
        slots={"discharge_colour": "milky"},
        requested="discharge_side",
    )
    assert (
        SlotSet("discharge_side", None) in events
    )  # a slot event: the form asks again, no restart
    assert responses(dispatcher) == ["utter_symptom_check_continue"]


# --- the responses these actions send ------------------------------------------------------


def test_every_response_sent_by_an_action_is_in_the_domain_and_validated():
    script = (ROOT / "tools" / "validate_data.sh").read_text()
    listed = set(re.search(r'ACTION_RESPONSES="([^"]+)"', script).group(1).split("|"))
    # Sent by the action server, or by the response generator in the Rasa server.
    sources = "".join(
        p.read_text() for p in [*(ROOT / "actions").glob("*.py"), ROOT / "rasa_addons" / "nlg.py"]
    )
    sent = set(re.findall(r'"(utter_[a-z_]+)"', sources)) & set(DOMAIN["responses"])
    assert listed <= set(DOMAIN["responses"])
    assert listed <= sent, f"listed in validate_data.sh but never sent: {listed - sent}"
    in_rules = "".join(p.read_text() for p in (ROOT / "data").rglob("*.yml"))
    unlisted = {r for r in sent - listed if f"action: {r}" not in in_rules}
    assert not unlisted, f"sent by an action but not listed in validate_data.sh: {unlisted}"
