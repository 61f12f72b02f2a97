package org.genblocks.examples;

import org.genblocks.data.GaussianMixture;
import org.genblocks.diffusion.Formulation;
import org.genblocks.diffusion.SampleResult;
import org.genblocks.diffusion.Sampler;
import org.genblocks.diffusion.Samplers;
import org.genblocks.diffusion.Sigmas;
import org.genblocks.tensor.Rng;
import org.genblocks.viz.Axis;
import org.genblocks.viz.LinePlot;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * EDM Fig. 2 in miniature (Karras et al. 2022): the error of every deterministic sampler against the
 * number of denoiser evaluations (NFE), on a 2-D Gaussian mixture whose exact denoiser stands in for
 * a perfectly trained network. Errors are RMS distances of the final samples to a fine reference
 * solution of the same probability-flow ODE (Heun, 1024 Karras steps) from the same initial noise,
 * in float64. Heun and DPM++ 2M fall at 2nd order, Euler at 1st; the multistep methods get 2nd-order
 * accuracy at one evaluation per step.
 *
 * <p>A second block redraws the paper's curves per formulation: VP and VE with their original
 * sampler (Euler in their own time t, on their own ladder), then Heun in that time, then EDM's Heun
 * in σ on the Karras ladder, each against a 1024-step Heun reference of its own ODE start.
 *
 * <p>Run: {@code mvn -q test-compile exec:java -Dexec.mainClass=org.genblocks.examples.EdmSamplers
 * -Dexec.args="out/edm"} ({@code --smoke} as the first argument for a tiny run). Prints the table and
 * writes {@code samplers.png} and {@code formulations.png} (error against NFE, log–log) into the
 * output folder (default {@code out/edm-samplers}).
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
        List<String> rest = new ArrayList<>(List.of(args));
        rest.remove("--smoke");
        Path out = Path.of(rest.isEmpty() ? "out/edm-samplers" : rest.get(0));
        List<Row> rows = run(smoke ? Config.smoke() : Config.full());
        System.out.println(table(rows));
        for (Path p : writePngs(rows, out)) {
            System.out.println("wrote " + p);
        }
    }

    /**
     * Writes the figure as two PNGs: every deterministic sampler on the Karras ladder
     * ({@code samplers.png}) and the VP/VE original samplers ({@code formulations.png}).
     */
    public static List<Path> writePngs(List<Row> rows, Path out) {
        Map<String, List<Row>> bySampler = new LinkedHashMap<>();
        for (Row r : rows) {
            bySampler.computeIfAbsent(r.sampler(), k -> new ArrayList<>()).add(r);
        }
        LinePlot samplers = LinePlot.create().title("EDM Fig. 2 in miniature: samplers on Karras steps (2-D mixture)");
        LinePlot formulations = LinePlot.create().title("VP / VE in their own time and ladder");
        for (Map.Entry<String, List<Row>> e : bySampler.entrySet()) {
            double[] nfe = e.getValue().stream().mapToDouble(Row::nfe).toArray();
            double[] err = e.getValue().stream().mapToDouble(Row::error).toArray();
            if (e.getKey().contains("-ladder")) {
                formulations = formulations.series(e.getKey(), nfe, err);
            } else {
                samplers = samplers.series(e.getKey(), nfe, err);
            }
        }
        Path a = out.resolve("samplers.png");
        Path b = out.resolve("formulations.png");
        style(samplers).writePng(a);
        // Heun in VE's own time t = σ² diverges on coarse ladders (RMS 6e4 at 4 steps): one step spans a factor of
        // about 290 in t, far beyond the trapezoidal rule's stability on dx/dt = (x − D)/(2t). That is the method,
        // not a bug (the same sampler converges from 8 steps on), but it would squash every other curve, so the
        // y axis stops at CLIP and the title says which points lie above it.
        Map<String, List<String>> offScale = new LinkedHashMap<>();
        rows.stream().filter(r -> r.sampler().contains("-ladder") && r.error() > CLIP).forEach(r -> offScale
                .computeIfAbsent(r.sampler().replaceAll(" v[pe]-ladder", ""), k -> new ArrayList<>())
                .add(String.format(Locale.ROOT, "%d steps %.0e", r.steps(), r.error())));
        List<String> above = offScale.entrySet().stream().map(e -> e.getKey() + " " + String.join(", ", e.getValue()))
                .toList();
        LinePlot f = style(formulations);
        if (!above.isEmpty()) {
            double lo = rows.stream().filter(r -> r.sampler().contains("-ladder")).mapToDouble(Row::error).min()
                    .orElse(1e-4);
            f = f.yAxis(Axis.log().label("RMS error vs reference").range(Math.pow(10, Math.floor(Math.log10(lo))), CLIP))
                    .title("VP / VE, own time; off scale: " + String.join("; ", above));
        }
        f.writePng(b);
        return List.of(a, b);
    }

    /** Top of the formulations figure's y axis when a curve diverges above it. */
    static final double CLIP = 100;

    private static LinePlot style(LinePlot p) {
        return p.markers(true).xAxis(Axis.log().label("NFE")).yAxis(Axis.log().label("RMS error vs reference"));
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
        for (Formulation f : List.of(Formulation.vp(), Formulation.ve())) {
            double[] fine = f.sigmas(config.referenceSteps());
            INDArray x = start.div(80).muli(fine[0]);
            INDArray ref = Samplers.heun(f.path()).sample(mixture, x, fine).samples();
            for (Sampler sampler : List.of(Samplers.euler(f.path()), Samplers.heun(f.path()))) {
                for (int n : config.steps()) {
                    SampleResult r = sampler.sample(mixture, x, f.sigmas(n));
                    double rms = r.samples().sub(ref).norm2Number().doubleValue() / Math.sqrt(config.samples());
                    rows.add(new Row(sampler.name() + " " + f.name() + "-ladder", n, r.evaluations(), rms));
                }
            }
        }
        return rows;
    }

    /** The rows as a fixed-width table. */
    public static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder(String.format("%-22s %6s %6s %12s%n", "sampler", "steps", "NFE", "RMS error"));
        String last = "";
        for (Row r : rows) {
            if (!r.sampler().equals(last) && !last.isEmpty()) {
                sb.append('\n');
            }
            last = r.sampler();
            sb.append(String.format("%-22s %6d %6d %12.3e%n", r.sampler(), r.steps(), r.nfe(), r.error()));
        }
        return sb.toString();
    }
}
