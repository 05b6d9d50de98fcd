"""How an estimate and its interval are written, everywhere: one function, four styles."""

from __future__ import annotations


def interval(value: float, low: float, high: float, style: str = "", decimals: int = 1, digits: int = 3) -> str:
    """The estimate and its interval as the report writes them:
    ""    0.123 [0.1, 0.15]             (`digits` significant digits)
    "%"   12.3% [10.0, 15.0]            a fraction as a percentage
    "pp"  +12.3 pp [+10.0, +15.0]       a difference of fractions, in percentage points
    "+"   +0.12 [+0.10, +0.15]          a signed difference
    (`decimals` places for the last three)."""
    if style == "%":
        return f"{100 * value:.{decimals}f}% [{100 * low:.{decimals}f}, {100 * high:.{decimals}f}]"
    if style == "pp":
        return f"{100 * value:+.{decimals}f} pp [{100 * low:+.{decimals}f}, {100 * high:+.{decimals}f}]"
    if style == "+":
        return f"{value:+.{decimals}f} [{low:+.{decimals}f}, {high:+.{decimals}f}]"
    if style:
        raise ValueError(f"unknown interval style '{style}' (choose from '', %, pp, +)")
    return f"{value:.{digits}g} [{low:.{digits}g}, {high:.{digits}g}]"
