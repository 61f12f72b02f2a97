package org.genblocks.tensor;

import org.nd4j.linalg.api.blas.Blas;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Small ND4J ops run on the calling thread alone; large ones keep the whole OpenMP team.
 *
 * <p>ND4J's CPU backend splits every op above 1,024 elements across its OpenMP team. Under
 * {@code OMP_WAIT_POLICY=passive} ({@link NativeDefaults}), each parallel region first wakes the sleeping
 * team, about 45 µs on the 2-core build VM, while a 4,096-element {@code tanh} takes 22 µs on one thread
 * (68 µs on two); from about 65,536 elements the team pays for itself (240 µs against 342 µs). A training
 * step of a small model runs hundreds of such ops, so the wake-ups alone made a plain consumer JVM 1.4x
 * slower than the same model single-threaded (docs/performance.md, "Consumer JVM"). PyTorch makes the same
 * choice per op with its grain size.
 *
 * <p>The rule: an op whose largest input or output has fewer than {@link #PARALLEL_FROM} elements runs with
 * one OpenMP thread. The setting is OpenMP's per-thread {@code nthreads} ICV ({@code omp_set_num_threads}
 * through ND4J's {@code NativeOps.setOmpNumThreads}), so it changes nothing for other threads of the
 * process, and closing an {@link #open()} scope puts the calling thread's previous team size back. OpenBLAS's matrix
 * products keep their own thread pool and its own size rule. Callers are the hot loops that know their op
 * sizes: the planned graph executor (training steps and sampling) and the Adam update. Where ND4J is not the
 * CPU backend, or the user turned genblocks' native defaults off ({@code -Dgenblocks.nativeDefaults=false}),
 * nothing changes.
 */
public final class OpThreads {
    private static final Logger LOG = LoggerFactory.getLogger(OpThreads.class);

    /** Ops with at least this many elements in an input or output keep the whole OpenMP team. */
    public static final long PARALLEL_FROM = 1L << 16;

    /** Matrix products of at least this many multiply-adds (m·n·k) keep OpenBLAS's whole thread pool. */
    public static final long BLAS_PARALLEL_FROM = 1L << 23;

    private static final Object BLAS_LOCK = new Object();
    /** Scopes now running small products single-threaded, and the pool size to give back after the last. */
    private static int blasHolders;
    private static int blasFull;

    private static final NativeOps OPS = cpuOps();
    private static final Blas BLAS = OPS == null ? null : Nd4j.factory().blas();

    private OpThreads() {
    }

    /** Whether this process changes team sizes at all (CPU backend, native defaults on). */
    public static boolean enabled() {
        return OPS != null;
    }

    /**
     * Opens a scope on the calling thread; close it in a {@code finally} (try-with-resources). Inside it,
     * {@link Team#size} sets the OpenMP team for the next ops. The full team is the thread's size when its
     * outermost scope opened, so a nested scope (the graph executor inside a training step) still gives its
     * large ops the whole team. Matrix products ({@link Team#matmul}) change OpenBLAS's pool only inside a
     * {@link #openLoop()} scope.
     */
    public static Team open() {
        return push(false);
    }

    /**
     * Opens a scope for a loop of many small steps (a training run): as {@link #open()}, and small matrix
     * products anywhere inside it run on one OpenBLAS thread until it closes. Resizing OpenBLAS's pool costs
     * about 0.2 ms (2-core VM), more than a small product gains, so a loop resizes it once, not per product.
     */
    public static Team openLoop() {
        return push(true);
    }

    private static Team push(boolean loop) {
        Team outer = CURRENT.get();
        Team s = outer != null ? new Team(outer, outer.full, outer.root)
                : new Team(null, OPS == null ? 1 : OPS.ompGetMaxThreads(), null);
        if (outer == null) {
            s.blasControl = loop;
        }
        CURRENT.set(s);
        return s;
    }

    /** The team size an op of {@code elements} elements gets from a thread whose full team is {@code full}. */
    public static int teamFor(long elements, int full) {
        return elements < PARALLEL_FROM ? 1 : full;
    }

    private static final ThreadLocal<Team> CURRENT = new ThreadLocal<>();

    /** A region of the calling thread's ops; see {@link #open()}. Not shared between threads. */
    public static final class Team implements AutoCloseable {
        private final Team outer;
        /** The outermost scope of the thread: it holds the OpenBLAS state. */
        private final Team root;
        private final int full;
        private final int atOpen;
        private int now;
        /** Root only: whether products resize OpenBLAS's pool, and whether this loop holds it at one thread. */
        private boolean blasControl;
        private boolean holdsBlas;

        private Team(Team outer, int full, Team root) {
            this.outer = outer;
            this.full = full;
            this.root = root == null ? this : root;
            this.atOpen = outer != null ? outer.now : full;
            this.now = atOpen;
        }

        /** Sets the team for the next ops, which touch at most {@code elements} elements each. */
        public void size(long elements) {
            int want = teamFor(elements, full);
            if (OPS != null && want != now) {
                OPS.setOmpNumThreads(want);
                now = want;
            }
        }

        /**
         * Prepares OpenBLAS for the next matrix product of {@code multiplyAdds} = m·n·k. Inside an
         * {@link #openLoop()} scope a product below {@link #BLAS_PARALLEL_FROM} sets the pool to one thread
         * until the loop closes; the loop's first larger product gives the pool back for the rest of the loop
         * (a model with large products gains little from the small ones' single thread and would pay a resize
         * per product); elsewhere nothing changes.
         * OpenBLAS 0.3.19 has one pool size per process, so while a loop holds it, other threads' products run
         * on one thread too (same results, their speed only); the size found before the first holder comes
         * back when the last one lets go.
         */
        public void matmul(long multiplyAdds) {
            Team r = root;
            boolean small = multiplyAdds < BLAS_PARALLEL_FROM;
            if (BLAS == null || !r.blasControl || small == r.holdsBlas) {
                return;
            }
            synchronized (BLAS_LOCK) {
                if (small) {
                    if (blasHolders++ == 0) {
                        blasFull = BLAS.getMaxThreads();
                        if (blasFull > 1) {
                            BLAS.setMaxThreads(1);
                        }
                    }
                } else {
                    releaseBlas();
                }
            }
            r.holdsBlas = small;
            if (!small) {
                r.blasControl = false;   // a loop with large products keeps the pool: resizing back and forth costs more
            }
        }

        private static void releaseBlas() {
            if (--blasHolders == 0 && blasFull > 1) {
                BLAS.setMaxThreads(blasFull);
            }
        }

        /** Gives the next ops the whole team, whatever their size. */
        public void whole() {
            size(Long.MAX_VALUE);
        }

        /** The OpenMP team size in effect now. */
        public int threads() {
            return now;
        }

        /** Restores the team size the scope found when it opened; a loop gives OpenBLAS's pool back. */
        @Override
        public void close() {
            if (OPS != null && now != atOpen) {
                OPS.setOmpNumThreads(atOpen);
            }
            now = atOpen;
            if (outer == null) {
                if (holdsBlas) {
                    synchronized (BLAS_LOCK) {
                        releaseBlas();
                    }
                    holdsBlas = false;
                }
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
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
}
