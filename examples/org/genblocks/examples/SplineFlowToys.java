package org.genblocks.examples;

import org.genblocks.NormalizingFlow;

import org.genblocks.data.Toy2d;
import org.genblocks.flow.FlowDensity;
import org.genblocks.flow.ScaleActivation;
import org.genblocks.flow.VectorFlow;
import org.genblocks.nn.Params;
import org.genblocks.train.LrSchedule;
import org.genblocks.train.TrainConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * Neural spline flow against affine couplings at equal parameter count on 2-D toys with exact
 * entropies (checkerboard, two moons): held-out NLL and its gap to the entropy, the lowest NLL any
 * model can reach. Both models share the skeleton of {@link VectorFlow} (couplings on alternating
 * halves, LU-linear mixing); the affine model's width is chosen to match the spline model's size.
 *
 * <pre>mvn -q test-compile exec:java -Dexec.mainClass=org.genblocks.examples.SplineFlowToys</pre>
 * {@code --smoke} runs a tiny configuration; {@code --toy moons} runs one toy, {@code --steps 1000} shortens the training;
 * {@code --affine-layers 8 --only-affine} trains only a deeper, narrower affine flow of the same size.
 */
public final class SplineFlowToys {

    /** Settings of a run. */
    public record Config(List<String> toys, int trainSize, int heldOutSize, int layers, int width, int bins, double bound,
                         int steps, int batch, double lr, long seed, int affineLayers) {
        /** The run of record in docs/flows.md (a few minutes per model on two cores). */
        public static Config full() {
            return new Config(List.of("checkerboard", "moons"), 100_000, 20_000, 4, 64, 16, 5.0, 4000, 512, 2e-3, 1, 4);
        }

        /** Seconds-scale settings for smoke tests. */
        public static Config smoke() {
            return new Config(List.of("checkerboard"), 1024, 512, 2, 8, 4, 5.0, 10, 128, 2e-3, 1, 2);
        }

        Config withToys(List<String> t) {
            return new Config(t, trainSize, heldOutSize, layers, width, bins, bound, steps, batch, lr, seed, affineLayers);
        }

        Config withSteps(int s) {
            return new Config(toys, trainSize, heldOutSize, layers, width, bins, bound, s, batch, lr, seed, affineLayers);
        }

        Config withAffineLayers(int n) {
            return new Config(toys, trainSize, heldOutSize, layers, width, bins, bound, steps, batch, lr, seed, n);
        }
    }

    /** One model on one toy. */
    public record Row(String toy, String model, long parameters, double entropy, double heldOutNll, double seconds) {
        /** Held-out NLL minus entropy, in nats. */
        public double gap() {
            return heldOutNll - entropy;
        }
    }

    private SplineFlowToys() {
    }

    /** The spline flow of the comparison. */
    public static FlowDensity splineFlow(Config c) {
        return VectorFlow.builder().dims(2).layers(c.layers()).hidden(c.width(), c.width()).spline(c.bins(), c.bound())
                .seed(c.seed()).build();
    }

    /**
     * The affine-coupling flow on the same skeleton ({@code affineLayers} couplings) whose width makes its
     * size closest to {@code target} parameters.
     */
    public static FlowDensity affineFlow(Config c, long target) {
        FlowDensity best = null;
        for (int w = 2; w < 4096; w++) {
            FlowDensity m = VectorFlow.builder().dims(2).layers(c.affineLayers()).hidden(w, w).affine(ScaleActivation.softClamp(3))
                    .seed(c.seed()).build();
            if (best == null || Math.abs(m.parameterCount() - target) < Math.abs(best.parameterCount() - target)) {
                best = m;
            }
            if (m.parameterCount() > target) {
                break;
            }
        }
        return best;
    }

    /** Trains one model on one toy (seeded) and measures its held-out NLL. */
    public static Row train(Config c, String toyName, String label, FlowDensity m) {
        Toy2d toy = Toy2d.of(toyName);
        INDArray train = toy.sample(c.trainSize(), c.seed());
        INDArray heldOut = toy.sample(c.heldOutSize(), c.seed() + 1000);
        NormalizingFlow model = NormalizingFlow.builder(m).initSeed(c.seed()).build();
        long t0 = System.nanoTime();
        model.fit(train, TrainConfig.adam(c.lr()).steps(c.steps()).batch(c.batch()).seed(c.seed() + 3)
                .schedule(LrSchedule.warmupCosine(Math.min(100, c.steps() / 10 + 1), c.steps(), 0.02)));
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Row(toyName, label, m.parameterCount(), toy.entropy().orElseThrow(), model.nll(heldOut), seconds);
    }

    /** Both models on every toy of the configuration. */
    public static List<Row> run(Config c) {
        List<Row> rows = new ArrayList<>();
        for (String toy : c.toys()) {
            FlowDensity spline = splineFlow(c);
            rows.add(train(c, toy, "RQ spline coupling", spline));
            rows.add(train(c, toy, "affine coupling", affineFlow(c, spline.parameterCount())));
        }
        return rows;
    }

    /** Runs and prints a table. */
    public static void main(String[] args) {
        List<String> a = List.of(args);
        Config c = a.contains("--smoke") ? Config.smoke() : Config.full();
        if (a.contains("--toy")) {
            c = c.withToys(List.of(a.get(a.indexOf("--toy") + 1)));
        }
        if (a.contains("--affine-layers")) {
            c = c.withAffineLayers(Integer.parseInt(a.get(a.indexOf("--affine-layers") + 1)));
        }
        if (a.contains("--steps")) {
            c = c.withSteps(Integer.parseInt(a.get(a.indexOf("--steps") + 1)));
        }
        if (a.contains("--only-affine")) {
            FlowDensity spline = splineFlow(c);
            for (String toy : c.toys()) {
                Row r = train(c, toy, "affine coupling", affineFlow(c, spline.parameterCount()));
                System.out.printf("%s %s %d layers %d parameters held-out %.4f gap %.4f (%.1f s)%n", r.toy(), r.model(),
                        c.affineLayers(), r.parameters(), r.heldOutNll(), r.gap(), r.seconds());
            }
            return;
        }
        System.out.printf("%-14s %-20s %10s %9s %10s %7s %8s%n", "toy", "model", "parameters", "entropy", "held-out", "gap", "train s");
        for (Row r : run(c)) {
            System.out.printf("%-14s %-20s %10d %9.4f %10.4f %7.4f %8.1f%n", r.toy(), r.model(), r.parameters(), r.entropy(),
                    r.heldOutNll(), r.gap(), r.seconds());
        }
    }
}
