"""Data sets: generated or shipped, float32, standardised, with a disjoint validation split."""

import random

import numpy as np
import pytest

from study.errors import UnknownChoice
from study.spec import datasets


def test_mnist1d_offline_float32_and_global_random_state_kept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    random.seed(123)
    np.random.seed(123)
    before = (random.random(), np.random.rand())
    random.seed(123)
    np.random.seed(123)
    d = datasets.load.__wrapped__("mnist1d")
    assert (random.random(), np.random.rand()) == before, "make_dataset's reseeding leaked out"
    assert list(tmp_path.iterdir()) == [], "nothing may be written in the working directory"
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int32
    assert (len(d.x_train) + len(d.x_val), len(d.x_test), d.n_features, d.n_classes) == (4000, 1000, 40, 10)
    np.testing.assert_allclose(d.x_train.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(d.x_train.std(0), 1, atol=1e-4)


def test_validation_split_is_carved_from_training_data_and_disjoint():
    d = datasets.load("digits", val_fraction=0.2, seed=3)
    rows = lambda x: {r.tobytes() for r in x}  # noqa: E731
    assert not rows(d.x_train) & rows(d.x_val)
    assert len(d.x_val) == round(0.2 * (len(d.x_train) + len(d.x_val)))
    again = datasets.load.__wrapped__("digits", val_fraction=0.2, seed=3)
    np.testing.assert_array_equal(d.x_val, again.x_val)
    other = datasets.load.__wrapped__("digits", val_fraction=0.2, seed=4)
    assert not np.array_equal(d.x_val, other.x_val)


def test_n_train_subsamples_only_the_training_split():
    full, small = datasets.load("digits"), datasets.load("digits", n_train=100)
    assert len(small.x_train) == 100
    # The same validation and test examples (their scaling follows the smaller training split).
    np.testing.assert_array_equal(full.y_val, small.y_val)
    np.testing.assert_array_equal(full.y_test, small.y_test)
    np.testing.assert_allclose(np.corrcoef(full.x_val[:, 10], small.x_val[:, 10])[0, 1], 1, rtol=1e-5)


def test_inputs_scaled_to_the_unit_range_with_the_training_splits_extremes():
    standard, unit = datasets.load("mnist1d"), datasets.load("mnist1d", inputs="unit_range")
    np.testing.assert_allclose(unit.x_train.min(0), 0, atol=1e-6)
    np.testing.assert_allclose(unit.x_train.max(0), 1, atol=1e-6)
    np.testing.assert_allclose(np.corrcoef(standard.x_val[:, 5], unit.x_val[:, 5])[0, 1], 1, rtol=1e-5)
    np.testing.assert_array_equal(standard.y_train, unit.y_train)
    with pytest.raises(ValueError, match="standardised"):
        datasets.load("mnist1d", inputs="whitened")


def test_few_relevant_features_task():
    d = datasets.load("few_relevant")
    assert d.n_features == 100 and d.n_classes == 2


def test_unknown_data_set_names_the_choices():
    with pytest.raises(UnknownChoice, match="mnist1d.*digits.*few_relevant"):
        datasets.load("bogus")


def test_keras_mnist_offline_fails_with_a_clear_message():
    try:
        datasets.load.__wrapped__("mnist")
    except RuntimeError as exc:
        assert "no network" in str(exc) and "mnist1d" in str(exc)
    else:  # a machine with network access downloaded it: still a valid data set
        pytest.skip("network available: the download worked")


@pytest.mark.parametrize("n", [2, 10])
def test_few_relevant_signal_lies_in_the_informative_features_only(n):
    """A linear classifier on the features the generator calls informative learns the task; on the others it
    stays at chance."""
    from sklearn.linear_model import LogisticRegression

    data = datasets.load(f"few_relevant_{n}")
    mask = datasets.relevant_features(f"few_relevant_{n}")
    assert data.n_features == 100 and mask.sum() == n and mask[:n].all()

    def accuracy(columns):
        model = LogisticRegression(max_iter=2000).fit(data.x_train[:, columns], data.y_train)
        return model.score(data.x_test[:, columns], data.y_test)

    assert accuracy(mask) > 0.7
    assert abs(accuracy(~mask) - 0.5) < 0.06
    assert datasets.relevant_features("mnist1d") is None
