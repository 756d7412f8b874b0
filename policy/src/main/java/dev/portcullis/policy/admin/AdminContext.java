package dev.portcullis.policy.admin;

import dev.portcullis.policy.access.FailedAuthLimiter;
import dev.portcullis.policy.access.Invalidation;
import dev.portcullis.policy.audit.AuditEvent;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.store.SignInStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * What every use case works with: the store, where its invalidations go (published after the write
 * commits and before the call returns), the clock, the random source for new tokens, the
 * not-yet-flushed last uses, the audit log, and for the console's sign-in its store, the password
 * hasher, the failed-authentication limiter and the session lifetimes.
 */
record AdminContext(
    PolicyStore store,
    Consumer<Invalidation> publish,
    Clock clock,
    SecureRandom random,
    LongFunction<Instant> unflushedLastUse,
    Consumer<AuditEvent> audit,
    Directory directory,
    Callers callers,
    SignInStore signIns,
    PasswordHasher hasher,
    FailedAuthLimiter limiter,
    SessionSettings sessions) {}
