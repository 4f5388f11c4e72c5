"""The baseline of bench_service.py: bare Starlette answering the service's path with a fixed body.

It reads and parses the request's JSON, as any service must, then returns the
bytes in the file named by ``BARE_APP_ANSWER`` (the real service's answer to
the benchmark's request). Run by the benchmark with uvicorn, one worker, h11.
"""

from __future__ import annotations

import os
import pathlib

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ANSWER = pathlib.Path(os.environ["BARE_APP_ANSWER"]).read_bytes()


async def answer(request: Request) -> Response:
    await request.json()
    return Response(ANSWER, media_type="application/json")


app = Starlette(routes=[Route("/cds-services/baricitinib-order-select", answer, methods=["POST"])])
