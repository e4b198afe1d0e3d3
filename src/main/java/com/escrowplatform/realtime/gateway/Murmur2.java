package com.escrowplatform.realtime.gateway;

/**
 * MurmurHash2 (32-bit) with the seed Kafka's default partitioner uses, so the gateway can tell which
 * partition a key's records were produced to without asking Kafka.
 */
final class Murmur2 {

    private static final int SEED = 0x9747b28c;
    private static final int M = 0x5bd1e995;

    private Murmur2() {
    }

    static int hash(byte[] data) {
        int h = SEED ^ data.length;
        int blocks = data.length / 4;
        for (int block = 0; block < blocks; block++) {
            int at = block * 4;
            int k = (data[at] & 0xff) | (data[at + 1] & 0xff) << 8 | (data[at + 2] & 0xff) << 16 | (data[at + 3] & 0xff) << 24;
            k *= M;
            k ^= k >>> 24;
            k *= M;
            h = h * M ^ k;
        }
        int tail = blocks * 4;
        int remaining = data.length - tail;
        if (remaining > 0) {
            if (remaining == 3) {
                h ^= (data[tail + 2] & 0xff) << 16;
            }
            if (remaining >= 2) {
                h ^= (data[tail + 1] & 0xff) << 8;
            }
            h ^= data[tail] & 0xff;
            h *= M;
        }
        h ^= h >>> 13;
        h *= M;
        h ^= h >>> 15;
        return h;
    }

    /** The partition Kafka's default partitioner picks for a keyed record. */
    static int partitionFor(byte[] key, int partitionCount) {
        return (hash(key) & 0x7fffffff) % partitionCount;
    }
}
