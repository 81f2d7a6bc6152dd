"""Griffe extension for the API reference (mkdocs.yml: mkdocstrings ``extensions``).

The library's docstrings use reST roles (``:class:`Store```, ``:meth:`~x.Cashier.refund```).
Markdown has no roles, so each is rewritten as a code span before the docstring is rendered:
``:class:`Store``` becomes `` `Store` ``, and a ``~`` keeps only the last dotted name, as
Sphinx does. Nothing is linked, so nothing can fail to resolve.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|attr|data|mod|exc|obj|const):`(?P<target>[^`]+)`")


def _code(match: re.Match[str]) -> str:
    target = match.group("target").strip()
    if target.startswith("~"):
        target = target[1:].rsplit(".", 1)[-1]
    return f"``{target}``"


class RstRoles(griffe.Extension):
    """Rewrite reST roles in every docstring as Markdown code spans."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _ROLE.sub(_code, obj.docstring.value)
