package org.genblocks.tensor;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Collections;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Reference values: Python's decimal module at 1,200 significant digits evaluating the defining
 * formulas (log(1 + e^x), -log(1 + e^-x), 1/(1 + e^-x), log(1 - e^x), log(p/(1-p)), log Σ e^x)
 * at the exact binary inputs, printed as float64 (script:
 * src/test/resources/org/genblocks/tensor/numerics_ref.py).
 */
class NumericsTest {
    static final double INF = Double.POSITIVE_INFINITY;

    /** {x, softplus, logSigmoid, expit}. */
    static final double[][] SOFTPLUS = {
            {-1000.0, 0.0, -1000.0, 0.0},
            {-745.5, 0.0, -745.5, 0.0},
            {-100.0, 3.720075976020836e-44, -100.0, 3.720075976020836e-44},
            {-37.25, 6.64554417291507e-17, -37.25, 6.64554417291507e-17},
            {-20.0, 2.061153620314381e-09, -20.000000002061153, 2.0611536181902037e-09},
            {-3.5, 0.029750418272620566, -3.5297504182726205, 0.02931223075135632},
            {-1.0, 0.3132616875182228, -1.3132616875182228, 0.2689414213699951},
            {-0.5, 0.4740769841801067, -0.9740769841801067, 0.37754066879814546},
            {-7.62939453125e-06, 0.6931433658699556, -0.6931509952644869, 0.4999980926513672},
            {-9.094947017729282e-13, 0.6931471805594905, -0.6931471805604, 0.4999999999997726},
            {0.0, 0.6931471805599453, -0.6931471805599453, 0.5},
            {9.094947017729282e-13, 0.6931471805604, -0.6931471805594905, 0.5000000000002274},
            {7.62939453125e-06, 0.6931509952644869, -0.6931433658699556, 0.5000019073486328},
            {0.5, 0.9740769841801067, -0.4740769841801067, 0.6224593312018546},
            {1.0, 1.3132616875182228, -0.3132616875182228, 0.7310585786300049},
            {3.5, 3.5297504182726205, -0.029750418272620566, 0.9706877692486436},
            {20.0, 20.000000002061153, -2.061153620314381e-09, 0.9999999979388464},
            {37.25, 37.25, -6.64554417291507e-17, 0.9999999999999999},
            {100.0, 100.0, -3.720075976020836e-44, 1.0},
            {745.5, 745.5, -0.0, 1.0},
            {1000.0, 1000.0, -0.0, 1.0},
    };

    /** {x, log(1 - e^x)}. */
    static final double[][] LOG1MEXP = {
            {-1000.0, -0.0},
            {-745.5, -0.0},
            {-100.0, -3.720075976020836e-44},
            {-37.25, -6.64554417291507e-17},
            {-20.0, -2.061153624562735e-09},
            {-3.5, -0.030662716255459632},
            {-1.0, -0.4586751453870819},
            {-0.6931471805599453, -0.6931471805599453},
            {-0.5, -0.9327521295671886},
            {-7.62939453125e-06, -11.78350588421391},
            {-9.094947017729282e-13, -27.725887222398267},
            {-7.52316384526264e-37, -83.17766166719343},
            {-9.332636185032189e-302, -693.1471805599454},
    };

    /** {p, log(p / (1 - p))}. */
    static final double[][] LOGIT = {
            {1.4932217896051502e-300, -690.3745918377056},
            {7.52316384526264e-37, -83.17766166719343},
            {1.3552527156068805e-20, -45.74771391695639},
            {7.450580596923828e-09, -18.714973867667943},
            {0.0009765625, -6.930494765951626},
            {0.1875, -1.466337068793427},
            {0.25, -1.0986122886681098},
            {0.3125, -0.7884573603642702},
            {0.4998779296875, -0.0004882812597012772},
            {0.5, 0.0},
            {0.5001220703125, 0.0004882812597012772},
            {0.6875, 0.7884573603642702},
            {0.75, 1.0986122886681098},
            {0.875, 1.9459101490553132},
            {0.9990234375, 6.930494765951626},
            {0.9999999403953552, 16.63553227383404},
            {0.9999999999999999, 36.7368005696771},
    };

    /** Within {@code ulps} float64 ulps of the reference (absolute for subnormal/zero references). */
    static void assertUlps(double expected, double actual, int ulps, String ctx) {
        double tol = ulps * Math.max(Math.ulp(expected), Double.MIN_VALUE);
        if (!(Math.abs(expected - actual) <= tol)) {
            fail(ctx + ": expected " + expected + ", got " + actual + " (" + Math.abs(expected - actual) / Math.ulp(expected)
                    + " ulps)");
        }
    }

    /** Within one float32 ulp of the float64 reference rounded to float32. */
    static void assertFloatUlp(double expected, float actual, String ctx) {
        float e = (float) expected;
        double tol = Math.ulp(e);
        if (!(Math.abs(e - actual) <= tol)) {
            fail(ctx + ": expected " + e + ", got " + actual);
        }
    }

    private static void checkTable(double[][] table, int col, DoubleUnaryOperator scalar, UnaryOperator<INDArray> array,
                                   String name) {
        double[] xs = new double[table.length];
        for (int i = 0; i < table.length; i++) {
            xs[i] = table[i][0];
            assertUlps(table[i][col], scalar.applyAsDouble(xs[i]), 4, name + "(" + xs[i] + ") scalar");
        }
        double[] y64 = array.apply(Nd4j.createFromArray(xs)).toDoubleVector();
        for (int i = 0; i < xs.length; i++) {
            assertUlps(table[i][col], y64[i], 4, name + "(" + xs[i] + ") float64 array");
            assertTrue(Double.isFinite(y64[i]), name + "(" + xs[i] + ") must be finite");
        }
        // float32: only the inputs that are exact float32 values (the reference is at that input)
        for (int i = 0; i < xs.length; i++) {
            float xf = (float) xs[i];
            if (xf != xs[i]) {
                continue;
            }
            INDArray in = Nd4j.createFromArray(new float[]{xf, xf}).reshape(2, 1);
            INDArray out = array.apply(in);
            assertEquals(DataType.FLOAT, out.dataType());
            assertArrayEquals(new long[]{2, 1}, out.shape());
            assertFloatUlp(table[i][col], out.getFloat(1, 0), name + "(" + xf + ") float32 array");
        }
    }

    @Test
    void softplusLogSigmoidExpitMatchHighPrecisionReferences() {
        checkTable(SOFTPLUS, 1, Numerics::softplus, Numerics::softplus, "softplus");
        checkTable(SOFTPLUS, 2, Numerics::logSigmoid, Numerics::logSigmoid, "logSigmoid");
        checkTable(SOFTPLUS, 3, Numerics::expit, Numerics::expit, "expit");
    }

    @Test
    void log1mexpAndLogitMatchHighPrecisionReferences() {
        checkTable(LOG1MEXP, 1, Numerics::log1mexp, Numerics::log1mexp, "log1mexp");
        checkTable(LOGIT, 1, Numerics::logit, Numerics::logit, "logit");
    }

    @Test
    void definingIdentitiesHoldOnAGrid() {
        for (double x = -30; x <= 30; x += 0.37) {
            // softplus(x) - softplus(-x) = x ; logSigmoid(x) = x - softplus(x) ; expit(-x) = 1 - expit(x)
            assertEquals(x, Numerics.softplus(x) - Numerics.softplus(-x), 1e-13);
            assertEquals(x - Numerics.softplus(x), Numerics.logSigmoid(x), 1e-13 * Math.max(1, Math.abs(x)));
            assertEquals(1.0, Numerics.expit(x) + Numerics.expit(-x), 1e-15);
            // logit inverts expit where expit is not saturated
            if (Math.abs(x) < 30) {
                assertEquals(x, Numerics.logit(Numerics.expit(x)), 1e-9 * Math.max(1, Math.abs(x)) * Math.exp(Math.abs(x) / 2));
            }
            if (x < 0) {
                // log1mexp(log p) = log(1 - p)
                assertEquals(Math.log1p(-Math.exp(x)), Numerics.log1mexp(x), 1e-12);
                // log1mexp(logSigmoid(x)) = logSigmoid(-x)
                assertEquals(Numerics.logSigmoid(-x), Numerics.log1mexp(Numerics.logSigmoid(x)), 1e-9);
            }
        }
    }

    @Test
    void specialValues() {
        assertEquals(INF, Numerics.softplus(INF));
        assertEquals(0.0, Numerics.softplus(-INF));
        assertEquals(-INF, Numerics.logSigmoid(-INF));
        assertEquals(1.0, Numerics.expit(INF));
        assertEquals(0.0, Numerics.expit(-INF));
        assertEquals(-INF, Numerics.log1mexp(0.0));
        assertEquals(-INF, Numerics.log1mexp(-0.0));
        assertEquals(-INF, Numerics.logit(0.0));
        assertEquals(INF, Numerics.logit(1.0));
        assertTrue(Double.isNaN(Numerics.softplus(Double.NaN)));
        assertTrue(Double.isNaN(Numerics.logit(Double.NaN)));
        assertEquals(Math.log(3), Numerics.logAddExp(Math.log(1), Math.log(2)), 1e-15);
        assertEquals(1000 + Math.log(2), Numerics.logAddExp(1000, 1000), 1e-12);
        assertEquals(-INF, Numerics.logAddExp(-INF, -INF));
        assertEquals(INF, Numerics.logAddExp(INF, 3));
        assertEquals(-INF, Numerics.logSumExp(new double[0]));
    }

    @Test
    void logSumExpMatchesReferencesAlongEveryAxisWithKeepDims() {
        // rows and decimal-module references (see class javadoc)
        double[][] rows = {{1000.0, 999.0, 998.0}, {-1000.0, -1000.5, -999.0}, {0.0, 0.0, 0.0}, {0.0009765625, -50.0, -60.0},
                {700.0, -700.0, -INF}, {3.0, 2.0, -1.0}};
        double[] ref = {1000.4076059644444, -998.5356312158921, 1.0986122886681098, 0.0009765625, 700.0, 3.3265626412674703};
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            INDArray x = Nd4j.createFromArray(rows).castTo(dt); // [6, 3]
            INDArray r1 = Numerics.logSumExp(x, 1, false);
            INDArray r1k = Numerics.logSumExp(x, -1, true);
            INDArray r0 = Numerics.logSumExp(x.transpose(), 0, false); // a view, reduced along axis 0
            assertArrayEquals(new long[]{6}, r1.shape());
            assertArrayEquals(new long[]{6, 1}, r1k.shape());
            assertArrayEquals(new long[]{6}, r0.shape());
            assertEquals(dt, r1.dataType());
            for (int i = 0; i < rows.length; i++) {
                double got = r1.getDouble(i);
                if (dt == DataType.DOUBLE) {
                    assertUlps(ref[i], got, 4, "logSumExp row " + i);
                } else {
                    assertFloatUlp(ref[i], (float) got, "logSumExp row " + i + " float32");
                }
                assertEquals(got, r1k.getDouble(i, 0));
                assertEquals(got, r0.getDouble(i));
            }
        }
        // 3-D, middle axis, against a direct double loop
        INDArray x = Rng.seed(4).normal(0, 30, DataType.DOUBLE, 2, 5, 3);
        INDArray r = Numerics.logSumExp(x, 1, true);
        assertArrayEquals(new long[]{2, 1, 3}, r.shape());
        for (int a = 0; a < 2; a++) {
            for (int c = 0; c < 3; c++) {
                double m = -INF;
                for (int b = 0; b < 5; b++) {
                    m = Math.max(m, x.getDouble(a, b, c));
                }
                double s = 0;
                for (int b = 0; b < 5; b++) {
                    s += Math.exp(x.getDouble(a, b, c) - m);
                }
                assertEquals(m + Math.log(s), r.getDouble(a, 0, c), 1e-12 * Math.max(1, Math.abs(m)));
            }
        }
        // every axis of a rank-4 array (permuted internally) against a direct loop
        INDArray x4 = Rng.seed(6).normal(0, 5, DataType.DOUBLE, 2, 3, 4, 5);
        for (int axis = 0; axis < 4; axis++) {
            INDArray r4 = Numerics.logSumExp(x4, axis, false);
            long[] shape = x4.shape();
            for (int a = 0; a < 2; a++) {
                for (int b = 0; b < 3; b++) {
                    for (int c = 0; c < 4; c++) {
                        for (int d = 0; d < 5; d++) {
                            long[] idx = {a, b, c, d};
                            if (idx[axis] != 0) {
                                continue;
                            }
                            double s2 = 0;
                            for (int j = 0; j < shape[axis]; j++) {
                                idx[axis] = j;
                                s2 += Math.exp(x4.getDouble(idx));
                            }
                            long[] out = new long[3];
                            for (int i = 0, o = 0; i < 4; i++) {
                                if (i != axis) {
                                    out[o++] = new long[]{a, b, c, d}[i];
                                }
                            }
                            assertEquals(Math.log(s2), r4.getDouble(out), 1e-12, "axis " + axis);
                        }
                    }
                }
            }
        }
        // rank 1 without keepDims gives a scalar
        INDArray s = Numerics.logSumExp(Nd4j.createFromArray(0.0, 0.0), 0, false);
        assertEquals(0, s.rank());
        assertEquals(Math.log(2), s.getDouble(0), 1e-15);
    }

    @Test
    void logSumExpSpecialRows() {
        INDArray x = Nd4j.createFromArray(new double[][]{{-INF, -INF}, {INF, 1}, {Double.NaN, 1}, {-INF, 5}});
        double[] r = Numerics.logSumExp(x, 1, false).toDoubleVector();
        assertEquals(-INF, r[0]);
        assertEquals(INF, r[1]);
        assertTrue(Double.isNaN(r[2]));
        assertEquals(5.0, r[3]);
    }

    @Test
    void floatArraysStayFiniteAtMagnitudeOneThousand() {
        INDArray x = Nd4j.createFromArray(-1000f, -500f, 500f, 1000f);
        for (INDArray y : new INDArray[]{Numerics.softplus(x), Numerics.logSigmoid(x), Numerics.expit(x),
                Numerics.logSumExp(x.reshape(2, 2), 1, false)}) {
            assertEquals(DataType.FLOAT, y.dataType());
            for (float v : y.reshape(-1).toFloatVector()) {
                assertTrue(Float.isFinite(v), "not finite: " + y);
            }
        }
        // -0.0: the limit is approached from below (log sigma(x) < 0)
        assertArrayEquals(new float[]{-1000f, -500f, -0f, -0f}, Numerics.logSigmoid(x).toFloatVector());
        assertArrayEquals(new float[]{0f, 0f, 500f, 1000f}, Numerics.softplus(x).toFloatVector());
        assertArrayEquals(new float[]{-0f, -0f}, Numerics.log1mexp(Nd4j.createFromArray(-1000f, -500f)).toFloatVector());
    }

    @Test
    void sameDiffSoftplusAndLogSigmoidAreStableWithTheRightGradient() {
        double[] xs = {-1000, -100, -30, -1, -0.25, 0.5, 3, 30, 100, 1000};
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.var("x", Nd4j.createFromArray(xs).castTo(dt));
            SDVariable sp = Numerics.softplus(x);
            SDVariable ls = Numerics.logSigmoid(x);
            double[] spv = sp.eval().castTo(DataType.DOUBLE).toDoubleVector();
            double[] lsv = ls.eval().castTo(DataType.DOUBLE).toDoubleVector();
            for (int i = 0; i < xs.length; i++) {
                // absolute accuracy: ND4J's float32 log1p is log(1 + y), so tiny results (e^-30) round to 0
                double sp64 = Numerics.softplus(xs[i]);
                double ls64 = Numerics.logSigmoid(xs[i]);
                double spTol = dt == DataType.FLOAT ? 2 * Math.ulp((float) Math.max(1, Math.abs(sp64))) : 4 * Math.ulp(Math.max(1, Math.abs(sp64)));
                double lsTol = dt == DataType.FLOAT ? 2 * Math.ulp((float) Math.max(1, Math.abs(ls64))) : 4 * Math.ulp(Math.max(1, Math.abs(ls64)));
                assertEquals(sp64, spv[i], spTol, "softplus(" + xs[i] + ") " + dt);
                assertEquals(ls64, lsv[i], lsTol, "logSigmoid(" + xs[i] + ") " + dt);
            }
            if (dt == DataType.DOUBLE) {
                // d softplus / dx = expit(x); d logSigmoid / dx = expit(-x)
                sd.setLossVariables(sp.sum().add(ls.sum().mul(2)));
                Map<String, INDArray> g = quietly(() -> sd.calculateGradients(Collections.emptyMap(), "x"));
                double[] gx = g.get("x").toDoubleVector();
                for (int i = 0; i < xs.length; i++) {
                    assertEquals(Numerics.expit(xs[i]) + 2 * Numerics.expit(-xs[i]), gx[i], 1e-12, "gradient at " + xs[i]);
                    assertTrue(Double.isFinite(gx[i]));
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Numerics.softplus((SDVariable) null));
    }

    /** Runs with System.out silenced (SameDiff prints when it first builds a gradient graph). */
    private static <T> T quietly(java.util.function.Supplier<T> f) {
        PrintStream old = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            return f.get();
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void outOfDomainAndBadArgumentsAreClearErrors() {
        String m = assertThrows(IllegalArgumentException.class, () -> Numerics.logit(1.5)).getMessage();
        assertTrue(m.startsWith("p:") && m.contains("[0, 1]") && m.contains("1.5"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Numerics.logit(Nd4j.createFromArray(0.5, -0.25))).getMessage();
        assertTrue(m.startsWith("p:") && m.contains("-0.25") && m.contains("index 1"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Numerics.log1mexp(0.5)).getMessage();
        assertTrue(m.startsWith("x:") && m.contains("x <= 0") && m.contains("0.5"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> Numerics.log1mexp(Nd4j.createFromArray(-1f, 2f, -3f).reshape(1, 3))).getMessage();
        assertTrue(m.startsWith("x:") && m.contains("2.0") && m.contains("index 1") && m.contains("[1, 3]"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> Numerics.logSumExp(Nd4j.zeros(2, 3), 2, false)).getMessage();
        assertTrue(m.startsWith("axis:") && m.contains("got 2") && m.contains("[2, 3]"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> Numerics.softplus(Nd4j.createFromArray(1, 2))).getMessage();
        assertTrue(m.startsWith("x:") && m.contains("floating-point"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Numerics.expit((INDArray) null)).getMessage();
        assertTrue(m.startsWith("x:") && m.contains("null"), m);
    }

    /**
     * {@link Numerics#expNonPositive} against float64 {@link Math#exp}: relative error below 5e-7 from −87 to 88 in
     * steps of 1e-3, exactly 0 below −87 (−∞ included), NaN for NaN, and x above 88 refused by name.
     */
    @Test
    void expNonPositiveIsExpToAFewUlpsAndRefusesOverflow() {
        double worst = 0;
        for (int i = -87_000; i <= 88_000; i++) {
            float x = Math.max(-87f, Math.min(i * 1e-3f, 88f));   // i · 1e-3f rounds past both ends
            double want = Math.exp(x);
            worst = Math.max(worst, Math.abs(Numerics.expNonPositive(x) - want) / want);
        }
        assertTrue(worst < 5e-7, "worst relative error " + worst);
        assertEquals(0f, Numerics.expNonPositive(-87.5f));
        assertEquals(0f, Numerics.expNonPositive(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(Numerics.expNonPositive(Float.NaN)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Numerics.expNonPositive(88.5f));
        assertTrue(e.getMessage().startsWith("x:"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Numerics.expNonPositive(Float.POSITIVE_INFINITY));
    }

    /**
     * The array form of {@link Numerics#expNonPositive} gives the scalar function's bits element by element (from
     * −90 to 88 in steps of about 1e-3, with −∞, NaN, −0, 0 and the float32 values next to −87); an element above 88
     * is refused by name and index, and so are arrays shorter than n, a null array and one array passed twice.
     */
    @Test
    void expNonPositiveArraysGiveTheScalarBits() {
        int n = 178_006;
        float[] x = new float[n];
        for (int i = 0; i < n - 6; i++) {
            x[i] = Math.min(-90f + i * 1e-3f, 88f);
        }
        x[n - 6] = Float.NEGATIVE_INFINITY;
        x[n - 5] = Float.NaN;
        x[n - 4] = -0f;
        x[n - 3] = 0f;
        x[n - 2] = Math.nextUp(-87f);
        x[n - 1] = Math.nextDown(-87f);
        float[] out = new float[n];
        Numerics.expNonPositive(x, out, new float[n], n);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits(Numerics.expNonPositive(x[i])), Float.floatToRawIntBits(out[i]),
                    "at x = " + x[i]);
        }
        float[] same = x.clone();
        assertThrows(IllegalArgumentException.class, () -> Numerics.expNonPositive(same, same, new float[n], n),
                "in place: the second pass reads x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Numerics.expNonPositive(new float[]{0f, 88.5f}, new float[2], new float[2], 2));
        assertTrue(e.getMessage().startsWith("x:") && e.getMessage().contains("at 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Numerics.expNonPositive(new float[3], new float[3], new float[2], 3));
        assertTrue(e.getMessage().startsWith("n:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Numerics.expNonPositive(new float[3], null, new float[3], 3));
        assertTrue(e.getMessage().contains("out"), e.getMessage());
    }
}
