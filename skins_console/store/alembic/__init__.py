"""The book's one migration history (Alembic), for SQLite and PostgreSQL alike.

Run only through ``store/schema_upgrade.py`` (``Database.open`` and ``migrate``), which
passes the open connection in ``config.attributes["connection"]``; no alembic.ini is read.
"""
