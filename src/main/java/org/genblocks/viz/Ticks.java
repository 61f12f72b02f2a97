package org.genblocks.viz;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Tick positions and labels: "nice" steps (1, 2, 2.5, 5 × 10^k) on linear axes, decades on log axes. */
final class Ticks {
    private Ticks() {
    }

    /** A tick: its value, its label ({@code null} for an unlabelled minor tick) and whether it is major. */
    record Tick(double value, String label, boolean major) {
    }

    static List<Tick> linear(double lo, double hi, int target) {
        double step = niceStep((hi - lo) / target);
        List<Tick> ticks = new ArrayList<>();
        long first = (long) Math.ceil(lo / step - 1e-9);
        long last = (long) Math.floor(hi / step + 1e-9);
        for (long i = first; i <= last; i++) {
            double v = i * step;
            if (Math.abs(v) < step * 1e-9) {
                v = 0;
            }
            ticks.add(new Tick(v, format(v, step), true));
        }
        return ticks;
    }

    static List<Tick> log(double lo, double hi) {
        List<Tick> ticks = new ArrayList<>();
        int k0 = (int) Math.floor(Math.log10(lo));
        int k1 = (int) Math.ceil(Math.log10(hi));
        int decadesInside = 0;
        for (int k = k0; k <= k1; k++) {
            double v = Math.pow(10, k);
            if (v >= lo * (1 - 1e-12) && v <= hi * (1 + 1e-12)) {
                decadesInside++;
            }
        }
        int every = Math.max(1, (int) Math.ceil(decadesInside / 8.0));
        boolean labelMultiples = decadesInside <= 2;
        for (int k = k0; k <= k1; k++) {
            for (int m = 1; m <= 9; m++) {
                double v = m * Math.pow(10, k);
                if (v < lo * (1 - 1e-12) || v > hi * (1 + 1e-12)) {
                    continue;
                }
                if (m == 1) {
                    ticks.add(new Tick(v, Math.floorMod(k, every) == 0 ? formatPow(m, k) : null, true));
                } else if (labelMultiples && (m == 2 || m == 5)) {
                    ticks.add(new Tick(v, formatPow(m, k), true));
                } else if (decadesInside <= 12) {
                    ticks.add(new Tick(v, null, false));
                }
            }
        }
        return ticks;
    }

    static double niceStep(double raw) {
        if (!(raw > 0) || !Double.isFinite(raw)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[]{1, 2, 2.5, 5, 10}) {
            if (m * p >= raw * (1 - 1e-9)) {
                return m * p;
            }
        }
        return 10 * p;
    }

    /** A label for {@code v} on a grid of spacing {@code step}: plain decimals, scientific when very large or small. */
    static String format(double v, double step) {
        double a = Math.abs(v);
        if (v == 0 && (step < 1e-3 || step >= 1e5)) {
            return "0";
        }
        if (v != 0 && (a >= 1e5 || a < 1e-3)) {
            String s = String.format(Locale.ROOT, "%.2e", v);
            String[] parts = s.split("e");
            String mant = parts[0].contains(".") ? parts[0].replaceAll("0+$", "").replaceAll("\\.$", "") : parts[0];
            return mant + "e" + Integer.parseInt(parts[1]);
        }
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
        if (Math.abs(step / Math.pow(10, -decimals) - Math.rint(step / Math.pow(10, -decimals))) > 1e-6) {
            decimals++; // steps like 0.25
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String formatPow(int m, int k) {
        if (k >= -3 && k <= 4) {
            double v = m * Math.pow(10, k);
            return k >= 0 ? Long.toString(Math.round(v)) : String.format(Locale.ROOT, "%." + (-k) + "f", v);
        }
        return m + "e" + k;
    }
}
