"""Trusting CDS clients (CDS Hooks 2.0): a signed JWT from a listed issuer on every call.

The token's issuer and key id pick a public key: one listed in the
trusted-issuers file, or one fetched from a JWKS URL (``jku``) on the
issuer's allow-list, cached, and fetched again (at most once a minute per
issuer) when a key id arrives that the cache does not hold, so rotated keys
work without a restart. Only ES384 and RS384 are accepted (never ``none`` or
HMAC); a JWK without ``alg`` takes it from its ``kty``. The audience is one of
the service's configured public URLs plus the endpoint path, never taken from
the request's headers. ``exp`` and ``iat`` are numbers, ``exp`` in the
future and ``iat`` not (60 s clock skew either way), and a ``jti`` seen before
within the token's lifetime is refused as a replay. Which check failed is
logged, never told to the caller.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import jwt

from .._json import load_file, load_text
from ..errors import InvalidInputError
from ._replay import CLOCK_SKEW_SECONDS, MemoryReplay, ReplayStore

ALGORITHMS: Final = ("ES384", "RS384")
ALGORITHM_OF_KTY: Final = {"RSA": "RS384", "EC": "ES384"}
REQUIRED_CLAIMS: Final = ["iss", "aud", "exp", "iat", "jti"]
MAX_ISSUERS_FILE_BYTES: Final = 1024 * 1024
MAX_JWKS_BYTES: Final = 256 * 1024
JWKS_REFRESH_SECONDS: Final = 60.0
"""At most one fetch of an issuer's JWKS URL in this time, however many unknown key ids."""
JWKS_MAX_AGE_SECONDS: Final = 3600.0
"""A fetched key set is fetched again after this time, so withdrawn keys stop working."""
JWKS_TIMEOUT_SECONDS: Final = 5.0
MAX_JTI_CHARS: Final = 256


class Untrusted(Exception):
    """The request's token does not pass; the message is for the log only."""


def public_key(jwk: object, where: str) -> jwt.PyJWK:
    """A public ES384 or RS384 key from a JWK; ``alg`` optional (taken from ``kty``)."""
    if not isinstance(jwk, Mapping) or not isinstance(jwk.get("kid"), str):
        raise ValueError(f"{where}: every key needs a 'kid'")
    if "d" in jwk:
        raise ValueError(f"{where}: key {jwk['kid']!r} is private; list public keys")
    algorithm = jwk.get("alg", ALGORITHM_OF_KTY.get(str(jwk.get("kty"))))
    if algorithm not in ALGORITHMS:
        raise ValueError(f"{where}: key {jwk['kid']!r} is not for ES384 or RS384")
    if jwk.get("kty") == "EC" and jwk.get("crv") != "P-384":
        raise ValueError(f"{where}: key {jwk['kid']!r} is not on curve P-384 (ES384)")
    try:
        return jwt.PyJWK(dict(jwk), algorithm=algorithm)
    except jwt.PyJWTError as error:
        raise ValueError(f"{where}: key {jwk['kid']!r} cannot be read ({error})") from None


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _jwks_url(url: object, where: str) -> str:
    if not isinstance(url, str):
        raise ValueError(f"{where}: 'jku' must list JWKS URLs")
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        raise ValueError(f"{where}: {url[:80]!r} is not a URL") from None
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and _loopback(parts.hostname):
        return url
    raise ValueError(f"{where}: JWKS URL {url[:80]!r} must be https (plain http only on loopback)")


class Issuer:
    """One trusted issuer: its listed keys and the JWKS URLs it may name in ``jku``."""

    def __init__(self, name: str, keys: dict[str, jwt.PyJWK], jku: tuple[str, ...]) -> None:
        self.name, self.keys, self.jku = name, keys, jku


def load_issuers(source: str | Path | Mapping[str, Any]) -> dict[str, Issuer]:
    """``{"issuers": {iss: {"keys": [JWK, ...], "jku": [URL, ...]}}}`` from a file or mapping."""
    data: Any = source
    if not isinstance(source, Mapping):
        try:
            data = load_file(source, "trusted issuers", MAX_ISSUERS_FILE_BYTES)
        except InvalidInputError as error:
            raise ValueError(f"{Path(source).name}: {error.rule}") from None
    issuers = data.get("issuers") if isinstance(data, Mapping) else None
    if not isinstance(issuers, Mapping) or not issuers:
        raise ValueError('the trusted-issuers file needs {"issuers": {"<iss>": {"keys": [...]}}}')
    found: dict[str, Issuer] = {}
    for name, entry in issuers.items():
        where = f"issuer {name!r}"
        if not isinstance(entry, Mapping):
            raise ValueError(f"{where}: must be an object with 'keys' and/or 'jku'")
        keys, urls = entry.get("keys", []), entry.get("jku", [])
        if not isinstance(keys, list) or not isinstance(urls, list) or not (keys or urls):
            raise ValueError(
                f"{where}: 'keys' (public JWKs) and/or 'jku' (JWKS URLs) must be lists"
            )
        listed = {}
        for jwk in keys:
            key = public_key(jwk, where)
            listed[jwk["kid"]] = key
        found[name] = Issuer(name, listed, tuple(_jwks_url(u, where) for u in urls))
    return found


class _JwksCache:
    """Keys fetched from allowed JWKS URLs. An unknown key id fetches the set again, and so
    does a set older than ``max_age`` (so a key the issuer withdraws stops being accepted);
    either at most once per ``refresh`` seconds. A set that cannot be fetched again is kept."""

    def __init__(self, clock: Callable[[], float], refresh: float, max_age: float) -> None:
        self._keys: dict[str, dict[str, jwt.PyJWK]] = {}
        self._fetched: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._clock = clock
        self._refresh = refresh
        self._max_age = max_age

    def _fresh(self, url: str, kid: str) -> jwt.PyJWK | None:
        last = self._fetched.get(url)
        if last is None or self._clock() - last >= self._max_age:
            return None
        return self._keys.get(url, {}).get(kid)

    async def key(self, issuer: str, url: str, kid: str) -> jwt.PyJWK | None:
        held = self._fresh(url, kid)
        if held is not None:
            return held
        async with self._locks.setdefault(issuer, asyncio.Lock()):
            held = self._fresh(url, kid)
            if held is not None:
                return held
            last = self._fetched.get(url)
            if last is None or self._clock() - last >= self._refresh:
                self._fetched[url] = self._clock()
                fetched = await _fetch_jwks(url)
                if fetched is not None:
                    self._keys[url] = fetched
            return self._keys.get(url, {}).get(kid)


async def _fetch_jwks(url: str) -> dict[str, jwt.PyJWK] | None:
    """The usable keys of a JWKS document; ``None`` when it cannot be had."""
    import httpx

    try:
        async with (
            httpx.AsyncClient(
                timeout=JWKS_TIMEOUT_SECONDS, follow_redirects=False, trust_env=False
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                return None
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_JWKS_BYTES:
                    return None
                chunks.append(chunk)
        document = load_text(b"".join(chunks), "jwks", MAX_JWKS_BYTES)
    except (httpx.HTTPError, InvalidInputError):
        return None
    listed = document.get("keys") if isinstance(document, Mapping) else None
    if not isinstance(listed, list):
        return None
    keys = {}
    for jwk in listed:
        try:
            keys[jwk["kid"]] = public_key(jwk, "jwks")
        except (ValueError, TypeError, KeyError):
            continue  # a key of another kind in the set (e.g. for encryption) is passed over
    return keys


def _number(claims: Mapping[str, Any], name: str) -> None:
    value = claims.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise Untrusted(f"{name} is not a number")


class Verifier:
    """Checks one request's ``Authorization`` header against the trusted issuers."""

    def __init__(
        self,
        issuers: Mapping[str, Issuer],
        public_urls: Sequence[str],
        *,
        replays: ReplayStore | None = None,
        clock: Callable[[], float] = time.time,
        jwks_refresh_seconds: float = JWKS_REFRESH_SECONDS,
        jwks_max_age_seconds: float = JWKS_MAX_AGE_SECONDS,
    ) -> None:
        if not public_urls:
            raise ValueError("the service's public URL is needed to check each token's audience")
        self._issuers = issuers
        self._bases = tuple(url.rstrip("/") for url in public_urls)
        self._clock = clock
        self._replays = replays if replays is not None else MemoryReplay(clock)
        self._jwks = _JwksCache(clock, jwks_refresh_seconds, jwks_max_age_seconds)

    async def _key(self, issuer: Issuer, header: Mapping[str, Any], kid: str) -> jwt.PyJWK:
        jku = header.get("jku")
        if jku is None:
            key = issuer.keys.get(kid)
        elif not isinstance(jku, str) or jku not in issuer.jku:
            raise Untrusted("the token's jku is not on its issuer's list")
        else:
            key = await self._jwks.key(issuer.name, jku, kid)
        if key is None:
            raise Untrusted("no trusted key for this issuer and key id")
        return key

    async def verify(self, authorization: str | None, path: str) -> str:
        """The issuer of a valid token for the endpoint ``path``; raises :class:`Untrusted`."""
        if not authorization or not authorization.startswith("Bearer "):
            raise Untrusted("no bearer token")
        token = authorization[len("Bearer ") :].strip()
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise Untrusted(f"unreadable token ({type(exc).__name__})") from None
        algorithm, kid, name = header.get("alg"), header.get("kid"), claims.get("iss")
        if algorithm not in ALGORITHMS:
            raise Untrusted(f"algorithm {str(algorithm)[:10]!r} is not accepted")
        if not isinstance(name, str) or not isinstance(kid, str):
            raise Untrusted("the token names no issuer or key id")
        for claim in ("exp", "iat", "nbf"):
            _number(claims, claim)
        issuer = self._issuers.get(name)
        if issuer is None:
            raise Untrusted("the issuer is not trusted")
        key = await self._key(issuer, header, kid)
        if key.algorithm_name != algorithm:
            raise Untrusted("the key is not for the token's algorithm")
        audiences = [base + path for base in self._bases]
        try:
            checked = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=audiences,
                issuer=name,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as exc:
            raise Untrusted(f"token refused ({type(exc).__name__})") from None
        jti = checked["jti"]
        if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_CHARS:
            raise Untrusted("jti must be a non-empty string of at most 256 characters")
        # A shared store may wait on its file or server: off the event loop.
        first = await asyncio.to_thread(self._replays.first_use, name, jti, float(checked["exp"]))
        if not first:
            raise Untrusted("jti seen before")
        return name


def describe(issuers: Mapping[str, Issuer]) -> str:
    """The issuers and how many keys and JWKS URLs each has, for the log at start."""
    return json.dumps({n: {"keys": len(i.keys), "jku": len(i.jku)} for n, i in issuers.items()})
