"""Peer for workload `tune`: Optuna 5.0.0 on the same objectives and budgets as
bench/mosel-bench/src/tune.rs.

Usage: tune.py overhead SAMPLER STORAGE N   (SAMPLER: tpe|random, STORAGE: memory|sqlite:///F)
       tune.py quality FUNC                 (FUNC: branin|hartmann6; TPE and random, 10 seeds)
Prints JSON lines.

The trivial objective is x**2 + y with x float in [-10, 10] and y int in [-10, 10].
Optuna's sampler defaults are used (TPESampler: multivariate and constant_liar on in 5.0)."""
import json
import math
import resource
import statistics
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
TOOL = f"optuna {optuna.__version__}"


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_sampler(kind, seed):
    if kind == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    return optuna.samplers.RandomSampler(seed=seed)


def overhead(kind, storage, n):
    storage_arg = None if storage == "memory" else storage
    study = optuna.create_study(
        study_name=f"bench-{kind}-{time.time_ns()}",
        storage=storage_arg,
        sampler=make_sampler(kind, 0),
    )
    stamps = []

    def objective(trial):
        x = trial.suggest_float("x", -10, 10)
        y = trial.suggest_int("y", -10, 10)
        return x * x + y

    def cb(study, trial):
        stamps.append(time.perf_counter())

    t0 = time.perf_counter()
    study.optimize(objective, n_trials=n, callbacks=[cb])
    total = time.perf_counter() - t0
    last100 = (stamps[-1] - stamps[-101]) / 100
    where = "memory" if storage == "memory" else "sqlite"
    extra = {"total_s": total, "last100_ms": last100 * 1e3, "best": study.best_value}
    print(json.dumps({"workload": "tune", "case": f"{kind} {where} {n} trials: per trial",
                      "tool": TOOL, "seconds": total / n, "peak_mb": peak_mb(), **extra}))
    print(json.dumps({"workload": "tune", "case": f"{kind} {where} {n} trials: last 100, per trial",
                      "tool": TOOL, "seconds": last100, "peak_mb": peak_mb()}))


def branin(x1, x2):
    a, b, c = 1.0, 5.1 / (4 * math.pi ** 2), 5 / math.pi
    r, s, t = 6.0, 10.0, 1 / (8 * math.pi)
    return a * (x2 - b * x1 ** 2 + c * x1 - r) ** 2 + s * (1 - t) * math.cos(x1) + s


ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
     [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
     [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
     [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
     [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def hartmann6(x):
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6)))
                for i in range(4))


def quality(func):
    for kind in ("tpe", "random"):
        bests = []
        t0 = time.perf_counter()
        for seed in range(10):
            study = optuna.create_study(sampler=make_sampler(kind, seed))
            if func == "branin":
                obj = lambda t: branin(t.suggest_float("x1", -5, 10), t.suggest_float("x2", 0, 15))
            else:
                obj = lambda t: hartmann6([t.suggest_float(f"x{i}", 0, 1) for i in range(6)])
            study.optimize(obj, n_trials=100)
            bests.append(study.best_value)
        secs = time.perf_counter() - t0
        print(json.dumps({"workload": "tune", "case": f"{func} {kind}: median best of 100 trials, 10 seeds",
                          "tool": TOOL, "seconds": secs, "peak_mb": peak_mb(),
                          "median_best": statistics.median(bests)}))


if __name__ == "__main__":
    if sys.argv[1] == "overhead":
        overhead(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        quality(sys.argv[2])
