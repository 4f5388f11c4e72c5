"""Reading and bounding one CDS Hooks request: size, time, JSON, shape.

Every fault here is the caller's and answers 400 (413 over the size limit,
408 for a body that does not arrive in time), naming the element, never its
value.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request

from .._json import load_text, unique_keys
from ..errors import InvalidInputError
from ._orders import OrderReader

MAX_BODY_BYTES: Final = 1024 * 1024
BODY_SECONDS: Final = 10.0
"""The whole body must arrive within this time (a slow client holds no worker longer)."""
MAX_DEPTH: Final = 64
FHIR_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")


class BadRequest(Exception):
    """A request the service cannot read; the message names the element, never its value."""


class Unobtainable(Exception):
    """Data the service requires (the patient) can be had neither from prefetch nor the server."""


def _depth_ok(data: object) -> bool:
    """Whether parsed JSON nests at most MAX_DEPTH levels. JSON gives dicts and lists only,
    so exact type tests (an ABC's isinstance cost a fifth of a request's time)."""
    level: list[object] = [data]
    for _ in range(MAX_DEPTH):
        deeper: list[object] = []
        for item in level:
            if type(item) is dict:
                deeper.extend(item.values())
            elif type(item) is list:
                deeper.extend(item)
        if not deeper:
            return True
        level = deeper
    return False


async def read_body(request: Request, seconds: float = BODY_SECONDS) -> Any:
    """The JSON body: refused over the size limit before it is read whole, or when it does not
    arrive within ``seconds``; duplicate keys, NaN and deep nesting refused."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise HTTPException(413 if declared.isdigit() else 400)
    chunks, size = [], 0
    try:
        async with asyncio.timeout(seconds):
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise HTTPException(413)
                chunks.append(chunk)
    except TimeoutError:
        raise HTTPException(408) from None
    except ClientDisconnect:
        raise HTTPException(400) from None  # no one is left to read the answer
    try:
        data = load_text(b"".join(chunks), "body", MAX_BODY_BYTES, unique_keys)
    except InvalidInputError as error:
        raise BadRequest(f"the body is not valid JSON: {error.rule}") from None
    if not _depth_ok(data):
        raise BadRequest(f"the body is nested deeper than {MAX_DEPTH} levels")
    return data


def field_of(data: Mapping[str, Any], name: str, kind: type, where: str) -> Any:
    value = data.get(name)
    if not isinstance(value, kind):
        raise BadRequest(f"{where}{name} is missing or not a {kind.__name__}")
    return value


Identifiers = frozenset[tuple[str, str]]
"""A resource's identifiers as (system, value) pairs."""


@dataclass
class HookCall:
    """One hook request, read: the baricitinib orders and what the EHR sent about the patient."""

    service: str
    hook_instance: str
    patient_id: str
    orders: list[tuple[str, Mapping[str, Any]]]
    reader: OrderReader
    prefetch: dict[str, Any] = field(default_factory=dict)
    """Keys as sent: a present ``None`` means the EHR has no such data."""
    server: object = None
    access_token: str | None = None
    tied_by_identifier: list[tuple[str, frozenset[tuple[str, str]]]] = field(default_factory=list)
    """Draft orders whose subject is a Patient entry of draftOrders known only by identifiers:
    where the order is, and the entry's (system, value) pairs, one of which the patient must
    have."""


def identifiers(resource: Mapping[str, Any]) -> Identifiers:
    """A resource's identifiers that name both a system and a value."""
    found = resource.get("identifier")
    return frozenset(
        (item["system"], item["value"])
        for item in (found if isinstance(found, list) else [])
        if isinstance(item, Mapping)
        and isinstance(item.get("system"), str)
        and isinstance(item.get("value"), str)
    )


def _subject_is(
    order: Mapping[str, Any], patient_id: str, bundled: Mapping[str, Mapping[str, Any]]
) -> bool | Identifiers:
    """Whether the order's subject is ``context.patientId``: a reference to it, or to a Patient
    entry of draftOrders (by ``fullUrl``, e.g. ``urn:uuid:``) with that id; for an entry
    without that id, its identifiers, which the patient's must share."""
    subject = order.get("subject")
    if subject is None:
        return True
    reference = subject.get("reference") if isinstance(subject, Mapping) else None
    if not isinstance(reference, str):
        return False
    path = reference.split("/_history/")[0]
    if path == f"Patient/{patient_id}" or path.endswith(f"/Patient/{patient_id}"):
        return True
    entry = bundled.get(reference, bundled.get(path))
    if entry is None or entry.get("resourceType") != "Patient":
        return False
    if entry.get("id") == patient_id:
        return True
    return (entry.get("id") is None and identifiers(entry)) or False


def read_hook(service: str, hook: str, body: Any, site_codes: Any) -> HookCall:
    """The request checked against the CDS Hooks 2.0 shape and this service's hook."""
    if not isinstance(body, Mapping):
        raise BadRequest("the body must be a JSON object")
    given = field_of(body, "hook", str, "")
    if given != hook:
        raise BadRequest("hook is not this service's hook")
    instance = field_of(body, "hookInstance", str, "")
    if len(instance) > 128 or not instance.isprintable():
        raise BadRequest("hookInstance must be a short printable identifier")
    context = field_of(body, "context", dict, "")
    patient_id = field_of(context, "patientId", str, "context.")
    if not FHIR_ID.fullmatch(patient_id):
        raise BadRequest("context.patientId is not a FHIR id")
    drafts = field_of(context, "draftOrders", dict, "context.")
    entries = drafts.get("entry", [])
    if not isinstance(entries, list):
        raise BadRequest("context.draftOrders.entry is not a list")
    bundled: dict[str, Mapping[str, Any]] = {}
    resources = []
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if not isinstance(resource, Mapping):
            continue
        resources.append(resource)
        if isinstance(resource.get("id"), str):
            bundled[f"{resource.get('resourceType')}/{resource['id']}"] = resource
        if isinstance(entry.get("fullUrl"), str):
            bundled[entry["fullUrl"]] = resource
    reader = OrderReader(site_codes, bundled)
    tied_by_identifier = []
    for index, resource in enumerate(resources):
        if resource.get("resourceType") != "MedicationRequest":
            continue
        tied = _subject_is(resource, patient_id, bundled)
        where = f"draftOrders.entry[{index}].subject"
        if not tied:
            raise BadRequest(f"{where} cannot be tied to context.patientId")
        if isinstance(tied, frozenset):
            tied_by_identifier.append((where, tied))
    orders = [
        (f"draftOrders.entry[{i}]", r) for i, r in enumerate(resources) if reader.is_baricitinib(r)
    ]
    selections = context.get("selections")
    if isinstance(selections, list) and selections:
        orders = [
            (key, order)
            for key, order in orders
            if f"MedicationRequest/{order.get('id')}" in selections
        ]
    prefetch = body.get("prefetch", {})
    if prefetch is None:
        prefetch = {}
    if not isinstance(prefetch, Mapping):
        raise BadRequest("prefetch is not an object")
    for key, value in prefetch.items():
        if value is not None and not isinstance(value, Mapping):
            raise BadRequest(f"prefetch.{str(key)[:40]} is neither a FHIR resource nor null")
    authorization = body.get("fhirAuthorization")
    token = authorization.get("access_token") if isinstance(authorization, Mapping) else None
    if token is not None and (not isinstance(token, str) or not token.isprintable()):
        raise BadRequest("fhirAuthorization.access_token is not a printable string")
    return HookCall(
        service=service,
        hook_instance=instance,
        patient_id=patient_id,
        orders=orders,
        reader=reader,
        prefetch=dict(prefetch),
        server=body.get("fhirServer"),
        access_token=token,
        tied_by_identifier=tied_by_identifier,
    )
