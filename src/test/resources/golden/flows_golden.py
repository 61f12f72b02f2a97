#!/usr/bin/env python3
"""Golden values for coupling-flow building blocks (NICE / RealNVP / Glow, neural splines).

Copied from the shared reference (flows_golden.py) and extended here in genblocks (section 13 onwards).

Written from the formulas in the papers (no code copied from any repository).
Only numpy (and scipy.linalg.lu as an *independent cross-check* of our own LU).
All computations are float64.  Run:  python3 flows_golden.py > flows_golden.txt

Conventions used below
  * "forward" = data x -> latent z (normalising direction), log-det is
    log|det dz/dx|;  log p(x) = log p_Z(z) + logdet.
  * Images are H x W x C (NHWC) unless said otherwise.
"""
import numpy as np

np.set_printoptions(precision=10, suppress=False, linewidth=110)
LN2 = np.log(2.0)


def softplus(x):
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def log_sigmoid(x):
    return -softplus(-np.asarray(x, dtype=np.float64))


def header(t):
    print("\n" + "=" * 78 + "\n" + t + "\n" + "=" * 78)


def fd_jacobian(f, x, eps=1e-6):
    """Central finite-difference Jacobian of f: R^n -> R^n (float64)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    n = x.size
    J = np.zeros((n, n))
    for k in range(n):
        e = np.zeros(n)
        e[k] = eps
        J[:, k] = (f(x + e) - f(x - e)) / (2 * eps)
    return J


# ---------------------------------------------------------------------------
header("1. Priors: standard logistic (NICE) and standard Gaussian")
# NICE: log p(h_d) = -log(1+exp(h_d)) - log(1+exp(-h_d)) = -softplus(h)-softplus(-h)
h = np.array([-3.0, -1.0, -0.25, 0.0, 0.5, 2.0, 10.0])
lp_logistic = -softplus(h) - softplus(-h)
# independent check from the pdf e^{-h}/(1+e^{-h})^2
lp_logistic_direct = -h - 2.0 * np.log1p(np.exp(-h))
lp_gauss = -0.5 * (h ** 2 + np.log(2 * np.pi))
print("h                     =", h)
print("logistic log p(h_d)   =", lp_logistic)
print("  (check, direct pdf) =", lp_logistic_direct)
print("  max |diff|          = %.3e" % np.max(np.abs(lp_logistic - lp_logistic_direct)))
print("sum logistic log p(h) = %.10f" % lp_logistic.sum())
print("gaussian log p(h_d)   =", lp_gauss)
print("sum gaussian log p(h) = %.10f" % lp_gauss.sum())
print("logistic score d/dh log p = -tanh(h/2) =", -np.tanh(h / 2))
print("log p_logistic(0) = -2 log 2 = %.10f" % (-2 * LN2))

# ---------------------------------------------------------------------------
header("2. NICE additive coupling + diagonal scaling layer")
# y1 = x1 ; y2 = x2 + m(x1)   (logdet 0) ; final h = exp(s) * y  (logdet sum s)
x = np.array([0.3, -1.2, 0.7, 2.0])
Wm = np.array([[0.5, -1.0], [2.0, 0.25]])
bm = np.array([0.1, -0.2])


def m_relu(a):
    return np.maximum(Wm @ a + bm, 0.0)


def nice_fwd(v):
    v = v.copy()
    v[2:] = v[2:] + m_relu(v[:2])
    return v


s_scale = np.array([0.2, -0.5, 1.0, 0.0])
y = nice_fwd(x)
hh = np.exp(s_scale) * y
J = fd_jacobian(lambda v: np.exp(s_scale) * nice_fwd(v), x)
print("x =", x, " -> additive coupling y =", y)
print("after scaling exp(s)*y =", hh)
print("analytic logdet (sum s) = %.10f ; brute-force slogdet = %.10f"
      % (s_scale.sum(), np.linalg.slogdet(J)[1]))
lp = (-softplus(hh) - softplus(-hh)).sum() + s_scale.sum()
print("NICE log p(x) with logistic prior = %.10f" % lp)

# ---------------------------------------------------------------------------
header("3. RealNVP affine coupling (exp scale, tanh-bounded log-scale)")
# y1 = x1 ; y2 = x2 * exp(s(x1)) + t(x1);  logdet = sum s(x1)
# RealNVP paper: s = learned_scale * tanh(raw).
A = np.array([[0.8, -0.3], [0.4, 1.1], [-0.6, 0.2]])
a0 = np.array([0.05, -0.1, 0.2])
B = np.array([[0.7, -0.2, 0.4], [0.1, 0.9, -0.5], [-0.3, 0.6, 0.2], [0.5, -0.4, 0.3]])
c0 = np.array([0.1, -0.3, 0.2, 0.0])
learned_scale = np.array([1.5, 0.75])


def st_net(x1):
    hid = np.tanh(A @ x1 + a0)
    out = B @ hid + c0
    s = learned_scale * np.tanh(out[:2])
    t = out[2:]
    return s, t


def rnvp_fwd(v):
    v = v.copy()
    s, t = st_net(v[:2])
    v[2:] = v[2:] * np.exp(s) + t
    return v


def rnvp_inv(v):
    v = v.copy()
    s, t = st_net(v[:2])
    v[2:] = (v[2:] - t) * np.exp(-s)
    return v


x = np.array([0.3, -1.2, 0.7, 2.0])
s, t = st_net(x[:2])
y = rnvp_fwd(x)
J = fd_jacobian(rnvp_fwd, x)
print("s(x1) =", s, " t(x1) =", t)
print("y =", y)
print("analytic logdet = %.10f ; finite-diff slogdet = %.10f ; |diff| = %.2e"
      % (s.sum(), np.linalg.slogdet(J)[1], abs(s.sum() - np.linalg.slogdet(J)[1])))
print("inverse(forward(x)) - x, max abs = %.2e" % np.max(np.abs(rnvp_inv(y) - x)))
print("Jacobian is block-lower-triangular; upper-right block =", J[:2, 2:].ravel())

# ---------------------------------------------------------------------------
header("4. Glow affine coupling as implemented (sigmoid(h+2) scale) and zero init")
# openai/glow code: scale = sigmoid(raw + 2); z2 = (z2 + shift) * scale;
# logdet = sum log(scale).  Zero-initialised last conv => raw = 0, shift = 0.


def glow_code_fwd(v):
    v = v.copy()
    s_raw, t = st_net(v[:2])  # reuse the net; treat s as raw pre-activation
    scale = 1.0 / (1.0 + np.exp(-(s_raw + 2.0)))
    v[2:] = (v[2:] + t) * scale
    return v


s_raw, t = st_net(x[:2])
ld = log_sigmoid(s_raw + 2.0).sum()
J = fd_jacobian(glow_code_fwd, x)
print("Glow-code coupling logdet analytic = %.10f ; finite-diff = %.10f"
      % (ld, np.linalg.slogdet(J)[1]))
print("zero-init (raw=0): scale = sigmoid(2) = %.10f, log scale = %.10f per element"
      % (1 / (1 + np.exp(-2.0)), log_sigmoid(2.0)))
print("  -> NOT an identity map; logdet of one zero-init coupling on a 16x16x6 half = %.6f"
      % (16 * 16 * 6 * log_sigmoid(2.0)))
print("  nflows default activation sigmoid(x+2)+1e-3 at x=0 -> scale = %.10f"
      % (1 / (1 + np.exp(-2.0)) + 1e-3))
print("  exp-parameterised coupling (Glow paper / RealNVP) zero init -> scale 1, logdet 0")

# ---------------------------------------------------------------------------
header("5. Invertible 1x1 convolution: logdet = H*W*log|det W| (4x4 spatial, C=3)")
W = np.array([[1.0, 0.5, 0.0],
              [0.2, 2.0, -0.3],
              [0.1, 0.0, 1.5]])
H_, W_, C_ = 4, 4, 3
xi = (np.arange(H_ * W_ * C_, dtype=np.float64).reshape(H_, W_, C_) - 23.5) / 10.0


def conv1x1(img, M):
    return np.einsum("ij,hwj->hwi", M, img)


sign, logabs = np.linalg.slogdet(W)
print("W =\n", W)
print("det W = %.10f  (exact by cofactors: 2.835)" % np.linalg.det(W))
print("log|det W| = %.10f" % logabs)
print("logdet of conv on 4x4x3 = H*W*log|det W| = %.10f" % (H_ * W_ * logabs))
Jfull = fd_jacobian(lambda v: conv1x1(v.reshape(H_, W_, C_), W).ravel(), xi.ravel())
print("brute-force 48x48 Jacobian slogdet       = %.10f" % np.linalg.slogdet(Jfull)[1])
print("kron(I_16, W) slogdet                    = %.10f" % np.linalg.slogdet(np.kron(np.eye(16), W))[1])
yi = conv1x1(xi, W)
xr = conv1x1(yi, np.linalg.inv(W))
print("inverse conv reconstruction max err = %.2e" % np.max(np.abs(xr - xi)))
print("y[0,0,:] =", yi[0, 0, :], " y[3,3,:] =", yi[3, 3, :])
# a random rotation has log|det| = 0
Q, _ = np.linalg.qr(np.array([[0.3, -1.0, 2.0], [1.5, 0.2, -0.7], [-0.4, 0.9, 0.1]]))
print("QR-orthogonal init: log|det Q| = %.3e (sign %+d)" % (np.linalg.slogdet(Q)[1], int(np.linalg.slogdet(Q)[0])))


# ---------------------------------------------------------------------------
header("6. LU-parameterised 1x1 conv: W = P L (U + diag(s)), logdet = H*W*sum log|s|")


def lu_partial_pivot(M):
    """Doolittle LU with partial pivoting: returns P, L, U with M = P @ L @ U."""
    n = M.shape[0]
    U = M.astype(np.float64).copy()
    L = np.eye(n)
    perm = np.arange(n)
    for k in range(n - 1):
        p = k + int(np.argmax(np.abs(U[k:, k])))
        if p != k:
            U[[k, p], :] = U[[p, k], :]
            L[[k, p], :k] = L[[p, k], :k]
            perm[[k, p]] = perm[[p, k]]
        for i in range(k + 1, n):
            L[i, k] = U[i, k] / U[k, k]
            U[i, k:] -= L[i, k] * U[k, k:]
    # rows of M were permuted by `perm`: M[perm] = L @ U  =>  M = Pr^T L U
    Pm = np.eye(n)[perm].T
    return Pm, L, U


P, L, U = lu_partial_pivot(W)
s_diag = np.diag(U).copy()
U_strict = np.triu(U, 1)
W_rec = P @ L @ (U_strict + np.diag(s_diag))
print("P =\n", P, "\nL =\n", L, "\nU(strict) =\n", U_strict, "\ns =", s_diag)
print("reconstruction max err = %.2e" % np.max(np.abs(W_rec - W)))
print("sum log|s| = %.10f  (== log|det W| = %.10f)" % (np.log(np.abs(s_diag)).sum(), logabs))
print("sign(det W) = det(P) * prod(sign s) = %+d" % int(round(np.linalg.det(P) * np.prod(np.sign(s_diag)))))
print("logdet on 4x4 spatial = %.10f" % (16 * np.log(np.abs(s_diag)).sum()))
W_piv = np.array([[0.1, 2.0, 0.5],
                  [1.0, 0.3, -0.4],
                  [0.5, -1.0, 1.2]])
P2, L2, U2 = lu_partial_pivot(W_piv)
s2 = np.diag(U2)
print("pivoting example W_piv =\n", W_piv)
print("  P =\n", P2, "\n  s =", s2, " reconstruction err = %.2e"
      % np.max(np.abs(P2 @ L2 @ (np.triu(U2, 1) + np.diag(s2)) - W_piv)))
print("  det W_piv = %.10f ; sum log|s| = %.10f ; sign = det(P)*prod(sign s) = %+d"
      % (np.linalg.det(W_piv), np.log(np.abs(s2)).sum(),
         int(round(np.linalg.det(P2) * np.prod(np.sign(s2))))))
print("  logdet on 4x4 spatial = %.10f" % (16 * np.log(np.abs(s2)).sum()))
try:
    import scipy.linalg as sla
    Ps, Ls, Us = sla.lu(W)
    print("scipy.linalg.lu cross-check: sum log|diag U| = %.10f" % np.log(np.abs(np.diag(Us))).sum())
except Exception as e:  # pragma: no cover
    print("scipy not available:", e)

# ---------------------------------------------------------------------------
header("7. ActNorm data-dependent init (per channel), logdet = H*W*sum log|s|")
xb = np.array([  # N=2, H=2, W=2, C=2  (NHWC)
    [[[0.5, 10.0], [1.5, 12.0]], [[-0.5, 8.0], [2.5, 11.0]]],
    [[[1.0, 9.0], [0.0, 13.0]], [[3.0, 10.5], [-1.0, 7.5]]],
])
flat = xb.reshape(-1, 2)
mu = flat.mean(0)
sd_biased = np.sqrt(((flat - mu) ** 2).mean(0))  # openai/glow: sqrt(mean((x-mu)^2))
sd_unbiased = flat.std(0, ddof=1)                # torch .std() default
for name, sd in [("biased (openai/glow, chaiyujin)", sd_biased),
                 ("unbiased (torch.std: rosinality, nflows, normflows, FrEIA)", sd_unbiased)]:
    scale = 1.0 / (sd + 1e-6)
    bias = -mu
    yb = (xb + bias) * scale
    print(name)
    print("   mean =", mu, " std =", sd)
    print("   log s =", np.log(scale), "  bias =", bias)
    print("   post-init per-channel mean =", yb.reshape(-1, 2).mean(0),
          " biased std =", yb.reshape(-1, 2).std(0))
    print("   logdet per example = H*W*sum(log s) = %.10f" % (2 * 2 * np.log(scale).sum()))

# ---------------------------------------------------------------------------
header("8. Squeeze (2x2 space-to-depth) and RealNVP masks")
img = np.arange(16, dtype=np.float64).reshape(4, 4, 1)  # H,W,C


def squeeze_nhwc(z, f=2):
    Hh, Ww, Cc = z.shape
    z = z.reshape(Hh // f, f, Ww // f, f, Cc)
    z = z.transpose(0, 2, 4, 1, 3)  # (H/f, W/f, C, fy, fx)
    return z.reshape(Hh // f, Ww // f, Cc * f * f)


def unsqueeze_nhwc(z, f=2):
    Hh, Ww, Cc = z.shape
    c = Cc // (f * f)
    z = z.reshape(Hh, Ww, c, f, f).transpose(0, 3, 1, 4, 2)
    return z.reshape(Hh * f, Ww * f, c)


sq = squeeze_nhwc(img)
print("input 4x4 =\n", img[..., 0])
print("squeezed 2x2x4, channel k = c*4 + dy*2 + dx:")
for i in range(2):
    for j in range(2):
        print("   pos(%d,%d) channels =" % (i, j), sq[i, j])
print("unsqueeze(squeeze(x)) == x :", np.array_equal(unsqueeze_nhwc(sq), img), "; logdet = 0")
ii, jj = np.meshgrid(np.arange(4), np.arange(4), indexing="ij")
print("RealNVP checkerboard mask b (1 where i+j odd):\n", ((ii + jj) % 2).astype(int))
print("channel mask for 4 channels (1 = first half):", np.array([1, 1, 0, 0]))

# ---------------------------------------------------------------------------
header("9. Bits/dim conversions")


def bpd_from_discrete_nll(nll_nats, D):
    return nll_nats / (D * LN2)


def bpd_from_continuous_nll(nll_cont, D, n_bins=256, scale_range=1.0):
    """nll_cont = -log p(x_tilde) where x_tilde = x/n_bins*scale_range + offset
    (uniform dequantised, bin width scale_range/n_bins).  Discrete NLL =
    nll_cont + D*log(n_bins/scale_range)."""
    return (nll_cont + D * np.log(n_bins / scale_range)) / (D * LN2)


D_mnist, D_cifar = 28 * 28 * 1, 32 * 32 * 3
print("D(28x28x1) = %d, D(32x32x3) = %d" % (D_mnist, D_cifar))
print("ln 256 = %.10f ; D*ln256: MNIST %.6f, CIFAR %.6f" % (np.log(256), D_mnist * np.log(256), D_cifar * np.log(256)))
for nll, D in [(1000.0, D_mnist), (2000.0, D_mnist), (7000.0, D_cifar), (10000.0, D_cifar)]:
    print("discrete NLL %8.1f nats, D=%4d -> %.10f bits/dim" % (nll, D, bpd_from_discrete_nll(nll, D)))
for nllc, D in [(-2000.0, D_mnist), (-1000.0, D_mnist), (-8000.0, D_cifar), (-5000.0, D_cifar)]:
    print("continuous NLL %8.1f nats on [0,1]-scaled data, D=%4d -> %.10f bits/dim"
          % (nllc, D, bpd_from_continuous_nll(nllc, D)))
print("Glow objective constant: -D*log(n_bins): n_bits=8 CIFAR %.6f ; n_bits=5 CIFAR %.6f ; 256x256x3 5-bit %.6f"
      % (-D_cifar * np.log(256), -D_cifar * np.log(32), -256 * 256 * 3 * np.log(32)))
# NICE numbers -> bits/dim
nice_mnist = bpd_from_continuous_nll(-1980.50, D_mnist, 256, 1.0)
nice_cifar = bpd_from_continuous_nll(-5371.78, D_cifar, 256, 2.0)  # data in [-1,1]
print("NICE MNIST LL 1980.50 nats on [0,1]   -> %.6f bits/dim" % nice_mnist)
print("NICE CIFAR-10 LL 5371.78 nats on [-1,1] -> %.6f bits/dim (ZCA log-det ignored)" % nice_cifar)
# paper bits/dim -> nats per image
for name, bpd, D in [("RealNVP CIFAR-10", 3.49, D_cifar), ("Glow CIFAR-10", 3.35, D_cifar),
                     ("RealNVP ImageNet32", 4.28, D_cifar), ("Glow ImageNet32", 4.09, D_cifar),
                     ("RealNVP ImageNet64", 3.98, 64 * 64 * 3), ("Glow ImageNet64", 3.81, 64 * 64 * 3),
                     ("RealNVP MNIST (FFJORD table)", 1.06, D_mnist), ("Glow MNIST (FFJORD table)", 1.05, D_mnist)]:
    print("%-30s %.2f bits/dim = %.4f nats/image (discrete NLL)" % (name, bpd, bpd * D * LN2))
# sanity: uniform density on [0,1]^D gives exactly 8 bits/dim
print("uniform model on [0,1]^D: bpd = %.10f" % bpd_from_continuous_nll(0.0, 1000))
# expected bpd of N(0,1) applied to uniform [-0.5,0.5] pixels (identity flow at init)
e_nll = 0.5 * np.log(2 * np.pi) + (1.0 / 12.0) / 2.0
print("E[-log N(u;0,1)], u~U(-.5,.5) = %.10f nats/dim -> %.10f bits/dim"
      % (e_nll, (e_nll + np.log(256)) / LN2))

# RealNVP logit pre-processing y = logit(a + (1-a) x/256), a = 0.05
alpha = 0.05
xpix = np.array([0.5, 37.25, 128.0, 255.5])  # dequantised pixel values in [0,256)
p = alpha + (1 - alpha) * xpix / 256.0
ylog = np.log(p) - np.log1p(-p)
ld_elem = np.log(1 - alpha) - np.log(256.0) - np.log(p) - np.log1p(-p)  # log dy/dx
print("logit preprocessing, alpha=0.05: x =", xpix)
print("   y = logit(.)          =", ylog)
print("   log|dy/dx| per pixel  =", ld_elem)
lp_y = -0.5 * (ylog ** 2 + np.log(2 * np.pi))  # pretend model = N(0,1) in logit space
lp_x = lp_y + ld_elem
print("   with N(0,1) in logit space: sum log p(y) = %.10f, sum log p(x) = %.10f, bpd = %.10f"
      % (lp_y.sum(), lp_x.sum(), -lp_x.sum() / (xpix.size * LN2)))
# same number through the (normflows-style) formula written in terms of y
bpd_alt = (-lp_y.sum() / (4 * LN2) - np.log2(1 - alpha) + 8
           + (log_sigmoid(ylog) + log_sigmoid(-ylog)).sum() / (4 * LN2))
print("   same via  -log q/(D ln2) - log2(1-a) + 8 + sum(logsig(y)+logsig(-y))/(D ln2) = %.10f" % bpd_alt)

# ---------------------------------------------------------------------------
header("10. Split/Gaussianize prior and temperature sampling")
z2 = np.array([0.4, -1.3, 2.2, 0.0])
mean = np.array([0.1, -1.0, 1.5, 0.3])
logs = np.array([0.0, -0.5, 0.25, -1.0])
lp_split = (-0.5 * (np.log(2 * np.pi) + 2 * logs + (z2 - mean) ** 2 / np.exp(2 * logs))).sum()
eps = (z2 - mean) / np.exp(logs)
print("z2 =", z2, " mean =", mean, " logs =", logs)
print("log N(z2; mean, exp(logs)^2) summed = %.10f ; eps = %s" % (lp_split, eps))
print("zero-init prior conv -> mean 0, logs 0 -> log N(z2;0,1) = %.10f"
      % (-0.5 * (np.log(2 * np.pi) + z2 ** 2)).sum())
T = 0.7
z = np.array([0.5, -1.0, 1.5, 0.2, -0.3])
Dz = z.size
lp_T = -0.5 * Dz * np.log(2 * np.pi) - Dz * np.log(T) - (z ** 2).sum() / (2 * T * T)
lp_1 = -0.5 * Dz * np.log(2 * np.pi) - (z ** 2).sum() / 2
const = -0.5 * Dz * np.log(2 * np.pi) * (1 - 1 / T ** 2) - Dz * np.log(T)
print("T=0.7: log N(z;0,T^2 I) = %.10f ; (1/T^2)*log N(z;0,I) + const = %.10f"
      % (lp_T, lp_1 / T ** 2 + const))
print("  i.e. scaling the prior std by T samples p_T(z) ∝ p(z)^(1/T^2); the Glow paper writes the")
print("  exponent as T^2 -- the code (eps_std / --temp) multiplies the std by T.")

# ---------------------------------------------------------------------------
header("11. Toy 2-D benchmarks: entropy = lowest achievable expected NLL (nats)")
print("FFJORD 'checkerboard': uniform on 8 squares of side 2 -> area 32 -> H = ln 32 = %.10f" % np.log(32))
rng = np.random.default_rng(0)
n = 2_000_000
# FFJORD '8gaussians': centers 4*(unit vectors at k*45deg), noise std .5, all divided by 1.414
ang = np.arange(8) * np.pi / 4
cent = np.stack([np.cos(ang), np.sin(ang)], 1) * 4.0 / 1.414
sig = 0.5 / 1.414
idx = rng.integers(0, 8, n)
pts = cent[idx] + rng.standard_normal((n, 2)) * sig
d2 = ((pts[:, None, :] - cent[None, :, :]) ** 2).sum(-1)
logcomp = -d2 / (2 * sig ** 2) - np.log(2 * np.pi * sig ** 2)
mx = logcomp.max(1, keepdims=True)
logp = (mx[:, 0] + np.log(np.exp(logcomp - mx).sum(1))) - np.log(8)
print("FFJORD '8gaussians' (sigma=%.6f, radius=%.6f): H = %.5f +- %.5f (MC n=%d); "
      "well-separated approx ln8 + ln(2*pi*e*sigma^2) = %.5f"
      % (sig, 4 / 1.414, -logp.mean(), logp.std() / np.sqrt(n), n, np.log(8) + np.log(2 * np.pi * np.e * sig ** 2)))
# normflows CircularGaussianMixture: 8 modes on radius 2, std 2/3 sin(pi/8)
sig2 = 2.0 / 3.0 * np.sin(np.pi / 8)
ang2 = 2 * np.pi / 8 * np.arange(8)
cent2 = np.stack([2 * np.sin(ang2), 2 * np.cos(ang2)], 1)
idx = rng.integers(0, 8, n)
pts = cent2[idx] + rng.standard_normal((n, 2)) * sig2
d2 = ((pts[:, None, :] - cent2[None, :, :]) ** 2).sum(-1)
logcomp = -d2 / (2 * sig2 ** 2) - np.log(2 * np.pi * sig2 ** 2)
mx = logcomp.max(1, keepdims=True)
logp = (mx[:, 0] + np.log(np.exp(logcomp - mx).sum(1))) - np.log(8)
print("normflows CircularGaussianMixture (sigma=%.6f): H = %.5f +- %.5f (MC)"
      % (sig2, -logp.mean(), logp.std() / np.sqrt(n)))
# ---------------------------------------------------------------------------
header("12. One full Glow step on a 2x2x4 image: actnorm -> 1x1 conv -> affine coupling")
Hs, Ws, Cs = 2, 2, 4
x_img = np.array([[[0.2, -0.4, 1.1, 0.3], [0.9, 0.1, -0.7, 0.5]],
                  [[-1.2, 0.6, 0.4, -0.2], [0.3, 1.4, 0.0, -0.9]]])
an_logs = np.array([0.1, -0.2, 0.3, 0.05])
an_b = np.array([0.05, -0.1, 0.2, 0.0])
W4 = np.array([[1.0, 0.2, 0.0, -0.1],
               [0.3, 0.9, 0.1, 0.0],
               [0.0, -0.2, 1.1, 0.4],
               [0.1, 0.0, -0.3, 0.8]])
A1 = np.array([[0.5, -0.3], [0.2, 0.8], [-0.4, 0.1]])
A2 = np.array([[0.3, 0.1], [-0.2, 0.4], [0.1, -0.5]])
b1 = np.array([0.1, 0.0, -0.1])
B1 = np.array([[0.2, -0.1, 0.3], [0.4, 0.2, -0.3], [-0.1, 0.5, 0.1], [0.3, -0.2, 0.2]])
c1 = np.array([0.0, 0.1, -0.05, 0.2])


def glow_step(v):
    z = v.reshape(Hs, Ws, Cs)
    z = (z + an_b) * np.exp(an_logs)                      # actnorm (bias then scale)
    z = np.einsum("ij,hwj->hwi", W4, z)                    # invertible 1x1 conv
    za, zb = z[..., :2], z[..., 2:]
    ctx = za.mean(axis=(0, 1))                             # cross-pixel dependence
    hid = np.tanh(np.einsum("kj,hwj->hwk", A1, za) + A2 @ ctx + b1)
    raw = np.einsum("ok,hwk->hwo", B1, hid) + c1
    shift, sraw = raw[..., 0::2], raw[..., 1::2]
    scale = 1.0 / (1.0 + np.exp(-(sraw + 2.0)))
    zb = (zb + shift) * scale
    return np.concatenate([za, zb], -1).ravel(), np.log(scale).sum()


out, ld_coup = glow_step(x_img.ravel())
ld_act = Hs * Ws * an_logs.sum()
ld_conv = Hs * Ws * np.linalg.slogdet(W4)[1]
Jg = fd_jacobian(lambda v: glow_step(v)[0], x_img.ravel())
print("actnorm logdet = %.10f ; 1x1 conv logdet = %.10f ; coupling logdet = %.10f"
      % (ld_act, ld_conv, ld_coup))
print("total analytic = %.10f ; brute-force 16x16 slogdet = %.10f"
      % (ld_act + ld_conv + ld_coup, np.linalg.slogdet(Jg)[1]))
print("output z[0,0,:] =", out.reshape(Hs, Ws, Cs)[0, 0])

# ---------------------------------------------------------------------------
header("13. Rational-quadratic spline (Durkan et al. 2019, Neural Spline Flows) at fixed knots")
# Added in genblocks (src/test/resources/golden): written from the paper's §3.1 and appendix A.
# Parameters per element: [theta_w (K) | theta_h (K) | theta_d (K-1)].
#   widths  = 2B (w_min + (1 - K w_min) softmax(theta_w)),  heights likewise with h_min
#   interior derivatives d_k = d_min + softplus(theta_d + c), c = log(exp(1 - d_min) - 1)  (theta = 0 -> d = 1)
#   boundary derivatives d_0 = d_K = 1 (linear tails); identity outside [-B, B].
RQ_MIN = 1e-3


def rq_knots(theta, B, vmin):
    K = theta.size
    e = np.exp(theta - theta.max())
    sizes = vmin + (1 - vmin * K) * e / e.sum()
    knots = np.concatenate([[0.0], np.cumsum(sizes)])
    knots = 2 * B * knots - B
    knots[0], knots[-1] = -B, B
    return knots


def rq_parts(theta, K, B):
    xs = rq_knots(theta[:K], B, RQ_MIN)
    ys = rq_knots(theta[K:2 * K], B, RQ_MIN)
    c = np.log(np.expm1(1 - RQ_MIN))
    d = np.concatenate([[1.0], RQ_MIN + softplus(theta[2 * K:] + c), [1.0]])
    return xs, ys, d


def rq_forward(x, theta, K, B):
    """y and log dy/dx (the paper's rational-quadratic segment and its derivative)."""
    if x < -B or x > B:
        return x, 0.0
    xs, ys, d = rq_parts(theta, K, B)
    k = min(max(np.searchsorted(xs, x, side="right") - 1, 0), K - 1)
    w, h = xs[k + 1] - xs[k], ys[k + 1] - ys[k]
    s = h / w
    xi = (x - xs[k]) / w
    den = s + (d[k + 1] + d[k] - 2 * s) * xi * (1 - xi)
    y = ys[k] + h * (s * xi ** 2 + d[k] * xi * (1 - xi)) / den
    dydx = s ** 2 * (d[k + 1] * xi ** 2 + 2 * s * xi * (1 - xi) + d[k] * (1 - xi) ** 2) / den ** 2
    return y, np.log(dydx)


def rq_inverse(y, theta, K, B):
    """x by the stable root of the quadratic (appendix A) and log dx/dy = -log dy/dx at x."""
    if y < -B or y > B:
        return y, 0.0
    xs, ys, d = rq_parts(theta, K, B)
    k = min(max(np.searchsorted(ys, y, side="right") - 1, 0), K - 1)
    w, h = xs[k + 1] - xs[k], ys[k + 1] - ys[k]
    s = h / w
    dy = y - ys[k]
    sig = d[k + 1] + d[k] - 2 * s
    a = h * (s - d[k]) + dy * sig
    b = h * d[k] - dy * sig
    c = -s * dy
    xi = 2 * c / (-b - np.sqrt(max(b * b - 4 * a * c, 0.0)))
    x = xi * w + xs[k]
    return x, -rq_forward(x, theta, K, B)[1]


def bisect_inverse(y, theta, K, B):
    lo, hi = -B, B
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if rq_forward(mid, theta, K, B)[0] < y:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


RQ_K, RQ_B = 5, 3.0
rq_sets = {
    "A (moderate)": np.array([0.3, -0.5, 1.2, 0.0, -0.8,
                              -0.2, 0.9, 0.1, -1.1, 0.4,
                              0.5, -1.5, 2.0, -0.3]),
    "B (extreme: minimum-width and minimum-height bins, d near d_min and large)":
        np.array([-30.0, 0.0, 0.0, 0.0, 8.0,
                  6.0, -25.0, 0.0, 0.0, 0.0,
                  -20.0, 15.0, 0.0, 3.0]),
}
rq_x = np.array([-3.5, -3.0, -2.2, -0.7, 0.0, 0.4, 1.9, 2.999, 3.0, 4.2])
rq_y = np.array([-4.0, -3.0, -2.9, -1.3, 0.05, 0.8, 2.5, 2.9999, 3.0, 3.7])
print("K = %d bins on [-%g, %g], w_min = h_min = d_min = %g" % (RQ_K, RQ_B, RQ_B, RQ_MIN))
print("x  =", rq_x)
print("y  =", rq_y)
for name, th in rq_sets.items():
    xs, ys, d = rq_parts(th, RQ_K, RQ_B)
    print("\nset %s" % name)
    print("theta =", th)
    print("x knots     = " + " ".join("%.15e" % v for v in xs))
    print("y knots     = " + " ".join("%.15e" % v for v in ys))
    print("derivatives = " + " ".join("%.15e" % v for v in d))
    fy, fld = zip(*[rq_forward(v, th, RQ_K, RQ_B) for v in rq_x])
    ix, ild = zip(*[rq_inverse(v, th, RQ_K, RQ_B) for v in rq_y])
    print("forward y        = " + " ".join("%.15e" % v for v in fy))
    print("forward logdet   = " + " ".join("%.15e" % v for v in fld))
    print("inverse x        = " + " ".join("%.15e" % v for v in ix))
    print("inverse logdet   = " + " ".join("%.15e" % v for v in ild))
    # independent checks: finite differences of the forward map, bisection for the inverse, round trip
    fd = []
    for v in rq_x:
        if abs(abs(v) - RQ_B) < 1e-6 or abs(v) > RQ_B:
            continue
        e = 1e-7
        fd.append(abs(np.log((rq_forward(v + e, th, RQ_K, RQ_B)[0] - rq_forward(v - e, th, RQ_K, RQ_B)[0]) / (2 * e))
                      - rq_forward(v, th, RQ_K, RQ_B)[1]))
    bis = [abs(bisect_inverse(v, th, RQ_K, RQ_B) - rq_inverse(v, th, RQ_K, RQ_B)[0]) for v in rq_y if abs(v) <= RQ_B]
    rt = [abs(rq_inverse(rq_forward(v, th, RQ_K, RQ_B)[0], th, RQ_K, RQ_B)[0] - v) for v in rq_x]
    print("checks: max |FD log-derivative - analytic| = %.2e ; max |bisection - quadratic root| = %.2e ; "
          "max round-trip error = %.2e" % (max(fd), max(bis), max(rt)))
th0 = np.zeros(3 * RQ_K - 1)
print("\nall-zero parameters give the identity: max |y - x| = %.1e, max |logdet| = %.1e"
      % (max(abs(rq_forward(v, th0, RQ_K, RQ_B)[0] - v) for v in rq_x),
         max(abs(rq_forward(v, th0, RQ_K, RQ_B)[1]) for v in rq_x)))

print("\nDone.")
