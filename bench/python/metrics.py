"""Peer for workload `metrics` (issue 3): the same metrics in scikit-learn on the same .npy
inputs that `mosel-bench metrics gen` writes. Best of 3 runs per case, like mosel's side.

Usage: metrics.py DIR. Prints one JSON line per case."""
import json
import resource
import sys
import time

import numpy as np
import sklearn
from sklearn import metrics as M

d = sys.argv[1]
TOOL = f"sklearn {sklearn.__version__}"


def case(name, rows, f):
    best, value = float("inf"), None
    for _ in range(3):
        t = time.perf_counter()
        value = f()
        best = min(best, time.perf_counter() - t)
    print(json.dumps({"workload": "metrics", "case": name, "tool": TOOL, "seconds": best,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "rows": rows, "value": float(value)}), flush=True)


yt, yp, sc = (np.load(f"{d}/bin_{x}.npy") for x in ("true", "pred", "score"))
n = len(yt)
case("binary plain sum of label bytes", n, lambda: int(yt.sum(dtype=np.uint64)) + int(yp.sum(dtype=np.uint64)))
case("binary accuracy", n, lambda: M.accuracy_score(yt, yp))
case("binary precision/recall/f1", n, lambda: M.precision_recall_fscore_support(yt, yp, average="binary")[2])
case("binary confusion matrix", n, lambda: M.confusion_matrix(yt, yp)[1, 1])
case("binary mcc", n, lambda: M.matthews_corrcoef(yt, yp))
case("binary balanced accuracy", n, lambda: M.balanced_accuracy_score(yt, yp))
case("binary roc_auc", n, lambda: M.roc_auc_score(yt, sc))
case("binary average precision", n, lambda: M.average_precision_score(yt, sc))
case("binary log_loss", n, lambda: M.log_loss(yt, sc))
case("binary brier", n, lambda: M.brier_score_loss(yt, sc))

mt, mp, pr = (np.load(f"{d}/mc_{x}.npy") for x in ("true", "pred", "proba"))
m = len(mt)
case("10-class plain sum of label bytes", m, lambda: int(mt.sum(dtype=np.uint64)) + int(mp.sum(dtype=np.uint64)))
case("10-class plain sum of probabilities", m, lambda: float(pr.sum()))
case("10-class accuracy", m, lambda: M.accuracy_score(mt, mp))
case("10-class f1 macro", m, lambda: M.f1_score(mt, mp, average="macro"))
case("10-class confusion matrix", m, lambda: M.confusion_matrix(mt, mp)[0, 0])
case("10-class mcc", m, lambda: M.matthews_corrcoef(mt, mp))
case("10-class roc_auc ovr macro", m, lambda: M.roc_auc_score(mt, pr, multi_class="ovr"))
case("10-class log_loss", m, lambda: M.log_loss(mt, pr))
case("10-class top-2 accuracy", m, lambda: M.top_k_accuracy_score(mt, pr, k=2))
