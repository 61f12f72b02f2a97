package org.genblocks.tensor;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class OpThreadsTest {
    private static int omp() {
        return NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
    }

    private static int blas() {
        return Nd4j.factory().blas().getMaxThreads();
    }

    /** This thread's team before any test of this class ran: a test that leaks a shrunk team fails the next. */
    private static final int FULL = initialTeam();

    private static int initialTeam() {
        Nd4j.scalar(0f);
        return OpThreads.enabled() ? omp() : 1;
    }

    /** The checks need a team to shrink: a machine with one core has nothing to show. */
    private static int fullTeam() {
        assumeTrue(OpThreads.enabled(), "OpThreads is off (not the CPU backend, or native defaults switched off)");
        assumeTrue(FULL > 1, "one OpenMP thread on this machine");
        assertEquals(FULL, omp(), "the thread's team as the class found it");
        return FULL;
    }

    @Test
    void theRuleSplitsAtTheThreshold() {
        assertEquals(1, OpThreads.teamFor(OpThreads.PARALLEL_FROM - 1, 8));
        assertEquals(8, OpThreads.teamFor(OpThreads.PARALLEL_FROM, 8));
        assertEquals(1, OpThreads.teamFor(0, 8));
        assertEquals(3, OpThreads.teamFor(Long.MAX_VALUE, 3));
        // memory-bound ops keep one thread four times as far
        assertEquals(1, OpThreads.teamForMemoryBound(OpThreads.MEMORY_BOUND_PARALLEL_FROM - 1, 8));
        assertEquals(8, OpThreads.teamForMemoryBound(OpThreads.MEMORY_BOUND_PARALLEL_FROM, 8));
        assertTrue(OpThreads.MEMORY_BOUND_PARALLEL_FROM > OpThreads.PARALLEL_FROM);
        assertTrue(OpThreads.memoryBound("add") && OpThreads.memoryBound("thresholdedrelu_bp"));
        assertTrue(!OpThreads.memoryBound("tanh") && !OpThreads.memoryBound("softmax") && !OpThreads.memoryBound("matmul"));
    }

    @Test
    void smallOpsShrinkOnlyTheCallingThreadsTeamAndCloseRestoresIt() throws Exception {
        int full = fullTeam();
        AtomicInteger other = new AtomicInteger(-1);
        try (OpThreads.Team team = OpThreads.open()) {
            team.size(100);
            assertEquals(1, omp());
            assertEquals(1, team.threads());
            Thread t = new Thread(() -> other.set(omp()));
            t.start();
            t.join();
            team.size(OpThreads.PARALLEL_FROM);
            assertEquals(full, omp());
            team.size(10);
        }
        assertEquals(full, other.get(), "another thread's team must not change");
        assertEquals(full, omp(), "closing the scope restores the team");
    }

    @Test
    void aNestedScopeGivesLargeOpsTheWholeTeamAndRestoresItsOuter() {
        int full = fullTeam();
        try (OpThreads.Team outer = OpThreads.open()) {
            outer.size(1);
            assertEquals(1, omp());
            try (OpThreads.Team inner = OpThreads.open()) {
                inner.size(Long.MAX_VALUE);
                assertEquals(full, omp(), "the full team is the outermost scope's, not the outer's current one");
            }
            assertEquals(1, omp(), "the inner scope restores what it found");
            outer.whole();
            assertEquals(full, omp());
        }
        assertEquals(full, omp());
    }

    @Test
    void onlyALoopResizesOpenBlasAndItGivesThePoolBack() {
        fullTeam();
        assumeTrue(OpThreads.blasEnabled(), "the user fixed the thread counts");
        int before = blas();
        int pool = 2;
        Nd4j.factory().blas().setMaxThreads(pool);   // a known pool, whatever earlier tests left
        try {
            loops(pool);
        } finally {
            Nd4j.factory().blas().setMaxThreads(before);
        }
    }

    private static void loops(int pool) {
        try (OpThreads.Team team = OpThreads.open()) {
            team.matmul(10);
            assertEquals(pool, blas(), "a plain scope leaves OpenBLAS alone");
        }
        try (OpThreads.Team loop = OpThreads.openLoop()) {
            loop.matmul(OpThreads.BLAS_PARALLEL_FROM - 1);
            assertEquals(1, blas());
            try (OpThreads.Team step = OpThreads.open()) {
                step.matmul(10);
                assertEquals(1, blas(), "products inside the loop keep the hold");
            }
            assertEquals(1, blas(), "a nested scope does not give the loop's hold back");
            loop.matmul(OpThreads.BLAS_PARALLEL_FROM);
            assertEquals(pool, blas(), "a large product gives the pool back");
            loop.matmul(10);
            assertEquals(pool, blas(), "and the loop stops resizing: the model has large products");
        }
        assertEquals(pool, blas());
        try (OpThreads.Team loop = OpThreads.openLoop()) {
            loop.matmul(10);
            assertEquals(1, blas());
        }
        assertEquals(pool, blas(), "closing the loop gives the pool back");
    }

    @Test
    void aLargeProductFirstEndsTheLoopsControlAndAUsersResizeStays() {
        fullTeam();
        int before = blas();
        Nd4j.factory().blas().setMaxThreads(2);
        try {
            assumeTrue(OpThreads.blasEnabled(), "the user fixed the thread counts");
            try (OpThreads.Team loop = OpThreads.openLoop()) {
                loop.matmul(OpThreads.BLAS_PARALLEL_FROM);
                loop.matmul(10);
                assertEquals(2, blas(), "a loop whose first product is large never takes the pool");
            }
            try (OpThreads.Team loop = OpThreads.openLoop()) {
                loop.matmul(10);
                assertEquals(1, blas());
                Nd4j.factory().blas().setMaxThreads(3);   // the user resizes the pool during the hold
            }
            assertEquals(3, blas(), "a size the user chose during the hold stays");
        } finally {
            Nd4j.factory().blas().setMaxThreads(before);
        }
    }

    @Test
    void aScopeBelongsToItsThreadAndClosesInOrder() throws Exception {
        int full = fullTeam();
        OpThreads.Team team = OpThreads.open();
        team.size(1);
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                team.close();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.start();
        t.join();
        assertTrue(thrown.get() instanceof IllegalStateException, "closed on another thread: " + thrown.get());
        assertEquals(1, omp(), "the owner's scope is still open");
        team.close();   // its own thread closes it and restores the team
        assertEquals(full, omp());

        OpThreads.Team outer = OpThreads.open();
        OpThreads.Team inner = OpThreads.open();
        inner.size(1);
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, outer::close);
        assertTrue(e.getMessage().contains("before a scope opened inside it"), e.getMessage());
        assertEquals(full, omp(), "closing out of order restores the team the outer scope found");
        inner.size(1);   // closed with its outer: no effect
        assertEquals(full, omp());
        inner.close();
        inner.close();   // twice: nothing
        assertEquals(full, omp());
        try (OpThreads.Team again = OpThreads.open()) {
            again.size(1);
            assertEquals(1, omp());
        }
        assertEquals(full, omp());
    }

    @Test
    void aClosedLoopNeverTakesThePoolAgain() throws Exception {
        fullTeam();
        assumeTrue(OpThreads.blasEnabled(), "the user fixed the thread counts");
        int before = blas();
        Nd4j.factory().blas().setMaxThreads(2);
        try {
            OpThreads.Team outer = OpThreads.openLoop();
            OpThreads.Team inner = OpThreads.open();
            outer.matmul(10);
            assertEquals(1, blas());
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, outer::close);
            assertEquals(2, blas(), "the out-of-order close gave the pool back");
            inner.matmul(10);   // closed with its outer: nothing
            assertEquals(2, blas());
            inner.close();
            OpThreads.Team loop = OpThreads.openLoop();
            loop.matmul(10);
            loop.close();
            loop.matmul(10);   // after close: nothing
            assertEquals(2, blas());
            // closed from another thread: the pool comes back, and the owner's later products do not take it again
            OpThreads.Team owned = OpThreads.openLoop();
            owned.matmul(10);
            assertEquals(1, blas());
            Thread t = new Thread(() -> {
                try {
                    owned.close();
                } catch (IllegalStateException e) {
                    // expected: not its thread
                }
            });
            t.start();
            t.join();
            assertEquals(2, blas(), "given back from the other thread");
            owned.matmul(10);
            assertEquals(2, blas(), "and not taken again");
            owned.close();
            assertEquals(2, blas());
        } finally {
            Nd4j.factory().blas().setMaxThreads(before);
        }
    }
}
