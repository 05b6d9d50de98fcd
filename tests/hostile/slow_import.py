"""Takes its time to import (HOSTILE_IMPORT_SECONDS, default 8 s)."""

import os
import time

from keras import ops

time.sleep(float(os.environ.get("HOSTILE_IMPORT_SECONDS", "8")))


def act(x):
    return ops.relu(x)
