package dev.portcullis.policy.store;

import javax.sql.DataSource;

/** Factories for {@link PolicyStore} implementations. */
public final class PolicyStores {
  private PolicyStores() {}

  /** The JDBC store over a migrated data source (H2 or PostgreSQL). */
  public static PolicyStore jdbc(DataSource dataSource) {
    return new JdbcPolicyStore(dataSource);
  }

  /** Organization webhooks over the same migrated data source. */
  public static WebhookStore webhooks(DataSource dataSource) {
    return new JdbcWebhookStore(dataSource);
  }

  /** The web console's sign-in store over the same migrated data source. */
  public static SignInStore signIn(DataSource dataSource) {
    return new JdbcSignInStore(dataSource);
  }
}
