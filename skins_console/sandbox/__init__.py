"""A faithful local sandbox of the SkinsNode and Skinslink APIs over real loopback HTTP."""

from skins_console.sandbox.config import SandboxConfig
from skins_console.sandbox.server import Sandbox

__all__ = ["Sandbox", "SandboxConfig"]
