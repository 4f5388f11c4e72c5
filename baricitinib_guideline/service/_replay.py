"""Where the ``jti`` of every accepted token is kept until it expires, so none is used twice.

``memory`` (the default) holds them in one process: with several workers a
token could be replayed to another worker, so use it with one worker only.
``sqlite:///PATH`` shares them between the workers of one host;
``redis://HOST:PORT/DB`` between hosts. A store that cannot answer within
:data:`STORE_WAIT_SECONDS` (its lock held by another worker, Redis down),
or a ``memory`` store full of unexpired ids, raises :class:`StoreUnavailable`: the token is neither accepted nor
recorded, and the caller is told to try again (HTTP 503), never that the
token was refused. A token id is reported as first used only once the store
has recorded it.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Final, Protocol

CLOCK_SKEW_SECONDS: Final = 60
MAX_REMEMBERED_TOKENS: Final = 100_000
STORE_WAIT_SECONDS: Final = 0.5
"""The longest a shared store is waited for (its lock, or the Redis server) per token."""


class StoreUnavailable(Exception):
    """The replay store could not answer in time; the message says why (no token data)."""


class ReplayStore(Protocol):
    def first_use(self, issuer: str, jti: str, expires: float) -> bool:
        """True the first time a token id is seen within its lifetime (and skew)."""
        ...


class MemoryReplay:
    """The ``jti`` values seen by this process, each until its token expires."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def first_use(self, issuer: str, jti: str, expires: float) -> bool:
        """True on a token id's first use; :class:`StoreUnavailable` when the store holds
        :data:`MAX_REMEMBERED_TOKENS` ids that have not expired (the token is then neither
        accepted nor recorded, as with a busy shared store)."""
        now = self._clock()
        with self._lock:
            if len(self._seen) >= MAX_REMEMBERED_TOKENS:
                self._seen = {k: v for k, v in self._seen.items() if v + CLOCK_SKEW_SECONDS > now}
                if len(self._seen) >= MAX_REMEMBERED_TOKENS:
                    raise StoreUnavailable("the replay store is full of unexpired token ids")
            key = (issuer, jti)
            held = self._seen.get(key)
            if held is not None and held + CLOCK_SKEW_SECONDS > now:
                return False
            self._seen[key] = expires
            return True


class SqliteReplay:
    """Token ids in an SQLite file that every worker of one host opens."""

    def __init__(self, path: str, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            path, timeout=STORE_WAIT_SECONDS, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        # WAL with NORMAL sync survives a crash of the service; a power loss may forget the
        # last moments' token ids, whose tokens then have at most their lifetime left.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS seen_jti (token TEXT PRIMARY KEY, until REAL NOT NULL)"
        )
        self._calls = 0

    def first_use(self, issuer: str, jti: str, expires: float) -> bool:
        """True only once the token id is committed; :class:`StoreUnavailable` when the
        file's lock (held by another worker) or this process's is not had within
        :data:`STORE_WAIT_SECONDS` in all."""
        start = time.monotonic()
        if not self._lock.acquire(timeout=STORE_WAIT_SECONDS):
            raise StoreUnavailable("the replay store is busy in this process")
        try:
            left = max(0.0, STORE_WAIT_SECONDS - (time.monotonic() - start))
            return self._record(f"{issuer}\n{jti}", expires, left)
        finally:
            self._lock.release()

    def _record(self, token: str, expires: float, wait: float) -> bool:
        now = self._clock()
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise StoreUnavailable(f"the replay store is busy ({type(error).__name__})") from None
        try:
            self._calls += 1
            if self._calls % 1000 == 0:
                self._db.execute("DELETE FROM seen_jti WHERE until < ?", (now,))
            row = self._db.execute(
                "SELECT until FROM seen_jti WHERE token = ?", (token,)
            ).fetchone()
            if row is not None and row[0] > now:
                self._db.execute("ROLLBACK")
                return False
            self._db.execute(
                "INSERT OR REPLACE INTO seen_jti (token, until) VALUES (?, ?)",
                (token, expires + CLOCK_SKEW_SECONDS),
            )
            self._db.execute("COMMIT")
        except sqlite3.Error as error:
            if self._db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
            raise StoreUnavailable(f"the replay store failed ({type(error).__name__})") from None
        return True


class RedisReplay:
    """Token ids in Redis (``SET NX`` with an expiry), shared by every host."""

    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        try:
            import redis
        except ImportError:
            raise ValueError("a redis:// replay store needs the 'redis' package") from None
        self._client = redis.Redis.from_url(
            url,
            socket_timeout=STORE_WAIT_SECONDS,
            socket_connect_timeout=STORE_WAIT_SECONDS,
        )
        self._error = redis.RedisError
        self._clock = clock

    def first_use(self, issuer: str, jti: str, expires: float) -> bool:
        seconds = max(1, int(expires + CLOCK_SKEW_SECONDS - self._clock()) + 1)
        try:
            return bool(
                self._client.set(
                    f"baricitinib-guideline:jti:{issuer}\n{jti}", 1, nx=True, ex=seconds
                )
            )
        except self._error as error:
            raise StoreUnavailable(f"the replay store failed ({type(error).__name__})") from None


def replay_store(url: str | None) -> ReplayStore:
    """The store a ``--replay-store`` URL names (``None`` or ``memory``: this process only)."""
    if url is None or url == "memory":
        return MemoryReplay()
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        path = url[len("sqlite:///") :]
        try:
            return SqliteReplay(path)
        except sqlite3.Error as error:
            raise ValueError(f"the replay store cannot be opened: {error}") from None
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisReplay(url)
    raise ValueError("--replay-store must be memory, sqlite:///PATH or redis://HOST:PORT")
