#!/usr/bin/env python3
"""Rewrite the raw dataset files from ../shared/datasets as ordinary headered CSV files.

The scikit-learn files start with `n_samples,n_features,class names...` instead of a header;
column names come from their descriptions (descr/*.rst). Run from the repo root:

    python3 data/convert.py ../shared/datasets
"""
import csv
import gzip
import sys
from pathlib import Path

src = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/datasets")
out = Path(__file__).resolve().parent

BASE = ["radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
        "concave points", "symmetry", "fractal dimension"]
BREAST = [f"mean {b}" for b in BASE] + [f"{b} error" for b in BASE] + [f"worst {b}" for b in BASE]
WINE = ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols",
        "flavanoids", "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue",
        "od280/od315_of_diluted_wines", "proline"]
IRIS = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


def sklearn_csv(name, features, target, outname):
    with open(src / name, newline="") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    n, p, classes = int(head[0]), int(head[1]), head[2:]
    assert p == len(features), (name, p, len(features))
    body = rows[1:]
    assert len(body) == n, (name, len(body), n)
    with open(out / outname, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(features + [target])
        for r in body:
            w.writerow(r[:p] + [classes[int(r[p])]])


sklearn_csv("iris.csv", IRIS, "species", "iris.csv")
sklearn_csv("wine_data.csv", WINE, "cultivar", "wine.csv")
sklearn_csv("breast_cancer.csv", BREAST, "diagnosis", "breast_cancer.csv")

with gzip.open(src / "digits.csv.gz", "rt") as f:
    rows = list(csv.reader(f))
assert len(rows) == 1797
with open(out / "digits.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow([f"pixel_{i // 8}_{i % 8}" for i in range(64)] + ["digit"])
    for r in rows:
        w.writerow([str(int(float(v))) for v in r])

with gzip.open(src / "diabetes_data_raw.csv.gz", "rt") as f:
    x = [line.split() for line in f if line.strip()]
with gzip.open(src / "diabetes_target.csv.gz", "rt") as f:
    y = [line.strip() for line in f if line.strip()]
assert len(x) == len(y) == 442
with open(out / "diabetes.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "progression"])
    for r, t in zip(x, y):
        w.writerow(r + [str(int(float(t)))])

with open(src / "diamonds.csv", newline="") as f:
    rows = list(csv.reader(f))
assert len(rows) == 53941
with open(out / "diamonds.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    for r in rows:
        w.writerow(r[1:])
