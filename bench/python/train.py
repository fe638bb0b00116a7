"""Workload `train` (issue 4): data generation and the scikit-learn peer.

  train.py gen DIR            make the datasets once (raw little-endian files + meta.json)
  train.py run DIR DTYPE      fit the three cases with scikit-learn on DTYPE (float32|float64)

Data: make_classification, shuffled, 80/20 split (first 80 % train):
  logistic: 200,000 x 50, 2 classes (n_informative=10), random_state=0
  mlp:       75,000 x 100, 10 classes (n_informative=30), random_state=1 -> 60,000 train rows
Files per dataset: <name>_x_train.f32, <name>_y_train.u8, <name>_x_test.f32, <name>_y_test.u8.
Peers: LogisticRegression() (lbfgs, C=1, tol=1e-4); SGDClassifier(loss="log_loss",
alpha=1e-4, max_iter=5, tol=None) = 5 epochs; MLPClassifier((128,), adam, batch 256, 5 epochs,
lr 1e-3, alpha 1e-4) reported per epoch. LogisticRegression / SGDClassifier: best of 3 fits.
MLPClassifier: one fit with each random_state 0-4 (initialisation and shuffling), the best
time and the mean / sample standard deviation of held-out accuracy, like mosel's side.
Prints one JSON line per case."""
import json
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.neural_network import MLPClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)
SETS = {
    "logistic": dict(n_samples=200_000, n_features=50, n_informative=10, n_classes=2, random_state=0),
    "mlp": dict(n_samples=75_000, n_features=100, n_informative=30, n_classes=10, random_state=1),
}


def gen(d):
    d.mkdir(parents=True, exist_ok=True)
    meta = {}
    for name, kw in SETS.items():
        x, y = make_classification(**kw)
        x = x.astype(np.float32)
        n_tr = int(0.8 * len(y))
        parts = {"x_train": x[:n_tr], "y_train": y[:n_tr].astype(np.uint8),
                 "x_test": x[n_tr:], "y_test": y[n_tr:].astype(np.uint8)}
        for k, v in parts.items():
            ext = "f32" if k.startswith("x") else "u8"
            np.ascontiguousarray(v).tofile(d / f"{name}_{k}.{ext}")
        meta[name] = {"train": n_tr, "test": len(y) - n_tr, "features": kw["n_features"], "classes": kw["n_classes"]}
    (d / "meta.json").write_text(json.dumps(meta))


def load(d, name, dtype):
    m = json.loads((d / "meta.json").read_text())[name]
    f = m["features"]
    xtr = np.fromfile(d / f"{name}_x_train.f32", dtype=np.float32).reshape(-1, f).astype(dtype)
    xte = np.fromfile(d / f"{name}_x_test.f32", dtype=np.float32).reshape(-1, f).astype(dtype)
    ytr = np.fromfile(d / f"{name}_y_train.u8", dtype=np.uint8).astype(np.int64)
    yte = np.fromfile(d / f"{name}_y_test.u8", dtype=np.uint8).astype(np.int64)
    return xtr, ytr, xte, yte


def emit(case, tool, seconds, **extra):
    print(json.dumps({"workload": "train", "case": case, "tool": tool, "seconds": seconds,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **extra}), flush=True)


def best_of_3(fit):
    best, model = float("inf"), None
    for _ in range(3):
        t = time.perf_counter()
        model = fit()
        best = min(best, time.perf_counter() - t)
    return best, model


def run(d, dtype):
    import os
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    tool = f"sklearn {sklearn.__version__} {'f32' if dtype == 'float32' else 'f64'} blas={threads}"
    dt = np.float32 if dtype == "float32" else np.float64
    xtr, ytr, xte, yte = load(d, "logistic", dt)
    s, m = best_of_3(lambda: LogisticRegression().fit(xtr, ytr))
    emit("logistic lbfgs 160000x50", tool, s, accuracy=float(m.score(xte, yte)), iterations=int(m.n_iter_[0]))
    s, m = best_of_3(lambda: SGDClassifier(loss="log_loss", alpha=1e-4, max_iter=5, tol=None, random_state=0).fit(xtr, ytr))
    emit("sgd logistic 5 epochs", tool, s, accuracy=float(m.score(xte, yte)))
    xtr, ytr, xte, yte = load(d, "mlp", dt)
    times, accs = [], []
    for seed in range(5):
        t = time.perf_counter()
        m = MLPClassifier((128,), solver="adam", batch_size=256, max_iter=5, learning_rate_init=1e-3,
                          alpha=1e-4, random_state=seed, tol=0.0, n_iter_no_change=1000).fit(xtr, ytr)
        times.append(time.perf_counter() - t)
        accs.append(float(m.score(xte, yte)))
    s = min(times)
    emit("mlp 100-128-10 adam b256, per epoch", tool, s / 5, accuracy=float(np.mean(accs)),
         accuracy_sd=float(np.std(accs, ddof=1)), accuracy_range=f"{min(accs):.4f}-{max(accs):.4f}", seeds="0-4",
         total_seconds=s)


if __name__ == "__main__":
    d = Path(sys.argv[2])
    if sys.argv[1] == "gen":
        gen(d)
    else:
        run(d, sys.argv[3])
