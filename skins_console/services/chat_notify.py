"""Notifications where the operator is: Telegram and Discord, set up and forwarded.

Setup (``ChatSetup``): a profile's Telegram chat (chat id and API base in the settings, bot
token in the keyring) and Discord webhook (the URL, a credential, in the keyring only);
where the keyring has no secret (a keyring-less worker, ``serve``) it comes from its
environment variable (``SecretKind.env``; the keyring's wins), never from a file;
``send_test`` sends one message to each, straight away, and says per channel what happened.

Forwarding (``ChatRelay``): the same per-event rules as the tray decide *what* is sent
(``NotificationService.describe_events``); the relay reads new timeline events from its own
cross-process cursor (``store/chat_cursor.py``) whenever the change bus says an order or
deposit moved, and hands the notifications to a ``ChatDispatcher``, which delivers them
in the background. The window runs one relay beside the tray; ``orders sync`` and
``webhooks serve`` run one while they work. Neither waits for a chat provider.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from skins_console.api.chat_channels import (
    ChatDeliveryError,
    DiscordChannel,
    TelegramChannel,
)
from skins_console.core.chat_targets import (
    CHANNEL_KINDS,
    CHANNEL_LABELS,
    TELEGRAM_API_BASE,
    validate_api_base,
    validate_chat_id,
    validate_discord_webhook_url,
    validate_telegram_token,
)
from skins_console.core.errors import (
    ChatChannelMissingError,
    SecretStoreError,
    UserFacingError,
    ValidationError,
)
from skins_console.core.records import EventRecord
from skins_console.services import change_bus
from skins_console.services.chat_dispatch import (
    Channel,
    ChatDispatcher,
    ProblemCallback,
)
from skins_console.services.context import AppContext
from skins_console.services.logs import register_secret
from skins_console.services.notification_service import Notification, NotificationService
from skins_console.store.chat_cursor import ChatCursor
from skins_console.store.secrets import SecretKind

log = logging.getLogger(__name__)

_SECRET = {"telegram": SecretKind.TELEGRAM_BOT_TOKEN, "discord": SecretKind.DISCORD_WEBHOOK_URL}
TEST_TEXT = (
    "Skins Console test message for profile “{profile}”: order and deposit notifications "
    "will arrive here."
)


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    kind: str
    label: str
    #: what it points at, without the secret: "chat 123456789", "webhook 1180…"
    target: str
    #: the Telegram API server (None for Discord)
    api_base: str | None
    #: the token / webhook URL is there (in the keyring or the environment)
    has_secret: bool
    #: where it comes from: "keyring", "environment" (a keyring-less worker) or ""
    secret_from: str = "keyring"


@dataclass(frozen=True, slots=True)
class TestResult:
    kind: str
    label: str
    target: str
    delivered: bool
    message: str


def _check_kind(kind: str) -> str:
    if kind not in CHANNEL_KINDS:
        raise ValidationError(
            f"Unknown chat channel {kind!r}: use telegram or discord.", field="kind"
        )
    return kind


class ChatSetup:
    """A profile's chat channels: add, list, remove, test."""

    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx

    def _profile(self) -> str:
        return self._ctx.require_profile().name

    async def keyring_usable(self) -> bool:
        try:
            await self._ctx.secrets.acheck()
        except SecretStoreError:
            return False
        return True

    async def _secret(self, kind: str) -> tuple[str | None, str]:
        """The channel's secret and where it came from: the keyring's, else its
        environment variable (a worker without a keyring); ``(None, "")`` when neither has
        it. A keyring that fails while the variable is unset raises its own error."""
        secret_kind = _SECRET[kind]
        failure: SecretStoreError | None = None
        try:
            value = await self._ctx.secrets.aget(self._profile(), secret_kind)
        except SecretStoreError as exc:
            value, failure = None, exc
        if value:
            return value, "keyring"
        value = os.environ.get(secret_kind.env, "").strip()
        if value:
            register_secret(value)
            return value, "environment"
        if failure is not None:
            raise SecretStoreError(
                f"{failure.message} On a server without a keyring, set {secret_kind.env} "
                "in its environment instead."
            ) from None
        return None, ""

    def _configured(self) -> dict[str, dict[str, str]]:
        stored = self._ctx.settings.chat_channels.get(self._profile(), {})
        # Always Telegram, then Discord (the settings file sorts its keys).
        return {kind: dict(stored[kind]) for kind in CHANNEL_KINDS if kind in stored}

    async def _save(self, channels: dict[str, dict[str, str]]) -> None:
        settings = self._ctx.settings
        everything = {name: dict(value) for name, value in settings.chat_channels.items()}
        if channels:
            everything[self._profile()] = channels
        else:
            everything.pop(self._profile(), None)
        settings.chat_channels = everything
        if settings.path is not None:
            await settings.save_in_background()

    async def _forward_from_now(self) -> None:
        """A new channel gets what happens from now on, including changes made by commands
        that do not forward (``order create``): the next forwarding run picks them up."""
        profile = self._profile()
        async with ChatCursor(self._ctx.paths.data_dir).claim(profile) as claim:
            if claim.after is None:
                claim.advance(await self._ctx.events.last_id(profile))

    async def _kept_secret(self, kind: str, what: str) -> tuple[str, str]:
        """The secret a channel set up without one uses, and where it is; else what to do."""
        saved, source = await self._secret(kind)
        if not saved:
            raise ValidationError(
                f"Paste {what} (on a server without a keyring: set {_SECRET[kind].env}).",
                field=_SECRET[kind].value,
            )
        return saved, source

    async def add_telegram(
        self, chat_id: str, token: str | None, *, api_base: str = TELEGRAM_API_BASE
    ) -> ChannelInfo:
        """Set up (or change) the Telegram chat; ``token`` None keeps the saved token (or,
        on a worker without a keyring, uses ``TELEGRAM_BOT_TOKEN`` each time it sends)."""
        profile = self._profile()
        chat = validate_chat_id(chat_id)
        base = validate_api_base(api_base)
        source = "keyring"
        if token is None:
            saved, source = await self._kept_secret("telegram", "the bot token @BotFather gave you")
            validate_telegram_token(saved)
        else:
            secret = validate_telegram_token(token)
            register_secret(secret)
            # The keyring first: a channel in the settings without its token would fail.
            await self._ctx.secrets.aset(profile, SecretKind.TELEGRAM_BOT_TOKEN, secret)
        channels = self._configured()
        channels["telegram"] = {"chat_id": chat, "api_base": base}
        await self._save(channels)
        await self._forward_from_now()
        return ChannelInfo("telegram", "Telegram", f"chat {chat}", base, True, source)

    async def add_discord(self, webhook_url: str | None) -> ChannelInfo:
        """Set up the Discord webhook; ``webhook_url`` None: a worker without a keyring,
        which reads ``DISCORD_WEBHOOK_URL`` each time it sends."""
        profile = self._profile()
        source = "keyring"
        if webhook_url is None:
            saved, source = await self._kept_secret("discord", "the channel's webhook URL")
            url = validate_discord_webhook_url(saved)
        else:
            url = validate_discord_webhook_url(webhook_url)
            register_secret(url)
            await self._ctx.secrets.aset(profile, SecretKind.DISCORD_WEBHOOK_URL, url)
        channels = self._configured()
        channels["discord"] = {}
        await self._save(channels)
        await self._forward_from_now()
        return ChannelInfo(
            "discord", "Discord", DiscordChannel.public_target(url), None, True, source
        )

    async def remove(self, kind: str) -> bool:
        """Forget the channel and its secret; False when it was not set up."""
        _check_kind(kind)
        channels = self._configured()
        found = channels.pop(kind, None) is not None
        # Without a keyring (a worker) nothing was stored; its variable is the operator's.
        if await self.keyring_usable():
            await self._ctx.secrets.adelete(self._profile(), _SECRET[kind])
        if found:
            await self._save(channels)
        return found

    async def list_channels(self) -> list[ChannelInfo]:
        result = []
        for kind, options in self._configured().items():
            secret, source = await self._secret(kind)
            if kind == "telegram":
                target = f"chat {options['chat_id']}"
                api_base: str | None = options["api_base"]
            else:
                target = DiscordChannel.public_target(secret) if secret else "webhook"
                api_base = None
            result.append(
                ChannelInfo(kind, CHANNEL_LABELS[kind], target, api_base, bool(secret), source)
            )
        return result

    async def senders(self) -> list[Channel]:
        """Senders for every channel whose secret is in the keyring or the environment (the
        caller closes them). A channel whose secret went missing is skipped with a warning."""
        profile = self._profile()
        result: list[Channel] = []
        for kind, options in self._configured().items():
            secret, _source = await self._secret(kind)
            if not secret:
                log.warning("the %s of profile %s is missing", _SECRET[kind].label, profile)
                continue
            register_secret(secret)
            if kind == "telegram":
                result.append(
                    TelegramChannel(secret, options["chat_id"], api_base=options["api_base"])
                )
            else:
                result.append(DiscordChannel(secret))
        return result

    async def send_test(self, kind: str | None = None) -> list[TestResult]:
        """One test message to each channel (or ``kind`` only), now; a 429 is waited out
        once when the wait is short. Never raises for a channel's failure: it is a result."""
        profile = self._profile()
        configured = self._configured()
        if kind is not None:
            _check_kind(kind)
            if kind not in configured:
                raise ChatChannelMissingError(profile=profile, kind=kind)
        elif not configured:
            raise ChatChannelMissingError(profile=profile)
        results = []
        channels = [c for c in await self.senders() if kind is None or c.kind == kind]
        missing = set(configured if kind is None else [kind]) - {c.kind for c in channels}
        for name in sorted(missing):
            results.append(
                TestResult(
                    name,
                    CHANNEL_LABELS[name],
                    "",
                    False,
                    f"The {_SECRET[name].label} is neither in the keyring nor in "
                    f"{_SECRET[name].env}; set the channel up again.",
                )
            )
        try:
            sent = await asyncio.gather(*(_test_one(c, profile) for c in channels))
        finally:
            for channel in channels:
                await channel.aclose()
        return [*sent, *results]


async def _test_one(channel: Channel, profile: str) -> TestResult:
    text = TEST_TEXT.format(profile=profile)

    def failed(exc: ChatDeliveryError) -> TestResult:
        return TestResult(channel.kind, channel.label, channel.target, False, exc.message)

    try:
        await channel.send(text)
    except ChatDeliveryError as exc:
        # The operator is waiting on the button: a short 429 is waited out once.
        if exc.retry_after is None or exc.retry_after > 10:
            return failed(exc)
        await asyncio.sleep(exc.retry_after)
        try:
            await channel.send(text)
        except ChatDeliveryError as again:
            return failed(again)
    return TestResult(
        channel.kind, channel.label, channel.target, True, f"Sent to {channel.target}."
    )


class ChatRelay:
    """Forwards new timeline notifications (and any given ``submit``) to the profile's chat
    channels, in the background, for as long as it runs."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        on_problem: ProblemCallback | None = None,
        dispatcher_options: dict | None = None,
    ) -> None:
        self._ctx = ctx
        self._on_problem = on_problem
        self._options = dict(dispatcher_options or {})
        self._notes = NotificationService(ctx)
        self._cursor = ChatCursor(ctx.paths.data_dir)
        self.dispatcher: ChatDispatcher | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._pass: asyncio.Task[None] | None = None
        self._again = False
        #: the profile whose channels the dispatcher holds; only its events are forwarded
        self._profile: str | None = None

    @property
    def active(self) -> bool:
        return self.dispatcher is not None

    async def start(self) -> bool:
        """Load the channels and start listening; False (and nothing runs) when the
        profile has none. Channels changed in Settings take effect on the next start."""
        await self.stop(flush_timeout=0)
        if self._ctx.profile is None:
            return False
        channels = await ChatSetup(self._ctx).senders()
        if not channels:
            return False
        self._profile = self._ctx.profile.name
        self.dispatcher = ChatDispatcher(channels, on_problem=self._on_problem, **self._options)
        self._unsubscribe = self._ctx.bus.subscribe(self._on_change)
        # Start the cursor (first run: from now) and pick up anything already waiting.
        try:
            await self.forward_new_events()
        except BaseException:
            await self.stop(flush_timeout=0)
            raise
        return True

    def submit(self, notes: Sequence[Notification]) -> None:
        """Forward state notifications (low balance, tracking paused) as they are shown."""
        if self.dispatcher is not None:
            self.dispatcher.submit(notes)

    def _on_change(self, change: change_bus.Change) -> None:
        if change.kind not in (change_bus.ORDER, change_bus.DEPOSIT):
            return
        if self._pass is not None and not self._pass.done():
            self._again = True
            return
        self._pass = asyncio.get_running_loop().create_task(self._passes(), name="chat-relay")

    async def _passes(self) -> None:
        while True:
            self._again = False
            try:
                await self.forward_new_events()
            except UserFacingError as exc:
                log.warning("forwarding chat notifications failed: %s", exc.message)
            except Exception:
                log.exception("forwarding chat notifications failed")
            if not self._again:
                return

    async def forward_new_events(self) -> int:
        """Claim the timeline events after the shared cursor and queue their
        notifications; returns how many were queued."""
        profile = self._profile
        current = self._ctx.profile
        if self.dispatcher is None or profile is None or current is None or current.name != profile:
            # Another profile is selected: its events are not for these channels (the
            # window restarts the relay for it).
            return 0
        async with self._cursor.claim(profile) as claim:
            if claim.after is None:
                claim.advance(await self._ctx.events.last_id(profile))
                return 0
            events: list[EventRecord] = []
            after = claim.after
            while True:
                batch = await self._ctx.events.after(profile, after, limit=500)
                events.extend(batch)
                # Stored events always have their id; `or after` only satisfies the type.
                after = (batch[-1].id or after) if batch else after
                if len(batch) < 500:
                    break
            if not events:
                return 0
            claim.advance(after)
        notes = await self._notes.describe_events(events)
        self.submit(notes)
        return len(notes)

    async def stop(self, *, flush_timeout: float = 10.0) -> bool:
        """Forward what is left, wait up to ``flush_timeout`` s for delivery, and close;
        False when something could not be delivered in time."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self.dispatcher is None:
            return True
        # A pass under way has claimed its events: let it hand them over first.
        task, self._pass = self._pass, None
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)
        try:
            if flush_timeout > 0:
                await self.forward_new_events()
        except UserFacingError as exc:
            log.warning("forwarding chat notifications failed: %s", exc.message)
        finally:
            dispatcher, self.dispatcher = self.dispatcher, None
        done = await dispatcher.flush(flush_timeout) if flush_timeout > 0 else True
        await dispatcher.aclose()
        return done
