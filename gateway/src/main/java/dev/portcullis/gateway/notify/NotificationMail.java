package dev.portcullis.gateway.notify;

import dev.portcullis.policy.model.Notification;

/**
 * The mail of a notification: subject, plain text and HTML with the same content. Links point at
 * the console pages of the same things ({@code /settings/personal-access-tokens/{id}}) under the
 * gateway's public URL. What a mail shows comes from the outbox row (logins, names, the reviewer's
 * reason), never a token's plaintext, which the store does not have.
 */
final class NotificationMail {
  private NotificationMail() {}

  /** The mail of {@code n}, whose recipient has an address; links start with {@code baseUrl}. */
  static MailMessage of(Notification n, String baseUrl) {
    String org = n.orgLogin();
    String token = n.tokenName();
    String link = baseUrl + "/settings/personal-access-tokens/" + n.tokenId();
    String subject;
    String what;
    String detail;
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
    String text =
        greeting
            + "\n\n"
            + what
            + "\n\n"
            + (detail == null ? "" : detail + "\n\n")
            + "Your token: "
            + link
            + "\n";
    String html =
        "<!DOCTYPE html><html><body><p>"
            + escape(greeting)
            + "</p><p>"
            + escape(what)
            + "</p>"
            + (detail == null ? "" : "<p>" + escape(detail) + "</p>")
            + "<p><a href=\""
            + escape(link)
            + "\">View your token</a></p></body></html>";
    return new MailMessage(n.recipientEmail(), subject, text, html);
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
