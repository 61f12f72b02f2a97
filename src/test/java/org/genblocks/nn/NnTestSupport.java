package org.genblocks.nn;

import org.apache.commons.math3.special.Erf;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Float64 reference helpers for the module tests (plain Java loops, independent of SameDiff). */
final class NnTestSupport {
    private NnTestSupport() {
    }

    static double[][] toMatrix(INDArray a) {
        return a.toDoubleMatrix();
    }

    /** y = x W + b with triple loops. */
    static double[][] linear(double[][] x, double[][] w, double[] b) {
        int n = x.length;
        int in = w.length;
        int out = w[0].length;
        double[][] y = new double[n][out];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < out; j++) {
                double s = b == null ? 0.0 : b[j];
                for (int k = 0; k < in; k++) {
                    s += x[i][k] * w[k][j];
                }
                y[i][j] = s;
            }
        }
        return y;
    }

    static double act(Activation a, double x) {
        switch (a) {
            case RELU:
                return Math.max(0, x);
            case GELU:
                return 0.5 * x * (1 + Erf.erf(x / Math.sqrt(2)));
            case GELU_TANH:
                return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            case SILU:
                return x / (1 + Math.exp(-x));
            case TANH:
                return Math.tanh(x);
            case MP_SILU:
                return x / (1 + Math.exp(-x)) / 0.596;
            default:
                throw new AssertionError(a);
        }
    }

    /** {@code body} run under {@link OpProfile}: its result; the profile's rows stay readable until the next start. */
    static <T> T profiled(java.util.function.Supplier<T> body) {
        OpProfile.start();
        try {
            return body.get();
        } finally {
            OpProfile.stop();
        }
    }

    /** Whether the last profiled run has a row named {@code op}. */
    static boolean profileHas(String op) {
        return OpProfile.entries().stream().anyMatch(e -> e.op().equals(op));
    }

    /** Asserts bit-for-bit equality (INDArray.equals has a tolerance). */
    static void assertExact(INDArray expected, INDArray actual, String message) {
        if (!GraphExecutor.exactlyEqual(expected, actual)) {
            throw new AssertionError(message + ": arrays differ\nexpected " + expected + "\nactual   " + actual);
        }
    }

    static double maxAbsDiff(double[][] a, double[][] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i].length != b[i].length) {
                throw new AssertionError("row " + i + " lengths differ");
            }
            for (int j = 0; j < a[i].length; j++) {
                m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return m;
    }
}
