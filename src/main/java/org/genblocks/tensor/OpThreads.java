package org.genblocks.tensor;

import org.nd4j.linalg.api.blas.Blas;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Method;

/**
 * Small ND4J ops run on the calling thread alone; large ones keep the whole OpenMP team and BLAS pool.
 *
 * <p>ND4J's CPU backend gives an op one OpenMP thread per 1,024 elements, up to its team, and OpenBLAS
 * runs every product above 2^18 multiply-adds on its whole pool. Under {@code OMP_WAIT_POLICY=passive}
 * ({@link NativeDefaults}) the sleeping threads must be woken for each op, and on the 2-core build VM that
 * costs more than a small op: a 4,096-element {@code tanh} takes 22 µs on one thread and 68 µs on two, a
 * [256,128]·[128,128] product 80–190 µs on one OpenBLAS thread and 130–320 µs on two; from about 65,536
 * elements ({@code tanh}: 342 against 240 µs) and 2^26 multiply-adds ({@link #BLAS_PARALLEL_FROM}) the team
 * pays for itself. A small model's training step runs hundreds of such ops (docs/performance.md, "One thread for
 * small ops").
 * PyTorch makes the same choice per op with its grain size.
 *
 * <p>Two rules, applied by the loops that know their op sizes (the planned graph executor of training
 * steps and sampling, the Adam update, the training loop):
 * <ul>
 *   <li>an op whose largest input or output has fewer than {@link #PARALLEL_FROM} elements (a product:
 *       fewer multiply-adds; a memory-bound op, {@link #memoryBound}: {@link #MEMORY_BOUND_PARALLEL_FROM})
 *       runs with one OpenMP thread. This is OpenMP's per-thread {@code nthreads}
 *       setting ({@code omp_set_num_threads} through ND4J's {@code NativeOps.setOmpNumThreads}): other
 *       threads of the process are untouched, and closing the scope puts the thread's previous size back;</li>
 *   <li>inside a training run or a sampling loop ({@link #openLoop()}: {@code Trainer}, the ODE solvers and the
 *       diffusion samplers), while every matrix product has fewer than
 *       {@link #BLAS_PARALLEL_FROM} multiply-adds, OpenBLAS's pool is one thread. OpenBLAS 0.3.19 (ND4J's)
 *       has one pool size per process and no per-thread one, and resizing it costs about 0.2 ms, so the
 *       run holds it from its first small product to its end; the first product it cannot size or that is
 *       large gives the pool back for the rest of the run. <b>This is the one process-wide effect besides
 *       the variables {@link NativeDefaults} sets before ND4J loads:</b> while a small model trains or samples, products of other threads also run on one OpenBLAS thread (their
 *       results are the same; their speed is not). The pool comes back when the run ends, normally or by
 *       an exception, unless someone resized it in between (then their size stays).</li>
 * </ul>
 * Neither rule changes what is computed: the planned executor is checked against SameDiff's session either
 * way, and products and elementwise ops give the same bits on any number of threads; a full reduction split
 * over another number of threads may differ in its last bits (the README's model and the NICE run of
 * {@code FlowsMnist} print the same losses with and without the rules).
 *
 * <p>Off, so that nothing changes: when ND4J is not the CPU backend, with
 * {@code -Dgenblocks.nativeDefaults=false}, and on a virtual thread (OpenMP's setting belongs to the
 * carrier thread). The OpenBLAS rule is also off when the user fixed the thread counts
 * ({@code OMP_NUM_THREADS} or {@code OPENBLAS_NUM_THREADS} in the environment or as a system property).
 */
public final class OpThreads {
    private static final Logger LOG = LoggerFactory.getLogger(OpThreads.class);

    /** Ops with at least this many elements in an input or output keep the whole OpenMP team. */
    public static final long PARALLEL_FROM = 1L << 16;

    /**
     * Memory-bound ops ({@link #memoryBound}: copies, sums, products and comparisons of elements, a few
     * instructions per element) keep the whole OpenMP team from this many elements. Measured on the 2-core
     * build VM under the passive wait policy: {@code relu} on 131,072 floats takes 26 µs on one thread and 88 on
     * two, an {@code add} 38 against 69; at 262,144 the two are even, while {@code exp}, {@code tanh} or a
     * softmax gain from the second thread already at 65,536.
     */
    public static final long MEMORY_BOUND_PARALLEL_FROM = 1L << 18;

    /** The ND4J ops that {@link #memoryBound} counts as memory-bound. */
    private static final java.util.Set<String> MEMORY_BOUND = java.util.Set.of(
            "add", "subtract", "multiply", "divide", "realdiv", "reversesubtract", "reversedivide", "squaredsubtract",
            "maximum", "minimum", "neg", "abs", "relu", "thresholdedrelu", "step", "assign", "identity", "cast",
            "reshape", "permute", "transpose", "expand_dims", "squeeze", "concat", "stack", "unstack", "strided_slice",
            "slice", "tile", "reduce_sum", "reduce_mean", "reduce_sum_bp", "reduce_mean_bp", "add_bp",
            "subtract_bp", "multiply_bp", "thresholdedrelu_bp", "softmax_bp", "add_scalar", "sub_scalar", "mul_scalar",
            "div_scalar", "rsub_scalar", "rdiv_scalar", "zeroslike", "ones_as", "strided_slice_bp");

    /**
     * Matrix products of at least this many multiply-adds (m·n·k per product) keep OpenBLAS's pool. Measured
     * on the 2-core build VM (direct float32 GEMM calls, 300 µs of other work between calls, as in a training
     * step, GFLOP/s on one thread against two): up to 2^25.6 the second thread gains little or loses
     * ([1568, 64]·[64, 256]: 138 against 148; [3136, 256]·[256, 64]: 137 against 125), from about 2^26.6 it
     * pays ([1568, 256]·[256, 256]: 167 against 258; 1,024³: 158 against 327).
     * Inside a training step the two-thread pool costs more than it gains below that: the transformer block's
     * products (at most 2^24.6) took 0.80–0.86 ms a backward pass on the pool and 0.54–0.58 ms on one thread,
     * and its step ran 6–15 % faster (2^23 was this value before, from products timed back to back).
     */
    public static final long BLAS_PARALLEL_FROM = 1L << 26;

    private static final NativeOps OPS = cpuOps();
    private static final Blas BLAS = OPS == null || userFixedThreadCounts() ? null : Nd4j.factory().blas();
    private static final Method IS_VIRTUAL = isVirtualMethod();

    private static final Object BLAS_LOCK = new Object();
    /** Loops now holding OpenBLAS's pool at one thread. */
    private static int blasHolders;
    /** The pool size to give back when the last holder lets go. */
    private static int blasFull;

    private static final ThreadLocal<Team> CURRENT = new ThreadLocal<>();

    private OpThreads() {
    }

    /** Whether this process changes OpenMP team sizes at all (CPU backend, native defaults on). */
    public static boolean enabled() {
        return OPS != null;
    }

    /** Whether training runs may hold OpenBLAS's pool at one thread (enabled, and no thread count fixed by the user). */
    public static boolean blasEnabled() {
        return BLAS != null;
    }

    /**
     * Opens a scope on the calling thread; close it on the same thread, in reverse order of opening
     * (try-with-resources). Inside it, {@link Team#size} sets the OpenMP team for the next ops. The full team
     * is the thread's size when its outermost scope opened, so a nested scope (the graph executor inside a
     * training step) still gives its large ops the whole team. Products ({@link Team#matmul}) change
     * OpenBLAS's pool only inside an {@link #openLoop()} scope.
     */
    public static Team open() {
        return push(false);
    }

    /**
     * Opens a scope for a loop of many network evaluations (a training run, an ODE solve, a diffusion sampler):
     * as {@link #open()}, and while the run's products are all small,
     * OpenBLAS's pool is one thread until it closes (see the class comment). Nested inside another scope it is
     * a plain scope of that one.
     */
    public static Team openLoop() {
        return push(true);
    }

    private static Team push(boolean loop) {
        Team outer = currentOpen();
        if (outer != null) {
            Team t = new Team(outer, outer.full, outer.root, outer.active);
            CURRENT.set(t);
            return t;
        }
        boolean active = OPS != null && !isVirtual(Thread.currentThread());
        Team t = new Team(null, active ? OPS.ompGetMaxThreads() : 1, null, active);
        t.blasControl = active && loop && BLAS != null;
        CURRENT.set(t);
        return t;
    }

    /** The OpenMP team an op of {@code elements} elements gets on a thread whose full team is {@code full}. */
    public static int teamFor(long elements, int full) {
        return elements < PARALLEL_FROM ? 1 : full;
    }

    /** The OpenMP team a memory-bound op ({@link #memoryBound}) of {@code elements} elements gets. */
    public static int teamForMemoryBound(long elements, int full) {
        return elements < MEMORY_BOUND_PARALLEL_FROM ? 1 : full;
    }

    /**
     * Whether ND4J's op {@code opName} is memory-bound: a few instructions per element (elementwise sums,
     * products and comparisons, copies and reshapes, sums over axes, and the backward passes of these), so a
     * second thread pays only from {@link #MEMORY_BOUND_PARALLEL_FROM} elements. Transcendental functions
     * ({@code exp}, {@code tanh}, GELU, softmax) are not.
     */
    public static boolean memoryBound(String opName) {
        return MEMORY_BOUND.contains(opName);
    }

    /** A region of the calling thread's ops; see {@link #open()}. Belongs to the thread that opened it. */
    public static final class Team implements AutoCloseable {
        private final Team outer;
        /** The outermost scope of the thread: it holds the OpenBLAS state. */
        private final Team root;
        private final Thread owner = Thread.currentThread();
        private final boolean active;
        private final int full;
        private final int atOpen;
        private int now;
        private boolean closed;
        /** Root only: whether products may still resize OpenBLAS's pool, and whether this loop holds it. */
        private boolean blasControl;
        private boolean holdsBlas;

        private Team(Team outer, int full, Team root, boolean active) {
            this.outer = outer;
            this.full = full;
            this.root = root == null ? this : root;
            this.active = active;
            this.atOpen = outer != null ? outer.now : full;
            this.now = atOpen;
        }

        /** Sets the OpenMP team for the next ops, which touch at most {@code elements} elements each. */
        public void size(long elements) {
            resize(teamFor(elements, full));
        }

        private void resize(int want) {
            if (closed) {
                return;
            }
            if (active && want != now) {
                OPS.setOmpNumThreads(want);
                now = want;
            }
        }

        /** Sets the OpenMP team for the next memory-bound ops ({@link #memoryBound}) of at most {@code elements}. */
        public void sizeMemoryBound(long elements) {
            resize(teamForMemoryBound(elements, full));
        }

        /** Gives the next ops the whole OpenMP team, whatever their size. */
        public void whole() {
            size(Long.MAX_VALUE);
        }

        /**
         * Prepares OpenBLAS for a matrix product of {@code multiplyAdds} = m·n·k (per product of a batch;
         * {@link Long#MAX_VALUE} for BLAS work that cannot be sized, e.g. a convolution). Inside an
         * {@link #openLoop()} scope, a small product makes the pool one thread until the loop closes, and a
         * large one gives it back and ends the loop's control for good; elsewhere nothing changes.
         */
        public void matmul(long multiplyAdds) {
            Team r = root;
            if (closed || r.closed || !r.blasControl) {
                return;
            }
            boolean small = multiplyAdds < BLAS_PARALLEL_FROM;
            if (small && !r.holdsBlas) {
                synchronized (BLAS_LOCK) {
                    if (blasHolders++ == 0) {
                        blasFull = BLAS.getMaxThreads();
                        if (blasFull > 1) {
                            BLAS.setMaxThreads(1);
                        }
                    }
                }
                r.holdsBlas = true;
            } else if (!small) {
                r.releaseBlas();
                r.blasControl = false;   // a model with large products gains little and would pay a resize per product
            }
        }

        /**
         * Whether OpenBLAS's pool is now held at one thread by this thread's training run ({@link #matmul}), so that
         * a product may be split over two threads calling it at once.
         */
        public boolean blasOneThread() {
            return !closed && !root.closed && root.holdsBlas;
        }

        private void releaseBlas() {
            if (!holdsBlas) {
                return;
            }
            holdsBlas = false;
            synchronized (BLAS_LOCK) {
                // give the pool back only while it is still the one thread we set: a size someone chose since stays
                if (--blasHolders == 0 && blasFull > 1 && BLAS.getMaxThreads() == 1) {
                    BLAS.setMaxThreads(blasFull);
                }
            }
        }

        /**
         * The OpenMP team size this scope has set for the next ops; where the rules are off, the calling thread's
         * own team (1 where genblocks cannot read it: another backend, or native defaults switched off).
         */
        public int threads() {
            return active ? now : OPS == null ? 1 : OPS.ompGetMaxThreads();
        }

        /**
         * Restores the team size the scope found when it opened; a loop gives OpenBLAS's pool back and takes it
         * no more. Closing twice does nothing. Closing before a scope opened inside it closes that one too.
         *
         * @throws IllegalStateException when closed on another thread than the one that opened it (the pool is
         *                               given back, the scope stays open for its own thread to close), or before
         *                               a scope opened inside it (after restoring the team and closing both)
         */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            if (Thread.currentThread() != owner) {
                if (outer == null) {
                    endBlasControl();   // the pool is the process's: give it back from any thread
                }
                throw new IllegalStateException("OpThreads.Team: opened on " + owner.getName() + ", closed on "
                        + Thread.currentThread().getName() + "; close a scope on its own thread");
            }
            Team cur = CURRENT.get();
            boolean openInside = cur != this && encloses(cur);
            if (openInside) {
                for (Team x = cur; x != this; x = x.outer) {
                    x.closed = true;
                }
            }
            closed = true;
            if (active && (now != atOpen || openInside)) {
                OPS.setOmpNumThreads(atOpen);   // an inner scope may have left another size
            }
            now = atOpen;
            if (outer == null) {
                endBlasControl();
            }
            if (cur == this || openInside) {
                Team up = openAncestor(outer);
                if (up == null) {
                    CURRENT.remove();
                } else {
                    CURRENT.set(up);
                }
            }
            if (openInside) {
                throw new IllegalStateException("OpThreads.Team: closed before a scope opened inside it");
            }
        }

        /** Root only: gives the pool back and stops taking it. */
        private void endBlasControl() {
            blasControl = false;
            releaseBlas();
        }

        /** Whether {@code t} is this scope or was opened inside it. */
        private boolean encloses(Team t) {
            for (Team x = t; x != null; x = x.outer) {
                if (x == this) {
                    return true;
                }
            }
            return false;
        }
    }

    /** {@code t} or its nearest enclosing scope that is still open; null if none. */
    private static Team openAncestor(Team t) {
        Team x = t;
        while (x != null && x.closed) {
            x = x.outer;
        }
        return x;
    }

    private static Team currentOpen() {
        return openAncestor(CURRENT.get());
    }

    private static NativeOps cpuOps() {
        String sw = System.getProperty(NativeDefaults.SWITCH);
        if (sw != null && sw.equalsIgnoreCase("false")) {
            return null;
        }
        try {
            if (!Nd4j.getBackend().getClass().getSimpleName().startsWith("Cpu")) {
                return null;
            }
            NativeOps ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
            ops.ompGetMaxThreads();
            return ops;
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("OpenMP team sizes stay as ND4J sets them: {}", e.toString());
            return null;
        }
    }

    /** The user chose thread counts ({@code OMP_NUM_THREADS}/{@code OPENBLAS_NUM_THREADS}, environment or property). */
    private static boolean userFixedThreadCounts() {
        for (String v : new String[]{"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"}) {
            if (System.getenv(v) != null || System.getProperty(v) != null) {
                return true;
            }
        }
        return false;
    }

    /** {@code Thread.isVirtual()} on Java 21+, absent on 17. */
    private static Method isVirtualMethod() {
        try {
            return Thread.class.getMethod("isVirtual");
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static boolean isVirtual(Thread t) {
        try {
            return IS_VIRTUAL != null && (Boolean) IS_VIRTUAL.invoke(t);
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }
}
