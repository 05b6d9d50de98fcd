"""What made the report: commits, versions, backend, device, profile, and how many models were trained."""

from __future__ import annotations

from study.analysis.study import Study
from study.report.backends import training_time
from study.store.provenance import device_label, git_commit


def model_count(specs, benchmark: bool = False) -> int:
    """How many models these groups train: those measured (the abstract's count), or the timing benchmark's (C8)."""
    return sum(len(s.branches) for s in specs if bool(s.benchmark) == benchmark)


def models_trained(specs) -> str:
    timing = model_count(specs, benchmark=True)
    return f"{model_count(specs)}" + (f" and {timing} in the timing benchmark" if timing else "")


def provenance(study: Study) -> dict:
    configs = study.every_setting_info()
    runs = [c["run"] for c in configs]
    first = runs[0]
    seeds = sorted({s for c in configs for s in c["spec"]["seeds"]})
    return {
        "report made at commit": git_commit(),
        "runs made at commit": ", ".join(sorted({r.get("commit", "unknown") for r in runs})),
        "profile": study.profile,
        "backend": ", ".join(sorted({r["backend"] for r in runs})),
        "device": ", ".join(sorted({device_label(r["device"]) for r in runs})),
        "versions": ", ".join(f"{k} {v}" for k, v in first["versions"].items()),
        "python": first["python"],
        "op determinism": ", ".join(sorted({str(r["op_determinism"]) for r in runs})),
        "seeds": ", ".join(map(str, seeds)),
        "groups (stored runs)": str(len(configs)),
        "models trained": models_trained(study.every_setting_specs()),
        "fitting time (summed over groups)": f"{sum(r['wall_time_s'] for r in runs):.0f} s",
        "training time in all (data, building, fitting, measuring)": f"{training_time(configs):.0f} s",
    }
