"""A hand-written Decimal kernel of the benchmark order's arithmetic: the speed yardstick.

Same maths as ``draftorders.price`` on :mod:`scenario`'s order: manual line discounts, a
percentage product promotion on tagged lines, a percentage order promotion with a minimum
subtotal and a percentage manual order discount (each split over the lines by largest
remainder, ties to the smallest line id), shipping, and two tax rates on the lines and on
shipping, each rounded per line, half-up. No objects, no rules, no explanations: the numbers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from scenario import KernelLine, Result, Spec

_HUNDRED = Decimal(100)
_ZERO = Decimal(0)


def _split(lines: list[KernelLine], nets: list[Decimal], amount: Decimal, q: Decimal) -> None:
    """Take ``amount`` off ``nets`` in proportion to them, by largest remainder, in place."""
    units = int(amount / q)
    weights = [int(net / q) for net in nets]
    whole = sum(weights)
    shares = []
    order = []
    for i, w in enumerate(weights):
        share, rest = divmod(units * w, whole)
        shares.append(share)
        order.append((-rest, lines[i][0], i))
    for _, _, i in sorted(order)[: units - sum(shares)]:
        shares[i] += 1
    for i, share in enumerate(shares):
        nets[i] -= share * q


def price_kernel(lines: list[KernelLine], spec: Spec) -> Result:
    """Per line (id, net, tax), the tax total and the order total."""
    q = spec.quantum
    sale = spec.sale_pct
    nets = []
    for _line_id, unit, qty, kind, value, on_sale in lines:
        base = unit * qty
        if kind == "pct":
            off = (base * value / _HUNDRED).quantize(q, ROUND_HALF_UP)
        elif kind == "unit":
            off = value * qty
        elif kind == "amount":
            off = value
        else:
            off = _ZERO
        net = base - min(off, base)
        if on_sale and net:
            net -= min((net * sale / _HUNDRED).quantize(q, ROUND_HALF_UP), net)
        nets.append(net)
    subtotal = sum(nets, _ZERO)
    if subtotal and subtotal >= spec.order_min:
        discount = min((subtotal * spec.order_pct / _HUNDRED).quantize(q, ROUND_HALF_UP), subtotal)
        if discount:
            _split(lines, nets, discount, q)
    subtotal = sum(nets, _ZERO)
    if subtotal:
        discount = min((subtotal * spec.manual_pct / _HUNDRED).quantize(q, ROUND_HALF_UP), subtotal)
        if discount:
            _split(lines, nets, discount, q)
    rates = spec.rates
    result = []
    tax_total = _ZERO
    for (line_id, *_), net in zip(lines, nets, strict=True):
        tax = _ZERO
        for rate in rates:
            tax += (net * rate).quantize(q, ROUND_HALF_UP)
        tax_total += tax
        result.append((line_id, net, tax))
    for rate in rates:
        tax_total += (spec.shipping * rate).quantize(q, ROUND_HALF_UP)
    total = sum(nets, _ZERO) + spec.shipping + tax_total
    return result, tax_total, total
