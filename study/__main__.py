import os
import sys

# Before Keras is imported: the backend is fixed at import time.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

from study.cli import main  # noqa: E402

sys.exit(main())
