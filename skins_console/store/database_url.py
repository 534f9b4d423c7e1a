"""A team database's address: ``postgresql://USER@HOST:PORT/DBNAME?sslmode=…``.

The password is never part of it (it comes from the keyring or the environment and goes to
the driver separately): a URL that carries one is refused, so it cannot reach a log, the
settings or an error message. TLS and other libpq settings pass through the query string.

Public API::

    is_postgres_url(target) -> bool
    PostgresTarget.parse(url) -> PostgresTarget     # StoreError on a malformed URL
    .where ("host:port/dbname"), .display_url, .sqlalchemy_url()
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from sqlalchemy.engine import URL

from skins_console.core.errors import StoreError

POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.split("://", 1)[0].lower() in POSTGRES_SCHEMES


@dataclass(frozen=True, slots=True)
class PostgresTarget:
    user: str
    host: str
    port: int
    dbname: str
    query: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, url: str) -> PostgresTarget:
        parts = urlsplit(url)
        if parts.password:
            raise StoreError(
                "Put the database password in the keyring (or SKINS_CONSOLE_DATABASE_PASSWORD), "
                "not in the database URL.",
                code="password_in_url",
            )
        dbname = unquote(parts.path.lstrip("/"))
        if not parts.hostname or not dbname:
            raise StoreError(
                f"{cls.display(url)} is not a database URL of the form "
                "postgresql://USER@HOST:PORT/DBNAME[?sslmode=…].",
                code="invalid_database_url",
            )
        try:
            port = parts.port or 5432
        except ValueError:
            raise StoreError(
                f"The port in {cls.display(url)} is not a number.", code="invalid_database_url"
            ) from None
        return cls(
            user=unquote(parts.username or ""),
            host=parts.hostname,
            port=port,
            dbname=dbname,
            query=tuple(parse_qsl(parts.query)),
        )

    @staticmethod
    def display(url: str) -> str:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        return url.replace(f":{parts.password}@", ":***@", 1)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}/{self.dbname}"

    @property
    def display_url(self) -> str:
        user = f"{self.user}@" if self.user else ""
        query = "&".join(f"{k}={v}" for k, v in self.query)
        return f"postgresql://{user}{self.where}" + (f"?{query}" if query else "")

    def sqlalchemy_url(self) -> URL:
        return URL.create(
            "postgresql+psycopg",
            username=self.user or None,
            host=self.host,
            port=self.port,
            database=self.dbname,
            query=dict(self.query),
        )
