"""Settings more than one process reads, from the environment.

Server settings (ports, the tracker store, locks) take their defaults from settings.env, which
the Makefile and tools/run_servers.sh read too; the clinic's details have theirs here only.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from string import Template

from core.clinic_hours import Opening
from core.clinic_hours import describe as describe_opening_hours
from core.clinic_hours import parse as parse_opening_hours
from core.paths import PROJECT_ROOT

SETTINGS_FILE = PROJECT_ROOT / "settings.env"


@lru_cache(maxsize=1)
def _defaults() -> dict[str, str]:
    lines = SETTINGS_FILE.read_text(encoding="utf-8").splitlines()
    return {m[1]: m[2] for line in lines if (m := re.match(r"([A-Z_]+)=(.*)$", line))}


def setting(name: str) -> str:
    """The environment's value, else settings.env's default, with the ${NAME}s it uses filled in
    (each from the environment or its own default)."""
    if name in os.environ:
        return os.environ[name]
    default = _defaults()[name]
    return Template(default).substitute(
        {used: setting(used) for used in re.findall(r"\$\{(\w+)\}", default)}
    )


def tracker_store_url() -> str:
    return setting("TRACKER_STORE_URL")


@dataclass(frozen=True)
class Clinic:
    """Who the patient can reach, when, and how long what she says is kept: shown on the web
    page, the privacy page, in apologies, escalations and call-back confirmations."""

    name: str
    phone: str
    hours: str  # in words, for people
    emergency_number: str
    opening_hours: tuple[Opening, ...]  # for the call-back confirmation
    timezone: str
    email: str
    # Conversations and call-back requests are deleted this many days after their last message
    # (make purge), and the first message says so.
    retention_days: int
    # What a patient asking for a call back is told to expect, in working hours.
    callback_within_hours: int


def clinic() -> Clinic:
    env = os.environ.get
    opening_hours = parse_opening_hours(env("CLINIC_OPENING_HOURS") or "Mon-Fri 08:00-17:00")
    return Clinic(
        name=env("CLINIC_NAME", "Example Breast Clinic"),
        phone=env("CLINIC_PHONE", "+1 555 0100"),
        hours=env("CLINIC_HOURS") or describe_opening_hours(opening_hours),
        emergency_number=env("EMERGENCY_NUMBER", "911"),
        opening_hours=opening_hours,
        timezone=env("CLINIC_TIMEZONE") or "UTC",
        email=env("CLINIC_EMAIL", ""),
        retention_days=int(env("RETENTION_DAYS") or 90),
        callback_within_hours=int(env("CALLBACK_WITHIN_HOURS") or 4),
    )
