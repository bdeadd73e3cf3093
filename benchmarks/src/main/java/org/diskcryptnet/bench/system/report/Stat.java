package org.diskcryptnet.bench.system.report;

import java.util.List;
import java.util.function.ToDoubleFunction;

/** Median and range of one figure over the rounds of a cell (NaN-free values only). */
public record Stat(double median, double min, double max, int n) {

    public static final Stat NONE = new Stat(Double.NaN, Double.NaN, Double.NaN, 0);

    public static <T> Stat of(List<T> items, ToDoubleFunction<T> f) {
        double[] v = items.stream().mapToDouble(f).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) {
            return NONE;
        }
        int m = v.length / 2;
        double median = v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
        return new Stat(median, v[0], v[v.length - 1], v.length);
    }

    public boolean present() {
        return n > 0;
    }

    /** "9.12 (8.70–9.50)" with the given number of decimals; "—" if nothing was measured. */
    public String format(int decimals) {
        if (!present()) {
            return "—";
        }
        String f = "%." + decimals + "f";
        String med = String.format(f, median);
        String lo = String.format(f, min), hi = String.format(f, max);
        return lo.equals(hi) ? med : med + " (" + lo + "–" + hi + ")";
    }
}
