/* cmd_audit.c — `hotline audit`: verify and read the audit chain. */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "audit.h"
#include "cli.h"
#include "err.h"
#include "hotline.h"

static void audit_help(void)
{
	printf("Usage: hotline audit verify [--data DIR]\n"
	       "       hotline audit list [--actor A] [--action X] [--object ID] [--after N]\n"
	       "                          [--limit N] [--json] [--data DIR]\n\n"
	       "The audit log records every access to a report or a case, every change,\n"
	       "every unsealing of contact details, every login and failed login. Its rows\n"
	       "are chained by hash: each holds the hash of the one before.\n\n"
	       "  verify   walk the whole chain; exit 0 when it holds, 4 naming the first\n"
	       "           row that was changed, removed or inserted\n"
	       "  list     print rows (oldest first), optionally filtered\n\n"
	       "Exit status: 0 done, 1 bad arguments, 2 cannot open the data, 4 the chain\n"
	       "is broken.\n");
}

static int print_row(void *arg, const struct store_audit_row *r)
{
	bool json = *(bool *)arg;
	if (json) {
		json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s?, s:s?}", "id", (json_int_t)r->id,
				      "at", r->at, "actor", r->actor, "action", r->action,
				      "object_type", r->object_type, "object_id", r->object_id,
				      "detail", r->detail);
		char *s = json_dumps(j, JSON_COMPACT);
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(j);
	} else {
		printf("%" PRId64 "\t%s\t%s\t%s\t%s%s%s\t%s\n", r->id, r->at, r->actor, r->action,
		       r->object_type ? r->object_type : "", r->object_id ? ":" : "",
		       r->object_id ? r->object_id : "", r->detail ? r->detail : "");
	}
	return 0;
}

int cmd_audit(int argc, char **argv)
{
	const char *data = "./var", *actor = NULL, *action = NULL, *object = NULL;
	long long after = 0, limit = 0;
	bool json = false;
	static const struct option lo[] = {
		{"data", required_argument, NULL, 'd'},	  {"actor", required_argument, NULL, 'a'},
		{"action", required_argument, NULL, 'x'}, {"object", required_argument, NULL, 'o'},
		{"after", required_argument, NULL, 'f'},  {"limit", required_argument, NULL, 'l'},
		{"json", no_argument, NULL, 'j'},	  {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	opterr = 0;
	optind = 1;
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		case 'a': actor = optarg; break;
		case 'x': action = optarg; break;
		case 'o': object = optarg; break;
		case 'j': json = true; break;
		case 'f':
		case 'l': {
			long long v = strtoll(optarg, &end, 10);
			if (!*optarg || *end || v < 0) {
				cli_usage_error("audit", "--%s wants a number", c == 'f' ? "after" : "limit");
				return EXIT_USAGE;
			}
			*(c == 'f' ? &after : &limit) = v;
			break;
		}
		case 'h': audit_help(); return 0;
		default:
			cli_usage_error("audit", "unknown or incomplete option '%s'", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || (strcmp(argv[optind], "verify") && strcmp(argv[optind], "list"))) {
		cli_usage_error("audit", "expected: audit verify | audit list");
		return EXIT_USAGE;
	}
	struct hotline hl;
	struct hotline_options ho = {.data_dir = data};
	if (hotline_open(&hl, &ho)) {
		fprintf(stderr, "hotline audit: cannot open the data folder %s\n", data);
		return EXIT_RUNTIME;
	}
	int rc;
	if (strcmp(argv[optind], "verify") == 0) {
		int64_t rows = 0, bad = 0;
		rc = audit_verify(&hl, &rows, &bad);
		hotline_close(&hl);
		if (rc == HL_EINVAL) {
			fprintf(stderr, "hotline audit: the chain is broken at row %" PRId64
					": it was changed, or a row before it was removed or inserted\n",
				bad);
			printf("broken at row %" PRId64 "\n", bad);
			return EXIT_INVALID;
		}
		if (rc) {
			fprintf(stderr, "hotline audit: could not read the log\n");
			return EXIT_RUNTIME;
		}
		printf("audit chain holds: %" PRId64 " rows\n", rows);
		return 0;
	}
	struct db *db = hotline_db(&hl);
	struct arena a;
	arena_init(&a, 256u << 20);
	rc = db ? store_audit_each(db, after, limit, actor, action, object, print_row, &json, &a)
		: HL_EIO;
	arena_free(&a);
	hotline_db_put(&hl, db);
	hotline_close(&hl);
	return rc ? EXIT_RUNTIME : 0;
}
