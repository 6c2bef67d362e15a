"""The trained model on questions it never saw (issue 14): held-out patient questions
(tests/nlu_holdout.yml), two-part questions, the blind dev sets and the sealed sets (counted only,
never printed).

The floors are the figures measured when they were set, less a small margin; the issue's
targets (97% right answers, at most 2% "please rephrase") are not all met yet: see
`make evaluate` for the current figures and every held-out miss."""

import pytest
import yaml

from core.paths import PROJECT_ROOT
from tools.holdout import (
    BORDER_DEV_FILES,
    CLARIFY_INTENT,
    DEV_FILE,
    FAQ,
    MAX_FAQ_WRONG,
    MAX_LOOK_ALIKES_OPENED,
    MAX_REPHRASE,
    MIN_FAQ_RIGHT,
    MIN_OFF_TOPIC_DECLINED,
    MIN_REQUESTS_REACHED,
    OUT_OF_SCOPE,
    REQUEST_INTENTS,
    SEALED_FILES,
    TWO_PART_FILE,
    held_out_shortfalls,
    load_multi,
    predict,
    report,
    request_counts,
)

MIN_RIGHT_AFTER_ASKING = 0.6
MIN_TWO_PART_BOTH = 0.7
# Per set, counted only for the sealed ones: (file, FAQ right answers at least, off-topic answered
# at most). Each floor is the last measured figure less about 3 points, a retraining's noise (2 to
# 5 messages); earlier figures are in git's history and the closing notes of issue 14.
# Measured with the second topic classifier blended in (2026-12-02): set 1 92.0% and 3.3%, set 2
# 88.6% and 4.9%, set 3 92.4% and 0%, the sealed off-topic set 5.0%, the sealed border set 86.2%
# and 0%, set 4 (forum style) 93.6% and 7.5%; dev 95.5% and 2.6%, border dev 92.2% and 5.7%,
# off-topic dev 5.6%.
SEALED_FLOORS = [
    (SEALED_FILES[0], 0.89, 0.1),
    (SEALED_FILES[1], 0.85, 0.1),
    (SEALED_FILES[2], 0.89, 0.1),
    (SEALED_FILES[3], 0.0, 0.1),
    (SEALED_FILES[4], 0.82, 0.1),
    (DEV_FILE, 0.92, 0.075),
    (BORDER_DEV_FILES[0], 0.88, 0.1),
    (BORDER_DEV_FILES[1], 0.0, 0.1),
    (SEALED_FILES[5], 0.89, 0.125),
]


def _share(predicate, predictions) -> float:
    return sum(map(predicate, predictions)) / max(len(predictions), 1)


# The shared servers' model, read over Rasa's HTTP API (POST /model/parse stores nothing): the model
# the patients talk to, and no second load of it in the test process.
pytestmark = pytest.mark.shares_servers


@pytest.fixture(scope="module")
def model(assistant) -> str:
    return assistant.model_server


@pytest.fixture(scope="module")
def held_out(model):
    return predict(model)


def test_held_out_questions_get_the_right_answer(held_out):
    faq = [p for p in held_out if p.expected.startswith(FAQ + "/")]
    assert len(faq) >= 6 * 46, "at least 6 held-out questions per topic"
    assert _share(lambda p: p.answer_correct, faq) >= MIN_FAQ_RIGHT, report(held_out)
    assert _share(lambda p: p.rephrase, faq) <= MAX_REPHRASE, report(held_out)
    wrong = _share(lambda p: p.intent == FAQ and not p.answer_correct, faq)
    assert wrong <= MAX_FAQ_WRONG, report(held_out)
    # Publishing's gate reads the same figures against the same floors.
    figures, shortfalls = held_out_shortfalls(held_out)
    assert not shortfalls and f"of {len(faq)} patient questions" in figures, (figures, shortfalls)


def test_a_clarifying_question_mostly_comes_with_the_answer_asked_for(held_out):
    """A question that names a sign without saying whose gets "whose sign?" too: with its
    answer (core/triage/clarify.py), or, when the sign could be an emergency, before it. Either
    way the question is answered as first understood, which can be wrong like any other reading
    (actions: tests/unit/test_clarify_actions.py)."""
    faq = [p for p in held_out if p.expected.startswith(FAQ + "/")]
    asked = [p for p in faq if p.asked_with_answer or p.intent == CLARIFY_INTENT]
    assert asked, "held-out questions that name a sign get the clarifying question"
    right = _share(lambda p: p.expected in (p.answer, p.after_asking), asked)
    assert right >= MIN_RIGHT_AFTER_ASKING, report(asked)


def test_off_topic_questions_get_the_honest_decline(held_out):
    off_topic = [p for p in held_out if p.expected == OUT_OF_SCOPE]
    assert len(off_topic) >= 40
    assert _share(lambda p: p.intent == OUT_OF_SCOPE, off_topic) >= MIN_OFF_TOPIC_DECLINED, report(
        off_topic
    )


def test_off_topic_and_gibberish_never_get_a_faq_answer(model):
    off_topic = [
        "what's the best pizza topping",
        "xkcd qwerty zzzz",
        "how do i change a tyre",
        "who painted the mona lisa",
        "my dog has a lump on her belly",
        "which pill stops my nipple leaking",
    ]
    predictions = predict(model, [(text, OUT_OF_SCOPE) for text in off_topic])
    assert not [p for p in predictions if p.answer.startswith("faq/")], report(predictions)


def test_two_part_questions_get_both_answers(model):
    items = load_multi(TWO_PART_FILE)
    predictions = predict(model, [(text, expected[0]) for text, expected in items])
    both = [
        set(expected) <= set(p.answers)
        for p, (_, expected) in zip(predictions, items, strict=False)
    ]
    assert sum(both) / len(items) >= MIN_TWO_PART_BOTH, report(predictions)
    assert all(len(p.answers) <= 2 for p in predictions)


@pytest.mark.parametrize(
    "path, min_right, max_off_topic_answered", SEALED_FLOORS, ids=lambda v: getattr(v, "name", v)
)
def test_sealed_questions(model, path, min_right, max_off_topic_answered):
    """Counts only: a failure names no message, so nobody tunes on the sealed set."""
    single = [(text, expected[0]) for text, expected in load_multi(path) if len(expected) == 1]
    predictions = predict(model, single)
    faq = [p for p in predictions if p.expected.startswith(FAQ + "/")]
    off_topic = [p for p in predictions if p.expected == OUT_OF_SCOPE]
    right = _share(lambda p: p.answer_correct, faq)
    answered_off_topic = _share(lambda p: p.intent == FAQ, off_topic)
    assert right >= min_right, f"sealed FAQ right answers: {right:.1%}"
    assert answered_off_topic <= max_off_topic_answered, (
        f"sealed off-topic answered: {answered_off_topic:.1%}"
    )


NEAR_MISSES = PROJECT_ROOT / "tests" / "data" / "patient_request_near_misses.yml"


def test_only_a_real_request_opens_the_call_back_form_or_the_delete_confirmation(model, held_out):
    """A call back or deleting the conversation is asked for in the patient's own words
    (held-out, written blind), and questions that merely share their words (when the results
    are phoned, the clinic's number, the dye being cleared) do neither."""
    asked = [p for p in held_out if p.expected in REQUEST_INTENTS]
    assert len(asked) >= 19
    right = [p for p in asked if p.intent == p.expected or p.escalated]
    assert len(right) / len(asked) >= 0.9, report(asked)
    near = yaml.safe_load(NEAR_MISSES.read_text(encoding="utf-8"))["near_misses"]
    predictions = predict(model, [(item["text"], item["label"]) for item in near])
    opened = [p for p in predictions if p.intent in REQUEST_INTENTS]
    assert not opened, report(opened)


@pytest.mark.parametrize("path", list(MIN_REQUESTS_REACHED), ids=lambda path: path.name)
def test_requests_in_new_words_reach_the_form_or_the_confirmation(model, path):
    """Counts only (the sealed set's messages are never shown)."""
    counts = request_counts(model, path)
    reached, asked = counts["requests reached"]
    opened, look_alikes = counts["look-alikes opened"]
    assert reached / asked >= MIN_REQUESTS_REACHED[path], f"reached {reached}/{asked}"
    assert opened / look_alikes <= MAX_LOOK_ALIKES_OPENED[path], f"opened {opened}/{look_alikes}"
