package org.genblocks.train;

import org.genblocks.nn.Activation;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * EDM2's post-hoc EMA against src/test/resources/golden/posthoc_ema_golden.py (float64 numpy: σ_rel ⇄ γ by
 * np.roots, the EMA weights by running the recursion on one-hot parameters, the least-squares coefficients
 * by np.linalg.solve) and against its defining property on a real training run.
 */
class PostHocEmaTest {

    @Test
    void gammaOfSigmaRelMatchesNumpyRoots() {
        double[][] golden = {{0.01, 96.994897823709863}, {0.05, 16.972198602303447}, {0.075, 10.289116448983853},
                {0.10, 6.9372039376018089}, {0.15, 3.5578687748994646}, {0.2, 1.8262137798958404}};
        for (double[] g : golden) {
            assertEquals(g[1], PostHocEma.gamma(g[0]), 1e-9 * g[1], "gamma(" + g[0] + ")");
            assertEquals(g[0], PostHocEma.sigmaRel(PostHocEma.gamma(g[0])), 1e-13);
        }
        assertEquals(0.28867513459481287, PostHocEma.sigmaRel(0.0), 1e-15);
        assertEquals(0.099972266956709965, PostHocEma.sigmaRel(6.94), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> PostHocEma.gamma(0.31));
        assertThrows(IllegalArgumentException.class, () -> PostHocEma.gamma(0.0));
        assertThrows(IllegalArgumentException.class, () -> PostHocEma.sigmaRel(-1.0));
    }

    /** The tracked average of one-hot parameters is its weight profile: compare with the brute-force numpy run. */
    @Test
    void trackedAverageHasTheGoldenWeightProfile() {
        int t = 40;
        Params p = Params.of(Map.of("w", Nd4j.zeros(DataType.DOUBLE, t)));
        PostHocEma ema = PostHocEma.builder(p).sigmaRels(0.05, 0.10).snapshotEvery(8).build();
        for (int step = 0; step < t; step++) {
            p.get("w").assign(0).putScalar(step, 1.0);
            ema.onStep(step, 0, 0);
        }
        INDArray w = ema.average(0.05).get("w");
        double[] golden = {1.6123512663883983e-29, 4.1459956436860194e-24, 2.3419815561052097e-06,
                2.3665622952924761e-01, 3.6556261028499371e-01};
        int[] taus = {1, 2, 20, 39, 40};
        for (int i = 0; i < taus.length; i++) {
            assertEquals(golden[i], w.getDouble(taus[i] - 1), 1e-12 * golden[i], "tau " + taus[i]);
        }
        INDArray w10 = ema.snapshots().get(1).params().get("w");   // σ_rel 0.10 after step 8
        double[] golden10 = {6.7918893069871400e-08, 1.6578739450678026e-05, 3.9926328265665667e-04,
                3.6641217186497883e-03, 1.9900459279435317e-02, 7.7957429080893773e-02, 2.4456435476669772e-01,
                6.5349772521332294e-01};
        for (int i = 0; i < 8; i++) {
            assertEquals(golden10[i], w10.getDouble(i), 1e-12 * golden10[i], "tau " + (i + 1));
        }
        assertEquals(8, ema.snapshots().get(1).step());
        assertEquals(10, ema.snapshots().size());
        // the closed-form inner product equals the dot product of the tracked profiles
        assertEquals(w.mul(w).sumNumber().doubleValue(), PostHocEma.innerProduct(40, PostHocEma.gamma(0.05), 40,
                PostHocEma.gamma(0.05)), 1e-14);
        assertEquals(w.mul(w10).sumNumber().doubleValue(), PostHocEma.innerProduct(40, PostHocEma.gamma(0.05), 8,
                PostHocEma.gamma(0.10)), 1e-14);
    }

    @Test
    void coefficientsMatchNumpyLeastSquares() {
        long[] steps = new long[10];
        double[] gammas = new double[10];
        for (int i = 0; i < 10; i++) {
            steps[i] = 8L * (i / 2 + 1);
            gammas[i] = PostHocEma.gamma(i % 2 == 0 ? 0.05 : 0.10);
        }
        double[][] a = PostHocEma.innerProducts(steps, gammas);
        assertEquals(0.83403270665710261, a[0][0], 1e-14);
        assertEquals(0.0020129161574750998, a[1][3], 1e-14);
        assertEquals(0.10557935699801578, a[9][9], 1e-14);
        double[] x40 = {5.7078312974153126e-09, -7.7686229500624578e-08, 1.1376743992477864e-05,
                -6.3090885610029871e-05, 9.6937406833355480e-04, -3.5993744196766504e-03, 2.1765187985284238e-02,
                -6.6539985420168798e-02, 3.2796103496526963e-01, 7.1949554894097378e-01};
        assertArrayEquals(x40, PostHocEma.coefficients(steps, gammas, 40, PostHocEma.gamma(0.075)), 1e-9);
        double[] x28 = {3.6654899898576829e-07, -4.9889017692799865e-06, 7.3059869937777851e-04,
                -4.0516090543793720e-03, 8.1050613358086193e-02, -1.2826626413297287e-01, -1.5284081082488132e+00,
                2.5789493917314714e+00, 0, 0};
        assertArrayEquals(x28, PostHocEma.coefficients(steps, gammas, 28, PostHocEma.gamma(0.075)), 1e-8);
        // a snapshot's own profile is reproduced by that snapshot alone
        double[] own = PostHocEma.coefficients(steps, gammas, 24, PostHocEma.gamma(0.10));
        for (int i = 0; i < own.length; i++) {
            assertEquals(i == 5 ? 1.0 : 0.0, own[i], 1e-9, "coefficient " + i);
        }
        long[] twice = {8, 8};
        double[] g2 = {gammas[0], gammas[0]};
        assertThrows(IllegalArgumentException.class, () -> PostHocEma.coefficients(twice, g2, 8, gammas[0]));
    }

    /**
     * The criterion: train a small MLP for 300 Adam steps with profiles σ_rel 0.05 and 0.10 snapshotted
     * every 10 steps, and σ_rel 0.075 tracked directly; the reconstruction of 0.075 after step 300 from the 60
     * snapshots matches the directly tracked average to 1e-4 relative (measured 7.6e-7; raw weights 3.2e-2 away,
     * the stored σ_rel 0.10 profile 1.2e-2), while the
     * raw weights and either stored profile differ from it by far more.
     */
    @Test
    void reconstructionMatchesADirectlyTrackedProfile(@TempDir Path dir) {
        Mlp net = Mlp.builder().in(1).hidden(32, 32).out(1).activation(Activation.TANH).build();
        Params p = net.init(3);
        INDArray x = Rng.seed(5).uniform(-1, 1, DataType.FLOAT, 1024, 1);
        Map<String, INDArray> data = Map.of("x", x, "y", Transforms.sin(x.mul(3.0), true));
        TrainConfig cfg = TrainConfig.adam(3e-3).steps(300).batch(64).seed(2);
        PostHocEma stored = PostHocEma.builder(p).sigmaRels(0.05, 0.10).snapshotEvery(10).build();
        PostHocEma onDisk = PostHocEma.builder(p).sigmaRels(0.05, 0.10).snapshotEvery(100).snapshotDirectory(dir).build();
        PostHocEma direct = PostHocEma.builder(p).sigmaRels(0.075).snapshotEvery(1000).build();
        new Trainer().addListener(stored).addListener(onDisk).addListener(direct)
                .fit(net, p, Objective.mse(net, 1, 1), BatchSource.shuffled(data, cfg.batch()), cfg);
        assertEquals(60, stored.snapshots().size());
        Params rebuilt = PostHocEma.reconstruct(stored.snapshots(), 0.075, 300);
        Params want = direct.average(0.075);
        double err = distance(rebuilt, want) / norm(want);
        double raw = distance(p, want) / norm(want);
        double near = distance(stored.average(0.10), want) / norm(want);
        String msg = String.format("relative error %.3g; raw weights %.3g; sigma_rel 0.10 profile %.3g", err, raw, near);
        assertTrue(err < 1e-4, msg);
        assertTrue(near > 30 * err && raw > 30 * err, msg);

        // snapshots round-trip through their files
        List<PostHocEma.Snapshot> files = PostHocEma.read(dir);
        assertEquals(6, files.size());
        assertEquals(300, files.get(5).step());
        assertEquals(0.10, files.get(5).sigmaRel());
        assertTrue(files.get(5).params().valuesEqual(onDisk.average(0.10)));
        Params fromFiles = PostHocEma.reconstruct(files, 0.10, 300);
        assertTrue(distance(fromFiles, stored.average(0.10)) <= 1e-6 * norm(fromFiles));
    }

    @Test
    void snapshotsWhoseSigmaRelAgreeToSixDecimalsKeepTheirOwnFiles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        Params a = Params.of(Map.of("w", Nd4j.ones(DataType.FLOAT, 3)));
        Params b = Params.of(Map.of("w", Nd4j.zeros(DataType.FLOAT, 3)));
        PostHocEma.write(dir, new PostHocEma.Snapshot(7, 1e-7, a));
        PostHocEma.write(dir, new PostHocEma.Snapshot(7, 2e-7, b));
        List<PostHocEma.Snapshot> back = PostHocEma.read(dir);
        assertEquals(2, back.size(), "a file name that rounds sigma_rel to 6 decimals would let the second overwrite the first");
        assertEquals(1e-7, back.get(0).sigmaRel());
        assertTrue(back.get(0).params().valuesEqual(a));
        assertEquals(2e-7, back.get(1).sigmaRel());
        assertTrue(back.get(1).params().valuesEqual(b));
        // the same snapshot under an older name as well: refused, not read twice
        org.genblocks.io.SafeTensors.write(dir.resolve("phema-0000000007-0.000000.safetensors"), a.asMap(),
                Map.of("genblocks.phema.step", "7", "genblocks.phema.sigma_rel", Double.toString(1e-7)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PostHocEma.read(dir));
        assertTrue(e.getMessage().contains("two files hold the snapshot of step 7"), e.getMessage());
    }

    @Test
    void badInputIsRejected() {
        Params p = Params.of(Map.of("w", Nd4j.zeros(DataType.FLOAT, 3)));
        PostHocEma ema = PostHocEma.builder(p).build();
        assertThrows(IllegalStateException.class, () -> ema.onStep(1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> PostHocEma.builder(p).sigmaRels());
        assertThrows(IllegalArgumentException.class, () -> PostHocEma.builder(p).snapshotEvery(0));
        assertThrows(IllegalArgumentException.class, () -> ema.average(0.2));
        assertThrows(IllegalArgumentException.class, () -> PostHocEma.reconstruct(new ArrayList<>(), 0.1, 10));
    }

    private static double distance(Params a, Params b) {
        double s = 0;
        for (String n : a.names()) {
            INDArray d = a.get(n).castTo(DataType.DOUBLE).sub(b.get(n).castTo(DataType.DOUBLE));
            s += d.mul(d).sumNumber().doubleValue();
        }
        return Math.sqrt(s);
    }

    private static double norm(Params a) {
        double s = 0;
        for (String n : a.names()) {
            INDArray d = a.get(n).castTo(DataType.DOUBLE);
            s += d.mul(d).sumNumber().doubleValue();
        }
        return Math.sqrt(s);
    }
}
