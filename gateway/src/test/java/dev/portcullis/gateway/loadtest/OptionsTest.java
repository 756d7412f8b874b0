package dev.portcullis.gateway.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The operation mix, durations and the validation of a run's configuration. */
class OptionsTest {
  @Test
  void mixPicksOperationsInProportion() {
    Mix mix = Mix.parse("ls-remote=2, clone=1,push=1");
    Map<Operation, Integer> n = new EnumMap<>(Operation.class);
    Random r = new Random(1);
    for (int i = 0; i < 40_000; i++) {
      n.merge(mix.pick(r.nextDouble()), 1, Integer::sum);
    }
    assertEquals(20_000, n.get(Operation.LS_REMOTE), 600);
    assertEquals(10_000, n.get(Operation.CLONE), 600);
    assertEquals(10_000, n.get(Operation.PUSH), 600);
    assertEquals("ls-remote=2,clone=1,push=1", mix.toString());
  }

  @Test
  void anOperationLeftOutIsNeverPicked() {
    Mix mix = Mix.parse("clone=1");
    assertFalse(mix.includes(Operation.PUSH));
    assertEquals(Operation.CLONE, mix.pick(0.0));
    assertEquals(Operation.CLONE, mix.pick(0.9999999));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "fetch=1",
        "clone",
        "clone=-1",
        "clone=x",
        "clone=1,clone=2",
        "clone=0,push=0",
        "clone=NaN"
      })
  void badMixesAreRefusedWithTheReason(String spec) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Mix.parse(spec));
    assertFalse(e.getMessage().isBlank());
  }

  @Test
  void durationsAsOperatorsWriteThem() {
    assertEquals(Duration.ofMillis(500), DurationConverter.parse("500ms"));
    assertEquals(Duration.ofSeconds(30), DurationConverter.parse("30s"));
    assertEquals(Duration.ofSeconds(30), DurationConverter.parse("30"));
    assertEquals(Duration.ofSeconds(90), DurationConverter.parse("1.5m"));
    assertEquals(Duration.ofHours(1), DurationConverter.parse("1h"));
    assertEquals(Duration.ofSeconds(45), DurationConverter.parse("PT45S"));
    assertThrows(IllegalArgumentException.class, () -> DurationConverter.parse("soon"));
  }

  @Test
  void configurationReportsEveryBadValueAtOnce() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new LoadtestConfig(
                    0,
                    1,
                    Duration.ofHours(2),
                    -1,
                    Mix.parse(Mix.DEFAULT),
                    -1,
                    1.5,
                    0.5,
                    0.2,
                    0,
                    1,
                    "bad org!",
                    false,
                    true,
                    1,
                    1,
                    16,
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1),
                    Path.of("r"),
                    true));
    for (String option :
        new String[] {
          "--tokens", "--duration", "--max-requests", "--revoke-rate", "--bad-token-rate", "--org"
        }) {
      assertTrue(
          e.getMessage().contains(option), () -> option + " missing from: " + e.getMessage());
    }
  }

  @Test
  void usersDefaultToOnePerFiftyTokens() {
    assertEquals(1, config(10).effectiveUsers());
    assertEquals(2, config(51).effectiveUsers());
    assertEquals(200, config(10_000).effectiveUsers());
    assertEquals(200, config(100_000).effectiveUsers());
  }

  private static LoadtestConfig config(int tokens) {
    return new LoadtestConfig(
        tokens,
        1,
        Duration.ofSeconds(1),
        0,
        Mix.parse(Mix.DEFAULT),
        0,
        0,
        0.5,
        0.2,
        0,
        1,
        "lt",
        false,
        true,
        1,
        1,
        16,
        Duration.ofSeconds(1),
        Duration.ofSeconds(1),
        Path.of("r"),
        true);
  }

  @Test
  void credentialsNeverShowTheirSecret() {
    Credential c = Credential.basic(3, "pcc_secretsecretsecretsecretsecretse123456");
    assertFalse(c.toString().contains("secret"));
    assertFalse(
        new PoolToken(3, 9, PoolToken.Kind.CLASSIC, 0, "u", c)
            .toString()
            .contains(c.authorization()));
    for (int i = 0; i < 100; i++) {
      assertTrue(BadTokens.next().bad());
    }
  }
}
