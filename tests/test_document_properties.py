"""Documents, as properties: whatever order, context, zone, transaction, sent invoice or record
of the shop's state (payment claim, outbox message, stock level, reservation, what an order
took, stock move) is generated, what ``loads(dumps(x))`` gives back is equal to it, and prices,
rates and sums exactly as it did.

Orders and contexts come from the pricing, promotion and tax property strategies (any
currency, rounding, discount, tax table and promotion book they generate), and are then given
what those leave out: a customer, payment terms and the other invoice fields, pricing rules
for their products, a points program, promotion usage and a status.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from draftorders import (
    Address,
    BillingInterval,
    BillingPlan,
    Customer,
    DraftOrder,
    InventoryChange,
    InventoryPolicy,
    LineItem,
    MessageStatus,
    Money,
    OrderDetails,
    OutboxMessage,
    Outcome,
    Party,
    PaymentClaim,
    PaymentTerms,
    PricingContext,
    SentInvoice,
    Status,
    StockLevel,
    Transaction,
    TransactionKind,
    TransactionStatus,
    build_invoice,
    price,
)
from draftorders.documents import dumps, loads
from draftorders.inventory import Reason, Reservation, Taken
from draftorders.payments import ClaimState, summarize
from draftorders.pricing.points import PointsProgram
from draftorders.pricing.rules import (
    AmountOffList,
    CostPlus,
    FixedPrice,
    GraduatedPricing,
    PercentOffList,
    PriceList,
    PricingRule,
    RuleBook,
    VolumePricing,
)
from draftorders.promotions import PromotionUsage
from draftorders.shipping import (
    BasePlusPerKg,
    Flat,
    PerItem,
    PriceBrackets,
    ShippingRate,
    ShippingZone,
    WeightBrackets,
    find_rates,
)
from draftorders.shipping.rates import RatePricing
from draftorders.storage.sql import SqlStore
from minor_units import money_of
from test_documents import assert_exact
from test_pricing_properties import cases as pricing_cases
from test_promotion_properties import cases as promotion_cases
from test_shipping_properties import order_lines
from test_tax_properties import cases as tax_cases

TEXT = st.sampled_from(
    [
        "Ada",
        "Zoë",
        "東京",
        "🐍 snake",
        'a "quote"',
        "back\\slash",
        "tab\there",
        "\U0001d11e clef",
        "</x>",
    ]
)
"""Names and titles: awkward for JSON (quotes, escapes, a character beyond the BMP, which JSON
writes as a surrogate pair), cheap to draw. (A lone surrogate is not text: it is refused when
recorded, so no document holds one.)"""
FREE_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="{}"),
    min_size=1,
    max_size=30,
).filter(str.strip)
"""Printable text in any script, without placeholders: for notes and terms."""
KEYS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_:/.-]{0,19}", fullmatch=True)
"""Ids, references and idempotency keys."""
DAYS = st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31))
ZONES = st.sampled_from([dt.UTC, ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")]) | (
    st.integers(-14 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
)
MOMENTS = st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2099, 1, 1), timezones=ZONES)
"""Aware datetimes, in UTC, in zones with summer time (folds included), or at odd offsets."""


FEWER = settings(max_examples=max(25, settings().max_examples // 4))
"""A quarter of the profile's examples: each draws a whole order, context and more."""


def amounts(code: str, most: int = 100_000) -> st.SearchStrategy[Money]:
    return st.integers(0, most).map(lambda units: money_of(units, code))


PLANS = st.builds(
    BillingPlan,
    every=st.integers(1, 12),
    interval=st.sampled_from(BillingInterval),
    cycles=st.none() | st.integers(1, 36),
)
PERCENTS = st.integers(0, 10_000).map(lambda n: Decimal(n).scaleb(-2))


# -- what the property strategies leave out ------------------------------------------------------


@st.composite
def rules_for(draw: st.DrawFn, sku: str, code: str) -> tuple[PricingRule, ...]:
    """0-3 rules of any kind for one product, at most one of them automatic."""
    tiers = st.lists(st.tuples(st.integers(2, 50), amounts(code)), max_size=3).map(
        lambda rest: ((1, money_of(1000, code)), *dict(rest).items())
    )
    kinds = [
        st.builds(FixedPrice, st.just("fixed"), amounts(code)),
        st.builds(PercentOffList, st.just("percent"), PERCENTS),
        st.builds(AmountOffList, st.just("amount"), amounts(code, 5_000)),
        st.builds(VolumePricing, st.just("volume"), tiers),
        st.builds(GraduatedPricing, st.just("graduated"), tiers),
        st.builds(CostPlus, st.just("cost"), PERCENTS),
    ]
    chosen = draw(st.lists(st.sampled_from(range(len(kinds))), max_size=3, unique=True))
    found = [draw(kinds[index]) for index in chosen]
    if found and draw(st.booleans()):
        found[0] = attrs.evolve(found[0], automatic=True)  # type: ignore[misc]
    return tuple(found)


@st.composite
def enriched(
    draw: st.DrawFn, order: DraftOrder, context: PricingContext
) -> tuple[DraftOrder, PricingContext]:
    """The order and context with the fields the pricing strategies leave at their defaults."""
    code = order.currency
    skus = sorted({line.sku for line in order.lines if line.sku is not None})
    rules = {sku: draw(rules_for(sku, code)) for sku in skus if draw(st.booleans())}
    price_lists = (
        (PriceList("list", "wholesale", {sku: draw(amounts(code)) for sku in skus}),)
        if skus and draw(st.booleans())
        else ()
    )
    context = attrs.evolve(
        context,
        rules=RuleBook(rules, price_lists),
        points=draw(
            st.none()
            | st.builds(
                PointsProgram,
                PERCENTS,
                st.integers(1, 100).map(lambda units: money_of(units, code)),
            )
        ),
        usage=PromotionUsage(
            draw(st.dictionaries(st.sampled_from(["P0", "P1", "P2"]), st.integers(0, 9))),
            draw(st.dictionaries(st.tuples(st.just("P1"), st.just("C1")), st.integers(0, 9))),
        ),
        today=draw(st.none() | DAYS),
    )
    for line in order.lines:
        chosen = rules.get(line.sku or "", ())
        if chosen and draw(st.booleans()):
            order = order.set_pricing_rule(line.id, draw(st.sampled_from(chosen)).id)
        if draw(st.integers(0, 4)) == 0:
            order = order.set_line_points(line.id, draw(st.integers(0, 500)))
        if draw(st.integers(0, 3)) == 0:
            order = order.set_billing_plan(line.id, draw(PLANS))
    if order.customer is None and draw(st.booleans()):
        order = order.set_customer(
            Customer(
                "C1",
                draw(TEXT),
                group=draw(st.none() | st.sampled_from(["wholesale", "vip"])),
                tags=draw(st.frozensets(TEXT, max_size=3)),
                locale=draw(st.none() | st.sampled_from(["en_US", "de_DE", "ja_JP"])),
            )
        )
    order = (
        order.set_notes(draw(st.just("") | FREE_TEXT))
        .set_terms(draw(st.just("") | TEXT))
        .set_po_number(draw(st.none() | st.from_regex(r"PO-[0-9A-Z]{1,10}", fullmatch=True)))
        .set_payment_terms(
            draw(
                st.sampled_from([PaymentTerms.due_on_receipt(), PaymentTerms.end_of_next_month()])
                | st.integers(1, 3650).map(PaymentTerms.net)
                | DAYS.map(PaymentTerms.fixed)
            )
        )
        .set_details(draw(st.none() | TEXT.map(lambda text: OrderDetails.from_data({"n": text}))))
        .set_consent(draw(st.booleans()))
        .set_payment_method(draw(st.none() | st.just("pm_1")))
        .redeem_points(draw(st.integers(0, 1_000)))
    )
    if draw(st.booleans()):
        order = order.add_code(draw(st.from_regex(r"[A-Z0-9]{1,8}", fullmatch=True)))
    if draw(st.booleans()):
        order = order.add_credit(
            draw(TEXT), draw(amounts(code, 5_000)), taxable=draw(st.booleans())
        )
    total = price(order, context).total
    status = draw(st.sampled_from(Status))
    order = attrs.evolve(
        order,
        status=status,
        invoiced_total=None if status is Status.DRAFT else total,
        completed_total=total if status is Status.COMPLETED else None,
    )
    return order, context


@st.composite
def transactions(draw: st.DrawFn, order: DraftOrder) -> list[Transaction]:
    """0-4 transactions on the order, at any moment, some acting on earlier ones."""
    code = order.currency
    found: list[Transaction] = []
    for number in range(1, draw(st.integers(0, 4)) + 1):
        found.append(
            Transaction(
                id=f"T{number}",
                order_id=order.id,
                kind=draw(st.sampled_from(TransactionKind)),
                status=draw(st.sampled_from(TransactionStatus)),
                amount=draw(amounts(code)),
                created_at=draw(MOMENTS),
                gateway=draw(st.sampled_from(["fake", "manual"])),
                reference=draw(st.none() | TEXT),
                idempotency_key=draw(st.none() | TEXT),
                parent_id=draw(st.none() | st.sampled_from([t.id for t in found] or ["T0"])),
                method=draw(st.none() | TEXT),
                code=draw(st.none() | TEXT),
                message=draw(st.just("") | TEXT),
                reason=draw(st.none() | TEXT),
                restock=tuple(draw(st.lists(st.tuples(TEXT, st.integers(1, 9)), max_size=2))),
            )
        )
    return found


ORDERS_AND_CONTEXTS = st.one_of(
    pricing_cases().map(lambda case: (case.order, case.context)),
    promotion_cases().map(lambda case: (case.order, case.context)),
    tax_cases().map(lambda case: (case.order, case.context)),
).flatmap(lambda pair: enriched(*pair))
"""An order and its pricing context, from any of the three property strategies, enriched."""


# -- the properties ------------------------------------------------------------------------------


@FEWER
@given(pair=ORDERS_AND_CONTEXTS, data=st.data())
def test_any_order_context_and_transactions_read_back_equal_and_price_and_sum_the_same(
    pair: tuple[DraftOrder, PricingContext], data: st.DataObject
) -> None:
    order, context = pair
    found = data.draw(transactions(order), label="transactions")
    order_text, context_text = dumps(order), dumps(context)
    note(order_text)
    note(context_text)
    loaded_order = loads(order_text, DraftOrder)
    loaded_context = loads(context_text, PricingContext)
    loaded = [loads(dumps(transaction), Transaction) for transaction in found]

    assert_exact(loaded_order, order)
    assert_exact(loaded_context, context)
    assert_exact(loaded, found)
    assert dumps(loaded_order) == order_text
    assert dumps(loaded_context) == context_text
    priced = price(loaded_order, loaded_context)
    assert priced == price(order, context)
    assert summarize(priced.total, loaded) == summarize(priced.total, found)


@st.composite
def rate_pricings(draw: st.DrawFn) -> RatePricing:
    usd = amounts("USD", 5_000)
    kg = st.integers(1, 5_000).map(lambda n: Decimal(n).scaleb(-2))
    return draw(
        st.one_of(
            st.builds(Flat, usd),
            st.builds(WeightBrackets, st.lists(st.tuples(kg, usd), min_size=1, max_size=3)),
            st.builds(PriceBrackets, st.lists(st.tuples(usd, usd), min_size=1, max_size=3)),
            st.builds(PerItem, usd),
            st.builds(BasePlusPerKg, usd, usd),
        )
    )


@st.composite
def zones(draw: st.DrawFn) -> ShippingZone:
    kg = st.none() | st.integers(0, 3_000).map(lambda n: Decimal(n).scaleb(-2))
    methods = draw(st.lists(TEXT, min_size=1, max_size=4, unique=True))
    return ShippingZone(
        draw(TEXT),
        countries=draw(st.frozensets(st.sampled_from(["US", "CA", "FR"]), min_size=1)),
        regions=draw(st.frozensets(st.sampled_from(["NY", "QC"]), max_size=1)),
        postal_codes=draw(st.lists(st.sampled_from(["10000-14999", "H2*"]), max_size=2)),
        rates=[
            ShippingRate(
                method,
                draw(rate_pricings()),
                carrier=draw(st.none() | TEXT),
                free_from=draw(st.none() | amounts("USD")),
                min_kg=draw(kg),
                max_kg=draw(kg),
                dim_divisor=draw(st.none() | st.integers(1, 10_000).map(Decimal)),
            )
            for method in methods
        ],
    )


@settings(max_examples=max(20, settings().max_examples // 8))
@given(zone=zones(), lines=order_lines(), subtotal=amounts("USD"))
def test_any_shipping_zone_reads_back_equal_and_rates_an_order_the_same(
    zone: ShippingZone, lines: list[LineItem], subtotal: Money
) -> None:
    loaded = loads(dumps(zone), ShippingZone)
    assert_exact(loaded, zone)
    order = DraftOrder.new("S1", "USD", dt.date(2026, 11, 26)).set_shipping_address(
        Address(country="US", region="NY", postal_code="12207")
    )
    order = attrs.evolve(order, lines=tuple(lines), lines_added=len(lines))
    try:
        expected = find_rates(order, [zone], subtotal)
    except ValueError as error:  # lines that cannot be packed: refused the same way
        note(f"refused: {error}")
        return
    assert find_rates(order, [loaded], subtotal) == expected


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    store = SqlStore(f"sqlite:///{tmp_path_factory.mktemp('roundtrip') / 'orders.db'}")
    yield store
    store.close()


def own_ids(order_id: str, found: list[Transaction]) -> list[Transaction]:
    """``found`` on the order ``order_id``, with ids and keys no other order's have (a store
    keeps both unique across orders)."""
    return [
        attrs.evolve(
            transaction,
            order_id=order_id,
            id=f"{order_id}-{transaction.id}",
            parent_id=None
            if transaction.parent_id is None
            else f"{order_id}-{transaction.parent_id}",
            idempotency_key=(
                None
                if transaction.idempotency_key is None
                else f"{order_id}:{transaction.id}:{transaction.idempotency_key}"
            ),
        )
        for transaction in found
    ]


@settings(
    max_examples=max(25, settings().max_examples // 4),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(pair=ORDERS_AND_CONTEXTS, data=st.data())
def test_any_order_saved_in_a_sql_store_loads_and_prices_to_the_identical_breakdown(
    sqlite_store: SqlStore, pair: tuple[DraftOrder, PricingContext], data: st.DataObject
) -> None:
    order, context = pair
    order = attrs.evolve(order, id=f"R{next(_IDS)}")
    found = own_ids(order.id, data.draw(transactions(order)))
    # when
    with sqlite_store.unit() as unit:
        unit.orders.add(order)
        for transaction in found:
            unit.payments.append(transaction)
    with sqlite_store.unit(write=False) as unit:
        loaded = unit.orders.get(order.id)
        loaded_transactions = unit.payments.transactions(order.id)
    # then
    assert_exact(loaded, order)
    assert_exact(loaded_transactions, found)
    assert price(loaded, context) == price(order, context)


_IDS = itertools.count(1)


# -- the shop's records ------------------------------------------------------------------------

SKUS = st.sampled_from(["MUG", "TEA", "KETTLE", "東京-1"])
LOCATIONS = st.none() | st.sampled_from(["Albany", "東京", "Zoë's shed"])
UNITS = st.integers(-(10**9), 10**9)
QUANTITIES = st.dictionaries(st.tuples(SKUS, LOCATIONS), st.integers(0, 10**6), max_size=4).map(
    lambda rows: tuple((sku, location, count) for (sku, location), count in rows.items())
)
"""(sku, location, units) rows, each (sku, location) once."""


def optional(strategy: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.none() | strategy


OUTBOX_MESSAGES = st.builds(
    OutboxMessage,
    id=KEYS,
    kind=st.sampled_from(["invoice_email", "receipt"]),
    subject_id=KEYS,
    order_id=optional(KEYS),
    created_at=MOMENTS,
    status=st.sampled_from(MessageStatus),
    attempts=st.integers(0, 50),
    next_attempt_at=optional(MOMENTS),
    lease_until=optional(MOMENTS),
    last_error=optional(FREE_TEXT),
    sent_at=optional(MOMENTS),
)
STOCK_RECORDS = st.one_of(
    st.builds(
        StockLevel,
        sku=SKUS,
        location=LOCATIONS,
        on_hand=UNITS,
        reserved=UNITS,
        policy=st.sampled_from(InventoryPolicy),
    ),
    st.builds(Reservation, order_id=KEYS, until=optional(MOMENTS), quantities=QUANTITIES),
    st.builds(Taken, order_id=KEYS, quantities=QUANTITIES),
    st.builds(
        InventoryChange,
        order_id=optional(KEYS),
        sku=SKUS,
        location=LOCATIONS,
        change=UNITS,
        reason=st.sampled_from(Reason),
        at=MOMENTS,
        on_hand=UNITS,
        available=UNITS,
        backordered=st.integers(0, 10**6),
    ),
)


@given(record=st.one_of(OUTBOX_MESSAGES, STOCK_RECORDS))
def test_any_outbox_message_or_stock_record_reads_back_equal(record: object) -> None:
    text = dumps(record)
    note(text)
    loaded = loads(text, type(record))
    assert_exact(loaded, record)
    assert dumps(loaded) == text


@st.composite
def claims(draw: st.DrawFn, order: DraftOrder, context: PricingContext) -> PaymentClaim:
    """A claim on ``order`` with every field drawn; ``completes`` and ``if_pending`` are the
    order itself in some status, as the cashier writes them."""
    code = order.currency
    total = price(order, context).total
    return PaymentClaim(
        id=draw(KEYS),
        order_id=order.id,
        kind=draw(st.sampled_from(TransactionKind)),
        amount=draw(amounts(code)),
        idempotency_key=draw(KEYS),
        created_at=draw(MOMENTS),
        gateway=draw(st.sampled_from(["fake", "manual"])),
        token=draw(st.none() | KEYS),
        reference=draw(st.none() | KEYS),
        parent_id=draw(st.none() | KEYS),
        method=draw(st.none() | TEXT),
        reason=draw(st.none() | TEXT),
        restock=tuple(draw(st.lists(st.tuples(KEYS, st.integers(1, 9)), max_size=2))),
        order_version=draw(st.none() | st.just(order.version)),
        completes=draw(st.none() | st.just(order)),
        if_pending=draw(st.none() | st.just(order)),
        total=draw(st.none() | st.just(total)),
        promotions=tuple(draw(st.lists(st.sampled_from(["P0", "P1", "P2"]), unique=True))),
        customer_id=None if order.customer is None else order.customer.id,
        holds_stock=draw(st.booleans()),
        outcome=draw(st.none() | st.sampled_from(Outcome)),
        notice=draw(st.none() | KEYS),
        state=draw(st.sampled_from(ClaimState)),
        interrupted=draw(st.none() | TEXT),
        transaction_id=draw(st.none() | KEYS),
        recorded_at=draw(st.none() | MOMENTS),
    )


@FEWER
@given(pair=ORDERS_AND_CONTEXTS, data=st.data())
def test_any_payment_claim_reads_back_equal_with_the_order_it_completes(
    pair: tuple[DraftOrder, PricingContext], data: st.DataObject
) -> None:
    order, context = pair
    claim = data.draw(claims(order, context), label="claim")
    text = dumps(claim)
    note(text)
    loaded = loads(text, PaymentClaim)
    assert_exact(loaded, claim)
    assert dumps(loaded) == text
    if loaded.completes is not None:
        assert price(loaded.completes, context) == price(order, context)


@FEWER
@given(pair=ORDERS_AND_CONTEXTS, data=st.data())
def test_any_sent_invoice_reads_back_equal_with_its_bytes(
    pair: tuple[DraftOrder, PricingContext], data: st.DataObject
) -> None:
    order, context = pair
    priced = price(order, context)
    number = data.draw(st.from_regex(r"INV-[0-9]{1,6}", fullmatch=True), label="number")
    invoice = build_invoice(
        order,
        priced,
        seller=Party(name=data.draw(TEXT, label="seller")),
        issue_date=data.draw(DAYS, label="issue date"),
        number=number,
        amount_paid=data.draw(st.sampled_from([None, priced.total * 0, priced.total])),
        checkout_url=data.draw(st.none() | st.just(f"https://shop.example/pay/{order.id}")),
    )
    delivered = data.draw(st.booleans(), label="delivered")
    sent = SentInvoice(
        id=data.draw(KEYS, label="id"),
        invoice=invoice,
        sent_at=data.draw(MOMENTS, label="sent at"),
        recipient="ada@example.com",
        subject=data.draw(st.none() | TEXT, label="subject"),
        locale=data.draw(st.sampled_from(["en_US", "de_DE", "ja_JP"]), label="locale"),
        attach_pdf=data.draw(st.none() | st.booleans(), label="attach pdf"),
        resent=data.draw(st.booleans(), label="resent"),
        message=data.draw(st.binary(max_size=300), label="message") if delivered else None,
        delivered_at=data.draw(MOMENTS, label="delivered at") if delivered else None,
    )
    text = dumps(sent)
    note(text)
    loaded = loads(text, SentInvoice)
    assert_exact(loaded, sent)
    assert dumps(loaded) == text
    assert loaded.message == sent.message
    assert loaded.delivered is delivered
