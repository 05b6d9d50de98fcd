"""What a report was made from, read from its stored runs, and the banner that opens every report
not made from the reference (the full profile, no option narrowing it): a preview's verdicts rest on
fewer seeds and epochs, and a reader must see that before the first verdict."""

from __future__ import annotations

from study.analysis.study import Study
from study.spec.grid import Selection

REFERENCE = Selection("full")


def is_reference(study: Study) -> bool:
    return study.selection == REFERENCE


def span(values) -> str:
    lo, hi = min(values), max(values)
    return f"{lo}" if lo == hi else f"{lo}-{hi}"


def used(study: Study) -> dict[str, str]:
    """The seeds, epochs, settings and activations of the stored runs the report reads."""
    specs = [s for s in study.every_setting_specs() if not s.benchmark]
    return {
        "seeds": span([len(s.seeds) for s in specs]),
        "epochs": span([s.epochs for s in specs]),
        "settings": ", ".join(["main", *study.settings()]),
        "activations": ", ".join(dict.fromkeys(a for s in specs for a in s.activations)),
    }


def banner(study: Study) -> str:
    """A block atop the report; empty for the reference."""
    if is_reference(study):
        return ""
    u = used(study)
    options = " ".join(study.selection.options())
    return (
        f"> **Preview: not the reference results.** Made with `{options}` from stored runs of {u['seeds']} seed(s) "
        f"and {u['epochs']} epoch(s) per group; settings: {u['settings']}; activations: {u['activations']}. "
        "Its verdicts follow the same rules from far fewer runs than the reference (`--profile full`, "
        "committed in `report/`), so read them as a check that the study runs, not as its findings.\n\n"
    )
