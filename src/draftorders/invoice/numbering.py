"""Invoice numbers: a sequence of their own, separate from order ids, in a configurable format."""

from __future__ import annotations

import datetime as dt

import attrs

from draftorders._validate import whole_number
from draftorders.errors import ValidationError

__all__ = ["InvoiceNumbering"]

_SAMPLE = {"number": 1, "year": 2026, "month": 1}


def _format(value: object) -> str:
    if not isinstance(value, str) or "{number" not in value:
        raise ValidationError("format", f"{value!r} must be text with a {{number}} field")
    try:
        sample = value.format(**_SAMPLE)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError) as error:
        raise ValidationError(
            "format", f"{value!r} is not a number format ({error}); fields: number, year, month"
        ) from error
    if not sample.isprintable() or any(c.isspace() for c in sample):
        raise ValidationError("format", f"{value!r} gives {sample!r}: no blanks in a number")
    return value


@attrs.frozen
class InvoiceNumbering:
    """How the n-th invoice is numbered: ``"INV-{number:05d}"`` gives ``INV-00042``.

    ``{year}`` and ``{month}`` of the issue date may be used too, e.g.
    ``"{year}-{number:04d}"``; the sequence itself never restarts.
    """

    format: str = attrs.field(default="INV-{number:05d}", converter=_format)

    def number(self, sequence: int, issued: dt.date) -> str:
        """The invoice number for the ``sequence``-th invoice, issued on ``issued``."""
        whole_number(sequence, "sequence", minimum=1)
        return self.format.format(number=sequence, year=issued.year, month=issued.month)
