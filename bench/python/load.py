"""Peer for workload `load`: pandas.read_csv(...).to_numpy() with the given engine.

Usage: load.py FILE ENGINE   (ENGINE: c or pyarrow). Prints one JSON line."""
import json
import resource
import sys
import time

import numpy as np
import pandas as pd

path, engine = sys.argv[1], sys.argv[2]
t = time.perf_counter()
x = pd.read_csv(path, engine=engine).to_numpy(dtype=np.float32)
seconds = time.perf_counter() - t
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({
    "workload": "load",
    "case": f"csv {x.shape[0]} x {x.shape[1]} -> f32 matrix",
    "tool": f"pandas {pd.__version__} engine={engine}",
    "seconds": seconds,
    "peak_mb": peak_mb,
    "matrix_mb": x.nbytes / 2**20,
    "checksum": float(x.reshape(-1)[::997].astype(np.float64).sum()),
}))
