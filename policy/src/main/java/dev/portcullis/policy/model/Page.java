package dev.portcullis.policy.model;

import java.util.List;

/**
 * One page of a listing.
 *
 * @param page 1-based page number asked for
 * @param total number of items over all pages
 */
public record Page<T>(List<T> items, int page, int perPage, int total) {
  public Page {
    items = List.copyOf(items);
  }

  /** The number of the last page (1 when empty). */
  public int lastPage() {
    return Math.max(1, (total + perPage - 1) / perPage);
  }

  /** Slices {@code all} to page {@code page}. */
  public static <T> Page<T> of(List<T> all, int page, int perPage) {
    long from = (long) (page - 1) * perPage;
    if (from >= all.size()) {
      return new Page<>(List.of(), page, perPage, all.size());
    }
    int to = (int) Math.min(all.size(), from + perPage);
    return new Page<>(all.subList((int) from, to), page, perPage, all.size());
  }
}
