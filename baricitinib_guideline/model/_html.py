"""HTML tables for notebooks: every text escaped, every source a link where it has one."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote_plus

from .enums import Document

if TYPE_CHECKING:
    from .core import Source

CLASS = "baricitinib-guideline"
# The EU public assessment report of Olumiant holds the SmPC and the package leaflet.
_DOCUMENT_LINKS = {
    Document.SMPC: "https://www.ema.europa.eu/en/medicines/human/EPAR/olumiant",
    Document.PACKAGE_LEAFLET: "https://www.ema.europa.eu/en/medicines/human/EPAR/olumiant",
}


def esc(text: object) -> str:
    return html.escape(str(text))


def link(href: str, text: str, title: str = "") -> str:
    hint = f' title="{esc(title)}"' if title else ""
    return f'<a href="{esc(href)}"{hint} target="_blank" rel="noopener">{esc(text)}</a>'


def _reference_link(number: int) -> str:
    """Reference ``number`` linked to its web page, DOI, or a PubMed search for its title."""
    from ..knowledge.references import REFERENCES

    if not 1 <= number <= len(REFERENCES):
        return esc(number)
    citation = REFERENCES[number - 1]
    if citation.url:
        href = citation.url
    elif citation.doi:
        href = f"https://doi.org/{citation.doi}"
    else:
        href = f"https://pubmed.ncbi.nlm.nih.gov/?term={quote_plus(citation.title)}"
    return link(href, str(number), str(citation))


def source(item: Source) -> str:
    """A source as its citation, the document and each reference number linked."""
    document = f"{item.document.label} {item.section}"
    href = _DOCUMENT_LINKS.get(item.document)
    text = link(href, document) if href else esc(document)
    if item.references:
        text += " [" + ", ".join(_reference_link(n) for n in item.references) + "]"
    if item.note:
        text += f" ({esc(item.note)})"
    if item.statement:
        text += f" <code>{esc(item.statement)}</code>"
    return text


def table(
    caption: str,
    fields: Sequence[tuple[str, str]] = (),
    header: Sequence[str] = (),
    rows: Iterable[Sequence[str]] = (),
) -> str:
    """A table: ``fields`` as label/value rows (values already HTML), then ``rows`` under
    ``header``."""
    parts = [f'<table class="{CLASS}">', f"<caption>{esc(caption)}</caption>"]
    parts += [
        f'<tr><th>{esc(label)}</th><td colspan="{max(len(header) - 1, 1)}">{value}</td></tr>'
        for label, value in fields
    ]
    if header:
        parts.append("<tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>")
    parts += ["<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows]
    parts.append("</table>")
    return "".join(parts)
