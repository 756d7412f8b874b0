package dev.portcullis.gateway.git;

import dev.portcullis.policy.admin.TokenIssuance;
import dev.portcullis.policy.decision.PushRules;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.repos.GatewayReceivePack;
import dev.portcullis.repos.PushRulesHook;
import dev.portcullis.repos.RepositoryStorage;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.EOFException;
import java.io.IOException;
import java.util.zip.ZipException;
import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.errors.InvalidObjectIdException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.errors.PackProtocolException;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.errors.UnpackException;
import org.eclipse.jgit.http.server.GitServlet;
import org.eclipse.jgit.http.server.GitSmartHttpTools;
import org.eclipse.jgit.http.server.resolver.AsIsFileService;
import org.eclipse.jgit.http.server.resolver.DefaultUploadPackFactory;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.ServiceMayNotContinueException;
import org.eclipse.jgit.transport.UploadPack;
import org.eclipse.jgit.transport.resolver.RepositoryResolver;
import org.eclipse.jgit.transport.resolver.ServiceNotAuthorizedException;
import org.eclipse.jgit.transport.resolver.ServiceNotEnabledException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds JGit's {@link GitServlet} wired to the gateway's decision. */
public final class GitServlets {
  private static final Logger LOG = LoggerFactory.getLogger(GitServlets.class);

  private GitServlets() {}

  /**
   * The smart-HTTP servlet. It opens only the repository the access filter decided on (its {@link
   * GitExchange}), never a path taken from the URL; dumb HTTP is off. Receive-pack applies the
   * rules on pushed content ({@link PushRulesHook}); the tokens it finds go to {@code tokens}
   * (audit, and revocation of one bypassed into a public repository).
   */
  public static GitServlet create(
      RepositoryStorage storage, dev.portcullis.gateway.Limits limits, TokenIssuance tokens) {
    GitServlet servlet = new GitServlet();
    servlet.setAsIsFileService(AsIsFileService.DISABLED);
    servlet.setRepositoryResolver(resolver(storage));
    DefaultUploadPackFactory uploads = new DefaultUploadPackFactory();
    servlet.setUploadPackFactory(
        (req, db) -> {
          // The default factory passes the Git-Protocol header on, so protocol v2 works.
          UploadPack up = uploads.create(req, db);
          RepositoryStorage.configure(up);
          return up;
        });
    servlet.setUploadPackErrorHandler(
        (req, rsp, r) -> {
          try {
            r.upload();
          } catch (ServiceMayNotContinueException e) {
            // A hook refused the request (RepositoryStorage's refusal of object-info). JGit marks
            // the message as sent, but over HTTP it only went into a buffer that is never written:
            // while the response is not committed, send it.
            if (!rsp.isCommitted()) {
              rsp.reset();
              GitSmartHttpTools.sendError(req, rsp, e.getStatusCode(), e.getMessage());
            }
          } catch (Throwable e) {
            fail(req, rsp, e, "upload-pack");
          }
        });
    // receive-pack keeps JGit's own error handling: it reports a failed push inside the protocol
    // (unpack error, ng lines), which git shows. Malformed commands, content types and encodings
    // never reach it: the access filter checks them first (ServiceBody).
    servlet.setReceivePackFactory(
        (req, db) -> {
          String user = req.getRemoteUser();
          GitExchange exchange = GitExchange.of(req);
          if (user == null || exchange == null || exchange.pushRules() == null) {
            throw new ServiceNotAuthorizedException();
          }
          ReceivePack rp = new GatewayReceivePack(db);
          if (limits.maxPackBytes() > 0) {
            rp.setMaxPackSizeLimit(limits.maxPackBytes());
          }
          if (limits.maxObjectBytes() > 0) {
            rp.setMaxObjectSizeLimit(limits.maxObjectBytes());
          }
          rp.setRefLogIdent(new PersonIdent(user, user + "@portcullis"));
          PushRules rules = exchange.pushRules();
          Actor pusher = Actor.of(rules.user(), rules.token());
          PushRulesHook pushRules =
              PushRulesHook.attach(
                  rp,
                  rules,
                  (digests, bypassReason) ->
                      tokens.pushedTokens(pusher, rules.repository(), digests, bypassReason));
          // The bypass of push protection is a push option.
          rp.setAllowPushOptions(true);
          // JGit passes the commands that succeeded: a push that changed a ref (and so may have
          // added a pack) counts toward the repository's next GC; a refused or failed one does not.
          rp.setPostReceiveHook(
              (pack, commands) -> {
                if (!commands.isEmpty()) {
                  exchange.markPushApplied();
                }
                pushRules.onPostReceive(pack, commands);
              });
          return rp;
        });
    return servlet;
  }

  /**
   * A failed upload- or receive-pack. What the client sent wrong (a malformed pkt-line, a bad
   * object id, a truncated body or pack, a bad encoding) is a 400 with a message git shows and one
   * log line; anything else is a server error, logged with its stack and answered without it.
   */
  private static void fail(
      HttpServletRequest req, HttpServletResponse rsp, Throwable e, String service)
      throws IOException {
    Throwable client = clientFault(e);
    if (client != null) {
      LOG.info("git {} refused a malformed request: {}", service, client.toString());
      if (!rsp.isCommitted()) {
        rsp.reset();
        GitSmartHttpTools.sendError(
            req, rsp, 400, "malformed " + service + " request: " + describe(client));
      }
      return;
    }
    if (e instanceof Error err && !(e instanceof AssertionError)) {
      throw err;
    }
    LOG.error("internal error in git {}", service, e);
    if (!rsp.isCommitted()) {
      rsp.reset();
      GitSmartHttpTools.sendError(req, rsp, 500, "internal error; the gateway logged the details");
    }
  }

  private static Throwable clientFault(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      // PacketLineIn and ServletUtils report a malformed pkt-line or body encoding as a plain
      // IOException.
      if (t.getClass() == IOException.class
          && t.getMessage() != null
          && (t.getMessage().startsWith("Invalid packet line")
              || t.getMessage().startsWith("Content-Encoding"))) {
        return t;
      }
      if (t instanceof PackProtocolException
          || t instanceof InvalidObjectIdException
          || t instanceof NumberFormatException
          || t instanceof EOFException
          || t instanceof ZipException
          || t instanceof CorruptObjectException
          || t instanceof MissingObjectException
          || t instanceof UnpackException
          || t instanceof IllegalArgumentException
          || t instanceof IndexOutOfBoundsException
          || t instanceof org.eclipse.jetty.http.HttpException.RuntimeException
          || t instanceof org.eclipse.jetty.io.EofException) {
        return t;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  /** The exception's message without class names or stack. */
  private static String describe(Throwable t) {
    String m = t.getMessage();
    if (m != null && m.contains("Exception")) {
      // JGit's wrapper texts ("Exception while parsing pack stream") name no cause: use the
      // cause's.
      Throwable c = t.getCause();
      m =
          c != null && c != t && c.getMessage() != null && !c.getMessage().contains("Exception")
              ? c.getMessage()
              : "the pack could not be read";
    }
    if (m == null || m.isBlank()) {
      return t instanceof EOFException ? "the request body ended early" : "it could not be parsed";
    }
    m = m.replaceAll("[\\r\\n]+", " ");
    return m.length() > 200 ? m.substring(0, 200) + "…" : m;
  }

  private static RepositoryResolver<HttpServletRequest> resolver(RepositoryStorage storage) {
    return (req, name) -> {
      GitExchange exchange = GitExchange.of(req);
      if (exchange == null) {
        throw new RepositoryNotFoundException(name);
      }
      Repository repo = exchange.repository();
      try {
        return storage.open(repo);
      } catch (IOException e) {
        throw new RepositoryNotFoundException(repo.fullName(), e);
      } catch (IllegalArgumentException e) {
        throw new ServiceNotEnabledException(e.getMessage(), e);
      }
    };
  }
}
