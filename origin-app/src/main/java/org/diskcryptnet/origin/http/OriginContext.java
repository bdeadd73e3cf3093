package org.diskcryptnet.origin.http;

import java.util.function.BooleanSupplier;

import org.diskcryptnet.origin.accesslog.AccessLog;
import org.diskcryptnet.origin.content.ContentRoot;
import org.diskcryptnet.origin.metrics.OriginMetrics;
import org.diskcryptnet.origin.storage.FileBodies;

/**
 * What every connection's handlers share, read-only: the content, how bodies are made, the limits,
 * and where exchanges are reported. {@code accessLog} is null when logging is off.
 */
public record OriginContext(
        ContentRoot content,
        FileBodies plainBodies,
        FileBodies encryptedBodies,
        Cors cors,
        OriginMetrics metrics,
        AccessLog accessLog,
        int maxTargetBytes,
        BooleanSupplier draining) {}
