package dev.portcullis.gateway;

import static dev.portcullis.gateway.ApiFixtures.requestId;
import static dev.portcullis.gateway.OrgTokenContract.CONTRACT_RESOURCE;
import static dev.portcullis.gateway.OrgTokenContract.describe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The contract every other org token class checks against: the copy in src/test/resources is
 * shared/contract's, and the validator made from it is strict.
 */
class OrgTokenContractValidatorTest extends OrgTokenApiHarness {
  @Test
  @Order(1)
  void theContractCopyIsTheSharedContract() throws Exception {
    Path shared = Path.of("..", "..", "shared", "contract", "github-pat-endpoints.openapi.json");
    if (!Files.exists(shared)) {
      return; // Outside the project's machines only the copy in src/test/resources exists.
    }
    try (InputStream in =
        OrgTokenContractValidatorTest.class.getResourceAsStream(CONTRACT_RESOURCE)) {
      assertEquals(
          sha256(Files.readAllBytes(shared)),
          sha256(in.readAllBytes()),
          "src/test/resources"
              + CONTRACT_RESOURCE
              + " must be a byte-for-byte copy of "
              + shared.normalize());
    }
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  /**
   * The validator is strict: a real answer minus a required field, or with a wrong type, is
   * refused.
   */
  @Test
  @Order(2)
  void validatorRejectsAMissingRequiredFieldOrAWrongType() throws Exception {
    OrgSetup o = org("strict", 1, "r1");
    JsonNode t =
        fx.fineGrained(
            o.members().get(0), o.org(), "subset", List.of("r1"), Map.of("contents", "read"));
    String path = "/api/v3" + requests(o.org());
    Resp list = expect(200, get(requests(o.org()), o.ownerToken()));

    assertFalse(
        validate(path, "GET", 200, "application/json", list.body()).hasErrors(),
        "the real answer is valid");
    assertFalse(validateAs(list, list.body()).hasErrors(), "the real answer is valid");

    ArrayNode noTokenId = (ArrayNode) list.json().deepCopy();
    ((ObjectNode) noTokenId.get(0)).remove("token_id");
    ValidationReport missing = validate(path, "GET", 200, "application/json", noTokenId.toString());
    assertTrue(missing.hasErrors(), "removing the required token_id must be reported");
    assertTrue(describe(missing).contains("token_id"), describe(missing));
    // The same with the real answer's headers (application/json; charset=utf-8), as every check
    // runs.
    ValidationReport missingReal = validateAs(list, noTokenId.toString());
    assertTrue(
        missingReal.hasErrors() && describe(missingReal).contains("token_id"),
        describe(missingReal));
    for (String field :
        List.of(
            "id",
            "reason",
            "owner",
            "repository_selection",
            "repositories_url",
            "permissions",
            "created_at",
            "token_id",
            "token_name",
            "token_expired",
            "token_expires_at",
            "token_last_used_at")) {
      ArrayNode without = (ArrayNode) list.json().deepCopy();
      ((ObjectNode) without.get(0)).remove(field);
      assertTrue(
          validateAs(list, without.toString()).hasErrors(),
          () -> "removing required " + field + " must be reported");
    }
    ArrayNode nullName = (ArrayNode) list.json().deepCopy();
    ((ObjectNode) nullName.get(0)).putNull("token_name");
    assertTrue(validateAs(list, nullName.toString()).hasErrors(), "token_name is not nullable");
    ArrayNode nullLastUsed = (ArrayNode) list.json().deepCopy();
    ((ObjectNode) nullLastUsed.get(0)).putNull("token_expires_at");
    assertFalse(
        validateAs(list, nullLastUsed.toString()).hasErrors(), "token_expires_at is nullable");
    assertTrue(validateAs(list, "{}").hasErrors(), "an object where the contract says array");

    ArrayNode wrongType = (ArrayNode) list.json().deepCopy();
    ((ObjectNode) wrongType.get(0)).put("token_expired", "no");
    assertTrue(
        validate(path, "GET", 200, "application/json", wrongType.toString()).hasErrors(),
        "a string token_expired");

    ArrayNode badEnum = (ArrayNode) list.json().deepCopy();
    ((ObjectNode) badEnum.get(0)).put("repository_selection", "some");
    assertTrue(
        validate(path, "GET", 200, "application/json", badEnum.toString()).hasErrors(),
        "repository_selection enum");

    ArrayNode ownerWithoutNodeId = (ArrayNode) list.json().deepCopy();
    ((ObjectNode) ownerWithoutNodeId.get(0).get("owner")).remove("node_id");
    ValidationReport nested =
        validate(path, "GET", 200, "application/json", ownerWithoutNodeId.toString());
    assertTrue(nested.hasErrors() && describe(nested).contains("node_id"), describe(nested));

    String reposPath = requests(o.org()) + "/" + requestId(t) + "/repositories";
    Resp repos = expect(200, get(reposPath, o.ownerToken()));
    ArrayNode noHooks = (ArrayNode) repos.json().deepCopy();
    ((ObjectNode) noHooks.get(0)).remove("hooks_url");
    ValidationReport repoMissing =
        validate("/api/v3" + reposPath, "GET", 200, "application/json", noHooks.toString());
    assertTrue(
        repoMissing.hasErrors() && describe(repoMissing).contains("hooks_url"),
        describe(repoMissing));

    Resp invalid = expect(422, get(requests(o.org()) + "?direction=sideways", o.ownerToken()));
    ObjectNode noDocs = (ObjectNode) invalid.json().deepCopy();
    noDocs.remove("documentation_url");
    assertTrue(
        validate(path, "GET", 422, "application/json", noDocs.toString()).hasErrors(),
        "validation-error requires documentation_url");
    assertTrue(
        validate(path, "GET", 418, "application/json", "{}").hasErrors(),
        "an undocumented status is reported");
    assertTrue(
        validate("/api/v3" + requests(o.org()) + "/1", "POST", 200, "application/json", "{}")
            .hasErrors(),
        "a 200 where the contract says 204 is reported");
  }
}
