/* cmd_serve.c — `hotline serve`: the public site and the staff console. */
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign.h"
#include "cli.h"
#include "db.h"
#include "err.h"
#include "hotline.h"
#include "i18n.h"
#include "log.h"
#include "mailout.h"
#include "server.h"

static void serve_help(void)
{
	printf("Usage: hotline serve [OPTIONS]\n\n"
	       "Serves the public reporting site and the staff console, on two\n"
	       "addresses so the console can stay off the internet. Creates the data\n"
	       "folder on first start. Stops cleanly on SIGINT or SIGTERM.\n\n"
	       "Options:\n"
	       "  --data DIR                the data folder (default ./var)\n"
	       "  --listen ADDR:PORT        the public site (default 127.0.0.1:8080)\n"
	       "  --console-listen ADDR:PORT the staff console (default 127.0.0.1:8081)\n"
	       "  --profile FILE            the organisation profile (default DIR/profile.conf)\n"
	       "  --lookup-limit N          failed status look-ups a client may make in\n"
	       "                            10 minutes before it is slowed down (default 20)\n"
	       "  --threads N               threads of the public listener (default 2)\n"
	       "  --help                    show this help\n\n"
	       "The campaign pages (/campaign) use the shipped data/campaign files, or\n"
	       "a hotline's own copies in DIR/campaign/; a broken file stops the\n"
	       "server with a message naming the file, row and column.\n\n"
	       "A port of 0 picks a free port. Once listening, prints 'public URL',\n"
	       "'console URL' and 'ready' on standard output.\n");
}

static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || v > max || s[0] == '-')
		return false;
	*out = (unsigned)v;
	return true;
}

int cmd_serve(int argc, char **argv)
{
	struct hotline_options ho = {.data_dir = "./var", .lookup_limit = 20, .start_intake = 1};
	struct server_options so = {.listen = "127.0.0.1:8080",
				    .console_listen = "127.0.0.1:8081",
				    .threads = 2};
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'},
		{"console-listen", required_argument, NULL, 'c'},
		{"profile", required_argument, NULL, 'p'},
		{"lookup-limit", required_argument, NULL, 'L'},
		{"threads", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': ho.data_dir = optarg; break;
		case 'l': so.listen = optarg; break;
		case 'c': so.console_listen = optarg; break;
		case 'p': ho.profile = optarg; break;
		case 'L':
			if (!parse_uint(optarg, 1000000, &ho.lookup_limit) || !ho.lookup_limit) {
				cli_usage_error("serve", "--lookup-limit wants a number from 1");
				return EXIT_USAGE;
			}
			break;
		case 't':
			if (!parse_uint(optarg, 64, &so.threads) || !so.threads) {
				cli_usage_error("serve", "--threads wants a number from 1 to 64");
				return EXIT_USAGE;
			}
			break;
		case 'h': serve_help(); return 0;
		default:
			cli_usage_error("serve", "unknown or incomplete option '%s'", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	struct sockaddr_storage ss;
	unsigned len;
	if (server_parse_addr(so.listen, &ss, &len) || server_parse_addr(so.console_listen, &ss, &len)) {
		cli_usage_error("serve", "listen addresses are ADDR:PORT, e.g. 127.0.0.1:8080");
		return EXIT_USAGE;
	}

	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* every thread inherits this */
	signal(SIGPIPE, SIG_IGN);
	/* keep freed memory instead of handing it back to the kernel after every
	 * request: the page faults cost more than the memory */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	/* no fast bins: each request arena's 8 KB chunk made glibc consolidate
	 * them (1% of the server's CPU); small blocks still come from the
	 * per-thread cache. Since a thread keeps its spent arena chunks
	 * (arena.c) no large blocks are asked for under load, but fast bins
	 * back on measured no better (docs/PERFORMANCE.md, seventh and eighth
	 * sessions), so they stay off. */
	mallopt(M_MXFAST, 0);
	db_server_settings();

	if (i18n_init() || hotline_init_data(ho.data_dir, NULL))
		return EXIT_RUNTIME;
	struct hotline hl;
	int rc = hotline_open(&hl, &ho);
	if (rc) {
		fprintf(stderr, "hotline serve: cannot open %s%s\n", ho.data_dir,
			rc == HL_EPERM ? ": the key file must be readable by its owner only" : "");
		i18n_free();
		return EXIT_RUNTIME;
	}
	/* the campaign data: a broken file stops the server, naming file,
	 * row and column (campaign.h) */
	char cerr[1024];
	if (campaign_load(hl.data_dir, hl.profile, &hl.campaign, cerr, sizeof cerr)) {
		fprintf(stderr, "hotline serve: campaign data: %s\n", cerr);
		hotline_close(&hl);
		i18n_free();
		return EXIT_RUNTIME;
	}
	/* e-mail: the sender of the outgoing queue, when a relay is configured */
	if (mailout_start(&hl)) {
		fprintf(stderr, "hotline serve: the mail settings (mail.*) of the profile are unusable\n");
		hotline_close(&hl);
		i18n_free();
		return EXIT_RUNTIME;
	}
	struct server *srv;
	if (server_start(&hl, &so, &srv)) {
		mailout_stop();
		hotline_close(&hl);
		i18n_free();
		return EXIT_RUNTIME;
	}
	char host[128];
	for (int console = 0; console < 2; console++) {
		const char *addr = console ? so.console_listen : so.listen;
		const char *colon = strrchr(addr, ':');
		snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
		printf("%s http://%s:%u\n", console ? "console" : "public", host,
		       server_port(srv, console));
	}
	printf("ready\n");
	fflush(stdout);
	log_info("serving; data in %s", ho.data_dir);

	int sig;
	sigwait(&sigs, &sig);
	log_info("stopping");
	server_stop(srv);
	mailout_stop();
	hotline_close(&hl);
	i18n_free();
	return 0;
}
