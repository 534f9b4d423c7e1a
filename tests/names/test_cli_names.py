"""``skins-console quote`` as a real subprocess against the recording stand-in Skinslink."""

from __future__ import annotations

import pytest

from skins_console.services.name_book import load_market_names
from tests.cli.conftest import CliEnv, provider_options
from tests.names.conftest import API_KEY
from tests.names.test_exact_names import ODD_REAL_NAMES


@pytest.fixture
def cli_names(tmp_path, recording_skinslink) -> CliEnv:
    cli = CliEnv(tmp_path, None)
    cli.env.update(
        {
            "SKINSNODE_CLIENT_SECRET": "stand-in-secret",
            "SKINSLINK_API_KEY": API_KEY,
            "SKINSLINK_WEBHOOK_SECRET": "stand-in-webhook-secret",
        }
    )
    url = recording_skinslink.base_url
    added = cli.run("profile", "add", "main", *provider_options(url, "stand-in", url))
    assert added.code == 0, added.stderr
    return cli


def test_real_names_are_quoted_through_the_cli_byte_exact(cli_names, recording_skinslink):
    names = load_market_names()
    # The odd spellings plus a spread of the list (every 50th: stickers, agents, CJK, ★…).
    chosen = list(dict.fromkeys([*ODD_REAL_NAMES, *names[::50]]))
    run = cli_names.run("--json", "quote", "--price-only", "-", input="\n".join(chosen) + "\n")
    assert run.code == 0, run.stderr
    assert recording_skinslink.names() == chosen
    quote = run.json()["quote"]
    assert [item["name"] for item in quote["items"]] == chosen
    assert quote["unpriced"] == [] and quote["suggestions"] == {}


def test_a_quote_with_nothing_priced_exits_3_naming_the_real_names(cli_names, recording_skinslink):
    recording_skinslink.priced = set()
    typed = ["ak-47 | redline (field tested)", "AWP Asiimov FT", "Qqqq Zzzz"]
    run = cli_names.run("quote", *typed)
    assert run.code == 3, (run.stdout, run.stderr)
    assert recording_skinslink.names() == typed  # sent as typed, never "repaired"
    error = run.stderr.strip()
    assert error.startswith("error: Skinslink priced none of the 3 name(s)")
    assert len(error.splitlines()) == 1
    assert (
        "“ak-47 | redline (field tested)” → did you mean “AK-47 | Redline (Field-Tested)”" in error
    )
    assert "“AWP Asiimov FT” → did you mean “AWP | Asiimov (Field-Tested)”" in error
    assert "“Qqqq Zzzz”: no close real name" in error

    as_json = cli_names.run("--json", "quote", "Karambit | Doppler Phase 2 (Factory New)")
    assert as_json.code == 3
    failure = as_json.json()["error"]
    assert failure["code"] == "nothing_priced" and failure["exit_code"] == 3
    assert "★ Karambit | Doppler (Factory New)" in failure["message"]
    assert "phases" in failure["message"]


def test_partly_priced_quote_succeeds_and_suggests_for_the_rest(cli_names, recording_skinslink):
    recording_skinslink.priced = {"AK-47 | Redline (Field-Tested)"}
    run = cli_names.run(
        "--json", "quote", "AK-47 | Redline (Field-Tested)", "Desert Eagle | Blaze (FN)"
    )
    assert run.code == 0, run.stderr
    quote = run.json()["quote"]
    assert quote["unpriced"] == ["Desert Eagle | Blaze (FN)"]
    assert quote["suggestions"]["Desert Eagle | Blaze (FN)"][0] == (
        "Desert Eagle | Blaze (Factory New)"
    )
    text = cli_names.run("quote", "AK-47 | Redline (Field-Tested)", "Desert Eagle | Blaze (FN)")
    assert text.code == 0
    assert "did you mean “Desert Eagle | Blaze (Factory New)”" in text.stderr
