package org.diskcryptnet.origin.config;

import java.net.InetSocketAddress;

/** A {@code host:port} to listen on; {@code [v6]:port} for IPv6 literals. */
public record ListenAddress(String host, int port) {

    /** Parses {@code host:port}; returns null with the reason in {@code error[0]} when it is not one. */
    static ListenAddress parse(String text, String[] error) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            error[0] = "\"" + text + "\" is not host:port (or off)";
            return null;
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            error[0] = "\"" + text + "\": the port must be a number in 0..65535";
            return null;
        }
        return new ListenAddress(host, port);
    }

    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
