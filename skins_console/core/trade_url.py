"""Steam trade URLs as people paste them: found in text, checked, stored canonical.

Canonical shape: ``https://steamcommunity.com/tradeoffer/new/?partner=<accountid>&token=<token>``
where ``partner`` is the 32-bit account id (1 … 2^32-1) and the token is 8 characters of
``[A-Za-z0-9_-]``. Pasted forms with ``http://``, ``www.``, no scheme, extra parameters,
``&amp;`` or chat text around the link are accepted and stored canonical.

The host is judged before anything else: a look-alike of steamcommunity.com (Unicode or
punycode letters, ``steamcommunlty``, ``steamcommunity.com.evil.ru``, a login prefix…)
raises :class:`TradeUrlPhishingError`, so the operator gets a phishing warning rather than a
complaint about the scheme. Every other problem raises :class:`TradeUrlError` naming what is
wrong (the port, the token, the partner number…), whatever the text: the parser splits
the URL itself, never calls anything that may raise on junk, and bounds every number.
"""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

from skins_console.core.errors import TradeUrlError, TradeUrlPhishingError

STEAMID64_BASE = 76561197960265728
MAX_ACCOUNT_ID = 2**32 - 1
MAX_ACCOUNT_DIGITS = len(str(MAX_ACCOUNT_ID))
TRADE_HOST = "steamcommunity.com"
TRADE_PATH = "/tradeoffer/new/"
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{8}")
#: longer pasted text is not a chat message holding a trade URL
MAX_PASTED_CHARS = 20_000
_WHERE = "Inventory → Trade Offers → Who can send me trade offers"

# Invisible characters chat apps and word processors slip into links (zero-width, soft
# hyphen, bidirectional controls): never part of a URL.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a\u202b\u202c\u202d\u202e"),
    None,
)
_INVISIBLE.update(dict.fromkeys(range(0x2066, 0x206A), None))
_SEPARATORS = re.compile(r"[\s<>\"'`()\[\]{}|,;]+")
_SCHEME_START = re.compile(r"(?<![A-Za-z0-9+.-])(?=[A-Za-z][A-Za-z0-9+.-]*://)")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(?=[/\\])")
_EDGE_PUNCTUATION = ".,;:!?…"
_DOMAIN_THEN_PATH = re.compile(r"[^/?#\\:]+\.[^/?#\\:]+(?::[^/?#\\]*)?[/?\\]")

#: letters that render like Latin ones in a host name (Cyrillic, Greek, others)
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "ё": "e", "һ": "h", "і": "i",
        "ї": "i", "ј": "j", "к": "k", "ӏ": "l", "м": "m", "н": "h", "о": "o", "р": "p",
        "ԛ": "q", "г": "r", "ѕ": "s", "т": "t", "υ": "u", "ս": "u", "ν": "v", "ѡ": "w",
        "х": "x", "у": "y", "ᴢ": "z", "α": "a", "ε": "e", "ι": "i", "κ": "k", "ο": "o",
        "ρ": "p", "τ": "t", "χ": "x", "ı": "i", "ɩ": "i", "ł": "l", "ɡ": "g", "ո": "n",
        "0": "o", "1": "l", "3": "e", "5": "s", "!": "i", "|": "l",
    }
)  # fmt: skip
_BRAND = "steamcommunity"
#: Valve's own domains: a link there is not phishing, just not a trade URL
_VALVE = ("steamcommunity.com", "steampowered.com", "steamgames.com", "steam-chat.com", "s.team")


@dataclass(frozen=True, slots=True)
class TradeUrl:
    partner: int
    token: str

    @property
    def url(self) -> str:
        return f"https://{TRADE_HOST}{TRADE_PATH}?partner={self.partner}&token={self.token}"

    @property
    def steamid64(self) -> int:
        return STEAMID64_BASE + self.partner

    @property
    def profile_url(self) -> str:
        return f"https://steamcommunity.com/profiles/{self.steamid64}"

    @property
    def steam3(self) -> str:
        return f"[U:1:{self.partner}]"

    @property
    def steam2(self) -> str:
        return f"STEAM_0:{self.partner & 1}:{self.partner >> 1}"

    def __str__(self) -> str:
        return self.url


def parse_trade_url(text: str) -> TradeUrl:
    """The one trade URL in pasted ``text`` (a bare link or a chat message holding one).

    Raises :class:`TradeUrlPhishingError` for a look-alike host anywhere in the text, and
    :class:`TradeUrlError` with a specific reason for anything else that is not exactly one
    valid trade URL (two different ones are refused, naming both)."""
    if not isinstance(text, str) or not text.strip():
        # Shared by the sell form (the buyer's URL) and the deposit form (the seller's).
        raise TradeUrlError("Paste a Steam trade URL.")
    if len(text) > MAX_PASTED_CHARS:
        raise TradeUrlError(
            f"The pasted text is {len(text):,} characters long; paste just the trade URL."
        )
    cleaned = html.unescape(text.translate(_INVISIBLE)).strip()
    candidates = _link_candidates(cleaned)
    if not candidates:
        raise TradeUrlError(
            "This is not a Steam trade URL (one looks like https://steamcommunity.com/"
            f"tradeoffer/new/?partner=…&token=…). The buyer finds it under {_WHERE}."
        )
    found: dict[str, TradeUrl] = {}
    problems: list[tuple[str, TradeUrlError]] = []
    for candidate in candidates:
        try:
            parsed = _parse_one(candidate)
        except TradeUrlPhishingError:
            raise  # a look-alike link anywhere in the text is reason enough to stop
        except TradeUrlError as exc:
            problems.append((candidate, exc))
        else:
            found.setdefault(parsed.url, parsed)
    if len(found) == 1:
        return next(iter(found.values()))
    if len(found) > 1:
        urls = list(found)
        more = f" and {len(urls) - 2} more" if len(urls) > 2 else ""
        raise TradeUrlError(
            f"The text holds {len(urls)} different trade URLs ({urls[0]} and {urls[1]}{more}); "
            "paste only the buyer's own."
        )
    candidate, problem = next(
        ((c, e) for c, e in problems if _looks_like_trade_url(c)), problems[0]
    )
    if "token=" not in candidate.lower() and "token=" in cleaned.lower():
        raise TradeUrlError(
            "The trade URL is broken by a space or line break before “token=”; paste it "
            "again in one piece."
        )
    raise problem


# --- finding links in text ---------------------------------------------------------------


def _link_candidates(text: str) -> list[str]:
    result: list[str] = []
    for chunk in _SEPARATORS.split(text):
        if "://" not in chunk and "%3a%2f%2f" in chunk.lower():
            chunk = unquote(chunk)  # a whole link %-encoded (copied out of a redirect URL)
        for piece in _SCHEME_START.split(chunk):
            piece = piece.strip(_EDGE_PUNCTUATION)
            if piece and _is_link_like(piece):
                result.append(piece)
    return result


def _is_link_like(piece: str) -> bool:
    lowered = piece.lower()
    return (
        "://" in piece
        or lowered.startswith("www.")
        or _DOMAIN_THEN_PATH.match(piece) is not None
        or any(word in lowered for word in ("tradeoffer", "partner=", "token=", "steamcommun"))
    )


def _looks_like_trade_url(piece: str) -> bool:
    lowered = piece.lower()
    return "tradeoffer" in lowered or "partner=" in lowered


# --- one link ----------------------------------------------------------------------------


def _parse_one(link: str) -> TradeUrl:
    scheme_match = _SCHEME.match(link)
    scheme = scheme_match.group(1).lower() if scheme_match else None
    rest = link[scheme_match.end() :].lstrip("/\\") if scheme_match else link
    end = len(rest)
    for delimiter in "/\\?#":
        position = rest.find(delimiter)
        if position != -1:
            end = min(end, position)
    authority, remainder = rest[:end], rest[end:]
    userinfo, at, hostport = authority.rpartition("@")
    if hostport.startswith("["):
        host, _bracket, after = hostport.partition("]")
        host += "]"
        has_port, port = after.startswith(":"), after[1:]
    else:
        host, colon, port = hostport.partition(":")
        has_port = bool(colon)

    _check_host(host, remainder)  # first: a phishing copy is worse than a bad scheme
    if scheme not in (None, "http", "https"):
        raise TradeUrlError(f"A Steam trade URL starts with https://, not {_shown(scheme, 16)}://.")
    if at:
        raise TradeUrlError(
            f"The link hides “{_shown(userinfo, 24)}@” in front of the host; paste the "
            "trade URL exactly as Steam shows it."
        )
    if has_port and port not in ("", "443", "80"):
        raise TradeUrlError(
            f"The trade URL carries a port (“:{_shown(port, 12)}”); a Steam trade URL has "
            "none. Paste it again from Steam."
        )
    path, _q, query = remainder.partition("?")
    path = path.partition("#")[0]
    query = query.partition("#")[0]
    _check_path(path)
    partner, token = _partner_and_token(query)
    return TradeUrl(partner=partner, token=token)


def _check_host(host: str, remainder: str) -> None:
    plain = host.strip().rstrip(".")
    if _idna(plain) in (TRADE_HOST, "www." + TRADE_HOST):
        return  # also full-width letters, which browsers map to the very same host
    if not plain:
        raise TradeUrlError(
            "This is not a link to a Steam trade URL. Ask the buyer for the trade URL from "
            f"their Steam settings ({_WHERE})."
        )
    if plain.isascii() and any(
        plain.lower() == domain or plain.lower().endswith("." + domain) for domain in _VALVE
    ):
        raise TradeUrlError(f"A trade URL is on {TRADE_HOST}, not {_shown(plain, 60)}.")
    skeleton = _skeleton(plain)
    if _resembles_steam(skeleton) or (
        _looks_like_trade_url(remainder) and "." in plain and not plain.startswith("[")
    ):
        raise TradeUrlPhishingError(
            f"Phishing warning: this link goes to “{_host_shown(plain)}”, not "
            f"{TRADE_HOST}: it is a phishing copy{_disguise(plain)}. Do not open it or sign "
            f"in there. Ask the buyer for the trade URL from their Steam settings ({_WHERE}).",
            host=plain,
        )
    raise TradeUrlError(
        f"This link goes to “{_host_shown(plain)}”, not {TRADE_HOST}: it is not a Steam "
        f"trade URL. Ask the buyer for the trade URL from their Steam settings ({_WHERE})."
    )


def _check_path(path: str) -> None:
    if "\\" in path:
        raise TradeUrlError("The trade URL contains a backslash; paste it again from Steam.")
    clean = path.rstrip("/").lower()
    if clean + "/" == TRADE_PATH:
        return
    if clean.startswith(("/profiles/", "/id/")):
        raise TradeUrlError(
            "This is the buyer's Steam profile link, not their trade URL. The buyer finds "
            f"the trade URL under {_WHERE}."
        )
    shown = _shown(path or "/", 40)
    raise TradeUrlError(
        f"This is a Steam link but not a trade URL (its path is “{shown}”, a trade URL's is "
        f"{TRADE_PATH}). The buyer finds the trade URL under {_WHERE}."
    )


def _partner_and_token(query: str) -> tuple[int, str]:
    partners: list[str] = []
    tokens: list[str] = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        key = key.strip().lower()
        if key == "partner":
            partners.append(value)
        elif key == "token":
            tokens.append(value)
    if not partners:
        raise TradeUrlError("The trade URL has no partner= number.")
    if not tokens:
        raise TradeUrlError(
            "The trade URL has no token=. The buyer must copy the full URL from Steam's trade "
            f"offer settings ({_WHERE}), not their profile link."
        )
    for name, values in (("partner", partners), ("token", tokens)):
        distinct = list(dict.fromkeys(values))
        if len(distinct) > 1:
            raise TradeUrlError(
                f"The trade URL repeats {name}= with different values "
                f"(“{_shown(distinct[0], 16)}” and “{_shown(distinct[1], 16)}”)."
            )
    return _partner(partners[0]), _token(tokens[0])


def _partner(text: str) -> int:
    digits = text.strip()
    if not digits:
        raise TradeUrlError("partner= is empty; it must be the buyer's Steam account id.")
    if not (digits.isascii() and digits.isdigit()):
        raise TradeUrlError(
            f"partner=“{_shown(digits, 24)}” is not a number; it must be the buyer's Steam "
            "account id (digits only)."
        )
    significant = digits.lstrip("0")
    if len(significant) == 17 and significant.startswith("7656119"):
        raise TradeUrlError(
            "partner= holds a SteamID64; a trade URL carries the short account id. "
            f"Ask the buyer for the trade URL from their Steam settings ({_WHERE})."
        )
    if len(significant) > MAX_ACCOUNT_DIGITS:
        raise TradeUrlError(
            f"partner= is {len(significant):,} digits long; a Steam account id has at most "
            f"{MAX_ACCOUNT_DIGITS} digits."
        )
    partner = int(significant or "0")  # at most 10 digits: exact and cheap
    if not 1 <= partner <= MAX_ACCOUNT_ID:
        raise TradeUrlError(
            f"partner={_shown(digits, 24)} is outside the range of Steam account ids "
            f"(1 to {MAX_ACCOUNT_ID:,})."
        )
    return partner


def _token(token: str) -> str:
    if TOKEN_RE.fullmatch(token):
        return token
    shown = _shown(token, 24)
    if len(token) != 8:
        raise TradeUrlError(
            f"token=“{shown}” has {len(token):,} characters; a trade token has exactly 8 "
            "characters. Copy the trade URL again."
        )
    odd = "".join(dict.fromkeys(ch for ch in token if not TOKEN_RE.fullmatch(ch * 8)))
    raise TradeUrlError(
        f"token=“{shown}” contains “{_shown(odd, 8)}”; a trade token has only letters, "
        "digits, '-' and '_'."
    )


# --- look-alike hosts --------------------------------------------------------------------


def _skeleton(host: str) -> str:
    """The host as a reader sees it: punycode decoded, look-alike letters mapped to Latin,
    accents dropped, everything but letters removed."""
    labels = []
    for label in unquote(host).lower().split("."):
        if label.startswith("xn--"):
            try:
                label = label[4:].encode("ascii").decode("punycode")
            except (UnicodeError, ValueError):
                pass
        labels.append(label)
    text = unicodedata.normalize("NFKC", ".".join(labels)).casefold()
    text = text.replace("rn", "m").replace("vv", "w").translate(_CONFUSABLES)
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    return re.sub(r"[^a-z.]", "", text)


def _resembles_steam(skeleton: str) -> bool:
    squashed = skeleton.replace(".", "")
    if "steam" in squashed or _BRAND in squashed:
        return True
    labels = [label for label in skeleton.split(".") if label]
    pieces = labels + [a + b for a, b in itertools.pairwise(labels)]
    return any(_within(piece[:40], _BRAND, 3) for piece in pieces)


def _within(a: str, b: str, limit: int) -> bool:
    """Levenshtein distance of ``a`` and ``b`` is at most ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


def _idna(host: str) -> str | None:
    """The host's ASCII (IDNA) form, lower-case; None when it has none."""
    if host.isascii():
        return host.lower()
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None


def _disguise(host: str) -> str:
    if not host.isascii():
        return " (it is written with look-alike non-Latin letters)"
    if "xn--" in host.lower():
        return " (it is punycode for look-alike non-Latin letters)"
    if "%" in host:
        return " (it is disguised with %-escapes)"
    return ""


def _host_shown(host: str) -> str:
    shown = _shown(host, 60)
    if host.isascii():
        return shown
    try:
        return f"{shown}, i.e. {host.encode('idna').decode('ascii')}"
    except UnicodeError:
        return shown.encode("ascii", "backslashreplace").decode("ascii")


def _shown(text: str, limit: int) -> str:
    """``text`` safe to show in one line of a message: control characters escaped, cut."""
    visible = "".join(
        ch if (ch.isprintable() and not ch.isspace()) or ch == " " else f"\\u{ord(ch):04x}"
        for ch in text[: limit + 1]
    )
    return visible[:limit] + "…" if len(text) > limit or len(visible) > limit else visible
