"""The nurses' dashboard over a month of a busy clinic: how long its figures take to load.

    python -m bench.dashboard [--days 30] [--per-day 1250] [--store-days 90] [--timestamp-index]

Fills a SQLite tracker store with `days` days of `per-day` conversations (bench/clinic.py:
the events Rasa writes, about 17 a conversation), then times what the page does for those
days: the figures and the first page of conversations (ConversationStore.dashboard), in this
process and as a real GET of /nurse on the web server (its own environment), with the bearer
token. Also the last week, and a search over the whole period. `--store-days` keeps more days
in the store than are shown (the queries read the whole table), `--timestamp-index` adds an
index on events(timestamp) to the scratch store (docs/performance.md). `make bench` runs it
as part of bench.serving; run alone, it updates only its entry in bench/results.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import requests

from bench.clinic import BUSY_CLINIC_CONVERSATIONS_PER_DAY, fill
from tools.servers import NURSE_TOKEN, PROJECT_ROOT, start_assistant
from webapp.store import ConversationStore

RESULTS_FILE = PROJECT_ROOT / "bench" / "results.json"
TARGET_S = 2.0
LAST_DAY = dt.date(2026, 11, 30)
# What a database administrator may add (the dashboard only reads): docs/performance.md.
TIMESTAMP_INDEX = "CREATE INDEX ix_events_timestamp ON events (timestamp)"
ROUNDS = 3


def seconds(action: Callable[[], object]) -> dict[str, float]:
    """The first run (the process's first, which also reads data/ for topic titles and
    levels) and the median of the next ROUNDS."""
    times = []
    for _ in range(ROUNDS + 1):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return {"first_s": round(times[0], 2), "median_s": round(statistics.median(times[1:]), 2)}


def midnight(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time.min, dt.timezone.utc).timestamp()


def measure(
    days: int = 30,
    per_day: int = BUSY_CLINIC_CONVERSATIONS_PER_DAY,
    store_days: int | None = None,
    timestamp_index: bool = False,
) -> dict:
    store_days = max(store_days or days, days)
    workdir = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    database = workdir / "tracker.db"  # where start_assistant points the web server
    print(f"dashboard: filling {store_days} days of {per_day} conversations...", flush=True)
    started = time.perf_counter()
    first_stored = LAST_DAY - dt.timedelta(days=store_days - 1)
    events = fill(database, first_stored, store_days, per_day)
    if timestamp_index:
        with closing(sqlite3.connect(database)) as connection:
            connection.execute(TIMESTAMP_INDEX)
    result: dict = {
        "days": days,
        "conversations": days * per_day,
        "store_days": store_days,
        "timestamp_index": timestamp_index,
        "events_stored": events,
        "database_mb": round(database.stat().st_size / 2**20),
        "fill_s": round(time.perf_counter() - started, 1),
    }
    first_day = LAST_DAY - dt.timedelta(days=days - 1)
    shown = (midnight(first_day), midnight(LAST_DAY + dt.timedelta(days=1)))
    last_week = (midnight(LAST_DAY - dt.timedelta(days=6)), shown[1])
    store = ConversationStore(f"sqlite:///{database}", read_only=True)
    print("dashboard: timing the figures...", flush=True)
    result["figures"] = seconds(lambda: store.dashboard(*shown))
    result["last_week"] = seconds(lambda: store.dashboard(*last_week))
    result["searched"] = seconds(lambda: store.dashboard(*shown, "capital france"))
    store.engine.dispose()

    print("dashboard: timing GET /nurse and /nurse/inbox on the web server...", flush=True)
    server = start_assistant("no-model", workdir, SERVERS="web")
    try:

        def getter(path: str, holding: str) -> Callable[[], None]:
            def get() -> None:
                reply = requests.get(
                    f"{server.web_url}{path}?from={first_day}&to={LAST_DAY}",
                    headers={"Authorization": f"Bearer {NURSE_TOKEN}"},
                    timeout=120,
                )
                assert reply.status_code == 200 and holding in reply.text, reply.status_code

            return get

        result["figures_http"] = seconds(getter("/nurse", 'id="figure-conversations"'))
        # The inbox groups every message of the month that it lists (core/review/inbox.py).
        result["inbox_http"] = seconds(getter("/nurse/inbox", "Inbox:"))
    finally:
        server.stop()
        shutil.rmtree(workdir)
    return result


def target_line(result: dict) -> tuple[str, bool]:
    """The target: a month of a busy clinic loads in under TARGET_S, over HTTP, once warm."""
    loaded = result["figures_http"]["median_s"]
    return (
        f"dashboard, {result['days']} days of {result['conversations']} conversations over "
        f"HTTP (s): {loaded} (target under {TARGET_S:g})",
        loaded < TARGET_S,
    )


def table(result: dict) -> str:
    rows = [
        ("figures and first page, in process", result["figures"]),
        ("GET /nurse", result["figures_http"]),
        ("the last week: figures and first page", result["last_week"]),
        ("searched for two words: in process", result["searched"]),
        ("GET /nurse/inbox (the month's groups)", result["inbox_http"]),
    ]
    lines = [
        f"dashboard over {result['days']} days, {result['conversations']} conversations, in a "
        f"store of {result['store_days']} days, {result['events_stored']} events, "
        f"{result['database_mb']} MB of SQLite (filled in {result['fill_s']} s)"
        + (", with an index on events(timestamp)" if result["timestamp_index"] else ""),
        f"{'measure':44} {'first (s)':>10} {'median (s)':>10}",
    ]
    lines += [f"{name:44} {t['first_s']:>10} {t['median_s']:>10}" for name, t in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=BUSY_CLINIC_CONVERSATIONS_PER_DAY)
    parser.add_argument("--store-days", type=int, help="days in the store (default: --days)")
    parser.add_argument("--timestamp-index", action="store_true")
    args = parser.parse_args()
    result = measure(args.days, args.per_day, args.store_days, args.timestamp_index)
    results = json.loads(RESULTS_FILE.read_text()) if RESULTS_FILE.exists() else {}
    results["dashboard"] = result
    RESULTS_FILE.write_text(json.dumps(results, indent=2))
    print(table(result))
    line, met = target_line(result)
    print(f"\n{'met' if met else 'NOT MET':8} {line}")
    print(f"\nwritten to {RESULTS_FILE.relative_to(PROJECT_ROOT)}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
