package dev.impulse.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Draws series over time as an SVG line chart: the burst's chambers, calls in flight and calls
 * queued, second by second, so a reader sees the scale-up, the plateau and the scale back to zero.
 */
final class TimelineChart {
  private static final int WIDTH = 900;
  private static final int HEIGHT = 380;
  private static final int LEFT = 60;
  private static final int RIGHT = 180;
  private static final int TOP = 40;
  private static final int BOTTOM = 50;
  private static final String[] COLOURS = {"#d62728", "#1f77b4", "#2ca02c"};

  /** A named series of (seconds, value) points. */
  record Series(String name, List<double[]> points) {}

  static void write(Path file, String title, String yLabel, List<Series> series) {
    double maxX = 1;
    double maxY = 1;
    for (Series s : series) {
      for (double[] p : s.points()) {
        maxX = Math.max(maxX, p[0]);
        maxY = Math.max(maxY, p[1]);
      }
    }
    double plotW = WIDTH - LEFT - RIGHT;
    double plotH = HEIGHT - TOP - BOTTOM;
    StringBuilder svg = new StringBuilder();
    svg.append(
            String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                    + " font-family=\"sans-serif\" font-size=\"12\">%n",
                WIDTH,
                HEIGHT))
        .append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n")
        .append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\">", LEFT))
        .append(title)
        .append("</text>\n");
    for (int i = 0; i <= 5; i++) {
      double y = TOP + plotH - plotH * i / 5;
      svg.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                  + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>%n",
              LEFT,
              LEFT + plotW,
              y,
              y,
              LEFT - 6,
              y + 4,
              maxY * i / 5));
      double x = LEFT + plotW * i / 5;
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f s</text>%n",
              x,
              HEIGHT - BOTTOM + 18,
              maxX * i / 5));
    }
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\">%s</text>%n",
            TOP + (int) plotH / 2 + 40,
            TOP + (int) plotH / 2 + 40,
            yLabel));
    for (int s = 0; s < series.size(); s++) {
      String colour = COLOURS[s % COLOURS.length];
      StringBuilder path = new StringBuilder();
      for (double[] p : series.get(s).points()) {
        path.append(path.isEmpty() ? "M" : " L")
            .append(
                String.format(
                    Locale.ROOT,
                    "%.1f %.1f",
                    LEFT + plotW * p[0] / maxX,
                    TOP + plotH - plotH * p[1] / maxY));
      }
      svg.append(
              String.format(
                  Locale.ROOT,
                  "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                  path,
                  colour))
          .append(
              String.format(
                  Locale.ROOT,
                  "<rect x=\"%.0f\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                      + "<text x=\"%.0f\" y=\"%d\">%s</text>%n",
                  LEFT + plotW + 16,
                  TOP + 20 * s,
                  colour,
                  LEFT + plotW + 34,
                  TOP + 20 * s + 11,
                  series.get(s).name()));
    }
    svg.append("</svg>\n");
    try {
      Files.writeString(file, svg);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
