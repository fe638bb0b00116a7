"""Golden parameter importances for mosel_tune::importance::param_importances.

An independent numpy/scipy computation of the documented estimator: for each parameter,
group the complete trials by the parameter's value (categorical: one group per choice;
numeric: up to 4 equal-frequency bins of the active values by average rank; inactive: a
group of its own), then omega^2 = (SS_between - (k - 1) MS_within) / (SS_total + MS_within)
of the rank-transformed objective (clipped at 0), normalised to sum to 1.

Run: /work/venvs/oracle/bin/python gen_importances.py > ../tests/golden/importances.json
"""

import json

import numpy as np
from scipy.stats import rankdata

BINS = 4


def groups_of(kind, x):
    x = np.asarray(x, dtype=float)
    g = np.zeros(len(x), dtype=int)
    active = ~np.isnan(x)
    if kind == "categorical":
        g[active] = 1 + x[active].astype(int)
        return g
    if not active.any():
        return g
    vals = x[active]
    bins = max(1, min(BINS, len(np.unique(vals))))
    r = rankdata(vals)
    b = np.floor((r - 1) / len(vals) * bins).astype(int)
    g[active] = 1 + np.minimum(b, bins - 1)
    return g


def omega2(g, y):
    n = len(y)
    mean = y.mean()
    sst = ((y - mean) ** 2).sum()
    labels = np.unique(g)
    k = len(labels)
    if k < 2 or n <= k:
        return 0.0
    ssb = sum((g == l).sum() * (y[g == l].mean() - mean) ** 2 for l in labels)
    msw = max(sst - ssb, 0.0) / (n - k)
    return max((ssb - (k - 1) * msw) / (sst + msw), 0.0)


def case(seed, n):
    rng = np.random.default_rng(seed)
    opt = rng.integers(0, 3, n).astype(float)  # categorical, 3 choices
    lr = np.exp(rng.uniform(np.log(1e-4), np.log(1.0), n))  # float, log
    lr[opt == 0] = np.nan  # inactive for choice 0
    width = rng.integers(8, 65, n).astype(float)  # int
    noise = rng.uniform(0, 1, n)  # float, unrelated
    y = 0.8 + 0.05 * opt - 0.1 * np.where(np.isnan(lr), 0.5, np.abs(np.log10(lr) + 2) / 2)
    y = y + 0.01 * (width > 32) + 0.02 * rng.normal(size=n)
    y = np.round(y, 3)  # ties, as accuracies have
    params = {"optimizer": ("categorical", opt), "lr": ("float", lr), "width": ("int", width),
              "noise": ("float", noise)}
    yr = rankdata(y)
    imp = {name: omega2(groups_of(kind, x), yr) for name, (kind, x) in params.items()}
    total = sum(imp.values())
    if total > 0:
        imp = {k: v / total for k, v in imp.items()}
    return {
        "seed": seed,
        "params": {k: [None if np.isnan(v) else float(v) for v in x] for k, (_, x) in params.items()},
        "values": [float(v) for v in y],
        "importances": imp,
    }


print(json.dumps([case(1, 40), case(2, 17), case(3, 100)], indent=1))
