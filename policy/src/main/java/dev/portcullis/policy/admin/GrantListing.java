package dev.portcullis.policy.admin;

import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.User;
import java.time.Instant;

/**
 * A token request or grant as the organization sees it: the grant, its token (never a secret), the
 * token's owner and its freshest last-used time (store or not yet flushed).
 */
public record GrantListing(Grant grant, AccessToken token, User owner, Instant lastUsedAt) {}
