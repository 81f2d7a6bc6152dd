"""Payments: the gateway port and a fake gateway, stored payment methods, and transactions with
the money position they add up to."""

from draftorders.payments.fake import TEST_TOKENS, FakeGateway
from draftorders.payments.gateway import GatewayResult, Outcome, PaymentGateway
from draftorders.payments.methods import (
    ManualMethod,
    PaymentMethod,
    Wallet,
    check_token,
    looks_like_card_number,
)
from draftorders.payments.transactions import (
    PaymentStatus,
    PaymentSummary,
    Transaction,
    TransactionKind,
    TransactionStatus,
    capturable,
    refundable,
    summarize,
)

__all__ = [
    "TEST_TOKENS",
    "FakeGateway",
    "GatewayResult",
    "ManualMethod",
    "Outcome",
    "PaymentGateway",
    "PaymentMethod",
    "PaymentStatus",
    "PaymentSummary",
    "Transaction",
    "TransactionKind",
    "TransactionStatus",
    "Wallet",
    "capturable",
    "check_token",
    "looks_like_card_number",
    "refundable",
    "summarize",
]
