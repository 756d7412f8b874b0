package dev.portcullis.policy.model;

/** What a git request does to a repository: clone/fetch/ls-remote read, push writes. */
public enum GitOperation {
  READ,
  WRITE
}
