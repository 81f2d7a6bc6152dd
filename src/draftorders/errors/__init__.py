"""One exception tree for the whole library, in one package: :mod:`.base` (the root),
:mod:`.input` (bad input, lookups), :mod:`.flow` (an order's flow) and :mod:`.payments`.

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
     │   ├─ DocumentError             a document that cannot be read or written
     │   ├─ OrderFileError            an order file that cannot be read
     │   ├─ PackingError              units that fit in none of the shop's boxes
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
     │   │   └─ TransactionStateError a transaction that cannot be acted on that way (voided, ...)
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

from draftorders.errors.base import DraftOrdersError
from draftorders.errors.flow import (
    CheckoutLinkRefused,
    ConcurrencyConflict,
    DuplicateCustomer,
    DuplicateOrderId,
    InsufficientStock,
    InvalidTransition,
    InvoiceOutdated,
    MissingExtra,
    OrderLocked,
    PromotionError,
    StoreSchemaError,
    UnknownCode,
    UsageLimitReached,
)
from draftorders.errors.input import (
    CurrencyMismatch,
    CustomerNotFound,
    DiscountExceedsAmount,
    DocumentError,
    FloatAmountError,
    HeaderInjection,
    InvalidAddress,
    InvalidAmount,
    InvalidPercentage,
    InvalidQuantity,
    MalformedOrderDetails,
    NotFound,
    OrderDeleted,
    OrderFileError,
    OrderNotFound,
    PackingError,
    ShippingAddressRequired,
    UnknownLine,
    UnknownSku,
    ValidationError,
)
from draftorders.errors.payments import (
    AmountChanged,
    AmountExceedsDue,
    BelowPaid,
    ConsentRequired,
    DeliveryFailed,
    GatewayFailed,
    IdempotencyConflict,
    MoneyOnOrder,
    NothingDue,
    PaymentError,
    PaymentInFlight,
    ProviderError,
    TransactionStateError,
    UnknownTransaction,
)

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
    "DocumentError",
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
    "OrderFileError",
    "OrderLocked",
    "OrderNotFound",
    "PackingError",
    "PaymentError",
    "PaymentInFlight",
    "PromotionError",
    "ProviderError",
    "ShippingAddressRequired",
    "StoreSchemaError",
    "TransactionStateError",
    "UnknownCode",
    "UnknownLine",
    "UnknownSku",
    "UnknownTransaction",
    "UsageLimitReached",
    "ValidationError",
]
