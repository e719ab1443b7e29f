/* ratelimit.h — counts failed receipt look-ups per client, in memory only.
 *
 * A client is known by a keyed hash (SipHash, key made at start and never
 * stored) of its address; the address itself is neither kept nor written
 * anywhere. A fixed table of slots bounds memory; when it is full the
 * oldest window is reused. Thread-safe. */
#ifndef HL_RATELIMIT_H
#define HL_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ratelimit;

/* limit failures per window_s seconds. NULL when out of memory. */
struct ratelimit *ratelimit_new(unsigned limit, unsigned window_s);
void ratelimit_free(struct ratelimit *rl);
/* The client key of an address (any bytes, e.g. a sockaddr's address). */
uint64_t ratelimit_key(const struct ratelimit *rl, const void *addr, size_t len);
/* True when the client has used up its failures; *retry_after_s is then
 * the seconds until its window ends. */
bool ratelimit_blocked(struct ratelimit *rl, uint64_t client, unsigned *retry_after_s);
/* Counts one failed look-up for the client. */
void ratelimit_fail(struct ratelimit *rl, uint64_t client);

#endif
