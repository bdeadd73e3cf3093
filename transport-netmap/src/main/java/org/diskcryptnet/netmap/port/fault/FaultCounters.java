package org.diskcryptnet.netmap.port.fault;

/** What a {@link FaultInjectingPort} did to one direction of one queue (plain longs of the loop's thread). */
public final class FaultCounters {

    public long frames;
    public long dropped;
    public long duplicated;
    public long reordered;
    public long corrupted;
    public long delayed;

    void add(FaultCounters o) {
        frames += o.frames;
        dropped += o.dropped;
        duplicated += o.duplicated;
        reordered += o.reordered;
        corrupted += o.corrupted;
        delayed += o.delayed;
    }

    @Override
    public String toString() {
        return frames + " frames: " + dropped + " lost, " + duplicated + " duplicated, " + reordered + " reordered, "
                + corrupted + " corrupted, " + delayed + " delayed";
    }
}
