"""Reading the MNIST-style IDX files (raw or .gz) of a data directory into numpy arrays, for the PyTorch scripts."""
import gzip, os, sys
import numpy as np


def idx(data, name):
    """The array in DATA/NAME or DATA/NAME.gz (uint8, shape as the file's header says); exits naming it when missing."""
    for n in (name, name + ".gz"):
        p = os.path.join(data, n)
        if os.path.exists(p):
            raw = (gzip.open if n.endswith(".gz") else open)(p, "rb").read()
            dims = raw[3]
            shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
            return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)
    sys.exit("missing " + name + " in " + data)
