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
    plain, stacked = [], []
    for _ in range(args.repeats):  # alternated so both see the same machine load
        plain.append(timed(lambda: engine.train_plain(SPEC, data)))
        print(f"plain  (one model at a time): {plain[-1]:7.1f} s", flush=True)
        stacked.append(timed(lambda: engine.fit_group(SPEC, data)))
        print(f"engine (stacked group):       {stacked[-1]:7.1f} s", flush=True)
    best_plain, best_engine = min(plain), min(stacked)
    print(f"wall time plain {best_plain:.1f} s, engine {best_engine:.1f} s")
    print(f"ratio plain/engine: {best_plain / best_engine:.2f}x")


if __name__ == "__main__":
    main()
