package org.genblocks.tensor;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The second core for work of a few hundred microseconds: one daemon thread that runs one half of a split
 * computation while the calling thread runs the other ({@link #both}, {@link #halves}).
 *
 * <p>A training step of a small model is a chain of ops of 50–600 µs each (the transformer block's: products of
 * [1568, 64] by [64, 64], GELU on 401,408 floats, residual additions on 100,352), most of them on one thread: too
 * short for the common fork-join pool, whose parked worker took 40–50 µs to start a task on the 2-core build VM,
 * or for OpenMP's team under the passive wait policy, which wakes its threads for each op
 * ({@link OpThreads}). This thread, after each task, waits up to {@link #SPIN_NANOS} for the next one busy
 * (spinning with {@link Thread#onSpinWait()}), so that in a chain of ops it starts each half at once; idle longer,
 * it parks and costs nothing. PyTorch's OpenMP threads spin the same way between ops.
 *
 * <p>The calling thread never waits on a half that has not started: if the helper has not taken its half by the
 * time the caller has done its own, the caller runs that half too. While the helper is busy with another caller's
 * half, a second caller runs both halves itself; the helper itself runs both of a split it asks for. So the result
 * never depends on whether the helper ran: callers split work into halves whose results are the same either way
 * (disjoint outputs, each computed as without the split). Both halves always run; an exception of either reaches the
 * caller once both are done (the second attached to the first as suppressed). On a machine with one core, or with
 * {@code -Dgenblocks.sideThread=false}, everything runs on the caller.
 *
 * <p>The thread starts when this class is first used, inherits no inheritable thread-locals and has no context class
 * loader, so that it pins nothing of the application that first used it.
 */
public final class SideThread {
    /**
     * How long the helper spins for a next task after finishing one: 200 µs, several ops of a small model's step
     * (its ops are 50–600 µs), so that within a step it never parks, and a fifth of a millisecond of one core
     * after the last.
     */
    public static final long SPIN_NANOS = 200_000L;

    /**
     * Elementwise Java passes over arrays of at least this many elements run in two halves at once ({@link #halves}
     * with this as {@code from}): the transformer block's [1568, 64] residual sums and layer norms and its [1568, 256]
     * GELU took 80–600 µs each on one thread; the planned executor's kernels and the training loop's optimizer and
     * averaging passes use it.
     */
    public static final long ELEMENTS_FROM = 1L << 15;

    /** Whether the helper runs: more than one core, and not switched off with {@code -Dgenblocks.sideThread=false}. */
    private static final boolean ENABLED = Runtime.getRuntime().availableProcessors() > 1
            && !"false".equalsIgnoreCase(System.getProperty("genblocks.sideThread"));

    private static final int QUEUED = 0;
    private static final int TAKEN = 1;
    private static final int DONE = 2;
    private static final int TAKEN_BACK = 3;

    /** One half handed to the helper. */
    private static final class Job {
        final Runnable task;
        volatile int state;
        Throwable error;   // written before state = DONE, read after it

        Job(Runnable task) {
            this.task = task;
        }
    }

    private static final AtomicIntegerFieldUpdater<Job> STATE = AtomicIntegerFieldUpdater.newUpdater(Job.class, "state");
    private static final AtomicReference<Job> SLOT = new AtomicReference<>();
    private static final Thread HELPER = ENABLED ? startHelper() : null;
    /** Halves the helper has run (written by the helper alone). */
    private static volatile long helperRuns;

    private SideThread() {
    }

    /** Whether a split can run on two threads here (see the class comment). */
    public static boolean enabled() {
        return ENABLED;
    }

    /** A range of indices {@code [from, to)} of a split computation. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    /**
     * Runs {@code first} on the calling thread and {@code second} beside it on the helper, returning when both are
     * done (both on the calling thread where the helper is off, busy, or slower to start than {@code first} is to
     * finish). The two must not depend on each other's results.
     *
     * @throws IllegalArgumentException for a null task (before either runs)
     */
    public static void both(Runnable first, Runnable second) {
        if (first == null || second == null) {
            throw new IllegalArgumentException("first, second: expected two tasks, got "
                    + (first == null ? "null" : "a task") + " and " + (second == null ? "null" : "a task"));
        }
        Job job = null;
        if (ENABLED && Thread.currentThread() != HELPER) {
            Job offered = new Job(second);
            if (SLOT.compareAndSet(null, offered)) {   // else the helper is busy with another caller's half
                job = offered;
                LockSupport.unpark(HELPER);
            }
        }
        Throwable failed = null;
        try {
            first.run();
        } catch (Throwable e) {
            failed = e;
        }
        if (job == null || STATE.compareAndSet(job, QUEUED, TAKEN_BACK)) {
            if (job != null) {
                SLOT.compareAndSet(job, null);
            }
            try {
                second.run();
            } catch (Throwable e) {
                failed = join(failed, e);
            }
        } else {
            awaitDone(job);
            failed = join(failed, job.error);
        }
        if (failed instanceof RuntimeException r) {
            throw r;
        } else if (failed instanceof Error err) {
            throw err;
        } else if (failed != null) {
            throw new IllegalStateException(failed);
        }
    }

    /** The first of two failures with the second attached as suppressed; either may be null. */
    private static Throwable join(Throwable first, Throwable second) {
        if (first == null) {
            return second;
        }
        if (second != null && second != first) {
            first.addSuppressed(second);
        }
        return first;
    }

    /**
     * How many halves the helper has run since the process started: a diagnostic (whether splits reach the second
     * core at all; a caller that finishes its half first runs the other half itself, which this does not count).
     */
    public static long helperRuns() {
        return helperRuns;
    }

    /**
     * Waits for the helper to finish a half it took: spinning for the first {@link #SPIN_NANOS} (the halves are
     * short), then yielding the core between checks, so that where more threads run than there are cores (a
     * preempted helper) the caller does not hold a core the helper needs.
     */
    private static void awaitDone(Job job) {
        long start = System.nanoTime();
        while (job.state != DONE) {
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /**
     * Runs {@code body} over {@code [0, n)}: as {@code [0, h)} here and {@code [h, n)} on the helper where
     * {@code n ≥ 2·align} and {@code work} (elements or multiply-adds) is at least {@code from}, else as one range;
     * h is {@code n / 2} rounded down to a multiple of {@code align} (so that a SIMD kernel's halves end on whole
     * vectors, as the whole would).
     *
     * @throws IllegalArgumentException for {@code align < 1}, {@code n < 0} or a null body
     */
    public static void halves(int n, int align, long work, long from, Range body) {
        Shapes.checkPositive("align", align);
        if (n < 0) {
            throw new IllegalArgumentException("n: expected a range size >= 0, got " + n);
        }
        if (body == null) {
            throw new IllegalArgumentException("body: expected a range task, got null");
        }
        int h = n / 2 / align * align;
        if (!ENABLED || work < from || h == 0 || h >= n) {
            body.run(0, n);
            return;
        }
        both(() -> body.run(0, h), () -> body.run(h, n));
    }

    private static Thread startHelper() {
        Thread t = new Thread(null, SideThread::serve, "genblocks-side", 0, false);
        t.setDaemon(true);
        t.setContextClassLoader(null);
        t.start();
        return t;
    }

    /** The helper's loop: take a queued half, run it, spin a while for the next, then park. */
    private static void serve() {
        long idleSince = System.nanoTime();
        while (true) {
            Job job = SLOT.get();
            if (job != null) {
                SLOT.compareAndSet(job, null);
                if (STATE.compareAndSet(job, QUEUED, TAKEN)) {
                    try {
                        job.task.run();
                    } catch (Throwable e) {
                        job.error = e;
                    }
                    helperRuns++;
                    job.state = DONE;
                }
                idleSince = System.nanoTime();
            } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                Thread.interrupted();   // a half that re-asserted an interrupt must not turn park into a spin
                LockSupport.park(SideThread.class);
                idleSince = System.nanoTime();
            }
        }
    }
}
