package org.genblocks.rf;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MinibatchOtTest {
    static double best;

    static void permute(double[][] c, int[] p, int k) {
        if (k == p.length) {
            best = Math.min(best, MinibatchOt.totalCost(c, p));
            return;
        }
        for (int i = k; i < p.length; i++) {
            int t = p[k]; p[k] = p[i]; p[i] = t;
            permute(c, p, k + 1);
            t = p[k]; p[k] = p[i]; p[i] = t;
        }
    }

    @Test
    void hungarianMatchesBruteForce() {
        Rng rng = Rng.seed(5);
        for (int trial = 0; trial < 20; trial++) {
            int n = 1 + trial % 7;
            double[][] c = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    c[i][j] = trial % 3 == 0 ? rng.nextInt(4) : rng.nextGaussian(); // ties and negatives
                }
            }
            int[] p = MinibatchOt.hungarian(c);
            boolean[] seen = new boolean[n];
            for (int v : p) {
                assertTrue(!seen[v], "a permutation");
                seen[v] = true;
            }
            best = Double.POSITIVE_INFINITY;
            int[] id = new int[n];
            for (int i = 0; i < n; i++) {
                id[i] = i;
            }
            permute(c, id, 0);
            assertEquals(best, MinibatchOt.totalCost(c, p), 1e-12, "trial " + trial);
        }
    }

    @Test
    void pairingShortensTransport() {
        Rng rng = Rng.seed(9);
        INDArray data = rng.normal(DataType.FLOAT, 64, 2).addi(3.0);
        INDArray noise = rng.normal(DataType.FLOAT, 64, 2);
        INDArray paired = MinibatchOt.pairNoise(data, noise);
        double before = data.distance2(noise);
        double after = data.distance2(paired);
        assertTrue(after < before);
        // the pairing is a permutation of the noise rows
        assertEquals(noise.sumNumber().doubleValue(), paired.sumNumber().doubleValue(), 1e-3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MinibatchOt.assignment(data, rng.normal(DataType.FLOAT, 63, 2)));
        assertTrue(e.getMessage().contains("noise"), e.getMessage());
        INDArray empty = Nd4j.zeros(DataType.FLOAT, 0, 2);
        e = assertThrows(IllegalArgumentException.class, () -> MinibatchOt.assignment(empty, empty));
        assertTrue(e.getMessage().contains("data") && e.getMessage().contains("[0, 2]"), e.getMessage());
    }
}
