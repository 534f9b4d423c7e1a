"""Trade URLs through the command line: stored canonical, and never an internal error."""

from __future__ import annotations

import logging
import random

import pytest

from skins_console.cli import main
from tests.cli.conftest import cli, cli_sandbox, cli_with_profile  # noqa: F401 (fixtures)

GOOD = "https://steamcommunity.com/tradeoffer/new/?partner=4242424&token=Ab12-_xY"


def test_order_create_stores_the_canonical_form_of_a_pasted_url(cli_with_profile):  # noqa: F811
    env = cli_with_profile
    item = env.run("--json", "catalog", "--limit", "1").json()["items"][0]
    pasted = "my link: http://www.steamcommunity.com/tradeoffer/new?token=Ab12-_xY&partner=4242424"
    created = env.run(
        "--json", "order", "create", "--item", item["id"], "--trade-url", pasted,
        "--external-id", "names-canonical-1",
    )  # fmt: skip
    assert created.code == 0, created.stderr
    assert created.json()["order"]["trade_url"] == GOOD
    shown = env.run("--json", "order", "show", "names-canonical-1").json()["order"]
    assert shown["trade_url"] == GOOD


@pytest.mark.parametrize(
    "url,named",
    [
        (GOOD.replace(".com/", ".com:99999/"), "“:99999”"),
        (GOOD.replace(".com/", ".com:abc/"), "“:abc”"),
        (GOOD.replace(".com/", ".com:-1/"), "“:-1”"),
        (GOOD.replace("4242424", "9" * 4000), "4,000 digits long"),
        (GOOD.replace("steamcommunity", "steamcommunlty"), "Phishing warning"),
    ],
)
def test_junk_ports_and_huge_partners_are_refused_by_name(cli, url, named):  # noqa: F811
    run = cli.run("order", "create", "--item", "x", f"--trade-url={url}")
    assert run.code == 3, run.stderr
    assert run.stderr.startswith("error: ") and named in run.stderr
    assert "internal error" not in run.stderr and len(run.stderr.strip().splitlines()) == 1


def _fuzzed_urls(count: int, seed: int = 1504) -> list[str]:
    rng = random.Random(seed)
    junk = [
        ":99999", ":abc", ":-1", ":0", ":" + "9" * 50, "@", "\\", "%", "%00", "%zz", "#", "?",
        "&", "&&", "=", "[", "]", "[::1]", "xn--", "і", "ｓ", "★", "\u202e", "\x00", "\t",
        " ", "..", "//", "&amp;", "partner=", "token=", "7656119", "-", "_", "\U0001f600",
    ]  # fmt: skip
    urls: list[str] = []
    while len(urls) < count:
        url = list(GOOD)
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(len(url) + 1)
            action = rng.randrange(4)
            if action == 0:
                url.insert(position, rng.choice(junk))
            elif action == 1 and url:
                del url[min(position, len(url) - 1)]
            elif action == 2:
                url.insert(position, "".join(rng.choice("0123456789") for _ in range(300)))
            else:
                url.insert(position, chr(rng.randrange(0x20, 0x3000)))
        text = "".join(url)
        if text != GOOD:
            urls.append(text)
    return urls


def test_fuzzed_urls_never_end_in_an_internal_error(tmp_path, capsys):
    root = logging.getLogger()
    kept = list(root.handlers)
    codes: dict[int, int] = {}
    try:
        for url in _fuzzed_urls(300):
            code = main(
                ["--data-dir", str(tmp_path), "order", "create", "--item", "x",
                 f"--trade-url={url}"]
            )  # fmt: skip
            captured = capsys.readouterr()
            for handler in root.handlers[len(kept) :]:
                root.removeHandler(handler)
                handler.close()
            codes[code] = codes.get(code, 0) + 1
            assert code == 3, (url, code, captured.err)
            assert captured.err.startswith("error: ") and "internal error" not in captured.err
    finally:
        root.handlers[:] = kept
    assert codes == {3: 300}
