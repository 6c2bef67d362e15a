"""Rasa's socket.io channel, with the same care as the REST channel (safe_handling.py).

Rasa's own handler drops a message without a session id in silence, fails on data that is not
an object, and passes any text of any length to the model. Here every user_uttered event is
answered on bot_uttered: with the reason when it cannot be handled, a prompt when it is empty,
and an apology with the clinic's phone number when Rasa fails or the database is unavailable.
"""

from __future__ import annotations

import inspect
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from socketio import AsyncServer, packet

from core.replies import EMPTY_MESSAGE_TEXT, unavailable_text
from rasa_addons.channels.rest import request_problem
from rasa_addons.channels.safe_handling import Outcome, pass_to_rasa


class _SocketOutput(SocketIOOutput):
    """Rasa's socket.io output, counting what it sends, and sending a custom payload (such as
    the red-flag banner's) as the event's data: Rasa's passes its keys to `emit` as arguments,
    which fails for any payload but {"data": ...}."""

    sent = 0

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, response)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        await self._send_message(recipient_id, json_message)


class ValidatingSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        webhook = super().blueprint(on_new_message)
        # Take the place of Rasa's handlers for the same events, registered just above.
        self.sio.on("session_request", namespace=self.namespace)(self._session_handler())
        self.sio.on(self.user_message_evt, namespace=self.namespace)(
            self._message_handler(on_new_message)
        )
        _accept_text_packets_only(self.sio)
        return webhook

    def _session_handler(self):
        """Rasa's session_request handler, with the room joined: python-socketio 5.10 made
        `enter_room` a coroutine, and Rasa 3.6 calls it without awaiting, so the conversation
        never joins its session's room and every reply sent to that room is lost
        (RasaHQ/rasa#13027)."""
        sio = self.sio

        async def session_request(sid: str, data: Any) -> None:
            session_id = (
                data.get("session_id") if isinstance(data, dict) else None
            ) or uuid.uuid4().hex
            if self.session_persistence:
                entered = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(entered):
                    await entered
            await sio.emit("session_confirm", session_id, room=sid)

        return session_request

    def _message_handler(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]):
        async def handle_message(sid: str, data: Any) -> None:
            output = _SocketOutput(self.sio, self.bot_message_evt)
            if self.session_persistence:
                problem = request_problem(data, sender_field="session_id")
            else:
                problem = request_problem(
                    dict(data, session_id=sid) if isinstance(data, dict) else data,
                    sender_field="session_id",
                )
            metadata = _metadata(data.get(self.metadata_key)) if not problem else None
            if metadata is None and not problem:
                problem = f'The "{self.metadata_key}" field must be a JSON object.'
            if problem:
                await output.send_text_message(sid, problem)
                return
            sender = data["session_id"] if self.session_persistence else sid
            outcome = await pass_to_rasa(
                on_new_message,
                data["message"],
                output,
                sender,
                self.name(),
                metadata,
                replies_sent=lambda: output.sent,
            )
            if outcome is Outcome.EMPTY:
                await output.send_text_message(sender, EMPTY_MESSAGE_TEXT)
            elif outcome in (Outcome.FAILED, Outcome.NOT_STORED):
                await output.send_text_message(sender, unavailable_text())

        return handle_message


def _accept_text_packets_only(sio: AsyncServer) -> None:
    """Chat widgets send text, so a binary packet ends its connection. python-socketio before
    5.16.2 kept every binary attachment a packet announced, without limit (CVE-2026-48804: 150
    attachments of 400 KB grew the Rasa server by 51 MB); the guard stays as a second line."""
    handle_message = sio._handle_eio_message

    async def handle_text_message(eio_sid: str, data: Any) -> None:
        if isinstance(data, str) and not data.startswith(
            (str(packet.BINARY_EVENT), str(packet.BINARY_ACK))
        ):
            await handle_message(eio_sid, data)
            return
        sio._binary_packet.pop(eio_sid, None)
        await sio.eio.disconnect(eio_sid)

    sio.eio.on("message", handle_text_message)


def _metadata(value: Any) -> dict[str, Any] | None:
    """The message's metadata as a dict, or None when it is not one."""
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None
