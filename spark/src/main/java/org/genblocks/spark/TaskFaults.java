package org.genblocks.spark;

import org.apache.spark.TaskContext;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The test hook that kills task attempts: armed with {@link #failNextAttempts(int)}, the next first
 * attempts of genblocks tasks throw, so Spark retries them (a master such as {@code local[2,4]} allows
 * retries in local mode). Only tests arm it; disarmed, a task pays one volatile read.
 */
final class TaskFaults {
    private static final AtomicInteger ARMED = new AtomicInteger();
    private static final AtomicInteger FIRED = new AtomicInteger();

    private TaskFaults() {
    }

    static void failNextAttempts(int n) {
        ARMED.set(n);
        FIRED.set(0);
    }

    static void disarm() {
        ARMED.set(0);
    }

    static int fired() {
        return FIRED.get();
    }

    static void check(String what) {
        if (ARMED.get() <= 0) {
            return;
        }
        TaskContext tc = TaskContext.get();
        if (tc != null && tc.attemptNumber() == 0 && ARMED.getAndDecrement() > 0) {
            FIRED.incrementAndGet();
            throw new IllegalStateException("injected failure of " + what + " (stage " + tc.stageId() + ", partition "
                    + tc.partitionId() + ", attempt " + tc.attemptNumber() + ")");
        }
    }
}
