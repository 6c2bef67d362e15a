"""The answers themselves: grounded, cited, readable, original, short; the training data: sound."""

import json
import re

import pytest
import yaml

from core.content import (
    HOLDOUT_FILE,
    PROJECT_ROOT,
    all_response_variants,
    conversation_test_intents,
    examples_by_intent,
    faq_responses,
    training_examples,
)
from core.sources import SourceRef, citation_line, load_registry, source_refs, with_citation
from tools.check_content import check as check_content
from tools.copy_check import FINGERPRINTS_FILE
from tools.copy_check import build as build_fingerprints

MIN_HOLDOUT_EXAMPLES = 3

REGISTRY = load_registry()
FAQ_RESPONSES = faq_responses()


def test_both_documents_are_registered_with_their_details():
    assert set(REGISTRY) == {"forum_reply", "ductogram_article"}
    for document in REGISTRY.values():
        for field in ("title", "short_title", "author", "publisher", "date", "kind", "sections"):
            assert document.get(field), f"{document.get('title')} lacks {field}"
    assert REGISTRY["forum_reply"]["date"] == "2009-01-21"
    assert REGISTRY["ductogram_article"]["cited_studies"]


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
    assert (
        citation_line([SourceRef("ductogram_article", "risks")], REGISTRY)
        == "Source: What Is a Ductogram? — Risks"
    )
    assert (
        citation_line(
            [
                SourceRef("ductogram_article", "risks"),
                SourceRef("forum_reply", "prolactin"),
                SourceRef("ductogram_article", "timing"),
            ],
            REGISTRY,
        )
        == "Sources: What Is a Ductogram? — Risks, Timing; A doctor's forum reply (2009) — Prolactin"
    )


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


def test_content_check_finds_nothing_to_fix():
    """make check-content: sources, reading grade, length, copying, examples, duplicates."""
    problems = check_content()
    assert not problems, "\n".join(str(p) for p in problems)
    assert len(FAQ_RESPONSES) >= 40


def test_holdout_covers_every_topic_and_is_not_in_the_training_data():
    holdout = examples_by_intent(HOLDOUT_FILE)
    training = {ex.lower() for examples in training_examples().values() for ex in examples}
    assert set(holdout) == set(training_examples())
    assert all(len(ex) >= MIN_HOLDOUT_EXAMPLES for ex in holdout.values())
    leaked = [ex for examples in holdout.values() for ex in examples if ex.lower() in training]
    assert not leaked, f"held-out questions found in training data: {leaked}"


def test_two_part_dev_and_sealed_questions_are_not_in_the_training_data():
    from tools.holdout import BORDER_DEV_FILES, DEV_FILE, SEALED_FILES, TWO_PART_FILE, load_multi

    training = {ex.lower().strip() for examples in training_examples().values() for ex in examples}
    for path in (TWO_PART_FILE, DEV_FILE, *BORDER_DEV_FILES):
        leaked = [text for text, _ in load_multi(path) if text.lower().strip() in training]
        assert not leaked, f"{path.name} questions found in training data: {leaked}"
    # Counted only: the sealed messages are never printed.
    sealed = sum(
        text.lower().strip() in training for path in SEALED_FILES for text, _ in load_multi(path)
    )
    assert sealed == 0, (
        f"{sealed} sealed questions found in the training data: remove them from data/nlu/"
    )


def test_the_request_sets_are_not_in_the_training_data():
    from tools.holdout import REQUESTS_DEV_FILE, REQUESTS_SEALED_FILE

    training = {ex.lower().strip() for examples in training_examples().values() for ex in examples}
    for path in (REQUESTS_DEV_FILE, REQUESTS_SEALED_FILE):
        sets = yaml.safe_load(path.read_text(encoding="utf-8"))
        # Counted only: the sealed messages are never printed.
        leaked = sum(t.lower().strip() in training for texts in sets.values() for t in texts)
        assert leaked == 0, f"{leaked} messages of {path.name} are in the training data"


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
    asks = {
        name[len("utter_ask_") :]
        for name in all_response_variants()
        if name.startswith("utter_ask_")
    }
    asks.discard("rephrase")  # utter_ask_rephrase is a fallback, not a form question
    assert asks == form_slots


def test_every_source_document_has_fingerprints_for_the_copy_check():
    """The copy check works from data/seed_fingerprints.json alone: one entry per registered
    document, with as many runs as a document of a few hundred words has."""
    stored = json.loads(FINGERPRINTS_FILE.read_text())["documents"]
    registry = load_registry()
    assert set(stored) == set(registry)
    for doc_id, document in stored.items():
        assert document["seed_file"] == registry[doc_id]["seed_file"]
        assert len(document["fingerprints"]) >= 300, doc_id


def test_fingerprints_are_those_of_the_documents_when_a_copy_is_at_hand():
    """With the documents beside the repository (../shared/seeds, as in CI), the stored
    fingerprints must be the documents' own: otherwise run `make fingerprints`."""
    seeds = PROJECT_ROOT.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip(
            "no copy of the source documents beside the repository; the stored fingerprints are used as they are"
        )
    assert json.loads(FINGERPRINTS_FILE.read_text()) == json.loads(
        json.dumps(build_fingerprints(seeds))
    )
