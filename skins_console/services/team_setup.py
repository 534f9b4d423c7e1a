"""Adding, joining and forgetting team profiles (``profile add … --database``, the profile
dialog's "Team database" choice).

The first operator *creates* a team profile: its row (provider endpoints, tolerance…) goes
into the team book, shared by everyone. Every other operator *joins* it with the same
command: the row is already there, so only this computer's part is written. This
computer's part is always the same three things: the provider secrets and the database
password in this computer's keyring, and the name → database URL + operator line in the
local registry (``store/team_profiles.py``). Forgetting a team profile removes only this
computer's part; the team book and its orders stay for the others. Changing this
computer's operator name or database password (``change_team_profile``) rewrites only this
computer's part too; a new password is tried on the team database before it replaces the
keyring's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from enum import Enum

from skins_console.core.errors import ProfileError, UserFacingError, ValidationError
from skins_console.core.records import ProfileRecord, validate_profile_name
from skins_console.services.context import AppContext
from skins_console.services.logs import register_secret
from skins_console.services.profile_service import ProfileSecrets, ProfileService
from skins_console.store.paths import AppPaths
from skins_console.store.secrets import SecretKind, SecretStore
from skins_console.store.settings import Settings
from skins_console.store.team_profiles import TeamProfile, registry_for, validate_operator

log = logging.getLogger(__name__)

#: the fields a joining operator's options must agree with (the team's row is shared)
_SHARED_FIELDS = (
    "skinsnode_base_url",
    "skinsnode_client_id",
    "skinslink_base_url",
    "webhook_url",
)


@dataclass(frozen=True, slots=True)
class TeamProfileAdded:
    record: ProfileRecord
    team: TeamProfile
    #: True: the team book already had the profile (another operator created it)
    joined: bool


async def add_team_profile(
    paths: AppPaths,
    settings: Settings,
    team: TeamProfile,
    *,
    profile: ProfileRecord | None,
    secrets: ProfileSecrets,
    password: str | None,
    store: SecretStore | None = None,
    client_options: dict | None = None,
) -> TeamProfileAdded:
    """Create or join the team profile ``team.name`` (see the module docstring).

    ``profile`` holds the provider settings; it may be None only when joining. Nothing is
    written on this computer until the team book is reached and the profile checked.
    """
    name = validate_profile_name(team.name)
    store = store or SecretStore()
    registry = registry_for(paths)
    if registry.get(name) is not None:
        raise ValidationError(
            f"A team profile named “{name}” is already set up on this computer.",
            field="name",
            code="profile_exists",
        )
    if paths.database.exists():  # no local book yet: nothing to clash with (none is made)
        local = await AppContext.open(
            paths, settings, secrets=store, local_book=True, time_scale=1.0
        )
        try:
            if await local.profiles.get(name) is not None:
                raise ValidationError(
                    f"This computer already has a profile named “{name}” in its own book; "
                    "a team profile needs another name.",
                    field="name",
                    code="profile_exists",
                )
        finally:
            await local.close()
    for _kind, value in secrets.items():
        register_secret(value)
    if password:
        register_secret(password)
    # An unusable keyring fails here, before anything is written anywhere.
    await store.acheck()
    ctx = await AppContext.open(
        paths,
        settings,
        secrets=store,
        team=team,
        database_password=password,
        time_scale=1.0,
        client_options=client_options,
    )
    try:
        existing = await ctx.profiles.get(name)
        if existing is None:
            if profile is None:
                raise ProfileError(
                    f"The team database {team.where} has no profile “{name}” yet; give "
                    "its provider settings to create it.",
                    code="team_profile_missing",
                )
            # The team book's "active" flag is never this computer's choice.
            record = await ProfileService(ctx).add(profile, secrets, activate=False)
        else:
            if profile is not None:
                _check_same(existing, profile, team)
            for kind, value in secrets.items():
                await store.aset(name, kind, value)
            record = existing
    finally:
        await ctx.close()
    try:
        if password:
            await store.aset(name, SecretKind.DATABASE_PASSWORD, password)
        registered = registry.add(team)
    except BaseException:
        if existing is not None:  # joined: nothing of the team's to undo, only ours
            await _forget_secrets(store, name)
        raise
    if not settings.active_profile:
        settings.active_profile = name
        if settings.path is not None:
            settings.save()
    return TeamProfileAdded(record, registered, existing is not None)


def _check_same(existing: ProfileRecord, given: ProfileRecord, team: TeamProfile) -> None:
    different = [
        f.name
        for f in fields(ProfileRecord)
        if f.name in _SHARED_FIELDS
        and getattr(given, f.name)
        and getattr(given, f.name) != getattr(existing, f.name)
    ]
    if different:
        raise ValidationError(
            f"The team database {team.where} already has a profile “{existing.name}” with "
            f"another {', '.join(d.replace('_', ' ') for d in different)}; join it without "
            "the provider settings, or choose another name.",
            field=different[0],
            code="profile_exists",
        )


async def forget_team_profile(
    paths: AppPaths, settings: Settings, name: str, *, store: SecretStore | None = None
) -> TeamProfile:
    """Remove this computer's part of a team profile; the team book is not touched."""
    registry = registry_for(paths)
    team = registry.get(name)
    if team is None:
        raise ProfileError(f"There is no team profile named “{name}”.", code="profile_missing")
    await (store or SecretStore()).adelete_profile(team.name)
    registry.remove(team.name)
    if settings.active_profile == team.name:
        settings.active_profile = None
        if settings.path is not None:
            settings.save()
    return team


class Keep(Enum):
    """``change_team_profile``'s "leave it as it is" (None is a value there)."""

    KEEP = "keep"


KEEP = Keep.KEEP


async def change_team_profile(
    paths: AppPaths,
    name: str,
    *,
    operator: str | Keep | None = KEEP,
    password: str | Keep | None = KEEP,
    store: SecretStore | None = None,
) -> TeamProfile:
    """Change this computer's operator name (None or empty: the OS user name) or database
    password (None: the database needs none) of the team profile ``name``.

    The new password is tried on the team database first: a refused (or unreachable)
    connection raises ``ValidationError`` and leaves the keyring's old password in place.
    """
    registry = registry_for(paths)
    team = registry.get(name)
    if team is None:
        raise ProfileError(f"There is no team profile named “{name}”.", code="profile_missing")
    store = store or SecretStore()
    if not isinstance(operator, Keep):
        team = TeamProfile(team.name, team.database, validate_operator(operator))
    if not isinstance(password, Keep):
        if password:
            register_secret(password)
        # An unusable keyring fails here, before the password is tried or anything written.
        await store.acheck()
        await _check_password(team, password)
        if password:
            await store.aset(team.name, SecretKind.DATABASE_PASSWORD, password)
        else:
            await store.adelete(team.name, SecretKind.DATABASE_PASSWORD)
    return registry.add(team) if not isinstance(operator, Keep) else team


async def _check_password(team: TeamProfile, password: str | None) -> None:
    """Connect to the team book with ``password``; say so, without it, when that fails."""
    from skins_console.store.database import Database

    try:
        db = await Database.open(team.database, password=password, operator=team.operator)
    except UserFacingError as exc:
        # The unreachable-book wording ("reconnects by itself") is for a book in use; here
        # only the server's own words say why the password did not open it.
        why = getattr(exc, "detail", "") or exc.message
        how = (
            "with the new password, so the old one"
            if password
            else "without a password, so the stored one"
        )
        raise ValidationError(
            f"The team database {team.where} could not be opened {how} stays in the keyring: {why}",
            field="database_password",
            code="database_password_refused",
        ) from None
    await db.close()


def use_team_profile(paths: AppPaths, settings: Settings, name: str) -> TeamProfile:
    """Make the team profile ``name`` the one this computer opens by default."""
    team = registry_for(paths).get(name)
    if team is None:
        raise ProfileError(f"There is no team profile named “{name}”.", code="profile_missing")
    if settings.active_profile != team.name:
        settings.active_profile = team.name
        if settings.path is not None:
            settings.save()
    return team


async def other_book_profiles(
    paths: AppPaths, current: TeamProfile | None
) -> list[tuple[str, str]]:
    """(name, where) of the profiles not in the open book: the team profiles set up here,
    and, while a team book is open, this computer's own (read from its file, if any)."""
    others = [
        (team.name, f"team {team.where}")
        for team in registry_for(paths).all()
        if current is None or team.name != current.name
    ]
    if current is not None and paths.database.exists():
        from skins_console.store.database import Database
        from skins_console.store.profiles_repository import list_profiles

        local = await Database.open(paths.database, backups_dir=paths.backups_dir)
        try:
            names = [p.name for p in await local.read(list_profiles)]
        finally:
            await local.close()
        others = [(name, "this computer") for name in names] + others
    return others


async def _forget_secrets(store: SecretStore, name: str) -> None:
    try:
        await store.adelete_profile(name)
    except Exception:
        log.warning("could not delete the keyring entries of %s", name, exc_info=True)
