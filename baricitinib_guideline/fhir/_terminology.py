"""Whether one code lies below another: the reader's question to a terminology.

Real records code conditions more finely than the codes the library lists
(a colon cancer, not "malignant neoplastic disease"). A terminology answers
``subsumes(ancestor, code)`` with ``True``, ``False`` or ``None`` (cannot
say); the reader never guesses on ``None``, it lists the resource as left out.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any, Final, Protocol, runtime_checkable
from urllib.parse import urlencode, urlsplit

from .._json import load_text, unique_keys
from ..errors import InvalidInputError

__all__ = ["ServerTerminology", "Terminology", "ValueSetTerminology"]

SystemCode = tuple[str, str]


@runtime_checkable
class Terminology(Protocol):
    """Anything that says whether ``code`` lies below (or is) ``ancestor``."""

    def subsumes(self, ancestor: SystemCode, code: SystemCode) -> bool | None:
        """``True``: ``code`` is ``ancestor`` or below it; ``False``: it is not;
        ``None``: cannot say. Both are ``(system, code)`` pairs."""


def _pair(text: object, where: str) -> SystemCode:
    if not isinstance(text, str) or text.count("|") != 1:
        raise InvalidInputError(where, "must be 'system|code'")
    system, code = text.split("|")
    if not system or not code:
        raise InvalidInputError(where, "must be 'system|code' with both parts")
    return system, code


class ValueSetTerminology:
    """An in-memory expansion: ``{"system|code": ["system|code", ...]}``, ancestor to
    every descendant (for example from a terminology server's ``ValueSet/$expand``).

    For an ancestor in the mapping the expansion is taken as complete (a code
    not listed is not below it); for any other ancestor the answer is ``None``.
    """

    def __init__(self, mapping: Mapping[str, Iterable[str]]) -> None:
        if not isinstance(mapping, Mapping):
            raise InvalidInputError("mapping", "must map 'system|code' to a list of them")
        below: dict[SystemCode, frozenset[SystemCode]] = {}
        for key, values in mapping.items():
            ancestor = _pair(key, "mapping")
            if isinstance(values, str | bytes) or not isinstance(values, Iterable):
                raise InvalidInputError(f"mapping[{key!r:.60}]", "must be a list of 'system|code'")
            below[ancestor] = frozenset(_pair(value, f"mapping[{key!r:.60}]") for value in values)
        self._below: Final = below

    def subsumes(self, ancestor: SystemCode, code: SystemCode) -> bool | None:
        if tuple(ancestor) == tuple(code):
            return True
        descendants = self._below.get(tuple(ancestor))  # type: ignore[arg-type]
        if descendants is None:
            return None
        return tuple(code) in descendants

    def expansion(self, ancestor: SystemCode) -> frozenset[SystemCode] | None:
        """The codes listed below ``ancestor``, or ``None`` when it is not in the mapping."""
        return self._below.get(tuple(ancestor))  # type: ignore[arg-type]


_OUTCOMES: Final = {
    "equivalent": True,
    "subsumes": True,
    "subsumed-by": False,
    "not-subsumed": False,
}


class ServerTerminology:
    """A FHIR terminology server's ``CodeSystem/$subsumes``, asked over HTTP(S).

    Every failure (no answer within ``timeout`` seconds, an HTTP error, a
    redirect, an answer over ``max_bytes``, one that is not a ``Parameters``
    with an ``outcome``) is ``None``: the reader then lists the condition as
    left out. Answers are remembered per instance (at most ``cache_size``).
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 5.0,
        max_bytes: int = 65_536,
        headers: Mapping[str, str] | None = None,
        cache_size: int = 10_000,
    ) -> None:
        if not isinstance(base_url, str) or urlsplit(base_url).scheme not in ("http", "https"):
            raise InvalidInputError("base_url", "must be an http or https URL")
        if urlsplit(base_url).netloc == "":
            raise InvalidInputError("base_url", "must name a host")
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
            raise InvalidInputError("timeout", "must be a positive number of seconds")
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
            raise InvalidInputError("max_bytes", "must be a positive number of bytes")
        self.base_url: Final = base_url.rstrip("/")
        self.timeout: Final = float(timeout)
        self.max_bytes: Final = max_bytes
        self._headers: Final = {"Accept": "application/fhir+json", **dict(headers or {})}
        self._cache: dict[tuple[SystemCode, SystemCode], bool | None] = {}
        self._cache_size: Final = cache_size
        self._lock: Final = threading.Lock()

    def subsumes(self, ancestor: SystemCode, code: SystemCode) -> bool | None:
        if tuple(ancestor) == tuple(code):
            return True
        if ancestor[0] != code[0]:
            return False
        key = (tuple(ancestor), tuple(code))
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        answer = self._ask(ancestor, code)
        if answer is not None:
            with self._lock:
                if len(self._cache) >= self._cache_size:
                    self._cache.clear()
                self._cache[key] = answer  # type: ignore[index]
        return answer

    def _ask(self, ancestor: SystemCode, code: SystemCode) -> bool | None:
        import urllib.error
        import urllib.request

        class _NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        query = urlencode({"system": ancestor[0], "codeA": ancestor[1], "codeB": code[1]})
        request = urllib.request.Request(
            f"{self.base_url}/CodeSystem/$subsumes?{query}", headers=self._headers
        )
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=self.timeout) as response:
                body = response.read(self.max_bytes + 1)
        except (OSError, ValueError, urllib.error.URLError):
            return None
        if len(body) > self.max_bytes:
            return None
        try:
            data = load_text(body, "terminology answer", self.max_bytes, unique_keys)
        except InvalidInputError:
            return None
        return _outcome(data)


def _outcome(data: object) -> bool | None:
    if not isinstance(data, Mapping) or data.get("resourceType") != "Parameters":
        return None
    parameters = data.get("parameter")
    if not isinstance(parameters, list):
        return None
    for parameter in parameters:
        if isinstance(parameter, Mapping) and parameter.get("name") == "outcome":
            value = parameter.get("valueCode")
            return _OUTCOMES.get(value) if isinstance(value, str) else None
    return None
