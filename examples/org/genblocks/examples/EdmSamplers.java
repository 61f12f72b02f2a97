package org.genblocks.examples;

import org.genblocks.data.GaussianMixture;
import org.genblocks.diffusion.SampleResult;
import org.genblocks.diffusion.Sampler;
import org.genblocks.diffusion.Samplers;
import org.genblocks.diffusion.Sigmas;
import org.genblocks.tensor.Rng;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * EDM Fig. 2 in miniature (Karras et al. 2022): the error of every deterministic sampler against the
 * number of denoiser evaluations (NFE), on a 2-D Gaussian mixture whose exact denoiser stands in for
 * a perfectly trained network. Errors are RMS distances of the final samples to a fine reference
 * solution of the same probability-flow ODE (Heun, 1024 Karras steps) from the same initial noise,
 * in float64. Heun and DPM++ 2M fall at 2nd order, Euler at 1st; the multistep methods get 2nd-order
 * accuracy at one evaluation per step.
 *
 * <p>Run: {@code mvn -q test-compile exec:java -Dexec.mainClass=org.genblocks.examples.EdmSamplers}
 * ({@code --smoke} for a tiny run).
 */
public final class EdmSamplers {
    private EdmSamplers() {
    }

    /** One point of the figure. */
    public record Row(String sampler, int steps, int nfe, double error) {
    }

    /** Settings: number of samples, step counts, reference steps. */
    public record Config(int samples, int[] steps, int referenceSteps) {
        /** The full run (a few seconds). */
        public static Config full() {
            return new Config(256, new int[]{4, 6, 8, 12, 16, 24, 32, 48, 64, 128}, 1024);
        }

        /** A tiny run for the smoke test. */
        public static Config smoke() {
            return new Config(16, new int[]{8, 16, 32}, 256);
        }
    }

    public static void main(String[] args) {
        boolean smoke = args.length > 0 && args[0].equals("--smoke");
        List<Row> rows = run(smoke ? Config.smoke() : Config.full());
        System.out.println(table(rows));
        System.out.println("(PNG plot: pending org.genblocks.viz on main; the table above is the figure's data)");
    }

    /** Computes the figure's data. */
    public static List<Row> run(Config config) {
        GaussianMixture mixture = GaussianMixture.ring(8, 2.0, 0.25);
        INDArray start = Rng.normalRows(Rng.sampleSeeds(2022, config.samples()), DataType.DOUBLE, 2).muli(80);
        INDArray reference = Samplers.heun().sample(mixture, start,
                Sigmas.karras(config.referenceSteps(), 0.002, 80, 7, Sigmas.Tail.ZERO)).samples();
        List<Row> rows = new ArrayList<>();
        for (Sampler sampler : Samplers.deterministic()) {
            for (int n : config.steps()) {
                SampleResult r = sampler.sample(mixture, start, Sigmas.karras(n, 0.002, 80, 7, Sigmas.Tail.ZERO));
                double rms = r.samples().sub(reference).norm2Number().doubleValue() / Math.sqrt(config.samples());
                rows.add(new Row(sampler.name(), n, r.evaluations(), rms));
            }
        }
        return rows;
    }

    /** The rows as a fixed-width table. */
    public static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder(String.format("%-16s %6s %6s %12s%n", "sampler", "steps", "NFE", "RMS error"));
        String last = "";
        for (Row r : rows) {
            if (!r.sampler().equals(last) && !last.isEmpty()) {
                sb.append('\n');
            }
            last = r.sampler();
            sb.append(String.format("%-16s %6d %6d %12.3e%n", r.sampler(), r.steps(), r.nfe(), r.error()));
        }
        return sb.toString();
    }
}
