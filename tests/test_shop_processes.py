"""A shop as it runs: eight worker processes on one database, against a shared SQLite file and
against PostgreSQL, racing where money, invoice numbers and promotion uses are at stake, and
restarting or dying in between. Real processes (``spawn``), not threads; the gateway's ledger
and the mail folder are shared, so charges and emails are counted across processes.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import shop_races as races
from draftorders import CheckoutLinkRefused, Status
from draftorders.payments import FakeGateway
from draftorders.storage.sql import SqlGatewayLedger
from postgres import postgres_url, server  # noqa: F401

RUNS = 3
"""Races of each kind per database; each run is on a fresh database."""

_CONTEXT = multiprocessing.get_context("spawn")


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    """Eight worker processes, kept for the module: each race sends them one task each."""
    with ProcessPoolExecutor(max_workers=races.PROCESSES, mp_context=_CONTEXT) as executor:
        yield executor


@pytest.fixture(scope="module")
def manager() -> Iterator[Any]:
    with _CONTEXT.Manager() as started:
        yield started


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        request.getfixturevalue("postgres_url")
    return str(request.param)


def fresh_place(backend: str, tmp_path: Path) -> races.Place:
    """A new, empty database of the backend (PostgreSQL's are dropped with the server at the
    end of the session), and an empty mail folder."""
    name = f"races_{uuid.uuid4().hex[:12]}"
    url = (
        server().create_database(name)
        if backend == "postgresql"
        else f"sqlite:///{tmp_path / (name + '.db')}"
    )
    mail = tmp_path / f"{name}-mail"
    mail.mkdir()
    return races.Place(url, str(mail))


def shared_gateway(app: Any) -> FakeGateway:
    return FakeGateway(ledger=SqlGatewayLedger(app.ports.store.engine))


def test_eight_processes_paying_one_order_charge_it_once_and_record_every_charge(
    pool: ProcessPoolExecutor, manager: Any, backend: str, tmp_path: Path
) -> None:
    for _ in range(RUNS):
        # given a draft, and eight tabs paying it, each with its own idempotency key
        place = fresh_place(backend, tmp_path)
        app = races.open_app(place)
        order_id = races.order_to_pay(app)
        barrier = manager.Barrier(races.PROCESSES)
        # when they all press Pay at once
        outcomes = races.race(
            pool, races.pay, [(place, barrier, order_id, n) for n in range(races.PROCESSES)]
        )
        # then one charge went through; the others were refused before any money moved
        assert outcomes.count("ok") == 1, outcomes
        assert set(outcomes) <= {"ok", "PaymentInFlight", "NothingDue", "ConcurrencyConflict"}
        money = races.money_of(app, [order_id], shared_gateway(app))
        assert (money.charges, money.records, money.open_claims) == (1, 1, 0)
        assert money.charged == money.recorded == app.cashier.summary(order_id).total
        assert app.drafts.get(order_id).status is Status.COMPLETED


def test_eight_processes_sending_one_invoice_give_one_number_and_one_email(
    pool: ProcessPoolExecutor, manager: Any, backend: str, tmp_path: Path
) -> None:
    place = fresh_place(backend, tmp_path)
    app = races.open_app(place)
    numbers = []
    for run in range(RUNS):
        # given a draft
        order_id = races.order_to_pay(app)
        barrier = manager.Barrier(races.PROCESSES)
        # when eight processes send its invoice at once
        outcomes = races.race(
            pool, races.send, [(place, barrier, order_id, n) for n in range(races.PROCESSES)]
        )
        # then one send happened: one number, one sent invoice, one email; the others got
        # a typed error and changed nothing
        assert outcomes.count("ok") == 1, outcomes
        assert set(outcomes) <= {"ok", "ConcurrencyConflict", "InvalidTransition"}
        sent = app.invoicing.sent(order_id)
        assert len(sent) == 1
        numbers.append(sent[0].number)
        assert races.FolderMailer(Path(place.mail)).count() == run + 1
    # and the numbers run on without a gap or a repeat
    assert numbers == [f"INV-{n:05d}" for n in range(1, RUNS + 1)]


def test_eight_orders_paid_at_once_use_a_single_use_promotion_once(
    pool: ProcessPoolExecutor, manager: Any, backend: str, tmp_path: Path
) -> None:
    for _ in range(RUNS):
        # given eight drafts that each get the single-use promotion when priced alone
        place = fresh_place(backend, tmp_path)
        app = races.open_app(place, with_promotion=True)
        orders = [races.order_to_pay(app) for _ in range(races.PROCESSES)]
        assert all("ONCE" in app.drafts.price(o).applied_promotions for o in orders)
        barrier = manager.Barrier(races.PROCESSES)
        # when each is paid by its own process at once
        outcomes = races.race(
            pool,
            races.pay_with_promotion,
            [(place, barrier, order_id, n) for n, order_id in enumerate(orders)],
        )
        # then the promotion was used once: one order completed with it; the others were
        # refused before any money moved, or (priced after it was used up) paid in full
        assert set(outcomes) <= {"ok", "UsageLimitReached"}, outcomes
        assert app.quotes.usage().count("ONCE") == 1
        full, discounted = races.usd("33.47"), races.usd("30.87")
        totals = Counter(app.drafts.get(o).completed_total for o in orders)
        assert totals[discounted] == 1
        assert totals[full] == outcomes.count("ok") - 1
        assert totals[None] == outcomes.count("UsageLimitReached")
        money = races.money_of(app, orders, shared_gateway(app))
        assert (money.charges, money.records, money.open_claims) == (outcomes.count("ok"),) * 2 + (
            0,
        )
        assert money.charged == money.recorded


def test_orders_created_and_deleted_by_eight_processes_never_share_an_id(
    pool: ProcessPoolExecutor, manager: Any, backend: str, tmp_path: Path
) -> None:
    # given eight processes that each create, delete and create orders, keeping the links
    place = fresh_place(backend, tmp_path)
    app = races.open_app(place)
    barrier = manager.Barrier(races.PROCESSES)
    rounds = 5
    made = races.race(
        pool, races.churn, [(place, barrier, rounds, n) for n in range(races.PROCESSES)]
    )
    deleted = [first for worker in made for first, _, _ in worker]
    kept = [second for worker in made for _, _, second in worker]
    # then no id was handed out twice, and every deleted order is a tombstone
    assert len(set(deleted + kept)) == 2 * rounds * races.PROCESSES
    assert all(app.drafts.tombstone(order_id) is not None for order_id in deleted)
    # and the checkout link of a deleted order never opens anything
    for worker in made:
        for _, link, _ in worker:
            with pytest.raises(CheckoutLinkRefused):
                app.checkout.open(link)


@pytest.mark.parametrize("after_charging", [True, False], ids=["after", "before"])
def test_a_worker_killed_at_the_gateway_leaves_a_claim_that_reconcile_records_once(
    backend: str, tmp_path: Path, after_charging: bool
) -> None:
    # given a draft, and a worker that is killed with SIGKILL at the gateway: after it charged
    # the card (the answer lost), or before the gateway heard of it (the claim written)
    place = fresh_place(backend, tmp_path)
    app = races.open_app(place)
    order_id = races.order_to_pay(app)
    worker = _CONTEXT.Process(target=races.pay_and_die, args=(place, order_id, after_charging))
    worker.start()
    worker.join(timeout=120)
    assert worker.exitcode == -9
    gateway = shared_gateway(app)
    before = races.money_of(app, [order_id], gateway)
    assert (before.charges, before.records, before.open_claims) == (int(after_charging), 0, 1)
    # when reconcile runs (from a cron, after the crash)
    report = app.cashier.reconcile(older_than=dt.timedelta(0))
    again = app.cashier.reconcile(older_than=dt.timedelta(0))
    # then the claim is settled with its own key: one charge, recorded once, order completed
    assert (len(report.recorded), report.still_open) == (1, ())
    assert (again.recorded, again.still_open) == ((), ())
    after = races.money_of(app, [order_id], gateway)
    assert (after.charges, after.records, after.open_claims) == (1, 1, 0)
    assert after.charged == after.recorded
    assert app.drafts.get(order_id).status is Status.COMPLETED


def test_invoice_numbers_and_sent_invoices_survive_a_restart_between_two_sends(
    backend: str, tmp_path: Path
) -> None:
    # given two drafts
    place = fresh_place(backend, tmp_path)
    app = races.open_app(place)
    first, second = races.order_to_pay(app), races.order_to_pay(app)
    # when one process sends the first invoice and exits, and a new process sends the second
    with ProcessPoolExecutor(max_workers=1, mp_context=_CONTEXT) as before_deploy:
        number_1 = before_deploy.submit(races.send_and_exit, place, first).result(timeout=120)
    with ProcessPoolExecutor(max_workers=1, mp_context=_CONTEXT) as after_deploy:
        number_2 = after_deploy.submit(races.send_and_exit, place, second).result(timeout=120)
    # then the numbers continue, and the first sent invoice is there, bytes and all
    assert (number_1, number_2) == ("INV-00001", "INV-00002")
    sent = app.invoicing.sent(first)
    assert [s.number for s in sent] == ["INV-00001"]
    assert sent[0].delivered
    assert "INV-00001" in sent[0].text
    assert Counter(p.suffix for p in Path(place.mail).iterdir()) == {".eml": 2}
