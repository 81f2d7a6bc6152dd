"""Values that go into email headers, checked: no line breaks, no control characters.

A CR or LF in a header value would let whoever wrote it add headers of their own (a Bcc, say):
header injection. Such values are refused with :class:`HeaderInjection` before anything is
composed; the email package would also refuse them, but later and less clearly.
"""

from __future__ import annotations

import unicodedata
from email.headerregistry import Address
from email.utils import parseaddr

from draftorders._validate import email
from draftorders.errors import HeaderInjection, ValidationError

__all__ = ["email_address", "header_text"]

_REFUSED = frozenset({"Cc", "Zl", "Zp"})
"""Control characters (CR, LF, NUL, ...) and the Unicode line and paragraph separators."""
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Direction overrides, which can make a subject or name read other than it is."""


def header_text(field: str, value: object) -> str:
    """``value`` if it is one line of printable text fit for the ``field`` header."""
    if not isinstance(value, str):
        raise ValidationError(field, f"expected text for the {field} header, got {value!r}")
    bad = [c for c in value if unicodedata.category(c) in _REFUSED or c in _BIDI_CONTROLS]
    if bad:
        raise HeaderInjection(
            field,
            f"{value!r} holds {', '.join(sorted({repr(c) for c in bad}))}; email headers are "
            "one line of text (a line break would let it add headers of its own)",
        )
    return value


def email_address(field: str, value: object, name: str | None = None) -> Address:
    """A single mailbox, e.g. ``"ada@example.com"``, with an optional display name."""
    text = header_text(field, value)
    if name is not None:
        header_text(f"{field} name", name)
    display, address = parseaddr(text)
    if address not in text or "," in text:  # parseaddr drops blanks and takes the first
        raise ValidationError(field, f"{text!r} is not one email address")
    email(address, field)
    try:
        return Address(display_name=name or display, addr_spec=address)
    except (ValueError, IndexError) as error:
        raise ValidationError(field, f"{text!r} is not an email address ({error})") from error
