package com.escrowplatform.realtime.testsupport;

import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A fresh PostgreSQL database on this machine's server (127.0.0.1:5432, trust auth) for one test JVM,
 * dropped at the end: every run starts from an empty schema that Flyway migrates.
 */
public final class TestDatabase {
    static final String HOST = System.getProperty("escrow.test.pg.host", "127.0.0.1:5432");
    static final String USER = System.getProperty("escrow.test.pg.user", "postgres");

    private final String name;

    private TestDatabase(String name) {
        this.name = name;
    }

    public static TestDatabase create() {
        TestDatabase database = new TestDatabase("escrow_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
        database.admin("create database " + database.name);
        return database;
    }

    /** The PostgreSQL server the test databases live on. */
    public static InetSocketAddress server() {
        String[] hostAndPort = HOST.split(":");
        return new InetSocketAddress(hostAndPort[0], Integer.parseInt(hostAndPort[1]));
    }

    /** A user that may connect to every database of {@link #server()}, {@code postgres} among them. */
    public static String serverUser() {
        return USER;
    }

    public String name() {
        return name;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + HOST + "/" + name;
    }

    public String reactiveUrl() {
        return "postgresql://" + HOST + "/" + name;
    }

    public String user() {
        return USER;
    }

    public void drop() {
        admin("drop database if exists " + name + " with (force)");
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, "");
    }

    private static void admin(String sql) {
        try (Connection connection = DriverManager.getConnection("jdbc:postgresql://" + HOST + "/postgres", USER, "");
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + HOST + " (is it running?): " + sql, e);
        }
    }
}
