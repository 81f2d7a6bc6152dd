"""Rendering invoices: babel (CLDR) formats through InvoiceLocale, the words per language, and the
HTML, plain-text and PDF renderings of an invoice.

Expected money strings are written out, or built by the small formatters below (which know
nothing of babel), never taken from the code under test.
"""

from __future__ import annotations

import datetime as dt
import re
import runpy
import string
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from xml.etree.ElementTree import Element

import attrs
import pytest
from defusedxml.ElementTree import fromstring

from builders import catalog, empty_order, flat_tax, money
from draftorders import Address, Customer, DraftOrder, Money, PricedOrder, price
from draftorders.errors import MissingExtra, ValidationError
from draftorders.invoice import (
    LABELS,
    DiscountKind,
    Invoice,
    InvoiceDiscount,
    InvoiceEntry,
    InvoiceLocale,
    Party,
    build_invoice,
    labels_for,
    pdf_available,
    render_html,
    render_pdf,
    render_text,
)
from draftorders.invoice.render import TEXT_WIDTH
from draftorders.order.terms import PaymentTerms
from draftorders.pricing.points import PointsProgram
from draftorders.promotions import FreeShipping, PercentOff, Promotion, PromotionBook, Target

EXAMPLES = Path(__file__).parent.parent / "examples"
quickstart = runpy.run_path(str(EXAMPLES / "quickstart.py"))

SELLER = Party(name="Teashop", address=Address(country="US", city="Albany", region="NY"))
ISSUED = dt.date(2026, 1, 31)
NBSP = "\u00a0"
NNBSP = "\u202f"


# -- independent formatters ----------------------------------------------------------------------


def en_us(amount: Money) -> str:
    """USD as en_US writes it: -$1,099.98."""
    value = amount.amount
    return f"{'-' if value < 0 else ''}${abs(value):,.2f}"


def de_de(amount: Money) -> str:
    """USD as de_DE writes it: -1.099,98 $ (with a no-break space)."""
    value = amount.amount
    digits = f"{abs(value):,.2f}".translate(str.maketrans({",": ".", ".": ","}))
    return f"{'-' if value < 0 else ''}{digits}{NBSP}$"


def columns(text: str) -> int:
    """Display columns: East Asian wide and fullwidth characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def priced_amounts(priced: PricedOrder) -> Iterator[Money]:
    """Every amount of the priced order an invoice prints, once per place it is printed in the
    HTML: each line's unit price, tax, base, discounts and net (net only under discounts), the
    tax summary's bases and taxes, and the totals."""
    for line in priced.lines:
        yield line.unit_price
        yield line.tax
        yield line.base
        yield from (adjustment.amount for adjustment in line.adjustments)
        if line.adjustments:
            yield line.net
    for summary in priced.tax_summary:
        yield summary.taxable
        yield summary.tax
    yield priced.subtotal
    if priced.discount_total.amount:
        yield -priced.discount_total
    if priced.shipping is not None:
        yield priced.shipping.price
    yield priced.tax_total
    yield priced.total
    yield priced.total  # amount due: nothing paid


# -- the quickstart invoice ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def order() -> DraftOrder:
    built: DraftOrder = quickstart["build_order"]()
    return built


@pytest.fixture(scope="module")
def priced(order: DraftOrder) -> PricedOrder:
    return price(order, quickstart["CONTEXT"])


@pytest.fixture(scope="module")
def invoice(order: DraftOrder, priced: PricedOrder) -> Invoice:
    return build_invoice(order, priced, seller=SELLER, issue_date=ISSUED, number="INV-00042")


@pytest.fixture(scope="module")
def preview(order: DraftOrder, priced: PricedOrder) -> Invoice:
    return build_invoice(order, priced, seller=SELLER, issue_date=ISSUED)


def parse(html: str) -> Element:
    """The HTML page as an XML tree (it is written to be well-formed XML after the doctype)."""
    doctype, _, rest = html.partition("\n")
    assert doctype == "<!DOCTYPE html>"
    root: Element = fromstring(rest)
    return root


def text_of(element: Element) -> str:
    return "".join(element.itertext()).strip()


def number_cells(root: Element) -> Counter[str]:
    """The text of every right-aligned number cell, counted."""
    return Counter(
        text_of(cell) for cell in root.iter("td") if "num" in cell.get("class", "").split()
    )


# -- InvoiceLocale: money ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "amount", "code", "expected"),
    [
        ("en_US", "1099.98", "USD", "$1,099.98"),
        ("de_DE", "1099.98", "EUR", f"1.099,98{NBSP}€"),
        ("ja_JP", "1100", "JPY", "￥1,100"),
        ("fr_FR", "1099.98", "EUR", f"1{NNBSP}099,98{NBSP}€"),
        ("en_US", "0", "USD", "$0.00"),
        ("en_US", "-3.90", "USD", "-$3.90"),
        ("de_DE", "-3.90", "USD", f"-3,90{NBSP}$"),
        ("en_US", "1234567.5", "USD", "$1,234,567.50"),
    ],
)
def test_money_is_written_as_the_locale_writes_it(
    locale: str, amount: str, code: str, expected: str
) -> None:
    assert InvoiceLocale(locale).money(Money(Decimal(amount), code)) == expected


def test_french_groups_thousands_with_a_narrow_no_break_space() -> None:
    written = InvoiceLocale("fr_FR").money(money("1099.98", "EUR"))
    assert f"1{NNBSP}099,98" in written
    assert written.endswith("€")


@pytest.mark.parametrize(("amount", "digits"), [("1.234", "1.234"), ("5", "5.000")])
def test_kuwaiti_dinars_have_three_decimals(amount: str, digits: str) -> None:
    written = InvoiceLocale("en_US").money(Money(Decimal(amount), "KWD"))
    assert written.endswith(digits)
    assert "KWD" in written


def test_yen_have_no_decimals_in_any_locale() -> None:
    assert InvoiceLocale("en_US").money(money("1100", "JPY")) == "¥1,100"
    assert InvoiceLocale("de_DE").money(money("1100", "JPY")) == f"1.100{NBSP}¥"


# -- InvoiceLocale: rates, dates, words ----------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "fraction", "expected"),
    [
        ("en_US", "0.0825", "8.25%"),
        ("de_DE", "0.0825", f"8,25{NBSP}%"),
        ("fr_FR", "0.0825", f"8,25{NBSP}%"),
        ("ja_JP", "0.0825", "8.25%"),
        ("en_US", "0.19", "19%"),
        ("en_US", "0.08875", "8.875%"),
        ("en_US", "0", "0%"),
    ],
)
def test_rates_keep_every_decimal(locale: str, fraction: str, expected: str) -> None:
    assert InvoiceLocale(locale).rate(Decimal(fraction)) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en_US", "March 2, 2026"),
        ("de_DE", "2. März 2026"),
        ("fr_FR", "2 mars 2026"),
        ("ja_JP", "2026年3月2日"),
    ],
)
def test_dates_are_written_in_the_long_form(locale: str, expected: str) -> None:
    assert InvoiceLocale(locale).date(dt.date(2026, 3, 2)) == expected


@pytest.mark.parametrize(
    ("locale", "net_30", "receipt", "month_end", "fixed"),
    [
        ("en_US", "Net 30 days", "Due on receipt", "End of next month", "Due on March 2, 2026"),
        (
            "de_DE",
            "Zahlbar innerhalb von 30 Tagen",
            "Zahlbar sofort nach Erhalt",
            "Zahlbar bis Ende des Folgemonats",
            "Zahlbar bis 2. März 2026",
        ),
        (
            "fr_FR",
            "Payable à 30 jours",
            "Payable à réception",
            "Payable fin du mois suivant",
            "Payable le 2 mars 2026",
        ),
        ("ja_JP", "30日以内払い", "受領時払い", "翌月末払い", "2026年3月2日までにお支払い"),
    ],
)
def test_payment_terms_are_put_in_words(
    locale: str, net_30: str, receipt: str, month_end: str, fixed: str
) -> None:
    fmt = InvoiceLocale(locale)
    assert fmt.terms(PaymentTerms.net(30)) == net_30
    assert fmt.terms(PaymentTerms.due_on_receipt()) == receipt
    assert fmt.terms(PaymentTerms.end_of_next_month()) == month_end
    assert fmt.terms(PaymentTerms.fixed(dt.date(2026, 3, 2))) == fixed


@pytest.mark.parametrize("locale", ["xx_XX", "", "en US", "de_DE_x", 42, None])
def test_an_unknown_locale_is_refused(locale: object) -> None:
    with pytest.raises(ValidationError) as caught:
        InvoiceLocale(locale)  # type: ignore[arg-type]
    assert caught.value.field == "locale"


def test_a_locale_without_words_falls_back_to_english_with_its_own_formats() -> None:
    fmt = InvoiceLocale("es_ES")
    # then the words are English
    assert dict(fmt.words) == dict(LABELS["en"])
    assert fmt.terms(PaymentTerms.net(30)) == "Net 30 days"
    # and numbers, money and dates are Spanish
    assert fmt.money(money("1099.98", "EUR")) == f"1.099,98{NBSP}€"
    assert fmt.rate(Decimal("0.21")) == f"21{NBSP}%"
    assert fmt.date(dt.date(2026, 3, 2)) == "2 de marzo de 2026"
    assert fmt.terms(PaymentTerms.fixed(dt.date(2026, 3, 2))) == "Due on 2 de marzo de 2026"
    assert fmt.tag == "es-ES"


@pytest.mark.parametrize(
    ("locale", "tag"), [("de_DE", "de-DE"), ("de-DE", "de-DE"), ("en_US", "en-US"), ("fr", "fr")]
)
def test_the_tag_is_a_bcp47_language_tag(locale: str, tag: str) -> None:
    assert InvoiceLocale(locale).tag == tag


def test_the_tag_keeps_the_script() -> None:
    assert InvoiceLocale("sr_Latn_RS").tag == "sr-Latn-RS"


def test_an_invoice_locale_can_be_made_from_a_babel_locale() -> None:
    fmt = InvoiceLocale("de_DE")
    assert InvoiceLocale(fmt.locale) == fmt


def test_discount_labels_name_the_kind_and_the_title() -> None:
    en, de = InvoiceLocale("en_US"), InvoiceLocale("de_DE")
    promotion = InvoiceDiscount(DiscountKind.PROMOTION, "Tea week", money("-1.00"))
    assert en.discount(promotion) == "Promotion: Tea week"
    assert de.discount(promotion) == "Aktion: Tea week"
    assert en.discount(InvoiceDiscount(DiscountKind.LINE, None, money("-1.00"))) == "Discount"
    assert de.discount(InvoiceDiscount(DiscountKind.ORDER, None, money("-1"))) == "Bestellrabatt"
    credit = InvoiceDiscount(DiscountKind.CREDIT, "Store credit", money("-1.00"))
    assert en.discount(credit) == "Credit: Store credit"


def test_charge_labels_use_the_title_and_count_redeemed_points() -> None:
    en, ja = InvoiceLocale("en_US"), InvoiceLocale("ja_JP")
    points = InvoiceEntry(None, money("-5.00"), money("0.00"), points=500)
    assert en.entry(points) == "Loyalty points (500)"
    assert ja.entry(points) == "ポイント利用\uff08500\uff09"  # fullwidth brackets
    assert en.entry(InvoiceEntry("Handling", money("2.50"), money("0.00"))) == "Handling"
    assert en.entry(InvoiceEntry(None, money("-2.50"), money("0.00"))) == "Credit"


def test_addresses_are_written_the_way_their_country_writes_them() -> None:
    us = Address(
        country="US", name="Ada", line1="1 Main St", city="Albany", region="NY", postal_code="12207"
    )
    de = Address(
        country="DE",
        company="Analytical GmbH",
        line1="Hauptstr. 1",
        city="Berlin",
        postal_code="10115",
    )
    assert InvoiceLocale("en_US").address(us) == [
        "Ada",
        "1 Main St",
        "Albany, NY 12207",
        "United States",
    ]
    assert InvoiceLocale("de_DE").address(de) == [
        "Analytical GmbH",
        "Hauptstr. 1",
        "10115 Berlin",
        "Deutschland",
    ]
    assert InvoiceLocale("fr_FR").address(us)[-1] == "États-Unis"
    assert InvoiceLocale("en_US").address(Address(country="JP")) == ["Japan"]


# -- the words -----------------------------------------------------------------------------------


def fields(label: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(label) if name is not None}


@pytest.mark.parametrize("language", sorted(LABELS))
def test_every_language_has_exactly_the_english_keys(language: str) -> None:
    assert set(LABELS[language]) == set(LABELS["en"])
    assert all(isinstance(v, str) and v.strip() for v in LABELS[language].values())


@pytest.mark.parametrize("language", sorted(LABELS))
def test_every_label_uses_the_same_fields_as_english(language: str) -> None:
    for key, label in LABELS[language].items():
        assert fields(label) == fields(LABELS["en"][key]), key


def test_labels_are_looked_up_by_language_with_english_as_fallback() -> None:
    assert labels_for("de")["invoice"] == "Rechnung"
    assert labels_for("ja")["invoice"] == "請求書"
    assert labels_for("es") is LABELS["en"]
    assert set(LABELS) >= {"en", "de", "fr", "ja"}


# -- HTML ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("locale", "fmt"), [("en_US", en_us), ("de_DE", de_de)])
def test_the_html_shows_every_amount_of_the_priced_order(
    invoice: Invoice, priced: PricedOrder, locale: str, fmt: object
) -> None:
    root = parse(render_html(invoice, locale))
    expected = Counter(fmt(amount) for amount in priced_amounts(priced))  # type: ignore[operator]
    # then every amount is in a number cell, as often as it is printed
    assert expected - number_cells(root) == Counter()
    assert len(expected) >= 15


def test_the_quickstart_html_has_the_published_figures_in_german(invoice: Invoice) -> None:
    cells = number_cells(parse(render_html(invoice, "de_DE")))
    for figure in ["38,97", "-3,90", "-3,19", "-0,45", "-1,36", "50,05", "4,13", "9,95"]:
        assert cells[f"{figure}{NBSP}$"] >= 1, figure
    assert cells[f"64,13{NBSP}$"] == 2  # total and amount due
    assert cells[f"8,25{NBSP}%"] == 1


@pytest.mark.parametrize(("locale", "tag"), [("en_US", "en-US"), ("de_DE", "de-DE")])
def test_the_html_says_its_language(invoice: Invoice, locale: str, tag: str) -> None:
    html = render_html(invoice, locale)
    assert f'<html lang="{tag}">' in html
    assert parse(html).get("lang") == tag


def test_the_html_is_in_the_locales_words(invoice: Invoice) -> None:
    root = parse(render_html(invoice, InvoiceLocale("de_DE")))
    assert root.find("./body/main/header/div/h1") is not None
    assert text_of(root.find("./body/main/header/div/h1")) == "Rechnung"  # type: ignore[arg-type]
    headings = [text_of(th) for th in root.iter("th")]
    assert headings[:5] == ["Beschreibung", "Menge", "Einzelpreis", "Steuer", "Betrag"]


def banners(root: Element) -> list[str]:
    return [text_of(div) for div in root.iter("div") if div.get("class") == "banner"]


def test_a_preview_has_the_preview_banner(preview: Invoice) -> None:
    assert banners(parse(render_html(preview))) == ["Preview: draft, not yet sent"]
    assert banners(parse(render_html(preview, "de_DE"))) == [
        "Vorschau: Entwurf, noch nicht versendet"
    ]


def test_an_issued_invoice_has_no_banner_and_shows_its_number(invoice: Invoice) -> None:
    root = parse(render_html(invoice))
    assert banners(root) == []
    facts = [text_of(dd) for dd in root.iter("dd")]
    assert "INV-00042" in facts


def test_the_checkout_link_is_a_link_when_set(invoice: Invoice) -> None:
    url = "https://pay.example.com/checkout?order=D1001&v=8"
    root = parse(render_html(attrs.evolve(invoice, checkout_url=url)))
    (link,) = root.iter("a")
    assert link.get("href") == url
    assert text_of(link) == "Pay online: $64.13"


def test_without_a_checkout_link_there_is_no_link(invoice: Invoice) -> None:
    assert list(parse(render_html(invoice)).iter("a")) == []


NOTES = "Dear {customer_name}, please pay {amount_due} for {order_id} by {due_date}. { kept }"
TERMS = "Invoice {invoice_number} from {shop_name}."


def texts_by_heading(root: Element) -> dict[str, str]:
    """The notes and terms sections: heading -> the text after it."""
    return {
        text_of(h2): (h2.tail or "").strip()
        for section in root.iter("section")
        for h2 in section.findall("h2")
        if h2.tail and h2.tail.strip()
    }


@pytest.fixture(scope="module")
def noted(order: DraftOrder) -> Invoice:
    """The quickstart order for Ada, net 30, with a PO number, notes and terms."""
    edited = (
        order.set_customer(Customer(id="C1", name="Ada"))
        .set_payment_terms(PaymentTerms.net(30))
        .set_po_number("PO-2026-77")
        .set_notes(NOTES)
        .set_terms(TERMS)
    )
    return build_invoice(
        edited,
        price(edited, quickstart["CONTEXT"]),
        seller=SELLER,
        issue_date=ISSUED,
        number="INV-00042",
    )


@pytest.mark.parametrize(
    ("locale", "due", "amount", "po_label", "notes_label", "terms_label"),
    [
        ("en_US", "March 2, 2026", "$64.13", "PO number", "Notes", "Terms"),
        (
            "de_DE",
            "2. März 2026",
            f"64,13{NBSP}$",
            "Bestellnummer des Kunden",
            "Hinweise",
            "Bedingungen",
        ),
    ],
)
def test_po_number_notes_and_terms_are_shown_with_placeholders_filled_in_the_locale(
    noted: Invoice,
    locale: str,
    due: str,
    amount: str,
    po_label: str,
    notes_label: str,
    terms_label: str,
) -> None:
    root = parse(render_html(noted, locale))
    # then the facts show the PO number and the due date (net 30 from January 31)
    facts = dict(
        zip(
            [text_of(dt_) for dt_ in root.iter("dt")],
            [text_of(dd) for dd in root.iter("dd")],
            strict=True,
        )
    )
    assert facts[po_label] == "PO-2026-77"
    assert due in facts.values()
    # and the notes and terms are filled in the locale
    assert texts_by_heading(root) == {
        notes_label: f"Dear Ada, please pay {amount} for D1001 by {due}. {{ kept }}",
        terms_label: "Invoice INV-00042 from Teashop.",
    }


def test_without_notes_or_terms_there_are_no_sections_for_them(invoice: Invoice) -> None:
    assert texts_by_heading(parse(render_html(invoice))) == {}


def test_a_tax_exempt_buyer_shows_the_certificate_and_no_tax_summary() -> None:
    school = Customer(id="C2", name="School", tax_exempt=True, tax_exemption_id="EX-77")
    order = empty_order().add_product(catalog(), "MUG", 1).set_customer(school)
    invoice = build_invoice(order, price(order, flat_tax()), seller=SELLER, issue_date=ISSUED)
    # when
    root = parse(render_html(invoice))
    # then
    paragraphs = [text_of(p) for p in root.iter("p")]
    assert "Tax exempt: EX-77" in paragraphs
    assert [t for t in root.iter("table") if t.get("class") == "taxes"] == []


def test_tax_inclusive_prices_are_said_to_include_tax() -> None:
    order = empty_order().add_product(catalog(), "MUG", 1)
    invoice = build_invoice(
        order, price(order, flat_tax("20", inclusive=True)), seller=SELLER, issue_date=ISSUED
    )
    html = render_html(invoice)
    assert "Prices include tax" in text_of(parse(html))
    assert "(Prices include tax)" in render_text(invoice)


@pytest.fixture(scope="module")
def busy() -> Invoice:
    """Promotions, free shipping, a debit, a non-taxable and a taxable credit, points and a
    payment, in USD with 10% tax."""
    order = (
        empty_order()
        .add_product(catalog(), "MUG", 2)
        .add_product(catalog(), "TEA", 1)
        .set_shipping_address(Address(country="US"))
        .set_shipping("Ground", "9.95")
        .add_debit("Handling", "1.50")
        .add_credit("Goodwill", "2.00")
        .add_credit("Store credit", "3.00", taxable=True)
        .redeem_points(100)
    )
    context = attrs.evolve(
        flat_tax("10"),
        points=PointsProgram("1", money("0.01")),
        promotions=PromotionBook(
            [
                Promotion("SHIP", "Free shipping", FreeShipping()),
                Promotion("TEA10", "Tea", PercentOff("10"), target=Target(skus={"TEA"})),
            ]
        ),
    )
    return build_invoice(
        order,
        price(order, context),
        seller=SELLER,
        issue_date=ISSUED,
        number="INV-00043",
        amount_paid=money("10.00"),
        promotion_titles={"TEA10": "Tea week"},
    )


def test_every_row_of_a_busy_invoice_is_labelled_and_shown(busy: Invoice) -> None:
    root = parse(render_html(busy))
    rows = {
        text_of(row[0]): text_of(row[-1])
        for row in root.iter("tr")
        if len(row) >= 2 and row[-1].get("class") == "num"
    }
    assert busy.shipping is not None
    assert rows["Shipping (Ground)"] == en_us(busy.shipping.price) == "$9.95"
    assert rows["Shipping discount"] == "-$9.95"
    assert rows["Handling"] == "$1.50"
    assert rows["Goodwill"] == "-$2.00"
    assert rows["Loyalty points (100)"] == "-$1.00"
    assert rows["Paid"] == "-$10.00"
    assert rows["Total"] == en_us(busy.total)
    assert rows["Amount due"] == en_us(busy.total - money("10.00"))
    assert rows["Discounts"] == en_us(-busy.discount_total)
    labels = [text_of(td) for td in root.iter("td") if td.get("colspan") == "4"]
    assert "Promotion: Tea week" in labels
    assert labels.count("Credit: Store credit") == 2  # one share on each line


# -- escaping ------------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
LINE1 = "<b>1 Main St</b> & Sons"
TITLE = '"><b>x</b>'
PO = "PO-1 & 2 <3>"


@pytest.fixture(scope="module")
def hostile() -> Invoice:
    order = (
        empty_order()
        .set_customer(Customer(id="C1", name=SCRIPT))
        .set_billing_address(Address(country="US", line1=LINE1, city="Albany"))
        .add_custom_item(TITLE, "1.00")
        .set_po_number(PO)
        .set_notes(f"{IMG} for {{customer_name}}")
    )
    return build_invoice(order, price(order), seller=SELLER, issue_date=ISSUED, number="INV-1")


def test_hostile_text_is_escaped_in_the_html(hostile: Invoice) -> None:
    html = render_html(hostile)
    root = parse(html)
    # then no element came from the input
    tags = {element.tag for element in root.iter()}
    assert not tags & {"script", "img", "b"}
    assert SCRIPT not in html
    assert "<img" not in html
    # and each input is shown as it was typed
    texts = [text_of(element) for element in root.iter()]
    assert SCRIPT in texts  # <strong> in the buyer block
    assert LINE1 in texts  # an address line
    assert TITLE in texts  # the line's description cell
    assert PO in texts  # the PO number fact
    assert texts_by_heading(root)["Notes"] == f"{IMG} for {SCRIPT}"


def test_hostile_text_is_plain_in_the_text_rendering(hostile: Invoice) -> None:
    text = render_text(hostile)
    for raw in (SCRIPT, LINE1, TITLE, f"PO number: {PO}", f"{IMG} for {SCRIPT}"):
        assert raw in text
    assert "&lt;" not in text
    assert "&amp;" not in text


def test_control_characters_in_notes_are_refused_or_kept_out_of_the_html() -> None:
    order = empty_order().add_product(catalog(), "MUG", 1)
    try:
        order = order.set_notes("beep\x07, escape \x1b[0m")
    except ValidationError:
        return  # refused when typed: fine too
    invoice = build_invoice(order, price(order), seller=SELLER, issue_date=ISSUED)
    parse(render_html(invoice))


# -- plain text ----------------------------------------------------------------------------------

MONEY_AT_END = re.compile(r"-?\$[\d,]+\.\d\d$")


def test_the_text_shows_every_amount_right_aligned(invoice: Invoice, priced: PricedOrder) -> None:
    text = render_text(invoice)
    lines = text.splitlines()
    # then every line that ends with an amount ends at the last column
    rows = [line for line in lines if MONEY_AT_END.search(line)]
    # base, discounts, net and tax of each line (5 + 4 + 4), then subtotal, discounts,
    # shipping, the sales tax, total and amount due
    assert len(rows) == 13 + 6
    assert {len(row) for row in rows} == {TEXT_WIDTH}
    # and every amount is at the end of a row (a leading blank keeps 4.13 from matching 64.13)
    for line in priced.lines:
        assert f"{line.quantity} x {en_us(line.unit_price)}" in text
        for amount in (line.base, line.tax, line.net, *(a.amount for a in line.adjustments)):
            assert any(row.endswith(f" {en_us(amount)}") for row in rows), amount
    totals = [
        priced.subtotal,
        -priced.discount_total,
        priced.shipping_total,
        priced.tax_total,
        priced.total,
        *(summary.tax for summary in priced.tax_summary),
    ]
    for amount in totals:
        assert any(row.endswith(f" {en_us(amount)}") for row in rows), amount
    for summary in priced.tax_summary:
        assert f"/ {en_us(summary.taxable)}" in text
    assert [row for row in rows if row.startswith("Total")] == [
        "Total" + " " * (TEXT_WIDTH - len("Total") - len("$64.13")) + "$64.13"
    ]


def test_a_text_preview_is_marked_and_an_issued_invoice_is_not(
    preview: Invoice, invoice: Invoice
) -> None:
    assert render_text(preview).splitlines()[0] == "*** Preview: draft, not yet sent ***"
    issued = render_text(invoice)
    assert "***" not in issued
    assert issued.splitlines()[0] == "INVOICE INV-00042"


def test_japanese_text_is_aligned_by_display_columns(invoice: Invoice) -> None:
    text = render_text(invoice, "ja_JP")
    rows = [line for line in text.splitlines() if MONEY_AT_END.search(line)]
    assert any(columns(row) != len(row) for row in rows)  # some labels are wide
    assert {columns(row) for row in rows} == {TEXT_WIDTH}
    assert text.splitlines()[0] == "請求書 INV-00042"


def test_german_text_rows_are_aligned_too(invoice: Invoice) -> None:
    text = render_text(invoice, "de_DE")
    rows = [line for line in text.splitlines() if line.endswith(f"{NBSP}$")]
    assert len(rows) == 13 + 6
    assert {columns(row) for row in rows} == {TEXT_WIDTH}
    assert any(row.startswith("Gesamtbetrag") and row.endswith(f" 64,13{NBSP}$") for row in rows)


def test_the_text_fills_notes_and_terms_and_prints_the_checkout_link(noted: Invoice) -> None:
    text = render_text(attrs.evolve(noted, checkout_url="https://pay.example/x?a=1&b=2"), "en_US")
    assert "Notes:\nDear Ada, please pay $64.13 for D1001 by March 2, 2026. { kept }\n" in text
    assert "Terms:\nInvoice INV-00042 from Teashop.\n" in text
    assert "PO number: PO-2026-77\n" in text
    assert "Due date: March 2, 2026\n" in text
    assert "Payment terms: Net 30 days\n" in text
    assert "Pay online: https://pay.example/x?a=1&b=2\n" in text


# -- PDF -----------------------------------------------------------------------------------------


def test_the_pdf_is_a_pdf_document(invoice: Invoice) -> None:
    assert pdf_available()
    document = render_pdf(invoice, "de_DE")
    assert isinstance(document, bytes)
    assert document.startswith(b"%PDF-")
    assert document.rstrip().endswith(b"%%EOF")


def test_without_weasyprint_pdf_is_unavailable_and_rendering_says_which_extra_is_missing(
    invoice: Invoice, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given weasyprint cannot be imported
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    # then
    assert pdf_available() is False
    with pytest.raises(MissingExtra) as caught:
        render_pdf(invoice)
    assert caught.value.extra == "pdf"
    assert "pip install 'draftorders[pdf]'" in str(caught.value)
    assert isinstance(caught.value.__cause__, ImportError)
