"""examples/checkout.py walks a checkout on a ``ShopApp``: link refused when tampered, a
decline, a payment, a partial refund, the amount due at each step, and the payment claim each
money call made before the gateway was asked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parent.parent / "examples" / "checkout.py"


@pytest.fixture(scope="module")
def output() -> str:
    result = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def step(output: str, title: str) -> str:
    return output.split(f"== {title}\n", 1)[1].split("\n\n", 1)[0]


def test_the_tampered_link_is_refused_and_says_nothing_about_the_order(output: str):
    line = next(line for line in output.splitlines() if line.startswith("tampered link"))
    assert line == (
        "tampered link refused (tampered): this checkout link is not valid; ask the shop for "
        "a new one"
    )


def test_the_amount_due_at_each_step(output: str):
    # 3 mugs at 12.99 less 10% (35.07) + 2 teas (14.98) = 50.05, + 8.25% tax 4.13 = 54.18
    assert step(output, "invoice sent").endswith("due 54.18: unpaid")
    # the customer chose Express (19.00): 73.18
    assert "to pay with Express: 73.18" in output
    declined = step(output, "after a declined card")
    assert "D1001-T1   sale     failure    73.18" in declined
    assert declined.endswith("due 54.18: unpaid")
    paid = step(output, "after paying by card")
    assert "D1001-T2   sale     success    73.18 fake_000001" in paid
    assert paid.endswith("total 73.18, paid 73.18, refunded 0.00, due 0.00: paid")
    refunded = step(output, "after a partial refund")
    assert "D1001-T3   refund   success    12.99 fake_000001" in refunded
    assert refunded.endswith("refunded 12.99, due 0.00: partially_refunded")


def test_every_money_call_was_claimed_first_and_each_claim_is_recorded_as_its_transaction(
    output: str,
):
    line = next(line for line in output.splitlines() if line.startswith("payment claims:"))
    assert line == (
        "payment claims: D1001-C1 recorded as D1001-T1, D1001-C2 recorded as D1001-T2, "
        "D1001-C3 recorded as D1001-T3"
    )


def test_the_order_is_completed_once_and_its_link_is_then_stale(output: str):
    assert "paid 73.18; order is completed" in output
    assert "the link after payment is refused too (stale)" in output
    assert output.rstrip().endswith("orders list: ['D1001']")
