package dev.portcullis.policy.bench;

import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.token.TokenDigest;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link PolicyStore} ({@link Proxy}) that counts calls per method, counts every call that
 * carried a {@link TokenDigest} or a string that looks like a token, and delegates to the real
 * store. An optional delay before each {@code tokenByDigest} widens the window in which concurrent
 * requests for the same token overlap.
 */
final class CountingPolicyStore {
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final AtomicInteger tokenArguments = new AtomicInteger();
  private final AtomicLong tokenLookupDelayMillis = new AtomicLong();
  private final PolicyStore proxy;

  CountingPolicyStore(PolicyStore delegate) {
    InvocationHandler h =
        (p, method, args) -> {
          if (method.getDeclaringClass() == Object.class) {
            return method.invoke(delegate, args);
          }
          calls.computeIfAbsent(method.getName(), k -> new AtomicInteger()).incrementAndGet();
          if (args != null) {
            for (Object a : args) {
              if (a instanceof TokenDigest
                  || (a instanceof String s && (s.startsWith("pcc_") || s.startsWith("pcf_")))) {
                tokenArguments.incrementAndGet();
              }
            }
          }
          long delay = tokenLookupDelayMillis.get();
          if (delay > 0 && method.getName().equals("tokenByDigest")) {
            Thread.sleep(delay);
          }
          try {
            return method.invoke(delegate, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        };
    proxy =
        (PolicyStore)
            Proxy.newProxyInstance(
                PolicyStore.class.getClassLoader(), new Class<?>[] {PolicyStore.class}, h);
  }

  PolicyStore store() {
    return proxy;
  }

  /** Calls of one {@link PolicyStore} method so far. */
  int calls(String method) {
    AtomicInteger n = calls.get(method);
    return n == null ? 0 : n.get();
  }

  /** Calls of any method so far. */
  int totalCalls() {
    return calls.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  /** Calls that carried a token digest or a token-like string. */
  int callsWithTokenArguments() {
    return tokenArguments.get();
  }

  Map<String, Integer> snapshot() {
    Map<String, Integer> m = new java.util.TreeMap<>();
    calls.forEach((k, v) -> m.put(k, v.get()));
    return m;
  }

  void reset() {
    calls.clear();
    tokenArguments.set(0);
  }

  void delayTokenLookups(long millis) {
    tokenLookupDelayMillis.set(millis);
  }
}
