package org.diskcryptnet.it.ports;

import java.util.List;

import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.Ports;
import org.junit.jupiter.api.Assumptions;

/**
 * The kernel-facing port types the interop tests run over, each with the link it needs: a veth pair between two
 * namespaces (the kernel peer in the other one) or a TAP device whose kernel end is in the stack's namespace.
 */
public enum PortVariant {
    XDP_NATIVE("xdp:dcnps0", List.of("--xdp-mode", "native")),
    XDP_GENERIC("xdp:dcnps0", List.of("--xdp-mode", "generic")),
    PACKET("packet:dcnps0", List.of()),
    TAP("tap:dcnptap0", List.of());

    public final String uri;
    public final List<String> flags;

    PortVariant(String uri, List<String> flags) {
        this.uri = uri;
        this.flags = flags;
    }

    public boolean veth() {
        return this != TAP;
    }

    /**
     * Skips the calling test with the backend's own reason if this machine cannot open the port, or if
     * {@code -Ddcn.interop.variants=PACKET,TAP} leaves this variant out.
     */
    public void assumeAvailable() {
        String only = System.getProperty("dcn.interop.variants", "");
        Assumptions.assumeTrue(only.isBlank() || List.of(only.split(",")).contains(name()),
                () -> name() + " left out by -Ddcn.interop.variants=" + only);
        PortUri.Kind kind = PortUri.parse(uri).kind();
        Assumptions.assumeTrue(Ports.isAvailable(kind), () -> uri + ": " + Ports.unavailabilityCause(kind));
    }
}
