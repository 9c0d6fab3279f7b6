/*
 * worker - a well-behaved process to run beside misbehaving ones: @arg rounds (default 4)
 * of filling a 256 KiB heap buffer from a fixed pseudo-random sequence and checksumming
 * it (FNV-1a, 64 bit), sleeping 20 ms between rounds so that others run meanwhile.
 * Exit status 0 when every round gives WORKER_EXPECTED, else 1.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

#define WORKER_BYTES (256u << 10)
#define WORKER_SEED 0x9E3779B97F4A7C15UL
/* The checksum of one round, computed on the host with the same code. */
#define WORKER_EXPECTED 0xadcbb62afaea6adaUL

/* fill - xorshift64 from WORKER_SEED, 8 bytes at a time. */
static void fill(uint64_t *buf, size_t nwords)
{
	uint64_t x = WORKER_SEED;
	for (size_t i = 0; i < nwords; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = x;
	}
}

/* checksum - FNV-1a over the bytes of @buf. */
static uint64_t checksum(const unsigned char *buf, size_t nbytes)
{
	uint64_t h = 0xcbf29ce484222325UL;
	for (size_t i = 0; i < nbytes; i++) {
		h ^= buf[i];
		h *= 0x100000001b3UL;
	}
	return h;
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	if (arg_number(arg, info, &arg) < 0)
		return 2;
	uint64_t rounds = arg ? arg : 4;
	uint64_t *buf = malloc(WORKER_BYTES);
	if (!buf) {
		printf("FAIL worker: malloc of %u bytes refused\n", WORKER_BYTES);
		return 1;
	}
	int bad = 0;
	for (uint64_t r = 0; r < rounds; r++) {
		memset(buf, 0, WORKER_BYTES);
		fill(buf, WORKER_BYTES / sizeof(uint64_t));
		uint64_t sum = checksum((const unsigned char *)buf, WORKER_BYTES);
		int ok = sum == WORKER_EXPECTED;
		printf("%s - worker pid %lu round %lu: checksum %#lx expected %#lx\n",
		       ok ? "ok" : "not ok", info->pid, r, sum, WORKER_EXPECTED);
		bad += !ok;
		sleep_ms(20);
	}
	free(buf);
	if (bad) {
		printf("FAIL worker: %d of %lu rounds wrong\n", bad, rounds);
		return 1;
	}
	printf("PASS worker\n");
	return 0;
}
