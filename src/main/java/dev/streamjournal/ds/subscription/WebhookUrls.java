package dev.streamjournal.ds.subscription;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where webhooks may go (server-side request forgery): {@code https://} to a public host, or, where the
 * deployment allows it for development, {@code http://localhost} and {@code http://127.x.x.x}. A URL is
 * checked as written when a subscription is created, and its resolved addresses before every delivery
 * (a public name that resolves to a private address is refused too).
 */
final class WebhookUrls {

    private static final Pattern LOOPBACK_V4 = Pattern.compile("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");

    private WebhookUrls() {
    }

    /** Why a webhook URL is refused, or null when it may be used. */
    static String rejection(String url, boolean allowLoopbackHttp) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return "webhook.url must be a valid URL";
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        if (host.isEmpty() || uri.getRawUserInfo() != null) {
            return "webhook.url must name a host, without user information";
        }
        if (scheme.equals("http")) {
            return allowLoopbackHttp && loopbackName(host) ? null
                    : allowLoopbackHttp ? "http webhook URLs are only allowed for localhost or 127.0.0.x"
                    : "webhook.url must use https";
        }
        if (!scheme.equals("https")) {
            return "webhook.url must use https";
        }
        if (host.equals("localhost") || host.endsWith(".localhost")) {
            return "webhook.url must not target the local host";
        }
        if (host.startsWith("[") || IPV4.matcher(host).matches()) {
            try {
                if (!isPublic(InetAddress.getByName(host.replace("[", "").replace("]", "")))) {
                    return "webhook.url must not target private, loopback or link-local addresses";
                }
            } catch (java.net.UnknownHostException e) {
                return "webhook.url must be a valid URL";
            }
        }
        return null;
    }

    /** Whether a resolved address may receive a webhook of a URL that passed {@link #rejection}. */
    static boolean mayReceive(InetAddress address, String host, boolean allowLoopbackHttp) {
        if (allowLoopbackHttp && loopbackName(host.toLowerCase(Locale.ROOT))) {
            return address.isLoopbackAddress();
        }
        return isPublic(address);
    }

    private static boolean loopbackName(String host) {
        return host.equals("localhost") || LOOPBACK_V4.matcher(host).matches();
    }

    static boolean isPublic(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            int a = bytes[0] & 0xff;
            int b = bytes[1] & 0xff;
            // 0/8, 100.64/10 (carrier-grade NAT), 192.0.0/24, 198.18/15 (benchmarks), 240/4
            return a != 0 && !(a == 100 && b >= 64 && b <= 127) && !(a == 192 && b == 0 && (bytes[2] & 0xff) == 0)
                    && !(a == 198 && (b == 18 || b == 19)) && a < 240;
        }
        if (address instanceof Inet6Address) {
            Inet4Address embedded = embeddedV4(bytes);
            // fc00::/7 (unique local), 64:ff9b:1::/48 (local-use NAT64, which may embed an IPv4 address at
            // any of several prefix lengths); an IPv4 address inside an IPv6 one is judged as itself
            boolean localNat64 = bytes[0] == 0 && bytes[1] == 0x64 && (bytes[2] & 0xff) == 0xff && (bytes[3] & 0xff) == 0x9b
                    && bytes[4] == 0 && bytes[5] == 1;
            return (bytes[0] & 0xfe) != 0xfc && !localNat64 && (embedded == null || isPublic(embedded));
        }
        return true;
    }

    /**
     * The IPv4 address an IPv6 address carries, where the IPv6 address leads to it: IPv4-compatible
     * ({@code ::a.b.c.d}), NAT64 ({@code 64:ff9b::/96}), 6to4
     * ({@code 2002:AABB:CCDD::/48}) and Teredo ({@code 2001:0::/32}, the client's address inverted). The
     * JDK already turns IPv4-mapped addresses ({@code ::ffff:a.b.c.d}) into {@link Inet4Address}.
     */
    private static Inet4Address embeddedV4(byte[] v6) {
        int[] word = new int[8];
        for (int i = 0; i < 8; i++) {
            word[i] = (v6[2 * i] & 0xff) << 8 | v6[2 * i + 1] & 0xff;
        }
        boolean compatible = word[0] == 0 && word[1] == 0 && word[2] == 0 && word[3] == 0 && word[4] == 0 && word[5] == 0
                && (word[6] != 0 || word[7] > 1);
        boolean nat64 = word[0] == 0x64 && word[1] == 0xff9b && word[2] == 0 && word[3] == 0 && word[4] == 0 && word[5] == 0;
        if (compatible || nat64) {
            return v4(v6[12], v6[13], v6[14], v6[15]);
        }
        if (word[0] == 0x2002) {
            return v4(v6[2], v6[3], v6[4], v6[5]);
        }
        if (word[0] == 0x2001 && word[1] == 0) {
            return v4((byte) ~v6[12], (byte) ~v6[13], (byte) ~v6[14], (byte) ~v6[15]);
        }
        return null;
    }

    private static Inet4Address v4(byte a, byte b, byte c, byte d) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {a, b, c, d});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
