"""Sending one chat message: Telegram's Bot API ``sendMessage`` and a Discord webhook.

Each channel sends a message once per call and turns every failure into a
:class:`ChatDeliveryError` saying whether to wait (``retry_after``, from a 429), whether
trying again can help (``permanent``) and what the operator should do, in words. Retrying,
batching and reporting are the dispatcher's job (``services/chat_dispatch.py``).

The bot token sits in Telegram's URL path and the whole Discord webhook URL is the
credential, and httpx puts the URL into its exception text and its INFO log line. So no
httpx exception text is ever copied into an error here (messages are built from the
status and the provider's own description, with the secret removed), and a filter on the
``httpx``/``httpcore`` loggers blanks every live channel's secret from their records.

Public API::

    TelegramChannel(token, chat_id, *, api_base=TELEGRAM_API_BASE, timeout=10.0)
    DiscordChannel(webhook_url, *, timeout=10.0)
        .kind ("telegram" | "discord"), .label, .target (public), .max_length
        await .send(text)            # ChatDeliveryError on failure
        .wait_hint() -> float        # seconds to leave before the next (spacing, 429, bucket)
        await .aclose()
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from skins_console.api.http import USER_AGENT, parse_retry_after, tls_context
from skins_console.core.chat_targets import CHANNEL_LABELS, TELEGRAM_API_BASE
from skins_console.core.errors import ApiError
from skins_console.core.redaction import RedactingFilter, SecretSet

log = logging.getLogger(__name__)

#: Telegram refuses texts over 4096 characters; Discord's ``content`` over 2000.
TELEGRAM_MAX_LENGTH = 4096
DISCORD_MAX_LENGTH = 2000


class ChatDeliveryError(ApiError):
    """A chat message was not delivered. ``retry_after``: the provider's 429 wait;
    ``permanent``: trying the same channel again cannot help until the operator fixes it
    (token refused, chat or webhook gone)."""

    code = "chat_delivery_failed"

    def __init__(
        self, message: str, *, retry_after: float | None = None, permanent: bool = False, **kw: Any
    ) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after
        self.permanent = permanent


# --- secrets out of httpx's log records -------------------------------------------------

_live_secrets = SecretSet()


def scrub(text: str) -> str:
    """``text`` with every chat secret this process has used replaced by ``***``."""
    return _live_secrets.redact(text)


_FILTER = RedactingFilter(_live_secrets)
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).addFilter(_FILTER)


# --- the channels ---------------------------------------------------------------------


class _Channel:
    kind = ""
    max_length = DISCORD_MAX_LENGTH
    #: the least time between two messages, so a busy hour stays under the provider's
    #: limits instead of collecting 429s (what piles up meanwhile goes out as one message)
    min_interval = 0.5

    def __init__(self, secret: str, timeout: float) -> None:
        _live_secrets.add(secret)
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers={"User-Agent": USER_AGENT},
            verify=tls_context(),
            follow_redirects=False,
        )
        #: monotonic time before which the provider asked for no further message
        self._quiet_until = 0.0

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self.kind]

    def __repr__(self) -> str:  # never the token or the URL
        return f"<{type(self).__name__} {self.target}>"

    @property
    def target(self) -> str:
        raise NotImplementedError

    def wait_hint(self) -> float:
        return max(0.0, self._quiet_until - time.monotonic())

    def _quiet_for(self, seconds: float) -> None:
        self._quiet_until = max(self._quiet_until, time.monotonic() + seconds)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _post(self, url: str, body: dict[str, Any]) -> httpx.Response:
        self._quiet_for(self.min_interval)
        try:
            return await self._client.post(url, json=body)
        except httpx.TimeoutException:
            error = self._error(f"{self.label} did not answer in time.")
        except httpx.TransportError as exc:
            # Only the exception's type: its text holds the URL, and with it the secret.
            error = self._error(
                f"Could not reach {self.label} at {self._host()} ({type(exc).__name__})."
            )
        # Raised outside the handler, so httpx's exception is not even its __context__.
        raise error

    def _host(self) -> str:
        raise NotImplementedError

    def _other_error(self, status: int, detail: str) -> ChatDeliveryError:
        """An error answer with no more specific meaning: a refusal (4xx) is permanent,
        anything else may pass."""
        if 400 <= status < 500:
            return self._refused(f"{self.label} refused the message ({status}){detail}.", status)
        return self._error(
            f"{self.label} answered with an error ({status}){detail}.", status=status
        )

    def _refused(self, message: str, status: int) -> ChatDeliveryError:
        """A refusal that sending again will not change (until the operator fixes it)."""
        return self._error(message, status=status, permanent=True)

    def _error(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        permanent: bool = False,
    ) -> ChatDeliveryError:
        return ChatDeliveryError(
            scrub(message),
            provider=self.kind,
            status=status,
            retry_after=retry_after,
            permanent=permanent,
        )


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return max(0.0, float(value)) if value == value else None


class TelegramChannel(_Channel):
    kind = "telegram"
    max_length = TELEGRAM_MAX_LENGTH

    def __init__(
        self, token: str, chat_id: str, *, api_base: str = TELEGRAM_API_BASE, timeout: float = 10.0
    ) -> None:
        super().__init__(token, timeout)
        self._token = token
        self.chat_id = chat_id
        self.api_base = api_base.rstrip("/")
        # Telegram: about one message a second to a chat, 20 a minute to a group or channel
        # (negative ids and @channel names).
        self.min_interval = 1.0 if chat_id.isdigit() else 3.0

    @property
    def target(self) -> str:
        return f"chat {self.chat_id}"

    def _host(self) -> str:
        return urlsplit(self.api_base).netloc

    async def send(self, text: str) -> None:
        # A numeric chat id goes as a JSON integer, as the Bot API documents it.
        chat: int | str = int(self.chat_id) if self.chat_id.lstrip("-").isdigit() else self.chat_id
        response = await self._post(
            f"{self.api_base}/bot{self._token}/sendMessage",
            {"chat_id": chat, "text": text, "disable_web_page_preview": True},
        )
        body = _json(response)
        if isinstance(body, dict) and body.get("ok") is True and response.status_code < 300:
            return
        status = response.status_code
        description = ""
        if isinstance(body, dict):
            code = body.get("error_code")
            if isinstance(code, int) and not isinstance(code, bool):
                status = code
            if isinstance(body.get("description"), str):
                description = body["description"][:300]
        detail = f" ({description})" if description else ""
        if status == 429:
            params = body.get("parameters") if isinstance(body, dict) else None
            wait = _number(params.get("retry_after")) if isinstance(params, dict) else None
            if wait is None:
                wait = parse_retry_after(response.headers.get("Retry-After"))
            wait = 5.0 if wait is None else wait
            self._quiet_for(wait)
            raise self._error(
                f"Telegram asked to slow down for {wait:.0f} s.", status=429, retry_after=wait
            )
        if status in (401, 404):  # 404: Telegram's answer to a malformed token
            raise self._refused(
                "Telegram refused the bot token (401 Unauthorized). Create or copy the token "
                "again in @BotFather and save it.",
                status,
            )
        if status == 400 and "chat not found" in description.lower():
            raise self._refused(
                f"Telegram has no chat {self.chat_id} for this bot. Send the bot a message "
                "(or add it to the group or channel) and check the chat id.",
                status,
            )
        if status == 403:
            raise self._refused(
                f"Telegram does not let the bot write to chat {self.chat_id}{detail}. "
                "Unblock the bot or add it to the group or channel again.",
                status,
            )
        raise self._other_error(status, detail)


class DiscordChannel(_Channel):
    kind = "discord"
    max_length = DISCORD_MAX_LENGTH

    def __init__(self, webhook_url: str, *, timeout: float = 10.0) -> None:
        super().__init__(webhook_url, timeout)
        self._url = webhook_url
        self._public = self.public_target(webhook_url)
        self._hostname = urlsplit(webhook_url).netloc.rsplit("@", 1)[-1]

    @staticmethod
    def public_target(webhook_url: str) -> str:
        """What to call the webhook without its secret: its numeric id (public: Discord's
        UI shows it), else its host."""
        parts = urlsplit(webhook_url)
        segments = [s for s in parts.path.split("/") if s]
        webhook_id = segments[-2] if len(segments) >= 2 and segments[-2].isdigit() else None
        return f"webhook {webhook_id}" if webhook_id else f"webhook on {parts.hostname}"

    @property
    def target(self) -> str:
        return self._public

    def _host(self) -> str:
        return self._hostname

    async def send(self, text: str) -> None:
        response = await self._post(
            self._url,
            # No @everyone / role / user pings from an item name or a buyer's text.
            {"content": text, "allowed_mentions": {"parse": []}},
        )
        status = response.status_code
        self._note_bucket(response)
        if 200 <= status < 300:
            return
        body = _json(response)
        message = body.get("message") if isinstance(body, dict) else None
        detail = f" ({message[:200]})" if isinstance(message, str) and message else ""
        if status == 429:
            wait = _number(body.get("retry_after")) if isinstance(body, dict) else None
            if wait is None:
                wait = parse_retry_after(response.headers.get("Retry-After"))
            wait = 5.0 if wait is None else wait
            self._quiet_for(wait)
            scope = " (global limit)" if isinstance(body, dict) and body.get("global") else ""
            raise self._error(
                f"Discord asked to slow down for {wait:.1f} s{scope}.",
                status=429,
                retry_after=wait,
            )
        if status in (401, 403, 404):
            raise self._refused(
                f"Discord refused the webhook ({status}){detail}: it was deleted or the URL is "
                "wrong. Copy the webhook URL again from the channel's Integrations settings.",
                status,
            )
        raise self._other_error(status, detail)

    def _note_bucket(self, response: httpx.Response) -> None:
        """Discord announces its per-webhook bucket; when it is used up, wait it out before
        sending again instead of collecting a 429."""
        if response.headers.get("X-RateLimit-Remaining") != "0":
            return
        try:
            reset = float(response.headers.get("X-RateLimit-Reset-After", ""))
        except ValueError:
            return
        if reset == reset and 0 < reset <= 60:
            self._quiet_for(reset)
