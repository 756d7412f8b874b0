package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The per-client-address cap on requests in flight. */
class ClientSlotsTest {
  @Test
  void anAddressGetsUpToItsCapAndNoMore() {
    ClientSlots slots = new ClientSlots(3);
    for (int i = 0; i < 3; i++) {
      assertTrue(slots.tryAcquire("192.0.2.1"), "slot " + (i + 1));
    }
    assertFalse(slots.tryAcquire("192.0.2.1"));
    assertFalse(slots.tryAcquire("192.0.2.1"), "a refusal takes nothing");
    assertEquals(3, slots.inFlight("192.0.2.1"));
  }

  @Test
  void otherAddressesAreNotAffected() {
    ClientSlots slots = new ClientSlots(2);
    assertTrue(slots.tryAcquire("192.0.2.1"));
    assertTrue(slots.tryAcquire("192.0.2.1"));
    assertFalse(slots.tryAcquire("192.0.2.1"));
    assertTrue(slots.tryAcquire("192.0.2.2"));
    assertTrue(slots.tryAcquire("2001:db8::1"));
    assertEquals(1, slots.inFlight("192.0.2.2"));
  }

  @Test
  void aFinishedRequestFreesItsSlot() {
    ClientSlots slots = new ClientSlots(1);
    assertTrue(slots.tryAcquire("192.0.2.1"));
    assertFalse(slots.tryAcquire("192.0.2.1"));
    slots.release("192.0.2.1");
    assertTrue(slots.tryAcquire("192.0.2.1"));
  }

  @Test
  void anAddressWithNothingInFlightHoldsNoEntry() {
    ClientSlots slots = new ClientSlots(4);
    for (int a = 0; a < 100; a++) {
      String address = "198.51.100." + a;
      assertTrue(slots.tryAcquire(address));
      assertTrue(slots.tryAcquire(address));
    }
    assertEquals(100, slots.clients());
    for (int a = 0; a < 100; a++) {
      String address = "198.51.100." + a;
      slots.release(address);
      slots.release(address);
    }
    assertEquals(0, slots.clients());
    assertEquals(0, slots.inFlight("198.51.100.7"));
  }

  @Test
  void concurrentClaimsNeverExceedTheCap() throws Exception {
    ClientSlots slots = new ClientSlots(5);
    int threads = 8;
    AtomicInteger granted = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread th =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                for (int i = 0; i < 10; i++) {
                  if (slots.tryAcquire("192.0.2.9")) {
                    granted.incrementAndGet();
                  }
                }
              });
      th.start();
      all.add(th);
    }
    go.countDown();
    for (Thread th : all) {
      th.join();
    }
    assertEquals(5, granted.get(), "80 claims, none released: exactly the cap is granted");
    assertEquals(5, slots.inFlight("192.0.2.9"));
  }

  @Test
  void aCapBelowOneIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new ClientSlots(0));
  }
}
