/* cmd_hashlist.c — `hotline hashlist`: known-hash lists from the command
 * line: import (streaming, any size), export, list, settings, removal and
 * disabling single entries. A running server picks the changes up within
 * a second, without a restart. */
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banks.h"
#include "cli.h"
#include "err.h"
#include "hotline.h"
#include "i18n.h"

/* The English text of an error code ("hash.invalid"). */
static const char *msg(const char *code)
{
	static char key[64];
	snprintf(key, sizeof key, "error.%s", code ? code : "invalid");
	const char *t = i18n_get("en", key);
	return *t ? t : code;
}

static void help(void)
{
	printf("Usage: hotline hashlist COMMAND [ARGS] [OPTIONS]\n\n"
	       "Known-hash lists (\"banks\"): exact hashes (MD5, SHA-1, SHA-256) and PDQ\n"
	       "perceptual hashes that reports are matched against at intake.\n\n"
	       "Commands:\n"
	       "  import NAME FILE --format F   add FILE's hashes to list NAME (created when\n"
	       "                                missing); FILE '-' reads standard input.\n"
	       "                                Bad lines are reported with their line number\n"
	       "                                and skipped; hashes already in the list are\n"
	       "                                left alone, so importing twice changes nothing\n"
	       "  export NAME [--format F]      write the list (default csv) to standard output\n"
	       "                                or --output FILE\n"
	       "  list                          the lists, their settings and entry counts\n"
	       "  set NAME [settings]           change a list's settings\n"
	       "  remove NAME                   remove a list and all its entries\n"
	       "  disable NAME ALGO HASH        stop matching one entry (a false positive);\n"
	       "                                --reason TEXT says why\n"
	       "  enable NAME ALGO HASH         match it again\n\n"
	       "Formats: pdq, md5, sha1, sha256 (one hash in hex a line; text after a comma,\n"
	       "tab or space is ignored; '#' starts a comment) and csv (a header naming the\n"
	       "columns; the hash in a column named pdq, md5, sha1 or sha256, or in a column\n"
	       "'hash' with the algorithm in 'algo' or given by --algo; other columns are\n"
	       "kept as metadata).\n\n"
	       "Settings (import and set):\n"
	       "  --source TEXT          where the list comes from\n"
	       "  --action ACTION        raise_priority (default), suggest_classification or\n"
	       "                         previously_assessed\n"
	       "  --classification CAT   the category suggest_classification proposes\n"
	       "  --threshold N          PDQ match distance for this list, 0-256 (default 31)\n\n"
	       "Options:\n"
	       "  --format F     the file format (import: required)\n"
	       "  --algo ALGO    csv: the algorithm of a 'hash' column without 'algo'\n"
	       "  --output FILE  export: write here instead of standard output\n"
	       "  --data DIR     the data folder (default ./var)\n"
	       "  --json         print JSON for scripts (import, list, remove)\n"
	       "  --help         show this help\n\n"
	       "Exit status: 0 done; 1 bad arguments; 2 cannot open the data or read the\n"
	       "file; 3 no such list or entry; 4 import done but some lines were refused.\n");
}

struct opts {
	const char *data, *format, *algo, *output, *reason;
	struct banks_settings s;
	bool json;
	int argc;
	char **args;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"data", required_argument, NULL, 'd'},	  {"format", required_argument, NULL, 'f'},
		{"algo", required_argument, NULL, 'a'},	  {"output", required_argument, NULL, 'o'},
		{"source", required_argument, NULL, 's'}, {"action", required_argument, NULL, 'A'},
		{"classification", required_argument, NULL, 'c'},
		{"threshold", required_argument, NULL, 't'},
		{"reason", required_argument, NULL, 'r'}, {"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},	  {NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof *o);
	o->data = "./var";
	o->s.pdq_threshold = -1;
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': o->data = optarg; break;
		case 'f': o->format = optarg; break;
		case 'a': o->algo = optarg; break;
		case 'o': o->output = optarg; break;
		case 's': o->s.source = optarg; break;
		case 'A': o->s.action = optarg; break;
		case 'c': o->s.classification = optarg; break;
		case 'r': o->reason = optarg; break;
		case 't': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 0 || v > 256) {
				cli_usage_error("hashlist", "--threshold takes a number from 0 to 256");
				return EXIT_USAGE;
			}
			o->s.pdq_threshold = (int)v;
			break;
		}
		case 'j': o->json = true; break;
		case 'h': help(); return -1;
		default:
			cli_usage_error("hashlist", "unknown or incomplete option '%s'",
					argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	o->argc = argc - optind;
	o->args = argv + optind;
	if (o->argc < 1) {
		cli_usage_error("hashlist", "missing command");
		return EXIT_USAGE;
	}
	const char *code = NULL;
	if (banks_check(NULL, &o->s, &code)) {
		cli_usage_error("hashlist", "%s", msg(code));
		return EXIT_USAGE;
	}
	return 0;
}

static int want(const struct opts *o, int n)
{
	if (o->argc != n) {
		cli_usage_error("hashlist", "'%s' takes %d argument%s", o->args[0], n - 1,
				n == 2 ? "" : "s");
		return EXIT_USAGE;
	}
	return 0;
}

struct bad_lines {
	const char *file;
	uint64_t shown;
};

static void report_bad(void *arg, uint64_t line, const char *code)
{
	struct bad_lines *b = arg;
	if (b->shown++ < 1000)
		fprintf(stderr, "%s:%llu: %s (%s)\n", b->file, (unsigned long long)line,
			msg(code), code);
	else if (b->shown == 1001)
		fprintf(stderr, "%s: more bad lines; only the first 1000 are shown\n", b->file);
}

static int do_import(struct db *db, struct opts *o)
{
	enum hashlist_format f;
	if (!o->format) {
		cli_usage_error("hashlist", "import needs --format pdq|md5|sha1|sha256|csv");
		return EXIT_USAGE;
	}
	if (hashlist_format_parse(o->format, &f)) {
		cli_usage_error("hashlist", "unknown format '%s' (pdq, md5, sha1, sha256, csv)",
				o->format);
		return EXIT_USAGE;
	}
	if (o->algo && !hashlist_algo_name(o->algo)) {
		cli_usage_error("hashlist", "unknown algorithm '%s' (pdq, md5, sha1, sha256)",
				o->algo);
		return EXIT_USAGE;
	}
	const char *path = o->args[2];
	FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!in) {
		fprintf(stderr, "hotline hashlist: cannot read %s\n", path);
		return EXIT_RUNTIME;
	}
	struct bad_lines b = {.file = path};
	struct banks_import_result res;
	const char *code = NULL;
	int rc = banks_import(db, "cli", o->args[1], &o->s, in, f, o->algo, report_bad, &b, &res,
			      &code);
	if (in != stdin)
		fclose(in);
	if (rc == HL_EINVAL) {
		cli_usage_error("hashlist", "%s", msg(code));
		return EXIT_USAGE;
	}
	if (rc) {
		fprintf(stderr, "hotline hashlist: the import failed (%d); what was committed "
				"before stays, importing again completes it\n",
			rc);
		return EXIT_RUNTIME;
	}
	if (o->json) {
		json_t *j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:b}", "list", o->args[1], "lines",
				      (json_int_t)res.lines, "added", (json_int_t)res.added,
				      "present", (json_int_t)res.present, "bad",
				      (json_int_t)res.bad, "created", res.created);
		char *s = json_dumps(j, JSON_COMPACT);
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(j);
	} else {
		printf("%s: %llu lines read, %llu hashes added, %llu already in the list, %llu bad "
		       "lines\n",
		       o->args[1], (unsigned long long)res.lines, (unsigned long long)res.added,
		       (unsigned long long)res.present, (unsigned long long)res.bad);
	}
	return res.bad ? EXIT_INVALID : 0;
}

static int do_export(struct db *db, struct opts *o)
{
	enum hashlist_format f = HASHLIST_CSV;
	if (o->format && hashlist_format_parse(o->format, &f)) {
		cli_usage_error("hashlist", "unknown format '%s' (pdq, md5, sha1, sha256, csv)",
				o->format);
		return EXIT_USAGE;
	}
	FILE *out = o->output ? fopen(o->output, "w") : stdout;
	if (!out) {
		fprintf(stderr, "hotline hashlist: cannot write %s\n", o->output);
		return EXIT_RUNTIME;
	}
	uint64_t n = 0;
	int rc = banks_export(db, "cli", o->args[1], f, out, &n);
	if (out != stdout && fclose(out) && !rc)
		rc = HL_EIO;
	if (rc == HL_ENOTFOUND) {
		fprintf(stderr, "hotline hashlist: no list named '%s'\n", o->args[1]);
		return EXIT_NOTFOUND;
	}
	if (rc) {
		fprintf(stderr, "hotline hashlist: the export failed (%d)\n", rc);
		return EXIT_RUNTIME;
	}
	return 0;
}

static int do_list(struct db *db, struct opts *o)
{
	struct arena a;
	arena_init(&a, 64u << 20);
	struct store_hashlist *v;
	size_t n;
	if (store_hashlist_all(db, &v, &n, &a)) {
		arena_free(&a);
		fprintf(stderr, "hotline hashlist: cannot read the lists\n");
		return EXIT_RUNTIME;
	}
	json_t *arr = o->json ? json_array() : NULL;
	if (!o->json)
		printf("%-24s %-24s %9s %11s %9s  %s\n", "NAME", "ACTION", "THRESHOLD", "ENTRIES",
		       "DISABLED", "SOURCE");
	for (size_t i = 0; i < n; i++) {
		if (arr) {
			json_t *j = json_pack("{s:s, s:s?, s:s, s:s?, s:i, s:b, s:I, s:I, s:s, s:s}",
					      "name", v[i].name, "source", v[i].source, "action",
					      v[i].action, "classification", v[i].classification,
					      "pdq_threshold", v[i].pdq_threshold, "local",
					      v[i].local, "entries", (json_int_t)v[i].entries,
					      "disabled", (json_int_t)v[i].disabled, "created_at",
					      v[i].created_at, "updated_at", v[i].updated_at);
			json_array_append_new(arr, j);
		} else {
			printf("%-24s %-24s %9d %11lld %9lld  %s\n", v[i].name, v[i].action,
			       v[i].pdq_threshold, (long long)v[i].entries, (long long)v[i].disabled,
			       v[i].source ? v[i].source : "");
		}
	}
	if (arr) {
		char *s = json_dumps(arr, JSON_COMPACT);
		printf("%s\n", s ? s : "[]");
		free(s);
		json_decref(arr);
	}
	arena_free(&a);
	return 0;
}

int cmd_hashlist(int argc, char **argv)
{
	struct opts o;
	i18n_init();
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	const char *cmd = o.args[0];
	int nargs = strcmp(cmd, "import") == 0				       ? 3
		    : strcmp(cmd, "export") == 0 || strcmp(cmd, "set") == 0 ||
			      strcmp(cmd, "remove") == 0			       ? 2
		    : strcmp(cmd, "list") == 0					       ? 1
		    : strcmp(cmd, "disable") == 0 || strcmp(cmd, "enable") == 0 ? 4
										 : 0;
	if (!nargs) {
		cli_usage_error("hashlist", "unknown command '%s'", cmd);
		return EXIT_USAGE;
	}
	if ((rc = want(&o, nargs)))
		return rc;
	struct hotline hl;
	struct hotline_options ho = {.data_dir = o.data};
	if (hotline_open(&hl, &ho)) {
		fprintf(stderr, "hotline hashlist: cannot open the data folder %s\n", o.data);
		return EXIT_RUNTIME;
	}
	struct db *db = hotline_db(&hl);
	if (!db) {
		hotline_close(&hl);
		fprintf(stderr, "hotline hashlist: cannot open the database\n");
		return EXIT_RUNTIME;
	}
	const char *code = NULL;
	int64_t removed = 0;
	if (strcmp(cmd, "import") == 0) {
		rc = do_import(db, &o);
	} else if (strcmp(cmd, "export") == 0) {
		rc = do_export(db, &o);
	} else if (strcmp(cmd, "list") == 0) {
		rc = do_list(db, &o);
	} else if (strcmp(cmd, "set") == 0) {
		int r = banks_set(db, "cli", o.args[1], &o.s, &code);
		rc = r == HL_ENOTFOUND ? EXIT_NOTFOUND : r == HL_EINVAL ? EXIT_USAGE : r ? EXIT_RUNTIME : 0;
		if (r == HL_ENOTFOUND)
			fprintf(stderr, "hotline hashlist: no list named '%s'\n", o.args[1]);
	} else if (strcmp(cmd, "remove") == 0) {
		int r = banks_remove(db, "cli", o.args[1], &removed);
		rc = r == HL_ENOTFOUND ? EXIT_NOTFOUND : r ? EXIT_RUNTIME : 0;
		if (r == HL_ENOTFOUND)
			fprintf(stderr, "hotline hashlist: no list named '%s'\n", o.args[1]);
		else if (!r && o.json)
			printf("{\"list\":\"%s\",\"removed\":%lld}\n", o.args[1], (long long)removed);
		else if (!r)
			printf("%s: removed with its %lld entries\n", o.args[1], (long long)removed);
	} else {
		bool dis = strcmp(cmd, "disable") == 0;
		int r = banks_disable(db, "cli", o.args[1], o.args[2], o.args[3], dis, o.reason, &code);
		if (r == HL_EINVAL)
			cli_usage_error("hashlist", "%s", msg(code));
		else if (r == HL_ENOTFOUND)
			fprintf(stderr, "hotline hashlist: list '%s' has no %s entry %s\n", o.args[1],
				o.args[2], o.args[3]);
		else if (!r)
			printf("%s: %s %s %s\n", o.args[1], o.args[2], o.args[3],
			       dis ? "disabled" : "enabled");
		rc = r == HL_ENOTFOUND ? EXIT_NOTFOUND : r == HL_EINVAL ? EXIT_USAGE : r ? EXIT_RUNTIME : 0;
	}
	hotline_db_put(&hl, db);
	hotline_close(&hl);
	return rc;
}
