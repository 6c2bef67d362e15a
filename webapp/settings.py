"""Web server settings, all from the environment (the Makefile sets the defaults)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from core.paths import PROJECT_ROOT
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
    )
