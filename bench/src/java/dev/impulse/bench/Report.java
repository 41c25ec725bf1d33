package dev.impulse.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Collects each scenario's figures, prints tables and writes the JSON result. */
final class Report {
  private final Map<String, Object> root = new LinkedHashMap<>();
  private final Map<String, Object> scenarios = new LinkedHashMap<>();
  private final Path dir;
  private final String stamp;

  Report(Path dir, Map<String, Object> machine) {
    this.dir = dir;
    this.stamp = Instant.now().toString().replace(":", "").replaceAll("\\.\\d+", "");
    root.put("time", Instant.now().toString());
    root.put("machine", machine);
    root.put("scenarios", scenarios);
  }

  Path dir() {
    return dir;
  }

  String stamp() {
    return stamp;
  }

  void put(String scenario, Map<String, Object> figures) {
    scenarios.put(scenario, figures);
  }

  /** Prints a table: a header row, then rows, columns padded. */
  static void table(String title, List<String> header, List<List<String>> rows) {
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    int[] widths = new int[header.size()];
    for (List<String> row : all) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    System.out.println();
    System.out.println("== " + title);
    for (int r = 0; r < all.size(); r++) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < all.get(r).size(); i++) {
        String cell = all.get(r).get(i);
        line.append(i == 0 ? pad(cell, widths[i]) : padLeft(cell, widths[i])).append("  ");
      }
      System.out.println(line.toString().stripTrailing());
      if (r == 0) {
        System.out.println("-".repeat(line.toString().stripTrailing().length()));
      }
    }
    System.out.flush();
  }

  static String ms(double value) {
    return Double.isNaN(value) ? "-" : String.format("%.1f", value);
  }

  static String ratio(double value) {
    return Double.isNaN(value) ? "-" : String.format("%.2fx", value);
  }

  private static String pad(String s, int width) {
    return s + " ".repeat(Math.max(0, width - s.length()));
  }

  private static String padLeft(String s, int width) {
    return " ".repeat(Math.max(0, width - s.length())) + s;
  }

  /** Writes {@code results/STAMP.json} and {@code results/latest.json}. */
  Path write() {
    try {
      Files.createDirectories(dir);
      ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      Path file = dir.resolve(stamp + ".json");
      json.writeValue(file.toFile(), root);
      json.writeValue(dir.resolve("latest.json").toFile(), root);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the results", e);
    }
  }
}
