package org.genblocks.metrics;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The deterministic point sets of src/test/resources/golden/data_metrics_golden.py (sections 2 to 4). */
final class GoldenSets {
    private GoldenSets() {
    }

    /** x_i = [sin(0.7i + 0.1), cos(1.3i), 0.5 sin(0.37i)], i = 0..39, float64 [40, 3]. */
    static INDArray x() {
        double[][] v = new double[40][];
        for (int i = 0; i < 40; i++) {
            v[i] = new double[]{Math.sin(0.7 * i + 0.1), Math.cos(1.3 * i), 0.5 * Math.sin(0.37 * i)};
        }
        return Nd4j.createFromArray(v);
    }

    /** y_j = [cos(0.9j) + 0.5, sin(1.1j) - 0.3, 0.8 cos(0.23j + 0.4)], j = 0..29, float64 [30, 3]. */
    static INDArray y() {
        double[][] v = new double[30][];
        for (int j = 0; j < 30; j++) {
            v[j] = new double[]{Math.cos(0.9 * j) + 0.5, Math.sin(1.1 * j) - 0.3, 0.8 * Math.cos(0.23 * j + 0.4)};
        }
        return Nd4j.createFromArray(v);
    }

    /** theta_l = [cos(l + 1), sin(2l + 1), 0.5 cos(3l)], l = 0..4 (not normalised), float64 [5, 3]. */
    static INDArray directions() {
        double[][] v = new double[5][];
        for (int l = 0; l < 5; l++) {
            v[l] = new double[]{Math.cos(l + 1.0), Math.sin(2.0 * l + 1.0), 0.5 * Math.cos(3.0 * l)};
        }
        return Nd4j.createFromArray(v);
    }
}
