"""`make bench`: what one server holds, measured on the real servers, next to a baseline.

    python -m bench.serving [--quick]

For this assistant and for a baseline (the same data and domain trained with Rasa's default
`rasa init` pipeline and policies), in the same run on the same questions:
training time from scratch; cold start until the first answer; resident memory of the Rasa
and action servers after warm-up; sequential REST latency (p50/p95/p99) for FAQ questions,
symptom-check turns and red-flag messages; throughput, p95 and errors with 1, 10 and 50
concurrent conversations; latency at turns 1-20 and 200-220 of one long conversation;
the red-flag detector's time per message; and the nurses' dashboard over a month of a busy
clinic (bench/dashboard.py). Prints a table and writes bench/results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import aiohttp
import yaml

from bench import dashboard
from core.content import HOLDOUT_FILE, examples_by_intent
from tools.servers import PROJECT_ROOT, RunningAssistant, start_assistant

RESULTS_FILE = PROJECT_ROOT / "bench" / "results.json"
PHRASINGS_FILE = PROJECT_ROOT / "tests" / "data" / "red_flag_phrasings.yml"
RASA = str(PROJECT_ROOT / os.environ.get("VENV", ".venv") / "bin" / "rasa")
SYMPTOM_CHECK_TURNS = [
    "Check my symptoms",
    "It is milky",
    "From both breasts",
    "Only when I squeeze",
    "No",
    "No",
    "Female",
    "Under 30",
    "Neither",
    "No",
    "Neither",
]
TARGETS = {
    "p95_sequential_ms": 100,
    "cold_start_s": 30,
    "memory_mb": 1536,
    "throughput_ratio_at_10": 2.0,
}


def faq_questions() -> list[str]:
    return [
        q
        for intent, qs in examples_by_intent(HOLDOUT_FILE).items()
        if intent.startswith("faq/")
        for q in qs
    ]


def red_flag_messages() -> list[str]:
    return [row["text"] for row in yaml.safe_load(PHRASINGS_FILE.read_text())["red_flags"]]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]
        if ordered
        else float("nan")
    )


def summary(latencies_ms: list[float]) -> dict[str, float]:
    return {
        "n": len(latencies_ms),
        "p50_ms": round(percentile(latencies_ms, 0.50), 1),
        "p95_ms": round(percentile(latencies_ms, 0.95), 1),
        "p99_ms": round(percentile(latencies_ms, 0.99), 1),
    }


def train(config: Path, out: Path, name: str) -> float:
    """Seconds to train from scratch: a fresh output folder and an empty training cache."""
    cache = Path(tempfile.mkdtemp(prefix="bench-cache-"))
    started = time.perf_counter()
    subprocess.run(
        [
            RASA,
            "train",
            "--config",
            str(config),
            "--domain",
            "domain.yml",
            "--data",
            "data",
            "--out",
            str(out),
            "--fixed-model-name",
            name,
        ],
        cwd=PROJECT_ROOT,
        check=True,
        env=dict(os.environ, RASA_CACHE_DIRECTORY=str(cache), RASA_TELEMETRY_ENABLED="false"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    shutil.rmtree(cache, ignore_errors=True)
    return time.perf_counter() - started


def baseline_config() -> Path:
    """The config.yml that `rasa init` writes: no pipeline or policies named, so Rasa's
    defaults (DIET, ResponseSelector, TED, UnexpecTED, Memoization, Rule) are used."""
    import rasa.cli

    return Path(rasa.cli.__file__).parent / "initial_project" / "config.yml"


def resident_mb(process_group: int) -> dict[str, float]:
    """RSS of the Rasa server and the action server started by run_servers.sh."""
    listing = subprocess.run(
        ["ps", "-o", "rss=,args=", "-g", str(process_group)], capture_output=True, text=True
    ).stdout
    memory = {"rasa_server_mb": 0.0, "action_server_mb": 0.0}
    for line in listing.splitlines():
        rss_kb, _, args = line.strip().partition(" ")
        if "-m actions.server" in args:
            memory["action_server_mb"] += int(rss_kb) / 1024
        elif "-m rasa_addons run" in args:
            memory["rasa_server_mb"] += int(rss_kb) / 1024
    assert memory["rasa_server_mb"] and memory["action_server_mb"], (
        f"a server was not found in:\n{listing}"
    )
    memory["total_mb"] = memory["rasa_server_mb"] + memory["action_server_mb"]
    return {key: round(value) for key, value in memory.items()}


SILENT: Counter = Counter()  # per server: 200s with no message at all


async def post(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> float:
    """Milliseconds for one reply; raises when it is not a 200. A 200 with no message is
    counted in SILENT (the patient got nothing)."""
    started = time.perf_counter()
    async with session.post(url, json={"sender": sender, "message": text}) as response:
        body = await response.json(content_type=None)
        if response.status != 200:
            raise RuntimeError(f"{response.status}: {body}")
        if not body:
            SILENT[url] += 1
    return (time.perf_counter() - started) * 1000


async def sequential(url: str, texts: list[str], same_conversation: bool = False) -> list[float]:
    async with aiohttp.ClientSession() as session:
        sender = f"bench-{uuid.uuid4().hex[:8]}"
        latencies = []
        for text in texts:
            latencies.append(
                await post(
                    session,
                    url,
                    sender if same_conversation else f"bench-{uuid.uuid4().hex[:8]}",
                    text,
                )
            )
        return latencies


async def concurrent(url: str, conversations: int, texts: list[str]) -> dict[str, float]:
    """`conversations` patients at once, each sending `texts` in turn."""
    latencies: list[float] = []
    errors = 0

    async def one_patient(session):
        nonlocal errors
        sender = f"bench-{uuid.uuid4().hex[:8]}"
        for text in texts:
            try:
                latencies.append(await post(session, url, sender, text))
            except Exception:  # noqa: BLE001 - every failure counts as an error
                errors += 1

    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(
        timeout=timeout, connector=aiohttp.TCPConnector(limit=conversations)
    ) as session:
        started = time.perf_counter()
        await asyncio.gather(*(one_patient(session) for _ in range(conversations)))
        elapsed = time.perf_counter() - started
    return {
        "conversations": conversations,
        "messages": len(latencies) + errors,
        "errors": errors,
        "throughput_per_s": round(len(latencies) / elapsed, 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
    }


def stock_settings(workdir: Path) -> dict[str, str]:
    """Server settings for the baseline: Rasa's own SQL tracker store, channels and response
    generator, so that nothing of rasa_addons/ is loaded."""
    text = (PROJECT_ROOT / "endpoints.yml").read_text()
    ours = "type: rasa_addons.tracker_store.CachedSQLTrackerStore"
    assert ours in text, "endpoints.yml no longer names our tracker store: update bench/serving.py"
    endpoints, credentials = workdir / "stock-endpoints.yml", workdir / "stock-credentials.yml"
    endpoints.write_text(re.sub(r"\nnlg:\n(  .*\n)+", "\n", text.replace(ours, "type: SQL")))
    credentials.write_text(
        "rest:\nsocketio:\n  user_message_evt: user_uttered\n  bot_message_evt: bot_uttered\n"
        "  session_persistence: true\n"
    )
    return {"ENDPOINTS_FILE": str(endpoints), "CREDENTIALS_FILE": str(credentials)}


def measure(model: Path, workdir: Path, quick: bool, **server_env: str) -> dict:
    faq, flags = faq_questions(), red_flag_messages()
    if quick:
        faq, flags = faq[:30], flags[:30]
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    servers: RunningAssistant = start_assistant(
        str(model), workdir, SERVERS="actions rasa", **server_env
    )
    url = f"{servers.rasa_url}/webhooks/rest/webhook"
    try:
        asyncio.run(sequential(url, ["What is a ductogram?"]))
        cold_start = time.perf_counter() - started
        asyncio.run(sequential(url, faq[:20] + flags[:20] + SYMPTOM_CHECK_TURNS))  # warm-up
        result = {
            "cold_start_s": round(cold_start, 1),
            "memory": resident_mb(os.getpgid(servers.process.pid)),
        }
        result["sequential"] = {
            "faq": summary(asyncio.run(sequential(url, faq))),
            "red_flag": summary(asyncio.run(sequential(url, flags))),
            "symptom_check": summary(
                [
                    ms
                    for _ in range(3 if quick else 10)
                    for ms in asyncio.run(
                        sequential(url, SYMPTOM_CHECK_TURNS, same_conversation=True)
                    )
                ]
            ),
        }
        mixed = (faq[:4] + flags[:2] + ["thanks"]) * 3
        result["concurrent"] = [asyncio.run(concurrent(url, n, mixed)) for n in (1, 10, 50)]
        turns = [faq[i % len(faq)] for i in range(220)]
        long_run = asyncio.run(sequential(url, turns, same_conversation=True))
        result["long_conversation"] = {
            "turns_1_20": summary(long_run[:20]),
            "turns_200_220": summary(long_run[199:220]),
        }
        result["memory_after_load"] = resident_mb(os.getpgid(servers.process.pid))
        result["replies_with_no_message"] = SILENT[url]
    finally:
        servers.stop()
    return result


def detector_ms() -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-m", "bench.detector", "--rounds", "2"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    ).stdout
    line = next(row for row in output.splitlines() if "median" in row)
    numbers = [float(part.split()[-2]) for part in line.split(";")[1].split(",")]
    return {"median_ms": numbers[0], "p95_ms": numbers[1], "max_ms": numbers[2]}


def ratio(ours: float, baseline: float) -> str:
    return f"{ours / baseline:.2f}x" if baseline else "-"


def table(results: dict) -> str:
    ours, base = results["assistant"], results["baseline"]
    rows = [
        ("training from scratch (s)", ours["training_s"], base["training_s"]),
        ("cold start to first answer (s)", ours["cold_start_s"], base["cold_start_s"]),
        (
            "memory, both servers, after load (MB)",
            ours["memory_after_load"]["total_mb"],
            base["memory_after_load"]["total_mb"],
        ),
    ]
    for kind in ("faq", "symptom_check", "red_flag"):
        for key in ("p50_ms", "p95_ms", "p99_ms"):
            rows.append(
                (
                    f"sequential {kind} {key[:3]} (ms)",
                    ours["sequential"][kind][key],
                    base["sequential"][kind][key],
                )
            )
    for mine, theirs in zip(ours["concurrent"], base["concurrent"], strict=False):
        n = mine["conversations"]
        rows.append(
            (f"{n} conversations: messages/s", mine["throughput_per_s"], theirs["throughput_per_s"])
        )
        rows.append((f"{n} conversations: p95 (ms)", mine["p95_ms"], theirs["p95_ms"]))
        rows.append((f"{n} conversations: errors", mine["errors"], theirs["errors"]))
    rows.append(
        (
            "replies with no message at all",
            ours["replies_with_no_message"],
            base["replies_with_no_message"],
        )
    )
    for part in ("turns_1_20", "turns_200_220"):
        rows.append(
            (
                f"long conversation {part} p50 (ms)",
                ours["long_conversation"][part]["p50_ms"],
                base["long_conversation"][part]["p50_ms"],
            )
        )
        rows.append(
            (
                f"long conversation {part} p95 (ms)",
                ours["long_conversation"][part]["p95_ms"],
                base["long_conversation"][part]["p95_ms"],
            )
        )
    lines = [f"{'measure':44} {'assistant':>10} {'baseline':>10} {'ratio':>8}", "-" * 75]
    lines += [
        f"{name:44} {mine:>10} {theirs:>10} {ratio(mine, theirs):>8}" for name, mine, theirs in rows
    ]
    lines.append(
        f"{'red-flag detector per message (ms)':44} {results['detector']['median_ms']:>10} (median), "
        f"p95 {results['detector']['p95_ms']}"
    )
    return "\n".join(lines)


def target_lines(results: dict) -> list[tuple[str, bool]]:
    """Each target in TARGETS with the measured figure, and whether it is met."""
    ours, base = results["assistant"], results["baseline"]
    at_10 = [row for row in ours["concurrent"] if row["conversations"] == 10]
    base_10 = [row for row in base["concurrent"] if row["conversations"] == 10]
    throughput = at_10[0]["throughput_per_s"] / base_10[0]["throughput_per_s"]
    checks = [
        (
            "sequential FAQ p95 (ms)",
            ours["sequential"]["faq"]["p95_ms"],
            "under",
            "p95_sequential_ms",
        ),
        ("cold start (s)", ours["cold_start_s"], "under", "cold_start_s"),
        ("memory after load (MB)", ours["memory_after_load"]["total_mb"], "under", "memory_mb"),
        (
            "messages/s at 10 conversations / baseline's",
            round(throughput, 2),
            "at least",
            "throughput_ratio_at_10",
        ),
    ]
    lines = [
        (
            f"{label}: {value} (target {how} {TARGETS[key]})",
            value < TARGETS[key] if how == "under" else value >= TARGETS[key],
        )
        for label, value, how, key in checks
    ]
    errors = sum(row["errors"] for row in ours["concurrent"])
    return lines + [
        (f"errors under load: {errors} (target 0)", errors == 0),
        dashboard.target_line(results["dashboard"]),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer questions, for a smoke run")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    results: dict = {"machine": {"cpus": os.cpu_count()}, "quick": args.quick}
    try:
        for name, config in (
            ("assistant", PROJECT_ROOT / "config.yml"),
            ("baseline", baseline_config()),
        ):
            print(f"{name}: training from scratch...", flush=True)
            seconds = train(config, workdir / "models", name)
            print(f"{name}: measuring...", flush=True)
            # The baseline is stock Rasa throughout: its own tracker store and channels too.
            server_env = stock_settings(workdir) if name == "baseline" else {}
            results[name] = {
                "training_s": round(seconds, 1),
                **measure(
                    workdir / "models" / f"{name}.tar.gz", workdir / name, args.quick, **server_env
                ),
            }
        results["detector"] = detector_ms()
        results["dashboard"] = dashboard.measure(days=7 if args.quick else 30)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    RESULTS_FILE.parent.mkdir(exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(results, indent=2))
    print(table(results))
    print("\n" + dashboard.table(results["dashboard"]))
    checked = target_lines(results)
    print("\n" + "\n".join(f"{'met' if met else 'NOT MET':8} {line}" for line, met in checked))
    print(f"\nwritten to {RESULTS_FILE.relative_to(PROJECT_ROOT)}")
    return 0 if all(met for _, met in checked) else 1


if __name__ == "__main__":
    sys.exit(main())
