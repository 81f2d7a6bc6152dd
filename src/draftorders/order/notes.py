"""Named templates for an order's customer notes and terms, with placeholders.

A merchant picks a template; its text is copied onto the order, where it can still be edited.
Placeholders stay in the text and are filled when an invoice is rendered, in the customer's
language: ``{customer_name}``, ``{order_id}``, ``{invoice_number}``, ``{due_date}``,
``{amount_due}`` and ``{shop_name}``. Any other ``{name}`` is refused when the text is set, so
a typo shows up at once and not on the customer's invoice; other braces are plain text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import attrs

from draftorders._validate import instances, non_empty_text, plain_text
from draftorders.errors import ValidationError

__all__ = [
    "PLACEHOLDERS",
    "STANDARD_TEMPLATES",
    "NoteTemplate",
    "TemplateBook",
    "check_placeholders",
    "fill",
]

PLACEHOLDERS = frozenset(
    {"customer_name", "order_id", "invoice_number", "due_date", "amount_due", "shop_name"}
)
"""The names a note or terms text may use in braces."""

_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def check_placeholders(text: str, field: str = "text") -> str:
    """Return ``text`` if every ``{name}`` in it is a known placeholder."""
    if not isinstance(text, str):
        raise ValidationError(field, f"expected text, got {text!r}")
    plain_text(text, field)
    unknown = sorted({name for name in _FIELD.findall(text) if name not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            field,
            f"unknown placeholder(s) {', '.join('{' + n + '}' for n in unknown)}; "
            f"use {', '.join('{' + n + '}' for n in sorted(PLACEHOLDERS))}",
        )
    return text


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each known placeholder replaced by its value ("" when it has none)."""
    return _FIELD.sub(
        lambda m: values.get(m.group(1), "") if m.group(1) in PLACEHOLDERS else m.group(0), text
    )


@attrs.frozen
class NoteTemplate:
    """A predefined text for customer notes or order terms, picked by ``name``."""

    name: str = attrs.field(validator=non_empty_text)
    text: str = attrs.field(converter=check_placeholders)


def _templates(value: object) -> tuple[NoteTemplate, ...]:
    return instances(value, NoteTemplate, "templates")


@attrs.frozen
class TemplateBook:
    """The shop's templates for customer notes and for order terms, each looked up by name."""

    notes: tuple[NoteTemplate, ...] = attrs.field(default=(), converter=_templates)
    terms: tuple[NoteTemplate, ...] = attrs.field(default=(), converter=_templates)

    def __attrs_post_init__(self) -> None:
        for kind, templates in (("notes", self.notes), ("terms", self.terms)):
            names = [t.name for t in templates]
            if len(set(names)) != len(names):
                raise ValidationError(kind, f"template names must be unique, got {names}")

    def note(self, name: str) -> NoteTemplate:
        """The customer-notes template called ``name``."""
        return _named(self.notes, name, "notes")

    def term(self, name: str) -> NoteTemplate:
        """The order-terms template called ``name``."""
        return _named(self.terms, name, "terms")

    def __iter__(self) -> Iterator[NoteTemplate]:
        return iter((*self.notes, *self.terms))


def _named(templates: tuple[NoteTemplate, ...], name: str, kind: str) -> NoteTemplate:
    for template in templates:
        if template.name == name:
            return template
    known = ", ".join(t.name for t in templates) or "none"
    raise ValidationError("template", f"no {kind} template {name!r}; known: {known}")


STANDARD_TEMPLATES = TemplateBook(
    notes=(
        NoteTemplate("thank-you", "Thank you for your order, {customer_name}!"),
        NoteTemplate(
            "payment-request",
            "Dear {customer_name}, please pay {amount_due} for order {order_id} by {due_date}.",
        ),
    ),
    terms=(
        NoteTemplate("due-on-receipt", "Payment of {amount_due} is due on receipt."),
        NoteTemplate(
            "net-terms",
            "Payment of {amount_due} is due by {due_date}. Please quote invoice "
            "{invoice_number} with your payment.",
        ),
        NoteTemplate(
            "no-returns", "Custom items are made to order and cannot be returned or refunded."
        ),
    ),
)
"""A starting set; shops build their own :class:`TemplateBook`."""
