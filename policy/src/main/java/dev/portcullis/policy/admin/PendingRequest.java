package dev.portcullis.policy.admin;

import dev.portcullis.policy.model.PermissionLevel;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A pending token request as the owners' digest lists it (never a secret).
 *
 * @param requestId the request's id
 * @param repositories the names of the organization's repositories it asks for, or null for all
 * @param justification the creator's reason, or null
 */
public record PendingRequest(
    long requestId,
    String tokenName,
    String ownerLogin,
    List<String> repositories,
    Map<String, PermissionLevel> permissions,
    String justification,
    Instant createdAt) {}
