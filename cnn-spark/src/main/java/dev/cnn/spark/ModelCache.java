package dev.cnn.spark;

import dev.cnn.nn.Model;
import dev.cnn.nn.io.ModelIO;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One loaded {@link Model} per executor JVM and broadcast: every task of that JVM shares it
 * ({@code Model.predict} and {@code evaluate} are thread-safe), so a model is read once per executor, not
 * once per partition.
 */
final class ModelCache {
    private static final ConcurrentHashMap<Long, Model> MODELS = new ConcurrentHashMap<>();

    private ModelCache() {
    }

    static Model get(long broadcastId, byte[] bytes) {
        return MODELS.computeIfAbsent(broadcastId, id -> {
            try {
                return ModelIO.fromBytes(bytes, "broadcast model " + id);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Forgets a model (when its broadcast is destroyed). */
    static void forget(long broadcastId) {
        MODELS.remove(broadcastId);
    }
}
