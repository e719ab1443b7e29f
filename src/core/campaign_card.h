/* campaign_card.h — the campaign's share card: a PNG drawn from text lines
 * with a small built-in 5x7 bitmap font (capitals, digits, common signs;
 * accented letters are drawn as their base letter). No photo, no outside
 * font file. */
#ifndef HL_CAMPAIGN_CARD_H
#define HL_CAMPAIGN_CARD_H

#include <stddef.h>

#include "buf.h"

#define CAMPAIGN_CARD_W 1200
#define CAMPAIGN_CARD_H 630

enum campaign_card_color { CARD_TEXT = 1, CARD_ACCENT = 2, CARD_MUTED = 3 };

struct campaign_card_line {
	const char *text; /* UTF-8; folded to the font's capitals */
	int scale;        /* pixels per font dot, 2..16 */
	int color;        /* enum campaign_card_color */
	int gap_after;    /* extra pixels below the line */
};

/* Draws the lines top-down from a margin, wrapping long lines at spaces,
 * and appends the PNG to out. Lines that do not fit are left out.
 * Returns 0, HL_EINVAL (bad scale) or HL_ENOMEM/HL_ETOOBIG. */
int campaign_card_png(const struct campaign_card_line *lines, size_t n, struct buf *out);

/* Folds UTF-8 text to what the font draws ("é" → "E", "ß" → "SS",
 * "€" → "EUR", unknown → "?") into out (size n, always terminated). */
void campaign_card_fold(const char *text, char *out, size_t n);

#endif
