package dev.portcullis.gateway.console;

/**
 * An organization or enterprise the signed-in user owns, as their home page lists it.
 *
 * @param settings its token policy page
 * @param requests its pending requests page (organizations), or null
 * @param pending its pending token requests (for an enterprise, over its organizations)
 */
public record OwnedAccount(String name, String settings, String requests, int pending) {}
