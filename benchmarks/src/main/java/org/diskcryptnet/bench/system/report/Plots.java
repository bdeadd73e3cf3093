package org.diskcryptnet.bench.system.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * PNG plots after the paper's Figures 1 and 2: throughput and server CPU against concurrent connections (log scale),
 * one line per variant through the medians, bars from min to max over the rounds (cut at 1.3 × the largest
 * median, so that one outlier does not flatten every line). One pair per workload (cache column × storage).
 * nginx dashed, the origin solid.
 */
public final class Plots {

    private static final Color[] PALETTE = {
            new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
            new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf),
            new Color(0x000000), new Color(0xaa3377), new Color(0x228833), new Color(0x4477aa)};

    private Plots() {}

    /** Writes {@code throughput-CACHE-STORAGE.png} and {@code cpu-CACHE-STORAGE.png}; returns the files. */
    public static List<Path> write(Path dir, List<CellSummary> cells, String subtitle) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        for (String[] w : MarkdownOut.workloads(cells)) {
            List<CellSummary> in = MarkdownOut.cellsOf(cells, w[0], w[1]);
            String name = w[0] + "-" + w[1] + ".png";
            files.add(chart(dir.resolve("throughput-" + name), in, "Throughput, " + MarkdownOut.title(w[0], w[1]),
                    "Gbit/s (received by wrk)", CellSummary::gbps, subtitle));
            files.add(chart(dir.resolve("cpu-" + name), in, "Server CPU per GB served, " + MarkdownOut.title(w[0], w[1]),
                    "server CPU-seconds per GB (utime+stime)", CellSummary::cpuSPerGb, subtitle));
        }
        return files;
    }

    private static Path chart(Path file, List<CellSummary> cells, String title, String yLabel,
                              Function<CellSummary, Stat> figure, String subtitle) throws IOException {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        Set<String> variants = new LinkedHashSet<>();
        cells.forEach(c -> variants.add(c.variant()));
        List<Boolean> nginx = new ArrayList<>();
        double top = 0;
        for (String v : variants) {
            YIntervalSeries s = new YIntervalSeries(v);
            for (CellSummary c : cells) {
                Stat st = figure.apply(c);
                if (c.variant().equals(v) && st.present() && Double.isFinite(st.max())) {
                    s.add(c.connections(), st.median(), st.min(), st.max());
                    top = Math.max(top, st.median());
                }
            }
            data.addSeries(s);
            nginx.add(v.startsWith("nginx"));
        }
        LogAxis x = new LogAxis("concurrent connections");
        x.setBase(10);
        x.setTickUnit(new NumberTickUnit(1));
        x.setSmallestValue(5);
        x.setNumberFormatOverride(new java.text.DecimalFormat("#,##0"));
        NumberAxis y = new NumberAxis(yLabel);
        y.setAutoRangeIncludesZero(true);
        if (top > 0) {
            // Scaled to the medians: a run of a loaded machine may range far above them; its bar is cut at the top.
            y.setRange(0, top * 1.3);
        }
        XYErrorRenderer r = new XYErrorRenderer();
        r.setDrawXError(false);
        r.setDefaultLinesVisible(true);
        r.setDefaultShapesVisible(true);
        r.setCapLength(6);
        for (int i = 0; i < nginx.size(); i++) {
            r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            r.setSeriesStroke(i, nginx.get(i)
                    ? new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f)
                    : new BasicStroke(2.8f));
        }
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, new Font("SansSerif", Font.BOLD, 16), plot, true);
        chart.addSubtitle(new TextTitle(subtitle, new Font("SansSerif", Font.PLAIN, 11)));
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 1000, 620);
        return file;
    }
}
