"""The command line: ``python -m draftorders demo | price | invoice | compare``.

``price`` and ``invoice`` read an order file (see :mod:`draftorders.documents.files`), ``compare``
prices orders under several pricing contexts. Bad input never shows a traceback: one line
``draftorders: error: ...`` on stderr and exit code 2. See ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from draftorders.analysis import Scenario, compare
from draftorders.cli.demo import run_demo
from draftorders.documents.files import read_order_file, read_orders_file, read_scenario_file
from draftorders.errors import DraftOrdersError
from draftorders.explain import Adjustment
from draftorders.invoice import (
    InvoiceLocale,
    Party,
    build_invoice,
    pdf_available,
    render_html,
    render_pdf,
    render_text,
)
from draftorders.money import Money
from draftorders.pricing import PricedOrder, price

__all__ = ["main"]

USAGE_ERROR = 2
"""The exit code for bad usage or bad input, as argparse uses."""


class UsageError(Exception):
    """A problem with the command as given; the message is printed as one line."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors written as one line instead of usage and message."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"draftorders: error: {message} (see '{self.prog} --help')\n")
        raise SystemExit(USAGE_ERROR)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named in ``argv``; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            run_demo()
        elif args.command == "price":
            _price(args)
        elif args.command == "invoice":
            _invoice(args)
        elif args.command == "compare":
            _compare(args)
    except (DraftOrdersError, UsageError) as error:
        sys.stderr.write(f"draftorders: error: {_one_line(str(error))}\n")
        return USAGE_ERROR
    return 0


def _parser() -> _Parser:
    parser = _Parser(prog="draftorders", description="Draft orders: price, invoice, compare.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "demo",
        help="build, price, explain and complete an example order",
        description="Build, price, explain and complete an example order.",
    )
    file_help = "an order file, .json or .toml (see docs/cli.md)"

    priced = commands.add_parser(
        "price",
        help="price an order file and print its breakdown",
        description="Price the order in FILE and print the breakdown table, or JSON.",
    )
    priced.add_argument("file", metavar="FILE", type=Path, help=file_help)
    priced.add_argument("--json", action="store_true", help="print the breakdown as JSON")

    invoice = commands.add_parser(
        "invoice",
        help="render a preview invoice for an order file",
        description="Render a preview invoice for the order in FILE as HTML, text or PDF.",
    )
    invoice.add_argument("file", metavar="FILE", type=Path, help=file_help)
    invoice.add_argument("--format", choices=("html", "text", "pdf"), default="html")
    invoice.add_argument("--locale", default="en_US", help="a CLDR locale (default en_US)")
    invoice.add_argument(
        "--output", type=Path, metavar="PATH", help="write here, not to stdout (needed for pdf)"
    )
    invoice.add_argument(
        "--seller-name",
        metavar="NAME",
        help="the seller, when the file has no 'seller' entry (default 'Shop')",
    )

    compared = commands.add_parser(
        "compare",
        help="price orders under their context and under each scenario's",
        description=(
            "Price the orders in FILE under its context (the scenario 'base') and under the "
            "context of each SCENARIO_FILE, and compare revenue, discounts, tax and margin."
        ),
    )
    compared.add_argument(
        "file", metavar="FILE", type=Path, help="an orders file: 'orders' (a list), 'context'"
    )
    compared.add_argument(
        "--scenario",
        metavar="SCENARIO_FILE",
        type=Path,
        action="append",
        required=True,
        help="a scenario file: 'name', 'context' (repeat for more scenarios)",
    )
    compared.add_argument("--json", action="store_true", help="print the comparison as JSON")
    return parser


def _price(args: argparse.Namespace) -> None:
    file = read_order_file(args.file)
    priced = price(file.order, file.context)
    if args.json:
        _write(json.dumps(priced_json(priced), indent=2) + "\n")
    else:
        _write(priced.table() + "\n")


def _invoice(args: argparse.Namespace) -> None:
    if args.format == "pdf" and args.output is None:
        raise UsageError("--output PATH is needed for --format pdf: PDF is not written to stdout")
    if args.format == "pdf" and not pdf_available():
        raise UsageError("--format pdf needs the 'pdf' extra: pip install 'draftorders[pdf]'")
    locale = InvoiceLocale(args.locale)
    file = read_order_file(args.file)
    seller = file.seller or Party(name=args.seller_name or "Shop")
    issue_date = file.issue_date or file.order.order_date
    invoice = build_invoice(
        file.order, price(file.order, file.context), seller=seller, issue_date=issue_date
    )
    if args.format == "pdf":
        _save(args.output, render_pdf(invoice, locale))
        return
    text = render_html(invoice, locale) if args.format == "html" else render_text(invoice, locale)
    if args.output is None:
        _write(text if text.endswith("\n") else text + "\n")
    else:
        _save(args.output, text.encode("utf-8"))


def _compare(args: argparse.Namespace) -> None:
    file = read_orders_file(args.file)
    scenarios = [read_scenario_file(path) for path in args.scenario]
    comparison = compare(
        file.orders,
        Scenario("base", file.context),
        *(Scenario(scenario.name, scenario.context) for scenario in scenarios),
    )
    if args.json:
        _write(json.dumps(comparison.to_dict(), indent=2) + "\n")
    else:
        _write(comparison.table() + "\n")


def priced_json(priced: PricedOrder) -> dict[str, Any]:
    """A priced order as JSON data: amounts as strings in ``currency``, with every adjustment,
    the tax summary, the promotions applied and those rejected."""
    shipping = priced.shipping
    return {
        "order_id": priced.order_id,
        "version": priced.version,
        "currency": priced.currency,
        "prices_include_tax": priced.prices_include_tax,
        "totals": {
            "subtotal": _amount(priced.subtotal),
            "discount": _amount(priced.discount_total),
            "net_subtotal": _amount(priced.net_subtotal),
            "shipping": _amount(priced.shipping_total),
            "debit": _amount(priced.debit_total),
            "credit": _amount(priced.credit_total),
            "tax": _amount(priced.tax_total),
            "total": _amount(priced.total),
        },
        "lines": [
            {
                "id": line.line_id,
                "title": line.title,
                "quantity": line.quantity,
                "unit_price": _amount(line.unit_price),
                "base": _amount(line.base),
                "discount": _amount(line.discount),
                "net": _amount(line.net),
                "tax": _amount(line.tax),
                "total": _amount(line.total),
            }
            for line in priced.lines
        ],
        "shipping": None
        if shipping is None
        else {
            "title": shipping.title,
            "price": _amount(shipping.price),
            "discount": _amount(shipping.discount),
            "amount": _amount(shipping.amount),
            "tax": _amount(shipping.tax),
        },
        "entries": [
            {
                "id": entry.id,
                "kind": entry.kind.value,
                "title": entry.title,
                "amount": _amount(entry.amount),
                "tax": _amount(entry.tax),
                "reason": entry.reason,
            }
            for entry in priced.entries
        ],
        "adjustments": [
            _adjustment(adjustment)
            for adjustment in (
                *priced.adjustments,
                *(shipping.adjustments if shipping is not None else ()),
            )
        ],
        "tax_summary": [
            {
                "name": summary.rate.name,
                "rate": str(summary.rate.fraction),
                "compound": summary.rate.compound,
                "taxable": _amount(summary.taxable),
                "tax": _amount(summary.tax),
            }
            for summary in priced.tax_summary
        ],
        "applied_promotions": list(priced.applied_promotions),
        "rejections": [
            {
                "source": rejection.source,
                "title": rejection.title,
                "reason": rejection.reason,
                "shortfall": None if rejection.shortfall is None else _amount(rejection.shortfall),
            }
            for rejection in priced.rejections
        ],
        "notes": list(priced.notes),
    }


def _adjustment(adjustment: Adjustment) -> dict[str, str]:
    return {
        "kind": adjustment.kind.value,
        "source": adjustment.source,
        "target": adjustment.target,
        "amount": _amount(adjustment.amount),
        "reason": adjustment.reason,
    }


def _amount(money: Money) -> str:
    return str(money.amount)


def _write(text: str) -> None:
    sys.stdout.write(text)


def _save(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as error:
        raise UsageError(f"{path}: cannot write the file: {error.strerror}") from error


def _one_line(message: str) -> str:
    return " ".join(message.split())
