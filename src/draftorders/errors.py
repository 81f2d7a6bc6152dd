"""One exception tree for the whole library.

Every error the library raises on purpose is a :class:`DraftOrdersError`; errors about bad
input are also :class:`ValueError`, so callers that already catch ``ValueError`` keep working.
Errors carry structured fields: tell them apart by type and fields, never by message text.

::

    DraftOrdersError
     ├─ ValidationError (also ValueError)
     │   ├─ FloatAmountError          a float given where money, a rate or a quantity goes
     │   ├─ CurrencyMismatch          an amount in another currency than the order's
     │   ├─ InvalidQuantity           zero, negative or non-integer quantity
     │   ├─ InvalidAmount             negative amount, or finer than the currency's minor unit
     │   ├─ InvalidPercentage         outside 0..100
     │   ├─ DiscountExceedsAmount     a fixed discount larger than what it discounts
     │   ├─ InvalidAddress            unknown ISO country code, missing fields
     │   ├─ MalformedOrderDetails     order details that are not well-formed JSON / XML
     │   ├─ ShippingAddressRequired   a shipping line on an order with no shipping address
     │   ├─ DocumentError             a document that cannot be read or written (documents/)
     │   └─ HeaderInjection           a line break (or other control character) in an email header
     ├─ NotFound (also LookupError)
     │   ├─ UnknownSku                no product with that SKU in the catalog
     │   ├─ UnknownLine               no line with that id on the order
     │   ├─ OrderNotFound             no order with that id in the store
     │   │   └─ OrderDeleted          the order was deleted (its id is never used again)
     │   └─ CustomerNotFound          no customer with that id in the directory
     ├─ PromotionError
     │   ├─ UnknownCode               a coupon code that no promotion has
     │   └─ UsageLimitReached         a promotion used up while the order was completing
     ├─ DuplicateOrderId              an order id already used in the store (or deleted)
     ├─ DuplicateCustomer             a customer id or email already in the directory
     ├─ InvalidTransition             action not allowed from the order's status
     ├─ InvoiceOutdated               paying or re-sending an invoice whose total no longer holds
     ├─ OrderLocked                   edit of a sent or completed order
     ├─ ConcurrencyConflict           a save saw a newer version than it was based on
     ├─ MissingExtra                  a feature whose optional extra is not installed
     ├─ PaymentError                  a payment that cannot be made as asked
     │   ├─ NothingDue                paying an order with nothing left to pay
     │   ├─ AmountExceedsDue          paying more than is due, or refunding more than was paid
     │   ├─ AmountChanged             the amount to pay is not the one the customer was shown
     │   ├─ ConsentRequired           charging a method on file without the customer's consent
     │   ├─ IdempotencyConflict       an idempotency key reused for a different request
     │   ├─ UnknownTransaction        no transaction with that id on the order
     │   ├─ PaymentInFlight           another payment of the order is being asked right now
     │   ├─ MoneyOnOrder              deleting an order that has money records
     │   └─ BelowPaid                 an edit that would bring the total below what was paid
     ├─ CheckoutLinkRefused           a checkout link that is tampered, expired or stale
     ├─ InsufficientStock             not enough of a SKU in stock, and no back-orders
     ├─ StoreSchemaError              a database written by a newer release, or not migrated
     └─ ProviderError                 an adapter (tax engine, ...) failed; the cause is chained
         ├─ DeliveryFailed            the mailer could not send; the message waits for a retry
         └─ GatewayFailed             the gateway failed; the payment's claim waits for reconcile
"""

from __future__ import annotations

from typing import Any, Self

__all__ = [
    "AmountChanged",
    "AmountExceedsDue",
    "BelowPaid",
    "CheckoutLinkRefused",
    "ConcurrencyConflict",
    "ConsentRequired",
    "CurrencyMismatch",
    "CustomerNotFound",
    "DeliveryFailed",
    "DiscountExceedsAmount",
    "DraftOrdersError",
    "DuplicateCustomer",
    "DuplicateOrderId",
    "FloatAmountError",
    "GatewayFailed",
    "HeaderInjection",
    "IdempotencyConflict",
    "InsufficientStock",
    "InvalidAddress",
    "InvalidAmount",
    "InvalidPercentage",
    "InvalidQuantity",
    "InvalidTransition",
    "InvoiceOutdated",
    "MalformedOrderDetails",
    "MissingExtra",
    "MoneyOnOrder",
    "NotFound",
    "NothingDue",
    "OrderDeleted",
    "OrderLocked",
    "OrderNotFound",
    "PaymentError",
    "PaymentInFlight",
    "PromotionError",
    "ProviderError",
    "ShippingAddressRequired",
    "StoreSchemaError",
    "UnknownCode",
    "UnknownLine",
    "UnknownSku",
    "UnknownTransaction",
    "UsageLimitReached",
    "ValidationError",
]


class DraftOrdersError(Exception):
    """Base of every error this library raises on purpose.

    Every one pickles, with its fields, so an error raised in a worker process (a process
    pool, Dask) reaches the caller as itself. Most take other arguments than their message, so
    each remembers the arguments it was made with, and is made again from them when read back.
    """

    _made_with: tuple[tuple[Any, ...], dict[str, Any]]

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        error = super().__new__(cls, *args, **kwargs)
        error._made_with = (args, kwargs)
        return error

    def __reduce__(self) -> tuple[Any, ...]:
        args, kwargs = self._made_with
        return _remake, (type(self), args, kwargs)


def _remake(kind: type[DraftOrdersError], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return kind(*args, **kwargs)


class ValidationError(DraftOrdersError, ValueError):
    """An input was refused; ``field`` names it (``"price"``, ``"lines[L2].quantity"``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class FloatAmountError(ValidationError):
    """A float was given for money, a rate, a percentage or a quantity."""

    def __init__(self, field: str, value: float) -> None:
        super().__init__(
            field,
            f"got the float {value!r}; floats cannot hold money exactly. "
            f"Pass Decimal({str(value)!r}) or the string {str(value)!r} instead.",
        )
        self.value = value


class CurrencyMismatch(ValidationError):
    """An amount's currency differs from the order's currency."""

    def __init__(self, field: str, expected: str, got: str) -> None:
        super().__init__(field, f"amount is in {got}, but the order is in {expected}")
        self.expected = expected
        self.got = got


class InvalidQuantity(ValidationError):
    """A quantity that is not a positive whole number."""


class InvalidAmount(ValidationError):
    """A negative amount, or one finer than the currency's minor unit."""


class InvalidPercentage(ValidationError):
    """A percentage outside 0..100."""


class DiscountExceedsAmount(ValidationError):
    """A fixed discount larger than the amount it discounts."""


class InvalidAddress(ValidationError):
    """An address with an unknown country or region code."""


class MalformedOrderDetails(ValidationError):
    """Order details that are not well-formed in their declared format."""


class ShippingAddressRequired(ValidationError):
    """Shipping was set on an order that has no shipping address."""


class HeaderInjection(ValidationError):
    """A value bound for an email header holds a line break or another control character."""


class NotFound(DraftOrdersError, LookupError):
    """Something looked up by key does not exist; ``key`` is what was asked for."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class UnknownSku(NotFound):
    """The catalog has no product with this SKU."""

    def __init__(self, sku: str) -> None:
        super().__init__(sku, f"no product with SKU {sku!r} in the catalog")


class UnknownLine(NotFound):
    """The order has no line with this id."""

    def __init__(self, line_id: str) -> None:
        super().__init__(line_id, f"the order has no line {line_id!r}")


class OrderNotFound(NotFound):
    """The store has no order with this id."""

    def __init__(self, order_id: str, message: str | None = None) -> None:
        super().__init__(order_id, message or f"no order {order_id!r} in the store")
        self.order_id = order_id


class OrderDeleted(OrderNotFound):
    """The order was deleted; the store keeps its tombstone so the id is never used again."""

    def __init__(self, order_id: str, deleted_at: object) -> None:
        super().__init__(
            order_id,
            f"order {order_id!r} was deleted at {deleted_at}; its id is not used again",
        )
        self.deleted_at = deleted_at


class CustomerNotFound(NotFound):
    """The customer directory has no customer with this id."""

    def __init__(self, customer_id: str) -> None:
        super().__init__(
            customer_id,
            f"no customer {customer_id!r} in the directory; create one with customers.create",
        )
        self.customer_id = customer_id


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


class ProviderError(DraftOrdersError):
    """An external provider failed; ``provider`` names it and the cause is chained."""

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(f"{provider}: {message}; nothing was changed")
        self.provider = provider


class DeliveryFailed(ProviderError):
    """The mailer could not send a message; it stays in the outbox and is tried again later."""


class MissingExtra(DraftOrdersError):
    """A feature needs an optional extra that is not installed (or whose libraries fail)."""

    def __init__(self, extra: str, feature: str, cause: BaseException) -> None:
        super().__init__(
            f"{feature} needs the {extra!r} extra: pip install 'draftorders[{extra}]' ({cause})"
        )
        self.extra = extra
        self.feature = feature


class GatewayFailed(ProviderError):
    """The payment gateway raised or timed out, so whether money moved is unknown. The
    payment's claim stays open: the next payment call on the order, or ``reconcile``, asks the
    gateway again with the same idempotency key and records its answer, so nothing is charged
    twice and nothing charged goes unrecorded."""


class PaymentError(DraftOrdersError):
    """A payment, capture or refund that cannot be made as asked."""


class NothingDue(PaymentError):
    """The order has nothing left to pay."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id!r} has nothing left to pay")
        self.order_id = order_id


class AmountExceedsDue(PaymentError, ValueError):
    """More than is due (or capturable, or refundable) was asked for."""

    def __init__(self, what: str, asked: object, limit: object) -> None:
        super().__init__(f"{what}: {asked} asked, at most {limit} possible")
        self.what = what
        self.asked = asked
        self.limit = limit


class ConsentRequired(PaymentError):
    """Charging a customer's stored payment method needs their consent on the order."""

    def __init__(self, order_id: str) -> None:
        super().__init__(
            f"order {order_id!r} has no customer consent to charge the payment method on file; "
            "record it with set_consent(True) first"
        )
        self.order_id = order_id


class IdempotencyConflict(PaymentError):
    """An idempotency key was used again for a different request (another amount, say)."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(f"idempotency key {key!r} was used for a different request: {detail}")
        self.key = key


class UnknownTransaction(PaymentError, LookupError):
    """No transaction with that id on the order, or not one that allows this."""

    def __init__(
        self, order_id: str, transaction_id: str, detail: str = "no such transaction"
    ) -> None:
        super().__init__(f"order {order_id!r}, transaction {transaction_id!r}: {detail}")
        self.order_id = order_id
        self.transaction_id = transaction_id


class PaymentInFlight(PaymentError):
    """Another payment call on this order is between claiming its money and recording the
    gateway's answer; nothing was asked of the gateway. Try again in a moment; a claim left by
    a crashed process is settled by ``Cashier.reconcile``."""

    def __init__(self, order_id: str, claim_id: str, since: object) -> None:
        super().__init__(
            f"order {order_id!r} has a payment in flight ({claim_id}, since {since}); try "
            "again in a moment, or reconcile it if its process stopped"
        )
        self.order_id = order_id
        self.claim_id = claim_id
        self.since = since


class MoneyOnOrder(PaymentError):
    """An order with money records (payments, refunds, even a decline) is never deleted: its
    records would lose their order. Cancel it instead, and refund what was paid."""

    def __init__(self, order_id: str, transactions: int, net_paid: object) -> None:
        super().__init__(
            f"order {order_id!r} has {transactions} money record(s) ({net_paid} held): it "
            "cannot be deleted; cancel it and refund what was paid"
        )
        self.order_id = order_id
        self.transactions = transactions
        self.net_paid = net_paid


class BelowPaid(PaymentError):
    """An edit that would bring the order's total below what was paid on it; nothing was
    saved. Refund the overpayment first, then edit."""

    def __init__(self, order_id: str, total: object, paid: object, overpayment: object) -> None:
        super().__init__(
            f"order {order_id!r} would total {total} but {paid} was paid on it: refund "
            f"{overpayment} first, then edit"
        )
        self.order_id = order_id
        self.total = total
        self.paid = paid
        self.overpayment = overpayment


class CheckoutLinkRefused(DraftOrdersError):
    """A checkout link that is not valid. The message says nothing about the order; ``reason``
    (``"tampered"``, ``"expired"``, ``"stale"``) is for logs, not for the customer."""

    def __init__(self, reason: str) -> None:
        super().__init__("this checkout link is not valid; ask the shop for a new one")
        self.reason = reason


class AmountChanged(PaymentError):
    """The amount a payment would take is not the one the customer was shown; nothing was
    charged."""

    def __init__(self, order_id: str, shown: object, now: object) -> None:
        super().__init__(f"order {order_id!r}: {shown} was shown, {now} is to pay now")
        self.order_id = order_id
        self.shown = shown
        self.now = now


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
