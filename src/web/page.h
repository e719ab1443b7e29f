/* page.h — rendering whole HTML pages with the variables every page has:
 * the language, the language switch, the organisation's profile. */
#ifndef HL_PAGE_H
#define HL_PAGE_H

#include "http.h"
#include "tpl.h"

/* Fills vars with the common variables for r (the language switch points
 * at switch_path, e.g. "/report?kind=exploitation"). */
void page_vars(struct req *r, struct tpl_vars *vars, const char *switch_path);
/* Renders template tpl (with its header and footer) and answers. */
void page_reply(struct req *r, unsigned status, const char *tpl, struct tpl_vars *vars);
/* The message for one field error in r->lang: "error.<field>.<code>" when
 * the catalogue has it, else "error.<code>". field may be NULL. */
const char *page_error_message(struct req *r, const char *field, const char *code);
/* A console page's variables (console_pages.c): the above, the title,
 * the staff member, the CSRF token and the navigation their role may use;
 * the page is not cached. NULL without memory. */
struct tpl_vars *console_page_vars(struct req *r, const char *title_key, const char *switch_path);

#endif
