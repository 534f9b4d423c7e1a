"""`skins-console --sandbox` on a machine with no usable OS keyring still opens."""

from skins_console.store.secrets import SecretStore, SessionKeyring
from skins_console.ui.demo_run import demo_secret_store


async def test_no_os_keyring_keeps_demo_credentials_in_memory(monkeypatch):
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())
    store = await demo_secret_store()
    assert isinstance(store._backend, SessionKeyring)


async def test_a_usable_os_keyring_is_used(test_keyring):
    store = await demo_secret_store()
    assert isinstance(store, SecretStore) and not isinstance(store._backend, SessionKeyring)
