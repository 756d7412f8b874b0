/**
 * The domain: users, organizations, enterprises, repositories, stored tokens, grants, and the
 * enterprise and organization token policies with the effective policy they make together.
 * Immutable records and enums, validated where they are built.
 *
 * <p>May use {@code token}.
 */
package dev.portcullis.policy.model;
