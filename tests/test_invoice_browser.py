"""The HTML invoice as a browser shows it: real headless Chromium, driven by Playwright.

The quickstart order, issued as invoice INV-00042 with a customer, a PO number, net-30 terms,
notes with placeholders and a checkout link, is rendered in en_US and de_DE, written to
``build/screenshots/`` and opened over ``file://``. Full-page screenshots are kept there
(``invoice-en_US.png``, ``invoice-de_DE.png``) for a human to look at.

Chromium is the system's (``/usr/bin/chromium``); Playwright never downloads a browser here.
Without it the tests are skipped, except under CI (``CI=true``), where ``.ci/run`` installs it
and its absence is a failure.
"""

from __future__ import annotations

import datetime as dt
import runpy
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page

from draftorders import Address, Customer, Invoice, Party, PaymentTerms, build_invoice, price
from draftorders.invoice import render_html

ROOT = Path(__file__).parent.parent
SCREENSHOTS = ROOT / "build" / "screenshots"
WIDTH = 800
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

quickstart = runpy.run_path(str(ROOT / "examples" / "quickstart.py"))

NUMBER = "INV-00042"
CHECKOUT_URL = "https://pay.example.com/checkout/D1001?token=3f9a1c"
SELLER = Party(
    name="Mugs & Tea Co",
    address=Address(
        country="US", line1="1 Market St", city="San Francisco", region="CA", postal_code="94105"
    ),
    email="billing@mugs.example",
    tax_id="12-3456789",
)
NOTES = "Thank you, {customer_name}! Please pay {amount_due} by {due_date}."
TERMS = "Quote invoice {invoice_number} (order {order_id}) with your payment to {shop_name}."

TOTALS = {"en_US": "$64.13", "de_DE": "64,13\N{NO-BREAK SPACE}$"}
"""The total as each locale writes it (babel keeps amount and symbol together with a NBSP)."""
PAY_LINK = {"en_US": "Pay online", "de_DE": "Online bezahlen"}

# Right edges of each cell's *text* (a Range over its contents), so alignment is measured on
# the amounts themselves: the cells of one column share their box edges whatever text-align is.
TEXT_EDGES = """selector => Array.from(document.querySelectorAll(selector), cell => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    const text = range.getBoundingClientRect();
    return {left: text.left, right: text.right, align: getComputedStyle(cell).textAlign};
})"""


def invoice_for(name: str, notes: str = NOTES, number: str | None = NUMBER) -> Invoice:
    """The quickstart order for customer ``name``, issued on 2026-11-26 as ``number`` (None:
    a preview)."""
    billing = Address(
        country="US",
        name=name,
        line1="12 Analytical Way",
        city="New York",
        region="NY",
        postal_code="10001",
    )
    order = (
        quickstart["build_order"]()
        .set_customer(Customer(id="C7", name=name, email="ada@example.com"))
        .set_billing_address(billing)
        .set_po_number("PO-4471")
        .set_payment_terms(PaymentTerms.net(30))
        .set_notes(notes)
        .set_terms(TERMS)
    )
    return build_invoice(
        order,
        price(order, quickstart["CONTEXT"]),
        seller=SELLER,
        issue_date=dt.date(2026, 11, 26),
        number=number,
        checkout_url=CHECKOUT_URL,
    )


INVOICE = invoice_for("Ada Lovelace")


@dataclass
class Opened:
    """A page showing an invoice, and what the page reported while loading it."""

    page: Page
    locale: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def open_invoice(browser: Browser) -> Iterator[Callable[..., Opened]]:
    """Render an invoice, write it to ``build/screenshots/<name>.html`` and open it in a page
    of its own (pages share one browser context: a new page there is cheap)."""
    context = browser.new_context(viewport={"width": WIDTH, "height": 1000})

    def open_(invoice: Invoice, locale: str, name: str) -> Opened:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.html"
        path.write_text(render_html(invoice, locale), encoding="utf-8")
        opened = Opened(context.new_page(), locale)

        def console(message: ConsoleMessage) -> None:
            if message.type == "error":
                opened.console_errors.append(message.text)

        def page_error(error: Error) -> None:
            opened.page_errors.append(str(error))

        opened.page.on("console", console)
        opened.page.on("pageerror", page_error)
        opened.page.goto(path.as_uri())
        return opened

    yield open_
    context.close()


@pytest.fixture(scope="module", params=["en_US", "de_DE"])
def shown(request: pytest.FixtureRequest, open_invoice: Callable[..., Opened]) -> Opened:
    """The quickstart invoice in a locale, opened once for all the tests that look at it."""
    return open_invoice(INVOICE, request.param, f"invoice-{request.param}")


def test_the_page_renders_cleanly(shown: Opened):
    assert shown.console_errors == []
    assert shown.page_errors == []
    assert NUMBER in shown.page.title()
    assert shown.page.locator("html").get_attribute("lang") == shown.locale.replace("_", "-")


def test_the_total_row_shows_the_total(shown: Opened):
    total = shown.page.locator("table.totals tr.total")
    assert total.is_visible()
    assert total.locator("td.num").inner_text() == TOTALS[shown.locale]
    assert TOTALS[shown.locale] in total.inner_text()
    due = shown.page.locator("table.totals tr.due td.num")
    assert due.inner_text() == TOTALS[shown.locale]


def test_every_line_row_is_visible(shown: Opened):
    rows = shown.page.locator("table.lines tbody tr.line")
    assert rows.count() == len(INVOICE.lines) == 3
    for line, row in zip(INVOICE.lines, rows.all(), strict=True):
        assert row.is_visible()
        assert row.get_attribute("id") == f"line-{line.line_id}"
        assert row.locator("td").first.inner_text().startswith(line.title)


def test_amounts_are_right_aligned_in_their_columns(shown: Opened):
    lines = "table.lines tr:is(.line, :has(th))"
    columns = {
        "quantity": f"{lines} > :nth-child(2)",
        "unit price": f"{lines} > :nth-child(3)",
        # A line's tax sits on its own row when it has no discounts, else on its net row.
        "line tax": "table.lines tr:is(.line, .net, :has(th)) > :nth-last-child(2):not(:empty)",
        # Line amounts share the last column with their discounts and nets.
        "amount": "table.lines tr > .num:last-child",
        "totals": "table.totals td.num",
        "tax rate": "table.taxes tr > :nth-child(2)",
        "taxable": "table.taxes tr > :nth-child(3)",
        "tax": "table.taxes tr > :nth-child(4)",
    }
    for name, selector in columns.items():
        cells = shown.page.evaluate(TEXT_EDGES, selector)
        assert len(cells) >= 2, name
        assert {cell["align"] for cell in cells} == {"right"}, name
        rights = [cell["right"] for cell in cells]
        assert max(rights) - min(rights) <= 1, (name, rights)
        # The texts differ in width ("Qty" and "3", "$38.97" and "-$3.90"...): equal right
        # edges are alignment, not coincidence.
        assert len({round(cell["left"]) for cell in cells}) > 1, name


def test_the_pay_link_goes_to_checkout(shown: Opened):
    link = shown.page.get_by_role("link", name=PAY_LINK[shown.locale])
    assert link.is_visible()
    assert link.get_attribute("href") == CHECKOUT_URL
    assert TOTALS[shown.locale] in link.inner_text()
    assert shown.page.locator(".pay .link").inner_text() == CHECKOUT_URL


def test_nothing_overflows_horizontally(shown: Opened):
    width, client = shown.page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert client == WIDTH
    assert width <= client


def test_the_print_layout_keeps_the_totals(shown: Opened):
    page = shown.page
    page.emulate_media(media="print")
    try:
        assert page.evaluate("matchMedia('print').matches")
        padding = page.locator(".sheet").evaluate("sheet => getComputedStyle(sheet).paddingTop")
        assert padding == "0px"  # the print rules apply
        totals = page.locator("table.totals")
        assert totals.is_visible()
        total = page.locator("table.totals tr.total td.num")
        assert total.inner_text() == TOTALS[shown.locale]
        box = totals.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= WIDTH
    finally:
        page.emulate_media(media="screen")
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 10_000


def test_a_full_page_screenshot_is_kept(shown: Opened):
    path = SCREENSHOTS / f"invoice-{shown.locale}.png"
    path.unlink(missing_ok=True)
    shown.page.screenshot(path=path, full_page=True)
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 10_000
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert width == WIDTH
    assert height >= shown.page.evaluate("document.scrollingElement.scrollHeight")


def test_a_preview_says_so(open_invoice: Callable[..., Opened]):
    shown = open_invoice(invoice_for("Ada Lovelace", number=None), "en_US", "preview-en_US")
    assert shown.page_errors == []
    banner = shown.page.get_by_role("status")
    assert banner.is_visible()
    assert banner.inner_text() == "Preview: draft, not yet sent"


def test_markup_from_the_customer_is_shown_not_run(open_invoice: Callable[..., Opened]):
    name = "<script>window.pwned=1</script>"
    notes = '<img src=x onerror="window.pwned=2"> for {customer_name}'
    shown = open_invoice(invoice_for(name, notes=notes), "en_US", "escaped-en_US")
    page = shown.page
    assert page.evaluate("window.pwned") is None
    assert shown.page_errors == []
    assert shown.console_errors == []  # not even a failed load of the image "x"
    assert page.locator("body script, body img").count() == 0
    bill_to = page.locator("section[aria-label='Bill to'] strong")
    assert bill_to.inner_text() == name
    notes_text = page.locator(".texts section").first.inner_text()
    assert f'<img src=x onerror="window.pwned=2"> for {name}' in notes_text
