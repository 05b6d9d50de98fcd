"""Plain one-model-at-a-time Keras training vs the stacked engine, side by side in one run.

The same 12 models (4 activations x 3 seeds) are built, compiled and trained on the same
batches both ways, under whatever backend and device Keras finds (KERAS_BACKEND; a GPU when
there is one). Printed last: the ratios plain / engine (above 1: the engine is faster) of
  wall time  everything, building, compiling and tracing included;
  per step   the steady training step, from the epochs after the first (which traces);
and, for scale, the group's batched matrix products alone (each layer's forward product and its two
backward ones, on random arrays, nothing else): no engine built on them takes a step in less, so
plain step / that time bounds the per-step ratio on this device.
Workloads:
  bench  depth 10, width 100, MNIST-1D, 5 epochs, batch 128 (the default; minutes on a laptop CPU)
  large  depth 10, width 1000, 784 inputs (MNIST-sized, random data), 8192 examples, 3 epochs:
         for a GPU (about 90 GFLOP a step for the group: far too slow for a laptop CPU)
Run: make bench   (or: python bench/engine_vs_plain.py [--workload large] [--repeats N])
"""

import argparse
import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from study.spec import datasets  # noqa: E402
from study.spec.activations import MAIN_FOUR  # noqa: E402
from study.spec.config import GroupSpec  # noqa: E402
from study.train import engine, environment, reuse  # noqa: E402

WORKLOADS = {
    "bench": GroupSpec(
        "mnist1d", depth=10, width=100, activations=MAIN_FOUR, seeds=(0, 1, 2), epochs=5, batch_size=128
    ),
    "large": GroupSpec("mnist", depth=10, width=1000, activations=MAIN_FOUR, seeds=(0, 1, 2), epochs=3, batch_size=128),
}


def random_mnist_sized(n=8192, seed=0) -> datasets.Splits:
    """Inputs of MNIST's size (784 features, 10 classes), random: timing needs no real images."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 784)).astype(np.float32)
    y = rng.integers(0, 10, n)
    return datasets.Splits("random-784", x, y, x[:256], y[:256], x[:256], y[:256])


def steady_step(epoch_times, steps) -> float:
    """Seconds per training step over the epochs after the first (the first traces and compiles)."""
    return float(np.mean(epoch_times[1:])) / steps


def matmuls_alone(spec, n_features: int, n_outputs: int, repeats: int = 30) -> float:
    """Seconds per training step of the group's batched matrix products alone (TensorFlow: traced once)."""
    import keras

    k, b = len(spec.branches), spec.batch_size
    sizes = [n_features] + [spec.width] * spec.depth + [n_outputs]
    rng = np.random.default_rng(0)
    weights = [
        keras.ops.convert_to_tensor(rng.normal(size=(k, i, o)).astype(np.float32)) for i, o in zip(sizes, sizes[1:])
    ]
    inputs = [keras.ops.convert_to_tensor(rng.normal(size=(k, b, i)).astype(np.float32)) for i in sizes[:-1]]
    grads = [keras.ops.convert_to_tensor(rng.normal(size=(k, b, o)).astype(np.float32)) for o in sizes[1:]]

    def step(weights, inputs, grads):  # every product's sum returned, so none is left out
        total = 0.0
        for w, x, g in zip(weights, inputs, grads):
            total += keras.ops.sum(keras.ops.matmul(x, w))  # forward
            total += keras.ops.sum(keras.ops.matmul(g, keras.ops.transpose(w, (0, 2, 1))))  # to the layer below
            total += keras.ops.sum(keras.ops.matmul(keras.ops.transpose(x, (0, 2, 1)), g))  # to the weights
        return total

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        step = tf.function(step)
    elif keras.backend.backend() == "jax":
        import jax

        step = jax.jit(step)
    best = float("inf")
    for _ in range(3):
        float(step(weights, inputs, grads))  # warm (traced, compiled)
        t0 = time.perf_counter()
        for _ in range(repeats):
            float(step(weights, inputs, grads))
        best = min(best, (time.perf_counter() - t0) / repeats)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default="bench", choices=list(WORKLOADS))
    parser.add_argument("--repeats", type=int, default=1, help="alternate the two paths N times")
    args = parser.parse_args()
    spec = WORKLOADS[args.workload]
    data = engine.load_data(spec) if args.workload == "bench" else random_mnist_sized()
    steps = -(-len(data.x_train) // spec.batch_size)
    print(
        f"backend {spec.backend}, device {environment.device()}; workload {args.workload}: "
        f"{len(spec.branches)} models, "
        f"depth {spec.depth}, width {spec.width}, {data.n_features} inputs, {spec.epochs} epochs of {steps} steps "
        f"({len(data.x_train)} examples, batch {spec.batch_size})"
    )
    # Untimed warm-up: the backend's one-time start-up costs must not fall on whichever path runs first.
    warm = GroupSpec("mnist1d", depth=1, width=8, activations=("relu",), seeds=(0,), epochs=1)
    warm_data = engine.load_data(warm) if args.workload == "bench" else data
    engine.fit_group(warm, warm_data)
    engine.train_plain(warm, warm_data)
    walls = {"plain": [], "engine": []}
    per_step = {"plain": [], "engine": []}
    for i in range(args.repeats):  # alternated, each going first in turn, under the same machine load
        for name in ["plain", "engine"] if i % 2 == 0 else ["engine", "plain"]:
            epochs = []
            t0 = time.perf_counter()
            if name == "plain":
                engine.train_plain(spec, data, epochs)
                step = sum(steady_step(model_epochs, steps) for model_epochs in epochs)
            else:
                reuse.forget()  # built and traced anew, as the plain path's models are
                engine.fit_group(spec, data, epochs)
                step = steady_step(epochs, steps)
            walls[name].append(time.perf_counter() - t0)
            per_step[name].append(step)
            label = "plain  (one model at a time)" if name == "plain" else "engine (stacked group)      "
            print(f"{label}: {walls[name][-1]:7.1f} s, {1000 * step:7.2f} ms per step (all 12 models)", flush=True)
    wall = {k: min(v) for k, v in walls.items()}
    step = {k: min(v) for k, v in per_step.items()}
    print(f"wall time plain {wall['plain']:.1f} s, engine {wall['engine']:.1f} s")
    print(f"per step plain {1000 * step['plain']:.2f} ms, engine {1000 * step['engine']:.2f} ms")
    print(
        f"ratio plain/engine: per step {step['plain'] / step['engine']:.2f}x, "
        f"wall time {wall['plain'] / wall['engine']:.2f}x ({environment.device()})"
    )
    alone = matmuls_alone(spec, data.n_features, data.n_outputs)
    print(
        f"the group's matrix products alone: {1000 * alone:.2f} ms per step; no engine of them beats "
        f"{step['plain'] / alone:.2f}x per step here"
    )


if __name__ == "__main__":
    main()
