"""The store: finished runs on disk (`results`), the locks that give each group one worker (`locks`), and
which code made a result (`provenance`). `from study import store` gives the first two's names."""

from study.errors import MissingInput, MissingRuns
from study.store.locks import Claim, claim, clear_stale, holder, holder_info, lock_path
from study.store.results import (
    ABSENT,
    CONFIG_COLUMNS,
    FILES,
    FINISHED,
    MARKER,
    DamagedRuns,
    check,
    damaged,
    is_done,
    load,
    load_info,
    read_config,
    run_dir,
    save,
    sha256,
    state,
    states,
    variants,
)

__all__ = [
    "MissingInput",
    "MissingRuns",
    "ABSENT",
    "CONFIG_COLUMNS",
    "FILES",
    "FINISHED",
    "MARKER",
    "Claim",
    "DamagedRuns",
    "check",
    "claim",
    "clear_stale",
    "damaged",
    "holder",
    "holder_info",
    "is_done",
    "load",
    "load_info",
    "lock_path",
    "read_config",
    "run_dir",
    "save",
    "sha256",
    "state",
    "states",
    "variants",
]
