package com.escrowplatform.realtime.gateway.ws;

import jakarta.enterprise.context.ApplicationScoped;

import com.escrowplatform.realtime.gateway.GatewayConfig;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.quarkus.websockets.next.UserData.TypedKey;
import io.smallrye.mutiny.Uni;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Every WebSocket's Netty channel, both endpoints, as of its upgrade:
 * <ul>
 * <li>kept in the connection's user data ({@link #KEY}), for the {@link FrameWriter} that writes the socket's text
 * frames;</li>
 * <li>its kernel send buffer fixed ({@link GatewayConfig#socketSendBufferBytes()}), so that the outbound budget
 * ({@code max-outbound-bytes}) bounds what a slow reader costs, instead of the kernel's autotuning adding up to 4 MiB
 * more per socket, in memory that every connection of the host shares. Plain HTTP requests keep the kernel's
 * default.</li>
 * </ul>
 * WebSockets are upgraded from HTTP/1.1 connections only; any other upgrade is refused with 400.
 */
@ApplicationScoped
public class UpgradedChannel implements HttpUpgradeCheck {
    public static final TypedKey<Channel> KEY = new TypedKey<>("escrow.channel");

    private final int sendBufferBytes;

    public UpgradedChannel(GatewayConfig config) {
        this.sendBufferBytes = config.socketSendBufferBytes();
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        if (!(context.httpRequest().connection() instanceof ConnectionBase connection)) {
            return CheckResult.rejectUpgrade(400);
        }
        Channel channel = connection.channel();
        channel.config().setOption(ChannelOption.SO_SNDBUF, sendBufferBytes); // a setsockopt: safe from any thread
        context.userData().put(KEY, channel);
        return CheckResult.permitUpgrade();
    }
}
