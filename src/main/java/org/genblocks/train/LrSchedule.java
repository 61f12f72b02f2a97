package org.genblocks.train;

import org.genblocks.tensor.Shapes;

import java.util.Locale;

/**
 * A learning-rate schedule: the factor {@code f(s)} multiplying the base rate at step
 * {@code s = 0, 1, ...} (the step about to be taken). Immutable; {@link #toString()} is parsed
 * back by {@link #parse(String)} (checkpoints store it).
 * <ul>
 *   <li>{@link #constant()}: {@code f(s) = 1}.</li>
 *   <li>{@link #warmupCosine(long, long, double)}: linear warm-up then cosine decay
 *       (Loshchilov and Hutter, SGDR, ICLR 2017; warm-up as in Goyal et al. 2017):
 *       {@code f(s) = (s + 1) / W} for {@code s < W}, then with
 *       {@code p = min(1, (s - W) / max(1, T - W))},
 *       {@code f(s) = m + (1 - m) (1 + cos(pi p)) / 2}; {@code m} = {@code minFactor}.</li>
 *   <li>{@link #inverseSqrt(long)}: the Transformer schedule (Vaswani et al. 2017) normalised to
 *       peak 1: {@code f(s) = (s + 1) / W} for {@code s < W}, then {@code sqrt(W / (s + 1))}.</li>
 * </ul>
 */
public final class LrSchedule {
    private enum Kind { CONSTANT, WARMUP_COSINE, INVERSE_SQRT }

    private static final LrSchedule CONSTANT = new LrSchedule(Kind.CONSTANT, 0, 0, 0);

    private final Kind kind;
    private final long warmup;
    private final long total;
    private final double minFactor;

    private LrSchedule(Kind kind, long warmup, long total, double minFactor) {
        this.kind = kind;
        this.warmup = warmup;
        this.total = total;
        this.minFactor = minFactor;
    }

    /** {@code f(s) = 1}. */
    public static LrSchedule constant() {
        return CONSTANT;
    }

    /** Linear warm-up over {@code warmup} steps, cosine decay to {@code minFactor} at step {@code total}. */
    public static LrSchedule warmupCosine(long warmup, long total, double minFactor) {
        if (warmup < 0) {
            throw new IllegalArgumentException("warmup: expected >= 0, got " + warmup);
        }
        if (total < warmup || total <= 0) {
            throw new IllegalArgumentException("total: expected > 0 and >= warmup (" + warmup + "), got " + total);
        }
        Shapes.checkInRange("minFactor", minFactor, 0.0, 1.0);
        return new LrSchedule(Kind.WARMUP_COSINE, warmup, total, minFactor);
    }

    /** Linear warm-up over {@code warmup >= 1} steps, then {@code sqrt(warmup / (s + 1))}. */
    public static LrSchedule inverseSqrt(long warmup) {
        Shapes.checkPositive("warmup", warmup);
        return new LrSchedule(Kind.INVERSE_SQRT, warmup, 0, 0);
    }

    /** The factor at step {@code step >= 0}. */
    public double factor(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step: expected >= 0, got " + step);
        }
        switch (kind) {
            case CONSTANT:
                return 1.0;
            case WARMUP_COSINE: {
                if (step < warmup) {
                    return (step + 1.0) / warmup;
                }
                double p = Math.min(1.0, (double) (step - warmup) / Math.max(1, total - warmup));
                return minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos(Math.PI * p));
            }
            case INVERSE_SQRT:
                return step < warmup ? (step + 1.0) / warmup : Math.sqrt((double) warmup / (step + 1.0));
            default:
                throw new AssertionError(kind);
        }
    }

    /** Parses {@link #toString()}'s form, e.g. {@code warmupCosine(100,1000,0.1)}. */
    public static LrSchedule parse(String text) {
        Shapes.checkNotNull("text", text, "a schedule");
        String t = text.strip();
        try {
            if (t.equals("constant()")) {
                return constant();
            }
            if (t.startsWith("warmupCosine(") && t.endsWith(")")) {
                String[] a = t.substring(13, t.length() - 1).split(",");
                if (a.length == 3) {
                    return warmupCosine(Long.parseLong(a[0].strip()), Long.parseLong(a[1].strip()), Double.parseDouble(a[2].strip()));
                }
            }
            if (t.startsWith("inverseSqrt(") && t.endsWith(")")) {
                return inverseSqrt(Long.parseLong(t.substring(12, t.length() - 1).strip()));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("text: bad number in schedule '" + text + "'", e);
        }
        throw new IllegalArgumentException("text: expected constant(), warmupCosine(w,t,m) or inverseSqrt(w), got '" + text + "'");
    }

    @Override
    public String toString() {
        switch (kind) {
            case CONSTANT:
                return "constant()";
            case WARMUP_COSINE:
                return String.format(Locale.ROOT, "warmupCosine(%d,%d,%s)", warmup, total, Double.toString(minFactor));
            default:
                return "inverseSqrt(" + warmup + ")";
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LrSchedule s && s.kind == kind && s.warmup == warmup && s.total == total
                && Double.compare(s.minFactor, minFactor) == 0;
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
