package org.diskcryptnet.tls.netty;

import java.lang.foreign.MemorySegment;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import org.diskcryptnet.tls.CipherSuite;
import org.diskcryptnet.tls.TlsVersion;
import org.diskcryptnet.tls.crypto.AeadEngines;
import org.diskcryptnet.tls.record.RecordProtection;
import org.diskcryptnet.tls.record.TlsAlertException;

/** Both ends' keys for a suite, as a test-side client that seals records for the server and opens its replies. */
final class RecordPeer implements AutoCloseable {

    final CipherSuite suite;
    final RecordProtection clientWrite, clientRead, serverRead, serverWrite;
    /** What opens the server's records without the record layer: the JDK's AEAD and HMAC. */
    private final java.util.function.Supplier<JdkRecordOpener> serverOpener;

    RecordPeer(CipherSuite suite) {
        this.suite = suite;
        var engine = AeadEngines.best(suite.aead());
        if (suite.version() == TlsVersion.TLS_1_3) {
            byte[] c = new byte[suite.hash().length()], s = new byte[suite.hash().length()];
            c[0] = 1;
            s[0] = 2;
            clientWrite = RecordProtection.tls13(suite, engine, c, 0);
            serverRead = RecordProtection.tls13(suite, engine, c, 0);
            serverWrite = RecordProtection.tls13(suite, engine, s, 0);
            clientRead = RecordProtection.tls13(suite, engine, s, 0);
            serverOpener = () -> JdkRecordOpener.tls13(suite, s, 0);
        } else {
            byte[] ck = new byte[suite.aead().keyLength()], sk = new byte[suite.aead().keyLength()];
            byte[] civ = new byte[suite.fixedIvLength()], siv = new byte[suite.fixedIvLength()];
            ck[0] = 1;
            sk[0] = 2;
            civ[0] = 3;
            siv[0] = 4;
            clientWrite = RecordProtection.tls12(suite, engine, ck, civ, 1);
            serverRead = RecordProtection.tls12(suite, engine, ck, civ, 1);
            serverWrite = RecordProtection.tls12(suite, engine, sk, siv, 1);
            clientRead = RecordProtection.tls12(suite, engine, sk, siv, 1);
            serverOpener = () -> JdkRecordOpener.tls12(suite, sk, siv, 1);
        }
    }

    /** An independent opener of the server's records from its first sequence number on. */
    JdkRecordOpener serverOpener() {
        return serverOpener.get();
    }

    /** A record from the client carrying {@code plain}, as a direct buffer. */
    ByteBuf seal(int contentType, byte[] plain) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(plain.length + clientWrite.overhead());
        b.writerIndex(clientWrite.headerLength());
        b.writeBytes(plain);
        MemorySegment m = MemorySegment.ofAddress(b.memoryAddress()).reinterpret(b.capacity());
        int n = clientWrite.seal(m, 0, plain.length, contentType, clientWrite.reserve(1));
        b.setIndex(0, n);
        return b;
    }

    /** Opens one record from the server at the start of {@code b} (consumed); returns type and plaintext. */
    Opened open(ByteBuf b) throws TlsAlertException {
        int length = 5 + b.getUnsignedShort(b.readerIndex() + 3);
        ByteBuf copy = PooledByteBufAllocator.DEFAULT.directBuffer(length);
        b.readBytes(copy, length);
        try {
            MemorySegment m = MemorySegment.ofAddress(copy.memoryAddress()).reinterpret(length);
            long r = clientRead.open(m, 0, length);
            byte[] plain = new byte[(int) r];
            copy.getBytes(clientRead.headerLength(), plain);
            return new Opened((int) (r >>> 32), plain);
        } finally {
            copy.release();
        }
    }

    record Opened(int type, byte[] plaintext) {}

    /** The server's record layer with its halves of the keys (the handler owns them from here). */
    TlsRecordHandler serverHandler(TlsStats stats) {
        return new TlsRecordHandler(suite, serverRead, serverWrite, stats, RecordProtection.MAX_PLAINTEXT);
    }

    /** The same, moving to the next write key after {@code keyUpdateAfterRecords} records. */
    TlsRecordHandler serverHandler(TlsStats stats, long keyUpdateAfterRecords) {
        return new TlsRecordHandler(suite, serverRead, serverWrite, stats, RecordProtection.MAX_PLAINTEXT,
                keyUpdateAfterRecords);
    }

    @Override
    public void close() {
        for (RecordProtection p : new RecordProtection[] {clientWrite, clientRead}) {
            if (p.refCnt() > 0) {
                p.release();
            }
        }
    }
}
