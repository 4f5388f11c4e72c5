"""Trusting CDS clients (CDS Hooks 2.0): a signed JWT from a listed issuer on every call.

The token's issuer and key id pick a public key from the trusted-issuers
file; only ES384 and RS384 are accepted (never ``none`` or HMAC); the
audience is the URL of the endpoint called; ``exp`` must lie in the future
and ``iat`` not in it (60 s clock skew allowed either way); and a ``jti``
seen before within the token's lifetime is refused as a replay. Which check
failed is logged, never told to the caller.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

import jwt

ALGORITHMS: Final = ("ES384", "RS384")
CLOCK_SKEW_SECONDS: Final = 60
MAX_REMEMBERED_TOKENS: Final = 100_000
REQUIRED_CLAIMS: Final = ["iss", "aud", "exp", "iat", "jti"]


class Untrusted(Exception):
    """The request's token does not pass; the message is for the log only."""


def load_issuers(source: str | Path | Mapping[str, Any]) -> dict[str, dict[str, jwt.PyJWK]]:
    """``{"issuers": {iss: {"keys": [JWK, ...]}}}`` from a file or a mapping, keys by ``kid``."""
    data: Any = source
    if not isinstance(source, Mapping):
        data = json.loads(Path(source).read_text(encoding="utf-8"))
    issuers = data.get("issuers") if isinstance(data, Mapping) else None
    if not isinstance(issuers, Mapping) or not issuers:
        raise ValueError('the trusted-issuers file needs {"issuers": {"<iss>": {"keys": [...]}}}')
    found: dict[str, dict[str, jwt.PyJWK]] = {}
    for issuer, entry in issuers.items():
        keys = entry.get("keys") if isinstance(entry, Mapping) else None
        if not isinstance(keys, list) or not keys:
            raise ValueError(f"issuer {issuer!r}: 'keys' must list its public JWKs")
        found[issuer] = {}
        for jwk in keys:
            if not isinstance(jwk, Mapping) or not isinstance(jwk.get("kid"), str):
                raise ValueError(f"issuer {issuer!r}: every key needs a 'kid'")
            if "d" in jwk:
                raise ValueError(
                    f"issuer {issuer!r}: key {jwk['kid']!r} is private; list public keys"
                )
            key = jwt.PyJWK(dict(jwk))
            if key.algorithm_name not in ALGORITHMS:
                raise ValueError(
                    f"issuer {issuer!r}: key {jwk['kid']!r} is not for ES384 or RS384"
                )
            found[issuer][jwk["kid"]] = key
    return found


class ReplayGuard:
    """The ``jti`` values seen, each until its token expires (per process).

    Several workers each keep their own; a deployment that needs replay
    protection across workers puts a shared store behind :meth:`first_use`.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def first_use(self, issuer: str, jti: str, expires: float) -> bool:
        now = self._clock()
        with self._lock:
            if len(self._seen) >= MAX_REMEMBERED_TOKENS:
                self._seen = {k: v for k, v in self._seen.items() if v + CLOCK_SKEW_SECONDS > now}
                if len(self._seen) >= MAX_REMEMBERED_TOKENS:
                    return False
            key = (issuer, jti)
            held = self._seen.get(key)
            if held is not None and held + CLOCK_SKEW_SECONDS > now:
                return False
            self._seen[key] = expires
            return True


class Verifier:
    """Checks one request's ``Authorization`` header against the trusted issuers."""

    def __init__(
        self,
        issuers: dict[str, dict[str, jwt.PyJWK]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._issuers = issuers
        self._clock = clock
        self._replays = ReplayGuard(clock)

    def verify(self, authorization: str | None, audience: str) -> str:
        """The issuer of a valid token; raises :class:`Untrusted` otherwise."""
        if not authorization or not authorization.startswith("Bearer "):
            raise Untrusted("no bearer token")
        token = authorization[len("Bearer ") :].strip()
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise Untrusted(f"unreadable token ({type(exc).__name__})") from None
        algorithm, kid, issuer = header.get("alg"), header.get("kid"), claims.get("iss")
        if algorithm not in ALGORITHMS:
            raise Untrusted(f"algorithm {algorithm!r} is not accepted")
        if not isinstance(issuer, str) or not isinstance(kid, str):
            raise Untrusted("the token names no issuer or key id")
        key = self._issuers.get(issuer, {}).get(kid)
        if key is None or key.algorithm_name != algorithm:
            raise Untrusted("no trusted key for this issuer, key id and algorithm")
        try:
            checked = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=audience,
                issuer=issuer,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as exc:
            raise Untrusted(f"token refused ({type(exc).__name__})") from None
        jti = checked["jti"]
        if not isinstance(jti, str) or not jti:
            raise Untrusted("jti must be a non-empty string")
        if not self._replays.first_use(issuer, jti, float(checked["exp"])):
            raise Untrusted("jti seen before")
        return issuer
