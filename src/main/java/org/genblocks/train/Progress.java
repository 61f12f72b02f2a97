package org.genblocks.train;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Training progress: a one-line bar on {@code System.err} when the config allows it and the JVM runs on a
 * real terminal ({@link #onTerminal()}), otherwise an SLF4J info line every {@code logEvery} steps (quiet
 * under tests and CI, where the binding's level is warn).
 */
final class Progress {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private static final long MIN_REDRAW_NANOS = 200_000_000L;
    private final long start;
    private final long total;
    private final long every;
    private final PrintStream bar;
    private final long t0 = System.nanoTime();
    private long lastDraw;
    private double smoothLoss = Double.NaN;

    Progress(long start, long total, long every, boolean barAllowed) {
        this.start = start;
        this.total = total;
        this.every = every;
        this.bar = barAllowed && onTerminal() ? System.err : null;
    }

    /**
     * Whether the JVM's console is a real terminal. Up to JDK 21 {@code System.console()} is non-null only then;
     * from JDK 22 it is also non-null for redirected output, and {@code Console.isTerminal()} (called reflectively,
     * the library targets Java 17) tells the two apart.
     */
    static boolean onTerminal() {
        java.io.Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
        } catch (NoSuchMethodException e) {
            return true; // JDK 17-21: a console exists only on a terminal
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    void step(long step, double loss, double lr) {
        smoothLoss = Double.isNaN(smoothLoss) ? loss : 0.95 * smoothLoss + 0.05 * loss;
        long done = step + 1;
        if (bar != null) {
            long now = System.nanoTime();
            if (now - lastDraw >= MIN_REDRAW_NANOS || done == total) {
                lastDraw = now;
                int width = 30;
                int filled = (int) (width * done / Math.max(1, total));
                double rate = (done - start) / Math.max(1e-9, (now - t0) / 1e9);
                bar.print(String.format(Locale.ROOT, "\r[%s%s] %d/%d loss %.4g lr %.2e %.1f it/s ",
                        "=".repeat(filled), " ".repeat(width - filled), done, total, smoothLoss, lr, rate));
                bar.flush();
            }
        } else if (done % every == 0 || done == total) {
            if (LOG.isInfoEnabled()) {
                double rate = (done - start) / Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
                LOG.info(String.format(Locale.ROOT, "step %d/%d loss %.6g (smoothed %.6g) lr %.3e %.1f it/s",
                        done, total, loss, smoothLoss, lr, rate));
            }
        }
    }

    void done() {
        if (bar != null) {
            bar.println();
            bar.flush();
        }
    }
}
