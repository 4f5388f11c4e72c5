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
