package org.genblocks.spark;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The per-JVM cache of executors: models and compiled training problems by key, kept across tasks and
 * stages. A task borrows an idle instance (built on first use) and returns it when done, so an executor
 * builds one instance per task slot that ever ran concurrently for a key, never one per partition or row.
 * The least recently used keys beyond {@link #MAX_KEYS} are dropped.
 */
final class ExecutorCache {
    /** Keys kept per JVM (a model, a training run, a sweep point each take one). */
    static final int MAX_KEYS = 8;
    private static final Map<String, Deque<Object>> IDLE = new LinkedHashMap<>(16, 0.75f, true);
    private static final Map<String, AtomicLong> BUILDS = new LinkedHashMap<>();

    private ExecutorCache() {
    }

    @SuppressWarnings("unchecked")
    static <T> T borrow(String key, Supplier<T> create) {
        synchronized (IDLE) {
            Deque<Object> idle = IDLE.computeIfAbsent(key, k -> new ArrayDeque<>());
            if (!idle.isEmpty()) {
                return (T) idle.pop();
            }
            BUILDS.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        }
        return create.get();
    }

    static void release(String key, Object value) {
        synchronized (IDLE) {
            IDLE.computeIfAbsent(key, k -> new ArrayDeque<>()).push(value);
            while (IDLE.size() > MAX_KEYS) {
                String eldest = IDLE.keySet().iterator().next();
                IDLE.remove(eldest);
            }
        }
    }

    /** How many instances this JVM built for {@code key} (tests: once per task slot, not per row). */
    static long builds(String key) {
        synchronized (IDLE) {
            AtomicLong n = BUILDS.get(key);
            return n == null ? 0 : n.get();
        }
    }
}
