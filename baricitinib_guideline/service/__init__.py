"""A CDS Hooks 2.0 service (optional extra ``service``): baricitinib dose advice in the EHR.

``create_app()`` builds the ASGI app (Starlette); ``baricitinib-guideline serve``
runs it with uvicorn. Two services: ``baricitinib-order-select`` (hook
``order-select``, advice while the order is drafted) and
``baricitinib-order-sign`` (hook ``order-sign``, the check before signing).
The service keeps no state but the token ids it has seen (in this process, or
in a shared replay store); it logs no patient data.
"""

from __future__ import annotations

from ._app import SERVICES, create_app
from ._fetch import FHIR_DEADLINE_SECONDS, MAX_UPSTREAM_BYTES, prefetch_templates
from ._request import BODY_SECONDS, MAX_BODY_BYTES
from ._run import app_from_environment, serve

__all__ = [
    "BODY_SECONDS",
    "FHIR_DEADLINE_SECONDS",
    "MAX_BODY_BYTES",
    "MAX_UPSTREAM_BYTES",
    "SERVICES",
    "app_from_environment",
    "create_app",
    "prefetch_templates",
    "serve",
]
