package org.diskcryptnet.netmap.datapath;

import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import org.diskcryptnet.disk.DiskQueue;

/**
 * The rule that a range already sent is read again only from the file it was first read from, unchanged. A lost
 * TLS record is sealed again with the sequence number it had, that is with the same AEAD nonce: over different
 * plaintext that would break AES-GCM and ChaCha20-Poly1305 (nonce reuse gives away the XOR of the plaintexts and,
 * for GCM, the authentication key; a nonce MUST be distinct per encryption: RFC 5116 section 3.1; the TLS 1.3 nonce is
 * the record sequence number XORed with the IV: RFC 8446 section 5.3); a plain range read from a changed
 * file would silently splice two versions of the object. So before a unit that reads a range (or, for TLS, a
 * record) produced before, and again when that read completes, the file's version is compared with the one taken
 * when it was opened ({@link DiskQueue#fileChanged}: one statx(2), acceptable because re-reads happen only on loss).
 * If it differs nothing is read or sealed: the unit fails, so TCP resets that connection alone, the extent's other
 * units fail with it, the event is counted ({@link DiskSendCounters#fileChangedAborts}) and logged once per extent.
 *
 * <p>A first read is not checked: it uses each record's nonce for the first time, so whatever the file holds then
 * cannot reuse one, and a file rewritten while a response is being sent is mixed for any server that reads it as
 * it sends (sendfile included); publishing by writing a new file and renaming it over the old one avoids that.
 * Checking every first read would put a system call on every segment of the hot path.
 */
final class ReReadGuard {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(ReReadGuard.class);

    private final DiskQueue queue;
    private final DiskSendCounters counters;

    ReReadGuard(DiskQueue queue, DiskSendCounters counters) {
        this.queue = queue;
        this.counters = counters;
    }

    /**
     * True when {@code s}'s file changed (found now, or by an earlier unit of it): the unit must not be read or
     * sealed. {@code check} asks the file (the unit reads what was produced before); without it only an earlier
     * finding counts.
     */
    boolean refuse(ExtentSource s, boolean check) {
        if (s.fileChanged) {
            return true;
        }
        if (!check) {
            return false;
        }
        try {
            if (!queue.fileChanged(s.file)) {
                return false;
            }
        } catch (RuntimeException e) {
            LOG.debug("disk send path: cannot tell whether {} changed; not reading it again", s.file, e);
            return true; // unchecked is not unchanged: the unit fails as a read failure
        }
        s.fileChanged = true;
        counters.fileChangedAborts++;
        LOG.warn("disk send path: {} changed since it was opened (written, truncated or replaced); a range of it "
                + "already sent was lost and is not read again{}: the connection is reset", s.file,
                s instanceof SealedExtentSource ? " (sealing it again would reuse its TLS nonce)" : "");
        return true;
    }
}
