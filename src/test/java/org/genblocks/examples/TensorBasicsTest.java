package org.genblocks.examples;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Smoke test: the example runs and its checks print true. */
class TensorBasicsTest {
    @Test
    void runs() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            TensorBasics.main(new String[0]);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("two draws with seed 42 are equal: true"), out);
        assertTrue(out.contains("batch of 1000: true"), out);
        assertTrue(out.contains("[3.0, 3.0, 5.0, 5.0, 6.0, 7.0]"), out);
        assertTrue(out.contains("1000.4076"), out);
    }
}
