"""Sphinx configuration."""

from __future__ import annotations

import baricitinib_guideline

project = "baricitinib_guideline"
author = "baricitinib_guideline contributors"
copyright = "2026, baricitinib_guideline contributors"
release = baricitinib_guideline.__version__  # from the package metadata

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.napoleon",
    "sphinx_copybutton",
]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False}
# No intersphinx: CI has no network, and the docs link nothing outside.
html_theme = "furo"
html_title = "baricitinib_guideline"
exclude_patterns = ["_build", "_generated"]
# Every page shows its own imports: the doctests run with no hidden setup, so what a
# reader copies runs as it is. The copy button leaves out the prompts and the output.
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True


def setup(app: object) -> dict[str, bool]:
    """Register the directive that lists the knowledge base from the library itself."""
    from docutils import nodes
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective

    class KnowledgeTable(SphinxDirective):
        """Every statement, its source and paraphrase, as a list table."""

        def run(self) -> list[nodes.Node]:
            lines = [".. list-table::", "   :header-rows: 1", "   :widths: 18 22 60", ""]
            lines += ["   * - ID", "     - Source", "     - Statement"]
            for entry in baricitinib_guideline.statements():
                lines += [
                    f"   * - ``{entry.id}``",
                    f"     - {entry.source.cite()}",
                    f"     - {entry.text}",
                ]
            container = nodes.container()
            self.state.nested_parse(StringList(lines), self.content_offset, container)
            return container.children

    class ReferenceList(SphinxDirective):
        """The chapter's references in order."""

        def run(self) -> list[nodes.Node]:
            lines = [f"#. {str(c).split('. ', 1)[1]}" for c in baricitinib_guideline.REFERENCES]
            container = nodes.container()
            self.state.nested_parse(StringList(lines), self.content_offset, container)
            return container.children

    class CodeTable(SphinxDirective):
        """The codes the FHIR reader and writer use, from the knowledge layer, with status."""

        def run(self) -> list[nodes.Node]:
            from baricitinib_guideline import units
            from baricitinib_guideline.knowledge import codes

            rows = [
                ("baricitinib", codes.BARICITINIB),
                ("baricitinib, before 2024", codes.BARICITINIB_BEFORE_2024),
            ]
            rows += [("atopic dermatitis", codes.ATOPIC_DERMATITIS)]
            for name, found in codes.OBSERVATIONS.items():
                rows += [(name.replace("_", " "), code) for code in found]
            rows += [
                ("pregnancy value", code)
                for code in (codes.PREGNANT, codes.NOT_PREGNANT, codes.PREGNANCY_UNKNOWN)
            ]
            rows += [("smoker value", code) for code in codes.SMOKER_VALUES]
            rows += [
                ("smoking value, not counted", code)
                for code in (codes.FORMER_SMOKER, codes.NEVER_SMOKED, codes.SMOKING_UNKNOWN)
            ]
            rows += [("pregnancy condition", code) for code in codes.PREGNANCY_CONDITIONS]
            for risk, known in codes.CONDITIONS.items():
                rows += [(f"risk factor {risk.name}", code) for code in known.snomed]
                icd = list(known.icd10_prefixes) + (
                    ["{} to {}".format(*known.icd10_range)] if known.icd10_range else []
                )
                rows += [
                    (
                        f"risk factor {risk.name}",
                        codes.Code(
                            codes.ICD10, ", ".join(icd), "ICD-10 by prefix", known.icd10_status
                        ),
                    )
                ]
            rows += [("strong OAT3 inhibitor", code) for code in codes.PROBENECID]
            rows += [
                (f"panel {name.lower().replace('_', ' ')}", code)
                for name, code in codes.PANELS.items()
            ]
            lines = [".. list-table::", "   :header-rows: 1", "   :widths: 20 30 15 25 10", ""]
            lines += [
                "   * - Concept",
                "     - System",
                "     - Code",
                "     - Display",
                "     - Status",
            ]
            for concept, code in rows:
                lines += [
                    f"   * - {concept}",
                    f"     - ``{code.system}``",
                    f"     - ``{code.code}``",
                    f"     - {code.display}",
                    f"     - {code.status}",
                ]
            lines += ["", ".. list-table::", "   :header-rows: 1", "   :widths: 25 35 40", ""]
            lines += ["   * - Kind", "     - UCUM codes read", "     - Taken as"]
            tables = {
                **codes.UCUM_UNITS,
                "eGFR": codes.UCUM_UNITS["[volume] / [time]"] + tuple(codes.EGFR_ANNOTATED),
            }
            for kind, table in tables.items():
                read = ", ".join(f"``{code}``" for code in table)
                taken = ", ".join(
                    sorted(
                        {
                            str(units.parse_unit(codes.EGFR_ANNOTATED.get(code, code), "code"))
                            for code in table
                        }
                    )
                )
                lines += [f"   * - {kind}", f"     - {read}", f"     - {taken}"]
            container = nodes.container()
            self.state.nested_parse(StringList(lines), self.content_offset, container)
            return container.children

    class CdsExample(SphinxDirective):
        """A complete order-select request and the service's answer, made by the app itself."""

        def run(self) -> list[nodes.Node]:
            import asyncio
            import datetime as dt
            import json

            import httpx

            from baricitinib_guideline.service import create_app

            subject = {"reference": "Patient/example"}
            dose = {"value": 4, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}
            request = {
                "hook": "order-select",
                "hookInstance": "3f6a2f56-8f5e-4b3e-a6a8-5d1a0f6c2b90",
                "context": {
                    "userId": "Practitioner/example",
                    "patientId": "example",
                    "draftOrders": {
                        "resourceType": "Bundle",
                        "type": "collection",
                        "entry": [
                            {
                                "resource": {
                                    "resourceType": "MedicationRequest",
                                    "id": "draft-1",
                                    "status": "draft",
                                    "intent": "order",
                                    "subject": subject,
                                    "medicationCodeableConcept": {
                                        "coding": [
                                            {
                                                "system": "http://www.whocc.no/atc",
                                                "code": "L04AF02",
                                                "display": "baricitinib",
                                            }
                                        ]
                                    },
                                    "dosageInstruction": [
                                        {"doseAndRate": [{"doseQuantity": dose}]}
                                    ],
                                }
                            }
                        ],
                    },
                },
                "prefetch": {
                    "patient": {
                        "resourceType": "Patient",
                        "id": "example",
                        "birthDate": "2018-05-20",
                    },
                    "weight": {
                        "resourceType": "Bundle",
                        "type": "searchset",
                        "entry": [
                            {
                                "resource": {
                                    "resourceType": "Observation",
                                    "id": "weight-1",
                                    "status": "final",
                                    "code": {
                                        "coding": [
                                            {"system": "http://loinc.org", "code": "29463-7"}
                                        ]
                                    },
                                    "subject": subject,
                                    "effectiveDateTime": "2026-10-01",
                                    "valueQuantity": {
                                        "value": 25,
                                        "unit": "kg",
                                        "system": "http://unitsofmeasure.org",
                                        "code": "kg",
                                    },
                                }
                            }
                        ],
                    },
                },
            }
            app = create_app(allow_unauthenticated=True, today=lambda: dt.date(2026, 11, 1))

            async def ask() -> object:
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://cds.test"
                ) as client:
                    response = await client.post(
                        "/cds-services/baricitinib-order-select", json=request
                    )
                    return response.json()

            answer = asyncio.run(ask())
            lines = [
                "Request (``POST /cds-services/baricitinib-order-select``):",
                "",
                ".. code-block:: json",
                "",
            ]
            lines += [
                "   " + line
                for line in json.dumps(request, indent=2, ensure_ascii=False).splitlines()
            ]
            lines += ["", "Response:", "", ".. code-block:: json", ""]
            lines += [
                "   " + line
                for line in json.dumps(answer, indent=2, ensure_ascii=False).splitlines()
            ]
            container = nodes.container()
            self.state.nested_parse(StringList(lines), self.content_offset, container)
            return container.children

    class CliHelp(SphinxDirective):
        """The command line's help, for the program and each subcommand, from its parser."""

        def run(self) -> list[nodes.Node]:
            import argparse
            import contextlib
            import importlib
            import io

            from baricitinib_guideline.cli import _EXTRA_COMMANDS, build_parser

            def extra_help(name: str) -> str:
                """An extra's command's own help, from its own parser."""
                module, function, extra = _EXTRA_COMMANDS[name]
                try:
                    command = getattr(importlib.import_module(module), function)
                except ImportError:
                    return f"(install the {extra} extra to see this command's options)"
                buffer = io.StringIO()
                with contextlib.redirect_stdout(buffer), contextlib.suppress(SystemExit):
                    command(["--help"])
                return buffer.getvalue()

            parser = build_parser()
            lines = [".. code-block:: text", ""]
            lines += ["   " + line for line in parser.format_help().splitlines()]
            for action in parser._actions:
                if isinstance(action, argparse._SubParsersAction):
                    for name, sub in action.choices.items():
                        text = extra_help(name) if name in _EXTRA_COMMANDS else sub.format_help()
                        lines += [
                            "",
                            f".. rubric:: {name}",
                            "",
                            ".. code-block:: text",
                            "",
                        ]
                        lines += ["   " + line for line in text.splitlines()]
            container = nodes.container()
            self.state.nested_parse(StringList(lines), self.content_offset, container)
            return container.children

    def figures(app: object) -> None:
        """The figures the pages show, drawn by the library at each build."""
        import datetime as dt
        import pathlib

        from baricitinib_guideline import monitoring_schedule, plot

        folder = pathlib.Path(__file__).parent / "_generated"
        folder.mkdir(exist_ok=True)
        plot.forest().savefig(folder / "forest.png", dpi=110)
        schedule = monitoring_schedule(dt.date(2026, 1, 31), until=dt.date(2026, 12, 31))
        plot.visits(schedule).savefig(folder / "visits.png", dpi=110)

    app.connect("builder-inited", figures)  # type: ignore[attr-defined]
    app.add_directive("cli-help", CliHelp)  # type: ignore[attr-defined]
    app.add_directive("cds-example", CdsExample)  # type: ignore[attr-defined]
    app.add_directive("knowledge-table", KnowledgeTable)  # type: ignore[attr-defined]
    app.add_directive("code-table", CodeTable)  # type: ignore[attr-defined]
    app.add_directive("reference-list", ReferenceList)  # type: ignore[attr-defined]
    return {"parallel_read_safe": True}
