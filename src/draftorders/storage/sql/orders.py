"""The SQL store's orders (with their tombstones) and customers (with saved payment
methods)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from draftorders.customers import Customer
from draftorders.documents import dumps
from draftorders.errors import (
    CustomerNotFound,
    DuplicateCustomer,
    DuplicateOrderId,
    NotFound,
    OrderDeleted,
    OrderNotFound,
    ValidationError,
)
from draftorders.order import DraftOrder
from draftorders.payments import PaymentMethod
from draftorders.storage.query import CustomerQuery, OrderQuery, normal_email
from draftorders.storage.records import Tombstone
from draftorders.storage.rules import (
    check_deletable,
    check_instance,
    check_version,
)
from draftorders.storage.sql import schema as t
from draftorders.storage.sql.base import Records

__all__ = ["SqlCustomers", "SqlOrders"]


class SqlOrders(Records):
    def get(self, order_id: str, *, lock: bool = False) -> DraftOrder:
        row = self._c.execute(
            self._select(
                sa.select(t.ORDERS.c.document, t.ORDERS.c.deleted_at).where(
                    t.ORDERS.c.id == order_id
                ),
                lock,
            )
        ).first()
        if row is None:
            raise OrderNotFound(order_id)
        if row.deleted_at is not None:
            raise OrderDeleted(order_id, row.deleted_at)
        return self._load(row.document, DraftOrder)

    def add(self, order: DraftOrder) -> None:
        check_instance(order, DraftOrder, "order")
        self._insert(t.ORDERS, self._row(order), lambda: DuplicateOrderId(order.id))

    def replace(self, order: DraftOrder, expected_version: int) -> None:
        check_instance(order, DraftOrder, "order")
        self._writing()
        row = self._row(order)
        del row["id"]
        updated = self._c.execute(
            sa.update(t.ORDERS)
            .where(
                t.ORDERS.c.id == order.id,
                t.ORDERS.c.version == expected_version,
                t.ORDERS.c.deleted_at.is_(None),
            )
            .values(**row)
        )
        if updated.rowcount != 1:
            check_version(order, self.get(order.id).version, expected_version)

    def delete(self, order_id: str, expected_version: int, at: dt.datetime) -> Tombstone:
        self._writing()
        stored = self.get(order_id, lock=True)
        check_deletable(order_id, stored.version, stored.status, expected_version)
        self._c.execute(sa.update(t.ORDERS).where(t.ORDERS.c.id == order_id).values(deleted_at=at))
        return Tombstone(order_id, stored.version, at)

    def tombstone(self, order_id: str) -> Tombstone | None:
        row = self._c.execute(
            sa.select(t.ORDERS.c.version, t.ORDERS.c.deleted_at).where(
                t.ORDERS.c.id == order_id, t.ORDERS.c.deleted_at.is_not(None)
            )
        ).first()
        return Tombstone(order_id, row.version, row.deleted_at) if row else None

    def used(self, order_id: str) -> bool:
        return (
            self._c.execute(sa.select(t.ORDERS.c.id).where(t.ORDERS.c.id == order_id)).first()
            is not None
        )

    def find(self, query: OrderQuery) -> list[DraftOrder]:
        check_instance(query, OrderQuery, "query")
        o = t.ORDERS.c
        select = sa.select(o.document).where(o.deleted_at.is_(None))
        if query.statuses:
            select = select.where(o.status.in_(sorted(s.value for s in query.statuses)))
        if query.customer_id is not None:
            select = select.where(o.customer_id == query.customer_id)
        if query.date_from is not None:
            select = select.where(o.order_date >= query.date_from)
        if query.date_to is not None:
            select = select.where(o.order_date <= query.date_to)
        if query.order_id_contains is not None:
            select = select.where(o.id.contains(query.order_id_contains, autoescape=True))
        orders = (self._load(d, DraftOrder) for d in self._c.execute(select).scalars())
        # the database selects; each order is checked against the query too, so every store
        # answers alike (SQLite's LIKE ignores case, for one)
        return sorted((order for order in orders if query.matches(order)), key=lambda o: o.id)

    def _row(self, order: DraftOrder) -> dict[str, Any]:
        if not isinstance(order.version, int) or isinstance(order.version, bool):
            raise ValidationError("version", f"expected a whole number, got {order.version!r}")
        return {
            "id": order.id,
            "version": order.version,
            "status": order.status.value,
            "customer_id": order.customer.id if order.customer is not None else None,
            "order_date": order.order_date,
            "document": dumps(order),
            "updated_at": self._clock.now(),
        }


class SqlCustomers(Records):
    def get(self, customer_id: str, *, lock: bool = False) -> Customer:
        document = self._c.execute(
            self._select(
                sa.select(t.CUSTOMERS.c.document).where(t.CUSTOMERS.c.id == customer_id), lock
            )
        ).scalar_one_or_none()
        if document is None:
            raise CustomerNotFound(customer_id)
        return self._load(document, Customer)

    def add(self, customer: Customer) -> None:
        check_instance(customer, Customer, "customer")
        self._insert(t.CUSTOMERS, self._row(customer), lambda: self._duplicate(customer))

    def replace(self, customer: Customer) -> None:
        check_instance(customer, Customer, "customer")
        self._writing()
        self.get(customer.id, lock=True)
        row = self._row(customer)
        try:
            with self._c.begin_nested():
                self._c.execute(
                    sa.update(t.CUSTOMERS).where(t.CUSTOMERS.c.id == customer.id).values(**row)
                )
        except sa.exc.IntegrityError:
            raise DuplicateCustomer("email", customer.email or "") from None

    def find(self, query: CustomerQuery) -> list[Customer]:
        check_instance(query, CustomerQuery, "query")
        c = t.CUSTOMERS.c
        select = sa.select(c.document)
        if query.email is not None:
            select = select.where(c.email_key == normal_email(query.email))
        if query.name_contains is not None:
            select = select.where(
                c.name_key.contains(query.name_contains.casefold(), autoescape=True)
            )
        found = (self._load(d, Customer) for d in self._c.execute(select).scalars())
        return sorted((x for x in found if query.matches(x)), key=lambda x: (x.name, x.id))

    def add_method(self, method: PaymentMethod) -> None:
        check_instance(method, PaymentMethod, "method")
        self.get(method.customer_id, lock=True)
        count = self._c.execute(
            sa.select(sa.func.count()).where(t.PAYMENT_METHODS.c.customer_id == method.customer_id)
        ).scalar_one()
        self._insert(
            t.PAYMENT_METHODS,
            {
                "id": method.id,
                "customer_id": method.customer_id,
                "position": count,
                "document": dumps(method),
            },
            lambda: ValidationError("id", f"payment method {method.id!r} is already saved"),
        )

    def method(self, method_id: str) -> PaymentMethod:
        document = self._c.execute(
            sa.select(t.PAYMENT_METHODS.c.document).where(t.PAYMENT_METHODS.c.id == method_id)
        ).scalar_one_or_none()
        if document is None:
            raise NotFound(method_id, f"no payment method {method_id!r}")
        return self._load(document, PaymentMethod)

    def methods(self, customer_id: str) -> list[PaymentMethod]:
        m = t.PAYMENT_METHODS.c
        documents = self._c.execute(
            sa.select(m.document).where(m.customer_id == customer_id).order_by(m.position)
        ).scalars()
        return [self._load(d, PaymentMethod) for d in documents]

    def _row(self, customer: Customer) -> dict[str, Any]:
        return {
            "id": customer.id,
            "email_key": normal_email(customer.email) if customer.email is not None else None,
            "name_key": customer.name.casefold(),
            "document": dumps(customer),
        }

    def _duplicate(self, customer: Customer) -> Exception:
        taken = self._c.execute(
            sa.select(t.CUSTOMERS.c.id).where(t.CUSTOMERS.c.id == customer.id)
        ).first()
        if taken is not None:
            return DuplicateCustomer("id", customer.id)
        return DuplicateCustomer("email", customer.email or "")
