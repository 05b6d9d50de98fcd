"""The methods' seeds table: each key number's interval half-width against its SESOI, and the runs it would need."""

from study.claims import c03_flipped_relu as c3
from study.claims import c12_brain as c12
from study.report import power


def test_runs_needed_grow_with_the_square_of_the_half_width_over_the_sesoi():
    assert power.runs_needed(0.2, 0.1, 10) == 40
    assert power.runs_needed(0.05, 0.1, 10) == 10  # already within: no fewer than it has
    assert power.runs_needed(0.11, 0.1, 3) == 4


def test_each_key_number_is_read_against_its_rules_sesoi_unless_its_module_says(smoke_study):
    assert power.key_sesoi(c3) is c3.RULE.sesoi[0]
    assert power.key_sesoi(c12) is None  # read against the brain's range by a factor
    table = power.table(smoke_study)
    assert "C12" not in table.index and "C3" in table.index
    for claim, row in table.iterrows():
        assert row["resolved"] in ("yes", "no")
        assert (row["runs for a half-width within it"] == "") == (row["resolved"] == "yes"), claim
        if row["resolved"] == "no":
            assert int(row["runs for a half-width within it"]) > int(row["runs"])
    assert "Seeds against the smallest effects" in power.text(smoke_study)
