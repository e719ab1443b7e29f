/* bench_bare_mhd.c — the reference that issue 2 sets the intake target
 * against: a bare libmicrohttpd handler that reads a POST and answers a
 * fixed 201, under the same wrk and report.lua as bench/intake/run.sh.
 *
 * It runs libmicrohttpd the way `hotline serve` runs its public listener
 * (src/web/server.c: internal threads, a pool of 2, suspend/resume allowed,
 * TURBO, 8 KB per connection), but does nothing with the request: no JSON,
 * no validation, no database, no suspension, one header. What `hotline`
 * achieves divided by what this achieves, on the same machine in the same
 * minute, is the share of the machine's HTTP capacity that durable intake
 * keeps; it says more than a rate alone on a machine whose speed drifts.
 *
 *   build/bench_bare_mhd [--threads N]
 *   prints "public http://127.0.0.1:PORT/" then "ready", serves until
 *   SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* about the size of hotline's receipt (number, secret, status URL) */
static const char BODY[] = "{\"number\":\"000000000\",\"secret\":\"AAAAAAAAAAAAAAAAAAAAAAAAAA\","
			   "\"status_url\":\"/api/v1/reports/000000000\"}";

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload;
	static int started;
	if (!*con_cls) { /* first call: headers only */
		*con_cls = &started;
		return MHD_YES;
	}
	if (*upload_size) { /* a piece of the body: taken and dropped */
		*upload_size = 0;
		return MHD_YES;
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof BODY - 1, (void *)BODY,
								 MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	enum MHD_Result ret = MHD_queue_response(conn, 201, r);
	MHD_destroy_response(r);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned threads = 2;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
			threads = (unsigned)strtoul(argv[++i], NULL, 10);
		} else {
			fprintf(stderr, "usage: %s [--threads N]\n", argv[0]);
			return 2;
		}
	}
	if (threads < 1 || threads > 64) {
		fprintf(stderr, "bench_bare_mhd: --threads wants 1 to 64\n");
		return 2;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* the daemon's threads inherit it */

	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0}; /* loopback, any port */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct MHD_OptionItem pool[] = {
		{threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, threads, NULL},
		{MHD_OPTION_END, 0, NULL},
	};
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
			MHD_USE_TURBO,
		0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_CONNECTION_TIMEOUT, 30u,
		MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)8 * 1024, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_ARRAY, pool,
		MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "bench_bare_mhd: cannot start libmicrohttpd\n");
		return 1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("public http://127.0.0.1:%u/\nready\n", di ? di->port : 0);
	fflush(stdout);
	int sig;
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	return 0;
}
