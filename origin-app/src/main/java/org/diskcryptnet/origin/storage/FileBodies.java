package org.diskcryptnet.origin.storage;

import java.io.IOException;

import io.netty.channel.Channel;

import org.diskcryptnet.origin.content.ContentRoot.ContentFile;

/**
 * Makes the message that carries bytes {@code [offset, offset + length)} of a file down a connection:
 * a {@code FileRegion} where the pipeline can take one, a {@code ChunkedInput} where it must be encrypted
 * by {@code SslHandler}. One implementation per {@code content.storage} mode.
 */
public interface FileBodies {

    /**
     * The message to write; the pipeline releases or closes it once written. {@code last}: no other body of this
     * file follows in the response, so the body may take the file's descriptor over ({@link ContentFile#descriptor}).
     */
    Object body(Channel channel, ContentFile file, long offset, long length, boolean last) throws IOException;

    /** A name for logs and metrics: "sendfile", "chunked", "diskmap". */
    String name();
}
