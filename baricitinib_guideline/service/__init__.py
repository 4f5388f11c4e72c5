"""A CDS Hooks 2.0 service (optional extra ``service``): baricitinib dose advice in the EHR.

``create_app()`` builds the ASGI app (Starlette); ``baricitinib-guideline serve``
runs it with uvicorn. Two services: ``baricitinib-order-select`` (hook
``order-select``, advice while the order is drafted) and
``baricitinib-order-sign`` (hook ``order-sign``, the check before signing).
The service is stateless but for the replay guard of token ids, which each
worker keeps for itself; it logs no patient data.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import api, fhir
from ..errors import InvalidInputError
from ..knowledge import KNOWLEDGE_VERSION
from ..knowledge import codes as c
from ._cards import dose_card, is_baricitinib, missing_card
from ._trust import Untrusted, Verifier, load_issuers

__all__ = ["MAX_BODY_BYTES", "SERVICES", "app_from_environment", "create_app"]

MAX_BODY_BYTES: Final = 1024 * 1024
FHIR_TIMEOUT_SECONDS: Final = 5.0
LOG: Final = logging.getLogger("baricitinib_guideline.service")


def _codes(name: str) -> str:
    return ",".join(f"{code.system}|{code.code}" for code in c.OBSERVATIONS[name])


_PATIENT: Final = "{{context.patientId}}"
PREFETCH: Final[dict[str, str]] = {
    "patient": f"Patient/{_PATIENT}",
    "weight": f"Observation?patient={_PATIENT}&code={_codes('weight')}&_sort=-date&_count=1",
    "labs": f"Observation?patient={_PATIENT}&code={_codes('neutrophils')},{_codes('lymphocytes')},"
    f"{_codes('haemoglobin')}&_sort=-date",
    "renal": f"Observation?patient={_PATIENT}&code={_codes('creatinine_clearance')},"
    f"{_codes('egfr')}&_sort=-date",
    "conditions": f"Condition?patient={_PATIENT}",
    "medications": f"MedicationRequest?patient={_PATIENT}&status=active,on-hold",
    "pregnancy": f"Observation?patient={_PATIENT}&code={_codes('pregnancy')}&_sort=-date&_count=1",
}
SERVICES: Final[dict[str, dict[str, Any]]] = {
    "baricitinib-order-select": {
        "hook": "order-select",
        "title": "Baricitinib dose (EuroGuiDerm atopic eczema guideline)",
        "description": "While a baricitinib order is drafted: the guideline's and the licence's "
        "dose for this patient, with reasons and sources, and a suggestion when the ordered "
        "dose differs.",
        "id": "baricitinib-order-select",
        "prefetch": PREFETCH,
    },
    "baricitinib-order-sign": {
        "hook": "order-sign",
        "title": "Baricitinib check before signing (EuroGuiDerm atopic eczema guideline)",
        "description": "Before a baricitinib order is signed: stops (contraindications, "
        "licence limits) and a dose above the recommended one are flagged.",
        "id": "baricitinib-order-sign",
        "prefetch": PREFETCH,
    },
}


class BadRequest(Exception):
    """A request the service cannot read; the message names the element, never its value."""


def outcome(status: int, code: str, text: str) -> JSONResponse:
    """A FHIR OperationOutcome response."""
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": text}],
    }
    return JSONResponse(body, status_code=status, media_type="application/fhir+json")


async def _body(request: Request) -> Any:
    """The JSON body, refusing anything over the limit before it is read whole."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise HTTPException(413 if declared.isdigit() else 400)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise HTTPException(413)
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks))
    except (ValueError, RecursionError):
        raise BadRequest("the body is not valid JSON") from None


def _field(data: Mapping[str, Any], name: str, kind: type, where: str) -> Any:
    value = data.get(name)
    if not isinstance(value, kind):
        raise BadRequest(f"{where}{name} is missing or not a {kind.__name__}")
    return value


class _Advice:
    """Turns one hook request into cards."""

    def __init__(self, today: Callable[[], dt.date]) -> None:
        self.today = today

    async def cards(self, service: str, body: Any) -> list[dict[str, Any]]:
        if not isinstance(body, Mapping):
            raise BadRequest("the body must be a JSON object")
        hook = _field(body, "hook", str, "")
        if hook != SERVICES[service]["hook"]:
            raise BadRequest(f"hook {hook[:40]!r} is not this service's hook")
        instance = _field(body, "hookInstance", str, "")
        context = _field(body, "context", dict, "")
        patient_id = _field(context, "patientId", str, "context.")
        drafts = _field(context, "draftOrders", dict, "context.")
        entries = drafts.get("entry", [])
        if not isinstance(entries, list):
            raise BadRequest("context.draftOrders.entry is not a list")
        orders: list[tuple[str, Mapping[str, Any]]] = [
            (f"draftOrders.entry[{i}]", e["resource"])
            for i, e in enumerate(entries)
            if isinstance(e, Mapping) and is_baricitinib(e.get("resource"))
        ]
        selections = context.get("selections")
        if isinstance(selections, list) and selections:
            orders = [
                (key, order)
                for key, order in orders
                if f"MedicationRequest/{order.get('id')}" in selections
            ]
        if not orders:
            return []
        prefetch = body.get("prefetch") or {}
        if not isinstance(prefetch, Mapping):
            raise BadRequest("prefetch is not an object")
        prefetch = dict(prefetch)
        problem = await self._complete(prefetch, body, patient_id)
        if problem is not None:
            what, why = problem
            return [
                missing_card(what, why, service=service, hook_instance=instance, key=key)
                for key, _ in orders
            ]
        try:
            reading = fhir.read_patient(self._resources(prefetch), on=self.today())
        except InvalidInputError as error:
            why = f"The patient record could not be read: {error.field} ({error.rule})."
            return [
                missing_card(
                    "the patient record cannot be read",
                    why,
                    service=service,
                    hook_instance=instance,
                    key=key,
                )
                for key, _ in orders
            ]
        result = api.recommend(reading.patient)
        cards = []
        for key, order in orders:
            try:
                cards.append(
                    dose_card(order, key, result, reading, service=service, hook_instance=instance)
                )
            except InvalidInputError as error:
                why = f"The order's dose could not be read: {error.field}."
                cards.append(
                    missing_card(
                        "the ordered dose cannot be read",
                        why,
                        service=service,
                        hook_instance=instance,
                        key=key,
                    )
                )
        return cards

    async def _complete(
        self, prefetch: dict[str, Any], body: Mapping[str, Any], patient_id: str
    ) -> tuple[str, str] | None:
        """Fetch missing prefetch from the EHR's FHIR server when one is given."""
        missing = [key for key in PREFETCH if prefetch.get(key) is None]
        server, authorization = body.get("fhirServer"), body.get("fhirAuthorization")
        if "patient" in missing and not isinstance(server, str):
            return (
                "patient data not provided",
                "The request has no `prefetch.patient` and no `fhirServer` to fetch it from, "
                "so no dose is given. Send the prefetch this service lists in its discovery.",
            )
        if not missing or not isinstance(server, str):
            return None
        import httpx

        headers = {"Accept": "application/fhir+json"}
        if isinstance(authorization, Mapping) and isinstance(
            authorization.get("access_token"), str
        ):
            headers["Authorization"] = f"Bearer {authorization['access_token']}"
        base = server.rstrip("/")
        async with httpx.AsyncClient(timeout=FHIR_TIMEOUT_SECONDS, headers=headers) as client:
            for key in missing:
                query = PREFETCH[key].replace(_PATIENT, patient_id)
                try:
                    response = await client.get(f"{base}/{query}")
                    response.raise_for_status()
                    prefetch[key] = response.json()
                except (httpx.HTTPError, ValueError):
                    return (
                        f"{key} could not be fetched",
                        f"The FHIR server did not return `{key}`, so no dose is given.",
                    )
        return None

    @staticmethod
    def _resources(prefetch: Mapping[str, Any]) -> list[Any]:
        """The patient and every resource of the prefetch, each once (searches overlap)."""
        resources: list[Any] = [prefetch["patient"]]
        for key in PREFETCH:
            found = prefetch.get(key)
            if key == "patient" or not isinstance(found, Mapping):
                continue
            if found.get("resourceType") == "Bundle":
                entries = found.get("entry", [])
                if isinstance(entries, list):
                    resources += [e.get("resource") for e in entries if isinstance(e, Mapping)]
            else:
                resources.append(found)
        seen: set[tuple[object, object]] = set()
        unique = []
        for resource in resources:
            if isinstance(resource, Mapping) and resource.get("id") is not None:
                identity = (resource.get("resourceType"), resource.get("id"))
                if identity in seen:
                    continue
                seen.add(identity)
            unique.append(resource)
        return unique


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
        where = f"feedback[{index}]."
        if not isinstance(item, Mapping):
            raise BadRequest(f"{where[:-1]} is not an object")
        card = _field(item, "card", str, where)
        result = _field(item, "outcome", str, where)
        if result not in ("accepted", "overridden"):
            raise BadRequest(f"{where}outcome must be accepted or overridden")
        _field(item, "outcomeTimestamp", str, where)
        reason = item.get("overrideReason")
        code = None
        if reason is not None:
            if result != "overridden" or not isinstance(reason, Mapping):
                raise BadRequest(f"{where}overrideReason belongs to an overridden card")
            coding = reason.get("reason")
            code = coding.get("code") if isinstance(coding, Mapping) else None
        logged.append({"card": card, "outcome": result, "overrideReason": code})
    return logged


def create_app(
    *,
    trusted_issuers: str | Path | Mapping[str, Any] | None = None,
    allow_unauthenticated: bool = False,
    cors_origins: Iterable[str] = (),
    public_base_url: str | None = None,
    today: Callable[[], dt.date] | None = None,
) -> Starlette:
    """The ASGI app.

    ``trusted_issuers`` (a file or its mapping) lists the CDS clients whose
    signed tokens are accepted; without it ``allow_unauthenticated`` must be
    set, for local trials only. ``public_base_url`` is the service's address
    as clients call it (behind a reverse proxy), the audience tokens must
    name. ``today`` gives the decision date (default: the current UTC date).
    """
    if trusted_issuers is None and not allow_unauthenticated:
        raise ValueError("give trusted_issuers, or allow_unauthenticated=True for local trials")
    verifier = None if trusted_issuers is None else Verifier(load_issuers(trusted_issuers))
    advice = _Advice(today or (lambda: dt.datetime.now(dt.UTC).date()))

    def trusted(request: Request) -> bool:
        if verifier is None:
            return True
        base = (
            public_base_url.rstrip("/") if public_base_url else str(request.base_url).rstrip("/")
        )
        audience = base + request.url.path
        try:
            verifier.verify(request.headers.get("authorization"), audience)
        except Untrusted as refusal:
            LOG.warning(
                json.dumps(
                    {"event": "cds-unauthorized", "path": request.url.path, "why": str(refusal)}
                )
            )
            return False
        return True

    def refused() -> JSONResponse:
        return outcome(401, "security", "the request is not authorised")

    async def discovery(request: Request) -> Response:
        if not trusted(request):
            return refused()
        return JSONResponse({"services": list(SERVICES.values())})

    async def guarded(request: Request) -> tuple[str, Any] | Response:
        """The service's name and the request body, or the error response that stops it."""
        name = request.path_params["service"]
        if name not in SERVICES:
            return outcome(404, "not-found", "no such CDS service")
        if not trusted(request):
            return refused()
        try:
            return name, await _body(request)
        except BadRequest as error:
            return outcome(400, "invalid", str(error))

    async def service(request: Request) -> Response:
        checked = await guarded(request)
        if isinstance(checked, Response):
            return checked
        name, body = checked
        try:
            cards = await advice.cards(name, body)
        except BadRequest as error:
            return outcome(400, "invalid", str(error))
        summary = [
            {"indicator": card["indicator"], "topic": card["source"].get("topic", {}).get("code")}
            for card in cards
        ]
        LOG.info(json.dumps({"event": "cds-request", "service": name, "cards": summary}))
        return JSONResponse({"cards": cards})

    async def feedback(request: Request) -> Response:
        checked = await guarded(request)
        if isinstance(checked, Response):
            return checked
        name, body = checked
        try:
            items = _feedback(body)
        except BadRequest as error:
            return outcome(400, "invalid", str(error))
        LOG.info(json.dumps({"event": "cds-feedback", "service": name, "feedback": items}))
        return Response(status_code=200)

    async def http_error(request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, HTTPException) else 500
        words = {
            404: ("not-found", "not found"),
            405: ("not-supported", "method not allowed"),
            413: ("too-costly", f"the body is larger than {MAX_BODY_BYTES} bytes"),
            400: ("invalid", "the request cannot be read"),
        }
        code, text = words.get(status, ("exception", "the request failed"))
        return outcome(status, code, text)

    async def server_error(request: Request, error: Exception) -> Response:
        LOG.error(
            json.dumps(
                {"event": "cds-error", "path": request.url.path, "error": type(error).__name__}
            )
        )
        return outcome(500, "exception", "internal error")

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
    return Starlette(
        routes=[
            Route("/cds-services", discovery, methods=["GET"]),
            Route("/cds-services/{service}", service, methods=["POST"]),
            Route("/cds-services/{service}/feedback", feedback, methods=["POST"]),
        ],
        middleware=middleware,
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )


ENVIRONMENT: Final = "BARICITINIB_GUIDELINE_"


def app_from_environment() -> Starlette:
    """The app configured from environment variables, for ``uvicorn --factory --workers N``.

    ``BARICITINIB_GUIDELINE_TRUSTED_ISSUERS`` (a file) or
    ``BARICITINIB_GUIDELINE_ALLOW_UNAUTHENTICATED=1``; optional
    ``BARICITINIB_GUIDELINE_CORS_ORIGINS`` (comma-separated) and
    ``BARICITINIB_GUIDELINE_PUBLIC_BASE_URL``. Fails closed like ``serve``.
    """
    import os

    def setting(name: str) -> str | None:
        return os.environ.get(ENVIRONMENT + name) or None

    origins = setting("CORS_ORIGINS")
    return create_app(
        trusted_issuers=setting("TRUSTED_ISSUERS"),
        allow_unauthenticated=setting("ALLOW_UNAUTHENTICATED") == "1",
        cors_origins=[o.strip() for o in origins.split(",")] if origins else (),
        public_base_url=setting("PUBLIC_BASE_URL"),
    )


def serve(argv: list[str]) -> int:
    """``baricitinib-guideline serve``: run the service with uvicorn; fail closed."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="baricitinib-guideline serve", description=f"CDS Hooks service ({KNOWLEDGE_VERSION})."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    trust = parser.add_mutually_exclusive_group()
    trust.add_argument(
        "--trusted-issuers",
        metavar="FILE",
        help="JSON file of trusted CDS clients and their public keys",
    )
    trust.add_argument(
        "--allow-unauthenticated", action="store_true", help="no token checks: local trials only"
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        help="a browser origin allowed to call (repeatable)",
    )
    parser.add_argument(
        "--public-base-url", help="the address clients call, e.g. behind a reverse proxy"
    )
    args = parser.parse_args(argv)
    if args.trusted_issuers is None and not args.allow_unauthenticated:
        print(
            "baricitinib-guideline serve: error: give --trusted-issuers FILE (or --allow-unauthenticated for local trials)",
            file=sys.stderr,
        )
        return 2
    try:
        app = create_app(
            trusted_issuers=args.trusted_issuers,
            allow_unauthenticated=args.allow_unauthenticated,
            cors_origins=args.cors_origin,
            public_base_url=args.public_base_url,
        )
    except (OSError, ValueError) as error:
        print(f"baricitinib-guideline serve: error: {error}", file=sys.stderr)
        return 2
    if args.allow_unauthenticated:
        print(
            "baricitinib-guideline serve: WARNING: no client authentication; for local trials only",
            file=sys.stderr,
        )
    import uvicorn

    uvicorn.run(app, host=args.host, port=args.port)
    return 0
