"""The invoice model: built from an order and its priced breakdown, every amount copied, never
re-computed; buyer and seller blocks; due dates; promotions, credits, debits, points, shipping
discounts and tax-inclusive prices as invoice rows; invoice numbering; and, over random orders,
the rows adding up to the totals.

The quickstart order (examples/quickstart.py) is the running example: Mug 3 x 12.99 with 10%
off, Engraving 5.00, Tea 2 x 7.49, 5.00 off the order, 8.25% sales tax on the lines, 9.95 Ground
shipping: 64.13 USD in all.
"""

from __future__ import annotations

import datetime as dt
import runpy
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from builders import catalog, empty_order, flat_tax, money
from draftorders import (
    Address,
    Customer,
    DraftOrder,
    FloatAmountError,
    ManualDiscount,
    Money,
    PricedOrder,
    PricingContext,
    price,
)
from draftorders.errors import CurrencyMismatch, InvalidAmount, ValidationError
from draftorders.invoice import (
    DiscountKind,
    Invoice,
    InvoiceEntry,
    InvoiceLocale,
    InvoiceNumbering,
    InvoiceShipping,
    InvoiceStatus,
    InvoiceTax,
    Party,
    build_invoice,
    buyer_of,
)
from draftorders.order.entries import EntryKind
from draftorders.order.terms import PaymentTerms
from draftorders.pricing.points import PointsProgram
from draftorders.promotions import (
    FreeShipping,
    PercentOff,
    Promotion,
    PromotionBook,
    Target,
)
from minor_units import money_of, units_of
from test_pricing_properties import cases as pricing_cases

EXAMPLES = Path(__file__).parent.parent / "examples"
quickstart = runpy.run_path(str(EXAMPLES / "quickstart.py"))

SELLER = Party(
    name="Teashop",
    company="Teashop LLC",
    address=Address(country="US", line1="1 Main St", city="Albany", region="NY"),
    email="billing@teashop.example",
    tax_id="EIN 12-3456789",
)
ISSUED = dt.date(2026, 11, 26)
TAX = flat_tax("10")
POINTS = PointsProgram("1", money("0.01"))


def usd(amount: str) -> Money:
    return money(amount)


def invoice_of(
    order: DraftOrder, context: PricingContext | None = None, **kwargs: object
) -> Invoice:
    """The preview invoice for ``order`` priced in ``context``, issued on :data:`ISSUED`."""
    return build_invoice(
        order,
        price(order, context),
        seller=SELLER,
        issue_date=kwargs.pop("issue_date", ISSUED),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def mugs_and_tea() -> DraftOrder:
    """L1: 2 x MUG 12.99 (25.98); L2: 1 x TEA 7.49. With 10% tax: 2.60 + 0.75; 36.82 due."""
    return empty_order().add_product(catalog(), "MUG", 2).add_product(catalog(), "TEA", 1)


@pytest.fixture(scope="module")
def order() -> DraftOrder:
    built: DraftOrder = quickstart["build_order"]()
    return built


@pytest.fixture(scope="module")
def priced(order: DraftOrder) -> PricedOrder:
    return price(order, quickstart["CONTEXT"])


@pytest.fixture(scope="module")
def invoice(order: DraftOrder, priced: PricedOrder) -> Invoice:
    return build_invoice(order, priced, seller=SELLER, issue_date=ISSUED, number="INV-00042")


# -- the quickstart invoice: every amount is the priced order's -----------------------------------


def test_the_quickstart_invoice_totals_64_13_usd(invoice: Invoice) -> None:
    assert invoice.total == usd("64.13")
    assert invoice.currency == "USD"
    assert invoice.subtotal == usd("58.95")
    assert invoice.discount_total == usd("8.90")
    assert invoice.shipping_total == usd("9.95")
    assert invoice.tax_total == usd("4.13")
    assert (invoice.debit_total, invoice.credit_total) == (usd("0.00"), usd("0.00"))
    assert invoice.amount_paid.amount == 0
    assert invoice.amount_due == usd("64.13")


def test_the_invoice_totals_are_the_priced_orders(invoice: Invoice, priced: PricedOrder) -> None:
    assert (
        invoice.subtotal,
        invoice.discount_total,
        invoice.shipping_total,
        invoice.debit_total,
        invoice.credit_total,
        invoice.tax_total,
        invoice.total,
        invoice.prices_include_tax,
    ) == (
        priced.subtotal,
        priced.discount_total,
        priced.shipping_total,
        priced.debit_total,
        priced.credit_total,
        priced.tax_total,
        priced.total,
        priced.prices_include_tax,
    )
    assert invoice.amount_due == invoice.total - invoice.amount_paid


def test_each_invoice_line_is_the_priced_line(
    invoice: Invoice, priced: PricedOrder, order: DraftOrder
) -> None:
    assert [line.line_id for line in invoice.lines] == ["L1", "L2", "L3"]
    for line, priced_line, item in zip(invoice.lines, priced.lines, order.lines, strict=True):
        assert line.line_id == priced_line.line_id == item.id
        assert line.title == priced_line.title
        assert line.sku == item.sku
        assert line.quantity == priced_line.quantity
        assert line.unit_price == priced_line.unit_price
        assert line.base == priced_line.base
        assert line.net == priced_line.net
        assert line.tax == priced_line.tax
        assert [d.amount for d in line.discounts] == [a.amount for a in priced_line.adjustments]


def test_the_quickstart_lines_carry_the_published_figures(invoice: Invoice) -> None:
    rows = [
        (line.title, line.sku, line.quantity, line.unit_price, line.base, line.net, line.tax)
        for line in invoice.lines
    ]
    assert rows == [
        ("Mug", "MUG", 3, usd("12.99"), usd("38.97"), usd("31.88"), usd("2.63")),
        ("Engraving", None, 1, usd("5.00"), usd("5.00"), usd("4.55"), usd("0.38")),
        ("Tea", "TEA", 2, usd("7.49"), usd("14.98"), usd("13.62"), usd("1.12")),
    ]


def test_the_line_discount_and_the_order_discount_shares_are_labelled_by_kind(
    invoice: Invoice,
) -> None:
    discounts = [[(d.kind, d.title, d.amount) for d in line.discounts] for line in invoice.lines]
    assert discounts == [
        [
            (DiscountKind.LINE, None, usd("-3.90")),
            (DiscountKind.ORDER, None, usd("-3.19")),
        ],
        [(DiscountKind.ORDER, None, usd("-0.45"))],
        [(DiscountKind.ORDER, None, usd("-1.36"))],
    ]


def test_each_line_net_is_its_base_less_its_discounts(invoice: Invoice) -> None:
    for line in invoice.lines:
        assert line.base + sum((d.amount for d in line.discounts), usd("0")) == line.net


def test_the_tax_summary_is_the_priced_orders(invoice: Invoice, priced: PricedOrder) -> None:
    assert invoice.taxes == (
        InvoiceTax("Sales tax", Decimal("0.0825"), False, usd("50.05"), usd("4.13")),
    )
    assert [(t.name, t.fraction, t.compound, t.base, t.tax) for t in invoice.taxes] == [
        (s.rate.name, s.rate.fraction, s.rate.compound, s.taxable, s.tax)
        for s in priced.tax_summary
    ]


def test_the_shipping_row_is_the_priced_shipping(invoice: Invoice) -> None:
    assert invoice.shipping == InvoiceShipping(
        "Ground", usd("9.95"), usd("0.00"), usd("9.95"), usd("0.00")
    )
    assert invoice.entries == ()


def test_the_invoice_names_the_order_and_its_version(invoice: Invoice, order: DraftOrder) -> None:
    assert (invoice.order_id, invoice.order_version) == ("D1001", order.version)
    assert invoice.shipping_address == order.shipping_address
    assert invoice.seller is SELLER
    assert invoice.buyer is None  # no customer and no named address
    assert (invoice.po_number, invoice.notes, invoice.terms, invoice.checkout_url) == (
        None,
        "",
        "",
        None,
    )


# -- preview or issued ---------------------------------------------------------------------------


def test_without_a_number_the_invoice_is_a_preview(order: DraftOrder, priced: PricedOrder) -> None:
    preview = build_invoice(order, priced, seller=SELLER, issue_date=ISSUED)
    assert preview.number is None
    assert preview.status is InvoiceStatus.PREVIEW
    assert preview.is_preview


def test_with_a_number_the_invoice_is_issued(invoice: Invoice) -> None:
    assert invoice.number == "INV-00042"
    assert invoice.status is InvoiceStatus.ISSUED
    assert not invoice.is_preview


def test_a_preview_and_the_issued_invoice_have_the_same_amounts(
    order: DraftOrder, priced: PricedOrder, invoice: Invoice
) -> None:
    preview = build_invoice(order, priced, seller=SELLER, issue_date=ISSUED)
    assert attrs.evolve(preview, status=InvoiceStatus.ISSUED, number="INV-00042") == invoice


# -- due dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "issued", "due"),
    [
        (PaymentTerms.due_on_receipt(), dt.date(2026, 1, 31), dt.date(2026, 1, 31)),
        (PaymentTerms.net(30), dt.date(2026, 1, 31), dt.date(2026, 3, 2)),
        (PaymentTerms.end_of_next_month(), dt.date(2026, 1, 31), dt.date(2026, 2, 28)),
        (PaymentTerms.end_of_next_month(), dt.date(2026, 12, 15), dt.date(2027, 1, 31)),
        (PaymentTerms.fixed(dt.date(2026, 4, 1)), dt.date(2026, 1, 31), dt.date(2026, 4, 1)),
    ],
)
def test_the_due_date_follows_the_orders_payment_terms(
    order: DraftOrder, terms: PaymentTerms, issued: dt.date, due: dt.date
) -> None:
    with_terms = order.set_payment_terms(terms)
    # when
    invoice = invoice_of(with_terms, quickstart["CONTEXT"], issue_date=issued)
    # then
    assert (invoice.issue_date, invoice.due_date, invoice.payment_terms) == (issued, due, terms)


def test_a_new_order_is_due_on_receipt(invoice: Invoice) -> None:
    assert invoice.payment_terms == PaymentTerms.due_on_receipt()
    assert invoice.due_date == invoice.issue_date == ISSUED


# -- what the order carries onto the invoice -----------------------------------------------------


def test_po_number_notes_terms_and_checkout_link_are_copied_with_placeholders_unfilled(
    order: DraftOrder,
) -> None:
    edited = (
        order.set_po_number("PO-2026-77")
        .set_notes("Dear {customer_name}, pay {amount_due}")
        .set_terms("Due {due_date}")
    )
    # when
    invoice = invoice_of(edited, quickstart["CONTEXT"], checkout_url="https://pay.example/x")
    # then
    assert invoice.po_number == "PO-2026-77"
    assert invoice.notes == "Dear {customer_name}, pay {amount_due}"
    assert invoice.terms == "Due {due_date}"
    assert invoice.checkout_url == "https://pay.example/x"


# -- amount paid ---------------------------------------------------------------------------------


@pytest.mark.parametrize("paid", [usd("10.00"), "10.00", Decimal("10"), 10])
def test_the_amount_paid_is_taken_off_what_is_due(
    order: DraftOrder, priced: PricedOrder, paid: object
) -> None:
    invoice = build_invoice(order, priced, seller=SELLER, issue_date=ISSUED, amount_paid=paid)  # type: ignore[arg-type]
    assert invoice.amount_paid == usd("10.00")
    assert invoice.amount_due == usd("54.13")
    assert invoice.total == usd("64.13")


def test_an_amount_paid_in_another_currency_is_refused(
    order: DraftOrder, priced: PricedOrder
) -> None:
    with pytest.raises(CurrencyMismatch) as caught:
        build_invoice(
            order, priced, seller=SELLER, issue_date=ISSUED, amount_paid=money("10.00", "EUR")
        )
    assert isinstance(caught.value, ValidationError)
    assert caught.value.field == "amount_paid"
    assert (caught.value.expected, caught.value.got) == ("USD", "EUR")


@pytest.mark.parametrize(
    ("paid", "error"),
    [("-1.00", InvalidAmount), ("1.001", InvalidAmount), (1.5, FloatAmountError)],
)
def test_a_negative_too_precise_or_float_amount_paid_is_refused(
    order: DraftOrder, priced: PricedOrder, paid: object, error: type[ValidationError]
) -> None:
    with pytest.raises(error) as caught:
        build_invoice(order, priced, seller=SELLER, issue_date=ISSUED, amount_paid=paid)  # type: ignore[arg-type]
    assert caught.value.field == "amount_paid"


# -- the breakdown must be of this order version -------------------------------------------------


def test_a_breakdown_of_an_earlier_version_is_refused(
    order: DraftOrder, priced: PricedOrder
) -> None:
    # given the order edited after it was priced
    edited = order.set_notes("edited")
    # then
    with pytest.raises(ValidationError) as caught:
        build_invoice(edited, priced, seller=SELLER, issue_date=ISSUED)
    assert caught.value.field == "priced"
    assert f"version {order.version}, not of 'D1001' version {edited.version}" in str(caught.value)


def test_a_breakdown_of_another_order_is_refused(order: DraftOrder, priced: PricedOrder) -> None:
    # given a copy of the order under another id, at the same version number
    other = attrs.evolve(order, id="D2002")
    assert other.version == priced.version
    # then
    with pytest.raises(ValidationError, match=r"'D1001'.*not of 'D2002'") as caught:
        build_invoice(other, priced, seller=SELLER, issue_date=ISSUED)
    assert caught.value.field == "priced"


# -- the buyer -----------------------------------------------------------------------------------

BILLING = Address(
    country="DE",
    name="Ada Lovelace",
    company="Analytical GmbH",
    line1="Hauptstr. 1",
    city="Berlin",
    postal_code="10115",
    phone="+49 30 123",
)
SHIPPING = Address(country="US", name="Ada at home", company="Home Inc", phone="+1 555 0100")
ADA = Customer(id="C1", name="Ada", email="ada@example.com", tax_id="DE123456789")


def test_no_customer_and_no_named_address_means_no_buyer() -> None:
    assert buyer_of(empty_order()) is None
    assert buyer_of(empty_order().set_shipping_address(Address(country="US"))) is None


def test_without_a_customer_the_named_billing_address_is_the_buyer() -> None:
    order = empty_order().set_billing_address(BILLING).set_shipping_address(SHIPPING)
    assert buyer_of(order) == Party(name="Ada Lovelace", company="Analytical GmbH", address=BILLING)


def test_without_a_customer_or_billing_address_the_named_shipping_address_is_the_buyer() -> None:
    order = empty_order().set_shipping_address(SHIPPING)
    assert buyer_of(order) == Party(name="Ada at home", company="Home Inc", address=SHIPPING)


def test_a_customer_is_billed_at_the_billing_address() -> None:
    order = (
        empty_order().set_customer(ADA).set_billing_address(BILLING).set_shipping_address(SHIPPING)
    )
    assert buyer_of(order) == Party(
        name="Ada",
        company="Analytical GmbH",
        address=BILLING,
        email="ada@example.com",
        phone="+49 30 123",
        tax_id="DE123456789",
        tax_exemption_id=None,
    )


def test_a_customer_without_a_billing_address_is_billed_at_the_shipping_address() -> None:
    buyer = buyer_of(empty_order().set_customer(ADA).set_shipping_address(SHIPPING))
    assert buyer is not None
    assert (buyer.name, buyer.address, buyer.company, buyer.phone) == (
        "Ada",
        SHIPPING,
        "Home Inc",
        "+1 555 0100",
    )


def test_a_customer_without_any_address_is_still_the_buyer() -> None:
    assert buyer_of(empty_order().set_customer(ADA)) == Party(
        name="Ada", email="ada@example.com", tax_id="DE123456789"
    )


def test_the_exemption_certificate_is_shown_only_for_a_tax_exempt_customer() -> None:
    exempt = Customer(id="C2", name="School", tax_exempt=True, tax_exemption_id="EX-77")
    not_exempt = attrs.evolve(exempt, tax_exempt=False)
    # then
    exempt_buyer = buyer_of(empty_order().set_customer(exempt))
    assert exempt_buyer is not None
    assert exempt_buyer.tax_exemption_id == "EX-77"
    other_buyer = buyer_of(empty_order().set_customer(not_exempt))
    assert other_buyer is not None
    assert other_buyer.tax_exemption_id is None


def test_a_tax_exempt_customer_is_invoiced_without_tax_and_with_the_certificate() -> None:
    exempt = Customer(id="C2", name="School", tax_exempt=True, tax_exemption_id="EX-77")
    # when
    invoice = invoice_of(mugs_and_tea().set_customer(exempt), TAX)
    # then
    assert invoice.buyer is not None
    assert invoice.buyer.tax_exemption_id == "EX-77"
    assert invoice.taxes == ()
    assert invoice.tax_total == usd("0.00")
    assert [line.tax for line in invoice.lines] == [usd("0.00"), usd("0.00")]
    assert invoice.total == usd("33.47")


def test_the_invoice_buyer_is_buyer_of_the_order() -> None:
    order = mugs_and_tea().set_customer(ADA).set_billing_address(BILLING)
    assert invoice_of(order, TAX).buyer == buyer_of(order)


def test_a_manual_line_discount_is_a_line_discount_whatever_its_title() -> None:
    # given a titled manual discount on the mugs: 10% of 25.98 = 2.598 -> 2.60
    order = mugs_and_tea().set_line_discount("L1", ManualDiscount.percent("10", title="Staff"))
    # when
    invoice = invoice_of(order, TAX)
    # then
    (discount,) = invoice.lines[0].discounts
    assert (discount.kind, discount.amount) == (DiscountKind.LINE, usd("-2.60"))


# -- promotions ----------------------------------------------------------------------------------

TEA_10 = Promotion("TEA10", "10% off tea (internal)", PercentOff("10"), target=Target(skus={"TEA"}))


def test_a_promotion_is_shown_with_the_title_given_for_its_id() -> None:
    # given 10% off the tea: 0.749 -> 0.75 half-up
    context = attrs.evolve(TAX, promotions=PromotionBook([TEA_10]))
    # when
    invoice = invoice_of(mugs_and_tea(), context, promotion_titles={"TEA10": "Tea week: 10% off"})
    # then
    tea = invoice.lines[1]
    assert [(d.kind, d.title, d.amount) for d in tea.discounts] == [
        (DiscountKind.PROMOTION, "Tea week: 10% off", usd("-0.75"))
    ]
    assert tea.net == usd("6.74")
    assert invoice.lines[0].discounts == ()
    assert invoice.discount_total == usd("0.75")


def test_a_promotion_without_a_title_given_is_shown_by_its_id() -> None:
    context = attrs.evolve(TAX, promotions=PromotionBook([TEA_10]))
    # when
    invoice = invoice_of(mugs_and_tea(), context, promotion_titles={"OTHER": "Other"})
    # then
    (discount,) = invoice.lines[1].discounts
    assert (discount.kind, discount.title) == (DiscountKind.PROMOTION, "TEA10")


def test_free_shipping_is_a_shipping_discount_not_a_line_discount() -> None:
    # given 9.95 shipping, free with a promotion, and no tax
    order = (
        mugs_and_tea().set_shipping_address(Address(country="US")).set_shipping("Ground", "9.95")
    )
    context = PricingContext(promotions=PromotionBook([Promotion("SHIP", "Free", FreeShipping())]))
    # when
    invoice = invoice_of(order, context)
    # then
    assert invoice.shipping == InvoiceShipping(
        "Ground", usd("9.95"), usd("9.95"), usd("0.00"), usd("0.00")
    )
    assert invoice.shipping_total == usd("0.00")
    assert invoice.discount_total == usd("0.00")
    assert all(line.discounts == () for line in invoice.lines)
    assert invoice.total == usd("33.47")


def test_shipping_up_to_an_amount_off_leaves_the_rest_to_pay() -> None:
    order = (
        mugs_and_tea().set_shipping_address(Address(country="US")).set_shipping("Ground", "9.95")
    )
    free_5 = Promotion("SHIP5", "5 off", FreeShipping(up_to=usd("5.00")))
    # when
    invoice = invoice_of(order, PricingContext(promotions=PromotionBook([free_5])))
    # then
    assert invoice.shipping is not None
    assert (invoice.shipping.price, invoice.shipping.discount, invoice.shipping.amount) == (
        usd("9.95"),
        usd("5.00"),
        usd("4.95"),
    )
    assert invoice.shipping_total == usd("4.95")
    assert invoice.total == usd("38.42")


# -- credits, debits and points ------------------------------------------------------------------


def test_a_taxable_credit_is_a_credit_discount_on_the_lines_titled_by_the_credit() -> None:
    # given 5.00 of taxable store credit split over 25.98 and 7.49
    order = mugs_and_tea().add_credit("Store credit", "5.00", taxable=True)
    # when
    invoice = invoice_of(order, TAX)
    # then
    credits = [d for line in invoice.lines for d in line.discounts]
    assert {(d.kind, d.title) for d in credits} == {(DiscountKind.CREDIT, "Store credit")}
    assert sum((d.amount for d in credits), usd("0")) == usd("-5.00")
    assert invoice.entries == ()  # not listed again below the lines
    assert invoice.discount_total == usd("5.00")
    assert invoice.credit_total == usd("0.00")


def test_a_non_taxable_credit_and_debits_are_charge_rows_below_the_lines() -> None:
    order = (
        mugs_and_tea()
        .add_debit("Handling", "2.50")
        .add_debit("Surcharge", "5.00", taxable=True)
        .add_credit("Goodwill", "5.00")
        .add_credit("Coupon", "5.00", taxable=True)
    )
    # when
    invoice = invoice_of(order, TAX)
    # then the charges in the order priced: debits, then credits taken after tax
    assert invoice.entries == (
        InvoiceEntry("Handling", usd("2.50"), usd("0.00")),
        InvoiceEntry("Surcharge", usd("5.00"), usd("0.50")),
        InvoiceEntry("Goodwill", usd("-5.00"), usd("0.00")),
    )
    assert (invoice.debit_total, invoice.credit_total) == (usd("7.50"), usd("5.00"))
    # nets 28.47, tax 2.85 + 0.50, debits 7.50, credit 5.00
    assert invoice.tax_total == usd("3.35")
    assert invoice.total == usd("34.32")
    assert sum((c.amount for c in invoice.entries), usd("0")) == (
        invoice.debit_total - invoice.credit_total
    )


def test_a_credit_capped_at_what_is_left_to_pay_shows_the_amount_taken() -> None:
    # given 50.00 of goodwill on 36.82 due
    invoice = invoice_of(mugs_and_tea().add_credit("Goodwill", "50.00"), TAX)
    # then
    assert invoice.entries == (InvoiceEntry("Goodwill", usd("-36.82"), usd("0.00")),)
    assert invoice.total == usd("0.00")
    assert invoice.amount_due == usd("0.00")


def test_redeemed_points_are_a_credit_row_with_the_points_and_no_title() -> None:
    # given 500 points at 0.01 each
    order = mugs_and_tea().redeem_points(500)
    # when
    invoice = invoice_of(order, attrs.evolve(TAX, points=POINTS))
    # then
    (row,) = invoice.entries
    assert (row.title, row.amount, row.points) == (None, usd("-5.00"), 500)
    assert row.tax.amount == 0
    assert invoice.credit_total == usd("5.00")
    assert invoice.total == usd("31.82")


def test_only_the_points_used_are_on_the_invoice_after_other_credits() -> None:
    # given 30.00 of goodwill, then 1000 points (10.00) on 36.82 due: 682 points are used
    order = mugs_and_tea().add_credit("Goodwill", "30.00").redeem_points(1000)
    # when
    invoice = invoice_of(order, attrs.evolve(TAX, points=POINTS))
    # then
    assert [(c.title, c.amount, c.points) for c in invoice.entries] == [
        ("Goodwill", usd("-30.00"), None),
        (None, usd("-6.82"), 682),
    ]
    assert invoice.credit_total == usd("36.82")
    assert invoice.total == usd("0.00")


def test_points_without_a_points_program_give_no_row() -> None:
    invoice = invoice_of(mugs_and_tea().redeem_points(500), TAX)
    assert invoice.entries == ()
    assert invoice.total == usd("36.82")


# -- tax-inclusive prices ------------------------------------------------------------------------


def test_with_tax_inclusive_prices_the_tax_is_not_added_to_the_total() -> None:
    # given 20% included in 12.99: 12.99 x 20 / 120 = 2.165, 2.17 half-up
    order = empty_order().add_product(catalog(), "MUG", 1)
    # when
    invoice = invoice_of(order, flat_tax("20", inclusive=True))
    # then
    assert invoice.prices_include_tax
    assert invoice.lines[0].tax == usd("2.17")
    assert invoice.tax_total == usd("2.17")
    # the taxable amount is the price without its tax: 12.99 - 2.17
    assert invoice.taxes == (InvoiceTax("Tax", Decimal("0.2"), False, usd("10.82"), usd("2.17")),)
    assert invoice.total == usd("12.99") == invoice.subtotal
    assert invoice.amount_due == usd("12.99")


def test_with_tax_exclusive_prices_the_tax_is_added_to_the_total() -> None:
    order = empty_order().add_product(catalog(), "MUG", 1)
    # when 20% on 12.99 is 2.598, 2.60 half-up
    invoice = invoice_of(order, flat_tax("20"))
    # then
    assert not invoice.prices_include_tax
    assert invoice.tax_total == usd("2.60")
    assert invoice.total == usd("15.59")


# -- numbering -----------------------------------------------------------------------------------


def test_the_default_number_format_is_inv_and_five_digits() -> None:
    assert InvoiceNumbering().number(42, ISSUED) == "INV-00042"
    assert InvoiceNumbering().number(123456, ISSUED) == "INV-123456"


@pytest.mark.parametrize(
    ("fmt", "sequence", "issued", "number"),
    [
        ("INV-{number:05d}", 42, dt.date(2026, 1, 31), "INV-00042"),
        ("{year}-{number:04d}", 7, dt.date(2027, 3, 1), "2027-0007"),
        ("{year}{month:02d}-{number}", 1, dt.date(2026, 11, 26), "202611-1"),
        ("F{number}", 1000, dt.date(2026, 1, 1), "F1000"),
    ],
)
def test_a_number_format_may_use_the_sequence_year_and_month(
    fmt: str, sequence: int, issued: dt.date, number: str
) -> None:
    assert InvoiceNumbering(fmt).number(sequence, issued) == number


@pytest.mark.parametrize(
    "fmt",
    [
        "INV-",  # no {number}
        "INV-{year}",
        "INV-{num}",  # unknown field, no {number}
        "{prefix}-{number}",  # unknown field
        "{number}-{day}",
        "{number}{}",  # positional field
        "{number:05d",  # malformed
        "{number:%Y}",  # not a format for numbers
        "INV {number}",  # a blank
        "{number:>8}",  # padded with blanks
        "INV-\t{number}",
        "INV-\n{number}",
        "",
        None,
        42,
    ],
)
def test_a_format_that_cannot_make_an_invoice_number_is_refused(fmt: object) -> None:
    with pytest.raises(ValidationError) as caught:
        InvoiceNumbering(fmt)  # type: ignore[arg-type]
    assert caught.value.field == "format"


def test_a_format_indexing_into_the_number_is_refused_as_invalid() -> None:
    with pytest.raises(ValidationError):
        InvoiceNumbering("{number[0]}")


@pytest.mark.parametrize("sequence", [0, -1, True, 1.0, "1", None])
def test_the_sequence_must_be_a_positive_whole_number(sequence: object) -> None:
    with pytest.raises(ValidationError) as caught:
        InvoiceNumbering().number(sequence, ISSUED)  # type: ignore[arg-type]
    assert caught.value.field == "sequence"


@given(sequence=st.integers(min_value=1, max_value=10**9))
def test_numbers_are_distinct_for_distinct_sequences_and_keep_their_digits(sequence: int) -> None:
    number = InvoiceNumbering().number(sequence, ISSUED)
    assert number.startswith("INV-")
    assert int(number.removeprefix("INV-")) == sequence
    assert len(number) == 4 + max(5, len(str(sequence)))


# -- the rows add up, over random orders ---------------------------------------------------------


@st.composite
def invoiced_orders(draw: st.DrawFn) -> tuple[DraftOrder, PricingContext]:
    """A random priced order of the pricing properties, with credits, debits, redeemed points,
    a customer and order discounts that may cover shipping."""
    case = draw(pricing_cases())
    order, context = case.order, case.context
    code = order.currency
    amounts = st.integers(min_value=0, max_value=50_000)
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        amount = money_of(draw(amounts), code)
        taxable = draw(st.booleans())
        if draw(st.booleans()):
            order = order.add_credit("Credit", amount, taxable=taxable)
        else:
            order = order.add_debit("Debit", amount, taxable=taxable)
    if draw(st.booleans()):
        value = money_of(draw(st.integers(min_value=1, max_value=100)), code)
        context = attrs.evolve(context, points=PointsProgram("1", value))
        order = order.redeem_points(draw(st.integers(min_value=0, max_value=100_000)))
    if draw(st.booleans()):
        policy = attrs.evolve(context.rounding, order_discounts_cover_shipping=True)
        context = attrs.evolve(context, rounding=policy)
    if draw(st.booleans()):
        order = order.set_customer(Customer(id="C1", name="Ada", tax_exempt=draw(st.booleans())))
    return order, context


def cents(values: list[Money]) -> int:
    return sum(units_of(value) for value in values)


@settings(max_examples=80)  # each example prices an order of up to 15 lines: a few seconds
@given(case=invoiced_orders(), numbered=st.booleans())
def test_the_invoice_rows_add_up_to_its_totals(
    case: tuple[DraftOrder, PricingContext], numbered: bool
) -> None:
    order, context = case
    priced = price(order, context)
    note(priced.explain())
    # when
    invoice = build_invoice(
        order,
        priced,
        seller=SELLER,
        issue_date=ISSUED,
        number="INV-00001" if numbered else None,
    )
    # then each row is the priced order's
    assert invoice.is_preview is not numbered
    assert [(line.base, line.net, line.tax) for line in invoice.lines] == [
        (line.base, line.net, line.tax) for line in priced.lines
    ]
    assert invoice.total == priced.total
    assert invoice.tax_total == priced.tax_total
    # and the rows add up, in whole minor units
    assert cents([line.base for line in invoice.lines]) == units_of(invoice.subtotal)
    discounts = [d.amount for line in invoice.lines for d in line.discounts]
    assert cents(discounts) == -units_of(invoice.discount_total)
    for line in invoice.lines:
        assert units_of(line.base) + cents([d.amount for d in line.discounts]) == units_of(line.net)
    assert cents([tax.tax for tax in invoice.taxes]) == units_of(invoice.tax_total)
    assert cents([charge.amount for charge in invoice.entries]) == units_of(
        invoice.debit_total
    ) - units_of(invoice.credit_total)
    tax_added = 0 if invoice.prices_include_tax else units_of(invoice.tax_total)
    assert units_of(invoice.total) == (
        units_of(invoice.subtotal)
        - units_of(invoice.discount_total)
        + units_of(invoice.shipping_total)
        + units_of(invoice.debit_total)
        - units_of(invoice.credit_total)
        + tax_added
    )
    assert invoice.amount_due == invoice.total
    # points show on the invoice exactly when some were redeemed
    points_rows = [c for c in invoice.entries if c.points is not None]
    assert len(points_rows) == (1 if priced.points_redeemed else 0)
    # a taxable credit is never a charge row; every other charge is
    titled = [c.title for c in invoice.entries if c.points is None]
    expected = [c.title for c in priced.entries if c.kind is EntryKind.DEBIT or not c.taxable]
    assert titled == expected


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//shop.example/pay",
        "https://",
        "https://shop.example/pay me",
        "https://shop.example/pay\n",
    ],
)
def test_a_checkout_link_must_be_an_absolute_http_link(
    order: DraftOrder, priced: PricedOrder, url: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        build_invoice(order, priced, seller=SELLER, issue_date=ISSUED, checkout_url=url)
    assert caught.value.field == "checkout_url"


def test_an_https_checkout_link_is_kept(order: DraftOrder, priced: PricedOrder) -> None:
    url = "https://shop.example/pay/D1001?t=abc"
    built = build_invoice(order, priced, seller=SELLER, issue_date=ISSUED, checkout_url=url)
    assert built.checkout_url == url


def test_more_paid_than_the_total_is_refused(order: DraftOrder, priced: PricedOrder) -> None:
    with pytest.raises(ValidationError) as caught:
        build_invoice(
            order,
            priced,
            seller=SELLER,
            issue_date=ISSUED,
            amount_paid=priced.total + usd("0.01"),
        )
    assert caught.value.field == "amount_paid"


@pytest.mark.parametrize("number", ["", "   ", "INV\n1"])
def test_a_blank_or_broken_invoice_number_is_refused(
    order: DraftOrder, priced: PricedOrder, number: str
) -> None:
    with pytest.raises(ValidationError):
        build_invoice(order, priced, seller=SELLER, issue_date=ISSUED, number=number)


def test_manual_discounts_carry_their_titles_onto_the_invoice() -> None:
    draft = (
        mugs_and_tea()
        .set_line_discount("L1", ManualDiscount.percent("10", "Staff"))
        .set_order_discount(ManualDiscount.fixed(usd("1.00"), "Goodwill"))
    )
    built = invoice_of(draft)
    mug = built.lines[0]
    assert [(d.kind, d.title) for d in mug.discounts] == [
        (DiscountKind.LINE, "Staff"),
        (DiscountKind.ORDER, "Goodwill"),
    ]
    assert InvoiceLocale("en_US").discount(mug.discounts[0]) == "Discount: Staff"


def test_the_default_amount_paid_is_zero_at_the_currencys_decimals(invoice: Invoice) -> None:
    assert repr(invoice.amount_paid) == "Money('0.00', 'USD')"
