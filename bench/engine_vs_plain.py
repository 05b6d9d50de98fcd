"""Plain one-model-at-a-time Keras training vs the stacked engine, side by side in one run.

The same 12 models (4 activations x 3 seeds; depth 10, width 100; MNIST-1D; 5 epochs;
batch 128) are built, compiled and trained on the same batches both ways. Printed last:
the ratio of the two wall times (plain / engine; above 1 means the engine is faster).
Run: make bench   (or: python bench/engine_vs_plain.py [--repeats N])
"""

import argparse
import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from study import engine  # noqa: E402
from study.activations import MAIN_FOUR  # noqa: E402
from study.config import GroupSpec  # noqa: E402

SPEC = GroupSpec("mnist1d", depth=10, width=100, activations=MAIN_FOUR, seeds=(0, 1, 2), epochs=5,
                 batch_size=128)


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="alternate the two paths N times")
    args = parser.parse_args()
    data = engine.load_data(SPEC)
    print(f"backend {SPEC.backend}, device {engine.device()}; {len(SPEC.branches)} models, depth {SPEC.depth}, "
          f"width {SPEC.width}, {SPEC.epochs} epochs, {len(data.x_train)} examples, batch {SPEC.batch_size}")
    # Untimed warm-up: TensorFlow's one-time start-up costs must not fall on whichever path runs first.
    warm = GroupSpec("mnist1d", depth=1, width=8, activations=("relu",), seeds=(0,), epochs=1)
    engine.fit_group(warm, data)
    engine.train_plain(warm, data)
    plain, stacked = [], []
    for i in range(args.repeats):  # alternated, each going first in turn, under the same machine load
        order = [("plain", plain), ("engine", stacked)][:: 1 if i % 2 == 0 else -1]
        for name, times in order:
            fn = engine.train_plain if name == "plain" else engine.fit_group
            times.append(timed(lambda: fn(SPEC, data)))
            label = "plain  (one model at a time)" if name == "plain" else "engine (stacked group)      "
            print(f"{label}: {times[-1]:7.1f} s", flush=True)
    best_plain, best_engine = min(plain), min(stacked)
    print(f"wall time plain {best_plain:.1f} s, engine {best_engine:.1f} s")
    print(f"ratio plain/engine: {best_plain / best_engine:.2f}x")


if __name__ == "__main__":
    main()
