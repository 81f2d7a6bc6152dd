"""The checkout web app (the ``web`` extra): ``create_app(checkout)`` is a Flask app where a
customer opens the checkout link of an invoice, enters a billing address, picks a shipping rate
and pays.

    pip install 'draftorders[web]'
    python examples/checkout_app.py --serve    # prints a checkout link to open in a browser

See :mod:`draftorders.web.app` for the pages and how the link, the forms and the payment are
protected.
"""

from __future__ import annotations

from draftorders.errors import MissingExtra

try:
    import flask  # noqa: F401
except ImportError as error:  # pragma: no cover - the extra is installed in tests
    raise MissingExtra("web", "the checkout web app", error) from error

from draftorders.web.app import TEST_CARDS, create_app

__all__ = ["TEST_CARDS", "create_app"]
