package dev.portcullis.gateway.console;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/** The console's static files, read once from the classpath. */
final class Assets implements PageGroup {
  private final byte[] css;

  Assets() {
    try (InputStream in = Assets.class.getResourceAsStream("/console/console.css")) {
      if (in == null) {
        throw new IllegalStateException("console.css is missing from the classpath");
      }
      this.css = in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read console.css", e);
    }
  }

  @Override
  public List<String> paths() {
    return List.of("/assets/console.css");
  }

  @Override
  public void serve(HttpServletRequest req, HttpServletResponse res, String path, boolean post)
      throws IOException {
    res.setContentType("text/css; charset=utf-8");
    res.setContentLength(css.length);
    res.getOutputStream().write(css);
  }
}
