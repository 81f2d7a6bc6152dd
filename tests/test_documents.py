"""Documents: every supported value written as JSON and read back to an equal value.

The examples below use every field, every tagged class (benefits, conditions, pricing rules,
tax calculators, shipping pricings) and every enum spelling the format has; the round trips
check equality, the JSON checks its shape (no floats anywhere, exact decimal strings, aware
datetimes), and the error cases check that a bad document is refused with its path.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import inspect
import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, get_args
from zoneinfo import ZoneInfo

import attrs
import pytest

from builders import TODAY, catalog, money
from draftorders import (
    Address,
    BillingInterval,
    BillingPlan,
    Catalog,
    Customer,
    Dimensions,
    DraftOrder,
    FlatRateTax,
    InventoryChange,
    InventoryPolicy,
    Invoice,
    Jurisdiction,
    LengthUnit,
    ManualDiscount,
    MessageStatus,
    Money,
    OrderDetails,
    OutboxMessage,
    Outcome,
    Party,
    PaymentClaim,
    PaymentMethod,
    PaymentTerms,
    PricingContext,
    Product,
    RoundingMode,
    RoundingPolicy,
    SentInvoice,
    Status,
    StockLevel,
    TableTax,
    TaxLevel,
    TaxRate,
    TaxTable,
    Transaction,
    TransactionKind,
    TransactionStatus,
    ValidationError,
    Weight,
    WeightUnit,
    build_invoice,
    price,
)
from draftorders.documents import (
    DOCUMENT_TYPES,
    SCHEMA_VERSION,
    UPGRADES,
    DocumentError,
    dumps,
    from_document,
    loads,
    to_document,
    upgrade,
)
from draftorders.documents.unions import TAGGED
from draftorders.inventory import Reason, Reservation, Taken
from draftorders.notifications import Attachment, compose
from draftorders.payments import ClaimState
from draftorders.pricing import rules
from draftorders.pricing.points import PointsProgram
from draftorders.pricing.rules import (
    AmountOffList,
    CostPlus,
    FixedPrice,
    GraduatedPricing,
    PercentOffList,
    PriceList,
    RuleBook,
    VolumePricing,
)
from draftorders.promotions import (
    AmountOff,
    BundlePrice,
    BuyXGetY,
    CustomerGroup,
    CustomerTags,
    FreeGift,
    FreeShipping,
    MinQuantity,
    MinSubtotal,
    OrderAmountOff,
    OrderContains,
    OrderPercentOff,
    PercentOff,
    Period,
    Promotion,
    PromotionBook,
    PromotionClass,
    PromotionUsage,
    Recurring,
    SpendTiers,
    Target,
    conditions,
)
from draftorders.promotions.benefits import BENEFITS
from draftorders.shipping import (
    BasePlusPerKg,
    Flat,
    PerItem,
    PriceBrackets,
    ShippingRate,
    ShippingZone,
    WeightBrackets,
)
from draftorders.shipping.rates import RatePricing
from draftorders.tax import QuotedTax, TaxQuote
from draftorders.tax import flat as flat_module
from draftorders.tax import table as table_module

# -- examples that use every field -------------------------------------------------------------

ADA = Customer(
    id="C1",
    name="Ada Lovelace",
    email="ada@example.com",
    group="wholesale",
    tags={"vip", "early", "b2b"},
    tax_exempt=True,
    tax_exemption_id="EX-7",
    tax_id="GB123456789",
    locale="en_GB",
    addresses=(
        Address(country="GB", name="Ada", line1="12 St James's Sq", city="London"),
        Address(country="US", region="NY", postal_code="10001", phone="+1 212 555 0100"),
    ),
)
SHIP_TO = Address(
    country="US",
    name="Ada",
    company="Engines Ltd",
    line1="1 Main St",
    line2="Suite 4",
    city="Albany",
    region="NY",
    postal_code="12207",
    phone="+1 518 555 0100",
)
KETTLE = Product(
    sku="KETTLE",
    title="Kettle",
    price=money("49.90"),
    tax_category="reduced",
    taxable=True,
    tags={"kitchen", "gift"},
    collections={"winter"},
    cost=money("21.12"),
    requires_shipping=True,
    track_inventory=True,
    weight=Weight("1.250", WeightUnit.KG),
    dimensions=Dimensions("30", "20.5", "25", LengthUnit.CM),
    ships_alone=True,
    billing_plan=BillingPlan(interval=BillingInterval.MONTH),
)
CATALOG = Catalog.of(KETTLE, *catalog())


def rich_order() -> DraftOrder:
    """A draft using every field and edit of an order."""
    order = (
        DraftOrder.new("D-2026/42", "USD", TODAY, customer=ADA)
        .set_billing_address(ADA.addresses[0])
        .set_shipping_address(SHIP_TO)
        .add_product(CATALOG, "KETTLE", 2)
        .add_product(CATALOG, "MUG", 3)
        .add_custom_item(
            "Engraving", "5.00", 1, taxable=False, requires_shipping=False, tax_category="zero"
        )
        .add_product(CATALOG, "TEA", 4)
        .set_unit_price("L2", "11.50")
        .set_line_discount("L1", ManualDiscount.percent("12.5", title="loyal customer"))
        .set_line_discount("L2", ManualDiscount.fixed(money("2.00")))
        .set_line_discount("L4", ManualDiscount.per_unit(money("0.49"), title="tea week"))
        .set_pricing_rule("L4", "tea-volume")
        .set_line_points("L3", 7)
        .set_billing_plan("L3", BillingPlan(every=2, interval=BillingInterval.WEEK, cycles=6))
        .set_order_discount(ManualDiscount.fixed(money("3.00"), title="sorry for the wait"))
        .set_shipping("Ground", "9.95", from_rates=True)
        .set_notes("Thank you, {customer_name}!")
        .set_terms("Pay {amount_due} by {due_date}.")
        .set_po_number("PO-2026-0042")
        .set_payment_terms(PaymentTerms.net(30))
        .set_details(OrderDetails.xml("<gift wrap='yes'><note>Happy birthday</note></gift>"))
        .set_taxes_enabled(True)
        .add_code("spring10")
        .add_code("WELCOME")
        .add_credit("Goodwill", "4.00", taxable=True)
        .add_debit("Handling", "2.50", taxable=True, tax_category="reduced", entry_id="H1")
        .redeem_points(150)
        .set_consent(True)
        .set_payment_method("pm_1")
    )
    return attrs.evolve(
        order,
        status=Status.COMPLETED,
        invoiced_total=money("139.71"),
        completed_total=money("139.71"),
    )


SUMMER = Period(dt.date(2026, 6, 1), dt.date(2026, 8, 31))
FRIDAYS = Recurring("FREQ=WEEKLY;BYDAY=FR", "every Friday")
TEA_TARGET = Target(skus={"TEA"}, tags={"drink"}, collections={"core"})

PROMOTIONS = (
    Promotion("P1", "12.5% off tea", PercentOff("12.5"), target=TEA_TARGET, conditions=(SUMMER,)),
    Promotion("P2", "1.00 off mugs", AmountOff(money("1.00")), target=Target(skus={"MUG"})),
    Promotion(
        "P3",
        "3 teas for 20",
        BundlePrice(3, money("20.00")),
        target=Target(skus={"TEA"}),
        conditions=(FRIDAYS, MinQuantity(3)),
        priority=-1,
    ),
    Promotion(
        "P4",
        "buy 2 get 1 half price",
        BuyXGetY(2, 1, "50"),
        target=Target(tags={"kitchen"}),
        exclusive=True,
        combines_with={PromotionClass.ORDER},
    ),
    Promotion("P5", "a free card", FreeGift(2), target=Target(skus={"CARD"}), code="gift"),
    Promotion(
        "P6",
        "10% off for the trade",
        OrderPercentOff("10"),
        conditions=(CustomerGroup({"wholesale", "trade"}), CustomerTags({"vip"})),
        usage_limit=100,
        usage_limit_per_customer=1,
    ),
    Promotion(
        "P7",
        "5 off a kettle order",
        OrderAmountOff(money("5.00")),
        target=Target(skus={"KETTLE"}),
        conditions=(OrderContains(skus={"KETTLE"}, tags={"gift"}),),
    ),
    Promotion(
        "P8",
        "spend more, save more",
        SpendTiers(((money("200.00"), money("25.00")), (money("100.00"), money("10.00")))),
        conditions=(MinSubtotal(money("100.00")),),
        combines_with=(),
    ),
    Promotion("P9", "free shipping", FreeShipping(), code="SHIPFREE"),
    Promotion("P10", "shipping 5 off", FreeShipping(money("5.00")), combines_with=set()),
)

GST = TaxRate.percent("5", "GST")
QST = TaxRate.percent("9.975", "QST", compound=True)
TABLE = TaxTable(
    (
        Jurisdiction("CA-QC", "CA", (GST, QST), region="QC", categories={"books": (GST,)}),
        Jurisdiction(
            "US-NY",
            "US",
            (TaxRate.percent("8.875", "NYC sales tax"),),
            region="NY",
            postal_codes=("10000-10299", "112*"),
            categories={"zero": (), "reduced": (TaxRate("NY reduced", "0.04"),)},
            shipping_category=None,
            origin_based=True,
        ),
        Jurisdiction("FR", "FR", (TaxRate.percent("20", "TVA"),), shipping_category="standard"),
    )
)


def rich_context() -> PricingContext:
    """A context with every setting: table tax, rules, price lists, promotions, usage..."""
    rule_book = RuleBook(
        products={
            "MUG": (
                FixedPrice("mug-fixed", money("10.00")),
                PercentOffList("mug-pct", "7.5", automatic=True),
                AmountOffList("mug-off", money("1.25")),
            ),
            "TEA": (
                VolumePricing("tea-volume", ((1, money("7.49")), (10, money("6.99")))),
                GraduatedPricing("tea-graduated", ((1, money("7.49")), (5, money("7.00")))),
            ),
            "KETTLE": (CostPlus("kettle-cost", "80"),),
        },
        price_lists=(
            PriceList("trade", "wholesale", {"MUG": money("9.00"), "TEA": money("5.50")}),
            PriceList("vip", "vip", {"KETTLE": money("44.00")}),
        ),
    )
    return PricingContext(
        rounding=RoundingPolicy(
            RoundingMode.HALF_EVEN,
            TaxLevel.DOCUMENT,
            discount_mode=RoundingMode.DOWN,
            order_discounts_cover_shipping=True,
        ),
        tax=TableTax(TABLE, origin=Address(country="US", region="NY", postal_code="12207")),
        prices_include_tax=False,
        rules=rule_book,
        promotions=PromotionBook(PROMOTIONS),
        usage=PromotionUsage({"P6": 12, "P9": 3}, {("P6", "C1"): 1, ("P6", "C2"): 1}),
        points=PointsProgram("1.5", money("0.01")),
        tax_quote=TaxQuote(
            {"L1": (QuotedTax(GST, money("4.99")), QuotedTax(QST, money("10.46"))), "L2": ()},
            shipping=(QuotedTax(GST, money("0.50")),),
        ),
        today=dt.date(2026, 7, 3),
    )


ZONE = ShippingZone(
    "North East",
    countries={"US", "CA"},
    regions={"NY", "QC"},
    postal_codes=("10000-14999", "H2*"),
    rates=(
        ShippingRate("Flat", Flat(money("9.95")), carrier="UPS", service="Ground"),
        ShippingRate(
            "By weight",
            WeightBrackets((("1", money("5.00")), ("5.5", money("9.00")))),
            min_kg="0.1",
            max_kg="30",
            dim_divisor="5000",
        ),
        ShippingRate(
            "By amount",
            PriceBrackets(((money("50.00"), money("7.00")), (money("100.00"), money("4.00")))),
            free_from=money("150.00"),
        ),
        ShippingRate("Per item", PerItem(money("1.10"))),
        ShippingRate("Base plus", BasePlusPerKg(money("4.00"), money("0.75"))),
    ),
)

PARIS = ZoneInfo("Europe/Paris")
CHARGED_AT = dt.datetime(
    2026, 11, 26, 9, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=-5))
)
TRANSACTION = Transaction(
    id="T2",
    order_id="D-2026/42",
    kind=TransactionKind.REFUND,
    status=TransactionStatus.SUCCESS,
    amount=money("12.99"),
    created_at=CHARGED_AT,
    gateway="fake",
    reference="re_123",
    idempotency_key="key-1",
    parent_id="T1",
    method="Visa •••• 4242",
    code=None,
    message="refunded",
    reason="broken in transit",
    restock=(("L1", 1), ("L2", 2)),
)
METHOD = PaymentMethod("pm_1", "C1", "tok_visa", brand="Visa", last4="4242", expires="12/2029")
SELLER = Party(
    name="Teashop",
    company="Teashop LLC",
    address=Address(country="US", line1="1 Main St", city="Albany", region="NY"),
    email="billing@teashop.example",
    phone="+1 518 555 0199",
    tax_id="EIN 12-3456789",
)


def rich_invoice() -> Invoice:
    order = attrs.evolve(rich_order(), status=Status.DRAFT, points_redeemed=0)
    context = attrs.evolve(rich_context(), tax_quote=None, points=None)
    return build_invoice(
        order,
        price(order, context),
        seller=SELLER,
        issue_date=TODAY,
        number="INV-00042",
        amount_paid=money("10.00"),
        checkout_url="https://shop.example/pay/abc",
        promotion_titles={"P6": "Trade discount"},
    )


SENT_AT = dt.datetime(2026, 3, 29, 2, 30, tzinfo=dt.UTC).astimezone(PARIS)
INVOICE_EMAIL = compose(
    sender="Teashop <billing@teashop.example>",
    to="Ada Lovelace <ada@example.com>",
    subject="Invoice INV-00042",
    text="Invoice INV-00042\n",
    html="<p>Invoice INV-00042</p>",
    attachments=[Attachment("invoice-INV-00042.pdf", b"%PDF-1.7\n\xe2\xe3", "application/pdf")],
    domain="teashop.example",
    date=SENT_AT,
).as_bytes()
"""An invoice email as a mail server got it: text, HTML and a PDF."""


def sent_invoice() -> SentInvoice:
    return SentInvoice(
        id="S-1",
        invoice=rich_invoice(),
        sent_at=SENT_AT,
        recipient="ada@example.com",
        subject="Invoice INV-00042",
        locale="en_GB",
        attach_pdf=True,
        resent=True,
        message=INVOICE_EMAIL,
        delivered_at=SENT_AT + dt.timedelta(minutes=3),
    )


def claim() -> PaymentClaim:
    """A refund claim with every field: recorded, after an interrupted first asking."""
    order = rich_order()
    return PaymentClaim(
        id="K-1",
        order_id=order.id,
        kind=TransactionKind.REFUND,
        amount=money("12.99"),
        idempotency_key="D-2026/42:refund:1",
        created_at=CHARGED_AT,
        gateway="fake",
        token="tok_visa",
        reference="ch_123",
        parent_id="T1",
        method="Visa •••• 4242",
        reason="broken in transit",
        restock=(("L1", 1), ("L2", 2)),
        order_version=7,
        completes=order,
        if_pending=attrs.evolve(order, status=Status.INVOICE_SENT, completed_total=None),
        total=money("139.71"),
        promotions=("P6", "P9"),
        customer_id="C1",
        holds_stock=True,
        outcome=Outcome.APPROVED,
        notice="evt_1",
        state=ClaimState.RECORDED,
        interrupted="TimeoutError('the gateway did not answer')",
        transaction_id="T2",
        recorded_at=CHARGED_AT + dt.timedelta(seconds=30),
    )


OUTBOX_MESSAGE = OutboxMessage(
    id="M-1",
    kind="invoice_email",
    subject_id="S-1",
    order_id="D-2026/42",
    created_at=SENT_AT,
    status=MessageStatus.SENDING,
    attempts=3,
    next_attempt_at=SENT_AT + dt.timedelta(minutes=3),
    lease_until=SENT_AT + dt.timedelta(minutes=13),
    last_error="DeliveryFailed('smtp', 'smtp.example.com:587 did not take the message')",
    sent_at=None,
)
STOCK_LEVEL = StockLevel("MUG", "Albany", 12, 15, InventoryPolicy.BACKORDER)
RESERVATION = Reservation(
    "D-2026/42", SENT_AT + dt.timedelta(days=14), (("TEA", None, 4), ("MUG", "Albany", 3))
)
TAKEN = Taken("D-2026/41", (("MUG", "Albany", 3), ("KETTLE", None, 1)))
INVENTORY_CHANGE = InventoryChange(
    order_id="D-2026/42",
    sku="MUG",
    location="Albany",
    change=-3,
    reason=Reason.RESERVED,
    at=SENT_AT,
    on_hand=12,
    available=-3,
    backordered=3,
)


EXAMPLES: dict[str, Any] = {
    "DraftOrder": rich_order(),
    "empty DraftOrder": DraftOrder.new("D1", "JPY", TODAY),
    "Customer": ADA,
    "Product": KETTLE,
    "Catalog": CATALOG,
    "PricingContext": rich_context(),
    "default PricingContext": PricingContext(),
    "flat PricingContext": PricingContext(
        tax=FlatRateTax(TaxRate.percent("8.25", "Sales tax"), taxes_shipping=True),
        prices_include_tax=True,
    ),
    "Promotion": PROMOTIONS[0],
    "PromotionBook": PromotionBook(PROMOTIONS),
    "TaxTable": TABLE,
    "ShippingZone": ZONE,
    "Transaction": TRANSACTION,
    "PaymentMethod": METHOD,
    "Invoice": rich_invoice(),
    "SentInvoice": sent_invoice(),
    "undelivered SentInvoice": attrs.evolve(
        sent_invoice(), subject=None, attach_pdf=None, resent=False, message=None, delivered_at=None
    ),
    "PaymentClaim": claim(),
    "open PaymentClaim": PaymentClaim(
        "K-2", "D1", TransactionKind.SALE, money("5.00"), "D1:sale:1", CHARGED_AT, "fake"
    ),
    "OutboxMessage": OUTBOX_MESSAGE,
    "StockLevel": STOCK_LEVEL,
    "Reservation": RESERVATION,
    "Taken": TAKEN,
    "InventoryChange": INVENTORY_CHANGE,
    "manual InventoryChange": InventoryChange(
        None, "TEA", None, 5, Reason.ADJUSTED, CHARGED_AT, on_hand=5, available=5
    ),
}


def differences(loaded: object, original: object, path: str = "") -> Iterator[str]:
    """Where ``loaded`` is not exactly ``original``: equality, and more.

    Decimals must keep their digits and exponent (``Decimal("12.990") == Decimal("12.99")``,
    but a document must not lose the zero); datetimes their moment, UTC offset and zone; and
    promotion books compare by their promotions, in order, as ``PromotionBook`` has no
    ``__eq__`` yet (see ``test_promotion_books_compare_by_content``).
    """
    if type(loaded) is not type(original):
        yield f"{path}: {type(loaded).__name__} is not {type(original).__name__}"
    elif isinstance(original, PromotionBook):
        yield from differences(list(loaded), list(original), path)  # type: ignore[call-overload]
    elif isinstance(original, Decimal):
        if loaded.as_tuple() != original.as_tuple():  # type: ignore[attr-defined]
            yield f"{path}: {loaded!r} is not exactly {original!r}"
    elif isinstance(original, Money):
        yield from differences(loaded.amount, original.amount, f"{path}.amount")  # type: ignore[attr-defined]
        if loaded != original:
            yield f"{path}: {loaded!r} != {original!r}"
    elif isinstance(original, dt.datetime):
        assert isinstance(loaded, dt.datetime)
        zone = original.tzinfo if isinstance(original.tzinfo, ZoneInfo) else None
        if (loaded.timestamp(), loaded.utcoffset()) != (
            original.timestamp(),
            original.utcoffset(),
        ) or (zone is not None and loaded.tzinfo is not zone):
            yield f"{path}: {loaded!r} is not {original!r}"
    elif attrs.has(type(original)):
        for field in attrs.fields(type(original)):
            if field.eq:
                yield from differences(
                    getattr(loaded, field.name),
                    getattr(original, field.name),
                    f"{path}.{field.name}",
                )
    elif isinstance(original, tuple | list):
        assert isinstance(loaded, tuple | list)
        if len(loaded) != len(original):
            yield f"{path}: {len(loaded)} items, not {len(original)}"
        for index, (one, other) in enumerate(zip(loaded, original, strict=False)):
            yield from differences(one, other, f"{path}[{index}]")
    elif isinstance(original, Mapping):
        assert isinstance(loaded, Mapping)
        if set(loaded) != set(original):
            yield f"{path}: keys {sorted(loaded)} are not {sorted(original)}"
        for key in set(loaded) & set(original):
            yield from differences(loaded[key], original[key], f"{path}[{key!r}]")
    elif loaded != original:
        yield f"{path}: {loaded!r} != {original!r}"


def assert_exact(loaded: object, original: object) -> None:
    """``loaded`` is exactly ``original`` (see :func:`differences`), and equal to it too."""
    found = list(differences(loaded, original))
    assert not found, "\n".join(found)
    if not isinstance(original, PromotionBook | PricingContext):
        assert loaded == original


def leaves(data: object, path: str = "$") -> Iterator[tuple[str, object]]:
    """Every value in JSON data, with its path."""
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            assert isinstance(key, str), f"{path}: a key that is not a string: {key!r}"
            yield from leaves(value, f"{path}.{key}")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from leaves(value, f"{path}[{index}]")


# -- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_supported_value_reads_back_equal_to_what_was_written(name: str) -> None:
    original = EXAMPLES[name]
    text = dumps(original)
    loaded = loads(text, type(original))
    # the same class at every level, so a tagged value comes back as the class written
    assert_exact(loaded, original)
    assert dumps(loaded) == text


@pytest.mark.parametrize("name", EXAMPLES)
def test_a_document_is_json_data_only_with_no_floats_anywhere(name: str) -> None:
    document = to_document(EXAMPLES[name])
    assert document["schema"] == SCHEMA_VERSION
    assert DOCUMENT_TYPES[document["type"]] is type(EXAMPLES[name])
    for path, value in leaves(document):
        assert value is None or isinstance(value, dict | list | str | int | bool), path
        assert not isinstance(value, float), path
    assert json.loads(dumps(EXAMPLES[name])) == document


def test_every_document_type_has_an_example() -> None:
    assert {type(example) for example in EXAMPLES.values()} == set(DOCUMENT_TYPES.values())


def test_every_tagged_class_appears_in_the_examples() -> None:
    text = "".join(dumps(example) for example in EXAMPLES.values())
    for tagged in TAGGED.values():
        for tag in tagged.values():
            assert f'"kind": "{tag}"' in text, tag


def test_a_catalog_keeps_its_products_in_order() -> None:
    loaded = loads(dumps(CATALOG), Catalog)
    assert [p.sku for p in loaded] == [p.sku for p in CATALOG] == ["KETTLE", "MUG", "TEA"]
    assert [p["sku"] for p in to_document(CATALOG)["data"]["products"]] == ["KETTLE", "MUG", "TEA"]


def test_a_promotion_book_keeps_its_promotions_in_order() -> None:
    book = loads(dumps(PromotionBook(PROMOTIONS)), PromotionBook)
    assert [p.id for p in book] == [p.id for p in PROMOTIONS]


def test_promotion_books_compare_by_content() -> None:
    assert PromotionBook(PROMOTIONS) == PromotionBook(PROMOTIONS)
    assert PricingContext() == PricingContext()


def test_a_loaded_order_and_context_price_exactly_as_the_originals() -> None:
    order = attrs.evolve(rich_order(), status=Status.DRAFT)
    context = attrs.evolve(rich_context(), tax_quote=None)
    loaded_order = loads(dumps(order), DraftOrder)
    loaded_context = loads(dumps(context), PricingContext)
    assert price(loaded_order, loaded_context) == price(order, context)


# -- the JSON ------------------------------------------------------------------------------------


def test_money_is_an_amount_string_and_a_currency_code() -> None:
    data = to_document(KETTLE)["data"]
    assert data["price"] == {"amount": "49.90", "currency": "USD"}
    assert data["cost"] == {"amount": "21.12", "currency": "USD"}


def test_decimals_keep_their_exact_digits() -> None:
    rate = TaxRate.percent("8.25", "Sales tax")
    context = PricingContext(tax=FlatRateTax(rate))
    data = to_document(context)["data"]
    assert data["tax"]["rate"]["fraction"] == "0.0825"
    loaded = loads(dumps(context), PricingContext)
    assert isinstance(loaded.tax, FlatRateTax)
    assert str(loaded.tax.rate.fraction) == "0.0825"
    weighed = Product("W", "Weighed", money("1.00"), weight=Weight("1.250", WeightUnit.KG))
    assert to_document(weighed)["data"]["weight"] == {"unit": "kg", "value": "1.250"}
    assert str(loads(dumps(weighed), Product).weight.value) == "1.250"  # type: ignore[union-attr]
    trailing = Money(Decimal("5E+2"), "JPY")
    assert loads(dumps(Product("J", "Yen", trailing)), Product).price.amount.as_tuple() == (
        trailing.amount.as_tuple()
    )


def test_aware_datetimes_keep_their_moment_offset_and_microseconds() -> None:
    data = to_document(TRANSACTION)["data"]
    assert data["created_at"] == "2026-11-26T09:30:15.123456-05:00"
    loaded = loads(dumps(TRANSACTION), Transaction)
    assert loaded.created_at == CHARGED_AT
    assert loaded.created_at.utcoffset() == dt.timedelta(hours=-5)
    sent = loads(dumps(sent_invoice()), SentInvoice)
    assert sent.sent_at == sent_invoice().sent_at
    assert sent.sent_at.utcoffset() == dt.timedelta(hours=2)  # Paris summer time that night


NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (
            dt.datetime(2026, 11, 1, 1, 30, fold=0, tzinfo=NEW_YORK),
            "2026-11-01T01:30:00-04:00[America/New_York]",
        ),
        (
            dt.datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NEW_YORK),
            "2026-11-01T01:30:00-05:00[America/New_York]",
        ),
        (dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC), "2026-11-01T05:30:00+00:00"),
    ],
)
def test_a_moment_in_a_zone_keeps_its_zone_and_which_repeated_hour_it_is(
    moment: dt.datetime, written: str
) -> None:
    transaction = attrs.evolve(TRANSACTION, created_at=moment)
    assert to_document(transaction)["data"]["created_at"] == written
    loaded = loads(dumps(transaction), Transaction).created_at
    # aware datetimes in different zones compare unequal in a repeated hour (PEP 495), so
    # only the zone itself makes the round trip exact
    assert loaded == moment
    assert (loaded.tzinfo, loaded.fold, loaded.utcoffset()) == (
        moment.tzinfo,
        moment.fold,
        moment.utcoffset(),
    )


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("2026-11-26T09:30:00", "no UTC offset"),
        ("2026-11-26T09:30:00+00:00[Mars/Olympus_Mons]", "no time zone 'Mars/Olympus_Mons'"),
        ("2026-11-26T09:30:00+00:00[UTC", "in brackets at the end"),
        ("yesterday", "not an ISO 8601"),
        (1764149400, "expected a date and time"),
    ],
)
def test_a_malformed_datetime_is_refused(written: object, words: str) -> None:
    document = to_document(TRANSACTION)
    document["data"]["created_at"] = written
    error = refusal(document, Transaction)
    assert error.field == "$.data.created_at"
    assert words in str(error)


def test_a_naive_datetime_cannot_even_be_recorded() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        attrs.evolve(TRANSACTION, created_at=dt.datetime(2026, 11, 26, 9, 30))


def test_dates_enums_sets_tuples_and_bytes_have_plain_json_spellings() -> None:
    order = to_document(rich_order())["data"]
    assert order["order_date"] == "2026-11-26"
    assert order["status"] == "completed"
    assert order["customer"]["tags"] == ["b2b", "early", "vip"]
    assert order["coupon_codes"] == ["SPRING10", "WELCOME"]
    assert order["payment_terms"] == {"kind": "net_days", "days": 30, "date": None}
    promotion = to_document(PROMOTIONS[3])["data"]
    assert promotion["combines_with"] == ["order"]
    assert promotion["benefit"] == {"kind": "buy_x_get_y", "buy": 2, "get": 1, "percent": "50"}
    assert to_document(TRANSACTION)["data"]["restock"] == [["L1", 1], ["L2", 2]]
    sent = to_document(sent_invoice())["data"]
    assert base64.b64decode(sent["message"]) == sent_invoice().message
    context = to_document(rich_context())["data"]
    assert context["rounding"]["mode"] == "ROUND_HALF_EVEN"
    assert context["usage"]["per_customer"] == {"P6": {"C1": 1, "C2": 1}}
    assert [price_list["group"] for price_list in context["rules"]["price_lists"]] == [
        "wholesale",
        "vip",
    ]


def test_the_shops_records_have_plain_json_spellings() -> None:
    level = to_document(STOCK_LEVEL)["data"]
    assert level == {
        "sku": "MUG",
        "location": "Albany",
        "on_hand": 12,
        "reserved": 15,
        "policy": "backorder",
    }
    # quantities are (sku, location, units) rows, sorted by SKU; the unnamed location is null
    assert to_document(RESERVATION)["data"]["quantities"] == [
        ["MUG", "Albany", 3],
        ["TEA", None, 4],
    ]
    assert to_document(TAKEN)["data"]["quantities"] == [["KETTLE", None, 1], ["MUG", "Albany", 3]]
    change = to_document(INVENTORY_CHANGE)["data"]
    assert (change["reason"], change["change"], change["backordered"]) == ("reserved", -3, 3)
    message = to_document(OUTBOX_MESSAGE)["data"]
    assert (message["status"], message["attempts"], message["sent_at"]) == ("sending", 3, None)
    assert message["lease_until"] == "2026-03-29T04:43:00+02:00[Europe/Paris]"
    recorded = to_document(claim())["data"]
    assert (recorded["kind"], recorded["state"], recorded["outcome"]) == (
        "refund",
        "recorded",
        "approved",
    )
    assert recorded["amount"] == {"amount": "12.99", "currency": "USD"}
    assert recorded["promotions"] == ["P6", "P9"]
    assert recorded["completes"]["status"] == "completed"
    sent = to_document(sent_invoice())["data"]
    assert not {"html", "text", "pdf"} & set(sent)
    assert (sent["id"], sent["resent"], sent["attach_pdf"]) == ("S-1", True, True)


def test_fields_that_init_does_not_take_are_not_written() -> None:
    assert "ratio" not in to_document(rich_order())["data"]["lines"][0]["discount"]
    recurring = to_document(PROMOTIONS[2])["data"]["conditions"][0]
    assert recurring == {
        "kind": "recurring",
        "rule": "FREQ=WEEKLY;BYDAY=FR",
        "label": FRIDAYS.label,
    }


def test_dumps_sorts_keys_and_is_stable() -> None:
    text = dumps(rich_order())
    assert text == json.dumps(json.loads(text), sort_keys=True)
    assert dumps(loads(text)) == text


# -- refusals --------------------------------------------------------------------------------


def order_document() -> dict[str, Any]:
    return to_document(rich_order())


def refusal(document: object, expected: type | None = None) -> DocumentError:
    with pytest.raises(DocumentError) as raised:
        from_document(document, expected)  # type: ignore[arg-type]
    error = raised.value
    assert isinstance(error, ValidationError)
    assert "\n" not in str(error)
    return error


def test_an_unknown_type_is_refused() -> None:
    error = refusal({"schema": 2, "type": "Basket", "data": {}})
    assert error.field == "$.type"
    assert "unknown document type 'Basket'" in str(error)


def test_a_newer_schema_is_refused_with_what_to_do() -> None:
    document = {**order_document(), "schema": SCHEMA_VERSION + 1}
    error = refusal(document, DraftOrder)
    assert error.field == "$.schema"
    assert "upgrade draftorders" in str(error)


@pytest.mark.parametrize("schema", [0, -1, "2", True, None, 2.0])
def test_a_schema_that_is_not_a_version_number_is_refused(schema: object) -> None:
    assert refusal({**order_document(), "schema": schema}).field == "$.schema"


def test_a_document_of_another_type_than_expected_is_refused() -> None:
    error = refusal(to_document(ADA), DraftOrder)
    assert str(error) == "$.type: expected a DraftOrder document, got a Customer"


@pytest.mark.parametrize(
    "document",
    [[], "text", {"schema": 2, "type": "Customer"}, {**to_document(ADA), "extra": 1}],
)
def test_a_malformed_envelope_is_refused(document: object) -> None:
    refusal(document)


def test_a_float_where_money_goes_is_refused_naming_the_path() -> None:
    document = order_document()
    document["data"]["lines"][1]["list_price"]["amount"] = 12.99
    error = refusal(document, DraftOrder)
    assert error.field == "$.data.lines[1].list_price.amount"
    assert "float 12.99" in str(error)
    assert '"12.99"' in str(error)


def test_a_float_read_from_json_text_is_refused_too() -> None:
    text = dumps(KETTLE).replace('"49.90"', "49.9")
    with pytest.raises(DocumentError, match=r"\$\.data\.price\.amount: got the float 49\.9"):
        loads(text, Product)


@pytest.mark.parametrize(
    ("amount", "words"),
    [("12.x", "not a finite decimal"), ("NaN", "not a finite decimal"), (12, "decimal string")],
)
def test_a_malformed_amount_is_refused_naming_the_path(amount: object, words: str) -> None:
    document = order_document()
    document["data"]["shipping"]["price"]["amount"] = amount
    error = refusal(document, DraftOrder)
    assert error.field == "$.data.shipping.price.amount"
    assert words in str(error)


def test_a_value_the_class_refuses_is_reported_where_it_is() -> None:
    document = order_document()
    document["data"]["lines"][0]["quantity"] = 0
    error = refusal(document, DraftOrder)
    assert str(error) == "$.data.lines[0]: quantity: 0 is not a positive quantity; use 1 or more"


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (lambda d: d["lines"][0].update(taxable=1), "$.data.lines[0].taxable", "true or false"),
        (lambda d: d["lines"][0].update(quantity="2"), "$.data.lines[0].quantity", "whole"),
        (lambda d: d["lines"][0].update(colour="red"), "$.data.lines[0]", "'colour'"),
        (lambda d: d.update(lines={}), "$.data.lines", "expected a list"),
        (lambda d: d.update(status="paid"), "$.data.status", "'invoice_sent'"),
        (lambda d: d.update(order_date="26/11/2026"), "$.data.order_date", "not a date"),
        (lambda d: d.pop("id"), "$.data.id", "missing"),
        (lambda d: d.update(customer=[]), "$.data.customer", "expected an object"),
        (lambda d: d["customer"].update(tags="vip"), "$.data.customer.tags", "expected a list"),
        (lambda d: d["shipping"].update(price=None), "$.data.shipping.price", "expected money"),
        (
            lambda d: d["shipping"]["price"].update(cents=995),
            "$.data.shipping.price",
            "unknown field(s) 'cents'",
        ),
        (
            lambda d: d["shipping"]["price"].update(currency="ABC"),
            "$.data.shipping.price",
            "unknown currency 'ABC'",
        ),
    ],
)
def test_malformed_fields_are_refused_naming_the_path(change: Any, path: str, words: str) -> None:
    document = order_document()
    change(document["data"])
    error = refusal(document, DraftOrder)
    assert error.field == path
    assert words in str(error)


def test_every_problem_is_listed_and_the_message_counts_them() -> None:
    document = order_document()
    document["data"]["lines"][0]["taxable"] = "yes"
    document["data"]["version"] = "9"
    error = refusal(document, DraftOrder)
    assert "(and 1 more)" in str(error)
    assert len(error.errors) == 2


@pytest.mark.parametrize(
    ("benefit", "words"),
    [
        ({"percent": "10"}, "got no 'kind'"),
        ({"kind": "half_off", "percent": "10"}, "got the kind 'half_off'"),
        ({"kind": ["percent_off"], "percent": "10"}, "got the kind ['percent_off']"),
        ("percent_off", "expected an object"),
    ],
)
def test_a_tagged_value_needs_a_known_kind(benefit: object, words: str) -> None:
    document = to_document(PROMOTIONS[0])
    document["data"]["benefit"] = benefit
    error = refusal(document, Promotion)
    assert error.field == "$.data.benefit"
    assert words in str(error)


def test_a_calculator_of_your_own_cannot_be_written() -> None:
    @attrs.frozen
    class NoTax:
        def line_rates(self, tax_category: str, destination: object) -> tuple[TaxRate, ...]:
            return ()

        def shipping_rates(self, destination: object) -> tuple[TaxRate, ...]:
            return ()

    with pytest.raises(DocumentError, match="NoTax cannot be written"):
        to_document(PricingContext(tax=NoTax()))


def test_a_value_that_is_not_a_document_type_cannot_be_written() -> None:
    with pytest.raises(DocumentError, match="a PricedOrder cannot be written"):
        to_document(price(DraftOrder.new("D1", "USD", TODAY), PricingContext()))


@pytest.mark.parametrize(
    "text", ["{'schema': 2}", "", '{"schema": 2, "type": "Product", "data": ' + "[" * 100_000]
)
def test_text_that_is_not_json_is_refused(text: str) -> None:
    with pytest.raises(DocumentError, match="not JSON text"):
        loads(text)


def test_a_huge_number_is_refused() -> None:
    with pytest.raises(DocumentError):
        loads('{"schema": 2, "type": "Product", "data": {"price": ' + "9" * 5000 + "}}")


def test_data_nested_too_deeply_is_refused() -> None:
    deep: list[object] = []
    for _ in range(100_000):
        deep = [deep]
    error = refusal({"schema": 2, "type": "Product", "data": {"tags": deep}}, Product)
    assert error.field == "$.data"


def test_duplicate_skus_in_a_catalog_document_are_refused() -> None:
    document = to_document(CATALOG)
    document["data"]["products"].append(document["data"]["products"][0])
    error = refusal(document, Catalog)
    assert error.field == "$.data.products"
    assert "two products have the SKU 'KETTLE'" in str(error)


# -- versions ------------------------------------------------------------------------------------

VERSION_1_ORDER = """
{
  "schema": 1,
  "type": "DraftOrder",
  "data": {
    "id": "D1001",
    "currency": "USD",
    "order_date": "2025-03-14",
    "status": "invoice_sent",
    "version": 4,
    "customer": {
      "id": "C7",
      "name": "Grace Hopper",
      "email": "grace@example.com",
      "group": null,
      "tags": ["navy"],
      "tax_exempt": false,
      "tax_exemption_id": null,
      "addresses": [{"country": "US", "region": "VA", "city": "Arlington"}]
    },
    "billing_address": null,
    "shipping_address": {"country": "US", "region": "VA", "postal_code": "22201"},
    "lines": [
      {
        "id": "L1",
        "kind": "product",
        "title": "Mug",
        "list_price": {"amount": "12.99", "currency": "USD"},
        "quantity": 2,
        "sku": "MUG",
        "unit_price_override": null,
        "discount": {"kind": "percentage", "percentage": "10", "amount": null, "title": null},
        "taxable": true,
        "tax_category": "standard",
        "requires_shipping": true,
        "tags": [],
        "collections": [],
        "weight": {"value": "0.35", "unit": "kg"},
        "dimensions": null,
        "ships_alone": false,
        "cost": null,
        "pricing_rule": null,
        "points": null
      }
    ],
    "order_discount": null,
    "shipping": {"title": "Ground", "price": {"amount": "5.00", "currency": "USD"},
                 "from_rates": false},
    "notes": "Leave at the door",
    "details": {"format": "json", "text": "{\\"gift\\": true}"},
    "taxes_enabled": true,
    "lines_added": 1,
    "coupon_codes": ["WELCOME"],
    "charges": [],
    "points_redeemed": 0,
    "invoiced_total": {"amount": "29.38", "currency": "USD"}
  }
}
"""


def test_a_version_1_order_is_read_with_the_fields_version_2_added_at_their_defaults() -> None:
    order = loads(VERSION_1_ORDER, DraftOrder)
    assert order.status is Status.INVOICE_SENT
    assert order.invoiced_total == money("29.38")
    assert order.notes == "Leave at the door"
    assert order.details == OrderDetails.json('{"gift": true}')
    assert (order.terms, order.po_number, order.consent) == ("", None, False)
    assert order.payment_terms == PaymentTerms.due_on_receipt()
    assert (order.payment_method_id, order.completed_total) == (None, None)
    assert order.customer is not None
    assert (order.customer.locale, order.customer.tax_id) == (None, None)
    assert order.customer.addresses == (Address(country="US", region="VA", city="Arlington"),)
    assert order.lines[0].weight == Weight("0.35", WeightUnit.KG)


def test_upgrade_writes_the_version_2_fields_and_leaves_the_input_alone() -> None:
    document = json.loads(VERSION_1_ORDER)
    before = copy.deepcopy(document)
    upgraded = upgrade(document)
    assert document == before
    assert upgraded["schema"] == SCHEMA_VERSION == 3
    data = upgraded["data"]
    assert data["payment_terms"] == {"kind": "due_on_receipt", "days": None, "date": None}
    assert data["customer"]["locale"] is None
    assert data["notes"] == "Leave at the door"
    assert upgrade(upgraded) == upgraded


def test_a_version_1_customer_is_upgraded() -> None:
    data = {k: v for k, v in to_document(ADA)["data"].items() if k not in ("locale", "tax_id")}
    customer = from_document({"schema": 1, "type": "Customer", "data": data}, Customer)
    assert customer == attrs.evolve(ADA, locale=None, tax_id=None)


def test_version_1_had_no_payment_or_invoice_documents() -> None:
    document = {**to_document(TRANSACTION), "schema": 1}
    assert "schema 1 had no Transaction" in str(refusal(document))


def version_2_sent_invoice(**changes: object) -> dict[str, Any]:
    """A sent invoice as version 2 wrote it: its renderings and PDF beside the message bytes."""
    data: dict[str, Any] = {
        "invoice": to_document(rich_invoice())["data"],
        "sent_at": "2026-03-29T04:30:00+02:00[Europe/Paris]",
        "recipient": "ada@example.com",
        "subject": "Invoice INV-00042",
        "locale": "en_GB",
        "html": "<p>Invoice INV-00042</p>",
        "text": "Invoice INV-00042\n",
        "message": base64.b64encode(INVOICE_EMAIL).decode("ascii"),
        "pdf": base64.b64encode(b"%PDF-1.7\n\xe2\xe3").decode("ascii"),
    }
    data.update(changes)
    return {"schema": 2, "type": "SentInvoice", "data": data}


def test_a_version_2_sent_invoice_is_read_with_its_parts_from_the_message_it_kept() -> None:
    # when
    sent = from_document(version_2_sent_invoice(), SentInvoice)
    # then the record is the email as it was delivered, when it was sent
    assert sent.invoice == rich_invoice()
    assert (sent.number, sent.recipient, sent.subject, sent.locale) == (
        "INV-00042",
        "ada@example.com",
        "Invoice INV-00042",
        "en_GB",
    )
    assert sent.sent_at == sent.delivered_at == SENT_AT
    assert sent.sent_at.tzinfo is PARIS
    assert sent.message == INVOICE_EMAIL
    assert sent.delivered
    assert (sent.attach_pdf, sent.resent) == (None, False)
    assert sent.id == "INV-00042@2026-03-29T04:30:00+02:00[Europe/Paris]"
    # and its renderings and PDF are read from the message, as they were
    assert sent.text.replace("\r\n", "\n") == "Invoice INV-00042\n"
    assert sent.html.replace("\r\n", "\n") == "<p>Invoice INV-00042</p>\n"
    assert sent.pdf == b"%PDF-1.7\n\xe2\xe3"


def test_upgrade_takes_a_version_2_sent_invoice_to_version_3_and_leaves_the_input_alone() -> None:
    # given
    document = version_2_sent_invoice()
    before = copy.deepcopy(document)
    # when
    upgraded = upgrade(document)
    # then
    assert document == before
    assert upgraded["schema"] == 3
    data = upgraded["data"]
    assert not {"html", "text", "pdf"} & set(data)
    assert (data["message"], data["delivered_at"]) == (
        document["data"]["message"],
        document["data"]["sent_at"],
    )
    assert (data["attach_pdf"], data["resent"]) == (None, False)
    assert upgrade(upgraded) == upgraded
    assert dumps(from_document(upgraded, SentInvoice)) == dumps(from_document(document))


def test_two_version_2_sends_of_one_invoice_get_different_ids() -> None:
    # given a first send and a re-send of one invoice, as version 2 kept them
    first = version_2_sent_invoice()
    again = version_2_sent_invoice(sent_at="2026-03-30T09:00:00+00:00")
    # when
    ids = {from_document(document, SentInvoice).id for document in (first, again)}
    # then
    assert len(ids) == 2


@pytest.mark.parametrize(
    "name",
    ["PaymentClaim", "OutboxMessage", "StockLevel", "Reservation", "Taken", "InventoryChange"],
)
@pytest.mark.parametrize("schema", [1, 2])
def test_versions_1_and_2_had_none_of_the_shops_records(name: str, schema: int) -> None:
    document = {**to_document(EXAMPLES[name]), "schema": schema}
    error = refusal(document)
    assert error.field == "$.type"
    assert f"schema {schema} had no {name}" in str(error)


def test_there_is_one_upgrade_step_for_each_older_version() -> None:
    assert sorted(UPGRADES) == list(range(1, SCHEMA_VERSION))


# -- the tagged classes are complete -------------------------------------------------------------


def classes_in(module: object, has: str) -> set[type]:
    """The attrs classes of a module that have a method or attribute ``has``."""
    return {
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if attrs.has(cls)
        and cls.__module__ == getattr(module, "__name__", "")
        and hasattr(cls, has)
    }


def test_every_class_of_a_slot_has_a_kind_tag() -> None:
    by_name = {
        getattr(slot, "__name__", repr(slot)): set(tagged) for slot, tagged in TAGGED.items()
    }
    assert by_name["Condition"] == classes_in(conditions, "check")
    assert by_name["PricingRule"] == classes_in(rules, "automatic")
    assert set(TAGGED[RatePricing]) == set(get_args(RatePricing))
    benefits = next(set(t) for slot, t in TAGGED.items() if set(t) == set(BENEFITS))
    assert benefits == set(BENEFITS)
    calculators = classes_in(flat_module, "line_rates") | classes_in(table_module, "line_rates")
    assert by_name["TaxCalculator"] == calculators
    for tagged in TAGGED.values():
        assert len(set(tagged.values())) == len(tagged)
