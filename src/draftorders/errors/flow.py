"""Errors of an order's flow: promotions, ids already taken, lifecycle transitions, locks and
versions, stock, checkout links, the store's schema, and optional extras."""

from __future__ import annotations

from draftorders.errors.base import DraftOrdersError

__all__ = [
    "CheckoutLinkRefused",
    "ConcurrencyConflict",
    "DuplicateCustomer",
    "DuplicateOrderId",
    "InsufficientStock",
    "InvalidTransition",
    "InvoiceOutdated",
    "MissingExtra",
    "OrderLocked",
    "PromotionError",
    "StoreSchemaError",
    "UnknownCode",
    "UsageLimitReached",
]


class PromotionError(DraftOrdersError):
    """A promotion or coupon code cannot be used as asked."""


class UnknownCode(PromotionError, ValueError):
    """A coupon code that no promotion of the shop has."""

    def __init__(self, code: str) -> None:
        super().__init__(f"no promotion has the code {code!r}; check the spelling")
        self.code = code


class UsageLimitReached(PromotionError):
    """A promotion's usage limit was reached by other orders while this one was completing;
    nothing was charged or completed. Price the order again (it no longer gets the promotion)
    and, for a sent invoice, revert it to draft and send it again."""

    def __init__(
        self, promotion_id: str, limit: int, used: int, customer_id: str | None = None
    ) -> None:
        whose = f" by customer {customer_id!r}" if customer_id is not None else ""
        super().__init__(
            f"promotion {promotion_id!r} was used {used} of {limit} time(s){whose}: it is used "
            "up; price the order again without it"
        )
        self.promotion_id = promotion_id
        self.limit = limit
        self.used = used
        self.customer_id = customer_id


class DuplicateOrderId(DraftOrdersError):
    """An order with this id exists, or existed and was deleted: ids are never used twice."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"order id {order_id!r} is already used; choose another id")
        self.order_id = order_id


class DuplicateCustomer(DraftOrdersError):
    """A customer with this id, or this email, is already in the directory."""

    def __init__(self, field: str, value: str) -> None:
        super().__init__(
            f"a customer with {field} {value!r} is already in the directory; find and use it"
        )
        self.field = field
        self.value = value


class InvalidTransition(DraftOrdersError):
    """A lifecycle action that the order's status does not allow."""

    def __init__(self, order_id: str, status: str, action: str, allowed: tuple[str, ...]) -> None:
        can = ", ".join(allowed) if allowed else "nothing (the order is final)"
        super().__init__(f"order {order_id!r} is {status}: cannot {action}; allowed: {can}")
        self.order_id = order_id
        self.status = status
        self.action = action
        self.allowed = allowed


class InvoiceOutdated(DraftOrdersError):
    """Payment for, or a re-send of, a sent invoice whose order now prices at another total."""

    def __init__(self, order_id: str, invoiced: object, now: object) -> None:
        super().__init__(
            f"order {order_id!r} was invoiced at {invoiced!r} but now prices at {now!r} (a "
            "promotion's usage limit or a rule changed); revert it to draft and send it again"
        )
        self.order_id = order_id
        self.invoiced = invoiced
        self.now = now


class OrderLocked(DraftOrdersError):
    """An edit of an order that is no longer a draft."""

    def __init__(self, order_id: str, status: str, edit: str) -> None:
        hint = (
            "revert it to draft first"
            if status == "invoice_sent"
            else f"a {status} order is final; duplicate it to make a new draft"
        )
        super().__init__(f"order {order_id!r} is {status} and locked: cannot {edit}; {hint}")
        self.order_id = order_id
        self.status = status
        self.edit = edit


class ConcurrencyConflict(DraftOrdersError):
    """A save was based on an older version than the one stored."""

    def __init__(
        self, order_id: str, expected: int | None, stored: int, detail: str | None = None
    ) -> None:
        what = detail or f"version {stored}, but this save was based on version {expected}"
        super().__init__(
            f"order {order_id!r} is at {what} in the store; reload it and apply the change again"
        )
        self.order_id = order_id
        self.expected = expected
        self.stored = stored


class MissingExtra(DraftOrdersError):
    """A feature needs an optional extra that is not installed (or whose libraries fail)."""

    def __init__(self, extra: str, feature: str, cause: BaseException) -> None:
        super().__init__(
            f"{feature} needs the {extra!r} extra: pip install 'draftorders[{extra}]' ({cause})"
        )
        self.extra = extra
        self.feature = feature


class CheckoutLinkRefused(DraftOrdersError):
    """A checkout link that is not valid. The message says nothing about the order; ``reason``
    (``"tampered"``, ``"expired"``, ``"stale"``) is for logs, not for the customer."""

    def __init__(self, reason: str) -> None:
        super().__init__("this checkout link is not valid; ask the shop for a new one")
        self.reason = reason


class StoreSchemaError(DraftOrdersError):
    """The database's schema is not the one this release writes: newer (written by a later
    release: upgrade the library) or unknown (not a draftorders database)."""

    def __init__(self, found: object, expected: object, message: str | None = None) -> None:
        super().__init__(
            message
            or f"the database is at schema {found!r}, this release needs {expected!r}; "
            "upgrade draftorders, or point the store at its own database"
        )
        self.found = found
        self.expected = expected


class InsufficientStock(DraftOrdersError):
    """An order wants more of a SKU than is available, and the SKU does not allow back-orders;
    nothing was changed."""

    def __init__(self, sku: str, requested: int, available: int) -> None:
        self.sku = sku
        self.requested = requested
        self.available = available
        self.shortfall = requested - max(available, 0)
        super().__init__(
            f"{sku}: {requested} wanted, {max(available, 0)} available, {self.shortfall} short"
        )
