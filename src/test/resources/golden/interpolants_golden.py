#!/usr/bin/env python3
"""Golden values for the interpolants beyond the straight line (genblocks time: t = 0 is data x0, t = 1 is
noise x1; the papers' time runs the other way, which mirrors t and swaps x0 and x1).

  * Stochastic interpolants (Albergo, Boffi & Vanden-Eijnden 2023): x_t = a(t) x0 + b(t) x1 + gamma(t) z,
    conditional velocity a'(t) x0 + b'(t) x1 + gamma'(t) z, z ~ N(0, I) independent; gamma(t) = sqrt(k t (1 - t)).
  * Schroedinger-bridge CFM (Tong et al. 2023, "Improving and generalizing flow-based generative models with
    minibatch optimal transport", SB-CFM): a = 1 - t, b = t, gamma = sigma sqrt(t (1 - t)), so
    u = x1 - x0 + sigma (1 - 2t) / (2 sqrt(t (1 - t))) z; pairs from the entropic OT plan with reg 2 sigma^2.
  * Variance-preserving CFM (Tong et al. 2023, VP-CFM): a = cos(pi t / 2), b = sin(pi t / 2), gamma = sigma.
  * Entropic OT (Cuturi 2013): plan P = diag(u) K diag(v), K = exp(-C / reg), uniform marginals, plain Sinkhorn
    scaling iterations in float64 (no log domain) until the marginals match to 1e-15.

Written from the papers' formulas in genblocks; float64 numpy only. Run:
    python3 interpolants_golden.py > interpolants_golden.txt
"""
import numpy as np

np.set_printoptions(precision=17, linewidth=140)


def arr(name, a):
    print("%s = %s" % (name, np.array2string(np.asarray(a, dtype=np.float64).ravel(), separator=", ")))


x0 = np.array([[0.5, -1.0], [1.5, 0.25], [-0.3, 0.9]])
x1 = np.array([[0.2, 0.4], [-1.0, 3.0], [0.7, -0.6]])
z = np.array([[1.1, -0.2], [0.3, 0.8], [-1.4, 0.5]])
t = np.array([0.1, 0.5, 0.85])
T = t[:, None]
print("x0 = %s\nx1 = %s\nz = %s\nt = %s" % (x0.ravel(), x1.ravel(), z.ravel(), t))

print("\n# 1. Schroedinger-bridge CFM, sigma = 0.7")
s = 0.7
g = s * np.sqrt(T * (1 - T))
dg = s * (1 - 2 * T) / (2 * np.sqrt(T * (1 - T)))
arr("sb x_t", (1 - T) * x0 + T * x1 + g * z)
arr("sb target", x1 - x0 + dg * z)

print("\n# 2. stochastic interpolant on the straight path, gamma = sqrt(2 t (1 - t))")
k = 2.0
g = np.sqrt(k * T * (1 - T))
dg = k * (1 - 2 * T) / (2 * g)
arr("si x_t", (1 - T) * x0 + T * x1 + g * z)
arr("si target", x1 - x0 + dg * z)

print("\n# 3. variance-preserving CFM, sigma = 0.1")
s = 0.1
c, sn = np.cos(np.pi * T / 2), np.sin(np.pi * T / 2)
arr("vp x_t", c * x0 + sn * x1 + s * z)
arr("vp target", -np.pi / 2 * sn * x0 + np.pi / 2 * c * x1)

print("\n# 4. entropic OT plan: cost C_ij = |x0_i - y_j|^2 for 4 points, reg 0.5 and 2.0")
a = np.array([[0.0, 0.0], [1.0, 0.5], [-0.5, 1.5], [2.0, -1.0]])
b = np.array([[0.3, -0.2], [1.2, 1.0], [-1.0, 0.0], [0.5, 2.0]])
C = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
arr("cost", C)
for reg in [0.5, 2.0]:
    K = np.exp(-C / reg)
    n = len(a)
    u = np.ones(n) / n
    v = np.ones(n) / n
    for it in range(100000):
        u = (1.0 / n) / (K @ v)
        v = (1.0 / n) / (K.T @ u)
        P = u[:, None] * K * v[None, :]
        if np.abs(P.sum(1) - 1.0 / n).max() < 1e-15:
            break
    arr("plan reg %.1f" % reg, P)
    print("  iterations %d, row sums %s, col sums %s" % (it + 1, P.sum(1), P.sum(0)))
