"""Where chat notifications go: Telegram chats and Discord webhooks, checked before use.

Plain rules, no I/O. The bot token and the webhook URL are secrets (they live in the
keyring); the chat id and the Telegram API base are not (they live in the settings).
Every message names the field to fix and never repeats a secret value.

Public API::

    CHANNEL_KINDS = ("telegram", "discord")
    TELEGRAM_API_BASE = "https://api.telegram.org"
    validate_chat_id(text) -> str            # -1001234567890, 123456789 or @channelname
    validate_api_base(text) -> str           # https://…, or http:// on loopback only
    validate_telegram_token(text) -> str     # 123456:ABC…
    validate_discord_webhook_url(text) -> str
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from skins_console.core.errors import ValidationError

CHANNEL_KINDS = ("telegram", "discord")
CHANNEL_LABELS = {"telegram": "Telegram", "discord": "Discord"}
TELEGRAM_API_BASE = "https://api.telegram.org"

_CHAT_ID = re.compile(r"-?[1-9][0-9]{0,19}")
_CHANNEL_NAME = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}")
_TOKEN = re.compile(r"[0-9]{3,20}:[A-Za-z0-9_-]{20,100}")
_DISCORD_HOSTS = {"discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com"}
_DISCORD_PATH = re.compile(r"/api(?:/v[0-9]+)?/webhooks/[0-9]{5,25}/[A-Za-z0-9_-]{20,200}/?")


def validate_chat_id(text: str) -> str:
    value = text.strip()
    if _CHAT_ID.fullmatch(value) or _CHANNEL_NAME.fullmatch(value):
        return value
    raise ValidationError(
        "The Telegram chat id must be a number (e.g. 123456789, or -1001234567890 for a "
        "group or channel) or a public channel's @name.",
        field="chat_id",
    )


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _checked_url(text: str, what: str, field: str) -> str:
    value = text.strip()
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValidationError(f"The {what} is not a valid address.", field=field) from None
    if parts.scheme not in ("https", "http") or not host:
        raise ValidationError(f"The {what} must start with https://.", field=field)
    if parts.scheme == "http" and not is_loopback(host):
        raise ValidationError(
            f"The {what} must use https:// (plain http is accepted on this computer only).",
            field=field,
        )
    if parts.username or parts.password or any(ch.isspace() for ch in value):
        raise ValidationError(f"The {what} is not a valid address.", field=field)
    return value


def validate_api_base(text: str) -> str:
    """The Telegram Bot API server (the official one, or a local Bot API server)."""
    value = _checked_url(text, "Telegram API address", "api_base").rstrip("/")
    parts = urlsplit(value)
    if parts.query or parts.fragment:
        raise ValidationError(
            "The Telegram API address is a server address, without ?query or #fragment.",
            field="api_base",
        )
    return value


def validate_telegram_token(text: str) -> str:
    value = text.strip()
    if _TOKEN.fullmatch(value):
        return value
    raise ValidationError(
        "That does not look like a Telegram bot token (digits, a colon, then 35 or so "
        "letters, as @BotFather shows it). Paste it again.",
        field="telegram_bot_token",
    )


def validate_discord_webhook_url(text: str) -> str:
    value = _checked_url(text, "Discord webhook URL", "discord_webhook_url")
    parts = urlsplit(value)
    host = parts.hostname or ""
    if is_loopback(host):
        return value  # a local stand-in (tests, a relay on this computer)
    if host not in _DISCORD_HOSTS or not _DISCORD_PATH.fullmatch(parts.path):
        raise ValidationError(
            "That is not a Discord webhook URL; copy it from Server Settings → Integrations "
            "→ Webhooks (https://discord.com/api/webhooks/…).",
            field="discord_webhook_url",
        )
    return value
