package org.diskcryptnet.netmap.datapath;

/** Free lists of one loop's extent sources: a response's source is reused by a later one, no allocation. */
final class SourcePool {

    private final DiskSendPath path;
    private PlainExtentSource freePlain;
    private SealedExtentSource freeSealed;

    SourcePool(DiskSendPath path) {
        this.path = path;
    }

    PlainExtentSource plain() {
        PlainExtentSource s = freePlain;
        if (s == null) {
            return new PlainExtentSource(path);
        }
        freePlain = (PlainExtentSource) s.nextFree;
        s.nextFree = null;
        return s;
    }

    SealedExtentSource sealed() {
        SealedExtentSource s = freeSealed;
        if (s == null) {
            return new SealedExtentSource(path);
        }
        freeSealed = (SealedExtentSource) s.nextFree;
        s.nextFree = null;
        return s;
    }

    void give(ExtentSource s) {
        if (s instanceof PlainExtentSource p) {
            p.nextFree = freePlain;
            freePlain = p;
        } else {
            s.nextFree = freeSealed;
            freeSealed = (SealedExtentSource) s;
        }
    }
}
