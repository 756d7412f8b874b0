package dev.portcullis.gateway.loadtest;

import java.net.ProtocolException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jgit.lib.ObjectId;

/**
 * The answer to {@code GET info/refs?service=…} in protocol v0: the {@code # service=} line, a
 * flush, then one {@code <id> <ref>} line per ref (the first carrying the capabilities after a NUL)
 * and a flush. Peeled tag lines ({@code ^{}}) and an empty repository's {@code capabilities^{}}
 * placeholder are not refs.
 *
 * @param refs ref name to object id, in advertised order
 * @param capabilities the server's capabilities
 */
record RefAdvertisement(Map<String, ObjectId> refs, Set<String> capabilities) {
  public RefAdvertisement {
    refs = Collections.unmodifiableMap(new LinkedHashMap<>(refs));
    capabilities = Set.copyOf(capabilities);
  }

  /**
   * Parses an advertisement body.
   *
   * @param service {@code git-upload-pack} or {@code git-receive-pack}: the service line must name
   *     it
   * @throws ProtocolException when the body is not a v0 advertisement of {@code service}
   */
  public static RefAdvertisement parse(byte[] body, String service) throws ProtocolException {
    PktLine.Reader r = new PktLine.Reader(body);
    if (!r.hasNext() || r.next() != PktLine.Kind.DATA || !r.text().equals("# service=" + service)) {
      throw new ProtocolException("not a smart-HTTP advertisement of " + service);
    }
    if (!r.hasNext() || r.next() != PktLine.Kind.FLUSH) {
      throw new ProtocolException("no flush after the service line");
    }
    Map<String, ObjectId> refs = new LinkedHashMap<>();
    Set<String> caps = new LinkedHashSet<>();
    boolean first = true;
    while (true) {
      if (!r.hasNext()) {
        throw new ProtocolException("the advertisement ends without a flush");
      }
      PktLine.Kind k = r.next();
      if (k == PktLine.Kind.FLUSH) {
        break;
      }
      if (k != PktLine.Kind.DATA) {
        throw new ProtocolException("unexpected " + k + " packet in a v0 advertisement");
      }
      String line = r.text();
      int nul = line.indexOf('\0');
      if (first && nul >= 0) {
        caps.addAll(List.of(line.substring(nul + 1).trim().split(" ")));
      }
      first = false;
      String ref = nul >= 0 ? line.substring(0, nul) : line;
      if (ref.length() < 42 || ref.charAt(40) != ' ') {
        throw new ProtocolException(
            "malformed ref line: " + (ref.length() > 80 ? ref.substring(0, 80) + "…" : ref));
      }
      String name = ref.substring(41);
      if (name.endsWith("^{}")) {
        continue;
      }
      ObjectId id;
      try {
        id = ObjectId.fromString(ref.substring(0, 40));
      } catch (IllegalArgumentException e) {
        throw new ProtocolException("malformed object id in ref line for " + name);
      }
      refs.put(name, id);
    }
    return new RefAdvertisement(refs, caps);
  }

  /** The advertised id of {@code ref}, or the zero id when it is not advertised (a new ref). */
  public ObjectId idOf(String ref) {
    return refs.getOrDefault(ref, ObjectId.zeroId());
  }

  /** The distinct advertised object ids, what a full clone wants. */
  public Set<ObjectId> distinctIds() {
    return new LinkedHashSet<>(refs.values());
  }
}
