package dev.portcullis.gateway.git;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;

/** Counts the bytes JGit writes. */
final class CountingResponse extends HttpServletResponseWrapper {
  private ServletOutputStream out;
  private long bytes;

  CountingResponse(HttpServletResponse response) {
    super(response);
  }

  long bytes() {
    return bytes;
  }

  @Override
  public ServletOutputStream getOutputStream() throws IOException {
    if (out == null) {
      ServletOutputStream raw = super.getOutputStream();
      out =
          new ServletOutputStream() {
            @Override
            public void write(int b) throws IOException {
              raw.write(b);
              bytes++;
            }

            @Override
            public void write(byte[] buf, int off, int len) throws IOException {
              raw.write(buf, off, len);
              bytes += len;
            }

            @Override
            public void flush() throws IOException {
              raw.flush();
            }

            @Override
            public void close() throws IOException {
              raw.close();
            }

            @Override
            public boolean isReady() {
              return raw.isReady();
            }

            @Override
            public void setWriteListener(WriteListener l) {
              raw.setWriteListener(l);
            }
          };
    }
    return out;
  }
}
