package com.escrowplatform.realtime.notification;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * Serves the notification-center page at {@code /notification-center/} (src/main/resources/notification-center,
 * with the official Socket.IO browser client the build fetches from the npm registry). On in dev and test;
 * in prod only with {@code escrow.notification-center.enabled=true}.
 */
@ApplicationScoped
public class NotificationCenterPage {
    public static final String PATH = "/notification-center";

    void routes(@Observes Router router,
            @ConfigProperty(name = "escrow.notification-center.enabled", defaultValue = "false") boolean enabled) {
        if (!enabled) {
            return;
        }
        // exact match: Vert.x would also match the trailing-slash form with a plain route, and loop
        router.routeWithRegex("^" + PATH + "$").handler(context -> context.redirect(PATH + "/"));
        router.route(PATH + "/*").handler(StaticHandler.create("notification-center").setCachingEnabled(false));
    }
}
