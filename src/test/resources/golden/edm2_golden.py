#!/usr/bin/env python3
"""Golden values for EDM2's magnitude-preserving layers and learned loss weighting (Karras et al. 2024,
"Analyzing and Improving the Training Dynamics of Diffusion Models", Sec. 2, 5 and Appendix B.2).

Written from the paper's formulas in genblocks; float64 numpy only. Run:
    python3 edm2_golden.py > edm2_golden.txt
Layouts follow genblocks: a linear weight is [in, out], a conv kernel [k, k, in, out] (YXIO), images NCHW.
"""
import numpy as np

np.set_printoptions(precision=17, linewidth=140)
EPS = 1e-4


def arr(name, a):
    print("%s = %s" % (name, np.array2string(np.asarray(a, dtype=np.float64).ravel(), separator=", ")))


def silu(x):
    return x / (1.0 + np.exp(-x))


def mp_weight(w, gain=1.0):
    """gain * w_i / (||w_i|| + eps sqrt(fanIn)) per output unit (last axis)."""
    out = w.shape[-1]
    flat = w.reshape(-1, out)
    fan_in = flat.shape[0]
    return (gain * flat / (np.linalg.norm(flat, axis=0) + EPS * np.sqrt(fan_in))).reshape(w.shape)


def forced_normalize(w):
    out = w.shape[-1]
    flat = w.reshape(-1, out)
    fan_in = flat.shape[0]
    return (flat / (EPS + np.linalg.norm(flat, axis=0) / np.sqrt(fan_in))).reshape(w.shape)


print("# 1. MP-SiLU: sqrt(E[silu(x)^2]) for x ~ N(0, 1) by quadrature (the paper rounds it to 0.596)")
x = np.linspace(-12, 12, 240001)
pdf = np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)
m2 = np.trapezoid(silu(x) ** 2 * pdf, x)
print("rms_silu = %.15f" % np.sqrt(m2))
xs = np.array([-2.0, -0.5, 0.0, 0.3, 1.7])
arr("mp_silu(x)", silu(xs) / 0.596)

print("\n# 2. MP linear: x [2, 3], W [3, 2] (in, out), gain 1 and gain 0.7")
X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
W = np.array([[0.3, -1.2], [0.8, 0.4], [-0.5, 2.0]])
arr("mp_linear(x)", X @ mp_weight(W))
arr("mp_linear(x; gain 0.7)", X @ mp_weight(W, 0.7))
arr("forced_normalize(W)", forced_normalize(W))

print("\n# 3. MP conv 3x3, same padding, x [1, 2, 3, 3] NCHW, kernel [3, 3, 2, 2] YXIO (cross-correlation)")
Xc = (np.arange(18, dtype=np.float64).reshape(1, 2, 3, 3) - 8.0) / 5.0
K = np.sin(np.arange(36, dtype=np.float64)).reshape(3, 3, 2, 2)
Kn = mp_weight(K)
pad = np.pad(Xc, ((0, 0), (0, 0), (1, 1), (1, 1)))
Y = np.zeros((1, 2, 3, 3))
for o in range(2):
    for i in range(3):
        for j in range(3):
            Y[0, o, i, j] = np.sum(pad[0, :, i:i + 3, j:j + 3] * Kn[:, :, :, o].transpose(2, 0, 1))
arr("mp_conv(x)", Y)

print("\n# 4. MP sum and MP concat, a [2, 2], b [2, 3] (concat) / b2 [2, 2] (sum), t = 0.3")
A = np.array([[1.0, -2.0], [0.5, 0.25]])
B2 = np.array([[0.2, 0.4], [-1.0, 3.0]])
B3 = np.array([[0.2, 0.4, -0.6], [-1.0, 3.0, 0.1]])
t = 0.3
arr("mp_sum(a, b2; 0.3)", ((1 - t) * A + t * B2) / np.sqrt((1 - t) ** 2 + t ** 2))
Na, Nb = 2, 3
C = np.sqrt((Na + Nb) / ((1 - t) ** 2 + t ** 2))
arr("mp_cat(a, b3; 0.3)", np.concatenate([C / np.sqrt(Na) * (1 - t) * A, C / np.sqrt(Nb) * t * B3], axis=1))

print("\n# 5. MP Fourier: f = [0.5, -1.25, 2.0], phi = [0.1, 0.7, 0.35], x = [-0.4, 0.0, 0.9]")
f = np.array([0.5, -1.25, 2.0])
phi = np.array([0.1, 0.7, 0.35])
xf = np.array([-0.4, 0.0, 0.9])
arr("mp_fourier(x)", np.sqrt(2) * np.cos(2 * np.pi * (np.outer(xf, f) + phi)))

print("\n# 6. Uncertainty-weighted EDM loss: F = mp_linear(input; W), u = mp_linear(mp_fourier(noiseLabel); Wu [3, 1])")
inp = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [-0.3, 0.9, 0.1]])
W3 = np.array([[0.3, -1.2, 0.5], [0.8, 0.4, -0.1], [-0.5, 2.0, 0.7]])
Wu = np.array([[0.6], [-0.2], [1.1]])
label = np.array([-0.4, 0.0, 0.9])
target = np.array([[0.1, 0.2, 0.3], [-0.5, 0.0, 0.5], [1.0, -1.0, 0.25]])
weight = np.array([1.0, 2.5, 0.4])
F = inp @ mp_weight(W3)
u = (np.sqrt(2) * np.cos(2 * np.pi * (np.outer(label, f) + phi))) @ mp_weight(Wu)
msq = np.mean((F - target) ** 2, axis=1)
loss = np.mean(weight * np.exp(-u[:, 0]) * msq + u[:, 0])
arr("u", u)
print("loss = %.17g" % loss)
