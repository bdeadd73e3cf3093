package org.diskcryptnet.tls.crypto;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The slice of Intel's IPsec Multi-Buffer library ABI (v1.x, {@code intel-ipsec-mb.h}, Debian {@code libipsec-mb1})
 * the record layer uses: the manager ({@code alloc_mb_mgr}, {@code init_mb_mgr_auto}) whose function table points at
 * the best implementation for this CPU, and the direct AES-GCM and ChaCha20-Poly1305 APIs in that table
 * ({@code IMB_AES128_GCM_ENC} and friends are macros over it). Owns the {@code IMB_MGR} layout and the key and
 * context sizes; nothing else computes an offset.
 */
final class IpsecMb {

    /**
     * {@code struct IMB_MGR} up to the last function pointer, in header order: flags, features, reserved[5],
     * used_arch, imb_errno, then the "ARCH handlers" table. The header promises new pointers are only appended.
     */
    private static final String[] FUNCTION_TABLE = {
            "get_next_job", "submit_job", "submit_job_nocheck", "get_completed_job", "flush_job", "queue_size",
            "keyexp_128", "keyexp_192", "keyexp_256", "cmac_subkey_gen_128", "xcbc_keyexp", "des_key_sched",
            "sha1_one_block", "sha224_one_block", "sha256_one_block", "sha384_one_block", "sha512_one_block",
            "md5_one_block", "sha1", "sha224", "sha256", "sha384", "sha512", "aes128_cfb_one",
            "gcm128_enc", "gcm192_enc", "gcm256_enc", "gcm128_dec", "gcm192_dec", "gcm256_dec",
            "gcm128_init", "gcm192_init", "gcm256_init",
            "gcm128_enc_update", "gcm192_enc_update", "gcm256_enc_update",
            "gcm128_dec_update", "gcm192_dec_update", "gcm256_dec_update",
            "gcm128_enc_finalize", "gcm192_enc_finalize", "gcm256_enc_finalize",
            "gcm128_dec_finalize", "gcm192_dec_finalize", "gcm256_dec_finalize",
            "gcm128_precomp", "gcm192_precomp", "gcm256_precomp", "gcm128_pre", "gcm192_pre", "gcm256_pre",
            "eea3_1_buffer", "eea3_4_buffer", "eea3_n_buffer", "eia3_1_buffer",
            "f8_1_buffer", "f8_1_buffer_bit", "f8_2_buffer", "f8_3_buffer", "f8_4_buffer", "f8_n_buffer",
            "f9_1_buffer", "f9_1_buffer_user", "kasumi_init_f8_key_sched", "kasumi_init_f9_key_sched",
            "kasumi_key_sched_size",
            "snow3g_f8_1_buffer_bit", "snow3g_f8_1_buffer", "snow3g_f8_2_buffer", "snow3g_f8_4_buffer",
            "snow3g_f8_8_buffer", "snow3g_f8_n_buffer", "snow3g_f8_8_buffer_multikey", "snow3g_f8_n_buffer_multikey",
            "snow3g_f9_1_buffer", "snow3g_init_key_sched", "snow3g_key_sched_size",
            "ghash", "eia3_n_buffer", "gcm128_init_var_iv", "gcm192_init_var_iv", "gcm256_init_var_iv",
            "gmac128_init", "gmac192_init", "gmac256_init", "gmac128_update", "gmac192_update", "gmac256_update",
            "gmac128_finalize", "gmac192_finalize", "gmac256_finalize", "hec_32", "hec_64", "cmac_subkey_gen_256",
            "ghash_pre", "crc32_ethernet_fcs", "crc16_x25", "crc32_sctp", "crc24_lte_a", "crc24_lte_b",
            "crc16_fp_data", "crc11_fp_header", "crc7_fp_header", "crc10_iuup_data", "crc6_iuup_header",
            "crc32_wimax_ofdma_data", "crc8_wimax_ofdma_hcs",
            "chacha20_poly1305_init", "chacha20_poly1305_enc_update", "chacha20_poly1305_dec_update",
            "chacha20_poly1305_finalize",
    };

    static final StructLayout IMB_MGR_HEAD = head();

    /** {@code struct gcm_key_data}: 15 round keys and the GHASH key powers (48 for VAES-AVX512), 64-byte aligned. */
    static final long GCM_KEY_DATA_SIZE = 16 * 15 + 16 * 48, GCM_KEY_DATA_ALIGN = 64;
    /** {@code struct gcm_context_data}: aad_hash, aad_length, in_length, partial block, orig_IV, counter, partial len. */
    static final long GCM_CONTEXT_SIZE = 16 + 8 + 8 + 16 + 16 + 16 + 8;
    /** {@code struct chacha20_poly1305_context_data}. */
    static final long CHACHA_CONTEXT_SIZE = 8 * 3 + 8 + 8 + 64 + 32 + 16 + 8 + 8 + 8 + 12;
    /** {@code IMB_ARCH}: NONE, NOAESNI, SSE, AVX, AVX2, AVX512. */
    static final String[] ARCH_NAMES = {"none", "no-aesni", "sse", "avx", "avx2", "avx512"};

    /** (key_data*, ctx*, out, in, len, iv, aad, aad_len, tag, tag_len) */
    private static final FunctionDescriptor GCM_ENC_DEC = FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG, JAVA_LONG,
            JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
    /** (const void *key, struct gcm_key_data *) */
    private static final FunctionDescriptor GCM_PRE = FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG);
    /** (key, ctx, iv, aad, aad_len) */
    private static final FunctionDescriptor CHACHA_INIT = FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG, JAVA_LONG,
            JAVA_LONG, JAVA_LONG);
    /** (key, ctx, dst, src, len) */
    private static final FunctionDescriptor CHACHA_UPDATE = CHACHA_INIT;
    /** (ctx, tag, tag_len) */
    private static final FunctionDescriptor CHACHA_FINALIZE = FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG, JAVA_LONG);

    static final MethodHandle GCM128_ENC, GCM256_ENC, GCM128_DEC, GCM256_DEC, GCM128_PRE, GCM256_PRE, CHACHA_INIT_FN,
            CHACHA_ENC_UPDATE, CHACHA_DEC_UPDATE, CHACHA_FINALIZE_FN;
    static final String VERSION;
    static final String ARCH;
    static final Throwable UNAVAILABLE;

    static {
        MethodHandle e128 = null, e256 = null, d128 = null, d256 = null, p128 = null, p256 = null, ci = null, ce = null,
                cd = null, cf = null;
        String version = null, arch = null;
        Throwable cause = null;
        try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup lib = SymbolLookup.libraryLookup("libIPSec_MB.so.1", Arena.global());
            MethodHandle versionFn = linker.downcallHandle(find(lib, "imb_get_version_str"), FunctionDescriptor.of(ADDRESS));
            version = ((MemorySegment) versionFn.invokeExact()).reinterpret(64).getString(0);
            if (!version.startsWith("1.")) {
                throw new UnsupportedOperationException("libIPSec_MB " + version + " is not the 1.x ABI this code knows");
            }
            MethodHandle alloc = linker.downcallHandle(find(lib, "alloc_mb_mgr"), FunctionDescriptor.of(ADDRESS, JAVA_LONG));
            MethodHandle initAuto = linker.downcallHandle(find(lib, "init_mb_mgr_auto"),
                    FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
            // One manager for the process: the direct API keeps no state in it, only the function table.
            MemorySegment mgr = ((MemorySegment) alloc.invokeExact(0L)).reinterpret(IMB_MGR_HEAD.byteSize());
            if (mgr.equals(MemorySegment.NULL)) {
                throw new OutOfMemoryError("alloc_mb_mgr");
            }
            MemorySegment archOut = Arena.global().allocate(JAVA_INT);
            initAuto.invokeExact(mgr, archOut);
            int errno = mgr.get(JAVA_INT, offset("imb_errno"));
            int a = archOut.get(JAVA_INT, 0);
            if (errno != 0 || a <= 1) {
                throw new UnsupportedOperationException("IPsec-MB found no AES-NI implementation for this CPU (arch "
                        + a + ", imb_errno " + errno + ")");
            }
            arch = a < ARCH_NAMES.length ? ARCH_NAMES[a] : "arch " + a;
            Linker.Option critical = Linker.Option.critical(false);
            e128 = linker.downcallHandle(pointer(mgr, "gcm128_enc"), GCM_ENC_DEC, critical);
            e256 = linker.downcallHandle(pointer(mgr, "gcm256_enc"), GCM_ENC_DEC, critical);
            d128 = linker.downcallHandle(pointer(mgr, "gcm128_dec"), GCM_ENC_DEC, critical);
            d256 = linker.downcallHandle(pointer(mgr, "gcm256_dec"), GCM_ENC_DEC, critical);
            p128 = linker.downcallHandle(pointer(mgr, "gcm128_pre"), GCM_PRE);
            p256 = linker.downcallHandle(pointer(mgr, "gcm256_pre"), GCM_PRE);
            ci = linker.downcallHandle(pointer(mgr, "chacha20_poly1305_init"), CHACHA_INIT, critical);
            ce = linker.downcallHandle(pointer(mgr, "chacha20_poly1305_enc_update"), CHACHA_UPDATE, critical);
            cd = linker.downcallHandle(pointer(mgr, "chacha20_poly1305_dec_update"), CHACHA_UPDATE, critical);
            cf = linker.downcallHandle(pointer(mgr, "chacha20_poly1305_finalize"), CHACHA_FINALIZE, critical);
        } catch (Throwable t) {
            cause = t instanceof IllegalArgumentException
                    ? new UnsupportedOperationException("libIPSec_MB.so.1 (Intel IPsec-MB) cannot be loaded: "
                            + t.getMessage() + " (Debian: apt-get install libipsec-mb1)", t)
                    : t;
        }
        GCM128_ENC = e128;
        GCM256_ENC = e256;
        GCM128_DEC = d128;
        GCM256_DEC = d256;
        GCM128_PRE = p128;
        GCM256_PRE = p256;
        CHACHA_INIT_FN = ci;
        CHACHA_ENC_UPDATE = ce;
        CHACHA_DEC_UPDATE = cd;
        CHACHA_FINALIZE_FN = cf;
        VERSION = version;
        ARCH = arch;
        UNAVAILABLE = cause;
    }

    private IpsecMb() {}

    private static StructLayout head() {
        List<MemoryLayout> fields = new ArrayList<>();
        fields.add(JAVA_LONG.withName("flags"));
        fields.add(JAVA_LONG.withName("features"));
        fields.add(MemoryLayout.sequenceLayout(5, JAVA_LONG).withName("reserved"));
        fields.add(JAVA_INT.withName("used_arch"));
        fields.add(JAVA_INT.withName("imb_errno"));
        for (String f : FUNCTION_TABLE) {
            fields.add(ADDRESS.withName(f));
        }
        return MemoryLayout.structLayout(fields.toArray(MemoryLayout[]::new)).withName("IMB_MGR");
    }

    private static long offset(String field) {
        return IMB_MGR_HEAD.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    private static MemorySegment pointer(MemorySegment mgr, String field) {
        MemorySegment p = mgr.get(ADDRESS, offset(field));
        if (p.equals(MemorySegment.NULL)) {
            throw new UnsupportedOperationException("IPsec-MB has no " + field + " for this CPU");
        }
        return p;
    }

    private static MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new UnsupportedOperationException("libIPSec_MB has no " + name));
    }
}
