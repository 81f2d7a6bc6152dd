"""The draft order: a frozen value whose every edit returns a new order with ``version + 1``.

An edit that fails raises a typed error and, since nothing is mutated, changes nothing. Only a
draft can be edited; an order whose invoice was sent, or that was paid, raises
:class:`~draftorders.errors.OrderLocked`. Status changes live in :mod:`draftorders.lifecycle`.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import attrs

from draftorders._compat import deprecated
from draftorders._validate import (
    calendar_date,
    check_type,
    loyalty_points,
    money_amount,
    non_empty_text,
    optional_text,
    sequence,
)
from draftorders.billing import BillingPlan
from draftorders.catalog import Catalog
from draftorders.customers import Address, Customer
from draftorders.errors import (
    CurrencyMismatch,
    OrderLocked,
    ShippingAddressRequired,
    UnknownLine,
    ValidationError,
)
from draftorders.ids import check_order_id, line_id
from draftorders.money import Money, currency, to_money
from draftorders.order.details import OrderDetails
from draftorders.order.discounts import DiscountKind, ManualDiscount
from draftorders.order.entries import EntryKind, OrderEntry
from draftorders.order.lines import LineItem, LineKind
from draftorders.order.notes import NoteTemplate, check_placeholders
from draftorders.order.terms import PaymentTerms

__all__ = ["DraftOrder", "ShippingLine", "Status", "normal_code"]


class Status(enum.Enum):
    """Where an order is in its life."""

    DRAFT = "draft"
    """Being built; editable."""
    INVOICE_SENT = "invoice_sent"
    """Invoice sent to the customer; locked until paid or reverted to draft."""
    COMPLETED = "completed"
    """Accepted (paid, or payment pending under its terms); on the orders list; final."""
    CANCELLED = "cancelled"
    """Given up before completion; kept with its money records; final."""


@attrs.frozen
class ShippingLine:
    """A shipping method and its price, as charged on the order.

    ``from_rates`` is True when the method was chosen from the shop's rates (its price is then
    re-computed when the order changes); False for a custom method and price typed in.
    """

    title: str = attrs.field(validator=non_empty_text)
    price: Money = attrs.field(validator=money_amount)
    from_rates: bool = attrs.field(default=False, validator=check_type(bool))


def _details(value: object) -> OrderDetails | None:
    if value is None or isinstance(value, OrderDetails):
        return value
    raise ValidationError("details", f"expected OrderDetails or None, got {value!r}")


def _codes(value: object) -> tuple[str, ...]:
    codes: list[str] = []
    for code in sequence(value, "coupon_codes"):
        normal = normal_code(code)
        if normal not in codes:
            codes.append(normal)
    return tuple(codes)


def normal_code(code: object) -> str:
    """A coupon code as compared: stripped and upper-cased (codes are case-insensitive)."""
    if not isinstance(code, str) or not code.strip() or any(c.isspace() for c in code.strip()):
        raise ValidationError("code", f"{code!r} is not a coupon code (letters, digits, no blanks)")
    return code.strip().upper()


def _text(value: object, field: str) -> str:
    if isinstance(value, NoteTemplate):
        return value.text
    if not isinstance(value, str):
        raise ValidationError(field, f"expected text or a NoteTemplate, got {value!r}")
    return check_placeholders(value, field)


def _notes_text(value: object) -> str:
    return _text(value, "notes")


def _terms_text(value: object) -> str:
    return _text(value, "terms")


def _po_number(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 0 < len(value.strip()) <= 64 or not value.isprintable():
        raise ValidationError(
            "po_number", f"{value!r} is not a purchase order number (1-64 printable characters)"
        )
    return value.strip()


def _optional(kind: type) -> Any:
    return attrs.validators.optional(check_type(kind))


@attrs.frozen
class DraftOrder:
    """An order built on behalf of a customer, from draft to invoice sent to completed.

    Build one with :meth:`new`; change it with the ``set_*``, ``add_*`` and ``remove_*`` edits,
    each returning a new order. Amounts are computed by
    :func:`draftorders.pricing.price`, never stored here.
    """

    id: str = attrs.field(converter=check_order_id)
    currency: str = attrs.field()
    order_date: dt.date = attrs.field(validator=calendar_date)
    status: Status = attrs.field(default=Status.DRAFT, validator=check_type(Status))
    version: int = 1
    customer: Customer | None = attrs.field(default=None, validator=_optional(Customer))
    billing_address: Address | None = attrs.field(default=None, validator=_optional(Address))
    shipping_address: Address | None = attrs.field(default=None, validator=_optional(Address))
    lines: tuple[LineItem, ...] = ()
    order_discount: ManualDiscount | None = attrs.field(
        default=None, validator=_optional(ManualDiscount)
    )
    shipping: ShippingLine | None = attrs.field(default=None, validator=_optional(ShippingLine))
    notes: str = attrs.field(default="", converter=_notes_text)
    """Customer notes shown on the invoice; may hold placeholders (see note_templates)."""
    terms: str = attrs.field(default="", converter=_terms_text)
    """Order terms shown on the invoice; may hold placeholders."""
    po_number: str | None = attrs.field(default=None, converter=_po_number)
    """The customer's purchase order number, printed on the invoice."""
    payment_terms: PaymentTerms = attrs.field(
        factory=PaymentTerms.due_on_receipt, validator=check_type(PaymentTerms)
    )
    """When the invoice falls due, counted from the day it is issued."""
    details: OrderDetails | None = attrs.field(default=None, converter=_details)
    taxes_enabled: bool = attrs.field(default=True, validator=check_type(bool))
    lines_added: int = 0
    """How many lines were ever added; the next line id is ``L<lines_added + 1>``."""
    coupon_codes: tuple[str, ...] = attrs.field(default=(), converter=_codes)
    """Coupon codes entered for the order, upper-cased, each once, in the order entered."""
    entries: tuple[OrderEntry, ...] = ()
    """Order-level credits and debits."""
    points_redeemed: int = attrs.field(default=0, validator=loyalty_points)
    """Loyalty points the customer spends on this order, as a credit."""
    invoiced_total: Money | None = None
    """The total of the invoice sent for this version; None unless the invoice is sent."""
    completed_total: Money | None = None
    """The total the order was completed at, which payments are counted against."""
    consent: bool = attrs.field(default=False, validator=check_type(bool))
    """The customer agreed to be charged (e.g. on their payment method on file)."""
    payment_method_id: str | None = attrs.field(default=None, converter=optional_text)
    """The customer's stored payment method to charge, if the order is paid that way."""

    @currency.validator
    def _check_currency(self, _: attrs.Attribute[str], value: str) -> None:
        currency(value)

    def __attrs_post_init__(self) -> None:
        if self.shipping is not None and self.shipping_address is None:
            raise ShippingAddressRequired(
                "shipping", "set a shipping address before adding a shipping line"
            )
        if self.order_discount is not None:
            _check_order_discount(self.order_discount, self.currency)
        _check_lines(self.lines, self.currency)
        _check_entries(self.entries, self.currency)

    @classmethod
    def new(
        cls,
        order_id: str,
        currency: str,
        order_date: dt.date,
        *,
        customer: Customer | None = None,
    ) -> DraftOrder:
        """An empty draft with this id, currency and date (the service supplies "today")."""
        return cls(id=order_id, currency=currency, order_date=order_date, customer=customer)

    @property
    def is_locked(self) -> bool:
        """True once the invoice was sent or the order was paid."""
        return self.status is not Status.DRAFT

    def line(self, line_id: str) -> LineItem:
        """The line with this id; :class:`UnknownLine` if there is none."""
        for item in self.lines:
            if item.id == line_id:
                return item
        raise UnknownLine(line_id)

    # -- order-level edits -------------------------------------------------------------------

    def set_customer(self, customer: Customer | None) -> DraftOrder:
        """Set (or clear, with None) the customer; a new customer can be made on the spot."""
        return self._edit("set customer", customer=customer)

    def set_billing_address(self, address: Address | None) -> DraftOrder:
        """Set or clear the billing address (the customer can complete it at checkout)."""
        return self._edit("set billing address", billing_address=address)

    def set_shipping_address(self, address: Address | None) -> DraftOrder:
        """Set or clear the shipping address; clearing it needs the shipping line gone first."""
        return self._edit("set shipping address", shipping_address=address)

    def set_order_date(self, order_date: dt.date) -> DraftOrder:
        """Change the order date."""
        return self._edit("set order date", order_date=order_date)

    def set_notes(self, notes: str | NoteTemplate) -> DraftOrder:
        """Replace the customer notes: text, or a template whose text is copied (then editable)."""
        return self._edit("set notes", notes=notes)

    def set_terms(self, terms: str | NoteTemplate) -> DraftOrder:
        """Replace the order terms: text, or a template whose text is copied (then editable)."""
        return self._edit("set terms", terms=terms)

    def set_po_number(self, po_number: str | None) -> DraftOrder:
        """Set or clear the customer's purchase order number."""
        return self._edit("set PO number", po_number=po_number)

    def set_consent(self, consent: bool) -> DraftOrder:
        """Record whether the customer agreed to be charged for this order."""
        return self._edit("set consent", consent=consent)

    def set_payment_method(self, method_id: str | None) -> DraftOrder:
        """Pay with the customer's stored method ``method_id`` ("payment method on file")."""
        return self._edit("set payment method", payment_method_id=method_id)

    def set_payment_terms(self, terms: PaymentTerms) -> DraftOrder:
        """Choose when the invoice falls due (due on receipt unless set)."""
        return self._edit("set payment terms", payment_terms=terms)

    def set_details(self, details: OrderDetails | None) -> DraftOrder:
        """Attach free-form order details (JSON or XML), or clear them."""
        return self._edit("set details", details=details)

    def set_taxes_enabled(self, enabled: bool) -> DraftOrder:
        """Switch taxes on or off for this order."""
        return self._edit("switch taxes", taxes_enabled=enabled)

    def set_order_discount(self, discount: ManualDiscount | None) -> DraftOrder:
        """Set or clear the order-wide manual discount (percentage or fixed amount)."""
        return self._edit("set order discount", order_discount=discount)

    def set_shipping(
        self, title: str, price: Money | object, *, from_rates: bool = False
    ) -> DraftOrder:
        """Charge shipping: a method title and its price, in the order's currency; typed in
        (a custom rate), or chosen from the shop's rates (``from_rates=True``)."""
        self._require_draft("set shipping")
        money = to_money(price, self.currency, "shipping.price")
        line = ShippingLine(title, money, from_rates)
        return self._edit("set shipping", shipping=line)

    def clear_shipping(self) -> DraftOrder:
        """Remove the shipping line."""
        return self._edit("clear shipping", shipping=None)

    # -- line edits ----------------------------------------------------------------------------

    def add_product(self, catalog: Catalog, sku: str, quantity: int = 1) -> DraftOrder:
        """Add ``quantity`` of the catalog product ``sku`` at its list price (and with its
        billing plan, if it has one)."""
        self._require_draft("add product")
        product = catalog.product(sku)
        if product.currency_code != self.currency:
            raise CurrencyMismatch("price", self.currency, product.currency_code)
        number = self.lines_added + 1
        item = LineItem.from_product(line_id(number), product, quantity)
        return self._edit("add product", lines=(*self.lines, item), lines_added=number)

    def add_custom_item(
        self,
        title: str,
        price: Money | object,
        quantity: int = 1,
        *,
        taxable: bool = True,
        requires_shipping: bool = True,
        tax_category: str = "standard",
        billing_plan: BillingPlan | None = None,
    ) -> DraftOrder:
        """Add a custom item: an extra cost, or a product not in the catalog; with a
        ``billing_plan`` it recurs (a service fee billed monthly)."""
        self._require_draft("add custom item")
        number = self.lines_added + 1
        item = LineItem(
            id=line_id(number),
            kind=LineKind.CUSTOM,
            title=title,
            list_price=to_money(price, self.currency, "price"),
            quantity=quantity,
            taxable=taxable,
            requires_shipping=requires_shipping,
            tax_category=tax_category,
            billing_plan=billing_plan,
        )
        return self._edit("add custom item", lines=(*self.lines, item), lines_added=number)

    def set_quantity(self, line_id: str, quantity: int) -> DraftOrder:
        """Change a line's quantity (at least 1; remove the line to drop it)."""
        return self._edit_line(line_id, "set quantity", quantity=quantity)

    def set_unit_price(self, line_id: str, price: Money | object | None) -> DraftOrder:
        """Override a line's unit price by hand, or go back to its list price with None."""
        self._require_draft("set unit price")
        override = None if price is None else to_money(price, self.currency, "unit_price")
        return self._edit_line(line_id, "set unit price", unit_price_override=override)

    def set_line_discount(self, line_id: str, discount: ManualDiscount | None) -> DraftOrder:
        """Set or clear a line's manual discount (percentage, fixed per line or per unit)."""
        return self._edit_line(line_id, "set line discount", discount=discount)

    def set_discount_percentage(self, line_id: str, percentage: object) -> DraftOrder:
        """Shortcut: give a line a ``percentage`` % manual discount."""
        self._require_draft("set line discount")
        return self.set_line_discount(line_id, ManualDiscount.percent(percentage))

    def remove_line(self, line_id: str) -> DraftOrder:
        """Remove a line; the ids of the other lines do not change."""
        self._require_draft("remove line")
        self.line(line_id)
        kept = tuple(item for item in self.lines if item.id != line_id)
        return self._edit("remove line", lines=kept)

    def set_pricing_rule(self, line_id: str, rule_id: str | None) -> DraftOrder:
        """Price a line by one of its product's pricing rules, or let pricing choose (None)."""
        return self._edit_line(line_id, "set pricing rule", pricing_rule=rule_id)

    def set_line_points(self, line_id: str, points: int | None) -> DraftOrder:
        """Set the loyalty points a line earns by hand, or go back to the program's (None)."""
        return self._edit_line(line_id, "set line points", points=points)

    def set_billing_plan(self, line_id: str, plan: BillingPlan | None) -> DraftOrder:
        """Bill a line on ``plan`` instead of its product's plan, or once only (None)."""
        return self._edit_line(line_id, "set billing plan", billing_plan=plan)

    # -- codes, credits, debits and points -------------------------------------------------------

    def add_code(self, code: str) -> DraftOrder:
        """Enter a coupon code (case-insensitive; entering it twice keeps it once)."""
        self._require_draft("add code")
        return self._edit("add code", coupon_codes=(*self.coupon_codes, normal_code(code)))

    def remove_code(self, code: str) -> DraftOrder:
        """Remove a coupon code; a code the order does not have raises ValidationError."""
        self._require_draft("remove code")
        normal = normal_code(code)
        if normal not in self.coupon_codes:
            raise ValidationError("code", f"the order has no code {normal!r}")
        kept = tuple(c for c in self.coupon_codes if c != normal)
        return self._edit("remove code", coupon_codes=kept)

    def add_credit(
        self,
        title: str,
        amount: Money | object,
        *,
        taxable: bool = False,
        entry_id: str | None = None,
    ) -> DraftOrder:
        """Add a credit (goodwill, store credit); non-taxable unless ``taxable=True``."""
        return self._add_entry(EntryKind.CREDIT, title, amount, taxable, entry_id)

    def add_debit(
        self,
        title: str,
        amount: Money | object,
        *,
        taxable: bool = False,
        tax_category: str = "standard",
        entry_id: str | None = None,
    ) -> DraftOrder:
        """Add a debit (handling fee, surcharge); non-taxable unless ``taxable=True``."""
        return self._add_entry(EntryKind.DEBIT, title, amount, taxable, entry_id, tax_category)

    def remove_entry(self, entry_id: str) -> DraftOrder:
        """Remove a credit or debit by id."""
        self._require_draft("remove entry")
        if entry_id not in {entry.id for entry in self.entries}:
            raise ValidationError("entry_id", f"the order has no credit or debit {entry_id!r}")
        kept = tuple(entry for entry in self.entries if entry.id != entry_id)
        return self._edit("remove entry", entries=kept)

    def remove_charge(self, charge_id: str) -> DraftOrder:
        """Deprecated name of :meth:`remove_entry` (goes in 0.3)."""
        deprecated("DraftOrder.remove_charge", "DraftOrder.remove_entry")
        return self.remove_entry(charge_id)

    @property
    def charges(self) -> tuple[OrderEntry, ...]:
        """Deprecated name of :attr:`entries` (goes in 0.3)."""
        deprecated("DraftOrder.charges", "DraftOrder.entries")
        return self.entries

    def redeem_points(self, points: int) -> DraftOrder:
        """Spend ``points`` loyalty points on this order (0 to stop); valued by the context."""
        return self._edit("redeem points", points_redeemed=points)

    def duplicate(self, order_id: str, order_date: dt.date) -> DraftOrder:
        """A new draft with the same contents under a new id, e.g. to re-create a wrong order."""
        return attrs.evolve(
            self,
            id=order_id,
            order_date=order_date,
            status=Status.DRAFT,
            version=1,
            invoiced_total=None,
            completed_total=None,
            consent=False,
        )

    # -- helpers -------------------------------------------------------------------------------

    def _edit(self, edit: str, **changes: Any) -> DraftOrder:
        """The order with ``changes`` and the next version; a locked order refuses first."""
        self._require_draft(edit)
        return attrs.evolve(self, version=self.version + 1, **changes)

    def _edit_line(self, line_id: str, edit: str, **changes: Any) -> DraftOrder:
        self._require_draft(edit)
        self.line(line_id)
        lines = tuple(
            attrs.evolve(item, **changes) if item.id == line_id else item for item in self.lines
        )
        return attrs.evolve(self, version=self.version + 1, lines=lines)

    def _add_entry(
        self,
        kind: EntryKind,
        title: str,
        amount: Money | object,
        taxable: bool,
        entry_id: str | None,
        tax_category: str = "standard",
    ) -> DraftOrder:
        self._require_draft(f"add {kind.value}")
        taken = {entry.id for entry in self.entries}
        if entry_id is None:
            entry_id = next(
                f"{kind.value[0].upper()}{n}"
                for n in range(1, len(taken) + 2)
                if f"{kind.value[0].upper()}{n}" not in taken
            )
        elif entry_id in taken:
            raise ValidationError("entry_id", f"the order already has an entry {entry_id!r}")
        entry = OrderEntry(
            id=entry_id,
            kind=kind,
            title=title,
            amount=to_money(amount, self.currency, "amount"),
            taxable=taxable,
            tax_category=tax_category,
        )
        return self._edit(f"add {kind.value}", entries=(*self.entries, entry))

    def _require_draft(self, edit: str) -> None:
        if self.is_locked:
            raise OrderLocked(self.id, self.status.value, edit)


def _check_lines(lines: tuple[LineItem, ...], code: str) -> None:
    if not isinstance(lines, tuple):
        raise ValidationError("lines", f"expected a tuple of LineItem, got {lines!r}")
    seen: set[str] = set()
    for item in lines:
        if not isinstance(item, LineItem):
            raise ValidationError("lines", f"expected LineItem, got {item!r}")
        if item.currency_code != code:
            raise CurrencyMismatch(f"lines[{item.id}]", code, item.currency_code)
        if item.id in seen:
            raise ValidationError("lines", f"two lines have the id {item.id!r}")
        seen.add(item.id)


def _check_entries(entries: tuple[OrderEntry, ...], code: str) -> None:
    if not isinstance(entries, tuple) or not all(isinstance(e, OrderEntry) for e in entries):
        raise ValidationError("entries", f"expected a tuple of OrderEntry, got {entries!r}")
    for entry in entries:
        if entry.amount.currency.code != code:
            raise CurrencyMismatch(f"entries[{entry.id}]", code, entry.amount.currency.code)
    if len({entry.id for entry in entries}) != len(entries):
        raise ValidationError("entries", "two credits or debits have the same id")


def _check_order_discount(discount: ManualDiscount, code: str) -> None:
    if discount.kind is DiscountKind.AMOUNT_PER_UNIT:
        raise ValidationError(
            "order_discount", "a per-unit discount applies to lines; use a fixed amount or percent"
        )
    if discount.amount is not None and discount.amount.currency.code != code:
        raise CurrencyMismatch("order_discount", code, discount.amount.currency.code)
