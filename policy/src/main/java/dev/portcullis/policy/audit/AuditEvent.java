package dev.portcullis.policy.audit;

import dev.portcullis.policy.decision.Decision;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.token.TokenDigest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;

/**
 * One audit record: an access decision or an admin change. Never holds a token plaintext: tokens
 * appear as their id and as {@code hashed_token}, the base64 SHA-256 GitHub's audit log uses.
 *
 * @param kind {@code decision} or {@code admin}
 * @param actor the user who made the request or the change ({@code null}: anonymous / the gateway)
 * @param operation {@code read}/{@code write} for decisions, the action name for admin changes
 *     (e.g. {@code token.delete}, {@code org.policy.update})
 * @param outcome {@code allow}/{@code deny} for decisions, {@code ok} for admin changes
 * @param target what an admin change changed (e.g. {@code org:acme}); null for decisions
 * @param occurrences how many identical decisions this row stands for (allowed reads are counted
 *     per token, repository, client and minute; everything else is one row each)
 * @param via how an admin change came in: {@code api} (a token), {@code web} (a console session),
 *     {@code null} for the gateway itself and for decisions
 */
public record AuditEvent(
    long id,
    Instant at,
    String kind,
    String actor,
    Long tokenId,
    String hashedToken,
    String repository,
    String operation,
    String outcome,
    String reason,
    Integer status,
    String clientAddress,
    String target,
    String before,
    String after,
    int occurrences,
    String via) {

  public AuditEvent {
    Objects.requireNonNull(at, "at");
    if (occurrences < 1) {
      throw new IllegalArgumentException("an audit event stands for at least one occurrence");
    }
    if (!"decision".equals(kind) && !"admin".equals(kind)) {
      throw new IllegalArgumentException("audit kind is decision or admin, not " + kind);
    }
  }

  /** GitHub's {@code hashed_token}: base64 of the SHA-256 of the token. */
  public static String hashedToken(TokenDigest digest) {
    return digest == null
        ? null
        : Base64.getEncoder().encodeToString(java.util.HexFormat.of().parseHex(digest.hex()));
  }

  /** A decision on a git request. */
  public static AuditEvent decision(
      Instant at,
      String actor,
      AccessToken token,
      String repository,
      GitOperation op,
      Decision d,
      int status,
      String clientAddress) {
    return new AuditEvent(
        0,
        at,
        "decision",
        actor,
        token == null ? null : token.id(),
        token == null ? null : hashedToken(token.digest()),
        repository,
        op.name().toLowerCase(java.util.Locale.ROOT),
        d.allowed() ? "allow" : "deny",
        d.reason().label(),
        status,
        clientAddress,
        null,
        null,
        null,
        1,
        null);
  }

  /** An admin change. {@code before}/{@code after} are short JSON documents (or null). */
  public static AuditEvent admin(
      Instant at, Actor actor, String action, String target, String before, String after) {
    String who = actor == null || actor.system() ? null : actor.user().login();
    AccessToken token = actor == null ? null : actor.token();
    Long tokenId = token == null ? null : token.id();
    String hashed = token == null ? null : hashedToken(token.digest());
    return new AuditEvent(
        0,
        at,
        "admin",
        who,
        tokenId,
        hashed,
        null,
        action,
        "ok",
        null,
        null,
        null,
        target,
        clip(before),
        clip(after),
        1,
        actor == null ? null : actor.via());
  }

  private static String clip(String s) {
    if (s == null || s.length() <= 4000) {
      return s;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return new String(b, 0, Math.min(b.length, 3990), StandardCharsets.UTF_8) + "…";
  }
}
