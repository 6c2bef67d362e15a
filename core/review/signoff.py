"""Who may do what with the inbox's proposals (core/review/inbox.py), and the review a clinician
submits. Pure logic: the web server keeps the accounts and the proposals' history
(webapp/accounts.py, webapp/review_db.py).

A proposal starts as a draft (a nurse's or a clinician's decision in the inbox). A clinician
signs it off (reviewed) or sends it back with a note (rejected); publishing writes the reviewed
changes into data/nlu/ (published), and a rollback takes them back (rolled_back). A nurse can
propose but never sign off. A clinician may sign off her own proposal, as small clinics do: both
names are kept."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from core.review.inbox import NotAccepted

NURSE = "nurse"
CLINICIAN = "clinician"
ROLES = (NURSE, CLINICIAN)

DRAFT = "draft"
REVIEWED = "reviewed"
REJECTED = "rejected"
PUBLISHED = "published"
# Published, then taken back by a rollback (webapp/publisher.py): not published again by itself.
ROLLED_BACK = "rolled_back"
STATUS_WORDS = {
    DRAFT: "Draft",
    REVIEWED: "Signed off",
    REJECTED: "Sent back",
    PUBLISHED: "Published",
    ROLLED_BACK: "Rolled back",
}
# What a review may do, from where: only a draft is reviewed, once.
SIGN_OFF = "sign_off"
SEND_BACK = "send_back"
REVIEW_TO = {SIGN_OFF: REVIEWED, SEND_BACK: REJECTED}
MAX_NOTE = 500
NOT_A_CLINICIAN = (
    "Only a clinician can sign off or send back a change. Your proposals stay drafts until a "
    "clinician reviews them."
)


def may_review(role: str) -> bool:
    """Whether someone in this role may sign off or send back a proposal."""
    return role == CLINICIAN


@dataclass(frozen=True)
class Review:
    """A clinician's review of one proposal: the status it moves to, and her note."""

    proposal_id: int
    to_status: str
    note: str | None = None


def read_review(form: Mapping[str, str]) -> Review:
    """The review a submitted form asks for; NotAccepted with a polite reason otherwise."""
    proposal = form.get("proposal", "").strip()
    if not proposal.isdigit():
        raise NotAccepted("Please pick a proposal from the list.")
    action = form.get("action", "")
    if action not in REVIEW_TO:
        raise NotAccepted("Please choose to sign off the change or to send it back.")
    note = re.sub(r"\s+", " ", form.get("note", "")).strip()
    if len(note) > MAX_NOTE:
        raise NotAccepted(f"Please keep the note under {MAX_NOTE} characters.")
    if action == SEND_BACK and not note:
        raise NotAccepted("Please say in the note why the change goes back.")
    return Review(int(proposal), REVIEW_TO[action], note or None)
