package org.diskcryptnet.netmap.port.xdp;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import org.diskcryptnet.netmap.port.PortException;
import org.diskcryptnet.netmap.port.linux.Errno;
import org.diskcryptnet.netmap.port.linux.Libc;

/**
 * The bpf(2) ABI (linux/bpf.h, man bpf(2)) as far as the AF_XDP port uses it: the command numbers, the parts of
 * {@code union bpf_attr} for BPF_MAP_CREATE, BPF_MAP_UPDATE_ELEM, BPF_PROG_LOAD and BPF_LINK_CREATE, and the
 * encoding of eBPF instructions (Documentation/bpf/standardization/instruction-set.rst).
 */
final class BpfAbi {

    /** __NR_bpf on x86-64 (arch/x86/entry/syscalls/syscall_64.tbl). */
    static final long SYS_BPF = 321;

    static final int BPF_MAP_CREATE = 0;
    static final int BPF_MAP_UPDATE_ELEM = 2;
    static final int BPF_PROG_LOAD = 5;
    static final int BPF_OBJ_GET_INFO_BY_FD = 15;
    static final int BPF_LINK_CREATE = 28;

    static final int BPF_MAP_TYPE_XSKMAP = 17;
    static final int BPF_PROG_TYPE_XDP = 6;
    /** enum bpf_attach_type: BPF_XDP. */
    static final int BPF_XDP = 37;

    /** XDP attach modes (linux/if_link.h). */
    static final int XDP_FLAGS_SKB_MODE = 1 << 1;
    static final int XDP_FLAGS_DRV_MODE = 1 << 2;

    /** XDP actions (enum xdp_action). */
    static final int XDP_PASS = 2;

    /** Helper numbers (enum bpf_func_id, FN(redirect_map)). */
    static final int BPF_FUNC_REDIRECT_MAP = 51;

    /** sizeof(union bpf_attr) in the uapi header this was written against; the kernel accepts a shorter one. */
    static final long ATTR_SIZE = 144;

    static final StructLayout MAP_CREATE = MemoryLayout.structLayout(
            JAVA_INT.withName("map_type"), JAVA_INT.withName("key_size"), JAVA_INT.withName("value_size"),
            JAVA_INT.withName("max_entries"), JAVA_INT.withName("map_flags"), JAVA_INT.withName("inner_map_fd"),
            JAVA_INT.withName("numa_node"), MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("map_name"));

    static final StructLayout MAP_ELEM = MemoryLayout.structLayout(
            JAVA_INT.withName("map_fd"), MemoryLayout.paddingLayout(4), JAVA_LONG.withName("key"),
            JAVA_LONG.withName("value"), JAVA_LONG.withName("flags"));

    static final StructLayout PROG_LOAD = MemoryLayout.structLayout(
            JAVA_INT.withName("prog_type"), JAVA_INT.withName("insn_cnt"), JAVA_LONG.withName("insns"),
            JAVA_LONG.withName("license"), JAVA_INT.withName("log_level"), JAVA_INT.withName("log_size"),
            JAVA_LONG.withName("log_buf"), JAVA_INT.withName("kern_version"), JAVA_INT.withName("prog_flags"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("prog_name"), JAVA_INT.withName("prog_ifindex"),
            JAVA_INT.withName("expected_attach_type"));

    static final StructLayout LINK_CREATE = MemoryLayout.structLayout(
            JAVA_INT.withName("prog_fd"), JAVA_INT.withName("target_ifindex"), JAVA_INT.withName("attach_type"),
            JAVA_INT.withName("flags"));

    /** struct bpf_insn: opcode, dst_reg:4 | src_reg:4 (little-endian bitfields), off, imm. */
    static final StructLayout INSN = MemoryLayout.structLayout(
            JAVA_BYTE.withName("code"), JAVA_BYTE.withName("regs"), JAVA_SHORT.withName("off"), JAVA_INT.withName("imm"));

    // opcode parts
    static final int BPF_LD = 0x00, BPF_LDX = 0x01, BPF_ALU64 = 0x07, BPF_JMP = 0x05;
    static final int BPF_W = 0x00, BPF_DW = 0x18;
    static final int BPF_IMM = 0x00, BPF_MEM = 0x60;
    static final int BPF_MOV = 0xb0, BPF_K = 0x00;
    static final int BPF_CALL = 0x80, BPF_EXIT = 0x90;
    /** src_reg of a 64-bit immediate load that names a map by file descriptor. */
    static final int BPF_PSEUDO_MAP_FD = 1;

    private BpfAbi() {}

    static long offset(StructLayout s, String field) {
        return s.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    /** Writes instruction {@code index} of a program being assembled. */
    static void insn(MemorySegment program, int index, int code, int dst, int src, int off, int imm) {
        long at = index * INSN.byteSize();
        program.set(JAVA_BYTE, at + offset(INSN, "code"), (byte) code);
        program.set(JAVA_BYTE, at + offset(INSN, "regs"), (byte) ((src << 4) | (dst & 0x0F)));
        program.set(JAVA_SHORT, at + offset(INSN, "off"), (short) off);
        program.set(JAVA_INT, at + offset(INSN, "imm"), imm);
    }

    /** bpf(cmd, attr, size); returns the result or throws with {@code what} and the errno. */
    static int bpf(Arena arena, int command, MemorySegment attr, String what) {
        MemorySegment state = Libc.newCallState(arena);
        long r = Libc.syscall(state, SYS_BPF, command, attr, ATTR_SIZE);
        if (r < 0) {
            int errno = Libc.errno(state);
            if (errno == Errno.ENOSYS) {
                throw new PortException(PortException.Reason.UNSUPPORTED, what + ": kernel without bpf(2)", errno);
            }
            throw Errno.failure(what, errno);
        }
        return (int) r;
    }

    static MemorySegment attr(Arena arena) {
        return arena.allocate(ATTR_SIZE, 8); // zeroed: the kernel requires unused fields to be 0
    }
}
