package com.escrowplatform.realtime.gateway.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class VarintsTest {

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, Integer.MAX_VALUE,
            1L << 35, (1L << 56) - 1, 1L << 56, (1L << 63) - 1, Long.MIN_VALUE, -1})
    void shouldReadBackWhatItWrote(long value) {
        byte[] buffer = new byte[Varints.MAX_BYTES + 2];
        buffer[0] = 42; // bytes around the varint are left alone

        int end = Varints.write(buffer, 1, value);

        assertThat(end - 1).isEqualTo(Varints.size(value));
        assertThat(Varints.read(buffer, 1, end, Varints.MAX_BYTES)).isEqualTo(value);
        assertThat(buffer[0]).isEqualTo((byte) 42);
    }

    // the size steps up exactly where another seven bits are needed
    @ParameterizedTest
    @CsvSource({
        "0, 1", "127, 1", "128, 2", "16383, 2", "16384, 3", "2147483647, 5", "34359738367, 5", "34359738368, 6",
        "9223372036854775807, 9", "-1, 10",
    })
    void shouldTakeOneByteForEverySevenBits(long value, int bytes) {
        assertThat(Varints.size(value)).isEqualTo(bytes);
    }

    @Test
    void shouldWriteTheLeastSignificantGroupFirst() {
        byte[] buffer = new byte[2];

        Varints.write(buffer, 0, 300);

        assertThat(buffer).containsExactly(0xAC - 256, 0x02);
    }

    @Test
    void shouldReadOneVarintAfterAnother() {
        byte[] buffer = new byte[2 * Varints.MAX_BYTES];
        int end = Varints.write(buffer, Varints.write(buffer, 0, 300), 5);

        long first = Varints.read(buffer, 0, end, Varints.MAX_BYTES);
        long second = Varints.read(buffer, Varints.size(first), end, Varints.MAX_BYTES);

        assertThat(first).isEqualTo(300);
        assertThat(second).isEqualTo(5);
    }

    @Test
    void shouldRefuseAVarintCutOffByTheEnd() {
        byte[] buffer = new byte[Varints.MAX_BYTES];
        int end = Varints.write(buffer, 0, 1L << 40);

        for (int cut = 0; cut < end; cut++) {
            int at = cut;
            assertThatThrownBy(() -> Varints.read(buffer, 0, at, Varints.MAX_BYTES))
                    .as("cut after %d bytes", cut)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
        }
    }

    @Test
    void shouldRefuseAVarintLongerThanTheCallerAllows() {
        byte[] buffer = new byte[Varints.MAX_BYTES];
        int end = Varints.write(buffer, 0, 1L << 35); // six bytes

        assertThat(Varints.read(buffer, 0, end, 6)).isEqualTo(1L << 35);
        assertThatThrownBy(() -> Varints.read(buffer, 0, end, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("longer than 5");
    }

    @Test
    void shouldRefuseASpellingThatIsNotTheShortest() {
        byte[] oneWithAZeroGroup = {(byte) 0x81, 0x00};

        assertThatThrownBy(() -> Varints.read(oneWithAZeroGroup, 0, 2, Varints.MAX_BYTES))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shortest");
    }

    @Test
    void shouldRefuseMoreThanSixtyFourBits() {
        byte[] tooBig = new byte[Varints.MAX_BYTES];
        Arrays.fill(tooBig, (byte) 0xFF);
        tooBig[Varints.MAX_BYTES - 1] = 0x02; // bit 64

        assertThatThrownBy(() -> Varints.read(tooBig, 0, tooBig.length, Varints.MAX_BYTES))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64 bits");
    }

    @Test
    void shouldRefuseEndlessContinuationBytes() {
        byte[] neverEnds = new byte[Varints.MAX_BYTES + 5];
        Arrays.fill(neverEnds, (byte) 0x80);

        assertThatThrownBy(() -> Varints.read(neverEnds, 0, neverEnds.length, 9))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("longer than 9");
    }
}
