package org.diskcryptnet.netmap.stack;

import java.util.concurrent.TimeUnit;

import org.diskcryptnet.netmap.wire.Ipv4Address;

/**
 * The addressing of one userspace interface and its L2/L3 limits.
 *
 * @param address          our IPv4 address (the kernel on the other side must not own it)
 * @param prefixLength     on-link prefix, e.g. 24
 * @param gateway          next hop for off-link destinations, or 0 for none (off-link is then unreachable)
 * @param mac              our MAC, or 0 to use the port's
 * @param neighbourEntries bound of the neighbour (ARP) cache
 * @param neighbourStale   after this long without confirmation an entry is refreshed (RFC 1122 section 2.3.2.1)
 * @param rxBatch          frames taken from the rx ring at a time: their slots go back to the port before the
 *                         next batch (a poll takes batches until the ring is empty or one ring's worth is taken)
 * @param ttl              TTL of the packets we send
 */
public record InterfaceConfig(int address, int prefixLength, int gateway, long mac, int neighbourEntries,
                              long neighbourStale, int rxBatch, int ttl) {

    public InterfaceConfig {
        Ipv4Address.mask(prefixLength);
        if (address == 0 || Ipv4Address.isMulticast(address) || address == Ipv4Address.BROADCAST) {
            throw new IllegalArgumentException(Ipv4Address.format(address) + " cannot be an interface address");
        }
        if (neighbourEntries < 1 || neighbourEntries > 1 << 20) {
            throw new IllegalArgumentException("neighbourEntries " + neighbourEntries + " is not within 1..1048576");
        }
        if (rxBatch < 1 || ttl < 1 || ttl > 255) {
            throw new IllegalArgumentException("rxBatch must be positive and ttl within 1..255");
        }
    }

    /** {@code 198.18.0.2/24} style, no gateway, the port's MAC, Linux-like defaults for the rest. */
    public static InterfaceConfig of(String addressWithPrefix) {
        int slash = addressWithPrefix.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("\"" + addressWithPrefix + "\" needs a prefix length, e.g. 198.18.0.2/24");
        }
        int prefix;
        try {
            prefix = Integer.parseInt(addressWithPrefix.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + addressWithPrefix + "\": the prefix length must be a number");
        }
        return new InterfaceConfig(Ipv4Address.parse(addressWithPrefix.substring(0, slash)), prefix, 0, 0, 256,
                TimeUnit.SECONDS.toNanos(60), 256, 64);
    }

    public InterfaceConfig withGateway(int gateway) {
        return new InterfaceConfig(address, prefixLength, gateway, mac, neighbourEntries, neighbourStale, rxBatch, ttl);
    }

    public InterfaceConfig withMac(long mac) {
        return new InterfaceConfig(address, prefixLength, gateway, mac, neighbourEntries, neighbourStale, rxBatch, ttl);
    }

    public InterfaceConfig withNeighbourEntries(int entries) {
        return new InterfaceConfig(address, prefixLength, gateway, mac, entries, neighbourStale, rxBatch, ttl);
    }

    public InterfaceConfig withRxBatch(int batch) {
        return new InterfaceConfig(address, prefixLength, gateway, mac, neighbourEntries, neighbourStale, batch, ttl);
    }

    boolean onLink(int ip) {
        int mask = Ipv4Address.mask(prefixLength);
        return (ip & mask) == (address & mask);
    }
}
