"""From a read hook request to cards: gather data -> read the patient -> decide -> cards.

Prefetch follows CDS Hooks 2.0: a key present with ``null`` means the EHR
has no such data (it is not fetched again); an absent key was not prefetched
(it is fetched from ``fhirServer`` when one is given); an OperationOutcome
in a key means the EHR could not get it (fetched when a server is given).
The patient is required: when it can be had neither way, :class:`Unobtainable`
(HTTP 412). Any other key that could not be had gives a warning card naming
it, never a dose.

A search result may come in pages. The newest-first searches bounded by
``_count`` (weight, labs, renal, pregnancy) are read from their first page,
which is what they ask for. The problem list and the medicines are read to
their last page: pages after a prefetched first page are fetched from
``fhirServer``; without one, the card names what was not read and is at
least a warning.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from .. import api, fhir
from ..errors import InvalidInputError
from ._cards import dose_card, missing_card, unplaced_conditions
from ._fetch import (
    EVERY_PAGE,
    FHIR_DEADLINE_SECONDS,
    SEARCHES,
    BadServer,
    fetch,
    next_page,
    server_base,
)
from ._orders import MedicationCode, UnreadableDose
from ._request import BadRequest, HookCall, Unobtainable, identifiers


def _is_outcome(value: object) -> bool:
    return isinstance(value, Mapping) and value.get("resourceType") == "OperationOutcome"


def _paged(value: object) -> bool:
    """Whether a prefetched value is a search result page with a page after it."""
    return (
        isinstance(value, Mapping)
        and value.get("resourceType") == "Bundle"
        and next_page(value) is not None
    )


async def gather(
    call: HookCall, deadline: float = FHIR_DEADLINE_SECONDS
) -> tuple[dict[str, Any], tuple[str, str] | None, list[str]]:
    """The data of every key (``None`` = none exists), what could not be had, if anything, and
    the keys of which only a first page was sent and the rest could not be asked for.

    Raises :class:`Unobtainable` when the patient cannot be had, :class:`BadRequest` for a
    ``fhirServer`` the service will not call or a Patient that is not ``context.patientId``.
    """
    data = {key: call.prefetch[key] for key in SEARCHES if key in call.prefetch}
    wanted = [key for key in SEARCHES if key not in data or _is_outcome(data[key])]
    paged = [key for key in SEARCHES if key in EVERY_PAGE and _paged(data.get(key))]
    unread: list[str] = []
    if (wanted or paged) and call.server is not None:
        try:
            base = server_base(call.server)
        except BadServer as error:
            raise BadRequest(str(error)) from None
        rest_of = {key: data[key] for key in paged}
        fetched = await fetch(base, wanted, call.patient_id, call.access_token, deadline, rest_of)
        failures = {key: got.failure for key, got in fetched.items() if got.failure}
        data.update({key: got.data for key, got in fetched.items() if not got.failure})
    else:
        # Without a server an absent key is no data of that kind (the card names it); an
        # OperationOutcome says the EHR tried and could not, so no dose is given.
        failures = {key: "the EHR could not fetch it" for key in wanted if key in data}
        if "patient" in wanted:
            failures["patient"] = "no prefetch.patient and no fhirServer to fetch it from"
        unread = paged
    patient = data.get("patient")
    if "patient" in failures or not isinstance(patient, Mapping) or _is_outcome(patient):
        why = failures.get("patient", "the EHR has no such patient")
        raise Unobtainable(f"the patient could not be had: {why}")
    if patient.get("resourceType") != "Patient" or patient.get("id") != call.patient_id:
        raise BadRequest("prefetch.patient is not the Patient named by context.patientId")
    known = identifiers(patient)
    for where, named in call.tied_by_identifier:
        if not named & known:
            raise BadRequest(f"{where} cannot be tied to context.patientId")
    if failures:
        key, why = next(iter(failures.items()))
        return (
            data,
            (
                f"{key} could not be fetched",
                f"`{key}` could not be had ({why}), so no dose is given.",
            ),
            unread,
        )
    return data, None, unread


def resources_of(data: Mapping[str, Any]) -> list[Any]:
    """The patient and every resource of the other keys; a resource sent twice is read once,
    but two different resources that share a type and id are both kept."""
    resources: list[Any] = [data["patient"]]
    for key in SEARCHES:
        found = data.get(key)
        if key == "patient" or not isinstance(found, Mapping):
            continue
        if found.get("resourceType") == "Bundle":
            entries = found.get("entry", [])
            if isinstance(entries, list):
                resources += [
                    e["resource"]
                    for e in entries
                    if isinstance(e, Mapping) and isinstance(e.get("resource"), Mapping)
                ]
        elif not _is_outcome(found):
            resources.append(found)
    seen: set[str] = set()
    unique = []
    for resource in resources:
        identity = json.dumps(resource, sort_keys=True)
        if identity not in seen:
            seen.add(identity)
            unique.append(resource)
    return unique


async def cards(
    call: HookCall,
    today: dt.date,
    site: tuple[MedicationCode, ...],
    deadline: float = FHIR_DEADLINE_SECONDS,
) -> list[dict[str, Any]]:
    """The cards for the request's baricitinib orders (none when it has none)."""
    if not call.orders:
        return []
    data, problem, unread = await gather(call, deadline)
    common = {"service": call.service, "hook_instance": call.hook_instance}
    if problem is not None:
        what, why = problem
        return [missing_card(what, why, key=key, **common) for key, _ in call.orders]
    resources = resources_of(data)
    try:
        reading = fhir.read_patient(resources, on=today)
    except InvalidInputError as error:
        why = f"The patient record could not be read: {error.field} ({error.rule})."
        return [
            missing_card("the patient record cannot be read", why, key=key, **common)
            for key, _ in call.orders
        ]
    result = api.recommend(reading.patient)
    unplaced = unplaced_conditions(resources, reading)
    not_sent = [key for key in SEARCHES if key not in data]
    found = []
    for key, order in call.orders:
        try:
            ordered, unreadable = call.reader.dose(order, key), None
        except UnreadableDose as why:
            ordered, unreadable = None, f"the dose cannot be read: {why}"
        except InvalidInputError as error:
            ordered, unreadable = None, f"the dose cannot be read: {error.field} ({error.rule})"
        found.append(
            dose_card(
                order,
                key,
                result,
                reading,
                reader=call.reader,
                ordered=ordered,
                unreadable=unreadable,
                unplaced=unplaced,
                site=site,
                not_sent=not_sent,
                not_read=unread,
                **common,
            )
        )
    return found
