package org.diskcryptnet.disk;

/**
 * Receives completions reaped from a {@link DiskQueue}: the {@code userData} given to
 * {@link DiskQueue#read} and the result, bytes read (>= 0, fewer than asked at end of file) or a negative
 * code from {@link DiskResult}.
 */
@FunctionalInterface
public interface DiskCompletionHandler {
    void complete(long userData, int result);
}
