"""Publishing: the signed-off changes go live only when every gate passes (issue 16).

1. The changes are written into a staged copy of the content (core/review/publishing.py), never
   into data/ first, so a failure anywhere leaves the live content as it was.
2. Gates on the staged copy: `make check-content`'s checks and `rasa data validate`.
3. A model is trained from it in the background, in Rasa's environment; the page shows the
   step, the training's progress and the time. When only existing topics changed, the live
   model is fine-tuned on the whole staged content with a share of the epochs
   (PUBLISH_FINETUNE_FRACTION), about 3 minutes instead of 5; if Rasa refuses, a full training
   follows. The gates below judge either model the same way.
4. Gates on the new model: the held-out questions' floors, every red-flag phrasing escalated
   and few look-alikes (tools/publish_gates.py, the floors the tests use), and the conversation
   tests.
5. Only then: the files go into data/ (one git commit when data/ is in a checkout; the
   publications table keeps the files before and after either way), the model is linked into
   models/ under the name `make run` gives that content, and every Rasa server loads it through
   its HTTP API (PUT /model, with RASA_API_TOKEN).

Why PUT /model and not restarting the servers one at a time: the Rasa process keeps running, so
its socket.io connections, its lock store and the conversations in flight stay (Rasa builds the
new agent beside the old one and swaps it when ready); a restart drops every open chat, takes
half a minute per server, and needs a process manager this project does not require. The token
is known only to the web server, which calls the API from the clinic's own network.

If a gate fails, the page says which, in plain words, and nothing changes: the servers keep the
old model. If a server cannot load the new model, the servers already switched go back to the old
one and the files are restored. A rollback returns to the content and the model before the
latest publication, in one click.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import os
import re
import shutil
import subprocess
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from core.content import faq_titles
from core.model_files import model_name
from core.paths import PROJECT_ROOT
from core.review.editor import in_nurses_words
from core.review.publishing import (
    AnswerChanged,
    CannotApply,
    Change,
    ExampleAdded,
    apply_changes,
    describe,
)
from core.review.signoff import PUBLISHED, ROLLED_BACK
from core.sources import SourceRef
from webapp.review_db import PublicationLog
from webapp.settings import PublishSettings

logger = logging.getLogger(__name__)

RUNNING, LIVE, FAILED, ROLLED_BACK_PUBLICATION = "running", "live", "failed", "rolled_back"
WAITING, PASSED = "waiting", "passed"
NLU = "nlu"
# Longer than this, a step has hung: it is stopped and the publication fails.
STEP_TIMEOUT_S = {"train": 60 * 60}
DEFAULT_STEP_TIMEOUT_S = 20 * 60
LOAD_TIMEOUT_S = 10 * 60
# Models kept for rollback: those of the latest publications (each is over 100 MB).
KEEP_MODELS_OF = 5
# Training prints tqdm bars ("Epochs:  45%|...") for each neural component, in this order.
NEURAL_COMPONENTS = ("DIETClassifier", "ResponseSelector")
EPOCHS = re.compile(r"Epochs:\s+(\d+)%")
TRAINING_COMPONENT = re.compile(r"Starting to train component '(\w+)'")


@dataclass(frozen=True)
class Step:
    key: str
    title: str  # what it does, as the page lists it
    failed: str  # what a failure means, in plain words


STEPS = (
    Step(
        "write",
        "Write the signed-off changes into a copy of the content",
        "The changes could not be written.",
    ),
    Step(
        "content",
        "Content checks: reading grade, length, copying, sources, examples",
        "A content check failed, so nothing was trained.",
    ),
    Step(
        "validate",
        "Rasa's check of the training data",
        "Rasa found a problem in the training data.",
    ),
    Step("train", "Train a new model", "Training the new model failed."),
    Step(
        "held_out",
        "Held-out patient questions still get the right answer",
        "The new model answers fewer patient questions right than the floor allows.",
    ),
    Step(
        "red_flags",
        "Every warning sign is still escalated",
        "The new model would miss a warning sign or raise too many false alarms.",
    ),
    Step(
        "conversations",
        "Conversation tests",
        "A conversation test no longer goes as written.",
    ),
    Step(
        "go_live",
        "Put the content in place and load the model into every Rasa server",
        "The new model could not be loaded everywhere, so every server keeps the old one.",
    ),
)
STEP_BY_KEY = {step.key: step for step in STEPS}
KEPT_OLD = "The assistant keeps answering with the content and model it had."


class NothingToPublish(Exception):
    """No change is signed off and waiting."""


class AlreadyPublishing(Exception):
    """A publication is running."""


class CannotRollBack(Exception):
    """Why the rollback cannot be done, in plain words."""


def changes_from(examples: list[dict], edits: list[dict]) -> list[tuple[str, int, Change]]:
    """[(table, id, change)] in the order they were signed off."""
    found: list[tuple[Any, str, int, Change]] = [
        (row["reviewed_at"], "proposals", row["id"], ExampleAdded(row["topic"], row["text"]))
        for row in examples
    ]
    found += [
        (
            row["reviewed_at"],
            "answer_edits",
            row["id"],
            AnswerChanged(
                topic=row["topic"],
                new=bool(row["new_topic"]),
                title=row["title"],
                text=row["text"],
                sources=tuple(SourceRef(d, s) for d, s in row["sources"]),
                added=tuple(row["examples_added"]),
                removed=tuple(row["examples_removed"]),
            ),
        )
        for row in edits
    ]
    found.sort(
        key=lambda item: (item[0] or dt.datetime.min.replace(tzinfo=dt.timezone.utc), item[2])
    )
    return [(table, row_id, change) for _, table, row_id, change in found]


def can_finetune(
    model_before: Path, data_dir: Path, changes: Sequence[Change], fraction: float
) -> bool:
    """Whether to fine-tune the live model instead of training from the start: it learns the
    new examples and words in a fraction of the time. Only when the live model was trained from
    the live content with this code and config (its name is their hash, core/model_files.py)
    and no change adds a topic, as Rasa cannot add a label to a trained model."""
    return (
        fraction > 0
        and model_before.is_file()
        and model_before.name == f"{model_name(data_dir)}.tar.gz"
        and not any(isinstance(change, AnswerChanged) and change.new for change in changes)
    )


def read_nlu_files(data_dir: Path) -> dict[str, str]:
    return {
        path.name: path.read_text(encoding="utf-8")
        for path in sorted((data_dir / NLU).glob("*.yml"))
    }


def link_or_copy(source: Path, target: Path) -> None:
    """A hard link where the file system allows (models are large), else a copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def git_root(path: Path) -> Path | None:
    try:
        found = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(found.stdout.strip()) if found.returncode == 0 else None


def commit(data_dir: Path, names: list[str], message: str, author: str) -> str | None:
    """Commits these data/nlu/ files, and only them, when data/ is in a git checkout; the
    commit's id. The author is the person who published; the committer, the dashboard."""
    root = git_root(data_dir)
    if root is None:
        return None
    paths = [str((data_dir / NLU / name).resolve().relative_to(root.resolve())) for name in names]
    slug = re.sub(r"[^a-z0-9]+", ".", author.lower()).strip(".") or "staff"
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME=author,
        GIT_AUTHOR_EMAIL=f"{slug}@nurses-dashboard.invalid",
        GIT_COMMITTER_NAME="Nurses' dashboard",
        GIT_COMMITTER_EMAIL="publishing@nurses-dashboard.invalid",
    )

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=True,
        ).stdout.strip()

    git("add", "--", *paths)
    git("commit", "--quiet", "-m", message, "--", *paths)
    return git("rev-parse", "HEAD")


def write_files(data_dir: Path, files: Mapping[str, str | None]) -> None:
    """Writes each data/nlu/ file (None: removes it), each through a temporary file and a
    rename, so a server never reads half a file."""
    for name, text in files.items():
        path = data_dir / NLU / name
        if text is None:
            path.unlink(missing_ok=True)
            continue
        temporary = path.with_name(f".{name}.publishing")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)


def prune_models(work_dir: Path, keep: int = KEEP_MODELS_OF) -> None:
    """Deletes the models of all but the latest `keep` publications; their logs and staged
    content stay. Rolling back further than that says the model is no longer kept."""
    numbered = sorted((int(path.name), path) for path in work_dir.iterdir() if path.name.isdigit())
    for _, path in numbered[:-keep]:
        for model in path.glob("*.tar.gz"):
            model.unlink(missing_ok=True)


def clear_content_caches() -> None:
    """The dashboard reads titles and topics from data/nlu/: read them afresh."""
    faq_titles.cache_clear()


class Publisher:
    """Runs one publication at a time, in the web server's event loop; the work itself runs in
    subprocesses (training and the gates, in Rasa's environment) and in threads (the database
    and the files), so the dashboard stays usable."""

    def __init__(self, settings: PublishSettings, log: PublicationLog) -> None:
        self.settings = settings
        self.log = log
        self.task: asyncio.Task | None = None
        self._lock = asyncio.Lock()

    # -- starting ---------------------------------------------------------------------------

    async def start(self, by: str) -> int:
        async with self._lock:
            examples, edits = await _thread(self.log.signed_off)
            planned = changes_from(examples, edits)
            if not planned:
                raise NothingToPublish()
            titles = faq_titles()
            lines = [describe(change, titles) for _, _, change in planned]
            steps = [{"key": s.key, "title": s.title, "state": WAITING} for s in STEPS]
            publication_id = await _thread(self.log.start, by, steps, lines)
            if publication_id is None:
                raise AlreadyPublishing()
            self.task = asyncio.create_task(self._run(publication_id, by, planned, steps, lines))
            return publication_id

    async def wait(self) -> None:
        if self.task is not None:
            await asyncio.shield(self.task)

    # -- running ----------------------------------------------------------------------------

    async def _run(self, publication_id: int, by: str, planned, steps, lines) -> None:
        run = _Run(self, publication_id, by, planned, steps, lines)
        try:
            await run.go()
        except Exception as error:  # never leave a publication "running"
            logger.exception("Publication %s stopped", publication_id)
            await run.fail(run.current or "go_live", f"An unexpected error stopped it: {error}")

    # -- loading models ---------------------------------------------------------------------

    async def load_everywhere(self, model: Path) -> list[str]:
        """Loads the model into every Rasa server, one at a time; the servers that failed,
        each with why."""
        failures = []
        timeout = aiohttp.ClientTimeout(total=LOAD_TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            for url in self.settings.rasa_urls:
                try:
                    async with session.put(
                        f"{url}/model",
                        params={"token": self.settings.rasa_api_token},
                        json={"model_file": str(model)},
                    ) as reply:
                        if reply.status != 204:
                            failures.append(
                                f"{url} answered {reply.status}: {_short(await reply.text())}"
                            )
                except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                    failures.append(f"{url} could not be reached ({error.__class__.__name__})")
        return failures

    # -- rolling back -----------------------------------------------------------------------

    async def rollback(self, publication_id: int, by: str) -> None:
        """Returns to the content and model before this publication, the live one."""
        async with self._lock:
            if self.task is not None and not self.task.done():
                raise CannotRollBack("A publication is running. Please wait until it ends.")
            live = await _thread(self.log.live)
            if live is None or live["id"] != publication_id:
                raise CannotRollBack("Only the publication that is live now can be rolled back.")
            data_dir = self.settings.data_dir
            now = await _thread(read_nlu_files, data_dir)
            after = live["files_after"] or {}
            changed_since = sorted(name for name, text in after.items() if now.get(name) != text)
            if changed_since:
                raise CannotRollBack(
                    "The content changed after this publication ("
                    + ", ".join(changed_since)
                    + "), so rolling back could lose that change. Ask your technical contact."
                )
            model_before = Path(live["model_before"])
            if not model_before.exists():
                raise CannotRollBack("The model from before this publication is no longer kept.")
            before = live["files_before"] or {}
            restore = {name: before.get(name) for name in after}
            await _thread(write_files, data_dir, restore)
            clear_content_caches()
            failures = await self.load_everywhere(model_before)
            if failures:
                await _thread(write_files, data_dir, after)
                clear_content_caches()
                await self.load_everywhere(Path(live["model_after"]))
                raise CannotRollBack(
                    "The old model could not be loaded, so nothing was rolled back: "
                    + "; ".join(failures)
                )
            names = sorted(after)
            message = f"Roll back publication {publication_id}\n\nRolled back by {by}."
            git_commit = await _thread(commit, data_dir, names, message, by)
            link_or_copy(model_before, self.settings.models_dir / f"{model_name(data_dir)}.tar.gz")
            proposals, edits = await _thread(self.log.changes_of, publication_id)
            await _thread(self.log.mark_changes, publication_id, proposals, edits, ROLLED_BACK)
            await _thread(
                self.log.update,
                publication_id,
                status=ROLLED_BACK_PUBLICATION,
                rolled_back_by=by,
                rolled_back_at=dt.datetime.now(dt.timezone.utc),
                failure=(f"Rolled back (commit {git_commit[:10]})." if git_commit else None),
            )

    def current_model(self, live: dict | None) -> Path:
        """The model the servers run now: the live publication's, else the one they started with."""
        return Path(live["model_after"]) if live else self.settings.model_file


class _Run:
    """One publication's steps."""

    def __init__(self, publisher: Publisher, publication_id: int, by: str, planned, steps, lines):
        self.publisher = publisher
        self.settings = publisher.settings
        self.log = publisher.log
        self.id = publication_id
        self.by = by
        self.planned = planned
        self.steps = steps
        self.lines = lines  # the changes in plain words, for the commit message
        self.current: str | None = None
        self.work = self.settings.work_dir / str(publication_id)
        self.staged = self.work / "data"

    async def go(self) -> None:
        settings = self.settings
        await self.begin("write")
        live = await _thread(self.log.live)
        model_before = self.publisher.current_model(live)
        before = await _thread(read_nlu_files, settings.data_dir)
        try:
            changed = apply_changes(before, [change for _, _, change in self.planned])
        except CannotApply as problem:
            return await self.fail("write", str(problem))
        await _thread(self._stage, changed)
        await self.passed(
            "write", f"{len(self.planned)} change(s) in {', '.join(sorted(changed))}."
        )

        python = str(settings.rasa_venv / "bin" / "python")
        name = model_name(self.staged)
        model = self.work / f"{name}.tar.gz"
        train = [
            str(settings.rasa_venv / "bin" / "rasa"),
            "train",
            "--data",
            str(self.staged),
            "--config",
            str(PROJECT_ROOT / "config.yml"),
            "--domain",
            str(PROJECT_ROOT / "domain.yml"),
            "--out",
            str(self.work),
            "--fixed-model-name",
            name,
        ]
        fraction = settings.finetune_fraction
        finetuning = await _thread(
            can_finetune,
            model_before,
            settings.data_dir,
            [change for _, _, change in self.planned],
            fraction,
        )
        finetune = ["--finetune", str(model_before), "--epoch-fraction", str(fraction)]
        commands = {
            "content": [python, "-m", "tools.check_content"],
            "validate": [str(PROJECT_ROOT / "tools" / "validate_data.sh")],
            "train": train + finetune if finetuning else train,
            "held_out": [python, "-m", "tools.publish_gates", "held-out", "--model", str(model)],
            "red_flags": [python, "-m", "tools.publish_gates", "red-flags", "--model", str(model)],
            "conversations": [
                python,
                "-m",
                "rasa_addons",
                "test",
                "core",
                "--stories",
                str(PROJECT_ROOT / "tests" / "conversations"),
                "--model",
                str(model),
                "--endpoints",
                os.environ.get("ENDPOINTS_FILE") or str(PROJECT_ROOT / "endpoints.yml"),
                "--out",
                str(self.work / "conversations"),
                "--fail-on-prediction-errors",
                "--no-plot",
            ],
        }
        for key, argv in commands.items():
            await self.begin(key)
            code, lines = await self._command(key, argv)
            if key == "train" and finetuning and (code != 0 or not model.exists()):
                # Rasa refuses to fine-tune, for one, a model whose config or labels differ.
                logger.warning("Fine-tuning %s failed; training from the start.", model_before)
                finetuning = False
                code, lines = await self._command(key, train, log_name="train-full")
            if code != 0 or (key == "train" and not model.exists()):
                return await self.fail(key, _summary(key, lines))
            summary = (
                FINETUNED.format(percent=round(fraction * 100))
                if key == "train" and finetuning
                else PASSED_WORDS.get(key) or _summary(key, lines)
            )
            await self.passed(key, summary)

        await self.begin("go_live")
        after = dict(before)
        after.update(changed)
        await _thread(link_or_copy, model_before, self.work / "model-before.tar.gz")
        await _thread(write_files, settings.data_dir, changed)
        clear_content_caches()
        failures = await self.publisher.load_everywhere(model)
        if failures:
            await self.publisher.load_everywhere(model_before)
            await _thread(write_files, settings.data_dir, {n: before.get(n) for n in changed})
            clear_content_caches()
            return await self.fail("go_live", "; ".join(failures))
        message = (
            f"Publish {self.id}: {len(self.planned)} signed-off change(s)\n\n"
            + "\n".join(f"- {line}" for line in self.lines)
            + f"\n\nPublished by {self.by}."
        )
        git_commit = await _thread(commit, settings.data_dir, sorted(changed), message, self.by)
        await _thread(link_or_copy, model, settings.models_dir / f"{name}.tar.gz")
        proposals = [row_id for table, row_id, _ in self.planned if table == "proposals"]
        edits = [row_id for table, row_id, _ in self.planned if table == "answer_edits"]
        await _thread(self.log.mark_changes, self.id, proposals, edits, PUBLISHED)
        await _thread(prune_models, settings.work_dir)
        self._finish(
            "go_live",
            PASSED,
            f"Loaded into {len(settings.rasa_urls)} Rasa server(s)"
            + (f"; commit {git_commit[:10]}." if git_commit else "; kept in the history table."),
        )
        await _thread(
            self.log.update,
            self.id,
            status=LIVE,
            steps=self.steps,
            finished_at=dt.datetime.now(dt.timezone.utc),
            git_commit=git_commit,
            files_before={n: before.get(n) for n in changed},
            files_after=changed,
            model_before=str(self.work / "model-before.tar.gz"),
            model_after=str(model),
        )

    def _stage(self, changed: Mapping[str, str]) -> None:
        if self.work.exists():
            shutil.rmtree(self.work)
        shutil.copytree(self.settings.data_dir, self.staged, ignore=shutil.ignore_patterns(".*"))
        write_files(self.staged, changed)

    def step(self, key: str) -> dict:
        return next(s for s in self.steps if s["key"] == key)

    async def begin(self, key: str) -> None:
        self.current = key
        step = self.step(key)
        step["state"] = RUNNING
        step["started"] = dt.datetime.now(dt.timezone.utc).isoformat()
        await _thread(self.log.update, self.id, steps=self.steps)

    def _finish(self, key: str, state: str, summary: str) -> None:
        step = self.step(key)
        step["state"] = state
        step["summary"] = summary
        step["finished"] = dt.datetime.now(dt.timezone.utc).isoformat()
        step.pop("progress", None)

    async def passed(self, key: str, summary: str) -> None:
        self._finish(key, PASSED, summary)
        await _thread(self.log.update, self.id, steps=self.steps)

    async def fail(self, key: str, detail: str) -> None:
        self._finish(key, FAILED, detail)
        failure = f"{STEP_BY_KEY[key].failed} {detail} {KEPT_OLD}"
        await _thread(
            self.log.update,
            self.id,
            status=FAILED,
            steps=self.steps,
            failure=failure,
            finished_at=dt.datetime.now(dt.timezone.utc),
        )
        # A failed publication's model is never loaded: keep its logs, not its 100+ MB.
        for leftover in self.work.glob("assistant-*.tar.gz"):
            leftover.unlink(missing_ok=True)

    async def _command(
        self, key: str, argv: list[str], log_name: str = ""
    ) -> tuple[int, list[str]]:
        """Runs one step's command in Rasa's environment with the staged content, its output
        in <work>/<log_name or step>.log; (exit code, its last lines)."""
        env = dict(os.environ, DATA_DIR=str(self.staged), VENV=str(self.settings.rasa_venv))
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        assert process.stdout is not None
        lines: deque[str] = deque(maxlen=200)
        progress = _TrainingProgress() if key == "train" else None
        limit = STEP_TIMEOUT_S.get(key, DEFAULT_STEP_TIMEOUT_S)
        deadline = asyncio.get_running_loop().time() + limit
        last_saved = 0.0
        pending = b""
        with open(self.work / f"{log_name or key}.log", "wb") as log:
            while True:
                left = deadline - asyncio.get_running_loop().time()
                try:
                    chunk = await asyncio.wait_for(
                        process.stdout.read(8192), timeout=max(left, 0.1)
                    )
                except asyncio.TimeoutError:
                    process.kill()
                    await process.wait()
                    return 1, [f"It took longer than {limit // 60} minutes and was stopped."]
                if not chunk:
                    break
                log.write(chunk)
                parts = re.split(rb"[\r\n]", pending + chunk)
                pending = parts.pop()
                for part in parts:
                    text = part.decode("utf-8", "replace").strip()
                    if text:
                        lines.append(text)
                        if progress:
                            progress.read(text)
                now = asyncio.get_running_loop().time()
                if progress and now - last_saved > 2:
                    last_saved = now
                    self.step(key)["progress"] = progress.words()
                    await _thread(self.log.update, self.id, steps=self.steps)
        return await process.wait(), list(lines)


class _TrainingProgress:
    """How far training is, from its log: which neural component, and its epochs' percent."""

    def __init__(self) -> None:
        self.component = ""
        self.percent = 0

    def read(self, line: str) -> None:
        if found := TRAINING_COMPONENT.search(line):
            self.component = found.group(1)
            self.percent = 0
        elif found := EPOCHS.search(line):
            self.percent = int(found.group(1))

    def words(self) -> str:
        if self.component in NEURAL_COMPONENTS:
            part = NEURAL_COMPONENTS.index(self.component) + 1
            return f"Learning, part {part} of {len(NEURAL_COMPONENTS)}: {self.percent}%"
        return "Preparing" if not self.component else f"Step: {self.component}"


# What a step that passed found, when its output has no verdict line of its own.
PASSED_WORDS = {
    "content": "Every content check passed.",
    "validate": "Rasa found no problem in the training data.",
    "train": "A new model was trained.",
}
FINETUNED = "The live model learned the new content, in {percent}% of a full training's epochs."
# rasa test core's count: the conversation level first, then the action level (the last).
CORRECT = re.compile(r"Correct:\s+(\d+)\s*/\s*(\d+)")
NOISE = re.compile(
    r"Warning|warn\(|tensorflow|^\s*(from|import) |site-packages|Executor start aborting|^\[\[|"
    r"^\d{4}-\d\d-\d\d .*(INFO|DEBUG)|\d+%\|"
)


def _summary(key: str, lines: list[str]) -> str:
    """The lines that say what happened, for the page."""
    meaningful = [line for line in lines if not NOISE.search(line)]
    if key in ("held_out", "red_flags"):
        verdicts = [line for line in meaningful if line.startswith(("Held-out", "Red flags"))]
        return verdicts[-1] if verdicts else _short(" ".join(meaningful[-3:]))
    if key == "content":
        listed = [line.removeprefix("- ") for line in meaningful if line.startswith("- ")]
        titles = faq_titles()
        return _short(
            " ".join(in_nurses_words(line, titles) for line in listed[:5])
            or " ".join(meaningful[-2:])
        )
    if key == "conversations":
        counts = [found for line in lines if (found := CORRECT.search(line))]
        if counts:
            right, total = counts[-1].groups()
            return f"{right} of {total} steps of the conversation tests went as written."
        return _short(" ".join(meaningful[-2:]))
    return _short(" ".join(meaningful[-3:]))


def _short(text: str, limit: int = 600) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _thread(function: Callable, *args: Any, **kwargs: Any) -> Any:
    """Runs blocking work (the database, files, git) off the event loop."""
    call = functools.partial(function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(None, call)
