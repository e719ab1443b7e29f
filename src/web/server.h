/* server.h — the two HTTP listeners (public site and staff console). */
#ifndef HL_SERVER_H
#define HL_SERVER_H

#include "hotline.h"

struct server;

struct server_options {
	const char *listen;         /* "ADDR:PORT" of the public site */
	const char *console_listen; /* "ADDR:PORT" of the console */
	unsigned threads;           /* threads of the public listener */
};

/* Starts both listeners. Returns 0 and *out, or HL_EINVAL for an address
 * that does not parse, HL_EIO when a listener cannot start (logged). */
int server_start(struct hotline *hl, const struct server_options *opt, struct server **out);
/* The port each listener got (useful with port 0). */
unsigned server_port(struct server *s, int console);
void server_stop(struct server *s);

/* Parses "ADDR:PORT" or "[v6]:PORT" into a sockaddr_storage. */
struct sockaddr_storage;
int server_parse_addr(const char *s, struct sockaddr_storage *ss, unsigned *len);

#endif
