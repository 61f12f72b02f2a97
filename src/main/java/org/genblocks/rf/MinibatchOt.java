package org.genblocks.rf;

import org.genblocks.tensor.Rows;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Minibatch optimal-transport coupling (Tong et al. 2023, OT-CFM; Pooladian et al. 2023): within a
 * batch, pair each data point with a noise sample so that the total squared Euclidean distance is
 * minimal, then train on the pairs. For equal batch sizes and uniform weights the OT plan is a
 * permutation, found exactly by the Hungarian algorithm (Kuhn 1955, Munkres 1957; the O(n³)
 * shortest-augmenting-path form with potentials), so no sampling from a plan is needed.
 */
public final class MinibatchOt {
    private MinibatchOt() {
    }

    /**
     * The optimal assignment {@code p}: data row {@code i} is paired with noise row {@code p[i]},
     * minimising {@code Σ_i ‖data_i - noise_{p[i]}‖²}.
     */
    public static int[] assignment(INDArray data, INDArray noise) {
        return hungarian(squaredDistances(data, noise));
    }

    /** The cost matrix {@code C_ij = ‖data_i − noise_j‖²} of two batches of one shape, in double. */
    public static double[][] squaredDistances(INDArray data, INDArray noise) {
        Shapes.requireFloatingPoint("data", data);
        Shapes.requireSameShape("data", data, "noise", noise);
        if (data.rank() == 0 || data.length() == 0) {
            throw new IllegalArgumentException("data: expected a non-empty batch [N, ...] with N > 0, got shape "
                    + Shapes.format(data.shape()));
        }
        int n = (int) data.size(0);
        long d = data.length() / n;
        double[][] a = data.castTo(DataType.DOUBLE).reshape(n, d).toDoubleMatrix();
        double[][] b = noise.castTo(DataType.DOUBLE).reshape(n, d).toDoubleMatrix();
        double[][] cost = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < d; k++) {
                    double diff = a[i][k] - b[j][k];
                    s += diff * diff;
                }
                cost[i][j] = s;
            }
        }
        return cost;
    }

    /** The noise rows reordered so that row i is the partner of data row i. */
    public static INDArray pairNoise(INDArray data, INDArray noise) {
        int[] p = assignment(data, noise);
        return Rows.gather(noise, p);
    }

    /** Total cost {@code Σ_i cost[i][p[i]]}. */
    public static double totalCost(double[][] cost, int[] p) {
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            s += cost[i][p[i]];
        }
        return s;
    }

    /**
     * Minimum-cost perfect assignment of a square cost matrix: {@code p[i]} is the column of row i.
     *
     * @throws IllegalArgumentException for a non-square or non-finite matrix
     */
    public static int[] hungarian(double[][] cost) {
        int n = cost.length;
        for (int i = 0; i < n; i++) {
            if (cost[i].length != n) {
                throw new IllegalArgumentException("cost: expected a square " + n + "x" + n + " matrix, row " + i
                        + " has " + cost[i].length + " entries");
            }
            for (int j = 0; j < n; j++) {
                if (!Double.isFinite(cost[i][j])) {
                    throw new IllegalArgumentException("cost: expected finite entries, got cost[" + i + "][" + j + "] = "
                            + cost[i][j]);
                }
            }
        }
        // 1-based potentials u (rows), v (columns); match[j] = row matched to column j
        double[] u = new double[n + 1];
        double[] v = new double[n + 1];
        int[] match = new int[n + 1];
        int[] way = new int[n + 1];
        for (int i = 1; i <= n; i++) {
            match[0] = i;
            int j0 = 0;
            double[] minv = new double[n + 1];
            Arrays.fill(minv, Double.POSITIVE_INFINITY);
            boolean[] used = new boolean[n + 1];
            do {
                used[j0] = true;
                int i0 = match[j0];
                double delta = Double.POSITIVE_INFINITY;
                int j1 = 0;
                for (int j = 1; j <= n; j++) {
                    if (!used[j]) {
                        double cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
                        if (cur < minv[j]) {
                            minv[j] = cur;
                            way[j] = j0;
                        }
                        if (minv[j] < delta) {
                            delta = minv[j];
                            j1 = j;
                        }
                    }
                }
                for (int j = 0; j <= n; j++) {
                    if (used[j]) {
                        u[match[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            } while (match[j0] != 0);
            do {
                int j1 = way[j0];
                match[j0] = match[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        int[] p = new int[n];
        for (int j = 1; j <= n; j++) {
            p[match[j] - 1] = j - 1;
        }
        return p;
    }
}
