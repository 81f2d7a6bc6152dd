"""Taxes: rates as data, and the calculators pricing asks which rates apply."""

from draftorders.tax.calculator import TaxCalculator
from draftorders.tax.flat import FlatRateTax
from draftorders.tax.rate import TaxRate

__all__ = ["FlatRateTax", "TaxCalculator", "TaxRate"]
