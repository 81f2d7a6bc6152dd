"""Locale-aware formatting of an invoice's money, rates, dates and words, with babel (CLDR)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import attrs
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_percent

from draftorders.customers import Address
from draftorders.errors import ValidationError
from draftorders.invoice.labels import labels_for
from draftorders.invoice.model import Invoice, InvoiceDiscount, InvoiceEntry
from draftorders.money import Money
from draftorders.order.notes import fill
from draftorders.order.terms import PaymentTerms, TermsKind

__all__ = ["InvoiceLocale"]

_CITY_FIRST = frozenset({"US", "CA", "AU", "GB", "IE", "NZ"})
"""Countries that write "City, Region Postcode"; the others here write "Postcode City"."""


def _locale(value: object) -> Locale:
    if isinstance(value, Locale):
        return value
    if not isinstance(value, str):
        raise ValidationError("locale", f"expected a locale name like 'en_US', got {value!r}")
    try:
        return Locale.parse(value.replace("-", "_"))
    except (UnknownLocaleError, ValueError) as error:
        raise ValidationError("locale", f"{value!r} is not a known locale ({error})") from error


@attrs.frozen
class InvoiceLocale:
    """Formats for one locale: ``InvoiceLocale("de_DE").money(m)`` is ``1.099,98 €``."""

    locale: Locale = attrs.field(converter=_locale)

    @property
    def tag(self) -> str:
        """The locale as a BCP 47 tag for ``<html lang>``: ``de-DE``, ``sr-Latn-RS``."""
        parts = (self.locale.language, self.locale.script, self.locale.territory)
        return "-".join(part for part in parts if part)

    @property
    def words(self) -> Mapping[str, str]:
        """The invoice's labels in this locale's language."""
        return labels_for(self.locale.language)

    def money(self, amount: Money) -> str:
        """An amount with its currency, as this locale writes it, at the currency's decimals."""
        return format_currency(amount.amount, amount.currency.code, locale=self.locale)

    def rate(self, fraction: Decimal) -> str:
        """A tax rate as a percentage, every decimal kept: 8.25% / 8,25 %."""
        return format_percent(fraction, locale=self.locale, decimal_quantization=False)

    def date(self, day: dt.date) -> str:
        """A date in the locale's long form: March 2, 2026 / 2. März 2026 / 2026年3月2日."""
        return format_date(day, format="long", locale=self.locale)

    def terms(self, terms: PaymentTerms) -> str:
        """Payment terms in words."""
        words = self.words
        if terms.kind is TermsKind.NET_DAYS:
            return words["net_days"].format(days=terms.days)
        if terms.kind is TermsKind.FIXED_DATE:
            assert terms.date is not None
            return words["fixed_date"].format(date=self.date(terms.date))
        return words[terms.kind.value]

    def discount(self, discount: InvoiceDiscount) -> str:
        """A discount's label: its kind, and the promotion's or credit's title when it has one."""
        label = self.words[discount.kind.value]
        return f"{label}: {discount.title}" if discount.title else label

    def entry(self, entry: InvoiceEntry) -> str:
        """A debit's or credit's label; redeemed points say how many."""
        if entry.points is not None:
            return self.words["points"].format(points=entry.points)
        return entry.title or self.words["credit"]

    def address(self, address: Address) -> list[str]:
        """An address as lines, the city line in the order the address's country writes it, and
        the country's name in this locale's language."""
        city = " ".join(p for p in (address.postal_code, address.city) if p)
        if address.country in _CITY_FIRST:
            city = ", ".join(p for p in (address.city, address.region) if p)
            city = " ".join(p for p in (city, address.postal_code) if p)
        elif address.region:
            city = " ".join(p for p in (city, address.region) if p)
        country = self.locale.territories.get(address.country, address.country)
        parts = (address.name, address.company, address.line1, address.line2, city, country)
        return [part for part in parts if part]

    def placeholders(self, invoice: Invoice) -> dict[str, str]:
        """Values for the note and terms placeholders, formatted for this locale."""
        buyer = invoice.buyer
        return {
            "customer_name": buyer.name if buyer is not None else "",
            "order_id": invoice.order_id,
            "invoice_number": invoice.number or "",
            "due_date": self.date(invoice.due_date),
            "amount_due": self.money(invoice.amount_due),
            "shop_name": invoice.seller.name,
        }

    def notes(self, invoice: Invoice) -> str:
        """The invoice's customer notes with placeholders filled."""
        return fill(invoice.notes, self.placeholders(invoice))

    def order_terms(self, invoice: Invoice) -> str:
        """The invoice's order terms with placeholders filled."""
        return fill(invoice.terms, self.placeholders(invoice))
