"""External tax engines: a request for a tax quote, the quote, and the provider port.

Pricing never calls a provider. The service prices the order without tax, sends a
:class:`TaxRequest` (each taxable line's net, keyed by line id, and shipping), checks the
:class:`TaxQuote` it gets back, and prices again with the quote in the context. When no
provider is configured, the context's table-based :class:`~draftorders.tax.TaxCalculator`
is used instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

import attrs

from draftorders._frozendict import FrozenDict
from draftorders._validate import check_type, money_amount
from draftorders.customers import Address
from draftorders.errors import ValidationError
from draftorders.money import Money
from draftorders.tax.rate import TaxRate

__all__ = ["QuotedTax", "TaxProvider", "TaxQuote", "TaxRequest", "TaxRequestLine"]


@attrs.frozen
class TaxRequestLine:
    """One taxable line as sent to a tax engine: its net after discounts."""

    line_id: str
    sku: str | None
    tax_category: str
    quantity: int
    amount: Money


@attrs.frozen
class TaxRequest:
    """What a tax engine needs to quote an order."""

    order_id: str
    currency: str
    destination: Address | None
    prices_include_tax: bool
    lines: tuple[TaxRequestLine, ...]
    shipping: Money | None


@attrs.frozen
class QuotedTax:
    """Tax at one rate, as the engine computed it: the rate and the amount."""

    rate: TaxRate = attrs.field(validator=check_type(TaxRate))
    amount: Money = attrs.field(validator=money_amount)


def _quoted(value: Mapping[str, Iterable[QuotedTax]]) -> Mapping[str, tuple[QuotedTax, ...]]:
    table = {}
    for line_id, taxes in value.items():
        taxes = tuple(taxes)
        for tax in taxes:
            if not isinstance(tax, QuotedTax):
                raise ValidationError("quote", f"expected QuotedTax for {line_id!r}, got {tax!r}")
        table[line_id] = taxes
    return FrozenDict(table)


def _quoted_shipping(value: Iterable[QuotedTax]) -> tuple[QuotedTax, ...]:
    return _quoted({"shipping": value})["shipping"]


@attrs.frozen
class TaxQuote:
    """Taxes per line id (and for shipping), for one request."""

    lines: Mapping[str, tuple[QuotedTax, ...]] = attrs.field(converter=_quoted)
    shipping: tuple[QuotedTax, ...] = attrs.field(default=(), converter=_quoted_shipping)

    def check(self, request: TaxRequest) -> TaxQuote:
        """This quote if it answers ``request``: known line ids, in the order's currency."""
        known = {line.line_id for line in request.lines}
        unknown = sorted(set(self.lines) - known)
        if unknown:
            raise ValidationError("quote", f"the quote names lines the request did not: {unknown}")
        if self.shipping and request.shipping is None:
            raise ValidationError("quote", "the quote taxes shipping, and the order has none")
        for tax in (*self.shipping, *(t for taxes in self.lines.values() for t in taxes)):
            if tax.amount.currency.code != request.currency:
                raise ValidationError(
                    "quote",
                    f"{tax.rate.name} is in {tax.amount.currency.code}, not {request.currency}",
                )
        return self


class TaxProvider(Protocol):
    """An external tax engine. Raising any exception is a failure; the service wraps it."""

    def quote(self, request: TaxRequest) -> TaxQuote:
        """Taxes for every line of the request, keyed by line id."""
        ...
