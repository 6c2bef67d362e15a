"""Accuracy on held-out patient questions (tests/nlu_holdout.yml), two-part questions
(tests/data/faq_two_part.yml), the blind dev sets (tests/data/faq_dev.yml, and the border between
the topics and what they do not cover: scope_border_dev.yml, off_topic_dev.yml) and, as counts
only, the sealed sets (SEALED_FILES), and the requests to be called or to delete the conversation
(tests/data/patient_requests_*.yml).

A question gets the right answer when the final intent (after the fallback classifier, the
FAQ confidence gate and retrieval) is the expected one and, for FAQ questions, the answer
given first is the expected one. A "Did you mean" offer is not a right answer; it is counted
apart, with how often the right topic was among the buttons.

    python -m tools.holdout --model models/assistant-<hash>.tar.gz
    RASA_API_TOKEN=... python -m tools.holdout --model http://localhost:5005  # a running server
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from core.content import HOLDOUT_FILE, PROJECT_ROOT
from core.names import (
    CALLBACK_INTENT,
    CHECK_INTENT,
    CLARIFY_INTENT,
    FALLBACK_INTENT,
    FORGET_INTENT,
    READING_KEY,
    RED_FLAG_INTENT,
    RED_FLAGS_KEY,
)
from core.retrieval.decide import (
    ANSWER_IT,
    DECLINE_IT,
    OFFER_TOPICS,
    other_choice,
    question_also_asked,
)
from core.triage.clarify import answer_before_asking

TWO_PART_FILE = PROJECT_ROOT / "tests" / "data" / "faq_two_part.yml"
# Written blind by helpers who saw only the answers; counted, never printed, never trained on.
# Set 2 was added when part of set 1 had been seen in a debug log (issue 14's second note), set 3
# when sets 1 and 2 had guided several rounds of changes (issue 14's fourth step), the off-topic
# set of questions that share words with the topics (the model of 2026-12-01 answered 15 of its
# 60; with 156 such questions in training, 12, but 16 of 940 FAQ answers were lost; with
# data/scope.yml's test shapes and narrow subjects, 5), and the border set, written after those
# were built (72/80 right and 18/60 off-topic answered before them; 72/80 and 5/60 with them).
# Set 4, forum style (141 questions covering all 46 topics, and 40 off-topic), was written on 2026-12-02,
# after all of them, to measure the changes of that day on words nobody here had read.
SEALED_FILES = tuple(
    PROJECT_ROOT / "tests" / "data" / name
    for name in (
        "faq_sealed.yml",
        "faq_sealed_2.yml",
        "faq_sealed_3.yml",
        "off_topic_sealed.yml",
        "scope_border_sealed.yml",
        "faq_sealed_4.yml",
    )
)
# Written blind in the same way, but printed: the set to read when looking for what fails.
# Never trained on, so its figures still say how new wordings fare until it has guided changes.
DEV_FILE = PROJECT_ROOT / "tests" / "data" / "faq_dev.yml"
# The border between the topics and what they do not cover: questions that name another test or
# treatment as background, and off-topic ones that share the topics' words (data/scope.yml).
BORDER_DEV_FILES = tuple(
    PROJECT_ROOT / "tests" / "data" / name for name in ("scope_border_dev.yml", "off_topic_dev.yml")
)
# Requests to be called back or to delete the conversation, and look-alikes, written blind: the
# sealed set is counted, never printed; the dev set is read to find what fails. Neither is trained
# on. A request is reached when it opens the call-back form or the delete confirmation, or a
# red-flag escalation (which comes first, and offers the call) is given instead.
# Measured with the patterns of data/patient_request_rules.yml: sealed 56/69 reached and 3/45
# look-alikes opened (the classifier alone, before one sealed message that repeated a training
# example was removed: 55/70 and 7/45); dev 59/60 and 0/50.
REQUESTS_SEALED_FILE = PROJECT_ROOT / "tests" / "data" / "patient_requests_sealed.yml"
REQUESTS_DEV_FILE = PROJECT_ROOT / "tests" / "data" / "patient_requests_dev.yml"
REQUEST_INTENTS = (CALLBACK_INTENT, FORGET_INTENT)
MIN_REQUESTS_REACHED = {REQUESTS_SEALED_FILE: 0.75, REQUESTS_DEV_FILE: 0.9}
MAX_LOOK_ALIKES_OPENED = {REQUESTS_SEALED_FILE: 0.12, REQUESTS_DEV_FILE: 0.05}

# Held-out questions (floors for the tests and for publishing, tools/publish_gates.py): right
# answer at once, and at most this many bare "please rephrase".
# Measured 94.1% (348 of 370) once a question naming a sign got its answer with "whose sign?",
# 94.9% (351) and 93.0% (344) with the subject a question points back to, as two trainings
# differed (a retraining alone moves this by about 7 questions either way), and 94.9% (351) with
# six more examples per topic written blind in patients' styles; 94.9% (351) again with the
# response selector's 128 dense dimensions (config.yml). Since 2026-12-02 the count follows what
# the assistant says to a report or an escalation (core/retrieval/decide.py question_also_asked):
# a worried report about her own sign, or one that asks nothing, gets the symptom check, not an
# answer. The same model then measured 93.5% (346) instead of 94.9%, so the floor is 91%. With
# six more forum-style examples per topic and 60 off-topic ones, questions run on without a
# mark, and only a worry in the question itself left to the check: 93.0% (344); the sealed
# sets gained 8 right answers and off-topic answered fell from 30 to 25 of 543. With a second
# topic classifier blended in (core/retrieval/topic_model.py): 93.8% (347).
MIN_FAQ_RIGHT = 0.91
MAX_REPHRASE = 0.02
# An answer to another topic: the costliest miss. Trainings of the same data gave 15 (the
# head model), 17 (a fresh clone's CI, which the old floor of 4.5% failed) and 10 (the head
# fine-tuned, as publishing does) of 370; the floor sits above that spread.
MAX_FAQ_WRONG = 0.055
MIN_OFF_TOPIC_DECLINED = 0.88

FAQ = "faq"
OUT_OF_SCOPE = "out_of_scope"


@dataclass
class Prediction:
    text: str
    expected: str  # "greet" or "faq/<answer>"
    intent: str  # final intent, e.g. "faq" or "nlu_fallback"
    answer: str  # "faq/<answer>" when intent is faq, else the intent
    confidence: float
    best_faq: str  # the response selector's top answer, even when not used
    escalated: bool  # the red-flag detector put an escalation first
    answers: list[str] = field(default_factory=list)  # "faq/<topic>" of every answer given
    suggestions: list[str] = field(default_factory=list)  # "faq/<topic>" offered as "Did you mean"
    after_asking: str = ""  # what a clarifying question, asked first, leads to
    asked_with_answer: bool = False  # the clarifying question came with the answer
    other: str = ""  # "faq/<topic>" offered as one button beside a less sure answer

    @property
    def rephrase(self) -> bool:
        """The bare "please rephrase": nothing understood and nothing offered."""
        return self.intent == "nlu_fallback" and not self.suggestions and not self.escalated

    @property
    def intent_correct(self) -> bool:
        return (
            self.escalated
            if self.expected == RED_FLAG_INTENT
            else self.intent == self.expected.split("/")[0]
        )

    @property
    def answer_correct(self) -> bool:
        return self.escalated if self.expected == RED_FLAG_INTENT else self.answer == self.expected


def load_holdout(path: Path = HOLDOUT_FILE) -> list[tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get_full_intent()) for m in data.intent_examples]


def final_answer(parse: dict[str, Any]) -> tuple:
    """(intent, answer key, confidence, top FAQ answer, escalated, answers given, topics offered,
    asked first[, asked with the answer]) for one parse result.

    After an escalation the question is still answered as it was understood, so
    intent and answer are the ones the message had before the red-flag override.
    """
    intent = parse["intent"]["name"]
    escalated = intent == RED_FLAG_INTENT
    verdict = ((parse.get(RED_FLAGS_KEY) or {}).get("verdict") or {}).get("action")
    reading = parse.get(READING_KEY) or {}
    suggestions = [f"{FAQ}/{topic}" for topic in reading.get("suggestions") or []]
    response = parse["response_selector"][FAQ]["response"]
    best_faq = f"{response['intent_response_key']} {response['confidence']:.2f}"
    # The clarifying question (whose sign, and now?) comes with the answer when the message asks
    # an FAQ question (core/triage/clarify.py): that is an answer given. Otherwise the question
    # comes first and the answer after it (action_resolve_sign_owner): counted apart, never as a
    # right answer.
    if verdict == "clarify" and intent == CLARIFY_INTENT and answer_before_asking(parse):
        key = response["intent_response_key"]
        return FAQ, key, response["confidence"], best_faq, False, [key], [], "", True
    if verdict == "clarify" and intent == CLARIFY_INTENT:
        original = parse[RED_FLAGS_KEY]["original_intent"]
        answer = response["intent_response_key"] if original == FAQ else original
        return intent, intent, 1.0, best_faq, False, [], [], answer
    # What the question asked beside a report or an escalation gets (actions/escalation.py):
    # its answer, the decline, the closest topics, or nothing (the check starts, or the
    # escalation stands alone).
    if escalated or (verdict == "check" and intent == CHECK_INTENT):
        how = (question_also_asked(parse, escalated) or ("", []))[0]
        intent = {ANSWER_IT: FAQ, DECLINE_IT: OUT_OF_SCOPE, OFFER_TOPICS: FALLBACK_INTENT}.get(
            how, intent
        )
        if how != OFFER_TOPICS:
            suggestions = []
    if intent != FAQ:
        return (
            intent,
            intent,
            parse["intent"]["confidence"],
            best_faq,
            escalated,
            [],
            suggestions,
            "",
        )
    answers = [response["intent_response_key"]] + [
        f"{FAQ}/{topic}" for topic in (reading.get("answers") or [])[1:]
    ]
    key = response["intent_response_key"]
    return intent, key, response["confidence"], best_faq, escalated, answers, suggestions, ""


@cache
def _event_loop() -> asyncio.AbstractEventLoop:
    """One loop for the process: the agent is loaded on it and parses on it."""
    return asyncio.new_event_loop()


# A load takes 30-40 s, and the tests, `make evaluate` and the publishing gates ask one model many
# sets of questions; one model at a time, as publishing moves on to a newly trained one.
@lru_cache(maxsize=1)
def _agent(model: str) -> Any:
    from rasa.core.agent import load_agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    return _event_loop().run_until_complete(load_agent(model_path=model))


def _parses_over_http(server: str, texts: list[str]) -> list[dict[str, Any]]:
    """POST /model/parse for each text. The API token comes from the URL's query (in-process
    callers) or from RASA_API_TOKEN, so that it need not be on a command line; it is never in
    an error message."""
    import requests

    url = urlsplit(server)
    endpoint = url._replace(path=url.path.rstrip("/") + "/model/parse", query="").geturl()
    token = dict(parse_qsl(url.query)).get("token") or os.environ.get("RASA_API_TOKEN", "")
    readings = []
    with requests.Session() as session:
        for text in texts:
            reply = session.post(endpoint, params={"token": token}, json={"text": text}, timeout=60)
            if not reply.ok:
                raise RuntimeError(f"{endpoint} answered {reply.status_code}: {reply.text[:200]}")
            readings.append(reply.json())
    return readings


def parses(model: str, texts: list[str]) -> list[dict[str, Any]]:
    """The model's reading of each text (Rasa's parse): a model file, loaded once per process, or
    the model a running Rasa server has loaded (http://host:port, with RASA_API_TOKEN or a
    ?token= query), read over its HTTP API, which stores nothing."""
    if model.startswith(("http://", "https://")):
        return _parses_over_http(model, texts)
    agent = _agent(model)

    async def parse_all() -> list[dict[str, Any]]:
        return [await agent.parse_message(text) for text in texts]

    return _event_loop().run_until_complete(parse_all())


def predict(model: str, examples: list[tuple[str, str]] | None = None) -> list[Prediction]:
    examples = examples or load_holdout()
    readings = parses(model, [text for text, _ in examples])
    predictions = []
    for (text, expected), parse in zip(examples, readings, strict=True):
        prediction = Prediction(text, expected, *final_answer(parse))
        other = other_choice(parse) if prediction.intent == FAQ else None
        prediction.other = f"{FAQ}/{other}" if other else ""
        predictions.append(prediction)
    return predictions


def rates(predictions: list[Prediction]) -> dict[str, str]:
    """Counts that need no message shown: safe to print for the sealed set."""
    total = max(len(predictions), 1)
    faq = [p for p in predictions if p.expected.startswith(FAQ + "/")]
    off_topic = [p for p in predictions if p.expected == OUT_OF_SCOPE]
    offered = [p for p in faq if p.suggestions and not p.answer_correct]

    def share(part: int, whole: int) -> str:
        return f"{part}/{whole} ({part / max(whole, 1):.1%})"

    return {
        "right answer overall": share(sum(p.answer_correct for p in predictions), len(predictions)),
        "FAQ right answer": share(sum(p.answer_correct for p in faq), len(faq)),
        "FAQ 'did you mean' offered": share(len(offered), len(faq)),
        "  ... with the right topic among the buttons": share(
            sum(p.expected in p.suggestions for p in offered), len(offered)
        ),
        "FAQ right answer, with 'whose sign?' after it": share(
            sum(p.asked_with_answer and p.answer_correct for p in faq), len(faq)
        ),
        "FAQ asked 'whose sign?' first, then right answer": share(
            sum(p.intent == CLARIFY_INTENT and p.after_asking == p.expected for p in faq), len(faq)
        ),
        "FAQ wrong answer, the right topic offered beside it": share(
            sum(p.intent == FAQ and not p.answer_correct and p.other == p.expected for p in faq),
            len(faq),
        ),
        "FAQ right answer, another topic offered beside it": share(
            sum(p.answer_correct and bool(p.other) for p in faq), len(faq)
        ),
        "FAQ bare 'please rephrase'": share(sum(p.rephrase for p in faq), len(faq)),
        "FAQ wrong answer given": share(
            sum(p.intent == FAQ and not p.answer_correct for p in faq), len(faq)
        ),
        "off-topic declined": share(
            sum(p.intent == OUT_OF_SCOPE for p in off_topic), len(off_topic)
        ),
        "off-topic given an FAQ answer": share(
            sum(p.intent == FAQ for p in off_topic), len(off_topic)
        ),
        "all bare 'please rephrase'": share(sum(p.rephrase for p in predictions), total),
    }


def held_out_shortfalls(predictions: list[Prediction]) -> tuple[str, list[str]]:
    """(the figures in one line, each floor missed in plain words) for the held-out questions."""
    faq = [p for p in predictions if p.expected.startswith(FAQ + "/")]
    off_topic = [p for p in predictions if p.expected == OUT_OF_SCOPE]

    def share(predicate, items) -> float:
        return sum(map(predicate, items)) / max(len(items), 1)

    right = share(lambda p: p.answer_correct, faq)
    rephrase = share(lambda p: p.rephrase, faq)
    wrong = share(lambda p: p.intent == FAQ and not p.answer_correct, faq)
    declined = share(lambda p: p.intent == OUT_OF_SCOPE, off_topic)
    figures = (
        f"{round(right * len(faq))} of {len(faq)} patient questions answered right ({right:.1%}), "
        f"{wrong:.1%} given another topic's answer, {declined:.1%} of {len(off_topic)} off-topic "
        "questions declined"
    )
    shortfalls = []
    if right < MIN_FAQ_RIGHT:
        shortfalls.append(
            f"only {right:.1%} of questions got the right answer; at least {MIN_FAQ_RIGHT:.0%} must"
        )
    if rephrase > MAX_REPHRASE:
        shortfalls.append(
            f"{rephrase:.1%} were asked to rephrase; at most {MAX_REPHRASE:.0%} may be"
        )
    if wrong > MAX_FAQ_WRONG:
        shortfalls.append(
            f"{wrong:.1%} got another topic's answer; at most {MAX_FAQ_WRONG:.1%} may"
        )
    if declined < MIN_OFF_TOPIC_DECLINED:
        shortfalls.append(
            f"only {declined:.1%} of off-topic questions were declined; at least "
            f"{MIN_OFF_TOPIC_DECLINED:.0%} must be"
        )
    return figures, shortfalls


def report(predictions: list[Prediction], show_misses: bool = True) -> str:
    lines = [f"questions: {len(predictions)}"] + [
        f"{name}: {value}" for name, value in rates(predictions).items()
    ]
    misses = [p for p in predictions if not p.answer_correct]
    if misses and show_misses:
        lines.append("misses:")
        lines += [
            f"  {p.text!r}: expected {p.expected}, got {p.answer} ({p.confidence:.2f}; top FAQ {p.best_faq}"
            + (f"; offered {', '.join(p.suggestions)}" if p.suggestions else "")
            + ")"
            for p in misses
        ]
    return "\n".join(lines)


def load_multi(path: Path) -> list[tuple[str, list[str]]]:
    """(message, expected answers) from a file of items: {text, topics | expect}."""
    import yaml

    with open(path, encoding="utf-8") as handle:
        items = (yaml.safe_load(handle) or {}).get("items") or []
    result = []
    for item in items:
        expected = item.get("topics") or item.get("expect")
        expected = expected if isinstance(expected, list) else [expected]
        result.append((item["text"], [e if e == OUT_OF_SCOPE else f"{FAQ}/{e}" for e in expected]))
    return result


def two_part_report(model: str, items: list[tuple[str, list[str]]], show: bool = True) -> str:
    predictions = predict(model, [(text, expected[0]) for text, expected in items])
    both = sum(
        set(expected) <= set(p.answers)
        for p, (_, expected) in zip(predictions, items, strict=False)
    )
    one = sum(
        bool(set(expected) & set(p.answers))
        for p, (_, expected) in zip(predictions, items, strict=False)
    )
    wrong = sum(
        bool(set(p.answers) - set(expected))
        for p, (_, expected) in zip(predictions, items, strict=False)
    )
    lines = [
        f"two-part questions: {len(items)}",
        f"both answered: {both}/{len(items)}; at least one: {one}/{len(items)}; "
        f"an answer to neither part given: {wrong}",
    ]
    if show:
        lines += [
            f"  {text!r}: expected {expected}, got {p.answers or p.answer}"
            for p, (text, expected) in zip(predictions, items, strict=False)
            if not set(expected) <= set(p.answers)
        ]
    return "\n".join(lines)


def sealed_report(model: str, path: Path) -> str:
    """Counts only: the sealed messages are never printed, so nobody tunes on them."""
    items = load_multi(path)
    single = [(text, expected[0]) for text, expected in items if len(expected) == 1]
    multi = [(text, expected) for text, expected in items if len(expected) > 1]
    lines = [f"== sealed set {path.name} (counts only) =="]
    lines += [f"{name}: {value}" for name, value in rates(predict(model, single)).items()]
    if multi:
        lines.append(two_part_report(model, multi, show=False))
    return "\n".join(lines)


def request_counts(model: str, path: Path) -> dict[str, tuple[int, int]]:
    """Counts only: requests reached, and look-alikes that opened the form or the confirmation."""
    import yaml

    sealed = yaml.safe_load(path.read_text(encoding="utf-8"))
    asked = predict(model, [(t, intent) for intent in REQUEST_INTENTS for t in sealed[intent]])
    look_alikes = predict(model, [(t, "look_alike") for t in sealed["near_miss"]])
    return {
        "requests reached": (
            sum(p.intent == p.expected or p.escalated for p in asked),
            len(asked),
        ),
        "look-alikes opened": (
            sum(p.intent in REQUEST_INTENTS for p in look_alikes),
            len(look_alikes),
        ),
    }


def dev_report(model: str, path: Path = DEV_FILE) -> str:
    items = load_multi(path)
    single = [(text, expected[0]) for text, expected in items if len(expected) == 1]
    multi = [(text, expected) for text, expected in items if len(expected) > 1]
    return "\n".join(
        [f"== dev set {path.name} (read, never trained on) ==", report(predict(model, single))]
        + ([two_part_report(model, multi)] if multi else [])
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    args = parser.parse_args()
    print("== held-out questions (tests/nlu_holdout.yml) ==")
    print(report(predict(args.model)))
    print("== two-part questions (tests/data/faq_two_part.yml) ==")
    print(two_part_report(args.model, load_multi(TWO_PART_FILE)))
    for path in (DEV_FILE, *BORDER_DEV_FILES):
        print(dev_report(args.model, path))
    for path in SEALED_FILES:
        print(sealed_report(args.model, path))
    for path in (REQUESTS_DEV_FILE, REQUESTS_SEALED_FILE):
        print(f"== requests to be called or to delete, {path.name} (counts) ==")
        for name, (part, whole) in request_counts(args.model, path).items():
            print(f"{name}: {part}/{whole} ({part / max(whole, 1):.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
