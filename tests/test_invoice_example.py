"""examples/invoice.py sends the quickstart invoice through the shop (delivered at once to an
in-memory mailer) and writes it in en_US and de_DE as HTML, text and PDF."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import defusedxml.ElementTree as SafeXML
import pytest

SCRIPT = Path(__file__).parent.parent / "examples" / "invoice.py"

# The quickstart's figures (see test_quickstart.py), as each locale writes them.
EN = ["$12.99", "$38.97", "-$3.90", "-$3.19", "$31.88", "$2.63", "$5.00", "-$0.45", "$4.55"]
EN += ["$0.38", "$7.49", "$14.98", "-$1.36", "$13.62", "$1.12", "$58.95", "-$8.90", "$9.95"]
EN += ["$50.05", "$4.13", "$64.13"]
DE = [f"{a.replace('$', '').replace('.', ',')}\u00a0$" for a in EN]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("invoices")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out, result.stdout


@pytest.mark.parametrize("locale", ["en_US", "de_DE"])
def test_each_locale_gets_html_text_and_pdf(written: tuple[Path, str], locale: str):
    out, _ = written
    names = sorted(path.name for path in (out / locale).iterdir())
    assert names == ["invoice.html", "invoice.pdf", "invoice.txt"]
    assert (out / locale / "invoice.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("locale", "amounts", "total"), [("en_US", EN, "$64.13"), ("de_DE", DE, "64,13\u00a0$")]
)
def test_the_html_is_well_formed_and_shows_every_amount(
    written: tuple[Path, str], locale: str, amounts: list[str], total: str
):
    out, _ = written
    html = (out / locale / "invoice.html").read_text(encoding="utf-8")
    root = SafeXML.fromstring(html.removeprefix("<!DOCTYPE html>"))
    text = "".join(root.itertext())
    assert [amount for amount in amounts if amount not in text] == []
    due = root.find(".//{*}tr[@class='due']")
    assert due is not None
    assert "".join(due.itertext()).strip().endswith(total)


def test_the_text_invoice_and_the_email(written: tuple[Path, str]):
    out, stdout = written
    text = (out / "en_US" / "invoice.txt").read_text(encoding="utf-8")
    assert "INVOICE INV-00001" in text
    assert "Due date: March 2, 2026" in text  # issued 2026-01-31, net 30
    assert [amount for amount in EN if amount not in text] == []
    german = (out / "de_DE" / "invoice.txt").read_text(encoding="utf-8")
    assert "RECHNUNG INV-00001" in german
    assert "2. März 2026" in german
    assert "sent INV-00001 to ada@example.com" in stdout
    assert "multipart/alternative, text/plain, text/html, application/pdf" in stdout
    assert "order D1001 is now invoice_sent" in stdout
    assert "outbox message sent; the mailer holds 1" in stdout
    assert "Invoice INV-00001 from Tea & Mugs Co." in stdout
    assert "INVOICE INV-00001" in stdout  # the text part as the customer got it
