"""Taxes: rates as data, tax tables, and the calculators pricing asks which rates apply."""

from draftorders.tax.calculator import TaxCalculator
from draftorders.tax.flat import FlatRateTax
from draftorders.tax.quote import QuotedTax, TaxProvider, TaxQuote, TaxRequest, TaxRequestLine
from draftorders.tax.rate import TaxRate
from draftorders.tax.table import Jurisdiction, TableTax, TaxTable

__all__ = [
    "FlatRateTax",
    "Jurisdiction",
    "QuotedTax",
    "TableTax",
    "TaxCalculator",
    "TaxProvider",
    "TaxQuote",
    "TaxRate",
    "TaxRequest",
    "TaxRequestLine",
    "TaxTable",
]
