"""Local persistence: files, settings, keyring secrets and the SQLite database.

paths.py (AppPaths, resolve_paths), settings.py (Settings), secrets.py (SecretStore),
database.py (Database: one worker thread, WAL, migrations, typed errors), migrations.py,
instance_lock.py (InstanceLock), chat_cursor.py (ChatCursor),
lifecycle_repository.py (what orders and deposits share) and one
``*_repository.py`` per table group, each with conn-first transaction functions plus an async
``*Repository`` class. Every module's docstring lists its public API.
"""
