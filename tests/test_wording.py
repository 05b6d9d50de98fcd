"""The report's words: terms defined before they are used, and counts written as a reader says them."""

import re

PLURAL_OF_ONE = re.compile(r"\b1 (seeds|groups|models|runs|times|layers|epochs|settings|tasks|choices)\b")


def test_terms_are_defined_before_the_abstract_uses_them(smoke_report):
    md = (smoke_report / "report.md").read_text()
    reading, abstract = md.index("*Reading the numbers.*"), md.index("## Abstract")
    assert reading < abstract
    definitions = md[reading:abstract]
    for term in ("pp: percentage points", "probability of improvement", "Bimodal", "A setting"):
        assert term in definitions
    assert " pp" not in md[:reading] and "bimodal" not in md[:reading].lower()


def test_no_count_of_one_in_the_plural_and_no_zero_times(smoke_report):
    md = (smoke_report / "report.md").read_text()
    assert not PLURAL_OF_ONE.findall(md)
    assert not re.search(r"(?<![\d.])0 times\b", md) and "in 0 of" not in md
