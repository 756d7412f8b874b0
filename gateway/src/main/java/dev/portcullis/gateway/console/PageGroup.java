package dev.portcullis.gateway.console;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;

/**
 * One group of console pages (sign-in, settings, …), answering the servlet paths it names. The
 * servlet has set the security headers, checked the method and, for a POST, the origin before a
 * group sees the request; pages that need a signed-in user ask {@link Console#signedIn}.
 */
interface PageGroup {
  /**
   * Servlet mappings, exact ({@code /login}, or {@code ""} for the root alone) or prefix ({@code
   * /settings/*}).
   */
  List<String> paths();

  /** Answers one request to a path of {@link #paths()}; {@code post} is false for GET and HEAD. */
  void serve(HttpServletRequest req, HttpServletResponse res, String path, boolean post)
      throws IOException;
}
