"""``--selftest`` from source: every step passes here, and a broken step is named plainly."""

from __future__ import annotations

import io
import struct
from types import SimpleNamespace

import pytest

from skins_console.selftest import SCREENSHOT_NAME, SelfTest, StepError, parse_options
from tests.packaging.helpers import run_selftest, step_lines

STEPS = (
    "certifi",
    "qt-platform",
    "event-loop",
    "keyring-backends",
    "keyring",
    "database",
    "sandbox",
    "skinsnode-api",
    "skinslink-api",
    "webhook-listener",
    "app-icon",
    "market-names",
    "main-window",
)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_selftest_passes_from_source(tmp_path):
    result = run_selftest(tmp_path)
    output = result.stdout
    assert result.returncode == 0, output + result.stderr
    steps = step_lines(output)
    for name in STEPS:
        assert name in steps, f"step {name} missing from:\n{output}"
        assert steps[name].split()[1] == "ok", steps[name]
        assert " ms " in steps[name]
    assert "keyrings.alt.file.PlaintextKeyring" in steps["keyring"]
    assert "selftest passed: " in output
    # The window really rendered: a PNG of the requested size in the kept folder.
    width, height = _png_size((tmp_path / "selftest" / SCREENSHOT_NAME).read_bytes())
    assert width >= 640 and height >= 400
    assert "Traceback" not in output + result.stderr


def test_selftest_names_the_keyring_step_when_no_backend(tmp_path):
    result = run_selftest(tmp_path, keyring_backend="keyring.backends.fail.Keyring")
    output = result.stdout
    assert result.returncode == 1, output
    steps = step_lines(output)
    assert steps["keyring"].split()[1] == "FAIL"
    assert "keyring.backends.fail.Keyring" in steps["keyring"]
    # The failure is confined to that step: the others still report ok.
    assert steps["database"].split()[1] == "ok"
    assert steps["sandbox"].split()[1] == "ok"
    assert "selftest FAILED: keyring " in output
    assert "Traceback" not in output + result.stderr


def test_verbose_adds_the_traceback(tmp_path):
    result = run_selftest(tmp_path, "--verbose", keyring_backend="keyring.backends.fail.Keyring")
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stdout


def test_selftest_with_the_real_secret_service(tmp_path, real_secret_service):
    # The D-Bus session of `packaging/devenv.sh test` / CI is inherited by the child.
    result = run_selftest(tmp_path, keyring_backend=None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "keyring.backends.SecretService.Keyring" in step_lines(result.stdout)["keyring"]


def test_failure_messages_never_show_redacted_values():
    out = io.StringIO()
    selftest = SelfTest(parse_options(None), out)
    secret = "s3cr3t-value-that-must-not-leak"
    selftest._redact.add(secret)

    def leaky() -> str:
        raise RuntimeError(f"server said: bad key {secret}")

    selftest.step("leaky", leaky)
    text = out.getvalue()
    assert secret not in text
    assert "leaky" in text and "FAIL" in text and "[redacted]" in text
    assert selftest.results[0].status == "FAIL"


def test_a_failed_prerequisite_skips_dependants():
    out = io.StringIO()
    selftest = SelfTest(parse_options(None), out)

    def broken() -> str:
        raise StepError("cannot start")

    selftest.step("sandbox", broken)
    selftest.step("skinsnode-api", lambda: "unreachable", needs=("sandbox",))
    assert [r.status for r in selftest.results] == ["FAIL", "skip"]
    assert "needs sandbox" in out.getvalue()
    assert selftest._summary(0.1) == 1


@pytest.mark.parametrize(
    "args, expected",
    [
        (None, (False, False, False)),
        (["--verbose", "--keep"], (True, False, True)),
        (["--selftest", "--display"], (False, True, False)),
        (SimpleNamespace(verbose=True, selftest=True), (True, False, False)),
    ],
)
def test_options_from_argv_or_cli_namespace(args, expected):
    options = parse_options(args)
    assert (options.verbose, options.display, options.keep) == expected
