"""Running the CDS Hooks service and a stub FHIR server on loopback, and signing tokens."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from baricitinib_guideline.knowledge import codes

LOOPBACK = "127.0.0.1"
ISSUER = "https://ehr.test/issuer"
ON = dt.date(2026, 11, 1)


@contextlib.contextmanager
def running(app: Any) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port; its base URL while in use."""
    config = uvicorn.Config(app, host=LOOPBACK, port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{LOOPBACK}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


class Keys:
    """An ES384 and an RS384 key pair of the test EHR, and its trusted-issuers mapping."""

    def __init__(self) -> None:
        self.ec = ec.generate_private_key(ec.SECP384R1())
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_ec = ec.generate_private_key(ec.SECP384R1())

    def issuers(self) -> dict[str, Any]:
        ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.ec.public_key()))
        rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa.public_key()))
        ec_jwk.update(kid="ec-1", alg="ES384", use="sig")
        rsa_jwk.update(kid="rsa-1", alg="RS384", use="sig")
        return {"issuers": {ISSUER: {"keys": [ec_jwk, rsa_jwk]}}}

    def token(self, audience: str, *, algorithm: str = "ES384", **changes: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "sub": "ehr-client",
            "aud": audience,
            "exp": now + 300,
            "iat": now,
            "jti": str(uuid.uuid4()),
        }
        header = {"kid": "ec-1" if algorithm == "ES384" else "rsa-1", "typ": "JWT"}
        header.update(changes.pop("header", {}))
        key = changes.pop("key", self.ec if algorithm == "ES384" else self.rsa)
        for name, value in changes.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return jwt.encode(claims, key, algorithm=algorithm, headers=header)


def order(
    dose_mg: float | None, *, ident: str = "o1", atc: str = "L04AF02", text: str = "baricitinib"
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": ident,
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {
            "coding": [{"system": codes.ATC, "code": atc}],
            "text": text,
        },
    }
    if dose_mg is not None:
        resource["dosageInstruction"] = [
            {
                "doseAndRate": [
                    {
                        "doseQuantity": {
                            "value": dose_mg,
                            "unit": "mg",
                            "system": codes.UCUM,
                            "code": "mg",
                        }
                    }
                ]
            }
        ]
    return resource


def searchset(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }


def weight(kg: float) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": "w1",
        "status": "final",
        "code": {"coding": [{"system": codes.LOINC, "code": "29463-7"}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-10-01",
        "valueQuantity": {"value": kg, "unit": "kg", "system": codes.UCUM, "code": "kg"},
    }


def request(
    *orders: dict[str, Any],
    birth: str = "2018-05-20",
    kg: float | None = 25,
    hook: str = "order-select",
    prefetch: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    default: dict[str, Any] = {
        "patient": {"resourceType": "Patient", "id": "p1", "birthDate": birth}
    }
    if kg is not None:
        default["weight"] = searchset(weight(kg))
    body = {
        "hook": hook,
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {
            "userId": "Practitioner/u1",
            "patientId": "p1",
            "draftOrders": searchset(*orders),
        },
        "prefetch": default if prefetch is None else prefetch,
    }
    body.update(extra)
    return body


class StubFhir(http.server.ThreadingHTTPServer):
    """A FHIR server on loopback that answers reads and searches from a dict of paths."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.seen: list[tuple[str, str | None]] = []
        super().__init__((LOOPBACK, 0), _StubHandler)


class _StubHandler(http.server.BaseHTTPRequestHandler):
    server: StubFhir

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        path = self.path.split("?", 1)[0]
        answer = self.server.answers.get(path)
        body = json.dumps(
            answer if answer is not None else {"resourceType": "OperationOutcome"}
        ).encode()
        self.send_response(200 if answer is not None else 404)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextlib.contextmanager
def stub_fhir(answers: dict[str, Any]) -> Iterator[StubFhir]:
    server = StubFhir(answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
