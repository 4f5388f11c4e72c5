"""Calls to the EHR's FHIR server (``fhirServer``): bounded in size and time, every part encoded.

Only the searches the service lists in its discovery are made. Each path
segment and query value is percent-encoded (a ``patientId`` never becomes
part of a path or a second query), the whole gathering has one deadline, and
each answer is read only up to a size limit. A plain ``http`` server is
called only on a loopback address: the EHR's access token goes with every call.
"""

from __future__ import annotations

import asyncio
import ipaddress
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .._json import load_text, unique_keys
from ..errors import InvalidInputError
from ..knowledge import codes as c

MAX_UPSTREAM_BYTES: Final = 8 * 1024 * 1024
"""The most read from the FHIR server for one key (one answer, or all pages of a search)."""
FHIR_DEADLINE_SECONDS: Final = 10.0
"""All calls of one request together; a server slower than this gives no dose."""
CONNECT_SECONDS: Final = 3.0
MAX_PAGES: Final = 20
"""The most pages of one search result followed; a longer result gives no dose."""
LATEST_COUNT: Final = "50"
"""The newest results asked for in one search of several kinds of result (labs, renal)."""


def _codes(name: str) -> str:
    return ",".join(f"{code.system}|{code.code}" for code in c.OBSERVATIONS[name])


_LABS: Final = ",".join(_codes(n) for n in ("neutrophils", "lymphocytes", "haemoglobin"))
_RENAL: Final = ",".join(_codes(n) for n in ("creatinine_clearance", "egfr"))
# key -> (resource type, search parameters); ``None`` parameters: a read of the patient.
SEARCHES: Final[Mapping[str, tuple[str, tuple[tuple[str, str], ...] | None]]] = {
    "patient": ("Patient", None),
    "weight": ("Observation", (("code", _codes("weight")), ("_sort", "-date"), ("_count", "1"))),
    "labs": ("Observation", (("code", _LABS), ("_sort", "-date"), ("_count", LATEST_COUNT))),
    "renal": ("Observation", (("code", _RENAL), ("_sort", "-date"), ("_count", LATEST_COUNT))),
    "conditions": ("Condition", ()),
    "medications": ("MedicationRequest", (("status", "active,on-hold"),)),
    "pregnancy": (
        "Observation",
        (("code", _codes("pregnancy")), ("_sort", "-date"), ("_count", "1")),
    ),
}
FIRST_PAGE_ONLY: Final = frozenset(
    key for key, (_, params) in SEARCHES.items() if params and dict(params).get("_count")
)
"""Searches for the newest results, bounded by ``_count``: their first page is what was asked
for, and a ``next`` link on it is not followed."""
EVERY_PAGE: Final = (
    frozenset(key for key, (_, params) in SEARCHES.items() if params is not None) - FIRST_PAGE_ONLY
)
"""Searches where every result counts (the problem list, the medicines): all pages are read."""
PATIENT_TEMPLATE: Final = "{{context.patientId}}"


def prefetch_templates() -> dict[str, str]:
    """The discovery's prefetch templates, written from the same searches the service makes."""
    templates = {}
    for key, (kind, params) in SEARCHES.items():
        if params is None:
            templates[key] = f"{kind}/{PATIENT_TEMPLATE}"
        else:
            query = "&".join(
                f"{name}={value}" for name, value in (("patient", PATIENT_TEMPLATE), *params)
            )
            templates[key] = f"{kind}?{query}"
    return templates


class BadServer(ValueError):
    """``fhirServer`` is not a URL the service will call; the message says why."""


@dataclass(frozen=True)
class Fetched:
    """One key's data, or why it could not be had (``data`` is then ``None``)."""

    data: object
    failure: str | None = None
    size: int = 0
    """Bytes read."""


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def server_base(server: object) -> str:
    """The FHIR base URL, checked: https (http only on loopback), a host, no query or
    credentials, no control characters."""
    if not isinstance(server, str) or not server or len(server) > 2048:
        raise BadServer("fhirServer must be a URL")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in server):
        raise BadServer("fhirServer contains spaces or control characters")
    try:
        parts = urllib.parse.urlsplit(server)
        host = parts.hostname
        parts.port  # noqa: B018 -- raises on a port that is not a number
    except ValueError:
        raise BadServer("fhirServer is not a valid URL") from None
    if parts.scheme not in ("https", "http") or not host:
        raise BadServer("fhirServer must be an http(s) URL with a host")
    if parts.scheme == "http" and not _loopback(host):
        raise BadServer("fhirServer must use https (plain http only on loopback)")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise BadServer("fhirServer must not carry credentials, a query or a fragment")
    return server.rstrip("/")


def url_for(base: str, key: str, patient_id: str) -> str:
    """The URL of one search, each part percent-encoded."""
    kind, params = SEARCHES[key]
    if params is None:
        return f"{base}/{kind}/{urllib.parse.quote(patient_id, safe='')}"
    query = urllib.parse.urlencode((("patient", patient_id), *params), safe=",|")
    return f"{base}/{kind}?{query}"


async def _get(client: Any, url: str) -> Fetched:
    import httpx

    try:
        async with client.stream("GET", url) as response:
            if response.status_code != 200:
                return Fetched(None, f"the FHIR server answered {response.status_code}")
            declared = response.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > MAX_UPSTREAM_BYTES:
                return Fetched(
                    None, f"the FHIR server's answer is over {MAX_UPSTREAM_BYTES} bytes"
                )
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_UPSTREAM_BYTES:
                    return Fetched(
                        None, f"the FHIR server's answer is over {MAX_UPSTREAM_BYTES} bytes"
                    )
                chunks.append(chunk)
    except httpx.HTTPError as error:
        return Fetched(None, f"the FHIR server could not be reached ({type(error).__name__})")
    try:
        text = b"".join(chunks)
        return Fetched(load_text(text, "fhirServer", MAX_UPSTREAM_BYTES, unique_keys), size=size)
    except InvalidInputError as error:
        return Fetched(None, f"the FHIR server's answer is not valid JSON ({error.rule})")


def next_page(bundle: Mapping[str, Any]) -> str | None:
    """The ``next`` link of a search result page (``""`` when it is not a string), or ``None``."""
    links = bundle.get("link")
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, Mapping) and link.get("relation") == "next":
            url = link.get("url")
            return url if isinstance(url, str) else ""
    return None


async def _follow(client: Any, base: str, first: Mapping[str, Any], size: int) -> Fetched:
    """A search result page and every page after it, following ``next`` links only on the
    same server, at most :data:`MAX_PAGES` pages in all."""
    entries = list(first.get("entry") or [])
    page, count = first, 1
    while (following := next_page(page)) is not None:
        if not following.startswith(base + "/") and not following.startswith(base + "?"):
            return Fetched(None, "the FHIR server's next page is not on that server")
        count += 1
        if count > MAX_PAGES:
            return Fetched(None, f"the search has more than {MAX_PAGES} pages")
        got = await _get(client, following)
        if got.failure or not isinstance(got.data, Mapping):
            return Fetched(None, got.failure or "a next page is not a Bundle")
        size += got.size
        if size > MAX_UPSTREAM_BYTES:
            return Fetched(None, f"the search's pages are over {MAX_UPSTREAM_BYTES} bytes")
        page = got.data
        entries += list(page.get("entry") or [])
    if count == 1:
        return Fetched(first, size=size)
    return Fetched({**first, "entry": entries, "link": []}, size=size)


async def _search(client: Any, base: str, key: str, url: str) -> Fetched:
    """A read, the first page of a bounded search, or every page of any other search (a
    pregnancy on the problem list may be on page 2)."""
    first = await _get(client, url)
    if first.failure or not isinstance(first.data, Mapping) or key not in EVERY_PAGE:
        return first
    if first.data.get("resourceType") != "Bundle":
        return first
    return await _follow(client, base, first.data, first.size)


async def fetch(
    base: str,
    keys: list[str],
    patient_id: str,
    access_token: str | None,
    deadline: float = FHIR_DEADLINE_SECONDS,
    rest_of: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Fetched]:
    """Each key searched on the FHIR server, and for each key of ``rest_of`` (a first page the
    EHR sent) the pages after it, all within one deadline."""
    import httpx

    headers = {"Accept": "application/fhir+json"}
    if access_token is not None:
        headers["Authorization"] = f"Bearer {access_token}"
    timeout = httpx.Timeout(deadline, connect=min(CONNECT_SECONDS, deadline))
    found: dict[str, Fetched] = {}
    continued = dict(rest_of or {})
    async with httpx.AsyncClient(
        timeout=timeout, headers=headers, follow_redirects=False, trust_env=False
    ) as client:
        try:
            async with asyncio.timeout(deadline):
                for key in keys:
                    found[key] = await _search(client, base, key, url_for(base, key, patient_id))
                for key, first in continued.items():
                    found[key] = await _follow(client, base, first, 0)
        except TimeoutError:
            late = f"the FHIR server did not answer within {deadline:g} s"
            for key in [*keys, *continued]:
                found.setdefault(key, Fetched(None, late))
    return found
