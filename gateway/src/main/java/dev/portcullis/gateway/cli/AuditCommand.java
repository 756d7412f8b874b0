package dev.portcullis.gateway.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code gateway audit}: the audit log of access decisions and admin changes. */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description =
        "Read the audit log of access decisions and admin changes (needs a site administrator's token).",
    subcommands = {AuditCommand.ListEvents.class})
final class AuditCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand: list");
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List audit events, newest first, filtered (GET /admin/audit-log).")
  static final class ListEvents extends PagedCommand {
    static final Set<String> KINDS = Set.of("decision", "admin");
    static final Set<String> OUTCOMES = Set.of("allow", "deny", "ok");

    @Option(
        names = "--kind",
        paramLabel = "KIND",
        description = "decision (git requests) or admin (changes)")
    String kind;

    @Option(names = "--user", paramLabel = "LOGIN", description = "only this user's events")
    String user;

    @Option(names = "--token-id", paramLabel = "ID", description = "only this token's events")
    Long tokenId;

    @Option(
        names = "--repository",
        paramLabel = "OWNER/NAME",
        description = "only decisions on this repository")
    String repository;

    @Option(
        names = "--outcome",
        paramLabel = "OUTCOME",
        description = "allow or deny (decisions), ok (admin changes)")
    String outcome;

    @Option(
        names = "--after",
        paramLabel = "TIME",
        description =
            "only events after this ISO 8601 date or time, e.g. 2026-01-31 (midnight UTC) or 2026-01-31T12:00:00Z")
    String after;

    @Option(
        names = "--before",
        paramLabel = "TIME",
        description = "only events before this ISO 8601 date or time")
    String before;

    @Override
    void validate() {
      super.validate();
      oneOf("--kind", kind, KINDS);
      oneOf("--outcome", outcome, OUTCOMES);
      dateTime("--after", after);
      dateTime("--before", before);
    }

    @Override
    List<Table.Column> columns() {
      return List.of(
          Table.column("TIME", "created_at"),
          Table.column("KIND", "kind"),
          Table.column("ACTOR", "actor"),
          Table.column("TOKEN_ID", "token_id"),
          new Table.Column(
              "ACTION", e -> Table.text(e.has("action") ? e.get("action") : e.get("operation"))),
          new Table.Column(
              "TARGET", e -> Table.text(e.has("target") ? e.get("target") : e.get("repository"))),
          new Table.Column(
              "OUTCOME",
              e ->
                  e.has("outcome")
                      ? Table.text(e.get("outcome"))
                          + (e.has("status") ? " " + e.get("status").asText() : "")
                      : null),
          Table.column("COUNT", "count"),
          Table.column("REASON", "reason"));
    }

    @Override
    int run(ApiClient api) {
      List<String> q = new ArrayList<>();
      param(q, "kind", kind);
      param(q, "user", user);
      param(q, "token_id", tokenId);
      param(q, "repository", repository);
      param(q, "outcome", outcome);
      param(q, "after", dateTime("--after", after));
      param(q, "before", dateTime("--before", before));
      return list(api, "/admin/audit-log", q);
    }
  }
}
