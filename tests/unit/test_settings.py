"""Each server setting's default lives in settings.env only; the environment overrides it."""

import os
import subprocess

import pytest

from core.paths import PROJECT_ROOT
from core.settings import SETTINGS_FILE, setting


def test_defaults_come_from_settings_env_and_the_environment_wins(monkeypatch):
    monkeypatch.delenv("ACTION_PORT", raising=False)
    monkeypatch.delenv("ACTION_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("TRACKER_STORE_URL", raising=False)
    assert setting("ACTION_ENDPOINT_URL") == "http://localhost:5055/webhook"
    assert setting("TRACKER_STORE_URL") == "sqlite:///var/tracker.db"
    monkeypatch.setenv("ACTION_PORT", "6123")
    assert setting("ACTION_ENDPOINT_URL") == "http://localhost:6123/webhook"
    monkeypatch.setenv("TRACKER_STORE_URL", "postgresql://db/rasa")
    assert setting("TRACKER_STORE_URL") == "postgresql://db/rasa"


def test_the_makefile_reads_the_same_defaults(tmp_path):
    show = tmp_path / "show.mk"
    show.write_text(
        f"include {PROJECT_ROOT / 'Makefile'}\nshow:\n\t@echo $$ACTION_ENDPOINT_URL $$LOCK_STORE_TYPE\n"
    )
    env = {"PATH": "/usr/bin:/bin", "ACTION_PORT": "6124"}
    shown = subprocess.run(
        ["make", "-s", "-f", str(show), "show"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert shown.stdout.split() == ["http://localhost:6124/webhook", "in_memory"], shown.stderr


@pytest.mark.parametrize("default", ["sqlite:///var/tracker.db", "5055/webhook", "in_memory"])
def test_no_other_file_repeats_a_default(default):
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True
    ).stdout.split()
    code = [
        name
        for name in tracked
        if name.endswith((".py", ".sh", ".yml")) or name == "Makefile"
        if not name.startswith("tests/")
    ]
    repeating = [
        name for name in code if default in (PROJECT_ROOT / name).read_text(errors="replace")
    ]
    assert repeating == [], f"{default} belongs in {SETTINGS_FILE.name} only"


def test_the_makefiles_rasa_command_is_complete(tmp_path):
    """RASA_SERVING once expanded to "-m rasa_addons" (a variable used before it was set):
    make ran "-m ..." as an ignored command and the conversation tests were silently skipped."""
    show = tmp_path / "show.mk"
    show.write_text(
        f"include {PROJECT_ROOT / 'Makefile'}\nshow:\n\t@echo '$(RASA_SERVING)|$(RASA)'\n"
    )
    shown = subprocess.run(
        ["make", "-s", "-f", str(show), "show"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    serving, rasa = shown.stdout.strip().split("|")
    venv = os.environ.get("VENV", ".venv")
    assert (serving, rasa) == (f"{venv}/bin/python -m rasa_addons", f"{venv}/bin/rasa"), (
        shown.stdout
    )
