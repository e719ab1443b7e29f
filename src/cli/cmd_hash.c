/* cmd_hash.c — `hotline hash FILE...`: the PDQ hash, its quality and the
 * exact digests (MD5, SHA-1, SHA-256) of image files, as the intake
 * computes them for attachments. Each file is read into memory (up to a
 * size limit), hashed, and its bytes wiped and freed before the next one:
 * nothing of the image outlives its line of output. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "exacthash.h"
#include "image.h"
#include "pdq.h"
#include "utf8.h"

/* default largest file read: 256 MiB */
#define HASH_DEFAULT_MAX_BYTES (256ull << 20)

static void hash_help(void)
{
	printf("Usage: hotline hash [OPTIONS] FILE...\n\n"
	       "Prints, for each image file, its PDQ perceptual hash (64 hex digits), the\n"
	       "PDQ quality (0-100) and the file's MD5, SHA-1 and SHA-256, one line per file:\n\n"
	       "  PDQ <tab> QUALITY <tab> MD5 <tab> SHA1 <tab> SHA256 <tab> FILE\n\n"
	       "Formats: JPEG (pixels as stored: EXIF orientation is ignored, as the PDQ\n"
	       "reference does; the dihedral variants cover rotated copies), PNG (any bit\n"
	       "depth, palette, grey, alpha), WebP, GIF (first frame) and BMP. The hash is\n"
	       "bit for bit the one of Meta's PDQ library pipeline at full resolution (what\n"
	       "hasher-matcher-actioner and the Python and Java ports compute).\n\n"
	       "Options:\n"
	       "  --json               one JSON object per line instead, with the keys\n"
	       "                       file, pdq, quality, md5, sha1, sha256\n"
	       "  --reference-resize   first resize images larger than 512 pixels to 512x512\n"
	       "                       (nearest neighbour), as Meta's pdq-photo-hasher tool\n"
	       "                       does; its hashes differ from the library's by 0-10 bits\n"
	       "  --fast               decode large JPEGs at a reduced scale (1/2 to 1/8, the\n"
	       "                       shorter side kept at 768 pixels or more): 2-3 times\n"
	       "                       faster on large files, within a few bits of the exact\n"
	       "                       hash but not bit-exact (ignored with --reference-resize)\n"
	       "  --max-pixels N       refuse images of more than N pixels, checked from the\n"
	       "                       header before decoding (default %llu)\n"
	       "  --max-bytes N        refuse files larger than N bytes (default %llu)\n"
	       "  --help               show this help\n\n"
	       "A file that cannot be read or decoded (truncated, corrupt, too large) gets a\n"
	       "message naming it on standard error; the other files are still hashed.\n\n"
	       "Exit status: 0 every file hashed, 1 bad arguments, 2 at least one file could\n"
	       "not be hashed.\n",
	       (unsigned long long)IMAGE_DEFAULT_MAX_PIXELS,
	       (unsigned long long)HASH_DEFAULT_MAX_BYTES);
}

/* A positive decimal number into *out; 0 or -1. */
static int parse_count(const char *s, unsigned long long *out)
{
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v == 0)
		return -1;
	*out = v;
	return 0;
}

/* Reads the whole file at path into a malloc'd buffer (*data, *len; the
 * caller wipes and frees it). 0; HL_EIO (errno says why); HL_ETOOBIG (more
 * than max bytes); HL_ENOMEM. */
static int read_file(const char *path, unsigned long long max, uint8_t **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return HL_EIO;
	struct stat st;
	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			errno = EISDIR;
		int saved = errno;
		close(fd);
		errno = saved;
		return HL_EIO;
	}
	if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max) {
		close(fd);
		return HL_ETOOBIG;
	}
	/* a regular file is read at its size; anything else (a pipe) grows */
	size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size : 65536;
	if (cap > max)
		cap = (size_t)max;
	uint8_t *buf = malloc(cap), one;
	size_t n = 0;
	int rc = buf ? 0 : HL_ENOMEM;
	while (!rc) {
		ssize_t r;
		if (n == cap) {
			/* full: one more byte tells whether the file goes on */
			r = read(fd, &one, 1);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				rc = r < 0 ? HL_EIO : 0;
				break;
			}
			if (n + 1 > max) {
				rc = HL_ETOOBIG;
				break;
			}
			size_t ncap = cap * 2 < max ? cap * 2 : (size_t)max;
			uint8_t *nb = realloc(buf, ncap);
			if (!nb) {
				rc = HL_ENOMEM;
				break;
			}
			buf = nb;
			cap = ncap;
			buf[n++] = one;
			continue;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? HL_EIO : 0;
			break;
		}
		n += (size_t)r;
	}
	int saved = errno;
	close(fd);
	errno = saved;
	if (rc) {
		if (buf)
			explicit_bzero(buf, n);
		free(buf);
		return rc;
	}
	*data = buf;
	*len = n;
	return 0;
}

/* The file name for JSON: as is when it is UTF-8, else with every byte
 * above 0x7f replaced by '?'. malloc'd. */
static char *json_name(const char *path)
{
	size_t n = strlen(path);
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	memcpy(s, path, n + 1);
	if (!utf8_valid(s, n))
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] > 0x7f)
				s[i] = '?';
	return s;
}

static int print_json(const char *path, const char *pdq, int quality, const char *md5,
                      const char *sha1, const char *sha256)
{
	char *name = json_name(path);
	json_t *o = name ? json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "file", name, "pdq", pdq,
	                             "quality", quality, "md5", md5, "sha1", sha1, "sha256", sha256)
	                 : NULL;
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	int rc = text ? 0 : HL_ENOMEM;
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(o);
	free(name);
	return rc;
}

/* Hashes one file and prints its line. 0, or non-zero after printing a
 * message naming the file on stderr. */
static int hash_one(const char *path, const struct pdq_options *po, unsigned long long max_bytes,
                    int json)
{
	uint8_t *data;
	size_t len;
	int rc = read_file(path, max_bytes, &data, &len);
	if (rc) {
		if (rc == HL_ETOOBIG)
			fprintf(stderr,
			        "hotline hash: %s: file larger than the limit (--max-bytes)\n",
			        path);
		else if (rc == HL_ENOMEM)
			fprintf(stderr, "hotline hash: %s: out of memory\n", path);
		else
			fprintf(stderr, "hotline hash: %s: %s\n", path, strerror(errno));
		return rc;
	}
	struct exacthash ex;
	struct pdq_result pr;
	rc = pdq_hash_image(data, len, po, &pr);
	int xrc = rc ? 0 : exacthash_all(data, len, &ex);
	explicit_bzero(data, len);
	free(data);
	if (rc) {
		fprintf(stderr, "hotline hash: %s: %s\n", path, image_error_text(pr.image.error));
		return rc;
	}
	if (xrc) {
		fprintf(stderr, "hotline hash: %s: digest failed\n", path);
		return xrc;
	}
	char pdq[65], md5[2 * EXACTHASH_MD5_LEN + 1], sha1[2 * EXACTHASH_SHA1_LEN + 1],
	    sha256[2 * EXACTHASH_SHA256_LEN + 1];
	pdq_hash_to_hex(&pr.hash, pdq);
	exacthash_to_hex(ex.md5, sizeof ex.md5, md5);
	exacthash_to_hex(ex.sha1, sizeof ex.sha1, sha1);
	exacthash_to_hex(ex.sha256, sizeof ex.sha256, sha256);
	if (json)
		return print_json(path, pdq, pr.quality, md5, sha1, sha256);
	printf("%s\t%d\t%s\t%s\t%s\t%s\n", pdq, pr.quality, md5, sha1, sha256, path);
	return 0;
}

int cmd_hash(int argc, char **argv)
{
	int json = 0;
	struct pdq_options po = {0};
	unsigned long long max_bytes = HASH_DEFAULT_MAX_BYTES, v;
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"reference-resize", no_argument, NULL, 'r'},
	    {"fast", no_argument, NULL, 'f'},
	    {"max-pixels", required_argument, NULL, 'p'},
	    {"max-bytes", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'r': po.reference_resize = 1; break;
		case 'f': po.fast = 1; break;
		case 'p':
			if (parse_count(optarg, &v)) {
				cli_usage_error("hash", "--max-pixels needs a positive number");
				return EXIT_USAGE;
			}
			po.max_pixels = v;
			break;
		case 'b':
			if (parse_count(optarg, &v)) {
				cli_usage_error("hash", "--max-bytes needs a positive number");
				return EXIT_USAGE;
			}
			max_bytes = v;
			break;
		case 'h': hash_help(); return 0;
		default:
			cli_usage_error("hash", "unknown or incomplete option '%s'",
			                argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_usage_error("hash", "no file to hash");
		return EXIT_USAGE;
	}
	int failed = 0;
	for (int i = optind; i < argc; i++) {
		if (hash_one(argv[i], &po, max_bytes, json))
			failed = 1;
		fflush(stdout);
	}
	return failed ? EXIT_RUNTIME : 0;
}
