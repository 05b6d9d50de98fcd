"""What this means in practice: for each claim, what its verdict means for someone choosing an activation (the
claim module's PRACTICE sentence for its main verdict), and the settings the claim holds in, read from the
ledger's verdicts per setting."""

from __future__ import annotations

from study import claims


def where(entry: dict) -> str:
    """The settings the claim is supported in, and the others with their verdicts; '' with one setting."""
    settings = entry.get("settings") or []
    if len(settings) < 2:
        return ""
    held = [s["setting"] for s in settings if s["verdict"] == "supported"]
    other = [f"{s['setting']} ({s['verdict']})" for s in settings if s["verdict"] != "supported"]
    if not held:
        return f" Supported in none of its settings: {', '.join(other)}."
    return f" Supported in {', '.join(held)}" + (f"; not in {', '.join(other)}." if other else " (every setting).")


def section(led: dict) -> str:
    modules = {m.CLAIM: m for m in claims.modules()}
    lines = []
    for entry in led["claims"]:
        sentence = getattr(modules[entry["id"]], "PRACTICE", {}).get(entry["verdict"])
        if sentence:
            lines.append(f"- **{entry['id']}** ({entry['verdict']}). {sentence}{where(entry)}")
    if not lines:
        return ""
    return (
        "## What this means in practice\n\nFor each claim, what its verdict in the main setting means for someone "
        "choosing an activation, and the settings where it holds (Robustness defines them):\n\n"
        + "\n".join(lines)
        + "\n"
    )
