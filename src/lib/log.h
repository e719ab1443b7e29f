/* log.h — one-line log messages on standard error.
 * Never pass an IP address or a reporter's contact details to these. */
#ifndef HL_LOG_H
#define HL_LOG_H

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
