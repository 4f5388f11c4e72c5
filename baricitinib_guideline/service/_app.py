"""The ASGI app: routes wired to module-level handlers that use the app's settings.

A hook call goes: read and bound the request (``_request``) -> authenticate
(``_trust``) -> gather data, read the patient, decide, build cards
(``_advice``). Unauthenticated calls learn nothing, not even whether a
service of that name exists.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ._advice import cards
from ._fetch import FHIR_DEADLINE_SECONDS, prefetch_templates
from ._orders import MedicationCode, load_medication_codes
from ._replay import StoreUnavailable, replay_store
from ._request import BODY_SECONDS, MAX_BODY_BYTES, BadRequest, Unobtainable, read_body, read_hook
from ._trust import Untrusted, Verifier, load_issuers

LOG: Final = logging.getLogger("baricitinib_guideline.service")
RETRY_AFTER_SECONDS: Final = 1
"""Told to a caller whose token could not be checked against the replay store in time."""
ALL_METHODS: Final = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


def _frozen(service: dict[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType({**service, "prefetch": MappingProxyType(prefetch_templates())})


SERVICES: Final[Mapping[str, Mapping[str, Any]]] = MappingProxyType(
    {
        "baricitinib-order-select": _frozen(
            {
                "hook": "order-select",
                "title": "Baricitinib dose (EuroGuiDerm atopic eczema guideline)",
                "description": "While a baricitinib order is drafted: the guideline's and the "
                "licence's dose for this patient, with reasons and sources, and a suggestion "
                "when the ordered dose or regimen differs.",
                "id": "baricitinib-order-select",
            }
        ),
        "baricitinib-order-sign": _frozen(
            {
                "hook": "order-sign",
                "title": "Baricitinib check before signing (EuroGuiDerm atopic eczema guideline)",
                "description": "Before a baricitinib order is signed: stops (contraindications, "
                "licence limits) and a daily amount above the recommended one are flagged.",
                "id": "baricitinib-order-sign",
            }
        ),
    }
)
"""The services of the discovery answer (read-only)."""


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Settings:
    verifier: Verifier | None
    today: Callable[[], dt.date]
    medication_codes: tuple[MedicationCode, ...]
    body_seconds: float = BODY_SECONDS
    fhir_deadline_seconds: float = FHIR_DEADLINE_SECONDS


def outcome(status: int, code: str, text: str) -> JSONResponse:
    """A FHIR OperationOutcome response."""
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": text}],
    }
    return JSONResponse(body, status_code=status, media_type="application/fhir+json")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _trusted(request: Request) -> Response | None:
    """``None`` when the caller is trusted; else the 401 (the log says why, the caller not)."""
    verifier = _settings(request).verifier
    if verifier is None:
        return None
    try:
        await verifier.verify(request.headers.get("authorization"), request.url.path)
    except StoreUnavailable as busy:
        # Neither accepted nor refused: the token was not recorded, so it may come again.
        LOG.warning(
            json.dumps(
                {"event": "cds-replay-store", "path": request.url.path[:100], "why": str(busy)}
            )
        )
        unavailable = outcome(503, "transient", "the service is busy; try again")
        unavailable.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return unavailable
    except Untrusted as refusal:
        LOG.warning(
            json.dumps(
                {"event": "cds-unauthorized", "path": request.url.path[:100], "why": str(refusal)}
            )
        )
        return outcome(401, "security", "the request is not authorised")
    return None


async def discovery(request: Request) -> Response:
    refused = await _trusted(request)
    if refused is not None:
        return refused
    return JSONResponse({"services": [_plain(s) for s in SERVICES.values()]})


async def _service_call(request: Request) -> tuple[str, Any] | Response:
    """Authenticate first, then the service and method, then the body."""
    refused = await _trusted(request)
    if refused is not None:
        return refused
    name = request.path_params["service"]
    if name not in SERVICES:
        return outcome(404, "not-found", "no such CDS service")
    if request.method != "POST":
        return outcome(405, "not-supported", "method not allowed")
    try:
        return name, await read_body(request, _settings(request).body_seconds)
    except BadRequest as error:
        return outcome(400, "invalid", str(error))


async def service(request: Request) -> Response:
    checked = await _service_call(request)
    if isinstance(checked, Response):
        return checked
    name, body = checked
    settings = _settings(request)
    try:
        call = read_hook(name, SERVICES[name]["hook"], body, settings.medication_codes)
        found = await cards(
            call, settings.today(), settings.medication_codes, settings.fhir_deadline_seconds
        )
    except BadRequest as error:
        return outcome(400, "invalid", str(error))
    except Unobtainable as error:
        LOG.info(json.dumps({"event": "cds-request", "service": name, "status": 412}))
        return outcome(412, "not-found", str(error))
    summary = [
        {"indicator": card["indicator"], "topic": card["source"].get("topic", {}).get("code")}
        for card in found
    ]
    LOG.info(json.dumps({"event": "cds-request", "service": name, "cards": summary}))
    return JSONResponse({"cards": found})


def _feedback(body: Any) -> list[dict[str, Any]]:
    """The feedback items, checked; what is logged of each (no patient data)."""
    if (
        not isinstance(body, Mapping)
        or not isinstance(body.get("feedback"), list)
        or not body["feedback"]
    ):
        raise BadRequest("feedback must be a non-empty list")
    logged = []
    for index, item in enumerate(body["feedback"]):
        where = f"feedback[{index}]"
        if not isinstance(item, Mapping):
            raise BadRequest(f"{where} is not an object")
        card, result = item.get("card"), item.get("outcome")
        if not isinstance(card, str) or len(card) > 128 or not card.isprintable():
            raise BadRequest(f"{where}.card must be the card's uuid")
        if result not in ("accepted", "overridden"):
            raise BadRequest(f"{where}.outcome must be accepted or overridden")
        if not isinstance(item.get("outcomeTimestamp"), str):
            raise BadRequest(f"{where}.outcomeTimestamp is missing or not a str")
        reason = item.get("overrideReason")
        code = None
        if reason is not None:
            if result != "overridden" or not isinstance(reason, Mapping):
                raise BadRequest(f"{where}.overrideReason belongs to an overridden card")
            coding = reason.get("reason")
            code = coding.get("code") if isinstance(coding, Mapping) else None
            code = code[:64] if isinstance(code, str) else None
        logged.append({"card": card, "outcome": result, "overrideReason": code})
    return logged


async def feedback(request: Request) -> Response:
    checked = await _service_call(request)
    if isinstance(checked, Response):
        return checked
    name, body = checked
    try:
        items = _feedback(body)
    except BadRequest as error:
        return outcome(400, "invalid", str(error))
    LOG.info(json.dumps({"event": "cds-feedback", "service": name, "feedback": items}))
    return Response(status_code=200)


_WORDS: Final = {
    404: ("not-found", "not found"),
    405: ("not-supported", "method not allowed"),
    408: ("timeout", "the body did not arrive in time"),
    413: ("too-costly", f"the body is larger than {MAX_BODY_BYTES} bytes"),
    400: ("invalid", "the request cannot be read"),
}


async def http_error(request: Request, error: Exception) -> Response:
    status = error.status_code if isinstance(error, HTTPException) else 500
    code, text = _WORDS.get(status, ("exception", "the request failed"))
    return outcome(status, code, text)


async def server_error(request: Request, error: Exception) -> Response:
    LOG.error(
        json.dumps(
            {"event": "cds-error", "path": request.url.path[:100], "error": type(error).__name__}
        )
    )
    return outcome(500, "exception", "internal error")


def create_app(
    *,
    trusted_issuers: str | Path | Mapping[str, Any] | None = None,
    allow_unauthenticated: bool = False,
    cors_origins: Iterable[str] = (),
    public_base_url: str | Sequence[str] | None = None,
    replay_store_url: str | None = None,
    medication_codes: str | Path | Mapping[str, Any] | None = None,
    today: Callable[[], dt.date] | None = None,
    jwks_refresh_seconds: float = 60.0,
    jwks_max_age_seconds: float = 3600.0,
    body_seconds: float = BODY_SECONDS,
    fhir_deadline_seconds: float = FHIR_DEADLINE_SECONDS,
) -> Starlette:
    """The ASGI app.

    ``trusted_issuers`` (a file or its mapping) lists the CDS clients whose
    signed tokens are accepted, and then ``public_base_url`` (one URL or
    several) must give the service's address as clients call it: a token's
    audience is that address plus the endpoint path. Without trusted issuers
    ``allow_unauthenticated`` must be set, for local trials only.
    ``replay_store_url`` (``sqlite:///PATH``, ``redis://HOST:PORT``) shares
    seen token ids between workers. ``medication_codes`` (a file or mapping)
    adds a site's codes for baricitinib products. ``today`` gives the
    decision date (default: the current UTC date). ``body_seconds`` bounds the
    time a request body may take to arrive; ``fhir_deadline_seconds`` all calls
    to the EHR's FHIR server for one request; ``jwks_refresh_seconds`` how
    often an issuer's JWKS URL may be fetched again for an unknown key id, and
    ``jwks_max_age_seconds`` after how long a fetched key set is fetched again.
    """
    if trusted_issuers is None and not allow_unauthenticated:
        raise ValueError("give trusted_issuers, or allow_unauthenticated=True for local trials")
    urls = [public_base_url] if isinstance(public_base_url, str) else list(public_base_url or ())
    verifier = None
    if trusted_issuers is not None:
        issuers = load_issuers(trusted_issuers)
        if not urls:
            raise ValueError(
                "with trusted issuers, give the service's public URL (--public-base-url): "
                "a token's audience is never taken from the request"
            )
        verifier = Verifier(
            issuers,
            urls,
            replays=replay_store(replay_store_url),
            jwks_refresh_seconds=jwks_refresh_seconds,
            jwks_max_age_seconds=jwks_max_age_seconds,
        )
    settings = Settings(
        verifier=verifier,
        today=today or (lambda: dt.datetime.now(dt.UTC).date()),
        medication_codes=()
        if medication_codes is None
        else load_medication_codes(medication_codes),
        body_seconds=body_seconds,
        fhir_deadline_seconds=fhir_deadline_seconds,
    )
    middleware = []
    origins = list(cors_origins)
    if origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=origins,
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["Authorization", "Content-Type"],
            )
        )
    app = Starlette(
        routes=[
            Route("/cds-services", discovery, methods=["GET"]),
            Route("/cds-services/", discovery, methods=["GET"]),
            Route("/cds-services/{service}", service, methods=ALL_METHODS),
            Route("/cds-services/{service}/feedback", feedback, methods=ALL_METHODS),
        ],
        middleware=middleware,
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
    app.router.redirect_slashes = False
    app.state.settings = settings
    return app
