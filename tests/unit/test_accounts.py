"""Nurses' and clinicians' accounts (webapp/accounts.py) and the clinicians' sign-off of the
inbox's proposals (core/review/signoff.py, webapp/review_db.py), on real SQLite review
databases.

The accounts' code runs where the web server runs: in its own environment (WEB_VENV, with
argon2-cffi), through the real command `python -m webapp.accounts` and the Accounts class."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.review.inbox import ADD_EXAMPLE, InboxGroup, NotAccepted, read_decision
from core.review.signoff import (
    CLINICIAN,
    DRAFT,
    NURSE,
    REJECTED,
    REVIEWED,
    Review,
    may_review,
    read_review,
)
from tools.servers import PROJECT_ROOT, WEB_VENV
from webapp.review_db import HISTORY, AlreadyReviewed, NoSuchProposal, ReviewDatabase

PASSWORD = "long enough pass phrase"
TOPIC = "utter_faq/ductogram_what_is"


def accounts_command(db: Path, *args: str, password: str = PASSWORD):
    """`python -m webapp.accounts ...` in the web server's environment, password on stdin."""
    python = WEB_VENV / "bin" / "python"
    assert python.exists(), f"{python} is missing: `make install` creates the web environment."
    env = {k: v for k, v in os.environ.items() if k != "STAFF_PASSWORD"}
    return subprocess.run(
        [str(python), "-m", "webapp.accounts", *args],
        cwd=PROJECT_ROOT,
        env={**env, "REVIEW_DB_URL": f"sqlite:///{db}"},
        input=password + "\n",
        capture_output=True,
        text=True,
    )


def verify(db: Path, *attempts: tuple[str, str]) -> list:
    """Accounts.verify for each (name, password), as [name, role] or None."""
    script = (
        "import json, sys\n"
        "from webapp.accounts import Accounts\n"
        "from webapp.review_db import ReviewDatabase\n"
        f"accounts = Accounts(ReviewDatabase({f'sqlite:///{db}'!r}))\n"
        f"found = [accounts.verify(n, p) for n, p in {list(attempts)!r}]\n"
        "print(json.dumps([[a.name, a.role] if a else None for a in found]))\n"
    )
    ran = subprocess.run(
        [str(WEB_VENV / "bin" / "python"), "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(ran.stdout)


def stored(db: Path) -> list[tuple]:
    with closing(sqlite3.connect(db)) as connection:
        made = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'staff_accounts'"
        ).fetchone()[0]
        return (
            connection.execute(
                "SELECT name, role, password_hash, disabled FROM staff_accounts ORDER BY name"
            ).fetchall()
            if made
            else []
        )


def test_a_password_is_kept_as_an_argon2_hash_and_only_the_right_one_verifies(tmp_path):
    db = tmp_path / "review.db"
    added = accounts_command(db, "add", "--name", "  Ann   Lee ", "--role", "clinician")
    assert added.returncode == 0 and "Added Ann Lee (clinician)." in added.stdout, added.stderr
    [(name, role, password_hash, disabled)] = stored(db)
    assert (name, role, disabled) == ("Ann Lee", "clinician", 0)
    assert password_hash.startswith("$argon2id$") and PASSWORD not in password_hash
    assert verify(
        db,
        ("Ann Lee", PASSWORD),
        ("Ann Lee", PASSWORD + " "),
        ("Ann Lee", "long enough pass phrasE"),
        ("Ann Le", PASSWORD),
        ("Nobody", PASSWORD),
    ) == [["Ann Lee", "clinician"], None, None, None, None]


def test_the_same_password_gets_a_different_salt_each_time(tmp_path):
    db = tmp_path / "review.db"
    for name in ("Ann Lee", "Nora Quinn"):
        assert accounts_command(db, "add", "--name", name, "--role", "nurse").returncode == 0
    hashes = [row[2] for row in stored(db)]
    assert len(set(hashes)) == 2


def test_a_short_password_is_refused_with_a_clear_message_and_nothing_is_stored(tmp_path):
    db = tmp_path / "review.db"
    refused = accounts_command(
        db, "add", "--name", "Ann Lee", "--role", "nurse", password="elevenchars"
    )
    assert refused.returncode == 1
    assert "at least 12 characters" in refused.stderr
    assert stored(db) == []


def test_a_disabled_account_cannot_sign_in(tmp_path):
    db = tmp_path / "review.db"
    accounts_command(db, "add", "--name", "Nora Quinn", "--role", "nurse")
    disabled = accounts_command(db, "disable", "--name", "Nora Quinn")
    assert disabled.returncode == 0 and "can no longer sign in" in disabled.stdout
    assert stored(db)[0][3] == 1
    assert verify(db, ("Nora Quinn", PASSWORD)) == [None]
    listing = accounts_command(db, "list").stdout
    assert "Nora Quinn\tnurse\tdisabled" in listing and "argon2" not in listing


def test_a_new_password_replaces_the_old_one(tmp_path):
    db = tmp_path / "review.db"
    accounts_command(db, "add", "--name", "Nora Quinn", "--role", "nurse")
    changed = accounts_command(
        db, "password", "--name", "Nora Quinn", password="another long phrase"
    )
    assert changed.returncode == 0, changed.stderr
    assert verify(db, ("Nora Quinn", PASSWORD), ("Nora Quinn", "another long phrase")) == [
        None,
        ["Nora Quinn", "nurse"],
    ]


def test_a_second_account_of_the_same_name_an_unknown_role_or_account_are_refused(tmp_path):
    db = tmp_path / "review.db"
    accounts_command(db, "add", "--name", "Ann Lee", "--role", "clinician")
    again = accounts_command(db, "add", "--name", "Ann Lee", "--role", "nurse")
    assert again.returncode == 1 and "already an account named 'Ann Lee'" in again.stderr
    assert accounts_command(db, "add", "--name", "X Y", "--role", "admin").returncode == 2
    missing = accounts_command(db, "disable", "--name", "Nobody")
    assert missing.returncode == 1 and "no account named 'Nobody'" in missing.stderr
    assert [row[:2] for row in stored(db)] == [("Ann Lee", "clinician")]


# Sign-off (core/review/signoff.py) and its record (webapp/review_db.py).


def test_only_a_clinician_may_review():
    assert may_review(CLINICIAN) and not may_review(NURSE) and not may_review("script")


@pytest.mark.parametrize(
    "form,problem",
    [
        ({"action": "sign_off"}, "Please pick a proposal"),
        ({"proposal": "1; DROP", "action": "sign_off"}, "Please pick a proposal"),
        ({"proposal": "1", "action": "publish"}, "Please choose to sign off"),
        ({"proposal": "1", "action": "send_back", "note": "   "}, "Please say in the note why"),
        ({"proposal": "1", "action": "sign_off", "note": "x" * 501}, "under 500 characters"),
    ],
)
def test_a_bad_review_gets_a_polite_reason(form, problem):
    with pytest.raises(NotAccepted, match=problem):
        read_review(form)


def test_good_reviews_are_read():
    assert read_review({"proposal": "7", "action": "sign_off"}) == Review(7, REVIEWED)
    assert read_review({"proposal": "7", "action": "send_back", "note": " Too  vague "}) == Review(
        7, REJECTED, "Too vague"
    )


def _two_drafts(review: ReviewDatabase) -> list[int]:
    group = InboxGroup("needle big", frozenset({"needle", "big"}), "how big is the needle")
    group.wordings = ["how big is the needle", "how big is the needle they use"]
    decision = read_decision({"key": group.key, "kind": ADD_EXAMPLE, "topic": TOPIC}, {TOPIC: ""})
    review.keep(decision, group, "Nora Quinn")
    return [p["id"] for p in review.proposals()]


def test_a_sign_off_records_who_and_when_and_every_change_is_in_the_history(tmp_path):
    review = ReviewDatabase(f"sqlite:///{tmp_path}/review.db")
    first, second = sorted(_two_drafts(review))
    review.review(Review(first, REVIEWED), "Ann Lee")
    review.review(Review(second, REJECTED, "Not a question patients ask"), "Nora Quinn")
    with pytest.raises(AlreadyReviewed):
        review.review(Review(first, REJECTED, "too late"), "Someone Else")
    with pytest.raises(NoSuchProposal):
        review.review(Review(999, REVIEWED), "Ann Lee")

    shown = {p["id"]: p for p in review.proposals()}
    assert (shown[first]["status"], shown[first]["reviewed_by"]) == (REVIEWED, "Ann Lee")
    assert shown[first]["created_by"] == "Nora Quinn"
    assert shown[second]["review_note"] == "Not a question patients ask"
    reviewed_at = shown[first]["reviewed_at"].replace(tzinfo=dt.timezone.utc)
    assert abs((dt.datetime.now(dt.timezone.utc) - reviewed_at).total_seconds()) < 60
    with review.engine.connect() as connection:
        history = connection.execute(
            sa.select(
                HISTORY.c.proposal_id,
                HISTORY.c.from_status,
                HISTORY.c.to_status,
                HISTORY.c.changed_by,
                HISTORY.c.note,
            ).order_by(HISTORY.c.id)
        ).all()
    assert history == [
        (first, None, DRAFT, "Nora Quinn", None),
        (second, None, DRAFT, "Nora Quinn", None),
        (first, DRAFT, REVIEWED, "Ann Lee", None),
        (second, DRAFT, REJECTED, "Nora Quinn", "Not a question patients ask"),
    ]


def test_drafts_are_listed_first(tmp_path):
    review = ReviewDatabase(f"sqlite:///{tmp_path}/review.db")
    first, second = sorted(_two_drafts(review))
    review.review(Review(second, REVIEWED), "Ann Lee")
    assert [p["status"] for p in review.proposals()] == [DRAFT, REVIEWED]


def test_a_review_database_from_before_sign_off_gets_the_new_columns(tmp_path):
    db = tmp_path / "review.db"
    with closing(sqlite3.connect(db)) as connection:
        connection.execute(
            "CREATE TABLE proposals (id INTEGER PRIMARY KEY, decision_id INTEGER NOT NULL,"
            " kind VARCHAR(20) NOT NULL, topic VARCHAR(200), title TEXT, text TEXT NOT NULL,"
            " status VARCHAR(20) NOT NULL, created_by VARCHAR(200) NOT NULL,"
            " created_at DATETIME NOT NULL)"
        )
        connection.commit()
    review = ReviewDatabase(f"sqlite:///{db}")
    first, _ = sorted(_two_drafts(review))
    review.review(Review(first, REVIEWED), "Ann Lee")
    assert {p["reviewed_by"] for p in review.proposals()} == {"Ann Lee", None}
