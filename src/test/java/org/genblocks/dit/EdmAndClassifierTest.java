package org.genblocks.dit;

import org.genblocks.data.Mnist;
import org.genblocks.data.PixelScaling;
import org.genblocks.diffusion.Denoiser;
import org.genblocks.diffusion.EdmLoss;
import org.genblocks.diffusion.LossWeighting;
import org.genblocks.diffusion.NoiseDistribution;
import org.genblocks.diffusion.Precond;
import org.genblocks.diffusion.Samplers;
import org.genblocks.diffusion.Sigmas;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Rng;
import org.genblocks.train.BatchSource;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same DiT trained as an EDM denoiser through the preconditioning adapter; the evaluation classifier. */
class EdmAndClassifierTest {

    @Test
    void theDitTrainsAsAnEdmDenoiserThroughThePreconditioning() {
        DitConfig c = DitTest.tiny(PositionEncoding.SINCOS_2D);
        Dit dit = new Dit(c);
        Params p = dit.init(31);
        Mnist digits = Mnist.bundled().subset(0, 256);
        INDArray images = PixelScaling.toSymmetric(digits.images());
        Precond edm = Precond.edm(0.5);
        EdmLoss loss = EdmLoss.of(dit, edm, LossWeighting.edm(0.5), NoiseDistribution.logNormal(-1.2, 1.2), c.channels(),
                c.height(), c.width()).withClasses(c.classes());
        BatchSource source = loss.batches(images, digits.labels(), 32, 0.1);

        // At init F = 0, so the first loss is mean(target²) of the first batch, drawn exactly as the trainer draws it.
        source.start(5);
        Map<String, INDArray> first = source.next(0, Rng.seed(5));
        double expected = first.get("target").castTo(DataType.DOUBLE).norm2Number().doubleValue();
        expected = expected * expected / first.get("target").length();

        TrainResult r = new Trainer().fit(dit, p, loss, source, TrainConfig.adam(2e-3).steps(40).batch(32)
                .seed(5));
        double[] l = r.losses();
        assertEquals(expected, l[0], 1e-4 * expected, "first loss = E‖(y − c_skip x)/c_out‖² at F = 0");
        double a = DitTest.mean(l, 0, 5);
        double b = DitTest.mean(l, l.length - 5, l.length);
        assertTrue(b < 0.8 * a, "EDM loss went from " + a + " to " + b);

        // The trained network as a Denoiser via Precond.edm: D(x; σ) ≈ x at tiny σ (c_skip → 1, c_out → 0) ...
        DitFunction f = new DitFunction(dit, p);
        int[] labels = {0, 1, 2, 3};
        Denoiser d = DitSampling.edmDenoiser(f, edm, labels, 2.0);
        INDArray x = images.get(NDArrayIndex.interval(0, 4)).dup();
        INDArray dx = d.denoise(x, 1e-4);
        assertTrue(dx.sub(x).amaxNumber().doubleValue() < 1e-3, "D(x; 1e-4) ≈ x");
        // ... and an EDM sampler runs on it to finite images.
        double[] sigmas = Sigmas.karras(6, 0.002, 80, 7, Sigmas.Tail.ZERO);
        INDArray z = Rng.seed(9).normal(DataType.FLOAT, 4, 1, 28, 28).muli(sigmas[0]);
        INDArray y = Samplers.heun().sample(d, z, sigmas).samples();
        assertArrayEquals(new long[]{4, 1, 28, 28}, y.shape());
        assertTrue(Double.isFinite(y.castTo(DataType.DOUBLE).sumNumber().doubleValue()), "finite samples");
    }

    @Test
    void atInitTheEdmDenoiserIsCSkipTimesX() {
        DitConfig c = DitTest.tiny(PositionEncoding.AXIAL_ROPE);
        Dit dit = new Dit(c);
        DitFunction f = new DitFunction(dit, dit.init(3));
        INDArray x = Rng.seed(4).normal(DataType.FLOAT, 2, 1, 28, 28);
        double sigma = 1.3;
        INDArray dx = DitSampling.edmDenoiser(f, Precond.edm(0.5), new int[]{5, 10}, 1.0).denoise(x, sigma);
        // F = 0 at init: D = c_skip x with c_skip = σ_d² / (σ² + σ_d²) (EDM Table 1).
        double cSkip = 0.25 / (sigma * sigma + 0.25);
        assertEquals(0.0, dx.sub(x.mul(cSkip)).amaxNumber().doubleValue(), 1e-6);
    }

    @Test
    void theClassifierLearnsDigitsAndExposesItsFeatures() {
        Mnist all = Mnist.bundled();
        Mnist train = all.subset(0, 2000);
        Mnist held = all.subset(8500, 9000);
        DigitClassifier cls = new DigitClassifier(784, 64, 32, 10);
        Params p = cls.fit(train.images().reshape(2000, 784), train.labelArray(),
                TrainConfig.adam(2e-3).steps(250).batch(64).seed(2), 3);
        BlockFunction fn = cls.function(p);
        INDArray[] out = fn.applyAll(held.images().reshape(500, 784));
        assertArrayEquals(new long[]{500, 10}, out[0].shape());
        assertArrayEquals(new long[]{500, 32}, out[1].shape());
        int[] pred = out[0].argMax(1).toIntVector();
        int ok = 0;
        for (int i = 0; i < pred.length; i++) {
            ok += pred[i] == held.label(i) ? 1 : 0;
        }
        assertTrue(ok / 500.0 > 0.85, "held-out accuracy " + ok / 500.0);
        assertTrue(out[1].minNumber().doubleValue() >= 0, "features are ReLU activations");
    }

    @Test
    void crossEntropyMatchesItsDefinition() {
        DigitClassifier cls = new DigitClassifier(5, 4, 3, 3);
        Params p = cls.init(1);
        INDArray x = Rng.seed(2).normal(DataType.FLOAT, 6, 5);
        INDArray labels = org.nd4j.linalg.factory.Nd4j.createFromArray(0, 2, 1, 1, 0, 2);
        INDArray logits = cls.function(p).applyAll(x)[0];
        double ce = 0;
        for (int i = 0; i < 6; i++) {
            double[] z = logits.getRow(i).toDoubleVector();
            double m = Math.max(z[0], Math.max(z[1], z[2]));
            double lse = m + Math.log(Math.exp(z[0] - m) + Math.exp(z[1] - m) + Math.exp(z[2] - m));
            ce += lse - z[labels.getInt(i)];
        }
        ce /= 6;
        TrainResult r = new Trainer().fit(cls, p, cls.crossEntropy(),
                org.genblocks.train.BatchSource.fixed(Map.of("x", x, "label", labels)),
                TrainConfig.adam(1e-3).steps(1).batch(6).seed(1));
        assertEquals(ce, r.losses()[0], 1e-6);
    }
}
