package dev.portcullis.policy.testing;

import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.token.TokenDigest;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A {@link PolicyStore} that counts calls per method name and delegates to a real store, so cache
 * tests can see exactly how often the store was asked. A hook may run after a call has read its
 * answer and before it returns (to hold a load in flight while a write happens).
 *
 * <p>Also, for the store-reach checks and the benchmarks: the number of calls that carried a token
 * ({@link #callsWithTokenArguments()}), a pause before the calls of one method ({@link #delay}),
 * answers given here instead of by the store ({@link #answer}), and a store with nothing behind it
 * ({@link #withoutStore()}).
 */
public final class CountingStore {
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final AtomicInteger storeCalls = new AtomicInteger();
  private final AtomicInteger tokenArguments = new AtomicInteger();
  private final Map<String, Function<Object[], Object>> answers = new ConcurrentHashMap<>();
  private final Map<String, Duration> delays = new ConcurrentHashMap<>();
  private final PolicyStore delegate;
  private final PolicyStore proxy;
  private volatile Consumer<String> afterRead = m -> {};

  public CountingStore(PolicyStore delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.proxy = newProxy();
  }

  private CountingStore() {
    this.delegate = null;
    this.proxy = newProxy();
  }

  private PolicyStore newProxy() {
    return (PolicyStore)
        Proxy.newProxyInstance(
            PolicyStore.class.getClassLoader(), new Class<?>[] {PolicyStore.class}, this::invoke);
  }

  /**
   * A counting store with no store behind it: a call of a method not given an {@link #answer}
   * throws {@link UnsupportedOperationException}.
   */
  public static CountingStore withoutStore() {
    return new CountingStore();
  }

  private Object invoke(Object self, Method method, Object[] args) throws Throwable {
    String name = method.getName();
    calls.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
    boolean storeMethod = method.getDeclaringClass() != Object.class;
    if (storeMethod) {
      storeCalls.incrementAndGet();
      if (carriesToken(args)) {
        tokenArguments.incrementAndGet();
      }
      Duration pause = delays.get(name);
      if (pause != null) {
        Thread.sleep(pause.toMillis());
      }
    }
    Function<Object[], Object> answer = storeMethod ? answers.get(name) : null;
    Object result;
    if (answer != null) {
      result = answer.apply(args);
    } else if (delegate != null) {
      try {
        result = method.invoke(delegate, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    } else if (!storeMethod) {
      result = objectMethod(self, name, args);
    } else {
      throw new UnsupportedOperationException(name);
    }
    afterRead.accept(name);
    return result;
  }

  private static boolean carriesToken(Object[] args) {
    if (args == null) {
      return false;
    }
    for (Object a : args) {
      if (a instanceof TokenDigest
          || (a instanceof String s && (s.startsWith("pcc_") || s.startsWith("pcf_")))) {
        return true;
      }
    }
    return false;
  }

  /** {@code equals}, {@code hashCode} and {@code toString} of a proxy with no store behind it. */
  private static Object objectMethod(Object self, String name, Object[] args) {
    return switch (name) {
      case "equals" -> self == args[0];
      case "hashCode" -> System.identityHashCode(self);
      default -> "CountingStore.withoutStore()";
    };
  }

  public PolicyStore store() {
    return proxy;
  }

  public int calls(String method) {
    AtomicInteger n = calls.get(method);
    return n == null ? 0 : n.get();
  }

  /** Calls of any {@link PolicyStore} method since the start or the last {@link #reset()}. */
  public int totalCalls() {
    return storeCalls.get();
  }

  /**
   * Calls since the start or the last {@link #reset()} that carried a {@link TokenDigest} or a
   * string that looks like a token ({@code pcc_…}, {@code pcf_…}).
   */
  public int callsWithTokenArguments() {
    return tokenArguments.get();
  }

  /** The calls so far by method name, sorted by name (for failure messages). */
  public Map<String, Integer> snapshot() {
    Map<String, Integer> m = new TreeMap<>();
    calls.forEach((k, v) -> m.put(k, v.get()));
    return m;
  }

  public void reset() {
    calls.clear();
    storeCalls.set(0);
    tokenArguments.set(0);
  }

  /** Runs {@code hook} with the method name after each call has its answer, before it returns. */
  public void afterRead(Consumer<String> hook) {
    this.afterRead = hook;
  }

  /**
   * Each later call of {@code method} waits {@code pause} before it reaches the store (widens the
   * window in which concurrent requests overlap); {@link Duration#ZERO} ends the pauses.
   */
  public void delay(String method, Duration pause) {
    if (pause.isZero()) {
      delays.remove(method);
    } else {
      delays.put(method, pause);
    }
  }

  /**
   * Calls of {@code method} are answered by {@code answer} (given the call's arguments) instead of
   * the store; the call is counted as any other. An answer may throw to make the call fail.
   */
  public CountingStore answer(String method, Function<Object[], Object> answer) {
    answers.put(method, answer);
    return this;
  }
}
