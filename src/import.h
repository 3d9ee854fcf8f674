/* SPDX-License-Identifier: MIT */
/* import.h: sealpost --import FORMAT [FILE]: another sendmail client's
 * configuration (msmtp's msmtprc, ssmtp.conf, dma.conf) converted to a
 * sealpost.conf(5) text
 * (sealpost(8) IMPORTING AN MSMTP CONFIGURATION). */
#ifndef SEALPOST_IMPORT_H
#define SEALPOST_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "import_out.h"

/* import_format_known: is format one we convert ("msmtp" or "msmtprc",
 * "ssmtp", "dma")? */
bool import_format_known(const char *format);

/* import_convert: convert text (len bytes, named name in messages) in the
 * given format. On ERR_OK, out holds a configuration that config_parse_mem()
 * accepts, and warn one line per setting not carried over, each
 * "NAME:LINE: setting: why" and '\n'-terminated (a bounded number; then one
 * line saying how many more). Never is a password or other secret read from
 * text written to out, warn or err. Errors, with "NAME:LINE: what" in err:
 *   ERR_CONFIG  the file is malformed (a line over IMPORT_LINE_MAX, a NUL
 *               byte, an account defined twice or inheriting from an unknown
 *               one), or no account could be carried over;
 *   ERR_USAGE   format is not one import_format_known() accepts;
 *   ERR_INTERNAL  the text made does not parse as sealpost.conf (a bug). */
enum err import_convert(const char *format, const char *name, const char *text,
    size_t len, const struct import_io *io, struct buf *out, struct buf *warn,
    struct buf *err) WUR;

/* import_main: the --import mode: read file (NULL: for msmtp ~/.msmtprc,
 * else $XDG_CONFIG_HOME/msmtp/config, as msmtp looks them up; for ssmtp
 * /etc/ssmtp/ssmtp.conf; for dma /etc/dma/dma.conf), print the
 * converted configuration on stdout and the warnings on stderr. Returns the
 * exit status: 0; 66 (EX_NOINPUT) when the file is missing or unreadable; 78
 * (EX_CONFIG) when it is malformed or nothing could be carried over; 64 for
 * an unknown format; 70 for an internal error. */
int import_main(const char *format, const char *file);

#endif
