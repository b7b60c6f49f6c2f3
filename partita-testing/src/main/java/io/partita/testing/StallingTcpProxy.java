package io.partita.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A TCP proxy for fault tests that forwards {@code 127.0.0.1:}{@link #port()} to a target and can
 * {@link #stall()}: while stalled it keeps every socket open but forwards nothing in either direction
 * and holds new connections unanswered, as a database behind a network partition or a hung switch
 * looks to its clients (no reset, no error, only silence until their own time-outs fire). {@link
 * #resume()} forwards again, including what was held back. Thread-safe.
 */
public final class StallingTcpProxy implements AutoCloseable {
    private final InetSocketAddress target;
    private final ServerSocket server;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition flowing = lock.newCondition();
    private volatile boolean stalled;
    private volatile boolean closed;

    /** Starts a proxy on an ephemeral loopback port to {@code host:port}. */
    public StallingTcpProxy(String host, int port) throws IOException {
        this.target = new InetSocketAddress(host, port);
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("stalling-proxy-accept").start(this::acceptLoop);
    }

    /** The loopback port clients connect to. */
    public int port() {
        return server.getLocalPort();
    }

    /** Stops forwarding (sockets stay open, nothing moves) until {@link #resume()}. */
    public void stall() {
        stalled = true;
    }

    /** Forwards again. */
    public void resume() {
        lock.lock();
        try {
            stalled = false;
            flowing.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the proxy is stalled. */
    public boolean isStalled() {
        return stalled;
    }

    private void awaitFlowing() throws InterruptedException {
        if (!stalled) {
            return;
        }
        lock.lock();
        try {
            while (stalled && !closed) {
                flowing.await();
            }
        } finally {
            lock.unlock();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                open.add(client);
                Thread.ofVirtual().start(() -> connect(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void connect(Socket client) {
        try {
            awaitFlowing(); // a stalled network answers no connection either
            Socket upstream = new Socket();
            upstream.connect(target, 2000);
            open.add(upstream);
            Thread.ofVirtual().start(() -> pump(client, upstream));
            pump(upstream, client);
        } catch (IOException | InterruptedException e) {
            closeQuietly(client);
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[16384];
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                awaitFlowing();
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // closed by either side
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        resume();
        server.close();
        for (Socket s : open) {
            closeQuietly(s);
        }
    }
}
