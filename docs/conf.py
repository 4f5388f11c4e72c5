"""Sphinx configuration."""

from __future__ import annotations

import baricitinib_guideline

project = "baricitinib_guideline"
author = "baricitinib_guideline contributors"
copyright = "2026, baricitinib_guideline contributors"
release = baricitinib_guideline.__version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.doctest", "sphinx.ext.napoleon"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False}
# No intersphinx: CI has no network, and the docs link nothing outside.
html_theme = "alabaster"
exclude_patterns = ["_build"]
doctest_global_setup = "import datetime as dt\nimport baricitinib_guideline as bg"


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

    app.add_directive("knowledge-table", KnowledgeTable)  # type: ignore[attr-defined]
    app.add_directive("reference-list", ReferenceList)  # type: ignore[attr-defined]
    return {"parallel_read_safe": True}
