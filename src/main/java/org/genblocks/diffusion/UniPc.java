package org.genblocks.diffusion;

import org.genblocks.tensor.Matrices;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * UniPC, the unified predictor–corrector of Zhao et al. 2023 ("UniPC: A Unified Predictor-Corrector
 * Framework for Fast Sampling of Diffusion Models", Algorithms 2–3, B(h) variants), in the data-prediction
 * form and in {@code λ = −ln σ} (EDM units; diffusers {@code UniPCMultistepScheduler} with
 * {@code predict_x0=True}). With {@code m_i = D(x_i; σ_i)} and, for a step from σ_s to σ_t,
 * <pre>
 *   h = ln σ_s − ln σ_t,   r_k = (ln σ_s − ln σ_{s−k})/h  (&lt; 0, k = 1 … p−1, the earlier levels)
 *   D1_k = (m_{s−k} − m_s)/r_k,   B(h) = −h (bh1) or expm1(−h) (bh2)
 *   φ_1 = expm1(−h),  ψ_1 = φ_1/(−h) − 1,  ψ_{j+1} = ψ_j/(−h) − 1/(j+1)!,  b_j = ψ_j·j!/B(h)
 *   predictor UniP-p:  x_t = (σ_t/σ_s)·x_s − φ_1·m_s − B(h)·Σ_k ρ^p_k·D1_k
 *                      ρ^p solves Σ_k r_k^{j−1} ρ_k = b_j (j = 1 … p−1); ρ = (½) for p = 2
 *   corrector UniC-p (after evaluating m_t = D(x_t; σ_t), no extra evaluation):
 *                      x_t ← (σ_t/σ_s)·x_s − φ_1·m_s − B(h)·(Σ_k ρ^c_k·D1_k + ρ^c_p·(m_t − m_s))
 *                      ρ^c solves the p × p system with r_p = 1; ρ^c = (½) for p = 1
 * </pre>
 * The order of step i is {@code min(order, i + 1)} (warm-up) and, with {@code lowerOrderFinal} (diffusers'
 * default), also at most the number of steps left. The corrector re-forms the step that produced
 * x_t with the evaluation m_t, which the next predictor then uses: the corrected state is never
 * re-evaluated, so UniPC costs one evaluation per step (UniC raises the order by one). The step into
 * σ = 0 returns {@code D(x; σ)}.
 */
public final class UniPc extends DpmPpBase {
    /** The B(h) of the update (Zhao et al. §3.3). */
    public enum Variant {
        /** B(h) = h (in λ, with the sign of the data-prediction form: −h); best for unconditional sampling. */
        BH1,
        /** B(h) = e^h − 1 (here expm1(−h)); recommended for guided sampling and very few steps. */
        BH2
    }

    private final int order;
    private final Variant variant;
    private final boolean corrector;
    private final boolean lowerOrderFinal;

    UniPc(int order, Variant variant, boolean corrector, boolean lowerOrderFinal) {
        super((corrector ? "unipc" : "unip") + "(order=" + order + ", " + variant + ")", false);
        Shapes.checkInRange("order", order, 1, 3);
        Shapes.checkNotNull("variant", variant, "BH1 or BH2");
        this.order = order;
        this.variant = variant;
        this.corrector = corrector;
        this.lowerOrderFinal = lowerOrderFinal;
    }

    @Override
    Update start(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        int steps = sigmas.length - 1;
        Deque<INDArray> history = new ArrayDeque<>();   // m_i, newest first, at most `order`
        INDArray last = x.ulike();                       // x_s of the last predictor step
        return new Update() {
            private int lastOrder;

            @Override
            public void step(int i, double sigma, double next, double h, INDArray m) {
                if (corrector && i > 0) {
                    update(x, last, sigmas, i - 1, lastOrder, history, m);
                }
                if (history.size() == order) {
                    history.removeLast();
                }
                history.addFirst(m);
                int p = Math.min(order, i + 1);
                if (lowerOrderFinal) {
                    p = Math.min(p, steps - i);
                }
                last.assign(x);
                update(x, last, sigmas, i, p, history, null);
                lastOrder = p;
            }
        };
    }

    /**
     * One B(h) update from level {@code s} (state {@code xs}, {@code history.peekFirst() = m_s}) to level
     * {@code s + 1}, written into {@code out}: the predictor of order p when {@code mt} is null, else the
     * corrector of order p with the new evaluation {@code mt}.
     */
    private void update(INDArray out, INDArray xs, double[] sigmas, int s, int p, Deque<INDArray> history,
                        INDArray mt) {
        double sigmaS = sigmas[s];
        double sigmaT = sigmas[s + 1];
        double h = Math.log(sigmaS) - Math.log(sigmaT);
        double hh = -h;
        double phi1 = Math.expm1(hh);
        double bh = variant == Variant.BH1 ? hh : phi1;
        int k = mt == null ? p - 1 : p;   // unknowns: ρ_1 … ρ_{p−1} (predictor) or ρ_1 … ρ_p (corrector)
        double[] r = new double[Math.max(k, 1)];
        for (int j = 0; j < p - 1; j++) {
            r[j] = (Math.log(sigmaS) - Math.log(sigmas[s - 1 - j])) / h;
        }
        if (mt != null) {
            r[p - 1] = 1.0;
        }
        double[] rho = coefficients(r, k, h, bh, p, mt != null);
        Iterator<INDArray> it = history.iterator();
        INDArray ms = it.next();
        // out = (σ_t/σ_s)·x_s − φ_1·m_s − B(h)·Σ ρ_j·(m_j − m_s)/r_j  [+ ρ_p·(m_t − m_s)]
        Lin.axpby(sigmaT / sigmaS, xs, -phi1, ms, out);
        double msWeight = 0;
        for (int j = 0; j < p - 1; j++) {
            double c = -bh * rho[j] / r[j];
            Lin.addScaled(out, c, it.next());
            msWeight -= c;
        }
        if (mt != null) {
            double c = -bh * rho[p - 1];
            Lin.addScaled(out, c, mt);
            msWeight -= c;
        }
        Lin.addScaled(out, msWeight, ms);
    }

    /** ρ of UniP-p ({@code corrector} false, k = p − 1 unknowns) or UniC-p (k = p unknowns). */
    static double[] coefficients(double[] r, int k, double h, double bh, int p, boolean corrector) {
        if (k == 0) {
            return new double[0];
        }
        if (!corrector && p == 2) {
            return new double[]{0.5};
        }
        if (corrector && p == 1) {
            return new double[]{0.5};
        }
        double hh = -h;
        double psi = Math.expm1(hh) / hh - 1.0;
        double factorial = 1.0;
        double[] b = new double[k];
        double[][] a = new double[k][k];
        for (int j = 1; j <= k; j++) {
            b[j - 1] = psi * factorial / bh;
            factorial *= j + 1;
            psi = psi / hh - 1.0 / factorial;
            for (int c = 0; c < k; c++) {
                a[j - 1][c] = Math.pow(r[c], j - 1);
            }
        }
        return Matrices.solve(a, b, "UniPC coefficients");
    }
}
