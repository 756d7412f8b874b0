package dev.portcullis.gateway.cli;

import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.GatewayConfig;
import dev.portcullis.gateway.StartupException;
import dev.portcullis.policy.admin.Admin;
import dev.portcullis.policy.admin.CreatedToken;
import dev.portcullis.policy.admin.NewToken;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.Repository;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code gateway demo}: serves like {@code serve} after seeding a demo enterprise, organizations,
 * users, repositories and tokens, and prints ready-to-paste clone commands.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Run the gateway with a demo enterprise, organization, users, repositories and tokens.")
final class DemoCommand implements Callable<Integer> {
  @Mixin ServerOptions options;

  @Override
  public Integer call() throws Exception {
    GatewayConfig config;
    try {
      config = options.toConfig();
      options.applyLogFormat();
    } catch (IllegalArgumentException e) {
      System.err.println("gateway demo: " + e.getMessage());
      return 2;
    }
    Gateway gateway;
    try {
      gateway = ServeCommand.start(config);
    } catch (StartupException e) {
      System.err.println("gateway demo: " + e.getMessage());
      return 1;
    }
    ServeCommand.closeOnExit(gateway);
    seed(gateway);
    gateway.join();
    return 0;
  }

  static void seed(Gateway gateway) throws Exception {
    Admin m = gateway.admin();
    Actor a = Actor.SYSTEM;
    if (m.directory().findUser("alice").isEmpty()) {
      m.accounts().createUser(a, "alice");
      m.accounts().createUser(a, "bob");
      m.accounts().createUser(a, "carol");
      m.accounts().createEnterprise(a, "acme-corp");
      m.accounts().createOrganization(a, "acme", "alice", "acme-corp");
      m.accounts().createOrganization(a, "acme-labs", "carol", "acme-corp");
      m.accounts().setMembership(a, "acme", "bob", "member");
      Repository app =
          m.repositories().createRepository(a, "acme", "app", "private", gateway.storage()::create);
      Repository site =
          m.repositories()
              .createRepository(a, "acme", "website", "public", gateway.storage()::create);
      Repository handbook =
          m.repositories()
              .createRepository(a, "acme", "handbook", "internal", gateway.storage()::create);
      Repository dotfiles =
          m.repositories()
              .createRepository(a, "alice", "dotfiles", "private", gateway.storage()::create);
      for (Repository r : List.of(app, site, handbook, dotfiles)) {
        gateway.storage().seedReadme(r, "# " + r.fullName() + "\n\nServed by Portcullis.\n");
      }
    }
    String stamp = Long.toString(System.currentTimeMillis() / 1000);
    CreatedToken aliceClassic =
        m.tokens()
            .createToken(
                a,
                "alice",
                new NewToken(
                    "classic",
                    "demo classic " + stamp,
                    null,
                    30,
                    List.of("repo"),
                    null,
                    null,
                    null,
                    null,
                    null));
    CreatedToken bobFine =
        m.tokens()
            .createToken(
                a,
                "bob",
                new NewToken(
                    "fine_grained",
                    "demo fine-grained " + stamp,
                    null,
                    30,
                    null,
                    "acme",
                    "all",
                    null,
                    Map.of("contents", "write"),
                    "demo: work on acme/app"));
    CreatedToken carolClassic =
        m.tokens()
            .createToken(
                a,
                "carol",
                new NewToken(
                    "classic",
                    "demo internal " + stamp,
                    null,
                    30,
                    List.of("repo"),
                    null,
                    null,
                    null,
                    null,
                    null));

    String base = gateway.httpsUrl();
    // The CA is named per command, never exported (GIT_SSL_CAINFO replaces the CA bundle for every
    // remote), and tokens are typed at git's prompt, never put in a URL (git saves it in
    // .git/config).
    String git = "git -c http.sslCAInfo=" + gateway.certificateFile();
    System.out.println();
    System.out.println(
        "Demo data: enterprise acme-corp; org acme (owner alice, member bob) with private app, public website,");
    System.out.println("internal handbook; org acme-labs (owner carol); user repo alice/dotfiles.");
    System.out.println();
    System.out.println(
        "Tokens, shown once: when git asks, give any username and a token as the password.");
    System.out.println("  alice  classic, scope repo           " + aliceClassic.plaintext());
    System.out.println("  bob    fine-grained for acme         " + bobFine.plaintext());
    System.out.println("  carol  classic, scope repo           " + carolClassic.plaintext());
    System.out.println();
    System.out.println("  # as alice: clone and push the private repository");
    System.out.println("  " + git + " clone " + base + "/acme/app.git");
    System.out.println("  # anyone, no token: the public repository");
    System.out.println("  " + git + " clone " + base + "/acme/website.git");
    System.out.println(
        "  # as carol (acme-labs, same enterprise): the internal repository of acme");
    System.out.println("  " + git + " clone " + base + "/acme/handbook.git");
    if (bobFine.grant() != null) {
      System.out.println(
          "  # as bob: 403 until an owner of acme approves his pending request, then allowed");
      System.out.println("  " + git + " clone " + base + "/acme/app.git");
      System.out.println(
          "  bin/gateway request approve acme "
              + bobFine.grant().id()
              + " --data "
              + gateway.dataDirForDisplay());
    }
    System.out.println(
        "  # keep the CA for later fetches and pushes: git -C app config http.sslCAInfo "
            + gateway.certificateFile());
    System.out.println();
    System.out.flush();
  }
}
