/* main.c — the one binary, hotline, and its table of subcommands (as in
 * git.c: name, function, one line of help). Each subcommand lives in
 * src/cli/cmd_<name>.c and has its own --help. */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct subcommand commands[] = {
	{"serve", cmd_serve, "serve the public site and the staff console"},
	{"init", cmd_init, "create the data folder: database, key file, profile"},
	{"report", cmd_report, "act on one report from the command line (state, message)"},
	{"hash", cmd_hash, "print the PDQ hash, quality, MD5, SHA-1 and SHA-256 of image files"},
	{"user", cmd_user, "staff accounts: add, list, disable, enable, reset, unlock"},
	{"hashlist", cmd_hashlist, "known-hash lists: import, export, list, set, remove, disable"},
	{"apikey", cmd_apikey, "API keys for the console's API: add, list, revoke"},
	{"audit", cmd_audit, "verify and read the hash-chained audit log"},
	{"stats", cmd_stats, "statistics of online material: --from DATE --to DATE --format csv|json"},
	{"mail", cmd_mail, "e-mail: ingest reports (stdin or a Maildir), the outgoing queue"},
	{"geo", cmd_geo, "IP databases for hosting look-ups: asn-mmdb turns ASN CSV into an MMDB"},
	{NULL, NULL, NULL},
};

void cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "hotline %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'hotline %s --help'.\n", cmd);
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: hotline COMMAND [OPTIONS]\n\n"
		     "Hotline: reporting point and case work for child-protection hotlines.\n\n"
		     "Commands:\n");
	for (const struct subcommand *c = commands; c->name; c++)
		fprintf(out, "  %-8s %s\n", c->name, c->help);
	fprintf(out, "\nRun 'hotline COMMAND --help' for the options of one command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("hotline 0.1.0\n");
		return 0;
	}
	for (const struct subcommand *c = commands; c->name; c++) {
		if (strcmp(argv[1], c->name) == 0) {
			/* a user-space ChaCha20 generator seeded by the kernel: one
			 * system call per process rather than one per random value */
			randombytes_set_implementation(&randombytes_internal_implementation);
			if (sodium_init() < 0) {
				fprintf(stderr, "hotline: libsodium failed to start\n");
				return EXIT_RUNTIME;
			}
			return c->fn(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "hotline: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
