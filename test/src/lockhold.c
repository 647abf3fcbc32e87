// SPDX-License-Identifier: GPL-2.0
/*
 * lockhold - hold alsactl's lock on a file for a while, as "alsactl
 * restore" holds /var/lock/cardN.lock while it restores card N: a write
 * lock (fcntl) on the first 11 bytes.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: lockhold FILE SECONDS [READY]\n"
"Take a write lock (fcntl) on bytes 0..10 of FILE, created if missing, as\n"
"alsactl's lock.c does, create READY once it is held, hold it SECONDS,\n"
"then exit.  Exit status: 0, or 2 on a setup error.\n");
}

int main(int argc, char **argv)
{
	struct flock lck = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			     .l_len = 11 };
	double secs;
	int fd;

	if (argc == 2 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if ((argc != 3 && argc != 4) || parse_double(argv[2], 0, 3600, &secs)) {
		usage(stderr);
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CREAT, 0644);
	if (fd < 0 || fcntl(fd, F_SETLKW, &lck)) {
		perror("lockhold");
		return 2;
	}
	if (argc == 4) {
		int r = open(argv[3], O_WRONLY | O_CREAT, 0644);

		if (r < 0) {
			perror("lockhold: READY");
			return 2;
		}
		close(r);
	}
	usleep((useconds_t)(secs * 1e6));
	close(fd);
	return 0;
}
