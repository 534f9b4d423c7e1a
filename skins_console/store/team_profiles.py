"""Team profiles: the profiles whose order book is a shared PostgreSQL database.

A profile's book must be known *before* it is opened, so which profiles live in a team
database is recorded on this computer, in ``CONFIG/team_profiles.json`` (no secrets: the
database password is in the keyring as ``SecretKind.DATABASE_PASSWORD``)::

    {"version": 1, "profiles": {"shop": {"database": "postgresql://ops@db:5432/shop",
                                         "operator": "alice"}}}

Everything else about the profile (provider endpoints, tolerance, thresholds) is its row in
the team book, shared by every operator.

How a run finds its book (``book_for``): the profile named by ``--profile``, else the
``active_profile`` setting; if that name is a team profile here, its team database, else the
local SQLite file (which also knows the profiles added without ``--database``). A name is
either local or team on one computer, never both (``profile add`` refuses the second).

Public API::

    TEAM_PROFILES_NAME = "team_profiles.json"
    parse_database_url(text) -> DatabaseUrl          # ValidationError if unusable
    TeamProfile(name, database, operator)            # .url: DatabaseUrl, .where
    TeamRegistry(path)  .load() .get(name) .all() .add(profile) .remove(name)
    registry_for(paths) -> TeamRegistry
    book_for(paths, settings, profile) -> TeamProfile | None
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from skins_console.core.errors import StoreError, ValidationError
from skins_console.core.records import validate_profile_name
from skins_console.store.database_url import PostgresTarget, is_postgres_url
from skins_console.store.paths import AppPaths
from skins_console.store.settings import Settings

TEAM_PROFILES_NAME = "team_profiles.json"
REGISTRY_VERSION = 1
#: libpq's own spelling of the password in a query string
_PASSWORD_PARAMS = frozenset({"password"})
PASSWORD_WHERE = (
    "The database password never goes in the URL: set SKINS_CONSOLE_DATABASE_PASSWORD or "
    "type it when asked, and it is kept in the OS keyring."
)
OPERATOR_MAX = 60


@dataclass(frozen=True, slots=True)
class DatabaseUrl(PostgresTarget):
    """A checked ``postgresql://USER@HOST:PORT/DBNAME?…`` (never with a password): its parts
    as the store reads them (``store/database_url.py``), and the text as typed."""

    text: str


def parse_database_url(text: str) -> DatabaseUrl:
    """Check a team database URL as an operator types it (``ValidationError`` naming the
    field); the text is kept as typed, so sslmode and the rest pass through."""
    raw = (text or "").strip()
    if not is_postgres_url(raw):
        raise ValidationError(
            "A team database URL starts with postgresql:// "
            "(postgresql://USER@HOST:PORT/DBNAME?sslmode=verify-full).",
            field="database",
        )
    parts = urlsplit(raw)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if parts.password is not None or _PASSWORD_PARAMS & {k.lower() for k in query}:
        raise ValidationError(PASSWORD_WHERE, field="database")
    try:
        target = PostgresTarget.parse(raw)
    except StoreError as exc:
        raise ValidationError(exc.message, field="database") from None
    if not target.user:
        raise ValidationError(
            "The database URL has no user: use postgresql://USER@HOST:PORT/DBNAME.",
            field="database",
        )
    if "/" in target.dbname:
        raise ValidationError(
            f"{target.dbname!r} is not a database name (it contains '/').", field="database"
        )
    return DatabaseUrl(**asdict(target), text=raw)


def validate_operator(name: str | None) -> str | None:
    """The operator's name as the timeline shows it; empty means the OS user name."""
    text = " ".join((name or "").split())
    if not text:
        return None
    if len(text) > OPERATOR_MAX or any(not ch.isprintable() for ch in text):
        raise ValidationError(
            f"The operator name is one line of at most {OPERATOR_MAX} characters.",
            field="operator",
        )
    return text


@dataclass(frozen=True, slots=True)
class TeamProfile:
    name: str
    database: str
    #: who this computer's operator is in the team book; None: the OS user name
    operator: str | None = None

    @property
    def url(self) -> DatabaseUrl:
        return parse_database_url(self.database)

    @property
    def where(self) -> str:
        return self.url.where

    def to_json(self) -> dict[str, str | None]:
        return {"database": self.database, "operator": self.operator}


class TeamRegistry:
    """The local list of team profiles (one small JSON file, written atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def load(self) -> dict[str, TeamProfile]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise StoreError(f"Cannot read {self.path}: {exc.strerror or exc}.") from None
        try:
            data = json.loads(text)
            entries = data["profiles"]
            profiles = {
                validate_profile_name(name): TeamProfile(
                    name=validate_profile_name(name),
                    database=parse_database_url(str(entry["database"])).text,
                    operator=validate_operator(entry.get("operator")),
                )
                for name, entry in entries.items()
            }
        except (ValueError, KeyError, TypeError, AttributeError, ValidationError):
            raise StoreError(
                f"The team profile list {self.path} is damaged; fix or remove it and add the "
                "team profiles again (their orders are safe in the team database).",
                code="team_registry_damaged",
            ) from None
        return profiles

    def get(self, name: str | None) -> TeamProfile | None:
        if not name:
            return None
        return self.load().get(name.strip())

    def all(self) -> list[TeamProfile]:
        return sorted(self.load().values(), key=lambda p: p.name.lower())

    def add(self, profile: TeamProfile) -> TeamProfile:
        profiles = self.load()
        checked = TeamProfile(
            name=validate_profile_name(profile.name),
            database=parse_database_url(profile.database).text,
            operator=validate_operator(profile.operator),
        )
        profiles[checked.name] = checked
        self._save(profiles)
        return checked

    def remove(self, name: str) -> bool:
        profiles = self.load()
        if profiles.pop(name, None) is None:
            return False
        self._save(profiles)
        return True

    def _save(self, profiles: dict[str, TeamProfile]) -> None:
        data = {
            "version": REGISTRY_VERSION,
            "profiles": {name: p.to_json() for name, p in sorted(profiles.items())},
        }
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".team_profiles.", dir=folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(data, handle, indent=2, ensure_ascii=False)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            from skins_console.store.paths import folder_error

            raise folder_error(folder, exc) from None


def registry_for(paths: AppPaths) -> TeamRegistry:
    return TeamRegistry(paths.config_dir / TEAM_PROFILES_NAME)


def book_for(paths: AppPaths, settings: Settings, profile: str | None) -> TeamProfile | None:
    """The team profile a run on ``profile`` (else the active profile) opens; None: the
    local SQLite book."""
    registry = registry_for(paths)
    if not registry.path.exists():
        return None
    return registry.get(profile or settings.active_profile)
