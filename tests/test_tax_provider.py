"""An external tax engine: quotes are keyed by line id, checked on receipt, and a failure
changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from builders import catalog, money
from draftorders import (
    Customer,
    FixedClock,
    InMemoryMailer,
    Party,
    ProviderError,
    Shop,
    ShopApp,
    Status,
    TaxRate,
    ValidationError,
)
from draftorders.shop import Ports
from draftorders.tax import QuotedTax, TaxProvider, TaxQuote, TaxRequest

STATE = TaxRate.percent("7.25", "State")


class Engine:
    """A fake engine: 7.25% of each line's net, half-up, and it remembers the requests."""

    def __init__(self, *, extra_line: bool = False, currency: str = "USD") -> None:
        self.requests: list[TaxRequest] = []
        self.extra_line = extra_line
        self.currency = currency

    def quote(self, request: TaxRequest) -> TaxQuote:
        self.requests.append(request)
        lines = {
            line.line_id: [QuotedTax(STATE, money(str(_tax(line.amount.amount)), self.currency))]
            for line in request.lines
        }
        if self.extra_line:
            lines["L99"] = [QuotedTax(STATE, money("1.00"))]
        return TaxQuote(lines)


class Broken:
    def quote(self, request: TaxRequest) -> TaxQuote:
        raise TimeoutError("the engine did not answer")


def _tax(amount: Decimal) -> Decimal:
    return (amount * Decimal("0.0725")).quantize(Decimal("0.01"))


def shop(provider: TaxProvider, mailer: InMemoryMailer | None = None) -> ShopApp:
    settings = Shop(
        catalog(),
        seller=Party(name="Tea & Mugs Co.", email="billing@teamugs.example"),
        attach_pdf=False,
    )
    ports = Ports(
        tax_provider=provider,
        clock=FixedClock(dt.datetime(2026, 11, 26, tzinfo=dt.UTC)),
        mailer=mailer if mailer is not None else InMemoryMailer(),
    )
    return ShopApp(settings, ports)


def draft(app: ShopApp, customer: Customer | None = None) -> str:
    order = app.drafts.create(customer=customer)
    app.drafts.edit(order.id, lambda o: o.add_product(catalog(), "MUG", 3))
    app.drafts.edit(order.id, lambda o: o.add_custom_item("Gift wrap", "2.00", taxable=False))
    return order.id


def test_the_engine_is_asked_for_each_taxable_line_net_and_its_quote_is_charged() -> None:
    engine = Engine()
    app = shop(engine)
    order_id = draft(app)
    # when
    priced = app.drafts.price(order_id)
    # then
    (request,) = engine.requests
    assert [(line.line_id, line.amount) for line in request.lines] == [("L1", money("38.97"))]
    assert priced.line("L1").tax.amount == Decimal("2.83")
    assert priced.line("L2").tax.amount == Decimal("0.00")
    assert priced.total.amount == Decimal("43.80")  # 38.97 + 2.00 + 2.83
    (charge,) = priced.line("L1").taxes
    assert charge.reason == "State 7.25%: 2.83 as quoted by the tax engine"


def test_a_failing_engine_raises_provider_error_with_its_cause_and_nothing_changes() -> None:
    mailer = InMemoryMailer()
    app = shop(Broken(), mailer)
    order_id = draft(app, Customer(id="C1", name="Ada", email="ada@example.com"))
    before = app.drafts.get(order_id)
    # when
    with pytest.raises(ProviderError) as caught:
        app.invoicing.send(order_id)
    # then
    assert isinstance(caught.value.__cause__, TimeoutError)
    assert caught.value.provider == "tax provider"
    assert app.drafts.get(order_id) == before
    assert app.drafts.get(order_id).status is Status.DRAFT
    assert app.invoicing.sent(order_id) == []
    assert app.outbox.messages() == []
    assert mailer.sent == []


def test_a_quote_for_a_line_that_was_not_asked_about_is_refused() -> None:
    app = shop(Engine(extra_line=True))
    with pytest.raises(ValidationError, match="L99"):
        app.drafts.price(draft(app))


def test_a_quote_in_another_currency_is_refused() -> None:
    app = shop(Engine(currency="EUR"))
    with pytest.raises(ValidationError, match="not USD"):
        app.drafts.price(draft(app))


def test_a_tax_exempt_customer_is_not_sent_to_the_engine() -> None:
    engine = Engine()
    app = shop(engine)
    order_id = draft(app, Customer(id="C1", name="Ada", tax_exempt=True))
    # when
    priced = app.drafts.price(order_id)
    # then
    assert engine.requests == []
    assert priced.tax_total.amount == Decimal("0.00")
