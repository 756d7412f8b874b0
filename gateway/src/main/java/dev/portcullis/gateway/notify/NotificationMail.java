package dev.portcullis.gateway.notify;

import dev.portcullis.policy.admin.PendingRequest;
import dev.portcullis.policy.admin.RequestDigests;
import dev.portcullis.policy.model.Notification;
import dev.portcullis.policy.model.NotificationKind;
import dev.portcullis.policy.token.TokenKind;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The mail of a notification: subject, plain text and HTML with the same content. Links point at
 * the console pages of the same things (a token's page, the user's tokens, an organization's
 * pending requests) under the gateway's public URL. What a mail shows comes from the outbox row
 * (logins, names, the reviewer's reason), never a token's plaintext, which the store does not have.
 */
final class NotificationMail {
  private NotificationMail() {}

  /** The mail of {@code n}, whose recipient has an address; links start with {@code baseUrl}. */
  static MailMessage of(Notification n, String baseUrl) {
    return of(n, baseUrl, null);
  }

  /**
   * The mail of {@code n}; a digest lists {@code pending} (the organization's requests as they are
   * now, at least one), which the other kinds do not take.
   */
  static MailMessage of(Notification n, String baseUrl, RequestDigests.Pending pending) {
    String org = n.orgLogin();
    String token = n.tokenName();
    String link = tokenPage(n, baseUrl);
    String linkText = "Your token";
    String htmlLinkText = "View your token";
    String subject;
    String what;
    String detail;
    List<String> listing = null;
    String footer = null;
    switch (n.kind()) {
      case REQUEST_APPROVED -> {
        subject = "[Portcullis] " + org + " approved your personal access token request";
        what =
            "The organization "
                + org
                + " approved the request of your fine-grained personal access token \""
                + token
                + "\". The token can now access the organization's resources it asked for.";
        detail = null;
      }
      case REQUEST_DENIED -> {
        subject = "[Portcullis] " + org + " denied your personal access token request";
        what =
            "The organization "
                + org
                + " denied the request of your fine-grained personal access token \""
                + token
                + "\". The token cannot access the organization's private resources.";
        detail =
            n.reason() == null || n.reason().isBlank()
                ? "The owner gave no reason."
                : "Reason given by the owner: " + n.reason();
      }
      case GRANT_REVOKED -> {
        subject = "[Portcullis] " + org + " revoked your personal access token's access";
        what =
            "An owner of the organization "
                + org
                + " revoked the access of your fine-grained personal access token \""
                + token
                + "\" to the organization. The token cannot access its private resources any more.";
        detail = null;
      }
      case REQUEST_DIGEST -> {
        int total = pending.total();
        subject =
            "[Portcullis] "
                + total
                + " pending personal access token request"
                + (total == 1 ? "" : "s")
                + " in "
                + org;
        what =
            "The organization "
                + org
                + (total == 1
                    ? " has a personal access token request"
                    : " has " + total + " personal access token requests")
                + " waiting for an owner's review:";
        listing = describe(pending, org);
        detail =
            pending.total() > pending.listed().size()
                ? "… and " + (pending.total() - pending.listed().size()) + " more."
                : null;
        link = baseUrl + "/organizations/" + org + "/settings/personal-access-token-requests";
        linkText = "Review them";
        htmlLinkText = "Review the pending requests";
        footer =
            "You receive this digest once a day while requests are pending. Turn it off in your"
                + " settings: "
                + baseUrl
                + "/settings/profile";
      }
      case TOKEN_REVOKED_LEAKED -> {
        subject = "[Portcullis] Your personal access token \"" + token + "\" was revoked";
        what =
            "Your personal access token \""
                + token
                + "\" was revoked because it was reported as leaked"
                + (n.reason() == null
                    ? " through the credentials revocation API (POST /credentials/revoke)."
                    : ". " + n.reason())
                + " It no longer works: create a new token where you used it, and check where it was"
                + " exposed.";
        detail = null;
        link = baseUrl + tokenList(n);
        linkText = "Your tokens";
        htmlLinkText = "View your tokens";
      }
      case TOKEN_LEAK_PUSHED -> {
        subject = "[Portcullis] Your personal access token \"" + token + "\" was found in a push";
        what =
            "Push protection found your personal access token \""
                + token
                + "\" in pushed content. "
                + (n.reason() == null ? "" : n.reason());
        detail =
            "Anyone who can read that content may use the token: regenerate or delete it, and"
                + " remove it from the content.";
      }
      case TOKEN_EXPIRES_IN_7_DAYS, TOKEN_EXPIRES_TOMORROW, TOKEN_EXPIRED -> {
        String when =
            switch (n.kind()) {
              case TOKEN_EXPIRES_IN_7_DAYS -> "expires in less than 7 days";
              case TOKEN_EXPIRES_TOMORROW -> "expires in less than a day";
              default -> "has expired";
            };
        subject = "[Portcullis] Your personal access token \"" + token + "\" " + when;
        String at =
            n.tokenExpiresAt() == null
                ? ""
                : " ("
                    + (n.kind() == NotificationKind.TOKEN_EXPIRED ? "on " : "at ")
                    + DateTimeFormatter.RFC_1123_DATE_TIME.format(
                        n.tokenExpiresAt().atOffset(ZoneOffset.UTC))
                    + ")";
        what =
            "Your personal access token \""
                + token
                + "\" "
                + when
                + at
                + ". "
                + (n.kind() == NotificationKind.TOKEN_EXPIRED
                    ? "It no longer works; regenerate it to keep using it."
                    : "Regenerate it before then to keep using it.");
        detail = null;
        footer = "Turn expiry reminders off in your settings: " + baseUrl + "/settings/profile";
      }
      case GRANT_EXPIRED -> {
        subject = "[Portcullis] " + org + "'s approval of your personal access token expired";
        what =
            "The organization "
                + org
                + " approved the access of your fine-grained personal access token \""
                + token
                + "\" for a limited time, which has passed: the token cannot access the"
                + " organization's private resources any more. To ask for access again, create"
                + " a new token for the organization.";
        detail = null;
      }
      default -> throw new IllegalArgumentException("no mail for " + n.kind());
    }
    String greeting = "Hi " + n.recipientLogin() + ",";
    StringBuilder text = new StringBuilder(greeting).append("\n\n").append(what).append("\n\n");
    StringBuilder html =
        new StringBuilder("<!DOCTYPE html><html><body><p>")
            .append(escape(greeting))
            .append("</p><p>")
            .append(escape(what))
            .append("</p>");
    if (listing != null) {
      html.append("<ul>");
      for (String item : listing) {
        text.append("- ").append(item.replace("\n", "\n  ")).append("\n");
        html.append("<li>").append(escape(item).replace("\n", "<br>")).append("</li>");
      }
      html.append("</ul>");
      text.append("\n");
    }
    if (detail != null) {
      text.append(detail).append("\n\n");
      html.append("<p>").append(escape(detail)).append("</p>");
    }
    text.append(linkText).append(": ").append(link).append("\n");
    html.append("<p><a href=\"")
        .append(escape(link))
        .append("\">")
        .append(escape(htmlLinkText))
        .append("</a></p>");
    if (footer != null) {
      text.append("\n").append(footer).append("\n");
      html.append("<p>").append(escape(footer)).append("</p>");
    }
    html.append("</body></html>");
    return new MailMessage(n.recipientEmail(), subject, text.toString(), html.toString());
  }

  /** The console page of the notification's token. */
  private static String tokenPage(Notification n, String baseUrl) {
    return baseUrl + tokenList(n) + "/" + n.tokenId();
  }

  /** The console's list of the user's tokens of the notification's token's kind. */
  private static String tokenList(Notification n) {
    return n.tokenKind() == TokenKind.CLASSIC
        ? "/settings/tokens"
        : "/settings/personal-access-tokens";
  }

  /** One entry per listed request: the token, its owner, what it asks for and why. */
  private static List<String> describe(RequestDigests.Pending pending, String org) {
    List<String> out = new ArrayList<>();
    for (PendingRequest r : pending.listed()) {
      String repos =
          r.repositories() == null
              ? "all repositories of " + org
              : r.repositories().isEmpty()
                  ? "no repositories (public ones only)"
                  : String.join(", ", r.repositories());
      StringBuilder perms = new StringBuilder();
      new TreeMap<>(r.permissions())
          .forEach(
              (k, v) ->
                  perms
                      .append(perms.length() == 0 ? "" : ", ")
                      .append(k)
                      .append(": ")
                      .append(v.apiName()));
      out.add(
          "\""
              + r.tokenName()
              + "\" by "
              + r.ownerLogin()
              + "\nRepositories: "
              + repos
              + "\nPermissions: "
              + perms
              + "\nJustification: "
              + (r.justification() == null || r.justification().isBlank()
                  ? "none given"
                  : r.justification()));
    }
    return out;
  }

  /** HTML-escapes text and attribute values. */
  static String escape(String s) {
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
