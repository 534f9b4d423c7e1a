"""The CLI's exit codes (documented in ``--help``) and which failure gets which."""

from __future__ import annotations

from skins_console.core import errors

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_PROVIDER = 4
EXIT_STORE = 5
EXIT_KEYRING = 6
EXIT_PENDING = 7
EXIT_DATABASE = 8
EXIT_INTERRUPTED = 130

EPILOG = """\
exit codes:
  0    success
  1    internal error (a bug: details are in the log file)
  2    usage error (unknown command or option)
  3    input error (bad trade URL, unknown item or profile, price moved, balance too low,
       expired quote, …): nothing was sent
  4    provider error or refusal (SkinsNode/Skinslink unreachable, credentials or IP
       rejected, order or deposit refused or failed)
  5    local store error (database corrupt, read-only, disk full, folder not writable)
  6    keyring error (no usable OS keyring for the API secrets)
  7    not finished: an order's outcome is still unknown (it stays "sending" and is
       completed automatically with the same id), or sync timed out with records open
  8    team database unreachable (PostgreSQL down or the network away): nothing new was
       sent; run the command again once the database is back
  130  interrupted (Ctrl-C)

global options (--data-dir, --profile, --json, -v) go before or after the command.

secrets are never command-line options: profile add reads SKINSNODE_CLIENT_SECRET,
SKINSLINK_API_KEY and SKINSLINK_WEBHOOK_SECRET (and, with --database, the team database's
SKINS_CONSOLE_DATABASE_PASSWORD) from the environment, or asks for them without echo on a
terminal, and keeps them in the OS keyring only; where no keyring is usable (a server),
commands read them from those variables.
"""

#: An order's or deposit's send outcome (``orders_flow`` / ``deposits_flow``) → exit code.
OUTCOME_EXIT = {
    "accepted": EXIT_OK,
    "existing": EXIT_OK,
    "failed": EXIT_PROVIDER,
    "rejected": EXIT_PROVIDER,
    "unknown": EXIT_PENDING,
    "busy": EXIT_PENDING,
}


class CliUsageError(Exception):
    """Bad command-line input found after parsing (exit code 3 with the message)."""


#: failure class → exit code, the most specific first (the first that matches wins);
#: any other ``UserFacingError`` (ValidationError, ProfileError, InsufficientBalanceError
#: and the rest) is an input error.
_EXIT_BY_FAILURE: tuple[tuple[type[BaseException], int], ...] = (
    (errors.OutcomeUnknownError, EXIT_PENDING),
    (errors.SecretStoreError, EXIT_KEYRING),
    (errors.DatabaseUnavailableError, EXIT_DATABASE),
    (errors.StoreError, EXIT_STORE),
    (errors.ApiError, EXIT_PROVIDER),
    (errors.UserFacingError, EXIT_INPUT),
)


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code of a failure; the most specific class wins."""
    return next((code for kind, code in _EXIT_BY_FAILURE if isinstance(exc, kind)), EXIT_INTERNAL)
