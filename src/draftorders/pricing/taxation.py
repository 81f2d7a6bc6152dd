"""Tax arithmetic for the pricing pipeline's tax stage, under the shop's rounding policy.

Each taxed item (a line, shipping, a taxable debit) is taxed per rate in integer minor units.
Where the rounding happens is the policy's ``tax_level``:

- ``UNIT``: the tax on one unit's net, rounded, times the quantity;
- ``LINE``: the tax on the item's net, rounded (the default);
- ``DOCUMENT``: per rate, the exact taxes of every item are summed and rounded once, then the
  rounded total is split back over the items by largest remainder.

With tax-inclusive prices the amount is gross. The policy's ``inclusive_target`` says whether
the tax is rounded (and the net is the rest) or the net is rounded (and the tax is the rest,
split over the rates in proportion to them; per document, each rate's total is the gross
less its rounded net). Either way net + tax is exactly the gross.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from fractions import Fraction
from functools import lru_cache
from math import lcm
from typing import Any

from draftorders.explain import Why
from draftorders.money import MinorUnits
from draftorders.pricing import reasons
from draftorders.pricing.records import AMOUNT, TaxRecord, pack
from draftorders.rounding import InclusiveTarget, RoundingPolicy, TaxLevel, allocate_units
from draftorders.tax import TaxRate

__all__ = ["RateFactors", "Taxed", "TaxedItem", "Taxer", "rate_factors"]

RateFactors = tuple[tuple[TaxRate, Fraction, int, int], ...]
"""Each rate with the exact fraction of the (net or gross) amount it takes, also as its
numerator and denominator (read in the hot path without Fraction's properties)."""


@lru_cache(maxsize=1024)
def rate_factors(rates: tuple[TaxRate, ...], inclusive: bool) -> RateFactors:
    """The exact fraction of the amount each rate takes; pure, so cached per rate set.

    A simple rate takes ``r`` of the net; a compound one ``r x (1 + the fractions before
    it)``. With tax-inclusive prices the amount is gross, so each fraction is divided by
    ``1 + the sum of all fractions``.
    """
    fractions = []
    before = Fraction(0)
    for rate in rates:
        fraction = Fraction(rate.fraction)
        if rate.compound:
            fraction *= 1 + before
        fractions.append(fraction)
        before += fraction
    if inclusive:
        fractions = [fraction / (1 + before) for fraction in fractions]
    return tuple(
        (rate, fraction, fraction.numerator, fraction.denominator)
        for rate, fraction in zip(rates, fractions, strict=True)
    )


class TaxedItem:
    """A taxed item kept for rounding per document: key, amount, rates and its packed taxes."""

    __slots__ = ("amount", "factors", "key", "taxes")

    def __init__(self, key: str, amount: int, factors: RateFactors) -> None:
        self.key = key
        self.amount = amount
        self.factors = factors
        self.taxes: Taxed = ((), 0)


Taxed = tuple[tuple[Any, ...], int]
"""An item's taxes: its tax records, packed (see :mod:`draftorders.pricing.records`), and
their total in minor units."""


def _taxed(records: Sequence[TaxRecord]) -> Taxed:
    return pack(records), sum(record[AMOUNT] for record in records)


def _within_gross(amount: int, records: list[TaxRecord]) -> Taxed:
    """Inclusive records with their base (gross less taxes); taxes rounded per unit upwards on
    tiny amounts can pass the gross, so each is capped at what the gross has left."""
    left = amount
    capped = []
    for rate, _, tax, *why in records:
        tax = min(tax, left)
        left -= tax
        capped.append((rate, tax, why))
    return _taxed([(rate, left, tax, *why) for rate, tax, why in capped])


def _weights(fractions: Sequence[Fraction]) -> list[int]:
    """Integers in the same proportions as ``fractions`` (all >= 0)."""
    common = lcm(*(f.denominator for f in fractions)) if fractions else 1
    return [f.numerator * (common // f.denominator) for f in fractions]


class Taxer:
    """Taxes items of one order under one rounding policy.

    ``tax(amount, quantity, factors)`` gives an item's taxes as :data:`Taxed`: its records
    packed, and their total.
    """

    def __init__(self, scale: MinorUnits, policy: RoundingPolicy, inclusive: bool) -> None:
        self.scale = scale
        self.divide = policy.divide
        self.mode = policy.label
        self.level = policy.tax_level
        self.net_target = inclusive and policy.inclusive_target is InclusiveTarget.NET
        self.inclusive = inclusive
        self.remainder = policy.remainder
        self.tax = (
            self._rounded_per_line
            if self.level is not TaxLevel.UNIT and not (self.net_target)
            else self._per_rate
        )

    def _rounded_per_line(self, amount: int, quantity: int, factors: RateFactors) -> Taxed:
        """The common case, kept short: each rate rounded on the line, the tax as the target
        (one rate, or several, each on the same line amount). Packs the records as it goes:
        it runs once per line."""
        scale, divide, inclusive, mode = self.scale, self.divide, self.inclusive, self.mode
        if len(factors) == 1:
            rate, _, num, den = factors[0]
            tax = divide(amount * num, den)
            base = amount - tax if inclusive else amount
            why = reasons.tax
            return (  # packed: length, then its 12 fields
                12,
                rate,
                base,
                tax,
                why,
                scale,
                rate,
                inclusive,
                amount,
                num,
                den,
                tax,
                mode,
            ), tax
        if inclusive:
            return _within_gross(
                amount,
                [
                    (rate, amount, tax, reasons.tax, scale, rate, True, amount, num, den, tax, mode)
                    for rate, _, num, den in factors
                    for tax in (divide(amount * num, den),)
                ],
            )
        packed: tuple[Any, ...] = ()
        total = 0
        why = reasons.tax
        for rate, _, num, den in factors:
            tax = divide(amount * num, den)
            total += tax
            packed += (12, rate, amount, tax, why, scale, rate, False, amount, num, den, tax, mode)
            # packed: length, then its 12 fields; a record of its own would be one more object
        return packed, total

    def _per_rate(self, amount: int, quantity: int, factors: RateFactors) -> Taxed:
        """Tax per rate on ``amount``, rounded at the unit or the line (for the document
        level, :meth:`per_document` replaces these afterwards); on the line it is
        :meth:`_rounded_per_line`, which ``tax`` calls directly when nothing else applies."""
        divide, scale, inclusive = self.divide, self.scale, self.inclusive
        per_unit = self.level is TaxLevel.UNIT and quantity > 1
        if self.net_target:
            return self._net_rounded(amount, quantity, factors, per_unit)
        if not per_unit:
            return self._rounded_per_line(amount, quantity, factors)
        records: list[TaxRecord] = []
        for rate, _, numerator, denominator in factors:
            tax = divide(amount * numerator, denominator * quantity) * quantity
            why = (reasons.tax_per_unit, scale, rate, inclusive, amount, quantity, tax)
            records.append((rate, amount, tax, *why))
        if inclusive:
            return _within_gross(amount, records)
        return _taxed(records)

    def _net_rounded(
        self, amount: int, quantity: int, factors: RateFactors, per_unit: bool
    ) -> Taxed:
        """Inclusive prices, net rounded: tax = gross - net, split over the rates."""
        keep = 1 - sum((fraction for _, fraction, _, _ in factors), Fraction(0))
        why = reasons.tax_net_rounded
        if keep == 1:  # only 0% rates: nothing to extract, whatever the rounding
            return _taxed(
                [
                    (rate, amount, 0, why, self.scale, rate, amount, amount, 0)
                    for rate, *_ in factors
                ]
            )
        if per_unit:
            net = self.divide(amount * keep.numerator, keep.denominator * quantity) * quantity
        else:
            net = self.divide(amount * keep.numerator, keep.denominator)
        net = min(max(net, 0), amount)  # rounding per unit up can pass the gross
        fractions = [fraction for _, fraction, _, _ in factors]
        total = amount - net
        shares = allocate_units(total, _weights(fractions), [r.name for r, *_ in factors])
        return _taxed(
            [
                (rate, net, share, why, self.scale, rate, amount, net, share)
                for (rate, *_), share in zip(factors, shares, strict=True)
            ]
        )

    def per_document(self, items: Sequence[TaxedItem]) -> None:
        """Round each rate once over all items, and split the total back by largest remainder.

        Replaces the items' taxes; with inclusive prices each item's base becomes its gross
        less its new taxes.
        """
        exact: defaultdict[TaxRate, list[tuple[int, int, Fraction]]] = defaultdict(list)
        for index, item in enumerate(items):
            for position, (rate, fraction, _, _) in enumerate(item.factors):
                exact[rate].append((index, position, item.amount * fraction))
        new: dict[tuple[int, int], tuple[int, Why]] = {}
        for rate, entries in exact.items():
            whole = sum((value for _, _, value in entries), Fraction(0))
            if self.net_target:  # round the net (gross - tax): tax = top - round(top - whole)
                top = -(-whole.numerator // whole.denominator)
                rest = top - whole
                total = top - self.divide(rest.numerator, rest.denominator)
            else:
                total = self.divide(whole.numerator, whole.denominator)
            weights = _weights([value for _, _, value in entries])
            keys = [items[index].key for index, _, _ in entries]
            shares = (
                allocate_units(total, weights, keys, self.remainder)
                if any(weights)
                else [0] * len(weights)
            )
            for (index, position, value), share in zip(entries, shares, strict=True):
                why = (
                    reasons.tax_document,
                    self.scale,
                    rate,
                    whole,
                    total,
                    value,
                    share,
                    self.mode,
                )
                new[(index, position)] = (share, why)
        for index, item in enumerate(items):
            records: list[TaxRecord] = []
            for position, (rate, *_) in enumerate(item.factors):
                share, why = new[(index, position)]
                records.append((rate, item.amount, share, *why))
            if self.inclusive:
                base = item.amount - sum(record[AMOUNT] for record in records)
                records = [(rate, base, share, *why) for rate, _, share, *why in records]
            item.taxes = _taxed(records)
