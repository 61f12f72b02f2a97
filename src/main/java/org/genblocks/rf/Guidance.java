package org.genblocks.rf;

import org.genblocks.ode.VectorField;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Classifier-free guidance on velocities (Ho and Salimans 2022; SD3 and diffusers pipelines):
 * <pre>  u_g(x, t) = u_uncond(x, t) + g (u_cond(x, t) - u_uncond(x, t)),</pre>
 * with guidance scale g (g = 1: the conditional field; g = 0: the unconditional one). Meta's
 * flow_matching writes the same as {@code (1 + w) u_cond - w u_uncond} with {@code w = g - 1}.
 */
public final class Guidance {
    private Guidance() {
    }

    /** The guided field; both fields are evaluated at every call (2 network evaluations per NFE). */
    public static VectorField classifierFree(VectorField conditional, VectorField unconditional, double scale) {
        if (conditional == null || unconditional == null) {
            throw new IllegalArgumentException("conditional, unconditional: expected VectorFields, got null");
        }
        Shapes.checkFinite("scale", scale);
        return (x, t) -> {
            INDArray c = conditional.velocity(x, t);
            INDArray u = unconditional.velocity(x, t);
            Shapes.requireSameShape("conditional velocity", c, "unconditional velocity", u);
            return u.add(c.sub(u).muli(scale));
        };
    }
}
