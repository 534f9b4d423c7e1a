"""A throwaway PostgreSQL cluster on loopback, for tests and for ``.ci/run``.

Debian's server binaries (``initdb``, ``pg_ctl``; /usr/lib/postgresql/<major>/bin) make a
cluster in a temporary folder on a free 127.0.0.1 port; as root they run as the
``postgres`` OS user (``initdb`` refuses root). Host connections need a password
(scram-sha-256), so a wrong password really is refused. Standard library only: ``.ci/run``
runs this file with the system Python before the project's environment exists::

    python3 tests/postgres.py start DIR     # prints the admin URL; password in DIR/password
    python3 tests/postgres.py stop DIR

Tests use the fixtures in ``tests/fixtures/postgres.py`` (``pg_server``, ``pg_url``,
``pg_password``, ``book_target``), which use ``SKINS_CONSOLE_TEST_POSTGRES_URL`` (and
``SKINS_CONSOLE_TEST_POSTGRES_PASSWORD``) when set, else a cluster of their own.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ENV_URL = "SKINS_CONSOLE_TEST_POSTGRES_URL"
ENV_PASSWORD = "SKINS_CONSOLE_TEST_POSTGRES_PASSWORD"
SUPERUSER = "postgres"


def server_bin() -> Path | None:
    """The newest installed Debian PostgreSQL server's bin folder, if any."""
    root = Path("/usr/lib/postgresql")
    found = sorted(
        (p / "bin" for p in root.glob("*") if (p / "bin" / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return found[-1] if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(argv: list[str]) -> list[str]:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return ["runuser", "-u", SUPERUSER, "--", *argv]
    return argv


@dataclass
class PostgresServer:
    """A PostgreSQL server reachable as ``url`` (no password in it) with ``password``."""

    url: str
    password: str | None
    datadir: Path | None = None  # set when this process made the cluster (start/stop work)
    bindir: Path | None = None
    port: int = 0
    _log: Path | None = field(default=None, repr=False)

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    def url_for(self, dbname: str) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}/{dbname}" + (
            f"?{parts.query}" if parts.query else ""
        )

    # --- owning a cluster --------------------------------------------------------------

    @classmethod
    def create(cls, datadir: Path | None = None, bindir: Path | None = None) -> PostgresServer:
        bindir = bindir or server_bin()
        if bindir is None:
            raise FileNotFoundError("no PostgreSQL server binaries under /usr/lib/postgresql")
        datadir = datadir or Path(tempfile.mkdtemp(prefix="skins-pg-"))
        datadir.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(16)
        cluster = datadir / "cluster"
        pwfile = datadir / "password"
        pwfile.write_text(password)
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            shutil.chown(datadir, SUPERUSER)
            shutil.chown(pwfile, SUPERUSER)
        subprocess.run(
            _as_server_user(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(cluster),
                    "-U",
                    SUPERUSER,
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        server = cls(
            url=f"postgresql://{SUPERUSER}@127.0.0.1:{_free_port()}/postgres",
            password=password,
            datadir=datadir,
            bindir=bindir,
        )
        server.port = int(urlsplit(server.url).port or 0)
        server._log = datadir / "server.log"
        server.start()
        return server

    def _pg_ctl(self, *args: str) -> None:
        assert self.datadir is not None and self.bindir is not None
        subprocess.run(
            _as_server_user(
                [str(self.bindir / "pg_ctl"), "-D", str(self.datadir / "cluster"), *args]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def start(self) -> None:
        assert self.datadir is not None
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.datadir} "
            "-c fsync=off -c full_page_writes=off -c max_connections=200"
        )
        self._pg_ctl(
            "-w",
            "-t",
            "60",
            "-l",
            str(self._log or self.datadir / "server.log"),
            "-o",
            options,
            "start",
        )

    def stop(self) -> None:
        self._pg_ctl("-w", "-t", "60", "-m", "fast", "stop")

    def destroy(self) -> None:
        if self.datadir is None:
            return
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.datadir, ignore_errors=True)

    # --- databases (psycopg, imported lazily: the CLI below runs without it) -----------

    def admin(self):
        import psycopg

        parts = urlsplit(self.url)
        return psycopg.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=parts.username or None,
            password=self.password,
            dbname=parts.path.lstrip("/") or "postgres",
            autocommit=True,
            connect_timeout=10,
        )

    def create_database(self) -> str:
        """A new empty database; returns its name."""
        import psycopg

        name = "skins_test_" + secrets.token_hex(6)
        with self.admin() as conn:
            try:
                # A file copy of the small template1 is several times faster than the WAL
                # logged default (PostgreSQL 15+); older servers do without.
                conn.execute(f'CREATE DATABASE "{name}" STRATEGY = FILE_COPY')
            except psycopg.errors.SyntaxError:
                conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    datadir = Path(argv[2])
    if argv[1] == "start":
        server = PostgresServer.create(datadir)
        (datadir / "url").write_text(server.url)
        print(server.url)
    else:
        bindir = server_bin()
        if bindir is not None and (datadir / "cluster").exists():
            subprocess.run(
                _as_server_user(
                    [str(bindir / "pg_ctl"), "-D", str(datadir / "cluster"), "-m", "fast", "stop"]
                ),
                check=False,
            )
        shutil.rmtree(datadir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
