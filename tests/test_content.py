"""The answers themselves: grounded, cited, readable, original, short; the training data: sound."""
import re
import subprocess
import sys
from collections import Counter

import pytest
import textstat
import yaml

from grounding.sources import SourceRef, check_refs, citation_line, load_registry, source_refs, with_citation
from quality.content import (
    HOLDOUT_FILE,
    PROJECT_ROOT,
    all_response_variants,
    conversation_test_intents,
    examples_by_intent,
    faq_responses,
    training_examples,
    word_count,
)

SEED_OVERLAP_TOOL = PROJECT_ROOT.parent / "shared" / "tools" / "seed_overlap.py"
MAX_READING_GRADE = 8.0
MAX_ANSWER_WORDS = 70  # about one phone screen
MIN_TRAINING_EXAMPLES = 12
MIN_HOLDOUT_EXAMPLES = 3

REGISTRY = load_registry()
FAQ_RESPONSES = faq_responses()
ALL_TEXTS = [(name, v["text"]) for name, variants in all_response_variants().items() for v in variants]


def test_both_documents_are_registered_with_their_details():
    assert set(REGISTRY) == {"forum_reply", "ductogram_article"}
    for document in REGISTRY.values():
        for field in ("title", "short_title", "author", "publisher", "date", "kind", "sections"):
            assert document.get(field), f"{document.get('title')} lacks {field}"
    assert REGISTRY["forum_reply"]["date"] == "2009-01-21"
    assert REGISTRY["ductogram_article"]["cited_studies"]


@pytest.mark.parametrize("name", sorted(FAQ_RESPONSES))
def test_every_answer_names_registered_sources(name):
    refs = source_refs(FAQ_RESPONSES[name])
    assert refs, f"{name} has no sources in its metadata"
    check_refs(refs, REGISTRY)


def test_every_section_of_both_documents_is_used_by_some_answer():
    used = {ref for response in FAQ_RESPONSES.values() for ref in source_refs(response)}
    unused = [
        f"{doc}/{section}"
        for doc, document in REGISTRY.items()
        for section in document["sections"]
        if SourceRef(doc, section) not in used
    ]
    assert not unused, f"sections no answer uses: {unused}"


def test_citation_line_names_document_and_section():
    assert citation_line([SourceRef("ductogram_article", "risks")], REGISTRY) == "Source: What Is a Ductogram? — Risks"
    assert citation_line(
        [SourceRef("ductogram_article", "risks"), SourceRef("forum_reply", "prolactin"), SourceRef("ductogram_article", "timing")],
        REGISTRY,
    ) == "Sources: What Is a Ductogram? — Risks, Timing; A doctor's forum reply (2009) — Prolactin"


def test_citation_rejects_unknown_sources():
    with pytest.raises(ValueError):
        citation_line([SourceRef("ductogram_article", "no_such_section")], REGISTRY)


def test_cited_answer_is_text_then_citation_line():
    cited = with_citation(FAQ_RESPONSES["utter_faq/ductogram_risks"], REGISTRY)
    text, citation = cited.split("\n")
    assert text == FAQ_RESPONSES["utter_faq/ductogram_risks"]["text"].strip()
    assert citation == "Source: What Is a Ductogram? — Risks"


@pytest.mark.parametrize("name", sorted(FAQ_RESPONSES))
def test_forum_only_answers_are_framed_as_questions_for_the_care_team(name):
    documents = {ref.document for ref in source_refs(FAQ_RESPONSES[name])}
    if documents == {"forum_reply"}:
        assert "care team" in FAQ_RESPONSES[name]["text"], f"{name} states forum points as facts"


@pytest.mark.parametrize("name,text", ALL_TEXTS, ids=[name for name, _ in ALL_TEXTS])
def test_every_response_reads_at_grade_8_or_below(name, text):
    grade = textstat.flesch_kincaid_grade(text)
    assert grade <= MAX_READING_GRADE, f"{name} reads at grade {grade}"


@pytest.mark.parametrize("name,text", ALL_TEXTS, ids=[name for name, _ in ALL_TEXTS])
def test_every_response_fits_a_phone_screen(name, text):
    assert word_count(text) <= MAX_ANSWER_WORDS


def test_no_runs_of_words_copied_from_the_seed_documents():
    assert SEED_OVERLAP_TOOL.exists(), f"{SEED_OVERLAP_TOOL} is missing: the seeds must sit in ../shared/"
    result = subprocess.run(
        [sys.executable, str(SEED_OVERLAP_TOOL), str(PROJECT_ROOT)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


def test_every_topic_has_enough_training_examples():
    thin = {intent: len(ex) for intent, ex in training_examples().items() if len(ex) < MIN_TRAINING_EXAMPLES}
    assert not thin, f"topics with fewer than {MIN_TRAINING_EXAMPLES} examples: {thin}"


def test_every_faq_topic_has_an_answer_and_every_answer_a_topic():
    topics = {i[len("faq/"):] for i in training_examples() if i.startswith("faq/")}
    answers = {name[len("utter_faq/"):] for name in FAQ_RESPONSES}
    assert topics == answers
    assert len(topics) >= 40


def test_no_example_appears_under_two_topics():
    owners = Counter(ex.lower() for examples in training_examples().values() for ex in set(examples))
    assert not [ex for ex, n in owners.items() if n > 1]


def test_holdout_covers_every_topic_and_is_not_in_the_training_data():
    holdout = examples_by_intent(HOLDOUT_FILE)
    training = {ex.lower() for examples in training_examples().values() for ex in examples}
    assert set(holdout) == set(training_examples())
    assert all(len(ex) >= MIN_HOLDOUT_EXAMPLES for ex in holdout.values())
    leaked = [ex for examples in holdout.values() for ex in examples if ex.lower() in training]
    assert not leaked, f"held-out questions found in training data: {leaked}"


def test_every_topic_and_fallback_have_a_conversation_test():
    tested = conversation_test_intents()
    missing = set(training_examples()) - tested
    assert not missing, f"no conversation test for: {sorted(missing)}"
    assert "nlu_fallback" in tested and "out_of_scope" in tested


def test_greeting_carries_the_disclaimer():
    greeting = all_response_variants()["utter_greet"][0]["text"]
    assert re.search(r"not a diagnosis", greeting) and "emergency" in greeting


def test_every_form_question_belongs_to_a_form_slot():
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    form_slots = {slot for form in domain["forms"].values() for slot in form["required_slots"]}
    asks = {name[len("utter_ask_"):] for name in all_response_variants() if name.startswith("utter_ask_")}
    asks.discard("rephrase")  # utter_ask_rephrase is a fallback, not a form question
    assert asks == form_slots
