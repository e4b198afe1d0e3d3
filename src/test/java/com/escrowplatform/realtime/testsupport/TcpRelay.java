package com.escrowplatform.realtime.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on a loopback port in front of a server, for tests of what the application does when its link to
 * that server fails. It can reset every open connection at once (both ends see a reset, as when a network path
 * dies), refuse new connections and accept them again, slow every chunk down, stall (stop reading from the server,
 * then from both sides, as a client that stops reading and then a link that goes dark), and hold a connection's
 * traffic from a chosen point on, so that a test knows a request is in flight at that point when it resets the link.
 *
 * <p>Held bytes are never forwarded: a held connection stays held until it is reset. Two threads per connection
 * (one per direction) and one accepting; {@link #close()} ends them all.
 */
public final class TcpRelay implements AutoCloseable {
    private static final byte[] ANY = new byte[0];

    private final Supplier<InetSocketAddress> target;
    private final int port;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket listener;
    private volatile boolean closed;
    private volatile long delayMillis;
    /** Whether the relay stops reading what the server sends (the client reads no more). */
    private volatile boolean serverStalled;
    /** Whether the relay stops reading what the client sends too: a blackhole, no byte and no reset either way. */
    private volatile boolean clientStalled;
    private final Object stallChanged = new Object();
    /** Client bytes are held from the chunk that contains this marker on; null: none are. */
    private volatile byte[] holdClientFrom;
    /** The chunk that contains this marker is forwarded, then what the server answers is held; null: nothing is. */
    private volatile byte[] holdServerAfter;

    private TcpRelay(Supplier<InetSocketAddress> target) throws IOException {
        this.target = target;
        ServerSocket first = new ServerSocket();
        first.setReuseAddress(true);
        first.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.port = first.getLocalPort();
        listen(first);
    }

    /** A relay on a free loopback port that forwards to {@code target}. */
    public static TcpRelay to(InetSocketAddress target) {
        return to(() -> target);
    }

    /** A relay on a free loopback port that forwards each new connection to where {@code target} says then. */
    public static TcpRelay to(Supplier<InetSocketAddress> target) {
        try {
            return new TcpRelay(target);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a relay to " + target, e);
        }
    }

    public int port() {
        return port;
    }

    /** Connections open through the relay now. */
    public int openConnections() {
        return links.size();
    }

    /** Open connections whose traffic is held in one direction or the other. */
    public int heldConnections() {
        return (int) links.stream().filter(link -> link.clientHeld || link.serverHeld).count();
    }

    /** Every chunk waits {@code delay} before it is forwarded, in both directions (order is kept). */
    public void delayEachChunk(Duration delay) {
        delayMillis = delay.toMillis();
    }

    /**
     * From now on the relay reads nothing more from the servers, on every connection: the client looks like one that
     * stopped reading, so what the server sends backs up in the socket buffers and then in the server.
     */
    public void stallServerBytes() {
        setStalls(true, clientStalled);
    }

    /** From now on nothing moves either way and nothing is reset: a link that went dark. */
    public void blackhole() {
        setStalls(true, true);
    }

    /** Stalled connections move again (those a peer gave up on meanwhile end as it left them). */
    public void unstall() {
        setStalls(false, false);
    }

    private void setStalls(boolean server, boolean client) {
        synchronized (stallChanged) {
            serverStalled = server;
            clientStalled = client;
            stallChanged.notifyAll();
        }
    }

    /** Blocks the pump of one direction while that direction is stalled. */
    private void awaitUnstalled(boolean fromClient) throws InterruptedException {
        synchronized (stallChanged) {
            while (fromClient ? clientStalled : serverStalled) {
                stallChanged.wait();
            }
        }
    }

    /** From now on every client byte is held, on every connection, open or new. */
    public void holdEveryClientByte() {
        holdClientFrom = ANY;
    }

    /** On each connection, the client's bytes are held from the first chunk that contains {@code marker} on. */
    public void holdClientBytesFrom(byte[] marker) {
        holdClientFrom = marker.clone();
    }

    /**
     * On each connection, the first client chunk that contains {@code marker} still reaches the server; from then on
     * what the server answers is held: the server did the work, the client never hears of it.
     */
    public void holdServerBytesAfter(byte[] marker) {
        holdServerAfter = marker.clone();
    }

    /** No further traffic is held (connections held already stay held until they are reset); no delay. */
    public void forwardEverything() {
        holdClientFrom = null;
        holdServerAfter = null;
        delayMillis = 0;
    }

    /** Resets both ends of every open connection at once (a TCP RST each way); returns how many there were. */
    public int resetAll() {
        List<Link> open = List.copyOf(links);
        open.forEach(Link::reset);
        return open.size();
    }

    /** New connections are refused (nothing listens on the port) until {@link #acceptNewConnections()}. */
    public synchronized void refuseNewConnections() {
        ServerSocket current = listener;
        listener = null;
        if (current != null) {
            closeQuietly(current);
        }
    }

    /** Listens again on the same port. */
    public synchronized void acceptNewConnections() {
        if (listener != null || closed) {
            return;
        }
        try {
            ServerSocket again = new ServerSocket();
            again.setReuseAddress(true);
            again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            listen(again);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on port " + port + " again", e);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        refuseNewConnections();
        resetAll();
        unstall(); // the pumps of stalled connections wake, find their sockets reset and end
    }

    private void listen(ServerSocket socket) {
        listener = socket;
        Thread acceptor = new Thread(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket client = socket.accept();
                    open(client);
                } catch (IOException e) {
                    // closed by refuseNewConnections() or close()
                }
            }
        }, "tcp-relay-accept-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void open(Socket client) {
        Socket server = new Socket();
        try {
            client.setTcpNoDelay(true);
            server.setTcpNoDelay(true);
            server.connect(target.get(), 5_000);
        } catch (IOException e) {
            closeQuietly(server);
            Link.resetQuietly(client);
            return;
        }
        Link link = new Link(client, server);
        links.add(link);
        link.start();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // already gone
        }
    }

    /** One relayed connection: the client's socket and ours to the server. */
    private final class Link {
        private final Socket client;
        private final Socket server;
        private volatile boolean clientHeld;
        private volatile boolean serverHeld;
        private final AtomicInteger pumpsEnded = new AtomicInteger();

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void start() {
            Thread up = new Thread(() -> pump(client, server, true), "tcp-relay-up-" + client.getPort());
            Thread down = new Thread(() -> pump(server, client, false), "tcp-relay-down-" + client.getPort());
            up.setDaemon(true);
            down.setDaemon(true);
            up.start();
            down.start();
        }

        private void pump(Socket from, Socket to, boolean fromClient) {
            byte[] buffer = new byte[16 * 1024];
            byte[] tail = new byte[0]; // the end of the previous chunk, for a marker split over two chunks
            try {
                // not closed here: closing a socket's stream closes the socket, and the other direction may go on
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int read;
                while (true) {
                    awaitUnstalled(fromClient);
                    read = in.read(buffer);
                    if (read == -1) {
                        break;
                    }
                    awaitUnstalled(fromClient); // a stall that began while the read waited holds this chunk too
                    byte[] chunk = Arrays.copyOf(buffer, read);
                    byte[] seen = concat(tail, chunk);
                    int fromTail = tail.length;
                    tail = Arrays.copyOfRange(seen, Math.max(0, seen.length - 64), seen.length);
                    if (fromClient) {
                        byte[] holdFrom = holdClientFrom;
                        if (clientHeld || holdFrom != null && endsIn(seen, holdFrom, fromTail)) {
                            clientHeld = true;
                            continue;
                        }
                        byte[] holdAfter = holdServerAfter;
                        if (holdAfter != null && endsIn(seen, holdAfter, fromTail)) {
                            serverHeld = true; // before the server can answer this chunk
                        }
                    } else if (serverHeld) {
                        continue;
                    }
                    long delay = delayMillis;
                    if (delay > 0) {
                        Thread.sleep(delay); // a slow link is the fault modelled here
                    }
                    out.write(chunk);
                    out.flush();
                }
                // an orderly close on one side is passed on as one
                to.shutdownOutput();
                if (pumpsEnded.incrementAndGet() == 2) {
                    links.remove(this);
                    closeQuietly(client);
                    closeQuietly(server);
                }
            } catch (IOException | InterruptedException e) {
                reset();
            }
        }

        void reset() {
            links.remove(this);
            resetQuietly(client);
            resetQuietly(server);
        }

        static void resetQuietly(Socket socket) {
            try {
                socket.setSoLinger(true, 0); // close with RST, not FIN
            } catch (SocketException alreadyClosed) {
                // nothing to reset
            }
            closeQuietly(socket);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** Whether {@code needle} occurs in {@code haystack} and ends past its first {@code seenBefore} bytes. */
    private static boolean endsIn(byte[] haystack, byte[] needle, int seenBefore) {
        if (needle.length == 0) {
            return true;
        }
        outer:
        for (int i = Math.max(0, seenBefore - needle.length + 1); i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
