package org.diskcryptnet.origin.storage;

import java.io.IOException;

import io.netty.channel.Channel;

import org.diskcryptnet.origin.content.ContentRoot.ContentFile;
import org.diskcryptnet.tls.netty.FileChannelRegionSource;
import org.diskcryptnet.tls.netty.TlsFileRegion;

/**
 * {@code content.storage: buffered} over HTTPS with the in-place record layer: each body is a {@link TlsFileRegion}
 * that reads the file range through the page cache into an off-heap buffer and seals the TLS records in that buffer.
 * The connection's {@code TlsRecordHandler} binds it to the write key as it passes.
 */
public final class TlsFileBodies implements FileBodies {

    @Override
    public Object body(Channel channel, ContentFile file, long offset, long length, boolean last) throws IOException {
        return new TlsFileRegion(new FileChannelRegionSource(file.openChannel(), offset, length));
    }

    @Override
    public String name() {
        return "tls-in-place";
    }
}
