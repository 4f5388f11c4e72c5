"""Starting the service: ``baricitinib-guideline serve`` and the environment factory."""

from __future__ import annotations

import os
from typing import Any, Final

from starlette.applications import Starlette

from ..knowledge import KNOWLEDGE_VERSION
from ._app import create_app

ENVIRONMENT: Final = "BARICITINIB_GUIDELINE_"
SETTINGS: Final = (
    "TRUSTED_ISSUERS",
    "ALLOW_UNAUTHENTICATED",
    "CORS_ORIGINS",
    "PUBLIC_BASE_URL",
    "REPLAY_STORE",
    "MEDICATION_CODES",
)


def _listed(text: str | None) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()] if text else []


def app_from_environment() -> Starlette:
    """The app configured from environment variables, for ``uvicorn --factory --workers N``.

    ``BARICITINIB_GUIDELINE_TRUSTED_ISSUERS`` (a file) with
    ``BARICITINIB_GUIDELINE_PUBLIC_BASE_URL`` (comma-separated URLs), or
    ``BARICITINIB_GUIDELINE_ALLOW_UNAUTHENTICATED=1``; optional
    ``BARICITINIB_GUIDELINE_CORS_ORIGINS`` (comma-separated),
    ``BARICITINIB_GUIDELINE_REPLAY_STORE`` and
    ``BARICITINIB_GUIDELINE_MEDICATION_CODES`` (a file). Fails closed like ``serve``.
    """

    def setting(name: str) -> str | None:
        return os.environ.get(ENVIRONMENT + name) or None

    return create_app(
        trusted_issuers=setting("TRUSTED_ISSUERS"),
        allow_unauthenticated=setting("ALLOW_UNAUTHENTICATED") == "1",
        cors_origins=_listed(setting("CORS_ORIGINS")),
        public_base_url=_listed(setting("PUBLIC_BASE_URL")),
        replay_store_url=setting("REPLAY_STORE"),
        medication_codes=setting("MEDICATION_CODES"),
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
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    trust = parser.add_mutually_exclusive_group()
    trust.add_argument(
        "--trusted-issuers",
        metavar="FILE",
        help="JSON file of trusted CDS clients: their public keys and/or JWKS URLs",
    )
    trust.add_argument(
        "--allow-unauthenticated", action="store_true", help="no token checks: local trials only"
    )
    parser.add_argument(
        "--public-base-url",
        action="append",
        default=[],
        metavar="URL",
        help="the address clients call (repeatable); needed with --trusted-issuers",
    )
    parser.add_argument(
        "--replay-store",
        metavar="URL",
        help="where seen token ids are shared: sqlite:///PATH (one host) or redis://HOST:PORT",
    )
    parser.add_argument(
        "--medication-codes",
        metavar="FILE",
        help='JSON {"codes": [{"code": "system|code", "strength_mg": 2}]}: a site\'s codes',
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        help="a browser origin allowed to call (repeatable)",
    )
    args = parser.parse_args(argv)

    def fail(message: str) -> int:
        print(f"baricitinib-guideline serve: error: {message}", file=sys.stderr)
        return 2

    if args.trusted_issuers is None and not args.allow_unauthenticated:
        return fail("give --trusted-issuers FILE (or --allow-unauthenticated for local trials)")
    if args.workers < 1:
        return fail("--workers must be at least 1")
    if args.workers > 1 and args.trusted_issuers and args.replay_store is None:
        return fail("--workers above 1 needs --replay-store, so a token is used only once")
    settings = {
        "TRUSTED_ISSUERS": args.trusted_issuers,
        "ALLOW_UNAUTHENTICATED": "1" if args.allow_unauthenticated else None,
        "CORS_ORIGINS": ",".join(args.cors_origin) or None,
        "PUBLIC_BASE_URL": ",".join(args.public_base_url) or None,
        "REPLAY_STORE": args.replay_store,
        "MEDICATION_CODES": args.medication_codes,
    }
    for name, value in settings.items():
        if value is None:
            os.environ.pop(ENVIRONMENT + name, None)
        else:
            os.environ[ENVIRONMENT + name] = value
    try:
        app_from_environment()  # checked here, so a bad setting stops the start in one line
    except (OSError, ValueError) as error:
        return fail(str(error).splitlines()[0] if str(error) else type(error).__name__)
    if args.allow_unauthenticated:
        print(
            "baricitinib-guideline serve: WARNING: no client authentication; for local trials only",
            file=sys.stderr,
        )
    import uvicorn

    from ._server import HeaderDeadline, log_config

    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "workers": args.workers,
        "factory": True,
        "http": HeaderDeadline,
        "log_config": log_config(),
        "timeout_keep_alive": 5,
        "limit_concurrency": 512,
    }
    uvicorn.run("baricitinib_guideline.service:app_from_environment", **options)
    return 0
