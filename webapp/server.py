"""The clinic's web server: a demo clinic page with the chat widget, the widget itself for
clinics to embed, and the nurses' dashboard (webapp/nurse.py). Run with
`python -m webapp.server` (make run starts it on WEB_PORT)."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from core.content import all_response_variants
from core.replies import NO_REPLY_TEXT, unavailable_text
from core.review.callbacks import privacy_line
from core.settings import clinic
from webapp.nurse import CALLBACKS_KEY, STORE_KEY, create_nurse_routes
from webapp.patient import create_patient_routes
from webapp.settings import WebSettings, load_settings
from webapp.templating import render

SETTINGS_KEY = web.AppKey("settings", WebSettings)
WELCOME_KEY = web.AppKey("welcome", dict)
# Public files a clinic's own site loads from here: any origin may read them.
PUBLIC_FILE_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
}

HOSTNAME = re.compile(r"[A-Za-z0-9.-]{1,253}|[0-9A-Fa-f:]{2,39}")

logger = logging.getLogger(__name__)


def welcome_message() -> dict[str, Any]:
    """The greeting (with its disclaimer and suggested questions) from domain.yml, so it has one home."""
    greeting = all_response_variants()["utter_greet"][0]
    return {"text": greeting["text"], "buttons": greeting.get("buttons", [])}


def rasa_url_for(request: web.Request, settings: WebSettings) -> str:
    """RASA_PUBLIC_URL, else the host the browser used for this page, on RASA_PORT."""
    if settings.rasa_public_url:
        return settings.rasa_public_url
    try:
        host = urlsplit(f"//{request.host}").hostname or ""
    except ValueError:
        host = ""
    if not HOSTNAME.fullmatch(host):  # The Host header is the visitor's to write: trust names only.
        host = "localhost"
    return f"{request.scheme}://{f'[{host}]' if ':' in host else host}:{settings.rasa_port}"


def page_security_headers(rasa_url: str) -> dict[str, str]:
    # The page may talk only to itself and the assistant: no fonts, analytics or CDNs. Its one
    # form, the widget's "Show this to your doctor", posts to this server (/patient/summary).
    policy = (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        f"connect-src 'self' {rasa_url}; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
    )
    return {
        "Content-Security-Policy": policy,
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }


async def clinic_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    rasa_url = rasa_url_for(request, settings)
    return render(
        "clinic_page.html", page_security_headers(rasa_url), settings=settings, rasa_url=rasa_url
    )


async def widget_script(request: web.Request) -> web.StreamResponse:
    widget_file = request.app[SETTINGS_KEY].widget_file
    if not widget_file.exists():
        raise web.HTTPServiceUnavailable(
            text="The chat widget is not built yet: run `make widget`."
        )
    return web.FileResponse(
        widget_file, headers={**PUBLIC_FILE_HEADERS, "Content-Type": "text/javascript"}
    )


async def widget_config(request: web.Request) -> web.Response:
    """What the widget says that the model does not: the greeting, its own apologies, and the
    privacy line under the greeting with its link (relative to this server)."""
    texts = {"unavailable": unavailable_text(), "no_reply": NO_REPLY_TEXT}
    privacy = {
        "text": privacy_line(clinic().retention_days),
        "link_text": "How we use your data",
        "url": "/privacy",
    }
    config = {"welcome": request.app[WELCOME_KEY], "texts": texts, "privacy": privacy}
    return web.json_response(config, headers=PUBLIC_FILE_HEADERS)


async def health(request: web.Request) -> web.Response:
    return web.json_response(
        {"status": "ok", "widget_built": request.app[SETTINGS_KEY].widget_file.exists()}
    )


@web.middleware
async def refuse_compressed_bodies(request: web.Request, handler: Any) -> web.StreamResponse:
    if request.headers.get("Content-Encoding", "identity").lower() != "identity":
        raise web.HTTPUnsupportedMediaType(text="Compressed request bodies are not accepted.")
    return await handler(request)


def create_app(settings: WebSettings) -> web.Application:
    # aiohttp 3.9 (Rasa allows no newer) would decompress a request body before checking its size:
    # a 0.5 MB gzip "bomb" took this server from 43 MB to 559 MB. Nothing here needs compressed
    # bodies, so they are neither decompressed nor accepted.
    app = web.Application(
        client_max_size=64 * 1024,
        handler_args={"auto_decompress": False},
        middlewares=[refuse_compressed_bodies],
    )
    app[SETTINGS_KEY] = settings
    app[WELCOME_KEY] = welcome_message()
    app.router.add_get("/", clinic_page)
    app.router.add_get("/assistant-widget.js", widget_script)
    app.router.add_get("/widget-config.json", widget_config)
    app.router.add_get("/health", health)
    create_nurse_routes(app, settings)
    create_patient_routes(app, settings, app[STORE_KEY], app[CALLBACKS_KEY])
    return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = load_settings()
    if not settings.widget_file.exists():
        logger.warning(
            "%s is missing: run `make widget` to build the chat widget.", settings.widget_file
        )
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=None,
        print=lambda _: logger.info("Clinic page on http://localhost:%s/", settings.port),
    )


if __name__ == "__main__":
    main()
