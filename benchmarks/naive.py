"""The benchmark order's arithmetic written naively with py-moneyed: Money objects everywhere.

The same maths as :mod:`kernel`, as one would first write it with a Money library: every
amount a ``moneyed.Money``, every sum, product and comparison a Money operation, rounding by
quantizing the Money's amount. What the engine's integer minor units are measured against.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from moneyed import Money

from scenario import KernelLine, Result, Spec

_HUNDRED = Decimal(100)


def _round(money: Money) -> Money:
    return Money(money.amount.quantize(Decimal("0.01"), ROUND_HALF_UP), money.currency)


def _split(lines: list[KernelLine], nets: list[Money], amount: Money) -> None:
    """Take ``amount`` off ``nets`` in proportion, largest remainder, one cent at a time."""
    cent = Money("0.01", amount.currency)
    whole = sum(nets, Money(0, amount.currency))
    shares = []
    order = []
    for i, net in enumerate(nets):
        exact = amount * (net.amount / whole.amount)
        share = Money(exact.amount.quantize(Decimal("0.01"), "ROUND_DOWN"), amount.currency)
        rest = amount * net.amount - share * whole.amount
        shares.append(share)
        order.append((-rest.amount, lines[i][0], i))
    left = amount - sum(shares, Money(0, amount.currency))
    for _, _, i in sorted(order):
        if left <= Money(0, amount.currency):
            break
        shares[i] += cent
        left -= cent
    for i, share in enumerate(shares):
        nets[i] -= share


def price_naive(lines: list[KernelLine], spec: Spec, currency: str = "USD") -> Result:
    """Per line (id, net, tax), the tax total and the order total, all through Money."""
    zero = Money(0, currency)
    nets = []
    for _line_id, unit, qty, kind, value, on_sale in lines:
        base = Money(unit, currency) * qty
        if kind == "pct":
            off = _round(base * value / _HUNDRED)
        elif kind == "unit":
            off = Money(value, currency) * qty
        elif kind == "amount":
            off = Money(value, currency)
        else:
            off = zero
        net = base - min(off, base)
        if on_sale and net > zero:
            net -= min(_round(net * spec.sale_pct / _HUNDRED), net)
        nets.append(net)
    subtotal = sum(nets, zero)
    if subtotal > zero and subtotal >= Money(spec.order_min, currency):
        discount = min(_round(subtotal * spec.order_pct / _HUNDRED), subtotal)
        if discount > zero:
            _split(lines, nets, discount)
    subtotal = sum(nets, zero)
    if subtotal > zero:
        discount = min(_round(subtotal * spec.manual_pct / _HUNDRED), subtotal)
        if discount > zero:
            _split(lines, nets, discount)
    result = []
    tax_total = zero
    for (line_id, *_), net in zip(lines, nets, strict=True):
        tax = zero
        for rate in spec.rates:
            tax += _round(net * rate)
        tax_total += tax
        result.append((line_id, net.amount, tax.amount))
    shipping = Money(spec.shipping, currency)
    for rate in spec.rates:
        tax_total += _round(shipping * rate)
    total = sum(nets, zero) + shipping + tax_total
    return result, tax_total.amount, total.amount
