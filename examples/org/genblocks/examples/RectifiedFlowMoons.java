package org.genblocks.examples;

import org.genblocks.data.Toy2d;
import org.genblocks.metrics.EnergyDistance;
import org.genblocks.nn.Activation;
import org.genblocks.nn.Mlp;
import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.Solution;
import org.genblocks.ode.TimeGrid;
import org.genblocks.RectifiedFlowModel;
import org.genblocks.rf.Reflow;
import org.genblocks.train.TrainConfig;
import org.genblocks.viz.Palette;
import org.genblocks.viz.TrajectoryPlot;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Trains a 1-rectified flow on 2-D moons, reflows it once into a 2-rectified flow, and compares
 * them: straightness S (Liu et al. 2022), energy distance of multi-step and one-step samples to
 * held-out data.
 *
 * <pre>mvn -q test-compile exec:java -Dexec.mainClass=org.genblocks.examples.RectifiedFlowMoons</pre>
 * {@code --smoke} runs a tiny configuration.
 */
public final class RectifiedFlowMoons {

    /** Settings. */
    public record Config(int trainSize, int hidden, int steps1, int steps2, int batch, int pairs, int evalSize,
                         int sampleSteps, long seed) {
        /** The full run (a few minutes on two cores). */
        public static Config full() {
            return new Config(20_000, 64, 3000, 2000, 256, 8192, 2000, 32, 1);
        }

        /** The settings of the seeded training test (RectifiedFlowTrainingTest). */
        public static Config test() {
            return new Config(2048, 32, 800, 500, 128, 1024, 500, 16, 1);
        }

        /** Seconds-scale settings for smoke tests. */
        public static Config smoke() {
            return new Config(512, 16, 20, 20, 64, 128, 128, 4, 1);
        }
    }

    /** Figures of one run. */
    public record Result(double straightness1, double straightness2, double energy1, double energy2,
                         double energyOneStep1, double energyOneStep2, double energyDataFloor, double energyNoise,
                         RectifiedFlowModel flow1, RectifiedFlowModel flow2, INDArray heldOut) {
    }

    private RectifiedFlowMoons() {
    }

    /** Trains both flows and measures them. */
    public static Result run(Config c) {
        INDArray train = Toy2d.moons().sample(c.trainSize(), c.seed());
        INDArray heldOut = Toy2d.moons().sample(c.evalSize(), c.seed() + 1000);
        INDArray heldOut2 = Toy2d.moons().sample(c.evalSize(), c.seed() + 2000);
        Mlp net = Mlp.builder().in(2).hidden(c.hidden(), c.hidden()).out(2)
                .activation(Activation.SILU).timeEmbedding(16).build();
        RectifiedFlowModel rf1 = RectifiedFlowModel.builder().velocity(net).dim(2).initSeed(c.seed()).build();
        rf1.fit(train, TrainConfig.adam(2e-3).steps(c.steps1()).batch(c.batch()).seed(c.seed()));

        OdeSolver solver = OdeSolver.midpoint();
        TimeGrid grid = TimeGrid.sampling(c.sampleSteps());
        Reflow.Pairs pairs = rf1.reflowPairs(c.pairs(), solver, grid, c.seed() + 7);
        RectifiedFlowModel rf2 = rf1.reflow(pairs,
                TrainConfig.adam(1e-3).steps(c.steps2()).batch(c.batch()).seed(c.seed() + 1), true);

        long evalSeed = c.seed() + 99;
        double s1 = rf1.straightness(c.evalSize(), OdeSolver.euler(), TimeGrid.sampling(c.sampleSteps()), evalSeed);
        double s2 = rf2.straightness(c.evalSize(), OdeSolver.euler(), TimeGrid.sampling(c.sampleSteps()), evalSeed);
        double e1 = EnergyDistance.of(rf1.sample(c.evalSize(), solver, grid, evalSeed), heldOut);
        double e2 = EnergyDistance.of(rf2.sample(c.evalSize(), solver, grid, evalSeed), heldOut);
        TimeGrid one = TimeGrid.sampling(1);
        double o1 = EnergyDistance.of(rf1.sample(c.evalSize(), OdeSolver.euler(), one, evalSeed), heldOut);
        double o2 = EnergyDistance.of(rf2.sample(c.evalSize(), OdeSolver.euler(), one, evalSeed), heldOut);
        double floor = EnergyDistance.of(heldOut2, heldOut);
        double noise = EnergyDistance.of(rf1.noise(c.evalSize(), evalSeed), heldOut);
        return new Result(s1, s2, e1, e2, o1, o2, floor, noise, rf1, rf2, heldOut);
    }

    /**
     * Writes the trajectories of {@code n} seeded noise samples under both flows side by side (1-RF
     * left, 2-RF right) over the held-out data, as one PNG.
     */
    public static Path writeTrajectories(Result r, int n, int steps, Path file) {
        BufferedImage left = plot(r.flow1(), r.heldOut(), n, steps, String.format("1-rectified flow, S = %.3f",
                r.straightness1()));
        BufferedImage right = plot(r.flow2(), r.heldOut(), n, steps, String.format("2-rectified flow, S = %.3f",
                r.straightness2()));
        BufferedImage both = new BufferedImage(left.getWidth() + right.getWidth(), Math.max(left.getHeight(),
                right.getHeight()), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, both.getWidth(), both.getHeight());
        g.drawImage(left, 0, 0, null);
        g.drawImage(right, left.getWidth(), 0, null);
        g.dispose();
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            ImageIO.write(both, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
        return file;
    }

    private static BufferedImage plot(RectifiedFlowModel flow, INDArray data, int n, int steps, String title) {
        Solution s = flow.solve(flow.noise(n, 5), OdeSolver.euler(), TimeGrid.sampling(steps), true);
        INDArray paths = Nd4j.stack(0, s.trajectory().toArray(new INDArray[0])); // [steps + 1, n, 2]
        return TrajectoryPlot.of(paths).points("held-out data", data, Palette.SKY).title(title)
                .render().image();
    }

    /** Runs, prints the figures, writes target/rectified-flow-moons.png (or the path after --out). */
    public static void main(String[] args) {
        boolean smoke = List.of(args).contains("--smoke");
        long t0 = System.nanoTime();
        Config c = smoke ? Config.smoke() : List.of(args).contains("--test") ? Config.test() : Config.full();
        Result r = run(c);
        System.out.printf("straightness  1-RF %.4f   2-RF %.4f%n", r.straightness1(), r.straightness2());
        System.out.printf("energy distance to held-out data (midpoint): 1-RF %.5f  2-RF %.5f%n", r.energy1(), r.energy2());
        System.out.printf("energy distance, one Euler step:           1-RF %.5f  2-RF %.5f%n",
                r.energyOneStep1(), r.energyOneStep2());
        System.out.printf("reference: data vs data %.5f, noise vs data %.5f%n", r.energyDataFloor(), r.energyNoise());
        List<String> a = List.of(args);
        Path out = Path.of(a.contains("--out") ? a.get(a.indexOf("--out") + 1) : "target/rectified-flow-moons.png");
        writeTrajectories(r, smoke ? 16 : 256, smoke ? 4 : 20, out);
        System.out.println("wrote " + out.toAbsolutePath());
        System.out.printf("time %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }
}
