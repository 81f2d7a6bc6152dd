"""Free-form order details: JSON or XML text, checked to be well-formed when set."""

from __future__ import annotations

import enum
import json
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import attrs
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from draftorders._validate import check_type
from draftorders.errors import MalformedOrderDetails

__all__ = ["MAX_DETAILS_BYTES", "DetailsFormat", "OrderDetails"]

MAX_DETAILS_BYTES = 64 * 1024
"""The largest order details accepted, in UTF-8 bytes: details are notes for people and
systems, not a document store, and a size limit keeps parsing cheap."""


class DetailsFormat(enum.Enum):
    """The text formats order details may be kept in."""

    JSON = "json"
    XML = "xml"


def _no_constant(name: str) -> Any:
    """JSON has no NaN or Infinity (Python's json module would accept them as floats)."""
    raise ValueError(f"{name} is not JSON")


@attrs.frozen
class OrderDetails:
    """Order details kept verbatim as text; :meth:`parsed` reads them back.

    XML is parsed with defusedxml, so entity-expansion ("billion laughs"), external-entity and
    DTD payloads are refused rather than expanded or fetched. Details over
    :data:`MAX_DETAILS_BYTES` are refused before they are parsed.
    """

    format: DetailsFormat = attrs.field(validator=check_type(DetailsFormat))
    text: str

    def __attrs_post_init__(self) -> None:
        self.parsed()

    @classmethod
    def json(cls, text: str) -> OrderDetails:
        """Details as JSON text; malformed JSON raises :class:`MalformedOrderDetails`."""
        return cls(DetailsFormat.JSON, text)

    @classmethod
    def xml(cls, text: str) -> OrderDetails:
        """Details as XML text; malformed or unsafe XML raises :class:`MalformedOrderDetails`."""
        return cls(DetailsFormat.XML, text)

    @classmethod
    def from_data(cls, data: Any) -> OrderDetails:
        """Details from JSON-serialisable data (dicts, lists, strings, ints, Decimals as str)."""
        try:
            return cls.json(json.dumps(data, sort_keys=True, allow_nan=False))
        except (TypeError, ValueError) as error:
            raise MalformedOrderDetails("details", f"not JSON-serialisable: {error}") from error

    def parsed(self) -> Any | Element:
        """The details read back: JSON as Python data (floats as Decimal), XML as an Element."""
        if not isinstance(self.text, str):
            raise MalformedOrderDetails("details", f"expected text, got {self.text!r}")
        size = len(self.text.encode("utf-8", "surrogatepass"))
        if size > MAX_DETAILS_BYTES:
            raise MalformedOrderDetails(
                "details", f"{size} bytes is more than the {MAX_DETAILS_BYTES} bytes allowed"
            )
        if self.format is DetailsFormat.JSON:
            try:
                return json.loads(self.text, parse_float=Decimal, parse_constant=_no_constant)
            except (ValueError, RecursionError) as error:
                raise MalformedOrderDetails("details", f"malformed JSON: {error}") from error
        try:
            return fromstring(self.text, forbid_dtd=True)
        except (ParseError, DefusedXmlException, UnicodeError, RecursionError) as error:
            raise MalformedOrderDetails("details", f"malformed or unsafe XML: {error}") from error
