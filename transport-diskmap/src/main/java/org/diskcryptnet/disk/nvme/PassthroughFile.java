package org.diskcryptnet.disk.nvme;

/**
 * The NVMe backend's state of one opened file or device: the namespace and the extent map its reads go through,
 * or, when the file cannot be mapped, null ones and the reason (then it is read with O_DIRECT).
 */
record PassthroughFile(NvmeNamespace namespace, ExtentMap map, String refusal) {

    boolean passthrough() {
        return map != null;
    }
}
