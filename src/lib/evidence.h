/* evidence.h — plain records of what a report carries besides text: the
 * hashes of a file that reached Hotline, a hash submitted alone, and a
 * match against a known-hash list. Shared by intake, the store and the
 * matcher; no behaviour here. */
#ifndef HL_EVIDENCE_H
#define HL_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A file that reached Hotline (API upload, e-mail): only what was learnt
 * from it is kept; its bytes were hashed in memory and discarded. */
struct report_attachment {
	const char *name; /* the file name as given (UTF-8), or NULL */
	const char *type; /* the media type as given, or NULL */
	uint64_t size;    /* bytes */
	uint8_t md5[16], sha1[20], sha256[32];
	bool has_pdq; /* an image that decoded: pdq and pdq_quality are set */
	uint8_t pdq[32];
	int pdq_quality;
	const char *problem; /* why there is no PDQ: "image.too_large", "image.undecodable", NULL */
};

/* A hash a reporter or partner submitted without the file. */
struct report_hash {
	const char *algo; /* "pdq", "md5", "sha1", "sha256" */
	uint8_t bytes[32];
	size_t len; /* 32, 16, 20, 32 */
};

/* One known-hash list entry a report's attachment or hash matched. */
struct report_match {
	int64_t entry_id, list_id;
	const char *algo;  /* "pdq", "md5", "sha1", "sha256" */
	unsigned distance; /* 0 for exact hashes */
	int attachment;    /* index into attachments, or -1 */
	int hash;          /* index into hashes, or -1 */
	const char *action; /* the list's action */
};

#endif
