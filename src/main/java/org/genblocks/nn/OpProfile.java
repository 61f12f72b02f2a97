package org.genblocks.nn;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the planned executor's time goes, op by op: a diagnostic for performance work, off unless started.
 * Between {@link #start()} and {@link #stop()} every step the planned executor runs (training steps through
 * {@code Trainer} and {@code GradientPlan}, sampling through {@code BlockFunction}) adds its wall time to its
 * op's row; steps that run once per input signature are counted on that call only. An op the executor runs
 * its own way carries a tag: {@code matmul [gemm]} direct BLAS products, {@code reshape [view]} reshapes as
 * views, {@code multiply_bp [rewritten]} (and {@code add_bp}, {@code subtract_bp}, {@code softmax_bp},
 * {@code relu_bp}, {@code strided_slice} and {@code strided_slice_bp} of a block) the rewritten steps, {@code gelu [fused]}, {@code gelu_bp [fused]}, {@code layer_norm [fused]},
 * {@code layer_norm_bp [fused]} the fused chains, {@code add [simd]}, {@code multiply [simd]} and
 * {@code permute [simd]} the calls it ran as SIMD lanes. {@link #startByShape()} splits each op's row by the shapes of
 * its inputs. Rows hold totals (and so means); timing costs about a
 * microsecond per op, so profile a separate run from the one you time. A diagnostic for one run at a time:
 * runs on several threads share the rows, and a call that is under way when {@link #stop()} or
 * {@link #start()} runs may land on either side.
 *
 * <pre>{@code
 * OpProfile.start();
 * trainer.fit(module, params, objective, source, config);
 * OpProfile.stop();
 * System.out.println(OpProfile.table());
 * }</pre>
 */
public final class OpProfile {
    private static volatile boolean on;
    private static volatile boolean shapes;
    private static final Map<String, long[]> ROWS = new ConcurrentHashMap<>();

    private OpProfile() {
    }

    /** One op's row: its calls and their total wall time. */
    public record Entry(String op, long calls, long nanos) {
        /** The mean time of one call in microseconds. */
        public double microsPerCall() {
            return calls == 0 ? 0 : nanos / 1e3 / calls;
        }
    }

    /** Clears the rows and starts counting, one row per op. */
    public static void start() {
        ROWS.clear();
        shapes = false;
        on = true;
    }

    /**
     * Clears the rows and starts counting, one row per op and shapes of its inputs, e.g.
     * {@code multiply_bp [rewritten] [32, 49, 64] [32, 1, 64] [32, 49, 64]}: which of an op's calls cost the time
     * (feeds, parameters and other steps' outputs; a fused chain's intermediates are left out). Building the key
     * costs a few more
     * microseconds per op than {@link #start()}.
     */
    public static void startByShape() {
        ROWS.clear();
        shapes = true;
        on = true;
    }

    /** Stops counting; the rows stay until the next {@link #start()} or {@link #startByShape()}. */
    public static void stop() {
        on = false;
    }

    /** Whether rows are per op and input shapes ({@link #startByShape()}). */
    static boolean byShape() {
        return shapes;
    }

    /** Whether counting is on. */
    public static boolean running() {
        return on;
    }

    /** The rows, the most time first. */
    public static List<Entry> entries() {
        List<Entry> e = new ArrayList<>();
        ROWS.forEach((op, v) -> {
            synchronized (v) {
                e.add(new Entry(op, v[1], v[0]));
            }
        });
        e.sort(Comparator.comparingLong(Entry::nanos).reversed().thenComparing(Entry::op));
        return e;
    }

    /** The rows as a text table (op, total ms, calls, µs per call, share of the total). */
    public static String table() {
        List<Entry> e = entries();
        long total = e.stream().mapToLong(Entry::nanos).sum();
        int width = Math.max(24, e.stream().mapToInt(x -> x.op().length()).max().orElse(0));
        StringBuilder b = new StringBuilder(String.format("%-" + width + "s %10s %8s %10s %6s%n", "op", "total ms",
                "calls", "us/call", "share"));
        for (Entry x : e) {
            b.append(String.format("%-" + width + "s %10.2f %8d %10.1f %5.1f%%%n", x.op(), x.nanos() / 1e6, x.calls(),
                    x.microsPerCall(), total == 0 ? 0 : 100.0 * x.nanos() / total));
        }
        return b.append(String.format("%-" + width + "s %10.2f%n", "total", total / 1e6)).toString();
    }

    /** Adds one call of {@code op} that took {@code nanos}. */
    static void add(String op, long nanos) {
        long[] v = ROWS.computeIfAbsent(op, k -> new long[2]);
        synchronized (v) {
            v[0] += nanos;
            v[1]++;
        }
    }
}
