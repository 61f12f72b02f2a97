package org.genblocks.flow;

import org.genblocks.nn.Init;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.*;

/** The kit catches the bugs it is meant to catch. */
class FlowTestKitTest {
    /** y = exp(s) x with a configurable bug. */
    static final class Buggy extends Bijection {
        enum Bug { NONE, LOGDET_SCALE, BAD_INVERSE, NAN }

        private final Bug bug;

        Buggy(Bug bug) {
            super(new long[]{3});
            this.bug = bug;
            param("s", Init.constant(0.3), 3);
        }

        @Override
        public FlowVar forward(Scope scope, SDVariable x, SDVariable context) {
            SDVariable s = scope.param("s");
            SDVariable y = x.mul(scope.sd().math().exp(s));
            if (bug == Bug.NAN) {
                y = y.mul(scope.sd().math().log(x)); // NaN for x < 0
            }
            SDVariable ld = FlowOps.zeroLogDet(scope.sd(), x, inputShape()).add(s.sum());
            if (bug == Bug.LOGDET_SCALE) {
                ld = ld.mul(2.0); // a factor shared by forward and inverse: round trips cannot see it
            }
            return new FlowVar(y, ld);
        }

        @Override
        public FlowVar inverse(Scope scope, SDVariable y, SDVariable context) {
            SDVariable s = scope.param("s");
            SDVariable x = y.mul(scope.sd().math().exp(s.neg()));
            if (bug == Bug.BAD_INVERSE) {
                x = x.add(1e-3);
            }
            SDVariable ld = FlowOps.zeroLogDet(scope.sd(), y, outputShape()).sub(s.sum());
            if (bug == Bug.LOGDET_SCALE) {
                ld = ld.mul(2.0);
            }
            return new FlowVar(x, ld);
        }
    }

    private static FlowFunction f(Buggy.Bug bug) {
        Buggy b = new Buggy(bug);
        return FlowFunction.of(b, b.init(1, DataType.DOUBLE));
    }

    private static final INDArray X = Rng.seed(1).normal(DataType.DOUBLE, 4, 3);

    @Test
    void correctLayerPasses() {
        FlowTestKit.assertAll(f(Buggy.Bug.NONE), X, null);
        double[] bf = FlowTestKit.bruteForceLogDets(f(Buggy.Bug.NONE), X, null, false, "buggy");
        for (double v : bf) {
            assertEquals(0.9, v, 1e-8);
        }
    }

    @Test
    void logDetScaledConsistentlyIsCaughtOnlyByTheJacobian() {
        FlowTestKit.assertInvertible(f(Buggy.Bug.LOGDET_SCALE), X, null, 1e-9);
        AssertionError e = assertThrows(AssertionError.class,
                () -> FlowTestKit.assertLogDetMatchesJacobian(f(Buggy.Bug.LOGDET_SCALE), X, null, 1e-6));
        assertTrue(e.getMessage().contains("brute-force") && e.getMessage().contains("0.900000"), e.getMessage());
    }

    @Test
    void badInverseIsCaught() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> FlowTestKit.assertInvertible(f(Buggy.Bug.BAD_INVERSE), X, null, 1e-9));
        assertTrue(e.getMessage().contains("inverse(forward(x))"), e.getMessage());
    }

    @Test
    void nonFiniteOutputIsCaught() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> FlowTestKit.assertInvertible(f(Buggy.Bug.NAN), X, null, 1e-9));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    }

    @Test
    void jacobianNeedsFloat64() {
        Buggy b = new Buggy(Buggy.Bug.NONE);
        FlowFunction f = FlowFunction.of(b, b.init(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FlowTestKit.assertLogDetMatchesJacobian(f, X.castTo(DataType.FLOAT), null, 1e-6));
        assertTrue(e.getMessage().contains("float64"), e.getMessage());
    }

    @Test
    void perturbChangesEveryParameter() {
        Buggy b = new Buggy(Buggy.Bug.NONE);
        Params p = b.init(1, DataType.DOUBLE);
        Params q = FlowTestKit.perturb(p.copy(), 3, 0.1);
        assertTrue(p.get("s").sub(q.get("s")).amaxNumber().doubleValue() > 0);
    }
}
