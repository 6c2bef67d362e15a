"""The answer editor (/nurse/answers, core/review/editor.py): its checks give the same verdicts as
`make check-content` on the same edit, a bad edit is refused with its reasons, and a good one is
kept as a draft in a real SQLite review database, signed off by a clinician, with its diff."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from contextlib import closing

import pytest
import yaml

from core.content import DOMAIN_FILE, NLU_DIR, answer_files
from core.content_checks import MIN_FAQ_EXAMPLES
from core.copying import fingerprints_of, load_fingerprints
from core.review import editor
from core.review.signoff import REVIEWED, Review
from core.sources import load_registry
from tools.check_content import check as check_content
from tools.copy_check import copied_runs
from webapp.review_db import AlreadyReviewed, ReviewDatabase

TOPICS = editor.published_topics()
REGISTRY = load_registry()
KEY = "utter_faq/ductogram_duration"
TOPIC = TOPICS[KEY]
GRADE_12 = (
    "Galactography necessitates cannulation of the secreting lactiferous duct, subsequently "
    "administering iodinated radiocontrast, facilitating comprehensive visualisation."
)
# Made up for the test: stands in for a run of the source documents, whose words are not here.
SYNTHETIC_SOURCE = "the little radiographer carefully warmed seven purple blankets before lunch"


def form_of(topic: editor.Topic, **changes) -> dict:
    form = {
        "topic": topic.key[len(editor.ANSWER) :],
        "title": topic.title,
        "text": topic.text,
        "sources": [f"{r.document}/{r.section}" for r in topic.sources],
        "examples": "\n".join(topic.examples),
        "why": "Clearer wording after patients' questions.",
    }
    return form | changes


def editor_verdict(form: dict, fingerprints: set[str] | None = None) -> list[str]:
    edit, problems = editor.read_edit(form, TOPICS)
    assert not problems, problems
    known = load_fingerprints() if fingerprints is None else fingerprints
    return editor.check_edit(edit, TOPICS, REGISTRY, known)


def check_content_verdict(tmp_path, text=None, sources=None, drop_examples=0) -> list[str]:
    """make check-content's messages about KEY, on a copy of the content with the edit in."""
    nlu = tmp_path / "nlu"
    shutil.copytree(NLU_DIR, nlu)
    shutil.copy(DOMAIN_FILE, tmp_path / "domain.yml")
    path = nlu / answer_files()[KEY].name
    data = yaml.safe_load(path.read_text())
    response = data["responses"][KEY][0]
    if text is not None:
        response["text"] = text
    if sources is not None:
        response["metadata"]["sources"] = sources
    if drop_examples:
        for block in data["nlu"]:
            if block.get("intent") == TOPIC.intent:
                rows = block["examples"].splitlines()
                block["examples"] = "\n".join(rows[:-drop_examples]) + "\n"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return [
        p.message
        for p in check_content(nlu, tmp_path / "domain.yml")
        if KEY in p.message or TOPIC.intent in p.message
    ]


def test_the_published_topic_passes_both(tmp_path):
    assert editor_verdict(form_of(TOPIC)) == []
    assert check_content_verdict(tmp_path) == []


@pytest.mark.parametrize(
    "text",
    [GRADE_12, "Yes. It takes about half an hour.", " ".join(["The test is short."] * 20)],
    ids=["grade-12", "bare-yes", "too-long"],
)
def test_the_editor_and_check_content_agree_on_the_answer(tmp_path, text):
    verdict = editor_verdict(form_of(TOPIC, text=text))
    assert verdict, "the edit should fail"
    assert verdict == check_content_verdict(tmp_path, text=text)


def test_they_agree_on_a_missing_source_and_too_few_examples(tmp_path):
    drop = len(TOPIC.examples) - MIN_FAQ_EXAMPLES + 1
    examples = "\n".join(TOPIC.examples[:-drop])
    verdict = editor_verdict(form_of(TOPIC, sources=[], examples=examples))
    assert verdict == check_content_verdict(tmp_path, sources=[], drop_examples=drop)
    assert any("does not say where it comes from" in p for p in verdict)
    assert any(f"at least {MIN_FAQ_EXAMPLES}" in p for p in verdict)


def test_they_agree_on_copied_words(tmp_path):
    """With fingerprints of a made-up sentence, as data/seed_fingerprints.json holds the
    documents': the editor and the copy check of `make check-content` find the same run."""
    known = set(fingerprints_of(SYNTHETIC_SOURCE))
    text = f"Before the test, {SYNTHETIC_SOURCE}. It takes about half an hour."
    verdict = editor_verdict(form_of(TOPIC, text=text), fingerprints=known)
    (tmp_path / "answer.yml").write_text(f"text: {text}\n")
    [run] = list(copied_runs(tmp_path, known))
    assert run.startswith("answer.yml: copied run of 10 words")
    assert any(run.removeprefix("answer.yml: ") in p for p in verdict)
    assert editor_verdict(form_of(TOPIC, text=text)) == [], "the real documents have no such run"


def test_an_example_of_another_topic_is_refused():
    other = next(t for k, t in TOPICS.items() if k != KEY)
    verdict = editor_verdict(
        form_of(TOPIC, examples="\n".join([*TOPIC.examples, other.examples[0]]))
    )
    assert verdict == [
        f'the question "{other.examples[0]}" is under more than one topic '
        f"({', '.join(sorted([other.intent, TOPIC.intent]))}). Keep it under one."
    ]


def test_a_new_topic_needs_a_name_an_answer_and_enough_examples():
    edit, problems = editor.read_edit(
        {"new": "1", "topic": "ductogram_duration", "text": ""}, TOPICS
    )
    assert problems == [
        "There is already a topic named ductogram_duration: edit it instead.",
        "Please write the answer.",
    ]
    edit, problems = editor.read_edit(
        {
            "new": "1",
            "topic": "ductogram_parking",
            "title": "Where do I park?",
            "text": "Ask the clinic where to park when you book.",
            "sources": ["ductogram_article/timing"],
            "examples": "where do i park\nis there parking",
        },
        TOPICS,
    )
    assert not problems and edit.key == "utter_faq/ductogram_parking" and edit.new
    verdict = editor.check_edit(edit, TOPICS, REGISTRY, load_fingerprints())
    assert verdict == [
        f"faq/ductogram_parking has 2 example questions; it needs at least {MIN_FAQ_EXAMPLES}, "
        "in patients' own words: short, long with context first, with typos, two-part, in lay words."
    ]


def test_proposing_needs_a_reason():
    edit, _ = editor.read_edit(form_of(TOPIC, why="  "), TOPICS)
    assert editor.why_problems(edit) == [
        "Please say why you make this change; it is kept in the answer's history."
    ]


def test_a_good_edit_is_a_draft_then_signed_off_with_its_history(tmp_path):
    review = ReviewDatabase(f"sqlite:///{tmp_path}/review.db")
    new_text = TOPIC.text.replace(TOPIC.text.split()[0], "Usually,", 1)
    edit, problems = editor.read_edit(
        form_of(TOPIC, text=new_text, examples="\n".join([*TOPIC.examples, "how long is it"])),
        TOPICS,
    )
    assert not problems and not editor.check_edit(edit, TOPICS, REGISTRY, load_fingerprints())
    edit_id = review.propose_edit(edit, TOPIC.text, "Nora Quinn")
    with closing(sqlite3.connect(tmp_path / "review.db")) as connection:
        row = connection.execute(
            "SELECT topic, text, status, proposed_by, why, examples_added FROM answer_edits"
        ).fetchone()
    assert row == (KEY, new_text, "draft", "Nora Quinn", edit.why, '["how long is it"]')
    assert review.last_signoffs() == {}
    review.review_edit(Review(edit_id, REVIEWED), "Ann Lee")
    with pytest.raises(AlreadyReviewed):
        review.review_edit(Review(edit_id, REVIEWED), "Ann Lee")
    [kept] = review.answer_edits(KEY)
    assert kept["status"] == REVIEWED and kept["reviewed_by"] == "Ann Lee"
    assert set(review.last_signoffs()) == {KEY}
    diff = editor.word_diff(kept["previous_text"], kept["text"])
    assert ("removed", TOPIC.text.split()[0]) in diff and ("added", "Usually,") in diff


def test_overdue_answers_are_those_unreviewed_for_a_year():
    today = dt.date(2026, 6, 1)
    last = {
        "utter_faq/a": today - dt.timedelta(days=editor.REVIEW_AFTER_DAYS + 1),
        "utter_faq/b": today - dt.timedelta(days=editor.REVIEW_AFTER_DAYS),
        "utter_faq/c": None,
    }
    assert editor.overdue(last, today) == [
        ("utter_faq/c", None),
        ("utter_faq/a", last["utter_faq/a"]),
    ]


def test_nurses_see_topics_by_their_titles_in_the_checks_messages():
    titles = {"utter_faq/ductogram_duration": "How long does a ductogram take?"}
    message = "utter_faq/ductogram_duration reads at school grade 12.0; the most is 8."
    assert editor.in_nurses_words(message, titles) == (
        "“How long does a ductogram take?” reads at school grade 12.0; the most is 8."
    )
    shared = "Used by faq/ductogram_duration and faq/gone_topic."
    assert editor.in_nurses_words(shared, titles) == (
        "Used by “How long does a ductogram take?” and faq/gone_topic."
    )
