"""The customer directory: customers to select on an order (or create as you go), their saved
addresses, and the payment methods they saved (gateway tokens only). An order keeps the
customer's id and a snapshot of the customer as selected."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from draftorders._validate import whole_number
from draftorders.customers import Address, Customer
from draftorders.errors import DuplicateCustomer, ValidationError
from draftorders.payments import PaymentMethod
from draftorders.shop.ports import Ports
from draftorders.shop.settings import Shop
from draftorders.storage import CustomerQuery, Unit

__all__ = ["Customers"]

_ID_ATTEMPTS = 50
"""How many generated ids are tried when ids were taken by hand."""


class Customers:
    """Create, find and update customers; their saved addresses and payment methods."""

    def __init__(self, shop: Shop, ports: Ports) -> None:
        self.shop = shop
        self.ports = ports

    def create(
        self,
        name: str,
        *,
        customer_id: str | None = None,
        addresses: Iterable[Address] = (),
        **details: Any,
    ) -> Customer:
        """Add a customer to the directory; the id is generated (``C1001``, ...) unless given.
        ``details`` are the other :class:`Customer` fields (email, group, tags, locale, ...).
        An id or email already in the directory raises :class:`DuplicateCustomer`."""
        with self.ports.store.unit() as unit:
            given = customer_id
            for _ in range(_ID_ATTEMPTS):
                cid = given if given is not None else self.next_id(unit)
                customer = Customer(id=cid, name=name, addresses=tuple(addresses), **details)
                try:
                    unit.customers.add(customer)
                except DuplicateCustomer as taken:
                    if given is not None or taken.field != "id":
                        raise
                    continue
                return customer
        raise DuplicateCustomer("id", cid)

    def add(self, customer: Customer) -> Customer:
        """Add a customer made elsewhere (an import), under its own id."""
        with self.ports.store.unit() as unit:
            unit.customers.add(customer)
        return customer

    def get(self, customer_id: str) -> Customer:
        """The customer; :class:`~draftorders.errors.CustomerNotFound` if there is none."""
        with self.ports.store.unit(write=False) as unit:
            return unit.customers.get(customer_id)

    def find(self, *, email: str | None = None, name: str | None = None) -> list[Customer]:
        """Customers with this email (case-insensitive) and whose name contains ``name``
        (case-insensitive), sorted by name: what the merchant picks from."""
        query = CustomerQuery(email=email, name_contains=name)
        with self.ports.store.unit(write=False) as unit:
            return unit.customers.find(query)

    def update(self, customer_id: str, **changes: Any) -> Customer:
        """Change fields of a customer (not its id); the directory is updated, orders keep
        the snapshot they were made with."""
        if "id" in changes:
            raise ValidationError("id", "a customer's id does not change; create a new customer")
        with self.ports.store.unit() as unit:
            customer = attrs.evolve(unit.customers.get(customer_id, lock=True), **changes)
            unit.customers.replace(customer)
        return customer

    def add_address(self, customer_id: str, address: Address) -> Customer:
        """Save one more address for the customer; the customer as updated."""
        if not isinstance(address, Address):
            raise ValidationError("address", f"expected an Address, got {address!r}")
        with self.ports.store.unit() as unit:
            customer = unit.customers.get(customer_id, lock=True).with_address(address)
            unit.customers.replace(customer)
        return customer

    def remove_address(self, customer_id: str, index: int) -> Customer:
        """Forget the customer's saved address at ``index``."""
        with self.ports.store.unit() as unit:
            customer = unit.customers.get(customer_id, lock=True)
            kept = list(customer.addresses)
            self.address(customer, index)
            del kept[index]
            customer = attrs.evolve(customer, addresses=tuple(kept))
            unit.customers.replace(customer)
        return customer

    def addresses(self, customer_id: str) -> tuple[Address, ...]:
        """The customer's saved addresses, to select from."""
        return self.get(customer_id).addresses

    def add_payment_method(self, method: PaymentMethod) -> PaymentMethod:
        """Save a payment method (a gateway token) of a customer in the directory."""
        if not isinstance(method, PaymentMethod):
            raise ValidationError("method", f"expected a PaymentMethod, got {method!r}")
        with self.ports.store.unit() as unit:
            unit.customers.get(method.customer_id, lock=True)
            unit.customers.add_method(method)
        return method

    def payment_methods(self, customer_id: str) -> list[PaymentMethod]:
        """The customer's saved payment methods, in the order they were added."""
        with self.ports.store.unit(write=False) as unit:
            return unit.customers.methods(customer_id)

    # -- steps for other parts of the shop -----------------------------------------------------

    def next_id(self, unit: Unit) -> str:
        """A customer id from the shop's sequence: ``<prefix><1000 + n>``."""
        return f"{self.shop.customer_prefix}{1000 + unit.next_number('customer')}"

    @staticmethod
    def address(customer: Customer, index: int) -> Address:
        """The customer's saved address at ``index``."""
        whole_number(index, "address")
        if not 0 <= index < len(customer.addresses):
            raise ValidationError(
                "address",
                f"customer {customer.id!r} has {len(customer.addresses)} saved address(es); "
                f"there is no index {index}",
            )
        return customer.addresses[index]
