package org.genblocks.nn;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java kernels of a training graph's small ops ({@link SmallOps}) against ND4J's ops and float64 references, and
 * in the planned executor: a loss with a difference, means over trailing axes and a one-hot runs them
 * (profile rows tagged {@code [rewritten]}) and agrees with SameDiff's loss and gradients.
 */
class SmallOpsTest {

    @Test
    void subtractGivesNd4jsBitsInBothTypes() {
        Rng rng = Rng.seed(3);
        for (DataType t : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            // 70,000 elements run in two halves, 5 in one range; huge and tiny magnitudes, and special values
            for (long[] shape : new long[][]{{7, 10_000}, {5}}) {
                INDArray x = rng.normal(t, shape).muli(1e30);
                INDArray y = rng.normal(t, shape).muli(1e-30);
                x.putScalar(0, Double.POSITIVE_INFINITY);
                y.putScalar(0, Double.POSITIVE_INFINITY);   // ∞ − ∞ = NaN
                x.putScalar(1, Double.NaN);
                y.putScalar(2, -0.0);
                x.putScalar(2, 0.0);
                INDArray z = x.ulike();
                assertTrue(SmallOps.subtract(x, y, z), "dense arrays of one shape");
                INDArray want = x.ulike();
                Nd4j.exec(DynamicCustomOp.builder("subtract").addInputs(x, y).addOutputs(want).build());
                NnTestSupport.assertExact(want, z, t + " " + shape.length);
            }
        }
    }

    @Test
    void kernelsDeclineWhatTheyDoNotTake() {
        INDArray a = Nd4j.rand(DataType.FLOAT, 4, 6);
        assertFalse(SmallOps.subtract(a, Nd4j.rand(DataType.FLOAT, 1, 6), a.ulike()), "a broadcast");
        assertFalse(SmallOps.subtract(a, a.castTo(DataType.DOUBLE), a.ulike()), "two types");
        assertFalse(SmallOps.subtract(a.transpose(), a.transpose(), a.transpose().ulike()), "not C order");
        assertFalse(SmallOps.subtract(a.castTo(DataType.INT), a.castTo(DataType.INT), a.castTo(DataType.INT)),
                "integers");
        assertFalse(SmallOps.meanOfRows(a, 5, Nd4j.create(DataType.FLOAT, 4)), "lengths that do not match");
        assertFalse(SmallOps.meanOfRows(a, 6, Nd4j.create(DataType.DOUBLE, 4)), "two types");
        assertFalse(SmallOps.meanOfRowsBackward(Nd4j.create(DataType.FLOAT, 3), 6, a), "lengths that do not match");
        assertFalse(SmallOps.oneHot(Nd4j.createFromArray(1.0f, 2.0f), 3, 1, 0, Nd4j.create(DataType.FLOAT, 2, 3)),
                "float labels");
        assertFalse(SmallOps.oneHot(Nd4j.createFromArray(1, 2), 3, 1, 0, Nd4j.create(DataType.FLOAT, 2, 4)),
                "a depth that is not the output's");
    }

    @Test
    void trailingRowsAreFoundOnlyForTrailingAxes() {
        long[] shape = {32, 1, 28, 28};
        assertEquals(784, SmallOps.trailingRow(shape, new int[]{1, 2, 3}));
        assertEquals(784, SmallOps.trailingRow(shape, new int[]{3, -2, 1}), "any order, negative axes");
        assertEquals(28, SmallOps.trailingRow(shape, new int[]{-1}));
        assertEquals(25_088, SmallOps.trailingRow(shape, new int[0]), "every axis");
        assertEquals(25_088, SmallOps.trailingRow(shape, new int[]{Integer.MAX_VALUE}), "ND4J's every-axis mark");
        assertEquals(-1, SmallOps.trailingRow(shape, new int[]{1}), "not a trailing axis");
        assertEquals(-1, SmallOps.trailingRow(shape, new int[]{0, 3}), "not contiguous");
        assertEquals(-1, SmallOps.trailingRow(shape, new int[]{3, 3}), "an axis twice");
        assertEquals(-1, SmallOps.trailingRow(shape, new int[]{4}), "out of range");
    }

    @Test
    void meansOfRowsAgreeWithFloat64AndNd4j() {
        Rng rng = Rng.seed(5);
        // rows of 784 (the DiT's per-sample loss), one row of 100,352 (a whole-batch mean, several blocks), rows of 1,
        // and 5,000 rows of 3 (682 rows a read, the last read partial)
        for (long[] shape : new long[][]{{32, 784}, {1, 100_352}, {9, 1}, {5000, 3}}) {
            for (DataType t : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
                // an offset of 1,000 cancels in the mean: a float32 sum loses it unless it sums in float64
                INDArray x = rng.normal(t, shape).addi(1000);
                INDArray z = Nd4j.create(t, shape[0]);
                assertTrue(SmallOps.meanOfRows(x, shape[1], z));
                double[][] rows = x.castTo(DataType.DOUBLE).toDoubleMatrix();
                INDArray nd4j = x.mean(1);
                for (int r = 0; r < shape[0]; r++) {
                    double want = 0;
                    for (double v : rows[r]) {
                        want += v;
                    }
                    want /= shape[1];
                    double tol = t == DataType.FLOAT ? Math.ulp((float) want) : 1e-12 * Math.abs(want);
                    assertEquals(want, z.getDouble(r), tol, t + " row " + r + " of " + shape[1]);
                    // ND4J's float32 sum drifts (7e-4 on the row of 100,352 around 1,000): never closer than this one
                    assertTrue(Math.abs(z.getDouble(r) - want) <= Math.abs(nd4j.getDouble(r) - want) + tol,
                            t + " row " + r + ": " + z.getDouble(r) + " against ND4J's " + nd4j.getDouble(r));
                }
            }
        }
    }

    @Test
    void meanBackwardGivesTheQuotientOfItsType() {
        Rng rng = Rng.seed(6);
        for (DataType t : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            INDArray g = rng.normal(t, 3, 1).muli(7);   // kept axes: any shape of the row count
            INDArray dx = Nd4j.create(t, 3, 5000);
            assertTrue(SmallOps.meanOfRowsBackward(g, 5000, dx));
            for (int r = 0; r < 3; r++) {
                double want = t == DataType.FLOAT ? g.getFloat(r) / 5000f : g.getDouble(r) / 5000.0;
                for (int j : new int[]{0, 2047, 2048, 4999}) {
                    assertEquals(want, dx.getDouble(r, j), 0.0, t + " [" + r + ", " + j + "]");
                }
            }
            INDArray want = Nd4j.create(t, 3, 5000);
            Nd4j.exec(new org.nd4j.linalg.api.ops.impl.reduce.bp.MeanBp(Nd4j.create(t, 3, 5000), g.reshape(3),
                    want, false, 1));
            // ND4J multiplies g by a rounded 1/len: two roundings, within two units in the last place of ours
            double largest = dx.amaxNumber().doubleValue();
            double ulp = t == DataType.FLOAT ? Math.ulp((float) largest) : Math.ulp(largest);
            assertEquals(0.0, want.sub(dx).amaxNumber().doubleValue(), 2 * ulp, t + " against ND4J's reduce_mean_bp");
        }
    }

    @Test
    void oneHotMatchesNd4jIncludingLabelsOutOfRange() {
        for (DataType labels : new DataType[]{DataType.INT, DataType.LONG}) {
            for (DataType t : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
                INDArray idx = Nd4j.createFromArray(0, 3, 10, 11, -1, 7).castTo(labels);
                INDArray z = Nd4j.create(t, 6, 11);
                assertTrue(SmallOps.oneHot(idx, 11, 2.5, -0.5, z));
                INDArray want = Nd4j.create(t, 6, 11);
                Nd4j.exec(new org.nd4j.linalg.api.ops.impl.shape.OneHot(idx, want, 11, -1, 2.5, -0.5));
                NnTestSupport.assertExact(want, z, labels + " labels, " + t);
                assertEquals(-0.5, z.getDouble(3, 10), 0.0, "label 11 of depth 11: a row of off");
                assertEquals(2.5, z.getDouble(2, 10), 0.0);
            }
        }
        // a view: every second label of a longer vector
        INDArray every = Nd4j.createFromArray(1, 9, 2, 9, 0, 9).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0,
                2, 6));
        INDArray z = Nd4j.create(DataType.FLOAT, 3, 3);
        assertTrue(SmallOps.oneHot(every, 3, 1, 0, z));
        NnTestSupport.assertExact(Nd4j.createFromArray(new float[][]{{0, 1, 0}, {0, 0, 1}, {1, 0, 0}}), z, "strided");
    }

    @Test
    void aLossOfTheseOpsRunsPlannedAndAgreesWithSameDiff() {
        for (DataType t : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.placeHolder("x", t, -1, 1, 4, 4);
            SDVariable target = sd.placeHolder("target", t, -1, 1, 4, 4);
            SDVariable label = sd.placeHolder("label", DataType.INT, -1);
            SDVariable time = sd.placeHolder("time", t, -1, 8);
            Params p = Params.of(new java.util.LinkedHashMap<>(Map.of("w", Rng.seed(2).normal(t, 11, 16),
                    "v", Rng.seed(3).normal(t, 16, 16))));
            SDVariable w = sd.var("w", p.get("w"));
            SDVariable v = sd.var("v", p.get("v"));
            SDVariable shift = sd.oneHot(label, 11, -1, 1.0, 0.0, t).mmul(w);                  // [N, 16]
            SDVariable emb = sd.concat(1, sd.math().sin(time), sd.math().cos(time)).mmul(v);   // [N, 16]
            SDVariable pred = x.add(shift.add(emb).reshape(-1, 1, 4, 4));
            SDVariable d = pred.sub(target);
            SDVariable loss = d.mul(d).mean(false, 1, 2, 3).mean("loss");
            GradientPlan plan = new GradientPlan(sd, loss.name(), p, Set.of("x", "target", "label", "time"));
            Rng rng = Rng.seed(11);
            Map<String, INDArray> feed = new HashMap<>();
            feed.put("x", rng.normal(t, 6, 1, 4, 4));
            feed.put("target", rng.normal(t, 6, 1, 4, 4));
            feed.put("label", Nd4j.createFromArray(0, 10, 3, 3, 5, 1));
            feed.put("time", rng.normal(t, 6, 8).muli(100));
            GradientPlan.Result r = NnTestSupport.profiled(() -> plan.run(feed));
            assertTrue(plan.usesPlannedExecutor(), t + " runs planned");
            for (String row : new String[]{"subtract [rewritten]", "reduce_mean [rewritten]",
                    "reduce_mean_bp [rewritten]", "onehot [rewritten]"}) {
                assertTrue(NnTestSupport.profileHas(row), t + " " + row + " in " + OpProfile.table());
            }
            Map<String, INDArray> ref = sd.calculateGradients(feed, "w", "v");
            double refLoss = sd.output(feed, "loss").get("loss").getDouble(0);
            double tol = t == DataType.FLOAT ? 1e-5 : 1e-12;
            assertEquals(refLoss, r.loss(), tol * Math.abs(refLoss), t + " loss");
            double scale = GraphExecutor.largestMagnitude(ref.values());
            for (String n : new String[]{"w", "v"}) {
                assertEquals(0.0, ref.get(n).sub(r.gradients().get(n)).amaxNumber().doubleValue(), 10 * tol * scale,
                        t + " gradient of " + n);
            }
        }
    }
}
