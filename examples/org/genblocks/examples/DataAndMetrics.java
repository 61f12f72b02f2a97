package org.genblocks.examples;

import org.genblocks.data.Mnist;
import org.genblocks.data.Toy2d;
import org.genblocks.metrics.BitsPerDim;
import org.genblocks.metrics.EnergyDistance;
import org.genblocks.metrics.Mmd;
import org.genblocks.metrics.SlicedWasserstein;
import org.genblocks.tensor.Rng;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * A tour of the datasets and metrics, with no training:
 * <ol>
 *   <li>For each 2-D toy with an exact entropy, the NLL of the best Gaussian fit and its gap to the entropy
 *       (the gap is the KL divergence from the data to the Gaussian, the room a flow has to improve).</li>
 *   <li>Two-sample metrics (MMD, energy distance, sliced Wasserstein) of a second sample of the same toy
 *       against a moment-matched Gaussian: the metrics must tell them apart.</li>
 *   <li>Bits/dim of a per-pixel histogram model on held-out MNIST digits, computed twice: on the discrete
 *       pixels and on dequantised pixels plus the {@code D ln 256} term (the two must agree exactly).</li>
 * </ol>
 * Run {@code main} with {@code --smoke} for a few-second version.
 */
public final class DataAndMetrics {
    private DataAndMetrics() {
    }

    /** Sizes of the tour. */
    public record Config(int toyPoints, int mnistTrain, int mnistHeldOut, long seed) {
        /** Seconds-long settings for tests. */
        public static Config smoke() {
            return new Config(400, 500, 100, 1);
        }

        /** The full tour. */
        public static Config full() {
            return new Config(4000, 8000, 1000, 1);
        }
    }

    /** One toy's figures (nats and metric units). */
    public record ToyRow(String name, double entropy, double gaussianNll, double mmdSame, double mmdGaussian,
                         double energySame, double energyGaussian, double swSame, double swGaussian) {
        /** NLL of the Gaussian fit minus the entropy. */
        public double gap() {
            return gaussianNll - entropy;
        }
    }

    /** Everything the tour measured. */
    public record Result(List<ToyRow> toys, double histogramBitsPerDim, double histogramBitsPerDimDequantized,
                         double uniformBitsPerDim) {
    }

    /** Runs the tour. */
    public static Result run(Config c) {
        List<ToyRow> rows = new ArrayList<>();
        for (Toy2d t : Toy2d.all()) {
            if (!t.hasExactLogDensity()) {
                continue;
            }
            double[] fit = t.sample(c.toyPoints(), c.seed(), DataType.DOUBLE).data().asDouble();
            INDArray test = t.sample(c.toyPoints(), c.seed() + 1, DataType.DOUBLE);
            Gaussian2 g = Gaussian2.fit(fit);
            double nll = g.meanNll(test.data().asDouble());
            INDArray other = t.sample(c.toyPoints(), c.seed() + 2, DataType.DOUBLE);
            INDArray gauss = g.sample(c.toyPoints(), c.seed() + 3);
            Mmd mmd = Mmd.rbfMedian(test, other, 0.5, 1, 2);
            rows.add(new ToyRow(t.name(), t.entropy().getAsDouble(), nll,
                    mmd.mmd2(test, other), mmd.mmd2(test, gauss),
                    EnergyDistance.of(test, other), EnergyDistance.of(test, gauss),
                    SlicedWasserstein.of(test, other, 128, c.seed()), SlicedWasserstein.of(test, gauss, 128, c.seed())));
        }
        Mnist.Split split = Mnist.bundled().subset(0, c.mnistTrain() + c.mnistHeldOut()).split(c.mnistTrain());
        double[][] logP = histogram(split.train());
        Mnist held = split.heldOut();
        int d = held.dims();
        byte[] px = held.pixels();
        double nll = 0;
        for (int i = 0; i < px.length; i++) {
            nll -= logP[i % d][px[i] & 0xFF];
        }
        nll /= held.size();
        // the same model as a density on dequantised data: constant 256 P(k) on each bin of width 1/256
        double[] xq = held.dequantized(c.seed(), DataType.DOUBLE).data().asDouble();
        double cont = 0;
        for (int i = 0; i < xq.length; i++) {
            int k = Math.min(255, (int) Math.floor(xq[i] * 256));
            cont -= logP[i % d][k] + Math.log(256);
        }
        cont /= held.size();
        return new Result(rows, BitsPerDim.fromDiscreteNll(nll, d), BitsPerDim.fromContinuousNll(cont, d),
                BitsPerDim.fromContinuousNll(0, d));
    }

    /** Per-pixel log-probabilities of the 256 values, add-one smoothed. */
    private static double[][] histogram(Mnist train) {
        int d = train.dims();
        double[][] counts = new double[d][256];
        byte[] px = train.pixels();
        for (int i = 0; i < px.length; i++) {
            counts[i % d][px[i] & 0xFF]++;
        }
        for (double[] row : counts) {
            double total = train.size() + 256.0;
            for (int k = 0; k < 256; k++) {
                row[k] = Math.log((row[k] + 1) / total);
            }
        }
        return counts;
    }

    /** A 2-D Gaussian fitted by its moments. */
    private record Gaussian2(double mx, double my, double sxx, double sxy, double syy) {
        static Gaussian2 fit(double[] v) {
            int n = v.length / 2;
            double mx = 0;
            double my = 0;
            for (int i = 0; i < n; i++) {
                mx += v[2 * i];
                my += v[2 * i + 1];
            }
            mx /= n;
            my /= n;
            double sxx = 0;
            double sxy = 0;
            double syy = 0;
            for (int i = 0; i < n; i++) {
                double dx = v[2 * i] - mx;
                double dy = v[2 * i + 1] - my;
                sxx += dx * dx;
                sxy += dx * dy;
                syy += dy * dy;
            }
            return new Gaussian2(mx, my, sxx / n, sxy / n, syy / n);
        }

        double meanNll(double[] v) {
            double det = sxx * syy - sxy * sxy;
            double s = 0;
            int n = v.length / 2;
            for (int i = 0; i < n; i++) {
                double dx = v[2 * i] - mx;
                double dy = v[2 * i + 1] - my;
                double q = (syy * dx * dx - 2 * sxy * dx * dy + sxx * dy * dy) / det;
                s += 0.5 * q + 0.5 * Math.log(det) + Math.log(2 * Math.PI);
            }
            return s / n;
        }

        INDArray sample(int n, long seed) {
            double a = Math.sqrt(sxx);                 // Cholesky of [[sxx, sxy], [sxy, syy]]
            double b = sxy / a;
            double c = Math.sqrt(syy - b * b);
            double[] z = Rng.seed(seed).normal(DataType.DOUBLE, n, 2).data().asDouble();
            double[] out = new double[2 * n];
            for (int i = 0; i < n; i++) {
                out[2 * i] = mx + a * z[2 * i];
                out[2 * i + 1] = my + b * z[2 * i] + c * z[2 * i + 1];
            }
            return Nd4j.create(out, new long[]{n, 2}, DataType.DOUBLE);
        }
    }

    public static void main(String[] args) {
        boolean smoke = args.length > 0 && args[0].equals("--smoke");
        Result r = run(smoke ? Config.smoke() : Config.full());
        System.out.println("toy            H(nats)  Gaussian NLL   gap   | MMD2 same / Gaussian | energy same / Gaussian"
                + " | SW2 same / Gaussian");
        for (ToyRow t : r.toys()) {
            System.out.printf("%-13s %8.4f %10.4f %8.4f | %8.5f %8.5f | %8.5f %8.5f | %7.4f %7.4f%n", t.name(), t.entropy(),
                    t.gaussianNll(), t.gap(), t.mmdSame(), t.mmdGaussian(), t.energySame(), t.energyGaussian(),
                    t.swSame(), t.swGaussian());
        }
        System.out.printf("MNIST held-out bits/dim: per-pixel histogram %.4f (discrete) = %.4f (dequantised + D ln 256);"
                + " uniform %.1f%n", r.histogramBitsPerDim(), r.histogramBitsPerDimDequantized(), r.uniformBitsPerDim());
    }
}
