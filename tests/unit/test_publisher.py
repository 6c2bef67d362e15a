"""Publishing's parts that need no Rasa server (webapp/publisher.py, webapp/review_db.py): the
order of the changes, the training's progress and the steps' summaries, the files and the git
commit in a real checkout, and the publications table in a real SQLite database. The whole loop,
with training and two Rasa servers, is tests/test_publishing.py."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest

from core.content import faq_titles
from core.model_files import model_name
from core.paths import DATA_DIR
from core.review.editor import AnswerEdit
from core.review.inbox import ADD_EXAMPLE, Decision, InboxGroup
from core.review.publishing import AnswerChanged, ExampleAdded
from core.review.signoff import PUBLISHED, SIGN_OFF, read_review
from core.sources import SourceRef
from webapp.publisher import (
    _summary,
    _TrainingProgress,
    can_finetune,
    changes_from,
    commit,
    prune_models,
    read_nlu_files,
    write_files,
)
from webapp.review_db import NotSignedOff, PublicationLog, ReviewDatabase

UTC = dt.timezone.utc
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Setup",
    "GIT_AUTHOR_EMAIL": "setup@example.invalid",
    "GIT_COMMITTER_NAME": "Setup",
    "GIT_COMMITTER_EMAIL": "setup@example.invalid",
}


def test_changes_are_published_in_the_order_they_were_signed_off():
    early, late = dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 2, tzinfo=UTC)
    examples = [{"id": 7, "topic": "utter_faq/a", "text": "later one", "reviewed_at": late}]
    edits = [
        {
            "id": 3,
            "reviewed_at": early,
            "topic": "utter_faq/b",
            "new_topic": False,
            "title": "B?",
            "text": "An answer.",
            "sources": [["doc", "section"]],
            "examples_added": ["x"],
            "examples_removed": [],
        }
    ]
    assert changes_from(examples, edits) == [
        (
            "answer_edits",
            3,
            AnswerChanged(
                "utter_faq/b", False, "B?", "An answer.", (SourceRef("doc", "section"),), ("x",), ()
            ),
        ),
        ("proposals", 7, ExampleAdded("utter_faq/a", "later one")),
    ]


def test_only_a_model_of_the_live_content_and_code_is_fine_tuned_and_never_for_a_new_topic(
    tmp_path,
):
    live = tmp_path / f"{model_name(DATA_DIR)}.tar.gz"
    live.write_bytes(b"model")
    example = ExampleAdded("utter_faq/ductogram_duration", "will I need a day off work")
    answer = AnswerChanged("utter_faq/ductogram_duration", False, "T?", "A.", (), (), ())
    new_topic = AnswerChanged("utter_faq/parking", True, "Parking?", "A.", (), ("parking",), ())
    assert can_finetune(live, DATA_DIR, [example, answer], 0.2)
    assert not can_finetune(live, DATA_DIR, [example, new_topic], 0.2), "Rasa cannot add a label"
    assert not can_finetune(live, DATA_DIR, [example], 0), "0 means always a full training"
    other = tmp_path / "assistant-000000000000.tar.gz"
    other.write_bytes(b"model")
    assert not can_finetune(other, DATA_DIR, [example], 0.2), "trained from other content or code"
    assert not can_finetune(tmp_path / "gone.tar.gz", DATA_DIR, [example], 0.2)


def test_training_progress_names_the_part_and_its_percent():
    progress = _TrainingProgress()
    assert progress.words() == "Preparing"
    for line in [
        "2026-12-01 03:47:44 INFO rasa.engine.training.hooks - Starting to train component 'DIETClassifier'.",
        "Epochs:  12%|█▏        | 12/100 [00:10<01:20, t_loss=3.1]",
        "Epochs:  45%|████▌     | 45/100 [00:40<00:50, t_loss=1.2]",
    ]:
        progress.read(line)
    assert progress.words() == "Learning, part 1 of 2: 45%"
    progress.read("Starting to train component 'ResponseSelector'.")
    assert progress.words() == "Learning, part 2 of 2: 0%"


def test_a_content_failure_is_summarised_with_titles_and_without_noise():
    title = faq_titles()["utter_faq/ductogram_duration"]
    lines = [
        "/work/.venv/lib/python3.10/site-packages/x.py:3: DeprecationWarning: old",
        "1 thing(s) to fix before this goes live:",
        '- data/nlu/a.yml, line 9: the question "q" is under more than one topic '
        "(faq/ductogram_duration, faq/ductogram_time_of_day). Keep it under one.",
    ]
    summary = _summary("content", lines)
    assert summary.startswith("data/nlu/a.yml, line 9:")
    assert f"“{title}”" in summary and "faq/ductogram_duration" not in summary
    assert "DeprecationWarning" not in summary


def test_a_gates_summary_is_its_verdict_line():
    lines = [
        "2026-12-01 04:00:00 INFO rasa.core - Loading",
        "Held-out questions: 351 of 370 …",
        "I tensorflow noise",
    ]
    assert _summary("held_out", lines) == "Held-out questions: 351 of 370 …"


def test_the_conversation_tests_are_summarised_as_counts():
    lines = [
        "2026-12-01 05:02:05 INFO rasa.core.test - Correct: 78 / 78",
        "2026-12-01 05:02:05 INFO rasa.core.test - Correct: 287 / 289",
        "\x1b[94mFailed stories written to '/tmp/x/failed_test_stories.yml'\x1b[0m",
    ]
    assert _summary("conversations", lines) == (
        "287 of 289 steps of the conversation tests went as written."
    )


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, **GIT_IDENTITY),
    ).stdout.strip()


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A git checkout with data/nlu/ holding two files."""
    data = tmp_path / "data"
    (data / "nlu").mkdir(parents=True)
    (data / "nlu" / "a.yml").write_text("a: 1\n")
    (data / "nlu" / "b.yml").write_text("b: 1\n")
    (tmp_path / "notes.txt").write_text("mine\n")
    git(tmp_path, "init", "--quiet")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "--quiet", "-m", "start")
    return data


def test_a_publication_commits_its_files_and_only_them(checkout):
    root = checkout.parent
    (root / "notes.txt").write_text("an unrelated edit in progress\n")
    write_files(checkout, {"a.yml": "a: 2\n", "new.yml": "n: 1\n"})
    sha = commit(checkout, ["a.yml", "new.yml"], "Publish 1: two changes", "Ann Lee")
    assert sha == git(root, "rev-parse", "HEAD")
    assert git(root, "log", "-1", "--format=%an <%ae>|%cn|%s") == (
        "Ann Lee <ann.lee@nurses-dashboard.invalid>|Nurses' dashboard|Publish 1: two changes"
    )
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == [
        "data/nlu/a.yml",
        "data/nlu/new.yml",
    ]
    assert git(root, "status", "--porcelain") == "M notes.txt"
    assert read_nlu_files(checkout) == {"a.yml": "a: 2\n", "b.yml": "b: 1\n", "new.yml": "n: 1\n"}
    # Rolling back removes a file the publication created.
    write_files(checkout, {"a.yml": "a: 1\n", "new.yml": None})
    commit(checkout, ["a.yml", "new.yml"], "Roll back publication 1", "Ann Lee")
    assert git(root, "show", "--name-status", "--format=", "HEAD").split() == [
        "M",
        "data/nlu/a.yml",
        "D",
        "data/nlu/new.yml",
    ]
    assert not list(checkout.glob("nlu/.*"))


def test_only_the_latest_publications_keep_their_models(tmp_path):
    for number in range(1, 8):
        (tmp_path / str(number)).mkdir()
        (tmp_path / str(number) / "assistant-x.tar.gz").write_bytes(b"model")
        (tmp_path / str(number) / "train.log").write_text("log")
    prune_models(tmp_path, keep=5)
    assert sorted(p.parent.name for p in tmp_path.glob("*/*.tar.gz")) == ["3", "4", "5", "6", "7"]
    assert len(list(tmp_path.glob("*/train.log"))) == 7


def test_outside_git_nothing_is_committed(tmp_path):
    (tmp_path / "nlu").mkdir()
    write_files(tmp_path, {"a.yml": "a: 1\n"})
    assert commit(tmp_path, ["a.yml"], "Publish 1", "Ann Lee") is None


@pytest.fixture
def log(tmp_path) -> PublicationLog:
    return PublicationLog(ReviewDatabase(f"sqlite:///{tmp_path / 'review.db'}"))


def signed_off_example(log: PublicationLog, text: str) -> int:
    database = log.database
    decision = Decision(key=text, kind=ADD_EXAMPLE, topic="utter_faq/ductogram_duration")
    database.keep(
        decision, InboxGroup(key=text, words=frozenset(), text=text, wordings=[text]), "Nora Quinn"
    )
    [proposal] = [p for p in database.proposals() if p["text"] == text]
    database.review(read_review({"proposal": str(proposal["id"]), "action": SIGN_OFF}), "Ann Lee")
    return proposal["id"]


def test_only_signed_off_changes_wait_and_one_publication_runs_at_a_time(log):
    first = signed_off_example(log, "can i go back to work after")
    edit = AnswerEdit("utter_faq/x", False, "X?", "Text.", (), (), ("e",), (), "why")
    edit_id = log.database.propose_edit(edit, "Old.", "Nora Quinn")  # a draft: never published
    examples, edits = log.signed_off()
    assert [e["id"] for e in examples] == [first] and edits == []

    started = log.start("Ann Lee", [{"key": "write", "state": "waiting"}], ["one change"])
    assert started is not None
    assert log.start("Nora Quinn", [], []) is None, "a second publication waits for the first"
    log.mark_changes(started, [first], [], PUBLISHED)
    log.update(started, status="live", files_after={"a.yml": "x"}, files_before={"a.yml": None})
    assert log.signed_off() == ([], [])
    assert log.changes_of(started) == ([first], [])
    live = log.live()
    assert live is not None and live["files_before"] == {"a.yml": None}
    assert live["changes"] == ["one change"]
    assert log.database.answer_edits()[0]["id"] == edit_id
    assert log.database.answer_edits()[0]["status"] == "draft"


def test_a_publication_cut_short_by_a_restart_is_marked_failed(log):
    started = log.start("Ann Lee", [], [])
    log.abandon_running("The web server stopped while publishing.")
    publication = log.get(started)
    assert publication["status"] == "failed" and "stopped" in publication["failure"]
    assert log.start("Ann Lee", [], []) is not None


def test_holding_back_takes_a_signed_off_change_out_once(log):
    proposal = signed_off_example(log, "is there a lift to the x-ray room")
    log.hold_back("proposals", proposal, "Ann Lee", "Not now")
    assert log.signed_off() == ([], [])
    with pytest.raises(NotSignedOff):
        log.hold_back("proposals", proposal, "Ann Lee", "Again")
    assert [p["status"] for p in log.database.proposals()] == ["rejected"]


def test_each_finished_step_says_how_long_it_took():
    from webapp.publish_pages import took

    started = "2026-12-01T07:00:00+00:00"
    assert took({"started": started, "finished": "2026-12-01T07:07:42+00:00"}) == "7 min 42 s"
    assert took({"started": started, "finished": "2026-12-01T07:00:09+00:00"}) == "9 s"
    assert took({"started": started}) == ""  # still running
    assert took({}) == ""  # waiting
