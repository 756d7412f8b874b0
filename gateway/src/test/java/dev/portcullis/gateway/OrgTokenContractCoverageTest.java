package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.gateway.OrgTokenContract.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Together, the org token contract classes checked every operation and every status the contract
 * documents (and a 401 of each) against the contract.
 *
 * <p>What they checked is recorded in {@link OrgTokenContract} as they run, so this class must run
 * after all of them: {@code @Order} puts it last (src/test/resources/junit-platform.properties
 * orders classes by {@code @Order}; classes without one keep their order). Run on its own, or
 * before any of them, it fails: it never passes on a partial record.
 */
@Order(Integer.MAX_VALUE)
class OrgTokenContractCoverageTest {
  /** Every class whose answers go through {@link OrgTokenApiHarness#check}. */
  static final List<Class<? extends OrgTokenApiHarness>> CONTRACT_CLASSES =
      List.of(
          OrgTokenContractValidatorTest.class,
          OrgTokenListingTest.class,
          OrgTokenFilterTest.class,
          OrgTokenReviewAndRevokeTest.class,
          OrgTokenRepositoriesTest.class,
          OrgTokenNotFoundTest.class,
          OrgTokenAuthorizationTest.class,
          OrgTokenCredentialsRevokeTest.class);

  @Test
  void everyOperationAndDocumentedStatusWasCheckedAgainstTheContract() {
    assertEquals(
        names(CONTRACT_CLASSES.stream()),
        names(OrgTokenContract.finished().stream()),
        "the coverage is only known once every org token contract class has run, before this one"
            + " (mvn -Dtest='OrgToken*')");
    int validated = OrgTokenContract.validatedCount();
    List<String> missing = new ArrayList<>();
    for (Op op : Op.values()) {
      Set<Integer> want = new TreeSet<>(op.documentedErrors());
      want.add(op.success());
      Set<Integer> got = OrgTokenContract.covered(op);
      for (int s : want) {
        if (!got.contains(s)) {
          missing.add(op + " " + s);
        }
      }
      if (!OrgTokenContract.covered401(op)) {
        missing.add(op + " 401");
      }
    }
    assertEquals(
        List.of(),
        missing,
        "statuses never validated against the contract; validated " + validated + " answers");
    assertTrue(validated > 250, "validated " + validated + " answers");
  }

  private static Set<String> names(Stream<? extends Class<?>> classes) {
    return classes.map(Class::getSimpleName).collect(Collectors.toCollection(TreeSet::new));
  }
}
