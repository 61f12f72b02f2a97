#!/usr/bin/env python3
"""Golden values for EDM2's post-hoc EMA (Karras et al. 2024, "Analyzing and Improving the Training
Dynamics of Diffusion Models", Sec. 3 and Appendix C).

Written from the paper's formulas in genblocks; float64 numpy only. Run:
    python3 posthoc_ema_golden.py > posthoc_ema_golden.txt

1. sigma_rel <-> gamma:  sigma_rel = sqrt((g + 1) / ((g + 2)^2 (g + 3)));  gamma is the largest real
   root of g^3 + 7 g^2 + (16 - s^-2) g + (12 - s^-2) = 0  (np.roots).
2. The power-function EMA run step by step, brute force: beta_t = (1 - 1/t)^(g + 1) for t = 1, 2, ...,
   ema_t = beta_t ema_{t-1} + (1 - beta_t) theta_t, applied to one-hot "parameters" theta_t = e_t, so the
   EMA after step t IS its weight vector over theta_1..theta_T (no closed form used).
3. Post-hoc reconstruction: snapshots of two profiles every k steps; the least-squares coefficients
   x = argmin || sum_i x_i w_i - w_target ||^2 solve (W^T W) x = W^T w_target (np.linalg.solve), then
   x / sum(x) as in the paper's code.
"""
import numpy as np

np.set_printoptions(precision=17, linewidth=140)


def sigma_rel_of_gamma(g):
    return np.sqrt((g + 1.0) / ((g + 2.0) ** 2 * (g + 3.0)))


def gamma_of_sigma_rel(s):
    q = s ** -2.0
    r = np.roots([1.0, 7.0, 16.0 - q, 12.0 - q])
    return r[np.abs(r.imag) < 1e-9].real.max()


def ema_weights(gamma, T):
    """weights[t-1] = the EMA's weight vector over theta_1..theta_T after step t (rows of length T)."""
    ema = np.zeros(T)
    out = np.zeros((T, T))
    for t in range(1, T + 1):
        beta = (1.0 - 1.0 / t) ** (gamma + 1.0)
        theta = np.zeros(T)
        theta[t - 1] = 1.0
        ema = beta * ema + (1.0 - beta) * theta
        out[t - 1] = ema
    return out


print("# 1. sigma_rel -> gamma")
for s in [0.01, 0.05, 0.075, 0.10, 0.15, 0.2]:
    g = gamma_of_sigma_rel(s)
    print("gamma(%r) = %.17g   back: %.17g" % (s, g, sigma_rel_of_gamma(g)))
for g in [0.0, 1.0, 6.94, 16.97]:
    print("sigma_rel(%r) = %.17g" % (g, sigma_rel_of_gamma(g)))

T = 40
every = 8
rels = [0.05, 0.10]
target_rel = 0.075
gs = [gamma_of_sigma_rel(s) for s in rels]
print("\n# 2. brute-force EMA weights, gamma(0.05) after step 40, tau = 1, 2, 20, 39, 40")
W5 = ema_weights(gs[0], T)
print("w = %s" % np.array2string(W5[T - 1][[0, 1, 19, 38, 39]], separator=", "))
print("sum = %.17g" % W5[T - 1].sum())
print("gamma(0.10) after step 8, tau = 1..8")
W10 = ema_weights(gs[1], T)
print("w = %s" % np.array2string(W10[7][:8], separator=", "))

print("\n# 3. reconstruction: snapshots every 8 steps up to 40 for sigma_rel 0.05 then 0.10 (order: step-major,")
print("#    profile-minor), target sigma_rel 0.075")
snaps = []
for t in range(every, T + 1, every):
    for k in range(2):
        snaps.append((t, k))
Wsnap = np.array([(W5 if k == 0 else W10)[t - 1] for (t, k) in snaps])
Wt = ema_weights(gamma_of_sigma_rel(target_rel), T)
for target_step in [40, 28]:
    target = Wt[target_step - 1]
    A = Wsnap @ Wsnap.T
    b = Wsnap @ target
    x = np.linalg.solve(A, b)
    x = x / x.sum()
    resid = np.linalg.norm(x @ Wsnap - target) / np.linalg.norm(target)
    print("target step %d: A[0,0] = %.17g A[1,3] = %.17g A[9,9] = %.17g" % (target_step, A[0, 0], A[1, 3], A[9, 9]))
    print("target step %d: b = %s" % (target_step, np.array2string(b, separator=", ")))
    print("target step %d: x = %s" % (target_step, np.array2string(x, separator=", ")))
    print("target step %d: relative profile residual = %.6g" % (target_step, resid))
