"""Web server settings, all from the environment (the Makefile sets the defaults)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from core.model_files import model_name
from core.paths import DATA_DIR, PROJECT_ROOT
from core.settings import clinic, setting, tracker_store_url


@dataclass(frozen=True)
class WebSettings:
    host: str
    port: int
    rasa_port: int
    # The Rasa server as the patient's browser reaches it; empty means "this host, RASA_PORT".
    rasa_public_url: str
    clinic_name: str
    clinic_phone: str
    clinic_hours: str
    emergency_number: str
    widget_file: Path
    # Scripts' read-only access to the nurses' dashboard (Authorization: Bearer); empty: none.
    nurse_token: str
    # The key nurses' and clinicians' session cookies are encrypted with; empty: a random one at
    # each start (sessions then end when the web server restarts).
    nurse_session_secret: str
    tracker_store_url: str
    # The nurses' inbox decisions: a database the web server writes (webapp/review_db.py).
    review_db_url: str
    publishing: PublishSettings
    # The pages that may call the patients' endpoints (/patient/...) from a browser: CORS_ORIGINS,
    # space-separated; by default this server's own page on localhost and 127.0.0.1.
    cors_origins: tuple[str, ...] = ()


def cors_origins(port: int) -> tuple[str, ...]:
    configured = os.environ.get("CORS_ORIGINS", "").split()
    if configured:
        return tuple(origin.rstrip("/") for origin in configured)
    return (f"http://localhost:{port}", f"http://127.0.0.1:{port}")


@dataclass(frozen=True)
class PublishSettings:
    """What publishing (webapp/publisher.py) writes, runs and loads."""

    data_dir: Path  # the content it writes (DATA_DIR)
    work_dir: Path  # each publication's staged content, logs and models (PUBLISH_DIR)
    models_dir: Path  # where `make run` looks for a model named after the content (MODELS_DIR)
    model_file: Path  # the model the Rasa servers started with (MODEL)
    rasa_venv: Path  # Rasa's environment, for training and the gates (VENV)
    # Every Rasa server the new model is loaded into, and the token of their HTTP API.
    rasa_urls: tuple[str, ...]
    rasa_api_token: str
    # The share of config.yml's epochs a publication fine-tunes the live model with (0: always
    # train from the start).
    finetune_fraction: float = 0.0


def load_settings() -> WebSettings:
    env = os.environ.get
    place = clinic()
    return WebSettings(
        host=env("WEB_HOST", "0.0.0.0"),
        port=int(setting("WEB_PORT")),
        rasa_port=int(setting("RASA_PORT")),
        rasa_public_url=env("RASA_PUBLIC_URL", "").rstrip("/"),
        clinic_name=place.name,
        clinic_phone=place.phone,
        clinic_hours=place.hours,
        emergency_number=place.emergency_number,
        widget_file=Path(
            env("WIDGET_FILE", str(PROJECT_ROOT / "widget" / "dist" / "assistant-widget.js"))
        ),
        nurse_token=env("NURSE_TOKEN", ""),
        nurse_session_secret=env("NURSE_SESSION_SECRET", ""),
        tracker_store_url=tracker_store_url(),
        review_db_url=setting("REVIEW_DB_URL"),
        publishing=load_publish_settings(),
        cors_origins=cors_origins(int(setting("WEB_PORT"))),
    )


def _path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path


def load_publish_settings() -> PublishSettings:
    env = os.environ.get
    models_dir = _path(env("MODELS_DIR") or "models")
    rasa_urls = env("RASA_SERVER_URLS") or f"http://127.0.0.1:{setting('RASA_PORT')}"
    return PublishSettings(
        data_dir=DATA_DIR,
        work_dir=_path(env("PUBLISH_DIR") or "var/publish"),
        models_dir=models_dir,
        model_file=_path(env("MODEL") or str(models_dir / f"{model_name()}.tar.gz")),
        rasa_venv=_path(env("VENV") or ".venv"),
        rasa_urls=tuple(url.rstrip("/") for url in rasa_urls.replace(",", " ").split()),
        rasa_api_token=env("RASA_API_TOKEN", ""),
        finetune_fraction=float(setting("PUBLISH_FINETUNE_FRACTION")),
    )
