package org.genblocks.train;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The progress bar: only on a real terminal, and switched off by the training config. */
class ProgressTest {
    @Test
    void theBarIsAConfigSettingThatRoundTripsThroughCheckpoints() {
        TrainConfig on = TrainConfig.adam(1e-3);
        TrainConfig off = on.progressBar(false);
        assertTrue(on.progressBar(), "default: allowed (drawn only on a terminal)");
        assertFalse(off.progressBar());
        assertNotEquals(on, off);
        assertEquals(off, TrainConfig.fromMap(off.toMap()));
        Map<String, String> older = new LinkedHashMap<>(off.toMap());
        older.remove("progressBar");
        assertTrue(TrainConfig.fromMap(older).progressBar(), "a checkpoint written before the setting existed");
    }

    @Test
    void redirectedOutputIsNotATerminal() {
        // surefire pipes the test JVM's output: no terminal, whatever System.console() says on this JDK
        assertFalse(Progress.onTerminal());
    }

    @Test
    void aForbiddenBarDrawsNothingEvenWhereATerminalWouldAllowIt() {
        java.io.PrintStream old = System.err;
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        try {
            System.setErr(new java.io.PrintStream(err, true));
            Progress p = new Progress(0, 3, 1, false);
            for (int i = 0; i < 3; i++) {
                p.step(i, 1.0, 1e-3);
            }
            p.done();
        } finally {
            System.setErr(old);
        }
        assertEquals("", err.toString());
    }
}
