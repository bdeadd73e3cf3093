package org.diskcryptnet.disk.uring;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * The io_uring ABI as far as this module uses it, after include/uapi/linux/io_uring.h (Linux 6.1, the oldest
 * kernel the NVMe guest runs): the setup parameters and the ring offsets the kernel fills in, the 64-byte
 * submission entry (128 bytes with {@link #IORING_SETUP_SQE128}, the tail being the command area of
 * {@link #IORING_OP_URING_CMD}), the 16-byte completion entry (32 with {@link #IORING_SETUP_CQE32}), opcodes,
 * flags and register opcodes. Everything else in this package addresses rings through the offsets here.
 */
public final class IoUringAbi {

    // ---- struct io_uring_sqe -------------------------------------------------------------------------------
    public static final StructLayout SQE = MemoryLayout.structLayout(
            JAVA_BYTE.withName("opcode"),
            JAVA_BYTE.withName("flags"),
            JAVA_SHORT.withName("ioprio"),
            JAVA_INT.withName("fd"),
            MemoryLayout.unionLayout(
                    JAVA_LONG.withName("off"),
                    MemoryLayout.structLayout(JAVA_INT.withName("cmd_op"), JAVA_INT.withName("pad1")).withName("cmd"))
                    .withName("u1"),
            JAVA_LONG.withName("addr"),
            JAVA_INT.withName("len"),
            MemoryLayout.unionLayout(JAVA_INT.withName("rw_flags"), JAVA_INT.withName("uring_cmd_flags")).withName("u3"),
            JAVA_LONG.withName("user_data"),
            JAVA_SHORT.withName("buf_index"),
            JAVA_SHORT.withName("personality"),
            JAVA_INT.withName("file_index"),
            JAVA_LONG.withName("addr3"),
            JAVA_LONG.withName("pad2"));

    public static final long SQE_SIZE = SQE.byteSize();
    public static final long SQE128_SIZE = 2 * SQE_SIZE;
    public static final long SQE_OPCODE = SQE.byteOffset(groupElement("opcode"));
    public static final long SQE_FLAGS = SQE.byteOffset(groupElement("flags"));
    public static final long SQE_FD = SQE.byteOffset(groupElement("fd"));
    public static final long SQE_OFF = SQE.byteOffset(groupElement("u1"), groupElement("off"));
    public static final long SQE_CMD_OP = SQE.byteOffset(groupElement("u1"), groupElement("cmd"), groupElement("cmd_op"));
    public static final long SQE_ADDR = SQE.byteOffset(groupElement("addr"));
    public static final long SQE_LEN = SQE.byteOffset(groupElement("len"));
    public static final long SQE_RW_FLAGS = SQE.byteOffset(groupElement("u3"), groupElement("rw_flags"));
    public static final long SQE_URING_CMD_FLAGS = SQE.byteOffset(groupElement("u3"), groupElement("uring_cmd_flags"));
    public static final long SQE_USER_DATA = SQE.byteOffset(groupElement("user_data"));
    public static final long SQE_BUF_INDEX = SQE.byteOffset(groupElement("buf_index"));
    /** Start of the command area of a URING_CMD entry: 16 bytes in a 64-byte SQE, 80 in a 128-byte one. */
    public static final long SQE_CMD = SQE.byteOffset(groupElement("addr3"));

    // ---- struct io_uring_cqe -------------------------------------------------------------------------------
    public static final StructLayout CQE = MemoryLayout.structLayout(
            JAVA_LONG.withName("user_data"),
            JAVA_INT.withName("res"),
            JAVA_INT.withName("flags"));

    public static final long CQE_SIZE = CQE.byteSize();
    public static final long CQE32_SIZE = 2 * CQE_SIZE;
    public static final long CQE_USER_DATA = CQE.byteOffset(groupElement("user_data"));
    public static final long CQE_RES = CQE.byteOffset(groupElement("res"));
    public static final long CQE_FLAGS = CQE.byteOffset(groupElement("flags"));

    // ---- struct io_uring_params ----------------------------------------------------------------------------
    public static final StructLayout SQ_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"), JAVA_INT.withName("tail"), JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"), JAVA_INT.withName("flags"), JAVA_INT.withName("dropped"),
            JAVA_INT.withName("array"), JAVA_INT.withName("resv1"), JAVA_LONG.withName("user_addr"));

    public static final StructLayout CQ_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"), JAVA_INT.withName("tail"), JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"), JAVA_INT.withName("overflow"), JAVA_INT.withName("cqes"),
            JAVA_INT.withName("flags"), JAVA_INT.withName("resv1"), JAVA_LONG.withName("user_addr"));

    public static final StructLayout PARAMS = MemoryLayout.structLayout(
            JAVA_INT.withName("sq_entries"),
            JAVA_INT.withName("cq_entries"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("sq_thread_cpu"),
            JAVA_INT.withName("sq_thread_idle"),
            JAVA_INT.withName("features"),
            JAVA_INT.withName("wq_fd"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("resv"),
            SQ_OFFSETS.withName("sq_off"),
            CQ_OFFSETS.withName("cq_off"));

    public static long param(String field) {
        return PARAMS.byteOffset(groupElement(field));
    }

    public static long sqOff(String field) {
        return PARAMS.byteOffset(groupElement("sq_off"), groupElement(field));
    }

    public static long cqOff(String field) {
        return PARAMS.byteOffset(groupElement("cq_off"), groupElement(field));
    }

    // ---- struct iovec, struct io_uring_rsrc_register / io_uring_rsrc_update --------------------------------
    public static final StructLayout IOVEC = MemoryLayout.structLayout(
            JAVA_LONG.withName("iov_base"), JAVA_LONG.withName("iov_len"));

    public static final StructLayout RSRC_REGISTER = MemoryLayout.structLayout(
            JAVA_INT.withName("nr"), JAVA_INT.withName("flags"), JAVA_LONG.withName("resv2"),
            JAVA_LONG.withName("data"), JAVA_LONG.withName("tags"));

    public static final StructLayout RSRC_UPDATE = MemoryLayout.structLayout(
            JAVA_INT.withName("offset"), JAVA_INT.withName("resv"), JAVA_LONG.withName("data"));

    /** struct io_uring_rsrc_update2, for IORING_REGISTER_BUFFERS_UPDATE (nr_args is its size). */
    public static final StructLayout RSRC_UPDATE2 = MemoryLayout.structLayout(
            JAVA_INT.withName("offset"), JAVA_INT.withName("resv"), JAVA_LONG.withName("data"),
            JAVA_LONG.withName("tags"), JAVA_INT.withName("nr"), JAVA_INT.withName("resv2"));

    public static final long IOVEC_BASE = IOVEC.byteOffset(groupElement("iov_base"));
    public static final long IOVEC_LEN = IOVEC.byteOffset(groupElement("iov_len"));
    public static final long RSRC_REGISTER_NR = RSRC_REGISTER.byteOffset(groupElement("nr"));
    public static final long RSRC_REGISTER_FLAGS = RSRC_REGISTER.byteOffset(groupElement("flags"));
    public static final long RSRC_UPDATE_OFFSET = RSRC_UPDATE.byteOffset(groupElement("offset"));
    public static final long RSRC_UPDATE_DATA = RSRC_UPDATE.byteOffset(groupElement("data"));
    public static final long RSRC_UPDATE2_OFFSET = RSRC_UPDATE2.byteOffset(groupElement("offset"));
    public static final long RSRC_UPDATE2_DATA = RSRC_UPDATE2.byteOffset(groupElement("data"));
    public static final long RSRC_UPDATE2_NR = RSRC_UPDATE2.byteOffset(groupElement("nr"));

    // ---- setup flags ---------------------------------------------------------------------------------------
    public static final int IORING_SETUP_IOPOLL = 1;
    public static final int IORING_SETUP_SQPOLL = 1 << 1;
    public static final int IORING_SETUP_CQSIZE = 1 << 3;
    public static final int IORING_SETUP_CLAMP = 1 << 4;
    public static final int IORING_SETUP_SUBMIT_ALL = 1 << 7;
    public static final int IORING_SETUP_COOP_TASKRUN = 1 << 8;
    /** With DEFER_TASKRUN: the kernel sets {@link #IORING_SQ_TASKRUN} in the SQ flags when completions wait. */
    public static final int IORING_SETUP_TASKRUN_FLAG = 1 << 9;
    public static final int IORING_SETUP_SQE128 = 1 << 10;
    public static final int IORING_SETUP_CQE32 = 1 << 11;
    public static final int IORING_SETUP_SINGLE_ISSUER = 1 << 12;
    public static final int IORING_SETUP_DEFER_TASKRUN = 1 << 13;

    // ---- features ------------------------------------------------------------------------------------------
    public static final int IORING_FEAT_SINGLE_MMAP = 1;
    public static final int IORING_FEAT_NODROP = 1 << 1;

    // ---- opcodes -------------------------------------------------------------------------------------------
    public static final byte IORING_OP_NOP = 0;
    public static final byte IORING_OP_READ_FIXED = 4;
    public static final byte IORING_OP_READ = 22;
    public static final byte IORING_OP_URING_CMD = 46;

    // ---- sqe flags -----------------------------------------------------------------------------------------
    public static final byte IOSQE_FIXED_FILE = 1;
    public static final int IORING_URING_CMD_FIXED = 1;

    // ---- sq ring flags, enter flags ------------------------------------------------------------------------
    public static final int IORING_SQ_NEED_WAKEUP = 1;
    public static final int IORING_SQ_CQ_OVERFLOW = 1 << 1;
    public static final int IORING_SQ_TASKRUN = 1 << 2;
    public static final int IORING_ENTER_GETEVENTS = 1;
    public static final int IORING_ENTER_SQ_WAKEUP = 1 << 1;

    // ---- mmap offsets --------------------------------------------------------------------------------------
    public static final long IORING_OFF_SQ_RING = 0L;
    public static final long IORING_OFF_CQ_RING = 0x8000000L;
    public static final long IORING_OFF_SQES = 0x10000000L;

    // ---- register opcodes ----------------------------------------------------------------------------------
    public static final int IORING_REGISTER_BUFFERS = 0;
    public static final int IORING_UNREGISTER_BUFFERS = 1;
    public static final int IORING_REGISTER_EVENTFD = 4;
    public static final int IORING_REGISTER_FILES_UPDATE = 6;
    public static final int IORING_REGISTER_FILES2 = 13;
    public static final int IORING_REGISTER_BUFFERS2 = 15;
    public static final int IORING_REGISTER_BUFFERS_UPDATE = 16;
    public static final int IORING_RSRC_REGISTER_SPARSE = 1;

    private IoUringAbi() {}

    /**
     * Fills the read entry at offset {@code sqe} of the SQE array (zeroed by the ring): {@code len} bytes at file offset {@code off}
     * of {@code fd} (or fixed-file slot) into {@code addr}. {@code bufIndex} >= 0 makes it READ_FIXED.
     */
    public static void prepareRead(MemorySegment sqes, long sqe, int fd, boolean fixedFile, long addr, int len, long off,
                                   int bufIndex, long userData) {
        sqes.set(JAVA_BYTE, sqe + SQE_OPCODE, bufIndex >= 0 ? IORING_OP_READ_FIXED : IORING_OP_READ);
        sqes.set(JAVA_BYTE, sqe + SQE_FLAGS, fixedFile ? IOSQE_FIXED_FILE : 0);
        sqes.set(JAVA_INT, sqe + SQE_FD, fd);
        sqes.set(JAVA_LONG, sqe + SQE_OFF, off);
        sqes.set(JAVA_LONG, sqe + SQE_ADDR, addr);
        sqes.set(JAVA_INT, sqe + SQE_LEN, len);
        sqes.set(JAVA_LONG, sqe + SQE_USER_DATA, userData);
        sqes.set(JAVA_SHORT, sqe + SQE_BUF_INDEX, (short) Math.max(bufIndex, 0));
    }

    /** Fills a NOP entry (used by the availability probe). */
    public static void prepareNop(MemorySegment sqes, long sqe, long userData) {
        sqes.set(JAVA_BYTE, sqe + SQE_OPCODE, IORING_OP_NOP);
        sqes.set(JAVA_LONG, sqe + SQE_USER_DATA, userData);
    }

    /**
     * Fills the header of a URING_CMD entry; the command itself goes into the area at {@link #SQE_CMD}.
     * {@code bufIndex} >= 0 asks for the registered buffer (IORING_URING_CMD_FIXED).
     */
    public static void prepareUringCmd(MemorySegment sqes, long sqe, int fd, boolean fixedFile, int cmdOp, int bufIndex,
                                       long userData) {
        sqes.set(JAVA_BYTE, sqe + SQE_OPCODE, IORING_OP_URING_CMD);
        sqes.set(JAVA_BYTE, sqe + SQE_FLAGS, fixedFile ? IOSQE_FIXED_FILE : 0);
        sqes.set(JAVA_INT, sqe + SQE_FD, fd);
        sqes.set(JAVA_INT, sqe + SQE_CMD_OP, cmdOp);
        sqes.set(JAVA_INT, sqe + SQE_URING_CMD_FLAGS, bufIndex >= 0 ? IORING_URING_CMD_FIXED : 0);
        sqes.set(JAVA_SHORT, sqe + SQE_BUF_INDEX, (short) Math.max(bufIndex, 0));
        sqes.set(JAVA_LONG, sqe + SQE_USER_DATA, userData);
    }

    public static long cqeUserData(MemorySegment cqes, long cqe) {
        return cqes.get(JAVA_LONG, cqe + CQE_USER_DATA);
    }

    public static int cqeResult(MemorySegment cqes, long cqe) {
        return cqes.get(JAVA_INT, cqe + CQE_RES);
    }
}
