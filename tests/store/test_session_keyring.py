"""The sandbox demo's in-memory keyring: explicit only, and only for demo credentials."""

import keyring
import pytest

from skins_console.core.errors import SecretStoreError
from skins_console.store.secrets import SecretKind, SecretStore, SessionKeyring, keyring_diagnostics


def test_keyring_never_picks_it_on_its_own():
    assert not SessionKeyring.viable
    assert not any(isinstance(b, SessionKeyring) for b in keyring.backend.get_all_keyring())


def test_holds_the_sandbox_profile_and_refuses_real_ones():
    store = SecretStore(backend=SessionKeyring(frozenset({"sandbox"})))
    assert store.check().usable
    assert "in memory for this run" in keyring_diagnostics(store._backend).message
    store.set("sandbox", SecretKind.SKINSNODE_CLIENT_SECRET, "sandbox-secret-demo")
    assert store.get("sandbox", SecretKind.SKINSNODE_CLIENT_SECRET) == "sandbox-secret-demo"
    with pytest.raises(SecretStoreError, match="only the sandbox's demo credentials"):
        store.set("my-shop", SecretKind.SKINSNODE_CLIENT_SECRET, "a-real-secret")
    store.delete("sandbox", SecretKind.SKINSNODE_CLIENT_SECRET)
    assert store.get("sandbox", SecretKind.SKINSNODE_CLIENT_SECRET) is None
