"""The cattrs converter that turns the library's values into JSON-ready data and back.

Attrs classes are written field by field under their ``__init__`` names (``products`` for
``Catalog._products``); fields that ``__init__`` does not take (``ManualDiscount.ratio``,
``Recurring._parsed``) are left out, as the class computes them again. Reading goes through
each class's ``__init__``, so its converters and validators check a document as they check
any other input, and a field left out takes its default.

Reading is strict about JSON shapes (a list where a tuple goes, an object where a class goes,
no unknown fields); a few fields have a shape of their own (see :data:`_OVERRIDES`).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.cols import homogenous_tuple_structure_factory, is_mapping
from cattrs.gen import (
    make_dict_structure_fn,
    make_dict_unstructure_fn,
    make_hetero_tuple_structure_fn,
    make_mapping_structure_fn,
    override,
)
from cattrs.strategies import configure_tagged_union

from draftorders.catalog import Catalog, Product
from draftorders.documents import scalars
from draftorders.documents.errors import DocumentError, Refused
from draftorders.documents.unions import KIND, TAGGED, Tagged
from draftorders.money import Money
from draftorders.pricing.rules import PriceList, RuleBook
from draftorders.promotions.book import PromotionBook
from draftorders.promotions.promotion import Promotion
from draftorders.promotions.usage import PromotionUsage

__all__ = ["CONVERTER"]

Hook = Callable[[Any, Any], Any]
AttributeOverride = Any
"""What :func:`cattrs.gen.override` returns (its class is not exported)."""


def _sorted_list(items: Any) -> list[Any]:
    """A set's members as a list in a fixed order (sets are written sorted)."""
    return sorted(items, key=lambda item: (type(item).__name__, item))


@attrs.frozen
class _BookData:
    """A promotion book as it is written: its promotions, in the order it lists them."""

    promotions: tuple[Promotion, ...]


def _refuse_float(value: object, _: Any = None) -> Any:
    raise Refused(f"floats are not read or written; got {value!r}")


def _listed(inner: Hook, size: int | None = None) -> Hook:
    """``inner`` for a JSON list (of ``size`` items, if given)."""

    def structure(value: Any, type_: Any) -> Any:
        if not isinstance(value, list):
            raise Refused(f"expected a list, got {scalars.shown(value)}")
        if size is not None and len(value) != size:
            raise Refused(f"expected a list of {size} items, got {len(value)}")
        return inner(value, type_)

    return structure


def _structure_listed(type_: Any, converter: cattrs.Converter) -> Hook:
    """Tuples (of any length, or of fixed shape) and frozensets, from JSON lists."""
    origin, args = get_origin(type_), get_args(type_)
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        return _listed(make_hetero_tuple_structure_fn(type_, converter), len(args))
    if origin is tuple:
        return _listed(homogenous_tuple_structure_factory(type_, converter))
    items = homogenous_tuple_structure_factory(tuple[args[0], ...], converter)  # type: ignore[valid-type]
    return _listed(lambda value, _: frozenset(items(value, _)))


def _structure_money(converter: cattrs.Converter) -> Hook:
    """Money from ``{"amount": "12.99", "currency": "USD"}``."""
    data = converter.get_structure_hook(scalars.MoneyData)

    def structure(value: Any, _: Any) -> Money:
        if not isinstance(value, dict):
            raise Refused(
                f'expected money like {{"amount": "12.99", "currency": "USD"}}, '
                f"got {scalars.shown(value)}"
            )
        return scalars.money_from(data(value, scalars.MoneyData))

    return structure


def _is_enum(type_: Any) -> bool:
    return isinstance(type_, type) and issubclass(type_, enum.Enum)


def _structure_enum(cl: type[enum.Enum]) -> Hook:
    """An enum member from its value (enums are written by value)."""
    members = {member.value: member for member in cl}
    known = ", ".join(repr(value) for value in members)

    def structure(value: Any, _: Any) -> enum.Enum:
        if isinstance(value, str | int) and not isinstance(value, bool) and value in members:
            return members[value]
        raise Refused(f"expected one of {known}, got {scalars.shown(value)}")

    return structure


def _is_listed(type_: Any) -> bool:
    return get_origin(type_) in (tuple, frozenset) and bool(get_args(type_))


def _structure_mapping(type_: Any, converter: cattrs.Converter) -> Hook:
    """Mappings from JSON objects (into a dict; the class's converter freezes it)."""
    inner = make_mapping_structure_fn(type_, converter, dict)

    def structure(value: Any, _: Any) -> Any:
        if not isinstance(value, dict):
            raise Refused(f"expected an object, got {scalars.shown(value)}")
        return inner(value, type_)

    return structure


def _catalog_products(converter: cattrs.Converter) -> AttributeOverride:
    """A catalog's products as a list, in the catalog's order (SKUs are in the products)."""
    read_products = converter.get_structure_hook(tuple[Product, ...])
    write_product = converter.get_unstructure_hook(Product)

    def structure(value: Any, _: Any) -> dict[str, Product]:
        products = read_products(value, tuple[Product, ...])
        table: dict[str, Product] = {}
        for product in products:
            if product.sku in table:
                raise Refused(f"two products have the SKU {product.sku!r}")
            table[product.sku] = product
        return table

    def unstructure(value: Mapping[str, Product]) -> list[Any]:
        return [write_product(product) for product in value.values()]

    return override(struct_hook=structure, unstruct_hook=unstructure)


def _price_lists(converter: cattrs.Converter) -> AttributeOverride:
    """A rule book's price lists as a list (the book keys them by group itself)."""
    read_lists = converter.get_structure_hook(tuple[PriceList, ...])
    write_list = converter.get_unstructure_hook(PriceList)

    def structure(value: Any, _: Any) -> tuple[PriceList, ...]:
        return read_lists(value, tuple[PriceList, ...])  # type: ignore[no-any-return]

    def unstructure(value: Mapping[str, PriceList]) -> list[Any]:
        return [write_list(price_list) for price_list in value.values()]

    return override(struct_hook=structure, unstruct_hook=unstructure)


def _per_customer(converter: cattrs.Converter) -> AttributeOverride:
    """Uses per (promotion, customer) as ``{promotion_id: {customer_id: count}}``."""
    read_nested = converter.get_structure_hook(dict[str, dict[str, int]])

    def structure(value: Any, _: Any) -> dict[tuple[str, str], int]:
        nested = read_nested(value, dict[str, dict[str, int]])
        return {
            (promotion, customer): count
            for promotion, by_customer in nested.items()
            for customer, count in by_customer.items()
        }

    def unstructure(value: Mapping[tuple[str, str], int]) -> dict[str, dict[str, int]]:
        nested: dict[str, dict[str, int]] = {}
        for (promotion, customer), count in value.items():
            nested.setdefault(promotion, {})[customer] = count
        return nested

    return override(struct_hook=structure, unstruct_hook=unstructure)


_OVERRIDES: Mapping[type, Mapping[str, Callable[[cattrs.Converter], AttributeOverride]]] = {
    Catalog: {"_products": _catalog_products},
    RuleBook: {"price_lists": _price_lists},
    PromotionUsage: {"per_customer": _per_customer},
}
"""Fields whose JSON shape is not the one their type gives: mappings written as lists, and
a mapping with tuple keys (JSON keys are strings)."""


def _overrides(cl: type, converter: cattrs.Converter) -> Any:
    return {name: make(converter) for name, make in _OVERRIDES.get(cl, {}).items()}


def _structure_attrs(cl: type, converter: cattrs.Converter) -> Hook:
    """An attrs class from a JSON object, through its ``__init__``."""
    inner: Hook = make_dict_structure_fn(cl, converter, **_overrides(cl, converter))

    def structure(value: Any, _: Any) -> Any:
        if not isinstance(value, dict):
            raise Refused(f"expected an object for {cl.__name__}, got {scalars.shown(value)}")
        return inner(value, cl)

    return structure


def _unstructure_attrs(cl: type, converter: cattrs.Converter) -> Callable[[Any], Any]:
    return make_dict_unstructure_fn(cl, converter, **_overrides(cl, converter))


def _tag(converter: cattrs.Converter, slot: object, tagged: Tagged) -> None:
    """Write the classes of ``slot`` with a ``"kind"`` tag, and read them back by it."""
    union: Any = Union[tuple(tagged)]  # noqa: UP007 (a union built at run time)
    configure_tagged_union(union, converter, tag_generator=tagged.__getitem__, tag_name=KIND)
    inner_structure = converter.get_structure_hook(union)
    inner_unstructure = converter.get_unstructure_hook(union)
    kinds = {tag: cls for cls, tag in tagged.items()}
    known = ", ".join(repr(tag) for tag in kinds)

    def structure(value: Any, _: Any) -> Any:
        if not isinstance(value, dict):
            raise Refused(f"expected an object with a {KIND!r}, got {scalars.shown(value)}")
        tag = value.get(KIND)
        if not isinstance(tag, str) or tag not in kinds:
            got = f"the {KIND} {value[KIND]!r}" if KIND in value else f"no {KIND!r}"
            raise Refused(f"expected a {KIND} of {known}, got {got}")
        return inner_structure(value, union)

    def unstructure(value: Any) -> Any:
        if type(value) not in tagged:
            raise DocumentError(
                KIND,
                f"{type(value).__name__} cannot be written as a document; the classes "
                f"documents know here are {', '.join(cls.__name__ for cls in tagged)}",
            )
        return inner_unstructure(value)

    converter.register_structure_hook_func(lambda t: t == slot, structure)
    converter.register_unstructure_hook_func(lambda t: t == slot, unstructure)


def _make() -> cattrs.Converter:
    converter = cattrs.Converter(
        forbid_extra_keys=True,
        use_alias=True,
        unstruct_collection_overrides={tuple: list, frozenset: _sorted_list},
    )
    structures: list[tuple[type, Hook]] = [
        (str, scalars.structure_str),
        (int, scalars.structure_int),
        (bool, scalars.structure_bool),
        (float, _refuse_float),
        (Decimal, scalars.structure_decimal),
        (dt.date, scalars.structure_date),
        (dt.datetime, scalars.structure_datetime),
        (bytes, scalars.structure_bytes),
    ]
    for leaf, structure in structures:
        converter.register_structure_hook(leaf, structure)
    unstructures: list[tuple[type, Callable[[Any], Any]]] = [
        (float, _refuse_float),
        (Decimal, scalars.unstructure_decimal),
        (dt.date, scalars.unstructure_date),
        (dt.datetime, scalars.unstructure_datetime),
        (bytes, scalars.unstructure_bytes),
        (Money, scalars.money_data),
    ]
    for leaf, unstructure in unstructures:
        converter.register_unstructure_hook(leaf, unstructure)
    converter.register_structure_hook_factory(_is_enum, _structure_enum)
    converter.register_structure_hook_factory(_is_listed, _structure_listed)
    converter.register_structure_hook_factory(is_mapping, _structure_mapping)
    converter.register_structure_hook_factory(attrs.has, _structure_attrs)
    converter.register_unstructure_hook_factory(attrs.has, _unstructure_attrs)
    converter.register_structure_hook(Money, _structure_money(converter))

    for slot, tagged in TAGGED.items():
        _tag(converter, slot, tagged)
    # after the tags: these hooks are made now, and a promotion holds tagged values
    write_book = converter.get_unstructure_hook(_BookData)
    read_book = converter.get_structure_hook(_BookData)
    converter.register_unstructure_hook(
        PromotionBook, lambda book: write_book(_BookData(tuple(book)))
    )
    converter.register_structure_hook(
        PromotionBook, lambda value, _: PromotionBook(read_book(value, _BookData).promotions)
    )
    return converter


CONVERTER = _make()
"""The one converter documents use; its hooks are made once, at import."""
