"""A priced order as a small HTML table, for notebooks (``PricedOrder._repr_html_``).

Lines with their discounts, shipping, then the totals; amounts exact, as in
:func:`~draftorders.pricing.report.summary_table`. Every text is escaped, so a line titled
``<script>`` shows as text.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from draftorders.money import Money
    from draftorders.pricing.breakdown import PricedOrder

__all__ = ["priced_order_html"]

_HEAD = ("Line", "Item", "Qty", "Unit", "Base", "Discount", "Net", "Tax", "Total")
_RIGHT = "style='text-align:right'"
_LEFT = "style='text-align:left'"


def _amount(money: Money) -> str:
    return escape(str(money.amount))


def _row(cells: list[str], first_left: int = 2) -> str:
    return (
        "<tr>"
        + "".join(
            f"<td {_LEFT if i < first_left else _RIGHT}>{cell}</td>" for i, cell in enumerate(cells)
        )
        + "</tr>"
    )


def _note(text: str, amount: Money) -> str:
    """A row under a line: an adjustment's source and reason, and its amount."""
    return (
        f"<tr><td></td><td colspan='7' {_LEFT}><small>{text}</small></td>"
        f"<td {_RIGHT}><small>{_amount(amount)}</small></td></tr>"
    )


def priced_order_html(priced: PricedOrder) -> str:
    """The priced order's lines, adjustments and totals as an HTML table."""
    head = "".join(f"<th>{escape(cell)}</th>" for cell in _HEAD)
    rows: list[str] = []
    for line in priced.lines:
        rows.append(
            _row(
                [
                    escape(line.line_id),
                    escape(line.title),
                    str(line.quantity),
                    _amount(line.unit_price),
                    _amount(line.base),
                    _amount(line.discount),
                    _amount(line.net),
                    _amount(line.tax),
                    _amount(line.total),
                ]
            )
        )
        for adjustment in line.adjustments:
            text = f"{escape(adjustment.source)}: {escape(adjustment.reason)}"
            rows.append(_note(text, adjustment.amount))
    shipping = priced.shipping
    if shipping is not None:
        cells = [_amount(shipping.price), _amount(shipping.discount), _amount(shipping.amount)]
        title = f"Shipping: {escape(shipping.title)}"
        rows.append(_row(["", title, "", "", *cells, _amount(shipping.tax), ""]))
        for adjustment in shipping.adjustments:
            text = f"{escape(adjustment.source)}: {escape(adjustment.reason)}"
            rows.append(_note(text, adjustment.amount))
    totals = [
        ("Subtotal", priced.subtotal),
        ("Discounts", priced.discount_total),
        ("Net subtotal", priced.net_subtotal),
        ("Shipping", priced.shipping_total),
        ("Debits", priced.debit_total),
        ("Credits", priced.credit_total),
        ("Tax", priced.tax_total),
        ("Total", priced.total),
    ]
    foot = "".join(
        f"<tr><th colspan='8' {_RIGHT}>{label}</th><td {_RIGHT}>{_amount(amount)}</td></tr>"
        for label, amount in totals
        if label in ("Subtotal", "Total") or amount.amount
    )
    caption = f"Order {escape(priced.order_id)} v{priced.version} ({escape(priced.currency)})" + (
        ", prices include tax" if priced.prices_include_tax else ""
    )
    return (
        f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody><tfoot>{foot}</tfoot></table>"
    )
