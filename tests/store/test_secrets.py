import uuid

import keyring
import pytest
from keyring.backends import fail, null

from skins_console.core.errors import SecretStoreError, ValidationError
from skins_console.store.secrets import (
    SERVICE_NAME,
    SecretKind,
    SecretStore,
    install_hint,
    keyring_diagnostics,
    secret_key,
)

SECRET = "sn_live_7f3a9c1e5b"


def test_round_trip_through_keyring_backend(test_keyring):
    store = SecretStore()
    assert store.get("main", SecretKind.SKINSNODE_CLIENT_SECRET) is None
    store.set("main", SecretKind.SKINSNODE_CLIENT_SECRET, SECRET)
    store.set("main", SecretKind.SKINSLINK_API_KEY, "sl-key-1")
    assert store.get("main", SecretKind.SKINSNODE_CLIENT_SECRET) == SECRET
    # Stored under the documented service and key names, through keyring itself.
    assert keyring.get_password(SERVICE_NAME, "main:skinsnode_client_secret") == SECRET
    assert store.has("main", SecretKind.SKINSLINK_API_KEY)
    assert not store.has("other", SecretKind.SKINSLINK_API_KEY)
    store.delete("main", SecretKind.SKINSLINK_API_KEY)
    store.delete("main", SecretKind.SKINSLINK_API_KEY)  # deleting twice is fine
    assert store.get("main", SecretKind.SKINSLINK_API_KEY) is None


async def test_async_wrappers(test_keyring):
    store = SecretStore()
    await store.aset("shop", SecretKind.SKINSLINK_WEBHOOK_SECRET, "whsec")
    assert await store.aget("shop", SecretKind.SKINSLINK_WEBHOOK_SECRET) == "whsec"
    assert await store.ahas("shop", "skinslink_webhook_secret")
    await store.arename_profile("shop", "shop2")
    assert await store.aget("shop", SecretKind.SKINSLINK_WEBHOOK_SECRET) is None
    assert await store.aget("shop2", SecretKind.SKINSLINK_WEBHOOK_SECRET) == "whsec"
    await store.adelete_profile("shop2")
    assert await store.aget("shop2", SecretKind.SKINSLINK_WEBHOOK_SECRET) is None
    assert (await store.acheck()).usable


def test_no_backend_gives_clear_error_without_secret():
    keyring.set_keyring(fail.Keyring())
    store = SecretStore()
    with pytest.raises(SecretStoreError) as info:
        store.set("main", SecretKind.SKINSNODE_CLIENT_SECRET, SECRET)
    message = info.value.message
    assert "Cannot store API secrets" in message
    assert "gnome-keyring" in message or "Keychain" in message or "Credential" in message
    assert SECRET not in message and SECRET not in repr(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None
    with pytest.raises(SecretStoreError):
        store.get("main", SecretKind.SKINSNODE_CLIENT_SECRET)
    with pytest.raises(SecretStoreError):
        store.check()
    diag = keyring_diagnostics()
    assert not diag.usable and diag.backend == "keyring.backends.fail.Keyring"


def test_null_backend_is_refused():
    keyring.set_keyring(null.Keyring())
    with pytest.raises(SecretStoreError, match="not a secure store"):
        SecretStore().set("main", SecretKind.SKINSLINK_API_KEY, "x")


def test_plaintext_backend_is_never_a_silent_fallback(tmp_path, monkeypatch):
    from keyrings.alt.file import PlaintextKeyring

    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "kr.cfg")
    keyring.set_keyring(backend)
    with pytest.raises(SecretStoreError, match="never keeps secrets in plain files"):
        SecretStore().set("main", SecretKind.SKINSLINK_API_KEY, "plain-secret")
    assert not (tmp_path / "kr.cfg").exists()


def test_locked_keyring_maps_to_clear_message(test_keyring, monkeypatch):
    def locked(*args, **kwargs):
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    # The backend is real; only its answer is forced to the locked-collection error that
    # SecretService raises when the user's keyring is locked.
    monkeypatch.setattr(test_keyring, "get_password", locked)
    with pytest.raises(SecretStoreError, match="keyring is locked; unlock it"):
        SecretStore().get("main", SecretKind.SKINSNODE_CLIENT_SECRET)


def test_validation_of_names_and_values(test_keyring):
    store = SecretStore()
    with pytest.raises(ValidationError):
        store.set("main", SecretKind.SKINSLINK_API_KEY, "   ")
    with pytest.raises(ValidationError, match="spaces"):
        store.set("main", SecretKind.SKINSLINK_API_KEY, " key ")
    with pytest.raises(ValidationError):
        secret_key("evil:name", SecretKind.SKINSLINK_API_KEY)
    assert secret_key("Main shop", "skinslink_api_key") == "Main shop:skinslink_api_key"


def test_install_hints_per_os():
    assert "Secret Service" in install_hint("linux")
    assert "Keychain" in install_hint("darwin")
    assert "Credential Locker" in install_hint("win32")


@pytest.mark.secret_service
def test_real_secret_service_round_trip(real_secret_service):
    store = SecretStore()
    profile = f"t{uuid.uuid4().hex[:10]}"
    diag = store.check()
    assert diag.usable and "SecretService" in diag.backend
    try:
        store.set(profile, SecretKind.SKINSNODE_CLIENT_SECRET, SECRET)
        assert (
            SecretStore(real_secret_service).get(profile, SecretKind.SKINSNODE_CLIENT_SECRET)
            == SECRET
        )
    finally:
        store.delete_profile(profile)
    assert store.get(profile, SecretKind.SKINSNODE_CLIENT_SECRET) is None


def test_unviable_secret_service_is_explained(monkeypatch):
    from keyring.backends import SecretService

    # Without a D-Bus session the real backend reports itself unviable by raising.
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    diag = keyring_diagnostics(SecretService.Keyring())
    assert not diag.usable
    assert "SecretService" in diag.backend and "is not available" in diag.message
    assert "Secret Service must be running" in diag.message
