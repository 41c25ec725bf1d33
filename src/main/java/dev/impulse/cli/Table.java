package dev.impulse.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain text table, as {@code impulse ls} and {@code ps} print one: a header row, columns
 * left-aligned and padded to their widest cell, two spaces between columns, no trailing spaces.
 * Control characters in a cell are shown as '?', so a value can never move the cursor or end a
 * line. Empty cells are shown as '-'.
 */
final class Table {
  private static final String GAP = "  ";

  private Table() {}

  /** The table, one line per row, each ending with a newline. */
  static String render(List<String> header, List<List<String>> rows) {
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    for (List<String> row : rows) {
      if (row.size() != header.size()) {
        throw new IllegalArgumentException(
            "a row of " + row.size() + " cells in a table of " + header.size() + " columns");
      }
      all.add(row.stream().map(Table::cell).toList());
    }
    int[] widths = new int[header.size()];
    for (List<String> row : all) {
      for (int i = 0; i < widths.length; i++) {
        widths[i] = Math.max(widths[i], width(row.get(i)));
      }
    }
    StringBuilder text = new StringBuilder();
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < widths.length; i++) {
        String cell = row.get(i);
        line.append(cell);
        if (i < widths.length - 1) {
          line.append(" ".repeat(widths[i] - width(cell))).append(GAP);
        }
      }
      text.append(line.toString().stripTrailing()).append('\n');
    }
    return text.toString();
  }

  private static String cell(String value) {
    return value.isEmpty() ? "-" : value.replaceAll("\\p{Cntrl}", "?");
  }

  private static int width(String cell) {
    return cell.codePointCount(0, cell.length());
  }
}
