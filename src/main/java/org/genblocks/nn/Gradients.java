package org.genblocks.nn;

import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Collection;
import java.util.Map;

/**
 * Gradients on a SameDiff graph without SameDiff's console output.
 *
 * <p>SameDiff prints "Added differentiated op ..." on {@code System.out} while it builds a
 * gradient graph ({@code createGradFunction}); a library must keep stdout clean. {@link #build}
 * builds the gradient graph once with {@code System.out} temporarily redirected to a sink (under
 * a global lock, restored in {@code finally}); later calls reuse that graph. The first build costs
 * about 1-2 s even for tiny graphs, so build once per graph and reuse it.
 */
public final class Gradients {
    private static final Object STDOUT_LOCK = new Object();
    private static final PrintStream SINK = new PrintStream(OutputStream.nullOutputStream());

    private Gradients() {
    }

    /**
     * Builds the gradient graph of {@code sd} for its loss variables, once, silently. Does nothing
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
        silently(sd::createGradFunction);
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
     * gradients of the given placeholders (SameDiff differentiates placeholders only when asked),
     * silently and under the same lock as {@link #build}. Does nothing when it is already built.
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
        silently(() -> sd.createGradFunction(placeholders));
    }

    /**
     * Runs {@code action} with {@code System.out} redirected to a sink, under the one global lock
     * every stdout redirection of the library must share (two locks would let one thread restore
     * the other's sink as the process's stdout).
     */
    private static void silently(Runnable action) {
        synchronized (STDOUT_LOCK) {
            PrintStream out = System.out;
            try {
                System.setOut(SINK);
                action.run();
            } finally {
                System.setOut(out);
            }
        }
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
