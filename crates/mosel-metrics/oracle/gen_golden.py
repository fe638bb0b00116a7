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


def rand_scores(rng, n, ties):
    s = rng.random(n)
    if ties:
        s = np.round(s * 4) / 4  # heavy ties
    return s


def ranking(rng):
    c = Cases()
    for n in (2, 3, 10, 57, 150):
        for ties in (False, True):
            for weighted in (False, True):
                yt = rng.integers(0, 2, n)
                if n >= 3:
                    yt[0], yt[1] = 0, 1
                s = np.clip(rand_scores(rng, n, ties) + 0.3 * yt, 0, 1.3)
                sw = None
                if weighted:
                    sw = rng.random(n).round(3)
                    sw[-1] = 0.0
                    sw = sw.tolist()
                name = f"bin/n{n}/t{int(ties)}/w{int(weighted)}"
                base = dict(y_true=yt.tolist(), y_score=s.tolist(), sample_weight=sw)
                for pos in (1, 0):
                    for drop in (False, True):
                        a = dict(base, pos_label=pos, drop_intermediate=drop)
                        c.add(f"{name}/roc_curve/{pos}/{drop}", "roc_curve", a, lambda: dict(zip(
                            ("fpr", "tpr", "thresholds"),
                            M.roc_curve(yt, s, pos_label=pos, sample_weight=sw, drop_intermediate=drop))))
                        c.add(f"{name}/pr_curve/{pos}/{drop}", "pr_curve", a, lambda: dict(zip(
                            ("precision", "recall", "thresholds"),
                            M.precision_recall_curve(yt, s, pos_label=pos, sample_weight=sw,
                                                     drop_intermediate=drop))))
                    c.add(f"{name}/ap/{pos}", "average_precision", dict(base, pos_label=pos),
                          lambda: M.average_precision_score(yt, s, pos_label=pos, sample_weight=sw))
                c.add(f"{name}/roc_auc", "roc_auc", base, lambda: M.roc_auc_score(yt, s, sample_weight=sw))
                a = dict(base, y_score=[[v] for v in s.tolist()], k=1, labels=None, normalize=True)
                c.add(f"{name}/top1", "top_k", a, lambda: M.top_k_accuracy_score(yt, s, k=1, sample_weight=sw))
                a = dict(a, y_score=[[v] for v in (4 * s - 2).tolist()])
                c.add(f"{name}/top1_decision", "top_k", a,
                      lambda: M.top_k_accuracy_score(yt, 4 * s - 2, k=1, sample_weight=sw))
    # edge cases
    for yt in ([0, 0, 0], [1, 1, 1], [2, 2]):
        s = [0.1, 0.5, 0.5][: len(yt)]
        base = dict(y_true=yt, y_score=s, sample_weight=None)
        c.add(f"edge/single_class/{yt}/roc_auc", "roc_auc", base, lambda: M.roc_auc_score(yt, s))
        c.add(f"edge/single_class/{yt}/ap", "average_precision", dict(base, pos_label=1),
              lambda: M.average_precision_score(yt, s, pos_label=1))
        for drop in (False, True):
            a = dict(base, pos_label=1, drop_intermediate=drop)
            c.add(f"edge/single_class/{yt}/roc_curve/{drop}", "roc_curve", a, lambda: dict(zip(
                ("fpr", "tpr", "thresholds"), M.roc_curve(yt, s, pos_label=1, drop_intermediate=drop))))
            c.add(f"edge/single_class/{yt}/pr_curve/{drop}", "pr_curve", a, lambda: dict(zip(
                ("precision", "recall", "thresholds"),
                M.precision_recall_curve(yt, s, pos_label=1, drop_intermediate=drop))))
    yt, s = [0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]
    base = dict(y_true=yt, y_score=s, sample_weight=None)
    c.add("edge/all_tied/roc_auc", "roc_auc", base, lambda: M.roc_auc_score(yt, s))
    c.add("edge/all_tied/ap", "average_precision", dict(base, pos_label=1),
          lambda: M.average_precision_score(yt, s))
    c.add("edge/pos_label_absent", "average_precision", dict(base, pos_label=3),
          lambda: M.average_precision_score(yt, s, pos_label=3))
    yt, s = [0, 1, 1, 0], [-0.0, 0.0, 1e-300, -1e-300]
    c.add("edge/signed_zero", "roc_curve", dict(y_true=yt, y_score=s, sample_weight=None, pos_label=1,
                                                drop_intermediate=False),
          lambda: dict(zip(("fpr", "tpr", "thresholds"), M.roc_curve(yt, s, drop_intermediate=False))))

    # multiclass
    for n in (6, 40, 120):
        for k in (3, 4, 7):
            for weighted in (False, True):
                yt = rng.integers(0, k, n)
                yt[:k] = np.arange(k) if n >= k else yt[:k]
                if len(set(yt)) < k:
                    continue
                raw = rng.random((n, k)) + np.eye(k)[yt] * rng.random((n, 1))
                if n == 40:
                    raw = np.round(raw * 3)
                    raw[raw.sum(1) == 0, 0] = 1.0
                P = raw / raw.sum(1, keepdims=True)
                sw = rng.random(n).round(3).tolist() if weighted else None
                name = f"mc/n{n}/k{k}/w{int(weighted)}"
                base = dict(y_true=yt.tolist(), y_score=P.tolist(), sample_weight=sw, labels=None)
                for mc in ("ovr", "ovo"):
                    for avg in ("macro", "weighted", "micro"):
                        c.add(f"{name}/auc/{mc}/{avg}", "roc_auc_mc", dict(base, multi_class=mc, average=avg),
                              lambda: M.roc_auc_score(yt, P, multi_class=mc, average=avg, sample_weight=sw))
                c.add(f"{name}/auc/ovr/none", "roc_auc_mc", dict(base, multi_class="ovr", average="none"),
                      lambda: M.roc_auc_score(yt, P, multi_class="ovr", average=None, sample_weight=sw))
                for avg in ("macro", "weighted", "micro", None):
                    c.add(f"{name}/ap/{avg}", "ap_mc", dict(base, average=avg or "none"),
                          lambda: M.average_precision_score(yt, P, average=avg, sample_weight=sw))
                for kk in (1, 2, 3):
                    for norm in (True, False):
                        c.add(f"{name}/top{kk}/{norm}", "top_k", dict(base, k=kk, normalize=norm),
                              lambda: M.top_k_accuracy_score(yt, P, k=kk, sample_weight=sw, normalize=norm))
    # labels with a class absent from y_true
    yt = np.array([0, 1, 3, 3, 1, 0])
    P = np.array([[.5, .2, .2, .1], [.1, .6, .2, .1], [.1, .1, .2, .6], [.3, .1, .1, .5], [.2, .5, .2, .1],
                  [.7, .1, .1, .1]])
    base = dict(y_true=yt.tolist(), y_score=P.tolist(), sample_weight=None, labels=[0, 1, 2, 3])
    for mc in ("ovr", "ovo"):
        for avg in ("macro", "weighted"):
            c.add(f"mc/absent_label/{mc}/{avg}", "roc_auc_mc", dict(base, multi_class=mc, average=avg),
                  lambda: M.roc_auc_score(yt, P, multi_class=mc, average=avg, labels=[0, 1, 2, 3]))
    c.add("mc/absent_label/top2", "top_k", dict(base, k=2, normalize=True),
          lambda: M.top_k_accuracy_score(yt, P, k=2, labels=[0, 1, 2, 3]))
    bad = (P * 1.1).tolist()
    c.add("mc/not_probabilities", "roc_auc_mc",
          dict(base, y_score=bad, multi_class="ovr", average="macro"),
          lambda: M.roc_auc_score(yt, np.array(bad), multi_class="ovr", labels=[0, 1, 2, 3]))
    c.add("mc/ovo_weights", "roc_auc_mc",
          dict(base, multi_class="ovo", average="macro", sample_weight=[1.0] * 6),
          lambda: M.roc_auc_score(yt, P, multi_class="ovo", labels=[0, 1, 2, 3], sample_weight=[1.0] * 6))
    # top-k ties: equal scores, the higher column wins
    yt = np.array([0, 1, 2, 1])
    P = np.array([[.4, .4, .2], [.4, .4, .2], [1 / 3, 1 / 3, 1 / 3], [.2, .4, .4]])
    for kk in (1, 2):
        c.add(f"mc/top_k_ties/{kk}", "top_k", dict(y_true=yt.tolist(), y_score=P.tolist(), sample_weight=None,
                                                  labels=None, k=kk, normalize=True),
              lambda: M.top_k_accuracy_score(yt, P, k=kk))
    # partial ROC-AUC (max_fpr, McClish-standardised)
    for n in (10, 57, 150):
        for ties in (False, True):
            for weighted in (False, True):
                yt = rng.integers(0, 2, n)
                yt[0], yt[1] = 0, 1
                s = np.clip(rand_scores(rng, n, ties) + 0.3 * yt, 0, 1.3)
                sw = rng.random(n).round(3).tolist() if weighted else None
                for max_fpr in (0.05, 0.1, 0.37, 0.5, 1.0):
                    c.add(f"partial/n{n}/t{int(ties)}/w{int(weighted)}/{max_fpr}", "roc_auc_partial",
                          dict(y_true=yt.tolist(), y_score=s.tolist(), sample_weight=sw, max_fpr=max_fpr),
                          lambda: M.roc_auc_score(yt, s, sample_weight=sw, max_fpr=max_fpr))
    for yt in ([1, 1, 1], [0, 1, 0, 1]):
        s = [0.1, 0.9, 0.4, 0.3][: len(yt)]
        c.add(f"partial/edge/{yt}", "roc_auc_partial", dict(y_true=yt, y_score=s, sample_weight=None, max_fpr=0.3),
              lambda: M.roc_auc_score(yt, s, max_fpr=0.3))
    # multilabel indicator y_true: ROC-AUC (also partial) and average precision
    for n in (6, 40, 120):
        for n_labels in (2, 3, 5):
            for weighted in (False, True):
                Y = (rng.random((n, n_labels)) < 0.4).astype(int)
                # every row and every column has both classes (so "samples" is defined)
                for i in range(n):
                    Y[i, i % n_labels], Y[i, (i + 1) % n_labels] = 1, 0
                S = rng.random((n, n_labels)) + 0.5 * Y * rng.random((n, n_labels))
                if n == 40:
                    S = np.round(S * 3) / 3  # ties
                sw = (rng.random(n).round(3) + 0.01).tolist() if weighted else None
                name = f"ml/n{n}/l{n_labels}/w{int(weighted)}"
                base = dict(y_true=Y.tolist(), y_score=S.tolist(), sample_weight=sw)
                for avg in ("macro", "weighted", "micro", "samples", None):
                    for max_fpr in (None, 0.25):
                        c.add(f"{name}/auc/{avg}/{max_fpr}", "roc_auc_ml", dict(base, average=avg or "none",
                                                                             max_fpr=max_fpr),
                              lambda: M.roc_auc_score(Y, S, average=avg, sample_weight=sw, max_fpr=max_fpr))
                    c.add(f"{name}/ap/{avg}", "ap_ml", dict(base, average=avg or "none"),
                          lambda: M.average_precision_score(Y, S, average=avg, sample_weight=sw))
    # a label column with one class: NaN ROC-AUC (the macro mean is NaN), AP 0 without positives
    Y = [[0, 1], [0, 0], [0, 1], [0, 0]]
    S = [[.1, .9], [.2, .3], [.3, .8], [.6, .5]]
    for avg in ("macro", "weighted", "micro", "samples", None):
        base = dict(y_true=Y, y_score=S, sample_weight=None, average=avg or "none")
        c.add(f"ml/one_class/auc/{avg}", "roc_auc_ml", dict(base, max_fpr=None),
              lambda: M.roc_auc_score(Y, S, average=avg))
        c.add(f"ml/one_class/ap/{avg}", "ap_ml", base, lambda: M.average_precision_score(Y, S, average=avg))
    c.write("ranking.json")


def ece_np(yt, p, pos_label, n_bins, strategy):
    """ECE from scikit-learn's calibration_curve plus the same binning for counts."""
    prob_true, prob_pred = calibration_curve(yt, p, pos_label=pos_label, n_bins=n_bins, strategy=strategy)
    if strategy == "quantile":
        bins = np.percentile(p, np.linspace(0, 1, n_bins + 1) * 100)
    else:
        bins = np.linspace(0.0, 1.0, n_bins + 1)
    counts = np.bincount(np.searchsorted(bins[1:-1], p), minlength=n_bins)
    counts = counts[counts != 0]
    return float(np.sum(counts / len(p) * np.abs(prob_true - prob_pred))), counts


def probability(rng):
    c = Cases()
    for n in (1, 2, 9, 100):
        for weighted in (False, True):
            for extreme in (False, True):
                yt = rng.integers(0, 2, n)
                if n >= 2:
                    yt[:2] = [0, 1]
                p = rng.random(n)
                if extreme:
                    p = np.where(rng.random(n) < 0.5, yt.astype(float), p)  # exact 0/1 probabilities
                    p[0] = 1.0 - yt[0]  # a confidently wrong row: clipping matters
                sw = rng.random(n).round(3).tolist() if weighted else None
                name = f"bin/n{n}/w{int(weighted)}/x{int(extreme)}"
                base = dict(y_true=yt.tolist(), y_prob=[[v] for v in p.tolist()], sample_weight=sw, labels=None)
                for norm in (True, False):
                    c.add(f"{name}/log_loss/{norm}", "log_loss", dict(base, normalize=norm),
                          lambda: M.log_loss(yt, p, sample_weight=sw, normalize=norm))
                c.add(f"{name}/log_loss_2col", "log_loss",
                      dict(base, y_prob=np.c_[1 - p, p].tolist(), normalize=True),
                      lambda: M.log_loss(yt, np.c_[1 - p, p], sample_weight=sw))
                for pos in (None, 0, 1):
                    c.add(f"{name}/brier/{pos}", "brier", dict(base, y_prob=p.tolist(), pos_label=pos),
                          lambda: M.brier_score_loss(yt, p, pos_label=pos, sample_weight=sw))
                if n >= 9:
                    for nb in (1, 3, 5, 10):
                        for strat in ("uniform", "quantile"):
                            a = dict(y_true=yt.tolist(), y_prob=p.tolist(), n_bins=nb, strategy=strat, pos_label=None)

                            def go(nb=nb, strat=strat):
                                pt, pp = calibration_curve(yt, p, n_bins=nb, strategy=strat)
                                ece, counts = ece_np(yt, p, None, nb, strat)
                                return dict(prob_true=pt, prob_pred=pp, count=counts.astype(float), ece=ece)

                            c.add(f"{name}/calibration/{nb}/{strat}", "calibration", a, go)
    # perfect predictions, single class, out-of-range, labels
    c.add("edge/log_loss_perfect", "log_loss",
          dict(y_true=[0, 1, 1], y_prob=[[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]], sample_weight=None, labels=None,
               normalize=True),
          lambda: M.log_loss([0, 1, 1], [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]))
    c.add("edge/log_loss_single_class", "log_loss",
          dict(y_true=[1, 1], y_prob=[[0.9], [0.8]], sample_weight=None, labels=None, normalize=True),
          lambda: M.log_loss([1, 1], [0.9, 0.8]))
    c.add("edge/log_loss_single_class_labels", "log_loss",
          dict(y_true=[1, 1], y_prob=[[0.9], [0.8]], sample_weight=None, labels=[0, 1], normalize=True),
          lambda: M.log_loss([1, 1], [0.9, 0.8], labels=[0, 1]))
    c.add("edge/log_loss_gt1", "log_loss",
          dict(y_true=[0, 1], y_prob=[[0.2], [1.2]], sample_weight=None, labels=None, normalize=True),
          lambda: M.log_loss([0, 1], [0.2, 1.2]))
    c.add("edge/brier_lt0", "brier", dict(y_true=[0, 1], y_prob=[-0.1, 0.5], sample_weight=None, pos_label=None),
          lambda: M.brier_score_loss([0, 1], [-0.1, 0.5]))
    c.add("edge/brier_codes_2_5", "brier", dict(y_true=[2, 5, 5], y_prob=[0.1, 0.7, 0.4], sample_weight=None,
                                                 pos_label=None),
          lambda: M.brier_score_loss([2, 5, 5], [0.1, 0.7, 0.4]))
    for n in (5, 60):
        for k in (3, 5):
            for weighted in (False, True):
                yt = rng.integers(0, k, n)
                yt[:k] = np.arange(k)
                raw = rng.random((n, k)) ** 3
                P = raw / raw.sum(1, keepdims=True)
                sw = rng.random(n).round(3).tolist() if weighted else None
                name = f"mc/n{n}/k{k}/w{int(weighted)}"
                base = dict(y_true=yt.tolist(), y_prob=P.tolist(), sample_weight=sw, labels=None)
                c.add(f"{name}/log_loss", "log_loss", dict(base, normalize=True),
                      lambda: M.log_loss(yt, P, sample_weight=sw))
                c.add(f"{name}/brier", "brier_mc", base, lambda: M.brier_score_loss(yt, P, sample_weight=sw))
                yt2 = yt.copy()
                yt2[yt2 == 1] = 0  # class 1 absent from y_true: needs labels
                labs = list(range(k))
                b2 = dict(base, y_true=yt2.tolist(), labels=labs)
                c.add(f"{name}/log_loss_labels", "log_loss", dict(b2, normalize=True),
                      lambda: M.log_loss(yt2, P, labels=labs, sample_weight=sw))
                c.add(f"{name}/log_loss_nolabels", "log_loss", dict(b2, labels=None, normalize=True),
                      lambda: M.log_loss(yt2, P, sample_weight=sw))
                c.add(f"{name}/brier_labels", "brier_mc", b2,
                      lambda: M.brier_score_loss(yt2, P, labels=labs, sample_weight=sw))
                if n >= 60:
                    for strat in ("uniform", "quantile"):
                        def go(strat=strat):
                            conf = P.max(1)
                            correct = (P.argmax(1) == yt).astype(int)
                            return ece_np(correct, conf, 1, 10, strat)[0]

                        c.add(f"{name}/ece_top_label/{strat}", "ece_mc",
                              dict(base, n_bins=10, strategy=strat), go)
    c.write("probability.json")


REG = {
    "mse": lambda t, p, **k: M.mean_squared_error(t, p, **k),
    "rmse": lambda t, p, **k: M.root_mean_squared_error(t, p, **k),
    "mae": lambda t, p, **k: M.mean_absolute_error(t, p, **k),
    "medae": lambda t, p, **k: M.median_absolute_error(t, p, **k),
    "mape": lambda t, p, **k: M.mean_absolute_percentage_error(t, p, **k),
    "r2": lambda t, p, **k: M.r2_score(t, p, **k),
    "r2_nf": lambda t, p, **k: M.r2_score(t, p, force_finite=False, **k),
    "ev": lambda t, p, **k: M.explained_variance_score(t, p, **k),
    "ev_nf": lambda t, p, **k: M.explained_variance_score(t, p, force_finite=False, **k),
}


def regression(rng):
    c = Cases()

    def add(name, t, p, sw=None, outputs=("uniform_average",)):
        for m, fn in REG.items():
            for mo in outputs:
                if mo == "variance_weighted" and m not in ("r2", "r2_nf", "ev", "ev_nf"):
                    continue
                mo_py = mo if isinstance(mo, str) else np.asarray(mo)
                args = dict(y_true=np.asarray(t).reshape(len(t), -1).tolist(),
                            y_pred=np.asarray(p).reshape(len(p), -1).tolist(),
                            sample_weight=sw, metric=m, multioutput=mo)
                c.add(f"{name}/{m}/{mo}", "regression", args,
                      lambda: fn(t, p, sample_weight=sw, multioutput=mo_py))
        if np.asarray(t).ndim == 1:
            c.add(f"{name}/max_error", "regression",
                  dict(y_true=[[v] for v in t], y_pred=[[v] for v in p], sample_weight=None, metric="max_error",
                       multioutput="uniform_average"),
                  lambda: M.max_error(t, p))

    for n in (1, 2, 3, 8, 50):
        for m in (1, 2, 3):
            for weighted in (False, True):
                t = rng.normal(size=(n, m)) * 3
                p = t + rng.normal(size=(n, m))
                if n >= 8:
                    t[:2] = np.round(t[:2])  # some ties in |residual|
                    p[2, :] = t[2, :]
                sw = None
                if weighted:
                    sw = rng.random(n).round(2)
                    if n > 3:
                        sw[1] = 0.0
                    sw = sw.tolist()
                if m == 1:
                    t, p = t[:, 0], p[:, 0]
                outs = ("uniform_average", "raw_values") if m == 1 else (
                    "uniform_average", "raw_values", "variance_weighted", [0.3, 0.7] + [1.0] * (m - 2))
                add(f"rand/n{n}/m{m}/w{int(weighted)}", t, p, sw, outs)
    # edge cases
    add("edge/constant_true", np.array([2.0, 2.0, 2.0]), np.array([2.0, 1.0, 3.0]))
    add("edge/constant_true_perfect", np.array([2.0, 2.0, 2.0]), np.array([2.0, 2.0, 2.0]))
    add("edge/zeros_in_true", np.array([0.0, 1.0, -2.0, 0.0]), np.array([0.5, 1.0, -1.0, 0.0]))
    add("edge/constant_column", np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 5.0]]),
        np.array([[1.0, 2.5], [2.0, 3.0], [1.0, 4.0]]), None, ("uniform_average", "variance_weighted", "raw_values"))
    add("edge/all_constant", np.array([[1.0, 2.0], [1.0, 2.0]]), np.array([[1.5, 2.0], [1.0, 2.5]]), None,
        ("uniform_average", "variance_weighted"))
    add("edge/median_even_weights", np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 0.0, 0.0, 0.0]),
        [1.0, 1.0, 1.0, 1.0])
    add("edge/median_zero_weight_next", np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 0.0, 0.0, 0.0]),
        [1.0, 1.0, 0.0, 2.0])
    c.add("edge/max_error_multioutput", "regression",
          dict(y_true=[[1.0, 2.0], [2.0, 3.0]], y_pred=[[1.0, 2.0], [2.0, 4.0]], sample_weight=None,
               metric="max_error", multioutput="uniform_average"),
          lambda: M.max_error(np.array([[1.0, 2.0], [2.0, 3.0]]), np.array([[1.0, 2.0], [2.0, 4.0]])))
    c.write("regression.json")


def stats_section(rng):
    c = Cases()
    for df in (1, 2, 3, 4.5, 9, 29, 200):
        for x in (-40.0, -5.0, -2.1, -0.3, 0.0, 0.7, 1.96, 3.3, 12.0):
            c.add(f"t/{df}/{x}", "t_cdf", dict(x=x, df=df), lambda: st.t.cdf(x, df))
            c.add(f"tsf/{df}/{x}", "t_sf", dict(x=x, df=df), lambda: st.t.sf(x, df))
        for p in (1e-6, 0.001, 0.025, 0.1, 0.5, 0.9, 0.975, 0.995, 1 - 1e-6):
            c.add(f"tppf/{df}/{p}", "t_ppf", dict(p=p, df=df), lambda: st.t.ppf(p, df))
    for x in (-9.0, -3.0, -1.0, 0.0, 0.5, 2.5, 8.0):
        c.add(f"ncdf/{x}", "normal_cdf", dict(x=x), lambda: st.norm.cdf(x))
        c.add(f"nsf/{x}", "normal_sf", dict(x=x), lambda: st.norm.sf(x))
    for p in (1e-10, 0.01, 0.3, 0.5, 0.8, 0.975, 1 - 1e-10):
        c.add(f"nppf/{p}", "normal_ppf", dict(p=p), lambda: st.norm.ppf(p))
    for df in (1, 2, 5, 17):
        for x in (0.001, 0.5, 1.0, 3.84, 10.0, 60.0):
            c.add(f"chi2/{df}/{x}", "chi2_sf", dict(x=x, df=df), lambda: st.chi2.sf(x, df))
    for n in (1, 5, 24, 100):
        for k in (0, 1, 2, 7, 12, 50):
            for p in (0.5, 0.3):
                c.add(f"binom/{n}/{k}/{p}", "binom_cdf", dict(k=k, n=n, p=p), lambda: st.binom.cdf(k, n, p))
    c.write("stats.json")


def delong_py(y, sa, sb):
    """DeLong's test (Sun & Xu 2014 fast form) with scipy midranks; independent of the Rust code."""
    pos, neg = y == 1, y == 0
    m, n = pos.sum(), neg.sum()
    out = []
    for s in (sa, sb):
        x, z = s[pos], s[neg]
        tx, tz, tall = st.rankdata(x), st.rankdata(z), st.rankdata(np.r_[x, z])
        auc = (tall[:m].sum() - m * (m + 1) / 2) / (m * n)
        v10 = (tall[:m] - tx) / n
        v01 = 1 - (tall[m:] - tz) / m
        out.append((auc, v10, v01))
    sx = np.cov(np.vstack([out[0][1], out[1][1]]))
    sy = np.cov(np.vstack([out[0][2], out[1][2]]))
    S = sx / m + sy / n
    var = S[0, 0] + S[1, 1] - 2 * S[0, 1]
    z = (out[0][0] - out[1][0]) / np.sqrt(var)
    return dict(auc_a=out[0][0], auc_b=out[1][0], std_error=np.sqrt(var), z=z, p_value=2 * st.norm.sf(abs(z)))


def holm_py(p):
    p = np.asarray(p, float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adj = np.minimum(1, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adj
    return out


def paired(rng):
    from scipy.stats._resampling import _bca_interval

    c = Cases()
    # McNemar: exact binomial below 25 discordant rows, chi-square with continuity correction above
    for b, cc in ((0, 0), (0, 3), (3, 9), (12, 12), (5, 19), (20, 4), (30, 14), (14, 30), (100, 80), (7, 60)):
        def go(b=b, cc=cc):
            n = b + cc
            if n < 25:
                k = min(b, cc)
                return dict(statistic=k, p_value=1.0 if n == 0 else min(1.0, 2 * st.binom.cdf(k, n, 0.5)), exact=True)
            stat = (abs(b - cc) - 1) ** 2 / n
            return dict(statistic=stat, p_value=st.chi2.sf(stat, 1), exact=False)

        c.add(f"mcnemar/{b}/{cc}", "mcnemar", dict(a_only=b, b_only=cc), go)
    # DeLong
    for n in (10, 40, 200):
        for ties in (False, True):
            y = rng.integers(0, 2, n)
            y[:2] = [0, 1]
            y[2:4] = [0, 1]
            sa = rng.random(n) + 0.6 * y
            sb = 0.5 * sa + rng.random(n) * 0.8 + 0.2 * y
            if ties:
                sa, sb = np.round(sa * 5), np.round(sb * 5)
            c.add(f"delong/n{n}/t{int(ties)}", "delong", dict(y_true=y.tolist(), score_a=sa.tolist(),
                                                              score_b=sb.tolist()),
                  lambda: delong_py(y, sa, sb))
    # corrected resampled t-test (Nadeau & Bengio) and its one-sample CI
    for k in (2, 5, 10, 30):
        for shift in (0.0, 0.01, 0.05):
            d = rng.normal(shift, 0.02, k)
            for n_train, n_test in ((90, 10), (400, 200)):
                for conf in (0.95, 0.9):
                    def go(d=d, n_train=n_train, n_test=n_test, conf=conf):
                        mean = d.mean()
                        var = d.var(ddof=1)
                        se = np.sqrt((1 / len(d) + n_test / n_train) * var)
                        t = mean / se
                        q = st.t.ppf(1 - (1 - conf) / 2, len(d) - 1)
                        return dict(mean=mean, std_error=se, t=t, df=len(d) - 1,
                                    p_value=2 * st.t.sf(abs(t), len(d) - 1), ci_low=mean - q * se,
                                    ci_high=mean + q * se)

                    c.add(f"cttest/k{k}/s{shift}/{n_train}/{conf}", "corrected_ttest",
                          dict(diffs=d.tolist(), n_train=n_train, n_test=n_test, confidence=conf), go)
    c.add("cttest/constant", "corrected_ttest", dict(diffs=[0.0, 0.0, 0.0], n_train=9, n_test=3, confidence=0.95),
          lambda: dict(mean=0.0, std_error=0.0, t=0.0, df=2, p_value=1.0, ci_low=0.0, ci_high=0.0))
    for ps in ([0.01, 0.04, 0.03, 0.005], [0.5], [0.2, 0.2, 0.01], [0.001, 0.9, 0.04, 0.04, 0.3]):
        c.add(f"holm/{ps}", "holm", dict(p=ps), lambda: holm_py(ps))
    # interval construction from given replicates, as scipy.stats.bootstrap does
    for n in (15, 80):
        x = rng.exponential(size=n)
        reps = np.array([rng.choice(x, n).mean() for _ in range(300)])
        jack = np.array([np.delete(x, i).mean() for i in range(n)])
        for conf in (0.9, 0.95):
            alpha = (1 - conf) / 2

            def go(x=x, reps=reps, alpha=alpha):
                a1, a2, _ = _bca_interval((x,), lambda v, axis=-1: np.mean(v, axis=axis), -1, alpha, reps, None, np)
                return dict(bca=[np.percentile(reps, a1 * 100), np.percentile(reps, a2 * 100)],
                            percentile=[np.percentile(reps, alpha * 100), np.percentile(reps, (1 - alpha) * 100)])

            c.add(f"interval/n{n}/{conf}", "interval",
                  dict(estimate=x.mean(), replicates=reps.tolist(), jackknife=jack.tolist(), confidence=conf), go)
    c.write("paired.json")


SECTIONS = {"classification": classification, "multilabel": multilabel, "ranking": ranking,
            "probability": probability, "regression": regression,
            "stats": stats_section, "paired": paired}

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    which = sys.argv[1:] or list(SECTIONS)
    for name in which:
        SECTIONS[name](np.random.default_rng(sum(map(ord, name))))
