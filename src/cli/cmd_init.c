/* cmd_init.c — `hotline init`: create the data folder. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "hotline.h"

static void init_help(void)
{
	printf("Usage: hotline init [--data DIR] [--profile FILE]\n\n"
	       "Creates the data folder when it is missing: the database (hotline.db),\n"
	       "the secret key file (secret.key, mode 0600, kept outside the database)\n"
	       "and the organisation profile (profile.conf, a copy of the shipped example\n"
	       "profile: edit it before going live). Existing files are left alone.\n\n"
	       "Options:\n"
	       "  --data DIR      the data folder (default ./var)\n"
	       "  --profile FILE  copy this profile instead of the example one\n"
	       "  --help          show this help\n");
}

int cmd_init(int argc, char **argv)
{
	const char *data = "./var", *profile = NULL;
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},
		{"profile", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		case 'p': profile = optarg; break;
		case 'h': init_help(); return 0;
		default:
			cli_usage_error("init", "unknown or incomplete option '%s'", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_usage_error("init", "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (hotline_init_data(data, profile)) {
		fprintf(stderr, "hotline init: could not set up %s\n", data);
		return EXIT_RUNTIME;
	}
	printf("data folder ready: %s\n", data);
	return 0;
}
