"""Rounding, allocation and money parsing: known examples and properties.

``RoundingPolicy.divide`` is checked against :mod:`decimal` quantize (the reference), the
largest-remainder split against its documented guarantees, and ``to_money`` / ``minor_units``
against the currency rules of CLDR.
"""

from __future__ import annotations

import decimal
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from draftorders import (
    CurrencyMismatch,
    FloatAmountError,
    InvalidAmount,
    Money,
    RoundingMode,
    RoundingPolicy,
    ValidationError,
    allocate,
    minor_units,
    to_money,
)
from draftorders.rounding import allocate_units

MODES = list(RoundingMode)


def reference_divide(n: int, d: int, mode: RoundingMode) -> int:
    """``n / d`` rounded to an integer by :mod:`decimal`, with enough precision to be exact."""
    with decimal.localcontext() as ctx:
        ctx.prec = 200
        quotient = Decimal(n) / Decimal(d)
        return int(quotient.quantize(Decimal(1), rounding=mode.value))


# -- RoundingPolicy.divide -----------------------------------------------------------------------


@given(
    mode=st.sampled_from(MODES),
    n=st.integers(min_value=-(10**18), max_value=10**18),
    d=st.integers(min_value=1, max_value=10**9),
)
def test_divide_agrees_with_decimal_quantize_for_every_mode(
    mode: RoundingMode, n: int, d: int
) -> None:
    assert RoundingPolicy(mode).divide(n, d) == reference_divide(n, d, mode)


@given(
    mode=st.sampled_from(MODES),
    whole=st.integers(min_value=-(10**9), max_value=10**9),
    half=st.integers(min_value=1, max_value=10**6),
)
def test_divide_agrees_with_decimal_quantize_on_exact_ties(
    mode: RoundingMode, whole: int, half: int
) -> None:
    # n / d == whole + 1/2 (or whole - 1/2 below zero) exactly: the tie cases random pairs miss.
    d = 2 * half
    n = whole * d + (half if whole >= 0 else -half)
    assert RoundingPolicy(mode).divide(n, d) == reference_divide(n, d, mode)


@given(mode=st.sampled_from(MODES), n=st.integers(min_value=-(10**12), max_value=10**12))
def test_divide_by_one_is_the_identity(mode: RoundingMode, n: int) -> None:
    assert RoundingPolicy(mode).divide(n, 1) == n


@pytest.mark.parametrize(
    ("mode", "n", "d", "expected"),
    [
        # 12.5 cents, i.e. 0.125 of a dollar
        (RoundingMode.HALF_UP, 125, 10, 13),
        (RoundingMode.HALF_EVEN, 125, 10, 12),
        (RoundingMode.HALF_DOWN, 125, 10, 12),
        (RoundingMode.DOWN, 125, 10, 12),
        (RoundingMode.UP, 125, 10, 13),
        # 13.5 cents: half-even goes up to the even 14
        (RoundingMode.HALF_EVEN, 135, 10, 14),
        (RoundingMode.HALF_UP, 135, 10, 14),
        (RoundingMode.HALF_DOWN, 135, 10, 13),
        # 12.9 and 12.1 cents
        (RoundingMode.DOWN, 129, 10, 12),
        (RoundingMode.UP, 121, 10, 13),
        # negative ties go away from zero with half-up, towards zero with half-down
        (RoundingMode.HALF_UP, -5, 2, -3),
        (RoundingMode.HALF_DOWN, -5, 2, -2),
        (RoundingMode.HALF_EVEN, -5, 2, -2),
        (RoundingMode.HALF_EVEN, -7, 2, -4),
        (RoundingMode.DOWN, -7, 2, -3),
        (RoundingMode.UP, -7, 2, -4),
        (RoundingMode.HALF_UP, -1, 4, 0),
        (RoundingMode.HALF_UP, -3, 4, -1),
    ],
)
def test_divide_known_examples(mode: RoundingMode, n: int, d: int, expected: int) -> None:
    assert RoundingPolicy(mode).divide(n, d) == expected


@pytest.mark.parametrize(
    ("mode", "amount", "expected"),
    [
        (RoundingMode.HALF_UP, "0.125", "0.13"),
        (RoundingMode.HALF_EVEN, "0.125", "0.12"),
        (RoundingMode.HALF_EVEN, "0.135", "0.14"),
        (RoundingMode.HALF_DOWN, "0.125", "0.12"),
        (RoundingMode.DOWN, "0.129", "0.12"),
        (RoundingMode.UP, "0.121", "0.13"),
        (RoundingMode.HALF_UP, "-2.5", "-2.50"),
    ],
)
def test_round_to_the_cent_known_examples(mode: RoundingMode, amount: str, expected: str) -> None:
    rounded = RoundingPolicy(mode).round(Decimal(amount), "USD")
    assert rounded == Decimal(expected)
    assert rounded.as_tuple().exponent == -2


def test_round_uses_the_currency_minor_unit() -> None:
    policy = RoundingPolicy(RoundingMode.HALF_UP)
    assert policy.round(Decimal("-2.5"), "JPY") == Decimal("-3")
    assert policy.round(Decimal("1.2345"), "KWD") == Decimal("1.235")
    assert policy.round(Decimal("1.2345"), "KWD").as_tuple().exponent == -3


def test_default_policy_is_half_up_and_labels_read_as_words() -> None:
    assert RoundingPolicy().mode is RoundingMode.HALF_UP
    assert RoundingPolicy(RoundingMode.HALF_EVEN).label == "half-even"
    assert RoundingPolicy(RoundingMode.DOWN).label == "down"


# -- allocate_units ------------------------------------------------------------------------------


@st.composite
def weighted_keys(
    draw: st.DrawFn, min_size: int = 1, max_size: int = 12, max_weight: int = 10**6
) -> tuple[list[int], list[str]]:
    """Non-negative integer weights with a positive sum, and distinct keys for them."""
    weights = draw(
        st.lists(
            st.integers(min_value=0, max_value=max_weight), min_size=min_size, max_size=max_size
        ).filter(lambda ws: sum(ws) > 0)
    )
    keys = draw(
        st.lists(
            st.text(alphabet="ABCLxyz0123456789", min_size=1, max_size=4),
            min_size=len(weights),
            max_size=len(weights),
            unique=True,
        )
    )
    return weights, keys


@given(data=weighted_keys(), total=st.integers(min_value=0, max_value=10**9))
def test_allocate_units_parts_add_up_exactly(data: tuple[list[int], list[str]], total: int) -> None:
    weights, keys = data
    parts = allocate_units(total, weights, keys)
    assert len(parts) == len(weights)
    assert sum(parts) == total
    assert all(part >= 0 for part in parts)


@given(data=weighted_keys(), total=st.integers(min_value=0, max_value=10**9))
def test_allocate_units_each_part_is_its_exact_share_rounded_down_or_up(
    data: tuple[list[int], list[str]], total: int
) -> None:
    weights, keys = data
    whole = sum(weights)
    for part, weight in zip(allocate_units(total, weights, keys), weights, strict=True):
        floor = total * weight // whole
        assert floor <= part <= floor + 1
        if total * weight % whole == 0:
            assert part == floor


@given(data=weighted_keys(), fraction=st.fractions(min_value=0, max_value=1))
def test_allocate_units_no_part_exceeds_its_weight_when_total_fits(
    data: tuple[list[int], list[str]], fraction: Fraction
) -> None:
    weights, keys = data
    total = int(sum(weights) * fraction)
    parts = allocate_units(total, weights, keys)
    assert all(part <= weight for part, weight in zip(parts, weights, strict=True))


@given(data=weighted_keys(), total=st.integers(min_value=0, max_value=10**7), rnd=st.randoms())
def test_allocate_units_does_not_depend_on_the_order_of_the_parts(
    data: tuple[list[int], list[str]], total: int, rnd: random.Random
) -> None:
    weights, keys = data
    by_key = dict(zip(keys, allocate_units(total, weights, keys), strict=True))
    pairs = list(zip(weights, keys, strict=True))
    rnd.shuffle(pairs)
    shuffled_weights = [w for w, _ in pairs]
    shuffled_keys = [k for _, k in pairs]
    shuffled = allocate_units(total, shuffled_weights, shuffled_keys)
    assert dict(zip(shuffled_keys, shuffled, strict=True)) == by_key


@given(
    keys=st.lists(
        st.text(alphabet="abcXYZ019", min_size=1, max_size=3), min_size=1, max_size=10, unique=True
    ),
    weight=st.integers(min_value=1, max_value=1000),
    total=st.integers(min_value=0, max_value=100),
)
def test_allocate_units_equal_weights_give_leftover_units_to_the_smallest_keys(
    keys: list[str], weight: int, total: int
) -> None:
    parts = dict(zip(keys, allocate_units(total, [weight] * len(keys), keys), strict=True))
    each, leftover = divmod(total, len(keys))
    lucky = set(sorted(keys)[:leftover])
    assert parts == {key: each + (key in lucky) for key in keys}


def test_allocate_units_tie_goes_to_the_smallest_key() -> None:
    assert allocate_units(1, [5, 5, 5], ["b", "a", "c"]) == [0, 1, 0]
    assert allocate_units(2, [5, 5, 5], ["b", "c", "a"]) == [1, 0, 1]


def test_allocate_units_largest_remainder_wins_before_keys() -> None:
    # exact shares of 5 over (1, 2, 7): 0.5, 1.0, 3.5; one unit left, the two .5s tie -> "a"
    assert allocate_units(5, [1, 2, 7], ["z", "y", "a"]) == [0, 1, 4]
    # shares 0.33.., 0.66..: the larger remainder gets the unit whatever the keys
    assert allocate_units(1, [1, 2], ["a", "b"]) == [0, 1]


def test_allocate_units_splits_a_total_in_proportion() -> None:
    assert allocate_units(100, [1, 1, 1], ["L1", "L2", "L3"]) == [34, 33, 33]
    assert allocate_units(1000, [3000, 1000], ["L1", "L2"]) == [750, 250]


@given(data=weighted_keys(min_size=0))
def test_allocate_units_zero_total_gives_zeros(data: tuple[list[int], list[str]]) -> None:
    weights, keys = data
    assert allocate_units(0, weights, keys) == [0] * len(weights)


def test_allocate_units_zero_total_over_zero_weights_gives_zeros() -> None:
    assert allocate_units(0, [0, 0], ["a", "b"]) == [0, 0]
    assert allocate_units(0, [], []) == []


@given(data=weighted_keys(), total=st.integers(min_value=-(10**9), max_value=-1))
def test_allocate_units_refuses_a_negative_total(
    data: tuple[list[int], list[str]], total: int
) -> None:
    weights, keys = data
    with pytest.raises(ValidationError) as info:
        allocate_units(total, weights, keys)
    assert info.value.field == "total"


@pytest.mark.parametrize("weights", [[0], [0, 0, 0], []])
def test_allocate_units_refuses_a_positive_total_over_zero_weights(weights: list[int]) -> None:
    keys = [f"k{i}" for i in range(len(weights))]
    with pytest.raises(ValidationError) as info:
        allocate_units(1, weights, keys)
    assert info.value.field == "weights"


def test_allocate_units_refuses_negative_weights_and_mismatched_keys() -> None:
    with pytest.raises(ValidationError):
        allocate_units(1, [3, -1], ["a", "b"])
    with pytest.raises(ValidationError):
        allocate_units(1, [1, 1], ["a"])


# -- allocate (Decimal amounts of a currency) ----------------------------------------------------


@pytest.mark.parametrize(
    ("code", "total", "weights", "expected"),
    [
        ("JPY", "100", ["1", "1", "1"], ["34", "33", "33"]),
        ("USD", "10.00", ["1.00", "1.00", "1.00"], ["3.34", "3.33", "3.33"]),
        ("USD", "0.01", ["12.99", "7.49"], ["0.01", "0.00"]),
        ("KWD", "1.000", ["2.500", "2.500", "2.500"], ["0.334", "0.333", "0.333"]),
        ("KWD", "0", ["1.000", "0.000"], ["0.000", "0.000"]),
    ],
)
def test_allocate_known_examples(
    code: str, total: str, weights: list[str], expected: list[str]
) -> None:
    keys = [f"L{i + 1}" for i in range(len(weights))]
    parts = allocate(Decimal(total), [Decimal(w) for w in weights], keys, code)
    assert parts == [Decimal(e) for e in expected]
    assert all(part.as_tuple().exponent == -minor_units(code) for part in parts)


@given(
    code=st.sampled_from(["JPY", "USD", "KWD"]),
    data=weighted_keys(max_weight=10**7),
    total_units=st.integers(min_value=0, max_value=10**8),
)
def test_allocate_decimal_amounts_add_up_at_the_minor_unit(
    code: str, data: tuple[list[int], list[str]], total_units: int
) -> None:
    weights, keys = data
    places = minor_units(code)
    total = Decimal(total_units).scaleb(-places)
    amounts = [Decimal(w).scaleb(-places) for w in weights]
    parts = allocate(total, amounts, keys, code)
    assert sum(parts) == total
    assert all(part.as_tuple().exponent == -places for part in parts)
    assert [part.scaleb(places) for part in parts] == allocate_units(total_units, weights, keys)


@pytest.mark.parametrize(
    ("code", "total", "weights", "field"),
    [
        ("USD", "0.001", ["1.00"], "total"),
        ("JPY", "1.5", ["1"], "total"),
        ("USD", "1.00", ["0.005", "1.00"], "weights"),
        ("KWD", "1.000", ["0.0001"], "weights"),
    ],
)
def test_allocate_refuses_amounts_finer_than_the_minor_unit(
    code: str, total: str, weights: list[str], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        allocate(Decimal(total), [Decimal(w) for w in weights], ["a"] * len(weights), code)
    assert info.value.field == field


# -- money: minor units and to_money -------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "places"), [("JPY", 0), ("USD", 2), ("EUR", 2), ("KWD", 3), ("BHD", 3)]
)
def test_minor_units_come_from_cldr(code: str, places: int) -> None:
    assert minor_units(code) == places


@pytest.mark.parametrize("code", ["usd", "US", "USDX", "", "U5D"])
def test_minor_units_refuses_malformed_currency_codes(code: str) -> None:
    with pytest.raises(ValidationError) as info:
        minor_units(code)
    assert info.value.field == "currency"


@pytest.mark.parametrize("code", ["XXQ", "ZZZ", "ABC"])
def test_minor_units_refuses_unknown_currency_codes(code: str) -> None:
    with pytest.raises(ValidationError) as info:
        minor_units(code)
    assert info.value.field == "currency"


@pytest.mark.parametrize("code", ["XXQ", "usd"])
def test_to_money_refuses_unknown_currency_codes(code: str) -> None:
    with pytest.raises(ValidationError):
        to_money("1", code, "price")


@pytest.mark.parametrize(
    ("value", "code", "expected"),
    [
        ("12.99", "USD", Decimal("12.99")),
        (Decimal("12.9"), "USD", Decimal("12.90")),
        (5, "USD", Decimal("5.00")),
        ("0", "KWD", Decimal("0.000")),
        ("1.234", "KWD", Decimal("1.234")),
        ("500", "JPY", Decimal("500")),
        ("500.000", "JPY", Decimal("500")),
        (Money(Decimal("3.5"), "USD"), "USD", Decimal("3.50")),
    ],
)
def test_to_money_parses_exact_amounts_at_the_minor_unit(
    value: object, code: str, expected: Decimal
) -> None:
    result = to_money(value, code, "price")
    assert result.currency.code == code
    assert result.amount == expected
    assert result.amount.as_tuple().exponent == -minor_units(code)


@given(
    code=st.sampled_from(["JPY", "USD", "KWD"]),
    units=st.integers(min_value=0, max_value=10**12),
)
def test_to_money_keeps_any_whole_number_of_minor_units(code: str, units: int) -> None:
    places = minor_units(code)
    amount = Decimal(units).scaleb(-places)
    for value in (amount, str(amount), Money(amount, code)):
        result = to_money(value, code, "price")
        assert result.amount == amount
        assert result.amount.as_tuple().exponent == -places
        assert result.currency.code == code


@pytest.mark.parametrize("value", [1.5, 0.1, 12.99, 0.0])
@pytest.mark.parametrize("field", ["price", "shipping.price"])
def test_to_money_refuses_floats_naming_the_field_and_the_fix(value: float, field: str) -> None:
    with pytest.raises(FloatAmountError) as info:
        to_money(value, "USD", field)
    assert info.value.field == field
    assert info.value.value == value
    assert "Decimal(" in str(info.value)
    assert isinstance(info.value, ValidationError)


@pytest.mark.parametrize(
    ("value", "code"),
    [("0.001", "USD"), ("1.5", "JPY"), ("0.0001", "KWD"), (Money(Decimal("1.001"), "USD"), "USD")],
)
def test_to_money_refuses_more_decimals_than_the_currency_has(value: object, code: str) -> None:
    with pytest.raises(InvalidAmount) as info:
        to_money(value, code, "price")
    assert info.value.field == "price"


@pytest.mark.parametrize("value", ["-0.01", -1, Decimal("-5"), Money(Decimal("-1.00"), "USD")])
def test_to_money_refuses_negative_amounts(value: object) -> None:
    with pytest.raises(InvalidAmount) as info:
        to_money(value, "USD", "price")
    assert info.value.field == "price"


def test_to_money_refuses_money_in_another_currency() -> None:
    with pytest.raises(CurrencyMismatch) as info:
        to_money(Money(Decimal("1.00"), "EUR"), "USD", "unit_price")
    assert info.value.field == "unit_price"
    assert (info.value.expected, info.value.got) == ("USD", "EUR")


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", True, None, [1]])
def test_to_money_refuses_what_is_not_a_finite_number(value: object) -> None:
    with pytest.raises(ValidationError) as info:
        to_money(value, "USD", "price")
    assert info.value.field == "price"
