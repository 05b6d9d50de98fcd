"""Where a group's time goes: process start (imports), data, building, fitting, evaluation, probes.

Trains groups (of the quick profile unless told) the way `python -m study run` does (engine.train_group's
loop, without the traced chunks of the groups that trace every few steps),
timing each part; evaluation is the splits' loss and accuracy after every epoch (study/train/measure.py
says which when), probes are the layer measurements, gradient norms and linear regions at the recorded
epochs. Each group is trained twice: first as the first of its structure in the process (everything
traced), then as a worker trains a later group of a structure it met before (the model taken over,
study/train/reuse.py). Measurement is evaluation and probes together, as a share of the fit.
Run: python bench/time_breakdown.py [EXPERIMENT:INDEX ...]   (default: sparsity:3 collapse:0 convergence:0)
     [--profile full] [--setting cnn] [--once]   (another profile's or setting's groups; full ones take minutes)
"""

import argparse
import os
import time
from dataclasses import replace

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
t_start = time.perf_counter()

from study.spec import activations, grid  # noqa: E402
from study.train import engine, environment, probes  # noqa: E402
from study.train.measure import Meter  # noqa: E402

START = time.perf_counter() - t_start


class Clock:
    """Seconds spent inside the wrapped functions."""

    def __init__(self):
        self.seconds = 0.0

    def wrap(self, fn):
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t0

        return timed


def breakdown(spec) -> dict:
    probe_clock = Clock()
    layers, regions = Meter.layers, probes.regions_along_lines
    Meter.layers, probes.regions_along_lines = probe_clock.wrap(layers), probe_clock.wrap(regions)
    try:
        t0 = time.perf_counter()
        data = engine.load_data(spec)
        t1 = time.perf_counter()
        model, loss = engine.build_group(spec, data)
        meter = Meter(spec, model, loss, data)
        t2 = time.perf_counter()
        fit = measure = 0.0
        t = time.perf_counter()
        meter(0, 0.0)
        measure += time.perf_counter() - t
        for epoch, order in enumerate(engine.batch_orders(spec, len(data.x_train)), start=1):
            fit += engine.fit_epoch(model, spec, data, order)
            t = time.perf_counter()
            meter(epoch, fit)
            measure += time.perf_counter() - t
    finally:
        Meter.layers, probes.regions_along_lines = layers, regions
    return {
        "data": t1 - t0,
        "build": t2 - t1,
        "fit": fit,
        "evaluation": measure - probe_clock.seconds,
        "probes": probe_clock.seconds,
    }


def arithmetic_share(spec, data) -> float:
    """The measurement's examples passed through the net, as a share of the fit's: a forward pass
    counts 1 and a training step 3 (its forward and two backward products). What measuring the same
    things costs in arithmetic, whatever the code; its passes are in large batches, cheaper per
    example than the fit's steps, so the measured share can come out below it."""
    probe, recorded = min(spec.probe_size, len(data.x_train)), len(spec.record_epochs)
    evaluation = (spec.epochs + 1) * (probe + len(data.x_val)) + recorded * len(data.x_test)
    layers_and_gradients = recorded * probe * (1 + 3)
    kinked = any(activations.get(a).kinked for a, _ in spec.branches)
    regions = 2 * probes.N_LINES * probes.POINTS_PER_LINE if kinked else 0
    on_grid = recorded * len(data.x_grid) if data.x_grid is not None else 0
    return (evaluation + layers_and_gradients + regions + on_grid) / (3 * spec.epochs * len(data.x_train))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", default=["sparsity:3", "collapse:0", "convergence:0"])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--setting", default=None)
    parser.add_argument("--once", action="store_true", help="each group trained once, as the first of its structure")
    args = parser.parse_args()
    selection = replace(grid.Selection(args.profile), setting=args.setting)
    print(
        f"backend {os.environ['KERAS_BACKEND']}, device {environment.device()}; process start (imports) {START:.1f} s"
    )
    for item in args.groups:
        name, index = item.split(":")
        spec = selection.specs(grid.get(name))[int(index)]
        print(f"{item} (depth {spec.depth}, K={len(spec.branches)}, {spec.epochs} epochs)")
        for when in ("first of its structure", "taken over")[: 1 if args.once else 2]:
            b = breakdown(spec)
            fit, measured = b["fit"], b["evaluation"] + b["probes"]
            parts = ", ".join(f"{k} {b[k]:.1f} s" for k in ("data", "build", "fit", "evaluation", "probes"))
            print(f"  {when:>22}: {parts}; measurement {100 * measured / fit:.0f}% of fit", flush=True)
        floor = arithmetic_share(spec, engine.load_data(spec))
        print(f"  its arithmetic: {100 * floor:.0f}% of the fit's (examples through the net, a training step 3)")


if __name__ == "__main__":
    main()
