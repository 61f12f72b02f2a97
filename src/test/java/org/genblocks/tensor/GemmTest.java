package org.genblocks.tensor;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GemmTest {
    @Test
    void productsWithTransposesMatchNd4jInBothPrecisions() {
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            Rng rng = Rng.seed(4);
            INDArray a = rng.normal(dt, 7, 5);
            INDArray b = rng.normal(dt, 5, 3);
            INDArray c = Nd4j.create(dt, 7, 3);
            Gemm.gemm(dt, false, false, 7, 3, 5, 1.0, a, 0, 5, b, 0, 3, 0.0, c, 0, 3);
            double tol = dt == DataType.FLOAT ? 1e-5 : 1e-12;
            assertEquals(0.0, c.sub(a.mmul(b)).amaxNumber().doubleValue(), tol);
            // Aᵀ B with A stored [5, 7]: the transposed operand of a backward pass
            INDArray at = a.transpose().dup('c');
            INDArray c2 = Nd4j.create(dt, 7, 3);
            Gemm.gemm(dt, true, false, 7, 3, 5, 1.0, at, 0, 7, b, 0, 3, 0.0, c2, 0, 3);
            assertEquals(0.0, c2.sub(a.mmul(b)).amaxNumber().doubleValue(), tol);
            // alpha and beta: C = 2 A B + C
            Gemm.gemm(dt, false, false, 7, 3, 5, 2.0, a, 0, 5, b, 0, 3, 1.0, c2, 0, 3);
            assertEquals(0.0, c2.sub(a.mmul(b).mul(3)).amaxNumber().doubleValue(), 3 * tol);
        }
    }

    @Test
    void denseViewsAtAnOffsetAreReadInPlace() {
        INDArray whole = Nd4j.arange(0, 24).castTo(DataType.DOUBLE).reshape(4, 6);
        INDArray rows = whole.get(NDArrayIndex.interval(2, 4), NDArrayIndex.all());   // rows 2..3: offset 12, dense
        assertTrue(Gemm.dense(rows));
        INDArray eye = Nd4j.eye(6).castTo(DataType.DOUBLE);
        INDArray out = Nd4j.create(DataType.DOUBLE, 2, 6);
        Gemm.gemm(DataType.DOUBLE, false, false, 2, 6, 6, 1.0, rows, 0, 6, eye, 0, 6, 0.0, out, 0, 6);
        assertEquals(0.0, out.sub(rows).amaxNumber().doubleValue(), 0.0);
        assertFalse(Gemm.dense(whole.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3))), "a column slice is strided");
        assertFalse(Gemm.dense(whole.transpose()), "a transposed view is not C order");
    }

    @Test
    void aBlockOutsideItsBufferOrAStridedArrayIsRefused() {
        INDArray a = Nd4j.create(DataType.FLOAT, 2, 3);
        INDArray b = Nd4j.create(DataType.FLOAT, 3, 2);
        INDArray c = Nd4j.create(DataType.FLOAT, 2, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Gemm.gemm(DataType.FLOAT, false, false, 3, 2, 3, 1, a, 0, 3, b, 0, 2, 0, c, 0, 2));
        assertTrue(e.getMessage().startsWith("a:") && e.getMessage().contains("exceeds"), e.getMessage());
        INDArray strided = Nd4j.create(DataType.FLOAT, 3, 4).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2));
        e = assertThrows(IllegalStateException.class,
                () -> Gemm.gemm(DataType.FLOAT, false, false, 2, 2, 3, 1, a, 0, 3, strided, 0, 2, 0, c, 0, 2));
        assertTrue(e.getMessage().startsWith("b:") && e.getMessage().contains("dense"), e.getMessage());
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(DataType.FLOAT, false, false, -1, 2, 3, 1, a, 0, 3, b, 0, 2, 0, c, 0, 2));
        assertTrue(size.getMessage().startsWith("m, n, k:") && size.getMessage().contains("-1"), size.getMessage());
    }

    /**
     * The row probe's "independent" holds on a shape it does not probe (the DiT's [1568, 64]·[64, 256], rows 49 at a
     * time, as one image's tokens): every block equals the whole call's rows bit for bit. Other types are refused.
     */
    @Test
    void theRowProbeAgreesWithAnUnprobedShape() {
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            boolean independent = Gemm.rowsIndependentOfCallSize(dt);
            assertEquals(independent, Gemm.rowsIndependentOfCallSize(dt), "asked twice");
            Rng rng = Rng.seed(9);
            int m = 1568, k = 64, n = 256;
            INDArray a = rng.normal(dt, m, k), b = rng.normal(dt, k, n);
            INDArray whole = Nd4j.create(dt, m, n), part = Nd4j.create(dt, 49, n);
            Gemm.gemm(dt, false, false, m, n, k, 1, a, 0, k, b, 0, n, 0, whole, 0, n);
            boolean same = true;
            for (int r0 = 0; r0 < m; r0 += 49) {
                Gemm.gemm(dt, false, false, 49, n, k, 1, a, (long) r0 * k, k, b, 0, n, 0, part, 0, n);
                same &= java.util.Arrays.equals(part.dup().data().asDouble(),
                        whole.get(NDArrayIndex.interval(r0, r0 + 49), NDArrayIndex.all()).dup().data().asDouble());
            }
            if (independent) {
                assertTrue(same, dt + ": rows of 49 differ from the whole call's, yet the probe said independent");
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.rowsIndependentOfCallSize(DataType.INT));
        assertTrue(e.getMessage().startsWith("dtype:") && e.getMessage().contains("INT"), e.getMessage());
    }
}
