package org.genblocks.viz;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TicksTest {
    private static List<String> labels(List<Ticks.Tick> ticks) {
        return ticks.stream().filter(t -> t.label() != null).map(Ticks.Tick::label).toList();
    }

    @Test
    void linearTicksUseNiceSteps() {
        assertEquals(List.of("0", "2", "4", "6", "8", "10"), labels(Ticks.linear(0, 10, 5)));
        assertEquals(List.of("0.00", "0.25", "0.50", "0.75", "1.00"), labels(Ticks.linear(-0.05, 1.05, 5)));
        assertEquals(List.of("0.0", "0.2", "0.4", "0.6", "0.8", "1.0"), labels(Ticks.linear(-0.05, 1.05, 6)));
        assertEquals(List.of("-1.0", "-0.5", "0.0", "0.5", "1.0"), labels(Ticks.linear(-1.1, 1.1, 5)));
        assertEquals(List.of("0", "2000", "4000"), labels(Ticks.linear(0, 5000, 3)));
        assertEquals(List.of("0.00", "0.25", "0.50", "0.75", "1.00"), labels(Ticks.linear(0, 1, 4)));
        assertEquals(List.of("0", "1e-4", "2e-4"), labels(Ticks.linear(0, 2e-4, 2)));
        assertEquals(2.5, Ticks.niceStep(2.2), 0);
        assertEquals(5, Ticks.niceStep(3), 0);
        assertEquals(0.1, Ticks.niceStep(0.1), 1e-15);
    }

    @Test
    void logTicksAtDecadesWithMinorGrid() {
        List<Ticks.Tick> t = Ticks.log(1, 1000);
        assertEquals(List.of("1", "10", "100", "1000"), labels(t));
        assertEquals(4, t.stream().filter(Ticks.Tick::major).count());
        assertEquals(3 * 8, t.stream().filter(x -> !x.major()).count());
        assertEquals(List.of("0.001", "0.01", "0.1", "1"), labels(Ticks.log(1e-3, 1)));
        assertEquals(List.of("1e-6", "1e-5", "1e-4"), labels(Ticks.log(1e-6, 1e-4)));
        // at most two decades: 2 and 5 are labelled too
        assertEquals(List.of("2", "5", "10", "20", "50"), labels(Ticks.log(1.5, 60)));
        assertEquals(List.of("2", "5", "10", "20", "50", "100"), labels(Ticks.log(1.7, 150)));
        // many decades: at most about 8 labels (17 decades: every third)
        assertEquals(List.of("1e-15", "1e-12", "1e-9", "1e-6", "0.001", "1"), labels(Ticks.log(1e-16, 1)));
    }
}
