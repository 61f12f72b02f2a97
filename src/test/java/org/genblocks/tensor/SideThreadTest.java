package org.genblocks.tensor;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SideThread}: both halves always run, once, and their writes are visible when the call returns; the helper
 * does take halves; an exception of either half reaches the caller (of both, the first with the second suppressed); a
 * half that splits again, and callers on several threads at once, finish with the right results;
 * {@link SideThread#halves} covers its range once, split on the alignment where the helper runs.
 */
@org.junit.jupiter.api.Timeout(120)   // a lost half would hang, not fail
class SideThreadTest {

    /** Kept so that the JIT cannot drop {@link #fill}'s busy work. */
    static volatile long sink;

    /** Writes {@code out[i] = i·i} over its range, with some 50 ns of dependent arithmetic per element besides. */
    private static void fill(long[] out, int from, int to) {
        long v = from;
        for (int i = from; i < to; i++) {
            for (int r = 0; r < 50; r++) {
                v = v * 6364136223846793005L + 1442695040888963407L;
            }
            out[i] = (long) i * i;
        }
        sink += v;
    }

    @Test
    void bothHalvesRunOnceWithTheirWritesVisibleAndTheHelperTakesHalves() {
        assertEquals(Runtime.getRuntime().availableProcessors() > 1
                        && !"false".equalsIgnoreCase(System.getProperty("genblocks.sideThread")), SideThread.enabled(),
                "enabled on more than one core unless switched off");
        long before = SideThread.helperRuns();
        // how many halves the helper takes depends on the machine's load: up to three rounds until it has taken one
        for (int round = 0; round < 3 && (round == 0 || SideThread.enabled() && SideThread.helperRuns() == before);
             round++) {
            halvesOfFills();
        }
        if (SideThread.enabled()) {
            assertTrue(SideThread.helperRuns() > before, "the helper ran none of 1,500 halves of about 0.3 ms");
        } else {
            assertEquals(before, SideThread.helperRuns(), "no helper runs when it is off");
        }
    }

    /** 500 splits of a fill in two halves, each checked. */
    private static void halvesOfFills() {
        for (int rep = 0; rep < 500; rep++) {
            long[] out = new long[20_000];
            int[] runs = new int[2];
            SideThread.both(() -> {
                runs[0]++;
                fill(out, 0, 10_000);
            }, () -> {
                runs[1]++;
                fill(out, 10_000, 20_000);
            });
            assertEquals(1, runs[0], "first ran once");
            assertEquals(1, runs[1], "second ran once");
            for (int i = 0; i < out.length; i++) {
                assertEquals((long) i * i, out[i], "rep " + rep + " at " + i);
            }
        }
    }

    @Test
    void anExceptionOfEitherHalfReachesTheCaller() {
        IllegalStateException boom = new IllegalStateException("second");
        for (int rep = 0; rep < 50; rep++) {
            long[] out = new long[10_000];
            IllegalStateException got = assertThrows(IllegalStateException.class, () -> SideThread.both(
                    () -> fill(out, 0, 10_000), () -> {
                        throw boom;
                    }));
            assertSame(boom, got);
            for (int i = 0; i < out.length; i++) {
                assertEquals((long) i * i, out[i], "the first half finished");
            }
            AssertionError err = new AssertionError("an error");
            assertSame(err, assertThrows(AssertionError.class, () -> SideThread.both(() -> fill(out, 0, 100), () -> {
                throw err;
            })));
            long[] other = new long[10_000];
            IllegalArgumentException first = new IllegalArgumentException("first");
            assertSame(first, assertThrows(IllegalArgumentException.class, () -> SideThread.both(() -> {
                throw first;
            }, () -> fill(other, 0, 10_000))));
            for (int i = 0; i < other.length; i++) {
                assertEquals((long) i * i, other[i], "the second half finished before the first's exception left");
            }
        }
        IllegalStateException a = new IllegalStateException("first");
        IllegalArgumentException b = new IllegalArgumentException("second");
        IllegalStateException both = assertThrows(IllegalStateException.class, () -> SideThread.both(() -> {
            throw a;
        }, () -> {
            throw b;
        }));
        assertSame(a, both, "the first half's exception");
        assertSame(b, both.getSuppressed()[0], "with the second's attached");
        long[] after = new long[1000];
        SideThread.both(() -> fill(after, 0, 500), () -> fill(after, 500, 1000));
        assertEquals(999L * 999, after[999], "the helper still serves after its halves threw");
    }

    @Test
    void nestedSplitsAndSeveralCallersFinishWithTheirOwnResults() throws Exception {
        long[] nested = new long[40_000];
        SideThread.both(() -> SideThread.both(() -> fill(nested, 0, 10_000), () -> fill(nested, 10_000, 20_000)),
                () -> SideThread.both(() -> fill(nested, 20_000, 30_000), () -> fill(nested, 30_000, 40_000)));
        for (int i = 0; i < nested.length; i++) {
            assertEquals((long) i * i, nested[i], "nested at " + i);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                int caller = c;
                jobs.add(pool.submit(() -> {
                    for (int rep = 0; rep < 200; rep++) {
                        long[] out = new long[2_000 + 37 * caller];
                        SideThread.halves(out.length, 1, out.length, 1, (from, to) -> fill(out, from, to));
                        for (int i = 0; i < out.length; i++) {
                            assertEquals((long) i * i, out[i], "caller " + caller + " rep " + rep + " at " + i);
                        }
                    }
                }));
            }
            for (Future<?> f : jobs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void halvesCoverTheRangeOnceSplitOnTheAlignment() {
        int[][] cases = {{0, 1}, {1, 1}, {2, 1}, {31, 16}, {32, 16}, {33, 16}, {1003, 16}, {100_000, 64}};
        for (int[] c : cases) {
            int n = c[0], align = c[1];
            int[] seen = new int[n];
            List<int[]> ranges = java.util.Collections.synchronizedList(new ArrayList<>());
            SideThread.halves(n, align, Long.MAX_VALUE, 0, (from, to) -> {
                ranges.add(new int[]{from, to});
                for (int i = from; i < to; i++) {
                    seen[i]++;
                }
            });
            for (int i = 0; i < n; i++) {
                assertEquals(1, seen[i], "n " + n + " align " + align + " at " + i);
            }
            int h = n / 2 / align * align;
            if (SideThread.enabled() && h > 0 && h < n) {
                assertEquals(2, ranges.size(), "n " + n + " align " + align + ": two halves");
                assertTrue(ranges.stream().anyMatch(r -> r[0] == 0 && r[1] == h), "split at " + h);
            } else {
                assertEquals(1, ranges.size(), "n " + n + " align " + align + ": one range");
            }
        }
        int[] calls = new int[1];
        SideThread.halves(100, 1, 10, 11, (from, to) -> {
            calls[0]++;
            assertEquals(0, from);
            assertEquals(100, to);
        });
        assertEquals(1, calls[0], "work below its threshold runs as one range");
        assertThrows(IllegalArgumentException.class, () -> SideThread.halves(10, 0, 10, 0, (f, t) -> { }));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SideThread.halves(-1, 1, 10, 0, (f, t) -> { }))
                .getMessage().startsWith("n:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SideThread.halves(10, 1, 10, 0, null))
                .getMessage().startsWith("body:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SideThread.both(() -> { }, null))
                .getMessage().startsWith("first, second:"));
    }
}
