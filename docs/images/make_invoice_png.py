"""Make ``docs/images/invoice.png``, the picture of the quickstart invoice in docs/invoicing.md.

The invoice is the one ``examples/invoice.py`` sends: the quickstart order for Ada Lovelace
(billing address, PO number, net 30 terms, the ``payment-request`` note and ``net-terms``
terms), emailed as INV-00001 on 2026-01-31 through a service with the in-memory outbox and a
checkout link. Its HTML (``render_html``, en_US) is opened in headless Chromium and
photographed full page, 900 px wide.

The browser is the system's ``/usr/bin/chromium`` (Debian package ``chromium``), driven by
Playwright; no browser is downloaded. Re-run it from the repository root after changing the
invoice template, its labels or the example, then look at the picture before committing it::

    .venv/bin/python docs/images/make_invoice_png.py

``--out PATH`` writes the PNG elsewhere. Importing this module does nothing (pytest imports
every ``.py`` under ``docs/`` to look for code in docstrings).
"""

from __future__ import annotations

import argparse
import datetime as dt
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(ROOT / "tests"))
from chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (shared with the browser tests)

PNG = Path(__file__).resolve().parent / "invoice.png"
WIDTH = 900


def quickstart_invoice_html() -> str:
    """The HTML of the invoice examples/invoice.py sends, as emailed (en_US)."""
    from draftorders import STANDARD_TEMPLATES, DraftOrderService, FixedClock, PaymentTerms

    sys.path.insert(0, str(EXAMPLES))  # examples/invoice.py imports quickstart
    example = runpy.run_path(str(EXAMPLES / "invoice.py"))
    shop = DraftOrderService(
        example["CATALOG"],
        context=example["CONTEXT"],
        seller=example["SELLER"],
        clock=FixedClock(dt.datetime(2026, 1, 31, 9, 30, tzinfo=dt.UTC)),
        attach_pdf=False,
    )
    order = (
        example["build_order"]()
        .set_customer(example["CUSTOMER"])
        .set_billing_address(example["BILLING"])
        .set_po_number("PO-2026-0042")
        .set_payment_terms(PaymentTerms.net(30))
        .set_notes(STANDARD_TEMPLATES.note("payment-request"))
        .set_terms(STANDARD_TEMPLATES.term("net-terms"))
    )
    shop.save(order)
    delivery = shop.send_invoice(order.id, checkout_url=f"https://shop.example/pay/{order.id}")
    return delivery.sent.html


def screenshot(html: str, out: Path) -> tuple[int, int]:
    """Photograph ``html`` full page into ``out``; the page's width and height in px."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.set_content(html, wait_until="load")
            width, client, height = page.evaluate(
                "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth,"
                " document.scrollingElement.scrollHeight]"
            )
            if errors or width > client:
                raise SystemExit(f"the invoice did not render cleanly: {errors}, {width}px wide")
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=out, full_page=True)
        finally:
            browser.close()
    return width, height


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PNG, help=f"where to write (default {PNG})")
    out = parser.parse_args().out
    width, height = screenshot(quickstart_invoice_html(), out)
    print(f"wrote {out} ({width} x {height} px, {out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
