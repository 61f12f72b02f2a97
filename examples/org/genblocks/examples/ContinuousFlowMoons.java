package org.genblocks.examples;

import org.genblocks.ContinuousFlow;
import org.genblocks.GenBlocks;
import org.genblocks.data.Toy2d;
import org.genblocks.flow.CnfObjective;
import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.Probe;
import org.genblocks.train.LrSchedule;
import org.genblocks.train.TrainConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.List;

/**
 * Trains a continuous normalizing flow (FFJORD) on 2-D moons by maximum likelihood through an
 * unrolled RK4 solver, then reports its held-out NLL against the entropy of moons: the exact NLL on
 * the evaluation grid, the NLL of the training graph itself, and a Hutchinson estimate with its
 * standard error. The defaults are the run of record in docs/flows.md.
 *
 * <pre>mvn -q test-compile exec:exec -Dexec.mainClass=org.genblocks.examples.ContinuousFlowMoons</pre>
 * {@code --smoke} runs a tiny configuration; {@code --trace rademacher} trains with one Rademacher
 * probe instead of the exact trace.
 */
public final class ContinuousFlowMoons {

    /** Settings. */
    public record Config(int trainSize, long[] hidden, int odeSteps, int fitSteps, int batch, double lr,
                         CnfObjective.Trace trace, int evalSize, int evalSteps, int probes, long seed) {
        /** The run of record (about 2 minutes on two cores). */
        public static Config full() {
            return new Config(20_000, new long[]{64, 64, 64}, 4, 600, 256, 5e-3, CnfObjective.Trace.exact(), 2000, 64, 8, 1);
        }

        /** Seconds-scale settings for smoke tests. */
        public static Config smoke() {
            return new Config(512, new long[]{8}, 1, 5, 64, 5e-3, CnfObjective.Trace.exact(), 64, 4, 2, 1);
        }

        /** These settings with another training trace. */
        public Config withTrace(CnfObjective.Trace t) {
            return new Config(trainSize, hidden, odeSteps, fitSteps, batch, lr, t, evalSize, evalSteps, probes, seed);
        }
    }

    /** Figures of one run (nats per example). */
    public record Result(double entropy, double exactNll, double trainingGraphNll, ContinuousFlow.HutchinsonEstimate estimate,
                         double firstLoss, double lastLoss, double trainSeconds, ContinuousFlow model, INDArray heldOut) {
        /** The exact held-out NLL above the entropy. */
        public double gap() {
            return exactNll - entropy;
        }
    }

    private ContinuousFlowMoons() {
    }

    /** Trains and measures. */
    public static Result run(Config c) {
        Toy2d moons = Toy2d.moons();
        INDArray train = moons.sample(c.trainSize(), c.seed());
        INDArray heldOut = moons.sample(c.evalSize(), c.seed() + 1000);
        ContinuousFlow cnf = GenBlocks.continuousFlow().dim(2).hidden(c.hidden())
                .trainingSolver(OdeSolver.rk4(), c.odeSteps()).trace(c.trace())
                .evaluationSolver(OdeSolver.rk4(), c.evalSteps()).initSeed(c.seed()).build();
        long t0 = System.nanoTime();
        double[] losses = cnf.fit(train, TrainConfig.adam(c.lr()).steps(c.fitSteps()).batch(c.batch()).seed(c.seed() + 3)
                .schedule(LrSchedule.warmupCosine(Math.min(20, c.fitSteps() / 2), c.fitSteps(), 0.05))).losses();
        double seconds = (System.nanoTime() - t0) / 1e9;
        double exact = cnf.nll(heldOut);
        double graph = -cnf.trainingLogProb(heldOut, c.seed()).meanNumber().doubleValue();
        ContinuousFlow.HutchinsonEstimate est = cnf.logProbEstimate(heldOut, Probe.RADEMACHER, c.probes(), c.seed() + 5);
        return new Result(moons.entropy().getAsDouble(), exact, graph, est, losses[0], losses[losses.length - 1], seconds,
                cnf, heldOut);
    }

    /** Runs, prints the figures, writes target/cnf-moons.png (or the path after --out). */
    public static void main(String[] args) {
        List<String> a = List.of(args);
        Config c = a.contains("--smoke") ? Config.smoke() : Config.full();
        if (a.contains("--trace")) {
            String kind = a.get(a.indexOf("--trace") + 1);
            c = c.withTrace(kind.equals("exact") ? CnfObjective.Trace.exact()
                    : CnfObjective.Trace.hutchinson(Probe.valueOf(kind.toUpperCase(java.util.Locale.ROOT)), 1));
        }
        Result r = run(c);
        System.out.printf("CNF on moons, trace %s, RK4 x %d unrolled, %d steps: %.1f s of training%n", c.trace(),
                c.odeSteps(), c.fitSteps(), r.trainSeconds());
        System.out.printf("training loss %.4f -> %.4f%n", r.firstLoss(), r.lastLoss());
        System.out.printf("held-out NLL (exact, RK4 x %d): %.4f nats, entropy %.4f, gap %.4f%n", c.evalSteps(),
                r.exactNll(), r.entropy(), r.gap());
        System.out.printf("held-out NLL of the training graph (RK4 x %d): %.4f%n", c.odeSteps(), r.trainingGraphNll());
        System.out.printf("Hutchinson estimate (%d Rademacher probes): %.4f +- %.4f (exact %.4f)%n", c.probes(),
                r.estimate().nll(), r.estimate().standardError(), r.exactNll());
        Path out = Path.of(a.contains("--out") ? a.get(a.indexOf("--out") + 1) : "target/cnf-moons.png");
        System.out.println("wrote " + writePng(r, c, out).toAbsolutePath());
    }

    /** Held-out data against samples of the trained flow, with the NLL in the title. */
    public static Path writePng(Result r, Config c, Path out) {
        GenBlocks.scatter(r.heldOut(), r.model().sample(c.evalSize(), c.seed() + 9))
                .title(String.format("CNF on moons: held-out NLL %.3f (entropy %.3f)", r.exactNll(), r.entropy()))
                .render().writePng(out);
        return out;
    }
}
