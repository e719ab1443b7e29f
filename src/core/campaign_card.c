/* campaign_card.c — the share card PNG (see campaign_card.h).
 *
 * The font is our own 5x7 dot matrix, drawn for this file: each glyph is
 * seven rows of five dots, '#' set. A palette PNG of four colours keeps the
 * file small and quick to compress. */
#include "campaign_card.h"

#include <png.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

struct glyph {
	char ch;
	const char *rows[7];
};

static const struct glyph font[] = {
    {' ', {".....", ".....", ".....", ".....", ".....", ".....", "....."}},
    {'A', {".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"}},
    {'B', {"####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."}},
    {'C', {".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."}},
    {'D', {"####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."}},
    {'E', {"#####", "#....", "#....", "####.", "#....", "#....", "#####"}},
    {'F', {"#####", "#....", "#....", "####.", "#....", "#....", "#...."}},
    {'G', {".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"}},
    {'H', {"#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"}},
    {'I', {".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."}},
    {'J', {"..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."}},
    {'K', {"#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"}},
    {'L', {"#....", "#....", "#....", "#....", "#....", "#....", "#####"}},
    {'M', {"#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"}},
    {'N', {"#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"}},
    {'O', {".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."}},
    {'P', {"####.", "#...#", "#...#", "####.", "#....", "#....", "#...."}},
    {'Q', {".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"}},
    {'R', {"####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"}},
    {'S', {".####", "#....", "#....", ".###.", "....#", "....#", "####."}},
    {'T', {"#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."}},
    {'U', {"#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."}},
    {'V', {"#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."}},
    {'W', {"#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."}},
    {'X', {"#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"}},
    {'Y', {"#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."}},
    {'Z', {"#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"}},
    {'0', {".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."}},
    {'1', {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."}},
    {'2', {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"}},
    {'3', {"#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."}},
    {'4', {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."}},
    {'5', {"#####", "#....", "####.", "....#", "....#", "#...#", ".###."}},
    {'6', {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."}},
    {'7', {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."}},
    {'8', {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."}},
    {'9', {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."}},
    {'.', {".....", ".....", ".....", ".....", ".....", ".##..", ".##.."}},
    {',', {".....", ".....", ".....", ".....", ".##..", "..#..", ".#..."}},
    {':', {".....", ".##..", ".##..", ".....", ".##..", ".##..", "....."}},
    {';', {".....", ".##..", ".##..", ".....", ".##..", "..#..", ".#..."}},
    {'-', {".....", ".....", ".....", "#####", ".....", ".....", "....."}},
    {'+', {".....", "..#..", "..#..", "#####", "..#..", "..#..", "....."}},
    {'/', {".....", "....#", "...#.", "..#..", ".#...", "#....", "....."}},
    {'(', {"...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#."}},
    {')', {".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#..."}},
    {'%', {"##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##"}},
    {'\'', {"..#..", "..#..", ".#...", ".....", ".....", ".....", "....."}},
    {'"', {".#.#.", ".#.#.", ".....", ".....", ".....", ".....", "....."}},
    {'?', {".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#.."}},
    {'!', {"..#..", "..#..", "..#..", "..#..", "..#..", ".....", "..#.."}},
    {'&', {".##..", "#..#.", "#.#..", ".#...", "#.#.#", "#..#.", ".##.#"}},
    {'@', {".###.", "#...#", "#.###", "#.#.#", "#.###", "#....", ".###."}},
    {'#', {".#.#.", ".#.#.", "#####", ".#.#.", "#####", ".#.#.", ".#.#."}},
    {'=', {".....", ".....", "#####", ".....", "#####", ".....", "....."}},
    {'_', {".....", ".....", ".....", ".....", ".....", ".....", "#####"}},
    {'*', {".....", "..#..", "#.#.#", ".###.", "#.#.#", "..#..", "....."}},
    {'<', {"...#.", "..#..", ".#...", "#....", ".#...", "..#..", "...#."}},
    {'>', {".#...", "..#..", "...#.", "....#", "...#.", "..#..", ".#..."}},
};

static const struct glyph *glyph_of(char ch)
{
	for (size_t i = 0; i < sizeof font / sizeof font[0]; i++)
		if (font[i].ch == ch)
			return &font[i];
	return NULL;
}

/* Decodes one UTF-8 code point (lenient: a bad byte is U+FFFD). */
static uint32_t next_cp(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	uint32_t cp;
	int extra;
	if (p[0] < 0x80) {
		cp = p[0];
		extra = 0;
	} else if ((p[0] & 0xE0) == 0xC0) {
		cp = p[0] & 0x1F;
		extra = 1;
	} else if ((p[0] & 0xF0) == 0xE0) {
		cp = p[0] & 0x0F;
		extra = 2;
	} else if ((p[0] & 0xF8) == 0xF0) {
		cp = p[0] & 0x07;
		extra = 3;
	} else {
		*pp = p + 1;
		return 0xFFFD;
	}
	for (int i = 1; i <= extra; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			*pp = p + i;
			return 0xFFFD;
		}
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	*pp = p + 1 + extra;
	return cp;
}

void campaign_card_fold(const char *text, char *out, size_t n)
{
	/* Latin-1 letters U+00C0..U+00FF by their base letter */
	static const char latin1[] = "AAAAAAACEEEEIIII"
	                             "DNOOOOOxOUUUUYTs"
	                             "AAAAAAACEEEEIIII"
	                             "dNOOOOO/OUUUUYTY";
	size_t o = 0;
	if (!n)
		return;
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	while (*p && o + 1 < n) {
		uint32_t cp = next_cp(&p);
		const char *rep = NULL;
		char one[2] = {0, 0};
		if (cp >= 'a' && cp <= 'z')
			one[0] = (char)(cp - 32);
		else if (cp < 0x80 && cp >= 0x20)
			one[0] = (char)cp;
		else if (cp == 0xDF)
			rep = "SS";
		else if (cp == 0xC6 || cp == 0xE6)
			rep = "AE";
		else if (cp == 0x152 || cp == 0x153)
			rep = "OE";
		else if (cp == 0x20AC)
			rep = "EUR";
		else if (cp == 0xA0 || cp == 0x202F || cp == 0x2009)
			one[0] = ' ';
		else if (cp == 0x2019 || cp == 0x2018)
			one[0] = '\'';
		else if (cp == 0x2013 || cp == 0x2014)
			one[0] = '-';
		else if (cp == 0xB7 || cp == 0x2022)
			one[0] = '-';
		else if (cp >= 0xC0 && cp <= 0xFF) {
			char c = latin1[cp - 0xC0];
			one[0] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
		} else
			one[0] = '?';
		if (!rep)
			rep = one;
		for (const char *r = rep; *r && o + 1 < n; r++) {
			char ch = *r;
			if (ch >= 'a' && ch <= 'z')
				ch = (char)(ch - 32);
			out[o++] = glyph_of(ch) ? ch : '?';
		}
	}
	out[o] = '\0';
}

#define MARGIN 60

static void draw_text(uint8_t *px, const char *s, size_t len, int x, int y, int scale, int color)
{
	for (size_t i = 0; i < len; i++, x += 6 * scale) {
		const struct glyph *g = glyph_of(s[i]);
		if (!g)
			continue;
		for (int r = 0; r < 7; r++)
			for (int c = 0; c < 5; c++) {
				if (g->rows[r][c] != '#')
					continue;
				for (int dy = 0; dy < scale; dy++) {
					int yy = y + r * scale + dy;
					if (yy < 0 || yy >= CAMPAIGN_CARD_H)
						continue;
					for (int dx = 0; dx < scale; dx++) {
						int xx = x + c * scale + dx;
						if (xx >= 0 && xx < CAMPAIGN_CARD_W)
							px[(size_t)yy * CAMPAIGN_CARD_W +
							   (size_t)xx] = (uint8_t)color;
					}
				}
			}
	}
}

int campaign_card_png(const struct campaign_card_line *lines, size_t n, struct buf *out)
{
	uint8_t *px = calloc((size_t)CAMPAIGN_CARD_W * CAMPAIGN_CARD_H, 1);
	if (!px)
		return HL_ENOMEM;
	/* a band on the left, in the accent colour */
	for (int y = 0; y < CAMPAIGN_CARD_H; y++)
		memset(px + (size_t)y * CAMPAIGN_CARD_W, CARD_ACCENT, 16);
	int y = MARGIN;
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		int scale = lines[i].scale;
		if (scale < 2 || scale > 16) {
			rc = HL_EINVAL;
			break;
		}
		char folded[512];
		campaign_card_fold(lines[i].text, folded, sizeof folded);
		size_t per_line = (size_t)((CAMPAIGN_CARD_W - 2 * MARGIN) / (6 * scale));
		const char *p = folded;
		while (*p && per_line) {
			size_t len = strlen(p);
			size_t take = len;
			if (len > per_line) {
				take = per_line;
				while (take > 0 && p[take] != ' ')
					take--;
				if (take == 0)
					take = per_line;
			}
			if (y + 7 * scale > CAMPAIGN_CARD_H - 20)
				break; /* no room left: the line is left out */
			draw_text(px, p, take, MARGIN, y, scale, lines[i].color);
			y += 10 * scale;
			p += take;
			while (*p == ' ')
				p++;
		}
		y += lines[i].gap_after;
	}
	if (rc) {
		free(px);
		return rc;
	}
	/* calm colours: deep blue ground, white text, warm yellow accent, grey-blue muted */
	static const uint8_t cmap[4 * 3] = {0x1b, 0x2a, 0x41, 0xff, 0xff, 0xff,
	                                    0xf4, 0xc9, 0x5d, 0xb8, 0xc6, 0xd9};
	png_image img;
	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	img.width = CAMPAIGN_CARD_W;
	img.height = CAMPAIGN_CARD_H;
	img.format = PNG_FORMAT_RGB_COLORMAP;
	img.colormap_entries = 4;
	png_alloc_size_t size = 0;
	if (!png_image_write_to_memory(&img, NULL, &size, 0, px, CAMPAIGN_CARD_W, cmap)) {
		free(px);
		png_image_free(&img);
		return HL_ENOMEM;
	}
	void *mem = malloc(size);
	if (!mem) {
		free(px);
		return HL_ENOMEM;
	}
	if (!png_image_write_to_memory(&img, mem, &size, 0, px, CAMPAIGN_CARD_W, cmap)) {
		free(mem);
		free(px);
		png_image_free(&img);
		return HL_ENOMEM;
	}
	rc = buf_append(out, mem, size);
	free(mem);
	free(px);
	return rc;
}
