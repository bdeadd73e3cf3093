package org.diskcryptnet.disk.nvme;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import org.diskcryptnet.disk.linux.Ioctl;

/**
 * NVMe passthrough through io_uring: {@code struct nvme_uring_cmd} (include/uapi/linux/nvme_ioctl.h), which
 * goes into the command area of a 128-byte SQE with {@code cmd_op = NVME_URING_CMD_IO}, and the NVM command set's
 * Read command (NVM Express NVM Command Set Specification 1.0, §3.2.4 "Read command": opcode 02h, CDW10-11
 * starting LBA, CDW12 bits 15:0 number of logical blocks, 0's based).
 */
public final class NvmeAbi {

    public static final StructLayout URING_CMD = MemoryLayout.structLayout(
            JAVA_BYTE.withName("opcode"),
            JAVA_BYTE.withName("flags"),
            JAVA_SHORT.withName("rsvd1"),
            JAVA_INT.withName("nsid"),
            JAVA_INT.withName("cdw2"),
            JAVA_INT.withName("cdw3"),
            JAVA_LONG.withName("metadata"),
            JAVA_LONG.withName("addr"),
            JAVA_INT.withName("metadata_len"),
            JAVA_INT.withName("data_len"),
            JAVA_INT.withName("cdw10"),
            JAVA_INT.withName("cdw11"),
            JAVA_INT.withName("cdw12"),
            JAVA_INT.withName("cdw13"),
            JAVA_INT.withName("cdw14"),
            JAVA_INT.withName("cdw15"),
            JAVA_INT.withName("timeout_ms"),
            JAVA_INT.withName("rsvd2"));

    private static final long OPCODE = URING_CMD.byteOffset(groupElement("opcode"));
    private static final long NSID = URING_CMD.byteOffset(groupElement("nsid"));
    private static final long ADDR = URING_CMD.byteOffset(groupElement("addr"));
    private static final long DATA_LEN = URING_CMD.byteOffset(groupElement("data_len"));
    private static final long CDW10 = URING_CMD.byteOffset(groupElement("cdw10"));
    private static final long CDW11 = URING_CMD.byteOffset(groupElement("cdw11"));
    private static final long CDW12 = URING_CMD.byteOffset(groupElement("cdw12"));

    /** {@code _IOWR('N', 0x80, struct nvme_uring_cmd)}: an I/O command through io_uring. */
    public static final int NVME_URING_CMD_IO = (int) Ioctl.iowr('N', 0x80, URING_CMD.byteSize());
    /** {@code _IO('N', 0x40)}: the namespace id of a namespace's block or generic device. */
    public static final long NVME_IOCTL_ID = Ioctl.io('N', 0x40);

    /** NVM command set opcode: Read. */
    public static final byte NVME_CMD_READ = 0x02;

    /** Most logical blocks one Read can name (NLB is a 16-bit, 0's based field). */
    public static final int MAX_BLOCKS_PER_COMMAND = 65536;

    private NvmeAbi() {}

    /**
     * Writes a Read of {@code blocks} logical blocks from {@code slba} of namespace {@code nsid} into
     * {@code addr} ({@code dataLen} bytes) at {@code cmd}, the command area of a zeroed 128-byte SQE.
     */
    public static void prepareRead(MemorySegment sqes, long cmd, int nsid, long slba, int blocks, long addr,
                                   int dataLen) {
        if (blocks < 1 || blocks > MAX_BLOCKS_PER_COMMAND) {
            throw new IllegalArgumentException("an NVMe Read names 1 to 65536 blocks, not " + blocks);
        }
        sqes.set(JAVA_BYTE, cmd + OPCODE, NVME_CMD_READ);
        sqes.set(JAVA_INT, cmd + NSID, nsid);
        sqes.set(JAVA_LONG, cmd + ADDR, addr);
        sqes.set(JAVA_INT, cmd + DATA_LEN, dataLen);
        sqes.set(JAVA_INT, cmd + CDW10, (int) slba);
        sqes.set(JAVA_INT, cmd + CDW11, (int) (slba >>> 32));
        sqes.set(JAVA_INT, cmd + CDW12, blocks - 1);
    }
}
