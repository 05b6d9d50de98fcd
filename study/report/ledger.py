"""The claims ledger, `report/claims.json`: every claim's verdict and key number, as data.

The report is rendered from it (the summary, the claims table, each section's verdict and key
number), so the Markdown, HTML and PDF carry the ledger's numbers and nothing else. Read it with
`json.load`, or as a frame with `study.data.claims_frame(...)`.

Schema (`SCHEMA` below is the JSON Schema the tests validate against):

    schema      "activation-study/claims-ledger/1"
    profile     the profile of the runs (smoke, quick, full)
    selection   the command-line options that chose the runs
    commit      {"runs": commits the runs were made at, "report": the commit of the code that wrote this}
    claims      one object per claim answered, in claim order:
        id          "C1" ... "C12"
        english     the claim in English
        original    the source's sentence (Chinese)
        verdict     supported | refuted | nuanced | inconclusive | not testable here | not computed
        rule        the verdict rule, in words
        key         the key number: name, value, interval [low, high], level (0.95), n (runs behind
                    it), unit ("%": a fraction; "pp": a difference of fractions; "" or another unit)
        settings    [{setting, verdict, key}]: the verdict per setting (data set x architecture) where
                    the claim's runs span more than one; empty where they do not
        figures     the figure names (figures/NAME.png and .svg)
        literature  the published numbers the section compares against
    unanswered  {claim id: why} for the claims these runs cannot answer
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from study.analysis import verdicts

SCHEMA_ID = "activation-study/claims-ledger/1"
VERDICTS = [*verdicts.VERDICTS, "not computed"]  # not computed: diverged models left a comparison unpaired

_KEY = {
    "type": "object",
    "required": ["name", "value", "interval", "level", "n", "unit"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "value": {"type": ["number", "null"]},
        "interval": {"type": "array", "items": {"type": ["number", "null"]}, "minItems": 2, "maxItems": 2},
        "level": {"const": 0.95},
        "n": {"type": "integer", "minimum": 0},
        "unit": {"type": "string"},
    },
}
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "claims ledger",
    "type": "object",
    "required": ["schema", "profile", "selection", "commit", "claims", "unanswered"],
    "additionalProperties": False,
    "properties": {
        "schema": {"const": SCHEMA_ID},
        "profile": {"type": "string"},
        "selection": {"type": "array", "items": {"type": "string"}},
        "commit": {
            "type": "object",
            "required": ["runs", "report"],
            "properties": {"runs": {"type": "array", "items": {"type": "string"}}, "report": {"type": "string"}},
        },
        "claims": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "id",
                    "english",
                    "original",
                    "verdict",
                    "rule",
                    "key",
                    "settings",
                    "figures",
                    "literature",
                ],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": "^C[0-9]+$"},
                    "english": {"type": "string", "minLength": 1},
                    "original": {"type": "string", "minLength": 1},
                    "verdict": {"enum": VERDICTS},
                    "rule": {"type": "string"},
                    "key": _KEY,
                    "settings": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["setting", "verdict", "key"],
                            "additionalProperties": False,
                            "properties": {"setting": {"type": "string"}, "verdict": {"enum": VERDICTS}, "key": _KEY},
                        },
                    },
                    "figures": {"type": "array", "items": {"type": "string"}},
                    "literature": {"type": "string"},
                },
            },
        },
        "unanswered": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def _number(x):
    """JSON has no NaN: an undefined number is null."""
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def key_dict(key) -> dict:
    d = key.to_dict()
    return {**d, "value": _number(d["value"]), "interval": [_number(v) for v in d["interval"]]}


def build(
    findings, unanswered: dict, profile: str, selection: list[str], runs_commits: list[str], report_commit: str
) -> dict:
    from study.claims import CLAIMS

    return {
        "schema": SCHEMA_ID,
        "profile": profile,
        "selection": list(selection),
        "commit": {"runs": sorted(runs_commits), "report": report_commit},
        "claims": [
            {
                "id": f.claim,
                "english": CLAIMS[f.claim][0],
                "original": CLAIMS[f.claim][1],
                "verdict": f.verdict,
                "rule": f.rule,
                "key": key_dict(f.key),
                "settings": [{"setting": s, "verdict": v, "key": key_dict(k)} for s, (v, k) in f.settings.items()],
                "figures": list(f.figures),
                "literature": f.literature,
            }
            for f in findings
        ],
        "unanswered": dict(unanswered),
    }


def validate(ledger: dict) -> None:
    """Raises jsonschema.ValidationError where the ledger does not follow SCHEMA."""
    import jsonschema

    jsonschema.validate(ledger, SCHEMA)


def dumps(ledger: dict) -> str:
    """The ledger as the text of claims.json, checked against SCHEMA first."""
    validate(ledger)
    return json.dumps(ledger, ensure_ascii=False, indent=1) + "\n"


def read(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))
