"""How the classifier's reading and retrieval combine into what the patient gets: one answer,
two answers (a two-part question), a "Did you mean ...?" choice, or nothing (ask to rephrase).

Rasa's two-stage fallback, with retrieval as the second opinion:
- the classifier is sure: its answer (and a second one when another question in the message
  clearly asks about another topic);
- the classifier is unsure, retrieval is sure: retrieval's answer;
- both are unsure but retrieval has candidates: offer up to three as buttons;
- otherwise the plain "please rephrase", the last resort.
Retrieval never overrides a message the classifier read as off-topic, small talk or a report,
and a message about something the documents do not cover (core/retrieval/scope.py) is declined.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.names import (  # noqa: F401
    ANSWER_PREFIX,
    FALLBACK_INTENT,
    FAQ_INTENT,
    OUT_OF_SCOPE_INTENT,
    READING_KEY,
    RED_FLAGS_KEY,
)
from core.retrieval.index import Ranking
from core.retrieval.questions import asks_a_question, focus, questions, with_subjects

FAQ = FAQ_INTENT
FALLBACK = FALLBACK_INTENT
OUT_OF_SCOPE = OUT_OF_SCOPE_INTENT

# Thresholds set on the training examples (python -m tools.faq_calibration ranks each example
# against the others, and the off-topic examples against all), never on the sealed questions.
# A best topic this close and this far ahead of the next was right for 95% of the examples that
# reach it (42% do); 13% of off-topic examples reach it too, so it only rescues a message the
# classifier read as an FAQ question (and data/scope.yml declines the clearly off-topic).
ANSWER_SCORE = 0.25
ANSWER_MARGIN = 0.10
# When the classifier's own pick is retrieval's best, no margin is needed: two readings agree.
# 80% of examples reach this score; 29% of off-topic ones, most of which the classifier and
# the scope rules have already set apart.
AGREE_SCORE = 0.25
# Candidates at least this close are offered as "Did you mean ...?"; the right topic is among
# retrieval's best three for 93% of examples.
SUGGEST_SCORE = 0.15
MAX_SUGGESTIONS = 3
# Another question in the message gets its own answer when its best topic is this close and
# this far ahead of the first answer's topic.
SECOND_SCORE = 0.3
SECOND_MARGIN = 0.1
# ... or this close when the classifier also ranks that topic among its best few for the whole
# message: two readings agree.
SECOND_AGREE_SCORE = 0.2
SECOND_AGREE_RANKS = 3
MAX_ANSWERS = 2
# An answer the classifier was less sure of than this comes with the topic it ranked next, as
# one button, when that topic is at least this likely: most wrong answers are a neighbouring
# topic ("the steps" for "getting ready in the room"), one tap away instead of a new question.
# Set on the readable sets (held-out, dev, border dev: 593 questions): the right topic is the
# button for 9 of the 25 wrong answers, and 13 of the 548 right answers get a button too. With the
# second topic classifier's confidence blended in: 3 of 12 wrong answers, and 21 of 557 right.
OTHER_CHOICE_BELOW = 0.6
OTHER_CHOICE_AT_LEAST = 0.15


def selected_answer(parse: Mapping[str, Any]) -> str | None:
    """The response (utter_faq/<topic>) the response selector picked for a parsed message."""
    selection = ((parse.get("response_selector") or {}).get(FAQ) or {}).get("response") or {}
    return selection.get("utter_action") or None


def other_choice(parse: Mapping[str, Any]) -> str | None:
    """The topic to offer beside the one answer the classifier gave, when it was less sure."""
    reading = parse.get(READING_KEY) or {}
    if reading.get("how") != "classifier" or len(reading.get("answers") or []) != 1:
        return None
    ranking = ((parse.get("response_selector") or {}).get(FAQ) or {}).get("ranking") or []
    if len(ranking) < 2:
        return None
    first, second = ranking[0], ranking[1]
    if (
        first.get("intent_response_key") != f"{FAQ}/{reading['answers'][0]}"
        or first.get("confidence", 1.0) >= OTHER_CHOICE_BELOW
        or second.get("confidence", 0.0) < OTHER_CHOICE_AT_LEAST
    ):
        return None
    return str(second.get("intent_response_key") or "").partition("/")[2] or None


# What a message that reports a sign, or raises a red flag, gets for the question it also asked.
ANSWER_IT, DECLINE_IT, OFFER_TOPICS = "answer", "decline", "offer"


def question_also_asked(
    parse: Mapping[str, Any], escalated: bool = False
) -> tuple[str, list[str]] | None:
    """The reply to the question a report or a red flag came with, from the model's own reading
    (the red-flag detector keeps it in red_flags.original_intent): (ANSWER_IT, [utter_faq/<topic>]);
    (DECLINE_IT, []) when it is about something the documents do not cover; (OFFER_TOPICS,
    [topics]) when it is unclear which topic it asks about, so that the closest ones come as
    "Did you mean ...?" and the question is never passed over; None when it asked nothing.
    After an escalation (escalated), an answer or the decline only: a choice of topics would
    compete with what she must do now. A report whose writer asks whether her own sign is
    worrying ("I have nipple discharge, should I be worried?") gets None: the symptom check
    answers that, not a general reassurance."""
    red_flags = parse.get(RED_FLAGS_KEY) or {}
    if not asks_a_question(parse.get("text")) or (red_flags.get("worried") and not escalated):
        return None
    original = red_flags.get("original_intent")
    answer = selected_answer(parse)
    if original == FAQ and answer:
        return ANSWER_IT, [answer]
    if original == OUT_OF_SCOPE:
        return DECLINE_IT, []
    suggestions = list((parse.get(READING_KEY) or {}).get("suggestions") or [])
    if original == FALLBACK and suggestions and not escalated:
        return OFFER_TOPICS, suggestions
    return None


@dataclass
class Decision:
    answers: list[str] = field(default_factory=list)  # topics to answer, first one first
    suggestions: list[str] = field(default_factory=list)  # topics to offer when unsure
    how: str = "classifier"  # classifier | title | retrieval | suggest | off_topic | none


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def decide(
    text: str,
    final_intent: str,
    top_intent: str,
    selected: str | None,
    rank: Callable[[str], Ranking],
    titles: dict[str, str],
    outside: str | None = None,
    also_ranked: Sequence[str] = (),
) -> Decision:
    """final_intent: after the fallback classifier and the answer gate; top_intent: the
    classifier's best real intent; selected: the response selector's topic; outside: the
    scope class the message names that the documents do not cover, if any; also_ranked: the
    response selector's topics for the whole message, best first."""
    by_title = {_normal(title): topic for topic, title in titles.items()}
    if _normal(text) in by_title:
        return Decision(answers=[by_title[_normal(text)]], how="title")
    if outside and final_intent in (FAQ, FALLBACK):
        return Decision(how="off_topic")
    if top_intent != FAQ or final_intent not in (FAQ, FALLBACK):
        return Decision(how="none")
    asked = questions(text)
    by_part = [rank(part) for part in with_subjects(text, asked)]  # each part ranked once
    if final_intent == FAQ and selected:
        return Decision(
            answers=_in_order([selected] + _second_answer(selected, by_part, also_ranked), by_part)
        )
    ranking = rank(focus(text))
    if _sure(ranking, selected):
        best = ranking[0][0]
        second = _second_answer(best, by_part, also_ranked)
        return Decision(answers=_in_order([best] + second, by_part), how="retrieval")
    # Two questions split the classifier's confidence: each may still be clear on its own.
    sure_parts = list(dict.fromkeys(ranked[0][0] for ranked in by_part if _sure(ranked, selected)))
    if len(asked) >= 2 and sure_parts:
        return Decision(answers=sure_parts[:MAX_ANSWERS], how="retrieval")
    best_score = ranking[0][1]
    candidates = ([selected] if selected else []) + [
        topic for topic, score in ranking if score >= SUGGEST_SCORE
    ]
    suggestions = (
        list(dict.fromkeys(candidates))[:MAX_SUGGESTIONS] if best_score >= SUGGEST_SCORE else []
    )
    return Decision(suggestions=suggestions, how="suggest" if suggestions else "none")


def _in_order(topics: list[str], by_part: list[Ranking]) -> list[str]:
    """Answers in the order their questions were asked: each topic at the part it fits best."""
    if len(topics) < 2:
        return topics
    scores = [dict(ranking) for ranking in by_part]
    return sorted(
        topics, key=lambda topic: max(range(len(scores)), key=lambda i: scores[i].get(topic, 0.0))
    )


def _sure(ranking: Ranking, selected: str | None) -> bool:
    """Retrieval is sure: its best topic is the classifier's pick, or clearly ahead."""
    (best, best_score), (_, next_score) = ranking[0], ranking[1]
    return (best == selected and best_score >= AGREE_SCORE) or (
        best_score >= ANSWER_SCORE and best_score - next_score >= ANSWER_MARGIN
    )


def _second_answer(
    first: str, by_part: list[Ranking], also_ranked: Sequence[str] = ()
) -> list[str]:
    """A topic asked about by another question in the message, when it is clearly another topic."""
    if len(by_part) < 2:
        return []
    agreeing = set(also_ranked[:SECOND_AGREE_RANKS])
    for ranking in by_part:
        (topic, score), scores = ranking[0], dict(ranking)
        enough = SECOND_AGREE_SCORE if topic in agreeing else SECOND_SCORE
        if topic != first and score >= enough and score - scores[first] >= SECOND_MARGIN:
            return [topic][: MAX_ANSWERS - 1]
    return []
