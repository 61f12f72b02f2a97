package org.genblocks.nn;

import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Map;

/**
 * Gradients on a SameDiff graph: builds the gradient graph once per graph and reuses it.
 *
 * <p>SameDiff 1.0.0-M2.1 prints one line, "Added differentiated op ...", on {@code System.out} for each
 * differentiated op while it builds a gradient graph ({@code createGradFunction}); the print is
 * unconditional (no logger, no flag). genblocks lets those lines through: hiding them would mean
 * replacing {@code System.out} for the whole process, which swallows other threads' output. They appear
 * once per graph, when the first training step builds it. The first build costs about 1-2 s even for tiny
 * graphs, so build once per graph and reuse it.
 */
public final class Gradients {
    private Gradients() {
    }

    /**
     * Builds the gradient graph of {@code sd} for its loss variables, once. Does nothing
     * when it is already built.
     *
     * @param lossVariables the scalar losses to differentiate (set as the graph's loss variables)
     */
    public static void build(SameDiff sd, String... lossVariables) {
        check(sd, lossVariables);
        if (sd.getFunction("grad") != null) {
            return;
        }
        sd.setLossVariables(lossVariables);
        sd.createGradFunction();
    }

    private static void check(SameDiff sd, String... lossVariables) {
        Shapes.checkNotNull("sd", sd, "a SameDiff graph");
        if (lossVariables == null || lossVariables.length == 0) {
            throw new IllegalArgumentException("lossVariables: expected at least one loss variable name");
        }
        for (String l : lossVariables) {
            if (!sd.hasVariable(l)) {
                throw new IllegalArgumentException("lossVariables: the graph has no variable '" + l + "'");
            }
        }
    }

    /**
     * Builds the gradient graph of {@code sd} for the loss variable {@code loss}, including the
     * gradients of the given placeholders (SameDiff differentiates placeholders only when asked).
     * Does nothing when it is already built.
     */
    public static void buildWithPlaceholders(SameDiff sd, String loss, String... placeholders) {
        check(sd, loss);
        if (placeholders == null || placeholders.length == 0) {
            throw new IllegalArgumentException("placeholders: expected at least one placeholder name");
        }
        for (String p : placeholders) {
            if (!sd.hasVariable(p)) {
                throw new IllegalArgumentException("placeholders: the graph has no variable '" + p + "'");
            }
        }
        if (sd.getFunction("grad") != null) {
            return;
        }
        sd.setLossVariables(loss);
        sd.createGradFunction(placeholders);
    }

    /** Whether the gradient graph of {@code sd} is built. */
    public static boolean isBuilt(SameDiff sd) {
        return sd.getFunction("grad") != null;
    }

    /**
     * Gradients of the loss variables with respect to {@code wrt} (parameter or placeholder names),
     * building the gradient graph first if needed.
     */
    public static Map<String, INDArray> compute(SameDiff sd, Map<String, INDArray> placeholders,
                                                Collection<String> wrt, String... lossVariables) {
        build(sd, lossVariables);
        return sd.calculateGradients(placeholders, wrt);
    }

    /** Outputs and gradients in one pass (the training step). */
    public static OutAndGrad computeWithOutputs(SameDiff sd, Map<String, INDArray> placeholders,
                                                Collection<String> outputs, Collection<String> wrt,
                                                String... lossVariables) {
        build(sd, lossVariables);
        return sd.calculateGradientsAndOutputs(placeholders, outputs, wrt);
    }
}
