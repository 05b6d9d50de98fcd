"""One group's steady training step taken apart (TensorFlow): its time as the study trains it and with
XLA, on one thread and on two, and where it goes by kind of op.

Each variant trains the `make bench` group (12 models, depth 10, width 100, MNIST-1D) in a fresh
process for 4 epochs and reports the steady milliseconds per step (the epochs after the first);
XLA (`jit_compile=True`) needs TensorFlow's op determinism off, which Keras requires for it. Then
one epoch of the group as the study trains it goes through TensorFlow's profiler, and the op time is
summed by kind: the matrix products, Adam's update, the activations, their split and concatenation, the
rest (op time, one thread).
Run: python bench/engine_step.py [--threads 1,2]
"""

import argparse
import collections
import glob
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CHILD = """
import sys, numpy as np
from study.run import threads
threads.limit(int(sys.argv[2]))
sys.path.insert(0, "bench")
from engine_step import group_and_data
from study.train import engine
xla = sys.argv[1] == "xla"
if xla:
    def compile_model(model, spec, loss, n):
        model.compile(optimizer=engine.make_optimizer(spec), loss=loss,
                      steps_per_execution=engine.steps_per_execution(spec, n), jit_compile=True)
    engine.compile_model = compile_model
spec, data = group_and_data(deterministic=not xla)
times = []
model = engine.fit_group(spec, data, times)
assert model.jit_compile == xla
print(1000 * np.mean(times[1:]) / spec.steps_per_epoch(len(data.x_train)))
"""

KINDS = {  # kinds of op by their type as TensorFlow names it (a substring of it); Adam's by its name scope
    "matrix products": ("MatMul", "Einsum"),
    "activations and their gradients": ("Sigmoid", "Tanh", "Relu", "Elu", "Selu"),
    "split and concatenation": ("ConcatV2", "SplitV"),
}
OPTIMIZER_SCOPE = "/adam/"


def group_and_data(deterministic=True):
    import dataclasses

    sys.path.insert(0, os.path.dirname(__file__))
    from engine_vs_plain import WORKLOADS

    from study.train import engine

    spec = dataclasses.replace(WORKLOADS["bench"], epochs=4, deterministic=deterministic)
    return spec, engine.load_data(spec)


def kind_of(name: str, op_type: str) -> str:
    if OPTIMIZER_SCOPE in name:
        return "Adam's update"
    for kind, types in KINDS.items():
        if any(t in op_type for t in types):
            return kind
    return "the rest: biases, loss, reading variables, reductions, elementwise products and sums"


def profile_epoch() -> dict[str, float]:
    """Milliseconds per step by kind of op, over one steady epoch."""
    import tensorflow as tf
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    from study.train import engine

    spec, data = group_and_data()
    model, _ = engine.build_group(spec, data)
    orders = list(engine.batch_orders(spec, len(data.x_train)))
    engine.fit_epoch(model, spec, data, orders[0])  # traced here, not in the profile
    with tempfile.TemporaryDirectory() as folder:
        tf.profiler.experimental.start(folder)
        engine.fit_epoch(model, spec, data, orders[1])
        tf.profiler.experimental.stop()
        space = xplane_pb2.XSpace()
        space.ParseFromString(open(glob.glob(f"{folder}/plugins/profile/*/*.xplane.pb")[0], "rb").read())
    by_kind = collections.Counter()
    for plane in space.planes:
        names = {k: v.name for k, v in plane.event_metadata.items()}
        for line in plane.lines:
            for event in line.events:
                name = names.get(event.metadata_id, "")
                if ":" in name and "/" in name:  # an op of the step: "scope/.../name:OpType"
                    by_kind[kind_of(*name.rsplit(":", 1))] += event.duration_ps / 1e9
    steps = spec.steps_per_epoch(len(data.x_train))
    return {kind: ms / steps for kind, ms in by_kind.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts to time")
    args = parser.parse_args()
    for n in [int(t) for t in args.threads.split(",")]:
        ms = {}
        for variant in ("as trained", "xla"):
            out = subprocess.run([sys.executable, "-c", CHILD, variant, str(n)], capture_output=True, text=True)
            if out.returncode:
                sys.exit(out.stderr.strip().splitlines()[-1])
            ms[variant] = float(out.stdout.strip().splitlines()[-1])
        print(f"{n} thread(s): {ms['as trained']:.2f} ms a step as trained, {ms['xla']:.2f} ms with XLA", flush=True)
    from study.run import threads

    threads.limit(1)
    kinds = profile_epoch()
    total = sum(kinds.values())
    print(f"one thread, by kind of op ({total:.2f} ms of op time a step):")
    for kind, ms in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"  {kind:<75} {ms:6.2f} ms  {100 * ms / total:3.0f}%")


if __name__ == "__main__":
    main()
