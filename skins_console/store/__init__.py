"""Persistence: files, settings, keyring secrets and the book (SQLite, or PostgreSQL).

paths.py (AppPaths, resolve_paths), settings.py (Settings), secrets.py (SecretStore),
database.py (Database: one worker thread, either backend, migrations, typed errors),
connection.py (StoreConnection), schema.py + alembic/ + schema_upgrade.py (one schema and
history), migrations.py (frozen legacy SQLite steps),
instance_lock.py (InstanceLock), chat_cursor.py (ChatCursor),
lifecycle_repository.py (what orders and deposits share) and one
``*_repository.py`` per table group, each with conn-first transaction functions plus an async
``*Repository`` class (its methods declared through repository.py; rows read back through
codec.Rows). Every module's docstring lists its public API.
"""
