"""One Jinja environment for every page of the site (autoescaped)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2
from aiohttp import web

from core.clinic_hours import clinic_now
from core.settings import clinic

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
    autoescape=True,
)


def when(moment: dt.datetime) -> str:
    """A stored moment as staff read it: in the clinic's time zone, named. The databases
    keep UTC; a moment read back without its zone is UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return clinic_now(clinic().timezone, moment).strftime("%Y-%m-%d %H:%M %Z")


TEMPLATES.globals["when"] = when


def render(template: str, headers: dict[str, str], status: int = 200, **context) -> web.Response:
    html = TEMPLATES.get_template(template).render(**context)
    return web.Response(text=html, status=status, content_type="text/html", headers=headers)
