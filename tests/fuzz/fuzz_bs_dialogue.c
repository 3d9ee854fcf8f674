// SPDX-License-Identifier: MIT
/* fuzz_bs_dialogue.c: the whole -bs server (smtpd_stdio_run) on arbitrary
 * caller input: commands, state changes, DATA framing and unstuffing. A
 * message that completes goes through submit() to 127.0.0.1:1, which
 * refuses at once (queue = no), so nothing leaves the machine. The server
 * must end (QUIT, end of input or error) without crashing. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <fcntl.h>

#include "cli.h"
#include "config.h"
#include "log.h"
#include "smtpd_stdio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char conf[] =
    "[global]\nhostname = fuzz.example\nlog = none\nqueue = no\n"
    "connect_timeout = 1s\ncommand_timeout = 1s\nsession_timeout = 2s\n"
    "[account default]\nhost = 127.0.0.1\nport = 1\nfrom = a@fuzz.example\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	static int ready, devnull = -1;
	struct opts o;
	struct buf err;
	int in;

	if (!ready) {
		buf_init(&err, 1024);
		config_defaults(&cfg);
		if (config_parse_mem(&cfg, "fuzz", conf, sizeof conf - 1, &err) != ERR_OK)
			abort();
		buf_free(&err);
		devnull = open("/dev/null", O_WRONLY);
		log_setup(LOG_TARGET_NONE, NULL, "fuzz");
		log_quiet(true);
		ready = 1;
	}
	in = memfd_create("bs", MFD_CLOEXEC);
	if (in < 0 || write(in, data, size) != (ssize_t)size || lseek(in, 0, SEEK_SET) != 0)
		abort();
	memset(&o, 0, sizeof o);
	o.mode = MODE_SMTP_STDIO;
	(void)smtpd_stdio_run(&cfg, &o, in, devnull);
	close(in);
	return 0;
}
