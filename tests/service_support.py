"""Running the CDS Hooks service and a stub FHIR server on loopback, and signing tokens."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import http.server
import json
import socket
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
def running(app: Any, *, http: Any = "h11") -> Iterator[str]:
    """The app served by uvicorn on a free loopback port; its base URL while in use.

    ``app`` is the ASGI app, or a function from the base URL to it (a service that
    trusts issuers must know its public URL before it starts).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, 0))
    base = f"http://{LOOPBACK}:{sock.getsockname()[1]}"
    built = app(base) if callable(app) and not hasattr(app, "router") else app
    config = uvicorn.Config(built, log_level="warning", lifespan="off", http=http)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


class Keys:
    """An ES384 and an RS384 key pair of the test EHR, and its trusted-issuers mapping."""

    def __init__(self) -> None:
        self.ec = ec.generate_private_key(ec.SECP384R1())
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_ec = ec.generate_private_key(ec.SECP384R1())

    def jwks(
        self, *, with_alg: bool = True, kids: tuple[str, str] = ("ec-1", "rsa-1")
    ) -> dict[str, Any]:
        """The public keys as a JWK Set; without ``alg`` when ``with_alg`` is false."""
        ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.ec.public_key()))
        rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa.public_key()))
        ec_jwk.update(kid=kids[0], use="sig")
        rsa_jwk.update(kid=kids[1], use="sig")
        if with_alg:
            ec_jwk["alg"], rsa_jwk["alg"] = "ES384", "RS384"
        return {"keys": [ec_jwk, rsa_jwk]}

    def issuers(self, *, with_alg: bool = True) -> dict[str, Any]:
        return {"issuers": {ISSUER: self.jwks(with_alg=with_alg)}}

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
    dose_mg: float | None,
    *,
    ident: str = "o1",
    atc: str = "L04AF02",
    text: str = "baricitinib",
    per_day: int = 1,
) -> dict[str, Any]:
    """A draft R4 order coded with ATC, its dose in mg with a UCUM code, ``per_day`` a day."""
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
                "timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [
                    {
                        "doseQuantity": {
                            "value": dose_mg,
                            "unit": "mg",
                            "system": codes.UCUM,
                            "code": "mg",
                        }
                    }
                ],
            }
        ]
    return resource


RXNORM_2MG = "0000002"
"""A made-up code in the RxNorm system for a 2 mg tablet: baricitinib's RxNorm codes are
not confirmed, so the library builds in none and the tests list this one as a site would."""


def sandbox_order(
    tablets: float, *, per_day: int = 1, name: str = "baricitinib 2 MG Oral Tablet"
) -> dict[str, Any]:
    """A draft order as the CDS Hooks sandbox writes it: no ``intent``, an RxNorm coding with
    text and display, the dose in ``{pill}``, timing with bounds."""
    return {
        "resourceType": "MedicationRequest",
        "id": "request-123",
        "status": "draft",
        "subject": {"reference": "Patient/p1"},
        "authoredOn": "2026-11-01",
        "dosageInstruction": [
            {
                "timing": {
                    "repeat": {
                        "frequency": per_day,
                        "period": 1,
                        "periodUnit": "d",
                        "boundsPeriod": {"start": "2026-11-01", "end": "2027-02-01"},
                    }
                },
                "doseAndRate": [
                    {"doseQuantity": {"value": tablets, "system": codes.UCUM, "code": "{pill}"}}
                ],
            }
        ],
        "medicationCodeableConcept": {
            "text": name,
            "coding": [{"display": name, "system": codes.RXNORM, "code": RXNORM_2MG}],
        },
    }


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


@dataclasses.dataclass(frozen=True)
class Trickle:
    """An answer that sends one byte every ``seconds``, ``count`` times (a slow server)."""

    seconds: float
    count: int


@dataclasses.dataclass(frozen=True)
class Huge:
    """A valid JSON answer of about ``size`` bytes, streamed without a Content-Length."""

    size: int


class _StubHandler(http.server.BaseHTTPRequestHandler):
    server: StubFhir
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        path = self.path.split("?", 1)[0]
        answer = self.server.answers.get(path)
        try:
            if isinstance(answer, Trickle):
                self._trickle(answer)
            elif isinstance(answer, Huge):
                self._huge(answer)
            else:
                self._json(answer)
        except (BrokenPipeError, ConnectionResetError):
            return  # the service stopped reading: what these answers test

    def _json(self, answer: Any) -> None:
        body = json.dumps(
            answer if answer is not None else {"resourceType": "OperationOutcome"}
        ).encode()
        self.send_response(200 if answer is not None else 404)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self, answer: Trickle) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.end_headers()
        for _ in range(answer.count):
            self.wfile.write(b" ")
            self.wfile.flush()
            time.sleep(answer.seconds)

    def _huge(self, answer: Huge) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.end_headers()
        self.wfile.write(b'{"resourceType": "Bundle", "type": "searchset", "padding": "')
        block = b"x" * 65536
        for _ in range(answer.size // len(block)):
            self.wfile.write(block)
        self.wfile.write(b'"}')

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
