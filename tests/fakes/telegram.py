"""A strict fake Telegram Bot API server (shared/reference/platforms.md, section 8).

Enforces: the token in the path (``/bot<token>/<method>``), a chat the bot administers with the
right to post, message text ≤ 4096 and captions ≤ 1024 (UTF-16 units, as compose counts them),
photo ≤ 10 MB, ``deleteMessage`` only within 48 hours, and answers in the Bot API's shape
``{"ok": false, "error_code": …, "description": …, "parameters": {"retry_after": …}}``.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from wagtail_crosspost.compose.length import utf16_len
from wagtail_crosspost.testing.fakeserver import FakeServer, RecordedRequest, Response

TOKEN = "123456789:AAFakeBotTokenForTests_0123456789abc"
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
PHOTO_LIMIT = 10_000_000
DELETE_WINDOW = 48 * 3600


def error(code: int, description: str, **parameters: Any) -> Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Response.json(body, code)


def ok(result: Any) -> Response:
    return Response.json({"ok": True, "result": result})


@dataclass
class Chat:
    id: int
    username: str = ""  # public channels have one
    title: str = "Company news"
    bot_status: str = "administrator"  # administrator, member, left, kicked
    can_post_messages: bool = True
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)


class FakeTelegram(FakeServer):
    def __init__(self, *, token: str = TOKEN, **kwargs: Any):
        super().__init__(**kwargs)
        self.token = token
        self.bot = {
            "id": 987654321,
            "is_bot": True,
            "first_name": "Crosspost",
            "username": "cp_bot",
        }
        self.chats: dict[int, Chat] = {}
        self.clock = time.time
        self._ids = itertools.count(101)
        self._flood: list[int] = []
        self.channel = self.add_chat(Chat(id=-1001234567890, username="companynews"))
        self.add_route("POST", r"/bot(?P<token>[^/]+)/(?P<method>\w+)", self.dispatch_method)

    def add_chat(self, chat: Chat) -> Chat:
        self.chats[chat.id] = chat
        return chat

    def flood(self, retry_after: int) -> None:
        """The next method call answers 429 with ``parameters.retry_after``."""
        self._flood.append(retry_after)

    def all_messages(self) -> list[dict[str, Any]]:
        return [m for chat in self.chats.values() for m in chat.messages.values()]

    # -- dispatch ----------------------------------------------------------------------------

    def dispatch_method(self, request: RecordedRequest, token: str, method: str) -> Response:
        if token != self.token:
            return error(401, "Unauthorized")
        if self._flood:
            seconds = self._flood.pop(0)
            return error(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)
        handler = getattr(self, f"method_{method}", None)
        if handler is None:
            return error(404, "Not Found")
        params = self._params(request)
        return handler(request, params)

    def _params(self, request: RecordedRequest) -> dict[str, Any]:
        if isinstance(request.json, dict):
            return dict(request.json)
        return {name: request.value(name) for name in request.form}

    def _chat(self, chat_id: Any) -> Chat | Response:
        value = str(chat_id or "")
        for chat in self.chats.values():
            if value == str(chat.id) or (chat.username and value == "@" + chat.username):
                if chat.bot_status in ("left", "kicked"):
                    return error(403, "Forbidden: bot is not a member of the channel chat")
                return chat
        return error(400, "Bad Request: chat not found")

    def _postable(self, chat_id: Any) -> Chat | Response:
        chat = self._chat(chat_id)
        if isinstance(chat, Chat) and not (
            chat.bot_status == "administrator" and chat.can_post_messages
        ):
            return error(400, "Bad Request: need administrator rights in the channel chat")
        return chat

    def _message(self, chat: Chat, **content: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        message = {
            "message_id": message_id,
            "sender_chat": {"id": chat.id, "type": "channel", "title": chat.title},
            "chat": {"id": chat.id, "type": "channel", "title": chat.title},
            "date": int(self.clock()),
            **content,
        }
        if chat.username:
            message["chat"]["username"] = chat.username
        chat.messages[message_id] = message
        return message

    # -- methods -----------------------------------------------------------------------------

    def method_getMe(self, request: RecordedRequest, params: dict[str, Any]) -> Response:
        return ok(self.bot)

    def method_getChatMember(self, request: RecordedRequest, params: dict[str, Any]) -> Response:
        chat = self._chat(params.get("chat_id"))
        if isinstance(chat, Response):
            return chat
        if str(params.get("user_id")) != str(self.bot["id"]):
            return error(400, "Bad Request: user not found")
        member: dict[str, Any] = {"user": self.bot, "status": chat.bot_status}
        if chat.bot_status == "administrator":
            member["can_post_messages"] = chat.can_post_messages
        return ok(member)

    def method_sendMessage(self, request: RecordedRequest, params: dict[str, Any]) -> Response:
        chat = self._postable(params.get("chat_id"))
        if isinstance(chat, Response):
            return chat
        text = str(params.get("text") or "")
        if not text.strip():
            return error(400, "Bad Request: message text is empty")
        if utf16_len(text) > MESSAGE_LIMIT:
            return error(400, "Bad Request: message is too long")
        preview = params.get("link_preview_options")
        if preview is not None and not isinstance(preview, dict):
            return error(400, "Bad Request: can't parse link preview options JSON object")
        message = self._message(chat, text=text)
        message["_link_preview_options"] = preview
        return ok({k: v for k, v in message.items() if not k.startswith("_")})

    def method_sendPhoto(self, request: RecordedRequest, params: dict[str, Any]) -> Response:
        chat = self._postable(params.get("chat_id"))
        if isinstance(chat, Response):
            return chat
        photo = request.file("photo")
        if photo is None:
            return error(400, "Bad Request: there is no photo in the request")
        if len(photo.content) > PHOTO_LIMIT:
            return error(400, "Bad Request: file is too big")
        caption = str(params.get("caption") or "")
        if utf16_len(caption) > CAPTION_LIMIT:
            return error(400, "Bad Request: message caption is too long")
        content: dict[str, Any] = {
            "photo": [{"file_id": f"photo-{len(photo.content)}", "width": 1200, "height": 675}]
        }
        if caption:
            content["caption"] = caption
        message = self._message(chat, **content)
        message["_photo"] = photo
        return ok({k: v for k, v in message.items() if not k.startswith("_")})

    def method_deleteMessage(self, request: RecordedRequest, params: dict[str, Any]) -> Response:
        chat = self._chat(params.get("chat_id"))
        if isinstance(chat, Response):
            return chat
        message = chat.messages.get(int(params.get("message_id") or 0))
        if message is None:
            return error(400, "Bad Request: message to delete not found")
        if self.clock() - message["date"] >= DELETE_WINDOW:
            return error(400, "Bad Request: message can't be deleted")
        del chat.messages[message["message_id"]]
        return ok(True)
