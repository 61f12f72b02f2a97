package org.genblocks.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A small test-local energy distance (Székely and Rizzo): {@code 2E|X−Y| − E|X−X'| − E|Y−Y'|} with the
 * V-statistic estimator, in double. (The metrics package is a colleague's; this keeps the test self-contained.)
 */
final class EnergyDistance {
    private EnergyDistance() {
    }

    static double of(INDArray a, INDArray b) {
        double[][] x = a.toDoubleMatrix();
        double[][] y = b.toDoubleMatrix();
        return 2 * meanDistance(x, y) - meanDistance(x, x) - meanDistance(y, y);
    }

    private static double meanDistance(double[][] x, double[][] y) {
        double sum = 0;
        for (double[] p : x) {
            for (double[] q : y) {
                double d2 = 0;
                for (int k = 0; k < p.length; k++) {
                    double d = p[k] - q[k];
                    d2 += d * d;
                }
                sum += Math.sqrt(d2);
            }
        }
        return sum / ((double) x.length * y.length);
    }
}
