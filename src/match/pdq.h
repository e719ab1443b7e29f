/* pdq.h — Meta's PDQ perceptual hash, written from the published algorithm
 * (pdqhash-2017-10-09.pdf) and matching the C++ reference bit for bit:
 * float luma (0.299 R + 0.587 G + 0.114 B), two passes of Jarosz box
 * filters with the reference's running sums, decimation to 64x64, the
 * quality metric from the gradient sum, a 2-D DCT to 16x16 and a threshold
 * at the median. The 8 dihedral variants come from the DCT (sign and
 * transpose patterns), without hashing the image again.
 *
 * Two pipelines (see ../shared/pdq-vectors/README.txt):
 *  - the library pipeline, full resolution (the default): what
 *    hasher-matcher-actioner, the Python binding and the Java port compute;
 *  - with pdq_options.reference_resize, the reference command-line tool's
 *    512x512 nearest-neighbour pre-resize of images larger than 512.
 *
 * The filter runs as a stream over the rows as the decoder produces them,
 * holding only a window of rows (about rows/128 + 16 rows of floats), so
 * hashing needs no full-size float buffer.
 *
 * Hashes are 32 bytes in the order they are printed: byte 0 holds the
 * first two hex digits. Coefficient k = 16*row + col of the 16x16 DCT is
 * bit k of that 256-bit big-endian number, as in the reference.
 */
#ifndef HL_PDQ_H
#define HL_PDQ_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"

struct pdq_hash {
	uint8_t b[32];
};

/* Index of each dihedral variant in pdq_result.dihedral, in the order the
 * reference prints them (--pdqdih-across). */
enum pdq_dihedral {
	PDQ_ORIGINAL = 0,
	PDQ_ROTATE90,
	PDQ_ROTATE180,
	PDQ_ROTATE270,
	PDQ_FLIPX,
	PDQ_FLIPY,
	PDQ_FLIP_PLUS1,
	PDQ_FLIP_MINUS1,
	PDQ_NUM_DIHEDRAL
};

struct pdq_options {
	/* the reference CLI's 512x512 nearest-neighbour pre-resize */
	int reference_resize;
	/* fast mode: decode large JPEGs at a reduced DCT scale (1/2, 1/4,
	 * 1/8) keeping the shorter side >= PDQ_FAST_MIN_SIDE. Not bit-exact:
	 * within a few bits of the exact hash (docs/PERFORMANCE.md, Hashing). */
	int fast;
	/* also fill pdq_result.dihedral */
	int dihedral;
	/* pixel-count limit passed to the decoder (0: the image.h default) */
	uint64_t max_pixels;
};

/* Fast mode's smallest shorter side after JPEG DCT scaling. */
#define PDQ_FAST_MIN_SIDE 768

struct pdq_result {
	struct pdq_hash hash;
	int quality;                                /* 0..100 */
	struct pdq_hash dihedral[PDQ_NUM_DIHEDRAL]; /* with pdq_options.dihedral */
	struct image_info image;                    /* the decoder's view of the file */
};

/* Decodes data (len bytes, left untouched and owned by the caller) and
 * hashes it. opt may be NULL (library pipeline, exact, default limit).
 * Returns 0 or a negative HL_E... code from image_decode() (HL_EINVAL,
 * HL_ETOOBIG, HL_ENOMEM); out->image.error then holds a message key
 * (image_error_text() turns it into English). Memory: one window of rows,
 * freed before returning. */
int pdq_hash_image(const void *data, size_t len, const struct pdq_options *opt,
                   struct pdq_result *out);

/* The reference library function pdqHash256FromFloatLuma on a whole
 * row-major float luma image (rows x cols, left untouched). Images with a
 * side under 5 pixels hash to all zeros with quality 0, as in the
 * reference. dct (may be NULL) receives the 16x16 DCT for
 * pdq_dihedral_from_dct(). Returns 0, HL_EINVAL (bad size) or HL_ENOMEM. */
int pdq_hash_luma(const float *luma, int rows, int cols, struct pdq_hash *hash, int *quality,
                  float dct[256]);

/* The reference's pdqHash256FromFloatLuma transcribed literally: two
 * full-size float buffers, each box pass over the whole image, the column
 * passes striding a row apart, then decimation. Slow (the figure the
 * issue's targets are measured against); kept as an independent oracle
 * for the tests and as the benchmark's reference pipeline. luma (rows x
 * cols) is used as the first buffer and overwritten. Same results and
 * returns as pdq_hash_luma(). */
int pdq_reference_hash_luma(float *luma, int rows, int cols, struct pdq_hash *hash, int *quality,
                            float dct[256]);

/* Streaming form of pdq_hash_luma(): push exactly `rows` rows of `cols`
 * floats, top to bottom, then finish. The hasher owns its buffers;
 * pdq_hasher_free() releases them (NULL is fine). */
struct pdq_hasher;
int pdq_hasher_new(struct pdq_hasher **out, int rows, int cols);
void pdq_hasher_push(struct pdq_hasher *h, const float *row);
/* Returns 0, or HL_EINVAL if the wrong number of rows was pushed. */
int pdq_hasher_finish(struct pdq_hasher *h, struct pdq_hash *hash, int *quality, float dct[256]);
void pdq_hasher_free(struct pdq_hasher *h);

/* The hash of a 16x16 DCT: bit set where the coefficient exceeds the
 * median (the 128th smallest of the 256). */
void pdq_hash_from_dct(const float dct[256], struct pdq_hash *hash);

/* All 8 dihedral hashes (original, rotations, flips) from one DCT. */
void pdq_dihedral_from_dct(const float dct[256], struct pdq_hash out[PDQ_NUM_DIHEDRAL]);

/* 64 lowercase hex digits and a NUL into out[65]. */
void pdq_hash_to_hex(const struct pdq_hash *h, char out[65]);

/* Parses 64 hex digits (either case, nothing else). 0 or HL_EINVAL. */
int pdq_hash_from_hex(const char *hex, struct pdq_hash *h);

/* Number of differing bits, 0..256. */
int pdq_distance(const struct pdq_hash *a, const struct pdq_hash *b);

#endif
