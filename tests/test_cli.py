"""The command line: price, invoice and compare order files; bad input is one line, exit 2."""

from __future__ import annotations

import json
import re
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from draftorders.cli import commands as cli
from draftorders.cli import main
from draftorders.documents import to_document

EXAMPLES = Path(__file__).parent.parent / "examples"
quickstart = runpy.run_path(str(EXAMPLES / "quickstart.py"))


def quickstart_file() -> dict[str, Any]:
    """The quickstart order and context, as an order file holds them."""
    return {
        "order": to_document(quickstart["build_order"]()),
        "context": to_document(quickstart["CONTEXT"]),
    }


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def toml_value(value: object) -> str:
    """A tiny TOML writer (inline tables): enough for documents, whose nulls are left out."""
    if isinstance(value, dict):
        items = (f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items() if v is not None)
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return json.dumps(value)
    raise TypeError(value)


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def write_toml(path: Path, data: dict[str, Any]) -> Path:
    lines = (f"{toml_key(key)} = {toml_value(value)}" for key, value in data.items())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``argv``, expecting exit 2 and one line on stderr, no traceback; returns the line."""
    try:
        code = main(argv)
    except SystemExit as stopped:
        code = stopped.code  # type: ignore[assignment]
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "Traceback" not in captured.err
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("draftorders: error: ")
    return captured.err


# -- price ------------------------------------------------------------------------------------


def test_price_prints_the_quickstart_breakdown_table_from_a_json_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    file = write_json(tmp_path / "order.json", quickstart_file())
    # when
    code = main(["price", str(file)])
    # then
    out = capsys.readouterr().out
    assert code == 0
    assert re.search(r"Total USD\s+64\.13", out)
    assert "Engraving" in out


def test_price_reads_the_same_order_from_a_toml_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    file = write_toml(tmp_path / "order.toml", quickstart_file())
    # when
    code = main(["price", str(file), "--json"])
    # then
    assert code == 0
    assert json.loads(capsys.readouterr().out)["totals"]["total"] == "64.13"


def test_price_json_gives_totals_lines_adjustments_and_taxes_as_strings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    file = write_json(tmp_path / "order.json", quickstart_file())
    # when
    code = main(["price", str(file), "--json"])
    # then
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert result["currency"] == "USD"
    assert result["totals"]["total"] == "64.13"
    assert result["totals"]["tax"] == "4.13"
    assert result["lines"][0] == {
        "id": "L1",
        "title": "Mug",
        "quantity": 3,
        "unit_price": "12.99",
        "base": "38.97",
        "discount": "7.09",
        "net": "31.88",
        "tax": "2.63",
        "total": "34.51",
    }
    sources = {(a["target"], a["source"]) for a in result["adjustments"]}
    assert ("L1", "manual:line-discount") in sources
    assert ("L3", "manual:order-discount") in sources
    assert all(a["reason"] for a in result["adjustments"])
    assert result["tax_summary"] == [
        {
            "name": "Sales tax",
            "rate": "0.0825",
            "compound": False,
            "taxable": "50.05",
            "tax": "4.13",
        }
    ]
    assert result["shipping"]["amount"] == "9.95"
    assert (result["applied_promotions"], result["rejections"]) == ([], [])


def test_price_without_a_context_uses_the_default_context(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given an order file with no "context" entry: no tax
    file = write_json(tmp_path / "order.json", {"order": quickstart_file()["order"]})
    # when
    code = main(["price", str(file), "--json"])
    # then
    totals = json.loads(capsys.readouterr().out)["totals"]
    assert code == 0
    assert (totals["tax"], totals["total"]) == ("0.00", "60.00")


def test_python_m_draftorders_price_runs_as_a_program(tmp_path: Path) -> None:
    # given
    file = write_json(tmp_path / "order.json", quickstart_file())
    # when
    run = subprocess.run(
        [sys.executable, "-m", "draftorders", "price", str(file)],
        capture_output=True,
        text=True,
        check=False,
    )
    # then
    assert run.returncode == 0, run.stderr
    assert re.search(r"Total USD\s+64\.13", run.stdout)


def test_a_hand_written_toml_file_leaves_out_what_takes_its_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given tests/data/engraving.toml: one custom line, no context (the example in docs/cli.md)
    file = Path(__file__).parent / "data" / "engraving.toml"
    # when
    code = main(["price", str(file)])
    # then
    assert code == 0
    assert re.search(r"Total USD\s+5\.00", capsys.readouterr().out)


# -- invoice ----------------------------------------------------------------------------------


def test_invoice_renders_html_to_stdout_with_the_seller_name_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    file = write_json(tmp_path / "order.json", quickstart_file())
    # when
    code = main(["invoice", str(file), "--format", "html", "--seller-name", "Tea & Mugs"])
    # then
    out = capsys.readouterr().out
    assert code == 0
    assert out.lstrip().lower().startswith("<!doctype html>")
    assert "Tea &amp; Mugs" in out
    assert "$64.13" in out


def test_invoice_text_takes_seller_and_issue_date_from_the_file_in_the_locale_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    data = {
        **quickstart_file(),
        "seller": {"name": "Tea & Mugs Co.", "address": {"country": "US", "city": "Boston"}},
        "issue_date": "2026-12-01",
    }
    file = write_json(tmp_path / "order.json", data)
    # when
    code = main(["invoice", str(file), "--format", "text", "--locale", "de_DE"])
    # then
    out = capsys.readouterr().out
    assert code == 0
    assert "Tea & Mugs Co." in out
    assert "1. Dezember 2026" in out
    assert "64,13" in out


def test_invoice_writes_a_pdf_to_the_output_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    if not cli.pdf_available():
        pytest.skip("the pdf extra is not installed")
    file = write_json(tmp_path / "order.json", quickstart_file())
    output = tmp_path / "invoice.pdf"
    # when
    code = main(["invoice", str(file), "--format", "pdf", "--output", str(output)])
    # then
    assert code == 0
    assert output.read_bytes().startswith(b"%PDF-")
    assert capsys.readouterr().out == ""


def test_invoice_pdf_without_an_output_path_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write_json(tmp_path / "order.json", quickstart_file())
    assert "--output" in refused(["invoice", str(file), "--format", "pdf"], capsys)


def test_invoice_pdf_without_the_pdf_extra_says_how_to_install_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    monkeypatch.setattr(cli, "pdf_available", lambda: False)
    file = write_json(tmp_path / "order.json", quickstart_file())
    argv = ["invoice", str(file), "--format", "pdf", "--output", str(tmp_path / "x.pdf")]
    # then
    assert "pip install 'draftorders[pdf]'" in refused(argv, capsys)
    assert not (tmp_path / "x.pdf").exists()


def test_invoice_in_an_unknown_locale_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write_json(tmp_path / "order.json", quickstart_file())
    line = refused(["invoice", str(file), "--format", "text", "--locale", "xx_YY"], capsys)
    assert "'xx_YY' is not a known locale" in line


# -- bad input --------------------------------------------------------------------------------


def test_a_missing_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = refused(["price", str(tmp_path / "nowhere.json")], capsys)
    assert "nowhere.json: cannot read the file: No such file or directory" in line


def test_a_file_of_another_extension_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write_json(tmp_path / "order.yaml", quickstart_file())
    assert "expected a .json or .toml file" in refused(["price", str(file)], capsys)


def test_malformed_json_is_refused_with_its_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    file = tmp_path / "order.json"
    file.write_text('{\n  "order": {"schema": 2,,}\n}\n', encoding="utf-8")
    # then
    line = refused(["price", str(file)], capsys)
    assert "not valid JSON" in line
    assert "(line 2, column 25)" in line


def test_malformed_toml_is_refused_with_its_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    file = tmp_path / "order.toml"
    file.write_text("[order]\nschema = = 2\n", encoding="utf-8")
    # then
    line = refused(["price", str(file)], capsys)
    assert "not valid TOML" in line
    assert "line 2, column 10" in line


def test_an_invalid_amount_is_refused_with_its_path_in_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a list price written as a number
    data = quickstart_file()
    data["order"]["data"]["lines"][0]["list_price"]["amount"] = 12.99
    file = write_json(tmp_path / "order.json", data)
    # then
    line = refused(["price", str(file)], capsys)
    assert "$.order.data.lines[0].list_price.amount: got the float 12.99" in line


def test_an_order_naming_a_sku_not_in_the_files_catalog_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a catalog without TEA
    catalog = quickstart["Catalog"].of(quickstart["CATALOG"].product("MUG"))
    file = write_json(
        tmp_path / "order.json", {**quickstart_file(), "catalog": to_document(catalog)}
    )
    # then
    line = refused(["price", str(file)], capsys)
    assert "$.order.data.lines[2].sku: no product with SKU 'TEA' in the catalog" in line


def test_an_order_whose_skus_are_all_in_the_catalog_is_priced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = {**quickstart_file(), "catalog": to_document(quickstart["CATALOG"])}
    file = write_json(tmp_path / "order.json", data)
    assert main(["price", str(file)]) == 0
    assert "64.13" in capsys.readouterr().out


def test_an_order_document_of_another_type_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = quickstart_file()
    file = write_json(tmp_path / "order.json", {"order": data["context"]})
    line = refused(["price", str(file)], capsys)
    assert "$.order.type: expected a DraftOrder document, got a PricingContext" in line


def test_a_file_without_an_order_or_with_an_unknown_entry_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = write_json(tmp_path / "empty.json", {})
    assert "the entry 'order' is missing" in refused(["price", str(empty)], capsys)
    extra = write_json(tmp_path / "extra.json", {**quickstart_file(), "ordre": 1})
    assert "unknown entry 'ordre'" in refused(["price", str(extra)], capsys)


def test_an_unknown_subcommand_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert "invalid choice: 'frobnicate'" in refused(["frobnicate"], capsys)


def test_bad_input_through_python_m_draftorders_is_one_line_without_traceback(
    tmp_path: Path,
) -> None:
    # given
    file = tmp_path / "order.json"
    file.write_text("{", encoding="utf-8")
    # when
    run = subprocess.run(
        [sys.executable, "-m", "draftorders", "invoice", str(file), "--format", "text"],
        capture_output=True,
        text=True,
        check=False,
    )
    # then
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1
    assert run.stderr.startswith("draftorders: error: ")
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("command", ["price", "invoice"])
def test_each_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main([command, "--help"])
    assert stopped.value.code == 0
    assert "FILE" in capsys.readouterr().out


def test_a_toml_date_is_read_as_the_invoice_issue_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a TOML file whose issue date is a TOML date, not a string
    file = write_toml(tmp_path / "order.toml", quickstart_file())
    file.write_text("issue_date = 2026-12-01\n" + file.read_text(encoding="utf-8"), "utf-8")
    # when
    code = main(["invoice", str(file), "--format", "text"])
    # then
    assert code == 0
    assert "Issue date: December 1, 2026" in capsys.readouterr().out


# -- compare ----------------------------------------------------------------------------------


def orders_and_scenario(tmp_path: Path) -> tuple[Path, Path]:
    """The quickstart order (and a second, one mug) with its context, and a no-tax scenario."""
    order = quickstart["build_order"]()
    one_mug = (
        quickstart["DraftOrder"]
        .new("D1002", "USD", order.order_date)
        .add_product(quickstart["CATALOG"], "MUG", 1)
    )
    orders = write_json(
        tmp_path / "orders.json",
        {
            "orders": [to_document(order), to_document(one_mug)],
            "context": to_document(quickstart["CONTEXT"]),
        },
    )
    no_tax = quickstart["PricingContext"]()
    scenario = write_json(
        tmp_path / "no-tax.json", {"name": "no tax", "context": to_document(no_tax)}
    )
    return orders, scenario


def test_compare_prints_a_table_with_the_base_and_each_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    orders, scenario = orders_and_scenario(tmp_path)
    # when
    code = main(["compare", str(orders), "--scenario", str(scenario)])
    # then
    out = capsys.readouterr().out
    assert code == 0
    head = out.splitlines()[0]
    assert head.split() == ["(USD)", "base", "no", "tax"]
    assert re.search(r"^revenue\s+78\.19\s+72\.99$", out, re.MULTILINE)


def test_compare_json_lists_each_scenario_with_its_changed_orders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    orders, scenario = orders_and_scenario(tmp_path)
    # when
    code = main(["compare", str(orders), "--scenario", str(scenario), "--json"])
    # then
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    base, no_tax = result["scenarios"]
    assert (base["name"], base["revenue"], base["tax"]) == ("base", "78.19", "5.20")
    assert (no_tax["name"], no_tax["revenue"], no_tax["tax"]) == ("no tax", "72.99", "0.00")
    assert [c["order_id"] for c in no_tax["changes"]] == ["D1001", "D1002"]


def test_compare_needs_a_scenario_and_refuses_a_scenario_named_base(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    orders, _ = orders_and_scenario(tmp_path)
    assert "--scenario" in refused(["compare", str(orders)], capsys)
    context = to_document(quickstart["PricingContext"]())
    base = write_json(tmp_path / "base.json", {"name": "base", "context": context})
    line = refused(["compare", str(orders), "--scenario", str(base)], capsys)
    assert "scenario names must differ" in line
