package org.genblocks.diffusion;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.genblocks.diffusion.Golden.close;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prediction conversions against the worked example of edm_golden.txt §11 (x0 = 0.7, eps = -1.3, sigma = 2). */
class PredictionTest {
    private static final double X0 = 0.7;
    private static final double EPS = -1.3;

    @Test
    void everyPredictionMapsItsTargetToTheCleanPoint() {
        double sigma = 2.0;
        double x = X0 + sigma * EPS;                       // -1.9 (golden)
        close(-1.9, x, "x");
        double alpha = 1.0 / Math.sqrt(1 + sigma * sigma); // 0.4472135955 (golden)
        close(0.4472135955, alpha, "alpha");
        double v = alpha * EPS - sigma * alpha * X0;       // -1.20747670785 (golden)
        close(-1.20747670785, v, "v");
        close(X0, Prediction.EPSILON.toDenoised(EPS, x, sigma), "eps -> D");
        close(X0, Prediction.SAMPLE.toDenoised(X0, x, sigma), "x0 -> D");
        close(X0, Prediction.V.toDenoised(-1.20747670785, x, sigma), "v -> D (golden v)");
        close(X0, Prediction.edm(0.5).toDenoised(1.67349581275, x, sigma), "EDM F -> D (golden F-target)");
        close(X0, Prediction.SCORE.toDenoised((X0 - x) / (sigma * sigma), x, sigma), "score -> D");
        close(X0, Prediction.SCALED_SCORE.toDenoised(-EPS, x, sigma), "sigma*score -> D");
        close(1.67349581275, Prediction.edm(0.5).fromDenoised(X0, x, sigma), "D -> EDM F-target (golden)");
        close(EPS, Prediction.EPSILON.fromDenoised(X0, x, sigma), "D -> eps");
        close(-1.20747670785, Prediction.V.fromDenoised(X0, x, sigma), "D -> v");
    }

    @Test
    void flowVelocityMatchesGolden() {
        // golden §11: RF t = 0.25: x_t = 0.2, u = eps - x0 = -2, sigma = 1/3, x~ = x_t/(1-t) = 0.266666666667
        double sigma = 1.0 / 3.0;
        double xTilde = 0.2 / 0.75;
        close(0.266666666667, xTilde, "x~");
        close(X0, Prediction.VELOCITY.toDenoised(-2.0, xTilde, sigma), "u -> D");
        close(-2.0, Prediction.VELOCITY.fromDenoised(X0, xTilde, sigma), "D -> u");
    }

    @Test
    void edmFWithUnitSigmaDataIsMinusV() {
        double sigma = 0.8;
        double x = 1.1;
        double d = 0.3;
        close(-Prediction.V.fromDenoised(d, x, sigma), Prediction.edm(1.0).fromDenoised(d, x, sigma), "EDM F = -v");
    }

    @Test
    void arrayConversionsRoundTrip() {
        INDArray x = Nd4j.createFromArray(new double[][]{{-1.9, 0.4}, {0.1, 3.0}});
        INDArray f = Nd4j.createFromArray(new double[][]{{-1.3, 0.2}, {0.5, -0.8}});
        List<Prediction> all = List.of(Prediction.EPSILON, Prediction.SAMPLE, Prediction.V, Prediction.VELOCITY,
                Prediction.SCORE, Prediction.SCALED_SCORE, Prediction.edm(0.5));
        INDArray xCopy = x.dup();
        for (Prediction from : all) {
            for (Prediction to : all) {
                INDArray there = from.convert(f, x, 2.0, to);
                INDArray back = to.convert(there, x, 2.0, from);
                assertTrue(back.equalsWithEps(f, 1e-12), from + " -> " + to + " -> back");
                close(from.toDenoised(f, x, 2.0).getDouble(1, 1), to.toDenoised(there, x, 2.0).getDouble(1, 1),
                        from + " and " + to + " give the same D");
            }
        }
        assertTrue(x.equals(xCopy), "inputs not modified");
    }
}
