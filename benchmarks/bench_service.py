"""Throughput and latency of the CDS Hooks service, on loopback, side by side in one run.

Starts the service in its own process (``baricitinib-guideline serve``, one
uvicorn worker) on a free 127.0.0.1 port, sends a bounded number of
order-select requests at a fixed concurrency, then stops it.
Prints requests per second and the p50 and p99 latency, for the service with
token checks (ES384, a fresh token per request, signed beforehand), with
them and a shared SQLite replay store, and without, so the cost of trust and
of sharing token ids between workers shows as ratios. Beside them, a bare
Starlette app under uvicorn (one worker, h11, no access log) that parses the
same request and returns the service's answer as fixed bytes: the service's
throughput against it (target at least 0.5x) and its p99 (target at most 3x).
Before the load, a profile of requests handled in this process prints where
a request's time goes. Nothing is asserted.
Run: python benchmarks/bench_service.py [--quick]
"""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec

PATH = "/cds-services/baricitinib-order-select"
BODY: dict[str, Any] = {
    "hook": "order-select",
    "hookInstance": "b6f5b1a8-3c0e-4b8e-9c55-0e1b6f0d7c11",
    "context": {
        "patientId": "p1",
        "draftOrders": {
            "resourceType": "Bundle",
            "entry": [
                {
                    "resource": {
                        "resourceType": "MedicationRequest",
                        "id": "o1",
                        "status": "draft",
                        "intent": "order",
                        "subject": {"reference": "Patient/p1"},
                        "medicationCodeableConcept": {
                            "coding": [{"system": "http://www.whocc.no/atc", "code": "L04AF02"}]
                        },
                        "dosageInstruction": [
                            {
                                "timing": {
                                    "repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}
                                },
                                "doseAndRate": [
                                    {
                                        "doseQuantity": {
                                            "value": 4,
                                            "system": "http://unitsofmeasure.org",
                                            "code": "mg",
                                        }
                                    }
                                ],
                            }
                        ],
                    }
                }
            ],
        },
    },
    "prefetch": {
        "patient": {"resourceType": "Patient", "id": "p1", "birthDate": "2018-05-20"},
        "weight": {
            "resourceType": "Bundle",
            "entry": [
                {
                    "resource": {
                        "resourceType": "Observation",
                        "id": "w1",
                        "status": "final",
                        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
                        "subject": {"reference": "Patient/p1"},
                        "effectiveDateTime": "2026-10-01",
                        "valueQuantity": {
                            "value": 25,
                            "system": "http://unitsofmeasure.org",
                            "code": "kg",
                        },
                    }
                }
            ],
        },
    },
}


def profile(requests: int) -> bytes:
    """Where a request's time goes: the app called in this process, the top of a profile.

    Returns the answer's body, which the bare baseline sends back."""
    import cProfile
    import io
    import pstats

    from baricitinib_guideline.service import create_app

    app = create_app(allow_unauthenticated=True)

    async def run(count: int) -> bytes:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            body = b""
            for _ in range(count):
                response = await client.post(PATH, json=BODY)
                body = response.content
            return body

    answer = asyncio.run(run(20))  # warm up
    profiler = cProfile.Profile()
    profiler.enable()
    asyncio.run(run(requests))
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).sort_stats("cumulative")
    stats.print_stats(r"baricitinib_guideline|starlette|fhir|pydantic|json", 18)
    print(f"Profile of {requests} requests in this process (cumulative, the library's part):")
    lines = text.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    for line in lines[start : start + 20]:
        print("  " + line[:150])
    return answer


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _Server:
    """A server in its own process on a free loopback port; ready once ``_probe`` answers."""

    name = "the server"
    port: int
    process: subprocess.Popen[bytes]

    def _probe(self, base: str) -> None:
        raise NotImplementedError

    def __enter__(self) -> str:
        base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                self._probe(base)
                return base
            except httpx.TransportError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.__exit__()
                    raise RuntimeError(f"{self.name} did not start") from None
                time.sleep(0.1)

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Bare(_Server):
    """The bare baseline app under uvicorn, in its own process on a free loopback port."""

    name = "the bare app"

    def __init__(self, answer_file: pathlib.Path) -> None:
        self.port = _free_port()
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "_bare_app:app",
            "--port",
            str(self.port),
            "--workers",
            "1",
            "--http",
            "h11",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=pathlib.Path(__file__).parent,
            env={**os.environ, "BARE_APP_ANSWER": str(answer_file)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _probe(self, base: str) -> None:
        httpx.post(base + PATH, json=BODY, timeout=1)


class Served(_Server):
    """The service in its own process (``baricitinib-guideline serve``) on a free loopback port."""

    name = "the service"

    def __init__(self, *options: str) -> None:
        self.port = _free_port()
        base = f"http://127.0.0.1:{self.port}"
        options = tuple(option.replace("{base}", base) for option in options)
        command = [
            sys.executable,
            "-m",
            "baricitinib_guideline",
            "serve",
            "--port",
            str(self.port),
        ]
        self.process = subprocess.Popen(
            [*command, *options], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def _probe(self, base: str) -> None:
        httpx.get(base + "/", timeout=1)


async def measure(
    base: str, count: int, concurrency: int, tokens: list[str] | None
) -> dict[str, float]:
    limit = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    failures = 0

    async with httpx.AsyncClient(base_url=base, timeout=30) as client:

        async def one(index: int) -> None:
            nonlocal failures
            headers = {} if tokens is None else {"Authorization": f"Bearer {tokens[index]}"}
            async with limit:
                start = time.perf_counter()
                response = await client.post(PATH, json=BODY, headers=headers)
                latencies.append(time.perf_counter() - start)
                failures += response.status_code != 200

        began = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(count))), timeout=600)
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "rps": count / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "failures": failures,
    }


def main() -> None:
    quick = "--quick" in sys.argv
    count, concurrency = (300, 8) if quick else (2000, 16)
    key = ec.generate_private_key(ec.SECP384R1())
    public = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    public.update(kid="k1", alg="ES384")
    issuer = "https://ehr.bench/issuer"
    results = {}
    answer = profile(50 if quick else 300)
    with tempfile.TemporaryDirectory() as folder:
        answer_file = pathlib.Path(folder) / "answer.json"
        answer_file.write_bytes(answer)
        with Bare(answer_file) as base:
            asyncio.run(measure(base, 50, concurrency, None))  # warm up
            results["bare Starlette"] = asyncio.run(measure(base, count, concurrency, None))
        issuers = pathlib.Path(folder) / "issuers.json"
        issuers.write_text(json.dumps({"issuers": {issuer: {"keys": [public]}}}), encoding="utf-8")
        with Served("--allow-unauthenticated") as base:
            asyncio.run(measure(base, 50, concurrency, None))  # warm up
            results["no token checks"] = asyncio.run(measure(base, count, concurrency, None))
        trusted = ("--trusted-issuers", str(issuers), "--public-base-url", "{base}")
        store = f"sqlite:///{pathlib.Path(folder) / 'jti.db'}"
        for name, options in (
            ("ES384 token checks", trusted),
            ("+ SQLite replay store", (*trusted, "--replay-store", store)),
        ):
            with Served(*options) as base:
                now = int(time.time())
                claims = {"iss": issuer, "aud": base + PATH, "iat": now, "exp": now + 600}
                tokens = [
                    jwt.encode(
                        {**claims, "jti": str(uuid.uuid4())},
                        key,
                        algorithm="ES384",
                        headers={"kid": "k1"},
                    )
                    for _ in range(count + 50)
                ]
                asyncio.run(measure(base, 50, concurrency, tokens[count:]))  # warm up
                results[name] = asyncio.run(measure(base, count, concurrency, tokens))
    print(f"{count} requests, {concurrency} at a time, loopback, one uvicorn worker:")
    for name, found in results.items():
        print(
            f"  {name:20} {found['rps']:7.0f} requests/s  p50 {found['p50']:6.1f} ms  "
            f"p99 {found['p99']:6.1f} ms  non-200: {found['failures']:.0f}"
        )
    bare = results["bare Starlette"]
    for name in ("no token checks", "ES384 token checks"):
        print(
            f"  {name} / bare Starlette: throughput {results[name]['rps'] / bare['rps']:.2f}x "
            f"(target >= 0.5x), p99 {results[name]['p99'] / bare['p99']:.2f}x (target <= 3x)"
        )
    ratio = results["no token checks"]["rps"] / results["ES384 token checks"]["rps"]
    print(f"  throughput without / with token checks = {ratio:.2f}x")
    shared = results["ES384 token checks"]["rps"] / results["+ SQLite replay store"]["rps"]
    print(f"  throughput in-process / SQLite replay store = {shared:.2f}x")


if __name__ == "__main__":
    main()
