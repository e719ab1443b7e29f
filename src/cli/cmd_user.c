/* cmd_user.c — `hotline user` and `hotline apikey`: staff accounts and API
 * keys, from the command line of the machine that holds the data. */
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "accounts.h"
#include "cli.h"
#include "err.h"
#include "hotline.h"
#include "staff.h"

static void user_help(void)
{
	printf("Usage: hotline user COMMAND [ARGS] [--data DIR] [--json]\n\n"
	       "Staff accounts. Every account logs in with a password and a TOTP code.\n\n"
	       "Commands:\n"
	       "  add NAME --role ROLE   create an account; prints a one-time password and\n"
	       "                         the TOTP secret (base32 and an otpauth:// URI)\n"
	       "  list                   list accounts with their role and state\n"
	       "  disable NAME           refuse logins and end the account's sessions\n"
	       "  enable NAME            allow logins again\n"
	       "  reset NAME             new one-time password and new second factor\n"
	       "  unlock NAME            unlock an account locked by failed logins\n\n"
	       "Roles: operator, analyst, case_worker, supervisor, admin, auditor.\n\n"
	       "Options:\n"
	       "  --role ROLE   the role of a new account\n"
	       "  --data DIR    the data folder (default ./var)\n"
	       "  --json        print JSON for scripts\n"
	       "  --help        show this help\n\n"
	       "Exit status: 0 done, 1 bad arguments, 2 cannot open the data, 3 no such\n"
	       "account, 4 the name is taken.\n");
}

static void apikey_help(void)
{
	printf("Usage: hotline apikey COMMAND [ARGS] [--data DIR] [--json]\n\n"
	       "API keys for scripts and partner systems on the console's /api/v1/.\n"
	       "A key acts with its role's permissions and is audited like a person.\n\n"
	       "Commands:\n"
	       "  add NAME --role ROLE   create a key; prints it once (only a hash is kept)\n"
	       "  list                   list keys, with their role and whether revoked\n"
	       "  revoke NAME            revoke a key\n\n"
	       "Options:\n"
	       "  --role ROLE   the role of a new key\n"
	       "  --data DIR    the data folder (default ./var)\n"
	       "  --json        print JSON for scripts\n"
	       "  --help        show this help\n\n"
	       "Exit status: 0 done, 1 bad arguments, 2 cannot open the data, 3 no such\n"
	       "key, 4 the name is taken.\n");
}

struct opts {
	const char *data, *role;
	bool json;
	int argc;
	char **args;
};

/* Parses the options shared by user and apikey; returns -1 after --help. */
static int parse(const char *cmd, int argc, char **argv, struct opts *o, void (*help)(void))
{
	static const struct option lo[] = {
		{"data", required_argument, NULL, 'd'}, {"role", required_argument, NULL, 'r'},
		{"json", no_argument, NULL, 'j'},	{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	o->data = "./var";
	o->role = NULL;
	o->json = false;
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': o->data = optarg; break;
		case 'r': o->role = optarg; break;
		case 'j': o->json = true; break;
		case 'h': help(); return -1;
		default:
			cli_usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	o->argc = argc - optind;
	o->args = argv + optind;
	if (o->argc < 1) {
		cli_usage_error(cmd, "missing command");
		return EXIT_USAGE;
	}
	return 0;
}

static int open_data(const char *cmd, const char *data, struct hotline *hl)
{
	struct hotline_options ho = {.data_dir = data};
	if (hotline_open(hl, &ho)) {
		fprintf(stderr, "hotline %s: cannot open the data folder %s\n", cmd, data);
		return EXIT_RUNTIME;
	}
	return 0;
}

static int want_args(const char *cmd, const struct opts *o, int n)
{
	if (o->argc != n) {
		cli_usage_error(cmd, "'%s' takes %d argument%s", o->args[0], n - 1, n == 2 ? "" : "s");
		return EXIT_USAGE;
	}
	return 0;
}

static void print_credentials(const struct opts *o, const char *name, const char *role,
			      const struct staff_credentials *cr)
{
	if (o->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "name", name, "password", cr->password,
				      "totp_secret", cr->totp_base32, "totp_uri", cr->totp_uri);
		if (j && role)
			json_object_set_new(j, "role", json_string(role));
		char *s = json_dumps(j, JSON_COMPACT);
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(j);
		return;
	}
	printf("account:     %s\n", name);
	if (role)
		printf("role:        %s\n", role);
	printf("password:    %s   (one-time: it must be replaced at first login)\n", cr->password);
	printf("TOTP secret: %s\n", cr->totp_base32);
	printf("TOTP URI:    %s\n", cr->totp_uri);
	printf("Hand these to the person in a safe way; they are not shown again.\n");
}

static void list_user(void *arg, const struct store_user *u)
{
	json_t *arr = arg;
	const char *state = u->disabled ? "disabled" : u->locked ? "locked" : "active";
	if (arr) {
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "name", u->name, "role",
						     u->role, "state", state, "created_at",
						     u->created_at ? u->created_at : ""));
	} else {
		printf("%-24s %-12s %-9s %s\n", u->name, u->role, state,
		       u->created_at ? u->created_at : "");
	}
}

static int print_json_array(json_t *arr)
{
	char *s = json_dumps(arr, JSON_COMPACT);
	printf("%s\n", s ? s : "[]");
	free(s);
	json_decref(arr);
	return 0;
}

int cmd_user(int argc, char **argv)
{
	struct opts o;
	int rc = parse("user", argc, argv, &o, user_help);
	if (rc)
		return rc < 0 ? 0 : rc;
	const char *sub = o.args[0];
	static const char *const known[] = {"add", "list", "disable", "enable", "reset", "unlock", NULL};
	bool ok = false;
	for (const char *const *k = known; *k; k++)
		ok = ok || strcmp(*k, sub) == 0;
	if (!ok) {
		cli_usage_error("user", "unknown command '%s'", sub);
		return EXIT_USAGE;
	}
	if ((rc = want_args("user", &o, strcmp(sub, "list") == 0 ? 1 : 2)))
		return rc;
	if (strcmp(sub, "add") == 0 && !o.role) {
		cli_usage_error("user", "add needs --role");
		return EXIT_USAGE;
	}
	struct hotline hl;
	if ((rc = open_data("user", o.data, &hl)))
		return rc;
	struct arena a;
	arena_init(&a, 16u << 20);
	struct staff_credentials cr;
	const char *name = o.argc > 1 ? o.args[1] : NULL;
	if (strcmp(sub, "add") == 0) {
		rc = staff_user_add(&hl, "cli", name, o.role, &cr, &a);
		if (!rc)
			print_credentials(&o, name, o.role, &cr);
	} else if (strcmp(sub, "reset") == 0) {
		rc = staff_user_reset(&hl, "cli", name, &cr, &a);
		if (!rc)
			print_credentials(&o, name, NULL, &cr);
	} else if (strcmp(sub, "list") == 0) {
		struct db *db = hotline_db(&hl);
		json_t *arr = o.json ? json_array() : NULL;
		rc = db ? store_user_list(db, list_user, arr, &a) : HL_EIO;
		hotline_db_put(&hl, db);
		if (arr)
			print_json_array(arr);
	} else if (strcmp(sub, "unlock") == 0) {
		rc = staff_user_unlock(&hl, "cli", name);
	} else {
		rc = staff_user_disable(&hl, "cli", name, strcmp(sub, "disable") == 0);
	}
	arena_free(&a);
	hotline_close(&hl);
	if (rc == HL_EINVAL) {
		cli_usage_error("user", "names are 1-64 of A-Z a-z 0-9 . _ - @; roles: operator, "
					"analyst, case_worker, supervisor, admin, auditor");
		return EXIT_USAGE;
	}
	if (rc == HL_ENOTFOUND) {
		fprintf(stderr, "hotline user: no account '%s'\n", name ? name : "");
		return EXIT_NOTFOUND;
	}
	if (rc == HL_EEXIST) {
		fprintf(stderr, "hotline user: an account '%s' exists already\n", name ? name : "");
		return EXIT_EXISTS;
	}
	if (rc) {
		fprintf(stderr, "hotline user: could not save the change\n");
		return EXIT_RUNTIME;
	}
	if (!o.json && strcmp(sub, "list") && strcmp(sub, "add") && strcmp(sub, "reset"))
		printf("account %s: %s done\n", name, sub);
	return 0;
}

static void list_key(void *arg, const struct store_apikey *k)
{
	json_t *arr = arg;
	if (arr)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b}", "name", k->name, "role",
						     k->role, "created_at", k->created_at, "revoked",
						     k->revoked_at != NULL));
	else
		printf("%-24s %-12s %-8s %s\n", k->name, k->role, k->revoked_at ? "revoked" : "active",
		       k->created_at);
}

int cmd_apikey(int argc, char **argv)
{
	struct opts o;
	int rc = parse("apikey", argc, argv, &o, apikey_help);
	if (rc)
		return rc < 0 ? 0 : rc;
	const char *sub = o.args[0];
	if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "revoke")) {
		cli_usage_error("apikey", "unknown command '%s'", sub);
		return EXIT_USAGE;
	}
	if ((rc = want_args("apikey", &o, strcmp(sub, "list") == 0 ? 1 : 2)))
		return rc;
	if (strcmp(sub, "add") == 0 && !o.role) {
		cli_usage_error("apikey", "add needs --role");
		return EXIT_USAGE;
	}
	struct hotline hl;
	if ((rc = open_data("apikey", o.data, &hl)))
		return rc;
	struct arena a;
	arena_init(&a, 16u << 20);
	const char *name = o.argc > 1 ? o.args[1] : NULL;
	if (strcmp(sub, "add") == 0) {
		char key[69];
		rc = staff_apikey_add(&hl, name, o.role, key);
		if (!rc && o.json)
			printf("{\"name\":\"%s\",\"role\":\"%s\",\"key\":\"%s\"}\n", name, o.role, key);
		else if (!rc)
			printf("API key %s (%s): %s\nIt is not shown again.\n", name, o.role, key);
	} else if (strcmp(sub, "list") == 0) {
		struct db *db = hotline_db(&hl);
		json_t *arr = o.json ? json_array() : NULL;
		rc = db ? store_apikey_list(db, list_key, arr, &a) : HL_EIO;
		hotline_db_put(&hl, db);
		if (arr)
			print_json_array(arr);
	} else {
		rc = staff_apikey_revoke(&hl, name);
		if (!rc)
			printf("API key %s revoked\n", name);
	}
	arena_free(&a);
	hotline_close(&hl);
	if (rc == HL_EINVAL) {
		cli_usage_error("apikey", "names are 1-64 of A-Z a-z 0-9 . _ - @; roles: operator, "
					  "analyst, case_worker, supervisor, admin, auditor");
		return EXIT_USAGE;
	}
	if (rc == HL_ENOTFOUND) {
		fprintf(stderr, "hotline apikey: no active key '%s'\n", name ? name : "");
		return EXIT_NOTFOUND;
	}
	if (rc == HL_EEXIST) {
		fprintf(stderr, "hotline apikey: a key '%s' exists already\n", name ? name : "");
		return EXIT_EXISTS;
	}
	return rc ? EXIT_RUNTIME : 0;
}
