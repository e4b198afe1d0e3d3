package com.escrowplatform.realtime.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;

/**
 * An integration test that runs with no other test on the machine: it holds host-wide figures or recovery times
 * to bounds (the kernel's TCP memory, faults timed against recovery) that tests in another JVM would disturb. The
 * build runs the other integration tests three JVMs at a time, then these one by one (pom.xml, Failsafe's
 * {@value #TAG} execution).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(RunsAlone.TAG)
public @interface RunsAlone {
    String TAG = "alone";
}
