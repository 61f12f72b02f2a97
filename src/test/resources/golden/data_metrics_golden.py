#!/usr/bin/env python3
"""Golden values for org.genblocks.data (toy entropies) and org.genblocks.metrics.

Written from the formulas (no code copied from any library). numpy + scipy, float64.
Run from the repository root:
    python3 src/test/resources/golden/data_metrics_golden.py > src/test/resources/golden/data_metrics_golden.txt
The Java tests (Toy2dTest, MmdTest, EnergyDistanceTest, SlicedWassersteinTest) carry these
numbers as literals; rerun this script after changing a definition and update the literals.

Toy definitions (FFJORD lib/toy_data.py scales, reference/flows.md section 2):
  checkerboard : uniform on the 8 black squares of side 2 in [-4,4]^2   (H = ln 32)
  8gaussians   : equal mixture, centres (4/1.414)(cos k pi/4, sin k pi/4), sigma = 0.5/1.414
  rings        : 4 equal rings of radius 3, 2.25, 1.5, 0.75, isotropic noise sigma 0.08
  circles      : 2 equal rings of radius 3 and 1.5 (make_circles factor .5 times 3), sigma 0.24
Ring densities are radial: p(x) = sum_k w_k /(2 pi s^2) exp(-(rho - r_k)^2 / (2 s^2)) i0e(rho r_k / s^2).
"""
import numpy as np
from scipy.special import i0e, logsumexp
from scipy.stats import energy_distance as scipy_energy_1d
from scipy.spatial.distance import cdist

np.set_printoptions(precision=12, linewidth=120)


def header(t):
    print("\n" + "=" * 78 + "\n" + t + "\n" + "=" * 78)


# ---------------------------------------------------------------------------
header("1. Toy 2-D entropies (nats)")
print("checkerboard ln 32 = %.12f" % np.log(32.0))

R8, S8 = 4.0 / 1.414, 0.5 / 1.414
ang = np.arange(8) * np.pi / 4
C8 = np.stack([np.cos(ang), np.sin(ang)], 1) * R8


def log_p_8g(pts):
    d2 = ((pts[:, None, :] - C8[None, :, :]) ** 2).sum(-1)
    return logsumexp(-d2 / (2 * S8 ** 2), axis=1) - np.log(2 * np.pi * S8 ** 2) - np.log(8)


def entropy_grid_8g(h, L=7.5):
    g = np.arange(-L, L + h / 2, h)
    tot = 0.0
    for row in g:  # row by row keeps memory small
        pts = np.stack([np.full_like(g, row), g], 1)
        lp = log_p_8g(pts)
        tot += -(np.exp(lp) * lp).sum()
    return tot * h * h


for h in (0.02, 0.01):
    print("8gaussians H by grid quadrature, h=%.3f : %.12f" % (h, entropy_grid_8g(h)))
print("8gaussians log p at (0,0) = %.12f ; at centre 0 = %.12f ; at (1,-2) = %.12f"
      % tuple(log_p_8g(np.array([[0.0, 0.0], C8[0], [1.0, -2.0]]))))


def radial_log_p(rho, radii, w, s):
    rho = np.asarray(rho, dtype=np.float64)[:, None]
    r = np.asarray(radii)[None, :]
    z = rho * r / s ** 2
    lc = -(rho - r) ** 2 / (2 * s ** 2) + np.log(i0e(z)) - np.log(2 * np.pi * s ** 2) + np.log(np.asarray(w))[None, :]
    return logsumexp(lc, axis=1)


def radial_entropy(radii, w, s, rmax, n):
    rho = (np.arange(n) + 0.5) * (rmax / n)  # midpoint rule, integrand smooth
    lp = radial_log_p(rho, radii, w, s)
    return -(2 * np.pi * rho * np.exp(lp) * lp).sum() * (rmax / n)


RINGS = ([3.0, 2.25, 1.5, 0.75], [0.25] * 4, 0.08)
CIRCLES = ([3.0, 1.5], [0.5, 0.5], 0.24)
for name, (rad, w, s) in (("rings", RINGS), ("circles", CIRCLES)):
    for n in (200_000, 400_000):
        print("%s H by radial quadrature (n=%d): %.12f" % (name, n, radial_entropy(rad, w, s, 6.0, n)))
    print("%s log p at rho = 0, 1.5, 3.1, 0.8: %s" % (name, radial_log_p([0.0, 1.5, 3.1, 0.8], rad, w, s)))



# Noisy curves: p(x) = E_t N(x; c(t), s^2 I), t uniform on the curve's parameter interval, s = 0.2.
#   moons     : outer c(t) = (2 cos t - 1, 2 sin t - 0.2), inner (2(1 - cos t) - 1, 2(0.5 - sin t) - 0.2), t in [0, pi]
#   swissroll : c(t) = (t cos t, t sin t) / 5, t in [1.5 pi, 4.5 pi]
# Log-densities at fixed points by adaptive quadrature (scipy quad on 64 sub-intervals, rel. 1e-13);
# entropies by a 2-D midpoint grid (h = 0.05) of the density discretised with the midpoint rule in t,
# nt = 2000 and 4000 nodes, Richardson-extrapolated in nt (the rule's error is O(1/nt^2)).
from scipy.integrate import quad

S_CURVE = 0.2
MOONS = [(0.0, np.pi, lambda t: (2 * np.cos(t) - 1, 2 * np.sin(t) - 0.2), 0.5),
         (0.0, np.pi, lambda t: (2 * (1 - np.cos(t)) - 1, 2 * (0.5 - np.sin(t)) - 0.2), 0.5)]
SWISS = [(1.5 * np.pi, 4.5 * np.pi, lambda t: (t * np.cos(t) / 5, t * np.sin(t) / 5), 1.0)]


def curve_log_p_quad(x, y, curves, s=S_CURVE):
    tot = 0.0
    for (a, b, c, w) in curves:
        g = lambda t: np.exp(-((x - c(t)[0]) ** 2 + (y - c(t)[1]) ** 2) / (2 * s * s))
        edges = np.linspace(a, b, 65)
        v = sum(quad(g, edges[i], edges[i + 1], epsabs=0, epsrel=1e-13, limit=200)[0] for i in range(64))
        tot += w * v / (b - a)
    return np.log(tot) - np.log(2 * np.pi * s * s)


def curve_nodes(curves, nt):
    pts, logw = [], []
    for (a, b, c, w) in curves:
        t = a + (np.arange(nt) + 0.5) * (b - a) / nt
        cx, cy = c(t)
        pts.append(np.stack([cx, cy], 1))
        logw.append(np.full(nt, np.log(w / nt)))
    return np.vstack(pts), np.concatenate(logw)


def curve_entropy(curves, nt, lo, hi, h=0.05, s=S_CURVE):
    C, lw = curve_nodes(curves, nt)
    gy = np.arange(lo, hi, h) + h / 2
    tot = 0.0
    for x in np.arange(lo, hi, h) + h / 2:
        pts = np.stack([np.full_like(gy, x), gy], 1)
        d2 = ((pts[:, None, :] - C[None, :, :]) ** 2).sum(-1)
        lp = logsumexp(lw[None, :] - d2 / (2 * s * s), axis=1) - np.log(2 * np.pi * s * s)
        tot += -(np.exp(lp) * lp).sum()
    return tot * h * h


CURVE_PTS = [(0.0, 0.0), (1.0, 0.5), (-1.0, 1.5), (2.5, -1.0)]
for name, cur in (("moons", MOONS), ("swissroll", SWISS)):
    print("%s log p at %s (quad): %s" % (name, CURVE_PTS, [float("%.13f" % curve_log_p_quad(x, y, cur)) for x, y in CURVE_PTS]))
    h2000 = curve_entropy(cur, 2000, -4.5, 4.5)
    h4000 = curve_entropy(cur, 4000, -4.5, 4.5)
    print("%s H: nt=2000 %.12f ; nt=4000 %.12f ; Richardson %.12f" % (name, h2000, h4000, h4000 + (h4000 - h2000) / 3))


# ---------------------------------------------------------------------------
def golden_sets():
    """Deterministic point sets, easy to rebuild in Java with Math.sin/Math.cos."""
    i = np.arange(40.0)
    j = np.arange(30.0)
    x = np.stack([np.sin(0.7 * i + 0.1), np.cos(1.3 * i), 0.5 * np.sin(0.37 * i)], 1)
    y = np.stack([np.cos(0.9 * j) + 0.5, np.sin(1.1 * j) - 0.3, 0.8 * np.cos(0.23 * j + 0.4)], 1)
    return x, y


X, Y = golden_sets()
header("2. MMD^2 with a sum of RBF kernels k(a,b) = sum_h exp(-|a-b|^2 / (2 h^2))")
print("x_i = [sin(0.7i+0.1), cos(1.3i), 0.5 sin(0.37i)], i=0..39 ; "
      "y_j = [cos(0.9j)+0.5, sin(1.1j)-0.3, 0.8 cos(0.23j+0.4)], j=0..29")


def kern(a, b, hs):
    d2 = cdist(a, b, "sqeuclidean")
    return sum(np.exp(-d2 / (2 * h * h)) for h in hs)


def mmd2(a, b, hs, unbiased):
    kaa, kbb, kab = kern(a, a, hs), kern(b, b, hs), kern(a, b, hs)
    m, n = len(a), len(b)
    if unbiased:
        return ((kaa.sum() - np.trace(kaa)) / (m * (m - 1)) + (kbb.sum() - np.trace(kbb)) / (n * (n - 1))
                - 2 * kab.mean())
    return kaa.mean() + kbb.mean() - 2 * kab.mean()


for hs in ([1.0], [0.5, 1.0, 2.0]):
    print("bandwidths %s: MMD^2 biased = %.14f ; unbiased = %.14f"
          % (hs, mmd2(X, Y, hs, False), mmd2(X, Y, hs, True)))
print("median of pairwise distances over the pooled set (i<j) = %.14f"
      % np.median(cdist(np.vstack([X, Y]), np.vstack([X, Y]))[np.triu_indices(70, 1)]))

header("3. Energy distance E = 2 E|X-Y| - E|X-X'| - E|Y-Y'| (Szekely & Rizzo)")


def energy(a, b, unbiased):
    dab, daa, dbb = cdist(a, b), cdist(a, a), cdist(b, b)
    m, n = len(a), len(b)
    if unbiased:
        return 2 * dab.mean() - daa.sum() / (m * (m - 1)) - dbb.sum() / (n * (n - 1))
    return 2 * dab.mean() - daa.mean() - dbb.mean()


print("3-D sets: V-statistic (biased) = %.14f ; U-statistic (unbiased) = %.14f"
      % (energy(X, Y, False), energy(X, Y, True)))
x1, y1 = X[:, :1], Y[:, :1]
print("1-D (first coordinate): V-statistic = %.14f ; scipy.stats.energy_distance^2 = %.14f"
      % (energy(x1, y1, False), scipy_energy_1d(x1[:, 0], y1[:, 0]) ** 2))

header("4. Sliced Wasserstein with fixed directions theta_l = normalize([cos(l+1), sin(2l+1), 0.5 cos(3l)]), l=0..4")
L = 5
th = np.stack([[np.cos(l + 1.0), np.sin(2.0 * l + 1.0), 0.5 * np.cos(3.0 * l)] for l in range(L)])
th /= np.linalg.norm(th, axis=1, keepdims=True)


def wp_pow_1d(a, b, p):
    """W_p^p between empirical measures of sizes 40 and 30: repeat to the common size 120."""
    aa = np.sort(np.repeat(a, 120 // len(a)))
    bb = np.sort(np.repeat(b, 120 // len(b)))
    return np.mean(np.abs(aa - bb) ** p)


for p in (1, 2):
    per = [wp_pow_1d(X @ t, Y @ t, p) for t in th]
    print("p=%d: W_p^p per direction = %s ; SW_p = (mean)^(1/p) = %.14f" % (p, np.array(per), np.mean(per) ** (1.0 / p)))
from scipy.stats import wasserstein_distance
print("scipy wasserstein_distance (W1) on direction 0 = %.14f" % wasserstein_distance(X @ th[0], Y @ th[0]))
same = [wp_pow_1d(X[:30] @ t, Y @ t, 2) for t in th]  # equal sizes
print("equal sizes (x_0..29 vs y): SW_2 = %.14f" % np.sqrt(np.mean([np.mean((np.sort(X[:30] @ t) - np.sort(Y @ t)) ** 2) for t in th])))

print("\nDone.")
