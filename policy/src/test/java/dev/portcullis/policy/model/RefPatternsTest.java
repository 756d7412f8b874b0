package dev.portcullis.policy.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Ref patterns: what is a pattern, what a pattern matches, and when one list covers another. */
class RefPatternsTest {
  private static RefPatterns of(String... p) {
    return RefPatterns.of(List.of(p));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "refs/heads/release/*",
        "refs/tags/v*",
        "refs/heads/main",
        "refs/heads/*-hotfix",
        "refs/*",
        "refs/heads/feature/a.b"
      })
  void validPatterns(String p) {
    List<String> problems = new ArrayList<>();
    assertEquals(List.of(p), RefPatterns.parse(List.of(p), problems).patterns());
    assertTrue(problems.isEmpty(), problems::toString);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "heads/main",
        "refs/",
        "refs",
        "refs/heads/*/*",
        "refs/heads/a b",
        "refs/heads/a..b",
        "refs/heads/a~1",
        "refs/heads/a^",
        "refs/heads/a:b",
        "refs/heads/a?",
        "refs/heads/[ab]",
        "refs/heads/a\\b",
        "refs/heads/a@{1}",
        "refs/heads/",
        "refs/heads//a",
        "refs/heads/.hidden",
        "refs/heads/a.lock",
        "refs/heads/a.",
        "refs/heads/\tx"
      })
  void invalidPatternsAreDescribed(String p) {
    List<String> problems = new ArrayList<>();
    assertNull(RefPatterns.parse(List.of(p), problems));
    assertEquals(1, problems.size(), problems::toString);
  }

  @ParameterizedTest
  @CsvSource({
    "refs/heads/release/*, refs/heads/release/1, true",
    "refs/heads/release/*, refs/heads/release/1.2/hotfix, true",
    "refs/heads/release/*, refs/heads/main, false",
    "refs/heads/release/*, refs/tags/release/1, false",
    "refs/tags/v*, refs/tags/v1.0, true",
    "refs/tags/v*, refs/tags/x1.0, false",
    "refs/heads/main, refs/heads/main, true",
    "refs/heads/main, refs/heads/main2, false",
    "refs/heads/*-hotfix, refs/heads/a-hotfix, true",
    "refs/heads/*-hotfix, refs/heads/-hotfix, true",
    "refs/heads/*-hotfix, refs/heads/a-hotfix2, false"
  })
  void matching(String pattern, String ref, boolean matches) {
    assertEquals(matches, of(pattern).matches(ref));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "refs/heads/release/*; refs/heads/release/1; true",
        "refs/heads/release/*; refs/heads/release/1/*; true",
        "refs/heads/*; refs/heads/release/*; true",
        "refs/heads/release/*; refs/heads/*; false",
        "refs/heads/release/*; refs/heads/main; false",
        "refs/heads/main; refs/heads/main; true",
        "refs/heads/main; refs/heads/ma*; false",
        "refs/heads/*-x; refs/heads/a*-x; true",
        "refs/heads/*-x; refs/heads/a*x; false"
      })
  void coverage(String these, String other, boolean covers) {
    assertEquals(covers, RefPatterns.covers(of(these), of(other)));
  }

  @org.junit.jupiter.api.Test
  void noPatternsMeansEveryRef() {
    assertTrue(RefPatterns.covers(null, of("refs/heads/main")));
    assertTrue(RefPatterns.covers(null, null));
    assertFalse(RefPatterns.covers(of("refs/*"), null));
    assertTrue(
        RefPatterns.covers(of("refs/heads/a", "refs/tags/*"), of("refs/tags/v1", "refs/heads/a")));
    assertFalse(RefPatterns.covers(of("refs/heads/a"), of("refs/heads/a", "refs/heads/b")));
  }
}
