"""The training split fed through one kept pipeline trains to the numbers of `fit` on x[order]."""

import keras
import numpy as np
import pytest

from study.spec.config import GroupSpec
from study.train import engine, feed, models

SPEC = GroupSpec("mnist1d", depth=2, width=16, activations=("tanh", "relu"), seeds=(0, 1), epochs=2, n_train=300)

on_tensorflow = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="the pipeline is TensorFlow's")


@on_tensorflow
def test_the_batches_are_the_ordered_rows_cut_every_batch():
    x = np.arange(30, dtype=np.float32).reshape(10, 3)
    y = np.arange(10)
    kept = feed.Feed(x, y, batch_size=4)
    for order in (np.random.default_rng(0).permutation(10), np.arange(7)[::-1]):  # an epoch, then a shorter chunk
        kept.order[: len(order)].assign(order)
        batches = list(kept.pipeline(len(order)).as_numpy_iterator())
        assert [len(b[1]) for b in batches] == [len(order[i : i + 4]) for i in range(0, len(order), 4)]
        np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x[order])
        np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y[order])


def weights_after_training(fit_one):
    data = engine.load_data(SPEC)
    model = models.plain("mlp", SPEC.depth, SPEC.width, "tanh", data.n_features, data.n_outputs, seed=0)
    engine.compile_model(model, SPEC, engine.plain_loss(SPEC.task), len(data.x_train))
    for order in engine.batch_orders(SPEC, len(data.x_train)):
        fit_one(model, data, order)
        fit_one(model, data, order[: 3 * SPEC.batch_size + 5])  # a traced chunk: other length, partial batch
    return model.get_weights()


@on_tensorflow
def test_training_through_the_feed_ends_at_the_weights_of_fit_on_the_ordered_arrays():
    def through_arrays(model, data, order):
        model.fit(data.x_train[order], data.y_train[order], batch_size=SPEC.batch_size, shuffle=False, verbose=0)

    def through_feed(model, data, order):
        feed.fit(model, data.x_train, data.y_train, order, SPEC.batch_size)

    expected, got = weights_after_training(through_arrays), weights_after_training(through_feed)
    assert any(np.any(w != w0) for w, w0 in zip(got, weights_after_training(lambda *a: None)))  # it trained
    for w, w0 in zip(got, expected):
        np.testing.assert_array_equal(w, w0)


@on_tensorflow
def test_a_new_training_split_gets_a_new_pipeline():
    x, y = np.zeros((8, 2), np.float32), np.zeros(8, int)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    model.compile("sgd", "sparse_categorical_crossentropy")
    feed.fit(model, x, y, np.arange(8), 4)
    first = feed._kept[0]
    feed.fit(model, x, y, np.arange(8), 4)
    assert feed._kept[0] is first  # the same split: kept
    feed.fit(model, x.copy(), y, np.arange(8), 4)
    assert feed._kept[0] is not first and feed._kept[0].sources[0] is not x
    second = feed._kept[0]
    feed.fit(model, second.sources[0], np.ones(8, int), np.arange(8), 4)  # the same inputs, other labels
    assert feed._kept[0] is not second
