package org.genblocks.ode;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A log density per sample, {@code log p(z)} as {@code [N]}: the prior of a likelihood computation. */
@FunctionalInterface
public interface LogDensity {

    /** {@code log p(z_i)} for each sample of {@code z [N, ...]}, as float64 {@code [N]}. */
    INDArray logDensity(INDArray z);

    /** The standard normal {@code log N(z; 0, I) = -‖z‖²/2 - (D/2) log 2π}. */
    static LogDensity standardNormal() {
        return z -> {
            Shapes.requireFloatingPoint("z", z);
            long n = z.size(0);
            long d = z.length() / n;
            INDArray zd = z.castTo(DataType.DOUBLE).reshape(n, d);
            return zd.mul(zd).sum(1).muli(-0.5).subi(0.5 * d * Math.log(2 * Math.PI));
        };
    }

    /**
     * The isotropic normal {@code log N(z; 0, std²·I) = −‖z‖²/(2 std²) − D·ln std − (D/2) ln 2π}: the
     * prior at the noise end of a Gaussian path that stops at a finite noise level (VE, EDM).
     */
    static LogDensity normal(double std) {
        Shapes.checkPositive("std", std);
        double logStd = Math.log(std);
        return z -> {
            Shapes.requireFloatingPoint("z", z);
            long n = z.size(0);
            long d = z.length() / n;
            INDArray zd = z.castTo(DataType.DOUBLE).reshape(n, d).div(std);
            return zd.mul(zd).sum(1).muli(-0.5).subi(d * (logStd + 0.5 * Math.log(2 * Math.PI)));
        };
    }
}
