"""Shipping through the shop: finding rates, choosing one, re-computing it after edits,
carrier providers, and custom rates."""

from __future__ import annotations

import datetime as dt
import runpy
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest

from draftorders import Address, FixedClock, Money, Party, ProviderError, Shop, ShopApp
from draftorders.order import DraftOrder
from draftorders.shipping import Package, RateOption, RateProvider
from draftorders.shop import Ports

EXAMPLE = runpy.run_path(str(Path(__file__).parent.parent / "examples" / "shipping.py"))
CATALOG, ZONES, NEW_YORK = EXAMPLE["CATALOG"], EXAMPLE["ZONES"], EXAMPLE["NEW_YORK"]


def shop(rate_providers: Sequence[RateProvider] = ()) -> ShopApp:
    settings = Shop(
        CATALOG,
        shipping_zones=ZONES,
        seller=Party(name="Lamps Ltd", email="billing@lamps.example"),
        attach_pdf=False,
    )
    ports = Ports(
        clock=FixedClock(dt.datetime(2026, 11, 26, tzinfo=dt.UTC)), rate_providers=rate_providers
    )
    return ShopApp(settings, ports)


def lamp_order(app: ShopApp) -> str:
    order = app.drafts.create()
    app.drafts.edit(
        order.id,
        lambda o: o.set_shipping_address(NEW_YORK),
        lambda o: o.add_product(CATALOG, "LAMP"),
    )
    return order.id


def test_choosing_a_rate_sets_the_shipping_line_at_its_price() -> None:
    app = shop()
    order_id = lamp_order(app)
    # when
    order = app.drafts.choose_rate(order_id, "Standard")
    # then
    assert order.shipping is not None
    assert (order.shipping.title, order.shipping.price.amount) == ("Standard", Decimal("9.00"))
    assert order.shipping.from_rates


def test_a_chosen_rate_is_re_computed_when_the_order_changes() -> None:
    app = shop()
    order_id = lamp_order(app)
    app.drafts.choose_rate(order_id, "Standard")
    app.drafts.edit(order_id, lambda o: o.add_product(CATALOG, "SHADE"))
    # when
    priced = app.drafts.price(order_id)
    # then: 79.00 reaches the free threshold
    assert priced.shipping_total.amount == Decimal("0.00")
    assert priced.total.amount == Decimal("79.00")
    assert priced.notes[0].startswith("shipping rate Standard re-computed: 9.00 -> 0.00")


def test_sending_the_invoice_saves_the_re_computed_rate() -> None:
    app = shop()
    order_id = lamp_order(app)
    app.drafts.choose_rate(order_id, "Standard")
    app.drafts.edit(order_id, lambda o: o.add_product(CATALOG, "SHADE"))
    # when
    sent = app.invoicing.send(order_id, to="grace@example.com").order
    # then
    assert sent.shipping is not None
    assert sent.shipping.price.amount == Decimal("0.00")
    assert sent.invoiced_total is not None
    assert sent.invoiced_total.amount == Decimal("79.00")


def test_a_rate_no_longer_offered_keeps_its_last_price_and_says_so() -> None:
    app = shop()
    order_id = lamp_order(app)
    app.drafts.choose_rate(order_id, "Standard")
    app.drafts.edit(order_id, lambda o: o.set_quantity("L1", 20))  # 20 lamps: 96 kg, no bracket
    # when
    priced = app.drafts.price(order_id)
    # then
    assert priced.shipping_total.amount == Decimal("9.00")
    assert "shipping rate Standard is no longer available" in priced.notes[0]
    assert "the last price 9.00 is kept" in priced.notes[0]


def test_a_custom_rate_typed_in_is_never_re_computed() -> None:
    app = shop()
    order_id = lamp_order(app)
    app.drafts.edit(order_id, lambda o: o.set_shipping("Courier", Decimal("12.00")))
    app.drafts.edit(order_id, lambda o: o.add_product(CATALOG, "SHADE"))
    # when
    priced = app.drafts.price(order_id)
    # then
    assert priced.shipping_total.amount == Decimal("12.00")
    assert priced.notes == ()


class Carrier:
    """A carrier that offers overnight delivery at 30.00 flat."""

    def rates(
        self, order: DraftOrder, packages: Sequence[Package], subtotal: Money
    ) -> Sequence[RateOption]:
        amount = Money(Decimal("30.00"), "USD")
        return [RateOption("Overnight", "ACME", "NextDay", amount, Decimal(0), "carrier quote")]


class Down:
    def rates(
        self, order: DraftOrder, packages: Sequence[Package], subtotal: Money
    ) -> Sequence[RateOption]:
        raise ConnectionError("carrier unreachable")


def test_carrier_rates_join_the_table_rates_sorted_by_price() -> None:
    app = shop(rate_providers=[Carrier()])
    found = app.drafts.find_rates(lamp_order(app))
    assert [(o.method, o.amount.amount) for o in found.options] == [
        ("Standard", Decimal("9.00")),
        ("Express", Decimal("15.00")),
        ("Overnight", Decimal("30.00")),
    ]


def test_a_failing_carrier_raises_provider_error_and_nothing_changes() -> None:
    app = shop(rate_providers=[Down()])
    order_id = lamp_order(app)
    before = app.drafts.get(order_id)
    with pytest.raises(ProviderError) as caught:
        app.drafts.choose_rate(order_id, "Standard")
    assert isinstance(caught.value.__cause__, ConnectionError)
    assert app.drafts.get(order_id) == before


def test_choosing_a_method_that_is_not_offered_is_refused() -> None:
    app = shop()
    order_id = lamp_order(app)
    with pytest.raises(ValueError, match="Overnight"):
        app.drafts.choose_rate(order_id, "Overnight")


def test_finding_rates_outside_every_zone_gives_the_reason() -> None:
    app = shop()
    order_id = lamp_order(app)
    app.drafts.edit(order_id, lambda o: o.set_shipping_address(Address(country="FR")))
    found = app.drafts.find_rates(order_id)
    assert found.options == ()
    assert found.reasons == ("no shipping zone covers FR",)
