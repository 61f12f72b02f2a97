package org.genblocks.nn;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Pointwise nonlinearities, applied on the graph.
 * <ul>
 *   <li>{@code RELU}: {@code max(0, x)}.</li>
 *   <li>{@code GELU}: the exact {@code x Φ(x) = x (1 + erf(x / sqrt 2)) / 2} (Hendrycks and Gimpel,
 *       "Gaussian Error Linear Units", 2016; PyTorch's default, not the tanh approximation).</li>
 *   <li>{@code GELU_TANH}: the tanh approximation
 *       {@code x (1 + tanh(sqrt(2/π) (x + 0.044715 x³))) / 2} (same paper; PyTorch's
 *       {@code GELU(approximate="tanh")}, used by DiT's MLP blocks).</li>
 *   <li>{@code SILU}: {@code x σ(x)} (Elfwing et al. 2018; "swish" in Ramachandran et al. 2017).</li>
 *   <li>{@code TANH}: {@code tanh(x)}.</li>
 *   <li>{@code MP_SILU}: {@code SiLU(x)/0.596}, EDM2's magnitude-preserving SiLU (Karras et al. 2024; unit RMS
 *       for x ~ N(0, 1); {@link MagnitudePreserving}).</li>
 * </ul>
 */
public enum Activation {
    RELU {
        @Override
        SDVariable graph(Scope scope, SDVariable x) {
            return scope.sd().nn().relu(scope.name("relu"), x, 0.0);
        }
    },
    GELU {
        @Override
        SDVariable graph(Scope scope, SDVariable x) {
            SDVariable cdf = scope.sd().math().erf(x.mul(1.0 / Math.sqrt(2.0))).add(1.0).mul(0.5);
            return x.mul(scope.name("gelu"), cdf);
        }
    },
    GELU_TANH {
        @Override
        SDVariable graph(Scope scope, SDVariable x) {
            SDVariable inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2.0 / Math.PI));
            return x.mul(scope.name("gelu"), scope.sd().math().tanh(inner).add(1.0).mul(0.5));
        }
    },
    SILU {
        @Override
        SDVariable graph(Scope scope, SDVariable x) {
            return x.mul(scope.name("silu"), scope.sd().nn().sigmoid(x));
        }
    },
    TANH {
        @Override
        SDVariable graph(Scope scope, SDVariable x) {
            return scope.sd().math().tanh(scope.name("tanh"), x);
        }
    },
    MP_SILU {
        @Override
        SDVariable graph(Scope scope, SDVariable x) {
            return x.mul(scope.sd().nn().sigmoid(x)).mul(scope.name("mp_silu"), 1.0 / MagnitudePreserving.SILU_SCALE);
        }
    };

    /** The activation applied to {@code x} on the graph of {@code scope} (same shape as {@code x}). */
    public SDVariable apply(Scope scope, SDVariable x) {
        return scope.withShape(graph(scope, x), scope.shape(x));
    }

    /** The graph ops of the activation. */
    abstract SDVariable graph(Scope scope, SDVariable x);
}
