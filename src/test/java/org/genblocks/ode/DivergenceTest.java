package org.genblocks.ode;

import org.genblocks.rf.GaussianVelocity;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DivergenceTest {
    static final GaussianVelocity FIELD = GaussianVelocity.of(new double[]{2.0, -1.0, 0.5},
            new double[][]{{0.36, 0.24, 0.0}, {0.24, 0.25, 0.05}, {0.0, 0.05, 1.5}});

    /** A nonlinear analytic field f(x) = (sin x1 · x2, x1², tanh x3 + x1 x2 x3), Jacobian by hand. */
    static final DifferentiableField NONLINEAR = new DifferentiableField() {
        @Override
        public INDArray velocity(INDArray x, double t) {
            double[][] a = x.toDoubleMatrix();
            double[][] v = new double[a.length][3];
            for (int i = 0; i < a.length; i++) {
                v[i][0] = Math.sin(a[i][0]) * a[i][1] * t;
                v[i][1] = a[i][0] * a[i][0];
                v[i][2] = Math.tanh(a[i][2]) + a[i][0] * a[i][1] * a[i][2];
            }
            return Nd4j.create(v).castTo(x.dataType());
        }

        double[][] jac(double[] a, double t) {
            double th = Math.tanh(a[2]);
            return new double[][]{
                    {Math.cos(a[0]) * a[1] * t, Math.sin(a[0]) * t, 0},
                    {2 * a[0], 0, 0},
                    {a[1] * a[2], a[0] * a[2], 1 - th * th + a[0] * a[1]}};
        }

        @Override
        public INDArray vjp(INDArray x, double t, INDArray u) {
            double[][] a = x.toDoubleMatrix();
            double[][] uu = u.toDoubleMatrix();
            double[][] r = new double[a.length][3];
            for (int i = 0; i < a.length; i++) {
                double[][] j = jac(a[i], t);
                for (int c = 0; c < 3; c++) {
                    for (int k = 0; k < 3; k++) {
                        r[i][c] += uu[i][k] * j[k][c];
                    }
                }
            }
            return Nd4j.create(r).castTo(x.dataType());
        }
    };

    @Test
    void exactDivergenceEqualsTraceOfTheJacobian() {
        INDArray x = Nd4j.createFromArray(new double[][]{{0.3, -0.2, 1.0}, {1.5, 0.7, -0.4}});
        double[][] j = FIELD.jacobian(0.4);
        double tr = j[0][0] + j[1][1] + j[2][2];
        INDArray d = Divergence.exact().of(FIELD, x, 0.4);
        assertEquals(tr, d.getDouble(0), 1e-14);
        // default D-vjp route of a field without a closed-form divergence
        INDArray dn = Divergence.exact().of(NONLINEAR, x, 0.4);
        double[] a = {1.5, 0.7, -0.4};
        double th = Math.tanh(a[2]);
        assertEquals(Math.cos(a[0]) * a[1] * 0.4 + 0 + 1 - th * th + a[0] * a[1], dn.getDouble(1), 1e-14);
        // central differences agree to O(eps^2)
        INDArray fd = Divergence.finiteDifference(1e-5).of(NONLINEAR, x, 0.4);
        assertEquals(dn.getDouble(0), fd.getDouble(0), 1e-8);
        assertEquals(dn.getDouble(1), fd.getDouble(1), 1e-8);
    }

    @Test
    void hutchinsonIsUnbiasedSeededAndConverges() {
        INDArray x = Nd4j.createFromArray(new double[][]{{0.3, -0.2, 1.0}, {1.5, 0.7, -0.4}});
        INDArray exact = Divergence.exact().of(NONLINEAR, x, 0.4);
        for (Probe p : Probe.values()) {
            INDArray a = Divergence.hutchinson(p, 2_000, 7).of(NONLINEAR, x, 0.4);
            INDArray b = Divergence.hutchinson(p, 2_000, 7).of(NONLINEAR, x, 0.4);
            assertEquals(a, b, "same seed, same estimate");
            // one probe has variance <= 2 ||J||_F^2 < 12 here, so the standard error of 2,000 probes is < 0.08
            for (int i = 0; i < 2; i++) {
                assertEquals(exact.getDouble(i), a.getDouble(i), 0.25, p + " sample " + i);
            }
            INDArray c = Divergence.hutchinson(p, 4, 8).of(NONLINEAR, x, 0.4);
            assertTrue(!c.equals(Divergence.hutchinson(p, 4, 9).of(NONLINEAR, x, 0.4)), "different seeds differ");
        }
        // Rademacher probes on a diagonal Jacobian are exact with one probe
        VectorField diag = (y, t) -> y.mul(y);
        INDArray one = Divergence.hutchinson(Probe.RADEMACHER, 1, 3).of(diag, x, 0);
        assertEquals(2 * (0.3 - 0.2 + 1.0), one.getDouble(0), 1e-8);
    }
}
