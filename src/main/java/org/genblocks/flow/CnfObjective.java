package org.genblocks.flow;

import org.genblocks.nn.InputSpec;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.Probe;
import org.genblocks.ode.TimeGrid;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.BatchSource;
import org.genblocks.train.Objective;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Maximum-likelihood training of a continuous normalizing flow (FFJORD, Grathwohl et al. 2019) with
 * a fixed-step solver unrolled in the graph and gradients by backpropagation through the solver.
 *
 * <p>In genblocks time (t = 0 data, t = 1 noise) the instantaneous change of variables (Chen et al.
 * 2018, Thm. 1) gives {@code log p(x) = log N(x(1); 0, I) + ∫_0^1 ∇·f(x_t, t) dt} along
 * {@code dx/dt = f(x, t)}, {@code x(0) = x}. The graph integrates the augmented state
 * {@code d/dt [x, ℓ] = [f(x, t), vᵀ (∂f/∂x) v]} with the Runge–Kutta tableau of the given
 * {@link OdeSolver} ({@code euler}, {@code midpoint}, {@code heun}, {@code rk4}) on the given grid,
 * the Jacobian–vector product in forward mode ({@link CnfNetwork#forwardWithTangent}). The rows of
 * the graph's input are {@code M} copies of the batch, each with its own tangent {@code v}:
 * <ul>
 *   <li>{@link Trace#exact()}: {@code M = D}, copy {@code j} has {@code v = e_j};
 *       {@code Σ_j e_jᵀ J e_j = tr J}, the exact divergence.</li>
 *   <li>{@link Trace#hutchinson(Probe, int)}: {@code M = K} probes with {@code E[v vᵀ] = I}, drawn
 *       from the trainer's seeded stream and held fixed along the solve;
 *       {@code (1/K) Σ_k v_kᵀ J v_k} is unbiased for {@code tr J} (Hutchinson 1989).</li>
 * </ul>
 * The loss is the mean negative log-likelihood in nats per example,
 * {@code −(1/N) Σ_n [log N(x_n(1)) + w Σ_m ℓ_{m,n}(1)]} with {@code w = 1} (exact) or {@code 1/K};
 * the copies of a sample follow the same path, so it is computed as the mean over all rows of
 * {@code −log N(x(1)) − w M ℓ(1)}.
 *
 * <p>Inputs: {@code "x" [M·N, D]} (copy-major: rows {@code m·N … m·N + N − 1} are copy {@code m}) and
 * {@code "v" [M·N, D]}; {@link #source(INDArray, int)} builds them from a data set.
 */
public final class CnfObjective implements Objective {

    /** How the divergence is computed in the training graph. */
    public static final class Trace {
        private final Probe probe;
        private final int probes;

        private Trace(Probe probe, int probes) {
            this.probe = probe;
            this.probes = probes;
        }

        /** The exact trace from the {@code D} basis tangents (cost: D copies of the batch). */
        public static Trace exact() {
            return new Trace(null, 0);
        }

        /** Hutchinson's estimator with {@code probes} probes of {@code kind} per sample. */
        public static Trace hutchinson(Probe kind, int probes) {
            Shapes.checkNotNull("kind", kind, "RADEMACHER or GAUSSIAN");
            return new Trace(kind, Shapes.checkPositive("probes", probes));
        }

        /** Whether the trace is exact. */
        public boolean isExact() {
            return probe == null;
        }

        /** The probe distribution, or null when exact. */
        public Probe probe() {
            return probe;
        }

        /** The copies of the batch per step: {@code D} when exact, else the number of probes. */
        public int copies(long dim) {
            return probe == null ? (int) dim : probes;
        }

        /** The tangents {@code [M·N, D]}: basis vectors (exact) or probes drawn from {@code rng}. */
        INDArray tangents(long n, long dim, DataType dtype, Rng rng) {
            int m = copies(dim);
            if (probe != null) {
                return probe.draw(rng, dtype, m * n, dim);
            }
            INDArray v = Nd4j.zeros(dtype, m * n, dim);
            for (int j = 0; j < m; j++) {
                v.get(NDArrayIndex.interval(j * n, (j + 1) * n), NDArrayIndex.point(j)).assign(1.0);
            }
            return v;
        }

        /** The weight {@code w M} of each row's integrated divergence in the per-sample log-likelihood. */
        double rowWeight(long dim) {
            return probe == null ? dim : 1.0;
        }

        @Override
        public String toString() {
            return probe == null ? "exact" : "hutchinson(" + probe + ", " + probes + ")";
        }
    }

    private static final double LOG_2PI = Math.log(2 * Math.PI);

    private final CnfNetwork network;
    private final OdeSolver solver;
    private final double[][] a;
    private final double[] b;
    private final double[] c;
    private final TimeGrid grid;
    private final Trace trace;
    private final List<InputSpec> inputs;

    /**
     * @param network the vector field
     * @param solver  a fixed-step solver: {@code OdeSolver.euler()}, {@code midpoint()}, {@code heun()}
     *                or {@code rk4()} (an adaptive solver cannot be unrolled into a fixed graph)
     * @param grid    a forward grid from data ({@code t = 0}) to noise ({@code t = 1})
     * @param trace   exact or Hutchinson
     */
    public CnfObjective(CnfNetwork network, OdeSolver solver, TimeGrid grid, Trace trace) {
        Shapes.checkNotNull("network", network, "a CnfNetwork");
        Shapes.checkNotNull("solver", solver, "a fixed-step OdeSolver (euler, midpoint, heun, rk4)");
        if (grid == null || !grid.isForward() || grid.start() != 0.0 || grid.end() != 1.0) {
            throw new IllegalArgumentException("grid: expected a forward grid from t = 0 (data) to t = 1 (noise), got " + grid);
        }
        Shapes.checkNotNull("trace", trace, "Trace.exact() or Trace.hutchinson(kind, k)");
        this.network = network;
        this.solver = solver;
        this.grid = grid;
        this.trace = trace;
        switch (solver.name().toLowerCase(Locale.ROOT)) {
            case "euler" -> {
                a = new double[][]{{}};
                b = new double[]{1};
                c = new double[]{0};
            }
            case "midpoint" -> {
                a = new double[][]{{}, {0.5}};
                b = new double[]{0, 1};
                c = new double[]{0, 0.5};
            }
            case "heun" -> {
                a = new double[][]{{}, {1}};
                b = new double[]{0.5, 0.5};
                c = new double[]{0, 1};
            }
            case "rk4" -> {
                a = new double[][]{{}, {0.5}, {0, 0.5}, {0, 0, 1}};
                b = new double[]{1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6};
                c = new double[]{0, 0.5, 0.5, 1};
            }
            default -> throw new IllegalArgumentException("solver: expected a fixed-step solver (euler, midpoint, heun, "
                    + "rk4) to unroll in the graph, got " + solver.name());
        }
        long d = network.dim();
        this.inputs = List.of(InputSpec.of("x", -1, d), InputSpec.of("v", -1, d));
    }

    /** The network. */
    public CnfNetwork network() {
        return network;
    }

    /** The unrolled solver. */
    public OdeSolver solver() {
        return solver;
    }

    /** The grid from data to noise. */
    public TimeGrid grid() {
        return grid;
    }

    /** The divergence strategy. */
    public Trace trace() {
        return trace;
    }

    @Override
    public List<InputSpec> inputs() {
        return inputs;
    }

    @Override
    public SDVariable loss(Scope root, Map<String, SDVariable> in) {
        SDVariable[] end = integrate(root, in.get("x"), in.get("v"));
        SDVariable logLik = logPrior(root, end[0]).add(end[1].mul(trace.rowWeight(network.dim())));
        return logLik.mean().neg(root.name("cnf_nll"));
    }

    /** {@code log N(z; 0, I)} per row, {@code [R]}. */
    private SDVariable logPrior(Scope root, SDVariable z) {
        return z.mul(z).sum(1).mul(-0.5).sub(0.5 * network.dim() * LOG_2PI);
    }

    /**
     * The unrolled augmented solve: {@code {x(1) [R, D], ℓ(1) [R]}} from {@code x(0) = x}, {@code ℓ(0) = 0},
     * tangent {@code v} per row held fixed.
     */
    SDVariable[] integrate(Scope root, SDVariable x, SDVariable v) {
        SDVariable state = x;
        SDVariable ell = null;
        int stages = b.length;
        for (int i = 0; i < grid.steps(); i++) {
            double t = grid.at(i);
            double h = grid.at(i + 1) - t;
            SDVariable[] kx = new SDVariable[stages];
            SDVariable[] kl = new SDVariable[stages];
            for (int s = 0; s < stages; s++) {
                SDVariable xs = state;
                for (int j = 0; j < s; j++) {
                    if (a[s][j] != 0) {
                        xs = xs.add(kx[j].mul(h * a[s][j]));
                    }
                }
                SDVariable time = root.scalar("t", t + c[s] * h);
                SDVariable[] fj = network.forwardWithTangent(root, xs, time, v);
                kx[s] = fj[0];
                kl[s] = fj[1].mul(v).sum(1);
            }
            SDVariable dx = null;
            SDVariable dl = null;
            for (int s = 0; s < stages; s++) {
                if (b[s] != 0) {
                    dx = dx == null ? kx[s].mul(b[s]) : dx.add(kx[s].mul(b[s]));
                    dl = dl == null ? kl[s].mul(b[s]) : dl.add(kl[s].mul(b[s]));
                }
            }
            state = state.add(dx.mul(h));
            ell = ell == null ? dl.mul(h) : ell.add(dl.mul(h));
        }
        return new SDVariable[]{state, ell};
    }

    /**
     * The training batches: {@link BatchSource#shuffled} mini-batches of {@code data [n, D]}, each
     * expanded to the {@code M} copies and their tangents (probes drawn from the trainer's stream).
     */
    public BatchSource source(INDArray data, int batch) {
        Shapes.requireShape("data", data, -1, network.dim());
        Shapes.requireFinite("data", data);
        return BatchSource.shuffled(Map.of("x", data), batch).map((b, rng) -> expand(b.get("x"), rng));
    }

    /** The graph inputs {@code "x"} (copies) and {@code "v"} (tangents) for the samples {@code x [N, D]}. */
    public Map<String, INDArray> expand(INDArray x, Rng rng) {
        Shapes.requireShape("x", x, -1, network.dim());
        long n = x.size(0);
        int m = trace.copies(network.dim());
        Map<String, INDArray> feed = new HashMap<>();
        feed.put("x", m == 1 ? x : Nd4j.tile(x, m, 1));
        feed.put("v", trace.tangents(n, network.dim(), x.dataType(), rng));
        return feed;
    }

    /**
     * The log-likelihood per sample, float64 {@code [N]}, computed by the training graph itself (the
     * unrolled solve on this objective's grid; Hutchinson probes drawn from {@code Rng.seed(seed)}).
     * With {@link Trace#exact()} it equals {@code ode.Likelihood} with the exact divergence, the same
     * solver and grid, up to rounding.
     */
    public INDArray logProb(Params params, INDArray x, long seed) {
        Shapes.requireShape("x", x, -1, network.dim());
        Shapes.requireFinite("x", x);
        BlockFunction f = BlockFunction.of(network, params, inputs, (root, ph) -> {
            SDVariable[] end = integrate(root, ph.get("x"), ph.get("v"));
            return new SDVariable[]{logPrior(root, end[0]), end[1]};
        });
        INDArray xs = x.castTo(params.dataType());
        Map<String, INDArray> feed = expand(xs, Rng.seed(seed));
        INDArray[] out = f.applyAll(feed.get("x"), feed.get("v"));
        long n = x.size(0);
        int m = trace.copies(network.dim());
        INDArray prior = out[0].castTo(DataType.DOUBLE).reshape(m, n);
        INDArray ell = out[1].castTo(DataType.DOUBLE).reshape(m, n);
        double w = trace.rowWeight(network.dim()) / m;
        return prior.mean(0).addi(ell.sum(0).muli(w));
    }

    @Override
    public String toString() {
        return "CnfObjective(" + solver.name() + ", " + grid.steps() + " steps, trace " + trace + ")";
    }
}
