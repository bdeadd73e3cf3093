package org.diskcryptnet.origin.storage;

import java.io.IOException;

import io.netty.channel.Channel;

import org.diskcryptnet.disk.DiskBackend;
import org.diskcryptnet.disk.DiskRegion;
import org.diskcryptnet.disk.DiskStorage;
import org.diskcryptnet.disk.nvme.NvmeBackend;
import org.diskcryptnet.disk.uring.IoUringBackend;
import org.diskcryptnet.origin.content.ContentRoot.ContentFile;

/**
 * {@code content.storage: direct}: bodies are {@link DiskRegion}s read around the page cache through each event
 * loop's disk queue (transport-diskmap) and written by the {@code DiskRegionWriter} in the pipeline, which must
 * sit between the HTTP codec and the socket (on HTTPS with {@code tls.record_layer: sslhandler}, on the plaintext
 * side of {@code SslHandler}, which encrypts the chunks into a second buffer; the transport record layer seals them
 * in place through {@link DirectTlsFileBodies}). Each body reads through the descriptor the lookup opened below the
 * content root (or a duplicate of it), set to O_DIRECT.
 */
public final class DirectFileBodies implements FileBodies {

    private final DiskStorage storage;

    public DirectFileBodies(DiskStorage storage) {
        this.storage = storage;
    }

    /** Whether this host can serve {@code direct}: io_uring must work (the NVMe path needs it too). */
    public static boolean available() {
        return IoUringBackend.isAvailable();
    }

    /** Why {@code direct} cannot be served here, or null. */
    public static String unavailabilityCause() {
        Throwable t = IoUringBackend.unavailabilityCause();
        return t == null ? null : t.getMessage();
    }

    /**
     * NVMe passthrough where an NVMe namespace can be driven (files it cannot map are read with O_DIRECT on the
     * same ring), io_uring with O_DIRECT otherwise.
     */
    public static DiskBackend backend() {
        return NvmeBackend.isAvailable() ? new NvmeBackend() : new IoUringBackend();
    }

    @Override
    public Object body(Channel channel, ContentFile file, long offset, long length, boolean last) throws IOException {
        return region(storage, file, offset, length, last);
    }

    /** A region read through the file's own descriptor (or a duplicate), set to O_DIRECT. */
    static DiskRegion region(DiskStorage storage, ContentFile file, long offset, long length, boolean last)
            throws IOException {
        return storage.region(storage.adopt(file.descriptor(last), file.path(), file.version()), offset, length);
    }

    @Override
    public String name() {
        return "diskmap";
    }
}
