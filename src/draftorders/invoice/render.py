"""Render an invoice as HTML, plain text or PDF, in a locale.

HTML and text come from Jinja2 templates shipped in this package. The HTML environment
autoescapes, so a customer named ``<script>`` is printed, not run; the text environment does
not (plain text has nothing to escape). PDF is WeasyPrint's rendering of the HTML and needs the
``pdf`` extra: ``pip install 'draftorders[pdf]'``.
"""

from __future__ import annotations

import functools
import html
import unicodedata
from typing import Any

import jinja2

from draftorders.errors import MissingExtra
from draftorders.invoice.locale import InvoiceLocale
from draftorders.invoice.model import Invoice
from draftorders.money import Money

__all__ = ["display_html", "pdf_available", "render_html", "render_pdf", "render_text"]

TEXT_WIDTH = 72
"""Columns of the plain-text invoice (East Asian wide characters count two)."""


@functools.cache
def _environment(autoescape: bool) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("draftorders.invoice", "templates"),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=not autoescape,
        keep_trailing_newline=True,
    )


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _context(invoice: Invoice, locale: InvoiceLocale | str) -> dict[str, Any]:
    fmt = locale if isinstance(locale, InvoiceLocale) else InvoiceLocale(locale)

    def row(label: str, amount: Money) -> str:
        money = fmt.money(amount)
        gap = max(1, TEXT_WIDTH - _columns(label) - _columns(money))
        return f"{label}{' ' * gap}{money}"

    return {
        "inv": invoice,
        "fmt": fmt,
        "w": fmt.words,
        "notes": fmt.notes(invoice),
        "terms": fmt.order_terms(invoice),
        "row": row,
        "rule": "-" * TEXT_WIDTH,
    }


def render_html(invoice: Invoice, locale: InvoiceLocale | str = "en_US") -> str:
    """The invoice as one self-contained, print-friendly HTML page (CSS embedded)."""
    return _environment(True).get_template("invoice.html").render(_context(invoice, locale))


def display_html(invoice: Invoice, locale: InvoiceLocale | str = "en_US") -> str:
    """The invoice page inside an ``<iframe srcdoc>``, for notebooks: the page's own styles
    stay inside the frame instead of restyling the notebook."""
    page = html.escape(render_html(invoice, locale), quote=True)
    title = html.escape(f"Invoice {invoice.number or invoice.order_id}", quote=True)
    return (
        f'<iframe srcdoc="{page}" title="{title}" '
        'style="width:100%;height:900px;border:1px solid #e4e7eb"></iframe>'
    )


def render_text(invoice: Invoice, locale: InvoiceLocale | str = "en_US") -> str:
    """The invoice as plain text, amounts right-aligned, for the text part of an email."""
    return _environment(False).get_template("invoice.txt").render(_context(invoice, locale))


def pdf_available() -> bool:
    """True when the ``pdf`` extra (WeasyPrint and its system libraries) can be used."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def render_pdf(invoice: Invoice, locale: InvoiceLocale | str = "en_US") -> bytes:
    """The invoice as PDF (A4), from its HTML; raises :class:`MissingExtra` without WeasyPrint."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:
        raise MissingExtra("pdf", "rendering an invoice as PDF", error) from error
    document: bytes = weasyprint.HTML(string=render_html(invoice, locale)).write_pdf()
    return document
