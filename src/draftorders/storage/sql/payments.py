"""The SQL store's money records: transactions (only ever inserted), payment claims, applied
gateway notices, and promotion usage counted by the database."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from draftorders.documents import dumps
from draftorders.errors import (
    IdempotencyConflict,
    NotFound,
    OrderNotFound,
    PaymentInFlight,
    ValidationError,
)
from draftorders.payments import ClaimState, PaymentClaim, Transaction
from draftorders.promotions import PromotionUsage
from draftorders.storage.rules import (
    check_instance,
    check_promotion_ids,
    check_usage,
)
from draftorders.storage.sql import schema as t
from draftorders.storage.sql.base import Records, natural
from draftorders.storage.store import UsageLimits

__all__ = ["SqlPayments", "SqlUsage"]

_EVERYONE = ""
"""The usage row counting every customer's uses."""


class SqlPayments(Records):
    def transactions(self, order_id: str) -> list[Transaction]:
        x = t.TRANSACTIONS.c
        documents = self._c.execute(
            sa.select(x.document).where(x.order_id == order_id).order_by(x.position)
        ).scalars()
        return [self._load(d, Transaction) for d in documents]

    def append(self, transaction: Transaction) -> None:
        check_instance(transaction, Transaction, "transaction")
        count = self._c.execute(
            sa.select(sa.func.count()).where(t.TRANSACTIONS.c.order_id == transaction.order_id)
        ).scalar_one()
        key = transaction.idempotency_key

        def conflict() -> Exception:
            if key is not None and self.by_key(key) is not None:
                return IdempotencyConflict(key, "a transaction is already recorded under it")
            stored = self._c.execute(
                sa.select(t.ORDERS.c.id).where(t.ORDERS.c.id == transaction.order_id)
            ).first()
            if stored is None:
                return OrderNotFound(transaction.order_id)
            return ValidationError("id", f"transaction {transaction.id!r} is already recorded")

        self._insert(
            t.TRANSACTIONS,
            {
                "order_id": transaction.order_id,
                "position": count,
                "document": dumps(transaction),
                "id": transaction.id,
                "gateway": transaction.gateway,
                "reference": transaction.reference,
                "idempotency_key": key,
            },
            conflict,
        )

    def by_reference(self, gateway: str, reference: str) -> list[Transaction]:
        x = t.TRANSACTIONS.c
        documents = self._c.execute(
            sa.select(x.document)
            .where(x.gateway == gateway, x.reference == reference)
            .order_by(x.order_id, x.position)
        ).scalars()
        return [self._load(d, Transaction) for d in documents]

    def by_key(self, idempotency_key: str) -> Transaction | None:
        document = self._c.execute(
            sa.select(t.TRANSACTIONS.c.document).where(
                t.TRANSACTIONS.c.idempotency_key == idempotency_key
            )
        ).scalar_one_or_none()
        return self._load(document, Transaction) if document is not None else None

    def add_claim(self, claim: PaymentClaim) -> None:
        check_instance(claim, PaymentClaim, "claim")

        def conflict() -> Exception:
            if self.claim_by_key(claim.idempotency_key) is not None:
                return IdempotencyConflict(claim.idempotency_key, "a claim was made under it")
            for other in self.claims(claim.order_id):
                if other.is_open:
                    return PaymentInFlight(claim.order_id, other.id, other.created_at)
            return ValidationError("id", f"claim {claim.id!r} already exists")

        self._insert(t.CLAIMS, self._claim_row(claim), conflict)

    def replace_claim(self, claim: PaymentClaim) -> None:
        check_instance(claim, PaymentClaim, "claim")
        self._writing()
        row = self._claim_row(claim)
        updated = self._c.execute(
            sa.update(t.CLAIMS).where(t.CLAIMS.c.id == claim.id).values(**row)
        )
        if updated.rowcount != 1:
            raise NotFound(claim.id, f"no payment claim {claim.id!r}")

    def claim(self, claim_id: str, *, lock: bool = False) -> PaymentClaim:
        document = self._c.execute(
            self._select(sa.select(t.CLAIMS.c.document).where(t.CLAIMS.c.id == claim_id), lock)
        ).scalar_one_or_none()
        if document is None:
            raise NotFound(claim_id, f"no payment claim {claim_id!r}")
        return self._load(document, PaymentClaim)

    def claim_by_key(self, idempotency_key: str) -> PaymentClaim | None:
        document = self._c.execute(
            sa.select(t.CLAIMS.c.document).where(t.CLAIMS.c.idempotency_key == idempotency_key)
        ).scalar_one_or_none()
        return self._load(document, PaymentClaim) if document is not None else None

    def claims(self, order_id: str) -> list[PaymentClaim]:
        c = t.CLAIMS.c
        documents = self._c.execute(
            sa.select(c.document)
            .where(c.order_id == order_id)
            .order_by(c.created_at, *natural(c.id))
        ).scalars()
        return [self._load(d, PaymentClaim) for d in documents]

    def open_claims(self, *, created_before: dt.datetime | None = None) -> list[PaymentClaim]:
        c = t.CLAIMS.c
        select = sa.select(c.document).where(c.state == ClaimState.OPEN.value)
        if created_before is not None:
            select = select.where(c.created_at < created_before)
        documents = self._c.execute(select.order_by(c.created_at, *natural(c.id))).scalars()
        return [self._load(d, PaymentClaim) for d in documents]

    def notice(self, key: str) -> str | None:
        found: str | None = self._c.execute(
            sa.select(t.NOTICES.c.transaction_id).where(t.NOTICES.c.key == key)
        ).scalar_one_or_none()
        return found

    def add_notice(self, key: str, transaction_id: str, at: dt.datetime) -> None:
        self._insert(
            t.NOTICES,
            {"key": key, "transaction_id": transaction_id, "applied_at": at},
            lambda: ValidationError("notice", f"notice {key!r} was applied already"),
        )

    @staticmethod
    def _claim_row(claim: PaymentClaim) -> dict[str, Any]:
        return {
            "id": claim.id,
            "order_id": claim.order_id,
            "idempotency_key": claim.idempotency_key,
            "state": claim.state.value,
            "created_at": claim.created_at,
            "document": dumps(claim),
        }


class SqlUsage(Records):
    def usage(self) -> PromotionUsage:
        rows = self._c.execute(sa.select(t.PROMOTION_USAGE)).all()
        return _usage(rows)

    def count(
        self,
        promotion_ids: Iterable[str],
        customer_id: str | None,
        *,
        limits: UsageLimits | None = None,
        by: int = 1,
    ) -> None:
        ids = check_promotion_ids(promotion_ids, customer_id)
        if not ids:
            return
        self._writing()
        whose = [_EVERYONE, *([customer_id] if customer_id is not None else [])]
        keys = sorted({(pid, who) for pid in ids for who in whose})
        u = t.PROMOTION_USAGE.c
        dialect = postgresql if self._pg else sqlite
        self._c.execute(
            dialect.insert(t.PROMOTION_USAGE).on_conflict_do_nothing(),
            [{"promotion_id": pid, "customer_id": who, "uses": 0} for pid, who in keys],
        )
        locked = self._c.execute(
            self._select(
                sa.select(t.PROMOTION_USAGE)
                .where(u.promotion_id.in_(sorted(set(ids))), u.customer_id.in_(whose))
                .order_by(u.promotion_id, u.customer_id),
                lock=True,
            )
        ).all()
        if limits is not None and by > 0:
            check_usage(_usage(locked), ids * by, customer_id, limits)
        for (pid, who), n in sorted(Counter((pid, who) for pid in ids for who in whose).items()):
            self._c.execute(
                sa.update(t.PROMOTION_USAGE)
                .where(u.promotion_id == pid, u.customer_id == who)
                .values(uses=u.uses + n * by)
            )


def _usage(rows: Iterable[Any]) -> PromotionUsage:
    rows = [row for row in rows if row.uses]  # a counter made for a use that was refused
    return PromotionUsage(
        {r.promotion_id: r.uses for r in rows if r.customer_id == _EVERYONE},
        {(r.promotion_id, r.customer_id): r.uses for r in rows if r.customer_id != _EVERYONE},
    )
