package org.genblocks.position;

import org.genblocks.tensor.Shapes;

/**
 * RoPE frequency strategies as pure functions from a configuration to
 * ({@code inverse frequencies}, {@code attention factor}) — a table of strategies in the manner of
 * HF transformers' {@code modeling_rope_utils}, computed in double.
 *
 * <p>Notation: {@code r} rotary dim, {@code s} scale factor, {@code L0} the original
 * (pre-training) context length, {@code θ_i = base^(−2i/r)}, {@code i = 0 … r/2−1}.
 *
 * <table>
 *   <caption>Strategies</caption>
 *   <tr><th>method</th><th>inverse frequencies</th><th>attention factor</th></tr>
 *   <tr><td>{@link #none}</td><td>{@code θ_i}</td><td>1</td></tr>
 *   <tr><td>{@link #linear} (position interpolation, Chen et al. 2023)</td><td>{@code θ_i / s}</td><td>1</td></tr>
 *   <tr><td>{@link #ntk} (NTK-aware, bloc97 2023)</td><td>{@code θ_i} with {@code base' = base·s^(r/(r−2))}</td><td>1</td></tr>
 *   <tr><td>{@link #dynamicNtk} (emozilla 2023)</td><td>{@code base' = base·(s·L/L0 − (s−1))^(r/(r−2))}, {@code L = max(seqLen, L0)}</td><td>1</td></tr>
 *   <tr><td>{@link #yarn} (Peng et al. 2023)</td><td>ramp blend of {@code θ_i} and {@code θ_i/s}</td><td>{@code 0.1·ln s + 1}</td></tr>
 *   <tr><td>{@link #llama3} (Llama 3.1)</td><td>piecewise by wavelength</td><td>1</td></tr>
 *   <tr><td>{@link #longRope} (LongRoPE / Phi-3)</td><td>{@code 1/(ext_i·base^(2i/r))}</td><td>{@code sqrt(1 + ln s/ln L0)}</td></tr>
 * </table>
 */
public final class RopeScaling {
    /** Default base of RoFormer and most models. */
    public static final double DEFAULT_BASE = 10_000.0;

    private RopeScaling() {
    }

    /** Plain RoPE (Su et al., RoFormer): {@code θ_i = base^(−2i/r)}, attention factor 1. */
    public static RopeFrequencies none(int rotaryDim, double base) {
        return RopeFrequencies.of(baseFrequencies(rotaryDim, base), 1.0);
    }

    /** {@code θ_i = base^(−2i/r)}, {@code i = 0 … r/2−1}, in double. */
    public static double[] baseFrequencies(int rotaryDim, double base) {
        checkRotaryDim(rotaryDim);
        checkBase(base);
        int h = rotaryDim / 2;
        double[] f = new double[h];
        for (int i = 0; i < h; i++) {
            f[i] = Math.pow(base, -2.0 * i / rotaryDim);
        }
        return f;
    }

    /**
     * Linear position interpolation (Chen et al. 2023, "Extending context window ... via positional
     * interpolation"): {@code θ_i / s}, equivalent to dividing positions by {@code s}.
     */
    public static RopeFrequencies linear(int rotaryDim, double base, double factor) {
        checkFactor(factor);
        double[] f = baseFrequencies(rotaryDim, base);
        for (int i = 0; i < f.length; i++) {
            f[i] /= factor;
        }
        return RopeFrequencies.of(f, 1.0);
    }

    /**
     * Static NTK-aware scaling: {@code base' = base · s^(r/(r−2))}, chosen so that the lowest
     * frequency is interpolated by exactly {@code s} while {@code θ_0 = 1} is kept.
     */
    public static RopeFrequencies ntk(int rotaryDim, double base, double factor) {
        checkFactor(factor);
        checkRotaryDimAbove2(rotaryDim);
        return RopeFrequencies.of(baseFrequencies(rotaryDim, ntkBase(rotaryDim, base, factor)), 1.0);
    }

    /** The NTK-aware base {@code base · s^(r/(r−2))}. */
    public static double ntkBase(int rotaryDim, double base, double factor) {
        checkRotaryDimAbove2(rotaryDim);
        checkBase(base);
        checkFactor(factor);
        return base * Math.pow(factor, rotaryDim / (rotaryDim - 2.0));
    }

    /**
     * Dynamic NTK scaling: {@code base' = base · (s·L/L0 − (s−1))^(r/(r−2))} with
     * {@code L = max(seqLen, L0)}; plain RoPE while {@code seqLen <= L0}.
     *
     * <p>The frequencies depend on the current length: keys cached at one length were rotated with
     * another base, so a KV cache is only consistent while the length stays on one side of L0.
     *
     * @param originalMaxPositions {@code L0}
     * @param seqLen               the current sequence length {@code L}
     */
    public static RopeFrequencies dynamicNtk(int rotaryDim, double base, double factor, int originalMaxPositions,
                                             int seqLen) {
        checkFactor(factor);
        Shapes.checkPositive("originalMaxPositions", originalMaxPositions);
        Shapes.checkPositive("seqLen", seqLen);
        return RopeFrequencies.of(baseFrequencies(rotaryDim,
                dynamicNtkBase(rotaryDim, base, factor, originalMaxPositions, seqLen)), 1.0);
    }

    /** The dynamic-NTK base for the current length (see {@link #dynamicNtk}). */
    public static double dynamicNtkBase(int rotaryDim, double base, double factor, int originalMaxPositions,
                                        int seqLen) {
        checkRotaryDimAbove2(rotaryDim);
        checkBase(base);
        checkFactor(factor);
        Shapes.checkPositive("originalMaxPositions", originalMaxPositions);
        Shapes.checkPositive("seqLen", seqLen);
        double len = Math.max(seqLen, originalMaxPositions);
        return base * Math.pow(factor * len / originalMaxPositions - (factor - 1.0), rotaryDim / (rotaryDim - 2.0));
    }

    /**
     * YaRN with its defaults: {@code βfast = 32}, {@code βslow = 1}, truncation on, attention factor
     * {@code 0.1·ln s + 1}. See {@link #yarn(int, double, double, int, double, double, boolean, double)}.
     */
    public static RopeFrequencies yarn(int rotaryDim, double base, double factor, int originalMaxPositions) {
        return yarn(rotaryDim, base, factor, originalMaxPositions, 32.0, 1.0, true, Double.NaN);
    }

    /**
     * YaRN (Peng et al. 2023, "YaRN: Efficient context window extension of large language models").
     *
     * <pre>
     * corr(ρ)  = r · ln(L0 / (2π ρ)) / (2 ln base)
     * low      = max(floor(corr(βfast)), 0),  high = min(ceil(corr(βslow)), r − 1)   (floor/ceil only if truncate)
     * ramp_j   = clamp((j − low)/(high − low), 0, 1)        (high += 0.001 when equal)
     * θ'_j     = θ_j · (1 − ramp_j) + (θ_j / s) · ramp_j     (high-frequency pairs kept, low-frequency interpolated)
     * factor   = 0.1 · ln s + 1   (1 for s ≤ 1), multiplying cos and sin, so logits scale by its square
     * </pre>
     *
     * @param originalMaxPositions the pre-training context {@code L0} (explicit: configs disagree on it)
     * @param attentionFactor      {@code NaN} for the default {@code 0.1·ln s + 1}; else used as given
     *                             (see {@link #yarnMscale} for DeepSeek's {@code mscale}/{@code mscale_all_dim})
     */
    public static RopeFrequencies yarn(int rotaryDim, double base, double factor, int originalMaxPositions,
                                       double betaFast, double betaSlow, boolean truncate, double attentionFactor) {
        checkFactor(factor);
        Shapes.checkPositive("originalMaxPositions", originalMaxPositions);
        Shapes.checkPositive("betaFast", betaFast);
        Shapes.checkPositive("betaSlow", betaSlow);
        if (!(betaFast > betaSlow)) {
            throw new IllegalArgumentException("betaFast: expected > betaSlow (" + betaSlow + "), got " + betaFast);
        }
        double[] theta = baseFrequencies(rotaryDim, base);
        double[] range = yarnCorrectionRange(rotaryDim, base, originalMaxPositions, betaFast, betaSlow, truncate);
        double lo = range[0];
        double hi = range[1];
        double[] f = new double[theta.length];
        for (int j = 0; j < theta.length; j++) {
            double ramp = Math.min(1.0, Math.max(0.0, (j - lo) / (hi - lo)));
            f[j] = theta[j] * (1.0 - ramp) + theta[j] / factor * ramp;
        }
        double att = Double.isNaN(attentionFactor) ? yarnMscale(factor, 1.0) : attentionFactor;
        return RopeFrequencies.of(f, att);
    }

    /**
     * The YaRN correction range {@code [low, high]} of pair indices between which the ramp runs
     * (see {@link #yarn(int, double, double, int, double, double, boolean, double)}).
     */
    public static double[] yarnCorrectionRange(int rotaryDim, double base, int originalMaxPositions,
                                               double betaFast, double betaSlow, boolean truncate) {
        checkRotaryDim(rotaryDim);
        checkBase(base);
        double lo = yarnCorrectionDim(betaFast, rotaryDim, base, originalMaxPositions);
        double hi = yarnCorrectionDim(betaSlow, rotaryDim, base, originalMaxPositions);
        if (truncate) {
            lo = Math.floor(lo);
            hi = Math.ceil(hi);
        }
        lo = Math.max(lo, 0);
        hi = Math.min(hi, rotaryDim - 1);
        if (lo == hi) {
            hi += 0.001;
        }
        return new double[]{lo, hi};
    }

    /** {@code r · ln(L0 / (2π ρ)) / (2 ln base)}: the pair index whose wavelength fits {@code ρ} rotations in L0. */
    public static double yarnCorrectionDim(double rotations, int rotaryDim, double base, int originalMaxPositions) {
        return rotaryDim * Math.log(originalMaxPositions / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
    }

    /** YaRN's {@code get_mscale}: {@code 0.1·μ·ln s + 1}, or 1 for {@code s <= 1}. */
    public static double yarnMscale(double factor, double mscale) {
        return factor <= 1 ? 1.0 : 0.1 * mscale * Math.log(factor) + 1.0;
    }

    /** DeepSeek-V2/V3 attention factor {@code mscale(s, mscale) / mscale(s, mscaleAllDim)}. */
    public static double yarnMscale(double factor, double mscale, double mscaleAllDim) {
        return yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim);
    }

    /**
     * Llama 3.1 frequency bands (Meta defaults: factor 8, lowFreqFactor 1, highFreqFactor 4, L0 8192).
     *
     * <pre>
     * λ_i = 2π/θ_i,  λ_low = L0/lowFreqFactor,  λ_high = L0/highFreqFactor
     * λ_i &lt; λ_high → θ_i;   λ_i &gt; λ_low → θ_i/s;
     * otherwise (1 − α)·θ_i/s + α·θ_i,  α = (L0/λ_i − lowFreqFactor)/(highFreqFactor − lowFreqFactor)
     * </pre>
     */
    public static RopeFrequencies llama3(int rotaryDim, double base, double factor, double lowFreqFactor,
                                         double highFreqFactor, int originalMaxPositions) {
        checkFactor(factor);
        Shapes.checkPositive("lowFreqFactor", lowFreqFactor);
        Shapes.checkPositive("highFreqFactor", highFreqFactor);
        Shapes.checkPositive("originalMaxPositions", originalMaxPositions);
        if (!(highFreqFactor > lowFreqFactor)) {
            throw new IllegalArgumentException("highFreqFactor: expected > lowFreqFactor (" + lowFreqFactor
                    + "), got " + highFreqFactor);
        }
        double[] theta = baseFrequencies(rotaryDim, base);
        double lowWave = originalMaxPositions / lowFreqFactor;
        double highWave = originalMaxPositions / highFreqFactor;
        double[] f = new double[theta.length];
        for (int i = 0; i < theta.length; i++) {
            double wave = 2 * Math.PI / theta[i];
            if (wave < highWave) {
                f[i] = theta[i];
            } else if (wave > lowWave) {
                f[i] = theta[i] / factor;
            } else {
                double a = (originalMaxPositions / wave - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                f[i] = (1 - a) * theta[i] / factor + a * theta[i];
            }
        }
        return RopeFrequencies.of(f, 1.0);
    }

    /**
     * LongRoPE (Ding et al. 2024; Phi-3): per-pair rescale factors searched offline,
     * {@code θ'_i = 1 / (ext_i · base^(2i/r))} with {@code ext = longFactor} when
     * {@code seqLen > L0}, else {@code shortFactor}; attention factor
     * {@code sqrt(1 + ln s / ln L0)} for {@code s > 1}, else 1.
     *
     * @param factor the overall extension factor {@code s} (max positions / L0)
     */
    public static RopeFrequencies longRope(int rotaryDim, double base, double[] shortFactor, double[] longFactor,
                                           double factor, int originalMaxPositions, int seqLen) {
        checkFactor(factor);
        Shapes.checkPositive("originalMaxPositions", originalMaxPositions);
        Shapes.checkPositive("seqLen", seqLen);
        double[] theta = baseFrequencies(rotaryDim, base);
        checkExt("shortFactor", shortFactor, theta.length);
        checkExt("longFactor", longFactor, theta.length);
        double[] ext = seqLen > originalMaxPositions ? longFactor : shortFactor;
        double[] f = new double[theta.length];
        for (int i = 0; i < theta.length; i++) {
            f[i] = theta[i] / ext[i];
        }
        double att = factor <= 1 ? 1.0 : Math.sqrt(1 + Math.log(factor) / Math.log(originalMaxPositions));
        return RopeFrequencies.of(f, att);
    }

    private static void checkExt(String name, double[] ext, int pairs) {
        if (ext == null || ext.length != pairs) {
            throw new IllegalArgumentException(name + ": expected " + pairs + " values (rotaryDim/2), got "
                    + (ext == null ? "null" : ext.length));
        }
        for (int i = 0; i < ext.length; i++) {
            if (!(ext[i] > 0) || !Double.isFinite(ext[i])) {
                throw new IllegalArgumentException(name + "[" + i + "]: expected a finite value > 0, got " + ext[i]);
            }
        }
    }

    static void checkRotaryDim(int rotaryDim) {
        if (rotaryDim <= 0 || rotaryDim % 2 != 0) {
            throw new IllegalArgumentException("rotaryDim: expected a positive even number, got " + rotaryDim);
        }
    }

    private static void checkRotaryDimAbove2(int rotaryDim) {
        checkRotaryDim(rotaryDim);
        if (rotaryDim <= 2) {
            throw new IllegalArgumentException("rotaryDim: NTK scaling needs rotaryDim > 2, got " + rotaryDim);
        }
    }

    private static void checkBase(double base) {
        if (!(base > 1) || !Double.isFinite(base)) {
            throw new IllegalArgumentException("base: expected a finite value > 1, got " + base);
        }
    }

    private static void checkFactor(double factor) {
        if (!(factor >= 1) || !Double.isFinite(factor)) {
            throw new IllegalArgumentException("factor: expected a finite value >= 1, got " + factor);
        }
    }
}
