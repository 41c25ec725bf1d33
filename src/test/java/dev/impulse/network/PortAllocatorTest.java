package dev.impulse.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class PortAllocatorTest {
  private static PortAllocator allocator(int first, int last) {
    return new PortAllocator(new PortRange(first, last), port -> true);
  }

  @Test
  void handsOutEveryPortOfTheRangeOnce() {
    PortAllocator ports = allocator(7000, 7009);
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 10; i++) {
      seen.add(ports.allocate());
    }
    assertThat(seen).hasSize(10).allMatch(p -> p >= 7000 && p <= 7009);
    assertThat(ports.inUse()).isEqualTo(10);
  }

  @Test
  void exhaustionSaysWhichRangeAndHowManyAreInUse() {
    PortAllocator ports = allocator(7000, 7001);
    ports.allocate();
    ports.allocate();
    assertThatThrownBy(ports::allocate)
        .isInstanceOf(PortsExhaustedException.class)
        .hasMessageContaining("no free port in 7000-7001 (2 in use by chambers")
        .hasMessageContaining("--port-range");
  }

  @Test
  void aReleasedPortIsReusedOnlyAfterTheRestOfTheRange() {
    PortAllocator ports = allocator(7000, 7002);
    int first = ports.allocate();
    ports.release(first);
    assertThat(ports.allocate()).isEqualTo(7001);
    assertThat(ports.allocate()).isEqualTo(7002);
    assertThat(ports.allocate()).isEqualTo(first);
  }

  @Test
  void portsHeldByOtherProgramsAreSkippedAndCounted() {
    PortAllocator ports = new PortAllocator(new PortRange(7000, 7002), port -> port != 7001);
    assertThat(ports.allocate()).isEqualTo(7000);
    assertThat(ports.allocate()).isEqualTo(7002);
    assertThatThrownBy(ports::allocate).hasMessageContaining("1 held by other programs");
  }

  @Test
  void reservingKeepsAPortFromBeingHandedOut() {
    PortAllocator ports = allocator(7000, 7001);
    assertThat(ports.reserve(7000)).isTrue();
    assertThat(ports.reserve(7000)).isFalse();
    assertThat(ports.reserve(8000)).isFalse();
    assertThat(ports.allocate()).isEqualTo(7001);
    assertThatThrownBy(ports::allocate).isInstanceOf(PortsExhaustedException.class);
  }

  @Test
  void releasingAPortNotHeldChangesNothing() {
    PortAllocator ports = allocator(7000, 7001);
    ports.release(7000);
    ports.release(9999);
    assertThat(ports.inUse()).isZero();
  }

  @Test
  void concurrentAllocationsNeverShareAPort() throws Exception {
    PortAllocator ports = allocator(7000, 7999);
    int threads = 16;
    int each = 50;
    Set<Integer> seen = ConcurrentHashMap.newKeySet();
    CountDownLatch go = new CountDownLatch(1);
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<?>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(
            pool.submit(() -> {
              go.await();
              for (int i = 0; i < each; i++) {
                assertThat(seen.add(ports.allocate())).isTrue();
              }
              return null;
            }));
      }
      go.countDown();
      for (Future<?> result : results) {
        result.get();
      }
    }
    assertThat(seen).hasSize(threads * each);
    assertThat(ports.inUse()).isEqualTo(threads * each);
  }
}
