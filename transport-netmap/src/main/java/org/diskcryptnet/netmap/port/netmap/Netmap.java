package org.diskcryptnet.netmap.port.netmap;

import java.nio.file.Files;
import java.nio.file.Path;

import org.diskcryptnet.netmap.port.PortException;

/**
 * Whether {@code netmap:} ports can be opened here: the netmap kernel module provides {@code /dev/netmap}. It is not
 * part of Linux; on a machine without it the cause reads "netmap module not loaded".
 */
public final class Netmap {

    private static final Throwable UNAVAILABILITY_CAUSE = probe();

    private Netmap() {}

    private static Throwable probe() {
        if (!Files.exists(Path.of(NetmapAbi.DEVICE))) {
            return new PortException(PortException.Reason.UNSUPPORTED,
                    "netmap module not loaded (no " + NetmapAbi.DEVICE + "; build and insmod netmap.ko from the netmap distribution)");
        }
        DevNetmap dev = new DevNetmap();
        int fd = dev.open();
        if (fd < 0) {
            return new PortException(fd == -1 || fd == -13 ? PortException.Reason.PERMISSION : PortException.Reason.UNSUPPORTED,
                    "open " + NetmapAbi.DEVICE + ": " + DevNetmap.describe(-fd), -fd);
        }
        dev.close(fd);
        return null;
    }

    public static boolean isAvailable() {
        return UNAVAILABILITY_CAUSE == null;
    }

    public static Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }

    public static void ensureAvailability() {
        if (UNAVAILABILITY_CAUSE instanceof PortException e) {
            throw new PortException(e.reason(), e.getMessage(), e.errno());
        }
    }
}
