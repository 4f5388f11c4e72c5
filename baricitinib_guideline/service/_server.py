"""Running the app under uvicorn: slow clients timed out, log lines rate-limited.

uvicorn closes idle keep-alive connections but never a connection whose
request headers trickle in. :class:`HeaderDeadline` gives its HTTP/1.1 protocol a
deadline for the request headers; the body has its own (see ``_request``).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Final

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_SECONDS: Final = 10.0
"""A connection must deliver a request's headers within this time, or it is closed."""
LOG_LINES_PER_SECOND: Final = 20


class HeaderDeadline(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's headers."""

    header_seconds: float = HEADER_SECONDS
    _round = 0

    def _arm(self) -> None:
        self._round += 1
        self.loop.call_later(self.header_seconds, self._expire, self._round)

    def _expire(self, armed: int) -> None:
        if armed != self._round or self.transport.is_closing():
            return
        if self.conn.their_state is h11.IDLE:  # the headers are not complete
            self.transport.close()

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()


def protocol(header_seconds: float) -> type[HeaderDeadline]:
    """The protocol with another header deadline (tests use a short one)."""
    return type("HeaderDeadline", (HeaderDeadline,), {"header_seconds": header_seconds})


class RateLimit(logging.Filter):
    """At most ``per_second`` records a second pass; the number held back is told once a
    second in the next record that passes."""

    def __init__(self, per_second: int = LOG_LINES_PER_SECOND) -> None:
        super().__init__()
        self._per_second = per_second
        self._lock = threading.Lock()
        self._window = 0
        self._count = 0
        self._dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            now = int(time.monotonic())
            if now != self._window:
                self._window, self._count = now, 0
            self._count += 1
            if self._count > self._per_second:
                self._dropped += 1
                return False
            if self._dropped:
                record.msg = f"{record.getMessage()} ({self._dropped} log lines held back)"
                record.args = ()
                self._dropped = 0
            return True


def log_config(level: str = "INFO") -> dict[str, Any]:
    """uvicorn's logging configuration with the service's lines on stderr, every logger
    rate-limited (used by ``serve`` only: a library does not configure the host's logging)."""
    limited = {"()": RateLimit}
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "plain",
        "filters": ["limit"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"limit": limited},
        "formatters": {
            "plain": {"format": "%(asctime)s %(process)d %(levelname)s %(name)s %(message)s"}
        },
        "handlers": {"stderr": handler},
        "loggers": {
            "baricitinib_guideline.service": {
                "handlers": ["stderr"],
                "level": level,
                "propagate": False,
            },
            "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
