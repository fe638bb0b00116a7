#!/usr/bin/env python3
"""Generate the golden files in ../tests/golden from scikit-learn / scipy.

Run with the pinned oracle venv (requirements.txt):
    /work/venvs/oracle/bin/python crates/mosel-metrics/oracle/gen_golden.py

Each output file is {"meta": {...versions}, "cases": [{"name", "fn", "args", "expected"}]}.
`expected` is either a value or {"error": "<message>"} when the oracle raises.
Non-finite floats are written as the strings "nan", "inf", "-inf".
The Rust tests (tests/golden.rs) read these files; CI needs no Python.
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import scipy
import scipy.stats as st
import sklearn
from sklearn import metrics as M
from sklearn.calibration import calibration_curve

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden")
warnings.simplefilter("ignore")


def enc(x):
    """JSON-safe copy of x (numpy -> python; non-finite floats -> strings)."""
    if isinstance(x, dict):
        return {k: enc(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [enc(v) for v in x]
    if isinstance(x, np.ndarray):
        return enc(x.tolist())
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    return x


class Cases:
    def __init__(self):
        self.cases = []

    def add(self, name, fn, args, compute):
        try:
            expected = compute()
        except (ValueError, NotImplementedError) as e:
            expected = {"error": str(e)}
        self.cases.append({"name": name, "fn": fn, "args": enc(args), "expected": enc(expected)})

    def write(self, fname):
        meta = {
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "generator": "oracle/gen_golden.py",
        }
        with open(os.path.join(OUT, fname), "w") as f:
            # one case per line keeps diffs readable
            f.write('{"meta": ' + json.dumps(meta) + ',\n"cases": [\n')
            f.write(",\n".join(json.dumps(c, allow_nan=False, separators=(",", ":")) for c in self.cases))
            f.write("\n]}\n")
        print(f"{fname}: {len(self.cases)} cases")


def zd_py(z):
    return {"warn": "warn", "0": 0.0, "1": 1.0, "nan": np.nan}[z]


# ----------------------------------------------------------------------------- classification
def classification(rng):
    c = Cases()

    def prf(name, yt, yp, average="binary", beta=1.0, pos_label=1, labels=None, zd="warn", sw=None):
        args = dict(y_true=list(map(int, yt)), y_pred=list(map(int, yp)), average=average or "none",
                    beta=beta if np.isfinite(beta) else "inf", pos_label=pos_label, labels=labels,
                    zero_division=zd, sample_weight=sw)

        def go():
            p, r, f, s = M.precision_recall_fscore_support(
                yt, yp, average=average, beta=beta, pos_label=pos_label, labels=labels,
                zero_division=zd_py(zd), sample_weight=sw)
            out = dict(precision=p, recall=r, fscore=f)
            if average is None:
                out["support"] = np.asarray(s, dtype=float)
            return out

        c.add(name, "prf", args, go)

    def simple(name, yt, yp, sw=None, **kw):
        args = dict(y_true=list(map(int, yt)), y_pred=list(map(int, yp)), sample_weight=sw)
        c.add(name + "/accuracy", "accuracy", args, lambda: M.accuracy_score(yt, yp, sample_weight=sw))
        c.add(name + "/accuracy_count", "accuracy_count", args,
              lambda: M.accuracy_score(yt, yp, sample_weight=sw, normalize=False))
        c.add(name + "/hamming", "hamming", args, lambda: M.hamming_loss(yt, yp, sample_weight=sw))
        c.add(name + "/mcc", "mcc", args, lambda: M.matthews_corrcoef(yt, yp, sample_weight=sw))
        for adj in (False, True):
            c.add(name + f"/balanced_accuracy/{adj}", "balanced_accuracy", dict(args, adjusted=adj),
                  lambda: M.balanced_accuracy_score(yt, yp, sample_weight=sw, adjusted=adj))
        for kw_w in (None, "linear", "quadratic"):
            c.add(name + f"/kappa/{kw_w}", "kappa", dict(args, weights=kw_w or "none", labels=None),
                  lambda: M.cohen_kappa_score(yt, yp, weights=kw_w, sample_weight=sw))
        for norm in (None, "true", "pred", "all"):
            c.add(name + f"/cm/{norm}", "confusion_matrix", dict(args, labels=None, normalize=norm or "none"),
                  lambda: M.confusion_matrix(yt, yp, sample_weight=sw, normalize=norm).astype(float))

    # random inputs of many shapes and class counts
    for n in (1, 2, 3, 7, 30, 200):
        for k in (2, 3, 5, 10):
            for weighted in (False, True):
                yt = rng.integers(0, k, n)
                # correlated predictions
                yp = np.where(rng.random(n) < 0.6, yt, rng.integers(0, k, n))
                sw = None
                if weighted:
                    sw = rng.random(n).round(3).tolist()
                    if n > 3:
                        sw[0] = 0.0
                name = f"rand/n{n}/k{k}/w{int(weighted)}"
                simple(name, yt, yp, sw)
                present = sorted(set(yt) | set(yp))
                for avg in ("binary", "micro", "macro", "weighted", None):
                    for zd in ("warn", "0", "1", "nan"):
                        if zd != "warn" and n > 7:
                            continue
                        prf(f"{name}/prf/{avg}/{zd}", yt, yp, average=avg, zd=zd, sw=sw,
                            pos_label=int(present[-1]) if len(present) <= 2 else 1)
                for beta in (0.0, 0.5, 2.0, np.inf):
                    prf(f"{name}/prf/macro/beta{beta}", yt, yp, average="macro", beta=beta, sw=sw)
                if k > 2:
                    labs = [k - 1, 0, k + 2]
                    prf(f"{name}/prf/labels", yt, yp, average=None, labels=labs, sw=sw)
                    prf(f"{name}/prf/labels/macro", yt, yp, average="macro", labels=labs, sw=sw)
                    args = dict(y_true=yt.tolist(), y_pred=yp.tolist(), sample_weight=sw, labels=labs,
                                normalize="none")
                    c.add(f"{name}/cm/labels", "confusion_matrix", args,
                          lambda: M.confusion_matrix(yt, yp, labels=labs, sample_weight=sw).astype(float))
                    c.add(f"{name}/kappa/labels", "kappa", dict(args, weights="quadratic"),
                          lambda: M.cohen_kappa_score(yt, yp, labels=labs, weights="quadratic", sample_weight=sw))

    # edge cases pinned by scikit-learn's own tests
    for zd in ("warn", "0", "1", "nan"):
        for avg in ("binary", "micro", "macro", "weighted", None):
            prf(f"edge/all_negative/{avg}/{zd}", [0, 0, 0], [0, 0, 0], average=avg, zd=zd)
            prf(f"edge/no_pred_pos/{avg}/{zd}", [0, 1, 1], [0, 0, 0], average=avg, zd=zd)
            prf(f"edge/no_true_pos/{avg}/{zd}", [0, 0, 0], [0, 1, 1], average=avg, zd=zd)
            prf(f"edge/absent_label/{avg}/{zd}", [0, 1, 2, 2], [0, 1, 1, 2], average=avg, zd=zd,
                labels=[0, 1, 2, 3] if avg != "binary" else None)
        prf(f"edge/zero_weights/{zd}", [0, 1, 1, 0], [1, 1, 0, 0], average="binary", zd=zd,
            sw=[0.0, 0.0, 0.0, 0.0])
        prf(f"edge/zero_weight_class/{zd}", [0, 1, 2, 2], [0, 1, 1, 2], average="weighted", zd=zd,
            sw=[1.0, 0.0, 1.0, 1.0])
    for yt, yp in (([1], [1]), ([0], [1]), ([1], [0]), ([0], [0]), ([1, 1], [1, 0]), ([0, 1], [1, 0])):
        for avg in ("binary", "macro", "micro", "weighted"):
            prf(f"edge/tiny/{yt}/{yp}/{avg}", yt, yp, average=avg)
    prf("edge/pos_label_missing", [0, 2, 2], [0, 0, 2], pos_label=1)
    prf("edge/pos_label_absent_single", [0, 0], [0, 0], pos_label=1)
    prf("edge/binary_on_multiclass", [0, 1, 2], [0, 1, 2])
    prf("edge/pos_label_0", [0, 1, 1, 0, 1], [0, 1, 0, 1, 1], pos_label=0)
    simple("edge/single_class", [1, 1, 1], [1, 1, 1])
    simple("edge/mcc_constant_pred", [0, 1, 1, 0], [1, 1, 1, 1])
    simple("edge/kappa_one_label", [2, 2], [2, 2])
    simple("edge/disjoint", [0, 0, 1], [2, 2, 2])
    simple("edge/weights_zero_some", [0, 1, 2, 1], [0, 2, 2, 1], sw=[0.0, 1.0, 0.0, 2.0])
    args = dict(y_true=[0, 0, 1], y_pred=[0, 1, 1], sample_weight=None, labels=[5, 6], normalize="none")
    c.add("edge/cm_labels_not_in_true", "confusion_matrix", args,
          lambda: M.confusion_matrix([0, 0, 1], [0, 1, 1], labels=[5, 6]))
    args = dict(y_true=[0, 0, 1], y_pred=[0, 1, 1], sample_weight=None, labels=[1, 7], normalize="true")
    c.add("edge/cm_labels_partial", "confusion_matrix", args,
          lambda: M.confusion_matrix([0, 0, 1], [0, 1, 1], labels=[1, 7], normalize="true"))
    c.write("classification.json")


def multilabel(rng):
    c = Cases()
    for n in (1, 3, 20, 100):
        for L in (2, 3, 6):
            for weighted in (False, True):
                yt = (rng.random((n, L)) < 0.4).astype(int)
                yp = np.where(rng.random((n, L)) < 0.7, yt, (rng.random((n, L)) < 0.4).astype(int))
                sw = rng.random(n).round(3).tolist() if weighted else None
                if weighted and n > 2:
                    sw[1] = 0.0
                base = dict(y_true=yt.tolist(), y_pred=yp.tolist(), sample_weight=sw)
                name = f"ml/n{n}/L{L}/w{int(weighted)}"
                for avg in ("micro", "macro", "weighted", "samples", None, "binary"):
                    for zd in ("warn", "0", "1", "nan"):
                        args = dict(base, average=avg or "none", zero_division=zd, beta=1.0, labels=None)

                        def go(avg=avg, zd=zd):
                            p, r, f, s = M.precision_recall_fscore_support(
                                yt, yp, average=avg, zero_division=zd_py(zd), sample_weight=sw)
                            out = dict(precision=p, recall=r, fscore=f)
                            if avg is None:
                                out["support"] = np.asarray(s, dtype=float)
                            return out

                        c.add(f"{name}/prf/{avg}/{zd}", "ml_prf", args, go)
                if L > 2:
                    args = dict(base, average="macro", zero_division="warn", beta=2.0, labels=[2, 0])
                    c.add(f"{name}/prf/labels", "ml_prf", args, lambda: dict(zip(
                        ("precision", "recall", "fscore"),
                        M.precision_recall_fscore_support(yt, yp, average="macro", beta=2.0, labels=[2, 0],
                                                          sample_weight=sw)[:3])))
                c.add(f"{name}/hamming", "ml_hamming", base, lambda: M.hamming_loss(yt, yp, sample_weight=sw))
                c.add(f"{name}/subset_accuracy", "ml_subset_accuracy", base,
                      lambda: M.accuracy_score(yt, yp, sample_weight=sw))
                c.add(f"{name}/mcm", "ml_mcm", base,
                      lambda: M.multilabel_confusion_matrix(yt, yp, sample_weight=sw).astype(float))
    # no labels at all
    z = np.zeros((3, 4), dtype=int)
    for avg in ("micro", "macro", "weighted", "samples", None):
        for zd in ("warn", "0", "1", "nan"):
            args = dict(y_true=z.tolist(), y_pred=z.tolist(), sample_weight=None, average=avg or "none",
                        zero_division=zd, beta=1.0, labels=None)

            def go(avg=avg, zd=zd):
                p, r, f, s = M.precision_recall_fscore_support(z, z, average=avg, zero_division=zd_py(zd))
                out = dict(precision=p, recall=r, fscore=f)
                if avg is None:
                    out["support"] = np.asarray(s, dtype=float)
                return out

            c.add(f"ml/no_labels/{avg}/{zd}", "ml_prf", args, go)
    c.write("multilabel.json")


SECTIONS = {"classification": classification, "multilabel": multilabel}

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    which = sys.argv[1:] or list(SECTIONS)
    for name in which:
        SECTIONS[name](np.random.default_rng(sum(map(ord, name))))
