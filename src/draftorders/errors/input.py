"""Bad input and lookups that find nothing: ``ValidationError`` (also ``ValueError``) and
``NotFound`` (also ``LookupError``), with their kinds."""

from __future__ import annotations

from draftorders.errors.base import DraftOrdersError

__all__ = [
    "CurrencyMismatch",
    "CustomerNotFound",
    "DiscountExceedsAmount",
    "DocumentError",
    "FloatAmountError",
    "HeaderInjection",
    "InvalidAddress",
    "InvalidAmount",
    "InvalidPercentage",
    "InvalidQuantity",
    "MalformedOrderDetails",
    "NotFound",
    "OrderDeleted",
    "OrderFileError",
    "OrderNotFound",
    "PackingError",
    "ShippingAddressRequired",
    "UnknownLine",
    "UnknownSku",
    "ValidationError",
]


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


class DocumentError(ValidationError):
    """A document that cannot be read, or an object that cannot be written as one.

    ``field`` is the JSONPath of the first problem (``"$.data.lines[0].quantity"``, or
    ``"schema"`` / ``"type"`` for the envelope); ``errors`` lists every problem found, one
    ``"path: message"`` each.
    """

    def __init__(self, path: str, message: str, errors: tuple[str, ...] = ()) -> None:
        super().__init__(path, message)
        self.errors = errors or (f"{path}: {message}",)


class OrderFileError(ValidationError):
    """An order file that cannot be read: ``field`` is the file's path, the message says
    where in it (``$.order.data.lines[0].quantity``) and what is wrong."""


class PackingError(ValidationError):
    """Units that cannot be packed: ``line_id`` names the line of the first that fits nowhere."""

    def __init__(self, line_id: str, message: str) -> None:
        super().__init__("packages", message)
        self.line_id = line_id
