// Caffeine (Debian's libcaffeine-java 2.6.2, W-TinyLFU) on the in-memory backend's workloads, for
// bench/run to compare side by side. Prints JSON on stdout.
//
//   CaffeineBench hit-ratio TRACE_DIR CACHE_SIZE NAME...    replays bench_hit_ratio's trace files
//   CaffeineBench throughput SECONDS ROUNDS                  bench_memory's get_hit_into and mix_into
//
// Throughput uses the same keys (30 bytes), values (100 bytes), key draws (xorshift, same seeds),
// sizes (16K and 1M entries, a cache of twice that) and thread counts as bench_memory. Each case
// warms up for one round (the JIT), then reports the median of ROUNDS rounds.

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

public final class CaffeineBench {
  private static final int[] SIZES = {16 * 1024, 1024 * 1024};
  private static final int KEY_LENGTH = 30;
  private static final byte[] VALUE = new byte[100];
  private static volatile long sink;  // keeps the JIT from dropping reads whose result is unused

  public static void main(String[] args) throws Exception {
    Locale.setDefault(Locale.ROOT);
    if (args.length >= 3 && args[0].equals("hit-ratio")) {
      hitRatio(Path.of(args[1]), Integer.parseInt(args[2]), Arrays.copyOfRange(args, 3, args.length));
    } else if (args.length == 3 && args[0].equals("throughput")) {
      throughput(Double.parseDouble(args[1]), Integer.parseInt(args[2]));
    } else {
      System.err.println("usage: CaffeineBench hit-ratio TRACE_DIR CACHE_SIZE NAME... | throughput SECONDS ROUNDS");
      System.exit(2);
    }
  }

  // ---- hit ratio: a read per request, a put on a miss, as bench_hit_ratio does ----

  private static void hitRatio(Path directory, int cacheSize, String[] names) throws IOException {
    StringBuilder json = new StringBuilder("{\"cache_size\": " + cacheSize + ", \"traces\": [");
    for (int i = 0; i < names.length; i++) {
      long[] trace = readTrace(directory.resolve(names[i]));
      // Maintenance on the calling thread: evictions happen as they would with idle spare
      // threads, and the result does not depend on the scheduler.
      Cache<Long, byte[]> cache = Caffeine.newBuilder().maximumSize(cacheSize).executor(Runnable::run).build();
      long hits = 0;
      for (long key : trace) {
        if (cache.getIfPresent(key) != null) {
          hits++;
        } else {
          cache.put(key, VALUE);
        }
      }
      json.append(i == 0 ? "\n" : ",\n").append(String.format(" {\"name\": \"%s\", \"caffeine\": %.5f}", names[i],
          (double) hits / trace.length));
    }
    System.out.println(json.append("\n]}"));
  }

  private static long[] readTrace(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      LongBuffer buffer = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size())
          .order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
      long[] keys = new long[buffer.remaining()];
      buffer.get(keys);
      return keys;
    }
  }

  // ---- throughput ----

  /** bench/memory/workload.hpp's workload_key. */
  private static String key(int i) {
    String digits = Integer.toString(i);
    return "session:user:" + "0".repeat(KEY_LENGTH - 13 - digits.length()) + digits;
  }

  private interface Operation {
    long run(Cache<String, byte[]> cache, String[] keys, int thread, long deadline);
  }

  // The xorshift64 of bench_memory, seeded the same way per thread.
  private static long seed(int thread) {
    return 0x9E3779B97F4A7C15L * (thread + 1);
  }

  private static long next(long state) {
    state ^= state << 13;
    state ^= state >>> 7;
    return state ^ (state << 17);
  }

  private static long getHit(Cache<String, byte[]> cache, String[] keys, int thread, long deadline) {
    int mask = keys.length - 1;
    long state = seed(thread);
    long ops = 0;
    long found = 0;
    do {
      for (int i = 0; i < 1024; i++) {
        state = next(state);
        found += cache.getIfPresent(keys[(int) (state >>> 16) & mask]).length;
      }
      ops += 1024;
    } while (System.nanoTime() < deadline);
    sink += found;
    return ops;
  }

  private static long mix(Cache<String, byte[]> cache, String[] keys, int thread, long deadline) {
    int mask = keys.length - 1;
    long state = seed(thread);
    long ops = 0;
    long found = 0;
    int turn = 0;
    do {
      for (int i = 0; i < 1024; i++) {
        state = next(state);
        String key = keys[(int) (state >>> 16) & mask];
        if (++turn % 10 == 0) {
          cache.put(key, VALUE);
        } else {
          byte[] value = cache.getIfPresent(key);
          found += value == null ? 0 : value.length;
        }
      }
      ops += 1024;
    } while (System.nanoTime() < deadline);
    sink += found;
    return ops;
  }

  /** Operations per second of `threads` threads running op for `seconds`. */
  private static double round(Cache<String, byte[]> cache, String[] keys, Operation op, int threads, double seconds)
      throws InterruptedException {
    long[] ops = new long[threads];
    List<Thread> workers = new ArrayList<>();
    long start = System.nanoTime();
    long deadline = start + (long) (seconds * 1e9);
    for (int t = 0; t < threads; t++) {
      final int thread = t;
      Thread worker = new Thread(() -> ops[thread] = op.run(cache, keys, thread, deadline));
      workers.add(worker);
      worker.start();
    }
    for (Thread worker : workers) worker.join();
    double elapsed = (System.nanoTime() - start) / 1e9;
    return Arrays.stream(ops).sum() / elapsed;
  }

  private static void throughput(double seconds, int rounds) throws InterruptedException {
    StringBuilder json = new StringBuilder("{\"version\": \"2.6.2\", \"throughput\": [");
    String separator = "\n";
    for (int size : SIZES) {
      String[] keys = new String[size];
      for (int i = 0; i < size; i++) keys[i] = key(i);
      Cache<String, byte[]> cache = Caffeine.newBuilder().maximumSize(2L * size).build();
      for (String k : keys) cache.put(k, VALUE);
      String[] names = {"get_hit_into", "mix_into"};
      Operation[] operations = {CaffeineBench::getHit, CaffeineBench::mix};
      for (int o = 0; o < operations.length; o++) {
        for (int threads = 1; threads <= 2; threads++) {
          round(cache, keys, operations[o], threads, seconds);  // warm-up
          double[] rates = new double[rounds];
          for (int r = 0; r < rounds; r++) rates[r] = round(cache, keys, operations[o], threads, seconds);
          Arrays.sort(rates);
          json.append(separator).append(String.format(
              " {\"operation\": \"%s\", \"entries\": %d, \"threads\": %d, \"ops_per_s\": %.1f}", names[o], size,
              threads, rates[rounds / 2]));
          separator = ",\n";
        }
      }
    }
    System.out.println(json.append("\n]}"));
  }
}
