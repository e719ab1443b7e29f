/* hosting.h — where an item is hosted: its host name resolved off the
 * request path, and the country and network (AS number and name) of its
 * addresses from MMDB databases read with libmaxminddb.
 *
 * One worker thread (started by `hotline serve`) takes items waiting for a
 * look-up, resolves their hosts through c-ares (up to 64 names in flight,
 * each given up after resolver_timeout_ms) and records what it found;
 * nothing else ever touches the network, and the content at a URL is never
 * fetched. Intake never waits for it.
 *
 * Profile keys:
 *   geo_country_mmdb  a country database (default DATA/geo/country.mmdb)
 *   geo_asn_mmdb      an ASN database (default DATA/geo/asn.mmdb)
 *   resolver_hosts    a hosts file ("ADDRESS NAME..." lines); when set, names
 *                     are resolved from it alone, never through DNS (tests)
 *   resolver_servers  DNS servers, "ADDRESS[:PORT],..." (IPv6 as [ADDR]:PORT);
 *                     default: the system's (/etc/resolv.conf)
 *   resolver_timeout_ms  per name, default 3000 (100 to 60000) */
#ifndef HL_HOSTING_H
#define HL_HOSTING_H


#include "hotline.h"

struct hosting;

/* Opens the databases and the hosts file the profile names (missing
 * databases leave country or network empty). Returns 0 and *out. */
int hosting_open(struct hotline *hl, struct hosting **out);
void hosting_close(struct hosting *h);
/* Starts and stops the worker thread. */
int hosting_start(struct hosting *h);
void hosting_stop(struct hosting *h);
/* Asks the worker to look now (after intake made new items). */
void hosting_wake(struct hosting *h);

/* Looks up every pending item once (what the worker does each round).
 * Returns the number looked up, or a negative error. */
int hosting_run_once(struct hosting *h);

#endif
