"""Why ReLU? A reproducible study of activation functions in deep networks.

The package follows the data, one way:

    spec      what is trained: profiles, experiments, groups, settings, activations, data sets
    train     a group trained and measured (models, engine, probes, cost benchmark)
    store     finished runs on disk, the locks that give each group one worker, provenance
    run       sweeps: a worker per group, in a pool of processes, a SLURM array, on each backend
    analysis  the stored runs read back: selections, statistics, verdict rules, figure style
    claims    one module per claim: its evidence, verdict, text and figures
    report    figures, the claims ledger and the written report
    cli       `python -m study`; `study.data` is the metrics and the ledger as pandas frames

Each layer imports only the layers above it in this list (tests/test_layout.py checks it).
"""

import importlib
import importlib.abc
import importlib.util
import sys

# Modules that moved into the layers keep their old import paths: `from study.config import GroupSpec`
# still works, for notebooks and scripts written against them.
MOVED = {
    "study.config": "study.spec.config",
    "study.grid": "study.spec.grid",
    "study.activations": "study.spec.activations",
    "study.datasets": "study.spec.datasets",
    "study.selection": "study.analysis.selection",
    "study.stats": "study.analysis.stats",
    "study.verdicts": "study.analysis.verdicts",
    "study.ledger": "study.report.ledger",
}


class _Moved(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        return importlib.util.spec_from_loader(name, self) if name in MOVED else None

    def create_module(self, spec):
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module):
        pass


sys.meta_path.append(_Moved())
