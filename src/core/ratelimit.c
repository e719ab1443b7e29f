/* ratelimit.c — in-memory failure counter (see ratelimit.h). */
#include "ratelimit.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>

#include "timeutil.h"

#define RL_SLOTS 8192
#define RL_WAYS 4

struct rl_slot {
	uint64_t client;
	int64_t window_start;
	unsigned failures;
};

struct ratelimit {
	pthread_mutex_t lock;
	unsigned limit, window_s;
	unsigned char key[crypto_shorthash_KEYBYTES];
	struct rl_slot slots[RL_SLOTS];
};

struct ratelimit *ratelimit_new(unsigned limit, unsigned window_s)
{
	struct ratelimit *rl = calloc(1, sizeof *rl);
	if (!rl)
		return NULL;
	pthread_mutex_init(&rl->lock, NULL);
	rl->limit = limit;
	rl->window_s = window_s;
	crypto_shorthash_keygen(rl->key);
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->lock);
	sodium_memzero(rl->key, sizeof rl->key);
	free(rl);
}

uint64_t ratelimit_key(const struct ratelimit *rl, const void *addr, size_t len)
{
	unsigned char h[crypto_shorthash_BYTES];
	crypto_shorthash(h, addr, len, rl->key);
	uint64_t k = 0;
	for (int i = 0; i < 8; i++)
		k = (k << 8) | h[i];
	return k | 1; /* 0 marks a free slot */
}

/* The slot for client, or, when create, a free or the oldest one in its set. */
static struct rl_slot *rl_find(struct ratelimit *rl, uint64_t client, int64_t now, bool create)
{
	size_t base = (size_t)(client % (RL_SLOTS / RL_WAYS)) * RL_WAYS;
	struct rl_slot *oldest = &rl->slots[base];
	for (size_t i = base; i < base + RL_WAYS; i++) {
		struct rl_slot *s = &rl->slots[i];
		if (s->client == client) {
			if (now - s->window_start >= rl->window_s) {
				s->window_start = now;
				s->failures = 0;
			}
			return s;
		}
		if (s->window_start < oldest->window_start || !s->client)
			oldest = s;
	}
	if (!create)
		return NULL;
	oldest->client = client;
	oldest->window_start = now;
	oldest->failures = 0;
	return oldest;
}

bool ratelimit_blocked(struct ratelimit *rl, uint64_t client, unsigned *retry_after_s)
{
	int64_t now = time_mono_s();
	pthread_mutex_lock(&rl->lock);
	struct rl_slot *s = rl_find(rl, client, now, false);
	bool blocked = s && s->failures >= rl->limit;
	if (blocked && retry_after_s) {
		int64_t left = s->window_start + rl->window_s - now;
		*retry_after_s = left > 0 ? (unsigned)left : 1;
	}
	pthread_mutex_unlock(&rl->lock);
	return blocked;
}

void ratelimit_fail(struct ratelimit *rl, uint64_t client)
{
	int64_t now = time_mono_s();
	pthread_mutex_lock(&rl->lock);
	struct rl_slot *s = rl_find(rl, client, now, true);
	if (s->failures < UINT32_MAX)
		s->failures++;
	pthread_mutex_unlock(&rl->lock);
}
