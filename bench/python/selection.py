"""Workload `select` (issue 5): data generation and the scikit-learn peer.

  selection.py gen DIR N [SEED]       make_classification(N, 30, random_state=SEED) -> DIR/select_<N>.{f32,u8}
  selection.py grid DIR N N_JOBS      GridSearchCV(LogisticRegression(), C in logspace(-4, 4, 10),
                                   cv=5 [stratified, not shuffled], n_jobs=N_JOBS), refit included
  selection.py compare RESULTS.jsonl  checks mosel against the peer: same C (or one within 0.001 of
                                   the best mean), per-fold accuracies within 0.002

The data is written once as raw little-endian f32 features and u8 labels; both sides read the
same bytes (scikit-learn fits on them as float64, as GridSearchCV does by default).
C maps to mosel's L2 strength as l2 = 1 / (C * n_train): scikit-learn minimises
C * sum(log-loss) + ||w||^2 / 2, mosel mean(log-loss) + (l2 / 2) ||w||^2 (same minimiser).
Prints one JSON line per case; `fold_scores` holds every C's 5 fold accuracies."""
import json
import os
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

warnings.filterwarnings("ignore", category=ConvergenceWarning)
FEATURES = 30


def gen(d, n, seed=0):
    d.mkdir(parents=True, exist_ok=True)
    x, y = make_classification(n_samples=n, n_features=FEATURES, random_state=seed)
    np.ascontiguousarray(x.astype(np.float32)).tofile(d / f"select_{n}.f32")
    y.astype(np.uint8).tofile(d / f"select_{n}.u8")


def load(d, n):
    x = np.fromfile(d / f"select_{n}.f32", dtype=np.float32).reshape(-1, FEATURES).astype(np.float64)
    y = np.fromfile(d / f"select_{n}.u8", dtype=np.uint8).astype(np.int64)
    return x, y


def grid(d, n, n_jobs):
    x, y = load(d, n)
    cs = np.logspace(-4, 4, 10)
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    tool = f"sklearn {sklearn.__version__} n_jobs={n_jobs} blas={blas}"
    gs = GridSearchCV(LogisticRegression(), {"C": cs}, cv=5, n_jobs=n_jobs)
    t = time.perf_counter()
    gs.fit(x, y)
    s = time.perf_counter() - t
    res = gs.cv_results_
    folds = [[float(res[f"split{i}_test_score"][j]) for i in range(5)] for j in range(len(cs))]
    case = "gridsearch logistic 10 C x 5-fold 30 feat" if n == 50_000 else f"rows {n}"
    print(json.dumps({
        "workload": "select", "case": case,
        "tool": tool, "seconds": s,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "best_C": float(gs.best_params_["C"]), "best_mean": float(gs.best_score_),
        "C": [float(c) for c in cs], "fold_scores": folds,
    }), flush=True)


def compare(path):
    rows = [json.loads(l) for l in open(path) if l.strip().startswith("{")]
    rows = [r for r in rows if r.get("workload") == "select" and r.get("case", "").startswith("gridsearch")]
    mosel = [r for r in rows if r["tool"] == "mosel"]
    peers = [r for r in rows if r["tool"] != "mosel"]
    if not mosel or not peers:
        print("select compare: need both mosel and scikit-learn lines", file=sys.stderr)
        return 1
    m, p = mosel[0], peers[0]
    pm = [np.mean(f) for f in p["fold_scores"]]
    i_m = int(np.argmin([abs(np.log(c) - np.log(m["best_C"])) for c in p["C"]]))
    same_c = abs(np.log(p["C"][i_m]) - np.log(m["best_C"])) < 1e-9
    within = abs(pm[i_m] - p["best_mean"]) <= 0.001
    diffs = np.abs(np.array(m["fold_scores"]) - np.array(p["fold_scores"]))
    ok = (same_c or within) and diffs.max() <= 0.002
    print(json.dumps({
        "workload": "select-check", "case": "mosel vs GridSearchCV", "tool": "check",
        "seconds": 0.0, "mosel_C": m["best_C"], "sklearn_C": p["best_C"], "same_C": bool(same_c),
        "sklearn_mean_at_mosel_C_minus_best": float(pm[i_m] - p["best_mean"]),
        "max_fold_diff": float(diffs.max()), "pass": bool(ok),
    }), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 0)
    elif cmd == "grid":
        grid(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "compare":
        sys.exit(compare(sys.argv[2]))
    else:
        sys.exit(__doc__)
