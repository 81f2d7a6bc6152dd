"""Old import paths of modules that moved in 0.2: importing one still works for this release,
with a :class:`DeprecationWarning` naming the new path. The old name is a thin module that
reads from the new one, so classes and functions are the very same objects."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from collections.abc import Sequence
from typing import Any

__all__ = ["MOVED", "RENAMED", "deprecated", "install", "renamed"]

MOVED: dict[str, str] = {
    "draftorders.charges": "draftorders.order.entries",
    "draftorders.checkout_links": "draftorders.shop.links",
    "draftorders.conventions": "draftorders.rounding",
    "draftorders.demo": "draftorders.cli.demo",
    "draftorders.discounts": "draftorders.order.discounts",
    "draftorders.frozen": "draftorders._frozendict",
    "draftorders.line_item": "draftorders.order.lines",
    "draftorders.measures": "draftorders.catalog",
    "draftorders.note_templates": "draftorders.order.notes",
    "draftorders.order_details": "draftorders.order.details",
    "draftorders.order_file": "draftorders.documents.files",
    "draftorders.payment_terms": "draftorders.order.terms",
    "draftorders.validate": "draftorders._validate",
}
"""Each old module path and where its contents live now."""


RENAMED: dict[str, str] = {
    "ChargeKind": "EntryKind",
    "OrderCharge": "OrderEntry",
    "PricedCharge": "PricedEntry",
    "InvoiceCharge": "InvoiceEntry",
    "TaxCharge": "TaxLine",
    "Scale": "MinorUnits",
    "Situation": "PromotionContext",
    "Facts": "OrderFacts",
}
"""Names that changed in 0.2, and the name each goes by now (in the same module)."""


def deprecated(old: str, new: str) -> None:
    """Warn that ``old`` is the deprecated name of ``new`` (it goes in 0.3)."""
    warnings.warn(f"{old} is now {new}; {old} goes in 0.3", DeprecationWarning, stacklevel=3)


def renamed(module: str, namespace: dict[str, Any]) -> Any:
    """A module ``__getattr__`` that finds the old names of :data:`RENAMED` in ``namespace``
    (a module's globals), with a :class:`DeprecationWarning`."""

    def lookup(name: str) -> Any:
        new = RENAMED.get(name)
        if new is None or new not in namespace:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        deprecated(f"{module}.{name}", f"{module}.{new}")
        return namespace[new]

    return lookup


class _Moved(types.ModuleType):
    """An old module path: every attribute is read from the module that replaced it."""

    def __init__(self, name: str, target: types.ModuleType) -> None:
        super().__init__(name, f"Moved to {target.__name__}.")
        self._target = target

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._target, attribute)

    def __dir__(self) -> list[str]:
        return dir(self._target)


class _MovedFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the old paths in :data:`MOVED` before the file system is searched."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        new = MOVED[spec.name]
        warnings.warn(
            f"{spec.name} moved to {new}; import it from there (the old path goes in 0.3)",
            DeprecationWarning,
            stacklevel=2,
        )
        return _Moved(spec.name, importlib.import_module(new))

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the module reads from its new home."""


def install() -> None:
    """Put the finder first on :data:`sys.meta_path` (once)."""
    if not any(isinstance(finder, _MovedFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _MovedFinder())
