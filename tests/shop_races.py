"""Races between real worker processes on one database, as a shop runs: the scenarios the
multi-process tests assert (``test_shop_processes.py``) and ``benchmarks/races.py`` measures.

Every worker is a separate process (``spawn``: a fresh interpreter, nothing shared but the
database) that opens its own ``SqlStore`` and ``ShopApp`` on the URL it is given, with a fake
gateway whose ledger is in the same database and a mailer that writes each message to a
file in a shared folder, so the parent can count charges and emails across processes. Workers
meet at a barrier before the racing call, so they call it as close together as processes can.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import attrs

from draftorders import (
    Catalog,
    Customer,
    DraftOrdersError,
    FakeGateway,
    Money,
    Party,
    PricingContext,
    Product,
)
from draftorders.payments import GatewayResult, TransactionKind, TransactionStatus
from draftorders.promotions import PercentOff, Promotion, PromotionBook, Target
from draftorders.shop import Ports, Shop, ShopApp
from draftorders.shop.links import CheckoutLinks
from draftorders.storage.sql import SqlGatewayLedger, SqlStore

PROCESSES = 8
GATEWAY_DELAY = 0.05
"""Seconds each gateway call takes: a payment stays in flight long enough for others to see."""


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


CATALOG = Catalog.of(
    Product(sku="MUG", title="Mug", price=usd("12.99")),
    Product(sku="TEA", title="Tea", price=usd("7.49")),
)
ONCE = Promotion(
    "ONCE",
    "10% off mugs, once",
    PercentOff("10"),
    target=Target(skus=frozenset({"MUG"})),
    usage_limit=1,
)
LINKS = CheckoutLinks(
    keys={"k1": "races-secret-races-secret-races-secret"},
    current="k1",
    base_url="https://shop.example/checkout/",
)


def shop(*, with_promotion: bool = False) -> Shop:
    """The shop every worker runs (the promotion only in the usage race)."""
    promotions = PromotionBook([ONCE] if with_promotion else [])
    return Shop(
        CATALOG,
        context=PricingContext(promotions=promotions),
        seller=Party(name="Tea & Mugs Co.", email="billing@teamugs.example"),
        checkout_links=LINKS,
        attach_pdf=False,
    )


class FolderMailer:
    """A mailer shared by processes: each message becomes one ``.eml`` file in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        (self.folder / f"{uuid.uuid4().hex}.eml").write_bytes(message.as_bytes())

    def count(self) -> int:
        return len(list(self.folder.glob("*.eml")))


@attrs.frozen
class Place:
    """Where a race runs: the database URL and the folder the mailer writes to."""

    url: str
    mail: str


_apps: dict[tuple[str, bool], ShopApp] = {}
"""This process's shop on the place it raced on last (one: a process races on one place at
a time, and each place's connections are closed when it moves on)."""


def open_app(place: Place, *, with_promotion: bool = False, gateway: Any = None) -> ShopApp:
    """This process's shop on ``place`` (made once per process and place)."""
    key = (place.url, with_promotion)
    if gateway is None and key in _apps:
        return _apps[key]
    store = SqlStore(place.url)
    ledger = SqlGatewayLedger(store.engine)
    ports = Ports(
        store=store,
        gateway=gateway or FakeGateway(delay=GATEWAY_DELAY, ledger=ledger),
        mailer=FolderMailer(Path(place.mail)),
    )
    app = ShopApp(shop(with_promotion=with_promotion), ports)
    if gateway is None:
        for earlier in _apps.values():
            earlier.ports.store.close()
        _apps.clear()
        _apps[key] = app
    return app


def outcome(call: Callable[[], object]) -> str:
    """``"ok"``, or the name of the library error the call raised."""
    try:
        call()
    except DraftOrdersError as error:
        return type(error).__name__
    return "ok"


# -- set-ups, run by the parent ---------------------------------------------------------------


def order_to_pay(app: ShopApp, customer: str | None = None) -> str:
    """A draft of 2 mugs and a tea, for a customer with an email."""
    who = Customer(
        id=customer or f"C-{uuid.uuid4().hex[:8]}",
        name="Ada Lovelace",
        email=f"{uuid.uuid4().hex[:8]}@example.com",
    )
    draft = app.drafts.create(customer=who)
    app.drafts.edit(
        draft.id,
        lambda o: o.add_product(CATALOG, "MUG", 2),
        lambda o: o.add_product(CATALOG, "TEA", 1),
    )
    return draft.id


# -- what each worker does --------------------------------------------------------------------


def pay(place: Place, barrier: Any, order_id: str, worker: int) -> str:
    """Pay the order with this worker's own idempotency key (its own browser tab)."""
    app = open_app(place)
    barrier.wait()
    return outcome(
        lambda: app.cashier.charge(order_id, "tok_visa", idempotency_key=f"tab-{worker}-{order_id}")
    )


def send(place: Place, barrier: Any, order_id: str, worker: int) -> str:
    """Send the order's invoice."""
    app = open_app(place)
    barrier.wait()
    return outcome(lambda: app.invoicing.send(order_id))


def pay_with_promotion(place: Place, barrier: Any, order_id: str, worker: int) -> str:
    """Pay this worker's own order, which the single-use promotion applies to."""
    app = open_app(place, with_promotion=True)
    barrier.wait()
    return outcome(lambda: app.cashier.charge(order_id, "tok_visa"))


def churn(place: Place, barrier: Any, rounds: int, worker: int) -> list[tuple[str, str, str]]:
    """Create an order, keep its checkout link, delete it, ``rounds`` times; each round's
    (deleted id, its link, the id created next)."""
    app = open_app(place)
    barrier.wait()
    made = []
    for _ in range(rounds):
        first = app.drafts.create()
        link = LINKS.url(first.id, first.version, app.ports.clock.now())
        app.drafts.delete(first.id)
        second = app.drafts.create()
        made.append((first.id, link, second.id))
    return made


def race(pool: Executor, work: Callable[..., Any], arguments: list[tuple[Any, ...]]) -> list[Any]:
    """Run ``work(*args)`` for each of ``arguments`` in the pool's processes at once (they
    meet at the barrier the arguments carry); their results, in order."""
    futures = [pool.submit(work, *args) for args in arguments]
    return [future.result(timeout=120) for future in futures]


# -- a worker that dies between asking the gateway and recording ----------------------------


class _DieAfterCharging:
    """A gateway that charges through the shared fake, then kills its own process with SIGKILL
    before the cashier can record the answer."""

    name = "fake"

    def __init__(self, real: FakeGateway) -> None:
        self.real = real

    def sale(self, token: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        self.real.sale(token, amount, idempotency_key=idempotency_key)
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")


class _DieBeforeCharging:
    """A gateway whose process is killed after the claim is written, before the gateway hears
    of the payment."""

    name = "fake"

    def sale(self, token: str, amount: Money, *, idempotency_key: str) -> GatewayResult:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")


def pay_and_die(place: Place, order_id: str, after_charging: bool) -> None:
    """Pay the order in this process, which is killed with SIGKILL at the gateway."""
    store = SqlStore(place.url)
    real = FakeGateway(ledger=SqlGatewayLedger(store.engine))
    gateway = _DieAfterCharging(real) if after_charging else _DieBeforeCharging()
    app = open_app(place, gateway=gateway)
    app.cashier.charge(order_id, "tok_visa")


def send_and_exit(place: Place, order_id: str) -> str:
    """Send one invoice in a fresh process (a deploy between sends); its number."""
    app = open_app(place)
    return app.invoicing.send(order_id).sent.number


# -- what the parent counts -----------------------------------------------------------------


@attrs.frozen
class Ledger:
    """Charges at the gateway against what the store recorded, for one order or all."""

    charged: Money
    charges: int
    recorded: Money
    records: int
    open_claims: int


def money_of(app: ShopApp, order_ids: list[str], gateway: FakeGateway) -> Ledger:
    """What the gateway charged, against what the store recorded for ``order_ids``."""
    moved = [m for op, _, m in gateway.movements if op == "capture"]
    recorded = [
        t.amount
        for oid in order_ids
        for t in app.cashier.transactions(oid)
        if t.kind in (TransactionKind.SALE, TransactionKind.CAPTURE, TransactionKind.MANUAL)
        and t.status is TransactionStatus.SUCCESS
    ]
    open_claims = sum(1 for oid in order_ids for c in app.cashier.claims(oid) if c.is_open)
    zero = usd("0")
    return Ledger(sum(moved, zero), len(moved), sum(recorded, zero), len(recorded), open_claims)
