"""A hand-written Decimal kernel of the pricing pipeline's arithmetic: the speed yardstick.

Same maths as ``draftorders.price`` for orders with list or manual unit prices, a manual
discount per line (percentage, fixed per line or per unit), an order discount (percentage
or fixed) split by largest remainder, shipping, and one flat tax rate (exclusive), rounded
per line. No objects, no explanations: just the numbers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

KernelLine = tuple[str, Decimal, int, str, Decimal]
"""(line id, unit price, quantity, discount kind: "" | "pct" | "amount" | "unit", value)."""


def price_kernel(
    lines: list[KernelLine],
    order_pct: Decimal | None,
    order_amount: Decimal | None,
    shipping: Decimal,
    rate: Decimal,
    exponent: Decimal,
) -> tuple[list[tuple[str, Decimal, Decimal]], Decimal, Decimal]:
    """Per line (id, net, tax), the tax total and the order total."""
    hundred = Decimal(100)
    nets = []
    for _line_id, unit, qty, kind, value in lines:
        base = unit * qty
        if kind == "pct":
            off = (base * value / hundred).quantize(exponent, ROUND_HALF_UP)
        elif kind == "unit":
            off = value * qty
        elif kind == "amount":
            off = value
        else:
            off = Decimal(0)
        nets.append(base - min(off, base))
    subtotal = sum(nets, Decimal(0))
    discount = Decimal(0)
    if order_pct is not None:
        discount = (subtotal * order_pct / hundred).quantize(exponent, ROUND_HALF_UP)
    elif order_amount is not None:
        discount = min(order_amount, subtotal)
    if discount and subtotal:
        units = int(discount / exponent)
        weights = [int(net / exponent) for net in nets]
        whole = sum(weights)
        shares = []
        order = []
        for i, w in enumerate(weights):
            share, rest = divmod(units * w, whole)
            shares.append(share)
            order.append((-rest, lines[i][0], i))
        for _, _, i in sorted(order)[: units - sum(shares)]:
            shares[i] += 1
        nets = [net - share * exponent for net, share in zip(nets, shares, strict=True)]
    result = []
    tax_total = Decimal(0)
    for (line_id, *_), net in zip(lines, nets, strict=True):
        tax = (net * rate).quantize(exponent, ROUND_HALF_UP)
        tax_total += tax
        result.append((line_id, net, tax))
    total = sum(nets, Decimal(0)) + shipping + tax_total
    return result, tax_total, total
