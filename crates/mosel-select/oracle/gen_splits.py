#!/usr/bin/env python3
"""Generate ../tests/golden/splits.json: the folds scikit-learn 1.9.1 assigns with its
non-shuffled splitters, over many sizes, class balances and group layouts.

Run with the pinned oracle venv (requirements.txt):
    /work/venvs/oracle/bin/python crates/mosel-select/oracle/gen_splits.py

Each case: {"name", "splitter", "params", "n", "y" (class labels or null),
"groups" (group labels or null), "expected"}. `expected` is a list of folds, each
{"test": [...]} (sorted row indices; the training rows are the others), with "train" too
for the time-series and hold-out splitters, or {"error": msg} when scikit-learn
raises, with "warns": true when scikit-learn warned (a class with fewer members than
folds: mosel refuses that). The Rust tests (tests/golden_splits.rs) read this file.
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    StratifiedGroupKFold,
    StratifiedKFold,
    TimeSeriesSplit,
    train_test_split,
)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden")
rng = np.random.default_rng(20240501)
cases = []


def run(name, splitter, params, n, y=None, groups=None, make=None):
    X = np.zeros((n, 1))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            folds = [
                {"train": sorted(int(i) for i in tr), "test": sorted(int(i) for i in te)}
                if splitter in ("time_series", "holdout") else {"test": sorted(int(i) for i in te)}
                for tr, te in make(X, None if y is None else np.asarray(y),
                                   None if groups is None else np.asarray(groups))
            ]
            expected = folds
        except ValueError as e:
            expected = {"error": str(e)}
        warns = any(issubclass(x.category, UserWarning) for x in w)
    cases.append({
        "name": name,
        "splitter": splitter,
        "params": params,
        "n": n,
        "y": None if y is None else [v.item() if hasattr(v, "item") else v for v in y],
        "groups": None if groups is None else [g.item() if hasattr(g, "item") else g for g in groups],
        "warns": warns,
        "expected": expected,
    })


def kfold(n, k):
    run(f"kfold n={n} k={k}", "kfold", {"k": k}, n,
        make=lambda X, y, g: KFold(k).split(X))


def skfold(name, y, k):
    run(f"stratified {name} k={k}", "stratified_kfold", {"k": k}, len(y), y=y,
        make=lambda X, yy, g: StratifiedKFold(k).split(X, yy))


def gkfold(name, groups, k):
    run(f"group {name} k={k}", "group_kfold", {"k": k}, len(groups), groups=groups,
        make=lambda X, y, g: GroupKFold(k).split(X, None, g))


def sgkfold(name, y, groups, k):
    run(f"stratified group {name} k={k}", "stratified_group_kfold", {"k": k}, len(y), y=y,
        groups=groups, make=lambda X, yy, g: StratifiedGroupKFold(k).split(X, yy, g))


def tss(n, k, gap=0, max_train=None, test_size=None):
    params = {"n_splits": k, "gap": gap, "max_train_size": max_train, "test_size": test_size}
    run(f"time n={n} k={k} gap={gap} max={max_train} test={test_size}", "time_series", params, n,
        make=lambda X, y, g: TimeSeriesSplit(k, gap=gap, max_train_size=max_train,
                                             test_size=test_size).split(X))


def holdout(n, frac):
    def make(X, y, g):
        idx = np.arange(n)
        tr, te = train_test_split(idx, test_size=frac, shuffle=False)
        return [(tr, te)]
    run(f"holdout n={n} test={frac}", "holdout", {"test_fraction": frac}, n, make=make)


# --- KFold: every small size, a few large ones.
for n in list(range(1, 31)) + [49, 50, 97, 100, 101, 1000, 1003]:
    for k in (2, 3, 4, 5, 7, 10):
        kfold(n, k)

# --- StratifiedKFold: class balances x orders.
def labelled(counts, order, labels=None):
    labels = labels if labels is not None else list(range(len(counts)))
    y = np.concatenate([np.full(c, labels[i]) for i, c in enumerate(counts)])
    if order == "shuffled":
        y = rng.permutation(y)
    elif order == "interleaved":
        # round-robin over classes
        pools = [list(np.full(c, labels[i])) for i, c in enumerate(counts)]
        out = []
        while any(pools):
            for p in pools:
                if p:
                    out.append(p.pop())
        y = np.array(out)
    elif order == "reversed":
        y = y[::-1]
    return y

balances = [
    [5, 5], [6, 4], [10, 3], [3, 3], [2, 2], [50, 50], [90, 10], [97, 3], [33, 34, 35],
    [10, 20, 30], [5, 5, 5, 5], [40, 7, 7, 3], [1, 20], [4, 4, 1], [12, 11, 10, 9, 8],
    [100, 50, 25, 12, 6], [357, 212], [50, 50, 50], [59, 71, 48], [8, 8, 8, 8, 8, 8, 8, 8, 8, 8],
    [200, 3],
]
for counts in balances:
    for order in ("sorted", "shuffled", "interleaved", "reversed"):
        y = labelled(counts, order)
        for k in (2, 3, 5, 10):
            skfold(f"{counts} {order}", y, k)
# string labels whose sorted order differs from first appearance
for k in (2, 3, 4):
    skfold("strings", labelled([7, 9, 5], "shuffled", ["zeta", "alpha", "mid"]), k)

# --- GroupKFold: layouts.
def group_layout(kind, n_groups, size_lo, size_hi, labels="int"):
    sizes = rng.integers(size_lo, size_hi + 1, n_groups)
    ids = np.arange(n_groups)
    if labels == "sparse":
        ids = rng.choice(10_000, n_groups, replace=False)
    groups = np.concatenate([np.full(s, ids[i]) for i, s in enumerate(sizes)])
    if kind == "shuffled":
        groups = rng.permutation(groups)
    if labels == "str":
        groups = np.array([f"g{int(g):03d}" if g % 2 else f"G{int(g)}" for g in groups])
    return groups

for kind in ("contiguous", "shuffled"):
    for (ng, lo, hi) in [(3, 1, 1), (5, 2, 2), (6, 1, 5), (10, 1, 10), (10, 3, 3), (17, 1, 4),
                         (40, 1, 20), (7, 5, 9), (25, 2, 2), (100, 1, 6)]:
        for labels in ("int", "sparse", "str"):
            g = group_layout(kind, ng, lo, hi, labels)
            for k in (2, 3, 5):
                if k <= ng + 1 or (ng == 3 and labels == "int"):
                    gkfold(f"{kind} ng={ng} sizes={lo}..{hi} {labels}", g, k)

# fewer groups than folds
gkfold("three groups of two", np.array([0, 0, 1, 1, 2, 2]), 4)
sgkfold("three groups of two", np.array([0, 1, 0, 1, 0, 1]), np.array([0, 0, 1, 1, 2, 2]), 2)
sgkfold("two groups", np.array([0, 1, 0, 1, 0, 1]), np.array([5, 5, 5, 9, 9, 9]), 3)

# --- StratifiedGroupKFold: groups with class structure.
def strat_groups(n_groups, lo, hi, n_classes, mode):
    sizes = rng.integers(lo, hi + 1, n_groups)
    ys, gs = [], []
    for gid, s in enumerate(sizes):
        if mode == "pure":
            ys += [int(rng.integers(n_classes))] * int(s)
        elif mode == "mixed":
            ys += rng.integers(0, n_classes, s).tolist()
        else:  # skewed: mostly one class per group
            main = int(rng.integers(n_classes))
            ys += [main if rng.random() < 0.8 else int(rng.integers(n_classes)) for _ in range(s)]
        gs += [gid] * int(s)
    perm = rng.permutation(len(ys)) if mode != "pure" else np.arange(len(ys))
    return np.array(ys)[perm], np.array(gs)[perm]

for mode in ("pure", "mixed", "skewed"):
    for (ng, lo, hi, nc) in [(10, 2, 6, 2), (12, 1, 8, 3), (20, 3, 3, 2), (30, 1, 10, 4),
                             (8, 5, 5, 2), (50, 2, 12, 3), (15, 1, 3, 2), (60, 1, 5, 5)]:
        y, g = strat_groups(ng, lo, hi, nc, mode)
        for k in (2, 3, 5):
            sgkfold(f"{mode} ng={ng} sizes={lo}..{hi} classes={nc}", y, g, k)

# --- TimeSeriesSplit.
for n in (3, 5, 6, 10, 11, 20, 23, 100, 101):
    for k in (2, 3, 5):
        for gap in (0, 1, 3):
            for max_train in (None, 2, 5):
                tss(n, k, gap, max_train)
        for test_size in (1, 2, 4):
            tss(n, k, 0, None, test_size)
            tss(n, k, 2, 3, test_size)

# --- Hold-out without shuffling.
for n in (2, 3, 5, 10, 11, 99, 100, 101, 569):
    for frac in (0.1, 0.2, 0.25, 0.3, 1 / 3, 0.5):
        holdout(n, frac)

os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "splits.json"), "w") as f:
    json.dump({"meta": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
               "cases": cases}, f, separators=(",", ":"))
print(f"{len(cases)} cases")
