"""Plain-text views of a priced order: a summary table and the full explanation.

Amounts are printed exactly as they are (``38.97``), with no locale formatting: these views are
for developers, tests and logs. People-facing formatting belongs to invoices.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from draftorders.order.entries import EntryKind

if TYPE_CHECKING:
    from draftorders.money import Money
    from draftorders.pricing.breakdown import PricedOrder, TaxLine

__all__ = ["explain", "summary_table"]

_WIDTH = 92


def _amount(money: Money) -> str:
    return str(money.amount)


def _row(label: str, amount: str, indent: int = 0) -> str:
    text = " " * indent + label
    room = _WIDTH - len(amount) - 1
    if len(text) > room:
        return f"{text}\n{amount:>{_WIDTH}}"
    return f"{text:<{room}} {amount}"


def summary_table(priced: PricedOrder) -> str:
    """A table of the lines (quantity, unit price, base, discount, net, tax, total) and totals."""
    head = ("Line", "Item", "Qty", "Unit", "Base", "Discount", "Net", "Tax", "Total")
    rows = [head]
    for line in priced.lines:
        rows.append(
            (
                line.line_id,
                line.title,
                str(line.quantity),
                _amount(line.unit_price),
                _amount(line.base),
                _amount(line.discount),
                _amount(line.net),
                _amount(line.tax),
                _amount(line.total),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(
            cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        )
        for row in rows
    ]
    rule = "-" * len(lines[0])
    totals = [
        ("Subtotal", priced.subtotal),
        ("Discounts", priced.discount_total),
        ("Subtotal after discounts", priced.net_subtotal),
        ("Shipping", priced.shipping_total),
        *([("Debits", priced.debit_total)] if priced.debit_total.amount else []),
        ("Tax" + (" (included)" if priced.prices_include_tax else ""), priced.tax_total),
        *([("Credits after tax", priced.credit_total)] if priced.credit_total.amount else []),
        (f"Total {priced.currency}", priced.total),
    ]
    label_width = max(len(label) for label, _ in totals)
    amount_width = max(len(_amount(money)) for _, money in totals)
    right = len(lines[0])
    summary = [
        f"{label:>{label_width}}  {_amount(money):>{amount_width}}".rjust(right)
        for label, money in totals
    ]
    return "\n".join([lines[0], rule, *lines[1:], rule, *summary])


def _taxes(charges: tuple[TaxLine, ...], indent: int) -> list[str]:
    return [_row(f"tax: {c.reason}", _amount(c.amount), indent) for c in charges]


def explain(priced: PricedOrder) -> str:
    """Every step of the calculation, line by line, with each amount's source and reason."""
    basis = "include" if priced.prices_include_tax else "exclude"
    out = [
        f"Order {priced.order_id} (version {priced.version}), {priced.currency}, prices {basis} tax"
    ]
    for line in priced.lines:
        out.append(
            _row(
                f"{line.line_id} {line.title}: {line.quantity} x {line.unit_price.amount} "
                f"({line.unit_price_reason})",
                _amount(line.base),
            )
        )
        out.extend(
            _row(f"{adj.source}: {adj.reason}", _amount(adj.amount), 4) for adj in line.adjustments
        )
        out.append(_row("net", _amount(line.net), 4))
        out.extend(_taxes(line.taxes, 4))
    if priced.shipping is not None:
        shipping = priced.shipping
        out.append(_row(f"Shipping: {shipping.title}", _amount(shipping.price)))
        out.extend(
            _row(f"{adj.source}: {adj.reason}", _amount(adj.amount), 4)
            for adj in shipping.adjustments
        )
        out.extend(_taxes(shipping.taxes, 4))
    for charge in priced.entries:
        if charge.kind is EntryKind.DEBIT:
            shown = _amount(charge.amount)
        elif charge.taxable:
            shown = "(in lines)"
        else:
            shown = f"-{_amount(charge.amount)}"
        out.append(_row(f"{charge.kind.value}:{charge.id}: {charge.reason}", shown))
        out.extend(_taxes(charge.taxes, 4))
    summary = priced.tax_summary
    if summary:
        out.append("Tax by rate (taxable -> tax):")
        out.extend(
            f"  {s.rate.name} {s.rate.percentage}%: {_amount(s.taxable)} -> {_amount(s.tax)}"
            for s in summary
        )
    out.append("-" * _WIDTH)
    out.append(_row("Subtotal (before discounts)", _amount(priced.subtotal)))
    out.append(_row("Discounts", _amount(priced.discount_total)))
    out.append(_row("Subtotal after discounts", _amount(priced.net_subtotal)))
    out.append(_row("Shipping", _amount(priced.shipping_total)))
    if priced.debit_total.amount:
        out.append(_row("Debits", _amount(priced.debit_total)))
    tax_label = "Tax" + (" (included)" if priced.prices_include_tax else "")
    out.append(_row(tax_label, _amount(priced.tax_total)))
    if priced.credit_total.amount:
        out.append(_row("Credits after tax", f"-{_amount(priced.credit_total)}"))
    out.append(_row(f"Total {priced.currency}", _amount(priced.total)))
    billing = priced.billing
    if billing.is_recurring:
        out.append("Billing (the total is the first invoice; a later cycle is priced again):")
        out.extend(
            f"  {group.plan.describe()}: {', '.join(group.line_ids)}, "
            f"{_amount(group.amount)} per cycle"
            for group in billing.recurring
        )
        if billing.one_off:
            ids = ", ".join(line.line_id for line in billing.one_off)
            out.append(f"  once: {ids}, {_amount(billing.one_off_amount)}")
    if priced.points_earned or priced.points_redeemed:
        out.append(f"Points: {priced.points_earned} earned, {priced.points_redeemed} redeemed")
    if priced.rejections:
        out.append("Considered, not applied:")
        out.extend(f"  - {r.source} ({r.title}): {r.reason}" for r in priced.rejections)
    if priced.notes:
        out.append("Notes:")
        out.extend(f"  - {note}" for note in priced.notes)
    return "\n".join(out)
