/**
 * Tokens as strings: the plaintext format ({@code pcf_}/{@code pcc_}, 32 random base62 characters,
 * a CRC32 checksum), the SHA-256 digest by which a token is stored, cached and found, the parsing
 * of an HTTP {@code Authorization} header, and the scanner that finds tokens in content. A string
 * with the wrong format or checksum is refused here, before any cache or store sees it.
 *
 * <p>Depends on nothing else of the module.
 */
package dev.portcullis.policy.token;
