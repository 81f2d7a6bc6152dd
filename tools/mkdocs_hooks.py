"""MkDocs hook for the docs site (mkdocs.yml: ``hooks``).

The doc pages mark their code fences for pytest-markdown-docs: ```` ```python continuation ````
shares state with the fences before it, ```` ```python notest ```` is not run. Superfences
does not know those words and would print such a fence as plain text, so they are dropped
from the info string before the page is converted: every fence renders as Python.
"""

from __future__ import annotations

import re
from typing import Any

_FENCE_MODIFIERS = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})python(?:[ \t]+(?:continuation|notest))+[ \t]*$",
    re.MULTILINE,
)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """The page with ``python continuation`` / ``python notest`` fences made ``python``."""
    return _FENCE_MODIFIERS.sub(r"\g<indent>\g<fence>python", markdown)
