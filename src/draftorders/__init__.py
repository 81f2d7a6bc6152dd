"""draftorders: build draft orders, price them to the cent with explanations, and complete them."""

from draftorders.catalog import Catalog, Product
from draftorders.clock import Clock, FixedClock, SystemClock
from draftorders.customers import Address, Customer
from draftorders.discounts import DiscountKind, ManualDiscount
from draftorders.errors import (
    ConcurrencyConflict,
    CurrencyMismatch,
    DiscountExceedsAmount,
    DraftOrdersError,
    DuplicateOrderId,
    FloatAmountError,
    InvalidAddress,
    InvalidAmount,
    InvalidPercentage,
    InvalidQuantity,
    InvalidTransition,
    InvoiceOutdated,
    MalformedOrderDetails,
    NotFound,
    OrderLocked,
    OrderNotFound,
    PromotionError,
    ProviderError,
    ShippingAddressRequired,
    UnknownCode,
    UnknownLine,
    UnknownSku,
    ValidationError,
)
from draftorders.events import InvoiceSent, OrderCompleted, OrderEvent, RevertedToDraft
from draftorders.explain import Adjustment, AdjustmentKind
from draftorders.lifecycle import Action, Transition
from draftorders.line_item import LineItem, LineKind
from draftorders.measures import Dimensions, LengthUnit, Weight, WeightUnit
from draftorders.money import Money, minor_units, to_money
from draftorders.order import DraftOrder, ShippingLine, Status
from draftorders.order_details import DetailsFormat, OrderDetails
from draftorders.pricing import (
    PricedCharge,
    PricedLine,
    PricedOrder,
    PricedShipping,
    PricingContext,
    TaxCharge,
    price,
)
from draftorders.rounding import (
    DiscountBasis,
    InclusiveTarget,
    Remainder,
    RoundingMode,
    RoundingPolicy,
    TaxLevel,
    allocate,
)
from draftorders.service import DraftOrderService
from draftorders.storage import InMemoryStore, Store
from draftorders.tax import FlatRateTax, Jurisdiction, TableTax, TaxCalculator, TaxRate, TaxTable

__version__ = "0.1.0"

__all__ = [
    "Action",
    "Address",
    "Adjustment",
    "AdjustmentKind",
    "Catalog",
    "Clock",
    "ConcurrencyConflict",
    "CurrencyMismatch",
    "Customer",
    "DetailsFormat",
    "Dimensions",
    "DiscountBasis",
    "DiscountExceedsAmount",
    "DiscountKind",
    "DraftOrder",
    "DraftOrderService",
    "DraftOrdersError",
    "DuplicateOrderId",
    "FixedClock",
    "FlatRateTax",
    "FloatAmountError",
    "InMemoryStore",
    "InclusiveTarget",
    "InvalidAddress",
    "InvalidAmount",
    "InvalidPercentage",
    "InvalidQuantity",
    "InvalidTransition",
    "InvoiceOutdated",
    "InvoiceSent",
    "Jurisdiction",
    "LengthUnit",
    "LineItem",
    "LineKind",
    "MalformedOrderDetails",
    "ManualDiscount",
    "Money",
    "NotFound",
    "OrderCompleted",
    "OrderDetails",
    "OrderEvent",
    "OrderLocked",
    "OrderNotFound",
    "PricedCharge",
    "PricedLine",
    "PricedOrder",
    "PricedShipping",
    "PricingContext",
    "Product",
    "PromotionError",
    "ProviderError",
    "Remainder",
    "RevertedToDraft",
    "RoundingMode",
    "RoundingPolicy",
    "ShippingAddressRequired",
    "ShippingLine",
    "Status",
    "Store",
    "SystemClock",
    "TableTax",
    "TaxCalculator",
    "TaxCharge",
    "TaxLevel",
    "TaxRate",
    "TaxTable",
    "Transition",
    "UnknownCode",
    "UnknownLine",
    "UnknownSku",
    "ValidationError",
    "Weight",
    "WeightUnit",
    "__version__",
    "allocate",
    "minor_units",
    "price",
    "to_money",
]
