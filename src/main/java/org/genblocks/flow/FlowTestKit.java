package org.genblocks.flow;

import org.genblocks.nn.Params;
import org.genblocks.tensor.Rng;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * A public test kit for bijections, for genblocks' own layers and for yours. Each check throws
 * {@link AssertionError} with a message naming the layer, the example and the numbers; no test
 * framework is needed.
 *
 * <p>Round-trip checks alone miss sign and scale bugs shared by forward and inverse (and any bug
 * at the zero-init identity), so pair {@link #assertInvertible} with
 * {@link #assertLogDetMatchesJacobian}, a brute-force Jacobian by central finite differences in
 * float64, run with random non-zero weights ({@link #perturb}). Typical use:
 * <pre>{@code
 * Params p = FlowTestKit.perturb(layer.init(1, DataType.DOUBLE), 2, 0.1);
 * FlowFunction f = FlowFunction.of(layer, p);
 * INDArray x = Rng.seed(3).normal(DataType.DOUBLE, 4, 2, 4, 4);
 * FlowTestKit.assertAll(f, x, null);
 * }</pre>
 */
public final class FlowTestKit {
    /** Default round-trip tolerance in float64 (absolute, per element). */
    public static final double INVERSE_TOLERANCE = 1e-9;
    /** Default log-det tolerance in float64 (the bar: 1e-6). */
    public static final double LOGDET_TOLERANCE = 1e-6;
    /** Central-difference step. */
    public static final double FD_STEP = 1e-5;
    /** The largest per-example dimension the brute-force Jacobian accepts. */
    public static final int MAX_JACOBIAN_DIMS = 2048;

    private FlowTestKit() {
    }

    /** All checks: finite outputs, invertibility and log-dets against the brute-force Jacobian in both directions. */
    public static void assertAll(FlowFunction f, INDArray x, INDArray context) {
        assertInvertible(f, x, context, INVERSE_TOLERANCE);
        assertLogDetMatchesJacobian(f, x, context, LOGDET_TOLERANCE);
    }

    /**
     * {@code f⁻¹(f(x)) = x}, {@code f(f⁻¹(y)) = y} at {@code y = f(x)}, and
     * {@code log|det ∂f⁻¹/∂y| = −log|det ∂f/∂x|}; output shapes and finiteness.
     */
    public static void assertInvertible(FlowFunction f, INDArray x, INDArray context, double tol) {
        String who = f.flow().getClass().getSimpleName();
        FlowResult fy = f.forward(x, context);
        assertShapes(who + ".forward", fy, x.size(0), f.flow().outputShape());
        assertFinite(who + ".forward value", fy.value());
        assertFinite(who + ".forward logDet", fy.logDet());
        FlowResult fx = f.inverse(fy.value(), context);
        assertShapes(who + ".inverse", fx, x.size(0), f.flow().inputShape());
        assertFinite(who + ".inverse value", fx.value());
        assertFinite(who + ".inverse logDet", fx.logDet());
        double err = maxAbsDiff(fx.value(), x);
        if (!(err <= tol)) {
            throw new AssertionError(who + ": inverse(forward(x)) differs from x by " + err + " (max abs) > tolerance " + tol);
        }
        INDArray sum = fy.logDet().add(fx.logDet());
        double ld = sum.amaxNumber().doubleValue();
        double scale = 1 + fy.logDet().amaxNumber().doubleValue();
        if (!(ld <= tol * scale)) {
            throw new AssertionError(who + ": forward logDet + inverse logDet should be 0, got max |sum| " + ld
                    + " (forward " + Arrays.toString(fy.logDet().toDoubleVector()) + ", inverse "
                    + Arrays.toString(fx.logDet().toDoubleVector()) + ")");
        }
        FlowResult again = f.forward(fx.value(), context);
        double err2 = maxAbsDiff(again.value(), fy.value());
        if (!(err2 <= tol * (1 + fy.value().amaxNumber().doubleValue()))) {
            throw new AssertionError(who + ": forward(inverse(y)) differs from y by " + err2 + " (max abs)");
        }
    }

    /**
     * The forward log-det of every example equals {@code log|det J|} of the Jacobian of the
     * flattened map, computed by central finite differences (step {@link #FD_STEP}) in float64;
     * and the inverse log-det at {@code y = f(x)} equals that of the inverse's Jacobian.
     *
     * @throws IllegalArgumentException when {@code x} is not float64 or an example has more than
     *                                  {@link #MAX_JACOBIAN_DIMS} dimensions
     */
    public static void assertLogDetMatchesJacobian(FlowFunction f, INDArray x, INDArray context, double tol) {
        if (x.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("x: the brute-force Jacobian needs float64 (parameters and input), got " + x.dataType());
        }
        String who = f.flow().getClass().getSimpleName();
        FlowResult fy = f.forward(x, context);
        double[] brute = bruteForceLogDets(f, x, context, false, who + ".forward");
        checkClose(who + ".forward", fy.logDet().toDoubleVector(), brute, tol);
        FlowResult fx = f.inverse(fy.value(), context);
        double[] bruteInv = bruteForceLogDets(f, fy.value(), context, true, who + ".inverse");
        checkClose(who + ".inverse", fx.logDet().toDoubleVector(), bruteInv, tol);
    }

    /** Every element of {@code a} is finite. */
    public static void assertFinite(String what, INDArray a) {
        double[] v = a.dup().castTo(DataType.DOUBLE).data().asDouble();
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new AssertionError(what + ": element " + i + " of shape " + Arrays.toString(a.shape())
                        + " is " + v[i]);
            }
        }
    }

    /**
     * {@code log|det J|} per example of the flattened map ({@code inverse} selects the direction),
     * from central finite differences; all {@code 2·D} perturbations of all examples run as one batch.
     */
    public static double[] bruteForceLogDets(FlowFunction f, INDArray x, INDArray context, boolean inverse, String who) {
        long n = x.size(0);
        long d = x.length() / n;
        if (d > MAX_JACOBIAN_DIMS) {
            throw new IllegalArgumentException("x: brute-force Jacobians are limited to " + MAX_JACOBIAN_DIMS
                    + " dimensions per example, got " + d);
        }
        double[] xv = x.dup().data().asDouble();
        long rows = n * 2 * d;
        double[] batch = new double[Math.toIntExact(rows * d)];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                for (int sgn = 0; sgn < 2; sgn++) {
                    long row = (long) i * 2 * d + 2L * k + sgn;
                    System.arraycopy(xv, (int) (i * d), batch, (int) (row * d), (int) d);
                    batch[(int) (row * d + k)] += sgn == 0 ? FD_STEP : -FD_STEP;
                }
            }
        }
        long[] shape = x.shape().clone();
        shape[0] = rows;
        INDArray xb = Nd4j.createFromArray(batch).reshape(shape);
        INDArray cb = null;
        if (context != null) {
            cb = context.repeat(0, 2 * d); // each row repeated 2·D times, consecutively
        }
        FlowResult r = inverse ? f.inverse(xb, cb) : f.forward(xb, cb);
        double[] out = r.value().dup().data().asDouble();
        double[] logDets = new double[(int) n];
        for (int i = 0; i < n; i++) {
            double[][] jac = new double[(int) d][(int) d];
            for (int k = 0; k < d; k++) {
                long plus = ((long) i * 2 * d + 2L * k) * d;
                long minus = plus + d;
                for (int j = 0; j < d; j++) {
                    jac[j][k] = (out[(int) (plus + j)] - out[(int) (minus + j)]) / (2 * FD_STEP);
                }
            }
            try {
                logDets[i] = LuDecomposition.of("jacobian", jac).logAbsDet();
            } catch (IllegalArgumentException e) {
                throw new AssertionError(who + ": the Jacobian of example " + i + " is singular or not finite: " + e.getMessage());
            }
        }
        return logDets;
    }

    /**
     * Adds {@code scale}·N(0, 1) noise to every parameter (in place) and returns {@code params}: a
     * layer at its zero-init identity hides bugs, so tests should use random non-zero weights.
     */
    public static Params perturb(Params params, long seed, double scale) {
        if (!(scale >= 0) || !Double.isFinite(scale)) {
            throw new IllegalArgumentException("scale: expected a finite value >= 0, got " + scale);
        }
        Rng rng = Rng.seed(seed);
        for (String name : params.names()) {
            INDArray a = params.get(name);
            a.addi(rng.normal(a.dataType(), a.shape()).muli(scale));
        }
        return params;
    }

    private static void checkClose(String who, double[] got, double[] brute, double tol) {
        for (int i = 0; i < got.length; i++) {
            if (!(Math.abs(got[i] - brute[i]) <= tol)) {
                throw new AssertionError(who + ": logDet of example " + i + " is " + got[i]
                        + " but the brute-force Jacobian gives log|det J| = " + brute[i] + " (|diff| "
                        + Math.abs(got[i] - brute[i]) + " > " + tol + ")");
            }
        }
    }

    private static void assertShapes(String who, FlowResult r, long n, long[] event) {
        long[] expected = new long[event.length + 1];
        expected[0] = n;
        System.arraycopy(event, 0, expected, 1, event.length);
        if (!Arrays.equals(r.value().shape(), expected)) {
            throw new AssertionError(who + ": value has shape " + Arrays.toString(r.value().shape()) + ", expected "
                    + Arrays.toString(expected));
        }
        if (!Arrays.equals(r.logDet().shape(), new long[]{n})) {
            throw new AssertionError(who + ": logDet has shape " + Arrays.toString(r.logDet().shape())
                    + ", expected [" + n + "] (one per example)");
        }
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            return Double.POSITIVE_INFINITY;
        }
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }
}
