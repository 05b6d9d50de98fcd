"""Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): the original IDX files, found, checked and read with NumPy.

60,000 training and 10,000 test images of 28x28 grey pixels, 10 classes of clothing. The four files are
looked for in Debian's package `dataset-fashion-mnist`, then in the folder `STUDY_DATA` names, then in
Keras's download cache; where none has them, Keras's own download fills its cache (needs the network).
Each file's content (the IDX bytes, after gunzip) must match the SHA-256 below: Debian recompresses the
files, so the gzip wrappers differ from the published ones, while the content is the published content
(its MD5s are the ones published for the unpacked files, e.g. f4a8712d... for the training images).
"""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np

from study.errors import MissingData

DEBIAN = Path("/usr/share/datasets/fashion-mnist")
ENV = "STUDY_DATA"  # a folder of the user's with the four files
# file: SHA-256 of its content after gunzip
FILES = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
HOW_TO_GET = (
    "install Debian's dataset-fashion-mnist (sudo apt-get install dataset-fashion-mnist, or make system as root), "
    f"or put the four .gz files of github.com/zalandoresearch/fashion-mnist (data/fashion) in a folder and set {ENV} "
    "to it, or run once where Keras can download them"
)


class ChangedData(MissingData):
    """A file that is there but is not the published one."""


def keras_cache() -> Path:
    """Where keras.datasets.fashion_mnist puts the files it downloads."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets" / "fashion-mnist"


def folders() -> list[Path]:
    """Where the files are looked for, in order."""
    user = [Path(os.environ[ENV]).expanduser()] if os.environ.get(ENV) else []
    return [DEBIAN, *user, keras_cache()]


def read_idx(path: Path, sha256: str) -> np.ndarray:
    """An IDX file (gzip) as a uint8 array of its shape; its content checked against `sha256`."""
    raw = gzip.open(path).read()
    if hashlib.sha256(raw).hexdigest() != sha256:
        raise ChangedData(
            f"{path} is not the published Fashion-MNIST file (its content's SHA-256 differs): {HOW_TO_GET}"
        )
    if raw[:2] != b"\0\0" or raw[2] != 0x08:  # magic: two zero bytes, 0x08 (unsigned bytes), then the rank
        raise ChangedData(f"{path} is not an IDX file of unsigned bytes")
    rank = raw[3]
    shape = tuple(int(n) for n in np.frombuffer(raw, ">i4", count=rank, offset=4))
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * rank).reshape(shape)


def find(files: dict = FILES) -> Path | None:
    """The first folder with every file, or None."""
    return next((f for f in folders() if all((f / name).is_file() for name in files)), None)


def download() -> Path | None:
    """Keras's download into its cache; None where it fails (no network)."""
    try:
        import keras

        keras.datasets.fashion_mnist.load_data()
    except Exception:  # Keras raises a bare Exception when offline
        return None
    return keras_cache()


def locate(files: dict = FILES) -> Path:
    """The folder with the files, downloading them where none has them; MissingData (one line) where that fails."""
    folder = find(files) or download()
    if folder is None:
        where = ", ".join(str(f) for f in folders())
        raise MissingData(f"Fashion-MNIST not found (looked in {where}; the download failed): {HOW_TO_GET}")
    return folder


def load(files: dict = FILES):
    """(x_train, y_train, x_test, y_test): images flattened to 784 pixels scaled to [0, 1] (float32), labels 0-9."""
    folder = locate(files)
    train_x, train_y, test_x, test_y = (read_idx(folder / name, sha) for name, sha in files.items())
    pixels = train_x.shape[1] * train_x.shape[2]
    return (
        train_x.reshape(len(train_x), pixels).astype(np.float32) / 255,
        train_y,
        test_x.reshape(len(test_x), pixels).astype(np.float32) / 255,
        test_y,
    )
