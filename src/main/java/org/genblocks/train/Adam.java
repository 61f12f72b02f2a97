package org.genblocks.train;

import org.genblocks.nn.Params;
import org.genblocks.tensor.Shapes;
import org.genblocks.tensor.OpThreads;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam (Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015), bias corrected,
 * in the form PyTorch uses. With gradient {@code g} at update {@code t = 1, 2, ...}:
 * <pre>
 *   m = b1 m + (1 - b1) g
 *   v = b2 v + (1 - b2) g^2
 *   p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * The moments are allocated once per parameter and updated in place: no allocation per step after the first.
 * A float32 parameter is updated in one Java pass ({@code AdamPass}, in float32 arithmetic as PyTorch's); others in
 * two native ops with one scratch buffer (ND4J's fused Adam kernel and the scaled subtraction; ten separate
 * elementwise ops took twice as long on small models, where each op's fixed cost dominates). Not thread safe.
 */
public class Adam implements Optimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private long t;
    private final Map<String, INDArray> m = new LinkedHashMap<>();
    private final Map<String, INDArray> v = new LinkedHashMap<>();
    private final Map<String, INDArray> scratch = new LinkedHashMap<>();

    /** Adam with the given decay rates ({@code [0, 1)}) and {@code eps > 0}. */
    public Adam(double beta1, double beta2, double eps) {
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("beta1: expected a value in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta2: expected a value in [0, 1), got " + beta2);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = Shapes.checkPositive("eps", eps);
    }

    /** The optimizer a config describes (Adam or AdamW). */
    public static Optimizer of(TrainConfig c) {
        return c.optimizer() == TrainConfig.Algorithm.ADAMW
                ? new AdamW(c.beta1(), c.beta2(), c.eps(), c.weightDecay())
                : new Adam(c.beta1(), c.beta2(), c.eps());
    }

    /** Hook applied to {@code p} before the Adam update (AdamW's decoupled decay). */
    protected void beforeUpdate(INDArray p, double lr) {
    }

    @Override
    public void step(Params params, Map<String, INDArray> grads, double lr) {
        if (!(lr >= 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException("lr: expected a finite value >= 0, got " + lr);
        }
        for (String n : params.names()) {
            INDArray g = grads.get(n);
            if (g == null) {
                throw new IllegalArgumentException("grads: no gradient for parameter '" + n + "'");
            }
            INDArray p = params.get(n);
            if (!Arrays.equals(g.shape(), p.shape())) {
                throw new IllegalArgumentException("grads['" + n + "']: expected shape " + Arrays.toString(p.shape())
                        + ", got " + Arrays.toString(g.shape()));
            }
        }
        t++;
        double sqrtBc2 = Math.sqrt(1 - Math.pow(beta2, t));
        try (OpThreads.Team team = OpThreads.open()) {
            for (String n : params.names()) {
                INDArray p = params.get(n);
                team.size(p.length());
                update(p, grads.get(n), n, lr, sqrtBc2);
            }
        }
    }

    /**
     * One parameter's Adam update, in place: for float32 parameters one Java pass ({@link AdamPass}); otherwise two
     * native ops: ND4J's fused {@code adam_updater} kernel, given
     * a step size of 1, updates m and v and computes {@code u = √bc2/bc1 · m / (√v + ε')}; then
     * {@code p -= lr·u}. With {@code ε' = ε·√bc2} this is PyTorch's {@code lr/bc1 · m / (√v/√bc2 + ε)}.
     * The learning rate stays out of the kernel because the kernel replaces a step size that is 0 or overflows
     * its type by ε'; outside it, {@code lr = 0} leaves p alone and an overflowing lr makes p non-finite, which
     * the training loop reports.
     */
    private void update(INDArray p, INDArray gradient, String n, double lr, double sqrtBc2) {
        INDArray g = gradient.dataType() == p.dataType() ? gradient : gradient.castTo(p.dataType());
        INDArray mi = m.computeIfAbsent(n, k -> Nd4j.zeros(p.dataType(), p.shape()));
        INDArray vi = v.computeIfAbsent(n, k -> Nd4j.zeros(p.dataType(), p.shape()));
        beforeUpdate(p, lr);
        if (AdamPass.update(p, g, mi, vi, lr, beta1, beta2, eps, 1 - Math.pow(beta1, t), sqrtBc2)) {
            return;   // float32: one Java pass
        }
        INDArray u = scratch.computeIfAbsent(n, k -> Nd4j.create(p.dataType(), p.shape()));
        int iteration = (int) Math.min(t - 1, Integer.MAX_VALUE); // the kernel's t is 0-based
        Nd4j.exec(new AdamUpdater(g, vi, mi, u, vi, mi, 1.0, beta1, beta2, eps * sqrtBc2, iteration));
        Nd4j.exec(new Axpy(u, p, p, -lr));
    }

    @Override
    public long stepCount() {
        return t;
    }

    @Override
    public Map<String, INDArray> state() {
        LinkedHashMap<String, INDArray> s = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : m.entrySet()) {
            s.put("m/" + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, INDArray> e : v.entrySet()) {
            s.put("v/" + e.getKey(), e.getValue());
        }
        return Collections.unmodifiableMap(s);
    }

    @Override
    public void load(Params params, Map<String, INDArray> state, long stepCount) {
        if (stepCount < 0) {
            throw new IllegalArgumentException("stepCount: expected >= 0, got " + stepCount);
        }
        int expected = stepCount == 0 ? 0 : 2 * params.size();
        if (state.size() != expected) {
            throw new IllegalArgumentException("state: expected " + expected + " Adam moment arrays (m/, v/ for each of "
                    + params.size() + " parameters), got " + state.size() + ": " + state.keySet());
        }
        if (stepCount > 0) {
            for (String n : params.names()) {
                for (String k : new String[]{"m/", "v/"}) {
                    INDArray a = state.get(k + n);
                    if (a == null) {
                        throw new IllegalArgumentException("state: missing '" + k + n + "'");
                    }
                    if (!Arrays.equals(a.shape(), params.get(n).shape()) || a.dataType() != params.dataType()) {
                        throw new IllegalArgumentException("state['" + k + n + "']: expected " + params.dataType()
                                + Arrays.toString(params.get(n).shape()) + ", got " + a.dataType() + Arrays.toString(a.shape()));
                    }
                }
            }
        }
        m.clear();
        v.clear();
        scratch.clear();
        if (stepCount > 0) {
            for (String n : params.names()) {
                m.put(n, state.get("m/" + n).dup());
                v.put(n, state.get("v/" + n).dup());
            }
        }
        t = stepCount;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(beta1=" + beta1 + ", beta2=" + beta2 + ", eps=" + eps + ", t=" + t + ")";
    }
}
