package org.diskcryptnet.netmap.port.netmap;

import java.lang.foreign.MemorySegment;

/**
 * The system calls a netmap port makes, in one place so that the port's ring logic can run against the real module
 * ({@link DevNetmap}) or against an in-process model of the kernel side over the same memory layout (the tests'
 * {@code NetmapKernelModel}; the module does not load on the machines this project is tested on). Calls return
 * what the system call would: 0 or a descriptor on success, {@code -errno} on failure.
 */
public interface NetmapKernel {

    /** open("/dev/netmap", O_RDWR): a control descriptor. */
    int open();

    /** ioctl(fd, NIOCCTRL, header): the request in {@code header}, its body behind {@code nr_body}. */
    int control(int fd, MemorySegment header);

    /** mmap of the shared region ({@code nr_memsize} bytes) through {@code fd}; null and errno via exception. */
    MemorySegment map(int fd, long size);

    /** Unmaps what {@link #map} returned. */
    void unmap(MemorySegment region);

    /** ioctl(fd, NIOCTXSYNC) or ioctl(fd, NIOCRXSYNC). Allocation-free: called per batch. */
    int sync(int fd, long request);

    void close(int fd);
}
