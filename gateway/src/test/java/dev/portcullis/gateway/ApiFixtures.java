package dev.portcullis.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.policy.model.Repository;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fixtures made through the REST API with the site administrator's token, as {@link
 * GitEndToEndTest} makes them: users, organizations, members, repositories with one commit, tokens.
 */
final class ApiFixtures {
  private final Gateway gateway;
  private final TestApi admin;
  private final AtomicInteger seq = new AtomicInteger();

  ApiFixtures(Gateway gateway, TestApi admin) {
    this.gateway = gateway;
    this.admin = admin;
  }

  String unique(String prefix) {
    return prefix + seq.incrementAndGet();
  }

  String user(String prefix) {
    String login = unique(prefix);
    admin.expect(201, "POST", "/admin/users", Map.of("login", login));
    return login;
  }

  /**
   * An organization with the default policy (fine-grained tokens need approval) and {@code owner}
   * as its owner.
   */
  String org(String prefix, String owner) {
    String login = unique(prefix);
    admin.expect(201, "POST", "/admin/organizations", Map.of("login", login, "admin", owner));
    return login;
  }

  void member(String org, String login) {
    admin.expect(200, "PUT", "/orgs/" + org + "/memberships/" + login, Map.of("role", "member"));
  }

  void approvalNotRequired(String org) {
    admin.expect(
        200,
        "PUT",
        "/orgs/" + org + "/personal-access-token-policy",
        Map.of("fine_grained_approval", "not_required"));
  }

  /** Creates an organization repository with one commit on main; returns {@code org/name}. */
  String repo(String org, String name, String visibility) {
    JsonNode r =
        admin.expect(
            201, "POST", "/orgs/" + org + "/repos", Map.of("name", name, "visibility", visibility));
    Repository repo = gateway.admin().directory().repository(org, r.get("name").asText());
    try {
      gateway.storage().seedReadme(repo, "# " + repo.fullName() + "\n");
    } catch (java.io.IOException e) {
      throw new AssertionError("cannot seed " + repo.fullName(), e);
    }
    return org + "/" + name;
  }

  JsonNode classic(String login, List<String> scopes) {
    return admin.expect(
        201,
        "POST",
        "/admin/users/" + login + "/personal-access-tokens",
        Map.of("type", "classic", "name", unique("c"), "scopes", scopes, "expires_in", 30));
  }

  /**
   * A fine-grained token; with an organization as resource owner its answer has {@code request:
   * {id, status}}.
   */
  JsonNode fineGrained(
      String login,
      String resourceOwner,
      String selection,
      List<String> repos,
      Map<String, String> perms) {
    Map<String, Object> body = new HashMap<>();
    body.put("type", "fine_grained");
    body.put("name", unique("f"));
    body.put("resource_owner", resourceOwner);
    body.put("repository_selection", selection);
    body.put("repositories", repos);
    body.put("permissions", perms);
    body.put("expires_in", 30);
    body.put("reason", "needed for " + selection);
    return admin.expect(201, "POST", "/admin/users/" + login + "/personal-access-tokens", body);
  }

  /** A fine-grained token on {@code org}, selection {@code all}, {@code contents: read}. */
  JsonNode readAll(String login, String org) {
    return fineGrained(login, org, "all", List.of(), Map.of("contents", "read"));
  }

  static long requestId(JsonNode token) {
    return token.get("request").get("id").asLong();
  }

  static long tokenId(JsonNode token) {
    return token.get("id").asLong();
  }

  static String plaintext(JsonNode token) {
    return token.get("token").asText();
  }
}
