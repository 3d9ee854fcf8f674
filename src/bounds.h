/* SPDX-License-Identifier: MIT */
/* bounds.h: every limit and default timeout of sealpost, in one place.
 * Units are in the comments; RFC sections say where a number comes from. */
#ifndef SEALPOST_BOUNDS_H
#define SEALPOST_BOUNDS_H

/* SMTP replies (RFC 5321 4.5.3.1.5 says 512 octets per line; we allow a margin,
 * and AUTH challenges up to 12288 octets, RFC 4954 4). */
#define SMTP_REPLY_LINE_MAX     4096    /* bytes per reply line, without CRLF */
#define SMTP_AUTH_LINE_MAX      12288   /* bytes per 334 challenge line */
#define SMTP_REPLY_LINES_MAX    1000    /* lines in one multi-line reply */
#define SMTP_REPLY_TOTAL_MAX    65536   /* bytes in one whole reply */
#define SMTP_CMD_LINE_MAX       512     /* RFC 5321 4.5.3.1.4, incl. CRLF */
#define LOG_TAG_MAX             32      /* bytes of a -L syslog tag */
#define LOG_TO_MAX              1024    /* bytes of recipients in one log line */
#define SMTP_PATH_MAX           256     /* RFC 5321 4.5.3.1.3 */
#define SMTP_RCPT_MAX           1000    /* recipients per message */
#define SMTP_TEXT_SHOWN_MAX     255     /* server text kept for messages and logs */

/* Message intake. */
#define MSG_LINE_MAX            998     /* RFC 5322 2.1.1, without CRLF */
#define MSG_FOLD_MAX            78      /* RFC 5322 2.1.1 SHOULD; generated fields */
#define MSG_EW_LINE_MAX         76      /* RFC 2047 2: a line with an encoded word */
#define MSG_EW_TEXT_MAX         42      /* octets per encoded word: 68 encoded */
#define MSG_EW_MAX              75      /* RFC 2047 2: octets of one encoded word */
#define MSG_EW_OVERHEAD         12      /* "=?UTF-8?Q?" and "?=" */
#define MSG_EW_ROOM_MIN         16      /* room below which a word waits for the next line */
#define MSG_NAME_MAX            900     /* octets of a display name, else none */
#define MSG_HEADER_MAX          (1024 * 1024)   /* bytes of the whole header block */
#define MSG_HEADER_FIELDS_MAX   10000   /* header fields in one message */
#define MSG_ADDR_MAX            1000    /* bytes of one address */
#define MSG_ADDRLIST_MAX        (256 * 1024)    /* bytes of one address-list value */

/* I/O sizes. */
#define CONN_RBUF_SIZE          16384   /* bytes buffered from the peer */
#define BODY_CHUNK_SIZE         65536   /* bytes read from the message file per write */
#define SMTP_GROUP_RCPTS        100     /* RCPT commands in one pipelined group */
/* Largest message sent in the same flight as its envelope (BDAT, RFC
 * 3030): what a refused MAIL or RCPT can waste. */
#define BDAT_FLIGHT_MAX         (1024 * 1024)
/* Queue runs (smtp_send_stream()): messages whose flights are out before
 * the replies to the first are read; their replies (a few hundred bytes
 * each) must fit the socket buffers, or a server blocked writing them
 * would stop reading what we send. */
#define SMTP_STREAM_MAX         16
#define RUNQ_STREAM_MAX         64      /* locked entries a queue run hands over at once */

/* Configuration. libinih (Debian r55) reads into a 200-byte buffer
 * (INI_MAX_LINE) and silently splits longer lines; our reader hands it the
 * lines that fit and splits a longer key = value line itself, by libinih's
 * rules (config.c); past CONFIG_LINE_MAX a line is an error. */
#define CONFIG_LINE_MAX         1000    /* bytes of one line, without CR LF */
#define CONFIG_FILE_MAX         (1024 * 1024)   /* bytes */
#define CONFIG_PINS_MAX         16      /* tls_fingerprint entries per account */
#define SECRET_MAX              4096    /* bytes of a password or token */
#define SECRET_CMD_TIMEOUT_MS   30000   /* password_command deadline */
#define IMPORT_LINE_MAX         1000    /* bytes of one line of an imported file
                                         * (msmtp's own limit is 500) */
#define IMPORT_WARN_MAX         200     /* warning lines --import prints; then a count */
#define IMPORT_SECTION_MAX      190     /* bytes of a [section] line --import writes: one
                                         * libinih reads whole (its 200-byte buffer) */

/* Timeouts, milliseconds. RFC 5321 4.5.3.2 values cap command_timeout. */
#define TIMEOUT_CONNECT_MS      30000
#define TIMEOUT_COMMAND_MS      300000  /* default command_timeout */
#define TIMEOUT_SESSION_MS      1800000 /* default session_timeout */
#define TIMEOUT_GREETING_MS     300000  /* 4.5.3.2.1 */
#define TIMEOUT_MAIL_MS         300000  /* 4.5.3.2.2 */
#define TIMEOUT_RCPT_MS         300000  /* 4.5.3.2.3 */
#define TIMEOUT_DATA_INIT_MS    120000  /* 4.5.3.2.4 */
#define TIMEOUT_DATA_BLOCK_MS   180000  /* 4.5.3.2.5 */
#define TIMEOUT_DATA_DONE_MS    600000  /* 4.5.3.2.6 */
#define TIMEOUT_QUIT_MS         10000   /* we do not wait long for 221 */
#define TIMEOUT_TLS_BYE_MS      2000

/* Queue defaults, seconds. */
#define RETRY_MIN_S             300
#define RETRY_MAX_S             10800
#define QUEUE_LIFETIME_S        (5 * 86400)
/* One entry of mailq --json: an envelope is at most 4 MiB (spool.c) and
 * escaping makes an octet at most 6 ("\u00XX"). */
#define JSON_ENTRY_MAX          (6 * 4 * 1024 * 1024 + 65536)

/* DNS (dns.c, dnsmsg.c, mx.c). */
#define DNS_UDP_SIZE            1232    /* EDNS0 size we offer (DNS flag day 2020) */
#define DNS_ANSWER_RRS_MAX      100     /* answer records kept; more is refused */
#define DNS_CNAME_MAX           8       /* CNAMEs followed in one lookup */
#define DNS_SERVERS_MAX         3       /* nameservers tried, as resolv.conf's MAXNS */
#define DNS_TRY_MS              2000    /* first wait for a UDP answer; doubles */
#define MX_HOSTS_MAX            16      /* MX hosts tried per domain */
#define MX_ADDRS_MAX            4       /* addresses tried per MX host */
#define DELIVER_CACHE_MAX       8       /* idle sessions a queue run keeps open */
#define DELIVER_DEAD_MAX        64      /* unreachable hops a queue run remembers */
#define NET_ADDRS_MAX           16      /* addresses of one host name tried */

#endif
