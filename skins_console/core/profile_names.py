"""The profile name rule, on its own so that reading the settings file (which names the
active profile) does not load every record type before the window's first paint."""

from __future__ import annotations

import re

from skins_console.core.errors import ValidationError

#: Profile names become keyring keys (``<profile>:<secret>``) and file names in exports, so
#: they are kept to a safe, readable alphabet.
PROFILE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.\-]{0,47}")


def validate_profile_name(name: str) -> str:
    """Return the trimmed name, or raise ``ValidationError`` saying what is allowed."""
    text = (name or "").strip()
    if not PROFILE_NAME_RE.fullmatch(text):
        raise ValidationError(
            "A profile name is 1-48 characters: letters, digits, spaces, '.', '_' or '-', "
            "starting with a letter or digit.",
            field="name",
        )
    return text
