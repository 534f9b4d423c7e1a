import subprocess
import sys
import textwrap

import pytest

from skins_console.core.errors import DatabaseLockedError
from skins_console.store.instance_lock import InstanceLock

HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from skins_console.store.instance_lock import InstanceLock
    lock = InstanceLock(Path(sys.argv[1])).acquire()
    print("locked", flush=True)
    sys.stdin.readline()
""")

TRY = textwrap.dedent("""
    import sys
    from pathlib import Path
    from skins_console.core.errors import DatabaseLockedError
    from skins_console.store.instance_lock import InstanceLock
    try:
        InstanceLock(Path(sys.argv[1])).acquire()
    except DatabaseLockedError as exc:
        print("refused:", exc.message)
    else:
        print("acquired")
""")


def _run(code, *args, **kw):
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        text=True,
        stdout=subprocess.PIPE,
        stdin=subprocess.PIPE,
        cwd=".",
        **kw,
    )


def test_second_process_is_refused_with_message(store_paths):
    holder = _run(HOLDER, store_paths.lock_file)
    try:
        assert holder.stdout.readline().strip() == "locked"
        other = _run(TRY, store_paths.lock_file)
        out, _ = other.communicate(timeout=30)
        assert out.startswith("refused:")
        assert "already running" in out and str(store_paths.data_dir) in out
        assert f"process {holder.pid}" in out
        with pytest.raises(DatabaseLockedError):
            InstanceLock(store_paths.lock_file).acquire()
    finally:
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    # The OS released the lock with the process: no stale lock to clean up.
    out, _ = _run(TRY, store_paths.lock_file).communicate(timeout=30)
    assert out.strip() == "acquired"


def test_lock_released_on_exit_and_reacquirable(store_paths):
    with InstanceLock(store_paths.lock_file) as lock:
        assert lock.held
        assert lock.acquire() is lock  # idempotent in the same owner
    assert not lock.held
    with InstanceLock(store_paths.lock_file):
        pass
