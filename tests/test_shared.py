"""What every layer shares: one way to write an interval, to write a file, to recommend a command."""

import pytest

from study.analysis.intervals import interval
from study.analysis.stats import Equivalence, Estimate
from study.claims import Key
from study.commands import command
from study.files import write_atomic


def test_an_interval_in_each_style():
    assert interval(0.1234, 0.1, 0.15) == "0.123 [0.1, 0.15]"
    assert interval(0.1234, 0.1, 0.15, "%") == "12.3% [10.0, 15.0]"
    assert interval(0.1234, -0.1, 0.15, "pp") == "+12.3 pp [-10.0, +15.0]"
    assert interval(0.1234, -0.1, 0.15, "+", decimals=2) == "+0.12 [-0.10, +0.15]"
    with pytest.raises(ValueError, match="choose from"):
        interval(1, 0, 2, "x")


def test_estimates_keys_and_equivalences_write_intervals_alike():
    e = Estimate(0.1234, 0.1, 0.15, 10)
    assert e.fmt(percent=True) == Key.of("k", e, "%").fmt() == "12.3% [10.0, 15.0]"
    assert e.fmt(points=True) == Key.of("k", e, "pp").fmt() == "+12.3 pp [+10.0, +15.0]"
    assert e.fmt() == Key.of("k", e).fmt() == "0.123 [0.1, 0.15]"
    assert Key.of("k", e, "s").fmt() == "0.123 [0.1, 0.15] s"
    tost = Equivalence(0.012, -0.001, 0.025, 0.03, 0.02, 10, 0.006)
    assert tost.fmt(percent=True) == "+1.20 pp [-0.10, +2.50], TOST p = 0.03"
    assert tost.fmt() == "+0.01 [-0.00, +0.03], TOST p = 0.03"


def test_a_file_is_written_whole_or_not_at_all(tmp_path):
    path = tmp_path / "table.txt"
    write_atomic(path, "old")

    def fails(tmp):
        tmp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(path, fails)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["table.txt"]  # no temporary file left
    write_atomic(path, b"new")
    assert path.read_bytes() == b"new"


def test_a_recommended_command_is_the_one_a_user_types():
    assert command("run", "all", "--profile", "quick") == "python -m study run all --profile quick"
