"""What this means in practice: one sentence per claim for its main verdict, with the settings it holds in."""

from study import claims
from study.analysis.verdicts import NOT_TESTABLE, NUANCED, REFUTED, SUPPORTED
from study.report import practice


def test_every_claim_says_what_each_verdict_means_in_practice():
    for m in claims.modules():
        reachable = {c.verdict for c in m.RULE.cases} | {m.RULE.otherwise}
        assert set(m.PRACTICE) >= reachable - {NOT_TESTABLE}, m.CLAIM
        assert all(s.strip() and s.endswith(".") for s in m.PRACTICE.values()), m.CLAIM


def test_the_section_reads_each_claims_verdict_and_settings_from_the_ledger():
    key = {"name": "k", "value": 0.5, "interval": [0.4, 0.6], "level": 0.95, "n": 10, "unit": ""}
    led = {
        "claims": [
            {"id": "C1", "verdict": SUPPORTED, "settings": []},
            {
                "id": "C6",
                "verdict": NUANCED,
                "settings": [
                    {"setting": "main", "verdict": NUANCED, "key": key},
                    {"setting": "batchnorm", "verdict": SUPPORTED, "key": key},
                    {"setting": "tuned", "verdict": REFUTED, "key": key},
                ],
            },
        ]
    }
    text = practice.section(led)
    c1, c6 = (m for m in claims.modules() if m.CLAIM in ("C1", "C6"))
    assert f"- **C1** (supported). {c1.PRACTICE[SUPPORTED]}\n" in text  # one setting: nothing more to say
    assert f"- **C6** (nuanced). {c6.PRACTICE[NUANCED]} Supported in batchnorm; not in main (nuanced), tuned " in text
    assert practice.section({"claims": []}) == ""
