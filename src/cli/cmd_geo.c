/* cmd_geo.c — `hotline geo asn-mmdb OUT.mmdb CSV...`: turns the
 * ip-location-db ASN CSV files (rows "start_ip,end_ip,asn,organisation")
 * into a MaxMind DB (maxmind.github.io/MaxMind-DB) that the hosting
 * look-ups read with libmaxminddb, as tests/http/mmdb_writer.py does but
 * in seconds and bounded memory.
 *
 * Each range becomes its CIDR networks (as Python's
 * ipaddress.summarize_address_range), kept in one array per prefix length;
 * the networks then go into a binary trie held in one array of nodes,
 * shortest prefixes first, so a more specific network wins over a wider
 * one it overlaps (and of two equal networks the later row wins). The tree
 * is IPv6 with IPv4 under ::/96, 32-bit records; identical data records
 * (same number and organisation) are stored once, their two map keys once
 * at the start of the data section and pointed to. The file is written to
 * OUT.tmp and renamed over OUT. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "err.h"
#include "utf8.h"

/* longest CSV line read (the real files stay under 300 bytes) */
#define GEO_MAX_LINE 4096
/* organisations are cut to this many characters, as the Python script did */
#define GEO_ORG_MAX_CHARS 200
/* limits that keep hostile input from taking the machine's memory (about
 * 170 MB of networks while reading, 130 MB of tree, 64 MiB of records at
 * most); the real data (515,000 ranges in 2026) needs 732,000 networks,
 * 1.2 million nodes and 3 MB of records */
#define GEO_MAX_PREFIXES (1u << 22)
#define GEO_MAX_NODES (1u << 24)
#define GEO_MAX_DATA (64u << 20)
/* bad rows reported one by one; the rest are only counted */
#define GEO_MAX_REPORTED 100

/* a record while the tree is built: a node index, or the data section
 * offset with the top bit set, or empty */
#define GEO_REC_DATA 0x80000000u
#define GEO_REC_EMPTY 0xFFFFFFFFu

#define GEO_KEY_ASN "autonomous_system_number"
#define GEO_KEY_ORG "autonomous_system_organization"
#define GEO_DESCRIPTION "ip-location-db asn (CC BY 4.0 / PDDL)"

/* MMDB data types */
enum {
	MT_POINTER = 1,
	MT_STRING = 2,
	MT_UINT16 = 5,
	MT_UINT32 = 6,
	MT_MAP = 7,
	MT_UINT64 = 9,
	MT_ARRAY = 11
};

typedef unsigned __int128 geo_u128;

/* one network: the 128-bit address as four big-endian-ordered words, and
 * its record (the prefix length is the bucket it sits in) */
struct geo_prefix {
	uint32_t w[4];
	uint32_t rec;
};

struct geo_bucket {
	struct geo_prefix *p;
	size_t n, cap;
};

/* one distinct data record: where it is in the data section */
struct geo_slot {
	uint32_t off, len, hash;
};

struct geo {
	struct geo_bucket bucket[129];
	size_t nprefixes;
	struct buf data;      /* the data section */
	uint32_t key_asn_off; /* the two map keys, written once */
	uint32_t key_org_off;
	struct geo_slot *slot; /* open addressing, capacity a power of two */
	size_t nslots, nrecords;
	uint32_t (*node)[2]; /* the tree; node 0 is the root */
	size_t nnodes, node_cap;
	unsigned long rows, bad;
};

static void geo_help(void)
{
	printf("Usage: hotline geo asn-mmdb OUT.mmdb CSV...\n\n"
	       "Converts IP-to-network CSV files into a MaxMind DB that the item hosting\n"
	       "look-ups read (profile key geo_asn_mmdb; scripts/geo.sh runs this on the\n"
	       "npm package @ip-location-db/asn, files asn-ipv4.csv and asn-ipv6.csv).\n\n"
	       "Each CSV row is\n\n"
	       "  START_IP,END_IP,ASN,ORGANISATION\n\n"
	       "an IPv4 or IPv6 range (both ends included, both of one family), the\n"
	       "autonomous system number (0 to 4294967295) and its organisation (UTF-8,\n"
	       "quoted as in RFC 4180 when it holds a comma or a quote; cut to %d\n"
	       "characters). Blank lines are ignored. A row that does not parse is\n"
	       "reported on standard error as FILE:LINE with the reason and skipped (the\n"
	       "first %d one by one, then only counted).\n\n"
	       "The database: an IPv6 tree with IPv4 under ::/96, 32-bit records, database\n"
	       "type \"ip-location-db-ASN\", each address mapping to\n"
	       "{\"autonomous_system_number\": uint32, \"autonomous_system_organization\":\n"
	       "string}. Where ranges overlap, the more specific network wins. It is\n"
	       "written to OUT.mmdb.tmp and renamed to OUT.mmdb, so a reader never sees a\n"
	       "partial file. Limits: %u networks, %u tree nodes, %u MiB of records.\n\n"
	       "Options:\n"
	       "  --help   show this help\n\n"
	       "Exit status: 0 written (bad rows skipped, if any), 1 bad arguments, 2 a file\n"
	       "could not be read or written, no valid row, or a limit was reached.\n",
	       GEO_ORG_MAX_CHARS, GEO_MAX_REPORTED, GEO_MAX_PREFIXES, GEO_MAX_NODES,
	       GEO_MAX_DATA >> 20);
}

static void geo_top_help(void)
{
	printf("Usage: hotline geo SUBCOMMAND ...\n\n"
	       "IP geolocation databases for the item hosting look-ups.\n\n"
	       "Subcommands:\n"
	       "  asn-mmdb OUT.mmdb CSV...   convert ip-location-db ASN CSV files into a\n"
	       "                             MaxMind DB\n\n"
	       "Run 'hotline geo asn-mmdb --help' for the details.\n");
}

/* ---------------------------------------------------------------------
 * MMDB encoding */

/* A control byte (and the extended type byte and size bytes) for a value
 * of type and size. */
static int geo_put_ctrl(struct buf *b, int type, size_t size)
{
	unsigned char out[6];
	size_t n = 0;
	unsigned char first = type <= 7 ? (unsigned char)(type << 5) : 0;
	unsigned char tail[3];
	size_t nt = 0;
	if (size < 29) {
		first |= (unsigned char)size;
	} else if (size < 285) {
		first |= 29;
		tail[nt++] = (unsigned char)(size - 29);
	} else if (size < 65821) {
		first |= 30;
		tail[nt++] = (unsigned char)((size - 285) >> 8);
		tail[nt++] = (unsigned char)(size - 285);
	} else {
		first |= 31;
		size -= 65821;
		tail[nt++] = (unsigned char)(size >> 16);
		tail[nt++] = (unsigned char)(size >> 8);
		tail[nt++] = (unsigned char)size;
	}
	out[n++] = first;
	if (type > 7)
		out[n++] = (unsigned char)(type - 7);
	memcpy(out + n, tail, nt);
	return buf_append(b, out, n + nt);
}

static int geo_put_string(struct buf *b, const char *s, size_t len)
{
	int rc = geo_put_ctrl(b, MT_STRING, len);
	return rc ? rc : buf_append(b, s, len);
}

/* An unsigned integer of type MT_UINT16/32/64 in as few bytes as it needs. */
static int geo_put_uint(struct buf *b, int type, uint64_t v)
{
	unsigned char be[8];
	size_t n = 0;
	for (int shift = 56; shift >= 0; shift -= 8)
		if (n || (v >> shift) & 0xFF)
			be[n++] = (unsigned char)(v >> shift);
	int rc = geo_put_ctrl(b, type, n);
	return rc ? rc : buf_append(b, be, n);
}

/* A pointer to offset off (< 2048) of the data section. */
static int geo_put_pointer(struct buf *b, uint32_t off)
{
	unsigned char p[2] = {(unsigned char)((MT_POINTER << 5) | ((off >> 8) & 7)),
	                      (unsigned char)off};
	return buf_append(b, p, 2);
}

/* ---------------------------------------------------------------------
 * Data records, stored once each */

static uint32_t geo_hash(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static int geo_slots_grow(struct geo *g)
{
	size_t cap = g->nslots ? g->nslots * 2 : 1024;
	struct geo_slot *s = calloc(cap, sizeof *s);
	if (!s)
		return HL_ENOMEM;
	for (size_t i = 0; i < g->nslots; i++) {
		if (!g->slot[i].len)
			continue;
		size_t j = g->slot[i].hash & (cap - 1);
		while (s[j].len)
			j = (j + 1) & (cap - 1);
		s[j] = g->slot[i];
	}
	free(g->slot);
	g->slot = s;
	g->nslots = cap;
	return 0;
}

/* The data section offset of the record {asn, org}: encoded at the end of
 * the data section, and taken back when an equal record is there already.
 * 0 or HL_ETOOBIG / HL_ENOMEM. */
static int geo_record(struct geo *g, uint32_t asn, const char *org, size_t org_len, uint32_t *off)
{
	int rc = 0;
	if ((g->nrecords + 1) * 2 > g->nslots && (rc = geo_slots_grow(g)))
		return rc;
	struct buf *d = &g->data;
	size_t at = d->len;
	rc = geo_put_ctrl(d, MT_MAP, 2);
	if (!rc)
		rc = geo_put_pointer(d, g->key_asn_off);
	if (!rc)
		rc = geo_put_uint(d, MT_UINT32, asn);
	if (!rc)
		rc = geo_put_pointer(d, g->key_org_off);
	if (!rc)
		rc = geo_put_string(d, org, org_len);
	if (rc) {
		d->len = at;
		if (d->data)
			d->data[at] = '\0';
		return rc;
	}
	const unsigned char *rec = (const unsigned char *)d->data + at;
	uint32_t len = (uint32_t)(d->len - at);
	uint32_t h = geo_hash(rec, len);
	size_t j = h & (g->nslots - 1);
	for (; g->slot[j].len; j = (j + 1) & (g->nslots - 1)) {
		const struct geo_slot *s = &g->slot[j];
		if (s->hash == h && s->len == len && !memcmp(d->data + s->off, rec, len)) {
			d->len = at; /* a copy: take it back */
			d->data[at] = '\0';
			*off = s->off;
			return 0;
		}
	}
	g->slot[j] = (struct geo_slot){(uint32_t)at, len, h};
	g->nrecords++;
	*off = (uint32_t)at;
	return 0;
}

/* ---------------------------------------------------------------------
 * Ranges to networks */

static int geo_add_prefix(struct geo *g, geo_u128 addr, int len, uint32_t rec)
{
	if (g->nprefixes >= GEO_MAX_PREFIXES)
		return HL_ETOOBIG;
	struct geo_bucket *b = &g->bucket[len];
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct geo_prefix *p = realloc(b->p, cap * sizeof *p);
		if (!p)
			return HL_ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	struct geo_prefix *p = &b->p[b->n++];
	p->w[0] = (uint32_t)(addr >> 96);
	p->w[1] = (uint32_t)(addr >> 64);
	p->w[2] = (uint32_t)(addr >> 32);
	p->w[3] = (uint32_t)addr;
	p->rec = rec;
	g->nprefixes++;
	return 0;
}

static int geo_ctz(geo_u128 v)
{
	uint64_t lo = (uint64_t)v;
	return lo ? __builtin_ctzll(lo) : 64 + __builtin_ctzll((uint64_t)(v >> 64));
}

/* floor(log2(v)), v != 0 */
static int geo_log2(geo_u128 v)
{
	uint64_t hi = (uint64_t)(v >> 64);
	return hi ? 127 - __builtin_clzll(hi) : 63 - __builtin_clzll((uint64_t)v);
}

/* The CIDR networks covering start..end (start <= end), largest first in
 * address order, as Python's summarize_address_range. */
static int geo_add_range(struct geo *g, geo_u128 start, geo_u128 end, uint32_t rec)
{
	for (;;) {
		int tz = start ? geo_ctz(start) : 128;
		geo_u128 span = end - start; /* size - 1 */
		int fit = span == ~(geo_u128)0 ? 128 : geo_log2(span + 1);
		int k = tz < fit ? tz : fit;
		int rc = geo_add_prefix(g, start, 128 - k, rec);
		if (rc)
			return rc;
		if (k == 128)
			return 0;
		geo_u128 last = start + (((geo_u128)1 << k) - 1);
		if (last == end)
			return 0;
		start = last + 1;
	}
}

/* ---------------------------------------------------------------------
 * The tree */

static int geo_new_node(struct geo *g, uint32_t fill, uint32_t *idx)
{
	if (g->nnodes >= GEO_MAX_NODES)
		return HL_ETOOBIG;
	if (g->nnodes == g->node_cap) {
		size_t cap = g->node_cap ? g->node_cap * 2 : 65536;
		if (cap > GEO_MAX_NODES)
			cap = GEO_MAX_NODES;
		void *p = realloc(g->node, cap * sizeof *g->node);
		if (!p)
			return HL_ENOMEM;
		g->node = p;
		g->node_cap = cap;
	}
	*idx = (uint32_t)g->nnodes++;
	g->node[*idx][0] = g->node[*idx][1] = fill;
	return 0;
}

static int geo_bit(const uint32_t w[4], int i)
{
	return (w[i >> 5] >> (31 - (i & 31))) & 1;
}

/* Puts one network in the tree. Networks come shortest first, so the
 * record the network ends on is empty or data (a wider network, or an
 * equal one of an earlier row), never a node: nodes below depth len are
 * only made by longer networks. */
static int geo_insert(struct geo *g, const struct geo_prefix *p, int len)
{
	if (len == 0) {
		g->node[0][0] = g->node[0][1] = p->rec;
		return 0;
	}
	uint32_t cur = 0;
	for (int i = 0; i < len - 1; i++) {
		int b = geo_bit(p->w, i);
		uint32_t r = g->node[cur][b];
		if (r & GEO_REC_DATA) {
			/* empty or data: split it, both halves keeping it */
			uint32_t n;
			int rc = geo_new_node(g, r, &n);
			if (rc)
				return rc;
			g->node[cur][b] = n;
			r = n;
		}
		cur = r;
	}
	g->node[cur][geo_bit(p->w, len - 1)] = p->rec;
	return 0;
}

static int geo_build_tree(struct geo *g)
{
	uint32_t root;
	int rc = geo_new_node(g, GEO_REC_EMPTY, &root);
	for (int len = 0; !rc && len <= 128; len++) {
		struct geo_bucket *b = &g->bucket[len];
		for (size_t i = 0; !rc && i < b->n; i++)
			rc = geo_insert(g, &b->p[i], len);
		free(b->p);
		b->p = NULL;
		b->n = b->cap = 0;
	}
	return rc;
}

/* ---------------------------------------------------------------------
 * CSV */

struct geo_reader {
	FILE *f;
	size_t pos, len;
	char buf[1 << 16];
};

/* The next line (without its newline) into line[0..*n), at most cap bytes;
 * *too_long when it had more (the rest is skipped). 1 a line, 0 end of
 * file, -1 read error. */
static int geo_read_line(struct geo_reader *r, char *line, size_t cap, size_t *n, bool *too_long)
{
	bool any = false;
	*n = 0;
	*too_long = false;
	for (;;) {
		if (r->pos == r->len) {
			r->pos = 0;
			r->len = fread(r->buf, 1, sizeof r->buf, r->f);
			if (r->len == 0)
				return ferror(r->f) ? -1 : any;
		}
		any = true;
		char *start = r->buf + r->pos;
		size_t avail = r->len - r->pos;
		char *nl = memchr(start, '\n', avail);
		size_t take = nl ? (size_t)(nl - start) : avail;
		size_t room = cap - *n;
		if (take > room) {
			*too_long = true;
			memcpy(line + *n, start, room);
			*n = cap;
		} else {
			memcpy(line + *n, start, take);
			*n += take;
		}
		r->pos += take + (nl ? 1 : 0);
		if (nl)
			return 1;
	}
}

/* Splits line[0..n) (one byte more allocated) into exactly four fields,
 * unquoted in place and NUL-terminated. NULL, or why the row is bad. */
static const char *geo_split(char *line, size_t n, char *field[4], size_t flen[4])
{
	size_t i = 0, w = 0;
	int nf = 0;
	for (;;) {
		if (nf == 4)
			return "more than 4 fields (an organisation with a comma must be quoted)";
		size_t start = w;
		if (i < n && line[i] == '"') {
			i++;
			for (;;) {
				if (i >= n)
					return "a quoted field is not closed";
				if (line[i] == '"') {
					if (i + 1 < n && line[i + 1] == '"') {
						line[w++] = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				line[w++] = line[i++];
			}
			if (i < n && line[i] != ',')
				return "text after the closing quote of a field";
		} else {
			while (i < n && line[i] != ',')
				line[w++] = line[i++];
		}
		bool more = i < n; /* line[i] is the comma */
		field[nf] = line + start;
		flen[nf++] = w - start;
		line[w++] = '\0';
		if (!more)
			break;
		i++;
	}
	if (nf < 4)
		return "fewer than 4 fields";
	return NULL;
}

/* An address into *out (IPv4 as ::a.b.c.d); its family, or 0. */
static int geo_parse_ip(const char *s, geo_u128 *out)
{
	if (strchr(s, ':')) {
		unsigned char a[16];
		if (inet_pton(AF_INET6, s, a) != 1)
			return 0;
		geo_u128 v = 0;
		for (int i = 0; i < 16; i++)
			v = (v << 8) | a[i];
		*out = v;
		return AF_INET6;
	}
	unsigned char a[4];
	if (inet_pton(AF_INET, s, a) != 1)
		return 0;
	*out = ((geo_u128)a[0] << 24) | ((geo_u128)a[1] << 16) | ((geo_u128)a[2] << 8) | a[3];
	return AF_INET;
}

static int geo_parse_asn(const char *s, size_t n, uint32_t *out)
{
	if (n == 0 || n > 10)
		return -1;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Byte length of the first max characters of the valid UTF-8 s[0..n). */
static size_t geo_cut_chars(const char *s, size_t n, size_t max)
{
	size_t chars = 0;
	for (size_t i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (chars == max)
				return i;
			chars++;
		}
	}
	return n;
}

static void geo_bad(struct geo *g, const char *path, unsigned long lineno, const char *why)
{
	if (g->bad < GEO_MAX_REPORTED)
		fprintf(stderr, "hotline geo: %s:%lu: %s; row skipped\n", path, lineno, why);
	else if (g->bad == GEO_MAX_REPORTED)
		fprintf(stderr, "hotline geo: further bad rows are only counted\n");
	g->bad++;
}

/* One row: NULL and *rc 0 when stored; the reason it is bad; or NULL with
 * *rc set when a limit or memory ran out. */
static const char *geo_row(struct geo *g, char *line, size_t n, int *rc)
{
	char *f[4];
	size_t fl[4];
	*rc = 0;
	if (memchr(line, '\0', n))
		return "a NUL byte in the line";
	const char *why = geo_split(line, n, f, fl);
	if (why)
		return why;
	geo_u128 a, b;
	int fa = geo_parse_ip(f[0], &a);
	if (!fa)
		return "the start is not an IP address";
	int fb = geo_parse_ip(f[1], &b);
	if (!fb)
		return "the end is not an IP address";
	if (fa != fb)
		return "the start and the end are not of one family";
	if (a > b)
		return "the start comes after the end";
	uint32_t asn;
	if (geo_parse_asn(f[2], fl[2], &asn))
		return "the ASN is not a number from 0 to 4294967295";
	if (!utf8_valid(f[3], fl[3]))
		return "the organisation is not valid UTF-8";
	if (utf8_has_controls(f[3], false))
		return "the organisation holds a control character";
	size_t olen = geo_cut_chars(f[3], fl[3], GEO_ORG_MAX_CHARS);
	uint32_t off;
	if ((*rc = geo_record(g, asn, f[3], olen, &off)))
		return NULL;
	/* IPv4 addresses are ::a.b.c.d already: the IPv4 tree under ::/96 */
	*rc = geo_add_range(g, a, b, GEO_REC_DATA | off);
	if (!*rc)
		g->rows++;
	return NULL;
}

static const char *geo_limit_text(int rc)
{
	return rc == HL_ENOMEM ? "out of memory"
	                       : "too much data: a limit was reached (see 'hotline geo asn-mmdb "
	                         "--help')";
}

/* Reads one CSV file into g. 0, or the exit status. */
static int geo_read_csv(struct geo *g, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "hotline geo: cannot read %s: %s\n", path, strerror(errno));
		return EXIT_RUNTIME;
	}
	struct geo_reader *r = malloc(sizeof *r);
	char *line = malloc(GEO_MAX_LINE + 1);
	if (!r || !line) {
		free(r);
		free(line);
		fclose(f);
		fprintf(stderr, "hotline geo: out of memory\n");
		return EXIT_RUNTIME;
	}
	r->f = f;
	r->pos = r->len = 0;
	int status = 0;
	unsigned long lineno = 0;
	size_t n;
	bool too_long;
	int got;
	while ((got = geo_read_line(r, line, GEO_MAX_LINE, &n, &too_long)) == 1) {
		lineno++;
		if (too_long) {
			geo_bad(g, path, lineno, "line longer than 4096 bytes");
			continue;
		}
		if (n && line[n - 1] == '\r')
			n--;
		if (n == 0)
			continue;
		line[n] = '\0';
		int rc;
		const char *why = geo_row(g, line, n, &rc);
		if (why) {
			geo_bad(g, path, lineno, why);
		} else if (rc) {
			fprintf(stderr, "hotline geo: %s:%lu: %s\n", path, lineno,
			        geo_limit_text(rc));
			status = EXIT_RUNTIME;
			break;
		}
	}
	if (got < 0) {
		fprintf(stderr, "hotline geo: cannot read %s: %s\n", path, strerror(errno));
		status = EXIT_RUNTIME;
	}
	free(line);
	free(r);
	fclose(f);
	return status;
}

/* ---------------------------------------------------------------------
 * Writing */

static int geo_metadata(struct geo *g, struct buf *m)
{
	int rc = geo_put_ctrl(m, MT_MAP, 9);
#define KEY(k) (rc = rc ? rc : geo_put_string(m, k, strlen(k)))
	KEY("binary_format_major_version");
	rc = rc ? rc : geo_put_uint(m, MT_UINT16, 2);
	KEY("binary_format_minor_version");
	rc = rc ? rc : geo_put_uint(m, MT_UINT16, 0);
	KEY("build_epoch");
	rc = rc ? rc : geo_put_uint(m, MT_UINT64, (uint64_t)time(NULL));
	KEY("database_type");
	KEY("ip-location-db-ASN");
	KEY("description");
	rc = rc ? rc : geo_put_ctrl(m, MT_MAP, 1);
	KEY("en");
	KEY(GEO_DESCRIPTION);
	KEY("ip_version");
	rc = rc ? rc : geo_put_uint(m, MT_UINT16, 6);
	KEY("languages");
	rc = rc ? rc : geo_put_ctrl(m, MT_ARRAY, 0);
	KEY("node_count");
	rc = rc ? rc : geo_put_uint(m, MT_UINT32, g->nnodes);
	KEY("record_size");
	rc = rc ? rc : geo_put_uint(m, MT_UINT16, 32);
#undef KEY
	return rc;
}

static uint32_t geo_final(const struct geo *g, uint32_t r)
{
	uint32_t n = (uint32_t)g->nnodes;
	if (r == GEO_REC_EMPTY)
		return n;
	if (r & GEO_REC_DATA)
		return n + 16 + (r & ~GEO_REC_DATA);
	return r;
}

/* Writes the tree, the data section and the metadata to path. 0 or -1
 * (errno set). */
static int geo_write(struct geo *g, const char *path)
{
	struct buf meta;
	buf_init(&meta, 4096);
	if (geo_metadata(g, &meta)) {
		buf_free(&meta);
		errno = ENOMEM;
		return -1;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (!f) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		buf_free(&meta);
		errno = e;
		return -1;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	for (size_t i = 0; i < g->nnodes; i++) {
		unsigned char out[8];
		for (int k = 0; k < 2; k++) {
			uint32_t v = geo_final(g, g->node[i][k]);
			out[k * 4] = (unsigned char)(v >> 24);
			out[k * 4 + 1] = (unsigned char)(v >> 16);
			out[k * 4 + 2] = (unsigned char)(v >> 8);
			out[k * 4 + 3] = (unsigned char)v;
		}
		fwrite(out, 1, 8, f);
	}
	static const unsigned char zeros[16];
	static const char marker[] = "\xAB\xCD\xEFMaxMind.com";
	fwrite(zeros, 1, 16, f);
	fwrite(g->data.data, 1, g->data.len, f);
	fwrite(marker, 1, sizeof marker - 1, f);
	fwrite(meta.data, 1, meta.len, f);
	buf_free(&meta);
	bool failed = ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0;
	int e = failed ? (errno ? errno : EIO) : 0;
	if (fclose(f) != 0 && !failed) {
		failed = true;
		e = errno;
	}
	errno = e;
	return failed ? -1 : 0;
}

static void geo_free(struct geo *g)
{
	for (int i = 0; i <= 128; i++)
		free(g->bucket[i].p);
	buf_free(&g->data);
	free(g->slot);
	free(g->node);
}

static int geo_asn_mmdb(int argc, char **argv)
{
	static const struct option lo[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'h': geo_help(); return 0;
		default:
			cli_usage_error("geo", "unknown option '%s'", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (argc - optind < 2) {
		cli_usage_error("geo", "asn-mmdb needs OUT.mmdb and at least one CSV file");
		return EXIT_USAGE;
	}
	const char *out = argv[optind];
	struct geo *g = calloc(1, sizeof *g);
	size_t tlen = strlen(out) + 5;
	char *tmp = malloc(tlen);
	if (!g || !tmp) {
		free(g);
		free(tmp);
		fprintf(stderr, "hotline geo: out of memory\n");
		return EXIT_RUNTIME;
	}
	snprintf(tmp, tlen, "%s.tmp", out);
	buf_init(&g->data, GEO_MAX_DATA);
	int status = 0;
	/* the two map keys, pointed to by every record */
	g->key_asn_off = (uint32_t)g->data.len;
	if (geo_put_string(&g->data, GEO_KEY_ASN, strlen(GEO_KEY_ASN)))
		status = EXIT_RUNTIME;
	g->key_org_off = (uint32_t)g->data.len;
	if (!status && geo_put_string(&g->data, GEO_KEY_ORG, strlen(GEO_KEY_ORG)))
		status = EXIT_RUNTIME;
	for (int i = optind + 1; !status && i < argc; i++)
		status = geo_read_csv(g, argv[i]);
	if (!status && g->rows == 0) {
		fprintf(stderr, "hotline geo: no valid row; %s not written\n", out);
		status = EXIT_RUNTIME;
	}
	size_t nets = g->nprefixes;
	if (!status) {
		int rc = geo_build_tree(g);
		if (!rc && (uint64_t)g->nnodes + 16 + g->data.len > UINT32_MAX)
			rc = HL_ETOOBIG;
		if (rc) {
			fprintf(stderr, "hotline geo: %s\n", geo_limit_text(rc));
			status = EXIT_RUNTIME;
		}
	}
	if (!status) {
		if (geo_write(g, tmp) || rename(tmp, out)) {
			fprintf(stderr, "hotline geo: cannot write %s: %s\n", out, strerror(errno));
			unlink(tmp);
			status = EXIT_RUNTIME;
		}
	}
	if (!status)
		printf("hotline geo: %s: %lu ranges, %zu networks, %zu distinct records, %zu "
		       "nodes; %lu bad rows skipped\n",
		       out, g->rows, nets, g->nrecords, g->nnodes, g->bad);
	geo_free(g);
	free(g);
	free(tmp);
	return status;
}

int cmd_geo(int argc, char **argv)
{
	if (argc < 2) {
		cli_usage_error("geo", "a subcommand is needed (asn-mmdb)");
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		geo_top_help();
		return 0;
	}
	if (!strcmp(argv[1], "asn-mmdb"))
		return geo_asn_mmdb(argc - 1, argv + 1);
	cli_usage_error("geo", "unknown subcommand '%s'", argv[1]);
	return EXIT_USAGE;
}
