/* What the text and the HTML forms of --explain share, inside src/cli. */
#ifndef SB_CLI_EXPLAIN_INT_H
#define SB_CLI_EXPLAIN_INT_H

#include "image/image.h"

/* The config field a metadata instruction sets ("Entrypoint" for
 * "ENTRYPOINT [...]", "author" for MAINTAINER), or NULL. Static. */
const char *sb_explain_field_of(const char *text);

/* The letter ls(1) shows for e's type. */
char sb_explain_type_letter(const struct img_entry *e);

#endif
