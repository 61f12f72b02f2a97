package org.genblocks.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.genblocks.tensor.Gemm;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The one local Spark of the module's tests: two task threads and up to four attempts per task
 * ({@code local[2,4]}, so an injected task failure is retried as on a cluster). Shared by every test
 * class of the JVM (one SparkContext per JVM) and stopped when the JVM exits.
 */
final class LocalSpark {
    private static SparkSession session;

    private LocalSpark() {
    }

    static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder().master("local[2,4]").appName("genblocks-spark-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.shuffle.partitions", "2")
                    .getOrCreate();
            Runtime.getRuntime().addShutdownHook(new Thread(session::stop));
        }
        return session;
    }

    static JavaSparkContext sc() {
        return JavaSparkContext.fromSparkContext(session().sparkContext());
    }

    /**
     * Sharded rows against the single-process rows of a model computing in {@code modelType}: bit for bit where the
     * BLAS computes a row independently of the call's size ({@link Gemm#rowsIndependentOfCallSize}), otherwise
     * (float32 on OpenBLAS's AVX2 kernels) to float32 rounding, 1e-5 of max(1, |value|).
     */
    static void assertSameRows(DataType modelType, double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": values");
        boolean bitwise = Gemm.rowsIndependentOfCallSize(modelType);
        for (int i = 0; i < expected.length; i++) {
            double tol = bitwise ? 0 : 1e-5 * Math.max(1, Math.abs(expected[i]));
            assertEquals(expected[i], actual[i], tol, what + " at " + i + (bitwise ? " (bitwise)" : ""));
        }
    }
}
