"""Web server settings, all from the environment (the Makefile sets the defaults)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    # The nurses' dashboard: off (every /nurse path answers 401) while the token is empty.
    nurse_token: str
    tracker_store_url: str


def load_settings() -> WebSettings:
    env = os.environ.get
    return WebSettings(
        host=env("WEB_HOST", "0.0.0.0"),
        port=int(env("WEB_PORT", "8080")),
        rasa_port=int(env("RASA_PORT", "5005")),
        rasa_public_url=env("RASA_PUBLIC_URL", "").rstrip("/"),
        clinic_name=env("CLINIC_NAME", "Example Breast Clinic"),
        clinic_phone=env("CLINIC_PHONE", "+1 555 0100"),
        clinic_hours=env("CLINIC_HOURS", "Monday to Friday, 8 am to 5 pm"),
        emergency_number=env("EMERGENCY_NUMBER", "911"),
        widget_file=Path(env("WIDGET_FILE", str(PROJECT_ROOT / "widget" / "dist" / "assistant-widget.js"))),
        nurse_token=env("NURSE_TOKEN", ""),
        tracker_store_url=env("TRACKER_STORE_URL", "sqlite:///var/tracker.db"),
    )
