"""Transaction functions as ``async`` repository methods, declared instead of hand-written.

A store module's transaction functions take the connection first (``fn(conn, ...)``); its
repository class offers them as ``async`` methods run on the database thread::

    class QuotesRepository(Repository):
        save = writes(save_quote)        # await repo.save(profile, quote): db.call
        get = reads(get_quote)           # await repo.get(quote_id): db.read (a snapshot)

The method takes what the function takes after ``conn`` and returns what it returns (typed
from the function), so no repository repeats a signature.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

P = ParamSpec("P")
R = TypeVar("R")


def on_database(db: Any, fn: Callable[..., R], *, read: bool) -> Callable[..., Awaitable[R]]:
    """``fn`` as a coroutine function: ``db.read`` runs it in a read transaction, else
    ``db.call`` in a write transaction."""
    run = db.read if read else db.call

    async def method(*args: Any, **kwargs: Any) -> R:
        return await run(fn, *args, **kwargs)

    return method


class OnDatabase(Generic[P, R]):
    """A transaction function as an ``async`` method of a :class:`Repository`."""

    def __init__(self, fn: Callable[Concatenate[Any, P], R], *, read: bool) -> None:
        self.fn = fn
        self.read = read
        self.__doc__ = fn.__doc__

    @overload
    def __get__(self, repo: None, owner: type | None = None) -> OnDatabase[P, R]: ...
    @overload
    def __get__(self, repo: Repository, owner: type | None = None) -> Callable[P, Awaitable[R]]: ...
    def __get__(
        self, repo: Repository | None, owner: type | None = None
    ) -> OnDatabase[P, R] | Callable[P, Awaitable[R]]:
        if repo is None:
            return self
        return on_database(repo._db, self.fn, read=self.read)


def writes(fn: Callable[Concatenate[Any, P], R]) -> OnDatabase[P, R]:
    """``fn`` run by ``db.call`` (a write transaction; durable when ``fn`` is marked so)."""
    return OnDatabase(fn, read=False)


def reads(fn: Callable[Concatenate[Any, P], R]) -> OnDatabase[P, R]:
    """``fn`` run by ``db.read`` (a read transaction: a consistent snapshot)."""
    return OnDatabase(fn, read=True)


class Repository:
    """``async`` access to one group of tables through ``db`` (a ``store.Database``)."""

    def __init__(self, db: Any) -> None:
        self._db = db
