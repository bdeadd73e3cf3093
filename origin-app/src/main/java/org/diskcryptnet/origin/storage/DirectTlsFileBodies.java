package org.diskcryptnet.origin.storage;

import java.io.IOException;

import io.netty.channel.Channel;

import org.diskcryptnet.disk.DiskRegion;
import org.diskcryptnet.disk.DiskRegionSource;
import org.diskcryptnet.disk.DiskStorage;
import org.diskcryptnet.origin.content.ContentRoot.ContentFile;
import org.diskcryptnet.tls.netty.TlsFileRegion;

/**
 * {@code content.storage: direct} over HTTPS with the in-place record layer: each body is a {@link TlsFileRegion}
 * whose records are read around the page cache, through the channel's loop's disk queue, straight into the seal
 * buffer where they are then sealed: from the device to the socket through one buffer.
 */
public final class DirectTlsFileBodies implements FileBodies {

    private final DiskStorage storage;

    public DirectTlsFileBodies(DiskStorage storage) {
        this.storage = storage;
    }

    @Override
    public Object body(Channel channel, ContentFile file, long offset, long length, boolean last) throws IOException {
        DiskRegion region = DirectFileBodies.region(storage, file, offset, length, last);
        try {
            return new TlsFileRegion(new DiskRegionSource(region, channel.eventLoop()));
        } catch (RuntimeException e) {
            region.release();
            throw e;
        }
    }

    @Override
    public String name() {
        return "tls-in-place-diskmap";
    }
}
