package org.genblocks.tensor;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlidingWindowTest {

    /** The O(n k) definition, NaN-propagating like Math.max/Math.min. */
    private static double[] naive(double[] x, int k, int stride, boolean max) {
        int outLen = (x.length - k) / stride + 1;
        double[] y = new double[outLen];
        for (int o = 0; o < outLen; o++) {
            double m = x[o * stride];
            for (int j = 1; j < k; j++) {
                m = max ? Math.max(m, x[o * stride + j]) : Math.min(m, x[o * stride + j]);
            }
            y[o] = m;
        }
        return y;
    }

    @Test
    void issueExamples() {
        assertArrayEquals(new double[]{3, 3, 5, 5, 6, 7}, SlidingWindow.max(new double[]{1, 3, -1, -3, 5, 3, 6, 7}, 3));
        assertArrayEquals(new double[]{-1, -3, -3, -3, 3, 3}, SlidingWindow.min(new double[]{1, 3, -1, -3, 5, 3, 6, 7}, 3));
        assertArrayEquals(new double[]{1}, SlidingWindow.max(new double[]{1}, 1));
        assertArrayEquals(new float[]{3, 3, 5, 5, 6, 7}, SlidingWindow.max(new float[]{1, 3, -1, -3, 5, 3, 6, 7}, 3));
        INDArray y = SlidingWindow.max(Nd4j.createFromArray(1f, 3f, -1f, -3f, 5f, 3f, 6f, 7f), 3);
        assertEquals(DataType.FLOAT, y.dataType());
        assertArrayEquals(new float[]{3, 3, 5, 5, 6, 7}, y.toFloatVector());
        assertArrayEquals(new double[]{1}, SlidingWindow.max(Nd4j.createFromArray(1.0), 1).toDoubleVector());
    }

    @Test
    void windowOfOneIsIdentityAndWindowOfNIsTheRowExtreme() {
        double[] x = {4, -2, 9, 0.5, 9, -7};
        assertArrayEquals(x, SlidingWindow.max(x, 1));
        assertArrayEquals(x, SlidingWindow.min(x, 1));
        assertArrayEquals(new double[]{9}, SlidingWindow.max(x, x.length));
        assertArrayEquals(new double[]{-7}, SlidingWindow.min(x, x.length));
    }

    @Test
    void matchesNaiveScanOnRandomRowsFloat64() {
        Rng rng = Rng.seed(11);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + rng.nextInt(60);
            int k = 1 + rng.nextInt(n);
            int stride = 1 + rng.nextInt(5);
            double[] x = new double[n];
            // few distinct values so ties are frequent, sometimes continuous values
            boolean ties = rng.nextInt(2) == 0;
            for (int i = 0; i < n; i++) {
                x[i] = ties ? rng.nextInt(4) - 2 : rng.nextGaussian();
            }
            String ctx = "n=" + n + " k=" + k + " stride=" + stride + " x=" + Arrays.toString(x);
            assertArrayEquals(naive(x, k, 1, true), SlidingWindow.max(x, k), ctx);
            assertArrayEquals(naive(x, k, 1, false), SlidingWindow.min(x, k), ctx);
            assertArrayEquals(naive(x, k, stride, true), SlidingWindow.max(x, k, stride), ctx);
            assertArrayEquals(naive(x, k, stride, false), SlidingWindow.min(x, k, stride), ctx);
            float[] xf = new float[n];
            for (int i = 0; i < n; i++) {
                xf[i] = (float) x[i];
            }
            assertArrayEquals(toFloat(naive(x, k, stride, true)), SlidingWindow.max(xf, k, stride), ctx);
            assertArrayEquals(toFloat(naive(x, k, stride, false)), SlidingWindow.min(xf, k, stride), ctx);
            assertArrayEquals(toFloat(naive(x, k, 1, false)), SlidingWindow.min(xf, k), ctx);
        }
    }

    /** float rounding is monotone, so the float result is the rounded double result. */
    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    @Test
    void batchedOverLeadingDimsMatchesNaivePerRowFloat32AndFloat64() {
        Rng rng = Rng.seed(5);
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            for (int trial = 0; trial < 20; trial++) {
                int a = 1 + rng.nextInt(3);
                int b = 1 + rng.nextInt(4);
                int n = 1 + rng.nextInt(40);
                int k = 1 + rng.nextInt(n);
                INDArray x = rng.normal(dt, a, b, n);
                INDArray yMax = SlidingWindow.max(x, k);
                INDArray yMin = SlidingWindow.min(x, k);
                assertEquals(dt, yMax.dataType());
                assertArrayEquals(new long[]{a, b, n - k + 1}, yMax.shape());
                for (int i = 0; i < a; i++) {
                    for (int j = 0; j < b; j++) {
                        double[] row = x.get(NDArrayIndex.point(i), NDArrayIndex.point(j), NDArrayIndex.all()).dup().toDoubleVector();
                        assertArrayEquals(naive(row, k, 1, true),
                                yMax.get(NDArrayIndex.point(i), NDArrayIndex.point(j), NDArrayIndex.all()).dup().toDoubleVector());
                        assertArrayEquals(naive(row, k, 1, false),
                                yMin.get(NDArrayIndex.point(i), NDArrayIndex.point(j), NDArrayIndex.all()).dup().toDoubleVector());
                    }
                }
            }
        }
    }

    @Test
    void poolingOverNclWithStrideMatchesNaive() {
        Rng rng = Rng.seed(3);
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            for (int trial = 0; trial < 30; trial++) {
                int nb = 1 + rng.nextInt(3);
                int c = 1 + rng.nextInt(3);
                int len = 1 + rng.nextInt(50);
                int kernel = 1 + rng.nextInt(len);
                int stride = 1 + rng.nextInt(6);
                INDArray x = rng.uniform(-5, 5, dt, nb, c, len);
                INDArray mx = SlidingWindow.maxPool1d(x, kernel, stride);
                INDArray mn = SlidingWindow.minPool1d(x, kernel, stride);
                int outLen = (len - kernel) / stride + 1;
                assertEquals(outLen, SlidingWindow.outputLength(len, kernel, stride));
                assertArrayEquals(new long[]{nb, c, outLen}, mx.shape());
                assertEquals(dt, mn.dataType());
                for (int i = 0; i < nb; i++) {
                    for (int j = 0; j < c; j++) {
                        double[] row = x.get(NDArrayIndex.point(i), NDArrayIndex.point(j), NDArrayIndex.all()).dup().toDoubleVector();
                        assertArrayEquals(naive(row, kernel, stride, true),
                                mx.get(NDArrayIndex.point(i), NDArrayIndex.point(j), NDArrayIndex.all()).dup().toDoubleVector());
                        assertArrayEquals(naive(row, kernel, stride, false),
                                mn.get(NDArrayIndex.point(i), NDArrayIndex.point(j), NDArrayIndex.all()).dup().toDoubleVector());
                    }
                }
            }
        }
    }

    @Test
    void viewsAndFortranOrderAreReadInLogicalOrder() {
        INDArray base = Nd4j.createFromArray(new double[][]{{1, 5, 2}, {7, 0, 3}, {4, 6, 8}});
        INDArray t = base.transpose(); // a view: rows are the columns of base
        assertArrayEquals(new double[]{7, 7, 5, 6, 3, 8}, SlidingWindow.max(t, 2).reshape(6).toDoubleVector());
        INDArray f = base.dup('f');
        assertArrayEquals(new double[]{5, 5, 7, 3, 6, 8}, SlidingWindow.max(f, 2).reshape(6).toDoubleVector());
    }

    @Test
    void permutedArraysAreReadInLogicalOrder() {
        INDArray x = Rng.seed(8).normal(DataType.DOUBLE, 3, 4, 6);
        INDArray p = x.permute(2, 0, 1); // [6, 3, 4], shares the buffer with other strides
        INDArray y = SlidingWindow.max(p, 2);
        INDArray expected = SlidingWindow.max(p.dup('c'), 2);
        assertEquals(expected, y);
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 3; j++) {
                double[] row = new double[4];
                for (int t = 0; t < 4; t++) {
                    row[t] = x.getDouble(j, t, i);
                }
                assertArrayEquals(naive(row, 2, 1, true),
                        y.get(NDArrayIndex.point(i), NDArrayIndex.point(j), NDArrayIndex.all()).dup().toDoubleVector());
            }
        }
    }

    @Test
    void nanPropagatesToEveryWindowThatContainsIt() {
        double nan = Double.NaN;
        double[] x = {1, nan, 3, 0, -2, 5};
        // windows of 3: [1,nan,3] [nan,3,0] [3,0,-2] [0,-2,5]
        double[] mx = SlidingWindow.max(x, 3);
        double[] mn = SlidingWindow.min(x, 3);
        assertTrue(Double.isNaN(mx[0]) && Double.isNaN(mx[1]) && Double.isNaN(mn[0]) && Double.isNaN(mn[1]));
        assertEquals(3, mx[2]);
        assertEquals(5, mx[3]);
        assertEquals(-2, mn[2]);
        assertEquals(-2, mn[3]);
        float[] xf = {nan(), 1, 2, nan(), 0};
        float[] mf = SlidingWindow.max(xf, 2);
        assertTrue(Float.isNaN(mf[0]) && Float.isNaN(mf[2]) && Float.isNaN(mf[3]));
        assertEquals(2f, mf[1]);
    }

    private static float nan() {
        return Float.NaN;
    }

    @Test
    void nanPolicyMatchesNaiveOnRandomInputsWithNans() {
        Rng rng = Rng.seed(99);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + rng.nextInt(30);
            int k = 1 + rng.nextInt(n);
            int stride = 1 + rng.nextInt(3);
            double[] x = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = rng.nextInt(6) == 0 ? Double.NaN
                        : rng.nextInt(10) == 0 ? Double.NEGATIVE_INFINITY : rng.nextGaussian();
            }
            String ctx = "k=" + k + " x=" + Arrays.toString(x);
            // assertArrayEquals treats NaN as equal to NaN, as Double.equals does
            assertArrayEquals(naive(x, k, stride, true), SlidingWindow.max(x, k, stride), ctx);
            assertArrayEquals(naive(x, k, stride, false), SlidingWindow.min(x, k, stride), ctx);
            INDArray xf = Nd4j.createFromArray(x).castTo(DataType.FLOAT).reshape(1, 1, n);
            double[] naiveF = naive(xf.dup().reshape(n).toDoubleVector(), k, stride, true);
            assertArrayEquals(naiveF, SlidingWindow.maxPool1d(xf, k, stride).reshape(-1).toDoubleVector(), ctx);
        }
    }

    @Test
    void halfPrecisionIsExactBecauseTheResultIsAnInput() {
        INDArray x = Nd4j.createFromArray(0.1f, 0.7f, -0.3f, 0.25f).castTo(DataType.HALF);
        INDArray y = SlidingWindow.max(x, 2);
        assertEquals(DataType.HALF, y.dataType());
        double[] xv = x.castTo(DataType.DOUBLE).toDoubleVector();
        assertArrayEquals(new double[]{xv[1], xv[1], xv[3]}, y.castTo(DataType.DOUBLE).toDoubleVector());
    }

    @Test
    void badWindowsAndInputsAreClearErrors() {
        double[] x = {1, 2, 3};
        String m = assertThrows(IllegalArgumentException.class, () -> SlidingWindow.max(x, 0)).getMessage();
        assertTrue(m.startsWith("k:") && m.contains("got 0"), m);
        m = assertThrows(IllegalArgumentException.class, () -> SlidingWindow.min(x, 4)).getMessage();
        assertTrue(m.startsWith("k:") && m.contains("[1, 3]") && m.contains("got 4"), m);
        m = assertThrows(IllegalArgumentException.class, () -> SlidingWindow.max(x, 2, 0)).getMessage();
        assertTrue(m.startsWith("stride:") && m.contains("got 0"), m);
        m = assertThrows(IllegalArgumentException.class, () -> SlidingWindow.max((double[]) null, 1)).getMessage();
        assertTrue(m.startsWith("x:"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> SlidingWindow.max(Nd4j.createFromArray(1, 2, 3), 2)).getMessage();
        assertTrue(m.startsWith("x:") && m.contains("floating-point") && m.contains("INT"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> SlidingWindow.max(Nd4j.scalar(1.0), 1)).getMessage();
        assertTrue(m.startsWith("x:") && m.contains("rank"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> SlidingWindow.maxPool1d(Nd4j.zeros(2, 5), 2, 1)).getMessage();
        assertTrue(m.startsWith("x:") && m.contains("rank 3") && m.contains("[2, 5]"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> SlidingWindow.maxPool1d(Nd4j.zeros(2, 3, 5), 6, 1)).getMessage();
        assertTrue(m.startsWith("k:") && m.contains("got 6"), m);
    }
}
