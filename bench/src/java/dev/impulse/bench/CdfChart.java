package dev.impulse.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws the cumulative distribution of some series of latencies as an SVG file, on a logarithmic
 * time axis: the baselines differ by a factor of forty, and a linear axis would squash the fast
 * ones into one line.
 */
final class CdfChart {
  private static final int WIDTH = 900;
  private static final int HEIGHT = 420;
  private static final int LEFT = 60;
  private static final int RIGHT = 320;
  private static final int TOP = 40;
  private static final int BOTTOM = 50;
  private static final String[] COLOURS = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd"};

  private final String title;
  private final Map<String, List<Double>> series = new LinkedHashMap<>();

  CdfChart(String title) {
    this.title = title;
  }

  CdfChart add(String name, List<Double> values) {
    series.put(name, values);
    return this;
  }

  void write(Path file) {
    double min = Double.MAX_VALUE;
    double max = 0;
    for (List<Double> values : series.values()) {
      for (double v : values) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    List<Double> ticks = ticks(min, max);
    double xMin = ticks.getFirst();
    double xMax = ticks.getLast();
    int plotW = WIDTH - LEFT - RIGHT;
    int plotH = HEIGHT - TOP - BOTTOM;
    StringBuilder svg = new StringBuilder();
    svg.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
            WIDTH,
            HEIGHT));
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"22\" font-size=\"15\">%s</text>%n",
            LEFT,
            escape(title)));
    for (double x : ticks) {
      int px = LEFT + (int) Math.round(position(x, xMin, xMax) * plotW);
      svg.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
                  + "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
              px,
              TOP,
              px,
              TOP + plotH,
              px,
              TOP + plotH + 16,
              trim(x)));
    }
    for (int i = 0; i <= 4; i++) {
      double f = i / 4.0;
      int py = TOP + plotH - (int) Math.round(f * plotH);
      svg.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
                  + "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%d%%</text>%n",
              LEFT,
              py,
              LEFT + plotW,
              py,
              LEFT - 6,
              py + 4,
              i * 25));
    }
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">milliseconds from request to first successful call (log scale)</text>%n",
            LEFT + plotW / 2,
            HEIGHT - 10));
    int colour = 0;
    for (Map.Entry<String, List<Double>> entry : series.entrySet()) {
      List<Double> sorted = new ArrayList<>(entry.getValue());
      Collections.sort(sorted);
      StringBuilder points = new StringBuilder();
      for (int i = 0; i < sorted.size(); i++) {
        double f0 = (double) i / sorted.size();
        double f1 = (double) (i + 1) / sorted.size();
        int px = LEFT + (int) Math.round(position(sorted.get(i), xMin, xMax) * plotW);
        points.append(
            String.format(Locale.ROOT, "%d,%d %d,%d ", px, y(f0, plotH), px, y(f1, plotH)));
      }
      String c = COLOURS[colour++ % COLOURS.length];
      svg.append(
          String.format(
              Locale.ROOT,
              "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n",
              c,
              points.toString().trim()));
      int ly = TOP + 20 * colour;
      Samples samples = new Samples();
      sorted.forEach(samples::add);
      double median = samples.median();
      svg.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>"
                  + "<text x=\"%d\" y=\"%d\">%s (p50 %.0f ms)</text>%n",
              LEFT + plotW + 12,
              ly,
              LEFT + plotW + 32,
              ly,
              c,
              LEFT + plotW + 38,
              ly + 4,
              escape(entry.getKey()),
              median));
    }
    svg.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>%n",
            LEFT,
            TOP,
            plotW,
            plotH));
    svg.append("</svg>\n");
    try {
      Files.writeString(file, svg.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int y(double fraction, int plotH) {
    return TOP + plotH - (int) Math.round(fraction * plotH);
  }

  /** Where {@code x} falls between {@code xMin} and {@code xMax} on a log axis, 0 to 1. */
  private static double position(double x, double xMin, double xMax) {
    return (Math.log(x) - Math.log(xMin)) / (Math.log(xMax) - Math.log(xMin));
  }

  /**
   * Axis ticks at 1, 2 and 5 times powers of ten: from the largest at or below {@code min} to the
   * smallest at or above {@code max}.
   */
  static List<Double> ticks(double min, double max) {
    double low = Math.max(min, 1e-3);
    List<Double> ticks = new ArrayList<>();
    for (double magnitude = Math.pow(10, Math.floor(Math.log10(low)));
        ticks.isEmpty() || ticks.getLast() < max;
        magnitude *= 10) {
      for (double factor : new double[] {1, 2, 5}) {
        double tick = factor * magnitude;
        if (tick <= low) {
          ticks.clear();
        }
        if (ticks.isEmpty() || ticks.getLast() < max) {
          ticks.add(tick);
        }
      }
    }
    return ticks;
  }

  private static String trim(double x) {
    return x == Math.rint(x) ? Long.toString((long) x) : String.format(Locale.ROOT, "%.1f", x);
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
