package com.escrowplatform.realtime;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.escrowplatform.realtime.notification.NotificationCenterPage;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;

/**
 * Answers {@code GET /} with a small page naming the service's endpoints, in every profile, so that its address
 * opened in a browser says where to go instead of 404. It routes the root path only; every other path stays
 * with its owner.
 */
@ApplicationScoped
public class IndexPage {

    void routes(@Observes Router router,
            @ConfigProperty(name = "escrow.notification-center.enabled", defaultValue = "false") boolean notificationCenter) {
        String page = page(notificationCenter);
        router.route("/").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(context -> context.response()
                .putHeader("content-type", "text/html; charset=utf-8")
                .end(page));
    }

    private static String page(boolean notificationCenter) {
        String center = notificationCenter
                ? "<li>Notification center (sign in with a token): <a href=\"" + NotificationCenterPage.PATH + "/\">"
                        + NotificationCenterPage.PATH + "/</a></li>\n"
                : "";
        return """
                <!doctype html>
                <html lang="en">
                <head><meta charset="utf-8"><title>escrow-realtime</title></head>
                <body>
                <h1>escrow-realtime</h1>
                <p>Escrows over REST; every change pushed to the parties over WebSocket.</p>
                <ul>
                <li>REST under <code>/api</code> (e.g. <code>/api/escrows</code>, with a bearer token), described at
                <a href="/q/openapi">/q/openapi</a></li>
                <li>WebSocket, native JSON protocol: <code>/ws</code></li>
                <li>Socket.IO (Engine.IO v4, Socket.IO v5): <code>/socket.io/</code></li>
                %s<li>Health: <a href="/q/health/live">/q/health/live</a>, <a href="/q/health/ready">/q/health/ready</a></li>
                <li>Metrics (Prometheus): <a href="/q/metrics">/q/metrics</a></li>
                </ul>
                </body>
                </html>
                """.formatted(center);
    }
}
