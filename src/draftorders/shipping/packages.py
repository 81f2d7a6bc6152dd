"""Shipping packages: a box catalog, and packing an order's units into packages.

The default packer, :func:`pack`:

1. every unit of a product that ships alone gets its own package of the product's dimensions;
2. with no box catalog, the other units go loose into one package weighed by their actual
   weight (no dimensions, so no dimensional weight);
3. with a box catalog, the other units are packed **first-fit decreasing**: units sorted by
   volume, then weight, largest first; each goes into the first open package where it fits
   (every side fits the box's inner sides, both sorted largest first; the volume and the
   box's maximum weight are not exceeded), or else into a new package of the smallest box it
   fits in. A unit that fits in no box raises :class:`PackingError`.

Packages can also be made by hand; rates use whatever packages they are given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

import attrs

from draftorders._validate import check_type, non_empty_text
from draftorders.catalog import Dimensions, Weight
from draftorders.errors import PackingError
from draftorders.order.lines import LineItem
from draftorders.shipping.units import dimensions_cm, kilograms, volume_cm3

__all__ = ["Box", "Package", "PackingError", "pack"]


@attrs.frozen
class Box:
    """A box the shop ships in: inner dimensions, the most it may weigh, and its own weight."""

    name: str = attrs.field(validator=non_empty_text)
    inner: Dimensions = attrs.field(validator=check_type(Dimensions))
    max_weight: Weight = attrs.field(validator=check_type(Weight))
    own_weight: Weight = attrs.field(validator=check_type(Weight))

    def sides(self) -> tuple[Decimal, Decimal, Decimal]:
        """Inner sides in cm, largest first."""
        return dimensions_cm(self.inner)


@attrs.frozen
class Package:
    """A package: its box (or None for a product's own box or loose items), outer dimensions
    in cm (None when unknown), total weight in kg, and the units in it by line id."""

    box: str | None
    sides_cm: tuple[Decimal, Decimal, Decimal] | None
    weight_kg: Decimal
    contents: tuple[tuple[str, int], ...]

    def billable_kg(self, divisor: Decimal | None) -> Decimal:
        """The heavier of the actual weight and L x W x H / ``divisor`` (cm3 per kg)."""
        if divisor is None or self.sides_cm is None:
            return self.weight_kg
        length, width, height = self.sides_cm
        return max(self.weight_kg, length * width * height / divisor)


def _unit_weight(item: LineItem) -> Decimal:
    return kilograms(item.weight) if item.weight is not None else Decimal(0)


class _Open:
    """A package being filled by the packer."""

    def __init__(self, box: Box) -> None:
        self.box = box
        self.weight = kilograms(box.own_weight)
        self.volume = Decimal(0)
        self.contents: dict[str, int] = {}

    def takes(self, sides: tuple[Decimal, Decimal, Decimal], volume: Decimal, kg: Decimal) -> bool:
        fits = all(side <= inner for side, inner in zip(sides, self.box.sides(), strict=True))
        room = self.volume + volume <= volume_cm3(self.box.inner)
        return fits and room and self.weight + kg <= kilograms(self.box.max_weight)

    def add(self, line_id: str, volume: Decimal, kg: Decimal) -> None:
        self.volume += volume
        self.weight += kg
        self.contents[line_id] = self.contents.get(line_id, 0) + 1

    def package(self) -> Package:
        return Package(self.box.name, self.box.sides(), self.weight, tuple(self.contents.items()))


def pack(items: Iterable[LineItem], boxes: Sequence[Box] = ()) -> tuple[Package, ...]:
    """Pack the units of the lines that need shipping (see the module docstring)."""
    packages: list[Package] = []
    loose: list[LineItem] = []
    for item in items:
        if not item.requires_shipping:
            continue
        if item.ships_alone:
            if item.dimensions is None:
                raise PackingError(item.id, f"{item.title} ships alone but has no dimensions")
            sides = dimensions_cm(item.dimensions)
            packages += [Package(None, sides, _unit_weight(item), ((item.id, 1),))] * item.quantity
        else:
            loose.append(item)
    if not loose:
        return tuple(packages)
    if not boxes:
        weight = sum((_unit_weight(item) * item.quantity for item in loose), Decimal(0))
        contents = tuple((item.id, item.quantity) for item in loose)
        return (*packages, Package(None, None, weight, contents))
    return (*packages, *_first_fit_decreasing(loose, boxes))


def _first_fit_decreasing(items: list[LineItem], boxes: Sequence[Box]) -> list[Package]:
    units = []
    for item in items:
        if item.dimensions is None:
            raise PackingError(item.id, f"{item.title} has no dimensions to pack it by")
        sides, volume, kg = (
            dimensions_cm(item.dimensions),
            volume_cm3(item.dimensions),
            _unit_weight(item),
        )
        units += [(volume, kg, item.id, sides)] * item.quantity
    units.sort(key=lambda unit: (unit[0], unit[1]), reverse=True)
    by_size = sorted(boxes, key=lambda box: (volume_cm3(box.inner), box.name))
    open_packages: list[_Open] = []
    for volume, kg, line_id, sides in units:
        target = next((p for p in open_packages if p.takes(sides, volume, kg)), None)
        if target is None:
            for box in by_size:
                candidate = _Open(box)
                if candidate.takes(sides, volume, kg):
                    target = candidate
                    open_packages.append(candidate)
                    break
        if target is None:
            raise PackingError(line_id, f"a unit of line {line_id} fits in no box of the catalog")
        target.add(line_id, volume, kg)
    return [p.package() for p in open_packages]
