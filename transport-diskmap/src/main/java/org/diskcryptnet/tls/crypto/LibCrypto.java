package org.diskcryptnet.tls.crypto;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The slice of OpenSSL 3's {@code libcrypto} ABI the record layer uses: the EVP cipher API with its AEAD controls
 * ({@code openssl/evp.h}, EVP_EncryptInit(3)). Owns the constants and function descriptors; pointers to buffers are
 * passed as {@code long} addresses so that a call allocates nothing. Loaded lazily; {@link #UNAVAILABLE} says why it
 * could not be.
 */
final class LibCrypto {

    /** evp.h: EVP_CTRL_AEAD_SET_IVLEN, EVP_CTRL_AEAD_GET_TAG, EVP_CTRL_AEAD_SET_TAG. */
    static final int EVP_CTRL_AEAD_SET_IVLEN = 0x9, EVP_CTRL_AEAD_GET_TAG = 0x10, EVP_CTRL_AEAD_SET_TAG = 0x11;
    /** crypto.h: OPENSSL_VERSION for OpenSSL_version(). */
    static final int OPENSSL_VERSION = 0;

    static final MethodHandle EVP_CIPHER_CTX_new, EVP_CIPHER_CTX_free, EVP_aes_128_gcm, EVP_aes_256_gcm,
            EVP_chacha20_poly1305, EVP_CipherInit_ex, EVP_CipherUpdate, EVP_CipherFinal_ex, EVP_CIPHER_CTX_ctrl;
    static final String VERSION;
    static final Throwable UNAVAILABLE;

    static {
        MethodHandle ctxNew = null, ctxFree = null, aes128 = null, aes256 = null, chacha = null, init = null,
                update = null, fin = null, ctrl = null;
        String version = null;
        Throwable cause = null;
        try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup lib = SymbolLookup.libraryLookup("libcrypto.so.3", Arena.global());
            // The data-path calls run for microseconds at most and never call back into Java: critical
            // downcalls skip the thread-state transition.
            Linker.Option critical = Linker.Option.critical(false);
            ctxNew = linker.downcallHandle(find(lib, "EVP_CIPHER_CTX_new"), FunctionDescriptor.of(JAVA_LONG));
            ctxFree = linker.downcallHandle(find(lib, "EVP_CIPHER_CTX_free"), FunctionDescriptor.ofVoid(JAVA_LONG));
            aes128 = linker.downcallHandle(find(lib, "EVP_aes_128_gcm"), FunctionDescriptor.of(JAVA_LONG));
            aes256 = linker.downcallHandle(find(lib, "EVP_aes_256_gcm"), FunctionDescriptor.of(JAVA_LONG));
            chacha = linker.downcallHandle(find(lib, "EVP_chacha20_poly1305"), FunctionDescriptor.of(JAVA_LONG));
            // int EVP_CipherInit_ex(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *type, ENGINE *impl,
            //                       const unsigned char *key, const unsigned char *iv, int enc)
            init = linker.downcallHandle(find(lib, "EVP_CipherInit_ex"),
                    FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT),
                    critical);
            // int EVP_CipherUpdate(EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl, const unsigned char *in, int inl)
            update = linker.downcallHandle(find(lib, "EVP_CipherUpdate"),
                    FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT), critical);
            // int EVP_CipherFinal_ex(EVP_CIPHER_CTX *ctx, unsigned char *outm, int *outl)
            fin = linker.downcallHandle(find(lib, "EVP_CipherFinal_ex"),
                    FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG), critical);
            // int EVP_CIPHER_CTX_ctrl(EVP_CIPHER_CTX *ctx, int type, int arg, void *ptr)
            ctrl = linker.downcallHandle(find(lib, "EVP_CIPHER_CTX_ctrl"),
                    FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG), critical);
            MethodHandle versionFn = linker.downcallHandle(find(lib, "OpenSSL_version"),
                    FunctionDescriptor.of(ADDRESS, JAVA_INT));
            version = ((MemorySegment) versionFn.invokeExact(OPENSSL_VERSION)).reinterpret(256).getString(0);
        } catch (Throwable t) {
            cause = t instanceof IllegalArgumentException
                    ? new UnsupportedOperationException("libcrypto.so.3 (OpenSSL 3) cannot be loaded: " + t.getMessage()
                            + " (Debian: apt-get install libssl3)", t)
                    : t;
        }
        EVP_CIPHER_CTX_new = ctxNew;
        EVP_CIPHER_CTX_free = ctxFree;
        EVP_aes_128_gcm = aes128;
        EVP_aes_256_gcm = aes256;
        EVP_chacha20_poly1305 = chacha;
        EVP_CipherInit_ex = init;
        EVP_CipherUpdate = update;
        EVP_CipherFinal_ex = fin;
        EVP_CIPHER_CTX_ctrl = ctrl;
        VERSION = version;
        UNAVAILABLE = cause;
    }

    private LibCrypto() {}

    private static MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new UnsupportedOperationException("libcrypto has no " + name));
    }
}
