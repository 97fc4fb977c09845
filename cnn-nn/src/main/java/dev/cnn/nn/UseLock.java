package dev.cnn.nn;

import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * A model's use lock: inference calls share it, and whatever changes the model (training, forward, backward,
 * update, setting weights or state) takes it alone. Nothing waits: a call that cannot have the lock at once
 * fails with an {@link IllegalStateException} saying what overlapped, instead of computing a wrong result.
 */
final class UseLock {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    /** Runs {@code call} holding the lock shared with other inference calls. */
    <T> T shared(Supplier<T> call) {
        Lock read = lock.readLock();
        if (!read.tryLock()) {
            throw new IllegalStateException("cannot predict or evaluate while another thread trains this model; "
                    + "wait until train returns, or use a separate model (Model.load of a saved file)");
        }
        try {
            return call.get();
        } finally {
            read.unlock();
        }
    }

    /** The lock, taken alone for {@code method} (the caller unlocks it). */
    Lock exclusive(String method) {
        Lock write = lock.writeLock();
        if (!write.tryLock()) {
            throw new IllegalStateException("Model." + method + " needs the model to itself, but another thread is using "
                    + "it: training (and forward, backward, update) must not overlap with any other call on the same "
                    + "model; predict and evaluate may run concurrently with each other");
        }
        return write;
    }

    /** Runs {@code body} holding the lock alone. */
    <T> T exclusively(String method, Supplier<T> body) {
        Lock write = exclusive(method);
        try {
            return body.get();
        } finally {
            write.unlock();
        }
    }

    /** Runs {@code body} holding the lock alone. */
    void exclusively(String method, Runnable body) {
        exclusively(method, () -> {
            body.run();
            return null;
        });
    }
}
