"""The error the response parsers raise; the clients turn it into ``MalformedResponseError``."""

from __future__ import annotations


class ShapeError(ValueError):
    """A response that is not the documented shape; the message names the field."""
