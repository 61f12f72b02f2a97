package org.genblocks.examples;

import org.genblocks.position.Rope;
import org.genblocks.position.RopeLayout;
import org.genblocks.position.RopeScaling;
import org.genblocks.tensor.Rng;
import org.genblocks.viz.Axis;
import org.genblocks.viz.LinePlot;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.List;

/**
 * Two properties of rotary position embedding, drawn to PNG:
 *
 * <ol>
 *   <li>{@code rope-decay.png} — RoFormer's long-term decay (Su et al. 2021, §3.4.3): with
 *   {@code S_j = Σ_{k<j} e^{i r θ_k}}, the bound {@code (1/(d/2)) Σ_{j=1}^{d/2} |S_j|} on the
 *   attention score falls as the relative distance {@code r} grows (d = 128, base 10000, as the
 *   paper's figure 2), next to the same curve under YaRN frequencies (factor 4, L0 = 2048), on a log distance
 *   axis up to 16384: YaRN leaves RoPE's curve only beyond about 2048.</li>
 *   <li>{@code rope-relative.png} — the relative identity {@code ⟨R_m q, R_n k⟩ = g(q, k, n − m)}: the
 *   score of random q, k against the offset {@code n − m}, for three absolute query positions m;
 *   the curves coincide, so each is lifted by a fixed offset and the title gives their largest difference.</li>
 * </ol>
 *
 * <pre>
 * mvn -q test-compile exec:java -Dexec.mainClass=org.genblocks.examples.RopeDecay -Dexec.args="out/rope"
 * </pre>
 */
public final class RopeDecay {
    private RopeDecay() {
    }

    public static void main(String[] args) {
        Path out = Path.of(args.length > 0 ? args[0] : "out/rope");
        run(out, 16_384, 2).forEach(f -> System.out.println("wrote " + f));
    }

    /** RoFormer's decay bound {@code (1/(d/2)) Σ_{j=1}^{d/2} |S_j|}, {@code S_j = Σ_{k<j} e^{i r θ_k}}. */
    public static double decayBound(double[] inverseFrequencies, double r) {
        double re = 0;
        double im = 0;
        double sum = 0;
        for (double theta : inverseFrequencies) {
            re += Math.cos(r * theta);
            im += Math.sin(r * theta);
            sum += Math.hypot(re, im);
        }
        return sum / inverseFrequencies.length;
    }

    /** Scores {@code ⟨R_m q, R_{m+r} k⟩} for {@code r = 0 … maxOffset} (interleaved RoPE, head dim d). */
    public static double[] relativeScores(Rope rope, INDArray q, INDArray k, double m, int maxOffset) {
        INDArray rq = rope.apply(q, m);
        double[] offsets = new double[maxOffset + 1];
        for (int r = 0; r <= maxOffset; r++) {
            offsets[r] = m + r;
        }
        // one call rotates every key position: k repeated along the sequence axis
        INDArray keys = k.repeat(0, maxOffset + 1).reshape(maxOffset + 1, k.length());
        INDArray rk = rope.apply(keys, offsets);
        return rk.mmul(rq.reshape(k.length(), 1)).toDoubleVector();
    }

    /**
     * Writes both figures into {@code out}; returns the files. The decay runs from distance 1 to {@code maxDistance} on
     * a log axis (YaRN x4 with L0 = 2048 changes only the low frequencies, so its curve leaves plain RoPE's only
     * beyond about 2048: give 16384 to see it); the relative-score figure uses offsets up to min(maxDistance, 200).
     */
    public static List<Path> run(Path out, int maxDistance, int scale) {
        int d = 128;
        double[] theta = RopeScaling.baseFrequencies(d, 10_000);
        double[] yarn = RopeScaling.yarn(d, 10_000, 4, 2048).inverseFrequencies();
        int points = 400;
        double[] r = new double[points];
        double[] bound = new double[points];
        double[] boundYarn = new double[points];
        for (int i = 0; i < points; i++) {
            r[i] = Math.pow(maxDistance, i / (points - 1.0)); // 1 … maxDistance, evenly on the log axis
            bound[i] = decayBound(theta, r[i]);
            boundYarn[i] = decayBound(yarn, r[i]);
        }
        Path decay = out.resolve("rope-decay.png");
        LinePlot.create().series("RoPE, base 10000", r, bound).series("YaRN x4 (L0 = 2048)", r, boundYarn)
                .title("RoPE decay bound, d = 128 (RoFormer 3.4.3), plain and YaRN x4")
                .xAxis(Axis.log().label("relative distance n - m"))
                .yAxis(Axis.linear().label("(1/(d/2)) sum_j |S_j|"))
                .scale(scale).writePng(decay);

        Rope rope = Rope.of(d, RopeLayout.INTERLEAVED);
        Rng rng = Rng.seed(3);
        INDArray q = rng.normal(DataType.DOUBLE, 1, d);
        INDArray k = rng.normal(DataType.DOUBLE, 1, d);
        int offsets = Math.min(maxDistance, 200);
        double[] x = new double[offsets + 1];
        for (int i = 0; i <= offsets; i++) {
            x[i] = i;
        }
        // The three curves are the same function of n - m (the relative identity); drawn on top of each other only
        // one would show, so each is lifted by a fixed offset and the title gives their largest difference.
        double[] m = {0, 500, 5000};
        double[][] scores = new double[m.length][];
        for (int j = 0; j < m.length; j++) {
            scores[j] = relativeScores(rope, q, k, m[j], offsets);
        }
        double spread = 0;
        double maxDiff = 0;
        double lowest = Double.POSITIVE_INFINITY;
        double highest = Double.NEGATIVE_INFINITY;
        for (int i = 0; i <= offsets; i++) {
            spread = Math.max(spread, Math.abs(scores[0][i]));
            lowest = Math.min(lowest, scores[0][i]);
            highest = Math.max(highest, scores[0][i]);
            for (int j = 1; j < m.length; j++) {
                maxDiff = Math.max(maxDiff, Math.abs(scores[j][i] - scores[0][i]));
            }
        }
        double lift = Math.ceil(spread);
        LinePlot rel = LinePlot.create();
        for (int j = 0; j < m.length; j++) {
            double[] y = new double[offsets + 1];
            for (int i = 0; i <= offsets; i++) {
                y[i] = scores[j][i] + j * lift;
            }
            rel = rel.series(String.format(java.util.Locale.ROOT, "query at m = %d%s", (int) m[j],
                    j == 0 ? "" : String.format(java.util.Locale.ROOT, " (lifted by %.0f)", j * lift)), x, y);
        }
        Path relative = out.resolve("rope-relative.png");
        rel.title(String.format(java.util.Locale.ROOT, "<R_m q, R_n k> vs n - m for three m: one curve (max difference %.0e)",
                        maxDiff))
                .xAxis(Axis.linear().label("offset n - m"))
                .yAxis(Axis.linear().label("score, lifted per m").range(lowest - 0.1 * lift, highest + 3 * lift))
                .scale(scale).writePng(relative);
        return List.of(decay, relative);
    }
}
