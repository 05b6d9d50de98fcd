"""What is recorded while a group trains, and when.

After every epoch: the loss (and accuracy) on the validation split, all of it, and on the training
split's probe set (its first `probe_size` examples, the set the layer probes read: a fixed sample
of the training split, a fraction of the cost of all of it). At the recorded epochs (0, the
doublings and the last; `config.record_epochs`) also on the test split, all of it, and the layer
probes, gradient norms and model-level probes.

Rows are long format: (activation, seed, epoch, layer, metric, value, step); layer -1 is the
whole model, step the training steps taken when the row was recorded (traced rows fall between
epoch ends; their epoch is the number of epochs completed). Definitions of the per-layer measures are in
`study/train/probes.py`.
"""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd

from study.spec import activations, datasets
from study.spec.config import DIVERGENCE_FACTOR
from study.train import flips, gradients, models, probes

# A diverged branch (config.DIVERGENCE_FACTOR) stays flagged from that epoch on (its weights are
# usually not finite any more); the others train on, and the analyses leave it out with a count.


COLUMNS = ["activation", "seed", "epoch", "layer", "metric", "value", "step"]
TRACED = ("act_mean", "act_p02", "act_p98")  # recorded every spec.trace_every steps when it is set


class Recorder:
    """Collects long-format rows: (activation, seed, epoch, layer, metric, value, step)."""

    def __init__(self, branches, steps_per_epoch=1):
        self.branches, self.steps_per_epoch = branches, steps_per_epoch
        self.rows = []

    def add(self, epoch, metric, values, layer=-1, step=None):
        step = epoch * self.steps_per_epoch if step is None else step
        for (act, seed), v in zip(self.branches, values):
            self.rows.append((act, seed, epoch, layer, metric, float(v), step))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=COLUMNS)


def _log_softmax(logits):
    logits = logits.astype(np.float64)
    shifted = logits - logits.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def branch_scores(outputs, y, task="classification"):
    """Per-branch mean loss and accuracy (None for regression); outputs (batch, K, n_outputs)."""
    if task == "regression":
        return ((outputs[..., 0].astype(np.float64) - y[:, None]) ** 2).mean(0), None
    logp = _log_softmax(outputs)
    picked = np.take_along_axis(logp, y[:, None, None].astype(np.int64), axis=-1)[..., 0]
    return -picked.mean(0), (outputs.argmax(-1) == y[:, None]).mean(0)


def outputs_of(model, x):
    """The model's outputs on x in one compiled call (Keras's predict function, traced once per
    input shape), as NumPy; the same numbers as the eager call, in about 60% of its time."""
    return np.asarray(model.predict_on_batch(x))


class Scored:
    """Splits scored together: their inputs joined once, so each epoch makes one compiled call."""

    def __init__(self, splits: dict):
        self.x = np.concatenate([x for x, _ in splits.values()])
        self.labels = {split: y for split, (_, y) in splits.items()}
        self.ends = np.cumsum([len(x) for x, _ in splits.values()])[:-1]

    def __call__(self, model) -> dict:
        """{split: (outputs, labels)}."""
        outputs = np.split(outputs_of(model, self.x), self.ends)
        return {split: (out, y) for (split, y), out in zip(self.labels.items(), outputs)}


class Meter:
    """Measures one group after each epoch; `meter(epoch, wall_time)` adds its rows to `meter.recorder`."""

    def __init__(self, spec, model, loss, data):
        self.spec, self.model, self.loss, self.data = spec, model, loss, data
        self.acts = [activations.get(a) for a, _ in spec.branches]
        self.blocks = models.blocks_of([a for a, _ in spec.branches])  # consecutive branches of one activation
        self.recorder = Recorder(spec.branches, spec.steps_per_epoch(len(data.x_train)))
        self.layer_outputs = models.probe_model(model)
        self.parameters = models.layer_parameters(model)  # per hidden layer: kernel (and normalisation)
        self.x_probe, self.y_probe = data.x_train[: spec.probe_size], data.y_train[: spec.probe_size]
        every_epoch = {"train": (self.x_probe, self.y_probe), "val": (data.x_val, data.y_val)}
        self.every_epoch, self.recorded = (
            Scored(every_epoch),
            Scored({**every_epoch, "test": (data.x_test, data.y_test)}),
        )
        self.first_loss = self.diverged = None
        self.dormant_before = None  # per layer, (K, units): units negative on every probe input
        kinked = [a.kinked for a in self.acts]
        self.lines = probes.lines_through(self.x_probe, spec.data_seed) if any(kinked) else None
        self.preactivations = models.preactivation_model(model) if any(kinked) else None
        self.kinked = np.array(kinked)
        self.relevant = datasets.relevant_features(spec.dataset)

    def __call__(self, epoch, wall):
        rec, spec = self.recorder, self.spec
        scored = self.recorded if epoch in spec.record_epochs else self.every_epoch
        for split, (outputs, y) in scored(self.model).items():
            loss, acc = branch_scores(outputs, y, spec.task)
            rec.add(epoch, f"{split}_loss", loss)
            if acc is not None:
                rec.add(epoch, f"{split}_accuracy", acc)
            if split == "test" and spec.sign_twins:  # C3's exact test: how far each flip ends from its twin
                rec.add(epoch, "twin_output_difference", flips.output_differences(outputs, spec.branches))
            if split == "train":
                self.first_loss = loss if self.first_loss is None else self.first_loss
                now = ~np.isfinite(loss) | (loss > DIVERGENCE_FACTOR * self.first_loss)
                self.diverged = now if self.diverged is None else self.diverged | now
                rec.add(epoch, "diverged", self.diverged.astype(float))
        rec.add(epoch, "wall_time", [wall] * len(self.acts))
        if epoch in spec.record_epochs:
            self.layers(epoch)
            if self.relevant is not None:
                first = keras.ops.convert_to_numpy(self.parameters[0][0])  # (K, inputs, units)
                rec.add(epoch, "relevance_auc", probes.relevance_auc(first, self.relevant), 0)
                rec.add(epoch, "relevance_share", probes.relevance_share(first, self.relevant), 0)
            if self.data.x_grid is not None:
                rec.add(
                    epoch,
                    "collapsed",
                    probes.collapsed(outputs_of(self.model, self.data.x_grid)[..., 0], self.data.y_grid),
                )
        if self.lines is not None and epoch in (0, spec.epochs):
            counts = probes.regions_along_lines(self.preactivations, self.lines)
            rec.add(epoch, "linear_regions", np.where(self.kinked, counts, np.nan))

    def layers(self, epoch):
        rec, spec = self.recorder, self.spec
        # (K, examples, units); a convolution's units are its positions x channels
        outs = [probes.as_units(o) for o in self.layer_outputs.predict_on_batch(self.x_probe)]
        norms = gradients.kernel_grad_norms(self.model, self.loss, self.x_probe, self.y_probe, self.parameters)
        dormant_now = []
        for layer in range(spec.depth):
            z, a = outs[2 * layer], outs[2 * layer + 1]
            per_block = [probes.layer_metrics(z[i:j], a[i:j], activations.get(name)) for name, i, j in self.blocks]
            for metric in per_block[0]:
                rec.add(epoch, metric, np.concatenate([m[metric] for m in per_block]), layer)
            rec.add(epoch, "grad_norm", norms[layer], layer)
            dormant_now.append(probes.dormant_units(z))
            if self.dormant_before is not None:
                rec.add(epoch, "revived", probes.revived(self.dormant_before[layer], dormant_now[layer]), layer)
        self.dormant_before = dormant_now

    def trace(self, step):
        """Each hidden layer's activation mean and 2nd and 98th percentiles over the probe set,
        per branch, after `step` training steps (Glorot & Bengio 2010, Figure 2)."""
        outs = self.layer_outputs.predict_on_batch(self.x_probe)
        epoch = step // self.recorder.steps_per_epoch
        for layer in range(self.spec.depth):
            a = np.asarray(outs[2 * layer + 1], dtype=np.float64).reshape(len(self.acts), -1)  # (K, examples x units)
            low, high = np.percentile(a, [2, 98], axis=1)
            for metric, values in zip(TRACED, (a.mean(axis=1), low, high)):
                self.recorder.add(epoch, metric, values, layer, step)
