package org.diskcryptnet.netmap.port.xdp;

import static org.diskcryptnet.netmap.port.xdp.BpfAbi.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

import org.diskcryptnet.netmap.port.PortException;
import org.diskcryptnet.netmap.port.PortOptions.XdpMode;
import org.diskcryptnet.netmap.port.linux.Errno;
import org.diskcryptnet.netmap.port.linux.Sockets;

/**
 * The XDP side of an AF_XDP port: an XSKMAP (rx queue index to AF_XDP socket), the smallest program that sends
 * every frame of a queue to that queue's socket, and the bpf link that attaches it to the interface.
 *
 * <p>The program, assembled here as eBPF instructions (no compiler, no libbpf):
 * <pre>
 *   r2 = *(u32 *)(r1 + 16)        ; ctx->rx_queue_index (struct xdp_md)
 *   r1 = map_fd(xskmap)            ; 64-bit immediate, BPF_PSEUDO_MAP_FD
 *   r3 = XDP_PASS                  ; the action when no socket is bound to this queue
 *   call bpf_redirect_map
 *   exit                           ; r0: XDP_REDIRECT, or XDP_PASS
 * </pre>
 * Queues without a socket keep going to the kernel stack. The attachment is a bpf link (BPF_LINK_CREATE with
 * BPF_XDP): it holds the program on the interface exactly as long as its file descriptor is open, so closing the port
 * detaches it, and so does the death of the process, {@code kill -9} included, since the kernel closes its files.
 */
final class XdpRedirectProgram implements AutoCloseable {

    /** Offset of rx_queue_index in struct xdp_md (data, data_end, data_meta, ingress_ifindex, rx_queue_index). */
    private static final int XDP_MD_RX_QUEUE_INDEX = 16;
    private static final String LICENSE = "Dual MIT/GPL";

    final int mapFd;
    final int progFd;
    private int linkFd = -1;
    private XdpMode attachedMode;

    private XdpRedirectProgram(int mapFd, int progFd) {
        this.mapFd = mapFd;
        this.progFd = progFd;
    }

    /** Creates the XSKMAP with {@code entries} slots (the interface's rx queues) and loads the program. */
    static XdpRedirectProgram load(int entries) {
        int mapFd = -1;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = attr(arena);
            attr.set(ValueLayout.JAVA_INT, offset(MAP_CREATE, "map_type"), BPF_MAP_TYPE_XSKMAP);
            attr.set(ValueLayout.JAVA_INT, offset(MAP_CREATE, "key_size"), 4);
            attr.set(ValueLayout.JAVA_INT, offset(MAP_CREATE, "value_size"), 4);
            attr.set(ValueLayout.JAVA_INT, offset(MAP_CREATE, "max_entries"), entries);
            name(attr, offset(MAP_CREATE, "map_name"), "dcn_xsks");
            mapFd = bpf(arena, BPF_MAP_CREATE, attr, "bpf(BPF_MAP_CREATE, XSKMAP)");

            MemorySegment program = arena.allocate(INSN.byteSize() * 6, 8);
            insn(program, 0, BPF_LDX | BPF_MEM | BPF_W, 2, 1, XDP_MD_RX_QUEUE_INDEX, 0);
            insn(program, 1, BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, mapFd);
            insn(program, 2, 0, 0, 0, 0, 0); // upper half of the 64-bit immediate
            insn(program, 3, BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, XDP_PASS);
            insn(program, 4, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_REDIRECT_MAP);
            insn(program, 5, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

            MemorySegment license = arena.allocateFrom(LICENSE);
            MemorySegment log = arena.allocate(16384);
            MemorySegment load = attr(arena);
            load.set(ValueLayout.JAVA_INT, offset(PROG_LOAD, "prog_type"), BPF_PROG_TYPE_XDP);
            load.set(ValueLayout.JAVA_INT, offset(PROG_LOAD, "insn_cnt"), 6);
            load.set(ValueLayout.JAVA_LONG, offset(PROG_LOAD, "insns"), program.address());
            load.set(ValueLayout.JAVA_LONG, offset(PROG_LOAD, "license"), license.address());
            load.set(ValueLayout.JAVA_INT, offset(PROG_LOAD, "log_level"), 1);
            load.set(ValueLayout.JAVA_INT, offset(PROG_LOAD, "log_size"), (int) log.byteSize());
            load.set(ValueLayout.JAVA_LONG, offset(PROG_LOAD, "log_buf"), log.address());
            load.set(ValueLayout.JAVA_INT, offset(PROG_LOAD, "expected_attach_type"), BPF_XDP);
            name(load, offset(PROG_LOAD, "prog_name"), "dcn_xsk_redir");
            int progFd;
            try {
                progFd = bpf(arena, BPF_PROG_LOAD, load, "bpf(BPF_PROG_LOAD, XDP redirect)");
            } catch (PortException e) {
                throw new PortException(e.reason(), e.getMessage() + "; verifier: " + log.getString(0).strip(), e.errno());
            }
            return new XdpRedirectProgram(mapFd, progFd);
        } catch (RuntimeException e) {
            Sockets.closeQuietly(mapFd);
            throw e;
        }
    }

    private static void name(MemorySegment attr, long offset, String name) {
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(b, 0, attr, ValueLayout.JAVA_BYTE, offset, Math.min(b.length, 15));
    }

    /** Points XSKMAP entry {@code queue} at the AF_XDP socket {@code xskFd}. */
    void bind(int queue, int xskFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocateFrom(ValueLayout.JAVA_INT, queue);
            MemorySegment value = arena.allocateFrom(ValueLayout.JAVA_INT, xskFd);
            MemorySegment attr = attr(arena);
            attr.set(ValueLayout.JAVA_INT, offset(MAP_ELEM, "map_fd"), mapFd);
            attr.set(ValueLayout.JAVA_LONG, offset(MAP_ELEM, "key"), key.address());
            attr.set(ValueLayout.JAVA_LONG, offset(MAP_ELEM, "value"), value.address());
            bpf(arena, BPF_MAP_UPDATE_ELEM, attr, "bpf(BPF_MAP_UPDATE_ELEM, XSKMAP[" + queue + "])");
        }
    }

    /**
     * Attaches the program to interface {@code ifindex} (of the calling thread's network namespace) with a bpf link.
     * AUTO tries the driver's hook first and falls back to generic mode.
     */
    void attach(int ifindex, String ifname, XdpMode mode) {
        if (mode == XdpMode.AUTO) {
            try {
                attach(ifindex, ifname, XdpMode.NATIVE);
                return;
            } catch (PortException e) {
                if (e.reason() == PortException.Reason.BUSY || e.reason() == PortException.Reason.PERMISSION) {
                    throw e;
                }
            }
            attach(ifindex, ifname, XdpMode.GENERIC);
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = attr(arena);
            attr.set(ValueLayout.JAVA_INT, offset(LINK_CREATE, "prog_fd"), progFd);
            attr.set(ValueLayout.JAVA_INT, offset(LINK_CREATE, "target_ifindex"), ifindex);
            attr.set(ValueLayout.JAVA_INT, offset(LINK_CREATE, "attach_type"), BPF_XDP);
            attr.set(ValueLayout.JAVA_INT, offset(LINK_CREATE, "flags"),
                    mode == XdpMode.NATIVE ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
            try {
                linkFd = bpf(arena, BPF_LINK_CREATE, attr, "bpf(BPF_LINK_CREATE, XDP " + mode.name().toLowerCase()
                        + " on " + ifname + ")");
            } catch (PortException e) {
                String hint = switch (e.errno()) {
                    case Errno.EBUSY, Errno.EEXIST -> " (another XDP program is attached to " + ifname + ")";
                    case Errno.ENOTSUP -> " (the driver has no native XDP; use generic mode)";
                    case Errno.EINVAL, Errno.ENOSPC -> " (native XDP on veth needs an MTU below ~3.5 KB and as many rx queues as the peer has tx queues)";
                    default -> "";
                };
                PortException.Reason reason = e.errno() == Errno.ENOTSUP ? PortException.Reason.UNSUPPORTED : e.reason();
                throw new PortException(reason, e.getMessage() + hint, e.errno());
            }
            attachedMode = mode;
        }
    }

    XdpMode attachedMode() {
        return attachedMode;
    }

    /** Detaches (closing the link) and frees the program and map. */
    @Override
    public void close() {
        Sockets.closeQuietly(linkFd);
        linkFd = -1;
        Sockets.closeQuietly(progFd);
        Sockets.closeQuietly(mapFd);
    }
}
