package dev.portcullis.gateway.console;

import dev.portcullis.policy.admin.ConsoleSession;
import dev.portcullis.policy.admin.CreatedToken;
import dev.portcullis.policy.admin.NewToken;
import dev.portcullis.policy.admin.OwnToken;
import dev.portcullis.policy.admin.TokenTarget;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.RefPatterns;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.token.TokenKind;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The user's own tokens, at GitHub's paths: the lists ({@code /settings/personal-access-tokens} for
 * fine-grained tokens, {@code /settings/tokens} for classic ones) with their delete buttons, the
 * creation forms at {@code …/new} (which take GitHub's template URL parameters), each token's page
 * at {@code …/{id}} (where a fine-grained token's ref patterns are edited) and its regeneration at
 * {@code …/{id}/regenerate}.
 *
 * <p>A token's plaintext appears in exactly one answer: the one to the post that created or
 * regenerated it (not a redirect, so it is in no URL; {@code Cache-Control: no-store} keeps it out
 * of the browser's cache).
 */
final class TokenPages implements PageGroup {
  static final String FINE_GRAINED = "/settings/personal-access-tokens";
  static final String CLASSIC = "/settings/tokens";

  private final Console console;

  TokenPages(Console console) {
    this.console = console;
  }

  static String base(TokenKind kind) {
    return kind == TokenKind.CLASSIC ? CLASSIC : FINE_GRAINED;
  }

  @Override
  public List<String> paths() {
    return List.of(FINE_GRAINED + "/*", CLASSIC + "/*");
  }

  @Override
  public void serve(HttpServletRequest req, HttpServletResponse res, String path, boolean post)
      throws IOException {
    Optional<ConsoleSession> session = console.signedIn(req, res, path, post);
    if (session.isEmpty()) {
      return;
    }
    ConsoleSession s = session.get();
    TokenKind kind = path.startsWith(CLASSIC) ? TokenKind.CLASSIC : TokenKind.FINE_GRAINED;
    String rest = path.substring(base(kind).length());
    if (rest.isEmpty()) {
      if (post) {
        delete(req, res, s, kind);
      } else {
        list(req, res, s, kind);
      }
      return;
    }
    if (rest.equals("/new")) {
      if (kind == TokenKind.CLASSIC) {
        newClassic(req, res, s, post);
      } else {
        newFineGrained(req, res, s, post);
      }
      return;
    }
    String[] parts = rest.substring(1).split("/", -1);
    Long id = parts[0].matches("[0-9]{1,18}") ? Long.valueOf(parts[0]) : null;
    Optional<OwnToken> token =
        id == null
            ? Optional.empty()
            : console.admin.tokens().ownTokens(Actor.web(s.user())).stream()
                .filter(t -> t.token().id() == id && t.token().kind() == kind)
                .findFirst();
    if (token.isPresent() && parts.length == 1 && !post) {
      detail(res, s, token.get(), 200, null, List.of(), notice(req));
    } else if (token.isPresent() && parts.length == 1 && token.get().token().takesRefPatterns()) {
      updateRefPatterns(req, res, s, token.get());
    } else if (token.isPresent() && parts.length == 2 && parts[1].equals("regenerate")) {
      regenerate(req, res, s, token.get(), post);
    } else {
      console.message(res, 404, "Not found", "There is no such page.");
    }
  }

  private LocalDate today() {
    return LocalDate.ofInstant(console.clock.instant(), ZoneOffset.UTC);
  }

  /** The list's delete buttons post {@code delete=<id>} to the list's own URL. */
  private void delete(
      HttpServletRequest req, HttpServletResponse res, ConsoleSession s, TokenKind kind)
      throws IOException {
    long id;
    try {
      id = Long.parseLong(String.valueOf(req.getParameter("delete")));
    } catch (NumberFormatException e) {
      console.message(res, 400, "Bad request", "Which token? The form named none.");
      return;
    }
    try {
      console.admin.tokens().deleteOwnToken(Actor.web(s.user()), id);
    } catch (PolicyException e) {
      console.message(res, 404, "Not found", "You have no such token.");
      return;
    }
    Console.redirect(res, base(kind) + "?deleted=1");
  }

  /** The user's tokens of one kind. */
  private void list(
      HttpServletRequest req, HttpServletResponse res, ConsoleSession s, TokenKind kind)
      throws IOException {
    Instant now = console.clock.instant();
    List<TokenRow> rows =
        console.admin.tokens().ownTokens(Actor.web(s.user())).stream()
            .filter(t -> t.token().kind() == kind)
            .map(t -> TokenRow.of(t, now))
            .toList();
    boolean classic = kind == TokenKind.CLASSIC;
    Map<String, Object> p =
        Console.page(
            s,
            classic ? "Personal access tokens (classic)" : "Fine-grained personal access tokens",
            classic ? "classic" : "tokens");
    p.put("tokens", rows);
    p.put("classic", classic);
    p.put("base", base(kind));
    p.put(
        "notice",
        req.getParameter("deleted") != null
            ? "Token deleted: it is refused from its next request on."
            : null);
    console.render(res, 200, "tokens.jte", p);
  }

  private void newFineGrained(
      HttpServletRequest req, HttpServletResponse res, ConsoleSession s, boolean post)
      throws IOException {
    Actor actor = Actor.web(s.user());
    List<TokenTarget> targets = console.admin.tokens().tokenTargets(actor);
    FineGrainedForm form = FineGrainedForm.read(req.getParameterMap(), targets, today());
    if (post) {
      NewToken request = form.request();
      if (request != null) {
        try {
          created(res, s, console.admin.tokens().createOwnToken(actor, request), "created");
          return;
        } catch (PolicyException e) {
          report(form::addError, e);
        }
      }
    }
    Map<String, Object> p = Console.page(s, "New fine-grained personal access token", "tokens");
    p.put("form", form);
    console.render(res, post ? 422 : 200, "token_new.jte", p);
  }

  private void newClassic(
      HttpServletRequest req, HttpServletResponse res, ConsoleSession s, boolean post)
      throws IOException {
    Actor actor = Actor.web(s.user());
    ClassicForm form = ClassicForm.read(req.getParameterMap(), today(), s.user().siteAdmin());
    if (post) {
      NewToken request = form.request();
      if (request != null) {
        try {
          created(res, s, console.admin.tokens().createOwnToken(actor, request), "created");
          return;
        } catch (PolicyException e) {
          report(form::addError, e);
        }
      }
    }
    Map<String, Object> p = Console.page(s, "New personal access token (classic)", "classic");
    p.put("form", form);
    console.render(res, post ? 422 : 200, "classic_new.jte", p);
  }

  /** Every field error of a use case's refusal, as the API would give them. */
  private static void report(java.util.function.Consumer<String> errors, PolicyException e) {
    if (e.errors().isEmpty()) {
      errors.accept(e.getMessage());
    } else {
      e.errors().forEach(f -> errors.accept(f.message()));
    }
  }

  /**
   * A token's page. A fine-grained token with {@code contents: write} carries the form that edits
   * its {@code ref_patterns}: {@code patterns} is the text in it ({@code null}: the token's own,
   * one a line), {@code errors} the refusal of the last post, {@code notice} what the last one did.
   */
  private void detail(
      HttpServletResponse res,
      ConsoleSession s,
      OwnToken token,
      int status,
      String patterns,
      List<String> errors,
      String notice)
      throws IOException {
    TokenKind kind = token.token().kind();
    Map<String, Object> p =
        Console.page(s, token.token().name(), kind == TokenKind.CLASSIC ? "classic" : "tokens");
    p.put(
        "token",
        TokenDetail.of(
            token,
            console.clock.instant(),
            console.admin.directory(),
            console.admin.tokens().rotatedSecretsOf(token.token().id())));
    p.put("base", base(kind));
    RefPatterns current = token.token().refPatterns();
    p.put(
        "patterns",
        !token.token().takesRefPatterns()
            ? null
            : patterns != null
                ? patterns
                : current == null ? "" : String.join("\n", current.patterns()));
    p.put("errors", errors);
    p.put("notice", notice);
    console.render(res, status, "token.jte", p);
  }

  private static String notice(HttpServletRequest req) {
    String saved = req.getParameter("saved");
    if ("ref_patterns".equals(saved)) {
      return "Ref patterns saved: they hold from the token's next push on.";
    }
    if ("ref_patterns_pending".equals(saved)) {
      return "Ref patterns saved. They allow more refs than the organization approved: the token"
          + " waits for its owners' approval again.";
    }
    return null;
  }

  /**
   * The token page's ref patterns form: one pattern a line, none for any ref. It goes through the
   * same use case as the administrators' {@code PATCH}: narrowing holds at once, widening an
   * approved token opens a new request. A refusal shows the form again with the typed text.
   */
  private void updateRefPatterns(
      HttpServletRequest req, HttpServletResponse res, ConsoleSession s, OwnToken token)
      throws IOException {
    String typed = req.getParameter("ref_patterns");
    if (typed == null) {
      console.message(res, 400, "Bad request", "The form sent no ref patterns.");
      return;
    }
    PolicyStore.StoredToken stored;
    try {
      stored =
          console
              .admin
              .tokens()
              .updateOwnRefPatterns(Actor.web(s.user()), token.token().id(), Console.lines(typed));
    } catch (PolicyException e) {
      if (e.kind() == PolicyException.Kind.NOT_FOUND) {
        // Deleted meanwhile.
        console.message(res, 404, "Not found", "There is no such page.");
        return;
      }
      List<String> errors = new java.util.ArrayList<>();
      report(errors::add, e);
      detail(res, s, token, 422, typed, errors, null);
      return;
    }
    boolean reopened =
        token.grant() != null
            && stored.grant() != null
            && stored.grant().id() != token.grant().id()
            && stored.grant().status() == GrantStatus.PENDING;
    Console.redirect(
        res,
        base(TokenKind.FINE_GRAINED)
            + "/"
            + token.token().id()
            + "?saved="
            + (reopened ? "ref_patterns_pending" : "ref_patterns"));
  }

  /**
   * A new secret for a token: the page asks for the new expiry (the default, as at creation, is 30
   * days or the organization's maximum), the post regenerates and shows the new secret once.
   */
  private void regenerate(
      HttpServletRequest req,
      HttpServletResponse res,
      ConsoleSession s,
      OwnToken token,
      boolean post)
      throws IOException {
    TokenKind kind = token.token().kind();
    Actor actor = Actor.web(s.user());
    TokenTarget target =
        kind == TokenKind.CLASSIC
            ? null
            : console.admin.tokens().tokenTargets(actor).stream()
                .filter(t -> t.login().equals(token.resourceOwner()))
                .findFirst()
                .orElse(null);
    Map<String, String[]> params = req.getParameterMap();
    FineGrainedForm expiry =
        FineGrainedForm.read(
            Map.of(
                "expires_in", params.getOrDefault("expires_in", new String[0]),
                "expires_at", params.getOrDefault("expires_at", new String[0])),
            List.of(
                target != null
                    ? target
                    : new TokenTarget(token.resourceOwner(), false, false, null, null, List.of())),
            today());
    if (post) {
      NewToken days = expiry.errors().isEmpty() ? expiry.request() : null;
      if (days != null) {
        try {
          created(
              res,
              s,
              console
                  .admin
                  .tokens()
                  .regenerateOwnToken(
                      actor, token.token().id(), days.expiresIn(), true, overlap(req)),
              "regenerated");
          return;
        } catch (PolicyException e) {
          report(expiry::addError, e);
        }
      }
    }
    Map<String, Object> p =
        Console.page(
            s,
            "Regenerate " + token.token().name(),
            kind == TokenKind.CLASSIC ? "classic" : "tokens");
    p.put("token", TokenRow.of(token, console.clock.instant()));
    p.put("form", expiry);
    p.put("overlaps", Overlap.CHOICES);
    p.put("overlap", post && overlap(req) != null ? overlap(req) : 0);
    console.render(res, post ? 422 : 200, "token_regenerate.jte", p);
  }

  /**
   * How long the old secret keeps working after a regeneration, as the form's {@code overlap}
   * select chose it (seconds): none when left out, {@code null} (refused as invalid) when not one
   * of {@link Overlap#CHOICES}.
   */
  private static Integer overlap(HttpServletRequest req) {
    String v = req.getParameter("overlap");
    if (v == null || v.isEmpty()) {
      return 0;
    }
    return Overlap.CHOICES.stream()
        .filter(o -> Integer.toString(o.seconds()).equals(v))
        .map(Overlap::seconds)
        .findFirst()
        .orElse(null);
  }

  /** The one answer that shows a token's secret. */
  private void created(HttpServletResponse res, ConsoleSession s, CreatedToken t, String verb)
      throws IOException {
    TokenKind kind = t.token().kind();
    Map<String, Object> p =
        Console.page(s, "Token " + verb, kind == TokenKind.CLASSIC ? "classic" : "tokens");
    p.put("name", t.token().name());
    p.put("plaintext", t.plaintext());
    p.put("status", status(t));
    p.put("pending", t.grant() != null && t.grant().status() == GrantStatus.PENDING);
    p.put("path", base(kind) + "/" + t.token().id());
    p.put("base", base(kind));
    console.render(res, 200, "token_created.jte", p);
  }

  private String status(CreatedToken t) {
    if (t.grant() == null) {
      return "Active.";
    }
    String org =
        console
            .admin
            .directory()
            .organizationById(t.grant().orgId())
            .map(o -> o.login())
            .orElse("the organization");
    return switch (t.grant().status()) {
      case PENDING ->
          "Pending approval by "
              + org
              + "'s owners. Until they approve it, it reaches public resources only.";
      case APPROVED -> "Active: " + org + " allows it.";
      case DENIED -> "Denied by " + org + "'s owners.";
      case REVOKED -> "Revoked by " + org + "'s owners.";
    };
  }
}
