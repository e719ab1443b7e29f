/* cli.h — the subcommands. Each takes argc/argv with argv[0] its own name
 * and returns the process exit status: 0 success, 1 usage error,
 * 2 runtime failure, 3 not found, 4 already exists / verification failed. */
#ifndef HL_CLI_H
#define HL_CLI_H

enum { EXIT_USAGE = 1, EXIT_RUNTIME = 2, EXIT_NOTFOUND = 3, EXIT_EXISTS = 4, EXIT_INVALID = 4 };

int cmd_serve(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_hash(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_apikey(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_stats(int argc, char **argv); /* items: statistics */
int cmd_hashlist(int argc, char **argv);
int cmd_mail(int argc, char **argv);
int cmd_geo(int argc, char **argv);

/* Prints "hotline CMD: message" on stderr and a pointer to --help. */
void cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
