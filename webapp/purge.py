"""Deletes conversations older than N days from the tracker store, with their call-back
requests, and call-back requests last changed more than N days ago: `make purge` (N is
RETENTION_DAYS, 90 unless set) or `make purge DAYS=N`."""

from __future__ import annotations

import argparse
import sys

from core.settings import clinic, tracker_store_url
from webapp.callbacks import CallbackStore
from webapp.store import ConversationStore


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--days",
        type=float,
        default=clinic().retention_days,
        help="keep conversations active in the last N days (default: RETENTION_DAYS)",
    )
    parser.add_argument("--url", default=tracker_store_url())
    args = parser.parse_args(argv)
    if args.days < 0:
        parser.error("DAYS must be 0 or more.")
    result = ConversationStore(args.url, read_only=False).purge_older_than(args.days)
    callbacks = CallbackStore(args.url).purge_older_than(args.days, conversations=result.senders)
    print(
        f"Deleted {result.conversations} conversations ({result.events} events) older than "
        f"{args.days:g} days, and {callbacks} call-back requests."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
