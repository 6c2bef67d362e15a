"""Accuracy on held-out patient questions (tests/nlu_holdout.yml).

A question gets the right answer when the final intent (after the fallback
classifier and the FAQ confidence gate) is the expected one and, for FAQ
questions, the response selector picked the expected answer.

    python -m quality.holdout --model models/assistant-<hash>.tar.gz
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

from nlu_components.red_flag_detector import CHECK_INTENT, RED_FLAG_INTENT
from quality.content import HOLDOUT_FILE

FAQ = "faq"


@dataclass
class Prediction:
    text: str
    expected: str  # "greet" or "faq/<answer>"
    intent: str  # final intent, e.g. "faq" or "nlu_fallback"
    answer: str  # "faq/<answer>" when intent is faq, else the intent
    confidence: float
    best_faq: str  # the response selector's top answer, even when not used
    escalated: bool  # the red-flag detector put an escalation first

    @property
    def intent_correct(self) -> bool:
        return self.escalated if self.expected == RED_FLAG_INTENT else self.intent == self.expected.split("/")[0]

    @property
    def answer_correct(self) -> bool:
        return self.escalated if self.expected == RED_FLAG_INTENT else self.answer == self.expected


def load_holdout(path: Path = HOLDOUT_FILE) -> List[tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get_full_intent()) for m in data.intent_examples]


def final_answer(parse: Dict[str, Any]) -> tuple[str, str, float, str, bool]:
    """(intent, answer key, confidence, top FAQ answer, escalated) for one parse result.

    After an escalation the question is still answered as it was understood, so
    intent and answer are the ones the message had before the red-flag override.
    """
    intent = parse["intent"]["name"]
    escalated = intent == RED_FLAG_INTENT
    verdict = ((parse.get("red_flags") or {}).get("verdict") or {}).get("action")
    # A report that also asks a question gets its answer (action_answer_question_in_report),
    # with the symptom check offered; a clarifying question answers nothing yet.
    if escalated or (verdict == "check" and intent == CHECK_INTENT):
        intent = parse["red_flags"]["original_intent"]
    response = parse["response_selector"][FAQ]["response"]
    best_faq = f"{response['intent_response_key']} {response['confidence']:.2f}"
    if intent != FAQ:
        return intent, intent, parse["intent"]["confidence"], best_faq, escalated
    return intent, response["intent_response_key"], response["confidence"], best_faq, escalated


async def _predict(model: str, examples: List[tuple[str, str]]) -> List[Prediction]:
    from rasa.core.agent import load_agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    agent = await load_agent(model_path=model)
    predictions = []
    for text, expected in examples:
        predictions.append(Prediction(text, expected, *final_answer(await agent.parse_message(text))))
    return predictions


def predict(model: str, examples: List[tuple[str, str]] | None = None) -> List[Prediction]:
    return asyncio.run(_predict(model, examples or load_holdout()))


def report(predictions: List[Prediction]) -> str:
    total = len(predictions)
    faq = [p for p in predictions if p.expected.startswith(FAQ + "/")]
    lines = [
        f"held-out questions: {total} ({len(faq)} FAQ)",
        f"intent accuracy: {sum(p.intent_correct for p in predictions) / total:.1%}",
        f"FAQ answer accuracy: {sum(p.answer_correct for p in faq) / max(len(faq), 1):.1%}",
        f"right answer overall: {sum(p.answer_correct for p in predictions) / total:.1%}",
    ]
    misses = [p for p in predictions if not p.answer_correct]
    if misses:
        lines.append("misses:")
        lines += [f"  {p.text!r}: expected {p.expected}, got {p.answer} ({p.confidence:.2f}; top FAQ {p.best_faq})" for p in misses]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    args = parser.parse_args()
    print(report(predict(args.model)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
