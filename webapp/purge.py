"""Deletes conversations older than N days from the tracker store: `make purge DAYS=N`."""

from __future__ import annotations

import argparse
import sys

from core.settings import tracker_store_url
from webapp.store import ConversationStore


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--days", type=float, required=True, help="keep conversations active in the last N days"
    )
    parser.add_argument("--url", default=tracker_store_url())
    args = parser.parse_args(argv)
    if args.days < 0:
        parser.error("DAYS must be 0 or more.")
    result = ConversationStore(args.url, read_only=False).purge_older_than(args.days)
    print(
        f"Deleted {result.conversations} conversations ({result.events} events) older than {args.days:g} days."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
