package dev.portcullis.policy.store;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * The JDBC stores' plumbing: work on one pooled connection, in one transaction or as a read, with
 * SQL errors turned into the store's exceptions. SQLState class 23 (an integrity constraint, a
 * unique key most often) and class 22 (a value the database cannot store, such as a NUL character)
 * are the caller's input; anything else means the store is unavailable.
 */
final class Transactions {
  /** Work on a connection. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private final DataSource dataSource;
  private final String name;

  /**
   * @param name what the store is called in the message of an unavailable store ("policy store")
   */
  Transactions(DataSource dataSource, String name) {
    this.dataSource = dataSource;
    this.name = name;
  }

  /** Runs {@code work} in one transaction: committed whole, or rolled back. */
  <T> T tx(Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      boolean auto = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(auto);
      }
    } catch (SQLException e) {
      throw translate(e);
    }
  }

  /** Runs {@code work} on a connection in its own auto-commit mode. */
  <T> T read(Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw translate(e);
    }
  }

  private RuntimeException translate(SQLException e) {
    if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
      return new StoreConstraintException(StoreConstraintException.Kind.DUPLICATE, e);
    }
    if (e.getSQLState() != null && e.getSQLState().startsWith("22")) {
      return new StoreConstraintException(StoreConstraintException.Kind.UNSTORABLE_VALUE, e);
    }
    return new StoreUnavailableException(name + " error: " + e.getMessage(), e);
  }
}
