"""Payments: the gateway port and a fake gateway, stored payment methods, transactions with the
money position they add up to, claims written before money moves, and gateway notices."""

from draftorders.payments.claims import ClaimState, PaymentClaim
from draftorders.payments.fake import (
    TEST_TOKENS,
    FakeGateway,
    GatewayLedger,
    InMemoryLedger,
    LedgerState,
)
from draftorders.payments.gateway import GatewayResult, Outcome, PaymentGateway
from draftorders.payments.methods import (
    ManualMethod,
    PaymentMethod,
    check_token,
    looks_like_card_number,
)
from draftorders.payments.notices import GatewayNotice, NoticeEvent
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
    "ClaimState",
    "FakeGateway",
    "GatewayLedger",
    "GatewayNotice",
    "GatewayResult",
    "InMemoryLedger",
    "LedgerState",
    "ManualMethod",
    "NoticeEvent",
    "Outcome",
    "PaymentClaim",
    "PaymentGateway",
    "PaymentMethod",
    "PaymentStatus",
    "PaymentSummary",
    "Transaction",
    "TransactionKind",
    "TransactionStatus",
    "capturable",
    "check_token",
    "looks_like_card_number",
    "refundable",
    "summarize",
]
