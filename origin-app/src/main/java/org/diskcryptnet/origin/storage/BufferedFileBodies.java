package org.diskcryptnet.origin.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;

import io.netty.channel.Channel;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.stream.ChunkedNioFile;

import org.diskcryptnet.origin.content.ContentRoot.ContentFile;

/**
 * {@code content.storage: buffered}: the page cache serves the bytes. Plain connections get a
 * {@link DefaultFileRegion} (sendfile on epoll); encrypted ones a {@link ChunkedNioFile} that
 * {@code ChunkedWriteHandler} reads in record-sized chunks for {@code SslHandler}.
 */
public final class BufferedFileBodies implements FileBodies {

    /** One TLS record's worth of plaintext (RFC 8446 §5.1: 2^14), so each chunk seals into one record. */
    private static final int TLS_CHUNK = 16 * 1024;

    private final boolean encrypted;

    public BufferedFileBodies(boolean encrypted) {
        this.encrypted = encrypted;
    }

    @Override
    public Object body(Channel channel, ContentFile file, long offset, long length, boolean last) throws IOException {
        FileChannel fc = file.openChannel();
        try {
            return encrypted ? new ChunkedNioFile(fc, offset, length, TLS_CHUNK) : new DefaultFileRegion(fc, offset, length);
        } catch (IOException | RuntimeException e) {
            fc.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return encrypted ? "chunked" : "sendfile";
    }
}
