/* timeutil.h — clock helpers. */
#ifndef HL_TIMEUTIL_H
#define HL_TIMEUTIL_H

#include <stdint.h>

/* Current UTC time as "YYYY-MM-DDTHH:MM:SSZ" into out (at least 21 bytes). */
void time_now_iso(char out[21]);
/* Monotonic seconds, for rate limits and timeouts. */
int64_t time_mono_s(void);
/* Monotonic milliseconds, for deadlines shorter than a second. */
int64_t time_mono_ms(void);

#endif
