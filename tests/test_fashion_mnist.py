"""Fashion-MNIST: the IDX files read and checked, the folders looked in, a missing data set in one line.

Tests make small IDX files of their own; none needs the network. The real files are read where Debian's
package is installed (make test installs it as root).
"""

import gzip
import hashlib

import numpy as np
import pytest

from study.cli.main import main
from study.errors import MissingData
from study.spec import datasets, fashion_mnist, grid


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, ">i4").tobytes()
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def small_files(tmp_path):
    """Four IDX files of 6 training and 4 test images in tmp_path/data, and their checksums."""
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (6, 28, 28)),
        "train-labels-idx1-ubyte.gz": np.arange(6) % 10,
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (4, 28, 28)),
        "t10k-labels-idx1-ubyte.gz": np.arange(4),
    }
    folder = tmp_path / "data"
    folder.mkdir()
    sums = {}
    for name, array in arrays.items():
        raw = idx_bytes(array)
        (folder / name).write_bytes(gzip.compress(raw))
        sums[name] = hashlib.sha256(raw).hexdigest()
    return folder, sums, arrays


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """Neither Debian's folder nor Keras's cache nor a download: only what STUDY_DATA names."""
    monkeypatch.setattr(fashion_mnist, "DEBIAN", tmp_path / "no-debian")
    monkeypatch.setattr(fashion_mnist, "keras_cache", lambda: tmp_path / "no-keras")
    monkeypatch.setattr(fashion_mnist, "download", lambda: None)
    monkeypatch.delenv(fashion_mnist.ENV, raising=False)


def test_the_files_are_read_from_the_folder_study_data_names(small_files, nowhere, monkeypatch):
    folder, sums, arrays = small_files
    monkeypatch.setenv(fashion_mnist.ENV, str(folder))
    x_train, y_train, x_test, y_test = fashion_mnist.load(sums)
    assert x_train.shape == (6, 784) and x_test.shape == (4, 784)
    assert x_train.dtype == np.float32 and 0 <= x_train.min() and x_train.max() <= 1
    np.testing.assert_allclose(x_train * 255, arrays["train-images-idx3-ubyte.gz"].reshape(6, 784), atol=1e-4)
    np.testing.assert_array_equal(y_train, arrays["train-labels-idx1-ubyte.gz"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte.gz"])


def test_a_changed_byte_fails_the_checksum(small_files, nowhere, monkeypatch):
    folder, sums, arrays = small_files
    monkeypatch.setenv(fashion_mnist.ENV, str(folder))
    images = arrays["t10k-images-idx3-ubyte.gz"].copy()
    images[2, 14, 14] ^= 1  # one pixel, one bit
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images)))
    with pytest.raises(fashion_mnist.ChangedData, match="t10k-images-idx3-ubyte.gz is not the published"):
        fashion_mnist.load(sums)


def test_a_folder_without_every_file_is_passed_over(small_files, nowhere, monkeypatch):
    folder, sums, _ = small_files
    (folder / "train-labels-idx1-ubyte.gz").unlink()
    monkeypatch.setenv(fashion_mnist.ENV, str(folder))
    assert fashion_mnist.find(sums) is None
    with pytest.raises(MissingData, match="dataset-fashion-mnist"):
        fashion_mnist.load(sums)


def test_a_missing_data_set_ends_in_one_line_with_the_way_to_get_it(nowhere, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", "sparsity", "--setting", "fashion", "--profile", "quick", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].startswith("error: Fashion-MNIST not found") and "STUDY_DATA" in err[-1]
    assert "apt-get install dataset-fashion-mnist" in err[-1]
    assert not list(out.rglob("config.json"))  # nothing trained, nothing half-written


def test_the_fashion_setting_trains_small_nets_on_a_subsample():
    for profile, n_train, epochs, depth in (("quick", 5000, 10, 4), ("full", 10000, 20, 8)):
        specs = grid.get("sparsity").specs(profile, setting="fashion")
        assert {s.dataset for s in specs} == {"fashion_mnist"}
        assert max(s.depth for s in specs) == depth and {s.n_train for s in specs} == {n_train}
        assert {s.epochs for s in specs} == {epochs}
    # the cap holds for an experiment's own epochs (activity_penalty's 30), and wherever the data set trains
    assert {s.epochs for s in grid.get("activity_penalty").specs("full", setting="fashion")} == {20}
    fashion = [s for s in grid.get("leaderboard").specs("full") if s.dataset == "fashion_mnist"]
    assert fashion and {(s.n_train, s.epochs) for s in fashion} == {(10000, 20)}
    assert {s.n_train for s in grid.get("leaderboard").specs("full") if s.dataset != "fashion_mnist"} == {None}


@pytest.mark.skipif(fashion_mnist.find() is None, reason="Debian's dataset-fashion-mnist is not installed")
def test_the_published_files_load_with_the_studys_split():
    d = datasets.load("fashion_mnist")
    assert (len(d.x_train), len(d.x_val), len(d.x_test)) == (55000, 5000, 10000)
    assert d.n_features == 784 and d.n_classes == 10
    assert np.bincount(d.y_test).tolist() == [1000] * 10
    assert abs(float(d.x_train.mean())) < 1e-3  # standardised with the training split's statistics
