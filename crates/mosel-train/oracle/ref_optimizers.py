#!/usr/bin/env python3
"""Reference trajectories of every optimizer, computed from the published update rules.

Independent of the Rust code: plain Python floats (no numpy needed), written from the papers'
formulas, including the *original* forms where the Rust code uses an equivalent one:

* momentum: Polyak's heavy ball  theta_{t+1} = theta_t - lr*g(theta_t) + mu*(theta_t - theta_{t-1})
* nesterov: Sutskever et al. (2013) look-ahead form  v <- mu*v - lr*g(theta + mu*v);
  theta <- theta + v; the reported iterate is the look-ahead point theta + mu*v
* adam: Kingma & Ba (2015), Algorithm 1 (bias-corrected moments)
* adamw: Loshchilov & Hutter (2019), Algorithm 2, with eta_t = lr and the decay scaled by lr
* rmsprop: Hinton (2012) lecture 6e; adagrad: Duchi et al. (2011), diagonal form
* lbfgs: Nocedal & Wright Alg. 7.4/7.5 + strong-Wolfe line search Alg. 3.5/3.6 exactly as
  documented in src/lbfgs.rs, on the Rosenbrock function from (-1.2, 1) (the logistic
  problem below converges to machine precision in fewer than ten iterations).

Problem: L2-penalised logistic regression on 4 fixed rows (3 parameters),
F(theta) = 1/4 * sum_j [log(1 + exp(x_j.theta)) - y_j x_j.theta] + 0.05 * |theta|^2.
SGD uses row (t mod 4) at step t with the per-row loss plus the same penalty.

Run:  python3 crates/mosel-train/oracle/ref_optimizers.py > crates/mosel-train/tests/golden/optimizers.json
"""
import json
import math

X = [[1.0, 0.5, -1.2], [1.0, -0.3, 0.8], [1.0, 1.5, 0.3], [1.0, -1.0, -0.5]]
Y = [1.0, 0.0, 1.0, 0.0]
LAM = 0.1  # penalty (LAM/2)|theta|^2
THETA0 = [0.5, -0.3, 0.8]
STEPS = 10


def row_grad(theta, j):
    z = sum(a * b for a, b in zip(X[j], theta))
    p = 1.0 / (1.0 + math.exp(-z))
    return [(p - Y[j]) * x + LAM * t for x, t in zip(X[j], theta)]


def row_loss(theta, j):
    z = sum(a * b for a, b in zip(X[j], theta))
    return math.log1p(math.exp(z)) - Y[j] * z


def fun(theta):
    f = sum(row_loss(theta, j) for j in range(4)) / 4 + 0.5 * LAM * sum(t * t for t in theta)
    gs = [row_grad(theta, j) for j in range(4)]
    g = [sum(gs[j][i] for j in range(4)) / 4 for i in range(3)]
    return f, g


def grad(theta):
    return fun(theta)[1]


def run_gd(lr):
    th, out = THETA0[:], []
    for _ in range(STEPS):
        g = grad(th)
        th = [t - lr * gi for t, gi in zip(th, g)]
        out.append(th)
    return out


def run_sgd(lr):
    th, out = THETA0[:], []
    for t in range(STEPS):
        g = row_grad(th, t % 4)
        th = [a - lr * gi for a, gi in zip(th, g)]
        out.append(th)
    return out


def run_heavy_ball(lr, mu):
    prev, th, out = THETA0[:], THETA0[:], []
    for _ in range(STEPS):
        g = grad(th)
        new = [t - lr * gi + mu * (t - p) for t, gi, p in zip(th, g, prev)]
        prev, th = th, new
        out.append(th)
    return out


def run_nesterov_lookahead(lr, mu):
    th, v, out = THETA0[:], [0.0, 0.0, 0.0], []
    for _ in range(STEPS):
        look = [t + mu * vi for t, vi in zip(th, v)]
        g = grad(look)
        v = [mu * vi - lr * gi for vi, gi in zip(v, g)]
        th = [t + vi for t, vi in zip(th, v)]
        out.append([t + mu * vi for t, vi in zip(th, v)])
    return out


def run_adam(lr, b1, b2, eps, wd=0.0):
    th, m, v, out = THETA0[:], [0.0] * 3, [0.0] * 3, []
    for t in range(1, STEPS + 1):
        g = grad(th)
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        mhat = [mi / (1 - b1 ** t) for mi in m]
        vhat = [vi / (1 - b2 ** t) for vi in v]
        th = [p - lr * (mh / (math.sqrt(vh) + eps) + wd * p) for p, mh, vh in zip(th, mhat, vhat)]
        out.append(th)
    return out


def run_rmsprop(lr, rho, eps):
    th, s, out = THETA0[:], [0.0] * 3, []
    for _ in range(STEPS):
        g = grad(th)
        s = [rho * si + (1 - rho) * gi * gi for si, gi in zip(s, g)]
        th = [p - lr * gi / (math.sqrt(si) + eps) for p, gi, si in zip(th, g, s)]
        out.append(th)
    return out


def run_adagrad(lr, eps):
    th, s, out = THETA0[:], [0.0] * 3, []
    for _ in range(STEPS):
        g = grad(th)
        s = [si + gi * gi for si, gi in zip(s, g)]
        th = [p - lr * gi / (math.sqrt(si) + eps) for p, gi, si in zip(th, g, s)]
        out.append(th)
    return out


# ---------------------------------------------------------------- L-BFGS
def dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def cubic_min(a, b):
    (at, af, ad), (bt, bf, bd) = a, b
    d1 = ad + bd - 3 * (af - bf) / (at - bt)
    sq = d1 * d1 - ad * bd
    if sq < 0:
        return float("nan")
    d2 = math.copysign(1.0, bt - at) * math.sqrt(sq)
    return bt - (bt - at) * (bd + d2 - d1) / (bd - ad + 2 * d2)


def strong_wolfe(phi, t, f0, d0, max_ls=25):
    c1, c2 = 1e-4, 0.9
    used = 0
    prev = (0.0, f0, d0)
    while True:
        ft, dt, pt = phi(t)
        used += 1
        cur = (t, ft, dt)
        if ft > f0 + c1 * t * d0 or (used > 1 and ft >= prev[1]):
            lo, hi = prev, cur
            break
        if abs(dt) <= -c2 * d0:
            return pt
        if dt >= 0:
            lo, hi = cur, prev
            break
        if used >= max_ls:
            return pt
        prev = cur
        t *= 2.0
    while True:
        width = abs(hi[0] - lo[0])
        if used >= max_ls or width < 1e-14 * max(abs(lo[0]), 1e-10):
            if lo[0] == 0.0 or lo[1] >= f0:
                return None
            return phi(lo[0])[2]
        a, b = min(lo[0], hi[0]), max(lo[0], hi[0])
        t = cubic_min(lo, hi)
        if math.isnan(t) or t < a + 0.1 * width or t > b - 0.1 * width:
            t = 0.5 * (lo[0] + hi[0])
        ft, dt, pt = phi(t)
        used += 1
        cur = (t, ft, dt)
        if ft > f0 + c1 * t * d0 or ft >= lo[1]:
            hi = cur
        else:
            if abs(dt) <= -c2 * d0:
                return pt
            if dt * (hi[0] - lo[0]) >= 0:
                hi = lo
            lo = cur


def rosenbrock(x):
    a, b = x
    f = (1 - a) ** 2 + 100 * (b - a * a) ** 2
    return f, [-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)]


def run_lbfgs(memory, iters, fun=rosenbrock, x0=(-1.2, 1.0)):
    x = list(x0)
    f, g = fun(x)
    pairs = []  # oldest first
    out = []
    for _ in range(iters):
        q = g[:]
        alphas = []
        for s, y in reversed(pairs):
            a = dot(s, q) / dot(y, s)
            alphas.append(a)
            q = [qi - a * yi for qi, yi in zip(q, y)]
        if pairs:
            s, y = pairs[-1]
            gamma = dot(s, y) / dot(y, y)
            q = [gamma * qi for qi in q]
        for (s, y), a in zip(pairs, reversed(alphas)):
            b = dot(y, q) / dot(y, s)
            q = [qi + (a - b) * si for qi, si in zip(q, s)]
        d = [-qi for qi in q]
        gtd = dot(g, d)
        if gtd >= 0:
            pairs = []
            d = [-gi for gi in g]
            gtd = -dot(g, g)
        t0 = min(1.0, 1.0 / sum(abs(gi) for gi in g)) if not pairs else 1.0

        def phi(t):
            xt = [xi + t * di for xi, di in zip(x, d)]
            ft, gt = fun(xt)
            return ft, dot(gt, d), (xt, ft, gt)

        res = strong_wolfe(phi, t0, f, gtd)
        if res is None:
            break
        xt, ft, gt = res
        s = [a - b for a, b in zip(xt, x)]
        y = [a - b for a, b in zip(gt, g)]
        if dot(s, y) > 1e-10:
            pairs.append((s, y))
            if len(pairs) > memory:
                pairs.pop(0)
        x, f, g = xt, ft, gt
        out.append(x)
    return out


def main():
    traj = {
        "gd": run_gd(0.5),
        "sgd": run_sgd(0.5),
        "momentum": run_heavy_ball(0.1, 0.9),
        "nesterov": run_nesterov_lookahead(0.1, 0.9),
        "adam": run_adam(0.1, 0.9, 0.999, 1e-8),
        "adamw": run_adam(0.1, 0.9, 0.999, 1e-8, wd=0.1),
        "rmsprop": run_rmsprop(0.01, 0.9, 1e-8),
        "adagrad": run_adagrad(0.1, 1e-10),
        "lbfgs": run_lbfgs(3, STEPS),
    }
    json.dump(
        {
            "problem": {"x": X, "y": Y, "l2": LAM, "theta0": THETA0},
            "settings": {
                "gd": {"lr": 0.5}, "sgd": {"lr": 0.5}, "momentum": {"lr": 0.1, "momentum": 0.9},
                "nesterov": {"lr": 0.1, "momentum": 0.9},
                "adam": {"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
                "adamw": {"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.1},
                "rmsprop": {"lr": 0.01, "rho": 0.9, "eps": 1e-8},
                "adagrad": {"lr": 0.1, "eps": 1e-10}, "lbfgs": {"memory": 3, "problem": "rosenbrock", "x0": [-1.2, 1.0]},
            },
            "trajectories": traj,
        },
        fp=__import__("sys").stdout,
        indent=1,
    )


if __name__ == "__main__":
    main()
