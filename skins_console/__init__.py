"""Skins Console: a desktop operator console for CS2 skin merchants."""

__version__ = "0.1.0"
APP_NAME = "Skins Console"
APP_ID = "skins-console"
