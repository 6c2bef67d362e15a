"""One Jinja environment for every page of the site (autoescaped)."""

from __future__ import annotations

from pathlib import Path

import jinja2
from aiohttp import web

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
    autoescape=True,
)


def render(template: str, headers: dict[str, str], status: int = 200, **context) -> web.Response:
    html = TEMPLATES.get_template(template).render(**context)
    return web.Response(text=html, status=status, content_type="text/html", headers=headers)
