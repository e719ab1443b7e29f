/* cmd_report.c — `hotline report set`: change what a reporter sees of
 * their report (state, message) until the staff console does it. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "hotline.h"

static void report_help(void)
{
	printf("Usage: hotline report set NUMBER [--state STATE] [--message TEXT] [--data DIR]\n\n"
	       "Changes the state of a report and/or the message the reporter reads on\n"
	       "their status page.\n\n"
	       "States: received, under_analysis, forwarded, closed.\n\n"
	       "Options:\n"
	       "  --state STATE   the new state\n"
	       "  --message TEXT  the message shown to the reporter\n"
	       "  --data DIR      the data folder (default ./var)\n"
	       "  --help          show this help\n\n"
	       "Exit status: 0 done, 1 bad arguments, 2 cannot open the data, 3 no such report.\n");
}

int cmd_report(int argc, char **argv)
{
	const char *data = "./var", *state = NULL, *message = NULL;
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},
		{"state", required_argument, NULL, 's'},
		{"message", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		case 's': state = optarg; break;
		case 'm': message = optarg; break;
		case 'h': report_help(); return 0;
		default:
			cli_usage_error("report", "unknown or incomplete option '%s'", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2 || strcmp(argv[optind], "set") != 0) {
		cli_usage_error("report", "expected: report set NUMBER");
		return EXIT_USAGE;
	}
	if (!state && !message) {
		cli_usage_error("report", "nothing to change: give --state and/or --message");
		return EXIT_USAGE;
	}
	const char *number = argv[optind + 1];
	struct hotline hl;
	struct hotline_options ho = {.data_dir = data};
	int rc = hotline_open(&hl, &ho);
	if (rc) {
		fprintf(stderr, "hotline report: cannot open the data folder %s\n", data);
		return EXIT_RUNTIME;
	}
	rc = hotline_report_set(&hl, number, state, message);
	hotline_close(&hl);
	if (rc == HL_EINVAL) {
		cli_usage_error("report", "unknown state '%s'", state);
		return EXIT_USAGE;
	}
	if (rc == HL_ENOTFOUND) {
		fprintf(stderr, "hotline report: no report %s\n", number);
		return EXIT_NOTFOUND;
	}
	if (rc) {
		fprintf(stderr, "hotline report: could not save the change\n");
		return EXIT_RUNTIME;
	}
	printf("report %s updated\n", number);
	return 0;
}
