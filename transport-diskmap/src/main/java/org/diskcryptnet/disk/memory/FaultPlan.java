package org.diskcryptnet.disk.memory;

import org.diskcryptnet.disk.DiskFile;

/**
 * Decides the {@link Fault} of each read the in-memory backend receives; called on the submitting thread.
 * {@code sequence} counts reads per queue from 0, so plans can be deterministic.
 */
@FunctionalInterface
public interface FaultPlan {

    FaultPlan NONE = (file, offset, length, sequence) -> Fault.NONE;

    Fault decide(DiskFile file, long offset, int length, long sequence);

    /** Faults only reads of files whose name ends with {@code suffix}; the rest go through untouched. */
    static FaultPlan forFiles(String suffix, FaultPlan plan) {
        return (file, offset, length, sequence) -> file.path().getFileName().toString().endsWith(suffix)
                ? plan.decide(file, offset, length, sequence) : Fault.NONE;
    }
}
