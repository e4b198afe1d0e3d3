package com.escrowplatform.realtime.escrow;

import static com.escrowplatform.realtime.escrow.EscrowAction.CANCEL;
import static com.escrowplatform.realtime.escrow.EscrowAction.FILE_DISPUTE;
import static com.escrowplatform.realtime.escrow.EscrowAction.FUND;
import static com.escrowplatform.realtime.escrow.EscrowAction.JOIN;
import static com.escrowplatform.realtime.escrow.EscrowAction.RELEASE_MILESTONE;
import static com.escrowplatform.realtime.escrow.EscrowAction.RESOLVE_DISPUTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.escrowplatform.realtime.escrow.EscrowStateMachine.TransitionNotAllowedException;

/** Every status × every action: allowed, or a 409 that names both. */
class EscrowStateMachineTest {

    /** The contract's table (CONTRACT 2), written out independently of the implementation. */
    private static final Map<EscrowStatus, Set<EscrowAction>> EXPECTED = Map.of(
            EscrowStatus.PENDING, EnumSet.of(JOIN, CANCEL),
            EscrowStatus.ACTIVE, EnumSet.of(FUND, CANCEL),
            EscrowStatus.FUNDED, EnumSet.of(RELEASE_MILESTONE, FILE_DISPUTE),
            EscrowStatus.DISPUTED, EnumSet.of(RESOLVE_DISPUTE),
            EscrowStatus.COMPLETED, EnumSet.noneOf(EscrowAction.class),
            EscrowStatus.REFUNDED, EnumSet.noneOf(EscrowAction.class),
            EscrowStatus.CANCELLED, EnumSet.noneOf(EscrowAction.class));

    static Stream<Arguments> everyStatusAndAction() {
        return Stream.of(EscrowStatus.values())
                .flatMap(status -> Stream.of(EscrowAction.values()).map(action -> Arguments.of(status, action)));
    }

    @ParameterizedTest(name = "{0} × {1}")
    @MethodSource("everyStatusAndAction")
    void shouldAllowExactlyTheContractsActionsInEachStatus(EscrowStatus status, EscrowAction action) {
        boolean expected = EXPECTED.get(status).contains(action);
        assertThat(EscrowStateMachine.allows(status, action)).isEqualTo(expected);
        if (expected) {
            assertThatCode(() -> EscrowStateMachine.require(status, action)).doesNotThrowAnyException();
        } else {
            assertThatThrownBy(() -> EscrowStateMachine.require(status, action))
                    .isInstanceOf(TransitionNotAllowedException.class)
                    .hasMessageContaining(status.name())
                    .hasMessageContaining(action.wireName());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("finalStatuses")
    void shouldAllowNothingInAFinalStatus(EscrowStatus status) {
        for (EscrowAction action : EscrowAction.values()) {
            assertThat(EscrowStateMachine.allows(status, action)).isFalse();
        }
    }

    static Stream<EscrowStatus> finalStatuses() {
        return Stream.of(EscrowStatus.COMPLETED, EscrowStatus.REFUNDED, EscrowStatus.CANCELLED);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("contractTransitions")
    void shouldPermitEveryTransitionTheContractNames(EscrowStatus from, EscrowStatus to) {
        assertThat(EscrowStateMachine.transition(from, to)).isEqualTo(to);
    }

    static Stream<Arguments> contractTransitions() {
        return Stream.of(
                Arguments.of(EscrowStatus.PENDING, EscrowStatus.ACTIVE),
                Arguments.of(EscrowStatus.PENDING, EscrowStatus.CANCELLED),
                Arguments.of(EscrowStatus.ACTIVE, EscrowStatus.FUNDED),
                Arguments.of(EscrowStatus.ACTIVE, EscrowStatus.CANCELLED),
                Arguments.of(EscrowStatus.FUNDED, EscrowStatus.COMPLETED),
                Arguments.of(EscrowStatus.FUNDED, EscrowStatus.DISPUTED),
                Arguments.of(EscrowStatus.DISPUTED, EscrowStatus.COMPLETED),
                Arguments.of(EscrowStatus.DISPUTED, EscrowStatus.REFUNDED));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("inventedTransitions")
    void shouldRefuseATransitionTheContractDoesNotName(EscrowStatus from, EscrowStatus to) {
        assertThatThrownBy(() -> EscrowStateMachine.transition(from, to)).isInstanceOf(IllegalStateException.class);
    }

    static Stream<Arguments> inventedTransitions() {
        return Stream.of(
                Arguments.of(EscrowStatus.PENDING, EscrowStatus.FUNDED),
                Arguments.of(EscrowStatus.ACTIVE, EscrowStatus.COMPLETED),
                Arguments.of(EscrowStatus.FUNDED, EscrowStatus.CANCELLED),
                Arguments.of(EscrowStatus.DISPUTED, EscrowStatus.FUNDED),
                Arguments.of(EscrowStatus.COMPLETED, EscrowStatus.REFUNDED),
                Arguments.of(EscrowStatus.CANCELLED, EscrowStatus.ACTIVE));
    }
}
