/* bench_console_fill.c — fills a data folder with N synthetic reports for
 * bench/console, straight through the store (not over HTTP: the intake
 * benchmark measures that). Usage: bench_console_fill DATA_DIR N
 * Reports are benign and synthetic: example.org URLs, fixed text. Kinds,
 * channels and states are spread so that every filter has rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "hotline.h"
#include "receipt.h"
#include "reports.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench_console_fill DATA_DIR N\n");
		return 1;
	}
	long long n = atoll(argv[2]);
	if (n <= 0 || n > 50000000) {
		fprintf(stderr, "N must be 1..50000000\n");
		return 1;
	}
	if (hotline_init_data(argv[1], NULL))
		return 2;
	char path[4096];
	snprintf(path, sizeof path, "%s/hotline.db", argv[1]);
	struct db *db;
	if (db_open(path, &db) || db_migrate(db))
		return 2;
	db_exec(db, "PRAGMA synchronous=OFF"); /* filling, not measuring */
	int64_t next;
	if (store_report_next_id(db, &next))
		return 2;
	static const char *const kinds[] = {"abuse_material", "abuse_material", "exploitation",
					    "immediate_danger", "abuse_material"};
	static const char *const channels[] = {"web", "api", "web", "phone", "email"};
	unsigned char hash[32];
	memset(hash, 7, sizeof hash);
	long long done = 0;
	while (done < n) {
		if (db_begin(db))
			return 2;
		for (int k = 0; k < 50000 && done < n; k++, done++) {
			int64_t id = next + done;
			char num[RECEIPT_NUMBER_SIZE], url[96];
			receipt_number_for_id((unsigned long long)id, num);
			snprintf(url, sizeof url, "https://example.org/bench/%lld", (long long)id);
			const char *u = url;
			struct store_new_report r = {0};
			r.id = id;
			r.number = num;
			r.secret_hash = hash;
			r.kind = kinds[id % 5];
			r.channel = channels[(id / 5) % 5];
			r.description = "Synthetic benchmark report (benign test data).";
			r.received_at = "2026-01-01T00:00:00Z";
			r.priority = strcmp(r.kind, "immediate_danger") == 0 ? 2 : 0;
			r.urls = &u;
			r.urls_norm = &u;
			r.nurls = 1;
			if (store_report_insert(db, &r)) {
				fprintf(stderr, "insert failed at %lld\n", (long long)id);
				return 2;
			}
		}
		if (db_commit(db))
			return 2;
	}
	/* a share of the reports move on, so that state filters have rows */
	db_exec(db, "UPDATE reports SET state = 'closed' WHERE id % 3 = 0");
	db_exec(db, "UPDATE reports SET state = 'under_analysis' WHERE id % 7 = 1");
	db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	db_close(db);
	printf("filled %lld reports\n", done);
	return 0;
}
