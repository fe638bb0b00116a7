#!/usr/bin/env python3
"""Golden coefficients of L2-penalised linear models from scikit-learn 1.9.1.

The features are standardised (StandardScaler) and rounded to float32 here, and that exact
matrix is written to the golden file, so the Rust test fits the very same numbers.

Penalty mapping (mosel minimises mean_i loss_i + l1*|w|_1 + (l2/2)*|w|^2, intercept
unpenalised):
* LogisticRegression(C) minimises C*sum_i loss_i + 0.5*|w|^2  ->  l2 = 1 / (C * n)
  (binary: one logit, BCE; multiclass: multinomial softmax with K coefficient rows).
* LogisticRegression(C, l1_ratio=r, solver="saga") adds r*|w|_1 + (1-r)/2*|w|^2
  ->  l1 = r / (C * n), l2 = (1 - r) / (C * n)   (OWL-QN on mosel's side).
* Ridge(alpha) minimises sum_i (y_i - x_i w - b)^2 + alpha*|w|^2, and mosel's MSE is the mean
  of squared residuals  ->  l2 = 2 * alpha / n.

Run: /work/venvs/oracle/bin/python crates/mosel-train/oracle/sklearn_linear.py data \
        > crates/mosel-train/tests/golden/sklearn_linear.json
"""
import csv
import json
import sys
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler

assert sklearn.__version__ == "1.9.1", sklearn.__version__
data = Path(sys.argv[1] if len(sys.argv) > 1 else "data")


def load(name, target):
    with open(data / name, newline="") as f:
        rows = list(csv.DictReader(f))
    feats = [c for c in rows[0] if c != target]
    X = np.array([[float(r[c]) for c in feats] for r in rows])
    y = [r[target] for r in rows]
    X = StandardScaler().fit_transform(X).astype(np.float32).astype(np.float64)
    return X, y


def classes(y):
    labels = sorted(set(y))
    return labels, np.array([labels.index(v) for v in y])


cases = []
for name, target, C in [("breast_cancer.csv", "diagnosis", 0.5), ("iris.csv", "species", 2.0), ("wine.csv", "cultivar", 0.1)]:
    X, y = load(name, target)
    labels, codes = classes(y)
    n = len(codes)
    m = LogisticRegression(C=C, tol=1e-12, max_iter=10000).fit(X, codes)
    cases.append({
        "name": name, "model": "logistic", "C": C, "l2": 1.0 / (C * n),
        "x": X.tolist(), "codes": codes.tolist(), "labels": labels,
        # coef_ is (1, d) for binary and (K, d) for multiclass; intercept_ (1,) / (K,)
        "coef": m.coef_.tolist(), "intercept": m.intercept_.tolist(),
        "accuracy": float(m.score(X, codes)),
    })

# L1 and elastic net (saga, run to tight convergence). sklearn minimises
# C*sum_i loss_i + (1-r)/2*|w|^2 + r*|w|_1  ->  l2 = (1-r)/(C n), l1 = r/(C n).
for name, target, C, ratio in [("breast_cancer.csv", "diagnosis", 0.5, 1.0), ("wine.csv", "cultivar", 0.2, 0.5)]:
    X, y = load(name, target)
    labels, codes = classes(y)
    n = len(codes)
    m = LogisticRegression(C=C, l1_ratio=ratio, solver="saga", tol=1e-13, max_iter=200000).fit(X, codes)
    cases.append({
        "name": f"{name} l1_ratio={ratio}", "model": "logistic", "C": C, "l1_ratio": ratio,
        "l2": (1 - ratio) / (C * n), "l1": ratio / (C * n),
        "x": X.tolist(), "codes": codes.tolist(), "labels": labels,
        "coef": m.coef_.tolist(), "intercept": m.intercept_.tolist(),
        "n_zero": int((m.coef_ == 0).sum()),
    })

X, y = load("diabetes.csv", "progression")
yv = np.array([float(v) for v in y])
alpha = 10.0
r = Ridge(alpha=alpha, tol=1e-12, solver="cholesky").fit(X, yv)
cases.append({
    "name": "diabetes.csv", "model": "ridge", "alpha": alpha, "l2": 2 * alpha / len(yv),
    "x": X.tolist(), "values": yv.tolist(), "coef": [r.coef_.tolist()], "intercept": [float(r.intercept_)],
})
json.dump({"sklearn": sklearn.__version__, "cases": cases}, sys.stdout)
