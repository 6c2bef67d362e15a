"""The action server: rasa-sdk's own app, with two changes for patients' privacy.

- It listens on loopback (ACTION_HOST, default 127.0.0.1): only the Rasa server calls it.
- An error answers with a short reason. rasa-sdk's own handler returns the whole request,
  which is the patient's conversation, and logs it.

    python -m actions.server   (ACTION_PORT, default 5055)
"""

from __future__ import annotations

import logging
import os

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.exceptions import SanicException

from core.settings import setting

logger = logging.getLogger(__name__)


def create_action_app() -> Sanic:
    app = create_app("actions", cors_origins=[])  # no browser calls the action server

    @app.exception(Exception)
    async def answer_without_the_request(request, exception: Exception):
        status = exception.status_code if isinstance(exception, SanicException) else 500
        logger.error("The action server could not handle a request: %s", type(exception).__name__)
        return response.json(
            {
                "error": f"The action server could not handle this request ({type(exception).__name__})."
            },
            status=status,
        )

    return app


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)-8s %(name)s - %(message)s"
    )
    host, port = (
        os.environ.get("ACTION_HOST", "127.0.0.1"),
        int(setting("ACTION_PORT")),
    )
    logger.info("Action server on http://%s:%s", host, port)
    create_action_app().run(host, port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
