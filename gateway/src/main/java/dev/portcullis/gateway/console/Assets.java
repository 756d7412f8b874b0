package dev.portcullis.gateway.console;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/** The console's static files, read once from the classpath: its stylesheet and its one script. */
final class Assets implements PageGroup {
  private record Asset(String contentType, byte[] body) {}

  private final Map<String, Asset> files =
      Map.of(
          "/assets/console.css", read("console.css", "text/css; charset=utf-8"),
          "/assets/console.js", read("console.js", "text/javascript; charset=utf-8"));

  private static Asset read(String name, String contentType) {
    try (InputStream in = Assets.class.getResourceAsStream("/console/" + name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the classpath");
      }
      return new Asset(contentType, in.readAllBytes());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + name, e);
    }
  }

  @Override
  public List<String> paths() {
    return files.keySet().stream().sorted().toList();
  }

  @Override
  public void serve(HttpServletRequest req, HttpServletResponse res, String path, boolean post)
      throws IOException {
    Asset a = files.get(path);
    res.setContentType(a.contentType());
    res.setContentLength(a.body().length);
    res.getOutputStream().write(a.body());
  }
}
