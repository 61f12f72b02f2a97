package org.genblocks.diffusion;

import org.genblocks.data.GaussianMixture;
import org.genblocks.diffusion.Sigmas.Tail;
import org.genblocks.metrics.EnergyDistance;
import org.genblocks.metrics.Estimator;
import org.genblocks.nn.Activation;
import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Rng;
import org.genblocks.train.LrSchedule;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The EDM training loss: Eq. 8 (F space) equals Eq. 2 (D space), and a seeded run trains a 2-D denoiser. */
class EdmLossTest {

    static Mlp net() {
        return Mlp.builder().in(2).hidden(64, 64).out(2).activation(Activation.SILU).timeEmbedding(16).build();
    }

    @Test
    void graphLossIsTheWeightedDenoisingLoss() {
        Mlp net = net();
        Params params = net.init(3, DataType.DOUBLE);
        EdmLoss loss = EdmLoss.edm(net, 0.5, 2);
        INDArray y = GaussianMixture.ring(4, 1.0, 0.2).sample(6, 1, DataType.DOUBLE);
        double[] sigma = {0.002, 0.05, 0.3, 1.0, 7.0, 80.0};
        INDArray eps = Rng.seed(9).normal(DataType.DOUBLE, 6, 2);
        Map<String, INDArray> batch = loss.batch(y, sigma, eps);
        BlockFunction graph = BlockFunction.of(net, params, loss.inputs(),
                (root, in) -> new SDVariable[]{loss.loss(root, in)});
        double fromGraph = graph.applyAll(batch)[0].getDouble(0);
        // Eq. 2 in D space, row by row with the trained-denoiser wrapper: lambda(sigma) * mean_d (D - y)^2
        Denoiser d = loss.denoiser(params);
        LossWeighting lambda = LossWeighting.edm(0.5);
        double want = 0;
        for (int i = 0; i < 6; i++) {
            INDArray yi = y.get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all());
            INDArray xi = yi.add(eps.get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all()).mul(sigma[i]));
            INDArray diff = d.denoise(xi, sigma[i]).sub(yi);
            want += lambda.weight(sigma[i]) * diff.mul(diff).meanNumber().doubleValue() / 6;
        }
        assertEquals(want, fromGraph, 1e-9 * want, "F-space loss (Eq. 8) = D-space loss (Eq. 2)");
        assertEquals(1.0, batch.get("weight").getDouble(3), 1e-12, "EDM weight on the F-target is 1");
    }

    /**
     * The batch's input and target from packed arrays (one Java pass) are the ND4J ops' bits (views take the ops),
     * float32 and float64, for vectors and for MNIST-sized images, σ from 0.002 to 80.
     */
    @Test
    void packedBatchesAreTheOpsBits() {
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            for (long[] shape : new long[][]{{256, 2}, {4, 1, 28, 28}}) {
                long[] rowShape = java.util.Arrays.copyOfRange(shape, 1, shape.length);
                EdmLoss loss = EdmLoss.edm(net(), 0.5, rowShape);   // batch() does not run the network
                int n = (int) shape[0];
                INDArray y = Rng.seed(11).normal(type, shape);
                INDArray eps = Rng.seed(12).normal(type, shape);
                double[] sigma = new double[n];
                for (int i = 0; i < n; i++) {
                    sigma[i] = 0.002 * Math.pow(80 / 0.002, i / (n - 1.0));
                }
                long[] bigger = shape.clone();
                bigger[0] = n + 1;
                INDArray yView = org.nd4j.linalg.factory.Nd4j.create(type, bigger)
                        .get(NDArrayIndex.interval(1, n + 1)).assign(y);
                INDArray epsView = org.nd4j.linalg.factory.Nd4j.create(type, bigger)
                        .get(NDArrayIndex.interval(1, n + 1)).assign(eps);
                assertTrue(yView.isView() && yView.offset() > 0, "the ops' path");
                assertTrue(org.genblocks.tensor.NativeBuffers.wholeArray(y)
                        && org.genblocks.tensor.NativeBuffers.wholeArray(eps), "the Java pass");
                Map<String, INDArray> fast = loss.batch(y, sigma, eps);
                Map<String, INDArray> ops = loss.batch(yView, sigma, epsView);
                for (String k : new String[]{"input", "target", "noiseLabel", "weight"}) {
                    assertEquals(ops.get(k), fast.get(k), type + " " + java.util.Arrays.toString(shape) + " " + k);
                    INDArray diff = ops.get(k).castTo(DataType.DOUBLE).sub(fast.get(k).castTo(DataType.DOUBLE));
                    assertEquals(0.0, diff.amaxNumber().doubleValue(), 0.0, k + ": the same bits");
                }
            }
        }
    }

    @Test
    void badInputIsRejected() {
        EdmLoss loss = EdmLoss.edm(net(), 0.5, 2);
        IllegalArgumentException shape = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> loss.batch(org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, 4, 3), Rng.seed(1)));
        assertTrue(shape.getMessage().contains("y: expected shape [?, 2]"), shape.getMessage());
        IllegalArgumentException sigma = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> loss.batch(org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, 2, 2), new double[]{1, -1},
                        org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, 2, 2)));
        assertTrue(sigma.getMessage().startsWith("sigma[1]"), sigma.getMessage());
        IllegalArgumentException net = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> EdmLoss.edm(null, 0.5, 2));
        assertTrue(net.getMessage().contains("network"), net.getMessage());
        // a network whose output has the wrong shape is named when the denoiser is used
        Denoiser wrong = Precond.edm(0.5).denoiser((in, label) -> org.nd4j.linalg.factory.Nd4j.zeros(in.dataType(), in.rows(), 3));
        IllegalArgumentException out = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> wrong.denoise(org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, 2, 2), 1.0));
        assertTrue(out.getMessage().startsWith("network output: expected the shape of x [2, 2], got [2, 3]"), out.getMessage());
    }

    @Test
    void seededTrainingReachesTheMixture() {
        // 2-D toy: three Gaussians (std 0.25) at (-1.5, -0.5), (1.5, -0.5), (0, 1.2); sigma_data 1.
        // Energy distance of 800 Heun samples (32 steps) to 800 fresh data points. Measured (seeded): 0.016 after
        // 600 steps; the untrained network (F ~ 0, i.e. the Gaussian denoiser) is at 0.13; two data sets 0.004.
        GaussianMixture mix = GaussianMixture.isotropic(new double[]{1, 1, 1},
                new double[][]{{-1.5, -0.5}, {1.5, -0.5}, {0, 1.2}}, new double[]{0.25, 0.25, 0.25});
        INDArray data = mix.sample(8192, 1, DataType.FLOAT);
        Mlp net = Mlp.builder().in(2).hidden(64, 64).out(2).activation(Activation.SILU).timeEmbedding(32).build();
        Params params = net.init(7);
        EdmLoss loss = EdmLoss.edm(net, 1.0, 2);
        int steps = 600;
        TrainResult r = new Trainer().fit(net, params, loss, loss.batches(data, 256),
                TrainConfig.adam(3e-3).steps(steps).seed(5).schedule(LrSchedule.warmupCosine(50, steps, 0.05)));
        Denoiser d = loss.denoiser(params);
        INDArray x = Rng.normalRows(Rng.sampleSeeds(11, 800), DataType.FLOAT, 2).muli(80);
        INDArray samples = Samplers.heun().sample(d, x, Sigmas.karras(32, 0.002, 80, 7, Tail.ZERO)).samples();
        double ed = EnergyDistance.of(samples.castTo(DataType.DOUBLE), mix.sample(800, 2, DataType.DOUBLE), Estimator.BIASED);
        double first = 0;
        for (int i = 0; i < 50; i++) {
            first += r.losses()[i] / 50;
        }
        String msg = String.format("energy distance %.4f; loss (mean of 50) %.4f -> %.4f", ed, first, r.meanLoss(50));
        assertTrue(ed < 0.04, msg);
        assertTrue(r.meanLoss(50) < 0.9 * first, msg);
    }
}
