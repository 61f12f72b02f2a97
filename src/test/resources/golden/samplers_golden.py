#!/usr/bin/env python3
"""Golden trajectories for the few-step solvers and the DDPM/DDIM schedulers of org.genblocks.diffusion.

Written from the papers and the published update rules (UniPC: Zhao et al. 2023 and diffusers'
UniPCMultistepScheduler; DPM-Solver / DPM-Solver++: Lu et al. 2022 and their reference code;
DPM++ 3M SDE and DPM++ SDE: k-diffusion sampling.py; DDIM: Song et al. 2021 Eq. 12/16 and diffusers'
DDIMScheduler.step; DDPM: Ho et al. 2020 Eq. 6-7 and diffusers' DDPMScheduler.step). No code copied.
numpy only, float64. Deliberately NOT in EDM units where the reference is not: UniPC, DPM-Solver-3
and DDIM/DDPM run in the variance-preserving variables x_t = alpha_t x0 + sigma_t eps of their papers,
on the alphas_cumprod / timesteps of a diffusers-style schedule, so the Java samplers (EDM units,
sigma ladders) are checked against an independent formulation.

Run from the repository root:
    python3 src/test/resources/golden/samplers_golden.py > src/test/resources/golden/samplers_golden.txt
SamplersGoldenTest reads the .txt (each line "key: v1 v2 ..."; '#' starts a comment).

Conventions shared with the Java test:
  data       : 2-D mixture, weights (0.35, 0.65), means (-1, 0.5), (1.2, -0.3), stds (0.3, 0.5), (0.45, 0.25);
               its exact denoiser D(x; s) = sum_k r_k(x) (mu_k + s_k^2/(s_k^2 + s^2)(x - mu_k))
  start      : z = [[0.3, -1.1], [1.4, 0.2], [-0.7, 0.9]], x = sigma_0 z (EDM units)
  noise      : z_i[r, c] = 1.3 sin(1.7 i + 0.9 r + 2.3 c + 0.4) for draw i (fixed "random" numbers)
  network    : F(u, t) = 0.7 tanh(1.3 u - 0.2) cos(t / 700) + 0.1 u, elementwise, fed u = x_t (VP units)
               and the integer timestep t (a stand-in for an eps-, v- or x0-predicting network)
  trajectory : the EDM-unit state x / alpha at every denoiser evaluation, in order ("x"), and the
               levels ("sigmas"); for network cases the network inputs x_t and labels t instead.
"""
import numpy as np

W = np.array([0.35, 0.65])
MU = np.array([[-1.0, 0.5], [1.2, -0.3]])
SD = np.array([[0.3, 0.5], [0.45, 0.25]])
Z0 = np.array([[0.3, -1.1], [1.4, 0.2], [-0.7, 0.9]])


def denoise(x, s):
    """Exact posterior mean of the mixture at EDM level s."""
    var = SD[None, :, :] ** 2 + s * s                       # [1, K, D]
    diff = x[:, None, :] - MU[None, :, :]                   # [N, K, D]
    logp = np.log(W)[None, :] - 0.5 * np.sum(diff ** 2 / var + np.log(2 * np.pi * var), axis=2)
    logp -= logp.max(axis=1, keepdims=True)
    r = np.exp(logp)
    r /= r.sum(axis=1, keepdims=True)
    mean_k = MU[None] + SD[None] ** 2 / var * diff
    return np.sum(r[:, :, None] * mean_k, axis=1)


def noise(i, shape):
    rr, cc = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing="ij")
    return 1.3 * np.sin(1.7 * i + 0.9 * rr + 2.3 * cc + 0.4)


def network(u, t):
    return 0.7 * np.tanh(1.3 * u - 0.2) * np.cos(t / 700.0) + 0.1 * u


def karras(n, smin=0.002, smax=80.0, rho=7.0, zero=True):
    ramp = np.arange(n) / (n - 1)
    s = (smax ** (1 / rho) + ramp * (smin ** (1 / rho) - smax ** (1 / rho))) ** rho
    return np.append(s, 0.0) if zero else s


def emit(key, values):
    v = np.asarray(values, dtype=np.float64).ravel()
    print(key + ": " + " ".join(repr(float(a)) for a in v))


class Recorder:
    """Counts and records denoiser calls in EDM units."""

    def __init__(self):
        self.sig, self.xs = [], []

    def __call__(self, x_edm, s):
        self.sig.append(s)
        self.xs.append(np.array(x_edm))
        return denoise(x_edm, s)

    def emit(self, name, final):
        emit(name + ".sigmas", self.sig)
        emit(name + ".x", np.concatenate(self.xs))
        emit(name + ".final", final)


# ----------------------------------------------------------------------------- UniPC (VP variables)
def vp(s):
    """EDM level -> (alpha, sigma_vp, lambda); s = 0 is the clean end."""
    a = 1.0 / np.sqrt(1.0 + s * s)
    return a, s * a, (np.inf if s == 0 else np.log(a) - np.log(s * a))


def unipc(sig, order, variant, lower_order_final=True, corrector=True):
    """diffusers-style UniPC with predict_x0: VP state, data-prediction outputs, B(h) coefficients."""
    rec = Recorder()
    n = len(sig) - 1
    a0, s0, _ = vp(sig[0])
    x = a0 * sig[0] * Z0                      # VP state: x_vp = alpha * x_edm
    outs, levels = [], []                     # model outputs (x0) and their step indices
    last_sample, this_order = None, 0

    def coeffs(h, p, rks, corr):
        hh = -h
        h_phi_1 = np.expm1(hh)
        h_phi_k = h_phi_1 / hh - 1
        fact = 1
        B = hh if variant == "bh1" else np.expm1(hh)
        R, b = [], []
        for i in range(1, p + 1):
            R.append(np.power(rks, i - 1))
            b.append(h_phi_k * fact / B)
            fact *= i + 1
            h_phi_k = h_phi_k / hh - 1 / fact
        R, b = np.array(R), np.array(b)
        if corr:
            rho = np.array([0.5]) if p == 1 else np.linalg.solve(R, b)
        else:
            if p == 1:
                rho = np.array([])
            elif p == 2:
                rho = np.array([0.5])
            else:
                rho = np.linalg.solve(R[:-1, :-1], b[:-1])
        return h_phi_1, B, rho

    def step(xs, si, ti, p, model_t):
        """From level index si (state xs, outs[-1] = m_si) to level ti; predictor if model_t is None."""
        at, st, lt = vp(sig[ti])
        as0, ss0, ls0 = vp(sig[si])
        m0 = outs[-1]
        if sig[ti] == 0:                      # lambda = inf: the order-1 limit is m0
            assert p == 1
            return m0
        h = lt - ls0
        rks, D1s = [], []
        for k in range(1, p):
            _, _, lk = vp(sig[si - k])
            rk = (lk - ls0) / h
            rks.append(rk)
            D1s.append((outs[-(k + 1)] - m0) / rk)
        rks.append(1.0)
        phi1, B, rho = coeffs(h, p, np.array(rks), model_t is not None)
        base = st / ss0 * xs - at * phi1 * m0
        if model_t is None:
            res = sum(r * d for r, d in zip(rho, D1s)) if D1s else 0.0
            return base - at * B * res
        res = sum(r * d for r, d in zip(rho[:-1], D1s)) if D1s else 0.0
        return base - at * B * (res + rho[-1] * (model_t - m0))

    for i in range(n):
        a, _, _ = vp(sig[i])
        m = rec(x / a, sig[i])                 # data prediction at the current state
        if corrector and i > 0:
            x = step(last_sample, i - 1, i, this_order, m)
        outs.append(m)
        levels.append(i)
        outs = outs[-order:]
        p = min(order, len(outs))
        if lower_order_final:
            p = min(p, n - i)
        this_order = p
        last_sample = x
        x = step(x, i, i + 1, p, None)
    a, _, _ = vp(sig[-1])
    return rec, x / a


print("# samplers_golden.py: float64 golden trajectories (see the script's docstring)")
for name, n, zero, order, variant, lof, corr in [
        ("unipc3_bh2_karras10", 10, True, 3, "bh2", True, True),
        ("unipc2_bh1_karras8_none", 8, False, 2, "bh1", True, True),
        ("unipc3_bh1_karras9_none_nolof", 9, False, 3, "bh1", False, True),
        ("unip3_bh2_karras9_none_nolof", 9, False, 3, "bh2", False, False)]:
    sig = karras(n, zero=zero)
    rec, final = unipc(sig, order, variant, lof, corr)
    rec.emit(name, final)


# ----------------------------------------------------------------------------- DPM++ 3M SDE (k-diffusion, EDM units)
def dpmpp_3m_sde(sig, eta, s_noise):
    rec = Recorder()
    x = sig[0] * Z0
    d_1 = d_2 = None
    h_1 = h_2 = None
    for i in range(len(sig) - 1):
        den = rec(x, sig[i])
        if sig[i + 1] == 0:
            x = den
        else:
            t, s = -np.log(sig[i]), -np.log(sig[i + 1])
            h = s - t
            h_eta = h * (eta + 1)
            x = np.exp(-h_eta) * x + -np.expm1(-h_eta) * den
            if h_2 is not None:
                r0, r1 = h_1 / h, h_2 / h
                d1_0 = (den - d_1) / r0
                d1_1 = (d_1 - d_2) / r1
                d1 = d1_0 + (d1_0 - d1_1) * r0 / (r0 + r1)
                d2 = (d1_0 - d1_1) / (r0 + r1)
                phi_2 = np.expm1(-h_eta) / h_eta + 1
                phi_3 = phi_2 / h_eta - 0.5
                x = x + phi_2 * d1 - phi_3 * d2
            elif h_1 is not None:
                r = h_1 / h
                phi_2 = np.expm1(-h_eta) / h_eta + 1
                x = x + phi_2 * (den - d_1) / r
            if eta:
                x = x + noise(i, x.shape) * sig[i + 1] * np.sqrt(-np.expm1(-2 * h * eta)) * s_noise
        d_1, d_2 = den, d_1
        h_1, h_2 = h, h_1
    return rec, x


for name, n, zero, eta, sn in [("dpmpp3msde_karras10", 10, True, 1.0, 1.0),
                               ("dpmpp3msde_eta05_karras8_none", 8, False, 0.5, 1.003),
                               ("dpmpp3m_karras10", 10, True, 0.0, 1.0)]:
    rec, final = dpmpp_3m_sde(karras(n, zero=zero), eta, sn)
    rec.emit(name, final)


# ----------------------------------------------------------------------------- DPM++ SDE (k-diffusion, EDM units)
def ancestral(s_from, s_to, eta):
    up = min(s_to, eta * np.sqrt(s_to ** 2 * (s_from ** 2 - s_to ** 2) / s_from ** 2))
    return np.sqrt(s_to ** 2 - up ** 2), up


def dpmpp_sde(sig, eta, s_noise, r=0.5):
    rec = Recorder()
    x = sig[0] * Z0
    for i in range(len(sig) - 1):
        den = rec(x, sig[i])
        if sig[i + 1] == 0:
            x = x + (x - den) / sig[i] * (sig[i + 1] - sig[i])
            continue
        t, t_next = -np.log(sig[i]), -np.log(sig[i + 1])
        h = t_next - t
        s = t + h * r
        fac = 1 / (2 * r)
        sd, su = ancestral(np.exp(-t), np.exp(-s), eta)
        s_ = -np.log(sd)
        x2 = (np.exp(-s_) / np.exp(-t)) * x - np.expm1(t - s_) * den
        x2 = x2 + noise(2 * i, x.shape) * s_noise * su
        den2 = rec(x2, np.exp(-s))
        sd, su = ancestral(np.exp(-t), np.exp(-t_next), eta)
        tn_ = -np.log(sd)
        dd = (1 - fac) * den + fac * den2
        x = (np.exp(-tn_) / np.exp(-t)) * x - np.expm1(t - tn_) * dd
        x = x + noise(2 * i + 1, x.shape) * s_noise * su
    return rec, x


rec, final = dpmpp_sde(karras(8), 1.0, 1.0)
rec.emit("dpmppsde_karras8", final)


# ----------------------------------------------------------------------------- DPM-Solver++ 3S (Lu et al., VP variables)
def dpmpp_3s(sig):
    rec = Recorder()
    x = vp(sig[0])[0] * sig[0] * Z0
    r1, r2 = 1.0 / 3.0, 2.0 / 3.0
    for i in range(len(sig) - 1):
        a_s, s_s, l_s = vp(sig[i])
        m_s = rec(x / a_s, sig[i])
        if sig[i + 1] == 0:
            x = m_s
            continue
        a_t, s_t, l_t = vp(sig[i + 1])
        h = l_t - l_s
        def level(lam):                        # EDM sigma of half-log-SNR lam, then its VP (alpha, sigma)
            e = np.exp(-lam)
            return e, vp(e)
        e1, (a1, s1, _) = level(l_s + r1 * h)
        e2, (a2, s2, _) = level(l_s + r2 * h)
        phi_11, phi_12, phi_1 = np.expm1(-r1 * h), np.expm1(-r2 * h), np.expm1(-h)
        phi_22 = np.expm1(-r2 * h) / (r2 * h) + 1
        phi_2 = phi_1 / h + 1
        x1 = (s1 / s_s) * x - (a1 * phi_11) * m_s
        m1 = rec(x1 / a1, e1)
        x2 = (s2 / s_s) * x - (a2 * phi_12) * m_s + r2 / r1 * (a2 * phi_22) * (m1 - m_s)
        m2 = rec(x2 / a2, e2)
        x = (s_t / s_s) * x - (a_t * phi_1) * m_s + (1 / r2) * (a_t * phi_2) * (m2 - m_s)
    return rec, x / vp(sig[-1])[0]


rec, final = dpmpp_3s(karras(6))
rec.emit("dpmpp3s_karras6", final)


# ----------------------------------------------------------------------------- DDPM / DDIM schedules (diffusers)
T = 1000


def betas_linear(b0, b1):
    return np.linspace(b0, b1, T)


def betas_scaled_linear(b0, b1):
    return np.linspace(b0 ** 0.5, b1 ** 0.5, T) ** 2


def betas_cosine(max_beta=0.999):
    f = lambda u: np.cos((u + 0.008) / 1.008 * np.pi / 2) ** 2
    return np.array([min(1 - f((i + 1) / T) / f(i / T), max_beta) for i in range(T)])


def zero_terminal_snr(betas):
    """Lin et al. 2024, Algorithm 1."""
    ab_sqrt = np.sqrt(np.cumprod(1 - betas))
    first, last = ab_sqrt[0], ab_sqrt[-1]
    ab_sqrt = (ab_sqrt - last) * first / (first - last)
    ab = ab_sqrt ** 2
    alphas = np.concatenate([ab[:1], ab[1:] / ab[:-1]])
    return 1 - alphas


def timesteps(n, spacing, offset=0):
    if spacing == "linspace":
        return np.linspace(0, T - 1, n).round()[::-1].astype(np.int64)
    if spacing == "leading":
        return (np.arange(0, n) * (T // n)).round()[::-1].astype(np.int64) + offset
    return np.round(np.arange(T, 0, -T / n)).astype(np.int64) - 1


SCHEDULES = {"linear": betas_linear(1e-4, 0.02), "scaled_linear": betas_scaled_linear(0.00085, 0.012),
             "cosine": betas_cosine(), "scaled_linear_ztsnr": zero_terminal_snr(betas_scaled_linear(0.00085, 0.012))}
print("# schedules: alphas_cumprod at t = 0, 1, 2, 499, 998, 999")
for k, b in SCHEDULES.items():
    emit("schedule." + k + ".alphas_cumprod", np.cumprod(1 - b)[[0, 1, 2, 499, 998, 999]])
for n, sp, off in [(10, "linspace", 0), (10, "leading", 1), (10, "trailing", 0), (7, "linspace", 0),
                   (7, "leading", 0), (7, "trailing", 0), (3, "linspace", 0)]:
    emit("timesteps.%s.%d.%d" % (sp, n, off), timesteps(n, sp, off))


def predict(kind, out, x, ab):
    """(x0, eps) from a model output in diffusers' three prediction types."""
    if kind == "epsilon":
        return (x - np.sqrt(1 - ab) * out) / np.sqrt(ab), out
    if kind == "sample":
        return out, (x - np.sqrt(ab) * out) / np.sqrt(1 - ab)
    return np.sqrt(ab) * x - np.sqrt(1 - ab) * out, np.sqrt(ab) * out + np.sqrt(1 - ab) * x


def run_scheduler(kind, betas, ts, eta, prediction, x_T):
    """diffusers DDIMScheduler.step (set_alpha_to_one) / DDPMScheduler.step (fixed_small), prev = t - T//n."""
    ac = np.cumprod(1 - betas)
    n = len(ts)
    x = np.array(x_T)
    labels, inputs = [], []
    for i, t in enumerate(ts):
        labels.append(t)
        inputs.append(np.array(x))
        out = network(x, float(t))
        prev = t - T // n
        ab = ac[t]
        ab_prev = ac[prev] if prev >= 0 else 1.0
        x0, eps = predict(prediction, out, x, ab)
        if kind == "ddim":
            var = (1 - ab_prev) / (1 - ab) * (1 - ab / ab_prev)
            std = eta * np.sqrt(var)
            x = np.sqrt(ab_prev) * x0 + np.sqrt(1 - ab_prev - std ** 2) * eps
            if eta > 0:
                x = x + std * noise(i, x.shape)
        else:
            a_t = ab / ab_prev
            b_t = 1 - a_t
            mean = np.sqrt(ab_prev) * b_t / (1 - ab) * x0 + np.sqrt(a_t) * (1 - ab_prev) / (1 - ab) * x
            var = max((1 - ab_prev) / (1 - ab) * b_t, 1e-20)
            x = mean + (np.sqrt(var) * noise(i, x.shape) if t > 0 else 0.0)
    return labels, inputs, x


print("# DDIM / DDPM on diffusers schedules; x_T = Z0 (VP units); network inputs and labels per step")
for name, kind, sched, n, sp, off, eta, pred in [
        ("ddim_eta05_scaledlinear_leading10_eps", "ddim", "scaled_linear", 10, "leading", 1, 0.5, "epsilon"),
        ("ddim_eta05_cosine_trailing10_v", "ddim", "cosine", 10, "trailing", 0, 0.5, "v_prediction"),
        ("ddim_eta0_linear_leading20_sample", "ddim", "linear", 20, "leading", 0, 0.0, "sample"),
        ("ddpm_linear_leading10_eps", "ddpm", "linear", 10, "leading", 0, 1.0, "epsilon"),
        ("ddpm_cosine_leading20_v", "ddpm", "cosine", 20, "leading", 0, 1.0, "v_prediction"),
        # zero terminal SNR: alpha_cumprod[999] = 0 exactly here (x0 = -v, eps = x_T at the first step); the
        # Java ladder starts at a finite sigma instead, so this case is compared at a looser tolerance
        ("ddim_eta0_ztsnr_trailing10_v", "ddim", "scaled_linear_ztsnr", 10, "trailing", 0, 0.0, "v_prediction")]:
    labels, inputs, final = run_scheduler(kind, SCHEDULES[sched], timesteps(n, sp, off), eta, pred, Z0)
    emit(name + ".labels", labels)
    emit(name + ".inputs", np.concatenate(inputs))
    emit(name + ".final", final)
