package org.diskcryptnet.netmap.port.fault;

import java.util.Locale;

/**
 * What a {@link FaultInjectingPort} does to the frames of one direction: each frame independently is lost,
 * corrupted (one bit flipped), duplicated, reordered (held back until the next frame has passed) or delayed,
 * each with its probability; the draws come from a generator seeded by {@code seed}, so a run is reproducible
 * frame for frame. A frame sent with a partial checksum the port completes later ({@code PacketRing.txOffload})
 * is not corrupted: the completed checksum would cover the damage.
 *
 * @param loss       probability a frame is dropped
 * @param duplicate  probability a frame is sent twice
 * @param reorder    probability a frame is held until the next one has passed
 * @param corrupt    probability one random bit of the frame is flipped
 * @param delay      probability a frame is held for {@code delayNanos}
 * @param delayNanos how long a delayed frame is held (and the longest a reordered frame waits for a successor)
 * @param seed       the generator's seed
 */
public record FaultPlan(double loss, double duplicate, double reorder, double corrupt, double delay,
                        long delayNanos, long seed) {

    public static final FaultPlan NONE = new FaultPlan(0, 0, 0, 0, 0, 1_000_000, 1);

    public FaultPlan {
        check("loss", loss);
        check("dup", duplicate);
        check("reorder", reorder);
        check("corrupt", corrupt);
        check("delay", delay);
        if (loss + duplicate + reorder + corrupt + delay > 1) {
            throw new IllegalArgumentException("fault probabilities add up to more than 1");
        }
        if (delayNanos < 0) {
            throw new IllegalArgumentException("the delay must not be negative");
        }
    }

    private static void check(String name, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + "=" + p + " is not a probability within 0..1");
        }
    }

    public boolean none() {
        return loss == 0 && duplicate == 0 && reorder == 0 && corrupt == 0 && delay == 0;
    }

    /**
     * Parses {@code loss=0.05,reorder=0.05,dup=0.01,corrupt=0,delay=0,delayms=1,seed=1} (any subset, any order;
     * missing ones are 0, delayms 1, seed 1), as {@code ./origin echo --faults} takes it.
     */
    public static FaultPlan parse(String text) {
        double loss = 0;
        double dup = 0;
        double reorder = 0;
        double corrupt = 0;
        double delay = 0;
        long delayNanos = 1_000_000;
        long seed = 1;
        if (!text.isBlank()) {
            for (String part : text.split(",")) {
                int eq = part.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("\"" + part + "\" is not key=value (in \"" + text + "\")");
                }
                String key = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
                String value = part.substring(eq + 1).trim();
                try {
                    switch (key) {
                        case "loss" -> loss = Double.parseDouble(value);
                        case "dup", "duplicate" -> dup = Double.parseDouble(value);
                        case "reorder" -> reorder = Double.parseDouble(value);
                        case "corrupt" -> corrupt = Double.parseDouble(value);
                        case "delay" -> delay = Double.parseDouble(value);
                        case "delayms" -> delayNanos = Math.round(Double.parseDouble(value) * 1_000_000);
                        case "seed" -> seed = Long.parseLong(value);
                        default -> throw new IllegalArgumentException("unknown fault \"" + key
                                + "\" (loss, dup, reorder, corrupt, delay, delayms, seed)");
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(key + "=\"" + value + "\" is not a number");
                }
            }
        }
        return new FaultPlan(loss, dup, reorder, corrupt, delay, delayNanos, seed);
    }

    /** The same plan with another seed (each direction and queue draws from its own generator). */
    public FaultPlan withSeed(long newSeed) {
        return new FaultPlan(loss, duplicate, reorder, corrupt, delay, delayNanos, newSeed);
    }

    @Override
    public String toString() {
        return "loss=" + loss + ",dup=" + duplicate + ",reorder=" + reorder + ",corrupt=" + corrupt + ",delay="
                + delay + ",delayms=" + delayNanos / 1e6 + ",seed=" + seed;
    }
}
