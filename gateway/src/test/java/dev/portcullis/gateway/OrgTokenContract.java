package dev.portcullis.gateway;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * GitHub's description of the org fine-grained token API (the 8 operations of shared/contract,
 * copied to src/test/resources), the validator made from it, and which operations and statuses the
 * org token contract classes have checked against it so far.
 *
 * <p>The record of what was checked is static, so that it spans every class of the test run: the
 * classes split the operations between them, and {@link OrgTokenContractCoverageTest} (ordered
 * last) asks whether together they exercised every operation and every documented status.
 */
final class OrgTokenContract {
  static final String CONTRACT_RESOURCE = "/contract/github-pat-endpoints.openapi.json";

  private OrgTokenContract() {}

  // ------------------------------------------------------------------ the 8 operations

  enum Op {
    LIST_REQUESTS("GET", "/orgs/[^/]+/personal-access-token-requests"),
    REVIEW_REQUESTS("POST", "/orgs/[^/]+/personal-access-token-requests"),
    REVIEW_REQUEST("POST", "/orgs/[^/]+/personal-access-token-requests/[^/]+"),
    LIST_REQUEST_REPOSITORIES(
        "GET", "/orgs/[^/]+/personal-access-token-requests/[^/]+/repositories"),
    LIST_GRANTS("GET", "/orgs/[^/]+/personal-access-tokens"),
    UPDATE_ACCESSES("POST", "/orgs/[^/]+/personal-access-tokens"),
    UPDATE_ACCESS("POST", "/orgs/[^/]+/personal-access-tokens/[^/]+"),
    LIST_GRANT_REPOSITORIES("GET", "/orgs/[^/]+/personal-access-tokens/[^/]+/repositories");

    final String method;
    final Pattern path;

    Op(String method, String path) {
      this.method = method;
      this.path = Pattern.compile(path);
    }

    static Op of(String method, String pathAfterPrefix) {
      for (Op op : values()) {
        if (op.method.equals(method) && op.path.matcher(pathAfterPrefix).matches()) {
          return op;
        }
      }
      return null;
    }

    /** The statuses the contract documents besides success (500 aside). */
    Set<Integer> documentedErrors() {
      return switch (this) {
        case LIST_REQUEST_REPOSITORIES, LIST_GRANT_REPOSITORIES -> Set.of(403, 404);
        default -> Set.of(403, 404, 422);
      };
    }

    int success() {
      return switch (this) {
        case LIST_REQUESTS, LIST_GRANTS, LIST_REQUEST_REPOSITORIES, LIST_GRANT_REPOSITORIES -> 200;
        case REVIEW_REQUESTS, UPDATE_ACCESSES -> 202;
        case REVIEW_REQUEST, UPDATE_ACCESS -> 204;
      };
    }
  }

  // ------------------------------------------------------------------ the validator

  /** The validator for the contract in src/test/resources. */
  static OpenApiInteractionValidator validator() {
    try {
      return validator(Path.of(OrgTokenContract.class.getResource(CONTRACT_RESOURCE).toURI()));
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The validator for the contract. Everything is an error except properties the schema does not
   * name: JSON Schema allows them (GitHub's schemas never say {@code additionalProperties: false},
   * and GitHub itself sends {@code status} in errors), but this library forbids them by default.
   */
  static OpenApiInteractionValidator validator(Path contract) {
    return OpenApiInteractionValidator.createForSpecificationUrl(contract.toString())
        .withBasePathOverride("/api/v3")
        .withLevelResolver(
            LevelResolver.create()
                .withLevel(
                    "validation.response.body.schema.additionalProperties",
                    ValidationReport.Level.IGNORE)
                .build())
        .build();
  }

  static String describe(ValidationReport report) {
    return report.getMessages().stream()
        .map(
            m ->
                m.getLevel()
                    + " "
                    + m.getKey()
                    + ": "
                    + m.getMessage()
                    + (m.getNestedMessages().isEmpty()
                        ? ""
                        : " "
                            + m.getNestedMessages().stream()
                                .map(ValidationReport.Message::getMessage)
                                .toList()))
        .collect(Collectors.joining("\n"));
  }

  // ------------------------------------------------------------------ what was checked, over the
  // whole run

  /** Statuses of the 8 operations checked against the contract (401s are checked separately). */
  private static final Map<Op, Set<Integer>> COVERED =
      Collections.synchronizedMap(new EnumMap<>(Op.class));

  private static final Map<Op, Set<Integer>> COVERED_401 =
      Collections.synchronizedMap(new EnumMap<>(Op.class));
  private static final AtomicInteger VALIDATED = new AtomicInteger();

  /** The org token contract classes that have finished, in the order they finished. */
  private static final Set<Class<?>> FINISHED = Collections.synchronizedSet(new LinkedHashSet<>());

  /** An answer of {@code op} with {@code status} passed the contract. */
  static void validated(Op op, int status) {
    COVERED.computeIfAbsent(op, x -> Collections.synchronizedSet(new TreeSet<>())).add(status);
    VALIDATED.incrementAndGet();
  }

  /** A 401 answer of {@code op} passed GitHub's two 401 messages (the contract lists no 401). */
  static void unauthorized(Op op) {
    COVERED_401.computeIfAbsent(op, x -> Collections.synchronizedSet(new TreeSet<>())).add(401);
  }

  /** The statuses of {@code op} validated against the contract so far. */
  static Set<Integer> covered(Op op) {
    Set<Integer> got = COVERED.get(op);
    return got == null ? Set.of() : Set.copyOf(got);
  }

  /** Whether a 401 of {@code op} was checked so far. */
  static boolean covered401(Op op) {
    return COVERED_401.containsKey(op);
  }

  /** How many answers were validated against the contract so far. */
  static int validatedCount() {
    return VALIDATED.get();
  }

  static void finished(Class<?> testClass) {
    FINISHED.add(testClass);
  }

  static Set<Class<?>> finished() {
    synchronized (FINISHED) {
      return new LinkedHashSet<>(FINISHED);
    }
  }
}
