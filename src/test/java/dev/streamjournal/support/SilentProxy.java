package dev.streamjournal.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * A loopback TCP proxy whose open connections can be made to go silent: {@link #silence()} stops
 * forwarding on every connection open at that moment, without closing anything, as a network that
 * drops packets does. Connections made later are forwarded normally.
 */
public final class SilentProxy implements AutoCloseable {

    private final ServerSocket server;
    private final Supplier<Integer> target;
    private final List<Link> links = new CopyOnWriteArrayList<>();

    private final class Link {
        volatile boolean silent;
        final Socket client;
        final Socket upstream;

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }
    }

    /** @param targetPort the port to forward to on 127.0.0.1, asked at each new connection */
    public SilentProxy(Supplier<Integer> targetPort) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.target = targetPort;
        Thread acceptor = new Thread(this::accept, "silent-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Every connection open now stops forwarding in both directions (and stays open). */
    public void silence() {
        links.forEach(link -> link.silent = true);
    }

    public int openConnections() {
        return (int) links.stream().filter(link -> !link.client.isClosed()).count();
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                continue; // closed
            }
            try {
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target.get());
                Link link = new Link(client, upstream);
                links.add(link);
                pump(link, client, upstream);
                pump(link, upstream, client);
            } catch (IOException e) {
                // the target refused: so does the front, as a Service without endpoints does
                closeQuietly(client);
            }
        }
    }

    private void pump(Link link, Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    if (!link.silent) {
                        out.write(buffer, 0, read);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // one side went away
            } finally {
                closeQuietly(link.client);
                closeQuietly(link.upstream);
            }
        }, "silent-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        links.forEach(link -> {
            closeQuietly(link.client);
            closeQuietly(link.upstream);
        });
    }
}
