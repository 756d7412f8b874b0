package dev.portcullis.policy.testing;

import dev.portcullis.policy.store.PolicyStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A {@link PolicyStore} that counts calls per method name and delegates to a real store, so cache
 * tests can see exactly how often the store was asked. A hook may run after a call has read its
 * answer and before it returns (to hold a load in flight while a write happens).
 */
public final class CountingStore {
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final PolicyStore proxy;
  private volatile Consumer<String> afterRead = m -> {};

  public CountingStore(PolicyStore delegate) {
    InvocationHandler h =
        (p, method, args) -> {
          calls.computeIfAbsent(method.getName(), k -> new AtomicInteger()).incrementAndGet();
          Object result;
          try {
            result = method.invoke(delegate, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          afterRead.accept(method.getName());
          return result;
        };
    proxy =
        (PolicyStore)
            Proxy.newProxyInstance(
                PolicyStore.class.getClassLoader(), new Class<?>[] {PolicyStore.class}, h);
  }

  public PolicyStore store() {
    return proxy;
  }

  public int calls(String method) {
    AtomicInteger n = calls.get(method);
    return n == null ? 0 : n.get();
  }

  public void reset() {
    calls.clear();
  }

  /** Runs {@code hook} with the method name after each call has its answer, before it returns. */
  public void afterRead(Consumer<String> hook) {
    this.afterRead = hook;
  }
}
