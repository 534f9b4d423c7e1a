"""One file per revision, named after it; see ``store/schema.py`` for what each adds."""
