package dev.portcullis.policy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The module's design as a build rule: packages by idea with imports running one way only, no
 * cycles, machinery kept package-private, and nothing of Jetty, servlets, JGit or mail.
 */
class PackageOrderTest {
  private static final JavaClasses POLICY =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.portcullis.policy");

  @Test
  void packagesDependOnlyOnThoseBeforeThem() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("token")
        .definedBy("dev.portcullis.policy.token..")
        .layer("model")
        .definedBy("dev.portcullis.policy.model..")
        .layer("decision")
        .definedBy("dev.portcullis.policy.decision..")
        .layer("store")
        .definedBy("dev.portcullis.policy.store..")
        .layer("access")
        .definedBy("dev.portcullis.policy.access..")
        .layer("audit")
        .definedBy("dev.portcullis.policy.audit..")
        .layer("admin")
        .definedBy("dev.portcullis.policy.admin..")
        .layer("assembly")
        .definedBy("dev.portcullis.policy")
        .whereLayer("token")
        .mayNotAccessAnyLayer()
        .whereLayer("model")
        .mayOnlyAccessLayers("token")
        .whereLayer("decision")
        .mayOnlyAccessLayers("token", "model")
        .whereLayer("store")
        .mayOnlyAccessLayers("token", "model")
        .whereLayer("access")
        .mayOnlyAccessLayers("token", "model", "decision", "store")
        .whereLayer("audit")
        .mayOnlyAccessLayers("token", "model", "decision", "store")
        .whereLayer("admin")
        .mayOnlyAccessLayers("token", "model", "decision", "store", "access", "audit")
        .whereLayer("assembly")
        .mayNotBeAccessedByAnyLayer()
        .check(POLICY);
  }

  @Test
  void noCyclesBetweenPackages() {
    slices().matching("dev.portcullis.policy.(*)..").should().beFreeOfCycles().check(POLICY);
  }

  @Test
  void machineryIsPackagePrivate() {
    classes()
        .that()
        .haveSimpleName("JdbcPolicyStore")
        .or()
        .haveSimpleName("TokensByLookupKey")
        .or()
        .haveSimpleName("JdbcNotificationOutbox")
        .or()
        .haveSimpleName("JdbcWebhookStore")
        .or()
        .haveSimpleName("RetrySchedule")
        .or()
        .haveSimpleName("PostgresChangeBus")
        .or()
        .haveSimpleName("StampedCache")
        .or()
        .haveSimpleName("Invalidations")
        .or()
        .haveSimpleName("JsonText")
        .or()
        .haveSimpleName("UseCase")
        .or()
        .haveSimpleName("Validation")
        .should()
        .notBePublic()
        .check(POLICY);
  }

  @Test
  void plainJavaWithoutJettyServletsOrJgit() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.eclipse.jetty..",
            "jakarta.servlet..",
            "javax.servlet..",
            "org.eclipse.jgit..",
            "jakarta.mail..")
        .check(POLICY);
  }
}
