package org.genblocks.examples;

import org.genblocks.data.Toy2d;
import org.genblocks.diffusion.EdmLoss;
import org.genblocks.diffusion.Samplers;
import org.genblocks.diffusion.Sigmas;
import org.genblocks.metrics.EnergyDistance;
import org.genblocks.nn.Activation;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Rng;
import org.genblocks.train.PostHocEma;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.Trainer;
import org.genblocks.viz.Axis;
import org.genblocks.viz.LinePlot;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * EDM2's post-hoc EMA on 2-D moons (Karras et al. 2024, Fig. 5 in miniature): one EDM training run keeps
 * the two power-function EMA profiles σ_rel = 0.05 and 0.10 as snapshots ({@link PostHocEma}); afterwards
 * the EMA of every σ_rel on a grid is rebuilt from those snapshots, sampled with Heun on a Karras ladder
 * (the same initial noise for every σ_rel) and scored by the energy distance to held-out data. The curve
 * shows what the paper reports: the EMA length matters, and it can be chosen after training.
 *
 * <p>Run: {@code mvn -q test-compile exec:exec -Dexec.mainClass=org.genblocks.examples.PostHocEmaMoons
 * -Ddemo="out/phema"} ({@code --smoke} first for a tiny run). Prints the table and writes
 * {@code posthoc-ema.png} into the output folder (default {@code out/posthoc-ema}).
 */
public final class PostHocEmaMoons {
    private PostHocEmaMoons() {
    }

    /** One point of the curve: σ_rel (0 for the final raw weights) and the energy distance. */
    public record Row(double sigmaRel, double energyDistance) {
    }

    /** Settings. */
    public record Config(int trainSize, int steps, int batch, double lr, int snapshots, int samples, int sampleSteps,
                         double[] sigmaRels, long seed) {
        /** The documented run: 4,000 steps, 40 snapshots per profile, ten EMA lengths. */
        public static Config full() {
            return new Config(8192, 4000, 256, 1e-2, 40, 2000, 24,
                    new double[]{0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.10, 0.15, 0.20, 0.25}, 1);
        }

        /** A tiny run for the smoke test. */
        public static Config smoke() {
            return new Config(512, 60, 64, 1e-2, 6, 200, 8, new double[]{0.05, 0.15}, 1);
        }
    }

    public static void main(String[] args) {
        boolean smoke = args.length > 0 && args[0].equals("--smoke");
        List<String> rest = new ArrayList<>(List.of(args));
        rest.remove("--smoke");
        Path out = Path.of(rest.isEmpty() ? "out/posthoc-ema" : rest.get(0));
        List<Row> rows = run(smoke ? Config.smoke() : Config.full());
        System.out.println(table(rows));
        System.out.println("wrote " + writePng(rows, out.resolve("posthoc-ema.png")));
    }

    /** Trains once, then rebuilds and scores every σ_rel of the config; the first row is the raw weights. */
    public static List<Row> run(Config c) {
        INDArray data = Toy2d.moons().sample(c.trainSize(), c.seed());
        INDArray heldOut = Toy2d.moons().sample(c.samples(), c.seed() + 1000);
        double sigmaData = Math.sqrt(data.mul(data).meanNumber().doubleValue());
        Mlp net = Mlp.builder().in(2).hidden(64, 64).out(2).activation(Activation.SILU).timeEmbedding(16).build();
        EdmLoss loss = EdmLoss.edm(net, sigmaData, 2);
        Params p = net.init(c.seed());
        PostHocEma ema = PostHocEma.builder(p).sigmaRels(0.05, 0.10).snapshotEvery(c.steps() / c.snapshots()).build();
        new Trainer().addListener(ema).fit(net, p, loss, loss.batches(data, c.batch()),
                TrainConfig.adam(c.lr()).steps(c.steps()).batch(c.batch()).seed(c.seed() + 1));
        long last = ema.steps() - ema.steps() % (c.steps() / c.snapshots());
        INDArray start = Rng.normalRows(Rng.sampleSeeds(c.seed() + 2, c.samples()), DataType.FLOAT, 2).muli(80);
        double[] sigmas = Sigmas.karras(c.sampleSteps(), 0.002, 80, 7, Sigmas.Tail.ZERO);
        List<Row> rows = new ArrayList<>();
        rows.add(new Row(0, score(loss, p, start, sigmas, heldOut)));
        for (double s : c.sigmaRels()) {
            Params rebuilt = PostHocEma.reconstruct(ema.snapshots(), s, last);
            rows.add(new Row(s, score(loss, rebuilt, start, sigmas, heldOut)));
        }
        return rows;
    }

    private static double score(EdmLoss loss, Params p, INDArray start, double[] sigmas, INDArray heldOut) {
        INDArray x = Samplers.heun().sample(loss.denoiser(p), start, sigmas).samples();
        return EnergyDistance.of(x, heldOut);
    }

    /** The rows as a text table. */
    public static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder("sigma_rel  energy distance\n");
        for (Row r : rows) {
            sb.append(r.sigmaRel() == 0 ? "raw      " : String.format(Locale.ROOT, "%-9.3f", r.sigmaRel()))
                    .append(String.format(Locale.ROOT, "  %.5f%n", r.energyDistance()));
        }
        return sb.toString();
    }

    /** Energy distance against σ_rel, with the raw weights as a horizontal reference. */
    public static Path writePng(List<Row> rows, Path file) {
        List<Row> curve = rows.subList(1, rows.size());
        double[] x = curve.stream().mapToDouble(Row::sigmaRel).toArray();
        double[] y = curve.stream().mapToDouble(Row::energyDistance).toArray();
        double raw = rows.get(0).energyDistance();
        LinePlot plot = LinePlot.create().title("Post-hoc EMA on moons: sample quality against EMA length")
                .series("EMA rebuilt from the 0.05 / 0.10 snapshots", x, y)
                .series("final weights, no EMA", new double[]{x[0], x[x.length - 1]}, new double[]{raw, raw})
                .markers(true).xAxis(Axis.log().label("sigma_rel")).yAxis(Axis.linear().label("energy distance to held-out data"));
        plot.writePng(file);
        return file;
    }
}
